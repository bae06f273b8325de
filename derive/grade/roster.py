"""The roster: which submissions a folder holds, under which student id, and their text.

A submission is a file (``alice.md``: id ``alice``) or a folder (``alice/``: every ``.md``/``.tex``/``.txt`` file
in it, in name order, read as one sheet). A roster CSV (``submission,student`` columns) maps an entry's name onto
a student id. Ids name output files, so they are limited to letters, digits and ``._@-``.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from derive.errors import DeriveError, InputError
from derive.files import read_text

SUFFIXES = (".md", ".markdown", ".tex", ".txt")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}\Z")
MAX_FILES = 50          # files in one student's folder: more is not a solution sheet


@dataclass(frozen=True)
class Submission:
    """One student's work: ``text`` and its ``digest``, or ``error`` (why it cannot be graded) naming the file."""

    sid: str
    paths: tuple[str, ...]
    text: str = ""
    error: str = ""

    @property
    def digest(self) -> str:
        """What the journal keys on: the same text is never graded twice; an unreadable entry keys on its reason."""
        data = self.text if not self.error else "unreadable\0" + self.error
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


def load_mapping(path: str | Path | None) -> dict[str, str]:
    """``submission → student`` from a roster CSV (None: no mapping)."""
    if path is None:
        return {}
    where = str(path)
    rows = list(csv.reader(io.StringIO(read_text(path, "roster file"))))
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["submission", "student"]:
        raise InputError("a roster CSV starts with the header 'submission,student'", where)
    out: dict[str, str] = {}
    for n, row in enumerate(rows[1:], 2):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2:
            raise InputError(f"line {n}: needs a submission and a student id", where)
        name, sid = row[0].strip(), row[1].strip()
        if not _ID.match(sid):
            raise InputError(f"line {n}: student id {sid[:40]!r} may hold only letters, digits and ._@-", where)
        if name in out:
            raise InputError(f"line {n}: submission {name[:40]!r} is listed twice", where)
        out[name] = sid
    return out


def _read_entry(entry: Path) -> tuple[tuple[str, ...], str, str]:
    """(paths, text, error) of one file or folder."""
    if entry.is_dir() and not entry.is_symlink():
        files = sorted(p for p in entry.rglob("*") if p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
                       and not any(q.startswith(".") for q in p.relative_to(entry).parts))
        if not files:
            return (str(entry),), "", f"{entry}: no {', '.join(SUFFIXES)} file in this folder"
        if len(files) > MAX_FILES:
            return (str(entry),), "", f"{entry}: {len(files)} sheet files, more than {MAX_FILES}"
    else:
        files = [entry]
        if entry.suffix.lower() not in SUFFIXES:
            return (str(entry),), "", f"{entry}: not a Markdown, LaTeX or text file ({', '.join(SUFFIXES)})"
    texts = []
    for f in files:
        try:
            texts.append(read_text(f, "submission file"))
        except DeriveError as exc:
            return tuple(map(str, files)), "", f"{exc.kind}: {exc}"
    if not "".join(texts).strip():
        return tuple(map(str, files)), "", f"{files[0]}: the submission is empty"
    return tuple(map(str, files)), "\n\n".join(t.rstrip("\n") for t in texts) + "\n", ""


def roster(folder: str | Path, mapping: dict[str, str] | None = None, single: str | None = None,
           ignore: tuple[Path, ...] = ()) -> list[Submission]:
    """Every submission in ``folder``, sorted by student id; ``single``: the whole folder is that one student's.
    ``ignore``: entries that are no submission (the results folder, when it is inside ``folder``).

    Unreadable entries come back with ``error`` set (the run records them and goes on); hidden entries are not
    submissions. Two entries for one id are both refused."""
    base = Path(folder)
    if not base.is_dir():
        raise InputError("the submissions folder does not exist or is not a folder", str(folder))
    mapping = mapping or {}
    if single is not None:
        if not _ID.match(single):
            raise InputError(f"student id {single[:40]!r} may hold only letters, digits and ._@-", "--single")
        paths, text, error = _read_entry(base)
        return [Submission(single, paths, text, error)]
    found: dict[str, list[Submission]] = {}
    skip = {p.resolve() for p in ignore}
    for entry in sorted(base.iterdir()):
        if entry.name.startswith(".") or entry.resolve() in skip:
            continue
        sid = mapping.get(entry.name) or mapping.get(entry.stem) or \
            (entry.name if entry.is_dir() else entry.stem)
        if not _ID.match(sid):
            found.setdefault(sid, []).append(Submission(_safe(sid), (str(entry),), "", f"{entry}: the name "
                                                        "is no student id (letters, digits and ._@- only)"))
            continue
        paths, text, error = _read_entry(entry)
        found.setdefault(sid, []).append(Submission(sid, paths, text, error))
    out = []
    for sid in sorted(found):
        subs = found[sid]
        if len(subs) > 1:
            names = ", ".join(p for s in subs for p in s.paths[:1])
            out.append(Submission(subs[0].sid, tuple(p for s in subs for p in s.paths), "",
                                  f"two submissions for {subs[0].sid}: {names}"))
        else:
            out.append(subs[0])
    return sorted(out, key=lambda s: s.sid)


def _safe(name: str) -> str:
    """A file-name-safe id for an entry whose own name is not one (so its failure can still be reported)."""
    return "invalid-" + hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()[:12]
