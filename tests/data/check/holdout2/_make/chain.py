"""Rounded-arithmetic bookkeeping for hand-written sheets.

A Sheet keeps two environments: W (the values as written, rounded, as a person carries them on) and X (the same
formulas evaluated exactly).  Every step's written string is checked against both at the precision written:
the written value must be within half a unit of its last digit of the value computed from the written inputs
(carried forward) and of the exact value (in the writer's world: a marked step uses the writer's formula).
A marked step is also checked to be detectably wrong: the correct formula applied to the written inputs must
NOT round to the written string.  Templates use <<name>> (or <<name:abs>>) placeholders.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent
PROBLEMS = []


class Env(dict):
    def __getattr__(self, k):
        try:
            return self[k]
        except KeyError as e:
            raise AttributeError(k) from e


def half_unit(s: str) -> float:
    d = Decimal(s)
    return float(Decimal(5) * Decimal(10) ** (d.as_tuple().exponent - 1))


def fmt(v: float, sig: int | None = 4, dec: int | None = None) -> str:
    if dec is None:
        if v == 0:
            return "0"
        e = math.floor(math.log10(abs(v)))
        dec = sig - 1 - e
    q = Decimal(1) if dec <= 0 else Decimal(1).scaleb(-dec)
    d = Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP)
    s = format(d, "f")
    if s in ("-0", "-0.0") or re.fullmatch(r"-0\.0+", s):
        s = s[1:]
    return s


class Problems(Exception):
    pass


ERRORS = []
import os
DEBUG = os.environ.get("DEBUG")


def within(s: str, v: float, rel=1e-9) -> bool:
    return abs(float(s) - v) <= half_unit(s) * (1 + rel) + 1e-15


class Sheet:
    def __init__(self, name: str, problem: dict):
        self.name, self.problem = name, problem
        self.W, self.X, self.S = Env(), Env(), {}
        self.notes = []

    def inp(self, name, value, s=None):
        self.W[name] = self.X[name] = value
        self.S[name] = s if s is not None else "%.12g" % value

    def step(self, name, f, sig=4, dec=None, s=None, correct=None, exact=None, tie_ok=False):
        """f: the formula the writer uses (applied to W and to X); correct: the right formula, for a marked step;
        exact: override of the exact-world formula (rarely needed)."""
        vw = f(self.W)
        vx = (exact or f)(self.X)
        if s is None:
            s = fmt(vw, sig, dec)
        h = half_unit(s)
        for label, v in (("carried", vw), ("exact", vx)):
            if not within(s, v):
                ERRORS.append(f"{self.name}: {name} = {s}: {label} value {v!r} outside ±{h:g}")
            elif abs(abs(float(s) - v) - h) < 0.05 * h and not tie_ok:
                self.notes.append(f"{name} = {s}: {label} value {v!r} near a rounding tie")
        if correct is not None:
            vc = correct(self.W)
            if within(s, vc):
                ERRORS.append(f"{self.name}: marked step {name} = {s} is right anyway (correct {vc!r})")
            self.notes.append(f"{name}: written {s}, correct from written inputs {vc:.6g}")
        self.W[name] = float(s)
        self.X[name] = vx
        self.S[name] = s
        if DEBUG:
            print(f"    [{self.name}] {name:8s} written {s:>12s}  carried {vw:.8g}  exact {vx:.8g}")
        return s

    def lit(self, name, s, exact_value=None):
        """A literal the writer states (exact)."""
        self.W[name] = float(s)
        self.X[name] = float(s) if exact_value is None else exact_value
        self.S[name] = s
        if exact_value is not None and not within(s, exact_value):
            ERRORS.append(f"{self.name}: literal {name} = {s} vs {exact_value!r}")

    def truth(self, name, value, world="X", rtol=1e-9):
        """Assert that a quantity of the sheet equals an independent value (sympy / torch)."""
        env = self.X if world == "X" else self.W
        if abs(env[name] - value) > rtol * max(1, abs(value)):
            ERRORS.append(f"{self.name}: {name} exact {env[name]!r} != independent {value!r}")
        if not within(self.S[name], value):
            ERRORS.append(f"{self.name}: {name} written {self.S[name]} != independent {value!r}")

    def render(self, template: str) -> str:
        def sub(m):
            key, mod = m.group(1), m.group(2)
            s = self.S[key]
            if mod == "abs":
                s = s.lstrip("-")
            return s
        body = re.sub(r"<<([A-Za-z0-9_]+)(?::(abs))?>>", sub, template)
        if "<<" in body:
            raise ValueError(f"{self.name}: unfilled placeholder")
        return body

    def write(self, template: str):
        body = self.render(template).strip("\n") + "\n"
        text = json.dumps(self.problem, ensure_ascii=False) + "\n---\n" + body
        (OUT / f"{self.name}.md").write_text(text)
        PROBLEMS.append(self.name)
        for n in self.notes:
            print(f"  note {self.name}: {n}")


def report():
    if ERRORS:
        print("ERRORS:")
        for e in ERRORS:
            print("  " + e)
        raise SystemExit(1)
    print(f"ok: {len(PROBLEMS)} sheets written: {', '.join(PROBLEMS)}")
