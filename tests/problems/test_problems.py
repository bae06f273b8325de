"""Problem sets -> whole documents: the seed homework, the examples, errors per problem, PDF, variants."""
import json
import shutil
import subprocess

import pytest

from derive.cli import main
from derive.errors import InputError
from derive.problems import EXAMPLES, example_path, load, loads, solve
from derive.render import compile_pdf
from derive.problems.variants import make_variant, write_variants
from derive.render import render
from conftest import ROOT


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_solves(name):
    sol = solve(load(example_path(name)))
    assert sol.ok, [str(e) for e in sol.errors]


def test_seed_homework_golden(golden):
    sol = solve(load(example_path("seed")))
    golden("seed_homework.tex", render(sol, "latex"))
    golden("seed_homework.md", render(sol, "markdown"))


@pytest.mark.parametrize("name", EXAMPLES)
def test_examples_compile_and_numbers_agree_with_json(name, tmp_path, tex_required):
    sol = solve(load(example_path(name)))
    tex = render(sol, "latex")
    pdf = compile_pdf(tex, tmp_path / f"{name}.pdf")
    assert pdf.stat().st_size > 1000
    data = json.loads(render(sol, "json"))["data"]
    for prob in data["problems"]:
        d = prob["data"] or {}
        if "gradient" in d:   # autodiff: every gradient in the JSON is printed in the document
            from derive.numbers import format_number
            import sympy
            for g in d["gradient"].values():
                assert format_number(sympy.Float(g, 20), 3).lstrip("-")[:3] in tex


def test_page_one_renders_to_png(tmp_path, tex_required):
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing (install poppler-utils)")
    pdf = compile_pdf(render(solve(load(example_path("seed"))), "latex"), tmp_path / "seed.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, timeout=120)
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000


BAD = '''
title = "T"
[[problem]]
number = "1"
kind = "autodiff"
expr = "x**2"
at = "x=3"

[[problem]]
number = "2"
kind = "nonsense"

[[problem]]
number = "3"
kind = "autodiff"
expr = "log(x)"
at = "x=-1"

[[problem]]
number = "4"
kind = "autodiff"
at = "x=1"

[[problem]]
number = "5"
kind = "autodiff"
expr = "x"
at = "x=1"
colour = "red"
'''


def test_errors_name_file_problem_and_field_and_the_rest_is_solved():
    sol = solve(loads(BAD, source="hw.toml"))
    assert [p.ok for p in sol.problems] == [True, False, False, False, False]
    msgs = [str(p.error) for p in sol.problems[1:]]
    assert "hw.toml, problem 2" in msgs[0] and "unknown kind 'nonsense'" in msgs[0]
    assert "hw.toml, problem 3" in msgs[1] and "logarithm of a non-positive number" in msgs[1]
    assert "hw.toml, problem 4" in msgs[2] and "missing field 'expr'" in msgs[2]
    assert "hw.toml, problem 5" in msgs[3] and "unknown field 'colour'" in msgs[3]
    assert "could not be solved" in render(sol, "latex")


def test_cli_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    assert main(["solve", str(bad), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["data"]["problems"][0]["data"]["gradient"]["x"] == 6.0
    assert "problem 2" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("title = ")
    assert main(["solve", str(broken)]) == 2
    assert main(["solve", str(tmp_path / "missing.toml")]) == 2


def test_user_text_cannot_inject_latex():
    sol = solve(loads(r'''
title = '\input{/etc/passwd} \def\x{1}'
author = "100% & \\$"
[[problem]]
kind = "text"
text = '\write18{rm -rf /}'
'''))
    tex = render(sol, "latex")
    assert r"\input{/etc" not in tex and r"\write18" not in tex and r"\def\x" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex and r"100\% \& \$" in tex
    with pytest.raises(InputError, match=r"author: \\input is not a maths command"):
        loads('author = "costs $\\\\input{x}$"\n[[problem]]\nkind = "text"\ntext = "x"\n')


def test_default_solve_is_the_seed_homework(capsys):
    assert main(["solve"]) == 0
    out, _ = capsys.readouterr()
    assert out.startswith(r"\documentclass") and r"\bar{v}_{3}" in out


def test_pdf_output(tmp_path, tex_required):
    out = tmp_path / "hw.pdf"
    assert main(["solve", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"%PDF"


def test_variants_are_deterministic_and_different(tmp_path):
    path = example_path("sigmoid_backprop")
    ps = load(path)
    a, b = make_variant(ps, 7, 1), make_variant(ps, 7, 1)
    assert a.toml == b.toml
    tomls = {make_variant(ps, 7, i).toml for i in range(1, 9)}
    assert len(tomls) > 1
    assert loads(a.toml).problems[0].fields["at"]["w"] in [x / 4 for x in range(-4, 5)]
    results = write_variants(path, 3, 7, tmp_path, jobs=2, progress=False)
    assert [ok for _, ok, _ in results] == [True, True, True]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "variant-001-key.tex", "variant-001.toml", "variant-002-key.tex", "variant-002.toml",
        "variant-003-key.tex", "variant-003.toml"]
    assert (tmp_path / "variant-001.toml").read_text() == a.toml
    solved = solve(loads(a.toml))
    assert solved.ok and (tmp_path / "variant-001-key.tex").read_text() == render(solved, "latex")


def test_bad_vary():
    ps = loads('''
[[problem]]
kind = "autodiff"
expr = "x"
at = "x=1"
vary = { "at.z" = [1, 3] }
''')
    from derive.errors import InputError
    with pytest.raises(InputError, match="at has no 'z'"):
        make_variant(ps, 0, 1)


def test_the_readme_problem_set_example_solves():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Problem sets"):]
    start = section.index("```toml") + len("```toml")
    text = section[start:section.index("```", start)]
    sol = solve(loads(text, source="README"))
    assert sol.ok, [str(e) for e in sol.errors]
    assert [p.kind for p in sol.problems] == ["autodiff", "optimizer", "cnn", "text"]
    assert json.loads(render(sol, "json"))["data"]["problems"][1]["data"]["trajectory"]["weights"]
