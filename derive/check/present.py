"""A check report laid out: the terminal report (``text``), derive's JSON envelope (kind ``check``), the sheet as
written with each finding after its line (``markdown``) and the solution annotated in LaTeX with each finding as a
margin note. Registered with :func:`derive.render.render`."""
from __future__ import annotations

import re
from typing import Any

from derive.check.report import Finding, Report
from derive.errors import DeriveError
from derive.latex import Tex, escape_tex
from derive.render import formats_error, jupyter_display, render, standalone_latex, summary as summary_of, to_json

FORMATS = ("text", "markdown", "latex", "json")

_ASCII = {"∂": "d", "≈": "~", "×": "x", "·": ".", "−": "-", "‖": "||", "ε": "eps", "λ": "lambda", "→": "->",
          "≠": "!=", "≤": "<=", "≥": ">=", "…": "...", "²": "^2", "∼": "~", "⇒": "=>", "←": "<-"}


def _ascii(text: str) -> str:
    """pdflatex with derive's preamble knows no maths symbols in text mode: spell them in ASCII."""
    out = "".join(_ASCII.get(ch, ch) for ch in text)
    return out.encode("ascii", "replace").decode("ascii")


def _tex(text: str) -> str:
    return escape_tex(_ascii(text))


def _error_kinds() -> list[str]:
    kinds, todo = set(), [DeriveError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.kind)
        todo.extend(cls.__subclasses__())
    return sorted(kinds, key=lambda k: (-len(k), k))


def error_record(text: str) -> dict[str, Any]:
    """A problem error as the checker words it (``WHERE: KIND: MESSAGE``) back as a ``DeriveError.to_dict()``
    record, for the JSON's ``errors``; a text in no such form is the message of a plain ``error``."""
    for kind in _error_kinds():
        m = re.match(rf"(?:(?P<where>.*?): )?{re.escape(kind)}: (?P<message>.*)\Z", text, re.S)
        if m:
            return {"kind": kind, "message": m.group("message"), "where": m.group("where"), "column": None}
    return {"kind": DeriveError.kind, "message": text, "where": None, "column": None}


def json_errors(report: Report) -> list[dict[str, Any]]:
    """The problems of the set that could not be read, as error records (``{kind, message, where, column}``)."""
    return [error_record(e) for e in report.problem_errors]


def summary(report: Report) -> str:
    """One line: how many steps were checked, wrong, unverifiable, skipped."""
    parts = [f"{report.checked} step(s) checked", f"{report.count('wrong')} wrong",
             f"{report.count('unverifiable')} unverifiable", f"{report.count('note')} note(s)"]
    if report.skipped:
        parts.append(f"{len(report.skipped)} statement(s) skipped (not about this problem)")
    if report.problem_errors:
        parts.append(f"{len(report.problem_errors)} problem(s) of the set could not be read, so not checked")
    if not report.checked:
        parts.append("nothing in this solution could be checked against the problem")
    return ", ".join(parts)


def text(report: Report, only: list[Finding] | None = None, name: str = "") -> str:
    """A terminal report: one block per finding, then a summary line."""
    out = []
    for f in (report.findings if only is None else only):
        head = f"{name + ':' if name else ''}line {f.line}" + (f" ({f.part})" if f.part else "")
        out.append(f"{head}: {f.verdict.upper()}: {f.message}")
        out.append(f"    step:     {f.step}")
        if f.expected:
            out.append(f"    expected: {f.expected}")
        if f.found and f.found != f.step:
            out.append(f"    written:  {f.found}")
    for e in report.problem_errors:
        out.append(f"{name + ': ' if name else ''}NOT CHECKED: {e}")
    verdict = "OK" if report.ok else "WRONG"
    out.append(f"{name + ': ' if name else ''}{verdict}: {summary(report)}")
    return "\n".join(out) + "\n"


