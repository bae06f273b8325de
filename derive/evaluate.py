"""Numeric evaluation of one step: exact while the arithmetic stays rational, else a Float at the set precision.

Every domain problem (division by zero, log of a non-positive number, a root of a negative number, an exponent too
large to evaluate) is caught here with a message naming the step, so no caller gets nan, zoo or a hang.
"""
from __future__ import annotations

import math
import numbers
import re
from typing import Any, Callable, Iterable, Mapping

import mpmath
import numpy as np
import sympy

from derive.errors import DeriveError, DomainError, InputError, LimitError
from derive.numbers import check_magnitude, digits_of
from derive.settings import LIMITS
from derive.parse import parse_number, parse_values

_LOG10_2 = math.log10(2)

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
            digits = abs(int(ex)) * digits_of(base)   # counted from bits: str() of a long int raises
            if digits > LIMITS.max_value_digits:
                return False
    return all(_exact_ok(a) for a in e.args)


def check_domain(e: sympy.Basic, where: str) -> None:
    """Look for a division by zero, a log of a non-positive number, an even root of a negative, before evaluating.

    Inner parts first: in ``9**9**9**9`` the exponent ``9**9**9`` is refused before anything approximates it."""
    for sub in sympy.postorder_traversal(e):
        if isinstance(sub, sympy.Pow):
            base, ex = sub.args
            if base.is_number and ex.is_number:
                b = _approx(base, where)
                x = _approx(ex, where)
                if b == 0 and x < 0:
                    raise DomainError("division by zero", where)
                if b < 0 and not (ex.is_integer or (ex.is_Float and ex == int(ex))):
                    raise DomainError(f"a non-integer power of a negative number (({_short(base)})^({_short(ex)}))", where)
                if b != 0 and abs(x) * abs(sympy.log(abs(b), 10).evalf(15)) > 10 ** 6:
                    raise LimitError(f"the value of {_short(base)}^{_short(ex)} has more than a million digits", where)
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
    s = str(sympy.N(e, 6)) if not e.is_Rational or digits_of(e) > 40 else str(e)
    return s if len(s) < 40 else s[:37] + "..."


def value_of(e: sympy.Expr, precision: int, where: str | Callable[[], str]) -> sympy.Expr:
    """The value of a small expression of numbers: a Rational if it is rational arithmetic, else a Float.

    ``where`` may be a function, called only when there is an error to report (naming a step costs a print)."""
    try:
        return _value_of(e, precision, "")
    except DeriveError as exc:
        raise type(exc)(exc.message, where() if callable(where) else where) from None
    except ArithmeticError as exc:   # mpmath/decimal overflow or division the checks above did not foresee
        raise DomainError(f"the value cannot be computed ({type(exc).__name__})",
                          where() if callable(where) else where) from None


def _value_of(e: sympy.Expr, precision: int, where: str) -> sympy.Expr:
    check_domain(e, where)
    if _exact_ok(e):
        try:
            v = e.doit()
        except ZeroDivisionError:
            raise DomainError("division by zero", where) from None
        if v.has(sympy.zoo, sympy.nan):
            raise DomainError("division by zero", where)
        check_magnitude(v, where)   # a product of long exact values grows without a Pow to bound it
        return v
    v = sympy.N(e.doit(), precision)   # doit: sign/Heaviside stay unevaluated under N otherwise
    if v.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or not v.is_number:
        raise DomainError("the result is not a finite number (division by zero?)", where)
    if not v.is_real:
        v_re, v_im = v.as_real_imag()
        if abs(v_im) > sympy.Float(10) ** (-precision + 5):
            raise DomainError("the result is not a real number", where)
        v = v_re
    check_magnitude(v, where)
    _check_cancellation(e, precision, where)
    return sympy.Float(v, precision) if v.is_Float else v


# A sum of carried Floats (each right to ``precision`` digits) that cancels loses the leading digits; once fewer
# than this many are left the result is noise (sin(x)/x's slope at x = 1e-400 came out as 1.6e349, not -3e-401).
KEEP_DIGITS = 15


def _mpf(t: sympy.Expr, precision: int) -> tuple:
    """The binary value a term is added with: a Float's own bits; a Rational to far more bits than any Float
    carries (so 1e-400 - sin(1e-400) does not come out as an exact 0)."""
    if t.is_Rational:
        return mpmath.libmp.from_rational(int(t.p), int(t.q), 4 * precision + 64, "n")
    f = t if t.is_Float else sympy.N(t, precision)
    return (f if f.is_Float else sympy.Float(f, precision))._mpf_


def _bits(m: tuple) -> int | None:
    """log2 |m| to a bit (None for zero), read off the binary exponent."""
    return None if m[1] == 0 else m[2] + m[3]


def _lost_digits(terms: list[sympy.Expr], precision: int) -> float:
    """log10(largest |term| / |sum|) for the exact sum of the terms' values: how many leading digits the sum
    cancelled (0 when it is exactly 0: x - x of one carried value is right)."""
    ms = [_mpf(t, precision) for t in terms]
    total = mpmath.libmp.fzero
    for m in ms:
        total = mpmath.libmp.mpf_add(total, m, 0)   # prec 0: exact
    mags = [b for b in map(_bits, ms) if b is not None]
    tot = _bits(total)
    if not mags:
        return 0.0
    if tot is None:
        return 0.0 if _cancels_exactly(terms) else math.inf
    return max(0.0, (max(mags) - tot) * _LOG10_2)


