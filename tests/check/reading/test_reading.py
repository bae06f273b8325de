"""derive.check.reading.document: statements, chains and the writer's notation, as a table of small cases."""
from __future__ import annotations

import pytest
import sympy

from derive.errors import LimitError, ParseError, UnsupportedError
from derive.check.reading.document import Written, WrittenPartial, decimal_literals, parse_segment, read

W = Written


def P(num, den):
    return WrittenPartial(num, den)


# (LaTeX side, expected SymPy expression in written quantities) -- the notation a student uses
NOTATION = [
    (r"\bar{v}_6", W("bar", "v", "6")),
    (r"\bar v_5", W("bar", "v", "5")),
    (r"\bar{v}_{-1}", W("bar", "v", "-1")),
    (r"\overline{v}_{3}", W("bar", "v", "3")),
    (r"\bar{v_2}", W("bar", "v", "2")),
    (r"\bar{x}", W("bar", "x")),
    (r"\dot{v}_0", W("dot", "v", "0")),
    (r"N_{-1}", W("", "N", "-1")),
    (r"N_{-1} + N_3", W("", "N", "-1") + W("", "N", "3")),
    (r"v_{6}", W("", "v", "6")),
    (r"2v_0", 2 * W("", "v", "0")),
    (r"v_2^2", W("", "v", "2") ** 2),
    (r"\hat m^t", W("hat", "m", "", "t")),
    (r"\hat{v}^{t+1}", W("hat", "v", "", "t+1")),
    (r"\frac{\partial v_6}{\partial v_5}", P(W("", "v", "6"), W("", "v", "5"))),
    (r"\frac{\partial y}{\partial v_{-1}}", P(W("", "y"), W("", "v", "-1"))),
    (r"\frac{\partial (x^2)}{\partial x}", P(W("", "x") ** 2, W("", "x"))),
    (r"\bar{v}_6 \times v_4", W("bar", "v", "6") * W("", "v", "4")),
    (r"\bar{v}_4 \times 1 + \bar{v}_5 \times (-1)", W("bar", "v", "4") - W("bar", "v", "5")),
    (r"\bar{v}_3 \times \left(-\frac{v_1}{v_2^2} \right)", -W("bar", "v", "3") * W("", "v", "1") / W("", "v", "2") ** 2),
    (r"\bar{v}_1 \cdot (2v_0) + \bar{v}_2 \cdot \frac{1}{v_0}",
     2 * W("bar", "v", "1") * W("", "v", "0") + W("bar", "v", "2") / W("", "v", "0")),
    (r"1 × 32.8", sympy.Rational(164, 5)),
    (r"38.8 · 32.8", sympy.Rational(194, 5) * sympy.Rational(164, 5)),
    (r"11.90\%", sympy.Rational(119, 1000)),
    (r"12%", sympy.Rational(12, 100)),
    (r"1.38 \times 10^8", sympy.Rational(138, 100) * 10 ** 8),
    (r"-3663.5", sympy.Rational(-7327, 2)),
    (r"\gamma v", W("", "gamma") * W("", "v")),
    (r"\sqrt{\hat{v}^t + \epsilon}", sympy.sqrt(W("hat", "v", "", "t") + W("", "epsilon"))),
    (r"\frac{x^2}{\ln x}", W("", "x") ** 2 / sympy.log(W("", "x"))),
]


@pytest.mark.parametrize("text,expected", NOTATION)
def test_notation(text, expected):
    got = parse_segment(text, "e").expr
    assert sympy.simplify(got - expected) == 0, (got, expected)


def test_log_base_applies_to_bare_log():
    x = W("", "x")
    assert sympy.simplify(parse_segment(r"\log x", "10").expr - sympy.log(x) / sympy.log(10)) == 0
    assert sympy.simplify(parse_segment(r"\log x", "e").expr - sympy.log(x)) == 0
    assert sympy.simplify(parse_segment(r"\ln x", "10").expr - sympy.log(x)) == 0


TIME_INDEXED = [
    (r"m^t", W("", "m", "", "t")),
    (r"g^1", W("", "g", "", "1")),
    (r"w^{t+1}", W("", "w", "", "t+1")),
    (r"(g^t)^2", W("", "g", "", "t") ** 2),            # a power of a time-indexed quantity
    (r"\beta^t", W("", "beta") ** W("", "t")),          # beta is not time-indexed: a real power
    (r"1-\beta^2", 1 - W("", "beta") ** 2),
]


@pytest.mark.parametrize("text,expected", TIME_INDEXED)
def test_time_superscripts(text, expected):
    got = parse_segment(text, "e", frozenset({"m", "v", "g", "w"})).expr
    assert sympy.simplify(got - expected) == 0, (got, expected)


