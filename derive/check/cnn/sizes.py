"""Output sizes on a sheet: ``H_3``/``W_1`` (a windowed layer of the main path), the general rule
``H_{out} = ⌊(H_{in} + 2p − k)/s⌋ + 1``, kernel settings ``k = 11``, and an unnamed size formula ``(27 − 5)/1 + 1``
matched to its layer by its numbers and its place after the writer's previous size. A size is also right when it
follows from the writer's own earlier size (error carried forward); a wrong one is diagnosed by recomputing the layer
with the padding, the stride or the dilation left out, or floor and ceiling swapped."""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.verdicts import Judgment, unreadable_side
from derive.check.reference import Unresolved
from derive.check.misconceptions import said as _said
from derive.check.cnn.facts import Step, ints as _ints, is_literal as _is_literal
from derive.compare import num, ordered_symbols
from derive.errors import InputError
from derive.check.reading.document import Statement, Written
from derive.latex import latex


SIZE_TEX = r"\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1"
_SIZE_BASES = ("H", "W", "n")
_SIZE_IN_SUBS = ("", "in", "i", "l-1", "prev", "0")
_SIZE_OUT_SUBS = ("out", "o", "l", "new", "next")

# points (n, p, k, s, d) where every size rule divides exactly, so ⌊⌋ and plain division agree
_SIZE_POINTS = [(13, 1, 3, 2, 1), (21, 2, 4, 3, 1), (30, 0, 6, 4, 1), (11, 3, 5, 1, 1), (21, 1, 3, 2, 2),
                (14, 0, 3, 1, 2), (40, 2, 5, 3, 3)]
_N, _P, _K, _ST, _D = (sympy.Symbol(x) for x in ("n", "p", "k", "s", "d"))
_RULE = sympy.floor((_N + 2 * _P - _D * (_K - 1) - 1) / _ST) + 1


_UNKNOWN = (Unresolved, ArithmeticError, TypeError, ValueError)   # a side whose value cannot be known

