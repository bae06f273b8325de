"""A small course for the grading tests: a two-problem set, a synthetic class of derive's own sheets (some with a
slipped number), and one uninterrupted run every other run is compared with byte for byte.

Not a conftest.py: tests/test_cli.py imports the root conftest by name, which a second conftest would shadow. A
test module takes the fixture with ``course = gradecourse.course``; the run is made once a session."""
from __future__ import annotations

from pathlib import Path

import pytest

from derive.grade import grade
from derive.grade.synthetic import write_class

QUIZ = """title = "Quiz"
[[problem]]
number = "1"
kind = "autodiff"
expr = 'ln(x1) + x1*x2 - sin(x2)'
at = "x1=2,x2=5"
wrt = ["x1", "x2"]
parts = [{ show = "forward", label = "(a)" }, { show = "reverse", label = "(b)" }]

[[problem]]
number = "2"
kind = "autodiff"
expr = 'sigmoid(w*x + b)'
at = "w=0.5,x=1.5,b=-0.2"
wrt = ["w", "b"]
parts = [{ show = "forward", label = "(a)" }, { show = "reverse", label = "(b)" }]
"""
CLASS_SIZE = 16


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output file of a results folder (not the journal), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("journal.sqlite")}


_MADE: dict = {}


@pytest.fixture(scope="session")
def course(tmp_path_factory) -> dict:
    if _MADE:   # the same fixture, taken by another test module
        return _MADE
    base = tmp_path_factory.mktemp("course")
    (base / "quiz.toml").write_text(QUIZ, encoding="utf-8")
    answers = write_class(base / "quiz.toml", base / "subs", CLASS_SIZE, seed=3)
    ref = base / "reference"
    stats = grade(base / "subs", base / "quiz.toml", ref, jobs=2, warn=lambda line: None)
    _MADE.update({"base": base, "problem": base / "quiz.toml", "subs": base / "subs", "answers": answers,
                  "reference": ref, "stats": stats})
    return _MADE
