import sympy
import pytest

from derive.errors import InputError, LimitError
from derive.autodiff.graph import build_graph
from derive.parse import parse
from derive.render import render
from conftest import SEED_EXPR


def ops(g):
    return [(n.index, n.op, n.operands) for n in g.intermediates]


def test_seed_graph_matches_the_seed_numbering():
    g = build_graph(parse(SEED_EXPR, log_base="10"), ["c", "x"], "N")
    assert [(n.index, n.name) for n in g.inputs] == [(-1, "c"), (0, "x")]
    assert ops(g) == [
        (1, "pow", (0, sympy.Integer(2))),   # N_1 = N_0^2: the constant stays in the step
        (2, "log", (0,)),
        (3, "div", (1, 2)),                 # division is an operation
        (4, "add", (3, -1)),
        (5, "sub", (3, -1)),                # subtraction is an operation, and N_3 is shared
        (6, "mul", (4, 5)),
    ]
    assert g[2].param == 10
    assert g.consumers(3) == [4, 5]


@pytest.mark.parametrize("text,at,expected", [
    (r"\ln x_1 + x_1 x_2 - \sin x_2", ["x_1", "x_2"],
     [(1, "log", (-1,)), (2, "mul", (-1, 0)), (3, "add", (1, 2)), (4, "sin", (0,)), (5, "sub", (3, 4))]),
    ("c - x", ["x", "c"], [(1, "sub", (0, -1))]),
    ("-x + 3", ["x"], [(1, "neg", (0,)), (2, "add", (1, sympy.Integer(3)))]),
    ("x*x", ["x"], [(1, "mul", (0, 0))]),
    ("exp(x)/x", ["x"], [(1, "exp", (0,)), (2, "div", (1, 0))]),
    ("2**x", ["x"], [(1, "pow", (sympy.Integer(2), 0))]),
    ("sqrt(x)", ["x"], [(1, "sqrt", (0,))]),
])
def test_reading_order(text, at, expected):
    assert ops(build_graph(parse(text), at)) == expected


def test_partials_in_node_symbols():
    g = build_graph(parse(SEED_EXPR, log_base="10"), ["c", "x"])
    v = {i: g.symbol(i) for i in range(-1, 7)}
    assert sympy.simplify(g.partial(3, 2) + v[1] / v[2] ** 2) == 0
    assert g.partial(5, -1) == -1 and g.partial(5, 3) == 1
    assert sympy.simplify(g.partial(2, 0) - 1 / (v[0] * sympy.log(10))) == 0
    assert sympy.simplify(g.partial(1, 0) - 2 * v[0]) == 0


def test_missing_and_unused_inputs():
    with pytest.raises(InputError, match="no value given for c"):
        build_graph(parse("x + c"), ["x"])
    with pytest.raises(InputError, match="does not use"):
        build_graph(parse("x + 1"), ["x", "z"])


def test_node_limit(monkeypatch):
    from derive.autodiff import graph
    from derive.settings import Limits
    monkeypatch.setattr(graph, "LIMITS", Limits(max_nodes=10))
    with pytest.raises(LimitError, match="more than 10 nodes"):
        build_graph(parse("+".join(f"sin({k}*x)" for k in range(1, 12))), ["x"])


def test_a_constant_one_is_never_taken_for_node_one():
    # x + (x + 1) reads node v_1 = x + 1; it must not be mistaken for the step "x + 1" with the constant 1
    g = build_graph(parse("(x + 1) * (x + (x + 1))"), ["x"])
    assert ops(g) == [(1, "add", (0, sympy.Integer(1))), (2, "add", (0, 1)), (3, "mul", (1, 2))]
    assert isinstance(g[2].operands[1], int) and not isinstance(g[1].operands[1], int)


def test_constant_operand_in_the_chain_rule():
    from derive import autodiff
    r = autodiff("exp(x)/(1+exp(x))", at="x=1.5", parts="chain")
    tex = render(r, "latex")
    assert r"\frac{\partial \left(1 + e^{x}\right)}{\partial \left(e^{x}\right)}" in tex


def test_reaches_agrees_with_dependencies_and_is_one_pass():
    g = build_graph(parse(SEED_EXPR, log_base="10"), ["c", "x"])
    deps = g.dependencies()
    for x in (-1, 0):
        assert g.reaches(x) == {i for i, d in deps.items() if x in d}
    assert g.reaches(-1) == {-1, 4, 5, 6}


def test_partials_are_built_once_per_edge():
    g = build_graph(parse(SEED_EXPR, log_base="10"), ["c", "x"])
    assert g.partial(3, 2) is g.partial(3, 2)
    assert g.partial(3, 2, "N") != g.partial(3, 2)          # another letter, another expression
    assert g.inputs is not g.inputs and [n.name for n in g.inputs] == ["c", "x"]   # callers may change their copy

