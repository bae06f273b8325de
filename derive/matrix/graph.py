"""The records of a matrix computation: expressions over named matrices, the steps that name them, the graph.

An expression is a tree of :class:`Var` (a named input or step), :class:`Adj` (the adjoint ``∂L/∂v`` of one),
:class:`Num` (an exact scalar constant) and :class:`Node` (an operation of :mod:`derive.matrix.ops` applied to
sub-expressions). Every record carries its shape, checked when it was made, so a rule of the backward pass can
never produce a product that does not fit. The backward rules build these same records, so one printer and one
evaluator serve the forward steps, the symbolic backward lines and their numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Union

import sympy

from derive.matrix.shapes import Shape

SCALAR: Shape = (1, 1)


@dataclass(frozen=True)
class Var:
    """A named matrix: an input (``W^{(1)}``, ``x``) or the result of a step (``z^{(1)}``)."""

    name: str          # the name as LaTeX, as the reader normalised it (safe: built from a fixed grammar)
    shape: Shape


@dataclass(frozen=True)
class Adj:
    """The adjoint ``∂L/∂name`` of a named matrix (written ``\\delta`` for a pre-activation ``z``)."""

    name: str
    shape: Shape


@dataclass(frozen=True)
class Num:
    """An exact scalar constant (``2`` in ``2 x``, ``\\frac{1}{N}`` in a mean)."""

    value: sympy.Rational
    shape: Shape = SCALAR


@dataclass(frozen=True)
class Node:
    """An operation of the table (``ops.OPS[op]``) applied to ``args``; ``param`` holds what is not a value
    (the function of an elementwise step, the shape a sum reduces to)."""

    op: str
    args: tuple["Expr", ...]
    shape: Shape
    param: Any = None


Expr = Union[Var, Adj, Num, Node]


def leaves(e: Expr) -> Iterator[Var]:
    """The variables of an expression, left to right (with repeats)."""
    if isinstance(e, Var):
        yield e
    elif isinstance(e, Node):
        for a in e.args:
            yield from leaves(a)


def describe(e: Expr) -> str:
    """A short name of an expression for an error message."""
    if isinstance(e, (Var, Adj)):
        return e.name if isinstance(e, Var) else f"dL/d{e.name}"
    if isinstance(e, Num):
        return str(e.value)
    return {"matmul": "the product", "add": "the sum", "sub": "the difference"}.get(e.op, f"{e.op}(...)")


@dataclass(frozen=True)
class Step:
    """One line of the forward pass: ``name = expr`` (``z^{(1)} = W^{(1)} x + b^{(1)}``)."""

    index: int         # 1-based, as the user wrote the steps
    name: str
    expr: Expr
    source: str        # the text as written, for messages

    @property
    def where(self) -> str:
        return f"step {self.index} ({self.source.strip()})"


@dataclass(frozen=True)
class Graph:
    """A matrix computation: its inputs (shapes), its steps in order, and the loss (the last step, a scalar).

    ``targets`` are the inputs used only as the target of a loss (``y`` in ``\\operatorname{CE}(p, y)``): data,
    not differentiated unless asked for.
    """

    inputs: tuple[Var, ...]
    steps: tuple[Step, ...]
    targets: frozenset[str] = field(default_factory=frozenset)

    @property
    def loss(self) -> Step:
        return self.steps[-1]

    def var(self, name: str) -> Var:
        for v in self.inputs:
            if v.name == name:
                return v
        for s in self.steps:
            if s.name == name:
                return Var(s.name, s.expr.shape)
        raise KeyError(name)

    def consumers(self, name: str) -> list[Step]:
        """The steps whose expression reads ``name``."""
        return [s for s in self.steps if any(v.name == name for v in leaves(s.expr))]
