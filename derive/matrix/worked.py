r"""A matrix computation worked by hand: the given values, the forward pass with shapes
(``z^{(1)} = W^{(1)} x + b^{(1)} = … \in \mathbb{R}^{3}``) and the backward pass as matrix equations, each line
symbolic, then with its numbers, then its value. :class:`MatrixResult` is registered with derive's one format
switch (:func:`derive.render.render`) here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from derive.derivation import Block, Derivation, Line, Part
from derive.errors import InputError
from derive.latex import Tex
from derive.render import jupyter_display, render, summary as summary_of
from derive.matrix.algebra import evaluate
from derive.matrix.backward import AdjointLine, BackwardPass
from derive.matrix.graph import Graph, Node, Var
from derive.matrix.notation import (LINE_EM, adjoint_tex, derivative_rule, expr_tex, matrix_tex,
                                    partial_tex, shown_everywhere, substituted, width_em)
from derive.matrix.shapes import shape_tex

PARTS = ("given", "forward", "backward")


@dataclass
class MatrixResult:
    """A derived matrix computation: the graph, every forward value, the backward pass and its derivation."""

    graph: Graph
    values: dict[str, np.ndarray]
    backward: BackwardPass
    derivation: Derivation = field(repr=False)

    @property
    def loss(self) -> float:
        return float(self.values[self.graph.loss.name][0, 0])

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """∂L/∂v (float64 arrays, the shape of v) for every input differentiated."""
        return self.backward.gradients

    def to_dict(self) -> dict[str, Any]:
        return self.derivation.to_dict()


@render.register
def _render_result(result: MatrixResult, fmt: str = "latex", *, standalone: bool = False,
                   kind: str | None = None) -> str:
    """A matrix result renders as its derivation (JSON kind ``derivation``, data as in :func:`summary`)."""
    return render(result.derivation, fmt, standalone=standalone, kind=kind or "derivation")


@summary_of.register
def _summary_result(result: MatrixResult) -> str:
    steps = result.graph.steps
    names = ", ".join(s.name for s in steps[:8]) + (", …" if len(steps) > 8 else "")
    grads = ", ".join(f"{n} {'×'.join(map(str, g.shape))}" for n, g in list(result.gradients.items())[:8])
    return f"{len(steps)} steps ({names}): loss {result.loss:.6g}; gradients {grads}"


jupyter_display(MatrixResult)


def _functions(graph: Graph) -> list[str]:
    seen: dict[str, None] = {}

    def go(e: object) -> None:
        if isinstance(e, Node):
            if e.op == "fn":
                seen[e.param] = None
            for a in e.args:
                go(a)
    for s in graph.steps:
        go(s.expr)
    return list(seen)


def _value_line(value: np.ndarray, sigfigs: int) -> Line:
    return Line(Tex(""), (matrix_tex(value, sigfigs), shape_tex(value.shape)), (Tex("="), Tex(r"\in")))


def batch_size(graph: Graph) -> int:
    """The number of examples: the columns of what the loss compares (1 when the loss is not a CE or MSE)."""
    e = graph.loss.expr
    return e.args[0].shape[1] if isinstance(e, Node) and e.op in ("ce", "mse") else 1


def given_part(graph: Graph, values: Mapping[str, np.ndarray], sigfigs: int, label: str) -> Part:
    lines = [Line(Tex(v.name), (matrix_tex(values[v.name], sigfigs), shape_tex(v.shape)), (Tex("="), Tex(r"\in")),
                  tag=f"input:{v.name}") for v in graph.inputs]
    note = ("Vectors are columns; the batch has one column per example." if batch_size(graph) > 1
            else "Vectors are columns.")
    return Part(label, "Given:", (Block.text(note), Block.align(lines)))


def forward_part(graph: Graph, values: Mapping[str, np.ndarray], sigfigs: int, label: str) -> Part:
    lines = []
    for s in graph.steps:
        lines.append(Line(Tex(s.name), (expr_tex(s.expr),), tag=f"forward:{s.name}"))
        if shown_everywhere(s.expr, values) and not isinstance(s.expr, Var):
            sub = substituted(s.expr, values, {}, lambda e: evaluate(e, values), sigfigs)
            if sub != matrix_tex(values[s.name], sigfigs) and width_em(sub) <= LINE_EM:
                lines.append(Line(Tex(""), (sub,)))
        lines.append(_value_line(values[s.name], sigfigs))
    return Part(label, "Forward pass:", (Block.align(lines),))


def _note(line: AdjointLine, graph: Graph) -> str:
    if line.fused:
        return "softmax and cross-entropy together"
    if isinstance(line.expr, Node) and line.expr.op == "unbroadcast":
        return "summed over the batch"
    return ""


def backward_part(graph: Graph, values: Mapping[str, np.ndarray], bp: BackwardPass, sigfigs: int,
                  label: str) -> Part:
    if any(adjoint_tex(ln.name).startswith(r"\delta") for ln in bp.lines):
        blocks = [Block.text(r"Write ", Tex(r"\delta^{(l)} = \frac{\partial L}{\partial z^{(l)}}"),
                             "; every gradient has the shape of its variable.")]
    else:
        blocks = [Block.text("Every gradient has the shape of its variable.")]
    rules = [Line(derivative_rule(f)) for f in _functions(graph)]
    if rules:
        blocks.append(Block.equations(rules))
    lines = []
    for ln in bp.lines:
        head = adjoint_tex(ln.name)
        if head.startswith(r"\delta"):
            head = Tex(f"{head} = {partial_tex(ln.name)}")
        rhs = [expr_tex(ln.expr)]
        if ln.expanded is not None:
            rhs.append(expr_tex(ln.expanded))
        use = ln.expanded if ln.expanded is not None else ln.expr
        lines.append(Line(head, tuple(rhs), note=_note(ln, graph), tag=f"adjoint:{ln.name}"))
        if shown_everywhere(use, values, bp.adjoints):
            sub = substituted(use, values, bp.adjoints, lambda e: evaluate(e, values, bp.adjoints), sigfigs)
            if sub not in (matrix_tex(ln.value, sigfigs), rhs[-1]) and width_em(sub) <= LINE_EM:
                lines.append(Line(Tex(""), (sub,)))
        lines.append(_value_line(ln.value, sigfigs))
    blocks.append(Block.align(lines))
    return Part(label, "Backward pass:", tuple(blocks))


def summary(graph: Graph, values: Mapping[str, np.ndarray], bp: BackwardPass) -> dict[str, Any]:
    """The numbers behind the sheet, at full precision (the JSON ``data``)."""
    return {"kind": "matrix", "loss": float(values[graph.loss.name][0, 0]),
            "inputs": [{"name": v.name, "shape": list(v.shape)} for v in graph.inputs],
            "steps": [{"name": s.name, "expr": str(expr_tex(s.expr)), "shape": list(s.expr.shape),
                       "value": values[s.name]} for s in graph.steps],
            "wrt": list(bp.wrt),
            "gradients": {n: bp.adjoints[n] for n in bp.wrt},
            "adjoints": [{"name": ln.name, "expr": str(expr_tex(ln.expr)), "value": ln.value} for ln in bp.lines]}


def derivation(graph: Graph, values: Mapping[str, np.ndarray], bp: BackwardPass, sigfigs: int = 3,
               parts: Sequence[str] = PARTS, labels: Sequence[str] | None = None, title: str = "") -> Derivation:
    """The worked sheet: ``parts`` in order (given, forward, backward), labelled (a), (b), … unless ``labels``."""
    makers = {"given": lambda lab: given_part(graph, values, sigfigs, lab),
              "forward": lambda lab: forward_part(graph, values, sigfigs, lab),
              "backward": lambda lab: backward_part(graph, values, bp, sigfigs, lab)}
    if len(parts) > 10:
        raise InputError(f"at most 10 parts, not {len(parts)}", "parts")
    labels = list(labels) if labels is not None else [f"({'abcdefghij'[k]})" for k in range(len(parts))]
    if len(labels) != len(parts):
        raise InputError(f"{len(labels)} labels for {len(parts)} parts", "labels")
    out = []
    for name, lab in zip(parts, labels):
        if name not in makers:
            raise InputError(f"unknown part {name!r}; choose from {', '.join(PARTS)}", "parts")
        out.append(makers[name](lab))
    return Derivation(title, out, lambda: summary(graph, values, bp), kind="derivation")
