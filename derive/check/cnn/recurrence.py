"""The receptive-field recurrence on a sheet: ``r_l``/``j_l`` at a general layer (compared as functions of the
layer's numbers), ``r_3``/``j_3`` at a numbered step of the path, and a bare ``r``/``j`` the writer steps along the path.
Each step is also right when it follows from the writer's own previous ``r`` and ``j`` (error carried forward); a
wrong step is diagnosed by recomputing it with the stride, the jump or the dilation left out."""
from __future__ import annotations

from typing import Any

import sympy

from derive.check.verdicts import Judgment
from derive.check.reference import Unresolved
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.misconceptions import said as _said
from derive.check.cnn.facts import is_literal as _is_literal
from derive.compare import num, ordered_symbols
from derive.errors import DeriveError
from derive.check.reading.document import Statement


def _sym(key: tuple) -> sympy.Symbol:
    if key[0] != "sym":
        raise Unresolved("a number of a particular layer in a general recurrence")
    return sympy.Symbol(f"{key[1]}[{key[2]}]")


_S = {name: sympy.Symbol(name) for name in ("r[l-1]", "j[l-1]", "P[l-1]", "k[l]", "s[l]", "p[l]")}
RECURRENCES = {"r": _S["r[l-1]"] + (_S["k[l]"] - 1) * _S["j[l-1]"], "j": _S["j[l-1]"] * _S["s[l]"],
               "P": _S["P[l-1]"] + _S["p[l]"] * _S["j[l-1]"]}
# the recurrence as a known misconception writes it (the jump left out)
WRONG_RECURRENCES = {"r": {"no-jump": _S["r[l-1]"] + _S["k[l]"] - 1}}
RECURRENCE_TEX = {"r": r"r_{l} = r_{l-1} + (k_{l} - 1) j_{l-1}", "j": r"j_{l} = j_{l-1} s_{l}",
                  "P": r"P_{l} = P_{l-1} + p_{l} j_{l-1}"}

def _POINTS(a: sympy.Expr, b: sympy.Expr) -> list[dict]:
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda x: x.name)
    return [{x: sympy.Integer(2 + (3 * n + 7 * i) % 11) for i, x in enumerate(syms)} for n in range(3)]



