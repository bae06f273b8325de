"""derive.testing.explain: bounded comparison (size cut-off, time limit), the second opinion, the hook's lines;
and derive.compare's breakpoint points, which only these comparisons use."""
from __future__ import annotations

import pytest
import sympy

from derive.compare import breakpoints, kink_points, kinks, sample_points
import derive.testing.explain as explain
from derive.functions import sigmoid
from derive.testing.explain import SIMPLIFY_MAX_OPS, Difference, compare, hook_lines

x, y = sympy.symbols("x y")


def _trig(n: int, factor: int = 3) -> tuple[sympy.Expr, sympy.Expr]:
    # sin(kx)cos(kx) = sin(2kx)/2: with another factor the sums differ, and simplify labours over them
    left = sum(sympy.sin(k * x) * sympy.cos(k * x) * sympy.sin(y) ** k for k in range(1, n + 1))
    return left, sum(sympy.sin(2 * k * x) * sympy.sin(y) ** k for k in range(1, n + 1)) / factor


# ------------------------------------------------------------------------------------------ bounds

def test_large_sides_are_not_simplified_and_say_why():
    left, right = _trig(24)
    ops = sympy.count_ops(left) + sympy.count_ops(right)
    assert ops > SIMPLIFY_MAX_OPS
    d = compare(left, right, bound_sampling=True)
    reason = f"too large to simplify: {ops} operations, derive simplifies up to {SIMPLIFY_MAX_OPS}"
    assert (d.difference, d.simple_left, d.simple_right) == (reason, reason, reason)
    assert f"  not simplified: {reason}" in d.message()
    assert not d.equal and d.point is not None    # the verdict still comes from a sample point


def test_the_time_limit_stops_the_symbolic_work_but_not_the_verdict():
    d = compare((x + 1) ** 2, x ** 2 + 1, seconds=0)
    assert not d.equal and d.point is not None    # sampled here, so the clock cannot change it
    assert d.difference == "not simplified within 0 s"
    assert "the symbolic work was stopped after 0 s" in d.notes


def test_sampling_in_the_worker_is_bounded_too():
    d = compare((x + 1) ** 2, x ** 2 + 1, seconds=0, bound_sampling=True)
    assert not d.equal and d.point is None
    assert "the two sides were not compared" in d.notes


def test_small_sides_are_simplified():
    d = compare(x * (x + 1), x ** 2 + x)
    assert d.equal
    assert (d.difference, d.simple_left, d.simple_right) == (0, x * (x + 1), x * (x + 1))


def test_sides_simplified_only_on_failure_when_asked():
    d = compare(x * (x + 1), x ** 2 + x, sides="on failure")
    assert d.equal and d.simple_left is None and d.difference == 0
    assert compare(x ** 2, 2 * x, sides="on failure").simple_left == x ** 2


def test_undefined_everywhere_is_not_called_equal():
    d = compare(sympy.log(-x - 10 ** 6), sympy.log(-x - 10 ** 6) + 1)
    assert not d.equal and d.point is None
    assert any("neither side is defined" in n for n in d.notes)


def test_message_of_a_difference_lists_every_part():
    d = Difference(x ** 2, 2 * x, False, x ** 2, 2 * x, x ** 2 - 2 * x, {"x": sympy.Integer(1)}, sympy.Integer(1),
                   sympy.Integer(2), ("a note",))
    assert d.message().split("\n") == [
        "the two sides are not equivalent",
        "  left              : x**2",
        "  right             : 2*x",
        "  left, simplified  : x**2",
        "  right, simplified : 2*x",
        "  left - right      : x**2 - 2*x",
        "  they differ at    : x = 1",
        "    left  = 1",
        "    right = 2",
        "  note: a note",
    ]


# ------------------------------------------------------------------------------------------ the second opinion

OPINIONS = [
    (x + 1, x + 1 + sympy.Rational(1, 10 ** 20), False),   # no: for real and for positive symbols
    (sympy.sqrt(x ** 2), sympy.Abs(x), True),              # yes for real symbols
    (sympy.log(x * y), sympy.log(x) + sympy.log(y), True),  # no for real symbols, yes for positive: no objection
    (sympy.Abs(x), x, None),                               # undecided: the sample points of either sign decide
]


