"""Problem sets (TOML) -> whole solution documents.

A problem set names its problems in the order and numbering the user wants; each problem has a ``kind``
(autodiff, optimizer, cnn, text) whose solver turns its fields into a :class:`~derive.derivation.Derivation`.
A bad problem is reported with the file, problem number and field; the other problems are still solved.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from derive import files
from derive.errors import InputError
from derive.problems.kinds import KINDS
from derive.problems.model import Problem, ProblemSet, Solution, Solved, problem_error

EXAMPLES = ("seed", "sigmoid_backprop", "resnet_exercise")


# ----------------------------------------------------------------------------------------------- loading

def example_path(name: str = "seed") -> Path:
    """A built-in example problem set (shipped inside the package)."""
    here = Path(__file__).resolve().parent.parent   # the derive package
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
