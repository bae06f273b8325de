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

import copy
import re
from typing import Any

import sympy

from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.autodiff.carry import carries_a_fix, final_value_note, follow_stated_rules
from derive.check.autodiff.naming import learn_names
from derive.check.autodiff.perturb import perturbations
from derive.check.reference import Key, Reference, Term, Unresolved
from derive.compare import num, ordered_symbols
from derive.check.verdicts import Judgment, State, close, tolerance
from derive.errors import DeriveError
from derive.latex import latex
from derive.autodiff.notation import PartialFrac
from derive.numbers import count_sigfigs, format_number
from derive.check.reading.document import Parsed, Statement, Written, WrittenPartial
from derive.check.reading.leibniz import PRIMED_FUNC_RE, PRIMED_OPS, paren_end



def _generic(sub: str) -> bool:
    return sub == "" or sub in ("i", "j", "k", "n")   # v_i, \\bar v_k, v': any node, not node i


def _written(e: Any):
    for s in ordered_symbols(e):
        if isinstance(s, WrittenPartial):
            yield from _written(s.num)
            yield from _written(s.den)
        elif isinstance(s, Written):
            yield s


def _at_node(e: Any, letters: set[str], w: str) -> Any:
    """``e`` with every generic node index (v_i, v') set to node ``w``."""
    def at(s: Any) -> Any:
        if isinstance(s, WrittenPartial):
            return WrittenPartial(_at_node(s.num, letters, w), _at_node(s.den, letters, w), s.total)
        if isinstance(s, Written) and s.base in letters and _generic(s.sub) and not s.time:
            return Written(s.deco, s.base, w, "")
        return s
    if isinstance(e, sympy.Symbol):
        return at(e)
    return e.xreplace({s: at(s) for s in ordered_symbols(e)})


_DUMMY_VALUES = ((sympy.Rational(3, 10), sympy.Rational(-7, 5)), (sympy.Rational(13, 10), sympy.Rational(2, 5)),
                 (sympy.Rational(-9, 10), sympy.Rational(11, 5)))


def _identity(stmt: Statement, parsed: list) -> list[Judgment] | None:
    """``\\sigma'(u) = \\sigma(u)(1 - \\sigma(u))`` in letters that are no quantity of the problem: a rule, correct
    if it holds for every value of them (three sample points). None if it is not such a line or does not hold:
    a rule in unknown letters proves nothing about the sheet, so it is never called wrong."""
    if len(parsed) < 2 or any(isinstance(p, DeriveError) or any("." in x for x in p.literals) for p in parsed):
        return None
    dummies = sorted({s for p in parsed for s in p.expr.free_symbols}, key=str)
    if not dummies or len(dummies) > 2 or not all(isinstance(d, Written) and not d.deco for d in dummies):
        return None
    try:
        for point in _DUMMY_VALUES:
            values = [num(p.expr.xreplace(dict(zip(dummies, point)))) for p in parsed]
            if not all(v.is_real for v in values) or \
                    any(abs(v - values[0]) > sympy.Rational(1, 10 ** 9) * max(1, abs(values[0])) for v in values):
                return None
    except (ArithmeticError, ValueError, TypeError, ZeroDivisionError):
        return None
    names = ", ".join(str(latex(d)) for d in dummies)
    return [Judgment(k, "ok", found=stmt.segments[k].text, message=f"a rule: holds for every {names}")
            for k in range(1, len(parsed))]


def _is_number_side(p: Parsed) -> bool:
    return not p.expr.free_symbols


