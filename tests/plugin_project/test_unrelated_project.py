"""derive's pytest plugin in a project that knows nothing of derive and merely shares its environment.

Each test writes a small project with pytest's ``pytester`` and runs pytest on it, the plugin coming in through its
``pytest11`` entry point as it does for every user: a plain failure keeps pytest's report, text is never taken for
mathematics, a large failure is explained in bounded work, derive's frames stay out of tracebacks, the opt-outs
work, and collection imports no SymPy.
"""
from __future__ import annotations

from importlib.metadata import entry_points

import pytest

pytest_plugins = ["pytester"]

BIG_TRIG = """
import sympy
x, y = sympy.symbols("x y")
# sin(kx)cos(kx) = sin(2kx)/2, written with a wrong factor 1/3, over 24 terms: simplify would run for minutes
LEFT = sum(sympy.sin(k * x) * sympy.cos(k * x) * sympy.sin(y) ** k for k in range(1, 25))
RIGHT = sum(sympy.sin(2 * k * x) * sympy.sin(y) ** k for k in range(1, 25)) / 3

def test_trig():
    assert LEFT == RIGHT
"""

SMALL = """
import sympy
x = sympy.Symbol("x")

def test_small():
    assert (x + 1) ** 2 == x ** 2 + 1
"""


def _failures(result: pytest.RunResult) -> list[str]:
    """The FAILURES section of a run's output (the header names the plugins; the last line has a time)."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if "FAILURES" in line)
    end = next(i for i, line in enumerate(lines) if "short test summary" in line)
    return lines[start:end]


def test_the_plugin_is_registered_as_derive():
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("derive") == "derive.testing"


def test_plain_failure_report_is_unchanged(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert 1 == 2\n\n"
                                   "def test_list():\n    assert [1, 2] == [1, 3]\n")
    with_plugin = pytester.runpytest_inprocess()
    without = pytester.runpytest_inprocess("-p", "no:derive")
    with_plugin.assert_outcomes(failed=2)
    assert "derive" not in "\n".join(_failures(with_plugin))
    assert _failures(with_plugin) == _failures(without)


@pytest.mark.parametrize("left,right", [('sympy.Symbol("x")', '"x"'), ('"x"', 'sympy.Symbol("x")')])
def test_text_is_never_called_equivalent(pytester, left, right):
    pytester.makepyfile(test_text=f"import sympy\n\ndef test_text():\n    assert {left} == {right}\n")
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    report = "\n".join(_failures(result))
    assert "equivalent" not in report.replace("assert_equivalent", "")
    assert "is a str, the other a SymPy Symbol" in report


def test_small_failure_is_explained(pytester):
    pytester.makepyfile(test_small=SMALL)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*derive: not equivalent, they differ at x = *", "*left - right      : 2*x"])


def test_big_trig_failure_is_explained_within_the_bounds(pytester):
    pytester.makepyfile(test_trig=BIG_TRIG)
    result = pytester.runpytest_inprocess()   # no -vv: the note must survive pytest's truncation of explanations
    result.assert_outcomes(failed=1)
    report = "\n".join(_failures(result))
    assert "not simplified: too large to simplify: 378 operations, derive simplifies up to 80" in report
    assert "equivalent but not structurally equal" not in report


HELPERS = """
import sympy
from derive.testing import assert_equivalent, assert_gradient
x = sympy.Symbol("x")

def test_equivalent():
    assert_equivalent(x ** 2, 2 * x)

def test_gradient():
    assert_gradient("x**2", {"x": 3}, {"x": 5})
"""


def test_derive_frames_are_hidden(pytester):
    pytester.makepyfile(test_helpers=HELPERS)
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=2)
    report = "\n".join(_failures(result))
    assert "they differ at" in report and "d f/d x: expected 5" in report
    assert "derive/testing" not in report and "derive\\testing" not in report
    assert "raise AssertionError" not in report   # no line of derive's source


@pytest.mark.parametrize("how", ["-p no:derive", "ini", "env"])
def test_opt_out_leaves_pytest_report(pytester, monkeypatch, how):
    pytester.makepyfile(test_small=SMALL)
    args = []
    if how == "-p no:derive":
        args = ["-p", "no:derive"]
    elif how == "ini":
        pytester.makeini("[pytest]\nderive_explain = false\n")
    else:
        monkeypatch.setenv("DERIVE_EXPLAIN", "0")
    result = pytester.runpytest_inprocess(*args)
    result.assert_outcomes(failed=1)
    report = _failures(result)
    assert [line for line in report if line.startswith("E ")] == ["E       assert ((x + 1) ** 2) == ((x ** 2) + 1)"]
    assert "derive" not in "\n".join(report)


def test_collection_imports_no_sympy(pytester):
    pytester.makepyfile(test_probe="""
        import sys

        def test_probe(request):
            assert request.config.pluginmanager.has_plugin("derive")   # the plugin is loaded ...
            assert "sympy" not in sys.modules                        # ... and SymPy is not
            assert "numpy" not in sys.modules and "jinja2" not in sys.modules
    """)
    result = pytester.runpytest_subprocess()   # a fresh interpreter: this one has SymPy loaded
    result.assert_outcomes(passed=1)
