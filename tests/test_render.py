"""Layout, escaping and the PDF build."""
import json
import os
import zipfile
import subprocess
import sys
from pathlib import Path

import pytest

from derive.errors import DeriveError, InputError, LimitError
from derive.derivation import Block, Derivation, Line, Part
from derive.latex import Tex, escape_tex, latex
from derive.render import compile_pdf, render, templates_dir


def test_escape_blocks_injection():
    assert escape_tex(r"\input{/etc/passwd} 100% & $x$ #1 ~ ^ _") == (
        r"\textbackslash{}input\{/etc/passwd\} 100\% \& \$x\$ \#1 \textasciitilde{} \textasciicircum{} \_")
    assert escape_tex(Tex(r"\frac{a}{b}")) == r"\frac{a}{b}"


def _doc(title="T"):
    return Derivation(title, [Part("(a)", "Part", (
        Block.align([Line(Tex("a"), (Tex("b"), Tex("1")), note="a remark & more")]),
        Block.text("text with ", Tex(r"\alpha"), " math"),
        Block.table(["name", "value"], [["x_1", Tex("3")]]),
        Block.equations([Line(Tex("m^t"), (Tex(r"\beta m^{t-1}"),))]),
    ))], notes=["a note"])


def test_user_text_is_escaped_in_latex():
    tex = render(_doc(r"\def\x{evil} 50%"), "latex", standalone=True)
    assert r"\textbackslash{}def\textbackslash{}x\{evil\} 50\%" in tex
    assert r"\def\x" not in tex


def test_markdown_layout():
    md = render(_doc(), "markdown")
    assert "$$\\begin{aligned} a &= b = 1 \\quad \\text{a remark \\& more} \\end{aligned}$$" in md
    assert "$\\alpha$" in md and "| x\\_1 | $3$ |" in md


def test_printer_keeps_written_order_and_log_base():
    import sympy
    x, c = sympy.symbols("x c")
    e = sympy.Add(x, sympy.Mul(-1, c, evaluate=False), evaluate=False)
    assert latex(e) == "x - c"
    assert latex(sympy.log(x, 10, evaluate=False)) == r"\log_{10} x"
    assert latex(sympy.log(x, 10, evaluate=False), plain_log_base=10) == r"\log x"
    assert latex(sympy.log(x, evaluate=False)) == r"\ln x"
    # a bracket-free log never runs into the next factor (\ln x x would read as ln(x x))
    assert latex(sympy.Mul(sympy.log(x, evaluate=False), x, evaluate=False)) == r"\left(\ln x\right) x"


