"""A TikZ figure of the computational graph: nodes with their operation and value, edges with local partials.

Layout is computed here (layer = longest path from an input; rows in node order) and handed to
``templates/graph.tex.j2`` as plain records; the template only draws.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.latex import Tex, latex
from derive.numbers import format_number
from derive.render import render_template
from derive.ops import FIGURE_SYMBOLS

if TYPE_CHECKING:
    from derive.autodiff.sweeps import AutodiffResult

OP_SYMBOL = FIGURE_SYMBOLS   # each operation's label in the figure, from the operation table


@dataclass(frozen=True)
class FigNode:
    id: str
    x: float
    y: float
    label: Tex       # maths: name, operation
    value: Tex       # maths: the value (and the adjoint when asked)


@dataclass(frozen=True)
class FigEdge:
    src: str
    dst: str
    label: Tex


def _nid(i: int) -> str:
    return f"n{i + 1000}"   # TikZ names cannot start with '-'


def graph_figure(r: "AutodiffResult", adjoints: bool = False, scale: float = 1.0) -> Tex:
    """TikZ source (a ``tikzpicture``) for the graph of ``r``."""
    g, s = r.graph, r.settings
    layer: dict[int, int] = {}
    for n in g.nodes:
        layer[n.index] = 0 if n.is_input else 1 + max((layer[a] for a in n.args), default=0)
    for n in g.inputs:   # an input sits just before its first use, so its edges do not cross the picture
        layer[n.index] = max(0, min((layer[i] for i in g.consumers(n.index)), default=1) - 1)
    rows: dict[int, int] = {}
    nodes, edges = [], []
    for n in g.nodes:
        col = layer[n.index]
        row = rows.get(col, 0)
        rows[col] = row + 1
        name = latex(g.symbol(n.index))
        op = n.name if n.is_input else OP_SYMBOL.get(n.op, n.op)
        lab = Tex(f"{name}: {latex(n.expr) if n.is_input else op}")
        val = format_number(r.values[n.index], s.sigfigs)
        if adjoints:
            val = rf"{val},\ \bar{{{g.letter}}} = {format_number(r.adjoints[n.index], s.sigfigs)}"
        nodes.append(FigNode(_nid(n.index), round(3.6 * col * scale, 2), round(-1.8 * row * scale, 2), lab,
                              Tex(val)))
        for j in dict.fromkeys(n.args):
            edges.append(FigEdge(_nid(j), _nid(n.index), Tex(format_number(r.partial_values[(n.index, j)], s.sigfigs))))
    return Tex(render_template("graph.tex.j2", "latex", nodes=nodes, edges=edges))
