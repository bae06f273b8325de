"""The class summary: how many graded and failed, which misconceptions how often, which steps most got wrong.

Counted in students (a student who makes the same slip twice counts once), sorted by count then name, written as
a Markdown table, a CSV and a bar chart (PNG and SVG, matplotlib imported here only: the ``grade`` extra).
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

from derive.check.misconceptions import MISCONCEPTIONS
from derive.errors import InputError

TOP = 15   # rows of the "steps most got wrong" table and chart


def _step_key(f: Mapping[str, Any]) -> str:
    """A step as students share it: its part and left side (line numbers differ from sheet to sheet)."""
    lhs = str(f.get("step", "")).split(" = ", 1)[0].strip()
    return f"{f.get('part') or '-'}: {lhs}"[:80]


def tally(results: list[Mapping[str, Any]]) -> tuple[Counter, Counter]:
    """(misconception id → students, step → students who got it wrong) over the graded records."""
    mis: Counter = Counter()
    steps: Counter = Counter()
    for r in results:
        wrong = [f for f in r.get("findings", []) if f.get("verdict") == "wrong"]
        mis.update({f["diagnosis"] for f in r.get("findings", []) if f.get("diagnosis")})
        steps.update({_step_key(f) for f in wrong})
    return mis, steps


def _ranked(c: Counter) -> list[tuple[str, int]]:
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


def _title(mid: str) -> str:
    m = MISCONCEPTIONS.get(mid)
    return m.title if m else mid


def summary_markdown(counts: Mapping[str, int], failures: list[tuple[str, str]], mis: Counter, steps: Counter,
                     mean: str, max_score: str) -> str:
    """The lecturer's page: counts, failures with reasons, the two tables."""
    out = ["# Class summary", "", f"- submissions: {counts['total']}", f"- graded: {counts['graded']}",
           f"- failed: {counts['failed']}", f"- mean score of the graded: {mean} / {max_score}", ""]
    if failures:
        out += ["## Not graded", "", "| student | reason |", "|---|---|"]
        out += [f"| {sid} | {reason.replace('|', '/')} |" for sid, reason in failures] + [""]
    out += ["## Misconceptions", "", "| misconception | students |", "|---|---:|"]
    out += [f"| {_title(k)} (`{k}`) | {n} |" for k, n in _ranked(mis)] or ["| (none found) | 0 |"]
    out += ["", "## Steps most students got wrong", "", "| step | students |", "|---|---:|"]
    out += [f"| `{k}` | {n} |" for k, n in _ranked(steps)[:TOP]] or ["| (none) | 0 |"]
    return "\n".join(out) + "\n"


def summary_csv(mis: Counter, steps: Counter) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["table", "key", "title", "students"])
    for k, n in _ranked(mis):
        w.writerow(["misconception", k, _title(k), n])
    for k, n in _ranked(steps):
        w.writerow(["step", k, "", n])
    return out.getvalue()


def plot(mis: Counter, steps: Counter, stem: Path) -> list[Path]:
    """``stem``.png and ``stem``.svg: two bar charts a lecturer can show (same bytes for the same counts)."""
    try:
        import matplotlib   # lazy: only a grading run draws
        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        raise InputError("the class summary plot needs matplotlib: pip install 'derive[grade]'", str(stem)) from None
    rows_m = _ranked(mis)[:TOP]
    rows_s = _ranked(steps)[:TOP]
    with matplotlib.rc_context({"svg.hashsalt": "derive-grade", "font.size": 9, "svg.fonttype": "none"}):
        fig, axes = plt.subplots(1, 2, figsize=(13, 0.4 * max(len(rows_m), len(rows_s), 3) + 1.6))
        for ax, rows, title in ((axes[0], rows_m, "Misconceptions (students)"),
                                (axes[1], rows_s, "Steps most got wrong (students)")):
            labels = [(_title(k) if ax is axes[0] else k)[:48] for k, _ in rows][::-1]
            ax.barh(range(len(rows)), [n for _, n in rows][::-1], color="#3b6ea5")
            ax.set_yticks(range(len(rows)), labels)
            ax.set_title(title)
            ax.xaxis.get_major_locator().set_params(integer=True)
            if not rows:
                ax.text(0.5, 0.5, "none", ha="center", va="center", transform=ax.transAxes)
        fig.tight_layout()
        paths = [stem.with_suffix(".png"), stem.with_suffix(".svg")]
        fig.savefig(paths[0], dpi=120, metadata={"Software": None})
        fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
        plt.close(fig)
    return paths
