"""Trace a Python function into a written-order expression, as autograd and micrograd do.

The function is called on :class:`Var` values; every operation it performs records an unevaluated SymPy node in
execution order, which is the order a person would read the computation. Use derive's own ``ln``, ``exp``,
``sin`` … inside the function (they accept plain numbers too).
"""
from __future__ import annotations

import inspect
import math
import numbers
import operator
from typing import Any, Callable

import numpy as np
import sympy

from derive.errors import DeriveError, InputError, LimitError, UnsupportedError
from derive.functions import default_log
from derive.parse import log_of
from derive.ops import OPS


class Var:
    """A traced value: wraps an unevaluated SymPy expression."""

    __slots__ = ("expr",)
    __array_priority__ = 1000

    def __init__(self, expr: sympy.Expr) -> None:
        self.expr = expr

    def __add__(self, o: Any) -> "Var":
        return Var(sympy.Add(self.expr, _e(o), evaluate=False))

    def __radd__(self, o: Any) -> "Var":
        return Var(sympy.Add(_e(o), self.expr, evaluate=False))

    def __sub__(self, o: Any) -> "Var":
        return Var(sympy.Add(self.expr, sympy.Mul(-1, _e(o), evaluate=False), evaluate=False))

    def __rsub__(self, o: Any) -> "Var":
        return Var(sympy.Add(_e(o), sympy.Mul(-1, self.expr, evaluate=False), evaluate=False))

    def __mul__(self, o: Any) -> "Var":
        return Var(sympy.Mul(self.expr, _e(o), evaluate=False))

    def __rmul__(self, o: Any) -> "Var":
        return Var(sympy.Mul(_e(o), self.expr, evaluate=False))

    def __truediv__(self, o: Any) -> "Var":
        return Var(sympy.Mul(self.expr, sympy.Pow(_e(o), -1, evaluate=False), evaluate=False))

    def __rtruediv__(self, o: Any) -> "Var":
        return Var(sympy.Mul(_e(o), sympy.Pow(self.expr, -1, evaluate=False), evaluate=False))

    def __pow__(self, o: Any) -> "Var":
        return Var(sympy.Pow(self.expr, _e(o), evaluate=False))

    def __rpow__(self, o: Any) -> "Var":
        return Var(sympy.Pow(_e(o), self.expr, evaluate=False))

    def __neg__(self) -> "Var":
        return Var(sympy.Mul(-1, self.expr, evaluate=False))

    def __pos__(self) -> "Var":
        return self

    def __abs__(self) -> "Var":
        return Var(sympy.Abs(self.expr, evaluate=False))

    def __bool__(self) -> bool:
        raise UnsupportedError("a traced function cannot branch on a traced value (if/while on a Var); "
                               "use relu/abs for piecewise functions")

    # A comparison has no value while tracing: == would silently be identity and < a raw TypeError.
    def __eq__(self, o: Any) -> bool:  # type: ignore[override]
        raise _no_comparison("==")

    def __ne__(self, o: Any) -> bool:  # type: ignore[override]
        raise _no_comparison("!=")

    def __lt__(self, o: Any) -> bool:
        raise _no_comparison("<")

    def __le__(self, o: Any) -> bool:
        raise _no_comparison("<=")

    def __gt__(self, o: Any) -> bool:
        raise _no_comparison(">")

    def __ge__(self, o: Any) -> bool:
        raise _no_comparison(">=")

    # A dict key or set member: two traced inputs are distinct objects but may be equal numbers, so a lookup would
    # silently take another branch than the function takes at the point ({x: 1, y: 2}[x] at x = y).
    def __hash__(self) -> int:
        raise UnsupportedError("a traced value cannot be a dict key or a set member: its number is not known while "
                               "tracing")

    # math.sin(x), float(x), int(x), round(x), range(x): a traced value has no number until derive evaluates it
    def __float__(self) -> float:
        raise _no_number("float() or a math.* function")

    def __int__(self) -> int:
        raise _no_number("int()")

    def __index__(self) -> int:
        raise _no_number("an index or range()")

    def __complex__(self) -> complex:
        raise _no_number("complex() or a cmath.* function")

    def __round__(self, ndigits: Any = None) -> Any:
        raise _no_number("round()")

    def __trunc__(self) -> Any:
        raise _no_number("math.trunc()")

    def __floor__(self) -> Any:
        raise _no_number("math.floor()")

    def __ceil__(self) -> Any:
        raise _no_number("math.ceil()")

    def __floordiv__(self, o: Any) -> Any:
        raise UnsupportedError("unsupported operation on a traced value: // (floor division)")

    __rfloordiv__ = __floordiv__

    def __mod__(self, o: Any) -> Any:
        raise UnsupportedError("unsupported operation on a traced value: % (modulo)")

    __rmod__ = __mod__

    def __matmul__(self, o: Any) -> Any:
        raise UnsupportedError("unsupported operation on a traced value: @ (matrix product)")

    __rmatmul__ = __matmul__

    def __iter__(self) -> Any:
        raise UnsupportedError("a traced value is one number: it cannot be iterated or unpacked")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """numpy: 2.0 * x with a numpy scalar is ordinary arithmetic; np.sin(x) and the like are not traced."""
        op = _UFUNC_OPS.get(ufunc.__name__) if method == "__call__" and not kwargs else None
        if op is None:
            raise UnsupportedError(f"numpy's {ufunc.__name__} cannot trace a value: use derive's own functions "
                                   "(derive.sin, derive.exp, derive.ln, ...)")
        return op(*(x.item() if hasattr(x, "item") and not isinstance(x, Var) else x for x in inputs))

    def __repr__(self) -> str:
        return f"Var({self.expr})"


