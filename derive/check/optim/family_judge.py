"""Judging the statements of an optimizer derivation against a :class:`FamilyReference`, side by side.

A side is right when it equals the left side in one reading of the sheet (a written g^t is the raw gradient, or,
when weight decay / maximize rewrite it, the rewritten one); a side that follows from the previous side is carried
(a mistake counts once); a wrong side is matched against the misconceptions of the one table
(:mod:`derive.check.misconceptions`); a numeric side is compared with the value from the problem's gradients to the precision it is written with.
"""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.verdicts import Judgment, resolve_head, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.optim.family import _LETTERS, T, FamilyReference
from derive.check.reference import Unresolved
from derive.compare import num, ordered_symbols
from derive.errors import DeriveError
from derive.optim.notation import ev
from derive.check.reading.document import Parsed, Statement

__all__ = ["FamilyJudge"]


def _decimals(text: str) -> int | None:
    places = [len(m.group(1)) for m in re.finditer(r"\d\.(\d+)", text)]
    return max(places) if places else None


_HYPER_SYMBOLS = frozenset(_LETTERS.values())


class FamilyJudge:
    """Judges one statement of an optimizer derivation (same interface as the Adam judge)."""

    def __init__(self, ref: FamilyReference, state: Any, sigfigs: int = 3) -> None:
        self.ref, self.state = ref, state

    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        head = resolve_head(self.ref, stmt, parsed)
        if isinstance(head, list):
            return head
        q, first = head
        if q and q[0] == "hyper":
            return self._hyper(stmt, parsed, q[1])
        out: list[Judgment] = []
        prev = None
        for k in range(1, len(parsed)):
            seg, p = stmt.segments[k], parsed[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            try:
                if seg.rel == ":=" and q is not None and q[1] == "g":
                    out.append(self._assign(k, seg.text, p.expr))
                    continue
                j, prev = self._side(k, seg.text, seg.rel == "≈", first.expr, p.expr, prev)
            except Unresolved as exc:
                j = Judgment(k, "unverifiable", found=seg.text, message=str(exc))
            except (ArithmeticError, TypeError, ValueError):
                j = Judgment(k, "unverifiable", found=seg.text, message="cannot evaluate this side")
            out.append(j)
        return out

    def _side(self, k: int, text: str, approx: bool, lhs: sympy.Expr, side: sympy.Expr, prev):
        ref = self.ref
        readings = [("", False)] + ([("", True)] if ref.modified else [])
        for variant, gmod in readings:
            b_side, b_lhs = ref.to_base(side, variant, gmod), ref.to_base(lhs, variant, gmod)
            if ref.same(b_side, b_lhs, approx) or self._numbers_agree(text, b_side, b_lhs):
                return Judgment(k, "ok", found=text), (side, "ok", variant)
        if prev is not None:
            pside, verdict, pvariant = prev
            if ref.same(ref.to_base(side, pvariant), ref.to_base(pside, pvariant), approx):
                kind = "carried" if verdict in ("wrong", "carried") else "ok"
                return Judgment(k, kind, found=text), (side, kind, pvariant)
        for variant in ref.wrong_variants():
            try:
                b_side, b_lhs = ref.to_base(side, variant), ref.to_base(lhs, variant)
            except Unresolved:
                continue
            if ref.same(b_side, b_lhs, approx) or self._numbers_agree(text, b_side, b_lhs):
                m = MISCONCEPTIONS[variant]
                return Judgment(k, "wrong", expected=m.expected, found=text.strip(),
                                message=f"{m.title}: {m.explanation}", diagnosis=variant), (side, "wrong", variant)
        expected = ""
        value = ref.numeric(ref.to_base(lhs))
        if value is not None:
            expected = repr(float(value))
        return Judgment(k, "wrong", expected=expected, found=text.strip(),
                        message="not equal to the left side (as a function of the gradients and hyperparameters"
                                + (f"; with the problem's numbers it is {float(value):.6g})" if value is not None
                                   else ")")), (side, "wrong", "")

    def _assign(self, k: int, text: str, side: sympy.Expr) -> Judgment:
        """``g^t <- g^t + λ w^t``: the gradient rewritten in place (weight decay, maximize), one rewrite a line."""
        ref = self.ref
        raw = ref.to_base(side)
        g, w = sympy.Symbol("g[t]"), sympy.Symbol("w[t]")
        if raw.has(g) or raw.has(w):
            s = lambda key, t: {"g": g, "w": w}[key]  # noqa: E731
            for rec in ref.rule.recurrences:
                if rec.assign and ref.same(raw, ev(rec.rhs(s, T))):
                    return Judgment(k, "ok", found=text)
        return Judgment(k, "wrong", found=text.strip(), message="not the gradient's rewrite of this optimizer "
                        "(PyTorch adds λ w^t for weight_decay and negates g^t for maximize)")

    def _numbers_agree(self, text: str, b_side: sympy.Expr, b_lhs: sympy.Expr) -> bool:
        """A numeric side (no gradient or weight left in it) against the value from the problem's numbers,
        to the precision written (half a unit in the last decimal place, a little more for carried rounding)."""
        if any(s not in _HYPER_SYMBOLS for s in ordered_symbols(b_side)):
            return False
        a, b = self.ref.numeric(b_side), self.ref.numeric(b_lhs)
        if a is None or b is None:
            return False
        places = _decimals(text)
        tol = sympy.Float(0.6) * sympy.Integer(10) ** -places if places is not None else sympy.Integer(0)
        return abs(a - b) <= tol + sympy.Float(1e-9) * max(abs(a), abs(b), 1)

    def _hyper(self, stmt: Statement, parsed: list, sym: sympy.Symbol) -> list[Judgment]:
        """``\\mu = 0.9``: against the problem's value (PyTorch's default unless the problem sets it)."""
        out = []
        usual = self.ref.values.get(sym)
        for k in range(1, len(parsed)):
            p = parsed[k]
            if isinstance(p, DeriveError) or p.expr.free_symbols or usual is None:
                continue
            text = stmt.segments[k].text.strip()
            if abs(num(p.expr) - usual) > usual * sympy.Rational(1, 100) + sympy.Rational(1, 10 ** 12):
                verdict = "wrong" if self.ref.numbers else "note"
                out.append(Judgment(k, verdict, expected=repr(float(usual)), found=text,
                                    message=f"the problem's {sym} is {float(usual)!r}, not {text}"))
            else:
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
        return out
