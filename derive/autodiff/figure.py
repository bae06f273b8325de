"""A TikZ figure of the computational graph: nodes with their operation and value, edges with local partials.

Layout is computed here (layer = longest path from an input; each layer ordered by the barycentre of what feeds
it; an edge that passes layers bends between their nodes) and handed to ``templates/graph.tex.j2`` as plain
records; the template only draws.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from derive.autodiff.edge_labels import clip, places
from derive.latex import Tex, latex
from derive.numbers import format_number
from derive.render import render_template
from derive.texwidth import TEXT_WIDTH, tex_box
from derive.ops import FIGURE_SYMBOLS

if TYPE_CHECKING:   # the records' types, for annotations only
    from derive.autodiff.graph import Graph
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
    via: tuple[tuple[float, float], ...] = ()     # bends, in cm: where the edge passes a layer between its nodes
    pos: float = 0.5                               # where its label sits along its last stretch (0 to 1)


def _nid(i: int) -> str:
    return f"n{i + 1000}"   # TikZ names cannot start with '-'


# The page the figure must fit (templates/document.tex.j2 and problemset.tex.j2: article 11pt, letter paper,
# geometry margin=2.2cm): \linewidth is 489.1 pt; a picture taller than MAX_HEIGHT would not fit below a heading.
LINE_WIDTH = TEXT_WIDTH
MAX_HEIGHT = 560.0
CM = 28.4528                        # TeX pt per cm
PITCH = (3.6, 1.8)                  # cm from layer to layer and from node to node across, left to right
DOWN_PITCH = (1.0, 2.2)             # top to bottom: cm between nodes across (plus their width), layer to layer
BEND = 0.6                          # cm across taken by an edge passing a layer (between two nodes, not through)
BAND_GAP = 0.6                      # cm more between two bands of a long graph than between two nodes
MAX_BANDS = 12
SWEEPS = 4                          # barycentre sweeps (down, up, down, up) when ordering layers
SMALL = 10.0 / 10.95                # the nodes' \small relative to the maths of the page

Item = tuple                        # ("n", i): node i; ("e", j, i, l): the edge v_j -> v_i where it passes layer l


@dataclass(frozen=True)
class Layout:
    """Positions in cm: every node's, and the bends of each edge that passes layers (so it runs between nodes)."""
    pos: dict[int, tuple[float, float]]
    bends: dict[tuple[int, int], tuple[tuple[float, float], ...]]


def _node_size(label: str, value: str) -> tuple[float, float]:
    """A node's width and height in pt: two centred lines of ``\\small`` maths, inner sep 3 pt."""
    w = max(tex_box(label)[0], tex_box(value)[0]) * SMALL
    return w + 6.8, 2 * 12.0 + 6.8


def _layers(g: "Graph") -> dict[int, int]:
    """Each node's layer: the longest path from an input; an input sits just before its first use."""
    layer: dict[int, int] = {}
    for n in g.nodes:
        layer[n.index] = 0 if n.is_input else 1 + max((layer[a] for a in n.args), default=0)
    for n in g.inputs:   # so its edges do not cross the picture
        layer[n.index] = max(0, min((layer[i] for i in g.consumers(n.index)), default=1) - 1)
    return layer