@pytest.mark.parametrize("text,error", [
    (r"\frac{1}{", ParseError),
    (r"10^{10^{10}}", LimitError),
    (r"2^{100000}", LimitError),
    ("(" * 200 + "x" + ")" * 200, LimitError),
    (r"(10^6)!", UnsupportedError),
])
def test_hostile_or_broken_sides_raise_derive_errors(text, error):
    with pytest.raises(error):
        parse_segment(text)


def test_decimal_literals_ignore_subscripts_and_exponents():
    assert decimal_literals(r"N_{-1} + 1.5 \times 10^{8}") == ["1.5", "10"]
    assert decimal_literals(r"\bar v_3 = 71.6") == ["71.6"]


SHEET = r"""Intro text with $x = 5$ inline.

$$1. (a) \frac{\partial y}{\partial x}$$

$$= \frac{\partial y}{\partial v_1} \cdot \frac{\partial v_1}{\partial x}$$

$$+ 0$$

(b) Forward trace:

$$\begin{aligned} N_{-1} = c &= 3 \\ N_1 = N_0^2 &= 25 \quad \text{square} \\ N_2 &\approx 0.699 \end{aligned}$$

2. (a) Other problem

$$m^1 = 0 \cdot \beta + (1-\beta)g^1 = (1-\beta)g^1, \quad \hat{m}^1 = \frac{m^1}{1-\beta} = g^1.$$

$$L \rightarrow L' = L + \lambda w$$

~~$$ x = 1 $$~~
"""


def test_read_statements_lines_parts_and_continuations():
    sts = read(SHEET)
    sources = [(s.line, s.part, [(g.rel, g.text) for g in s.segments]) for s in sts]
    assert sources[0] == (1, "", [("", "x"), ("=", "5")])
    # the three displays of 1(a) are one chain: "= …" continues, "+ …" extends the last side
    assert sources[1][0] == 3 and sources[1][1] == "1(a)"
    assert [r for r, _ in sources[1][2]] == ["", "="]
    assert sources[1][2][1][1].endswith("+ 0")
    assert sources[2] == (11, "1(b)", [("", "N_{-1}"), ("=", "c"), ("=", "3")])
    assert sources[3][2] == [("", "N_1"), ("=", "N_0^2"), ("=", "25")]
    assert sts[3].remark == "square"
    assert sources[4][2] == [("", "N_2"), ("≈", "0.699")]
    assert sources[5][1] == "2(a)" and sources[5][2][0] == ("", "m^1")
    assert sources[6][2][0] == ("", r"\hat{m}^1")
    # "L → L' = …" states L' = …; it does not equate L with L'
    assert [g.text for g in sts[-1].segments] == ["L'", r"L + \lambda w"]
    assert all("x = 1" not in s.source for s in sts)   # struck out


def test_read_rejects_huge_documents():
    with pytest.raises(LimitError):
        read("x" * 2_000_001)


def test_written_symbols_pickle_round_trip():
    import pickle
    e = parse_segment(r"\bar{v}_3 \frac{\partial v_3}{\partial v_2}").expr
    assert pickle.loads(pickle.dumps(e)) == e


PARITY = [r"2 x + 3", r"\frac{1}{x} \cdot y", r"x \times (-1)", r"-\frac{x}{y^2}", r"\ln(x) \cdot y", r"\log_{10} x",
          r"x^{2} y", r"\sqrt{x + 1}", r"(x + 1)(x - 1)", r"\frac{x^2}{\log x} + c", r"1.5 \times 10^{3}",
          r"\sin x + \cos(y)", r"x / y / 2", r"2^{10} \cdot 3", r"\exp(x) - 1", r"\left[x + y\right] z"]


@pytest.mark.parametrize("text", PARITY)
def test_fast_path_reads_like_the_latex_grammar(text):
    """The whitelisted fast path must mean what derive's LaTeX parser means."""
    from derive.parse import parse_latex, parse_plain
    from derive.check.reading.plain import plain
    simple = plain(text)
    assert simple is not None
    a = parse_plain(simple, "10")
    b = parse_latex(text, "10")
    assert sympy.simplify(a - b) == 0, (simple, a, b)


def test_fast_path_leaves_juxtaposed_function_arguments_to_the_grammar():
    from derive.check.reading.plain import plain
    assert plain(r"\ln x y") is None
    assert plain(r"\ln x + y") == "log(x, e)+y"


