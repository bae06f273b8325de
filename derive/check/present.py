"""A check report laid out: the terminal report (``text``), derive's JSON envelope (kind ``check``) and the solution
annotated in LaTeX with each finding as a margin note. Registered with :func:`derive.render.render`."""
from __future__ import annotations

import re
from typing import Any

from derive.check.report import Finding, Report
from derive.errors import DeriveError
from derive.latex import Tex, escape_tex
from derive.render import formats_error, render, standalone_latex, to_json

FORMATS = ("text", "latex", "json")

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


def latex(report: Report) -> str:
    """The solution as a LaTeX document with each finding as a margin note by its line."""
    by_line: dict[int, list[Finding]] = {}
    for f in report.findings:
        by_line.setdefault(f.line, []).append(f)
    lines = report.source.split("\n")
    # a wide right margin for the notes; the sheet itself is shown as escaped text (never run as LaTeX)
    title = rf"Check against ${report.problem_tex}$" if report.problem_tex else _tex(f"Check of {report.problem}")
    body = [r"\newgeometry{left=1.5cm,right=6.3cm,top=2cm,bottom=2cm,marginparwidth=5.3cm,marginparsep=0.4cm}",
            r"\section*{" + title + "}", r"\begin{flushleft}\small"]
    colours = {"wrong": "WRONG", "unverifiable": "UNVERIFIED", "note": "NOTE"}
    for n, text in enumerate(lines, 1):
        shown = _tex(text) if text.strip() else ""
        notes = by_line.get(n, [])
        marks = "".join(rf"\marginpar{{\raggedright\scriptsize\textbf{{{colours[f.verdict]}}}: "
                        rf"{_tex(f.message)}}}" for f in notes)
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
    return standalone_latex(Tex("\n".join(body)))


@render.register
def _render_report(report: Report, fmt: str = "text", *, standalone: bool = True, only: list[Finding] | None = None,
                   name: str = "") -> str:
    """``text`` (``only`` some findings, ``name`` the file before each line), ``json``, or ``latex`` (always a
    whole document)."""
    if fmt == "text":
        return text(report, only, name)
    if fmt == "json":
        return to_json("check", report.to_dict(), ok=report.ok, errors=json_errors(report))
    if fmt == "latex":
        return latex(report)
    raise formats_error(fmt, FORMATS, "a check report")
