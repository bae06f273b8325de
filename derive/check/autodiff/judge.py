"""Judging the statements of an autodiff solution against its :class:`~derive.check.reference.Reference`.

A statement is a chain ``Q = s_1 = s_2 … = value``. Its first side names the quantity Q (or is an expression);
every later side is judged:

- a *symbolic* side (named quantities, no decimals) must be the same function of the inputs as Q;
- a *numeric* side must agree with Q's value within the figures the writer used -- either the exact value or the
  value carried forward from the writer's own earlier numbers (so one slip is reported once);
- a side that is wrong but follows arithmetically from the previous (already flagged) side is "carried";
- a wrong side is matched against the misconception table (:mod:`derive.check.misconceptions`) by perturbing the
  correct step one term at a time.
"""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.autodiff.naming import learn_names
from derive.check.autodiff.perturb import perturbations
from derive.check.reference import Key, Reference, Term, Unresolved
from derive.compare import num, ordered_symbols
from derive.check.verdicts import Judgment, State, close, tolerance
from derive.errors import DeriveError
from derive.latex import latex
from derive.autodiff.notation import PartialFrac
from derive.numbers import count_sigfigs, format_number
from derive.check.reading.document import Parsed, Statement, WrittenPartial, parse_segment



def _is_number_side(p: Parsed) -> bool:
    return not p.expr.free_symbols


