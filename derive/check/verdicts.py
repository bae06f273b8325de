"""The verdict records every checker shares: a Judgment per side, the writer's State, and the rules for how close
a written number must be (half a unit in its last written figure)."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import sympy

from derive.check.reference import Unresolved
from derive.errors import DeriveError
from derive.numbers import count_sigfigs
from derive.compare import ordered_symbols

_SCI_RE = re.compile(r"^\s*-?\s*(\d+(?:\.\d+)?)\s*\\(?:times|cdot)\s*10\s*\^\s*\{?\s*-?\d+\s*\}?\s*$")


@dataclass
class Judgment:
    """The verdict on one side of a statement: ok, carried, note, wrong or unverifiable."""

    segment: int
    verdict: str
    expected: str = ""
    found: str = ""
    message: str = ""
    diagnosis: str = ""


def unreadable_side(k: int, seg, p) -> "Judgment | None":
    """The verdict on a side no kind of checker can judge: an unchecked relation (<, >, ...) or unreadable text."""
    if seg.rel not in ("=", "≈", ":="):
        return Judgment(k, "unverifiable", found=seg.text, message=f"the relation '{seg.rel}' is not checked")
    if isinstance(p, DeriveError):
        return Judgment(k, "unverifiable", found=seg.text, message=f"cannot read: {p}")
    return None


@dataclass
class State:
    """What the writer has established so far: their numbers, tangent seeds, values that drifted by rounding."""

    env: dict = field(default_factory=dict)
    seeds: dict = field(default_factory=dict)
    drifted: set = field(default_factory=set)
    alias: dict = field(default_factory=dict)     # the writer's node numbers -> derive's, where they differ
    defined: dict = field(default_factory=dict)   # writer's node number -> derive's node, once their trace defines it
    named: dict = field(default_factory=dict)     # writer's own names (z, a, h) -> node number or input expression
    calc: dict = field(default_factory=dict)      # unrounded values of the writer's own arithmetic (a calculator's)
    pending: list = field(default_factory=list)   # definitions waiting for a name they use (a = σ(z) before z = …)
    graph: str = ""                               # the writer's own graph the sheet is judged on ("": derive's)
    defines: frozenset = frozenset()              # constants' names the sheet defines as quantities (e = c·d)
    fixes: dict = field(default_factory=dict)     # a wrong number the writer wrote (its text) -> its right value
    rules: dict = field(default_factory=dict)     # misconception id -> line where the writer stated it as a rule


def tolerance(text: str, value: sympy.Expr, literals: list[str]) -> sympy.Expr:
    """How far a written side may be from the reference: half a unit in its last written figure."""
    v = abs(value) if value != 0 else sympy.S.One
    sci = _SCI_RE.match(text)
    single = re.fullmatch(r"\s*[-+]?\s*\(?\s*[-+]?(\d+(?:\.\d*)?|\.\d+)\s*\)?\s*", text)
    if single or sci:
        lit = (single or sci).group(1)
        s = count_sigfigs(lit)
        # the last written figure sets the unit (the literal's own magnitude, not the reference's: "-1.00" is
        # good to 0.005 whatever it should have been)
        w = (abs(float(lit)) if single else 0) or float(v)
        lead = math.floor(math.log10(w)) if w != 0 else 0
        # a whole number is read as exact to its units: "5" for 5.5 is a slip, not a rounding
        slack = sympy.Rational(1000001, 1000000) if "." in lit else sympy.Rational(999999, 1000000)
        return sympy.Rational(1, 2) * sympy.Integer(10) ** (lead - s + 1) * slack
    decimals = [lit for lit in literals if "." in lit]
    if not decimals:
        return v * sympy.Rational(1, 10 ** 12)
    s = min(count_sigfigs(lit) for lit in decimals)
    return v * sympy.Integer(10) ** (1 - s)   # one unit at the least precise figure: operations compound rounding


def close(a: Any, b: Any, tol: Any) -> bool:
    if a is None or b is None:
        return False
    return bool(abs(a - b) <= tol + sympy.Rational(1, 10 ** 12) * max(abs(a), abs(b), 1))


def resolve_head(ref: Any, stmt: Any, parsed: list) -> tuple[Any, Any] | list:
    """The left side of an optimizer statement resolved against ``ref``: (key or None, parsed side), or the
    verdicts to return at once when it cannot be read or names nothing the problem knows."""
    first = parsed[0]
    if isinstance(first, DeriveError):
        return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=f"cannot read: {first}")]
    try:
        q = ref.resolve(first.expr, lhs=True) if isinstance(first.expr, sympy.Symbol) else None
        if q is None:
            for s in ordered_symbols(first.expr):
                ref.resolve(s)
    except Unresolved as exc:
        return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=str(exc))]
    if q == ("t",) and len(parsed) == 2 and not isinstance(parsed[1], DeriveError) and parsed[1].expr.is_Integer \
            and parsed[1].expr >= 0:
        return [Judgment(1, "ok", found=stmt.segments[1].text)]   # "$t = 1$:" labels the step that follows
    return q, first
