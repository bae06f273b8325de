"""Checking a handwritten solution line by line: ``check(text, problem) -> Report``.

The solution is read into statements (:mod:`derive.reading`); each statement is parsed and judged in a killable
worker (:mod:`derive.check.sandbox`) against the derivation of the problem (autodiff: :mod:`derive.check.reference`,
:mod:`derive.check.autodiff.judge`; Adam: :mod:`derive.check.optim.adam`; CNN arithmetic: :mod:`derive.check.cnn.judge`). A
statement that breaks a limit, or cannot be read, is reported as unverifiable with the reason, and the rest of the
solution is still checked. Statements in parts of the sheet that are about another problem are listed as skipped.

``problem``: an :class:`~derive.autodiff.AutodiffResult`; a mapping of :func:`derive.autodiff` options
(``{"expr": ..., "at": "c=3,x=5", "log_base": "10"}``), or ``{"kind": "adam"}``, ``{"kind": "cnn", "preset":
"vgg16"}`` (optionally ``"number": 1`` to pick the sheet's problem 1); or the path of a TOML problem file -- a whole
problem set (``examples/seed.toml``) checks each numbered problem against the same number on the sheet.
"""
from __future__ import annotations

import atexit
import math
import re
import time
from typing import Any

from derive.check.verdicts import Judgment, State
from derive.check.sandbox import Sandbox
from derive.check.problems import Problem, load_problem, load_problems
from derive.check.autodiff.writer import writer_graph
from derive.check.reference import OUTPUT_NAMES, Reference, Unresolved
from derive.check.report import Finding, Report
from derive.errors import DeriveError, InputError, LimitError
from derive.check.reading.document import Statement, Written, parse_segment, read
from derive.check.reading.leibniz import FUNCTION_DEFINITION_RE
from derive.settings import LIMITS
from derive.compare import ordered_symbols

__all__ = ["check", "Report", "Finding", "load_problem", "load_problems", "Problem"]


class _Checker:
    """The work one worker does: parse a statement's sides and judge them with the state sent along.

    Statements travel with each request, so one worker serves every solution checked against the same problem
    (and its cache of parsed sides, which repeat across a class's solutions, keeps paying off)."""

    MAX_CACHE = 20000
    MAX_GRAPHS = 64

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.ref = problem.reference()
        self.time_names = problem.time_names(self.ref)
        self._parsed: dict[str, Any] = {}
        self._writers: dict[str, Any] = {}   # the writers' own graphs (references on them), by key

    def parse(self, text: str, line: int, defined: frozenset[str] = frozenset()) -> Any:
        hit = self._parsed.get((text, defined))
        if hit is None:
            try:
                hit = parse_segment(text, self.problem.log_base, self.time_names, where=f"line {line}",
                                    defined=defined)
            except DeriveError as exc:
                hit = exc
            if len(self._parsed) < self.MAX_CACHE:
                self._parsed[(text, defined)] = hit
        if isinstance(hit, DeriveError):   # the message names the line where it was first met: rename it
            hit.where = f"line {line}"
        return hit

    def __call__(self, request: tuple) -> Any:
        if request[0] == "about":
            return [self.about(s) for s in request[1]]
        if request[0] == "graph":
            return self.writer(request[1])
        _, stmt, state = request
        parsed = [self.parse(seg.text, stmt.line, state.defines) for seg in stmt.segments]
        judge = self.problem.judge(self._writers.get(state.graph, self.ref), state)
        return judge.judge(stmt, parsed), judge.state

    def writer(self, statements: list[Statement]) -> tuple[str, dict, dict]:
        """The writer's own graph of an autodiff sheet (kept in this worker under a key the state carries), with
        their names and numbers for it; ("", {}, {}) when their definitions do not compute the problem."""
        if self.problem.kind != "autodiff":
            return "", {}, {}
        defines = sheet_defines(statements)
        items = [(s, [self.parse(seg.text, s.line, defines) for seg in s.segments]) for s in statements]
        wg = writer_graph(self.ref, items)
        if wg is None:
            return "", {}, {}
        if wg.key not in self._writers:
            if len(self._writers) > self.MAX_GRAPHS:
                self._writers.clear()
            self._writers[wg.key] = Reference(self.ref.result, wg.graph)
        return wg.key, wg.named, wg.defined

    def about(self, stmt: Statement) -> bool:
        """Does the statement's left side name a quantity of this problem (beyond a bare y or f)?"""
        p = self.parse(stmt.segments[0].text, stmt.line)
        if isinstance(p, DeriveError):
            return False
        arithmetic = re.sub(r"\\(?:times|cdot|frac|dfrac|tfrac|left|right|div|quad|qquad)(?![A-Za-z])|\\[,;!% ]",
                            "", stmt.segments[0].text)
        if re.search(r"\d", arithmetic) and not re.search(r"[A-Za-z\\]", arithmetic):
            # bare numbers (no letter outside commands): parameter sums belong to a CNN problem, not the others
            return getattr(self.ref, "numbers_are_about", False)
        if not p.expr.free_symbols:
            return False
        try:
            for s in ordered_symbols(p.expr):
                self.ref.resolve(s)
        except Unresolved:
            return False
        only = next(iter(p.expr.free_symbols)) if len(p.expr.free_symbols) == 1 else None
        weak = isinstance(only, Written) and not only.sub and only.base in OUTPUT_NAMES and only.deco in ("", "bar")
        return not weak


