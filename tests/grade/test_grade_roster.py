"""Submissions: a file or a folder per student, a roster mapping, and entries that cannot be graded."""
from __future__ import annotations

import pytest

from derive.errors import InputError
from derive.grade.roster import load_mapping, roster


def test_files_folders_mapping_and_bad_entries(tmp_path):
    subs = tmp_path / "subs"
    (subs / "bob").mkdir(parents=True)
    (subs / "alice.md").write_text("$$y = 1$$\n", encoding="utf-8")
    (subs / "bob" / "b.tex").write_text("\\[ y = 2 \\]\n", encoding="utf-8")
    (subs / "bob" / "a.md").write_text("$$y = 1$$\n", encoding="utf-8")
    (subs / "carol.pdf").write_bytes(b"%PDF-1.4")
    (subs / "dave.md").write_bytes(b"\xff\xfe not utf-8 \x80")
    (subs / "empty").mkdir()
    (subs / "erin.md").write_text("   \n", encoding="utf-8")
    (subs / ".DS_Store").write_bytes(b"x")
    (subs / "frank.md").write_text("$$y = 1$$\n", encoding="utf-8")
    (subs / "frank").mkdir()
    (subs / "frank" / "x.md").write_text("$$y = 1$$\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("submission,student\nalice.md,a123\n", encoding="utf-8")
    got = {s.sid: s for s in roster(subs, load_mapping(tmp_path / "roster.csv"))}
    assert sorted(got) == ["a123", "bob", "carol", "dave", "empty", "erin", "frank"]
    assert got["a123"].text == "$$y = 1$$\n" and not got["a123"].error
    assert got["bob"].text == "$$y = 1$$\n\n\\[ y = 2 \\]\n"        # the folder's files in name order
    assert "carol.pdf: not a Markdown, LaTeX or text file" in got["carol"].error
    assert "dave.md" in got["dave"].error and "UTF-8" in got["dave"].error
    assert "empty: no .md" in got["empty"].error
    assert "erin.md: the submission is empty" in got["erin"].error
    assert "two submissions for frank" in got["frank"].error
    assert got["a123"].digest != got["frank"].digest or got["frank"].error
    (subs / "results").mkdir()
    (subs / "results" / "gradebook.md").write_text("$$y = 1$$\n", encoding="utf-8")
    assert "results" in {s.sid for s in roster(subs)}
    assert "results" not in {s.sid for s in roster(subs, ignore=(subs / "results",))}   # -o inside the folder


def test_single_and_bad_roster(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "sheet.md").write_text("$$y = 1$$\n", encoding="utf-8")
    assert [s.sid for s in roster(tmp_path / "s", single="submission")] == ["submission"]
    with pytest.raises(InputError, match="not a folder"):
        roster(tmp_path / "nope")
    (tmp_path / "r.csv").write_text("name,id\nx,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="r.csv"):
        load_mapping(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_text("submission,student\nx,../etc\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: student id"):
        load_mapping(tmp_path / "r.csv")


def test_grading_imports_neither_dask_nor_matplotlib_until_it_needs_them():
    import subprocess
    import sys
    code = ("import sys, derive.cli, derive.grade; derive.cli.build_parser(); "
            "print(sorted(m for m in ('dask', 'distributed', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr
