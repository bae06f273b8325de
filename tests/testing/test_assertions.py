"""derive.testing's assertions: equivalence of expressions and formulas, failure messages, gradients."""
from __future__ import annotations

import math

import pytest
import sympy

import derive.testing.assertions as assertions
from derive.errors import ParseError
from derive.functions import relu, sigmoid
from derive.testing import assert_equivalent, assert_gradient, assert_latex_equivalent, explain_difference

x, y, c = sympy.symbols("x y c")

EQUIVALENT = [
    (sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1),
    ((x + 1) ** 2, x ** 2 + 2 * x + 1),
    ("x**2/x", "x"),
    (r"\frac{x^2}{x}", "x"),
    (r"\ln(x y)", r"\ln x + \ln y"),             # where both sides are defined (Expr.equals' real symbols deny it)
    (r"\sqrt{x^2}", r"\left|x\right|"),          # a real identity that simplify alone does not show
    (r"\sigma(x)", r"\frac{1}{1 + e^{-x}}"),
    (sympy.Rational(1, 3), "1/3"),
    (0.5, sympy.Rational(1, 2)),
    # switching formulas: equal on both sides of every breakpoint
    (sympy.Abs(x) / x, sympy.sign(x)),
    (relu(x) - relu(-x), x),
    (sympy.Max(x, 2) + sympy.Min(x, 2), x + 2),
    (sympy.Piecewise((-x, x < 0), (x, True)), sympy.Abs(x)),
    (sympy.Heaviside(x - 1) * (x - 1), sympy.Max(x - 1, 0)),
]


@pytest.mark.parametrize("a,b", EQUIVALENT)
def test_equivalent_pairs_pass(a, b):
    assert_equivalent(a, b)


NOT_EQUIVALENT = [
    ("x**2", "2*x"),
    (r"\frac{1}{x}", r"\frac{1}{x \ln 10}"),
    (r"\log x", r"\ln x"),                     # with base 10 below
    ("abs(x)", "x"),                           # equal for x > 0 only: a negative point is the witness
    ("x + 1e-9", "x"),
]


@pytest.mark.parametrize("a,b", NOT_EQUIVALENT)
def test_not_equivalent_pairs_fail_with_a_witness(a, b):
    with pytest.raises(AssertionError) as info:
        assert_equivalent(a, b, log_base="10")
    text = str(info.value)
    for part in ("left, simplified", "right, simplified", "left - right", "they differ at"):
        assert part in text


# Equal at every point of 0.3 ... 2.7 (the usual sample points), different beyond a breakpoint or far out.
SWITCH_ELSEWHERE = [
    (sympy.Max(x, 5), 5, "x", (5, 6)),
    (sympy.Min(x, -4), -4, "x", (-5, -4)),
    (sympy.Piecewise((x, x < 3), (0, True)), x, "x", (3, 4)),
    (sympy.Piecewise((1, x ** 2 < 16), (0, True)), 1, "x", (-5, -4)),  # a quadratic condition: roots -4 and 4
    (sympy.Heaviside(x - 7) * x, 0, "x", (7, 8)),
    (sympy.Abs(x - 10), 10 - x, "x", (10, 11)),
    (relu(x - 20), 0, "x", (20, 21)),
    (sympy.sign(x + 30), 1, "x", (-31, -30)),
    (sympy.Piecewise((1, (x > sympy.Rational(2001, 2)) & (x < sympy.Rational(5003, 5))), (0, True)), 0, "x",
     (sympy.Rational(2001, 2), sympy.Rational(5003, 5))),                # a narrow piece between two breakpoints
    (sympy.Piecewise((0, sympy.exp(x) > 10 ** 6), (x, True)), x, "x", (13, 3000)),   # no root derive solves for:
                                                                                  # the wide draws find it
]


@pytest.mark.parametrize("a,b,name,where", SWITCH_ELSEWHERE)
def test_switch_outside_the_usual_range_is_found(a, b, name, where):
    d = explain_difference(a, b)
    assert not d.equal
    lo, hi = where
    assert lo <= d.point[name] <= hi
    with pytest.raises(AssertionError, match="they differ at"):
        assert_equivalent(a, b)


