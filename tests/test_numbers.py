import sympy
import pytest

from derive.numbers import count_sigfigs, format_number, format_scientific, rounded


@pytest.mark.parametrize("value,sig,text", [
    (sympy.log(5, 10), 3, "0.699"),
    (25 / sympy.log(5, 10), 3, "35.8"),
    (sympy.Rational(127264, 100), 3, "1272.6"),   # the seed's 38.8 x 32.8: integer digits are never dropped
    (sympy.Integer(-6), 3, "-6"),
    (sympy.Rational(1024, 10), 3, "102.4"),
    (sympy.Integer(138357544), 3, "138357544"),     # exact integers in full
    (sympy.Rational(1, 3), 3, "0.333"),
    (sympy.Rational(2, 3), 2, "0.67"),
    (sympy.Float("1e-6"), 3, r"1.00 \times 10^{-6}"),
    (sympy.Float("123456789.5"), 3, r"1.23 \times 10^{8}"),
    (sympy.Integer(0), 3, "0"),
    (sympy.Float("-0.0001234"), 3, "-0.000123"),
    (sympy.Rational(-1, 100000), 3, r"-1.00 \times 10^{-5}"),
    (sympy.Rational(5, 2), 1, "2.5"),
])
def test_format_number(value, sig, text):
    assert format_number(value, sig) == text


def test_rounded_is_the_displayed_value():
    assert rounded(sympy.log(5, 10), 3) == sympy.Rational(699, 1000)
    assert rounded(sympy.Rational(38.8 * 32.8).limit_denominator(1000), 3) == sympy.Rational(12726, 10)
    assert rounded(sympy.Integer(7), 3) == 7


def test_half_up():
    assert format_number(sympy.Rational(2345, 1000), 3) == "2.35"
    assert format_number(sympy.Rational(-2345, 1000), 3) == "-2.35"


@pytest.mark.parametrize("text,n", [("0.699", 3), ("1272.6", 5), ("25", 2), ("-3663.5", 5), ("0.0869", 3),
                                    ("1.38e8", 3), ("100", 1)])
def test_count_sigfigs(text, n):
    assert count_sigfigs(text) == n


def test_scientific():
    assert format_scientific(138357544) == r"1.38 \times 10^{8}"
    assert format_scientific(123642856) == r"1.24 \times 10^{8}"
