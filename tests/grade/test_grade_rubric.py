"""Rubric files and the scoring table: what each finding costs, carried errors, missing work, floors, parts."""
from __future__ import annotations

from decimal import Decimal

import pytest

from derive.errors import DeriveError
from derive.grade.rubric import default_rubric, load_rubric
from derive.grade.score import points, score, split_part, total


def _f(part: str, verdict: str, line: int = 1) -> dict:
    return {"part": part, "verdict": verdict, "line": line, "message": "m", "step": "v_1 = 2"}


W, C, U, N = "wrong", "carried", "unverifiable", "note"


@pytest.mark.parametrize("findings,attempted,expected", [
    ([], ["1(a)"], "10"),                                   # all right
    ([_f("1(a)", W)], ["1(a)"], "8"),                       # a wrong step: 2
    ([_f("1(a)", W), _f("1(b)", C), _f("1(b)", C)], ["1(a)"], "8"),   # carried forward: the slip costs once
    ([_f("1(a)", W), _f("1(a)", W), _f("1(b)", U)], ["1(a)"], "5.5"),
    ([_f("1(a)", N)], ["1(a)"], "10"),                      # a note costs nothing
    ([_f("1(a)", W)] * 7, ["1(a)"], "0"),                   # never below the floor
    ([], [], "0"),                                          # no work: all the points
    ([], ["2(a)"], "0"),                                    # work on another problem only
    ([_f("2(a)", W)], ["1(a)", "2(a)"], "10"),              # problem 2's slip is not problem 1's
])
def test_default_costs(findings, attempted, expected):
    rub = default_rubric(["1", "2"])
    s = score(rub, {"findings": findings, "attempted": attempted})
    assert points(s[0].score) == expected
    assert [i.name for i in rub.items] == ["1", "2"] and rub.max_score == 20


def test_rubric_file_parts_overrides_and_missing(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text("""
[defaults]
wrong = 1.5
missing = 3

[[item]]
problem = "1"
part = "(a)"
points = 4

[[item]]
problem = "1"
points = 6
unverifiable = 1

[[item]]
problem = "2"
points = 5
wrong = 5
""", encoding="utf-8")
    rub = load_rubric(path, ["1", "2"])
    assert [i.name for i in rub.items] == ["1(a)", "1", "2"]
    result = {"findings": [_f("1(a)", W), _f("1(b)", W), _f("1(c)", U)], "attempted": ["1(a)", "1(b)", "1(c)"]}
    got = [points(s.score) for s in score(rub, result)]
    # 1(a): 4 - 1.5; the rest of problem 1: 6 - 1.5 - 1; problem 2 not attempted: 5 - 3 (missing = 3)
    assert got == ["2.5", "3.5", "2"]
    assert total(score(rub, result)) == Decimal("8.0")


def test_single_problem_takes_every_line(tmp_path):
    rub = default_rubric(["1"])
    s = score(rub, {"findings": [_f("(b)", W), _f("3(a)", W)], "attempted": ["(b)"]}, single="1")
    assert points(s[0].score) == "6"


def test_unread_problem_scores_zero_and_says_so():
    rub = default_rubric(["1", "2"])
    s = score(rub, {"findings": [], "attempted": ["1(a)", "2(a)"]}, unread=frozenset({"2"}))
    assert [points(x.score) for x in s] == ["10", "0"] and s[1].unread


@pytest.mark.parametrize("text,message", [
    ("[defaults]\nwrng = 1\n", "unknown key 'wrng'"),
    ("[[item]]\nproblem = \"1\"\npoints = -3\n", "points must be a number from 0"),
    ("[[item]]\nproblem = \"1\"\npoints = \"ten\"\n", "points must be a number"),
    ("[[item]]\nproblem = \"1\"\n[[item]]\nproblem = \"1\"\n", "listed twice"),
    ("[items]\n", "unknown table 'items'"),
    ("[[item]]\nproblem = \"9\"\n", "no item of the rubric belongs"),
    ("points = [", "rubric.toml"),
])
def test_bad_rubric_is_one_error_naming_the_file(tmp_path, text, message):
    path = tmp_path / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DeriveError) as exc:   # an InputError, or a ParseError for broken TOML
        load_rubric(path, ["1", "2"])
    assert message in str(exc.value) and "rubric.toml" in str(exc.value)


def test_item_of_another_problem_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "rubric.toml"
    path.write_text("[[item]]\nproblem = \"1\"\n[[item]]\nproblem = \"7\"\n", encoding="utf-8")
    rub = load_rubric(path, ["1", "2"])
    assert [i.name for i in rub.items] == ["1"]
    assert len(rub.warnings) == 1 and "item 2: problem 7 is not in the problem set" in rub.warnings[0]


def test_points_and_parts():
    assert [points(Decimal(x)) for x in ("8.50", "10", "0.125", "7.0")] == ["8.5", "10", "0.12", "7"]
    assert split_part("1(b)") == ("1", "(b)") and split_part("(c)") == ("", "(c)") and split_part("") == ("", "")
