"""The checker's report: findings per step, as a terminal report, JSON, or the solution annotated in LaTeX."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from derive.latex import Tex, escape_tex
from derive.errors import DeriveError
from derive.render import standalone_latex, to_json

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


@dataclass(frozen=True)
class Finding:
    """One judged step: where (source ``line``; ``step`` is ``lhs = side``), the verdict and why."""

    line: int
    step: str
    verdict: str
    expected: str = ""
    found: str = ""
    message: str = ""
    diagnosis: str = ""
    part: str = ""
    row: int = 0
    side: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """All findings for one solution; ``ok`` is False when a step is wrong."""

    findings: list[Finding] = field(default_factory=list)
    checked: int = 0                       # sides judged (ok, carried, note, wrong)
    skipped: list[tuple[int, str]] = field(default_factory=list)   # (line, reason) of statements not checked
    problem: str = ""
    source: str = ""
    problem_tex: str = ""                  # the problem as LaTeX (printed by derive), for the annotated document
    problem_errors: list[str] = field(default_factory=list)  # problems of a set that could not be read: not checked

    @property
    def ok(self) -> bool:
        return not self.errors()

    @property
    def verified(self) -> bool:
        """Something was checked, no step is wrong and nothing was left unverified."""
        return self.checked > 0 and not self.problem_errors and \
            not any(f.verdict in ("wrong", "unverifiable") for f in self.findings)

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.verdict == "wrong"]

    def count(self, verdict: str) -> int:
        return sum(1 for f in self.findings if f.verdict == verdict)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "verified": self.verified, "problem": self.problem, "checked": self.checked,
                "findings": [f.to_dict() for f in self.findings],
                "skipped": [{"line": ln, "reason": r} for ln, r in self.skipped],
                "problem_errors": list(self.problem_errors)}

    def json_errors(self) -> list[dict[str, Any]]:
        """The problems of the set that could not be read, as error records (``{kind, message, where, column}``)."""
        return [error_record(e) for e in self.problem_errors]

    def to_json(self) -> str:
        """The report in derive's JSON envelope (kind ``check``): ``data`` is :meth:`to_dict`."""
        return to_json("check", self.to_dict(), ok=self.ok, errors=self.json_errors())

    def summary(self) -> str:
        parts = [f"{self.checked} step(s) checked", f"{self.count('wrong')} wrong",
                 f"{self.count('unverifiable')} unverifiable", f"{self.count('note')} note(s)"]
        if self.skipped:
            parts.append(f"{len(self.skipped)} statement(s) skipped (not about this problem)")
        if self.problem_errors:
            parts.append(f"{len(self.problem_errors)} problem(s) of the set could not be read, so not checked")
        if not self.checked:
            parts.append("nothing in this solution could be checked against the problem")
        return ", ".join(parts)

    def to_text(self, only: list[Finding] | None = None, name: str = "") -> str:
        """A terminal report: one block per finding, then a summary line."""
        out = []
        for f in (self.findings if only is None else only):
            head = f"{name + ':' if name else ''}line {f.line}" + (f" ({f.part})" if f.part else "")
            out.append(f"{head}: {f.verdict.upper()}: {f.message}")
            out.append(f"    step:     {f.step}")
            if f.expected:
                out.append(f"    expected: {f.expected}")
            if f.found and f.found != f.step:
                out.append(f"    written:  {f.found}")
        for e in self.problem_errors:
            out.append(f"{name + ': ' if name else ''}NOT CHECKED: {e}")
        verdict = "OK" if self.ok else "WRONG"
        out.append(f"{name + ': ' if name else ''}{verdict}: {self.summary()}")
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """The solution as a LaTeX document with each finding as a margin note by its line."""
        by_line: dict[int, list[Finding]] = {}
        for f in self.findings:
            by_line.setdefault(f.line, []).append(f)
        lines = self.source.split("\n")
        # a wide right margin for the notes; the sheet itself is shown as escaped text (never run as LaTeX)
        title = rf"Check against ${self.problem_tex}$" if self.problem_tex else _tex(f"Check of {self.problem}")
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
        body.append(r"\noindent\textbf{" + _tex("Result: " + ("OK" if self.ok else "WRONG")) + r"} --- "
                    + _tex(self.summary()))
        for e in self.problem_errors:
            body.append(r"\par\noindent " + _tex(f"not checked: {e}"))
        for f in self.findings:
            body.append(r"\par\noindent " + _tex(f"line {f.line}: {f.verdict}: {f.message}"))
            if f.expected:
                body.append(r"\par\quad expected: " + _tex(f.expected))
        return standalone_latex(Tex("\n".join(body)))
