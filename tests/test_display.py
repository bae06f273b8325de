"""How results show in Jupyter: a one-line repr, Markdown a notebook's MathJax reads right, LaTeX that compiles where
nbconvert pastes it, numbers as decimals that stay exact; and the example notebook run as a user runs it."""
from __future__ import annotations

import copy
import os
import pickle
import re

import pytest
import sympy

import derive
from derive import cnn, optim
from derive.autodiff.sweeps import DecimalRational, shown
from derive.check import check
from derive.problems import load, solve
from derive.render import compile_pdf, mathjax_markdown, render, summary

from conftest import EXAMPLES, SEED_EXPR, SEED_SHEET

NOTEBOOK = EXAMPLES / "notebook.ipynb"
PLAIN_LIMIT = 500   # characters of text/plain an output may keep in a saved notebook


@pytest.fixture(scope="module")
def records():
    """One of every public result object, as a notebook makes them."""
    r = derive.autodiff(SEED_EXPR, at={"c": 3, "x": 5}, wrt="x", log_base="10", rounding="handwritten")
    return {
        "AutodiffResult": r,
        "Derivation": optim.adam(),
        "Trajectory": optim.trajectory("adam", w0=[0.5, -1.0], grads=[[0.3, 0.1], [-0.1, 0.2]], lr=0.01),
        "Analysis": cnn.analyse(cnn.preset("vgg16")),
        "Table": cnn.table("resnet18"),
        "Report": check(SEED_SHEET.read_text(encoding="utf-8"), str(EXAMPLES / "seed.toml"), isolate=False),
        "Solution": solve(load(EXAMPLES / "seed.toml")),
        "MatrixResult": derive.matrix([r"z = W x + b", r"L = \operatorname{MSE}(z, y)"],
                                      {"W": [[1, 2], [3, 4]], "x": [1, -1], "b": [0, 1], "y": [0, 0]}),
    }


NAMES = ["AutodiffResult", "Derivation", "Trajectory", "Analysis", "Table", "Report", "Solution", "MatrixResult"]


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_one_short_line_from_the_registry(records, name):
    text = repr(records[name])
    assert text.startswith(f"<{name} ") and text.endswith(">") and "\n" not in text
    assert len(text) <= 400, len(text)
    assert text == f"<{name} {summary(records[name])}>" or text.endswith("…>")   # made by summary(), nowhere else


def test_repr_names_the_numbers_as_the_readme_shows_them(records):
    assert repr(records["AutodiffResult"]).endswith(
        "at c=3, x=5: value 1272.6, gradient (c -6, x 705.8); 8 nodes, handwritten>")
    assert "138,357,544 parameters" in repr(records["Analysis"]) and "212 px at pool5" in repr(records["Analysis"])
    assert repr(records["Trajectory"]) == ("<Trajectory adam of 2 parameters, 2 steps (lr = 0.01): "
                                           "w (0.5, -1) -> (0.485998, -1.01965)>")
    assert repr(records["MatrixResult"]) == "<MatrixResult 2 steps (z, L): loss 0.5; gradients W 2×2, x 2×1, b 2×1>"
    assert repr(records["Report"]).startswith("<Report WRONG against ")


@pytest.mark.parametrize("name", NAMES)
def test_repr_latex_is_a_latex_fragment_not_markdown(records, name):
    tex = records[name]._repr_latex_()
    assert tex == render(records[name], "latex", standalone=False)       # through the one format switch
    assert r"\documentclass" not in tex and r"\begin{document}" not in tex and r"\newgeometry" not in tex
    assert "**" not in tex and "| --- |" not in tex and "$$" not in tex and not tex.lstrip().startswith("#")
    assert r"\begin{tikzpicture}" not in tex    # nbconvert's preamble has no TikZ


@pytest.mark.parametrize("name", NAMES)
def test_repr_markdown_is_the_markdown_made_mathjax_safe(records, name):
    md = records[name]._repr_markdown_()
    assert md == mathjax_markdown(render(records[name], "markdown"))
    assert r"\begin{align*}" not in md and r"\textbf" not in md and r"\section" not in md
    # MathJax sets \text{} verbatim: no TeX escape may be left inside one
    for m in re.finditer(r"\\text\{([^{}]*)\}", md):
        assert not re.search(r"\\[_&%#$]", m.group(1)), m.group(0)


