r"""The backward pass as matrix equations.

Each step ``v = f(u_1, …)`` sends its adjoint back through the rules of :mod:`derive.matrix.ops`; the adjoint of a
name is the sum of what its consumers send it (``\frac{\partial L}{\partial a} = \sum_c …``), complete once the
steps that read it have been processed, which the reverse order of the steps guarantees. Softmax followed by
cross-entropy is written as one rule, ``\delta = \frac{1}{N}(p - y)``: the softmax Jacobian and the ``1/p`` of the
log cancel, as every course shows and as frameworks compute it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import sympy

from derive.errors import InputError
from derive.matrix import ops
from derive.matrix.algebra import FLOAT, FloatBackend, evaluate
from derive.matrix.graph import Adj, Expr, Graph, Node, Step, Var, leaves


@dataclass(frozen=True)
class AdjointLine:
    """``∂L/∂name = expr`` (in the adjoints of its consumers), ``expanded`` with an intermediate adjoint written out
    (``(W^{(2)})^T δ^{(2)} ⊙ σ'(z^{(1)})``), and its value. ``fused``: the softmax-cross-entropy rule."""

    name: str
    expr: Expr
    expanded: Expr | None
    value: np.ndarray
    fused: bool = False
    is_input: bool = False


@dataclass(frozen=True)
class BackwardPass:
    lines: tuple[AdjointLine, ...]
    adjoints: dict[str, np.ndarray]
    wrt: tuple[str, ...]

    @property
    def gradients(self) -> dict[str, np.ndarray]:
        """∂L/∂v for every input differentiated, in input order."""
        return {n: self.adjoints[n] for n in self.wrt}


def forward(graph: Graph, inputs: Mapping[str, np.ndarray], xp: FloatBackend = FLOAT) -> dict[str, np.ndarray]:
    """Every input and step value, in order (a non-finite value is an error naming its step)."""
    values = dict(inputs)
    for s in graph.steps:
        values[s.name] = evaluate(s.expr, values, xp=xp, where=s.where)
    return values


def is_distribution(y: Expr, values: Mapping[str, np.ndarray], xp: FloatBackend) -> bool:
    """True when every column of ``y`` sums to 1 (one-hot labels, or a label distribution): only then is
    ∂CE(softmax(z), y)/∂z = (p - y)/N; for other targets the sheet takes the long way through the Jacobian."""
    cols = evaluate(y, values, xp=xp).sum(axis=0)
    if xp.exact:
        return all(sympy.simplify(c - 1) == 0 for c in cols)
    return bool(np.allclose(cols, 1.0, rtol=0, atol=1e-12))


def _fusions(graph: Graph, values: Mapping[str, np.ndarray], xp: FloatBackend) -> dict[str, Step]:
    """Steps ``p = softmax(·)`` read only by one ``CE(p, y)`` step whose y is a distribution: p -> that step."""
    out = {}
    for s in graph.steps:
        if isinstance(s.expr, Node) and s.expr.op == "softmax":
            users = graph.consumers(s.name)
            if len(users) == 1:
                e = users[0].expr
                if isinstance(e, Node) and e.op == "ce" and e.args[0] == Var(s.name, s.expr.shape) and \
                        s.name not in {v.name for v in leaves(e.args[1])} and \
                        is_distribution(e.args[1], values, xp):
                    out[s.name] = users[0]
    return out


def _sum(terms: Sequence[Expr]) -> Expr:
    total = terms[0]
    for t in terms[1:]:
        total = ops.make("add", total, t)
    return total


def backward(graph: Graph, values: Mapping[str, np.ndarray], wrt: Sequence[str] | None = None,
             xp: FloatBackend = FLOAT) -> BackwardPass:
    """The adjoint of every name between the inputs ``wrt`` (default: every input but the loss targets) and the
    loss, in the order a person writes them: each step's adjoint, then the inputs it completes."""
    names = [v.name for v in graph.inputs]
    if wrt is None:
        wrt = [n for n in names if n not in graph.targets]
    for n in wrt:
        if n not in names:
            raise InputError(f"cannot differentiate by {n}: it is not an input (inputs: {', '.join(names)})", "wrt")
    wrt = [n for n in names if n in set(wrt)]
    depends = {n: n in wrt for n in names}
    for s in graph.steps:
        depends[s.name] = any(depends[v.name] for v in leaves(s.expr))
    fused = _fusions(graph, values, xp)
    loss = graph.loss.name
    last_use = {n: min((c.index for c in graph.consumers(n)), default=0) for n in names}
    contrib: dict[str, list[tuple[int, Expr, bool]]] = {}
    lines: list[AdjointLine] = []
    adjoints: dict[str, np.ndarray] = {}
    exprs: dict[str, Expr] = {}

    def depends_on(e: Expr) -> bool:
        return any(depends[v.name] for v in leaves(e))

    def walk(e: Expr, g: Expr, out: Expr, at: int, by_fusion: bool = False) -> None:
        if isinstance(e, Var):
            if depends[e.name]:
                contrib.setdefault(e.name, []).append((at, g, by_fusion))
            return
        if not isinstance(e, Node):
            return
        if e.op == "ce" and isinstance(e.args[0], Node) and e.args[0].op == "softmax" and \
                is_distribution(e.args[1], values, xp):   # CE(softmax(z), y)
            if depends_on(e.args[0]):
                walk(e.args[0].args[0], ops.fused_softmax_ce(g, e.args[0], e.args[1]), e.args[0].args[0], at, True)
            rule = ops.OPS["ce"].backward[1]
            if depends_on(e.args[1]):
                walk(e.args[1], rule(g, e, out), e.args[1], at)
            return
        for k, (a, rule) in enumerate(zip(e.args, ops.OPS[e.op].backward)):
            if rule is not None and depends_on(a):
                walk(a, rule(g, e, out), a, at)

    def finish(name: str, shape: tuple[int, int], is_input: bool) -> None:
        given = sorted(contrib.get(name, []), key=lambda it: it[0])
        terms, is_fused = [t for _, t, _ in given], any(f for _, _, f in given)
        expr = _sum(terms)
        exprs[name] = expr
        value = evaluate(expr, values, adjoints, xp=xp, where=f"the adjoint of {name}")
        if value.shape != shape:   # a rule of the table gave the wrong shape: a bug, not the user's input
            raise AssertionError(f"adjoint of {name} has shape {value.shape}, not {shape}")
        adjoints[name] = value
        expanded = _expand(expr, exprs, loss)
        lines.append(AdjointLine(name, expr, expanded if expanded != expr else None, value, is_fused, is_input))

    for s in reversed(graph.steps):
        if not depends[s.name]:
            continue
        if s.name != loss and s.name not in fused:
            finish(s.name, s.expr.shape, False)
        g: Expr = ops.ONE if s.name == loss else Adj(s.name, s.expr.shape)
        if s.name in fused:
            ce = fused[s.name]
            g_ce: Expr = ops.ONE if ce.name == loss else Adj(ce.name, ce.expr.shape)
            walk(s.expr.args[0], ops.fused_softmax_ce(g_ce, Var(s.name, s.expr.shape), ce.expr.args[1]),
                 s.expr.args[0], s.index, True)
        elif isinstance(s.expr, Node) and s.expr.op == "ce" and isinstance(s.expr.args[0], Var) and \
                s.expr.args[0].name in fused:
            if depends_on(s.expr.args[1]):
                walk(s.expr.args[1], ops.OPS["ce"].backward[1](g, s.expr, Var(s.name, s.expr.shape)),
                     s.expr.args[1], s.index)
        else:
            walk(s.expr, g, Var(s.name, s.expr.shape), s.index)
        done = [v for v in leaves(s.expr) if v.name in depends and last_use.get(v.name) == s.index
                and v.name in wrt and v.name not in adjoints]
        for v in dict.fromkeys(done):
            finish(v.name, v.shape, True)
    return BackwardPass(tuple(lines), adjoints, tuple(wrt))


def _adjoints_in(e: Expr) -> list[str]:
    if isinstance(e, Adj):
        return [e.name]
    return [n for a in e.args for n in _adjoints_in(a)] if isinstance(e, Node) else []


def _expand(e: Expr, exprs: Mapping[str, Expr], loss: str) -> Expr:
    """``e`` with the adjoint of an intermediate that is not a δ (``∂L/∂a^{(1)}``) written out, one level, where
    it is read once (written out twice it would make the line longer, not clearer)."""
    names = _adjoints_in(e)
    return _inline(e, exprs, {n for n in names if names.count(n) == 1})


def _inline(e: Expr, exprs: Mapping[str, Expr], once: set[str]) -> Expr:
    if isinstance(e, Adj):
        if e.name in exprs and e.name in once and not e.name.startswith("z"):
            return exprs[e.name]
        return e
    if isinstance(e, Node):
        args = tuple(_inline(a, exprs, once) for a in e.args)
        return e if args == e.args else Node(e.op, args, e.shape, e.param)
    return e
