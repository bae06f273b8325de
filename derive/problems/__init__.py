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
from derive.problems import document as _document   # noqa: F401  registers the solution with derive.render.render
from derive.usertext import fill, user_latex

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
    """A problem set from TOML: the one reader of the format, for ``derive solve`` and ``derive check`` alike.

    A set has ``title``, ``author``, ``settings`` and ``[[problem]]`` tables (``[[problems]]`` is read the same);
    each table has an optional ``number`` (default: its position), an optional ``kind`` (default ``autodiff``) and
    the kind's fields. A file with no problem tables whose top level has ``expr`` or ``kind`` is one problem (number
    1): every top-level field but ``author`` and ``settings`` is the problem's, ``title`` included. A problem that
    cannot be read carries its error (the others are still read); a broken set is an InputError naming the file.
    """
    allowed = tuple(str(a) for a in allowed)
    doc = files.parse_toml(text, source)
    if "problem" in doc and "problems" in doc:
        raise InputError("give the problems as [[problem]] tables or as [[problems]] tables, not both", source)
    key = "problems" if "problems" in doc else "problem"
    if key not in doc and ("expr" in doc or "kind" in doc):   # one problem, written at the top level
        settings = _settings(doc, source)
        one = _problem({k: v for k, v in doc.items() if k not in ("author", "settings")}, 1, source, base, allowed)
        return ProblemSet("", str(doc.get("author", "")), [one], source, settings, single=True)
    unknown = sorted(set(doc) - {"title", "author", "settings", key})
    if unknown:
        raise InputError(f"unknown top-level field(s): {', '.join(unknown)} "
                         "(expected title, author, settings, [[problem]])", source)
    raw = doc.get(key, [])
    if isinstance(raw, dict):
        raise InputError(f"{key} must be [[{key}]] tables (double brackets), not one [{key}] table", source)
    if not isinstance(raw, list):
        raise InputError(f"{key} must be [[{key}]] tables, not {_type(raw)}", source)
    if not raw:
        raise InputError("no problems: add [[problem]] tables", source)
    problems = [_problem(item, k, source, base, allowed) for k, item in enumerate(raw, 1)]
    title, author = str(doc.get("title", "")), str(doc.get("author", ""))
    for what, text in (("title", title), ("author", author)):
        user_latex(text, what, source)   # mathematics and characters checked now: a bad title refuses the file at once
    return ProblemSet(title, author, problems, source, _settings(doc, source))


def _settings(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise InputError(f"settings must be a table, not {_type(settings)}", source)
    return settings


def _type(v: Any) -> str:
    return {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array",
            dict: "a table"}.get(type(v), type(v).__name__)


def _problem(item: Any, k: int, source: str, base: str, allowed: tuple[str, ...]) -> Problem:
    """The ``k``-th problem as written: number, kind and the other fields; a bad number, kind or a problem that is
    not a table is the problem's error (``where`` names the file and the problem)."""
    if not isinstance(item, dict):
        where = f"{source}, problem {k}"
        return Problem(str(k), "", {}, where, base, allowed, numbered=False,
                       error=InputError(f"a problem must be a [[problem]] table, not {_type(item)}", where))
    number, kind = item.get("number"), item.get("kind", "autodiff")
    error = None
    if number is None or isinstance(number, bool) or not isinstance(number, (str, int, float)):
        where = f"{source}, problem {k}"
        if number is not None:
            error = InputError(f"field 'number' must be str or int (like \"2a\" or 3), not {type(number).__name__}",
                               where)
        number = str(k)
    else:
        number = str(number)
        where = f"{source}, problem {number}"
    if not isinstance(kind, str) and error is None:
        error = InputError(f"field 'kind' must be str (one of {', '.join(sorted(KINDS))}), not {type(kind).__name__}",
                           where)
    fields = {key: v for key, v in item.items() if key not in ("number", "kind")}
    return Problem(number, kind if isinstance(kind, str) else "", fields, where, base, allowed,
                   numbered="number" in item and error is None, error=error)


# ----------------------------------------------------------------------------------------------- solving

# Kinds ``derive check`` reads that have no solver: the error says how to write them for ``derive solve``.
_CHECK_ONLY = {"adam": ' (to solve it, write kind = "optimizer" and optimizer = "adam")',
               "optim": ' (to solve it, write kind = "optimizer")'}


def solve_problem(p: Problem, settings: Mapping[str, Any]) -> Solved:
    """One problem solved, or carrying the error that stopped it: never an exception, whatever went wrong."""
    solver = KINDS.get(p.kind)
    try:
        if p.error is not None:
            raise p.error
        if solver is None:
            raise InputError(f"unknown kind {p.kind!r}; kinds: {', '.join(sorted(KINDS))}{_CHECK_ONLY.get(p.kind, '')}",
                             p.where)
        solved = solver(p, settings)
        # the intro states this problem's own numbers ({x}, {w0}, …); its maths is checked here, so a bad one is
        # this problem's error and the others still render
        solved.intro = fill(solved.intro, p.fields, "intro", p.where)
        user_latex(solved.intro, "intro", p.where)
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
