"""Every JSON output of derive is one envelope, described by schemas/derive.schema.json (draft 2020-12).

Each command's ``--format json`` (and each kind's ``to_json``) is validated against the schema with real inputs,
failures included, and must be deterministic: the same input gives byte-identical output.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

import derive  # noqa: E402
from derive import cnn, optim  # noqa: E402
from derive.check.checker import load_problems  # noqa: E402
from derive.cli import main  # noqa: E402
from derive.problems import load, solve  # noqa: E402
from derive.render import JSON_KINDS, to_json  # noqa: E402
from derive.render import render
from conftest import EXAMPLES, ROOT, SEED_EXPR, SEED_SHEET  # noqa: E402

SCHEMA_PATH = ROOT / "schemas" / "derive.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# A problem set whose second problem fails (log of 0), the others solve.
FAILING_SET = '''title = "One fails"
author = "test"

[[problem]]
number = "1"
kind = "autodiff"
expr = "x**2"
at = "x=3"

[[problem]]
number = "2"
kind = "autodiff"
expr = "log(x)"
at = "x=0"

[[problem]]
number = "3"
kind = "optimizer"
optimizer = "sgd"
'''

# A problem set whose second problem cannot even be read (unknown field): check reports it as a problem error.
UNREADABLE_SET = '''[[problem]]
number = "1"
kind = "autodiff"
expr = '\\left(\\frac{x^2}{\\log x}+c\\right)\\left(\\frac{x^2}{\\log x}-c\\right)'
at = "c=3,x=5"
log_base = "10"

[[problem]]
number = "2"
kind = "autodiff"
expr = "x"
at = "x=1"
colour = "red"
'''

VARY_SET = '''title = "Variants"

[[problem]]
number = "1"
kind = "autodiff"
expr = "x**2*c"
at = "x=3,c=2"
vary = { "at.x" = [1, 4] }
'''


def validate(text: str) -> dict:
    """The text is strict JSON (no NaN), ends in one newline, and is a valid envelope; returns it parsed."""
    assert text.endswith("}\n") and not text.endswith("\n\n")
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    errors = sorted(VALIDATOR.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
    assert data["derive"] == derive.__version__ and data["schema"] == 1
    return data


def cli(capsys, *argv: str, code: int | None = 0) -> str:
    got = main(list(argv))
    out = capsys.readouterr().out
    if code is not None:
        assert got == code, (argv, got)
    return out


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "failing.toml").write_text(FAILING_SET, encoding="utf-8")
    (tmp_path / "unreadable.toml").write_text(UNREADABLE_SET, encoding="utf-8")
    (tmp_path / "vary.toml").write_text(VARY_SET, encoding="utf-8")
    (tmp_path / "copy.md").write_text(SEED_SHEET.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


SEED_TOML = str(EXAMPLES / "seed.toml")
SHEET = str(SEED_SHEET)

# (id, argv with {tmp} for the fixture folder, expected exit code, expected kind, expected ok)
COMMANDS = [
    ("autodiff", ["autodiff", SEED_EXPR, "--at", "c=3,x=5", "--log-base", "10", "--format", "json"], 0,
     "autodiff", True),
    ("autodiff-handwritten", ["autodiff", "x**2/log(x)", "--at", "x=5", "--rounding", "handwritten", "--wrt", "x",
                              "--format", "json"], 0, "autodiff", True),
    ("autodiff-huge", ["autodiff", "x^{500}", "--at", "x=10", "--format", "json"], 0, "autodiff", True),
    ("optim-adam", ["optim", "adam", "--format", "json"], 0, "optimizer", True),
    ("optim-seed2", ["optim", "seed2", "--format", "json"], 0, "optimizer", True),
    ("optim-trajectory", ["optim", "adam", "--w0", "0.5", "--grads", "0.3,-0.1,0.7", "--format", "json"], 0,
     "trajectory", True),
    ("optim-vector", ["optim", "sgd", "--w0", "1,2", "--grads", "1,1;2,2", "--lr", "0.5", "--format", "json"], 0,
     "trajectory", True),
    ("optim-loss", ["optim", "sgd", "--w0", "1", "--loss", "w**2", "--steps", "3", "--format", "json"], 0,
     "trajectory", True),
    ("cnn-vgg16", ["cnn", "vgg16", "--format", "json"], 0, "cnn", True),
    ("cnn-resnet18", ["cnn", "resnet18", "--format", "json", "--input", "128", "--layer", "layer2.0.conv1"], 0,
     "cnn", True),
    ("cnn-lenet5", ["cnn", "lenet5", "--format", "json"], 0, "cnn", True),
    ("cnn-spec", ["cnn", "--spec", str(EXAMPLES / "cnn_small_resnet.toml"), "--format", "json"], 0, "cnn", True),
    ("solve-seed", ["solve", SEED_TOML, "--format", "json"], 0, "solution", True),
    ("solve-failing", ["solve", "{tmp}/failing.toml", "--format", "json"], 1, "solution", False),
    ("check-seed", ["check", SHEET, "--problem", SEED_TOML, "--format", "json"], 1, "check", False),
    ("check-unreadable", ["check", SHEET, "--problem", "{tmp}/unreadable.toml", "--format", "json"], None, "check",
     None),
    ("check-files", ["check", SHEET, "{tmp}/copy.md", "--problem", SEED_TOML, "--format", "json"], 1,
     "check-files", False),
    ("check-files-missing", ["check", SHEET, "{tmp}/missing.md", "--problem", SEED_TOML, "--format", "json"], 2,
     "check-files", False),
]


@pytest.mark.parametrize("argv, code, kind, ok", [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_command_json_matches_schema(capsys, files, argv, code, kind, ok):
    args = [a.replace("{tmp}", str(files)) for a in argv]
    out = cli(capsys, *args, code=code)
    data = validate(out)
    assert data["kind"] == kind
    if ok is not None:
        assert data["ok"] is ok
    assert data["ok"] == (not data["errors"] and data["kind"] not in ("check", "check-files")
                          or data["data"].get("ok", data["ok"]))
    again = cli(capsys, *args, code=code)
    assert again == out, "the same input must give byte-identical JSON"


def test_failing_problem_set(capsys, files):
    data = validate(cli(capsys, "solve", str(files / "failing.toml"), "--format", "json", code=1))
    problems = data["data"]["problems"]
    assert [p["number"] for p in problems] == ["1", "2", "3"]
    assert problems[0]["error"] is None and problems[0]["data"]["gradient"]["x"] == 6.0
    assert problems[1]["data"] is None and problems[1]["error"]["kind"] == "domain error"
    assert data["errors"] == [problems[1]["error"]]
    assert set(data["errors"][0]) == {"kind", "message", "where", "column"}


def test_check_report_with_findings(capsys):
    data = validate(cli(capsys, "check", SHEET, "--problem", SEED_TOML, "--format", "json", code=1))
    wrong = [f for f in data["data"]["findings"] if f["verdict"] == "wrong"]
    assert wrong and not data["ok"] and data["data"]["checked"] > 0


def test_check_problem_errors_become_error_records(capsys, files):
    data = validate(cli(capsys, "check", SHEET, "--problem", str(files / "unreadable.toml"), "--format", "json",
                        code=None))
    assert data["data"]["problem_errors"] and len(data["errors"]) == len(data["data"]["problem_errors"])
    err = data["errors"][0]
    assert err["kind"] == "input error" and "colour" in err["message"] and "problem 2" in (err["where"] or "")


def test_check_files_missing_file_is_an_error_record(capsys, files):
    data = validate(cli(capsys, "check", SHEET, str(files / "missing.md"), "--problem", SEED_TOML,
                        "--format", "json", code=2))
    bad = [f for f in data["data"]["files"] if "error" in f]
    assert len(bad) == 1 and set(bad[0]["error"]) == {"kind", "message", "where", "column"}
    assert bad[0]["error"] in data["errors"]


def test_variants_answer_keys(capsys, files):
    out = files / "out"
    assert main(["variants", str(files / "vary.toml"), "--count", "2", "--seed", "3", "-o", str(out),
                 "--format", "json", "--jobs", "1", "--quiet"]) == 0
    keys = sorted(out.glob("*-key.json"))
    assert len(keys) == 2
    for k in keys:
        assert validate(k.read_text(encoding="utf-8"))["kind"] == "solution"


def test_solve_output_file_is_the_envelope(capsys, files):
    target = files / "out.json"
    assert main(["solve", SEED_TOML, "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == cli(capsys, "solve", SEED_TOML, "--format", "json")


# ---------------------------------------------------------------------------------- the Python API's to_json

def _api_outputs():
    yield "autodiff", lambda: render(derive.autodiff("x**2*sin(x)", at={"x": 1.5}), "json")
    yield "optimizer", lambda: render(optim.adam(), "json")
    yield "optimizer", lambda: render(optim.seed_problem2(), "json")
    yield "trajectory", lambda: render(optim.trajectory_derivation(optim.trajectory("adam", w0=0.5, grads=[0.1, 0.2])), "json")
    yield "cnn", lambda: render(cnn.seed_problem3(), "json")
    yield "cnn", lambda: render(cnn.derivation(cnn.analyse(cnn.preset("lenet5"))), "json")
    yield "solution", lambda: render(solve(load(EXAMPLES / "seed.toml")), "json")
    yield "check", lambda: render(derive.check(SEED_SHEET.read_text(encoding="utf-8"),
                                        load_problems(EXAMPLES / "seed.toml")), "json")


@pytest.mark.parametrize("kind, make", list(_api_outputs()), ids=[f"{k}-{i}" for i, (k, _) in
                                                                   enumerate(_api_outputs())])
def test_api_to_json_matches_schema(kind, make):
    text = make()
    assert validate(text)["kind"] == kind
    assert make() == text


def test_every_kind_is_in_the_schema():
    assert set(SCHEMA["properties"]["kind"]["enum"]) == set(JSON_KINDS)
    for kind in JSON_KINDS:
        assert kind in SCHEMA["$defs"]


def test_envelope_numbers_are_strict_and_full_precision():
    text = to_json("derivation", {"third": 1 / 3, "big": 10 ** 30, "inf": float("inf"), "nan": float("nan"),
                                  "pair": (1, 2)})
    data = validate(text)
    assert data["data"] == {"third": 1 / 3, "big": 10 ** 30, "inf": "inf", "nan": "nan", "pair": [1, 2]}
    assert "0.3333333333333333" in text
    with pytest.raises(ValueError):
        to_json("no-such-kind", {})


def test_readme_names_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "schemas/derive.schema.json" in readme


def test_the_version_in_the_envelope_is_the_package_version():
    import tomllib
    from derive.settings import VERSION
    from importlib.metadata import version
    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    # one place: pyproject has no version of its own, it reads derive/settings.py; the installed metadata agrees
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["hatch"]["version"]["path"] == "derive/settings.py"
    assert VERSION == version("derive-dl") == __import__("derive").__version__
