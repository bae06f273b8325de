"""Counts on a sheet: the writer's own arithmetic (every side against the first), a count of a layer the writer
names (``\\text{conv2}: …``, ``C1 = …``, ``layer2``), and a bare count read by value: a right count of some layer or
stage, or one with a setting changed (no biases, no downsample branch), or one recomputed from the writer's own
sizes (carried). A wrong count is remembered with its right value, so a later total of the writer's numbers carries."""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.verdicts import Judgment, close as _close, tolerance, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.reference import Unresolved
from derive.check.misconceptions import said as _said
from derive.check.cnn.facts import floored as _floored, ints as _ints, is_literal as _is_literal
from derive.errors import DeriveError
from derive.check.reading.document import Parsed, Statement


class CountJudging:
    """The counting part of :class:`~derive.check.cnn.judge.CnnJudge` (a mixin)."""

    def _arith(self, stmt: Statement, sides: list) -> tuple[list[Judgment], list[tuple[int, Any, str]], bool]:
        """Every side against the first (the writer's own arithmetic). A chain that goes on after a plain number
        with a new computation that does not equal it (``= 102764544 = (4096 + 1)·4096 = 16781312``: the next
        display's name was blanked) starts afresh. Returns the judgments, the pieces (first side index, value,
        text of the formula) and whether a slip was found."""
        out: list[Judgment] = []
        pieces: list[tuple[int, Any, str]] = []
        target, flagged, prev, prev_literal, k_first = None, False, None, False, None
        for i, (k, text, p) in enumerate(sides):
            seg = stmt.segments[k]
            if i > 0:
                bad = unreadable_side(k, seg, p)
                if bad is not None:
                    out.append(bad)
                    continue
            elif isinstance(p, DeriveError):
                out.append(Judgment(k, "unverifiable", found=seg.text, message=f"cannot read: {p}"))
                return out, pieces, True
            try:
                v = self.value(p.expr)
            except (Unresolved, ArithmeticError, TypeError, ValueError) as exc:
                out.append(Judgment(k, "unverifiable", found=seg.text, message=str(exc) or "cannot evaluate it"))
                if target is None:
                    return out, pieces, True
                continue
            literal = _is_literal(text)
            if target is None:
                target, k_first = v, k
                pieces.append((k, v, text))
            else:
                nxt = sides[i + 1] if i + 1 < len(sides) else None
                restart = (prev_literal and not literal and not _close(v, target, tolerance(text, target, p.literals))
                           and nxt is not None and not isinstance(nxt[2], DeriveError)
                           and _is_literal(nxt[1]) and self._equals(nxt[2], v))
                tol = tolerance(text, target, p.literals)
                if seg.rel == "=" and target.is_Integer and not any("." in x for x in p.literals):
                    tol = 0
                if restart:
                    out.append(Judgment(k, "ok", found=seg.text))
                    target = v
                    pieces.append((k, v, text))
                elif _close(v, target, tol) or _floored(v, target, seg.rel, stmt.segments[k_first].text) or \
                        self._scaled(stmt, seg, text, v, target, p):
                    out.append(Judgment(k, "ok", found=seg.text))
                elif flagged and prev is not None and _close(v, prev, tolerance(text, prev, p.literals)):
                    out.append(Judgment(k, "carried", found=seg.text))
                else:
                    out.append(Judgment(k, "wrong", expected=str(target), found=text.strip(),
                                        message=f"expected {target}, found {text.strip()}"))
                    flagged = True
                    if literal and v.is_Integer and target.is_Integer and abs(v) >= 100:
                        # an arithmetic slip in a count: a later total of the writer's numbers carries it
                        self.aux["fix"].setdefault(int(v), int(target))
            prev, prev_literal = v, literal
        return out, pieces, flagged

    def _equals(self, p: Parsed, v: Any) -> bool:
        try:
            return bool(_close(self.value(p.expr), v, tolerance("", v, p.literals)))
        except (Unresolved, ArithmeticError, TypeError, ValueError):
            return False

    def _unnamed_chain(self, stmt: Statement, sides: list, unknown: list[str]) -> list[Judgment]:
        out, pieces, flagged = self._arith(stmt, sides)
        if flagged:
            return out
        for k, v, text in pieces:
            hit = self._size_step_for(text)
            if hit is not None:
                st, axis = hit
                final = self._final_value(stmt, sides, k)
                verdict = self._size_verdict(st, axis, final, text, k)
                if verdict is not None:
                    return self._replace(out, verdict)
                self._record_size(st, axis, final)
                continue
            p = next(p for kk, _, p in sides if kk == k)
            if self._carries_a_fixed_count(p):
                continue   # 9536 + … + 512000: a total of the writer's numbers, one of them wrong and reported
            found = self._unnamed(stmt, k, v)
            if found:
                return self._replace(out, found[0])
        if unknown and not out:
            out.append(Judgment(sides[0][0], "unverifiable", found=stmt.segments[sides[0][0]].text,
                                message=f"{unknown[0]} is not a layer of {self.ref.an.network.name}"))
        return out

    def _carries_a_fixed_count(self, p: Any) -> bool:
        """Does the side use a count the writer got wrong earlier, and come right with that count put right?"""
        if isinstance(p, DeriveError) or not any(int(a) in self.aux["fix"] for a in p.expr.atoms(sympy.Integer)):
            return False
        fixed = self.fixed_value(p.expr)
        return fixed is not None and fixed in self.ref.known

    def _final_value(self, stmt: Statement, sides: list, k_piece: int) -> Any:
        """The last written number of the piece that starts at side ``k_piece`` (the writer's result)."""
        val = None
        started = False
        for k, text, p in sides:
            if k == k_piece:
                started = True
            elif started and not _is_literal(text):
                break
            if started and not isinstance(p, DeriveError):
                try:
                    v = self.value(p.expr)
                except (Unresolved, ArithmeticError, TypeError, ValueError):
                    continue
                if val is None or _is_literal(text):
                    val = v
        return val

    @staticmethod
    def _replace(out: list[Judgment], verdict: Judgment) -> list[Judgment]:
        return [verdict] + [j for j in out if j.segment != verdict.segment]

    def _unnamed(self, stmt: Statement, k: int, value: Any) -> list[Judgment]:
        """A bare count read by value: a right count of some layer or group is fine (and shows whether the
        writer counts biases); one that equals a layer's or stage's count with one setting changed is diagnosed
        (per layer without biases only when the writer counts biases elsewhere); one that is a count recomputed
        from the writer's own sizes is carried."""
        if not (isinstance(value, sympy.Integer) or (value.is_Rational and value.q == 1)):
            return []
        v = int(value)
        found = stmt.segments[k].text.strip()
        for i, li in enumerate(self.ref.an.layers):
            if li.biases and li.node.layer.kind in ("conv", "fc") and v == li.params:
                self.aux["bias"] = True
        if v in self.ref.known:
            return []
        for key, nb in self.ref.no_bias.items():
            if v == nb:
                m = MISCONCEPTIONS["params-no-bias"]
                self.aux["fix"][v] = self.ref.values[key]
                return [Judgment(k, "wrong", expected=str(self.ref.values[key]), found=found,
                                 message=f"{m.title}: {m.explanation} (with biases: {self.ref.values[key]})",
                                 diagnosis="params-no-bias")]
        for g in self.ref.groups:
            for pid, val in self.facts.count_mistakes(g).items():
                if v != val or (pid == "params-no-bias" and (len(g) > 1 or not self.aux["bias"])):
                    continue
                right = self.facts.params(g)
                self.aux["fix"][v] = right
                label = self._group_label(g)
                if pid == "params-no-bias":
                    m = MISCONCEPTIONS[pid]
                    return [Judgment(k, "wrong", expected=str(right), found=found, diagnosis=pid,
                                     message=f"{m.title}: {m.explanation} ({label}: {right} with biases)")]
                return [Judgment(k, "wrong", expected=str(right), found=found, diagnosis=pid,
                                 message=f"{_said(pid)} ({label}: {right})")]
        carried = self._ecf_count(v)
        if carried is not None:
            self.aux["fix"][v] = carried
        return []

    def _group_label(self, g: tuple[int, ...]) -> str:
        names = [self.ref.an.layers[i].name for i in g]
        if len(names) == 1:
            return names[0]
        common = names[0].split(".")
        for n in names[1:]:
            parts = n.split(".")
            while common and parts[:len(common)] != common:
                common = common[:-1]
        return ".".join(common) or f"{names[0]} … {names[-1]}"

    def _ecf_count(self, v: int) -> int | None:
        """A linear layer after a flatten, counted from the writer's own last feature-map size: its right count."""
        an = self.ref.an
        for li in an.layers:
            if li.node.layer.kind != "fc" or len(li.input_shapes[0]) != 1:
                continue
            prev = [x for x in an.layers[:li.index] if len(x.output_shape) == 3]
            if not prev:
                continue
            m = prev[-1]
            h = self.aux["size"].get((m.index, 0))
            w = self.aux["size"].get((m.index, 1), h if self.facts.square else None)
            if h is None or w is None:
                continue
            fan_in = m.output_shape[0] * h * w
            if fan_in != li.input_shapes[0][0]:
                out_f = li.output_shape[0]
                if v in (fan_in * out_f + (out_f if li.biases else 0), (fan_in + 1) * out_f):
                    return li.params
        return None

    # -------------------------------------------------------------------- layers named by the writer
    def _layer(self, stmt: Statement, sides: list, groups: list[tuple[int, ...]], name: str,
               named_lhs: bool) -> list[Judgment]:
        """A count (or size) of a layer the writer names: the writer's arithmetic first, then its result as that
        layer's number (any of the names' readings: parameters, output size, ...)."""
        if not sides:
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message="nothing to check")]
        out, pieces, flagged = self._arith(stmt, sides)
        if flagged or not pieces:
            return out
        k, v, text = pieces[0]
        final = self._final_value(stmt, sides, k)
        if final is None:
            return out
        vals = {final} if final.is_Integer else {sympy.floor(final), sympy.ceiling(final)}
        readings = set()
        for g in groups:
            readings |= self.facts.count_readings(g)
        windowed = [self.facts.by_index[g[0]] for g in groups if len(g) == 1 and g[0] in self.facts.by_index]
        looks_size = bool(re.search(r"\+\s*1\s*$", re.sub(r"\\[lr](?:floor|ceil)|\\right|\\left", "", text)))
        if windowed and (looks_size or _is_literal(text)) and final <= 4 * max(self.ref.an.input_shape[1:]):
            for st in windowed:
                for axis in (0, 1):
                    if self._size_verdict(st, axis, final, text, k) is None:
                        self._record_size(st, axis, sympy.floor(final) if not final.is_Integer else final)
                        return out
            if looks_size:
                verdict = self._size_verdict(windowed[0], 0, final, text, k)
                self._record_size(windowed[0], 0, sympy.floor(final) if not final.is_Integer else final)
                return self._replace(out, verdict) if verdict else out
        if vals & readings:
            for g in groups:
                if len(g) == 1 and self.facts.has_bias(g[0]) and self.facts.params(g) in vals:
                    self.aux["bias"] = True
            return out
        iv = int(final) if final.is_Integer else None
        side = next((p for kk, _, p in sides if kk == k), None)
        fixed = self.fixed_value(side.expr) if side is not None and hasattr(side, "expr") else None
        if fixed is not None and fixed != final and any(self.facts.params(g) == fixed for g in groups):
            if iv is not None:   # the right sum of the writer's own (earlier wrong) counts: carried forward
                self.aux["fix"][iv] = int(fixed)
            return out
        for g in groups:
            for pid, val in self.facts.count_mistakes(g).items():
                if iv == val:
                    right = self.facts.params(g)
                    self.aux["fix"][iv] = right
                    label = self._group_label(g)
                    msg, diag = f"{_said(pid)} ({label}: {right})", pid
                    return self._replace(out, Judgment(k, "wrong", expected=str(right), found=text.strip(),
                                                       message=msg, diagnosis=diag))
        if iv is not None:
            carried = self._ecf_count(iv)
            if carried is not None:
                self.aux["fix"][iv] = carried
                return out
        if len(groups) == 1 and iv is not None:
            g = groups[0]
            right = self.facts.params(g)
            channels = {self.ref.an.layers[i].output_shape[0] for i in g}
            if right and (_is_literal(text) or channels & set(_ints(text))):
                self.aux["fix"][iv] = right
                return self._replace(out, Judgment(k, "wrong", expected=str(right), found=text.strip(),
                                                   message=f"{self._group_label(g)} has {right} parameters, "
                                                           f"found {text.strip()}"))
        return out
