"""Problem sets (TOML) -> whole solution documents.

A problem set names its problems in the order and numbering the user wants; each problem has a ``kind``
(autodiff, optimizer, cnn, text) whose solver turns its fields into a :class:`~derive.derivation.Derivation`.
A bad problem is reported with the file, problem number and field; the other problems are still solved.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import files
from .derivation import Block, Derivation, Part
from .errors import DeriveError, InputError, LimitError
from .latex import Tex
from .render import render_derivation, render_template

EXAMPLES = ("seed", "sigmoid_backprop", "resnet_exercise")


@dataclass
class Problem:
    """One problem as written in the file (fields not yet checked)."""

    number: str
    kind: str
    fields: dict[str, Any]
    where: str                     # "FILE, problem N" for messages
    base: str = "."                # the problem file's folder: relative paths in fields start here
    allowed: tuple[str, ...] = ()  # further folders a path in a field may name (--allow-path)


@dataclass
class ProblemSet:
    title: str
    author: str
    problems: list[Problem]
    source: str = "<string>"
    settings: dict[str, Any] = field(default_factory=dict)


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

    def to_latex(self) -> str:
        bodies = [p.rendered(lambda d: render_derivation(d, "latex")) for p in self.problems]
        items = [dict(number=p.number, intro=p.intro, error=str(p.error) if p.error else "",
                      body=Tex(body or ""), figure=p.figure or Tex("")) for p, body in zip(self.problems, bodies)]
        return render_template("problemset.tex.j2", "latex", title=self.title, author=self.author, problems=items)

    def to_markdown(self) -> str:
        bodies = [p.rendered(lambda d: render_derivation(d, "markdown")) for p in self.problems]
        items = [dict(number=p.number, intro=p.intro, error=str(p.error) if p.error else "", body=Tex(body or ""))
                 for p, body in zip(self.problems, bodies)]
        return render_template("problemset.md.j2", "markdown", title=self.title, author=self.author, problems=items)

    def to_dict(self) -> dict[str, Any]:
        data = [p.rendered(lambda d: d.to_dict()) for p in self.problems]
        return {"title": self.title, "author": self.author, "ok": self.ok,
                "problems": [{"number": p.number, "kind": p.kind,
                              "error": p.error.to_dict() if p.error else None,
                              "data": d} for p, d in zip(self.problems, data)]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        return self.to_markdown()


# ----------------------------------------------------------------------------------------------- loading

def example_path(name: str = "seed") -> Path:
    """A built-in example problem set (shipped inside the package)."""
    here = Path(__file__).resolve().parent
    for base in (here / "examples", here.parent / "examples"):
        p = base / f"{name}.toml"
        if p.exists():
            return p
    raise InputError(f"no built-in example named {name!r}; examples: {', '.join(EXAMPLES)}")


def load(path: str | Path, allowed: Iterable[str | Path] = ()) -> ProblemSet:
    """Read a problem-set file; paths in it (a ``spec``) stay inside its folder or one of ``allowed``."""
    p = Path(path)
    text = files.read_text(p, "problem file")
    return loads(text, source=p.name, base=str(p.resolve().parent), allowed=allowed)


def loads(text: str, source: str = "<string>", base: str = ".", allowed: Iterable[str | Path] = ()) -> ProblemSet:
    allowed = tuple(str(a) for a in allowed)
    doc = files.parse_toml(text, source)
    unknown = sorted(set(doc) - {"title", "author", "settings", "problem"})
    if unknown:
        raise InputError(f"unknown top-level field(s): {', '.join(unknown)} "
                         "(expected title, author, settings, [[problem]])", source)
    raw = doc.get("problem", [])
    if not isinstance(raw, list) or not raw:
        raise InputError("no problems: add [[problem]] tables", source)
    problems = []
    for k, item in enumerate(raw, 1):
        number = str(item.get("number", k)) if isinstance(item, dict) else str(k)
        where = f"{source}, problem {number}"
        if not isinstance(item, dict):
            problems.append(Problem(number, "?", {}, where, base, allowed))
            continue
        fields = {key: v for key, v in item.items() if key not in ("number", "kind")}
        problems.append(Problem(number, str(item.get("kind", "")), fields, where, base, allowed))
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise InputError("settings must be a table", source)
    return ProblemSet(str(doc.get("title", "")), str(doc.get("author", "")), problems, source, settings)


# ----------------------------------------------------------------------------------------------- solving

Solver = Callable[[Problem, Mapping[str, Any]], Solved]
KINDS: dict[str, Solver] = {}


def kind(name: str) -> Callable[[Solver], Solver]:
    def register(f: Solver) -> Solver:
        KINDS[name] = f
        return f
    return register


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


def solve_problem(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """One problem solved, or carrying the error that stopped it: never an exception, whatever went wrong."""
    solver = KINDS.get(p.kind)
    try:
        if solver is None:
            raise InputError(f"unknown kind {p.kind!r}; kinds: {', '.join(sorted(KINDS))}", p.where)
        solved = solver(p, settings)
    except Exception as exc:   # noqa: BLE001 -- one problem must not take the whole set down with it
        return Solved(p.number, p.kind, None, problem_error(exc, p.where), where=p.where)
    solved.where = p.where
    return solved


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


def solve(ps: "ProblemSet | str | Path") -> Solution:
    """Solve every problem; one that fails carries its error and the others are still solved.

    ``ps``: a loaded ProblemSet, or the path of a problem file (read with ``load``).
    """
    if isinstance(ps, (str, Path)):
        ps = load(ps)
    if not isinstance(ps, ProblemSet):
        raise InputError(f"solve takes a problem set (derive.load_problems) or the path of a problem file, "
                         f"not {type(ps).__name__}", "solve")
    return Solution(ps.title, ps.author, [solve_problem(p, ps.settings) for p in ps.problems])


def with_texts(d: Derivation, texts: Mapping[str, str]) -> Derivation:
    """Append the user's free text to the parts it names (by label, e.g. "(c)")."""
    parts = [Part(pt.label, pt.title, pt.blocks + ((Block.text(texts[pt.label]),) if pt.label in texts else ()))
             for pt in d.parts]
    return Derivation(d.title, parts, d.data, d.notes)


from . import problem_kinds  # noqa: E402,F401  (registers the kinds)
