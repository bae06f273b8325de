"""Checking CNN arithmetic (the seed's problem 3): parameter counts and the receptive field of a network.

Named quantities are the ones derive's own derivation writes -- ``N`` (all parameters), ``N_{conv}``,
``N_{fc}``, the receptive field ``r`` and its recurrence ``r_l``, ``j_l`` along the path -- and a sheet's unnamed
numbers are checked as arithmetic (every side of ``(3 \\times 3 \\times 3 + 1) \\times 64 + … = 123642856`` must
agree). A count that leaves out the biases, or a receptive field computed without the pooling layers, is diagnosed.
"""
from __future__ import annotations

from typing import Any

import sympy

from derive.check.verdicts import Judgment, close as _close, tolerance, unreadable_side
from derive.check.misconceptions import MISCONCEPTIONS
from derive.check.reference import Unresolved
from derive.compare import num, ordered_symbols
from derive.errors import DeriveError, InputError
from derive.check.reading.document import Parsed, Statement, Written
from derive.latex import latex
from derive import cnn


def _sym(key: tuple) -> sympy.Symbol:
    if key[0] != "sym":
        raise Unresolved("a number of a particular layer in a general recurrence")
    return sympy.Symbol(f"{key[1]}[{key[2]}]")


_S = {name: sympy.Symbol(name) for name in ("r[l-1]", "j[l-1]", "P[l-1]", "k[l]", "s[l]", "p[l]")}
RECURRENCES = {"r": _S["r[l-1]"] + (_S["k[l]"] - 1) * _S["j[l-1]"], "j": _S["j[l-1]"] * _S["s[l]"],
               "P": _S["P[l-1]"] + _S["p[l]"] * _S["j[l-1]"]}
RECURRENCE_TEX = {"r": r"r_{l} = r_{l-1} + (k_{l} - 1) j_{l-1}", "j": r"j_{l} = j_{l-1} s_{l}",
                  "P": r"P_{l} = P_{l-1} + p_{l} j_{l-1}"}


def _POINTS(a: sympy.Expr, b: sympy.Expr) -> list[dict]:
    syms = sorted(a.free_symbols | b.free_symbols, key=lambda x: x.name)
    return [{x: sympy.Integer(2 + (3 * n + 7 * i) % 11) for i, x in enumerate(syms)} for n in range(3)]


