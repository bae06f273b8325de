"""Bounds on untrusted work: size checks on parsed expressions, and a killable worker process.

Student text is hostile by default. Before anything is evaluated, :func:`check_size` rejects exponents and
integers beyond :data:`derive.settings.LIMITS`; :class:`Sandbox` runs each statement in a forked worker with a wall
clock and a memory cap, kills it when it overruns, reports that statement as over the limit, and starts a fresh
worker for the rest. Where ``fork`` is not available the work runs in-process (size checks still apply).
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import time
import traceback
from typing import Any, Callable

import sympy

from derive.errors import LimitError
from derive.settings import LIMITS

MEMORY_HEADROOM = 1 << 30      # bytes a worker may allocate beyond what it inherited


def check_size(expr: sympy.Basic, where: str | None = None) -> None:
    """Reject a parsed expression whose evaluation could hang: huge exponents, huge integers, deep trees."""
    stack = [(expr, 0)]
    count = 0
    while stack:
        e, depth = stack.pop()
        count += 1
        if count > LIMITS.max_nodes or depth > 4 * LIMITS.max_depth:
            raise LimitError("expression too large to check", where)
        if e.is_Integer and abs(int(e)).bit_length() > LIMITS.max_value_digits * 3.33:
            raise LimitError(f"a number with more than {LIMITS.max_value_digits} digits", where)
        if isinstance(e, sympy.Pow):
            ex = e.args[1]
            if ex.is_Number and abs(ex) > LIMITS.max_exponent:
                raise LimitError(f"an exponent larger than {LIMITS.max_exponent} ({_short(ex)})", where)
            if ex.is_number and not ex.is_Number and any(isinstance(a, sympy.Pow) for a in sympy.preorder_traversal(ex)):
                raise LimitError("a tower of exponents", where)
        stack.extend((a, depth + 1) for a in e.args)


def _short(e: Any) -> str:
    s = str(e)
    return s if len(s) < 30 else s[:27] + "..."


def _fork_context():
    if sys.platform == "win32" or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")


def _memory_cap() -> None:
    try:
        import resource
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_HEADROOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, ImportError):   # no /proc or no RLIMIT_AS: the wall clock still bounds the work
        pass


def _serve(conn, fn: Callable[[Any], Any]) -> None:
    _memory_cap()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            conn.send(("ok", fn(request)))
        except MemoryError:
            conn.send(("limit", "the step needs too much memory"))
        except RecursionError:
            conn.send(("limit", "the step is nested too deeply"))
        except BaseException as exc:  # report, never die silently: the parent turns this into an 'unverifiable'
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"))



class WorkerDied(LimitError):
    """The worker died (out of memory, killed) while answering; ``code`` is its exit code."""

    def __init__(self, code: int | None) -> None:
        super().__init__("the worker stopped (out of memory?) while checking this step")
        self.code = code

class Sandbox:
    """Calls ``fn(request)`` in a forked worker (``fn`` and what it closes over are inherited, not pickled)."""

    overrun = "checking this step took longer than {limit:g} s"   # the message when the time limit is hit

    def __init__(self, fn: Callable[[Any], Any], timeout: float | None = None, isolate: bool = True) -> None:
        self.fn = fn
        self.timeout = LIMITS.step_seconds if timeout is None else timeout
        self.ctx = _fork_context() if isolate else None
        self.isolated = isolate
        self.owner = os.getpid()   # a forked copy of this object (in a pool worker) must not touch the worker
        self.proc = None
        self.conn = None
        self.restarts = 0

    def _start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_serve, args=(child, self.fn), daemon=True)
        self.proc.start()
        child.close()
        self.conn = parent

    def call(self, request: Any, timeout: float | None = None) -> Any:
        """The worker's answer; :class:`LimitError` when it overruns time or memory (the worker is replaced), its
        :class:`WorkerDied` kind when the worker died. The worker is watched while waiting: a death is noticed at
        once, even when processes it started still hold its pipe open (so no end-of-file comes)."""
        if self.ctx is None:
            return self.fn(request)
        if self.owner != os.getpid():   # inherited through a fork: start a worker of our own
            self.proc, self.conn, self.owner = None, None, os.getpid()
        if self.proc is None or not self.proc.is_alive():
            self._start()
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        try:
            self.conn.send(request)
            while (left := deadline - time.monotonic()) > 0:
                if self.conn.poll(min(left, 0.25)):
                    status, payload = self.conn.recv()
                    if status == "ok":
                        return payload
                    if status == "limit":
                        raise LimitError(payload)
                    raise RuntimeError(payload)
                if not self.proc.is_alive():
                    raise EOFError
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = self.proc.exitcode if self.proc is not None else None
            self._kill()
            raise WorkerDied(code) from None
        self._kill()
        raise LimitError(self.overrun.format(limit=limit))

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(5)
            self.restarts += 1
        if self.conn is not None:
            self.conn.close()
        self.proc, self.conn = None, None

    def close(self) -> None:
        if self.owner != os.getpid():   # not ours: the process that started the worker closes it
            self.proc, self.conn = None, None
            return
        if self.proc is not None and self.proc.is_alive():
            try:
                self.conn.send(None)
                self.proc.join(2)
            except (BrokenPipeError, OSError):
                pass
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join(2)
        self.proc, self.conn = None, None

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
