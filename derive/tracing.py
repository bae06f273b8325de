"""Trace a Python function into a written-order expression, as autograd and micrograd do.

The function is called on :class:`Var` values; every operation it performs records an unevaluated SymPy node in
execution order, which is the order a person would read the computation. Use derive's own ``ln``, ``exp``,
``sin`` … inside the function (they accept plain numbers too).
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

import sympy

from .errors import InputError, UnsupportedError
from .functions import default_log
from .functions import relu as _relu
from .functions import sigmoid as _sigmoid
from .parse import log_of


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

    def __bool__(self) -> bool:
        raise UnsupportedError("a traced function cannot branch on a traced value (if/while on a Var); "
                               "use relu/abs for piecewise functions")

    def __repr__(self) -> str:
        return f"Var({self.expr})"


def _e(o: Any) -> sympy.Expr:
    if isinstance(o, Var):
        return o.expr
    if isinstance(o, bool):
        raise UnsupportedError("booleans are not numbers here")
    if isinstance(o, int):
        return sympy.Integer(o)
    if isinstance(o, float):
        return sympy.Rational(repr(o))
    if isinstance(o, sympy.Basic) and o.is_number:
        return o
    raise UnsupportedError(f"unsupported value in a traced function: {type(o).__name__}")


def _unary(build: Callable[[sympy.Expr], sympy.Expr], name: str) -> Callable[[Any], Any]:
    def f(x: Any) -> Any:
        return Var(build(_e(x)))
    f.__name__ = name
    f.__doc__ = f"{name}(x) for traced functions (also takes plain numbers)."
    return f


ln = _unary(lambda a: log_of(a, "e"), "ln")
exp = _unary(lambda a: sympy.exp(a, evaluate=False), "exp")
sin = _unary(lambda a: sympy.sin(a, evaluate=False), "sin")
cos = _unary(lambda a: sympy.cos(a, evaluate=False), "cos")
tan = _unary(lambda a: sympy.tan(a, evaluate=False), "tan")
tanh = _unary(lambda a: sympy.tanh(a, evaluate=False), "tanh")
sqrt = _unary(lambda a: sympy.Pow(a, sympy.Rational(1, 2), evaluate=False), "sqrt")
sigmoid = _unary(lambda a: _sigmoid(a, evaluate=False), "sigmoid")
relu = _unary(lambda a: _relu(a, evaluate=False), "relu")
absolute = _unary(lambda a: sympy.Abs(a, evaluate=False), "abs")


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
    out = f(*(Var(sympy.Symbol(n)) for n in params))
    if not isinstance(out, Var):
        raise InputError("the function did not return a value computed from its inputs")
    return out.expr, params