def sheet_defines(statements: list[Statement]) -> frozenset[str]:
    """What the sheet defines that would otherwise read differently: constants' names as its own quantities
    (``e = c \\cdot d``), and its own functions of the inputs (``g(x) = …`` gives ``"g()"``: g(2) is then g's
    value, not g times 2)."""
    out = {n for n in ("e",) if any(s.segments[0].text.strip() == n for s in statements)}
    for s in statements:
        m = FUNCTION_DEFINITION_RE.fullmatch(s.segments[0].text) if len(s.segments) > 1 else None
        if m:
            out.add(m.group(1) + "()")
    return frozenset(out)


_SANDBOXES: dict[int, tuple[Problem, Sandbox]] = {}


def _sandbox(prob: Problem, isolate: bool) -> Sandbox:
    """One worker per problem, reused by later checks against the same problem object (each call passes its own
    time limit, so one check's --timeout never changes another's)."""
    key = id(prob)
    if key in _SANDBOXES and _SANDBOXES[key][0] is prob and _SANDBOXES[key][1].isolated == isolate:
        return _SANDBOXES[key][1]
    box = Sandbox(_Checker(prob), isolate=isolate)
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
    """Check a worked solution against a problem (or a problem set); see the module docstring for ``problem``.

    ``isolate``: parse and judge in a killable worker process (default); ``timeout``: seconds per statement.
    """
    _check_timeout(timeout)
    if not isinstance(text, str):
        raise InputError(f"the solution must be text, not {type(text).__name__}", "solution")
    if not text.strip():
        raise InputError("the solution is empty: there is nothing to check", "solution")
    problems = load_problems(problem)
    statements = [s for s in read(text, max_statements=LIMITS.max_statements) if len(s.segments) >= 2]
    if not statements:   # "nothing wrong" about a sheet with no mathematics would be a silently wrong report
        raise InputError("the solution has no mathematics to check: no line relates two sides (=, \\approx, <, "
                         "...) inside $...$, $$...$$, \\[...\\] or an align environment", "solution")
    if len(problems) == 1 and problems[0].error is None:
        return _check_one(text, statements, problems[0], isolate, timeout)
    # A problem set: each problem checks the part of the sheet with its number; the reports are merged.
    report = Report(problem="; ".join(f"{p.number}: {p.label}" for p in problems), source=text)
    claimed: set[int] = set()
    for prob in problems:
        if not prob.number:
            continue
        if prob.error is not None:
            e = prob.error
            report.problem_errors.append(f"{e.where + ': ' if e.where else ''}{e.kind}: {e.message}")
            claimed |= {s.line for s in statements if _number(s.part) == prob.number}
            continue
        sub = _check_one(text, [s for s in statements if _number(s.part) == prob.number], prob, isolate, timeout)
        report.findings.extend(sub.findings)
        report.checked += sub.checked
        claimed |= {s.line for s in statements if _number(s.part) == prob.number}
    for s in statements:
        if s.line not in claimed:
            report.skipped.append((s.line, f"part {s.part or '(unnumbered)'} is not one of the set's problems"))
    report.findings.sort(key=lambda f: (f.line, f.row, f.side))
    return report


