"""Every document derive writes fits its page: no line, table or figure runs into the margin.

The documents: each shipped example (``derive solve`` on a problem set, ``derive cnn --spec`` on a network spec),
the answer keys of a 20-variant run of each example that varies (``derive variants``), the LaTeX of the other
commands (long autodiff expressions, optimizers, CNNs) and problem sets generated with long expressions. They are
made by the CLI (``derive.cli.main``, in this process: one interpreter start, not eighty) and built by TeX
together, every document with the same preamble in one run (:func:`build`), and no TeX log may say
``Overfull \\hbox`` or ``Overfull \\vbox``. ``benchmarks/bench_page_fit.py`` prints the same figures per document.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

TEX_TIMEOUT = 300
VARIANTS = 20


def latex_of(argv: list[str]) -> str:
    """What ``derive ARGV --format latex`` prints (in this process); a failing command fails with its error."""
    from derive.cli import main
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--format", "latex"])
    ok = (0, 1) if argv[0] == "check" else (0,)   # check's 1 is its result: a step of the sheet is wrong
    assert code in ok, f"derive {' '.join(argv)} failed ({code}): {err.getvalue().strip()[-2000:]}"
    return out.getvalue()


# ------------------------------------------------------------------------------------------ the documents
def _example_command(path: Path) -> list[str] | None:
    """How derive reads an example: a problem set is solved, a network spec is worked by ``derive cnn``."""
    data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else json.loads(path.read_text())
    if "problem" in data:
        return ["solve", str(path)]
    if "layers" in data:
        return ["cnn", "--spec", str(path)]
    return None


EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".toml", ".json"))
EXAMPLE_DOCS = [(p.name, cmd) for p in EXAMPLE_FILES if (cmd := _example_command(p))]
VARIED = [p for p in EXAMPLE_FILES
          if p.suffix == ".toml" and any("vary" in q for q in tomllib.loads(p.read_text()).get("problem", []))]

CLI_DOCS = [
    ("check-seed-set", ["check", str(EXAMPLES / "seed_solution.md"), "--problem", str(EXAMPLES / "seed.toml")]),
    ("check-seed-expr", ["check", str(EXAMPLES / "seed_solution.md"), "--expr",
                         r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)", "--at", "c=3,x=5",
                         "--log-base", "10"]),
    ("autodiff-seed", ["autodiff", r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)",
                       "--at", "c=3,x=5"]),
    ("autodiff-sin", ["autodiff", r"\sin(x) x + \ln x", "--at", "x=2"]),
    ("autodiff-long-sum", ["autodiff", r"\sin(a b) + \cos(b c) + \exp(c d) + \ln(d + f) + \tanh(f a) + a^2 b^2 "
                           r"+ \sqrt{c + d}", "--at", "a=0.3,b=0.7,c=1.1,d=1.3,f=0.2"]),
    ("autodiff-long-product", ["autodiff", r"\sin(x)\cos(y)\exp(x y)\ln(x + y)\tanh(x - y)",
                               "--at", "x=0.7,y=1.3"]),
    ("autodiff-nested-fractions", ["autodiff", r"\frac{\frac{a + \frac{b}{c}}{d - \frac{c}{a}}}"
                                   r"{\frac{1 + \frac{a b}{c d}}{a + b + c + d}}", "--at", "a=1.5,b=0.5,c=2,d=3"]),
    ("autodiff-many-inputs", ["autodiff", "a*b*c*d*f*g*h*k*m*n",
                              "--at", "a=1,b=2,c=3,d=4,f=5,g=6,h=7,k=8,m=9,n=10"]),
    ("autodiff-deep", ["autodiff", r"\sin(\cos(\exp(\tanh(\ln(1 + x^2) y) + x) y) x)", "--at", "x=0.4,y=0.9"]),
    ("autodiff-cross-entropy", ["autodiff", r"-\left(t \ln \sigma(w x + b) + (1 - t) \ln\left(1 - \sigma(w x + b)"
                                r"\right)\right)", "--at", "w=0.5,b=-0.2,x=1.5,t=1"]),
    ("autodiff-handwritten", ["autodiff", r"\frac{x^2 + y^2}{\sqrt{x y} + \ln(x + y)} \cdot \exp(-x y)",
                              "--at", "x=1.5,y=0.5", "--rounding", "handwritten", "--sigfigs", "4",
                              "--log-base", "10"]),
    ("optim-adam-every-part", ["optim", "adam", "--derive", "update,first,second,general,no-bias-correction,l2",
                               "--norm", "half"]),
    ("optim-seed2", ["optim", "seed2"]),
    ("optim-adamw-vector", ["optim", "adamw", "--w0", "0.5,-1.2", "--grads", "0.3,1;-0.1,2", "--vector",
                            "--weight-decay", "0.01"]),
    ("optim-amsgrad-paper", ["optim", "adam", "--w0", "0.5,-1.2,3", "--grads", "0.3,1,2;-0.1,2,0.5;0.7,-0.2,1",
                             "--amsgrad", "--vector", "--notation", "paper"]),
    ("optim-sgd-nesterov-loss", ["optim", "sgd", "--w0", "0.5", "--loss", "(w - 3)^2 + 0.1 w^4", "--steps", "4",
                                 "--momentum", "0.9", "--nesterov", "--lr", "0.01"]),
    ("optim-rmsprop-centered", ["optim", "rmsprop", "--w0", "0.5", "--grads", "0.3,-0.1", "--centered",
                                "--momentum", "0.5"]),
    ("cnn-vgg16-pool5", ["cnn", "vgg16", "--layer", "pool5", "--parts", "ab"]),
    ("cnn-resnet50", ["cnn", "resnet50", "--parts", "ab"]),
    ("cnn-lenet5", ["cnn", "lenet5"]),
    ("cnn-alexnet", ["cnn", "alexnet"]),
    ("cnn-resnet18", ["cnn", "resnet18"]),
]
# Long expressions, as users write them: sums and products of many terms, deep nesting, many inputs.
UNARY = [r"\sin({})", r"\cos({})", r"\exp({})", r"\tanh({})", r"\sigma({})", r"\ln(1 + ({})^2)",
         r"\sqrt{{1 + ({})^2}}", r"({})^2"]
BINARY = ["{} + {}", "{} - {}", "({}) ({})", r"\frac{{{}}}{{2 + ({})^2}}"]


def _expression(rng: random.Random, ops: int, names: list[str], used: set[str]) -> str:
    if ops == 0:
        used.add(name := rng.choice(names))
        return name
    if rng.random() < 0.4:
        return rng.choice(UNARY).format(_expression(rng, ops - 1, names, used))
    left = rng.randint(0, ops - 1)
    return rng.choice(BINARY).format(_expression(rng, left, names, used),
                                     _expression(rng, ops - 1 - left, names, used))


def generated_sets(count: int = 3, per_set: int = 4, seed: int = 13) -> list[str]:
    """Problem sets (TOML) of long autodiff problems, every part and the figure: the same for the same seed."""
    rng = random.Random(seed)
    sets = []
    for s in range(count):
        problems = []
        for k in range(per_set):
            names = rng.sample(["x", "y", "w", "b", "u"], rng.randint(2, 4))
            used: set[str] = set()
            expr = _expression(rng, rng.randint(7, 11), names, used)
            at = ", ".join(f"{n} = {rng.choice(['0.5', '1.5', '0.8', '-0.3', '2'])}" for n in sorted(used))
            problems.append(f"[[problem]]\nnumber = \"{k + 1}\"\nkind = \"autodiff\"\nexpr = '{expr}'\n"
                            f"at = {{ {at} }}\nfigure = true\nfigure_adjoints = true\n"
                            f"parts = [\"chain\", \"forward\", \"reverse\", \"tangent\"]\n")
        sets.append(f"title = \"Generated set {s + 1}\"\nauthor = \"derive's page-fit test\"\n\n" + "\n".join(problems))
    return sets


def documents(folder: Path, variants: int = VARIANTS) -> list[tuple[str, str]]:
    """(name, LaTeX) of every document this test builds."""
    docs = [(name, latex_of(argv)) for name, argv in EXAMPLE_DOCS]
    for path in VARIED:
        out = folder / f"variants-{path.stem}"
        from derive.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert main(["variants", str(path), "--count", str(variants), "--seed", "7", "-o", str(out),
                         "--format", "latex", "--quiet", "--jobs", "1"]) == 0
        keys = sorted(out.glob("*-key.tex"))
        assert len(keys) == variants
        docs += [(f"{path.stem}/{k.stem}", k.read_text(encoding="utf-8")) for k in keys]
    docs += [(name, latex_of(argv)) for name, argv in CLI_DOCS]
    for k, text in enumerate(generated_sets()):
        path = folder / f"generated-{k + 1}.toml"
        path.write_text(text, encoding="utf-8")
        docs.append((path.stem, latex_of(["solve", str(path)])))
    return docs


# ------------------------------------------------------------------------------------------ building with TeX
_OVERFULL = re.compile(r"^Overfull \\[hv]box \((?P<pt>[\d.]+)pt too (?:wide|high)\)[^\n]*", re.M)
_MARK = re.compile(r"^DERIVE-DOCUMENT (\d+)$", re.M)
_FRONT = re.compile(r"^\\(?:title|author|date)\{.*\}$", re.M)   # per document, so kept out of the shared preamble


def _tex(source: str, folder: Path) -> str:
    """One pdflatex run as ``derive.render.compile_pdf`` runs it (no shell escape, paranoid file access), no PDF
    written (``-draftmode``: boxes are set just the same); the log."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.tex").write_text(source, encoding="utf-8")
    env = dict(os.environ, openin_any="p", openout_any="p", shell_escape="f", TEXMFOUTPUT=str(folder))
    p = subprocess.run(["pdflatex", "-draftmode", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
                        "doc.tex"], cwd=folder, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=TEX_TIMEOUT)
    log = folder / "doc.log"
    text = log.read_text(errors="replace") if log.exists() else p.stdout.decode(errors="replace")
    assert p.returncode == 0, f"LaTeX failed:\n{text[-3000:]}"
    return text


