"""Checking CNN arithmetic (the seed's problem 3): parameter counts, output sizes and receptive fields of a network.

Every line is judged as a quantity OF THE NETWORK, in the writer's notation:

* named totals -- ``N`` (all parameters), ``N_{conv}``, ``N_{fc}``, ``N_{bn}``;
* the receptive-field recurrence -- ``r_l``, ``j_l`` at a general layer (compared as functions), ``r_3``, ``j_3``
  at the third convolution or pool of the path, and a bare ``r``/``j`` that the writer steps along the path
  (``r = 6 + 2·2 = 10``);
* output sizes -- ``H_3``, ``W_1`` (the third, first windowed layer of the main path), a general rule
  ``H_{out} = ⌊(H_{in} + 2p − k)/s⌋ + 1``, kernel settings ``k = 11``, ``s = 4``; an unnamed size formula
  ``(27 − 5)/1 + 1`` is matched to the layer it is about by its numbers (input, kernel, stride) and its place after
  the writer's previous size;
* per-layer counts named by the writer (``\\text{conv2}: …``, ``C1 = …``, ``F6: …``, ``layer2``, ``fc7``,
  ``layer2.0.conv1``; see :mod:`derive.check.cnn.facts`), and bare counts read by value.

Error carried forward: a recurrence step is also right when it follows from the writer's own previous ``r``, ``j``
or size; a total is also right when it is the right formula of the writer's numbers (their wrong count put back to
its right value gives the right total). Only the line where a slip happens is flagged. A mistake is diagnosed by
recomputing the network with one setting changed: no biases (``params-no-bias``), no pooling (``rf-no-pool``), and,
with no misconception id of their own (the message says what happened), padding dropped, stride ignored, dilation
ignored, floor/ceiling swapped, downsample branch left out, jump left out.
"""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.verdicts import Judgment, close as _close, tolerance, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.reference import Unresolved
from derive.check.cnn.counts import CountJudging
from derive.check.cnn.facts import Facts, NAME_RE, floored as _floored, norm_name
from derive.check.cnn.recurrence import RecurrenceJudging
from derive.check.cnn.rules import count_rule
from derive.check.cnn.sizes import SizeJudging, _SIZE_BASES, _SIZE_IN_SUBS, _SIZE_OUT_SUBS
from derive.compare import num, ordered_symbols
from derive.errors import DeriveError, InputError
from derive.check.reading.document import Parsed, Statement, Written, parse_segment
from derive.latex import latex
from derive import cnn

_UNITS = {"k": 3, "K": 3, "thousand": 3, "M": 6, "m": 6, "Mio": 6, "million": 6, "millions": 6, "G": 9, "B": 9,
          "billion": 9}
_AUX = ("_cnn",)
_SHAPE_RE = re.compile(r"\s*(\d+)\s*\\times\s*(\d+)\s*\\times\s*(\d+)\s*")   # C × H × W   # the state's entry for this judge's own bookkeeping (sizes, corrections, position)


