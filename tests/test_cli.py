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


# ------------------------------------------------------------- every command writes every format, told by -o

EXAMPLES_DIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"

# command line (without -o) -> a marker of each text format's output
COMMANDS = {
    "autodiff": ["autodiff", "x*y", "--at", "x=2,y=3"],
    "optim": ["optim", "adam"],
    "cnn": ["cnn", "lenet5"],
    "matrix": ["matrix", "z = W x", "L = \\operatorname{MSE}(z, y)", "--value", "W=[[1,2],[3,4]]",
               "--value", "x=[1,1]", "--value", "y=[0,1]"],
    "solve": ["solve", str(EXAMPLES_DIR / "sigmoid_backprop.toml")],
    "check": ["check", str(EXAMPLES_DIR / "seed_solution.md"), "--problem", str(EXAMPLES_DIR / "seed.toml")],
}
MARKERS = {".tex": "\\begin{document}", ".md": "$", ".json": '"schema": 1', ".txt": ""}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("ext", [".tex", ".md", ".json"])
def test_the_extension_of_o_chooses_the_format(capsys, tmp_path, command, ext):
    out = tmp_path / "sub" / f"out{ext}"          # a folder that does not exist yet is made
    code, stdout, err = run(capsys, *COMMANDS[command], "-o", str(out))
    assert code in (0, 1), err                     # check's sheet has wrong steps: exit 1, the report written
    assert stdout == "" and "Traceback" not in err
    text = out.read_text(encoding="utf-8")
    assert MARKERS[ext] in text
    if ext == ".json":
        json.loads(text)
    if ext == ".md":
        assert "\\documentclass" not in text       # Markdown, not LaTeX in a .md file


@pytest.mark.parametrize("command", ["cnn", "check"])
def test_txt_is_the_commands_plain_text(capsys, tmp_path, command):
    out = tmp_path / "out.txt"
    code, _, err = run(capsys, *COMMANDS[command], "-o", str(out))
    assert code in (0, 1), err
    text = out.read_text(encoding="utf-8")
    assert "\\begin{document}" not in text and not text.lstrip().startswith("{")
    assert ("OK" in text or "WRONG" in text) if command == "check" else "conv" in text.lower()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_wrong_or_unknown_extension_is_a_usage_error(capsys, tmp_path, command):
    code, _, err = run(capsys, *COMMANDS[command], "-o", str(tmp_path / "out.docx"))
    assert code == 2 and "cannot tell the format from the extension '.docx'" in err
    assert err.count("\n") == 1 and not (tmp_path / "out.docx").exists()
    code, _, err = run(capsys, *COMMANDS[command], "-o", str(tmp_path / "out.md"), "--format", "json")
    assert code == 2 and "is a markdown file name but --format is json" in err
    code, _, err = run(capsys, *COMMANDS[command], "--format", "pdf")
    assert code == 2 and "a PDF needs a file" in err


def test_format_wins_over_an_extension_derive_does_not_know(capsys, tmp_path):
    out = tmp_path / "notes.out"
    code, _, _ = run(capsys, "autodiff", "x*y", "--at", "x=2,y=3", "--format", "markdown", "-o", str(out))
    assert code == 0 and out.read_text(encoding="utf-8").startswith("**Automatic differentiation**")


def test_markdown_report_of_check_puts_each_finding_after_its_line(capsys, tmp_path):
    out = tmp_path / "r.md"
    code, _, _ = run(capsys, *COMMANDS["check"], "-o", str(out))
    text = out.read_text(encoding="utf-8")
    assert code == 1
    sheet = (EXAMPLES_DIR / "seed_solution.md").read_text(encoding="utf-8")
    first_note = text.index("> **WRONG**")
    # every line of the sheet is there, in order, and the first note follows the display holding its line
    assert all(line in text for line in sheet.split("\n") if line.strip())
    assert text.rstrip().split("\n")[-1].startswith("**Result: WRONG**")
    assert text.index("backward trace") < first_note
    code, _, err = run(capsys, "check", str(EXAMPLES_DIR / "seed_solution.md"), str(EXAMPLES_DIR / "seed_solution.md"),
                       "--problem", str(EXAMPLES_DIR / "seed.toml"), "--format", "markdown")
    assert code == 2 and "annotates one solution" in err


def test_version(capsys):
    from derive.settings import VERSION
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"derive {VERSION}"


def test_stdout_is_utf8_whatever_the_console(tmp_path):
    # a console that cannot encode β (PYTHONIOENCODING=ascii) still gets the whole document, in UTF-8
    env = dict(__import__("os").environ, PYTHONIOENCODING="ascii")
    p = subprocess.run([sys.executable, "-m", "derive", "optim", "adam", "--format", "markdown"], env=env,
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    assert "β".encode("utf-8") in p.stdout or b"\\beta" in p.stdout
    p.stdout.decode("utf-8")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_writes_a_pdf(capsys, tmp_path, command, tex_required):
    out = tmp_path / "out.pdf"
    code, _, err = run(capsys, *COMMANDS[command], "-o", str(out))
    assert code in (0, 1), err
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("size", ["224", "224x224", "3x224x224", "1x3x224x224", "3 × 224 × 224"])
def test_cnn_input_takes_torch_shapes(capsys, size):
    code, out, err = run(capsys, "cnn", "vgg16", "--input", size, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["data"]["total_params"] == 138357544   # torchvision's VGG-16


@pytest.mark.parametrize("size, needle", [("0x3", "positive"), ("3x", "whole number"), ("1x2x3x4x5", "whole number"),
                                          ("1x224x224", "channel mismatch")])
def test_cnn_input_errors(capsys, size, needle):
    code, _, err = run(capsys, "cnn", "vgg16", "--input", size)
    assert code == 2 and needle in err and err.count("\n") == 1
