"""Checking a handwritten solution line by line: ``check(text, problem) -> Report``.

The solution is read into statements (:mod:`derive.reading`); each statement is parsed and judged in a killable
worker (:mod:`derive.check_limits`) against the derivation of the problem (:mod:`derive.check_reference`,
:mod:`derive.check_autodiff`). A statement that breaks a limit, or cannot be read, is reported as unverifiable
with the reason, and the rest of the solution is still checked. Statements in parts of the sheet that are about
another problem (the seed sheet has three) are listed as skipped.

``problem``: an :class:`~derive.autodiff.AutodiffResult`, a mapping of :func:`derive.autodiff` options
(``{"expr": ..., "at": "c=3,x=5", "log_base": "10"}``, optionally ``"number": 1`` to pick the sheet's problem 1),
or the path of a TOML file with those keys (top level, or the first ``[[problem]]`` of kind ``autodiff``).
"""
from __future__ import annotations

import atexit
import re
from pathlib import Path
from typing import Any, Mapping

import sympy

from .autodiff import AutodiffResult, autodiff
from .check_autodiff import Judgment, State, StatementJudge
from .check_limits import Sandbox
from .check_optim import OptimJudge, OptimReference
from .check_reference import OUTPUT_NAMES, Reference, Unresolved
from .check_report import Finding, Report
from .errors import DeriveError, InputError, LimitError
from .reading import Statement, Written, parse_segment, read
from .settings import LIMITS

__all__ = ["check", "Report", "Finding", "load_problem", "Problem"]

_AUTODIFF_KEYS = ("expr", "at", "wrt", "log_base", "letter", "sigfigs", "rounding")


class Problem:
    """A problem to check against: what derives the reference, a label, and (optionally) its number on the sheet."""

    def __init__(self, result: AutodiffResult | None = None, label: str = "", number: str = "",
                 kind: str = "autodiff", options: Mapping[str, Any] | None = None) -> None:
        self.result, self.label, self.number, self.kind = result, label, str(number or ""), kind
        self.options = dict(options or {})
        if kind == "adam":
            OptimReference(**self.options)   # validate now: a bad notation is an input error, not a worker crash

    @property
    def log_base(self) -> str:
        return self.result.settings.log_base if self.result is not None else "e"

    @property
    def sigfigs(self) -> int:
        return self.result.settings.sigfigs if self.result is not None else 3

    def tex(self) -> str:
        """The problem in derive's own LaTeX (its expression, printed by the printer)."""
        if self.result is None:
            return r"\text{Adam}"
        from .latex import latex
        g = self.result.graph
        base = None if self.log_base == "e" else sympy.Integer(int(self.log_base))
        point = ", ".join(f"{latex(sympy.Symbol(n.name))} = {latex(self.result.values[n.index])}" for n in g.inputs)
        where = f", \\quad \\log = \\log_{{{self.log_base}}}" if base is not None else ""
        return f"{latex(g[g.output].expr, plain_log_base=base)} \\text{{ at }} {point}{where}"

    def reference(self) -> Any:
        return Reference(self.result) if self.kind == "autodiff" else OptimReference(**self.options)

    def judge(self, ref: Any, state: State) -> Any:
        return StatementJudge(ref, state, self.sigfigs) if self.kind == "autodiff" else OptimJudge(ref, state)

    def time_names(self, ref: Any) -> frozenset[str]:
        return getattr(ref, "time_names", frozenset())


def load_problem(problem: Any) -> Problem:
    """An AutodiffResult, a mapping of autodiff options, or a TOML file path -> :class:`Problem`."""
    if isinstance(problem, Problem):
        return problem
    if isinstance(problem, AutodiffResult):
        return Problem(problem, "autodiff problem")
    if isinstance(problem, (str, Path)) and str(problem).endswith(".toml"):
        return _from_toml(Path(problem))
    if isinstance(problem, Mapping):
        return _from_mapping(problem, "problem")
    raise InputError(f"cannot check against a {type(problem).__name__}: give an AutodiffResult, a mapping with "
                     "'expr' and 'at', or a .toml problem file", "problem")