class CnnReference:
    """The numbers of one network: parameter counts (with and without biases), sizes and the receptive field."""

    numbers_are_about = True   # a sheet's parameter sums are bare numbers: they belong to this problem
    time_names = frozenset()

    def __init__(self, preset: str = "vgg16", input: int | None = None, layer: str | None = None,
                 spec: str | None = None) -> None:
        try:
            net = cnn.load_spec(spec) if spec else cnn.preset(preset)
        except KeyError:
            raise InputError(f"unknown network preset {preset!r}", "preset") from None
        self.an = cnn.analyse(net, input)
        an = self.an
        target = an.layer(layer) if layer else an.feature_layer()
        self.facts = Facts(an, target.name)
        kinds = an.params_by_kind()
        biases = {"conv": 0, "fc": 0}
        for li in an.layers:
            if li.node.layer.kind in biases:
                biases[li.node.layer.kind] += li.biases
        self.values = {("N",): an.total_params, ("N", "conv"): kinds["conv"], ("N", "fc"): kinds["fc"],
                       ("N", "bn"): kinds["bn"],
                       ("r",): target.rf.size[0], ("j",): target.rf.jump[0]}
        self.no_bias = {("N",): an.total_params - sum(biases.values()),
                        ("N", "conv"): kinds["conv"] - biases["conv"], ("N", "fc"): kinds["fc"] - biases["fc"]}
        self.steps = self.facts.rf_steps
        r, j = 1, 1
        self.values[("r", 0)], self.values[("j", 0)] = 1, 1
        conv_only_r, conv_only_j, pool_extent = 1, 1, 0
        for step, st in enumerate(self.steps, 1):
            extent = st.extent(0)
            r, j = r + (extent - 1) * j, j * st.s[0]
            self.values[("r", step)], self.values[("j", step)] = r, j
            if st.kind == "pool":
                pool_extent += (extent - 1) * (j // st.s[0])
            else:
                conv_only_r, conv_only_j = conv_only_r + (extent - 1) * conv_only_j, conv_only_j * st.s[0]
        in_hw = an.input_shape[1:3]
        self.values[("H", 0)], self.values[("W", 0)] = in_hw
        for step, st in enumerate(self.facts.size_steps, 1):
            self.values[("H", step)], self.values[("W", step)] = st.n_out
        # the receptive field as it comes out when the pooling layers are left out: entirely, or their own window
        self.rf_no_pool = {conv_only_r, self.values[("r",)] - pool_extent}
        self.groups = self.facts.all_groups()
        self.known = {v for k, v in self.values.items() if k[0] == "N"}
        for g in self.groups:
            self.known |= self.facts.count_readings(g) if len(g) == 1 else {self.facts.params(g)}
        self.known.discard(0)

    def resolve(self, sym: sympy.Symbol, lhs: bool = False) -> tuple:
        if not isinstance(sym, Written) or sym.deco or sym.time:
            raise Unresolved(f"{_show(sym)} is not a quantity of this problem")
        sub = sym.sub.replace("\\mathrm", "").replace("\\text", "").strip("{} ").lower()
        flat = sub.replace(" ", "")
        if sym.base == "N" and sub in ("", "conv", "fc", "bn"):
            return ("N",) if not sub else ("N", sub)
        if sym.base in ("r", "j", "P", "k", "s", "p") and flat in ("l", "l-1"):
            return ("sym", sym.base, flat)   # the recurrence at a general layer l
        if sym.base in ("r", "j"):
            if not sub:
                return (sym.base,)
            if sub.isdigit() and (sym.base, int(sub)) in self.values:
                return (sym.base, int(sub))
            named = self.facts.layers_named(sub.replace("\\_", "_")) if not sub.isdigit() else []
            if len(named) == 1 and len(named[0]) == 1 and self.an.layers[named[0][0]].rf is not None:
                i = named[0][0]   # r_{\text{conv2}}, j_{C3}: that layer's receptive field and jump
                on_path = [n for n, st in enumerate(self.steps, 1) if st.index <= i]
                if on_path and i <= self.steps[-1].index:
                    return (sym.base, on_path[-1])   # a step of the recurrence (the writer's own numbers carry)
                rf = self.an.layers[i].rf
                self.values.setdefault(("r", "layer", i), rf.size[0])
                self.values.setdefault(("j", "layer", i), rf.jump[0])
                return (sym.base, "layer", i)
        if sym.base in _SIZE_BASES:
            axis = "W" if sym.base == "W" else "H"
            if sub.isdigit() and (axis, int(sub)) in self.values:
                return (axis, int(sub))
            if flat in _SIZE_OUT_SUBS or flat in _SIZE_IN_SUBS or flat == "l+1":
                return ("size-rule", sym.base, flat)
        if sym.base in ("k", "s", "p", "d", "K", "S", "P", "D") and not sub:
            return ("hyper", sym.base.lower())
        raise Unresolved(f"{_show(sym)} is not a quantity of this problem")


class CnnJudge(RecurrenceJudging, SizeJudging, CountJudging):
    """Judges one statement as a quantity of the network (see the module docstring)."""

    def __init__(self, ref: CnnReference, state: Any, sigfigs: int = 3) -> None:
        self.ref, self.state = ref, state
        self.facts = ref.facts
        aux = state.env.get(_AUX)
        if not isinstance(aux, dict):
            aux = {"fix": {}, "size": {}, "last": None, "rf": 0, "bias": False}
            state.env[_AUX] = aux
        self.aux = aux

    # ------------------------------------------------------------------------------------------ values
    def evaluated(self, stmt: Statement, sides: list, out: list[Judgment], errors: tuple = (Unresolved,),
                  why: str = ""):
        """(k, text, parsed side, segment, value) of every right side that reads and evaluates; the others get
        their unverifiable verdict in ``out`` (``why``, or the reason the value is unknown)."""
        for k, text, p in sides[1:]:
            seg = stmt.segments[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            try:
                v = self.value(p.expr)
            except errors as exc:
                # an unknown name says which; arithmetic that fails says only that (no internal text)
                said = str(exc) if isinstance(exc, Unresolved) else ""
                out.append(Judgment(k, "unverifiable", found=seg.text, message=why or said or "cannot evaluate it"))
                continue
            yield k, text, p, seg, v

    def value(self, e: sympy.Expr) -> sympy.Expr:
        subs = {}
        for s in ordered_symbols(e):
            key = self.ref.resolve(s)
            if key[0] in ("sym", "size-rule", "hyper"):
                raise Unresolved("a general layer l has no value")
            subs[s] = self.state.env.get(key, self.ref.values[key])
        return num(e.xreplace(subs))

    def fixed_value(self, e: sympy.Expr) -> sympy.Expr | None:
        """The side with derive's values for the names and the writer's wrong counts put back to the right ones."""
        try:
            subs: dict = {}
            for s in ordered_symbols(e):
                key = self.ref.resolve(s)
                if key[0] in ("sym", "size-rule", "hyper"):
                    return None
                subs[s] = self.ref.values[key]
            for a in e.atoms(sympy.Integer):
                if int(a) in self.aux["fix"]:
                    subs[a] = sympy.Integer(self.aux["fix"][int(a)])
            return num(e.xreplace(subs))
        except (Unresolved, ArithmeticError, TypeError, ValueError, KeyError):
            return None

    # ------------------------------------------------------------------------------------------ reading
    def _sides(self, stmt: Statement, parsed: list) -> tuple[list, list[str]]:
        """[(segment index, text, parsed)], the writer's label names: a ``C1:`` or ``(7 × 7, s = 2):`` lead taken
        off the first side, an empty first side (a blanked ``\\text{fc6}``) dropped, an empty ``( )`` left by a
        blanked remark taken off the end of a side."""
        sides, names = [], []
        for k, (seg, p) in enumerate(zip(stmt.segments, parsed)):
            text = seg.text
            new = re.sub(r"\(\s*\)\s*$", "", text).strip()
            if k == 0:
                new = re.sub(r"^\(\s*[^()]*\)\s*:\s*", "", new)
                m = re.match(r"^([A-Za-z][A-Za-z0-9_.\\{} ]*?)\s*:\s*(\S.*)$", new)
                if m and NAME_RE.fullmatch(norm_name(m.group(1))):
                    names.append(m.group(1))
                    new = m.group(2)
                if not new:
                    continue
            shape = _SHAPE_RE.fullmatch(new)
            if shape and k > 0 and any(re.search(r"\+\s*1\s*$|\\rfloor|\\rceil", sd[1]) for sd in sides):
                new = shape.group(2)   # "… + 1 = 112 = 64 × 112 × 112": the shape states the size again (its height)
            if new != text.strip() or (k == 0 and isinstance(p, DeriveError) and new != text):
                try:
                    p = parse_segment(new, "e", frozenset(), where=f"line {stmt.line}")
                except DeriveError as exc:
                    p = exc
            sides.append((k, new, p))
        return sides, names

    def _layer_groups(self, names: list[str], remark: str) -> tuple[list[tuple[int, ...]], list[str]]:
        groups, unknown = [], []
        for n in names + [r for r in remark.split(";") if r.strip()]:
            found = self.facts.layers_named(n)
            if found:
                groups.extend(g for g in found if g not in groups)
            elif n in names:
                unknown.append(norm_name(n))
        return groups, unknown

    # ------------------------------------------------------------------------------------------ judging
    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        """The line's verdicts; a mistake that follows a wrong rule the writer stated on an earlier line is that
        rule carried forward (the rule's own line is the one flagged)."""
        rules = self.state.rules   # the one record of stated rules (State.rules), as for the autodiff judge
        out = self._judge(stmt, parsed)
        return [Judgment(j.segment, "carried", found=j.found,
                         message=f"follows the rule stated on line {rules[j.diagnosis]}")
                if j.verdict == "wrong" and rules.get(j.diagnosis, stmt.line) != stmt.line else j for j in out]

    def _stated_rule(self, stmt: Statement, sides: list) -> list[Judgment] | None:
        """``N_{layer} = k^2 C_{in} C_{out}``: a general parameter rule in the writer's symbols (see
        :mod:`derive.check.cnn.rules`), judged by whether it fits this network's layers; None when it is no such
        rule."""
        if len(sides) < 2 or not isinstance(sides[0][2], Parsed) or not isinstance(sides[0][2].expr, sympy.Symbol):
            return None
        if self._pool_identity(sides[0][2].expr, sides[1][2]):   # r_{pool} = r_{in}: pools said to leave r alone
            m = MISCONCEPTIONS["rf-no-pool"]
            self.state.rules["rf-no-pool"] = stmt.line
            k = sides[1][0]
            return [Judgment(k, "wrong", expected="r_{in} + (k - 1) j_{in}" if sides[0][2].expr.base == "r"
                             else "j_{in} s", found=sides[1][1].strip(), message=f"{m.title}: {m.explanation}",
                             diagnosis="rf-no-pool")]
        lhs = sides[0][2].expr
        if not self._count_like(lhs):
            return None
        out: list[Judgment] = []
        for k, text, p in sides[1:]:
            if not isinstance(p, Parsed) or len(p.expr.free_symbols) < 2 or self._concrete(p.expr) or \
                    any(self._recurrence_name(s, ('sym',)) for s in p.expr.free_symbols):
                return None
            verdict = count_rule(p.expr, self.ref.an)
            if verdict is None:
                return None
            if verdict == "ok":
                out.append(Judgment(k, "ok", found=stmt.segments[k].text))
                continue
            m = MISCONCEPTIONS[verdict]
            self.state.rules[verdict] = stmt.line
            out.append(Judgment(k, "wrong", expected="(k_h k_w C_{in} + 1) C_{out}", found=text.strip(),
                                message=f"{m.title}: {m.explanation}", diagnosis=verdict))
        return out

    def _count_of_named(self, e: Any) -> list[tuple[int, ...]]:
        if not (isinstance(e, Written) and e.base in ("N", "P") and e.sub and not e.deco and not e.time):
            return []
        sub = re.sub(r"\\(?:text|mathrm)\s*", "", e.sub).strip("{} ").replace("\\_", "_")
        if sub.lower() in ("", "conv", "fc", "bn"):
            return []
        return self.facts.layers_named(sub) if NAME_RE.fullmatch(norm_name(sub)) else []

    @staticmethod
    def _pool_identity(lhs: sympy.Symbol, p: Any) -> bool:
        """``r_{pool} = r_{in}`` or ``j_{\text{pooling}} = j_{l-1}``: a rule that a pooling layer changes nothing."""
        if not (isinstance(lhs, Written) and lhs.base in ("r", "j") and isinstance(p, Parsed)
                and isinstance(p.expr, Written) and p.expr.base == lhs.base):
            return False
        sub = re.sub(r"\\(?:text|mathrm)|[{}\s]", "", lhs.sub).lower()
        rhs = re.sub(r"\\(?:text|mathrm)|[{}\s]", "", p.expr.sub).lower()
        return sub in ("pool", "pooling", "maxpool", "avgpool", "mp") and rhs in _SIZE_IN_SUBS[1:]

    def _judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        sides, names = self._sides(stmt, parsed)
        if not sides:
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message="nothing to check")]
        k0, text0, first = sides[0]
        if isinstance(first, DeriveError):
            return [Judgment(k0, "unverifiable", found=stmt.segments[k0].text, message=f"cannot read: {first}")]
        rule = self._stated_rule(stmt, sides)
        if rule is not None:
            return rule
        groups, unknown = self._layer_groups(names, stmt.remark)
        bare_name = norm_name(text0)
        if not groups and NAME_RE.fullmatch(bare_name) and first.expr.free_symbols and \
                self.facts.layers_named(bare_name) and \
                not (isinstance(first.expr, sympy.Symbol) and self._resolves(first.expr)):
            groups = self.facts.layers_named(bare_name)
            return self._layer(stmt, sides[1:], groups, bare_name, named_lhs=True)
        named = self._count_of_named(first.expr)
        if named:   # N_{\text{layer1.0}}, P_{conv2}: the parameters of a layer or group the writer names
            rest = [sd for sd in sides[1:] if not (isinstance(sd[2], Parsed) and self._count_of_named(sd[2].expr))]
            for sd in sides[1:len(sides) - len(rest) + 1]:   # N_{layer1.1} = N_{layer1.2} = …: both named
                named += [g for g in self._count_of_named(sd[2].expr) if g not in named]
            return self._layer(stmt, rest, named, norm_name(first.expr.sub), named_lhs=True)
        q = None
        if isinstance(first.expr, sympy.Symbol):
            try:
                q = self.ref.resolve(first.expr, lhs=True)
            except Unresolved as exc:
                if not groups:
                    return [Judgment(k0, "unverifiable", found=stmt.segments[k0].text, message=str(exc))]
        if q is not None:
            if q[0] == "sym":
                return self._general(stmt, parsed, q)
            if q[0] == "size-rule":
                return self._size_rule(stmt, sides, q)
            if q[0] == "hyper":
                return self._hyper(stmt, sides, q[1])
            if q[0] in ("H", "W"):
                return self._size_named(stmt, sides, q)
            if q[0] in ("r", "j") and len(q) == 2:
                return self._rf_numbered(stmt, sides, q)
            if q[0] in ("r", "j") and len(q) == 1 and self._start(sides):   # "from r = j = 1": r_0, j_0
                return [Judgment(k, "ok", found=stmt.segments[k].text) for k, _, _ in sides[1:]]
            if q[0] in ("r", "j") and self._running(sides):
                return self._rf_running(stmt, sides, q[0])
            return self._named(stmt, sides, q)
        if first.expr.free_symbols:
            try:
                self.value(first.expr)
            except Unresolved as exc:
                return [Judgment(k0, "unverifiable", found=stmt.segments[k0].text, message=str(exc))]
        if groups:
            return self._layer(stmt, sides, groups, "", named_lhs=False)
        return self._unnamed_chain(stmt, sides, unknown)

    def _recurrence_name(self, s: sympy.Symbol, kinds: tuple[str, ...] = ("sym", "size-rule")) -> bool:
        """r_{l-1}, j_l (``sym``), H_{out} (``size-rule``): a name of the receptive-field or size recurrence. A
        rule's right side may still hold n_{in} (a linear layer's inputs, or a size: the fit tells)."""
        try:
            return self.ref.resolve(s)[0] in kinds
        except Unresolved:
            return False

    def _count_like(self, lhs: sympy.Symbol) -> bool:
        """A left side a parameter rule can have: not a receptive field, jump or size (r, j, H_{out}, r_l …)."""
        if isinstance(lhs, Written) and lhs.base in ("r", "j"):
            return False
        return not self._recurrence_name(lhs)

    def _start(self, sides: list) -> bool:
        """``r = 1``, ``r = j = 1`` before any step of the recurrence: its start, not the answer."""
        if self.aux["rf"] or not any(t.strip() == "1" for _, t, _ in sides[1:]):
            return False
        return all(t.strip() == "1" or (isinstance(p, Parsed) and isinstance(p.expr, Written)
                                        and p.expr.base in ("r", "j") and not p.expr.sub) for _, t, p in sides[1:])

    def _concrete(self, e: sympy.Expr) -> bool:
        """Every name of ``e`` is a number of this network (not a general layer's k, n_in, r_{l-1})."""
        try:
            return all(self.ref.resolve(s)[0] not in ("sym", "size-rule", "hyper") for s in ordered_symbols(e))
        except Unresolved:
            return False

    def _resolves(self, e: sympy.Expr) -> bool:
        try:
            for s in ordered_symbols(e):
                self.ref.resolve(s)
            return True
        except Unresolved:
            return False

    # -------------------------------------------------------------------- named totals (N, r at the target)
    def _named(self, stmt: Statement, sides: list, q: tuple, alt: Any = None, diagnose=None) -> list[Judgment]:
        """Each side against the named quantity's value; a side is also right given the writer's own numbers
        (``alt``, or the side's formula with the writer's wrong counts put back to the right ones)."""
        target = sympy.Integer(self.ref.values[q])
        out: list[Judgment] = []
        flagged, prev, written, written_approx, ecf = False, None, None, False, None
        for k, text, p, seg, v in self.evaluated(stmt, sides, out, (Unresolved, ArithmeticError, TypeError,
                                                                    ValueError)):
            tol = self._tol(seg, text, target, p)
            if _close(v, target, tol) or _floored(v, target, seg.rel, stmt.segments[0].text) or \
                    self._scaled(stmt, seg, text, v, target, p):
                out.append(Judgment(k, "ok", found=seg.text))
            elif ecf is not None and (_close(v, ecf, self._tol(seg, text, ecf, p))
                                      or self._scaled(stmt, seg, text, v, ecf, p)):
                out.append(Judgment(k, "carried", found=seg.text))
            elif alt is not None and not flagged and v == alt:
                out.append(Judgment(k, "carried", found=seg.text))
                ecf = v
            elif not flagged and p.expr.atoms(sympy.Symbol) | p.expr.atoms(sympy.Integer) and \
                    (fv := self.fixed_value(p.expr)) is not None and _close(fv, target, tol) and \
                    not _close(v, fv, tol):
                out.append(Judgment(k, "carried", found=seg.text))   # the right formula of the writer's numbers
                ecf = v
            elif flagged and prev is not None and _close(v, prev, tolerance(seg.text, prev, p.literals)):
                out.append(Judgment(k, "carried", found=seg.text))
            else:
                out.append(diagnose(k, seg.text, v, target) if diagnose else self._wrong(k, seg.text, v, target, q))
                flagged = True
                if v.is_Integer and abs(v) >= 100:
                    self.aux["fix"][int(v)] = int(target)
            prev = v
            if not p.expr.free_symbols and (seg.rel != "≈" or written is None or written_approx):
                written, written_approx = v, seg.rel == "≈"   # "= 14714688 ≈ 1.47 × 10^7" carries the exact one
        if written is not None:
            self.state.env[q] = written
            if written.is_Integer and abs(written) >= 100 and written != target:
                self.aux["fix"][int(written)] = int(target)   # the writer's carried total stands for the right one
        return out

    def _tol(self, seg, text: str, target: Any, p: Parsed) -> Any:
        if seg.rel == "=" and target.is_Integer and not any("." in x for x in p.literals):
            return 0   # counts are exact: "= 884990" for 884992 is a slip, not a rounding (≈ may round)
        return tolerance(text, target, p.literals)

    def _scaled(self, stmt: Statement, seg, text: str, v: Any, target: Any, p: Parsed) -> bool:
        """``≈ 61.1\\text{M}``: a count written in thousands, millions or billions (the unit is a remark)."""
        units = {_UNITS[w] for w in re.findall(r"[A-Za-z]+", stmt.remark) if w in _UNITS}
        for e in sorted(units):
            scaled = target / sympy.Integer(10) ** e
            if _close(v, scaled, tolerance(text, scaled, p.literals)):
                return True
        return False

    def _wrong(self, k: int, text: str, v: Any, target: Any, q: tuple | None) -> Judgment:
        diag = ""
        if q in self.ref.no_bias and v == self.ref.no_bias[q]:
            diag = "params-no-bias"
        elif q == ("r",) and v in self.ref.rf_no_pool:
            diag = "rf-no-pool"
        msg = f"expected {target}, found {text.strip()}"
        if diag:
            msg = f"{MISCONCEPTIONS[diag].title}: {MISCONCEPTIONS[diag].explanation} (expected {target})"
        return Judgment(k, "wrong", expected=str(target), found=text.strip(), message=msg, diagnosis=diag)


def _show(sym: sympy.Basic) -> str:
    return str(latex(sym))
