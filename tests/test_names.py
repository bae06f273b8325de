"""What a symbol name can be (derive.names) and the printer's guard: no user name ever reaches LaTeX as live TeX."""
from __future__ import annotations

import pytest
import sympy

from derive.cli import main
from derive.errors import DeriveError, InputError
from derive.latex import latex
from derive.names import check_name, name_problem
from derive.parse import parse, parse_latex, parse_plain, parse_values

# names people write: Baydin's v-lists, the seed's N_{-1}, layer superscripts, accents, Greek, primes
NAMES = ["x", "x_1", "x_{12}", "N_{-1}", r"\bar{v}_{-1}", r"\hat{y}", "w^{(1)}", r"\mathbf{W}^{[2]}", "beta_1",
         r"\beta_{1}", "β_1", "x'", r"g'^{t}", r"x_{\text{in}}", r"z_{i,j}", r"\tilde{g}", r"\dot e", "a_{+}",
         r"\theta^{*}", "xhat", "alpha"]

# (name, what the message must point at)
NOT_NAMES = [
    (r"x_{\text{\jobname}}", r"\text"),
    (r"x_{\text{\catcode 95 12 \input /etc/passwd }}", r"\text"),
    (r"x_{\text{\loop\iftrue\repeat}}", r"\text"),
    (r"x_{\input{/etc/passwd}}", r"\input"),
    (r"x\write18{ls}", r"\write"),
    (r"x\immediate", r"\immediate"),
    ("x_{a%b}", "'%'"),
    ("x#1", "'#'"),
    ("a&b", "'&'"),
    ("x$", "'$'"),
    ("x~y", "'~'"),
    ("x_", "without its script"),
    ("x_{1", "never closed"),
    ("x}", "unmatched"),
    (r"\hat", "missing argument"),
    (r"x\\y", r"'\\'"),
    ("ü", "start with a letter"),
    ("1x", "start with a letter"),
    ("x" * 81, "81 characters"),
    ("", "empty"),
    ("x\ny", "'\\n'"),
    ("x_{{{{{1}}}}}", "nested"),
]


@pytest.mark.parametrize("name", NAMES)
def test_names_people_write_are_names(name):
    assert name_problem(name) is None
    assert check_name(name) == name


@pytest.mark.parametrize("name,pointer", NOT_NAMES)
def test_anything_else_is_refused_saying_what(name, pointer):
    problem = name_problem(name)
    assert problem is not None and pointer in problem, problem
    with pytest.raises(InputError, match="is not a symbol name"):
        check_name(name, "at")


@pytest.mark.parametrize("name,pointer", NOT_NAMES)
def test_the_printer_never_prints_a_bad_name_as_tex(name, pointer):
    # a symbol built by anyone (a user's own SymPy object) is guarded where it is printed, not only where it is read
    if not name:
        return
    tex = latex(sympy.Symbol(name) ** 2 + 1)
    assert r"\text{" in tex
    for live in (r"\input", r"\jobname", r"\catcode", r"\write", r"\loop", r"\immediate"):
        assert live not in tex.replace(r"\textbackslash{}", "")
    assert "%" not in tex.replace(r"\%", "")
    # and the same for the name of an applied function
    ftex = latex(sympy.Function(name or "f")(sympy.Symbol("x")))
    assert r"\input" not in ftex.replace(r"\textbackslash{}", "")


@pytest.mark.parametrize("name,expected", [("β_1", r"\beta_{1}"), ("x_1", "x_{1}"), ("N_{-1}", "N_{-1}"),
                                           ("alpha", r"\alpha"), (r"\hat{y}", r"\hat{y}")])
def test_good_names_print_as_before(name, expected):
    assert latex(sympy.Symbol(name)) == expected


@pytest.mark.parametrize("reader,text", [
    (parse_latex, r"x_{\text{\jobname}}^2 + 1"),
    (parse_latex, r"x_{\text{\catcode 95 12 \input /etc/passwd }} + 1"),
    (parse_plain, "ü * 2"),
    (parse, r"x_{\text{a b\jobname}} \cdot 2"),
])
def test_readers_refuse_what_is_not_a_name(reader, text):
    with pytest.raises(DeriveError, match="is not a symbol name"):
        reader(text)


def test_values_refuse_what_is_not_a_name():
    with pytest.raises(InputError, match="--at item 2"):
        parse_values(r"x=1,x_{\text{\jobname}}=3")
    assert [n for n, _ in parse_values("β=3,x=2")] == ["β", "x"]


@pytest.mark.parametrize("argv", [
    ["autodiff", r"x_{\text{\jobname}}^2", "--at", "x=3"],
    ["autodiff", "x^2", "--at", r"x_{\text{\input{/etc/passwd}}}=3"],
    ["autodiff", "x*y%z", "--at", "x=1,y=2"],
])
def test_cli_refuses_with_one_clear_error(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    # one message line, at most followed by the source and a caret under the column
    assert err.startswith("derive autodiff: ") and len(err.splitlines()) <= 3 and "Traceback" not in err
