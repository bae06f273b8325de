import sympy
import pytest

from derive.errors import DeriveError, LimitError, ParseError, UnsupportedError
from derive.functions import relu, sigmoid
from derive.parse import parse, parse_number, parse_plain, parse_values

x, y, c, w, b = sympy.symbols("x y c w b")
x1, x2 = sympy.symbols("x_1 x_2")


@pytest.mark.parametrize("text,expected", [
    (r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)", (x**2 / sympy.log(x) + c) * (x**2 / sympy.log(x) - c)),
    ("(x**2/log(x) + c)*(x**2/log(x) - c)", (x**2 / sympy.log(x) + c) * (x**2 / sympy.log(x) - c)),
    (r"\ln x_1 + x_1 x_2 - \sin x_2", sympy.log(x1) + x1 * x2 - sympy.sin(x2)),
    (r"\sigma(w x + b)", sigmoid(w * x + b)),
    (r"\operatorname{ReLU}(2x)", relu(2 * x)),
    (r"\max(0, x+1)", relu(x + 1)),
    ("max(0, x)", relu(x)),
    (r"\sqrt{x} + e^{x}", sympy.sqrt(x) + sympy.exp(x)),
    (r"\tanh(x) \cdot \cos x", sympy.tanh(x) * sympy.cos(x)),
    (r"2 \frac{1}{2}", sympy.Integer(1)),            # a product here, not the mixed number 5/2
    (r"W x + b", sympy.Symbol("W") * x + b),          # case is kept
    ("0.1*x", x / 10),                                # exact decimals
    (r"|x|", sympy.Abs(x)),
    ("x^2", x**2),
    (r"a (b)", sympy.Symbol("a") * b),
    (r"\gamma x + \beta_1 (x + 1)", sympy.Symbol("gamma") * x + sympy.Symbol("beta_1") * (x + 1)),  # variables                  # a one-letter name before a bracket is a product
    ("w*(x+1) - w(x+1)", sympy.Integer(0)),
    (r"\cos{\left(w \right)} \cdot \left(1 - w\right)", sympy.cos(w) * (1 - w)),   # SymPy's own spelling
    (r"\log_{10}{\left(x \right)} y", sympy.log(x, 10) * y),
])
def test_reads_the_same_function(text, expected):
    assert sympy.simplify(parse(text).doit() - expected) == 0


@pytest.mark.parametrize("text,base", [(r"\log x", 10), ("log(x)", 10)])
def test_bare_log_takes_the_setting(text, base):
    e = parse(text, log_base="10")
    assert sympy.simplify(e.doit() - sympy.log(x, base)) == 0
    assert sympy.simplify(parse(text).doit() - sympy.log(x)) == 0


def test_ln_and_explicit_bases_ignore_the_setting():
    assert sympy.simplify(parse(r"\ln x", log_base="10").doit() - sympy.log(x)) == 0
    assert sympy.simplify(parse(r"\log_2 x", log_base="10").doit() - sympy.log(x, 2)) == 0


def test_written_order_is_kept():
    e = parse(r"\ln x_1 + x_1 x_2 - \sin x_2")
    assert e.is_Add and isinstance(e.args[0], sympy.log) and e.args[1].is_Mul
    e = parse("c - x")
    assert e.args[0] == c


@pytest.mark.parametrize("text,err", [
    (r"\frac{1}{", ParseError),
    ("x +* 3", ParseError),
    (r"\mathrm{foo}(x)", UnsupportedError),
    ("foo(x)", UnsupportedError),
    ('__import__("os").system("ls")', UnsupportedError),
    ("x.real", UnsupportedError),
    ("lambda: 1", UnsupportedError),
    ("(" * 100 + "x" + ")" * 100, LimitError),
    ("x" + "+x" * 3000, LimitError),
    (r"\max(x, y)", UnsupportedError),
    (r"\sinh^{-1} x", UnsupportedError),
    ("", ParseError),
    ("x)", ParseError),
    (r"x \approx 3", ParseError),                   # a relation, not an expression
    (r"w \leftarrow w - \eta g", ParseError),
    ("1e400*x", LimitError),
])
def test_bad_input_is_one_clear_error(text, err):
    with pytest.raises(err) as info:
        parse(text)
    assert str(info.value)
    assert isinstance(info.value, DeriveError)


def test_error_points_at_the_column():
    with pytest.raises(ParseError) as info:
        parse(r"x + \frac{1}{")
    assert info.value.column == 12  # the brace left open


def test_plain_strings_never_reach_eval(monkeypatch):
    import builtins
    def boom(*a, **k):
        raise AssertionError("eval called")
    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(sympy, "sympify", boom)
    assert parse_plain("x*y + 1") is not None


@pytest.mark.parametrize("text,expected", [
    ("c=3,x=5", [("c", 3), ("x", 5)]),
    ("x=1e-8; y=1/3", [("x", sympy.Rational(1, 10**8)), ("y", sympy.Rational(1, 3))]),
    ("x_1=2, x_2=0.5", [("x_1", 2), ("x_2", sympy.Rational(1, 2))]),
])
def test_values(text, expected):
    assert parse_values(text) == expected


@pytest.mark.parametrize("text", ["c=3,x", "x=abc", "x=1,x=2", "", "x=1e999", "x=1/0"])
def test_bad_values(text):
    with pytest.raises(DeriveError):
        parse_values(text)


def test_number_literals_are_exact():
    assert parse_number("0.1") == sympy.Rational(1, 10)
    assert parse_number("-3/4") == sympy.Rational(-3, 4)