def _cancels_exactly(terms: list[sympy.Expr]) -> bool:
    """An exact 0 is right when the same carried values cancel (-v_1 + v_1), not when a carried value happens
    to round onto another number (exp(1e-400) = 1.0 to 50 digits, minus 1): tell them apart with each distinct
    Float replaced by a symbol."""
    floats = {f: sympy.Dummy() for t in terms for f in t.atoms(sympy.Float)}
    return sympy.Add(*(t.xreplace(floats) for t in terms)) == 0


def _carried(terms: Iterable[sympy.Expr]) -> bool:
    return any(t.has(sympy.Float) for t in terms)


def _cancel_error(lost: float, precision: int, where: str | None) -> LimitError:
    how = f"in all {precision} digits carried" if math.isinf(lost) else \
        f"in their first {lost:.0f} digits, but only {precision} are carried"
    return LimitError(f"the terms of a sum cancel {how}: the result would be noise", where)


def _check_cancellation(e: sympy.Expr, precision: int, where: str) -> None:
    for sub in sympy.preorder_traversal(e):
        if isinstance(sub, sympy.Add) and _carried(sub.args):
            lost = _lost_digits(list(sub.args), precision)
            if lost > precision - KEEP_DIGITS:
                raise _cancel_error(lost, precision, where)


def checked_sum(terms: Iterable[sympy.Expr], precision: int, where: str | Callable[[], str]) -> sympy.Expr:
    """Σ terms, refusing a sum of carried Floats that cancels beyond what the precision can show
    (for the adjoint and tangent sums, which are added outside :func:`value_of`)."""
    terms = list(terms)
    total = sympy.Add(*terms) if terms else sympy.S.Zero
    lost = _lost_digits(terms, precision) if _carried(terms) else 0.0
    if lost > precision - KEEP_DIGITS:
        raise _cancel_error(lost, precision, where() if callable(where) else where)
    return total


# ----------------------------------------------------------------------------------------------- the point

def point_of(at: Any, where: str = "at") -> list[tuple[str, sympy.Expr]]:
    """The input values of an autodiff point, checked: ``"c=3,x=5"``, ``{"c": 3, "x": 5}`` or ``[("c", 3), ...]``
    -> ``[("c", 3), ("x", 5)]`` in the order given, every value an exact finite real number.

    Anything else (``at=5``, ``[("x",)]``, a value that is not a number) is an InputError naming the item, so no
    raw TypeError/ValueError reaches a library caller."""

    if at is None:
        raise InputError("no point given: pass the input values, e.g. at={'x': 5} or at='x=5'", where)
    if isinstance(at, str):
        _short_exponents(at, where)
        return parse_values(at, where)
    if isinstance(at, Mapping):
        items = list(at.items())
    elif isinstance(at, (list, tuple)):
        items = [_pair(item, k, where) for k, item in enumerate(at, 1)]
    else:
        raise InputError(f"at must be text like 'x=5,c=3', a dict {{'x': 5}} or pairs [('x', 5)], not "
                         f"{type(at).__name__}", where)
    out: list[tuple[str, sympy.Expr]] = []
    for name, value in items:
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"an input name must be non-empty text, not {type(name).__name__} "
                             f"{_brief(name)}", where)
        if any(n == name for n, _ in out):
            raise InputError(f"{name} is given twice", where)
        out.append((name, _input_value(value, f"{where} {name}")))
    return out


def _short_exponents(text: str, where: str) -> None:
    """parse_number turns the exponent of 1e999... into an int before bounding it: over 4,300 digits that is a
    raw ValueError, so refuse an exponent longer than any allowed one first."""
    m = re.search(r"[eE][+-]?0*([1-9]\d{5,})", text)
    if m:
        raise LimitError(f"exponent too large in a value: {m.group(0)[:12]}...", where)


def _pair(item: Any, k: int, where: str) -> tuple[Any, Any]:
    if not isinstance(item, (list, tuple)) or len(item) != 2:
        raise InputError(f"item {k} of at must be a pair (name, value), not {_brief(item)}", where)
    return item[0], item[1]


def _input_value(v: Any, where: str) -> sympy.Expr:
    """One input value as an exact SymPy number (a float is taken as its shortest decimal, 0.1 -> 1/10)."""

    if isinstance(v, str):
        return parse_number(v, where)
    if isinstance(v, (bool, np.bool_)):
        raise InputError(f"the value must be a number, not {v!r}", where)
    if isinstance(v, numbers.Integral):
        value: sympy.Expr = sympy.Integer(int(v))
    elif isinstance(v, numbers.Rational):      # Fraction: exact
        value = sympy.Rational(int(v.numerator), int(v.denominator))
    elif isinstance(v, numbers.Real) and not isinstance(v, sympy.Basic):
        f = float(v)
        if not math.isfinite(f):
            raise InputError(f"the value must be finite, not {f!r}", where)
        value = sympy.Rational(repr(f))
    elif isinstance(v, sympy.Basic) and v.is_number and v.is_real is True and v.is_finite is True:
        value = v
    else:
        raise InputError(f"the value must be a finite real number, not {type(v).__name__} {_brief(v)}", where)
    check_magnitude(value, where)
    return value


def _brief(v: Any) -> str:
    """A short repr for a message (a huge int cannot even be printed: ValueError over 4,300 digits)."""
    if isinstance(v, int) and v.bit_length() > 200:
        return f"(an integer of about {digits_of(sympy.Integer(v))} digits)"
    text = repr(v)
    return text if len(text) <= 40 else text[:37] + "..."