def build(docs: list[tuple[str, str]], folder: Path) -> dict[str, list[str]]:
    """The overfull boxes of each document (TeX's line for each), name -> list.

    Documents with the same preamble are set one after another in one TeX run: each body after
    ``\\clearpage`` and a marker in the log, and with its own title (``\\maketitle`` restored, as article makes it
    a no-op after its first use). TeX reports a box when it is set, before the next marker."""
    groups: dict[str, list[int]] = {}
    parts: list[tuple[str, str]] = []
    for k, (_, tex) in enumerate(docs):
        head, sep, rest = tex.partition("\\begin{document}")
        assert sep, f"{docs[k][0]}: not a LaTeX document"
        body = rest.rpartition("\\end{document}")[0]
        front = "\n".join(m.group(0) for m in _FRONT.finditer(head))
        groups.setdefault(_FRONT.sub("", head), []).append(k)
        parts.append((front, body))
    found: dict[str, list[str]] = {name: [] for name, _ in docs}
    for g, (preamble, members) in enumerate(groups.items()):
        source = [preamble, r"\makeatletter\let\derivemaketitle\maketitle\let\derive@maketitle\@maketitle"
                  r"\let\derivetitle\title\let\deriveauthor\author\makeatother", "\\begin{document}"]
        for k in members:
            front, body = parts[k]
            source += [r"\clearpage\makeatletter\global\let\maketitle\derivemaketitle"
                       r"\global\let\@maketitle\derive@maketitle\global\let\title\derivetitle"
                       r"\global\let\author\deriveauthor\makeatother\setcounter{page}{1}",
                       f"\\typeout{{DERIVE-DOCUMENT {k}}}", front, body]
        source.append("\\end{document}\n")
        log = _tex("\n".join(source), folder / f"group{g}")
        marks = [(m.start(), int(m.group(1))) for m in _MARK.finditer(log)]
        for m in _OVERFULL.finditer(log):
            owner = next((k for pos, k in reversed(marks) if pos < m.start()), members[0])
            found[docs[owner][0]].append(m.group(0))
    return found