class StatementJudge:
    """Judges one statement; ``state`` is updated with the writer's numbers as it goes."""

    def __init__(self, ref: Reference, state: State, sigfigs: int = 3) -> None:
        self.ref, self.state, self.sigfigs = ref, state, sigfigs

    # ------------------------------------------------------------------------------------------ evaluation
    def value(self, e: sympy.Expr, carried: bool, env: dict | None = None) -> sympy.Expr:
        st = self.state
        env = st.env if env is None else env
        subs = {s: self.ref.value_of_symbol(s, env, st.seeds, carried) for s in ordered_symbols(e)}
        return num(e.xreplace(subs))

    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        out: list[Judgment] = []
        first = parsed[0]
        self.ref.set_alias(self.state.alias, self.state.named)
        learn_names(self.ref, self.state, parsed)
        if isinstance(first, DeriveError):
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=f"cannot read: {first}")]
        try:
            q = self.ref.resolve(first.expr, lhs=True) if isinstance(first.expr, sympy.Symbol) else None
            target_in = (self.ref.key_in(q, self.state.seeds) if q else
                         self.ref.to_inputs(first.expr, self.state.seeds))
            target_ex = self.ref.exact(q, self.state.seeds) if q else self.value(first.expr, False)
            lhs_cf = None if q else self.value(first.expr, True)
        except Unresolved as exc:
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=str(exc))]
        except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text,
                             message="its value is undefined at the point")]
        if q and q[0] == "tangent" and self.ref.g[q[1]].is_input:
            return self._seed(stmt, parsed, q)
        terms = self.ref.formula(q) if q else []
        cf_targets = []
        restated = bool(q) and q in self.state.env
        if restated:
            cf_targets.append(self.state.env[q])
        if terms:
            cf_targets.append(self.ref.formula_value(terms, self.state.env, self.state.seeds))
            reused = self.ref.formula_value(terms, self.state.env, self.state.seeds, reuse=True)
            if reused != cf_targets[-1]:   # e^{v_0} as the v_1 = 2.718 written above, σ(v_2) as v_3
                cf_targets.insert(len(cf_targets) - 1, reused)
            if self.state.calc:   # the calculator kept 0.9051 × 0.1808 = 0.163642 where the page shows 0.1636
                held = self.ref.formula_value(terms, {**self.state.env, **self.state.calc}, self.state.seeds)
                if held not in cf_targets:
                    cf_targets.insert(len(cf_targets) - 1, held)
        if lhs_cf is not None:
            cf_targets.append(lhs_cf)
        inherited = self._uses_drifted(terms) or self._mentions_drifted(parsed)
        flagged, last_cf, written, written_approx = False, None, None, False
        ok_cf: list = []
        held = None   # the last arithmetic side's unrounded value
        for k in range(1, len(parsed)):
            seg, p = stmt.segments[k], parsed[k]
            if seg.rel not in ("=", "≈", ":="):
                out.append(Judgment(k, "unverifiable", found=seg.text,
                                    message=f"the relation '{seg.rel}' is not checked (only =, ≈)"))
                continue
            if isinstance(p, DeriveError):
                out.append(Judgment(k, "unverifiable", found=seg.text, message=f"cannot read: {p}"))
                continue
            try:
                j, cf = self._side(stmt, k, p, q, terms, target_in, target_ex, cf_targets + ok_cf, flagged,
                                   last_cf, restated, inherited)
            except Unresolved as exc:
                out.append(Judgment(k, "unverifiable", found=seg.text, message=str(exc)))
                continue
            except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
                out.append(Judgment(k, "unverifiable", found=seg.text, message="its value is undefined at the point"))
                continue
            out.append(j)
            if j.verdict == "ok" and cf is not None:
                ok_cf = [cf]   # the next side may be this one evaluated with the writer's numbers
                if self.state.calc and p.expr.free_symbols:   # … or with their calculator's unrounded ones
                    try:
                        ok_cf.append(self.value(p.expr, True, {**self.state.env, **self.state.calc}))
                    except (Unresolved, ArithmeticError, ValueError, TypeError, ZeroDivisionError):
                        pass
            flagged = flagged or j.verdict == "wrong"
            last_cf = cf if cf is not None else last_cf
            # the number carried on is the last one written with "=" (a rounded "≈ 706" is not what was meant)
            if _is_number_side(p) and cf is not None and (seg.rel != "≈" or written is None or written_approx):
                written, written_approx = cf, seg.rel == "≈"
            if _is_number_side(p) and cf is not None and j.verdict in ("ok", "note") and \
                    not re.fullmatch(r"\s*[-+]?\s*\(?\s*[-+]?[\d.]+\s*\)?\s*", seg.text):
                held = cf
        if flagged:   # one report per statement: drift notes yield to the error
            out = [j for j in out if j.verdict != "note"]
        if q and written is not None:
            self.state.env[q] = written
            if held is not None and held != written and close(held, written, tolerance(
                    stmt.segments[-1].text, written, [])):
                self.state.calc[q] = held
            else:
                self.state.calc.pop(q, None)
            # A written value off the exact one (drift or an error) taints what is computed from it later:
            # those lines are judged carried forward and get no drift note of their own.
            if not close(written, target_ex, tolerance(stmt.segments[-1].text, target_ex, [])) \
                    and not close(written, target_ex, sympy.Rational(1, 10 ** 9) * max(abs(target_ex), 1)):
                self.state.drifted.add(q)
        return out

    def _mentions_drifted(self, parsed: list) -> bool:
        """Does a side name a quantity whose written value is off (so a number built on it is no drift)?"""
        for p in parsed[1:]:
            if isinstance(p, DeriveError):
                continue
            for sym in ordered_symbols(p.expr):
                try:
                    if self.ref.resolve(sym) in self.state.drifted:
                        return True
                except Unresolved:
                    continue
        return False

    def _uses_drifted(self, terms: list[Term]) -> bool:
        used: set = set()
        for t in terms:
            if t.factor:
                used.add(t.factor)
            if t.partial:
                used.add(t.partial)
            used |= {("value", i) for i, s in self.ref.node_sym.items() if s in t.local.free_symbols}
        return bool(used & self.state.drifted)

    def _seed(self, stmt: Statement, parsed: list, q: Key) -> list[Judgment]:
        """``\\dot x = 1``: the writer chooses the direction; a new seed starts a new tangent pass."""
        name = self.ref.g[q[1]].name
        out = []
        for k in range(1, len(parsed)):
            p = parsed[k]
            if isinstance(p, DeriveError) or p.expr.free_symbols:
                continue
            v = num(p.expr)
            if any(key[0] == "tangent" and not self.ref.g[key[1]].is_input for key in self.state.env):
                self.state.env = {key: val for key, val in self.state.env.items() if key[0] != "tangent"}
                self.state.seeds = {}
            self.state.seeds[name] = v
            self.state.env[q] = v
            out.append(Judgment(k, "ok", found=stmt.segments[k].text))
        return out

    # ------------------------------------------------------------------------------------------ one side
    def _side(self, stmt, k, p: Parsed, q, terms, target_in, target_ex, cf_targets, flagged, last_cf, restated,
              inherited) -> tuple[Judgment, Any]:
        seg = stmt.segments[k]
        for s in ordered_symbols(p.expr):
            self.ref.resolve(s)
        symbolic = bool(p.expr.free_symbols) and not any("." in lit for lit in p.literals)
        cf = self.value(p.expr, True)
        if symbolic:
            e_in = self.ref.to_inputs(p.expr, self.state.seeds)
            if self.ref.same_function(e_in, target_in):
                return Judgment(k, "ok", found=seg.text), cf
        else:
            ex = self.value(p.expr, False)
            tol = tolerance(seg.text, target_ex, p.literals)
            hw = self.ref.handwritten(q, self.state.seeds) if q else []
            if close(ex, target_ex, tol) or close(cf, target_ex, tol) or any(close(cf, h, tol) for h in hw):
                return Judgment(k, "ok", found=seg.text), cf
            if any(close(cf, t, tol) for t in cf_targets):
                if _is_number_side(p) and q and not restated and not inherited and not flagged:
                    return self._drift(k, seg.text, target_ex), cf
                return Judgment(k, "ok", found=seg.text), cf
        if flagged and last_cf is not None and close(cf, last_cf, tolerance(seg.text, cf, p.literals)):
            return Judgment(k, "carried", found=seg.text,
                            message="follows from the previous (wrong) side of this line"), cf
        return self._wrong(stmt, k, p, q, terms, symbolic, cf, target_ex, cf_targets), cf

    def _drift(self, k: int, text: str, exact: Any) -> Judgment:
        shown = format_number(exact, max(self.sigfigs, count_sigfigs(text.strip().lstrip("-")) or 1))
        return Judgment(k, "note", expected=shown, found=text, diagnosis="rounding-drift",
                        message=f"rounding drift: {text.strip()} follows from the rounded values written earlier; "
                                f"the exact value is {shown}")

    def _wrong(self, stmt, k, p: Parsed, q, terms, symbolic, cf, target_ex, cf_targets) -> Judgment:
        seg = stmt.segments[k]
        expected = self._expected(p, q, symbolic, cf_targets, target_ex, seg.text)
        diag, detail = self._diagnose(p, q, terms, symbolic, cf, seg.text)
        msg = f"expected {expected}, found {seg.text.strip()}"
        if diag:
            msg = f"{MISCONCEPTIONS[diag].title}: {detail}"
        tail = self._final_value_note(stmt, k, q, target_ex, cf_targets)
        return Judgment(k, "wrong", expected=expected, found=seg.text.strip(), message=msg + tail, diagnosis=diag)

    def _final_value_note(self, stmt, k, q, target_ex, cf_targets) -> str:
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
        s = max(self.sigfigs, count_sigfigs(last.text.strip().lstrip("-")))
        exact = format_number(target_ex, s)
        carried = format_number(cf_targets[-1], s) if cf_targets else exact
        if carried != exact:
            return f"; the line should come to {carried} with the values written above (exactly {exact})"
        return f"; the line should come to {exact}"

    def _expected(self, p, q, symbolic, cf_targets, target_ex, text) -> str:
        if not symbolic:
            s = max(self.sigfigs, count_sigfigs(text.strip().lstrip("-(").rstrip(")")) if re.search(r"\d", text)
                    else self.sigfigs)
            best = cf_targets[-1] if cf_targets else target_ex
            return format_number(best, s)
        if q and self.ref.formula(q):
            partials = any(isinstance(s, WrittenPartial) for s in ordered_symbols(p.expr))
            return str(latex(self.ref.show_expr(self._formula_expr(q, partials))))
        return str(latex(sympy.simplify(self.ref.key_in(q, self.state.seeds) if q else 0)))

    def _formula_expr(self, q: Key, as_partials: bool) -> sympy.Expr:
        terms = self.ref.formula(q)
        parts = []
        for t in terms:
            local = t.local
            if as_partials and q[0] in ("adjoint", "tangent") and t.via is not None:
                i, j = (t.via, q[1]) if q[0] == "adjoint" else (q[1], t.via)
                local = PartialFrac(self.ref.node_sym[i], self.ref.node_sym[j])
            f = self.ref.factor_symbol(t.factor) if t.factor else None
            parts.append(local if f is None else (f if local == 1 else sympy.Mul(f, local, evaluate=False)))
        return parts[0] if len(parts) == 1 else sympy.Add(*parts, evaluate=False)

    # ------------------------------------------------------------------------------------------ diagnosis
    def _diagnose(self, p: Parsed, q, terms, symbolic, cf, text) -> tuple[str, str]:
        if not q:
            return "", ""
        for mid, detail, alt in perturbations(self.ref, q, terms):
            try:
                if symbolic:
                    hit = self.ref.same_function(self.ref.to_inputs(p.expr, self.state.seeds),
                                                 self.ref.formula_in(alt, self.state.seeds))
                else:
                    v = self.ref.formula_value(alt, self.state.env, self.state.seeds)
                    hit = close(cf, v, tolerance(text, v, p.literals))
            except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
                hit = False
            if hit:
                return mid, detail
        return "", ""