def test_layer_names_show_in_mathrm_in_the_notebook_but_the_document_keeps_text():
    d = cnn.seed_problem3()
    assert r"\quad \mathrm{conv1\_1}" in d._repr_markdown_() and r"\text{conv1\_1}" not in d._repr_markdown_()
    assert r"\quad \text{conv1\_1}" in render(d, "markdown")    # the Markdown document (golden file) is unchanged


@pytest.mark.parametrize("markdown, shown_as", [
    (r"$$r \quad \text{conv1\_1}$$", r"$$r \quad \mathrm{conv1\_1}$$"),
    (r"$$a \quad \text{a remark \& more}$$", r"$$a \quad \text{a remark }\&\text{ more}$$"),
    (r"$\text{a\textbackslash{}b}$", r"$\mathrm{a\backslash b}$"),
    (r"$\text{x\textasciitilde{}y \{z\}}$", r"$\text{x}\sim \text{y }\{\text{z}\}$"),
    (r"$$\text{receptive field (pixels)}$$", r"$$\text{receptive field (pixels)}$$"),   # nothing to change
    (r"text \_ and \\text\{x\}", r"text \_ and \\text\{x\}"),                          # Markdown, not maths
    (r"$\text{unclosed \_", r"$\text{unclosed \_"),
])
def test_mathjax_markdown(markdown, shown_as):
    assert mathjax_markdown(markdown) == shown_as


# the packages of nbconvert's LaTeX template (latex/base.tex.j2) that TeX Live's base and recommended sets have: a
# fragment that compiles here compiles where nbconvert pastes a text/latex output (mathrsfs is left out: its
# fonts are in neither set, and derive writes no \mathscr)
NBCONVERT_LIKE = "\n".join([
    r"\documentclass[11pt]{article}", r"\usepackage[T1]{fontenc}", r"\usepackage{graphicx}", r"\usepackage{caption}",
    r"\usepackage{float}", r"\usepackage{xcolor}", r"\usepackage{geometry}", r"\usepackage{amsmath}",
    r"\usepackage{amssymb}", r"\usepackage{textcomp}", r"\usepackage{fancyvrb}", r"\usepackage{hyperref}",
    r"\usepackage{longtable}", r"\usepackage{booktabs}", r"\usepackage{array}", r"\usepackage{calc}",
    r"\begin{document}", "%s", r"\end{document}", ""])


