"""Reading user files safely: one place that opens what a user (or a problem file) names.

Why one place: a problem file is untrusted — a student's homework folder, a shared repository. A ``spec`` that
climbs out with ``../`` or names ``/etc/passwd`` must not be opened; the zero device, a FIFO or a directory must be
refused *before* reading (a FIFO blocks forever on open, ``/dev/zero`` never ends); a file over the size limit is
refused from its ``stat``; and nothing read is ever echoed in an error beyond its name and position.
"""
from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from derive.errors import InputError, LimitError, ParseError
from derive.settings import LIMITS

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def _decode(data: bytes, what: str, where: str) -> str:
    if b"\x00" in data:
        line = data[:data.index(b"\x00")].count(b"\n") + 1
        raise InputError(f"{what} contains a NUL byte (line {line}); is it a binary file?", where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError(f"{what} is not UTF-8 text (byte {exc.start}, line {line})", where) from None


def read_text(path: str | Path, what: str, limit: int | None = None) -> str:
    """The UTF-8 text of a regular file, refusing devices, FIFOs, directories and files over ``limit`` bytes.

    ``what`` names the file in errors ("spec file", "solution file"); errors name the path, never the content.
    """
    limit = LIMITS.max_file_bytes if limit is None else limit
    where = str(path)
    # O_NONBLOCK: opening a FIFO nobody writes to returns at once instead of blocking; fstat then refuses it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(f"{what} not found", where) from None
    except IsADirectoryError:
        raise InputError(f"{what} is a directory, not a file", where) from None
    except OSError as exc:
        raise InputError(f"cannot open {what}: {exc.strerror or exc.__class__.__name__}", where) from None
    try:
        st = os.fstat(fd)
        kind = _not_regular(st.st_mode)
        if kind:
            raise InputError(f"{what} is {kind}, not a regular file", where)
        if st.st_size > limit:
            raise LimitError(f"{what} is {st.st_size} bytes, over the limit of {limit} bytes", where)
        chunks, total = [], 0
        while total <= limit:           # a file that grows while we read is still bounded
            try:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            except OSError as exc:
                raise InputError(f"cannot read {what}: {exc.strerror or exc.__class__.__name__}", where) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise LimitError(f"{what} is over the limit of {limit} bytes", where)
    finally:
        os.close(fd)
    return _decode(b"".join(chunks), what, where)


def read_stream(stream: BinaryIO | None, what: str = "standard input", limit: int | None = None) -> str:
    """At most ``limit`` bytes of a stream (stdin): ``/dev/zero`` on stdin is refused, not read until memory runs out."""
    limit = LIMITS.max_file_bytes if limit is None else limit
    if stream is None:
        stream = sys.stdin.buffer
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, AttributeError, ValueError):
        mode = None
    if mode is not None and (stat.S_ISDIR(mode) or stat.S_ISBLK(mode)):
        raise InputError(f"{what} is a directory or a device", "-")
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise LimitError(f"{what} is over the limit of {limit} bytes", "-")
    return _decode(data, what, "-")


def inside(path: Path, folders: Iterable[Path]) -> bool:
    """Whether the resolved ``path`` lies in one of ``folders`` (resolved too; symlinks followed)."""
    real = path.resolve()
    for folder in folders:
        f = Path(folder).resolve()
        if real == f or f in real.parents:
            return True
    return False


def resolve_in(base: str | Path, name: str, what: str, where: str,
               allowed: Iterable[str | Path] = ()) -> Path:
    """``name`` (from a problem file) resolved against the problem file's folder ``base``; it must stay inside that
    folder or one of ``allowed`` (the ``--allow-path`` folders), after following symlinks."""
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{what} must be a file name", where)
    if "\x00" in name:
        raise InputError(f"{what} path contains a NUL character", where)
    base_p = Path(base)
    p = Path(name)
    full = p if p.is_absolute() else base_p / p
    folders = [base_p, *(Path(a) for a in allowed)]
    if not inside(full, folders):
        raise InputError(f"{what} {name!r} is outside the problem's folder; paths in a problem file stay inside it "
                         "(give --allow-path DIR to allow another folder)", where)
    return full


def parse_toml(text: str, source: str) -> dict:
    """TOML text -> a table; an error (not a traceback) for bad syntax, deep nesting and over-long integers."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return _parse(tomllib.loads, tomllib.TOMLDecodeError, lambda exc: str(exc), "TOML", text, source)


def parse_json(text: str, source: str) -> object:
    """JSON text -> data; an error (not a traceback) for bad syntax, deep nesting and over-long integers."""
    return _parse(json.loads, json.JSONDecodeError,
                  lambda exc: f"{exc.msg} (line {exc.lineno}, column {exc.colno})", "JSON", text, source)


def _parse(loads: Any, syntax_error: type, describe: Any, fmt: str, text: str, source: str) -> Any:
    try:
        return loads(text)
    except syntax_error as exc:   # (a subclass of ValueError, so it is caught first)
        raise ParseError(f"invalid {fmt}: {describe(exc)}", source) from None
    except RecursionError:
        raise LimitError(f"{fmt} nested too deeply", source) from None
    except ValueError as exc:   # Python refuses to convert integers of more than 4,300 digits
        raise LimitError(f"a number in the {fmt} is too long ({str(exc).split(';')[0]})", source) from None
