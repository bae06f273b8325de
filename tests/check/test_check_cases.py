"""derive check on hand-written solutions it was not built from (tests/data/check/*.md).

Each file is a JSON problem, a line ``---``, then the solution as a student writes it (Markdown with $$ blocks,
aligned environments, \\[ \\], inline maths; Baydin et al.'s numbering or one's own, named intermediates z, a, h;
Kingma & Ba's or the seed's Adam notation; AlexNet / ResNet-18 / VGG-16 counts). A line that ends with
``%WRONG`` (or ``%WRONG:<misconception id>``) must be reported wrong -- once, with that diagnosis -- and no
other line; a line that ends with ``%UNV`` must be reported unverifiable, and no other line. The markers are
removed before checking.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import DATA as DATA_ROOT
from derive import autodiff
from derive.check import check
from derive.check.reading.document import parse_segment

DATA = DATA_ROOT / "check"
CASES = sorted(DATA.glob("*.md"))
_MARK = re.compile(r"[ \t]*%(WRONG|UNV)(?::([\w-]+))?")


def _load(path: Path):
    head, text = path.read_text(encoding="utf-8").split("\n---\n", 1)
    wrong, unverifiable = {}, set()
    for n, line in enumerate(text.split("\n"), 1):
        for m in _MARK.finditer(line):
            if m.group(1) == "WRONG":
                wrong[n] = m.group(2) or ""
            else:
                unverifiable.add(n)
    return json.loads(head), _MARK.sub("", text), wrong, unverifiable


def test_the_cases_are_there():
    assert len(CASES) >= 20
    marked = sum(len(_load(p)[2]) for p in CASES)
    assert marked >= 20   # mistakes to find; the other files are correct work (no false positives allowed)


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_handwritten_solution(path):
    problem, text, wrong, unverifiable = _load(path)
    report = check(text, problem, isolate=False)
    found = {}
    for f in report.findings:
        if f.verdict == "wrong":
            assert f.line not in found, f"line {f.line} reported twice: {f.to_dict()}"
            found[f.line] = f.diagnosis
    assert set(found) == set(wrong), [f.to_dict() for f in report.findings if f.verdict == "wrong"]
    for line, diagnosis in wrong.items():
        if diagnosis:
            assert found[line] == diagnosis, (line, found[line], diagnosis)
    assert {f.line for f in report.findings if f.verdict == "unverifiable"} == unverifiable, \
        [f.to_dict() for f in report.findings if f.verdict == "unverifiable"]
    assert report.checked >= 4


def test_messages_speak_the_writers_names():
    # the writer calls the nodes z and a, and numbers Baydin's graph their own way: the diagnosis says so too
    problem, text, _, _ = _load(DATA / "neuron_ce_sigmoid.md")
    slip = [f for f in check(text, problem, isolate=False).findings if f.verdict == "wrong"][0]
    assert "∂a/∂z" in slip.message and "0.235" in slip.message
    problem, text, _, _ = _load(DATA / "baydin_paper_wrong.md")
    slip = [f for f in check(text, problem, isolate=False).findings if f.verdict == "wrong"][0]
    assert "∂v_5/∂v_3 = -1 (v_5 = v_4 - v_3)" in slip.message   # derive numbers these nodes v_4, v_3 the other way


@pytest.mark.parametrize("numbering", [
    # Baydin et al.'s order (sin before the sum), 1-based, and derive's own: all the same graph
    [r"v_{-1} = x_1", "v_0 = x_2", r"v_1 = \ln v_{-1}", r"v_2 = v_{-1} v_0", r"v_3 = \sin v_0", "v_4 = v_1 + v_2",
     "v_5 = v_4 - v_3"],
    ["v_1 = x_1", "v_2 = x_2", r"v_3 = \ln v_1", "v_4 = v_1 v_2", r"v_5 = \sin v_2", "v_6 = v_3 + v_4",
     "v_7 = v_6 - v_5"],
])
def test_the_writers_numbering_is_learnt(numbering):
    text = "$$\\begin{aligned} " + r" \\ ".join(numbering) + r" \\ \bar v_{%s} = 1 \\ \bar v_{%s} = -1 \end{aligned}$$" % (
        numbering[-1].split(" ")[0][2:], numbering[4].split(" ")[0][2:])
    report = check(text, {"expr": r"\ln x_1 + x_1 x_2 - \sin x_2", "at": "x_1=2,x_2=5"}, isolate=False)
    assert report.findings == [] and report.checked == 9


def test_a_wrong_operation_is_not_taken_for_a_renumbering():
    # N_5 = N_3 + N_{-1} is the sum node's function, but derive's N_5 combines the same operands: a sign slip
    text = (r"$$\begin{aligned} N_{-1} = c &= 3 \\ N_0 = x &= 5 \\ N_1 = N_0^2 &= 25 \\ N_2 = \log N_0 &= 0.699 \\"
            r" N_3 = N_1/N_2 &= 35.8 \\ N_5 = N_3 + N_{-1} &= 38.8 \end{aligned}$$")
    problem = {"expr": r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)", "at": "c=3,x=5",
               "log_base": "10"}
    wrong = [f for f in check(text, problem, isolate=False).findings if f.verdict == "wrong"]
    assert [f.diagnosis for f in wrong] == ["sub-sign"]


@pytest.mark.parametrize("text,expected", [
    # derive's parser reads \cos{(w)} \cdot u as cos(w u); the reader unbraces SymPy's printed form first
    (r"\cos{\left(w \right)} \cdot \left(1 - w\right)", "(1 - w)*cos(w)"),
    (r"\sin^{2}{\left(x\right)} \cdot x", "x*sin(x)**2"),
    (r"\lfloor (224 + 2 \times 2 - 11) / 4 \rfloor + 1", "55"),
    (r"f(x)(1 - f(x))", "f*(1 - f)"),
])
def test_reader_forms(text, expected):
    import sympy
    e = parse_segment(text).expr
    e = e.xreplace({s: sympy.Symbol(s.base) for s in e.free_symbols})
    assert sympy.simplify(e - sympy.sympify(expected)) == 0


def test_whole_numbers_are_exact_and_decimals_in_exponents_count():
    problem = {"expr": r"\ln x_1 + x_1 x_2 - \sin x_2", "at": "x_1=2,x_2=5"}
    # "5" for 5.5 is a slip, not a rounding of 5.5
    rep = check(r"$$\bar x_1 = 5$$", problem, isolate=False)
    assert [f.verdict for f in rep.findings] == ["wrong"]
    r = autodiff(r"e^{w + \cos x}", at="w=2,x=0.8")
    assert check(r"$$y = e^{2.70}$$", r, isolate=False).findings == []   # e^{2.6967} = 14.83: 3 figures