def _from_mapping(spec: Mapping[str, Any], where: str) -> Problem:
    kind = spec.get("kind", "autodiff")
    if kind == "optim" and str(spec.get("optimizer", "adam")).lower() == "adam":
        kind = "adam"
    if kind == "adam":
        unknown = sorted(set(spec) - {"kind", "optimizer", "names", "norm", "number", "title", "label"})
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(unknown)}; known: names, norm, number, title", where)
        opts = {k: spec[k] for k in ("names", "norm") if k in spec}
        return Problem(None, str(spec.get("title") or "Adam"), spec.get("number", ""), "adam", opts)
    if kind != "autodiff":
        raise InputError(f"checking {kind} problems is not supported yet (autodiff and adam are)", where)
    if "expr" not in spec or "at" not in spec:
        raise InputError("an autodiff problem needs 'expr' and 'at'", where)
    unknown = sorted(set(spec) - set(_AUTODIFF_KEYS) - {"kind", "number", "title", "parts", "label"})
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(_AUTODIFF_KEYS)}, number", where)
    opts = {k: spec[k] for k in _AUTODIFF_KEYS if k in spec}
    if "log_base" in opts:
        opts["log_base"] = str(opts["log_base"])
    result = autodiff(**opts)
    label = spec.get("title") or f"{spec['expr']} at {spec['at'] if isinstance(spec['at'], str) else dict(spec['at'])}"
    return Problem(result, str(label), spec.get("number", ""))


def _from_toml(path: Path) -> Problem:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"problem file not found: {path}", "--problem") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", "--problem") from None
    if "expr" in data:
        return _from_mapping(data, str(path))
    for k, item in enumerate(data.get("problem", []) or data.get("problems", [])):
        if isinstance(item, Mapping) and (item.get("kind", "autodiff") == "autodiff" and "expr" in item
                                          or item.get("kind") in ("adam", "optim")):
            return _from_mapping(item, f"{path} problem {k + 1}")
    if data.get("kind") in ("adam", "optim"):
        return _from_mapping(data, str(path))
    raise InputError(f"{path} has no autodiff or adam problem (expected 'expr' and 'at', or kind = 'adam')",
                     "--problem")


# ------------------------------------------------------------------------------------------ checking

class _Checker:
    """The work one worker does: parse a statement's sides and judge them with the state sent along.

    Statements travel with each request, so one worker serves every solution checked against the same problem
    (and its cache of parsed sides, which repeat across a class's solutions, keeps paying off)."""

    MAX_CACHE = 20000

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.ref = problem.reference()
        self.time_names = problem.time_names(self.ref)
        self._parsed: dict[str, Any] = {}

    def parse(self, text: str, line: int) -> Any:
        hit = self._parsed.get(text)
        if hit is None:
            try:
                hit = parse_segment(text, self.problem.log_base, self.time_names, where=f"line {line}")
            except DeriveError as exc:
                hit = exc
            if len(self._parsed) < self.MAX_CACHE:
                self._parsed[text] = hit
        if isinstance(hit, DeriveError):   # the message names the line where it was first met: rename it
            hit.where = f"line {line}"
        return hit

    def __call__(self, request: tuple) -> Any:
        if request[0] == "about":
            return [self.about(s) for s in request[1]]
        _, stmt, state = request
        parsed = [self.parse(seg.text, stmt.line) for seg in stmt.segments]
        judge = self.problem.judge(self.ref, state)
        return judge.judge(stmt, parsed), judge.state

    def about(self, stmt: Statement) -> bool:
        """Does the statement's left side name a quantity of this problem (beyond a bare y or f)?"""
        p = self.parse(stmt.segments[0].text, stmt.line)
        if isinstance(p, DeriveError) or not p.expr.free_symbols:
            return False
        try:
            for s in p.expr.free_symbols:
                self.ref.resolve(s)
        except Unresolved:
            return False
        only = next(iter(p.expr.free_symbols)) if len(p.expr.free_symbols) == 1 else None
        weak = isinstance(only, Written) and not only.sub and only.base in OUTPUT_NAMES and only.deco in ("", "bar")
        return not weak


