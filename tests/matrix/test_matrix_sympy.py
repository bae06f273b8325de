"""The symbolic backward rules equal SymPy's derivatives: each adjoint expression of the sheet, evaluated with
matrices of SymPy symbols, is ∂L/∂entry of the loss written out independently; and the textbook forms equal SymPy's
matrix calculus (``MatrixSymbol`` derivatives)."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from derive.functions import sigmoid
from derive.matrix import build, backward, forward
from derive.matrix.algebra import EXACT
from derive.matrix.notation import expr_tex


def _symbols(name: str, shape: tuple[int, int]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    for i in range(shape[0]):
        for j in range(shape[1]):
            out[i, j] = sympy.Symbol(f"{name}_{i}{j}")
    return out


_RNG = np.random.default_rng(7)
_MP = {"sigmoid": lambda t: 1 / (1 + mpmath.exp(-t))}


def _same(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Equal as functions: the difference vanishes (to 30 of 40 digits) at three random points. SymPy's simplify
    proves the same here but takes seconds per entry."""
    d = a - b
    if d == 0:
        return True
    names = sorted(d.free_symbols, key=str)
    f = sympy.lambdify(names, d, modules=[_MP, "mpmath"])
    with mpmath.workdps(40):
        for _ in range(3):
            point = [mpmath.mpf(int(_RNG.integers(-20, 21))) / 10 for _ in names]
            if abs(f(*point)) > mpmath.mpf("1e-30"):
                return False
    return True


def _check(steps, shapes, loss_of, wrt):
    """Our adjoints (exact backend) against sympy.diff of ``loss_of(symbols)``, entry by entry."""
    vals = {k: _symbols(k, s) for k, s in shapes.items()}
    g = build(steps, shapes)
    v = forward(g, vals, xp=EXACT)
    bp = backward(g, v, wrt, xp=EXACT)
    L = loss_of({k: sympy.Matrix(a) for k, a in vals.items()})
    for name in wrt:
        for idx in np.ndindex(shapes[name]):
            ours, theirs = bp.adjoints[name][idx], sympy.diff(L, vals[name][idx])
            assert _same(ours, theirs), (name, idx, ours, theirs)
    return bp


def _sig(m: sympy.Matrix) -> sympy.Matrix:
    return m.applyfunc(lambda e: sigmoid(e))


def test_two_layer_softmax_cross_entropy_is_sympys_derivative():
    steps = ["z^{(1)} = W^{(1)} x + b^{(1)}", r"a^{(1)} = \sigma(z^{(1)})", "z^{(2)} = W^{(2)} a^{(1)}",
             r"p = \operatorname{softmax}(z^{(2)})", r"L = \operatorname{CE}(p, y)"]
    shapes = {"x": (2, 1), "W^{(1)}": (2, 2), "b^{(1)}": (2, 1), "W^{(2)}": (2, 2), "y": (2, 1)}

    def loss(m):
        z2 = m["W^{(2)}"] * _sig(m["W^{(1)}"] * m["x"] + m["b^{(1)}"])
        s = sum(sympy.exp(e) for e in z2)
        return -sum(m["y"][k] * sympy.log(sympy.exp(z2[k]) / s) for k in range(2))
    # y is one-hot in use; the fused rule p - y holds for any y whose entries sum to 1 (a label distribution)
    vals = {k: _symbols(k, s) for k, s in shapes.items()}
    y1 = 1 - vals["y"][0, 0]
    vals["y"][1, 0] = y1            # the fused rule p - y needs sum(y) = 1, as a label distribution has
    g = build(steps, shapes)
    v = forward(g, vals, xp=EXACT)
    bp = backward(g, v, ["W^{(1)}", "b^{(1)}", "W^{(2)}"], xp=EXACT)
    L = loss({k: sympy.Matrix(a) for k, a in vals.items()})
    for name in ("W^{(1)}", "b^{(1)}", "W^{(2)}"):
        for idx in np.ndindex(shapes[name]):
            assert _same(bp.adjoints[name][idx], sympy.diff(L, vals[name][idx])), (name, idx)
    assert [str(expr_tex(ln.expr)) for ln in bp.lines][:2] == ["p - y", r"\delta^{(2)} (a^{(1)})^{T}"]


def test_batch_mse_with_tanh_and_a_broadcast_bias():
    steps = [r"h = \tanh(W x + b)", r"L = \operatorname{MSE}(V h, y)"]
    shapes = {"W": (2, 2), "x": (2, 2), "b": (2, 1), "V": (1, 2), "y": (1, 2)}

    def loss(m):
        h = (m["W"] * m["x"] + m["b"] * sympy.ones(1, 2)).applyfunc(sympy.tanh)
        d = m["V"] * h - m["y"]
        return sum(e ** 2 for e in d) / 2
    _check(steps, shapes, loss, ["W", "b", "V", "x"])


def test_log_softmax_and_reuse():
    steps = [r"q = \log\operatorname{softmax}(A x)", r"L = -\operatorname{sum}(y \odot q) + \operatorname{mean}(A)"]
    shapes = {"A": (3, 2), "x": (2, 1), "y": (3, 1)}

    def loss(m):
        z = m["A"] * m["x"]
        lse = sympy.log(sum(sympy.exp(e) for e in z))
        return -sum(m["y"][k] * (z[k] - lse) for k in range(3)) + sum(m["A"]) / 6
    _check(steps, shapes, loss, ["A", "x", "y"])


_W, _X, _Y = sympy.MatrixSymbol("W", 2, 3), sympy.MatrixSymbol("x", 3, 1), sympy.MatrixSymbol("y", 2, 1)
_A = sympy.MatrixSymbol("A", 3, 3)


@pytest.mark.parametrize("steps,scalar,wrt,form", [
    # SymPy's matrix calculus of tr(·) (a 1 x 1 product), the form the sheet prints, and the variable
    (["z = W x", r"L = \operatorname{sum}(y \odot z)"], sympy.trace(_Y.T * _W * _X), _W, r"\delta x^{T}"),
    (["z = W x", r"L = \operatorname{sum}(y \odot z)"], sympy.trace(_Y.T * _W * _X), _X, r"W^{T} \delta"),
    (["z = A x", r"L = \operatorname{sum}(x \odot z)"], sympy.trace(_X.T * _A * _X), _A, r"\delta x^{T}"),
    (["z = A x", r"L = \operatorname{sum}(x \odot z)"], sympy.trace(_X.T * _A * _X), _X,
     r"A^{T} \delta + z"),
])
def test_textbook_forms_equal_sympy_matrix_calculus(steps, scalar, wrt, form):
    mats = {"W": _W, "x": _X, "y": _Y, "A": _A}
    used = {k: m for k, m in mats.items() if m in scalar.free_symbols or k in "".join(steps)}
    shapes = {k: m.shape for k, m in used.items()}
    vals = {k: _symbols(k, s) for k, s in shapes.items()}
    g = build(steps, shapes)
    bp = backward(g, forward(g, vals, xp=EXACT), [wrt.name], xp=EXACT)
    explicit = scalar.diff(wrt).as_explicit().subs(
        {m[i, j]: vals[k][i, j] for k, m in used.items() for i in range(m.shape[0]) for j in range(m.shape[1])})
    assert sympy.expand(sympy.Matrix(bp.adjoints[wrt.name]) - explicit) == sympy.zeros(*wrt.shape)
    assert str(expr_tex([ln for ln in bp.lines if ln.name == wrt.name][0].expr)) == form