def _ranks(g: "Graph", layer: dict[int, int]) -> list[list[Item]]:
    """The items of each layer in order: the nodes, and a stand-in for every edge passing the layer (so a long
    edge is a chain of short ones). The order is the barycentre rule's (each item at the mean place of its
    neighbours in the layer above, then below, a few sweeps), the sweep with the fewest crossings kept."""
    rows: list[list[Item]] = [[] for _ in range(max(layer.values()) + 1)]
    up: dict[Item, list[Item]] = {}
    for n in g.nodes:
        rows[layer[n.index]].append(("n", n.index))
        for j in dict.fromkeys(n.args):
            prev: Item = ("n", j)
            for lv in range(layer[j] + 1, layer[n.index]):
                rows[lv].append(("e", j, n.index, lv))
                up[("e", j, n.index, lv)] = [prev]
                prev = ("e", j, n.index, lv)
            up.setdefault(("n", n.index), []).append(prev)
    down: dict[Item, list[Item]] = {}
    for it, feeds in up.items():
        for f in feeds:
            down.setdefault(f, []).append(it)
    best = (_crossings(rows, up), [list(r) for r in rows])
    for sweep in range(SWEEPS):
        rng = range(1, len(rows)) if sweep % 2 == 0 else range(len(rows) - 2, -1, -1)
        near, step = (up, -1) if sweep % 2 == 0 else (down, 1)
        for k in rng:
            place = {it: m for m, it in enumerate(rows[k + step])}
            keyed = [(sum(place[f] for f in near[it]) / len(near[it]) if near.get(it) else float(m), m, it)
                     for m, it in enumerate(rows[k])]
            rows[k] = [it for _, _, it in sorted(keyed, key=lambda t: (t[0], t[1]))]
        got = _crossings(rows, up)
        if got < best[0]:
            best = (got, [list(r) for r in rows])
    return best[1]


def _crossings(rows: list[list[Item]], up: dict[Item, list[Item]]) -> int:
    """How many pairs of edges cross between adjacent layers (each edge a pair of places, top and bottom)."""
    total = 0
    for k in range(1, len(rows)):
        above = {it: m for m, it in enumerate(rows[k - 1])}
        ends = sorted((above[f], m) for m, it in enumerate(rows[k]) for f in up.get(it, ()))
        total += sum(1 for a in range(len(ends)) for b in range(a + 1, len(ends))
                     if ends[a][0] < ends[b][0] and ends[a][1] > ends[b][1])
    return total


def _routed(rows: list[list[Item]], down: bool, node_w: float) -> Layout:
    """Positions for one band of layers: top to bottom (``down``) or left to right, each layer centred across,
    a node taking its width and a gap, a passing edge BEND."""
    node_across = DOWN_PITCH[0] + node_w / CM if down else PITCH[1]
    along = DOWN_PITCH[1] if down else PITCH[0]
    pos: dict[int, tuple[float, float]] = {}
    bends: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for k, row in enumerate(rows):
        sizes = [node_across if it[0] == "n" else BEND for it in row]
        at = -sum(sizes) / 2
        for it, size in zip(row, sizes):
            c = at + size / 2
            at += size
            xy = (round(c, 3), round(-along * k, 3)) if down else (round(along * k, 3), round(-c, 3))
            if it[0] == "n":
                pos[it[1]] = xy
            else:
                bends.setdefault((it[1], it[2]), []).append(xy)
    return Layout(pos, {e: tuple(b) for e, b in bends.items()})