def latex(report: Report, standalone: bool = True) -> str:
    """The solution as a LaTeX document with each finding as a margin note by its line; not ``standalone``: the
    body alone, for another document (a notebook's), without the wide margin and its notes (the findings follow
    the sheet in both)."""
    by_line: dict[int, list[Finding]] = {}
    for f in report.findings:
        by_line.setdefault(f.line, []).append(f)
    lines = report.source.split("\n")
    # a wide right margin for the notes; the sheet itself is shown as escaped text (never run as LaTeX)
    # a problem set's description holds its expressions as typed (no spaces to break at): break before commands
    title = rf"Check against ${report.problem_tex}$" if report.problem_tex else r"\raggedright " + \
        _tex(f"Check of {report.problem}").replace(r"\textbackslash{}", r"\allowbreak\textbackslash{}")
    body = [r"\newgeometry{left=1.5cm,right=6.3cm,top=2cm,bottom=2cm,marginparwidth=5.3cm,marginparsep=0.4cm}",
            r"\section*{" + title + "}", r"\begin{flushleft}\small"][0 if standalone else 1:]
    colours = {"wrong": "WRONG", "unverifiable": "UNVERIFIED", "note": "NOTE"}
    for n, text in enumerate(lines, 1):
        shown = _tex(text) if text.strip() else ""
        notes = by_line.get(n, [])
        marks = "".join(rf"\marginpar{{\raggedright\scriptsize\textbf{{{colours[f.verdict]}}}: "
                        rf"{_tex(f.message)}}}" for f in notes) if standalone else ""
        prefix = r"\textbf{$\triangleright$} " if any(f.verdict == "wrong" for f in notes) else ""
        body.append(rf"{{\ttfamily\scriptsize {n:>3}}}\quad {prefix}{shown}{marks}\\")
    body.append(r"\end{flushleft}")
    body.append(r"\noindent\textbf{" + _tex("Result: " + ("OK" if report.ok else "WRONG")) + r"} --- "
                + _tex(summary(report)))
    for e in report.problem_errors:
        body.append(r"\par\noindent " + _tex(f"not checked: {e}"))
    for f in report.findings:
        body.append(r"\par\noindent " + _tex(f"line {f.line}: {f.verdict}: {f.message}"))
        if f.expected:
            body.append(r"\par\quad expected: " + _tex(f.expected))
    return standalone_latex(Tex("\n".join(body))) if standalone else "\n".join(body) + "\n"


_OPEN = re.compile(r"\\begin\{([A-Za-z*]+)\}")
_CLOSE = re.compile(r"\\end\{([A-Za-z*]+)\}")


def _depth_after(line: str, depth: int, dollars: bool) -> tuple[int, bool]:
    """Open environments and whether a ``$$`` display is open after ``line``."""
    depth += len(_OPEN.findall(line)) - len(_CLOSE.findall(line))
    depth += line.count(r"\[") - line.count(r"\]")
    if line.count("$$") % 2:
        dollars = not dollars
    return max(depth, 0), dollars


def _note(f: Finding) -> list[str]:
    where = f"line {f.line}" + (f", {f.part}" if f.part else "")
    out = [f"> **{f.verdict.upper()}** ({where}): {f.message}"]
    if f.expected:
        out.append(f"> expected: `{f.expected}`")
    return out + [""]


def _annotated_markdown(text: str, by_line: dict[int, list[Finding]]) -> list[str]:
    """A Markdown sheet as written, each finding after the display that holds its line."""
    out: list[str] = []
    pending: list[Finding] = []
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


def _annotated_latex(text: str, by_line: dict[int, list[Finding]]) -> list[str]:
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


def annotated_markdown(report: Report, latex_source: bool | None = None) -> list[str]:
    """The writer's sheet as written with every finding right after the display that holds its line; a LaTeX
    document (``latex_source``, by default told from ``\\documentclass``/``\\begin{document}``) as numbered source."""
    if latex_source is None:
        latex_source = bool(re.search(r"\\documentclass|\\begin\{document\}", report.source))
    by_line: dict[int, list[Finding]] = {}
    for f in report.findings:
        by_line.setdefault(f.line, []).append(f)
    return _annotated_latex(report.source, by_line) if latex_source else _annotated_markdown(report.source, by_line)


def markdown(report: Report) -> str:
    """The report as Markdown: a title, the annotated sheet, then the result line."""
    title = f"# Check against ${report.problem_tex}$" if report.problem_tex else f"# Check of {report.problem}"
    out = [title, ""] + annotated_markdown(report) + [""]
    out += [f"**Not checked:** {e}" for e in report.problem_errors]
    out += [f"**Result: {'OK' if report.ok else 'WRONG'}** — {summary(report)}"]
    return "\n".join(out).rstrip("\n") + "\n"


@render.register
def _render_report(report: Report, fmt: str = "text", *, standalone: bool = True, only: list[Finding] | None = None,
                   name: str = "") -> str:
    """``text`` (``only`` some findings, ``name`` the file before each line), ``json``, ``markdown`` (the annotated
    sheet) or ``latex`` (a whole document; ``standalone=False``: its body, for another document)."""
    if fmt == "text":
        return text(report, only, name)
    if fmt == "json":
        return to_json("check", report.to_dict(), ok=report.ok, errors=json_errors(report))
    if fmt == "latex":
        return latex(report, standalone)
    if fmt == "markdown":
        return markdown(report)
    raise formats_error(fmt, FORMATS, "a check report")


@summary_of.register
def _summary_report(report: Report) -> str:
    against = f" against {report.problem}" if report.problem else ""
    return f"{'OK' if report.ok else 'WRONG'}{against}: {summary(report)}"


jupyter_display(Report)