class StatementJudge:
    """Judges one statement; ``state`` is updated with the writer's numbers as it goes."""

    def __init__(self, ref: Reference, state: State, sigfigs: int = 3) -> None:
        self.ref, self.state, self.sigfigs = ref, state, sigfigs
        self._target_in: Any = sympy.S.Zero

    # ------------------------------------------------------------------------------------------ evaluation
    def value(self, e: sympy.Expr, carried: bool, env: dict | None = None) -> sympy.Expr:
        st = self.state
        env = st.env if env is None else env
        subs = {s: self.ref.value_of_symbol(s, env, st.seeds, carried) for s in ordered_symbols(e)}
        return num(e.xreplace(subs))

    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        """The statement's verdicts; a slip that follows a wrong rule the writer stated earlier is carried."""
        return follow_stated_rules(self.state, stmt, parsed, self._judge(stmt, parsed))

    def _judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        out: list[Judgment] = []
        first = parsed[0]
        self.ref.set_alias(self.state.alias, self.state.named)
        learn_names(self.ref, self.state, parsed)
        if isinstance(first, DeriveError):
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=f"cannot read: {first}")]
        if not self.state.seeds and len(self.ref.g.inputs) == 1:   # one input: tangents can only be along it
            self.state.seeds = {self.ref.g.inputs[0].name: sympy.S.One}
        generic = self._notation(stmt, parsed)
        if generic is not None:
            return generic
        try:
            q = self.ref.resolve(first.expr, lhs=True) if isinstance(first.expr, sympy.Symbol) else \
                self._function_partial(stmt.segments[0].text, first.expr)
            if q and q[0] == "tangent" and not self.state.seeds:
                self._implied_seed(parsed)
            target_in = (self.ref.key_in(q, self.state.seeds) if q else
                         self.ref.to_inputs(first.expr, self.state.seeds))
            self._target_in = target_in   # what a wrong symbolic side is told it should be
            target_ex = self.ref.exact(q, self.state.seeds) if q else self.value(first.expr, False)
            lhs_cf = None if q else self.value(first.expr, True)
        except Unresolved as exc:
            return _identity(stmt, parsed) or [Judgment(0, "unverifiable", found=stmt.segments[0].text,
                                                        message=str(exc))]
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
        swept = self._from_sweep(q)
        if swept is not None:   # ∂f/∂y after a forward sweep seeded at y: the writer's own tangent of f
            cf_targets.append(swept)
        if q and q[0] in ("adjoint", "total") and self.ref.g[q[1] if q[0] == "adjoint" else q[2]].is_input:
            k, i = (self.ref.out, q[1]) if q[0] == "adjoint" else (q[1], q[2])
            chained = self.ref.carried_total(k, i, self.state.env)   # f'(x) from the writer's own partials
            if chained is not None:
                cf_targets.append(chained)
                swept = chained if any(key[0] in ("partial", "total") for key in self.state.drifted) else swept
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
        inherited = self._uses_drifted(terms) or self._mentions_drifted(parsed) or \
            (swept is not None and any(key[0] in ("tangent", "partial", "total") for key in self.state.drifted))
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
            # a side carried forward (the writer's earlier wrong number) lets the sides equal to it carry it on
            flagged = flagged or j.verdict == "wrong" or (j.verdict == "carried" and bool(self.state.fixes))
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

    def _notation(self, stmt: Statement, parsed: list) -> list[Judgment] | None:
        """A definition of notation, ``\\bar v_i = ∂f/∂v_i`` or ``v' = dv/dx`` (a node letter with a letter index or
        none, no numbers): judged at every node of the graph, and correct only if it holds at each one. Anything
        less proves nothing about the writer's convention, so it stays unverifiable -- never a wrong verdict."""
        if any(isinstance(p, DeriveError) or p.literals for p in parsed):
            return None
        found = {s for p in parsed for s in _written(p.expr) if s.base in self.ref.letters and _generic(s.sub)}
        if not found:
            return None
        nodes = [self.ref.shown(n.index) for n in self.ref.g.intermediates][:4]
        saved = copy.deepcopy(self.state)   # a notation line teaches no numbers, names or aliases
        first: list[Judgment] | None = None
        seeds: dict = {}
        try:
            for w in nodes:
                at = [Parsed(_at_node(p.expr, self.ref.letters, str(w)), []) for p in parsed]
                got = self.judge(stmt, at)
                if not got or any(j.verdict != "ok" for j in got):
                    return None
                first = first or got
                seeds = dict(self.state.seeds)
        finally:
            self.state = saved
            self.ref.set_alias(saved.alias, saved.named)
        if not saved.seeds:
            saved.seeds = seeds   # "v_i' = dv_i/dx" does set the direction: the tangent along x from here on
        return [Judgment(j.segment, "ok", found=stmt.segments[j.segment].text, message="notation: holds at every node")
                for j in first or []] or None

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

    def _from_sweep(self, q: Key | None) -> Any:
        """The tangent the writer computed for ∂k/∂x_i, when their current forward sweep is seeded at x_i."""
        if not q or q[0] not in ("adjoint", "total"):
            return None
        k, i = (self.ref.out, q[1]) if q[0] == "adjoint" else (q[1], q[2])
        node = self.ref.g[i]
        seeds = self.state.seeds
        if not node.is_input or seeds.get(node.name) != 1 or \
                any(seeds.get(n.name, 0) != 0 for n in self.ref.g.inputs if n.index != i):
            return None
        return self.state.env.get(("tangent", k))

    def _function_partial(self, text: str, e: sympy.Expr) -> Key | None:
        """``\\sigma'(x_1) = …`` with s = σ(x_1) a node: the local partial ∂s/∂x_1 (so the writer's value of it is
        carried forward, and a slip in it is diagnosed by the table); None for any other left side."""
        m = PRIMED_FUNC_RE.match(text.strip())
        if not m or paren_end(text.strip(), m.end() - 1) != len(text.strip()) - 1:
            return None
        op = PRIMED_OPS[m.group("f")].name
        try:
            e_in = self.ref.to_inputs(e, {})
        except (Unresolved, ArithmeticError, TypeError, ValueError):
            return None
        for n in self.ref.g.intermediates:
            if n.op == op and len(set(n.args)) == 1:
                j = n.args[0]
                if self.ref.same_function(self.ref.key_in(("partial", n.index, j), {}), e_in):
                    return ("partial", n.index, j)
        return None

    def _implied_seed(self, parsed: list) -> None:
        """``v_1' = dv_1/dx`` with no seed written: the writer's tangent is the derivative along x (ẋ = 1, the other
        inputs held)."""
        for p in parsed[1:]:
            if isinstance(p, DeriveError) or not isinstance(p.expr, WrittenPartial):
                continue
            try:
                key = self.ref.resolve(p.expr.den)
            except Unresolved:
                continue
            if key[0] == "value" and self.ref.g[key[1]].is_input:
                self.state.seeds = {n.name: sympy.S.One if n.index == key[1] else sympy.S.Zero
                                    for n in self.ref.g.inputs}
                return

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
            tol = tolerance(seg.text, target_ex, self._rounded(p.literals))
            hw = self.ref.handwritten(q, self.state.seeds) if q else []
            if close(ex, target_ex, tol) or close(cf, target_ex, tol) or any(close(cf, h, tol) for h in hw):
                return Judgment(k, "ok", found=seg.text), cf
            # a value carried forward is good to the figures written, relative to itself (not to the exact value,
            # which a carried error may have moved far from it)
            if any(close(cf, t, max(tol, tolerance(seg.text, t, self._rounded(p.literals)))) for t in cf_targets):
                if _is_number_side(p) and q and not restated and not inherited and not flagged:
                    return self._drift(k, seg.text, target_ex), cf
                return Judgment(k, "ok", found=seg.text), cf
        if flagged and last_cf is not None and close(cf, last_cf, tolerance(seg.text, cf, self._rounded(p.literals))):
            if _is_number_side(p) and p.literals and target_ex is not None:   # the line's wrong result, remembered
                self.state.fixes.setdefault(p.literals[-1].lstrip("-"), abs(target_ex))
            return Judgment(k, "carried", found=seg.text,
                            message="follows from the previous (wrong) side of this line"), cf
        if not symbolic and carries_a_fix(self.state.fixes, p.expr, target_ex, seg.text):
            return Judgment(k, "carried", found=seg.text,
                            message="the right computation with the writer's own earlier (wrong) number"), cf
        verdict = self._wrong(stmt, k, p, q, terms, symbolic, cf, target_ex, cf_targets)
        if _is_number_side(p) and p.literals and len(stmt.segments) > 1 and k == len(stmt.segments) - 1:
            self.state.fixes.setdefault(p.literals[-1].lstrip("-"), abs(target_ex))   # later lines may use it
        return verdict, cf


    def _rounded(self, literals: list[str]) -> list[str]:
        """The literals that may be rounded: not the problem's given values (x = 0.5 is exact, and must not make
        ``0.5 × σ'(1)`` good to one figure)."""
        given = [v for v in self.ref.point.values() if v.is_Rational]
        return [lit for lit in literals if "." not in lit or sympy.Rational(lit) not in given]

    def _drift(self, k: int, text: str, exact: Any) -> Judgment:
        single = re.fullmatch(r"\s*[-+(]*\s*[\d.]+\s*\)?\s*", text)
        shown = format_number(exact, max(self.sigfigs, count_sigfigs(text.strip().lstrip("-")) if single else 0))
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
        tail = final_value_note(stmt, k, target_ex, cf_targets, self.sigfigs)
        if tail.startswith(" (the value") and isinstance(p.expr, Written) and p.expr.deco == "dot":
            # ∂f/∂y = \dot v_5 = 1.3558 after a table of two sweeps: the tangent of a sweep the checker did not
            # follow, with the right value -- the writer's own name for it, not a mistake
            return Judgment(k, "ok", found=seg.text)
        return Judgment(k, "wrong", expected=expected, found=seg.text.strip(), message=msg + tail, diagnosis=diag)


    def _expected(self, p, q, symbolic, cf_targets, target_ex, text) -> str:
        if not symbolic:
            single = re.fullmatch(r"\s*[-+(]*\s*[\d.]+\s*\)?\s*", text)
            figures = [count_sigfigs(single.group(0).strip().lstrip("-+(").rstrip(")"))] if single else \
                [count_sigfigs(lit) for lit in p.literals if "." in lit]   # an expression: its figures, not its digits
            s = max([self.sigfigs, *figures])
            best = cf_targets[-1] if cf_targets else target_ex
            return format_number(best, s)
        if q and self.ref.formula(q):
            partials = any(isinstance(s, WrittenPartial) for s in ordered_symbols(p.expr))
            return str(latex(self.ref.show_expr(self._formula_expr(q, partials))))
        return str(latex(sympy.simplify(self.ref.key_in(q, self.state.seeds) if q else self._target_in)))

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