def widest(boxes: list[str]) -> float:
    return max((float(_OVERFULL.match(b).group("pt")) for b in boxes), default=0.0)


# ------------------------------------------------------------------------------------------ the tests
def test_every_example_is_checked():
    """A new example file is picked up here; one derive cannot read would be a mistake in this table."""
    assert {name for name, _ in EXAMPLE_DOCS} == {p.name for p in EXAMPLE_FILES}
    assert any(p.name == "seed.toml" for p in EXAMPLE_FILES) and VARIED


def test_every_document_fits_the_page(tmp_path, tex_required):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    docs = documents(tmp_path)
    found = build(docs, tmp_path / "tex")
    wide = {name: boxes for name, boxes in found.items() if boxes}
    assert not wide, "\n".join(f"{name}: {len(b)} overfull box(es), the largest {widest(b):g} pt:\n  " +
                               "\n  ".join(b) for name, b in wide.items())


# ------------------------------------------------------------------------------------------ the width model
FORMULAS = [
    r"\frac{\partial \left[\left(\frac{x^{2}}{\log x} + c\right) \left(\frac{x^{2}}{\log x} - c\right)\right]}"
    r"{\partial \left(\frac{x^{2}}{\log x} + c\right)}",
    r"{}= \left(-1\right) \cdot \left[t \cdot \frac{1}{\sigma\left(w x + b\right)} \cdot x\right] = -0.549",
    r"\bar{v}_{3} \frac{\partial v_{3}}{\partial v_{2}} = \bar{v}_{3} \times \left(- \frac{v_{1}}{v_{2}^{2}}\right)",
    r"\frac{\frac{a + \frac{b}{c}}{d - \frac{c}{a}}}{\frac{1 + \frac{a b}{c d}}{a + b + c + d}} + e^{- (w x + b)}",
    r"\sqrt{\hat{v}_{t}} + \operatorname{sgn}{\left(x \right)} + \log^{2} x + \sum_{i=1}^{n} x_{i}",
    r"N_{\mathrm{conv}} + N_{\mathrm{BN}} = 11166912 + 9600 \approx 1.17 \times 10^{7} \quad \text{in total}",
    r"\left\{ \frac{a}{b} \right\} \cdot \left| x \right| \cdot \left\lVert \mathbf{w} \right\rVert_{2}^{2}",
]


