"""derive.testing.plugin: which comparisons the hook explains, its opt-outs; it runs without importing SymPy."""
from __future__ import annotations

import subprocess
import sys

import pytest
import sympy

from derive.testing.plugin import ENV, INI, pytest_assertrepr_compare

x, y = sympy.symbols("x y")


class Config:
    """The two things the hook asks of pytest's config."""

    def __init__(self, explain: bool = True, verbosity: int = 0) -> None:
        self.explain, self.verbosity = explain, verbosity

    def getini(self, name: str) -> bool:
        assert name == INI
        return self.explain

    def get_verbosity(self, kind: str | None = None) -> int:
        return self.verbosity


EXPLAINED = [
    ((x + 1) ** 2, x ** 2 + 1, "derive: not equivalent"),
    (x * (x + 1), x ** 2 + x, "derive: the two sides are mathematically equivalent"),
    (sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 2, "derive: not equivalent"),   # a Python int: SymPy's == converts it
    (0.5, sympy.Rational(1, 3), "derive: not equivalent"),
]


@pytest.mark.parametrize("left,right,verdict", EXPLAINED)
def test_sympy_against_sympy_is_explained(left, right, verdict):
    lines = pytest_assertrepr_compare(Config(), "==", left, right)
    assert lines[1].startswith(verdict)


LEFT_TO_PYTEST = [
    ("==", 1, 2),
    ("==", [x], [y]),
    ("==", x, None),
    ("==", x, True),
    ("<", x, y),
    ("!=", x, x),
    ("==", sympy.ImmutableMatrix([x]), sympy.ImmutableMatrix([y])),   # a matrix is an Expr, but has no value
]


@pytest.mark.parametrize("op,left,right", LEFT_TO_PYTEST)
def test_other_comparisons_keep_pytest_report(op, left, right):
    assert pytest_assertrepr_compare(Config(), op, left, right) is None


@pytest.mark.parametrize("left,right,side", [(x, "x", "right"), ("x + 1", x + 1, "left")])
def test_text_is_never_read(left, right, side):
    lines = pytest_assertrepr_compare(Config(), "==", left, right)
    assert lines[0] == f"{left!r} == {right!r}"
    assert f"the {side} side is a str" in lines[1]
    assert not any("equivalent" in line.replace("assert_equivalent", "") for line in lines)


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_environment_variable_turns_the_hook_off(monkeypatch, value):
    monkeypatch.setenv(ENV, value)
    assert pytest_assertrepr_compare(Config(), "==", (x + 1) ** 2, x ** 2 + 1) is None


def test_ini_option_turns_the_hook_off():
    assert pytest_assertrepr_compare(Config(explain=False), "==", (x + 1) ** 2, x ** 2 + 1) is None
    assert pytest_assertrepr_compare(None, "==", (x + 1) ** 2, x ** 2 + 1) is not None   # no config: on


def test_loading_the_plugin_imports_no_sympy():
    code = ("import sys, derive.testing, derive.testing.plugin as p; "
            "assert p.pytest_assertrepr_compare(None, '==', 1, 2) is None; "
            "print(sorted(m for m in ('sympy', 'numpy', 'jinja2', 'derive.compare') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
