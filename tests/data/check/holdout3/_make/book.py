"""Bookkeeping for hand-written sheets: every written number is kept twice.

W holds the values as the writer wrote them (rounded) and carries them on; X holds the same formulas evaluated
without rounding, in the writer's world (a marked step uses the writer's own formula in both).  A written
string must lie within half a unit of its last digit of BOTH the value computed from the written inputs and the
exact value.  A step given ``right=`` (the correct formula) is a marked mistake: the correct formula applied to
the written inputs must NOT round to what is written.  Templates use {{name}} or {{name|abs}} placeholders.
"""
from __future__ import annotations

import json
import math
import re
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
ERRORS: list[str] = []
DONE: list[str] = []
MARK_RE = re.compile(r"%WRONG(?::([A-Za-z0-9_-]+))?\s*$")

_ids_src = (OUT.parents[3] / "derive" / "check" / "misconceptions.py").read_text()
KNOWN_IDS = set(re.findall(r'Misconception\("([a-z0-9-]+)"', _ids_src))


def fail(msg: str):
    ERRORS.append(msg)


def to_str(v: float, sig: int | None = 4, dec: int | None = None) -> str:
    """Round half-up the way a person does: `sig` significant figures, or `dec` decimals."""
    if dec is None:
        if v == 0:
            return "0"
        dec = max(0, sig - 1 - math.floor(math.log10(abs(v))))
    q = Decimal(1).scaleb(-dec) if dec > 0 else Decimal(1)
    s = format(Decimal(repr(float(v))).quantize(q, rounding=ROUND_HALF_UP), "f")
    if float(s) == 0:
        s = s.lstrip("-")
    return s


def half_unit(s: str) -> float:
    exp = Decimal(s).as_tuple().exponent
    return 0.5 * 10.0 ** exp


def rounds_to(s: str, v: float) -> bool:
    return abs(float(s) - v) <= half_unit(s) * (1 + 1e-9) + 1e-13


class Env(dict):
    __getattr__ = dict.__getitem__


class Sheet:
    def __init__(self, name: str, problem: dict):
        self.name, self.problem = name, problem
        self.W, self.X, self.S = Env(), Env(), {}
        self.marked = []        # names of steps that are marked mistakes

    # values the writer takes from the problem or states exactly
    def given(self, name, value, s=None):
        self.W[name] = self.X[name] = float(value)
        self.S[name] = s if s is not None else to_str(value, dec=max(0, -Decimal(repr(float(value))).normalize().as_tuple().exponent))
        if not rounds_to(self.S[name], value):
            fail(f"{self.name}: given {name} = {self.S[name]} is not {value!r}")

    def step(self, name, f, sig=4, dec=None, s=None, right=None, exact=None):
        vw, vx = f(self.W), (exact or f)(self.X)
        if s is None:
            s = to_str(vw, sig, dec)
        for label, v in (("from the written values", vw), ("exact", vx)):
            if not rounds_to(s, v):
                fail(f"{self.name}: {name} = {s} but {label} it is {v!r}")
        if right is not None:
            vr = right(self.W)
            if rounds_to(s, vr):
                fail(f"{self.name}: marked step {name} = {s} is right after all ({vr!r})")
            self.marked.append(name)
        self.W[name], self.X[name], self.S[name] = float(s), vx, s
        return s

    def agree(self, name, value, rtol=1e-9):
        """An unmarked final value: the exact value and the written string match an independent computation."""
        if abs(self.X[name] - value) > rtol * max(1.0, abs(value)):
            fail(f"{self.name}: {name} exact {self.X[name]!r} != independent {value!r}")
        if not rounds_to(self.S[name], value):
            fail(f"{self.name}: {name} written {self.S[name]} != independent {value!r}")

    def differs(self, name, value):
        """A value downstream of a mistake: it must differ from the independent (correct) value."""
        if rounds_to(self.S[name], value):
            fail(f"{self.name}: {name} = {self.S[name]} equals the correct value {value!r} (mistake not visible)")

    def put(self, name, text):
        """A string that is not a number (CNN integers, symbolic pieces)."""
        self.S[name] = str(text)

    def render(self, template: str) -> str:
        def sub(m):
            key, mod = m.group(1), m.group(2)
            if key not in self.S:
                fail(f"{self.name}: no value for {{{{{key}}}}}")
                return "??"
            v = self.S[key]
            return v.lstrip("-") if mod == "abs" else v
        return re.sub(r"\{\{([A-Za-z0-9_]+)(?:\|(abs))?\}\}", sub, template)

    def write(self, template: str, marks: list[str]):
        """marks: the markers expected in order, "" for a plain %WRONG, else the misconception id."""
        body = self.render(template).strip("\n") + "\n"
        lines = body.split("\n")[:-1]
        found = []
        for i, line in enumerate(lines, 1):
            n = line.count("%WRONG")
            if n > 1:
                fail(f"{self.name}: line {i} has {n} markers")
            if n == 1:
                m = MARK_RE.search(line)
                if not m:
                    fail(f"{self.name}: line {i}: marker not at the end of the line")
                    continue
                mid = m.group(1) or ""
                if mid and mid not in KNOWN_IDS:
                    fail(f"{self.name}: line {i}: unknown id {mid}")
                found.append(mid)
        if found != marks:
            fail(f"{self.name}: markers {found} != expected {marks}")
        if self.name.endswith("_ok") and marks:
            fail(f"{self.name}: an _ok sheet with marks")
        if not self.name.endswith("_ok") and not marks:
            fail(f"{self.name}: a sheet with no mark must end in _ok")
        # every marked step is written first on a marked line
        for key in self.marked:
            first = next((ln for ln in template.strip("\n").split("\n") if "{{" + key + "}}" in ln
                          or "{{" + key + "|abs}}" in ln), None)
            if first is None:
                fail(f"{self.name}: marked step {key} not on the sheet")
            elif "%WRONG" not in first:
                fail(f"{self.name}: marked step {key} first appears on an unmarked line")
        if not 10 <= len(lines) <= 40:
            fail(f"{self.name}: {len(lines)} lines (want 10-40)")
        if "??" in body or "{{" in body:
            fail(f"{self.name}: unfilled placeholder")
        text = json.dumps(self.problem, ensure_ascii=False) + "\n---\n" + body
        (OUT / f"{self.name}.md").write_text(text)
        DONE.append((self.name, len(lines), found))


def finish(label: str):
    if ERRORS:
        print(f"{label}: ERRORS")
        for e in ERRORS:
            print("  " + e)
        raise SystemExit(1)
    for name, n, found in DONE:
        print(f"  {name}: {n} lines, marks {found}")
    print(f"{label}: ok, {len(DONE)} sheets, {sum(len(f) for _, _, f in DONE)} marks")