def _check_timeout(timeout: Any) -> None:
    """Seconds per statement: a positive finite number up to the limit (0 would mark every step unverifiable,
    and the seed's four wrong steps were once reported as fine)."""
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not math.isfinite(timeout) \
            or timeout <= 0:
        raise InputError(f"timeout must be a positive number of seconds, not {timeout!r}", "timeout")
    if timeout < LIMITS.min_step_seconds:   # every step would run out of time and nothing would be called wrong
        raise InputError(f"timeout {timeout:g} s is less than the minimum of {LIMITS.min_step_seconds:g} s per "
                         "statement", "timeout")
    if timeout > LIMITS.max_step_seconds:
        raise LimitError(f"timeout {timeout:g} s is more than the limit of {LIMITS.max_step_seconds:g} s per "
                         "statement", "timeout")


def _check_one(text: str, statements: list[Statement], prob: Problem, isolate: bool, timeout: float | None) -> Report:
    state = State()
    report = Report(problem=prob.label, source=text, problem_tex=prob.tex())
    box = _sandbox(prob, isolate)
    step = LIMITS.step_seconds if timeout is None else timeout
    deadline = time.monotonic() + LIMITS.sheet_seconds
    numbered = [s for s in statements if _number(s.part)]
    if prob.number:
        numbers = {prob.number}
    else:
        try:
            about = box.call(("about", numbered), timeout=step * 4) if numbered else []
        except (LimitError, RuntimeError):
            about = [True] * len(numbered)   # cannot tell: check everything rather than skip silently
        numbers = {_number(s.part) for s, a in zip(numbered, about) if a}
    checked = [s for s in statements if not ((_number(s.part) and numbers and _number(s.part) not in numbers)
                                             or (not _number(s.part) and prob.number and numbered))]
    state.defines = sheet_defines(checked)
    try:
        state.graph, named, defined = box.call(("graph", checked), timeout=step * 4)
        state.named, state.defined = dict(named), dict(defined)
    except (LimitError, RuntimeError):
        pass   # no writer's graph: the sheet is judged on derive's, as any sheet without a full forward trace
    for k, stmt in enumerate(statements):
        if time.monotonic() > deadline:
            report.findings.append(Finding(stmt.line, _tidy(stmt.source), "unverifiable",
                                           message=f"limit exceeded: the solution took longer than {LIMITS.sheet_seconds:g} s;"
                                                   f" {len(statements) - k} statement(s) from this line on were not "
                                                   "checked"))
            break
        num = _number(stmt.part)
        if num and numbers and num not in numbers:
            report.skipped.append((stmt.line, f"part {stmt.part} is not about this problem"))
            continue
        if not num and prob.number and numbered:
            report.skipped.append((stmt.line, "not in a numbered part of the sheet"))
            continue
        try:
            judgments, state = box.call(("judge", stmt, state), timeout=step)
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
        report.findings.append(Finding(stmt.line, _tidy(step), j.verdict, j.expected, _tidy(j.found), j.message,
                                       j.diagnosis, stmt.part, stmt.row, j.segment))


def _tidy(text: str) -> str:
    """The writer's text for a report: runs of blanks (left where remarks were cut out) closed up."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+\}", "}", re.sub(r"\{\s+", "{", text))
