"""Judging the statements of an optimizer derivation against a :class:`FamilyReference`, side by side.

A side is right when it equals the left side in one reading of the sheet (a written g^t is the raw gradient, or,
when weight decay / maximize rewrite it, the rewritten one); a side that follows from the previous side is carried
(a mistake counts once); a wrong side is matched against the misconceptions of the one table
(:mod:`derive.check.misconceptions`).

The writer's own numbers are carried forward: every value they write for a quantity at a numbered step (m_1 =
0.05, w^2 = 0.94) is remembered, and a later numeric side is judged against what follows from *their* values
(error carried forward) -- computed either from their values as rounded, or from the exact values where theirs
were right (a calculator carries the unrounded ones). A number is right to the figures it is written with (half a
unit in its last figure); an expression of written numbers to the rounding of its operands, propagated.

The sheet's letters are read by context: the learning rate may be α, η, lr or γ, a letter the sheet defines
(``\\eta = 0.1``) means the quantity with that value; whether w_0 / θ_0 or w_1 is the first weight is settled by
the first statement that tells them apart. A misconception in a rule the writer states at a general step t is
their rule from then on: later steps that follow it are carried, not marked again.
"""
from __future__ import annotations

import itertools
import re
from typing import Any

import sympy

from derive.check.verdicts import Judgment, resolve_head, tolerance, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.optim.family import _LETTERS, DEFAULT_OFFSETS, EPS, EPS0, T, FamilyReference
from derive.check.reference import Unresolved
from derive.check.reading.latex import Written
from derive.compare import num, ordered_symbols
from derive.errors import DeriveError
from derive.numbers import count_sigfigs
from derive.optim.notation import ev
from derive.check.reading.document import Parsed, Statement

__all__ = ["FamilyJudge"]

_HYPER_SYMBOLS = frozenset(_LETTERS.values())
_MEM = "@optim"   # the key of this judge's memory in State.env
_SINGLE = re.compile(r"\s*[-+]?\s*\(?\s*[-+]?(\d+(?:\.\d*)?|\.\d+)\s*\)?\s*")
_SCI = re.compile(r"^\s*-?\s*(\d+(?:\.\d+)?)\s*\\(?:times|cdot)\s*10\s*\^\s*\{?\s*-?\d+\s*\}?\s*$")


_SCRIPTS = re.compile(r"[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9])|\\[A-Za-z]+")
_LITERAL = re.compile(r"(?<![\d.])(\d+(?:\.\d*)?|\.\d+)")


def _literals(text: str) -> list[str]:
    """The numbers written in a side, as written (subscripts, superscripts and command names left out; the
    reader's own list loses the integer part of a number just after a brace, \\frac{0.5} -> .5)."""
    return [m.group(1) for m in _LITERAL.finditer(_SCRIPTS.sub(lambda m: " " * len(m.group(0)), text))]


def _half_unit(lit: str) -> float:
    """How much a decimal operand may have been rounded: half a unit in its last figure when it has 3 or more
    significant figures (2.236 for √5, 0.9894 carried on); 0 for a whole number or a short decimal (0.5, 0.01,
    0.94): those are the exact values the writer has in hand, not roundings."""
    if "." not in lit or count_sigfigs(lit) < 3:
        return 0.0
    return 0.5 * 10.0 ** -len(lit.split(".", 1)[1] or "0")


def _has_eps(e: sympy.Expr) -> bool:
    return any(isinstance(s, Written) and s.base in ("epsilon", "varepsilon", "delta") for s in e.free_symbols)



