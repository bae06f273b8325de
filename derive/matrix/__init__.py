r"""Backpropagation with vectors and matrices: ``derive.matrix(steps, values)``.

>>> r = matrix([r"z = W x + b", r"L = \operatorname{MSE}(z, y)"],
...            {"W": [[1, 2], [3, 4]], "x": [1, -1], "b": [0, 1], "y": [0, 0]})
>>> r.loss, r.gradients["W"].tolist()
(0.5, [[-1.0, 1.0], [0.0, 0.0]])

The modules: shapes (shapes, the shape error), graph (the records), ops (the table of operations with their
backward rules), algebra (evaluation: floats or SymPy entries), build (the LaTeX reader and layer lists),
backward (the backward pass), notation (how it is written), worked (the sheet and the result record).
"""
from __future__ import annotations

from derive.packages import callable_package
import re
from typing import Any, Mapping, Sequence

import numpy as np

from derive.errors import InputError
from derive.matrix.backward import BackwardPass, backward, forward
from derive.matrix.build import build, layer_steps, normal_name
from derive.matrix.graph import Graph
from derive.matrix.shapes import ShapeError, as_matrix
from derive.matrix.worked import PARTS, MatrixResult, derivation

__all__ = ["matrix", "MatrixResult", "Graph", "BackwardPass", "ShapeError", "build", "forward", "backward",
           "layer_steps", "read_values", "PARTS"]


def read_values(values: Mapping[str, Any], where: str = "values") -> dict[str, np.ndarray]:
    """Input values by name (``"W^{(1)}"`` or ``"W1"``): numbers, lists (a column vector), lists of rows, arrays."""
    if not isinstance(values, Mapping) or not values:
        raise InputError("give the input values as a table of name = array", where)
    out: dict[str, np.ndarray] = {}
    for key, v in values.items():
        name = normal_name(str(key), f"{where}: {key}")
        if name in out:
            raise InputError(f"{key} gives {name} a second time", where)
        if isinstance(v, np.ndarray):
            v = v.tolist()
        out[name] = as_matrix(v, f"{where}: {key}")
    return out


def _steps(steps: str | Sequence[str]) -> list[str]:
    if isinstance(steps, str):
        return [s for s in (t.strip() for t in re.split(r"[;\n]", steps)) if s]
    return list(steps)


def matrix(steps: str | Sequence[str] | None = None, values: Mapping[str, Any] | None = None, *,
           layers: Sequence[str] | None = None, loss: str = "cross_entropy", wrt: Sequence[str] | None = None,
           sigfigs: int = 3, parts: Sequence[str] = PARTS, labels: Sequence[str] | None = None,
           title: str = "") -> MatrixResult:
    """Forward and backward pass of a matrix computation, worked: ``steps`` in LaTeX (a list, or one string with
    a step per line or separated by ``;``) or a ``layers`` list (linear, sigmoid, tanh, relu, softmax) with a
    ``loss`` (cross_entropy, mse); ``values`` of every input. ``wrt``: the inputs to differentiate by (default:
    all but the targets of the loss). Gradients are float64 (``result.gradients``)."""
    if (steps is None) == (layers is None):
        raise InputError("give either steps or layers", "matrix")
    if not isinstance(sigfigs, int) or isinstance(sigfigs, bool) or not 1 <= sigfigs <= 15:
        raise InputError(f"sigfigs must be a whole number from 1 to 15, not {sigfigs!r}", "sigfigs")
    given = read_values(values or {})
    text = layer_steps(list(layers), loss) if layers is not None else _steps(steps)
    graph = build(text, {n: a.shape for n, a in given.items()})
    unused = [n for n in given if not graph.consumers(n)]
    if unused:
        raise InputError(f"value(s) given but not used by any step: {', '.join(unused)}", "values")
    vals = forward(graph, given)
    bp = backward(graph, vals, [normal_name(w, "wrt") for w in wrt] if wrt is not None else None)
    return MatrixResult(graph, vals, bp, derivation(graph, vals, bp, sigfigs, parts, labels, title))

callable_package(__name__, matrix)   # derive.matrix(…) is matrix(…), and its modules stay importable
