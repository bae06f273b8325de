"""Shapes of the values in a matrix computation, how they are written (``\\mathbb{R}^{3 \\times 2}``), and the one
shape error, which names the step it stops.

Every value is a 2-D array: a vector is a column (``x \\in \\mathbb{R}^{3}`` has shape (3, 1)), a batch of N
vectors is a matrix with one column per example, and a scalar (a loss) is (1, 1). Keeping one rank makes every
rule of the backward pass one matrix equation.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from derive.errors import InputError, LimitError
from derive.latex import Tex

Shape = tuple[int, int]

MAX_ENTRIES = 1_000_000   # entries of one input value (a 1000 x 1000 matrix); more is not a homework


class ShapeError(InputError):
    """Two values whose shapes do not fit (a product, a sum, a loss): the message names the step."""

    kind = "shape error"


def shape_tex(shape: Shape) -> Tex:
    """``\\mathbb{R}`` for a scalar, ``\\mathbb{R}^{3}`` for a column vector, ``\\mathbb{R}^{3 \\times 2}`` else."""
    m, n = shape
    if (m, n) == (1, 1):
        return Tex(r"\mathbb{R}")
    if n == 1:
        return Tex(rf"\mathbb{{R}}^{{{m}}}")
    return Tex(rf"\mathbb{{R}}^{{{m} \times {n}}}")


def shape_text(shape: Shape) -> str:
    """A shape in an error message: ``3x2``, ``3`` for a column vector, ``scalar``."""
    m, n = shape
    return "scalar" if (m, n) == (1, 1) else (f"{m}" if n == 1 else f"{m}x{n}")


def as_matrix(value: Any, where: str) -> np.ndarray:
    """A user's value (a number, a list of numbers = a column vector, a list of rows) as a float64 2-D array."""
    if isinstance(value, bool):
        raise InputError("a value must be a number or an array of numbers, not a boolean", where)
    if isinstance(value, (int, float)):
        rows: Any = [[value]]
    elif isinstance(value, list) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in value):
        rows = [[v] for v in value]
    elif isinstance(value, list) and value and all(isinstance(r, list) for r in value):
        rows = value
        widths = {len(r) for r in rows}
        if len(widths) != 1 or 0 in widths:
            raise InputError(f"the rows of a matrix must have the same, non-zero length (got {sorted(widths)})",
                             where)
        for i, r in enumerate(rows):
            for j, v in enumerate(r):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    raise InputError(f"entry ({i + 1}, {j + 1}) is not a number: {v!r}"[:120], where)
    else:
        raise InputError("a value must be a number, a list of numbers (a column vector) or a list of rows",
                         where)
    if len(rows) * len(rows[0]) > MAX_ENTRIES:
        raise LimitError(f"a value may have at most {MAX_ENTRIES} entries", where)
    a = np.array(rows, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise InputError("a value must be finite (no inf or nan)", where)
    return a


def matmul_shape(a: Shape, b: Shape, names: tuple[str, str], where: str) -> Shape:
    if a[1] != b[0]:
        raise ShapeError(f"cannot multiply {names[0]} ({shape_text(a)}) by {names[1]} ({shape_text(b)}): "
                         f"{names[0]} has {a[1]} column(s) but {names[1]} has {b[0]} row(s)", where)
    return (a[0], b[1])


def broadcast_shape(a: Shape, b: Shape, names: tuple[str, str], what: str, where: str) -> Shape:
    """NumPy's rule on two axes: sizes agree or one of them is 1 (a bias column added to every example)."""
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise ShapeError(f"cannot {what} {names[0]} ({shape_text(a)}) and {names[1]} ({shape_text(b)}): "
                             "the shapes differ and neither is 1 along that axis", where)
        out.append(max(x, y))
    return (out[0], out[1])


def same_shape(a: Shape, b: Shape, names: tuple[str, str], what: str, where: str) -> Shape:
    if a != b:
        raise ShapeError(f"{what} needs {names[0]} and {names[1]} of one shape, not {shape_text(a)} and "
                         f"{shape_text(b)}", where)
    return a
