"""An analysed network as a JSON-ready dict and as a terminal summary in the spirit of torchinfo; the analysis and
the table are registered with :func:`derive.render.render` here (and shown in Jupyter through it).

Plain arithmetic on integers only (no SymPy), so a 1,000-layer table takes milliseconds.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

from derive.cnn.layers import Window, shape_text
from derive.cnn.network import BYTES_PER_VALUE, Analysis, LayerInfo, ReceptiveField
from derive.derivation import Block, Derivation, Part
from derive.latex import Tex
from derive.numbers import format_scientific
from derive.errors import InputError
from derive.render import formats_error, jupyter_display, render, summary, to_json


def scientific_text(n: int, sigfigs: int = 3) -> str:
    """``138357544`` -> ``1.38 × 10^8`` (plain text; LaTeX comes from :func:`derive.numbers.format_scientific`)."""
    tex = format_scientific(sympy.Integer(n), sigfigs)
    return tex.replace(r" \times ", " × ").replace("{", "").replace("}", "")


def percent_text(num: int, den: int) -> str | None:
    """``num / den`` as a percentage with two decimals, rounded half up exactly (``11.90%``)."""
    if den == 0:
        return None
    q = Fraction(num * 10000, den)
    cents = int(q + Fraction(1, 2)) if q >= 0 else -int(-q + Fraction(1, 2))
    return f"{cents // 100}.{cents % 100:02d}%"


def _one(hw: tuple[Any, Any]) -> Any:
    """A per-axis pair as one value when both axes agree (the usual square case)."""
    return hw[0] if hw[0] == hw[1] else list(hw)


def axis_text(hw: tuple[Any, Any]) -> str:
    return str(hw[0]) if hw[0] == hw[1] else f"{hw[0]}×{hw[1]}"


def rf_dict(li: LayerInfo, rf: ReceptiveField) -> dict[str, Any]:
    return {"layer": li.name, "alias": li.node.alias, "size": _one(rf.size), "stride": _one(rf.jump),
            "padding": _one(rf.padding), "start": _one(rf.start), "size_hw": list(rf.size),
            "stride_hw": list(rf.jump), "padding_hw": list(rf.padding), "exact": rf.exact}


def _window_dict(w: tuple[Window, Window] | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {"kernel": _one((w[0].k, w[1].k)), "stride": _one((w[0].s, w[1].s)), "padding": _one((w[0].p, w[1].p))}


def layer_dict(li: LayerInfo) -> dict[str, Any]:
    rf = li.rf
    return {
        "name": li.name, "alias": li.node.alias, "type": li.node.layer.type_name, "inputs": list(li.node.inputs),
        "config": li.node.layer.config(), "output_shape": list(li.output_shape), "params": li.params,
        "weights": li.weights, "biases": li.biases,
        "receptive_field": _one(rf.size) if rf else None, "jump": _one(rf.jump) if rf else None,
        "effective_padding": _one(rf.padding) if rf else None, "start": _one(rf.start) if rf else None,
        "rf_exact": rf.exact if rf else None, "window": _window_dict(li.windows),
        "macs": li.macs, "activation_elements": li.activations,
        "activation_bytes": li.activations * BYTES_PER_VALUE, "notes": list(li.notes),
    }


def summary_dict(an: Analysis, layer: str | None = None) -> dict[str, Any]:
    """Totals, the receptive field of the final feature layer (or ``layer``) and every layer."""
    kinds = an.params_by_kind()
    total = an.total_params
    target = an.layer(layer) if layer else an.feature_layer()
    if target.rf is None:
        raise InputError(f"layer {target.name!r} has a flat output ({shape_text(target.output_shape)}): "
                         "it has no receptive field in pixels", "--layer")
    acts = sum(li.activations for li in an.layers)
    return {
        "network": an.network.name,
        "input_shape": list(an.input_shape),
        "total_params": total,
        "total_params_scientific": scientific_text(total),
        "weights": sum(li.weights for li in an.layers),
        "biases": sum(li.biases for li in an.layers),
        "conv_params": kinds["conv"], "fc_params": kinds["fc"], "bn_params": kinds["bn"],
        "other_params": kinds["other"],
        "conv_fc_ratio": (kinds["conv"] / kinds["fc"]) if kinds["fc"] else None,
        "conv_fc_percent": percent_text(kinds["conv"], kinds["fc"]),
        "macs": an.total_macs, "flops": 2 * an.total_macs,
        "activation_elements": acts, "activation_bytes": acts * BYTES_PER_VALUE,
        "receptive_field": rf_dict(target, target.rf),
        "layers": [layer_dict(li) for li in an.layers],
        "notes": list(an.notes),
    }


def _group(n: int) -> str:
    return f"{n:,}"


HEADER = ("Layer (type)", "Output shape", "Param #", "RF", "Jump", "MACs")


def _rows(an: Analysis) -> list[tuple[str, ...]]:
    """One row per layer: name [alias] (type), output shape, parameters, receptive field (* an upper bound), jump,
    MACs."""
    rows = []
    for li in an.layers:
        label = f"{li.name} ({li.node.layer.type_name})"
        if li.node.alias:
            label = f"{li.name} [{li.node.alias}] ({li.node.layer.type_name})"
        rf = li.rf
        rows.append((label, shape_text(li.output_shape), _group(li.params),
                     axis_text(rf.size) + ("" if rf.exact else "*") if rf else "-",
                     axis_text(rf.jump) if rf else "-", _group(li.macs)))
    return rows


class Table(str):
    """The terminal summary (:func:`table_text`), a ``str`` that keeps its analysis so a notebook can show it as a
    table (``render(table, "markdown")``); ``print(table)`` prints the text."""

    analysis: Analysis
    layer: str | None

    def __new__(cls, text: str, analysis: Analysis, layer: str | None = None) -> "Table":
        obj = super().__new__(cls, text)
        obj.analysis, obj.layer = analysis, layer
        return obj

    def __reduce__(self) -> tuple:
        return (Table, (str(self), self.analysis, self.layer))


def table_text(an: Analysis, layer: str | None = None) -> Table:
    """A terminal summary: one row per layer, then totals, the receptive field and notes on diverging paths."""
    data = summary_dict(an, layer)
    rows = _rows(an)
    header = HEADER
    widths = [max(len(header[c]), *(len(r[c]) for r in rows)) for c in range(len(header))]
    widths[0] = min(widths[0], 60)
    total_w = sum(widths) + 2 * (len(widths) - 1)
    align = ("<", "<", ">", ">", ">", ">")

    def fmt(r: tuple[str, ...]) -> str:
        return "  ".join(f"{c:{a}{w}}" for c, a, w in zip(r, align, widths)).rstrip()

    bar = "=" * total_w
    out = [bar, f"{an.network.name}: input {shape_text(an.input_shape)}", bar, fmt(header), "-" * total_w]
    out.extend(fmt(r) for r in rows)
    out.append(bar)
    out.append(f"Total params: {_group(data['total_params'])} ({data['total_params_scientific']})")
    out.append(f"  weights: {_group(data['weights'])}   biases: {_group(data['biases'])}")
    split = f"  conv: {_group(data['conv_params'])}   fc: {_group(data['fc_params'])}"
    if data["bn_params"]:
        split += f"   batch norm: {_group(data['bn_params'])}"
    split += f"   conv/fc: {data['conv_fc_percent'] or 'n/a (no fully-connected layers)'}"
    out.append(split)
    out.append(f"Total MACs: {_group(data['macs'])} ({scientific_text(data['macs'])}; FLOPs = 2 x MACs)")
    mb = data["activation_bytes"] / 1e6
    out.append(f"Activations (outputs of all layers, float32): {_group(data['activation_elements'])} values"
               f" = {mb:.2f} MB")
    rf = data["receptive_field"]
    name = rf["layer"] + (f" [{rf['alias']}]" if rf["alias"] else "")
    out.append(f"Receptive field of {name}: {axis_text(tuple(rf['size_hw']))} px, "
               f"jump {axis_text(tuple(rf['stride_hw']))}, effective padding {axis_text(tuple(rf['padding_hw']))}"
               + ("" if rf["exact"] else " (upper bound)"))
    if any(li.rf is not None and not li.rf.exact for li in an.layers):
        out.append("* upper bound: adaptive pooling with windows of different sizes")
    if an.notes:
        out.append(bar)
        out.append("Where paths differ:")
        out.extend(f"  {n}" for n in an.notes)
    out.append(bar)
    return Table("\n".join(out) + "\n", an, layer)


# ------------------------------------------------------------------------------------------------- display

FORMATS = ("text", "latex", "markdown", "json")


def table_derivation(an: Analysis, layer: str | None = None) -> Derivation:
    """The terminal summary as a derivation (a table and the totals), for LaTeX and Markdown."""
    data = summary_dict(an, layer)
    rows = [(r[0], Tex(shape_text(li.output_shape, r" \times ")), *r[2:]) for r, li in zip(_rows(an), an.layers)]
    split = f"conv {_group(data['conv_params'])}, fully connected {_group(data['fc_params'])}" + (
        f", batch norm {_group(data['bn_params'])}" if data["bn_params"] else "")
    rf = data["receptive_field"]
    name = rf["layer"] + (f" [{rf['alias']}]" if rf["alias"] else "")
    totals = Block.text(f"Total parameters: {_group(data['total_params'])} (",
                        Tex(format_scientific(sympy.Integer(data["total_params"]))), f"; {split}; conv/fc "
                        f"{data['conv_fc_percent'] or 'n/a'}). MACs: {_group(data['macs'])} (FLOPs = 2 MACs). "
                        f"Receptive field of {name}: {axis_text(tuple(rf['size_hw']))} pixels, jump "
                        f"{axis_text(tuple(rf['stride_hw']))}, effective padding "
                        f"{axis_text(tuple(rf['padding_hw']))}" + ("" if rf["exact"] else " (an upper bound)") + ".")
    blocks = [Block.table(HEADER, rows), totals] + [Block.text(n) for n in an.notes]
    return Derivation(f"{an.network.name}: input {shape_text(an.input_shape)}", [Part("", "", tuple(blocks))],
                      data, kind="cnn")


@render.register
def _render_analysis(an: Analysis, fmt: str = "text", *, standalone: bool = False, layer: str | None = None) -> str:
    """``text`` (the terminal summary), ``json`` (kind ``cnn``), or the summary as a LaTeX or Markdown table."""
    if fmt == "text":
        return str(table_text(an, layer))
    if fmt == "json":
        return to_json("cnn", summary_dict(an, layer))
    if fmt not in FORMATS:
        raise formats_error(fmt, FORMATS, "a network analysis")
    return render(table_derivation(an, layer), fmt, standalone=standalone)


@render.register
def _render_table(table: Table, fmt: str = "text", *, standalone: bool = False) -> str:
    return render(table.analysis, fmt, standalone=standalone, layer=table.layer)


@summary.register
def _summary_analysis(an: Analysis) -> str:
    total = an.total_params
    try:
        target = an.feature_layer()
        field = f", receptive field {axis_text(target.rf.size)} px at {target.node.alias or target.name}"
    except InputError:   # a network with no spatial layer has no field in pixels
        field = ""
    return (f"{an.network.name}: input {shape_text(an.input_shape)}, {len(an.layers)} layers, {_group(total)} "
            f"parameters ({scientific_text(total)}), {_group(an.total_macs)} MACs{field}")


@summary.register
def _summary_table(table: Table) -> str:
    return f"{_summary_analysis(table.analysis)}; print() shows the table"


jupyter_display(Analysis)
jupyter_display(Table)