class SizeJudging:
    """The output-size part of :class:`~derive.check.cnn.judge.CnnJudge` (a mixin)."""

    def _ecf_in(self, st: Step, axis: int) -> int:
        """The input size of ``st`` as the writer's own earlier sizes give it (propagated through the layers they
        did not write down), or the network's."""
        sizes = self.aux["size"]
        try:
            path = self.ref.an.path(st.name)[:-1]
        except InputError:
            return st.n_in[axis]
        for pos in range(len(path) - 1, -1, -1):
            if (path[pos], axis) in sizes or (path[pos], 0) in sizes and axis == 1 and self.facts.square:
                n = sizes.get((path[pos], axis), sizes.get((path[pos], 0)))
                for idx in path[pos + 1:]:
                    later = self.facts.by_index.get(idx)
                    if later is not None and n is not None:
                        n = later.out(n, axis)
                return st.n_in[axis] if n is None else n
        return st.n_in[axis]

    def _size_verdict(self, st: Step, axis: int, v: Any, text: str, k: int) -> Judgment | None:
        """None when ``v`` is the output size of ``st`` (from the network's or the writer's input); else wrong."""
        vals = {v} if v.is_Integer else {sympy.floor(v), sympy.ceiling(v)}
        ecf_in = self._ecf_in(st, axis)
        ins = [ecf_in]
        lits = _ints(text)
        if not _is_literal(text) and lits:
            ins.append(lits[0])   # the writer's own input, whatever its origin: the rule is what is judged here
        accept = {st.n_out[axis]} | {st.out(n, axis) for n in ins}
        if vals & accept:
            return None
        expected = st.out(ins[-1], axis)
        for n in ins[::-1]:
            for pid, val in st.perturbed(n, axis).items():
                if val in vals:
                    return Judgment(k, "wrong", expected=str(expected), found=text.strip(), diagnosis=pid,
                                    message=f"{_said(pid)} at {self._label(st)} (k = {st.k[axis]}, s = {st.s[axis]}, "
                                            f"p = {st.p[axis]}, d = {st.d[axis]}): expected {st.out(n, axis)}")
        return Judgment(k, "wrong", expected=str(expected), found=text.strip(),
                        message=f"the output size of {self._label(st)} is {expected} (k = {st.k[axis]}, s = {st.s[axis]}, "
                                f"p = {st.p[axis]}, d = {st.d[axis]}), found {text.strip()}")

    def _label(self, st: Step) -> str:
        alias = self.ref.an.layers[st.index].node.alias
        return f"{st.name} ({alias})" if alias else st.name

    def _record_size(self, st: Step, axis: int, v: Any) -> None:
        if v is not None and v.is_Integer:
            self.aux["size"][(st.index, axis)] = int(v)
            self.aux["last"] = st.index

    def _size_named(self, stmt: Statement, sides: list, q: tuple) -> list[Judgment]:
        axis, n = (0 if q[0] == "H" else 1), q[1]
        if n == 0:
            return self._named(stmt, sides, q)
        st = self.facts.size_steps[n - 1]
        out, last, flagged = [], None, False
        for k, text, p, seg, v in self.evaluated(stmt, sides, out, _UNKNOWN):
            verdict = None if flagged and last is not None and v == last else self._size_verdict(st, axis, v, text, k)
            if verdict is None:
                out.append(Judgment(k, "ok" if v == st.n_out[axis] else "carried", found=seg.text))
            else:
                out.append(verdict)
                flagged = True
            if _is_literal(text) or last is None:
                last = v
        if last is not None and last.is_Integer:
            self.state.env[q] = last
            self._record_size(st, axis, last)
        return out

    def _size_rule(self, stmt: Statement, sides: list, q: tuple) -> list[Judgment]:
        """``H_{out} = ⌊(H_{in} + 2p − k)/s⌋ + 1`` (and ``W_l = H_l`` for square maps): as a function of n, p, k, s."""
        out = []
        for k, text, p in sides[1:]:
            seg = stmt.segments[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            syms = ordered_symbols(p.expr)
            if len(syms) == 1 and isinstance(syms[0], Written) and syms[0].base in _SIZE_BASES and \
                    p.expr == syms[0]:
                other = syms[0]
                same_layer = other.sub.replace(" ", "") == q[2]
                ok = same_layer and (self.facts.square or other.base == q[1])
                out.append(Judgment(k, "ok", found=seg.text) if ok else
                           Judgment(k, "unverifiable", found=seg.text, message="not a size rule derive knows"))
                continue
            roles, unknown = {}, None
            for s in syms:
                if not isinstance(s, Written):
                    unknown = s
                    break
                b, sub = s.base, s.sub.replace(" ", "").lower()
                if b in _SIZE_BASES and sub in _SIZE_IN_SUBS:
                    roles[s] = _N
                elif b.lower() in ("k", "s", "p", "d") and sub in ("", "l"):
                    roles[s] = {"k": _K, "s": _ST, "p": _P, "d": _D}[b.lower()]
                else:
                    unknown = s
                    break
            if unknown is not None or _N not in roles.values():
                out.append(Judgment(k, "unverifiable", found=seg.text,
                                    message=f"{_show(unknown) if unknown is not None else 'the input size'} is not "
                                            "a quantity of the size rule"))
                continue
            e = p.expr.xreplace(roles)
            has_d = _D in e.free_symbols
            rule = _RULE if has_d else _RULE.xreplace({_D: 1})
            no_pad = rule.xreplace({_P: 0})

            def agrees(a, b, pts=_SIZE_POINTS):
                try:
                    return all(num(a.xreplace(dict(zip((_N, _P, _K, _ST, _D), pt)))) ==
                               num(b.xreplace(dict(zip((_N, _P, _K, _ST, _D), pt)))) for pt in pts
                               if has_d or pt[4] == 1)
                except (ArithmeticError, TypeError, ValueError, ZeroDivisionError):
                    return False
            if agrees(e, rule):
                out.append(Judgment(k, "ok", found=seg.text))
            else:
                why = _said("no-padding") + "; " if agrees(e, no_pad) and _P not in e.free_symbols else ""
                out.append(Judgment(k, "wrong", expected=SIZE_TEX, found=seg.text.strip(),
                                    message=f"{why}the output size is {SIZE_TEX}"))
        return out

    def _hyper(self, stmt: Statement, sides: list, what: str) -> list[Judgment]:
        """``k = 11``, ``s = 4`` next to a layer's name in the prose: a setting some layer of the network has."""
        have = set()
        for st in self.facts.by_index.values():
            have |= set({"k": st.k + (st.extent(0), st.extent(1)), "s": st.s, "p": st.p, "d": st.d}[what])
        out = []
        for k, text, p, seg, v in self.evaluated(stmt, sides, out, _UNKNOWN, f"{what} of which layer?"):
            out.append(Judgment(k, "ok", found=seg.text) if v in have else
                       Judgment(k, "unverifiable", found=seg.text,
                                message=f"no layer of {self.ref.an.network.name} has {what} = {text.strip()}; "
                                        "the sheet does not say which layer is meant"))
        return out

    def _size_step_for(self, text: str) -> tuple[Step, int] | None:
        """The layer an unnamed size formula (``(27 - 5)/1 + 1``) is about: the next windowed layer after the
        writer's previous size whose kernel and stride are the formula's and whose input is the formula's first
        number; failing that, the very next layer if its kernel is in the formula."""
        if not re.search(r"\+\s*1\s*(?:\\right)?\s*$", re.sub(r"\\[lr](?:floor|ceil)|\\right|\\left", "", text)):
            return None
        lits = _ints(text)
        if len(lits) < 2:
            return None
        m = re.search(r"\\frac\s*\{[^{}]*\}\s*\{\s*(\d+)\s*\}", text) or re.search(r"/\s*\(?\s*(\d+)", text)
        s_w = int(m.group(1)) if m else 1
        steps = self.facts.size_steps
        last = self.aux["last"]
        pos = next((i + 1 for i, st in enumerate(steps) if st.index == last), 0)
        cands = steps[pos:] if pos else steps
        for axis in (0, 1):
            for st in cands:
                if (st.k[axis] in lits[1:] or st.extent(axis) in lits[1:]) and st.s[axis] == s_w and \
                        lits[0] in (self._ecf_in(st, axis), st.n_in[axis]):
                    return st, axis
        if pos and cands:
            st = cands[0]
            if st.k[0] in lits[1:] and lits[0] in (self._ecf_in(st, 0), st.n_in[0]):
                return st, 0
        return None


def _show(sym: sympy.Basic) -> str:
    return str(latex(sym))
