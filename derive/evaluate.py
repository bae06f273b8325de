"""Numeric evaluation of one step: exact while the arithmetic stays rational, else a Float at the set precision.

Every domain problem (division by zero, log of a non-positive number, a root of a negative number, an exponent too
large to evaluate) is caught here with a message naming the step, so no caller gets nan, zoo or a hang.
"""
from __future__ import annotations

import sympy

from typing import Callable

from .errors import DeriveError, DomainError, LimitError
from .settings import LIMITS

_EXACT_HEADS = (sympy.Add, sympy.Mul, sympy.Pow)


def _exact_ok(e: sympy.Basic) -> bool:
    """True when ``e`` is built from rationals by + - × ÷ and small integer powers (so ``doit`` is exact and cheap)."""
    if e.is_Rational:
        return True
    if not isinstance(e, _EXACT_HEADS):
        return False
    if isinstance(e, sympy.Pow):
        base, ex = e.args
        if not ex.is_Integer or abs(int(ex)) > LIMITS.max_exponent:
            return False
        if base.is_Rational and base != 0:
            digits = abs(int(ex)) * (len(str(abs(base.p))) + len(str(base.q)))
            if digits > LIMITS.max_value_digits:
                return False
    return all(_exact_ok(a) for a in e.args)


def check_domain(e: sympy.Basic, where: str) -> None:
    """Look for a division by zero, a log of a non-positive number, an even root of a negative, before evaluating."""
    for sub in sympy.preorder_traversal(e):
        if isinstance(sub, sympy.Pow):
            base, ex = sub.args
            if base.is_number and ex.is_number:
                b = _approx(base, where)
                x = _approx(ex, where)
                if b == 0 and x < 0:
                    raise DomainError("division by zero", where)
                if b < 0 and not (ex.is_integer or (ex.is_Float and ex == int(ex))):
                    raise DomainError(f"a non-integer power of a negative number ({base}^{ex})", where)
                if b != 0 and abs(x) * abs(sympy.log(abs(b), 10).evalf(15)) > 10 ** 6:
                    raise LimitError(f"the value of {base}^{ex} has more than a million digits", where)
        elif isinstance(sub, sympy.log):
            arg = sub.args[0]
            if arg.is_number and _approx(arg, where) <= 0:
                raise DomainError(f"logarithm of a non-positive number ({_short(arg)})", where)
            if len(sub.args) > 1 and sub.args[1].is_number:
                b = _approx(sub.args[1], where)
                if b <= 0 or b == 1:
                    raise DomainError(f"logarithm to base {_short(sub.args[1])}", where)
        elif isinstance(sub, sympy.tan) and sub.args[0].is_number:
            if abs(sympy.cos(_approx(sub.args[0], where)).evalf(30)) < sympy.Float("1e-25"):
                raise DomainError("tan is undefined at an odd multiple of pi/2", where)
        elif isinstance(sub, sympy.exp) and sub.args[0].is_number:
            if _approx(sub.args[0], where) > 10 ** 6:
                raise LimitError(f"exp of {_short(sub.args[0])} is too large", where)


def _approx(e: sympy.Expr, where: str) -> sympy.Float:
    if e.is_Rational:
        return e
    v = sympy.N(e, 30)
    if not v.is_real or v.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan):
        raise DomainError(f"{_short(e)} is not a finite real number", where)
    return v


def _short(e: sympy.Expr) -> str:
    s = str(sympy.N(e, 6)) if not e.is_Rational else str(e)
    return s if len(s) < 40 else s[:37] + "..."


def value_of(e: sympy.Expr, precision: int, where: str | Callable[[], str]) -> sympy.Expr:
    """The value of a small expression of numbers: a Rational if it is rational arithmetic, else a Float.

    ``where`` may be a function, called only when there is an error to report (naming a step costs a print)."""
    try:
        return _value_of(e, precision, "")
    except DeriveError as exc:
        raise type(exc)(exc.message, where() if callable(where) else where) from None


def _value_of(e: sympy.Expr, precision: int, where: str) -> sympy.Expr:
    check_domain(e, where)
    if _exact_ok(e):
        try:
            v = e.doit()
        except ZeroDivisionError:
            raise DomainError("division by zero", where) from None
        if v.has(sympy.zoo, sympy.nan):
            raise DomainError("division by zero", where)
        return v
    v = sympy.N(e.doit(), precision)   # doit: sign/Heaviside stay unevaluated under N otherwise
    if v.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or not v.is_number:
        raise DomainError("the result is not a finite number (division by zero?)", where)
    if not v.is_real:
        v_re, v_im = v.as_real_imag()
        if abs(v_im) > sympy.Float(10) ** (-precision + 5):
            raise DomainError("the result is not a real number", where)
        v = v_re
    if v.is_Float and v._mpf_[2] + v._mpf_[3] > 3_000_000:
        raise LimitError("the value is too large", where)
    return sympy.Float(v, precision) if v.is_Float else v
