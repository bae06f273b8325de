"""The operation table (derive/ops.py): each entry's partials are right, and every reader, the tracer and the
figure know every operation, spelled the way people write it."""
from __future__ import annotations

import pytest
import sympy

from derive.autodiff import tracing
from derive.autodiff.graph import build_graph
from derive.check.reading.document import parse_segment
from derive.ops import FIGURE_SYMBOLS, OPS, PLAIN_FUNCS, SUPPORTED
from derive.parse import parse, parse_latex, parse_plain


FIXED = sorted(name for name, o in OPS.items() if o.arity >= 1)


def test_a_writers_merged_step_differentiates_its_own_formula():
    a, b = sympy.symbols("a b")
    template = sympy.Lambda((a, b), sympy.exp(-a) * b)
    x, y = sympy.symbols("x y")
    assert OPS["step"].build(x, y, p=template) == sympy.exp(-x) * y
    assert OPS["step"].partials(x, y, p=template) == (-sympy.exp(-x) * y, sympy.exp(-x))


@pytest.mark.parametrize("op", FIXED)
def test_partials_are_sympy_diff_of_the_step(op):
    rule = OPS[op]
    xs = sympy.symbols(f"a0:{rule.arity}", positive=True)
    step = rule.build(*xs)
    partials = rule.partials(*xs)
    assert len(partials) == rule.arity
    point = {x: sympy.Rational(3 + k, 7) for k, x in enumerate(xs)}
    for x, d in zip(xs, partials):
        want = sympy.diff(step.doit(), x).subs(point)
        got = sympy.sympify(d).doit().subs(point)
        assert abs(sympy.N(want - got, 30)) < 1e-25, (op, x)


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_has_a_figure_label(op):
    assert FIGURE_SYMBOLS[op]


# (op, plain string, LaTeX as people write it, the traced function)
SPELLINGS = [
    ("exp", "exp(x)", r"e^{x}", tracing.exp), ("exp", "exp(x)", r"\exp(x)", tracing.exp),
    ("log", "ln(x)", r"\ln x", tracing.ln), ("log", "ln(x)", r"\ln(x)", tracing.ln),
    ("sqrt", "sqrt(x)", r"\sqrt{x}", tracing.sqrt),
    ("sin", "sin(x)", r"\sin x", tracing.sin), ("cos", "cos(x)", r"\cos(x)", tracing.cos),
    ("tan", "tan(x)", r"\tan x", tracing.tan), ("tanh", "tanh(x)", r"\tanh(x)", tracing.tanh),
    ("sigmoid", "sigmoid(x)", r"\sigma(x)", tracing.sigmoid), ("abs", "abs(x)", r"|x|", tracing.absolute),
    ("relu", "relu(x)", r"\max(0, x)", tracing.relu),
]


def _ops_of(expr):
    return [n.op for n in build_graph(expr, ["x"]).intermediates]


@pytest.mark.parametrize("op,plain,tex,traced", SPELLINGS)
def test_every_reader_and_the_tracer_know_the_op(op, plain, tex, traced):
    assert _ops_of(parse_plain(plain)) == [op]
    assert _ops_of(parse_latex(tex)) == [op]
    assert _ops_of(parse(plain)) == [op]
    expr, names = tracing.trace(lambda x: traced(x))
    assert _ops_of(expr) == [op] and names == ["x"]


def test_no_one_operand_function_is_missing_from_the_table_tests():
    unary = {name for name, o in OPS.items() if o.arity == 1 and o.plain}
    assert {row[0] for row in SPELLINGS} == unary
    assert set(PLAIN_FUNCS) >= {n for o in OPS.values() for n in o.plain}


@pytest.mark.parametrize("op,tex", [("sin", r"\sin(x)"), ("tanh", r"\tanh x"), ("log", r"\ln x"),
                                    ("sigmoid", r"\sigma(x)"), ("sqrt", r"\sqrt{x}"), ("exp", r"\exp(x)")])
def test_the_sheet_reader_knows_the_op(op, tex):
    # a handwritten side reads to the same function as derive's own
    side = parse_segment(tex).expr
    x = sympy.Symbol("x")
    assert sympy.N(side.subs({s: sympy.Rational(1, 3) for s in side.free_symbols}) -
                   OPS[op].build(x).subs(x, sympy.Rational(1, 3)).doit(), 20) == 0


def test_error_messages_list_what_the_table_supports():
    text = ", ".join(SUPPORTED)
    for name in ("sqrt", "exp", "sin", "cos", "tan", "tanh", "sigmoid", "abs", "ReLU", "ln"):
        assert name in text
    with pytest.raises(Exception, match="supported: " + ", ".join(SUPPORTED[:3]).replace("+", r"\+")
                       .replace("*", r"\*")):
        parse_plain("x % 2")