@pytest.mark.parametrize("text,expected", [
    (r"\ln x \cdot y", sympy.log(W("", "x")) * W("", "y")),             # as written by hand and by derive
    (r"\ln x \cdot \frac{1}{2 \sqrt{x^{2} + 1}} \cdot \left(2 x\right)",
     sympy.log(W("", "x")) * W("", "x") / sympy.sqrt(W("", "x") ** 2 + 1)),
    (r"\ln x / y", sympy.log(W("", "x")) / W("", "y")),
    (r"\sin 2x", sympy.sin(2 * W("", "x"))),                            # juxtaposition: the whole product
    (r"\log^{2} x", sympy.log(W("", "x")) ** 2),
])
def test_function_arguments_read_as_written(text, expected):
    assert sympy.simplify(parse_segment(text).expr - expected) == 0


@pytest.mark.parametrize("heading,part", [
    ("2.", "2"), ("**2.** (b)", "2(b)"), ("## 2", "2"), ("### Problem 2 (b)", "2(b)"), ("\\section*{Problem 2}", "2"),
    ("Problem 2:", "2"), ("**Question 2**", "2"), ("Q2.", "2"), ("Exercise 2(b)", "2(b)"), ("# 2(b)", "2(b)"),
])
def test_problem_headings_other_people_write(heading, part):
    # the part a statement belongs to, however the writer numbered the problem
    stmts = read(f"{heading}\n\n$$v_1 = 3$$\n")
    assert [s.part for s in stmts] == [part]


@pytest.mark.parametrize("prose", ["The answer is 2.", "Problems 2 and 3 share a graph.", "Quite 2 steps"])
def test_prose_with_numbers_is_not_a_heading(prose):
    assert [s.part for s in read(f"{prose}\n\n$$v_1 = 3$$\n")] == [""]


@pytest.mark.parametrize("text,first", [
    ("$$0.7311 \\times 0.2689 \\times 2 = 0.3932$$", "0.7311 \\times 0.2689 \\times 2"),   # not part "0"
    ("$$2.5 \\cdot 4 = 10$$", "2.5 \\cdot 4"),
    ("0.5 is the step size.\n\n$$1. \\quad v_1 = 3$$", "v_1"),                          # a label, then maths
])
def test_a_leading_decimal_is_a_number_not_a_label(text, first):
    assert read(text)[0].segments[0].text.strip() == first


def test_statement_limit_is_refused_early_and_names_the_line():
    with pytest.raises(LimitError, match="more than 4 statements.*line 5"):
        read("$$f = 6$$\n" * 60000, max_statements=4)


@pytest.mark.parametrize("row,statement", [
    ("| $v_3$ | $v_1 v_2$ | $2.4$ |", "v_3 = v_1 v_2 = 2.4"),                      # node, definition, value
    ("| $\\bar v_4$ | $\\bar v_5 / (2 v_5) = 1/3.688$ | $0.2712$ |", "\\bar v_4 = \\bar v_5 / (2 v_5) = 1/3.688 = 0.2712"),
    ("| 2 | $\\bar v_4 = \\bar v_5 v_2$ | 1.8 |", "\\bar v_4 = \\bar v_5 v_2 = 1.8"),   # a value without $
    ("| $\\bar v_5$ | seed | $1$ |", "\\bar v_5 = 1"),
    ("| $v_0 = x$ | $\\approx 0.134$ |", "v_0 = x ≈ 0.134"),
])
def test_a_table_row_reads_across(row, statement):
    text = f"| a | b | c |\n|---|---|---|\n{row}\n"
    assert [s.source for s in read(text)] == [statement]


@pytest.mark.parametrize("text", [
    "| $t$ | $g_t$ | $m_t$ |\n|---|---|---|\n| 1 | 0.5 | 0.05 |\n",            # a header and a row of numbers
    "| node | value | tangent |\n|---|---|---|\n| $v_2 = v_1^2$ | $v_2 = 0.25$ | $v_2' = 1$ |\n",  # a statement a cell
])
def test_tables_that_do_not_read_across_are_left_as_written(text):
    assert all(s.source.count("=") <= 1 for s in read(text))


@pytest.mark.parametrize("text,total", [
    ("dv_1/dx", True), (r"\frac{d y}{d x}", True), (r"\frac{\mathrm{d} y}{\mathrm{d} x}", True),
    (r"\partial f / \partial x", False), (r"\frac{\partial y}{\partial x}", False),
    (r"\frac{d}{dx} \sin(x^2)", True), (r"\frac{\partial}{\partial x}\left(x y\right)", False),
])
def test_leibniz_d_is_a_total_derivative(text, total):
    e = parse_segment(text).expr
    assert isinstance(e, WrittenPartial) and e.total is total