def _no_comparison(op: str) -> UnsupportedError:
    return UnsupportedError(f"a traced value cannot be compared ({op}): its number is not known while tracing; "
                            "use relu/abs/max(0, .) for piecewise functions")


def _no_number(what: str) -> UnsupportedError:
    return UnsupportedError(f"a traced value has no number while tracing, so {what} cannot take it: use derive's "
                            "own functions (derive.sin, derive.exp, derive.ln, derive.sqrt, ...) inside the function")


_UFUNC_OPS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul, "true_divide": operator.truediv,
    "divide": operator.truediv, "power": operator.pow, "negative": operator.neg, "positive": operator.pos,
    "absolute": operator.abs}


def _e(o: Any) -> sympy.Expr:
    if isinstance(o, Var):
        return o.expr
    if isinstance(o, (bool, np.bool_)):
        raise UnsupportedError("booleans are not numbers here")
    if isinstance(o, numbers.Integral):   # int, numpy integers
        return sympy.Integer(int(o))
    if isinstance(o, numbers.Real) and not isinstance(o, sympy.Basic):   # float, numpy floats, Fraction
        f = float(o)
        if not math.isfinite(f):
            raise InputError(f"a constant in the traced function is not finite: {f!r}")
        if isinstance(o, numbers.Rational):   # Fraction: exact
            return sympy.Rational(int(o.numerator), int(o.denominator))
        return sympy.Rational(repr(f))   # the shortest decimal of the float, as typed
    if isinstance(o, sympy.Basic) and o.is_number and o.is_finite and o.is_real:
        return o
    raise UnsupportedError(f"unsupported value in a traced function: {type(o).__name__}")


def _unary(op: str, name: str = "") -> Callable[[Any], Any]:
    """The traced function of a one-operand operation of the table (``name``: its Python name, if not the op's)."""
    build = OPS[op].build
    name = name or op

    def f(x: Any) -> Any:
        return Var(build(_e(x)))
    f.__name__ = name
    f.__doc__ = f"{name}(x) for traced functions (also takes plain numbers)."
    return f


# One traced function per one-operand operation of derive.ops (tests/test_ops.py checks that none is missing).
ln = _unary("log", "ln")
exp = _unary("exp")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
tanh = _unary("tanh")
sqrt = _unary("sqrt")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
absolute = _unary("abs", "absolute")


def log(x: Any, base: Any = None) -> Var:
    """log(x) in derive's log base (a setting of autodiff); log(x, b) with an explicit base."""
    if base is None:
        return Var(default_log(_e(x), evaluate=False))
    return Var(log_of(_e(x), _e(base)))


def trace(f: Callable[..., Any]) -> tuple[sympy.Expr, list[str]]:
    """Call ``f`` on traced inputs named after its parameters; return the expression and the parameter names."""
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        raise InputError("cannot read the function's parameters") from None
    if not params:
        raise InputError("the function takes no inputs")
    try:
        out = f(*(Var(sympy.Symbol(n)) for n in params))
    except DeriveError:
        raise
    except RecursionError:
        raise LimitError("the traced function nests too deeply") from None
    except Exception as exc:   # the user's own code failed: say so in derive's terms, keep the cause chained
        raise InputError(f"the traced function raised {type(exc).__name__}: {str(exc)[:200]}") from exc
    if not isinstance(out, Var):
        raise InputError("the function did not return a value computed from its inputs")
    return out.expr, params
