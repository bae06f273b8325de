"""The records of a problem set: problems as written, solved problems and the whole solution, and the rules every
kind's solver shares (fields checked by ``take``, errors that name the problem, the user's texts appended)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from derive.derivation import Block, Derivation, Part
from derive.errors import DeriveError, InputError, LimitError
from derive.latex import Tex
from derive.usertext import user_segments


@dataclass
class Problem:
    """One problem as written in the file (fields not yet checked)."""

    number: str
    kind: str
    fields: dict[str, Any]
    where: str                     # "FILE, problem N" for messages
    base: str = "."                # the problem file's folder: relative paths in fields start here
    allowed: tuple[str, ...] = ()  # further folders a path in a field may name (--allow-path)
    numbered: bool = True          # False when the file gave no number (then it is the problem's position)
    error: DeriveError | None = None   # why the problem could not be read (reported; the others still used)


@dataclass
class ProblemSet:
    title: str
    author: str
    problems: list[Problem]
    source: str = "<string>"
    settings: dict[str, Any] = field(default_factory=dict)
    single: bool = False           # the file is one problem written at the top level, not [[problem]] tables


@dataclass
class Solved:
    """A solved problem: its derivation (or the error that stopped it) and an optional figure."""

    number: str
    kind: str
    derivation: Derivation | None
    error: DeriveError | None = None
    figure: Tex | None = None
    intro: str = ""
    where: str = ""                # "FILE, problem N", set by solve_problem

    @property
    def ok(self) -> bool:
        return self.error is None

    def rendered(self, render: Callable[[Derivation], Any]) -> Any:
        """``render(derivation)``, or None once it has failed: the failure becomes this problem's error (the
        document then shows it in the problem's box) instead of losing the others."""
        if self.derivation is None:
            return None
        try:
            return render(self.derivation)
        except Exception as exc:   # noqa: BLE001
            self.error = problem_error(exc, self.where or f"problem {self.number}")
            self.derivation, self.figure = None, None
            return None


@dataclass
class Solution:
    """A whole worked solution document."""

    title: str
    author: str
    problems: list[Solved]

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.problems)

    @property
    def errors(self) -> list[DeriveError]:
        return [p.error for p in self.problems if p.error is not None]

    def to_dict(self) -> dict[str, Any]:
        data = [p.rendered(lambda d: d.to_dict()) for p in self.problems]
        return {"title": self.title, "author": self.author, "ok": self.ok,
                "problems": [{"number": str(p.number), "kind": p.kind,
                              "error": p.error.to_dict() if p.error else None,
                              "data": d} for p, d in zip(self.problems, data)]}


def take(p: Problem, allowed: dict[str, tuple[type, ...]], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The problem's fields, checked: unknown, missing or mistyped fields are errors naming the field."""
    allowed = dict(allowed, vary=(dict,))   # 'vary' belongs to derive variants; solving ignores it
    for key in p.fields:
        if key not in allowed:
            raise InputError(f"unknown field {key!r} for this {p.kind} problem; known: {', '.join(sorted(allowed))}",
                             p.where)
    for key in required:
        if key not in p.fields:
            raise InputError(f"missing field {key!r}", p.where)
    for key, v in p.fields.items():
        if not isinstance(v, allowed[key]) or isinstance(v, bool) and bool not in allowed[key]:
            names = " or ".join(t.__name__ for t in allowed[key])
            raise InputError(f"field {key!r} must be {names}, not {type(v).__name__}", p.where)
    return {k: v for k, v in p.fields.items() if k != "vary"}


def problem_error(exc: Exception, where: str) -> DeriveError:
    """``exc`` as a DeriveError that names the problem; an unexpected exception becomes one deterministic line
    (its type and first line, memory addresses blanked) instead of a traceback."""
    if isinstance(exc, DeriveError):
        if exc.where and exc.where.startswith(where):
            return exc
        return type(exc)(exc.message, where + (f", {exc.where}" if exc.where else ""), exc.source, exc.column)
    if isinstance(exc, RecursionError):
        return LimitError("the problem nests too deeply to solve", where)
    if isinstance(exc, MemoryError):
        return LimitError("the problem needs more memory than is available", where)
    first = (str(exc).splitlines() or [""])[0]
    first = re.sub(r"0x[0-9A-Fa-f]+", "0x…", first)[:200]
    return DeriveError(f"internal error ({type(exc).__name__}{': ' + first if first else ''}); "
                       "this is a bug in derive", where)


def with_texts(d: Derivation, texts: Mapping[str, str]) -> Derivation:
    """Append the user's free text to the parts it names (by label, e.g. "(c)")."""
    def extra(label: str) -> tuple[Block, ...]:
        return (Block.text(*user_segments(texts[label], f"text of {label}")),) if label in texts else ()
    parts = [Part(pt.label, pt.title, pt.blocks + extra(pt.label)) for pt in d.parts]
    return Derivation(d.title, parts, d.data, d.notes, d.kind)