def test_piecewise_against_x_names_a_point_just_past_the_breakpoint():
    d = explain_difference(sympy.Piecewise((x, x < 3), (0, True)), x)
    assert d.point == {"x": sympy.Rational(3003, 1000)}   # 3 + 3/1000: beside the breakpoint, on its far side
    assert (d.left_value, float(d.right_value)) == (0, 3.003)


def test_witness_point_really_differs():
    d = explain_difference("x**2", "2*x")
    assert not d.equal
    xv = sympy.Rational(d.point["x"])
    assert xv ** 2 != 2 * xv
    assert d.left_value == pytest.approx(float(xv ** 2))
    assert d.right_value == pytest.approx(float(2 * xv))


def test_message_shows_simplified_sides_and_difference():
    with pytest.raises(AssertionError) as info:
        assert_equivalent((x + 1) ** 2, x ** 2 + 1, msg="step 3")
    text = str(info.value)
    assert text.startswith("step 3\n")
    assert "left - right      : 2*x" in text


def test_log_base_is_respected_in_latex():
    assert_latex_equivalent(r"\log 100", "2", log_base="10")
    assert_latex_equivalent(r"\log x", r"\frac{\ln x}{\ln 10}", log_base="10")
    with pytest.raises(AssertionError):
        assert_latex_equivalent(r"\log x", r"\ln x", log_base="10")


def test_bad_latex_is_a_derive_error():
    with pytest.raises(ParseError):
        assert_latex_equivalent(r"\frac{x", "x")
    with pytest.raises(TypeError):
        assert_latex_equivalent(x, "x")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [True, None, [1]])
def test_a_side_that_is_no_expression_is_a_type_error(bad):
    with pytest.raises(TypeError, match="left side"):
        assert_equivalent(bad, x)


SEED = r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)"


def _seed_grad_x() -> float:
    # independent reference: the derivative by hand, d/dx (u^2 - c^2) = 2 u u', u = x^2/log10 x
    xv = 5.0
    L = math.log10(xv)
    u = xv ** 2 / L
    du = 2 * xv / L - xv / (L ** 2 * math.log(10))
    return 2 * u * du


def test_assert_gradient_against_hand_derivative():
    assert_gradient(SEED, "c=3,x=5", {"c": -6, "x": _seed_grad_x()}, log_base="10")
    assert_gradient("x*c", {"x": 2, "c": 3}, [3, 2])
    assert_gradient(lambda x, c: x ** 2 * c, {"x": 2, "c": 3}, {"x": 12})
    assert_gradient(sigmoid(x), {"x": 0}, [sympy.Rational(1, 4)])


def test_assert_gradient_names_the_wrong_entry():
    # 291.3 is the seed sheet's answer: it differentiates log_10 as if it were ln
    with pytest.raises(AssertionError) as info:
        assert_gradient(SEED, "c=3,x=5", {"c": -6, "x": 291.3}, log_base="10")
    text = str(info.value)
    assert "d f/d x: expected 291.3" in text and "705.47" in text
    assert "d f/d c" not in text


@pytest.mark.parametrize("expected,complaint", [({"z": 1}, "not among the inputs"), ([1, 2], "expected 2 gradient")])
def test_assert_gradient_rejects_a_malformed_expectation(expected, complaint):
    with pytest.raises(AssertionError, match=complaint):
        assert_gradient("x**2", {"x": 1}, expected)


def test_assert_gradient_against_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    ct = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    u = xt ** 2 / torch.log10(xt)
    ((u + ct) * (u - ct)).backward()
    assert_gradient(SEED, "c=3,x=5", {"c": ct.grad.item(), "x": xt.grad.item()}, log_base="10")


@pytest.mark.parametrize("name", ["assert_equivalent", "assert_latex_equivalent", "assert_gradient",
                                  "assert_solution_correct", "explain_difference"])
def test_every_helper_hides_its_frame(name):
    assert "__tracebackhide__" in getattr(assertions, name).__code__.co_varnames
