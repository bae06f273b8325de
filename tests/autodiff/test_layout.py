"""The page layout of worked lines and of the graph figure: breaking rows (derive.autodiff.breaking), reading the
broken rows back (derive's checker), and the figure's placement (derive.autodiff.figure, edge_labels)."""
from __future__ import annotations

import re

import pytest

from derive import autodiff
from derive.autodiff.breaking import LINE_WIDTH, stage_rows, top_level
from derive.autodiff.figure import graph_figure
from derive.check import check
from derive.check.reading.document import read
from derive.render import render
from derive.texwidth import width

CROSS_ENTROPY = r"-\left(t \ln \sigma(w x + b) + (1 - t) \ln\left(1 - \sigma(w x + b)\right)\right)"


@pytest.mark.parametrize("tex,ops,pieces", [
    (r"a + \left(b + c\right) - d", ("+", "-"), [("", "a"), ("+", r"\left(b + c\right)"), ("-", "d")]),
    (r"- a \cdot b + c", ("+", "-"), [("", r"- a \cdot b"), ("+", "c")]),        # a sign is not a break
    (r"x^{-1} + \frac{a - b}{c}", ("+", "-"), [("", "x^{-1}"), ("+", r"\frac{a - b}{c}")]),
    (r"\left[a \cdot b\right] \cdot \left(-1\right) \cdot c", (r"\cdot",),
     [("", r"\left[a \cdot b\right]"), (r"\cdot", r"\left(-1\right)"), (r"\cdot", "c")]),
    (r"\left\{a + b\right\} \cdot c", ("+", "-"), [("", r"\left\{a + b\right\} \cdot c")]),
])
def test_top_level_cuts_only_outside_brackets(tex, ops, pieces):
    assert top_level(tex, ops) == pieces


def test_a_long_product_breaks_between_factors_and_joins_back():
    factor = r"\frac{\partial \left(\sin{\left(a b \right)} + \cos{\left(b c \right)} + e^{c d}\right)}{\partial v_{7}}"
    tex = r" \cdot ".join([factor] * 6) + " + x"
    rows = stage_rows(tex, "=", LINE_WIDTH)
    assert [rel for rel, _ in rows][0] == "=" and rows[-1] == ("+", "x")
    assert any(rel == r"\quad \cdot" for rel, _ in rows)
    assert all(width("{}" + rel + "{}" + piece) <= LINE_WIDTH for rel, piece in rows)
    joined = " ".join((rel.replace(r"\quad", "") + " " if k else "") + piece for k, (rel, piece) in enumerate(rows))
    assert re.sub(r"\s+", "", joined) == re.sub(r"\s+", "", tex)


def test_the_reader_joins_a_continued_product():
    text = (r"$$\begin{aligned} y &= a \cdot b \\ &\quad \cdot c \\ &+ d \cdot e \\ &= 5 \end{aligned}$$")
    (st,) = read(text)
    assert [s.text for s in st.segments] == ["y", r"a \cdot b \cdot c + d \cdot e", "5"]


def test_every_row_of_a_long_derivation_fits_and_reads_back():
    r = autodiff(CROSS_ENTROPY, at="w=0.5,b=-0.2,x=1.5,t=1")
    tex = render(r, "latex")
    for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.S):
        cells = [row.strip().partition("&") for row in re.split(r"\\\\\s*\n", block)]
        lhs = max(width(a.strip()) for a, _, _ in cells)
        assert all(lhs + width("{}" + b.strip()) <= LINE_WIDTH + 1 for _, _, b in cells), block[:200]
    assert r"\quad \cdot" in tex
    report = check(render(r, "markdown"), r, isolate=False)
    assert report.findings == [], render(report, "text")


def test_the_figure_routes_long_edges_between_nodes_and_places_labels():
    r = autodiff(CROSS_ENTROPY, at="w=0.5,b=-0.2,x=1.5,t=1")
    tikz = graph_figure(r, adjoints=True)
    assert tikz == graph_figure(r, adjoints=True)                     # deterministic
    edges = re.findall(r"\\draw\[->[^\]]*\] \((n\d+)\)((?: -- \([-\d.]+, [-\d.]+\))*) -- node\[pos=([\d.]+)", tikz)
    assert len(edges) == sum(len(dict.fromkeys(n.args)) for n in r.graph.nodes)
    assert any(via for _, via, _ in edges)                             # t feeds a node five layers down
    assert {float(p) for _, _, p in edges} <= {0.5, 0.35, 0.65, 0.25, 0.75, 0.15, 0.85}