class RecurrenceJudging:
    """The receptive-field part of :class:`~derive.check.cnn.judge.CnnJudge` (a mixin: it uses its reference,
    state and ``_named``)."""

    def _writer_rf(self, m: int, skip_pools: bool | None = None) -> tuple[int, int]:
        """(r, j) after step ``m`` as the writer's own numbers give them (derive's recurrence where they wrote none;
        with the pooling layers left out once the writer's rule is shown to leave them out)."""
        env = self.state.env
        skip = self.aux.get("rf_rule") == "no-pool" if skip_pools is None else skip_pools
        r, j = env.get(("r", 0), 1), env.get(("j", 0), 1)
        for n in range(1, m + 1):
            st = self.ref.steps[n - 1]
            r_new, j_new = (r, j) if skip and st.kind == "pool" else (r + (st.extent(0) - 1) * j, j * st.s[0])
            r, j = env.get(("r", n), r_new), env.get(("j", n), j_new)
        return r, j

    def _rf_diagnose(self, base: str, n: int):
        st = self.ref.steps[n - 1]
        r0, j0 = self._writer_rf(n - 1)
        if base == "j":
            pert = {"no-stride": j0}
        else:
            pert = {"no-jump": r0 + st.extent(0) - 1, "no-dilation": r0 + (st.k[0] - 1) * j0}

        rp, jp = self._writer_rf(n, skip_pools=True)   # the pooling layers left out (their weights are none)
        no_pool = {"r": rp, "j": jp}[base]

        def diagnose(k: int, text: str, v: Any, target: Any) -> Judgment:
            if v == no_pool and no_pool != target and any(x.kind == "pool" for x in self.ref.steps[:n]):
                self.aux["rf_rule"] = "no-pool"   # the writer's rule from now on: later steps carry it
                m = MISCONCEPTIONS["rf-no-pool"]
                return Judgment(k, "wrong", expected=str(target), found=text.strip(), diagnosis="rf-no-pool",
                                message=f"{m.title}: {m.explanation} (at {self._label(st)}: expected {target})")
            for pid, val in pert.items():
                if v == val and val != target:
                    return Judgment(k, "wrong", expected=str(target), found=text.strip(), diagnosis=pid,
                                    message=f"{_said(pid)} at {self._label(st)} (s = {st.s[0]}, k = {st.k[0]}, "
                                            f"d = {st.d[0]}): expected {target}")
            return Judgment(k, "wrong", expected=str(target), found=text.strip(),
                            message=f"expected {target} at {self._label(st)}, found {text.strip()}")
        return diagnose

    def _rf_numbered(self, stmt: Statement, sides: list, q: tuple) -> list[Judgment]:
        base, n = q
        alt = None
        if n >= 1:
            r0, j0 = self._writer_rf(n - 1)
            st = self.ref.steps[n - 1]
            alt = r0 + (st.extent(0) - 1) * j0 if base == "r" else j0 * st.s[0]
        out = self._named(stmt, sides, q, alt=alt, diagnose=self._rf_diagnose(base, n) if n >= 1 else None)
        self.aux["rf"] = max(self.aux["rf"], n)
        return out

    def _running(self, sides: list) -> bool:
        """A bare ``r`` is the writer's running value when they step along the path (``r = 6 + 2·2 = 10``)."""
        if self.aux["rf"] > 0:
            return True
        return any(not isinstance(p, DeriveError) and not _is_literal(t) for _, t, p in sides[1:])

    def _rf_running(self, stmt: Statement, sides: list, base: str) -> list[Judgment]:
        vals = []
        for k, text, p in sides[1:]:
            try:
                vals.append(self.value(p.expr) if not isinstance(p, DeriveError) else None)
            except (Unresolved, ArithmeticError, TypeError, ValueError):
                vals.append(None)
        last = next((v for v in reversed(vals) if v is not None), None)
        pos = self.aux["rf"]
        for n in range(max(pos, 1), len(self.ref.steps) + 1):
            writer = self._writer_rf(n)[0 if base == "r" else 1]
            if last is not None and last in (self.ref.values[(base, n)], writer):
                self.aux["rf"] = n
                return self._rf_numbered(stmt, sides, (base, n))
        n = min(pos + 1, len(self.ref.steps))
        if pos == 0 or (n == len(self.ref.steps) and pos == n):
            return self._named(stmt, sides, (base,))
        return self._rf_numbered(stmt, sides, (base, n))   # the next step (the last one too: its slips diagnosed)

    def _general(self, stmt: Statement, parsed: list, q: tuple) -> list[Judgment]:
        """``r_l = r_{l-1} + (k_l - 1) j_{l-1}`` and the like: compared as functions of the layer's numbers."""
        if q[2] != "l" or q[1] not in RECURRENCES:
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message="not a recurrence derive knows")]
        out = []
        ref_expr = RECURRENCES[q[1]]
        for k in range(1, len(parsed)):
            p = parsed[k]
            if isinstance(p, DeriveError):
                out.append(Judgment(k, "unverifiable", found=stmt.segments[k].text, message=f"cannot read: {p}"))
                continue
            try:
                e = p.expr.xreplace({s: _sym(self.ref.resolve(s)) for s in ordered_symbols(p.expr)})
            except Unresolved as exc:
                out.append(Judgment(k, "unverifiable", found=stmt.segments[k].text, message=str(exc)))
                continue
            same = all(num((e - ref_expr).xreplace(pt)) == 0 for pt in _POINTS(e, ref_expr))
            if same:
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
                continue
            diag = next((pid for pid, wrong in WRONG_RECURRENCES.get(q[1], {}).items()
                         if all(num((e - wrong).xreplace(pt)) == 0 for pt in _POINTS(e, wrong))), "")
            if diag:   # a wrong rule stated: flagged here, and the steps that follow it are carried (CnnJudge.judge)
                self.state.rules[diag] = stmt.line
            out.append(Judgment(k, "wrong", expected=RECURRENCE_TEX[q[1]], found=stmt.segments[k].text.strip(),
                                message=(f"{MISCONCEPTIONS[diag].title}: " if diag else "") +
                                f"the recurrence is {RECURRENCE_TEX[q[1]]}", diagnosis=diag))
        return out
