"""CNN derivations in the seed's style (problem 3): (a) the receptive field traced layer by layer,
(b) the parameter count as a sum of ``(k k C_in + 1) C_out`` terms, (c) the per-layer table.

Every formula is an unevaluated SymPy expression printed by :func:`derive.latex.latex` (``×`` as in the seed);
every number is computed from the analysis, and each sum is checked against the layers it summarises.
"""
from __future__ import annotations

from typing import Sequence

import sympy

from derive.cnn.layers import BatchNorm2d, Conv2d, Flatten, Linear, Window, is_map
from derive.cnn.network import Analysis, LayerInfo
from derive.cnn.report import percent_text, summary_dict
from derive.derivation import Block, Derivation, Line, Part
from derive.errors import InputError
from derive.latex import Tex, latex
from derive.numbers import format_scientific

I = sympy.Integer
TIMES = {"mul_symbol": "times"}


def _mul(*args: sympy.Expr) -> sympy.Expr:
    return sympy.Mul(*args, evaluate=False)


def _add(*args: sympy.Expr) -> sympy.Expr:
    return sympy.Add(*args, evaluate=False)


def _tex(expr: sympy.Expr) -> Tex:
    return latex(expr, **TIMES)


def _label(li: LayerInfo) -> str:
    return f"{li.node.alias} ({li.name})" if li.node.alias else li.name


def _short(li: LayerInfo) -> str:
    return li.node.alias or li.name


# --------------------------------------------------------------------------------------------- (a) receptive field

def _steps(an: Analysis, target: LayerInfo, axis: int) -> list[tuple[LayerInfo, Window]]:
    """Layers on the widest path that change r, j or P (activations and batch norm do not)."""
    out = []
    for idx in an.path(target.name, axis):
        li = an.layers[idx]
        w = li.windows[axis] if li.windows else None
        if w is not None and (w.k, w.s, w.p) != (1, 1, 0):
            out.append((li, w))
    return out


def receptive_field_part(an: Analysis, layer: str | None = None, label: str = "(a)") -> Part:
    """The receptive field of one unit of ``layer`` (default: the final feature layer)."""
    target = an.layer(layer) if layer else an.feature_layer()
    if target.rf is None:
        raise InputError(f"layer {target.name!r} has a flat output: it has no receptive field in pixels", "--layer")
    axes_differ = any(
        (li.windows[0] if li.windows else None) != (li.windows[1] if li.windows else None)
        for li in an.layers[:target.index + 1]) or an.path(target.name, 0) != an.path(target.name, 1)
    axes = ((0, "height"), (1, "width")) if axes_differ else ((0, ""),)
    c, h, w = target.output_shape
    blocks = [Block.text(
        f"One unit of {_label(target)}, whose output is ", _tex(_mul(I(h), I(w), I(c))),
        ", is traced back to the input layer by layer. Through a layer with kernel ", Tex("k"), " (dilated extent "
        "for dilated kernels), stride ", Tex("s"), " and padding ", Tex("p"), " the field grows with the jump ",
        Tex("j"), " (the input-pixel distance between neighbouring units):")]
    rl, rp, jl, jp, kl, sl, P, Pp, pl = sympy.symbols("r_l r_{l-1} j_l j_{l-1} k_l s_l P_l P_{l-1} p_l")
    blocks.append(Block.equations([
        Line(_tex(rl), (_tex(_add(rp, _mul(_add(kl, I(-1)), jp))),), note="receptive field (pixels)"),
        Line(_tex(jl), (_tex(_mul(jp, sl)),), note="jump"),
        Line(_tex(P), (_tex(_add(Pp, _mul(pl, jp))),), note="effective padding"),
    ]))
    for axis, axis_name in axes:
        blocks.extend(_axis_blocks(an, target, axis, axis_name))
    rf = target.rf
    first = [Tex(f"{latex(I(-p))}, \\dots, {latex(I(r_ - 1 - p))}") for r_, p in zip(rf.size, rf.padding)]
    apart: tuple[str | Tex, ...] = ((Tex(str(rf.jump[0])), " pixels apart") if rf.jump[0] == rf.jump[1] else
                                    (Tex(str(rf.jump[0])), " pixels apart down and ", Tex(str(rf.jump[1])),
                                     " across"))
    tail: list[str | Tex] = [f"So the receptive field of a {_short(target)} unit is ",
                             _tex(_mul(I(rf.size[0]), I(rf.size[1]))), " pixels; neighbouring units are ", *apart,
                             ", and the first one sees rows ", first[0], " and columns ", first[1],
                             " of the input (indices outside the image are padding)."]
    if not rf.exact:
        tail.append(" (An upper bound: an adaptive pooling layer on the path has windows of different sizes.)")
    blocks.append(Block.text(*tail))
    notes = [f"{an.layers[i].name}: {n}" for i in an.path(target.name, 0) for n in an.layers[i].notes]
    if notes:
        blocks.append(Block.text("Where paths differ (the widest path is the one traced above): " + "; ".join(notes)
                                 + "."))
    return Part(label, "Receptive field", tuple(blocks))