def test_width_model_agrees_with_tex(tmp_path, tex_required):
    """The width model is TeX's own width, near enough to lay rows out by (within 3 %); and the page is the one
    the model lays out for. (benchmarks/bench_tex_width.py measures it on every row derive prints.)"""
    from derive import texwidth
    body = "\n".join(rf"\setbox0\hbox{{$\displaystyle {f}$}}\typeout{{WIDTH{k}=\the\wd0}}"
                     for k, f in enumerate(FORMULAS))
    head = latex_of(["autodiff", "x y", "--at", "x=1,y=2"]).partition("\\begin{document}")[0]
    log = _tex(head + r"\begin{document}\typeout{TEXTWIDTH=\the\textwidth}" + body + r"\mbox{}\end{document}",
               tmp_path / "tex")
    assert float(re.search(r"TEXTWIDTH=([\d.]+)pt", log).group(1)) == pytest.approx(texwidth.TEXT_WIDTH, abs=0.1)
    for k, f in enumerate(FORMULAS):
        measured = float(re.search(rf"WIDTH{k}=([\d.]+)pt", log).group(1))
        assert texwidth.width(f) == pytest.approx(measured, rel=0.03), f


# ------------------------------------------------------------------------------------------ determinism
def test_documents_are_byte_identical_run_to_run():
    """The layout (widths, breaks, figure placement) depends on nothing but the input, not even hash order."""
    args = ["-m", "derive", "solve", str(EXAMPLES / "sigmoid_backprop.toml"), "--format", "latex"]
    runs = [subprocess.run([sys.executable, *args], cwd=ROOT, env=dict(os.environ, PYTHONHASHSEED=seed),
                           capture_output=True, text=True, timeout=300) for seed in ("0", "123")]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
