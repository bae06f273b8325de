"""derive.testing: equivalence assertions, their failure messages, gradients, and the pytest plugin hook."""
from __future__ import annotations

import math

import pytest
import sympy

from derive.errors import ParseError
from derive.testing import (assert_equivalent, assert_gradient, assert_latex_equivalent, explain_difference,
                            pytest_assertrepr_compare)

pytest_plugins = ["pytester"]   # the plugin test runs a small pytest session

x, y, c = sympy.symbols("x y c")

EQUIVALENT = [
    (sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1),
    ((x + 1) ** 2, x ** 2 + 2 * x + 1),
    ("x**2/x", "x"),
    (r"\frac{x^2}{x}", "x"),
    (r"\ln(x y)", r"\ln x + \ln y"),
    (r"\sqrt{x^2}", r"\left|x\right|"),          # a real identity that simplify alone does not show
    (r"\sigma(x)", r"\frac{1}{1 + e^{-x}}"),
    (sympy.Rational(1, 3), "1/3"),
    (0.5, sympy.Rational(1, 2)),
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


def test_assert_gradient_names_the_wrong_entry():
    # 291.3 is the seed sheet's answer: it differentiates log_10 as if it were ln
    with pytest.raises(AssertionError) as info:
        assert_gradient(SEED, "c=3,x=5", {"c": -6, "x": 291.3}, log_base="10")
    text = str(info.value)
    assert "d f/d x: expected 291.3" in text and "705.47" in text
    assert "d f/d c" not in text


def test_assert_gradient_against_torch():
    torch = pytest.importorskip("torch")
    xt = torch.tensor(5.0, dtype=torch.float64, requires_grad=True)
    ct = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    u = xt ** 2 / torch.log10(xt)
    ((u + ct) * (u - ct)).backward()
    assert_gradient(SEED, "c=3,x=5", {"c": ct.grad.item(), "x": xt.grad.item()}, log_base="10")


def test_plugin_hook_explains_sympy_inequality():
    lines = pytest_assertrepr_compare(None, "==", (x + 1) ** 2, x ** 2 + 1)
    assert lines and any("they differ at" in ln for ln in lines)
    same = pytest_assertrepr_compare(None, "==", (x + 1) ** 2, x ** 2 + 2 * x + 1)
    assert same and "equivalent but not structurally equal" in same[1]
    assert pytest_assertrepr_compare(None, "==", 1, 2) is None
    assert pytest_assertrepr_compare(None, "<", x, y) is None


def test_plugin_in_a_pytest_run(pytester):
    from importlib.metadata import entry_points
    installed = any(ep.value == "derive.testing" for ep in entry_points(group="pytest11"))
    if not installed:   # an installed derive registers the plugin itself (entry point); registering twice fails
        pytester.makeconftest("pytest_plugins = ['derive.testing']")
    pytester.makepyfile("""
        import sympy
        def test_it():
            x = sympy.Symbol('x')
            assert (x + 1)**2 == x**2 + 1
    """)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*left - right*2*x*", "*they differ at*"])
