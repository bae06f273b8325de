r"""Error carried forward by the writer's own numbers, and what a wrong line should have come to.

A wrong rule the writer states with no numbers (``\sigma'(z) = \sigma(z)``) is remembered by its misconception; a
later slip with the same diagnosis follows that rule and is carried, so only the rule's line is flagged.

A wrong number the writer wrote (``df/du = 0.35714``, right: 0.51525) is remembered in ``State.fixes``; a later
line of bare numbers that uses it (``0.35714 × 2.4 = 0.8571``) is the right computation when that number put back
to its right value gives the right result: the line carries the earlier mistake and is not flagged again.
"""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.reading.document import parse_segment
from derive.check.verdicts import Judgment, State, close, tolerance
from derive.compare import num
from derive.numbers import count_sigfigs, format_number


def carries_a_fix(fixes: dict[str, Any], expr: sympy.Expr, target: Any, text: str) -> bool:
    """Does ``expr`` come to ``target`` once each earlier wrong number in it (``fixes``: its text -> right value)
    is put back to its right value?"""
    if not fixes or target is None:
        return False
    subs = {}
    for a in expr.atoms(sympy.Number):
        for lit, right in fixes.items():
            try:
                if a != 0 and abs(a) == sympy.Rational(lit):
                    subs[a] = right if a > 0 else -right
            except (TypeError, ValueError):
                continue
    if not subs:
        return False
    try:
        v = num(expr.xreplace(subs))
    except (ArithmeticError, TypeError, ValueError):
        return False
    return bool(close(v, target, 2 * tolerance(text, target, [])))


def final_value_note(stmt: Any, k: int, target_ex: Any, cf_targets: list, sigfigs: int) -> str:
    """'(the value 71.6 is right anyway)' when the line's final number agrees despite a wrong step, else what
    the line should come to (with the writer's earlier numbers, and exactly)."""
    last = stmt.segments[-1]
    if not re.fullmatch(r"\s*-?\s*[\d.]+\s*", last.text):
        return ""
    try:
        v = num(parse_segment(last.text).expr)
    except Exception:   # the final side is judged on its own; this is only a remark
        return ""
    tol = tolerance(last.text, target_ex, [])
    if k < len(stmt.segments) - 1 and (any(close(v, t, tol) for t in cf_targets) or close(v, target_ex, tol)):
        return f" (the value {last.text.strip()} is right anyway)"
    s = max(sigfigs, count_sigfigs(last.text.strip().lstrip("-")))
    exact = format_number(target_ex, s)
    carried = format_number(cf_targets[-1], s) if cf_targets else exact
    if carried != exact:
        return f"; the line should come to {carried} with the values written above (exactly {exact})"
    return f"; the line should come to {exact}"


def follow_stated_rules(state: State, stmt: Any, parsed: list, out: list[Judgment]) -> list[Judgment]:
    """``out`` with each diagnosed slip that follows a rule stated on an earlier line carried; a diagnosed wrong
    line of symbols only (no number written) states such a rule."""
    rules = state.rules
    carried = [Judgment(j.segment, "carried", found=j.found,
                        message=f"follows the rule stated on line {rules[j.diagnosis]}")
               if j.verdict == "wrong" and j.diagnosis and rules.get(j.diagnosis, stmt.line) != stmt.line else j
               for j in out]
    symbols_only = all(not isinstance(p, Exception) and not getattr(p, "literals", None) for p in parsed)
    for j in carried:
        if j.verdict == "wrong" and j.diagnosis and symbols_only:
            rules.setdefault(j.diagnosis, stmt.line)
    return carried