@pytest.mark.parametrize("name", NAMES)
def test_repr_latex_compiles_in_a_notebook_document(records, name, tmp_path, tex_required):
    pdf = compile_pdf(NBCONVERT_LIKE % records[name]._repr_latex_(), tmp_path / f"{name}.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_solution_fragment_keeps_title_and_problems_and_leaves_figures_out():
    from derive.problems import loads
    sol = solve(loads('title = "HW"\n[[problem]]\nkind = "autodiff"\nexpr = "x^2"\nat = "x=3"\nfigure = true\n'))
    whole, part = render(sol, "latex"), render(sol, "latex", standalone=False)
    assert r"\begin{tikzpicture}" in whole and r"\begin{tikzpicture}" not in part
    assert part.startswith(r"{\Large\bfseries HW\par}") and r"\textbf{1.}" in part


def test_report_fragment_lists_findings_without_margin_notes(records):
    part = render(records["Report"], "latex", standalone=False)
    assert r"\marginpar" not in part and "line 18: wrong" in part
    assert r"\marginpar" in render(records["Report"], "latex")


# ------------------------------------------------------------------------------------------------ numbers

def test_autodiff_numbers_show_as_decimals_and_stay_exact():
    r = derive.autodiff(SEED_EXPR, at={"c": 3, "x": 5}, wrt="x", log_base="10", rounding="handwritten")
    assert repr((r.value, r.gradient, r.adjoints[3])) == "(1272.6, {'c': -6, 'x': 705.8}, 71.6)"   # as README
    assert r.value == sympy.Rational(6363, 5) and isinstance(r.value, sympy.Rational)              # exact
    assert r.value._repr_latex_() == r"$\displaystyle 1272.6$"
    assert type(r.value + 1) is sympy.Rational and r.value + 1 == sympy.Rational(6368, 5)


def test_decimal_rational_is_the_rational():
    q = shown(sympy.Rational(1, 2))
    assert isinstance(q, DecimalRational) and str(q) == "0.5"
    assert str(shown(sympy.Rational(-7, 40))) == "-0.175"
    assert q == sympy.Rational(1, 2) and hash(q) == hash(sympy.S.Half) and {sympy.S.Half: 1}[q] == 1
    for copied in (pickle.loads(pickle.dumps(q)), copy.deepcopy(q)):
        assert type(copied) is DecimalRational and copied == q
    assert sympy.latex(q) == r"\frac{1}{2}"                       # inside formulas it prints as before
    assert shown(sympy.Rational(1, 3)) == sympy.Rational(1, 3) and type(shown(sympy.Rational(1, 3))) is not \
        DecimalRational                                           # no ending decimal: the fraction
    assert type(shown(sympy.Rational(1, 2 ** 120))) is not DecimalRational   # too long to read
    assert shown(sympy.Integer(4)) is sympy.Integer(4)


# --------------------------------------------------------------------------------------------- the records

def test_trajectory_renders_through_the_switch(records):
    t = records["Trajectory"]
    assert "| 2 | $\\left(-0.100000, 0.200000\\right)$ |" in render(t, "markdown")
    assert render(t, "json") == render(optim.trajectory_derivation(t), "json")     # the same envelope


def test_table_is_still_its_text(records):
    table = records["Table"]
    assert isinstance(table, str) and table == render(table, "text") == cnn.table_text(table.analysis)
    assert str(table).startswith("=====")
    assert render(table, "json") == render(table.analysis, "json")
    assert "| conv1 (Conv2d) | $64 \\times 112 \\times 112$ | 9,408 |" in render(table, "markdown")


# ----------------------------------------------------------------------------------------- the notebook

def _execute(path):
    """The notebook run in a fresh kernel from the repository, as a user runs it (no timing metadata)."""
    nbformat = pytest.importorskip("nbformat")
    preprocessors = pytest.importorskip("nbconvert.preprocessors")
    nb = nbformat.read(path, as_version=4)
    ep = preprocessors.ExecutePreprocessor(timeout=300, kernel_name="python3", record_timing=False)
    ep.preprocess(nb, {"metadata": {"path": str(EXAMPLES.parent)}})
    return nb


@pytest.fixture(scope="module")
def executed():
    pytest.importorskip("nbconvert")      # the one reason to skip: CI's test extra installs it
    nb = _execute(NOTEBOOK)
    if os.environ.get("DERIVE_UPDATE_GOLDEN") == "1":   # keep examples/notebook.ipynb executed (review the diff)
        import nbformat
        nbformat.write(nb, NOTEBOOK)
    return nb


def _results(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_notebook_outputs_are_rich_and_small(executed):
    outputs = _results(executed)
    assert [o.output_type for o in outputs] == ["execute_result"] * 5, outputs   # no error, no stray print
    for o in outputs:
        assert "text/latex" in o.data or "text/markdown" in o.data, o.data.keys()
        assert len(o.data["text/plain"]) < PLAIN_LIMIT, o.data["text/plain"]
    assert [o.data["text/plain"] for o in outputs][1] == "6.5"


def test_notebook_is_saved_executed_and_current(executed):
    import nbformat
    saved = nbformat.read(NOTEBOOK, as_version=4)
    assert [o.get("data", {}).get("text/plain") for o in _results(saved)] == \
        [o.data["text/plain"] for o in _results(executed)], \
        "examples/notebook.ipynb is stale: DERIVE_UPDATE_GOLDEN=1 pytest tests/test_display.py -k notebook"


def test_nbconvert_latex_export_pastes_latex_not_markdown(executed):
    exporters = pytest.importorskip("nbconvert.exporters")
    body, _ = exporters.LatexExporter().from_notebook_node(executed)
    for o in _results(executed):
        if "text/latex" in o.data:
            assert o.data["text/latex"].strip() in body
    assert "| --- |" not in body and "**Adam" not in body
