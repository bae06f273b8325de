"""Evaluating a matrix expression: with floats (NumPy, float64: fast at any size) or with SymPy entries (NumPy
object arrays: the exact symbolic derivative of a small case, for the tests and for exact answers).

One evaluator serves both, so the numbers printed under a backward line are the value of that very line.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping
import numbers

import numpy as np
import sympy

from derive.errors import DomainError
from derive.ops import OPS as SCALAR_OPS
from derive.matrix.graph import Adj, Expr, Node, Num, Var
from derive.matrix.ops import OPS


def _np_sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))   # never overflows, unlike 1/(1+e^{-x}) at x = -800


_NUMPY_NAMES = {"sigmoid": _np_sigmoid, "relu": lambda x: np.maximum(x, 0.0)}


@lru_cache(maxsize=None)
def _scalar(name: str, derivative: bool) -> tuple[Callable[[Any], Any], Callable[[np.ndarray], np.ndarray]]:
    """The function (or its derivative) from derive's scalar table: as SymPy (for entries) and as NumPy."""
    u = sympy.Symbol("u")
    op = SCALAR_OPS[name]
    e = op.partials(u)[0] if derivative else op.build(u)
    sym = sympy.Lambda(u, e)
    num = sympy.lambdify(u, e, modules=[_NUMPY_NAMES, "numpy"])
    return (lambda a: sym(a).doit() if derivative else sym(a)), num


class FloatBackend:
    """float64 arrays."""

    exact = False

    def num(self, c: Any) -> Any:
        return float(c) if isinstance(c, sympy.Basic) else c

    def fn(self, name: str, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):   # a log of 0 is reported by the step's finiteness check, with its name
            return np.asarray(_scalar(name, False)[1](x), dtype=np.float64) * np.ones_like(x)

    def fprime(self, name: str, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(_scalar(name, True)[1](x), dtype=np.float64) * np.ones_like(x)

    def softmax(self, x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(axis=0, keepdims=True))   # shifted by the column maximum: no overflow
        return e / e.sum(axis=0, keepdims=True)

    def log_softmax(self, x: np.ndarray) -> np.ndarray:
        s = x - x.max(axis=0, keepdims=True)
        return s - np.log(np.exp(s).sum(axis=0, keepdims=True))

    def total(self, x: np.ndarray) -> np.ndarray:
        return np.array([[x.sum()]])

    def column_sums(self, x: np.ndarray) -> np.ndarray:
        return x.sum(axis=0, keepdims=True)

    def reduce_to(self, x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
        for axis in (0, 1):
            if shape[axis] == 1 and x.shape[axis] != 1:
                x = x.sum(axis=axis, keepdims=True)
        return x

    def ones(self, shape: tuple[int, int]) -> np.ndarray:
        return np.ones(shape)


class ExactBackend(FloatBackend):
    """Object arrays of SymPy expressions (symbols or exact numbers)."""

    exact = True

    def num(self, c: Any) -> Any:
        if isinstance(c, sympy.Basic):
            return c
        if isinstance(c, bool) or not isinstance(c, numbers.Real):   # values are numbers, never text to parse
            raise TypeError(f"a matrix entry must be a number, not {type(c).__name__}")
        return sympy.Integer(int(c)) if isinstance(c, numbers.Integral) else sympy.Rational(repr(float(c)))

    def _map(self, f: Callable[[Any], Any], x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape, dtype=object)
        for idx in np.ndindex(x.shape):
            out[idx] = f(x[idx])
        return out

    def fn(self, name: str, x: np.ndarray) -> np.ndarray:
        return self._map(_scalar(name, False)[0], x)

    def fprime(self, name: str, x: np.ndarray) -> np.ndarray:
        return self._map(_scalar(name, True)[0], x)

    def softmax(self, x: np.ndarray) -> np.ndarray:
        e = self._map(sympy.exp, x)
        return e / e.sum(axis=0, keepdims=True)

    def log_softmax(self, x: np.ndarray) -> np.ndarray:
        return x - self._map(sympy.log, self._map(sympy.exp, x).sum(axis=0, keepdims=True))

    def total(self, x: np.ndarray) -> np.ndarray:
        out = np.empty((1, 1), dtype=object)
        out[0, 0] = sympy.Add(*x.ravel())
        return out

    def ones(self, shape: tuple[int, int]) -> np.ndarray:
        out = np.empty(shape, dtype=object)
        out[...] = sympy.Integer(1)
        return out


FLOAT = FloatBackend()
EXACT = ExactBackend()


def evaluate(e: Expr, env: Mapping[str, np.ndarray], adjoints: Mapping[str, np.ndarray] | None = None,
             xp: FloatBackend = FLOAT, where: str = "") -> np.ndarray:
    """The value of ``e``: a variable from ``env``, an adjoint from ``adjoints``, a node from its operands.

    A float result that is not finite (a log of 0, an overflow) is a DomainError naming ``where``."""
    memo: dict[int, np.ndarray] = {}

    def go(x: Expr) -> Any:
        key = id(x)
        if key in memo:
            return memo[key]
        if isinstance(x, Var):
            v = env[x.name]
        elif isinstance(x, Adj):
            v = (adjoints or {})[x.name]
        elif isinstance(x, Num):
            v = xp.ones((1, 1)) * xp.num(x.value)   # a 1 x 1 matrix, as every value here
        else:
            assert isinstance(x, Node)
            v = OPS[x.op].forward(xp, [go(a) for a in x.args], x.param)
            if not xp.exact and not np.all(np.isfinite(v)):
                raise DomainError(f"{x.op} gives a value that is not finite (a log of 0, or an overflow)", where)
        memo[key] = v
        return v

    return go(e)