class FamilyJudge:
    """Judges one statement of an optimizer derivation (same interface as the Adam judge)."""

    def __init__(self, ref: FamilyReference, state: Any, sigfigs: int = 3) -> None:
        self.ref, self.state = ref, state
        self.mem = state.env.setdefault(_MEM, {"letters": {}, "offsets": {}, "values": {}, "adopted": ""})
        self._decided: dict[str, sympy.Symbol] = {}

    # ------------------------------------------------------------------------------------------ one statement
    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        """The statement in each reading of what the sheet has not settled yet (which weight is the first one,
        what an ambiguous letter means); the reading with the fewest wrong sides wins, the defaults on a tie. A
        reading that is strictly better, or the only right one, is the sheet's from then on."""
        ref, mem = self.ref, self.mem
        weights = [b for b in self._weights(parsed) if b not in mem["offsets"]]
        letters = [n for n in self._letters(parsed) if n not in mem["letters"]]
        options = [(DEFAULT_OFFSETS[b], 1 - DEFAULT_OFFSETS[b]) for b in weights] + \
                  [ref.candidates(n) for n in letters]
        tried = []
        for combo in itertools.islice(itertools.product(*options), 16):
            self._set(weights, letters, combo)
            out = self._judge(stmt, parsed)
            tried.append((sum(j.verdict in ("wrong", "unverifiable") for j in out), combo, out, dict(self._decided)))
        best = min(tried, key=lambda x: x[0])   # the first of the best: the defaults come first
        score, combo, out, decided = best
        # settled only by a statement that is right in that reading (a slip must not change the sheet's indexing)
        if len(tried) > 1 and score == 0 and (combo != tried[0][1] or all(t[0] > 0 for t in tried[1:])):
            for b, c in zip(weights, combo):
                mem["offsets"][b] = c
            for n, c in zip(letters, combo[len(weights):]):
                mem["letters"][n] = c
        self._set(weights, letters, combo)
        self._decided = decided
        self._record(stmt, parsed, out)
        return out

    def _set(self, weights: list[str], letters: list[str], combo: tuple) -> None:
        ref, mem = self.ref, self.mem
        ref.offsets = {**DEFAULT_OFFSETS, **mem["offsets"], **dict(zip(weights, combo))}
        ref.choice = {**mem["letters"], **dict(zip(letters, combo[len(weights):]))}
        self._decided = {}

    def _letters(self, parsed: list) -> list[str]:
        """The hyperparameter letters of the statement that may mean more than one quantity of this problem
        (not on a definition line such as η = 0.1: there the value decides)."""
        out = []
        first = parsed[0]
        if not isinstance(first, DeriveError) and isinstance(first.expr, Written) and not first.expr.time \
                and len(parsed) > 1 and all(not isinstance(p, DeriveError) and not p.expr.free_symbols
                                            for p in parsed[1:]):
            return out
        for p in parsed:
            if isinstance(p, DeriveError):
                continue
            for s in ordered_symbols(p.expr):
                if isinstance(s, Written) and not s.deco and not s.time:
                    name = f"{s.base}_{s.sub}" if s.sub else s.base
                    if len(self.ref.candidates(name)) > 1 and name not in out:
                        out.append(name)
        return out[:2]

    @staticmethod
    def _weights(parsed: list) -> list[str]:   # sequences whose origin the sheet chooses (g^0 beside w^0: g^1)
        out = []
        for p in parsed:
            if isinstance(p, DeriveError):
                continue
            for s in ordered_symbols(p.expr):
                if isinstance(s, Written) and s.base in ("w", "theta", "g") and not s.deco and (s.sub or s.time) \
                        and s.base not in out:
                    out.append(s.base)
        return out

    def _judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        head = resolve_head(self.ref, stmt, parsed)
        if isinstance(head, list):
            return head
        q, first = head
        if q and q[0] == "hyper":
            return self._hyper(stmt, parsed)
        out: list[Judgment] = []
        prev = None
        for k in range(1, len(parsed)):
            seg, p = stmt.segments[k], parsed[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            try:
                if q == ("t",) and not p.expr.free_symbols:
                    out.append(Judgment(k, "ok", found=seg.text))   # "t = 2": the writer names the step
                    continue
                if seg.rel == ":=" and q is not None and q[1] in ("g", "g'"):
                    out.append(self._assign(k, seg.text, p.expr))
                    continue
                j, prev = self._side(k, seg.text, seg.rel == "≈", q, first, p, prev)
            except Unresolved as exc:
                j = Judgment(k, "unverifiable", found=seg.text, message=str(exc))
            except (ArithmeticError, TypeError, ValueError):
                j = Judgment(k, "unverifiable", found=seg.text, message="cannot evaluate this side")
            out.append(j)
        return out

    # ------------------------------------------------------------------------------------------ one side
    def _side(self, k: int, text: str, approx: bool, q, first: Parsed, p: Parsed, prev):
        ref = self.ref
        lhs, side = first.expr, p.expr
        numeric = bool(ref.numbers)
        failure: Unresolved | None = None
        readings = [("", False)] + ([("", True)] if ref.modified else [])
        for variant, gmod in readings:
            try:
                if self._same(ref.to_base(side, variant, gmod), ref.to_base(lhs, variant, gmod), approx,
                              numeric and not _has_eps(side)):
                    return Judgment(k, "ok", found=text), (p, "ok", variant)
            except Unresolved as exc:
                failure = failure or exc
        values = self._values(q, first, p, "") if numeric else None
        if prev is not None:
            pp, verdict, pvariant = prev
            try:
                same_prev = self._same(ref.to_base(side, pvariant), ref.to_base(pp.expr, pvariant), approx,
                                       numeric and not _has_eps(side))
            except Unresolved:
                same_prev = False
            if not same_prev and numeric:
                a, b = self._value(side, pvariant, "a"), self._value(pp.expr, pvariant, "a")
                same_prev = a is not None and b is not None and abs(a - b) <= self._tol(text, p, a)
            if same_prev:
                kind = "carried" if verdict in ("wrong", "carried") else "ok"
                return Judgment(k, kind, found=text), (p, kind, pvariant)
        if values is not None:
            verdict = self._agrees(text, p, values)
            if verdict:
                return Judgment(k, verdict, found=text), (p, verdict, "")
        adopted = self.mem["adopted"]
        if adopted and (self._variant_holds(adopted, approx, q, first, p, text)):
            return Judgment(k, "carried", found=text), (p, "carried", adopted)
        for variant in ref.wrong_variants():
            if self._variant_holds(variant, approx, q, first, p, text):
                m = MISCONCEPTIONS[variant]
                return Judgment(k, "wrong", expected=m.expected, found=text.strip(),
                                message=f"{m.title}: {m.explanation}", diagnosis=variant), (p, "wrong", variant)
        if failure is not None and values is None:
            raise failure
        expected = ""
        if values is not None and values.get("lhs") is not None:
            expected = f"{values['lhs'][0]:.6g}"
        return Judgment(k, "wrong", expected=expected, found=text.strip(),
                        message="not equal to the left side (as a function of the gradients and hyperparameters"
                                + (f"; from the values written before it is {expected})" if expected else ")")), \
            (p, "wrong", "")

    def _same(self, b_side: sympy.Expr, b_lhs: sympy.Expr, approx: bool, no_eps: bool) -> bool:
        """Equal in base variables; ``no_eps``: the side of a numeric problem leaves ε out (it is negligible
        against the numbers), so equal with ε → 0 is enough."""
        ref = self.ref
        if ref.same(b_side, b_lhs, approx) or ref.same_at_values(b_side, b_lhs, approx):
            return True
        return no_eps and not approx and (b_lhs.has(EPS) or b_side.has(EPS)) \
            and float(ref.values.get(EPS, 1)) <= 1e-6 and ref.same(b_side, b_lhs, True)

    def _variant_holds(self, variant: str, approx: bool, q, first: Parsed, p: Parsed, text: str) -> bool:
        ref = self.ref
        try:
            if self._same(ref.to_base(p.expr, variant), ref.to_base(first.expr, variant), approx,
                          bool(ref.numbers) and not _has_eps(p.expr)):
                return True
        except Unresolved:
            pass
        if not ref.numbers:
            return False
        values = self._values(q, first, p, variant)
        return values is not None and bool(self._agrees(text, p, values, strict=True))

    # ------------------------------------------------------------------------------------------ numbers
    def _values(self, q, first: Parsed, p: Parsed, variant: str) -> dict | None:
        """The side's value and the left side's, in each mode of carrying the writer's numbers forward; None
        when the side is not a number at a numbered step."""
        out: dict[str, Any] = {}
        runs = [(mode, variant, mode) for mode in ("a", "b", "true")]
        if not _has_eps(p.expr) and float(self.ref.values.get(EPS, 1)) <= 1e-6:
            runs += [(mode + "0", variant + EPS0, mode) for mode in ("a", "b", "true")]   # ε left out
        for name, variant, mode in runs:
            s = self._value(p.expr, variant, mode)
            if s is None:
                return None
            if q is not None and q[0] == "seq" and getattr(q[2], "is_Integer", False):
                expected, _ = self._trajectory(variant, mode, int(q[2]))
                key = "g" if q[1] == "g" else q[1]
                lhs = expected.get((key, int(q[2])))
            else:
                lhs = self._value(first.expr, variant, mode)
            if lhs is None:
                return None
            out[name] = (s, lhs)
        out["lhs"] = (out["a"][1],)
        return out

    def _agrees(self, text: str, p: Parsed, values: dict, strict: bool = False) -> str:
        tol = self._tol(text, p, values["a"][0])
        if any(abs(values[m][0] - values[m][1]) <= tol for m in ("true", "true0") if m in values):
            return "ok"
        if any(abs(values[m][0] - values[m][1]) <= tol for m in ("a", "b", "a0", "b0") if m in values):
            return "carried"
        return ""

    def _trajectory(self, variant: str, mode: str, upto: int) -> tuple[dict, dict]:
        env = {} if mode == "true" else self.mem["values"]
        return self.ref.trajectory(variant, env, "a" if mode == "true" else mode, min(upto, 12))

    def _value(self, e: sympy.Expr, variant: str, mode: str) -> float | None:
        """``e`` with the writer's numbers (hyperparameters: the problem's; quantities at numbered steps: the
        values carried forward in ``mode``), or None when something in it has no number."""
        ref = self.ref
        subs: dict[sympy.Symbol, sympy.Expr] = {}
        for s in ordered_symbols(e):
            key = ref.resolve(s)
            if key[0] == "hyper":
                v = ref.values.get(key[1])
                if v is None:
                    return None
                subs[s] = v
            elif key[0] == "seq" and getattr(key[2], "is_Integer", False):
                _, used = self._trajectory(variant, mode, int(key[2]))
                v = used.get((key[1], int(key[2])))
                if v is None:
                    return None
                subs[s] = sympy.Float(v, 30)
            else:
                return None
        try:
            return float(num(e.xreplace(subs), exact=False))
        except (ArithmeticError, TypeError, ValueError):
            return None

    def _tol(self, text: str, p: Parsed, value: float) -> float:
        """How far a numeric side may be off: a number, half a unit in its last figure; an expression of
        numbers, the rounding of its decimal operands propagated (to first order); a little more for noise."""
        slack = 1e-7 * max(abs(value), 1e-3)   # (a calculator's noise, and a negligible ε left out)
        if _SINGLE.fullmatch(text) or _SCI.match(text):
            return float(tolerance(text, sympy.Float(value) if value else sympy.S.One, _literals(text))) * 1.02 \
                + slack
        return self._propagated(text, p) * 1.5 + slack

    def _propagated(self, text: str, p: Parsed) -> float:
        halves: dict[sympy.Rational, float] = {}
        for lit in _literals(text):
            h = _half_unit(lit)
            if h:
                try:
                    v = sympy.Rational(lit if not lit.startswith(".") else "0" + lit)
                except (TypeError, ValueError):
                    continue
                halves[v] = min(halves.get(v, h), h)
        if not halves:
            return 0.0
        marks: dict[sympy.Symbol, tuple[sympy.Rational, float]] = {}

        def mark(e: sympy.Basic) -> sympy.Basic:
            if e.is_Rational and not e.is_Integer and abs(e) in halves:
                s = sympy.Symbol(f"lit{len(marks)}", real=True)
                marks[s] = (e, halves[abs(e)])
                return s
            if e.is_Pow:
                return sympy.Pow(mark(e.base), e.exp)
            if not e.args:
                return e
            return e.func(*[mark(a) for a in e.args])
        ref = self.ref
        try:
            expr = mark(p.expr)
            point = {s: v for s, (v, _) in marks.items()}
            rest = {}
            for s in ordered_symbols(expr):
                if s in marks:
                    continue
                key = ref.resolve(s)
                if key[0] == "hyper" and key[1] in ref.values:
                    rest[s] = ref.values[key[1]]
                else:   # a quantity: its value does not change the rounding of the numbers much
                    rest[s] = sympy.Integer(1)
            total = 0.0
            for s, (_, h) in marks.items():
                d = sympy.diff(expr, s).xreplace(rest)
                total += abs(float(num(d, point, exact=False))) * h
            return total
        except (Unresolved, ArithmeticError, TypeError, ValueError):
            return sum(halves.values())

    # ------------------------------------------------------------------------------------------ memory
    def _record(self, stmt: Statement, parsed: list, out: list[Judgment]) -> None:
        """What the statement establishes for the lines after it: the letters it defines, the values it writes,
        a misconception it states as the rule at a general step."""
        mem, ref = self.mem, self.ref
        mem["letters"].update(self._decided)
        ref.choice = {**ref.choice, **mem["letters"]}
        readable = [p for p in parsed if not isinstance(p, DeriveError)]
        if len(readable) != len(parsed):
            return
        final = None
        for k in range(len(parsed) - 1, 0, -1):
            if stmt.segments[k].rel in ("=", "≈") and not parsed[k].expr.free_symbols:
                final = k
                break
        if final is not None:
            try:
                value = float(num(parsed[final].expr, exact=False))
            except (ArithmeticError, TypeError, ValueError):
                value = None
            if value is not None:
                tol = self._tol(stmt.segments[final].text, parsed[final], value)
                for p in parsed[:final]:
                    if isinstance(p.expr, Written):
                        try:
                            key = ref.resolve(p.expr)
                        except Unresolved:
                            continue
                        if key[0] == "seq" and getattr(key[2], "is_Integer", False):
                            mem["values"][(key[1], int(key[2]))] = (value, tol)
        for j in out:
            if j.verdict == "wrong" and j.diagnosis and self._general_step(parsed[0].expr):
                mem["adopted"] = j.diagnosis   # the writer's stated rule, followed from now on
                break

    def _general_step(self, e: sympy.Expr) -> bool:
        for s in ordered_symbols(e):
            try:
                key = self.ref.resolve(s)
            except Unresolved:
                continue
            if key[0] == "seq" and not getattr(key[2], "is_Integer", False):
                return True
        return False

    # ------------------------------------------------------------------------------------------ special lines
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

    def _hyper(self, stmt: Statement, parsed: list) -> list[Judgment]:
        """``\\eta = 0.1``: a letter the sheet defines. Among the quantities the letter may stand for in this
        optimizer (η: the learning rate, or Adagrad's decay), the one with that value is meant; none has it:
        wrong against the usual meaning (a note when the problem has no numbers)."""
        ref = self.ref
        w = parsed[0].expr
        name = f"{w.base}_{w.sub}" if w.sub else w.base
        fixed = ref.choice.get(name) or self._decided.get(name)
        cands = (fixed,) if fixed is not None else ref.candidates(name)
        out = []
        for k in range(1, len(parsed)):
            p = parsed[k]
            if isinstance(p, DeriveError) or p.expr.free_symbols:
                continue
            text = stmt.segments[k].text.strip()
            value = num(p.expr)
            known = [c for c in cands if ref.values.get(c) is not None]
            if not known:
                continue
            match = [c for c in known if abs(value - ref.values[c]) <=
                     abs(ref.values[c]) * sympy.Rational(1, 100) + sympy.Rational(1, 10 ** 12)]
            if match:
                if fixed is None:
                    self._decided[name] = match[0]
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
                continue
            usual = ref.values[known[0]]
            verdict = "wrong" if ref.numbers else "note"
            out.append(Judgment(k, verdict, expected=repr(float(usual)), found=text,
                                message=f"the problem's {known[0]} is {float(usual)!r}, not {text}"))
        return out
