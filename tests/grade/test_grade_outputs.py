"""The outputs a student and a lecturer read: feedback at the line (Markdown sheets and LaTeX sheets), the PDF,
the Gradescope autograder mode, the class summary's counts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import gradecourse
from derive.grade.feedback import feedback_pdf
from derive.grade.journal import Journal
from derive.grade.worker import Job

ROOT = Path(__file__).resolve().parents[2]
course = gradecourse.course


def _slipped(course, suffix: str) -> str:
    for sid, line in sorted(course["answers"].items()):
        if line and (course["subs"] / f"{sid}{suffix}").exists():
            return sid
    raise AssertionError(f"the class has no slipped {suffix} sheet")


def test_markdown_feedback_puts_the_finding_under_its_display(course):
    sid = _slipped(course, ".md")
    line = course["answers"][sid]
    page = (course["reference"] / "feedback" / f"{sid}.md").read_text().split("\n")
    sheet = (course["subs"] / f"{sid}.md").read_text().split("\n")
    at = page.index(sheet[line - 1])                        # the slipped line, as the student wrote it
    note = next(k for k, x in enumerate(page) if x.startswith("> **WRONG**"))
    assert note > at and f"(line {line}," in page[note]
    assert all(not x.startswith("> ") for x in page[at + 1:note] if x.strip())   # nothing else in between
    assert page[2].startswith("**Score: ") and "| 1 |" in "\n".join(page[:12])


def test_latex_feedback_is_numbered_source_with_the_note_after_the_line(course):
    sid = _slipped(course, ".tex")
    page = (course["reference"] / "feedback" / f"{sid}.md").read_text()
    assert "````latex" in page
    head, _, rest = page.partition("> **WRONG** (line ")
    line = int(rest.split(",")[0])
    last_source = [x for x in head.split("\n") if x[:1] == " " or x[:1].isdigit()][-1]
    assert last_source.split()[0] == str(line)              # the note follows the very line it names


def test_summary_counts_the_slipped_students(course):
    summary = (course["reference"] / "summary.md").read_text()
    slipped = sum(1 for v in course["answers"].values() if v)
    rows = [x for x in summary.split("## Steps most students got wrong")[1].split("\n") if x.startswith("| `")]
    assert sum(int(x.rsplit("|", 2)[1]) for x in rows) >= slipped   # each slipped student is in some row
    csv_text = (course["reference"] / "summary.csv").read_text()
    assert csv_text.startswith("table,key,title,students\n")


def test_gradescope_single_mode_gives_the_same_results_json(course, tmp_path):
    sid = next(p.name for p in sorted(course["subs"].iterdir()) if p.is_dir())   # a folder student
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    cli = subprocess.run([sys.executable, "-m", "derive", "grade", str(course["subs"] / sid), "--single",
                          "submission", "--problem", str(course["problem"]), "-o", str(tmp_path / "gs")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert cli.returncode == 0, cli.stderr
    got = (tmp_path / "gs" / "gradescope" / "submission" / "results.json").read_text()
    assert got == (course["reference"] / "gradescope" / sid / "results.json").read_text()
    data = json.loads(got)
    assert data["score"] == sum(t["score"] for t in data["tests"])
    script = (tmp_path / "gs" / "gradescope" / "run_autograder").read_text()
    assert "--single submission" in script and "/autograder/results/results.json" in script


def test_pdf_feedback_builds(course, tmp_path, tex_required):
    sid = _slipped(course, ".md")
    job = Job(str(course["problem"].resolve()))
    with Journal(course["reference"], job.settings()) as journal:
        row = next(r for r in journal.rows() if r.sid == sid)
    text = (course["subs"] / f"{sid}.md").read_text()
    feedback_pdf(row.result, text, tmp_path / f"{sid}.pdf")
    assert (tmp_path / f"{sid}.pdf").read_bytes()[:5] == b"%PDF-"
