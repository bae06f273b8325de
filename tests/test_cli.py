"""The derive command: output formats, exit codes, one-line errors."""
import json
import subprocess
import sys

import pytest

from derive.cli import main
from conftest import SEED_EXPR


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_autodiff_json(capsys):
    code, out, err = run(capsys, "autodiff", SEED_EXPR, "--at", "c=3,x=5", "--log-base", "10", "--format", "json")
    assert code == 0
    d = json.loads(out)["data"]
    assert d["gradient"]["c"] == -6.0
    assert d["gradient"]["x"] == pytest.approx(705.4751199352155)
    assert [n["op"] for n in d["nodes"]] == ["input", "input", "pow", "log", "div", "add", "sub", "mul"]
    assert "tangents" in d


@pytest.mark.parametrize("fmt,marker", [("latex", r"\begin{document}"), ("markdown", "$$\\begin{aligned}")])
def test_autodiff_formats(capsys, fmt, marker):
    code, out, _ = run(capsys, "autodiff", "x*y", "--at", "x=2,y=3", "--format", fmt)
    assert code == 0 and marker in out


@pytest.mark.parametrize("argv,needle", [
    (["autodiff", r"\frac{1}{", "--at", "x=1"], "never closed"),
    (["autodiff", "log(x)", "--at", "x=-2"], "logarithm of a non-positive number"),
    (["autodiff", "foo(x)", "--at", "x=1"], "unsupported operation: foo"),
    (["autodiff", "x*y", "--at", "x=1"], "no value given for y"),
    (["autodiff", "x", "--at", "x=1", "--parts", "magic"], "unknown part"),
])
def test_errors_are_one_line_exit_2(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_module_entry_point_runs():
    p = subprocess.run([sys.executable, "-m", "derive", "autodiff", "x**2", "--at", "x=3", "--format", "json"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["data"]["gradient"]["x"] == 6.0


def test_expression_starting_with_a_minus(capsys):
    code, out, _ = run(capsys, "autodiff", "--expr=-x^2", "--at", "x=3", "--format", "json")
    assert code == 0 and json.loads(out)["data"]["gradient"]["x"] == -6.0
    code, _, err = run(capsys, "autodiff", "x", "--expr=x", "--at", "x=3")
    assert code == 2 and "give the expression once" in err
