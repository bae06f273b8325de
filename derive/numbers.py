"""Exact values, significant figures and handwritten (propagated) rounding.

Values are SymPy numbers: Integer/Rational while the arithmetic stays rational, otherwise a Float carried at
``Settings.precision`` digits. They are rounded only for display -- except in *handwritten* mode, where each
intermediate is rounded to the figures shown and the rounded value is carried on, as a person with a calculator does.

Display rule (the seed's): N significant figures, but digits left of the point are never rounded away and a
non-integer keeps at least one decimal (38.8 x 32.8 = 1272.6, not 1270). Very large or small magnitudes are shown in
scientific form, 1.38 \\times 10^{8}.
"""
from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

import math
import sys

import mpmath
import sympy

from derive.errors import DomainError, LimitError
from derive.settings import LIMITS

SCI_HIGH = 10 ** 7     # at or above: scientific form
SCI_LOW = sympy.Rational(1, 10 ** 4)  # below (and non-zero): scientific form


def as_number(value: object) -> sympy.Expr:
    """A SymPy number from a SymPy number, int or float (never from text: nothing here parses strings)."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DomainError(f"not a number: {value!r}")
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


_LOG10_2 = math.log10(2)
# Decimal's default context stops at exponent 999999; keep well inside it (a Float's exponent is checked in bits)
_MAX_MAGNITUDE_DIGITS = 900_000


def digits_of(value: sympy.Expr) -> int:
    """Decimal digits of a Rational's numerator plus denominator, counted from bits (``str`` of an int over
    4,300 digits raises ValueError, and would be slow anyway)."""
    if not value.is_Rational:
        return 0
    return int((abs(int(value.p)).bit_length() + int(value.q).bit_length()) * _LOG10_2) + 1


def check_magnitude(value: sympy.Expr, where: str | None = None) -> None:
    """A value too long to compute with or show reliably is a LimitError, never a raw ValueError, inf or a
    decimal trap: an exact value over ``max_value_digits`` digits, a Float beyond 10^900000."""
    if value.is_Rational and digits_of(value) > LIMITS.max_value_digits:
        raise LimitError(f"an exact value with about {digits_of(value)} digits (the limit is "
                         f"{LIMITS.max_value_digits})", where)
    if value.is_Float and value != 0 and abs(value._mpf_[2] + value._mpf_[3]) * _LOG10_2 > _MAX_MAGNITUDE_DIGITS:
        raise LimitError(f"a value of magnitude beyond 10^(+-{_MAX_MAGNITUDE_DIGITS})", where)


def to_decimal(value: sympy.Expr, digits: int = 60) -> Decimal:
    """A Decimal with ``digits`` significant digits (exact for integers)."""
    value = as_number(value)
    check_magnitude(value)
    if value.is_Integer:
        return Decimal(int(value))
    if not value.is_number:
        raise DomainError(f"not a number: {value}")
    f = sympy.N(value, digits)
    if f.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or not f.is_real:
        raise DomainError(f"not a finite real number: {value}")
    if f.is_Rational:
        with localcontext() as ctx:
            ctx.prec = digits
            return Decimal(int(f.p)) / Decimal(int(f.q))
    return Decimal(mpmath.libmp.to_str(sympy.Float(f, digits)._mpf_, digits))


def _decimals_for(d: Decimal, sigfigs: int) -> int:
    if d == 0:
        return sigfigs - 1
    intdigits = d.adjusted() + 1  # digits before the point (<= 0 for |d| < 1)
    if intdigits >= sigfigs:
        return 1
    return sigfigs - intdigits


def round_display(value: sympy.Expr, sigfigs: int) -> Decimal:
    """The value as displayed: rounded half-up to the display rule above (integers stay exact)."""
    d = to_decimal(value)
    if value.is_Integer if isinstance(value, sympy.Basic) else False:
        return d
    if abs(d) >= SCI_HIGH or (d != 0 and abs(d) < SCI_LOW):
        return _sci_round(d, sigfigs)
    q = Decimal(1).scaleb(-_decimals_for(d, sigfigs))
    with localcontext() as ctx:
        ctx.prec = 200
        return d.quantize(q, rounding=ROUND_HALF_UP)


def _sci_round(d: Decimal, sigfigs: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = sigfigs
        ctx.rounding = ROUND_HALF_UP
        return +d


def rounded(value: sympy.Expr, sigfigs: int) -> sympy.Expr:
    """The displayed value as an exact Rational (a Float when that would be too long), carried on in handwritten
    mode."""
    if isinstance(value, sympy.Basic) and value.is_Integer:
        return value
    d = round_display(value, sigfigs)
    if abs(d.adjusted()) + sigfigs > LIMITS.max_value_digits:
        # 1.00e-400000 as a Rational has 400,000 digits: carry the displayed digits in a Float instead
        return sympy.Float(str(d), max(sigfigs + 10, 30))
    return sympy.Rational(str(d))


def format_number(value: sympy.Expr, sigfigs: int = 3) -> str:
    """LaTeX for a value under the display rule: ``0.699``, ``1272.6``, ``-6``, ``1.38 \\times 10^{8}``."""
    value = as_number(value)
    d = to_decimal(value)
    if value.is_Integer:  # exact integers are written out in full (parameter counts) -- unless very long
        text = format(d, "f")   # Decimal, not str(int): no int-to-str digit limit
        return format_scientific(value, sigfigs) if len(text.lstrip("-")) > LIMITS.max_shown_digits else text
    if value.is_Float and abs(d) < SCI_HIGH and d.to_integral_value() != 0 \
            and abs(d - d.to_integral_value()) < Decimal("1e-30"):   # (not 1e-35: that is no integer, nor 0)
        return str(int(d.to_integral_value()))  # an integral value carried at high precision (the seed's -6), not "-6.00"
    if d == 0:
        return "0"
    if value.is_Rational and _terminates(value) and abs(d) < SCI_HIGH and abs(d) >= SCI_LOW:
        exact = d.normalize()
        if len(exact.as_tuple().digits) <= max(sigfigs, exact.adjusted() + 2):
            return format(exact, "f")  # an exact short decimal is written as given: 0.5, not 0.500
    if abs(d) >= SCI_HIGH or (d != 0 and abs(d) < SCI_LOW):
        return format_scientific(value, sigfigs)
    r = round_display(value, sigfigs)
    text = format(r, "f")
    if text in ("-0", "-0.0") or set(text.lstrip("-")) <= {"0", "."}:
        text = text.lstrip("-")
    return text


def _terminates(q: sympy.Rational) -> bool:
    den = int(q.q)
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def format_scientific(value: sympy.Expr, sigfigs: int = 3) -> str:
    """``1.38 \\times 10^{8}`` (mantissa to ``sigfigs`` significant figures)."""
    d = to_decimal(value)
    if d == 0:
        return "0"
    r = _sci_round(d, sigfigs)
    exp = r.adjusted()
    mant = r.scaleb(-exp)
    with localcontext() as ctx:
        ctx.prec = sigfigs
        mant = mant.quantize(Decimal(1).scaleb(-(sigfigs - 1)), rounding=ROUND_HALF_EVEN)
    if exp == 0:
        return format(mant, "f")
    return f"{format(mant, 'f')} \\times 10^{{{exp}}}"


def to_float(value: sympy.Expr) -> float | str:
    """Full-precision float for JSON output; a value beyond double range -- too large, or so small that it would
    underflow to 0 or lose digits as a subnormal -- as a decimal string (30 digits), never Infinity or 0.0."""
    d = to_decimal(value, 30)
    f = float(d)
    if math.isfinite(f) and (d == 0 or abs(f) >= sys.float_info.min):
        return f
    with localcontext() as ctx:
        ctx.prec = 30
        return format((+d).normalize(), "e")


def count_sigfigs(text: str) -> int:
    """Significant figures a writer used in a decimal literal (``0.699`` -> 3, ``1272.6`` -> 5, ``25`` -> 2)."""
    t = text.strip().lstrip("+-")
    if "e" in t.lower():
        t = t.lower().split("e")[0]
    digits = t.replace(".", "").lstrip("0")
    if "." not in t:
        digits = digits.rstrip("0") or digits
    return max(len(digits), 1)