def _banded(layer: dict[int, int], order: list[int], node_w: float, bands: int) -> Layout:
    """Top to bottom in ``bands`` columns side by side that snake (down the first, up the second, …) so the edge
    from one band to the next stays short (and crosses between two rows, not along one); edges are straight."""
    count: dict[int, int] = {}
    for i in order:
        count[layer[i]] = count.get(layer[i], 0) + 1
    across = DOWN_PITCH[0] + node_w / CM
    per = -(-(max(layer.values()) + 1) // bands)          # layers a band
    centre: list[float] = []
    edge = 0.0
    for b in range(bands):                                # each band as wide as its widest layer
        widest = max((c for col, c in count.items() if col // per == b), default=1)
        half = (widest - 1) * across / 2
        centre.append(edge + half)
        edge += 2 * half + across + BAND_GAP
    seen: dict[int, int] = {}
    pos = {}
    for i in order:
        col = layer[i]
        k = seen.get(col, 0)
        seen[col] = k + 1
        band, step = divmod(col, per)
        if band % 2:       # up the band, one step lower: no edge from band to band runs along a row of nodes
            step = per - step
        pos[i] = (round(centre[band] + across * (k - (count[col] - 1) / 2), 3), round(-DOWN_PITCH[1] * step, 3))
    return Layout(pos, {})


def _extent(lay: Layout, scale: float, node: tuple[float, float]) -> tuple[float, float]:
    """The picture's width and height in pt: the span of the nodes and bends plus one (the largest) node."""
    points = [*lay.pos.values(), *(p for b in lay.bends.values() for p in b)]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    return (max(xs) - min(xs)) * scale * CM + node[0], (max(ys) - min(ys)) * scale * CM + node[1]


def _layouts(g: "Graph", node_w: float) -> list[Layout]:
    """The layouts to choose from, preferred first: left to right, top to bottom, then in 2, 3, … bands."""
    layer = _layers(g)
    rows = _ranks(g, layer)
    order = [n.index for n in g.nodes]
    out = [_routed(rows, False, node_w), _routed(rows, True, node_w)]
    return out + [_banded(layer, order, node_w, k) for k in range(2, min(MAX_BANDS, len(rows)) + 1)]


def graph_figure(r: "AutodiffResult", adjoints: bool = False, scale: float = 1.0) -> Tex:
    """TikZ source (a ``tikzpicture``) for the graph of ``r``, made to fit the page whatever the graph's size.

    Layers run left to right; a graph too long for the page runs top to bottom instead (a page is taller than it
    is wide), in snaking bands side by side when it is longer still; if nothing fits, the layout that needs the
    least shrinking is scaled down to fit (TikZ's own ``scale`` with ``transform shape``, so labels shrink with
    it and stay inside their nodes). An edge that passes layers bends between their nodes, never through one;
    its label (white behind it) sits on its last stretch, into the node whose partial it is, clear of nodes,
    edges and other labels (:mod:`derive.autodiff.edge_labels`)."""
    g, s = r.graph, r.settings
    labels, values = {}, {}
    for n in g.nodes:
        name = latex(g.symbol(n.index))
        op = n.name if n.is_input else OP_SYMBOL.get(n.op, n.op)
        labels[n.index] = Tex(f"{name}: {latex(n.expr) if n.is_input else op}")
        val = format_number(r.values[n.index], s.sigfigs)
        if adjoints:
            val = rf"{val},\ \bar{{{g.letter}}} = {format_number(r.adjoints[n.index], s.sigfigs)}"
        values[n.index] = Tex(val)
    sizes = [_node_size(labels[i], values[i]) for i in labels]
    node = (max(w for w, _ in sizes), max(h for _, h in sizes))
    best: tuple[float, Layout] | None = None
    for lay in _layouts(g, node[0]):    # the layout that needs the least shrinking; the earlier one on ties
        width, height = _extent(lay, scale, node)
        shrink = min(1.0, LINE_WIDTH / width, MAX_HEIGHT / height)
        if best is None or shrink > best[0] + 1e-9:
            best = (shrink, lay)
    shrink, lay = best
    half = (node[0] / 2 / CM / scale, node[1] / 2 / CM / scale)
    pairs = [(j, n.index) for n in g.nodes for j in dict.fromkeys(n.args)]
    lines = []
    for j, i in pairs:           # each edge as TikZ draws it: node border, bends, node border
        via = list(lay.bends.get((j, i), ()))
        lines.append([clip(lay.pos[j], (via or [lay.pos[i]])[0], half), *via,
                      clip(lay.pos[i], (via or [lay.pos[j]])[-1], half)])
    partials = [Tex(format_number(r.partial_values[(i, j)], s.sigfigs)) for j, i in pairs]
    where = places(lines, partials, list(lay.pos.values()), half)
    nodes = [FigNode(_nid(n.index), round(lay.pos[n.index][0] * scale, 2), round(lay.pos[n.index][1] * scale, 2),
                     labels[n.index], values[n.index]) for n in g.nodes]
    edges = [FigEdge(_nid(j), _nid(i), partial,
                     tuple((round(bx * scale, 2), round(by * scale, 2)) for bx, by in lay.bends.get((j, i), ())), t)
             for (j, i), partial, t in zip(pairs, partials, where)]
    picture = render_template("graph.tex.j2", "latex", nodes=nodes, edges=edges)
    if shrink < 1.0:
        factor = math.floor(shrink * 0.98 * 1000) / 1000    # a little under, for the estimate's error
        picture = (f"{{\\tikzset{{every picture/.append style={{scale={factor:g}, transform shape}}}}%\n"
                   f"{picture}}}\n")
    return Tex(picture)