def _axis_blocks(an: Analysis, target: LayerInfo, axis: int, axis_name: str) -> list[Block]:
    steps = _steps(an, target, axis)
    sub = f" ({axis_name})" if axis_name else ""
    r, j, p = 1, 1, 0
    rows = [("input", "", "", "", "1", "1", "0")]
    lines = [Line(Tex("r_{0}"), (Tex("1"),), note="one input pixel"),
             Line(Tex("j_{0}"), (Tex("1"),))]
    for n, (li, w) in enumerate(steps, 1):
        r_new, j_new, p_new = r + (w.k - 1) * j, j * w.s, p + w.p * j
        expr = _add(I(r), _mul(_add(I(w.k), I(-1)), I(j)))
        lines.append(Line(Tex(f"r_{{{n}}}"), (_tex(expr), Tex(str(r_new))),
                          note=_short(li)))
        if w.s != 1:
            lines.append(Line(Tex(f"j_{{{n}}}"), (_tex(_mul(I(j), I(w.s))), Tex(str(j_new)))))
        rows.append((_short(li), str(w.k), str(w.s), str(w.p), str(r_new), str(j_new), str(p_new)))
        r, j, p = r_new, j_new, p_new
    if (r, j, p) != (target.rf.size[axis], target.rf.jump[axis], target.rf.padding[axis]):  # pragma: no cover
        raise AssertionError("receptive-field trace disagrees with the analysis")
    # The seed's backward reading: a region of R units grows to s (R - 1) + k units of the layer before.
    region, chain = 1, [f"Backwards{sub}: a {_short(target)} unit depends on "]
    for i, (li, w) in enumerate(reversed(steps)):
        region = w.s * (region - 1) + w.k
        chain.append(_tex(_mul(I(region), I(region))) if not axis_name else Tex(str(region)))
        if i + 1 < len(steps):
            chain.append(f" units of the output of {_short(steps[-i - 2][0])}, which depends on ")
        else:
            chain.append(" pixels of the input.")
    if not steps:
        chain = [f"The layers up to {_short(target)} do not widen the field{sub}."]
    if region != r:  # pragma: no cover - the two readings of the recurrence are the same sum
        raise AssertionError("backward region disagrees with the forward recurrence")
    lines.append(Line(Tex("r"), (Tex(str(r)),), note=f"pixels{sub}"))
    header = ("layer",) + tuple(Tex(f"${v}$") for v in ("k", "s", "p", "r", "j", "P"))
    return [Block.table(header, rows), Block.align(lines), Block.text(*chain)]


# --------------------------------------------------------------------------------------------------- (b) parameters

