"""Per-student feedback: the sheet annotated with each finding at its line (Markdown), and as a PDF.

The PDF is derive's annotated LaTeX of the check report (:func:`derive.render.render` of the report, ``latex``),
built sandboxed by :func:`derive.render.compile_pdf`; the Markdown keeps the student's own mathematics and puts
each note after the display it belongs to, so no ``$$`` block is cut in two.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from derive.check.present import annotated_markdown
from derive.check.report import Finding, Report
from derive.grade.score import ItemScore, points, total
from derive.render import compile_pdf, render


def report_of(result: Finding, text: str) -> Report:
    """The check report back from the journal's record (for derive's own renderers)."""
    return Report(findings=[Finding(**f) for f in result.get("findings", [])], checked=result.get("checked", 0),
                  skipped=[(s["line"], s["reason"]) for s in result.get("skipped", [])],
                  problem=result.get("problem", ""), source=text, problem_tex=result.get("problem_tex", ""),
                  problem_errors=list(result.get("problem_errors", [])))


def feedback_markdown(sid: str, text: str, status: str, reason: str, scores: list[ItemScore] | None,
                      max_score: str, result: Mapping[str, Any] | None, latex: bool = False) -> str:
    """The student's feedback page: score table, then the sheet with every finding after its line (``latex``:
    the sheet is a LaTeX document, shown as numbered source)."""
    out = [f"# Feedback: {sid}", ""]
    if scores is None or result is None:
        out += [f"Your submission could not be graded: {reason}", ""]
        return "\n".join(out)
    out += [f"**Score: {points(total(scores))} / {max_score}**", "", "| item | score | of | findings |",
            "|---|---:|---:|---|"]
    for s in scores:
        what = "no work found" if s.missing else "not graded (problem unreadable)" if s.unread else \
            ", ".join(f"{n} {k}" for k, n in sorted(s.counts.items()) if n) or "all right"
        out.append(f"| {s.item.name} | {points(s.score)} | {points(s.item.points)} | {what} |")
    out += ["", "## Your sheet, with each finding at its line", ""]
    out += annotated_markdown(report_of(result, text), latex)
    if result.get("skipped"):
        out += ["", f"{len(result['skipped'])} statement(s) were not graded: their part is not a problem of the set."]
    return "\n".join(out).rstrip("\n") + "\n"


def feedback_pdf(result: Mapping[str, Any], text: str, path: Path) -> None:
    """The annotated sheet as a PDF (derive's check report in LaTeX); a failed build raises one DeriveError."""
    compile_pdf(render(report_of(result, text), "latex"), path)
