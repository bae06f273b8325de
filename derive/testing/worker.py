"""A killable worker for work whose time nothing else bounds (SymPy's simplify, ``Expr.equals``).

:func:`collect` runs a generator of ``(key, value)`` results in a forked child and keeps what arrives before a
deadline; then the child is killed. Results stream, so the cheap ones (a witness point) survive a slow one (a
simplification). Where ``fork`` is not available (Windows) the generator runs in-process and only the callers'
size limits bound it.

derive.check.sandbox has a long-lived worker of the same kind, but importing it loads the whole checker (about
0.6 s), more than a failing assertion may cost; this one imports only the standard library.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time
import warnings
from typing import Any, Callable, Iterator

__all__ = ["STOPPED", "FAILED", "collect", "can_fork"]

STOPPED = "__stopped__"   # key present when the deadline (or the child's death) ended the work early
FAILED = "__failed__"     # key present when the generator raised: the exception, as text
_DONE = "__done__"         # the child's last frame: an end of the pipe without it means the child died
MEMORY_HEADROOM = 1 << 30  # bytes the child may allocate beyond what it inherited
_HEADER = 8                # bytes of a frame's length prefix

Steps = Callable[[], Iterator[tuple[str, Any]]]


def can_fork() -> bool:
    """Whether :func:`collect` can bound time (a POSIX ``fork``), not only size."""
    return hasattr(os, "fork") and sys.platform != "win32"


def collect(steps: Steps, seconds: float) -> dict[str, Any]:
    """The ``(key, value)`` pairs ``steps()`` yields within ``seconds``, as a dict.

    :data:`STOPPED` is among the keys when the deadline (or the child's death) cut the work short, :data:`FAILED`
    when ``steps`` raised. A value that cannot be pickled is left out. The child's output goes to /dev/null and its
    warnings are ignored: nothing of it may reach the report of the test that asked.
    """
    if not can_fork():
        return _inline(steps)
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():   # Python 3.12+ warns about fork in a threaded process; -W error must not break
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:   # the child: never return into the caller's code (that would run the rest of the test session)
        try:
            os.close(read_end)
            _quiet()
            for key, value in _guarded(steps):
                _send(write_end, key, value)
            _send(write_end, _DONE, True)
        finally:
            os._exit(0)
    os.close(write_end)
    try:
        return _read_until(read_end, time.monotonic() + seconds)
    finally:
        os.close(read_end)
        _end(pid)


def _guarded(steps: Steps) -> Iterator[tuple[str, Any]]:
    try:
        yield from steps()
    except BaseException as exc:  # reported to the caller, who says the explanation is incomplete
        yield FAILED, f"{type(exc).__name__}: {exc}"


def _inline(steps: Steps) -> dict[str, Any]:
    return dict(_guarded(steps))


def _quiet() -> None:
    warnings.simplefilter("ignore")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    # pytest's capture may have put its own file objects (on other descriptors) in sys.stdout / sys.stderr
    sys.stdout = sys.stderr = open(os.devnull, "w")
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # pytest's Ctrl-C handling belongs to the parent
    try:
        import resource   # POSIX only (the child exists only where fork does); caps memory as the wall clock caps time
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_HEADROOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, ImportError):   # no /proc or no RLIMIT_AS (macOS): the deadline still bounds it
        pass


def _send(fd: int, key: str, value: Any) -> None:
    try:
        frame = pickle.dumps((key, value))
    except Exception:   # an unpicklable result is skipped; the others still count
        return
    view = memoryview(len(frame).to_bytes(_HEADER, "big") + frame)
    while view:
        view = view[os.write(fd, view):]


def _read_until(fd: int, deadline: float) -> dict[str, Any]:
    found: dict[str, Any] = {}
    buffer = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            found[STOPPED] = True
            return found
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:   # the child finished, or died: then the frames it sent are all there is
            if found.pop(_DONE, None) is None:
                found[STOPPED] = True
            return found
        buffer += chunk
        while len(buffer) >= _HEADER and len(buffer) >= _HEADER + (size := int.from_bytes(buffer[:_HEADER], "big")):
            key, value = pickle.loads(buffer[_HEADER:_HEADER + size])
            found[key] = value
            buffer = buffer[_HEADER + size:]


def _end(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:   # it already exited
        pass
    os.waitpid(pid, 0)