_SANDBOXES: dict[int, tuple[Problem, Sandbox]] = {}


def _sandbox(prob: Problem, isolate: bool, timeout: float | None) -> Sandbox:
    """One worker per problem, reused by later checks against the same problem object."""
    key = id(prob)
    if key in _SANDBOXES and _SANDBOXES[key][0] is prob and _SANDBOXES[key][1].isolated == isolate:
        box = _SANDBOXES[key][1]
        box.timeout = LIMITS.step_seconds if timeout is None else timeout
        return box
    box = Sandbox(_Checker(prob), timeout=timeout, isolate=isolate)
    if len(_SANDBOXES) > 8:   # keep a few: each holds a worker process
        for _, (_, old) in list(_SANDBOXES.items())[:4]:
            old.close()
        for k in list(_SANDBOXES)[:4]:
            del _SANDBOXES[k]
    _SANDBOXES[key] = (prob, box)
    return box


@atexit.register
def _close_all() -> None:
    for _, box in _SANDBOXES.values():
        box.close()
    _SANDBOXES.clear()


def _number(part: str) -> str:
    m = re.match(r"\d+", part or "")
    return m.group(0) if m else ""


def check(text: str, problem: Any, *, isolate: bool = True, timeout: float | None = None) -> Report:
    """Check a worked solution against a problem; see the module docstring for what ``problem`` may be.

    ``isolate``: parse and judge in a killable worker process (default); ``timeout``: seconds per statement.
    """
    prob = load_problem(problem)
    statements = [s for s in read(text) if len(s.segments) >= 2]
    state = State()
    report = Report(problem=prob.label, source=text, problem_tex=prob.tex())
    box = _sandbox(prob, isolate, timeout)
    numbered = [s for s in statements if _number(s.part)]
    try:
        about = box.call(("about", numbered), timeout=box.timeout * 4) if numbered else []
    except (LimitError, RuntimeError):
        about = [True] * len(numbered)   # cannot tell: check everything rather than skip silently
    numbers = {prob.number} if prob.number else {_number(s.part) for s, a in zip(numbered, about) if a}
    for stmt in statements:
        num = _number(stmt.part)
        if num and numbers and num not in numbers:
            report.skipped.append((stmt.line, f"part {stmt.part} is not about this problem"))
            continue
        try:
            judgments, state = box.call(("judge", stmt, state))
        except LimitError as exc:
            judgments = [Judgment(0, "unverifiable", found=stmt.segments[0].text, message=f"limit exceeded: {exc}")]
        except RuntimeError as exc:   # a bug in the checker must not hide the rest of the report
            first = str(exc).splitlines()[0] if str(exc) else "internal error"
            judgments = [Judgment(0, "unverifiable", found=stmt.segments[0].text,
                                  message=f"internal error while checking: {first}")]
        _add(report, stmt, judgments)
    return report


def _add(report: Report, stmt: Statement, judgments: list[Judgment]) -> None:
    for j in judgments:
        if j.verdict in ("ok", "carried", "note", "wrong"):
            report.checked += 1
        if j.verdict in ("ok", "carried"):
            continue
        seg = stmt.segments[j.segment]
        step = seg.text if j.segment == 0 else f"{stmt.segments[0].text} {seg.rel} {seg.text}"
        report.findings.append(Finding(stmt.line, step.strip(), j.verdict, j.expected, j.found, j.message,
                                       j.diagnosis, stmt.part, stmt.row, j.segment))
