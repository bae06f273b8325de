"""Per-student feedback: the sheet annotated with each finding at its line (Markdown), and as a PDF.

The PDF is derive's annotated LaTeX of the check report (:func:`derive.render.render` of the report, ``latex``),
built sandboxed by :func:`derive.render.compile_pdf`; the Markdown keeps the student's own mathematics and puts
each note after the display it belongs to, so no ``$$`` block is cut in two.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from derive.check.report import Finding, Report
from derive.grade.score import ItemScore, points, total
from derive.render import compile_pdf, render

_OPEN = re.compile(r"\\begin\{([A-Za-z*]+)\}")
_CLOSE = re.compile(r"\\end\{([A-Za-z*]+)\}")


def report_of(result: Mapping[str, Any], text: str) -> Report:
    """The check report back from the journal's record (for derive's own renderers)."""
    return Report(findings=[Finding(**f) for f in result.get("findings", [])], checked=result.get("checked", 0),
                  skipped=[(s["line"], s["reason"]) for s in result.get("skipped", [])],
                  problem=result.get("problem", ""), source=text, problem_tex=result.get("problem_tex", ""),
                  problem_errors=list(result.get("problem_errors", [])))


def _depth_after(line: str, depth: int, dollars: bool) -> tuple[int, bool]:
    """Open environments and whether a ``$$`` display is open after ``line``."""
    depth += len(_OPEN.findall(line)) - len(_CLOSE.findall(line))
    depth += line.count(r"\[") - line.count(r"\]")
    if line.count("$$") % 2:
        dollars = not dollars
    return max(depth, 0), dollars


def _note(f: Mapping[str, Any]) -> list[str]:
    where = f"line {f.get('line')}" + (f", {f['part']}" if f.get("part") else "")
    out = [f"> **{str(f.get('verdict', '')).upper()}** ({where}): {f.get('message', '')}"]
    if f.get("expected"):
        out.append(f"> expected: `{f['expected']}`")
    return out + [""]


def _annotated_markdown(text: str, by_line: dict[int, list[Mapping[str, Any]]]) -> list[str]:
    """A Markdown sheet as written, each finding after the display that holds its line."""
    out: list[str] = []
    pending: list[Mapping[str, Any]] = []
    depth, dollars = 0, False
    for n, line in enumerate(text.split("\n"), 1):
        out.append(line)
        pending += by_line.pop(n, [])
        depth, dollars = _depth_after(line, depth, dollars)
        if pending and depth == 0 and not dollars:   # a display just closed: its notes go right under it
            out += [""] + [x for f in pending for x in _note(f)]
            pending = []
    rest = pending + [f for k in sorted(by_line) for f in by_line[k]]
    return out + ([""] + [x for f in rest for x in _note(f)] if rest else [])


def _annotated_latex(text: str, by_line: dict[int, list[Mapping[str, Any]]]) -> list[str]:
    """A LaTeX sheet as numbered source in code blocks (Markdown cannot show a LaTeX document), each finding
    right after its line."""
    out = ["````latex"]
    lines = text.rstrip("\n").split("\n")
    width = len(str(len(lines)))
    for n, line in enumerate(lines, 1):
        out.append(f"{n:>{width}}  {line}")
        notes = by_line.pop(n, [])
        if notes:
            out += ["````", ""] + [x for f in notes for x in _note(f)] + ["````latex"]
    out.append("````")
    rest = [f for k in sorted(by_line) for f in by_line[k]]
    return out + ([""] + [x for f in rest for x in _note(f)] if rest else [])


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
    by_line: dict[int, list[Mapping[str, Any]]] = {}
    for f in result.get("findings", []):
        by_line.setdefault(int(f.get("line", 0)), []).append(f)
    out += _annotated_latex(text, by_line) if latex else _annotated_markdown(text, by_line)
    if result.get("skipped"):
        out += ["", f"{len(result['skipped'])} statement(s) were not graded: their part is not a problem of the set."]
    return "\n".join(out).rstrip("\n") + "\n"


def feedback_pdf(result: Mapping[str, Any], text: str, path: Path) -> None:
    """The annotated sheet as a PDF (derive's check report in LaTeX); a failed build raises one DeriveError."""
    compile_pdf(render(report_of(result, text), "latex"), path)