class CnnReference:
    """The numbers of one network: parameter counts (with and without biases) and the receptive field."""

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
        steps = [an.layers[i] for i in an.path(target.name) if an.layers[i].node.layer.kind in ("conv", "pool")]
        r, j = 1, 1
        self.values[("r", 0)], self.values[("j", 0)] = 1, 1
        conv_only_r, conv_only_j, pool_extent = 1, 1, 0
        for step, li in enumerate(steps, 1):
            layer = li.node.layer
            k = layer.kernel_size[0] if isinstance(layer.kernel_size, tuple) else layer.kernel_size
            s = layer.stride[0] if isinstance(layer.stride, tuple) else layer.stride
            d = layer.dilation[0] if isinstance(getattr(layer, "dilation", 1), tuple) else getattr(layer, "dilation", 1)
            extent = d * (k - 1) + 1
            r, j = r + (extent - 1) * j, j * s
            self.values[("r", step)], self.values[("j", step)] = r, j
            if li.node.layer.kind == "pool":
                pool_extent += (extent - 1) * (j // s)
            else:
                conv_only_r, conv_only_j = conv_only_r + (extent - 1) * conv_only_j, conv_only_j * s
        # the receptive field as it comes out when the pooling layers are left out: entirely, or their own window
        self.rf_no_pool = {conv_only_r, self.values[("r",)] - pool_extent}
        self.known = set(self.values.values())

    def resolve(self, sym: sympy.Symbol, lhs: bool = False) -> tuple:
        if not isinstance(sym, Written) or sym.deco or sym.time:
            raise Unresolved(f"{_show(sym)} is not a quantity of this problem")
        sub = sym.sub.replace("\\mathrm", "").replace("\\text", "").strip("{} ").lower()
        if sym.base == "N" and sub in ("", "conv", "fc", "bn"):
            return ("N",) if not sub else ("N", sub)
        if sym.base in ("r", "j", "P", "k", "s", "p") and sub.replace(" ", "") in ("l", "l-1"):
            return ("sym", sym.base, sub.replace(" ", ""))   # the recurrence at a general layer l
        if sym.base in ("r", "j"):
            if not sub:
                return (sym.base,)
            if sub.isdigit() and (sym.base, int(sub)) in self.values:
                return (sym.base, int(sub))
        raise Unresolved(f"{_show(sym)} is not a quantity of this problem")


class CnnJudge:
    """Judges one statement numerically: each side against the left side (or the named quantity's value)."""

    def __init__(self, ref: CnnReference, state: Any, sigfigs: int = 3) -> None:
        self.ref, self.state = ref, state

    def value(self, e: sympy.Expr) -> sympy.Expr:
        subs = {}
        for s in ordered_symbols(e):
            key = self.ref.resolve(s)
            if key[0] == "sym":
                raise Unresolved("a general layer l has no value")
            subs[s] = self.state.env.get(key, self.ref.values[key])
        return num(e.xreplace(subs))

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
            out.append(Judgment(k, "ok", found=stmt.segments[k].text) if same else
                       Judgment(k, "wrong", expected=RECURRENCE_TEX[q[1]], found=stmt.segments[k].text.strip(),
                                message=f"the recurrence is {RECURRENCE_TEX[q[1]]}"))
        return out

    def judge(self, stmt: Statement, parsed: list[Parsed | DeriveError]) -> list[Judgment]:
        first = parsed[0]
        if isinstance(first, DeriveError):
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=f"cannot read: {first}")]
        try:
            q = self.ref.resolve(first.expr, lhs=True) if isinstance(first.expr, sympy.Symbol) else None
            if q and q[0] == "sym":
                return self._general(stmt, parsed, q)
            target = sympy.Integer(self.ref.values[q]) if q else self.value(first.expr)
        except Unresolved as exc:
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=str(exc))]
        except (ArithmeticError, TypeError, ValueError):
            return [Judgment(0, "unverifiable", found=stmt.segments[0].text, message="cannot evaluate it")]
        out: list[Judgment] = []
        flagged, prev, written, written_approx = False, None, None, False
        for k in range(1, len(parsed)):
            seg, p = stmt.segments[k], parsed[k]
            bad = unreadable_side(k, seg, p)
            if bad is not None:
                out.append(bad)
                continue
            try:
                v = self.value(p.expr)
            except Unresolved as exc:
                out.append(Judgment(k, "unverifiable", found=seg.text, message=str(exc)))
                continue
            tol = tolerance(seg.text, target, p.literals)
            if seg.rel == "=" and target.is_Integer and not any("." in x for x in p.literals):
                tol = 0   # counts are exact: "= 884990" for 884992 is a slip, not a rounding (≈ may round)
            if _close(v, target, tol) or _floored(v, target, seg.rel, stmt.segments[0].text):
                out.append(Judgment(k, "ok", found=seg.text))
            elif flagged and prev is not None and _close(v, prev, tolerance(seg.text, prev, p.literals)):
                out.append(Judgment(k, "carried", found=seg.text))
            else:
                out.append(self._wrong(k, seg.text, v, target, q))
                flagged = True
            prev = v
            if not p.expr.free_symbols and (seg.rel != "≈" or written is None or written_approx):
                written, written_approx = v, seg.rel == "≈"   # "= 14714688 ≈ 1.47 × 10^7" carries the exact one
        if q and written is not None:
            self.state.env[q] = written
        if not q and not flagged:
            out.extend(self._unnamed(stmt, target))
        return out

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

    def _unnamed(self, stmt: Statement, value: Any) -> list[Judgment]:
        """A bare count that equals the count without biases (and no count derive knows) is diagnosed."""
        if not (isinstance(value, sympy.Integer) or (value.is_Rational and value.q == 1)):
            return []
        if int(value) in self.ref.known:
            return []
        for key, nb in self.ref.no_bias.items():
            if int(value) == nb:
                m = MISCONCEPTIONS["params-no-bias"]
                return [Judgment(0, "wrong", expected=str(self.ref.values[key]), found=stmt.segments[0].text.strip(),
                                 message=f"{m.title}: {m.explanation} (with biases: {self.ref.values[key]})",
                                 diagnosis="params-no-bias")]
        return []


def _floored(v: Any, target: Any, rel: str, lhs: str) -> bool:
    """``(224 + 2·2 - 11)/4 + 1 = 55``: an output size is the floor of the division, written without ⌊⌋."""
    return (rel == "=" and "/" in lhs or "frac" in lhs) and target.is_Rational and not target.is_Integer \
        and v.is_Integer and v == sympy.floor(target)


def _show(sym: sympy.Basic) -> str:
    return str(latex(sym))
