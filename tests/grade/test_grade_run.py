"""Whole grading runs: scores that match the slips put in, byte-identical outputs however the run went (one worker
or two, resumed from the journal, killed half-way and resumed, on a Dask LocalCluster), failures recorded."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import derive.grade.worker as worker
from derive.grade import grade
import gradecourse
from gradecourse import CLASS_SIZE, outputs

ROOT = Path(__file__).resolve().parents[2]
course = gradecourse.course


def _book(folder: Path) -> dict[str, dict]:
    with open(folder / "gradebook.csv", encoding="utf-8", newline="") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def _rows(folder: Path) -> int:
    try:
        with sqlite3.connect(f"file:{folder / 'journal.sqlite'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    except sqlite3.Error:   # not created yet
        return 0


def test_scores_follow_the_slips(course):
    book = _book(course["reference"])
    assert len(book) == CLASS_SIZE and course["stats"].graded == CLASS_SIZE and course["stats"].failed == 0
    slipped = {sid for sid, line in course["answers"].items() if line}
    assert 2 <= len(slipped) < CLASS_SIZE
    for sid, row in book.items():
        assert row["status"] == "graded" and row["max"] == "20"
        assert (row["total"] != "20") == (sid in slipped), (sid, row)
    res = json.loads((course["reference"] / "gradescope" / "s0000" / "results.json").read_text())
    assert set(res) >= {"score", "tests"} and {"name", "score", "max_score", "output", "visibility"} <= \
        set(res["tests"][0])
    wrong = next(s for s in sorted(slipped))
    line = course["answers"][wrong]
    feedback = (course["reference"] / "feedback" / f"{wrong}.md").read_text()
    assert f"**WRONG** (line {line}" in feedback or f"line {line}" in feedback
    summary = (course["reference"] / "summary.md").read_text()
    assert f"- graded: {CLASS_SIZE}" in summary and "Steps most students got wrong" in summary
    assert (course["reference"] / "summary.png").stat().st_size > 1000
    assert os.access(course["reference"] / "gradescope" / "run_autograder", os.X_OK)


def test_one_worker_and_resume_give_the_same_bytes(course, tmp_path):
    one = tmp_path / "one"
    grade(course["subs"], course["problem"], one, jobs=1, warn=lambda line: None)
    assert outputs(one) == outputs(course["reference"])
    again = grade(course["subs"], course["problem"], one, jobs=1, warn=lambda line: None)
    assert again.resumed == CLASS_SIZE and again.graded == CLASS_SIZE
    assert outputs(one) == outputs(course["reference"])


def test_changed_submission_is_graded_again_and_others_are_not(course, tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(course["subs"], subs)
    out = tmp_path / "out"
    shutil.copytree(course["reference"], out)
    sheet = subs / "s0002.md"
    sheet.write_text(sheet.read_text().replace("= 0.693", "= 0.893"), encoding="utf-8")
    stats = grade(subs, course["problem"], out, warn=lambda line: None)
    assert stats.resumed == CLASS_SIZE - 1
    assert _book(out)["s0002"]["total"] != _book(course["reference"])["s0002"]["total"]


def _left_behind(mark: str, wait: float = 5.0, exclude: set[int] = frozenset()) -> list[int]:
    """Processes whose command line holds ``mark`` (not in ``exclude``), after waiting up to ``wait`` s."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for d in Path("/proc").iterdir():
            try:
                pid = int(d.name) if d.name.isdigit() else 0
                if pid and pid != os.getpid() and pid not in exclude and \
                        mark in (d / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(pid)
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_killed_half_way_then_resumed_is_byte_identical(course, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "derive", "grade", str(course["subs"]), "--problem", str(course["problem"]),
           "-o", str(out), "--jobs", "1"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while _rows(out) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = _rows(out)
    assert proc.returncode == -signal.SIGKILL and 4 <= done_at_kill < CLASS_SIZE, done_at_kill
    assert not (out / "gradebook.csv").exists()
    assert _left_behind(str(out)) == []   # no worker of the killed run grades on
    resumed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({done_at_kill} from the journal)" in resumed.stderr
    assert _rows(out) == CLASS_SIZE
    assert outputs(out) == outputs(course["reference"])


def test_dask_local_cluster_two_workers_same_bytes(course, tmp_path):
    pytest.importorskip("dask.distributed")
    out = tmp_path / "dask"
    stats = grade(course["subs"], course["problem"], out, jobs=2, dask="local", warn=lambda line: None)
    assert stats.graded == CLASS_SIZE and stats.failed == 0
    assert outputs(out) == outputs(course["reference"])


_real_grade_text = worker.grade_text


def _hostile_grade_text(problems, text, timeout):
    """In the forked worker: a sheet saying CRASH kills it, one saying SLOW overruns any budget."""
    if "CRASH" in text:
        os._exit(3)
    if "SLOW" in text:
        time.sleep(120)
    return _real_grade_text(problems, text, timeout)


def test_failures_are_recorded_and_the_run_goes_on(course, tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    subs.mkdir()
    good = (course["subs"] / "s0000.md").read_text()
    for sid in ("a", "b"):
        (subs / f"{sid}.md").write_text(good, encoding="utf-8")
    (subs / "crash.md").write_text(good + "\nCRASH\n", encoding="utf-8")
    (subs / "slow.md").write_text(good + "\nSLOW\n", encoding="utf-8")
    (subs / "prose.md").write_text("I did not do the homework.\n", encoding="utf-8")
    (subs / "binary.md").write_bytes(b"\x00\xff\xfe")
    (subs / "photo.jpg").write_bytes(b"\xff\xd8")
    monkeypatch.setattr(worker, "grade_text", _hostile_grade_text)   # inherited by the forked workers
    me = Path("/proc/self/cmdline").read_bytes()   # forked workers keep this process's command line
    before = set(_left_behind(me.decode(errors="replace"), wait=0))
    lines: list[str] = []
    start = time.monotonic()
    stats = grade(subs, course["problem"], tmp_path / "out", jobs=2, budget=12, warn=lines.append)
    assert time.monotonic() - start < 40
    assert (stats.graded, stats.failed) == (2, 5)
    book = _book(tmp_path / "out")
    assert book["a"]["total"] == book["b"]["total"] == _book(course["reference"])["s0000"]["total"]
    assert "crashed" in book["crash"]["reason"]
    assert "over its time budget of 12 s" in book["slow"]["reason"]
    assert "no mathematics" in book["prose"]["reason"]
    assert "binary.md" in book["binary"]["reason"] and "photo.jpg" in book["photo"]["reason"]
    assert sorted(x.split(":")[0] for x in lines) == ["binary", "crash", "photo", "prose", "slow"]
    assert all("\n" not in x for x in lines)
    assert set(_left_behind(me.decode(errors="replace"), wait=15, exclude=before)) == set()   # the crashed and the stopped workers took theirs with them
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "- failed: 5" in summary and "| slow | over its time budget" in summary
    res = json.loads((tmp_path / "out" / "gradescope" / "crash" / "results.json").read_text())
    assert res["score"] == 0 and "could not be graded" in res["output"]


def test_unreadable_problem_of_the_set_and_bad_rubric(course, tmp_path):
    bad_set = tmp_path / "set.toml"
    bad_set.write_text(course["problem"].read_text().replace("sigmoid(w*x + b)", "sigmoid(w*x +* b)"),
                       encoding="utf-8")
    lines: list[str] = []
    grade(course["subs"], bad_set, tmp_path / "out", warn=lines.append)
    assert any("set.toml: problem 2" in x for x in lines)
    book = _book(tmp_path / "out")
    assert book["s0002"]["1"] == "10" and book["s0002"]["2"] == "0"
    rubric = tmp_path / "rubric.toml"
    rubric.write_text("[defaults]\npoints = 'many'\n", encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "derive", "grade", str(course["subs"]), "--problem",
                          str(course["problem"]), "--rubric", str(rubric), "-o", str(tmp_path / "o2")],
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=60)
    assert cli.returncode == 2 and cli.stderr.count("\n") == 1 and "rubric.toml" in cli.stderr, cli.stderr
    assert "Traceback" not in cli.stderr


def test_journal_of_another_problem_set_is_refused(course, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(course["reference"], out)
    other = tmp_path / "other.toml"
    other.write_text(course["problem"].read_text().replace("x1=2", "x1=3"), encoding="utf-8")
    with pytest.raises(Exception, match="another problem set"):
        grade(course["subs"], other, out, warn=lambda line: None)
