"""Grading one submission in a killable worker: the same code on the local pool and on a Dask worker.

A worker is derive's own :class:`~derive.check.sandbox.Sandbox` (a forked process with a wall clock and a memory
cap), given the whole submission as one request with the submission's time budget. The checker inside it runs
each statement in its own killable worker as ``derive check`` does. Here the worker is also made the leader of a
process group, so a submission over its budget is stopped together with the checker's workers under it.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from derive.check import check, load_problems
from derive.check.reading.document import read
from derive.check.sandbox import Sandbox, WorkerDied
from derive.errors import DeriveError, LimitError
from derive.settings import LIMITS

try:
    import resource
except ImportError:   # not on Windows: no peak memory figures there (and no forked workers either)
    resource = None


@dataclass(frozen=True)
class Job:
    """What every submission is graded against: the problem file, its allowed folders and the time limits."""

    problem: str
    allowed: tuple[str, ...] = ()
    timeout: float | None = None       # seconds per statement (the checker's --timeout)
    budget: float = 300.0              # seconds per submission, the whole sheet

    def settings(self) -> dict[str, Any]:
        """What the journal keys a run on (a different problem file or limit is another run)."""
        digest = hashlib.sha256(Path(self.problem).read_bytes()).hexdigest()
        # not the budget: it only decides which submissions fail, and a resumed run may give them more time
        return {"problem": digest, "timeout": self.timeout}


@dataclass(frozen=True)
class Outcome:
    """A submission graded (``result``: findings, attempted parts, ...) or failed (``reason``)."""

    sid: str
    digest: str
    status: str
    reason: str
    result: dict[str, Any] | None
    seconds: float = 0.0
    peak_kb: int = 0


def attempted(text: str) -> list[str]:
    """The parts (``1(b)``) in which the sheet relates two sides: what the rubric counts as work on an item."""
    return sorted({s.part for s in read(text, max_statements=LIMITS.max_statements) if len(s.segments) >= 2})


def grade_text(problems: Any, text: str, timeout: float | None) -> dict[str, Any]:
    """The record the journal keeps for a checked sheet (JSON data only, so it travels from any worker)."""
    report = check(text, problems, timeout=timeout)
    data = report.to_dict()
    data["problem_tex"] = report.problem_tex
    data["attempted"] = attempted(text)
    return data


def _peak_kb() -> int:
    if resource is None:
        return 0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))


def _die_with_parent() -> None:
    """Linux: this worker is killed when the process that started it dies, so a killed run leaves no worker
    grading on (elsewhere it finishes its submission and leaves when its pipe closes)."""
    try:
        import ctypes   # here: only a worker process on Linux asks for it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Serve:
    """The worker's side: ``("grade", text)`` → ``(status, reason, result, peak KB)``."""

    def __init__(self, problems: Any, timeout: float | None) -> None:
        self.problems, self.timeout = problems, timeout
        self.started = False

    def __call__(self, request: tuple) -> tuple[str, str, dict[str, Any] | None, int]:
        # Sandbox starts its worker as a daemonic process, and a daemonic process may not start the checker's own
        # killable workers. This worker is stopped by its owner (close, or killpg on overrun), never left behind:
        # it reads its requests from a pipe and leaves when the pipe closes.
        multiprocessing.current_process().daemon = False
        if not self.started:
            self.started = True
            _die_with_parent()
            # and so do the checker's workers this one forks, which would otherwise outlive a crash here
            os.register_at_fork(after_in_child=_die_with_parent)
        if request[0] == "ping":
            return "ok", "", None, _peak_kb()
        try:
            return "graded", "", grade_text(self.problems, request[1], self.timeout), _peak_kb()
        except DeriveError as exc:   # the sheet cannot be checked (empty, no mathematics, over a limit)
            return "failed", f"{exc.kind}: {exc}", None, _peak_kb()


class GradeBox(Sandbox):
    """A Sandbox whose worker leads its own process group: stopping it stops the checker's workers under it."""

    overrun = "over its time budget of {limit:g} s (the worker was stopped)"

    def __init__(self, problems: Any, job: Job) -> None:
        super().__init__(_Serve(problems, job.timeout), timeout=job.budget)
        self.budget = job.budget

    def _start(self) -> None:
        super()._start()
        try:
            os.setpgid(self.proc.pid, self.proc.pid)
        except OSError:   # it already exited or forked: _kill then stops it alone
            pass

    def _kill(self) -> None:
        if self.proc is not None:
            try:
                if os.getpgid(self.proc.pid) == self.proc.pid:
                    os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
        super()._kill()

    def grade(self, sid: str, digest: str, text: str) -> Outcome:
        """One submission's outcome; never raises for anything the submission does."""
        start = time.perf_counter()
        status, result, peak = "failed", None, 0
        try:
            status, reason, result, peak = self.call(("grade", text))
        except WorkerDied as exc:
            reason = "the worker crashed or ran out of memory while grading it" + \
                (f" (exit code {exc.code})" if exc.code is not None else "")
        except LimitError as exc:
            reason = exc.message if "time budget" in exc.message else f"limit: {exc.message}"
        except RuntimeError as exc:   # an exception inside the checker: its first line, never the traceback
            reason = "the checker failed: " + str(exc).split("\n", 1)[0][:300]
        return Outcome(sid, digest, status, reason, result, time.perf_counter() - start, peak)

    def ping(self) -> int:
        """Start the worker now (from the thread that creates the pool) and return its peak memory in KB."""
        return self.call(("ping",))[3]


_LOADED: dict[tuple, Any] = {}


def problems_for(job: Job) -> Any:
    """The problems of ``job``, loaded once a process (a Dask worker grades many submissions)."""
    key = (job.problem, job.allowed)
    if key not in _LOADED:
        _LOADED[key] = load_problems(Path(job.problem), allowed=job.allowed)
    return _LOADED[key]