def test_pdf_builds(tmp_path, tex_required):
    pdf = compile_pdf(render(_doc(), "latex", standalone=True), tmp_path / "x.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_pdf_never_runs_shell_escape(tmp_path, tex_required):
    evil = r"\documentclass{article}\begin{document}\immediate\write18{touch " + str(tmp_path / "pwned") + r"}x\end{document}"
    try:
        compile_pdf(evil, tmp_path / "y.pdf")
    except Exception:
        pass
    assert not (tmp_path / "pwned").exists()


_DOC = r"\documentclass{article}\begin{document}%s\end{document}"


@pytest.mark.parametrize("body,secret", [
    (r"\input{/etc/passwd}", "root:"),
    (r"\catcode95=12 \input /etc/passwd ", "root:"),
    (r"\input{../../../../../../etc/passwd}", "root:"),
    (r"\openin1=/etc/passwd \read1 to \x \x", "root:"),
])
def test_pdf_build_reads_no_file_outside_its_folder(tmp_path, tex_required, body, secret):
    try:
        pdf = compile_pdf(_DOC % body, tmp_path / "r.pdf")
    except DeriveError as exc:
        assert "the log is at" in str(exc) and (tmp_path / "r.log").exists()
        return
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert secret not in text


def test_pdf_build_writes_no_file_outside_its_folder(tmp_path, tex_required):
    target = tmp_path / "evil.txt"
    body = rf"\immediate\openout5={target} \immediate\write5{{x}}\immediate\closeout5 x"
    try:
        compile_pdf(_DOC % body, tmp_path / "w.pdf")
    except DeriveError:
        pass
    assert not target.exists()


def test_pdf_build_has_a_time_limit(tmp_path, tex_required):
    with pytest.raises(LimitError, match="within 3 s"):
        compile_pdf(_DOC % r"\loop\iftrue\repeat", tmp_path / "loop.pdf", timeout=3)


def test_pdf_failure_is_one_line_naming_the_error_and_the_log(tmp_path, tex_required):
    with pytest.raises(DeriveError) as err:
        compile_pdf(_DOC % r"\undefinedcommand", tmp_path / "bad.pdf")
    msg = str(err.value)
    assert "\n" not in msg and "Undefined control sequence" in msg and str(tmp_path / "bad.log") in msg
    assert "Undefined control sequence" in (tmp_path / "bad.log").read_text()


def test_hostile_names_and_text_build_a_clean_pdf(tmp_path, tex_required):
    from derive.problems import load, solve
    spec = tmp_path / "p.toml"
    spec.write_text("\n".join([
        "title = 'T \\input{/etc/passwd} % \\$ # & ~ ^ _ { }'", "author = '\\jobname'",
        "[[problem]]", "number = '1'", "kind = 'autodiff'", "intro = 'Let \\catcode 95 12 \\input /etc/passwd be'",
        "expr = 'x^2 + c'", "at = 'c=3,x=5'",
        "[[problem]]", "number = '2'", "kind = 'text'", "text = 'a \\write18{ls} b'"]), encoding="utf-8")
    pdf = compile_pdf(render(solve(load(spec)), "latex"), tmp_path / "p.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "root:" not in text and r"\input{/etc/passwd}" in text and r"\write18{ls}" in text


def test_templates_travel_in_the_wheel(tmp_path):
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(tmp_path.glob("derive_dl-*.whl"))   # the distribution's name; the import package is derive
    names = zipfile.ZipFile(wheel).namelist()
    assert "derive/py.typed" in names                    # users' type checkers see derive's annotations
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Name: derive-dl" in metadata and "Classifier: Framework :: Pytest" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names[-8:]
    for t in templates_dir().glob("*.j2"):
        assert f"derive/templates/{t.name}" in names
    assert "derive/cli.py" in names
    assert "derive/examples/seed.toml" in names          # the built-in homework travels too
    # the installed command works from any directory: the wheel's files alone (dependencies from this environment)
    target = tmp_path / "site"
    p = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target",
                        str(target), str(wheel)], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = dict(os.environ, PYTHONPATH=str(target))
    p = subprocess.run([sys.executable, str(target / "bin" / "derive"), "solve", "--format", "markdown"],
                       cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    p2 = subprocess.run([sys.executable, "-c", "import derive, sys; print(derive.__file__)"], cwd=elsewhere,
                        env=env, capture_output=True, text=True, timeout=120)
    assert p2.stdout.strip().startswith(str(target)), p2.stdout   # it really ran the wheel's copy
    assert p.stdout.startswith("# Homework") and "\\bar{v}_{3}" in p.stdout


# ------------------------------------------------------------------------------------ the one format switch

def _records():
    from derive import autodiff, optim
    from derive.check import check
    from derive.problems import loads, solve
    r = autodiff("x*sin(x)", at="x=1")
    sol = solve(loads('[[problem]]\nkind = "autodiff"\nexpr = "x^2"\nat = "x=3"\n'))
    return {"derivation": optim.adam(), "autodiff": r, "solution": sol,
            "report": check(render(r, "markdown"), r, isolate=False)}


@pytest.mark.parametrize("name, fmts", [
    ("derivation", ("latex", "markdown", "json")), ("autodiff", ("latex", "markdown", "json")),
    ("solution", ("latex", "markdown", "json")), ("report", ("text", "markdown", "latex", "json")),
])
def test_render_is_the_one_switch(name, fmts):
    record = _records()[name]
    for fmt in fmts:
        out = render(record, fmt)
        assert out and out == render(record, fmt)          # deterministic
        if fmt == "json":
            assert json.loads(out)["derive"]
    with pytest.raises(InputError, match="unknown format 'docx'"):
        render(record, "docx")
    for method in ("to_latex", "to_markdown", "to_json", "to_text"):
        assert not hasattr(record, method)                 # records never render themselves


def test_render_refuses_what_it_does_not_know():
    with pytest.raises(InputError, match="cannot render a dict"):
        render({"a": 1}, "latex")


def test_jupyter_shows_records_through_the_switch():
    from derive.render import mathjax_markdown
    records = _records()
    for name in ("derivation", "autodiff", "solution", "report"):
        assert records[name]._repr_markdown_() == mathjax_markdown(render(records[name], "markdown"))
        assert records[name]._repr_latex_() == render(records[name], "latex", standalone=False)
        assert "\n" not in repr(records[name]) and len(repr(records[name])) < 400   # tests/test_display.py: more