@pytest.mark.parametrize("left,right,said", OPINIONS)
def test_expr_equals_objects_only_for_real_and_positive_symbols(left, right, said):
    assert explain._opinion(left, right) is said


def test_an_objection_without_a_witness_fails_with_a_note(monkeypatch):
    # sigmoid(x) and 1/(1 + e^-x) agree at every point and simplify does not prove it: the opinion decides
    monkeypatch.setattr(explain, "_opinion", lambda left, right: False)   # inherited by the forked worker
    d = compare(sigmoid(x), 1 / (1 + sympy.exp(-x)))
    assert not d.equal and d.point is None
    assert any("Expr.equals finds the sides different" in n for n in d.notes)
    monkeypatch.setattr(explain, "_opinion", lambda left, right: None)
    assert compare(sigmoid(x), 1 / (1 + sympy.exp(-x))).equal


# ------------------------------------------------------------------------------------------ the hook's lines

def test_hook_lines_lead_with_the_verdict():
    lines = hook_lines((x + 1) ** 2, x ** 2 + 1)
    assert lines[0] == "(x + 1)**2 == x**2 + 1"
    assert lines[1].startswith("derive: not equivalent, they differ at x = ")
    assert "  left - right      : 2*x" in lines


def test_hook_lines_for_equivalent_sides():
    lines = hook_lines(x * (x + 1), x ** 2 + x)
    assert lines[1].startswith("derive: the two sides are mathematically equivalent but not structurally equal")


@pytest.mark.parametrize("verbosity,clipped", [(0, True), (1, True), (2, False)])
def test_hook_lines_fit_pytest_truncation_below_vv(verbosity, clipped):
    left, right = _trig(24)
    lines = hook_lines(left, right, verbosity)
    assert (len(lines[0]) <= 72) == clipped
    if clipped:   # pytest shows 8 lines / 640 characters of an explanation below -vv
        assert len(lines) <= 8 and sum(len(line) for line in lines) <= 640
    assert any("too large to simplify" in line for line in lines)


# ------------------------------------------------------------------------------------------ breakpoints

KINKS = [
    (sympy.Max(x, 5), [x - 5]),
    (sympy.Min(x, y, 1), [x - y, x - 1, y - 1]),
    (sympy.Abs(x - 2), [x - 2]),
    (sympy.sign(x) + sympy.Heaviside(y), [x, y]),
    (sympy.Piecewise((x, x < 3), (0, True)), [x - 3]),
    (sympy.sin(x) + x ** 2, []),
]


def _up_to_sign(exprs) -> list:
    return sorted((max(g, -g, key=sympy.default_sort_key) for g in exprs), key=sympy.default_sort_key)


@pytest.mark.parametrize("expr,expected", KINKS)
def test_kinks_are_the_switching_expressions(expr, expected):
    assert _up_to_sign(kinks(expr)) == _up_to_sign(expected)   # only where the sign changes matters


BREAKPOINTS = [
    (sympy.Max(x, 5), x, {}, [5]),
    (sympy.Piecewise((1, x ** 2 < 16), (0, True)), x, {}, [-4, 4]),
    (sympy.Max(x, y), x, {y: sympy.Rational(3, 2)}, [sympy.Rational(3, 2)]),   # the other symbol held
    (sympy.Abs(sympy.sin(x)), x, {}, []),                                     # not a polynomial: left to wide draws
    (sympy.Piecewise((1, x ** 2 + 1 < 0), (0, True)), x, {}, []),              # no real root
]


@pytest.mark.parametrize("expr,symbol,base,expected", BREAKPOINTS)
def test_breakpoints(expr, symbol, base, expected):
    assert breakpoints([expr], symbol, base) == expected


def test_kink_points_straddle_each_breakpoint_and_reach_far():
    pts = kink_points([sympy.Max(x, 5)], [x])
    near = [p[x] for p in pts[:2]]
    assert near == [5 - sympy.Rational(5, 1000), 5 + sympy.Rational(5, 1000)]
    far = [p[x] for p in pts[2:]]
    assert any(v < 0 for v in far) and any(abs(v) >= 30 for v in far)
    assert kink_points([sympy.Max(x, 5)], [x]) == pts                       # deterministic


def test_no_kink_no_extra_points():
    assert kink_points([sympy.sin(x) * sympy.exp(y)], [x, y]) == []
    assert sample_points([x], 6) == sample_points([x], 6)
