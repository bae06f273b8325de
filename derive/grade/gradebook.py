"""The gradebook CSV and Gradescope's autograder output (a ``results.json`` a submission, ``run_autograder``).

Everything is written from the journal in student-id order with fixed number formats, so the same run gives
byte-identical files however it was run (one worker, many, a Dask cluster, killed and resumed).
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from derive.grade.rubric import Rubric
from derive.grade.score import ItemScore, points, total

_VERDICT_WORDS = {"wrong": "wrong", "unverifiable": "unverifiable", "carried": "carried forward", "note": "note"}


def gradebook_csv(rubric: Rubric, rows: list[tuple[str, str, str, list[ItemScore] | None]]) -> str:
    """One row a student (``rows``: sid, status, reason, scores), one column an item, then total and max."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", *[i.name for i in rubric.items], "total", "max", "status", "reason"])
    for sid, status, reason, scores in rows:
        if scores is None:
            w.writerow([sid, *[""] * len(rubric.items), "", points(rubric.max_score), status, reason])
            continue
        w.writerow([sid, *[points(s.score) for s in scores], points(total(scores)), points(rubric.max_score),
                    status, reason])
    return out.getvalue()


def item_output(s: ItemScore) -> str:
    """What a student reads under one item: why points were lost, line by line."""
    if s.unread:
        return "This problem could not be read by the grader, so it was not graded (your instructor has been told)."
    if s.missing:
        return "No work for this item was found on the sheet."
    if not s.findings:
        return "Every checked step is right."
    lines = []
    for f in s.findings:
        word = _VERDICT_WORDS.get(f.get("verdict", ""), f.get("verdict", ""))
        lines.append(f"line {f.get('line')}: {word}: {f.get('message', '')}")
        if f.get("expected"):
            lines.append(f"    expected: {f['expected']}")
    return "\n".join(lines)


def results_json(rubric: Rubric, status: str, reason: str, scores: list[ItemScore] | None) -> str:
    """Gradescope's ``results.json``: score, tests (name, score, max_score, output, visibility)."""
    data: dict[str, Any]
    if scores is None:
        data = {"score": 0.0, "output": f"Your submission could not be graded: {reason}", "tests": [],
                "visibility": "visible", "stdout_visibility": "hidden"}
    else:
        tests = [{"name": f"Problem {s.item.name}", "score": float(s.score), "max_score": float(s.item.points),
                  "output": item_output(s), "visibility": "visible"} for s in scores]
        data = {"score": float(total(scores)), "output": f"{points(total(scores))} / {points(rubric.max_score)} "
                "points; the annotated sheet lists each finding at its line.", "tests": tests,
                "visibility": "visible", "stdout_visibility": "hidden"}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope autograder: derive grades the submission against the problem set in this folder.
# Upload this folder as the autograder (zip it with setup.sh, problem.toml and, if you have one, rubric.toml).
set -u
cd /autograder/source
rubric=()
[ -f rubric.toml ] && rubric=(--rubric rubric.toml)
derive grade /autograder/submission --single submission --problem problem.toml "${rubric[@]}" \\
    -o /tmp/derive-grade
mkdir -p /autograder/results
cp /tmp/derive-grade/gradescope/submission/results.json /autograder/results/results.json
"""

SETUP_SH = """#!/usr/bin/env bash
# Gradescope setup: install derive (from PyPI, or from a copy of the repository placed in this folder).
set -eu
if [ -d /autograder/source/derive-src ]; then
  pip3 install /autograder/source/derive-src
else
  pip3 install derive
fi
"""


def write_autograder(folder: Path) -> None:
    """``run_autograder`` and ``setup.sh`` (executable), ready to zip with the problem file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("run_autograder", RUN_AUTOGRADER), ("setup.sh", SETUP_SH)):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