def _conv_key(li: LayerInfo) -> tuple:
    lay = li.node.layer
    assert isinstance(lay, Conv2d)
    return (lay.kernel_size[0], lay.kernel_size[1], li.input_shapes[0][0] // lay.groups, lay.out_channels, lay.bias)


def _conv_term(key: tuple, count: int) -> tuple[sympy.Expr, int]:
    kh, kw, cin, cout, bias = key
    fan = _mul(I(kh), I(kw), I(cin))
    extra = (I(count),) if count > 1 else ()
    expr = _mul(_add(fan, I(1)), I(cout), *extra) if bias else _mul(I(kh), I(kw), I(cin), I(cout), *extra)
    return expr, (kh * kw * cin + (1 if bias else 0)) * cout * count


def _flat_source(an: Analysis, li: LayerInfo) -> tuple[int, ...] | None:
    """The C×H×W shape a Linear layer's input was flattened from (through dropout/activations), if any."""
    cur = li
    while True:
        src = cur.node.inputs[0]
        if src == an.network.input_name:
            return None
        prev = an.layers[an.network.find(src)]
        if isinstance(prev.node.layer, Flatten):
            shp = prev.input_shapes[0]
            return shp if is_map(shp) else None
        if prev.params or len(prev.node.inputs) != 1:
            return None
        cur = prev


def _fc_term(an: Analysis, li: LayerInfo) -> tuple[sympy.Expr, int]:
    lay = li.node.layer
    assert isinstance(lay, Linear)
    src = _flat_source(an, li)
    fin = li.input_shapes[0][0]
    # The seed writes the flattened size as H x W x C (7 x 7 x 512); a 1 x 1 map is just its channels.
    ins = ((I(src[1]), I(src[2]), I(src[0])) if src and src[1:] != (1, 1) and src[0] * src[1] * src[2] == fin
           else (I(fin),))
    w = _mul(*ins, I(lay.out_features))
    return (_add(w, I(lay.out_features)) if lay.bias else w), li.params


def _grouped(items: Sequence[tuple[tuple, LayerInfo]], an: Analysis) -> list[tuple[tuple, int, list[LayerInfo]]]:
    """Equal keys of layers in a row merged (the seed's ``× 2``, ``× 3``); a pooling layer, a merge or a flatten
    between two layers ends the row, as the seed writes conv4 and conv5 separately."""
    barrier_at = [0] * (len(an.layers) + 1)
    for li in an.layers:
        lay = li.node.layer
        barrier_at[li.index + 1] = barrier_at[li.index] + (lay.kind == "pool" or lay.arity != 1
                                                           or isinstance(lay, Flatten))
    out: list[tuple[tuple, int, list[LayerInfo]]] = []
    for key, li in items:
        if out and out[-1][0] == key and barrier_at[out[-1][2][-1].index] == barrier_at[li.index]:
            out[-1][2].append(li)
            out[-1] = (key, out[-1][1] + 1, out[-1][2])
        else:
            out.append((key, 1, [li]))
    return out


def _sum_lines(symbol: str, terms: list[tuple[sympy.Expr, int]], per_line: int, note: str) -> list[Line]:
    lines = []
    for i in range(0, len(terms), per_line):
        chunk = [t for t, _ in terms[i:i + per_line]]
        tex = _tex(_add(*chunk) if len(chunk) > 1 else chunk[0])
        lines.append(Line(Tex(symbol), (tex,), note=note) if i == 0 else Line(Tex(""), (tex,), rels=("+",)))
    total = sum(v for _, v in terms)
    rhs: tuple[Tex, ...] = (Tex(str(total)),)
    rels: tuple[str, ...] = ("=",)
    if total >= 10 ** 4:
        rhs += (Tex(format_scientific(I(total), 3)),)
        rels += (Tex(r"\approx"),)
    lines.append(Line(Tex(""), rhs, rels))
    return lines


def parameters_part(an: Analysis, label: str = "(b)") -> Part:
    """The parameter count written out: one term per distinct layer, × n for consecutive repeats."""
    convs = [(_conv_key(li), li) for li in an.layers if isinstance(li.node.layer, Conv2d)]
    bns = [((li.params,), li) for li in an.layers if isinstance(li.node.layer, BatchNorm2d) and li.params]
    fcs = [li for li in an.layers if isinstance(li.node.layer, Linear)]
    others = [li for li in an.layers if li.params and not isinstance(li.node.layer, (Conv2d, BatchNorm2d, Linear))]
    kinds = an.params_by_kind()
    blocks: list[Block] = []
    totals: list[tuple[str, int]] = []
    if convs:
        terms = [_conv_term(key, n) for key, n, _ in _grouped(convs, an)]
        assert sum(v for _, v in terms) == kinds["conv"]
        k, cin, cout = sympy.symbols("k C_{in} C_{out}")
        biased = {key[4] for key, _ in convs}
        forms: list[str | Tex] = []
        if True in biased:
            forms += [_tex(_mul(_add(_mul(k, k, cin), I(1)), cout)), " per layer with a bias"]
        if False in biased:
            forms += ([", "] if forms else []) + [_tex(_mul(k, k, cin, cout)), " per layer without a bias"]
        blocks.append(Block.text("Parameters in the convolutional layers: ", *forms, "; times ", Tex("n"), " for ",
                                 Tex("n"), " equal layers in a row:"))
        blocks.append(Block.align(_sum_lines(r"N_{\mathrm{conv}}", terms, 2, "")))
        totals.append((r"N_{\mathrm{conv}}", kinds["conv"]))
    if bns:
        terms = [(_mul(I(2), I(key[0] // 2), *((I(n),) if n > 1 else ())), key[0] * n)
                 for key, n, _ in _grouped(bns, an)]
        blocks.append(Block.text("Parameters in the batch-normalisation layers (a scale and a shift per channel; "
                                 "running statistics are not parameters):"))
        blocks.append(Block.align(_sum_lines(r"N_{\mathrm{BN}}", terms, 4, "")))
        totals.append((r"N_{\mathrm{BN}}", kinds["bn"]))
    if fcs:
        terms = [_fc_term(an, li) for li in fcs]
        fin, fout = sympy.symbols("n_{in} n_{out}")
        forms = []
        if any(li.biases for li in fcs):
            forms += [_tex(_add(_mul(fin, fout), fout)), " with a bias"]
        if any(not li.biases for li in fcs):
            forms += ([", "] if forms else []) + [_tex(_mul(fin, fout)), " without a bias"]
        blocks.append(Block.text("Parameters in the fully connected layers: ", *forms, ":"))
        blocks.append(Block.align(_sum_lines(r"N_{\mathrm{fc}}", terms, 1, "")))
        totals.append((r"N_{\mathrm{fc}}", kinds["fc"]))
    if others:  # pragma: no cover - every parameterised layer type is listed above
        totals.append((r"N_{\mathrm{other}}", sum(li.params for li in others)))
    total = an.total_params
    approx: tuple[tuple[str, ...], tuple[Tex, ...]] = (
        ((Tex(r"\approx"),), (Tex(format_scientific(I(total), 3)),)) if total >= 10 ** 4 else ((), ()))
    lines = []
    if len(totals) > 1:
        lines.append(Line(Tex("N"), (Tex(" + ".join(s for s, _ in totals)), _tex(_add(*[I(v) for _, v in totals])),
                                     Tex(str(total))) + approx[1], ("=", "=", "=") + approx[0], note="in total"))
    else:
        lines.append(Line(Tex("N"), (Tex(str(total)),) + approx[1], ("=",) + approx[0], note="in total"))
    if kinds["conv"] and kinds["fc"]:
        pct = percent_text(kinds["conv"], kinds["fc"])
        assert pct is not None
        lines.append(Line(Tex(r"\frac{N_{\mathrm{conv}}}{N_{\mathrm{fc}}}"),
                          (_tex(_mul(I(kinds["conv"]), sympy.Pow(I(kinds["fc"]), -1, evaluate=False))),
                           Tex(pct.replace("%", r"\%"))), note="convolutional vs fully connected"))
    blocks.append(Block.align(lines))
    return Part(label, "Parameters", tuple(blocks))


# ---------------------------------------------------------------------------------------------- (c) layer table

TABLE_CHUNK = 40  # rows per tabular: a LaTeX tabular cannot break across pages


def _shape_tex(shape: tuple[int, ...]) -> Tex:
    return Tex(r" \times ".join(str(n) for n in shape))


def layer_table_part(an: Analysis, label: str = "(c)") -> Part:
    header = ("layer", "type", "output", "weights", "biases", "RF", "jump", "MACs")
    rows = []
    for li in an.layers:
        rf = li.rf
        rows.append((li.name, li.node.layer.type_name, _shape_tex(li.output_shape), str(li.weights), str(li.biases),
                     _shape_tex(rf.size) if rf and rf.size[0] != rf.size[1] else (str(rf.size[0]) if rf else "-"),
                     (str(rf.jump[0]) if rf.jump[0] == rf.jump[1] else _shape_tex(rf.jump)) if rf else "-",
                     str(li.macs)))
    blocks = [Block.text(f"Input {an.input_shape[0]} × {an.input_shape[1]} × {an.input_shape[2]} "
                         "(channels × height × width). RF is the receptive field in input pixels, jump the "
                         "distance in input pixels between neighbouring units, MACs the multiply-accumulates of "
                         "the weights.")]
    for i in range(0, len(rows), TABLE_CHUNK):
        blocks.append(Block.table(header, rows[i:i + TABLE_CHUNK]))
    return Part(label, "Layer by layer", tuple(blocks))


def derivation(an: Analysis, layer: str | None = None, parts: str = "abc", title: str | None = None) -> Derivation:
    """The worked solution for a network: parts (a) receptive field, (b) parameters, (c) layer table."""
    builders = {"a": lambda lab: receptive_field_part(an, layer, lab), "b": lambda lab: parameters_part(an, lab),
                "c": lambda lab: layer_table_part(an, lab)}
    unknown = sorted(set(parts) - set(builders))
    if unknown:
        raise InputError(f"unknown part(s) {', '.join(unknown)}; choose from a, b, c", "parts")
    built = [builders[p](f"({p})") for p in parts]
    return Derivation(title or f"{an.network.name}: receptive field and parameters", built,
                      summary_dict(an, layer))