def test_derivatives_of_known_functions_and_points():
    x = W("", "x")
    at = {x: sympy.Rational(3, 10)}
    sig = parse_segment(r"\sigma'(x)").expr.xreplace(at).rewrite(sympy.exp)   # σ'(0.3) = e^{-0.3}/(1 + e^{-0.3})²
    assert abs(float(sig) - float(sympy.exp(-0.3) / (1 + sympy.exp(-0.3)) ** 2)) < 1e-12
    assert sympy.simplify(parse_segment(r"\tanh'(2x)").expr - (1 - sympy.tanh(2 * x) ** 2)) == 0
    assert parse_segment("f(0.6)").expr == Written("", "f", "", "@0.6")
    assert parse_segment("f'(2, 1.5)").expr == Written("prime", "f", "", "@2,1.5")
    assert parse_segment("f(x)").expr == Written("", "f")


@pytest.mark.parametrize("text,statements", [
    (r"$$b^t = \mu b^{t-1} + g^t \ (b^1 = g^1), \qquad w^{t+1} = w^t - \alpha b^t$$",
     [r"b^t = \mu b^{t-1} + g^t", "b^1 = g^1", r"w^{t+1} = w^t - \alpha b^t"]),   # a bracketed aside
    (r"$$y = \sigma(z = 2)$$", [r"y = \sigma(z = 2)"]),                            # an argument, not an aside
    (r"$$y = 2 (a + b)$$", ["y = 2 (a + b)"]),
    (r"$\nabla f(0.7, 0.5) \approx (1.170,\ 0.836)$",
     [r"\nabla_{\#1} f(0.7, 0.5) ≈ 1.170", r"\nabla_{\#2} f(0.7, 0.5) ≈ 0.836"]),    # ∇f by components
])
def test_asides_and_gradients_split_into_statements(text, statements):
    assert [s.source for s in read(text)] == statements


def test_goodfellow_notation():
    # u^{(3)} is node 3 (a bracketed superscript is an index, not a power); grad_table[u^{(3)}] is its adjoint
    assert parse_segment(r"u^{(1)} / u^{(2)}").expr.free_symbols == {W("", "u", "1"), W("", "u", "2")}
    stmt = read(r"$$\text{grad\_table}[u^{(3)}] = \text{grad\_table}[u^{(4)}] \cdot 2 = 4$$")[0]
    assert parse_segment(stmt.segments[0].text).expr == W("bar", "u", "3")


# ------------------------------------------------------------------ tables whose header names columns by index

def test_a_table_headed_by_index_reads_row_by_row():
    from derive.check.reading.tables import table_rows
    src = ("| $i$ | $v_i$ | value | $\\dot v_i$ | seed $(1,0)$ | seed $(0,1)$ |\n|---|---|---|---|---|---|\n"
           "| 3 | $v_1 v_2$ | $-0.6$ | $\\dot v_1 v_2 + v_1 \\dot v_2$ | $-1.2$ | $0.5$ |\n")
    out = table_rows(src).split("\n")
    # each quantity with its definition and first value; the second sweep's column is not read (never misread)
    assert out[2] == "$v_{3} = v_1 v_2 = -0.6$ ; $\\dot v_{3} = \\dot v_1 v_2 + v_1 \\dot v_2 = -1.2$"
    plain = "| node | def |\n|---|---|\n| 3 | $v_1 v_2$ |\n"
    assert table_rows(plain) == plain        # no indexed quantity in the header: left as written


def test_a_two_sweep_forward_table_is_clean():
    from derive.check import check
    sheet = ("Inputs numbered from 1.\n\n| $i$ | $v_i$ | value | $\\dot v_i$ | seed $(1,0)$ | seed $(0,1)$ |\n"
             "|---|---|---|---|---|---|\n| 1 | $x$ | $2$ | $\\dot x$ | $1$ | $0$ |\n| 2 | $y$ | $3$ | $\\dot y$ | $0$ | $1$ |\n"
             "| 3 | $v_1 v_2$ | $6$ | $\\dot v_1 v_2 + v_1 \\dot v_2$ | $3$ | $2$ |\n\n"
             "- $\\partial f / \\partial x = \\dot v_3 = 3$\n- $\\partial f / \\partial y = \\dot v_3 = 2$ (second sweep)\n")
    report = check(sheet, {"expr": "x y", "at": "x=2,y=3"}, isolate=False)
    assert not [f for f in report.findings if f.verdict == "wrong"], report.findings
    bad = sheet.replace("| $6$ |", "| $5$ |")
    assert [f.line for f in check(bad, {"expr": "x y", "at": "x=2,y=3"}, isolate=False).findings
            if f.verdict == "wrong"][:1] == [7]
