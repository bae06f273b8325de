"""Layout, escaping and the PDF build."""
import os
import zipfile
import subprocess
import sys
from pathlib import Path


from derive.derivation import Block, Derivation, Line, Part
from derive.latex import Tex, escape_tex, latex
from derive.render import compile_pdf, templates_dir


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
    tex = _doc(r"\def\x{evil} 50%").to_latex(standalone=True)
    assert r"\textbackslash{}def\textbackslash{}x\{evil\} 50\%" in tex
    assert r"\def\x" not in tex


def test_markdown_layout():
    md = _doc().to_markdown()
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
    pdf = compile_pdf(_doc().to_latex(standalone=True), tmp_path / "x.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_pdf_never_runs_shell_escape(tmp_path, tex_required):
    evil = r"\documentclass{article}\begin{document}\immediate\write18{touch " + str(tmp_path / "pwned") + r"}x\end{document}"
    try:
        compile_pdf(evil, tmp_path / "y.pdf")
    except Exception:
        pass
    assert not (tmp_path / "pwned").exists()


def test_templates_travel_in_the_wheel(tmp_path):
    root = Path(__file__).resolve().parents[1]
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    wheel = next(tmp_path.glob("derive-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
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
