"""The journal: one SQLite row a submission, written as soon as it is graded, so a killed run resumes.

A row is keyed by student id and holds the digest of the text it graded: a resumed run skips every submission
whose text it has already graded (or recorded as failed), so nothing is graded twice, and a submission whose
text changed is graded again. The run's settings (problem file digest, time limits) are stored once; a journal of
another problem set is refused rather than mixed into it.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

from derive.errors import InputError

SCHEMA = 1
NAME = "journal.sqlite"


@dataclass(frozen=True)
class Row:
    """A submission's outcome: ``status`` graded or failed; ``result`` the worker's record (graded only)."""

    sid: str
    digest: str
    status: str
    reason: str
    result: Mapping[str, Any] | None


class Journal:
    """The journal of one results folder (created on first use)."""

    def __init__(self, folder: str | Path, settings: Mapping[str, Any]) -> None:
        self.path = Path(folder) / NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # one connection, used only by the thread that writes results (the client, on a cluster)
        self.db = sqlite3.connect(str(self.path), check_same_thread=False)
        # WAL + synchronous=NORMAL: a committed row survives the process being killed, at a fraction of the
        # cost of a full fsync per row (a power cut may lose the last rows, which are then graded again)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS results (sid TEXT PRIMARY KEY, digest TEXT NOT NULL, "
                        "status TEXT NOT NULL, reason TEXT NOT NULL, result TEXT, seconds REAL NOT NULL)")
        wanted = json.dumps({"schema": SCHEMA, **settings}, sort_keys=True)
        have = self.db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()
        if have is None:
            self.db.execute("INSERT INTO meta VALUES ('settings', ?)", (wanted,))
            self.db.commit()
        elif have[0] != wanted:
            self.db.close()
            raise InputError("this results folder holds a run with another problem set or other time limits; "
                             "give a new -o folder (or delete the journal to start again)", str(self.path))

    def done(self, retry_failed: bool = False) -> dict[str, str]:
        """``sid → digest`` of what needs no grading again (failed rows too, unless ``retry_failed``)."""
        q = "SELECT sid, digest FROM results" + (" WHERE status = 'graded'" if retry_failed else "")
        return dict(self.db.execute(q).fetchall())

    def record(self, sid: str, digest: str, status: str, reason: str, result: Mapping[str, Any] | None,
               seconds: float = 0.0) -> None:
        """Write one outcome and commit it at once (a kill after this line loses nothing)."""
        body = None if result is None else json.dumps(result, sort_keys=True, ensure_ascii=False)
        self.db.execute("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?)",
                        (sid, digest, status, reason, body, float(seconds)))
        self.db.commit()

    def rows(self) -> Iterator[Row]:
        """Every row, sorted by student id."""
        for sid, digest, status, reason, body in self.db.execute(
                "SELECT sid, digest, status, reason, result FROM results ORDER BY sid"):
            yield Row(sid, digest, status, reason, None if body is None else json.loads(body))

    def seconds(self) -> float:
        """Worker seconds spent on the graded rows (for the benchmark; never written to an output)."""
        return float(self.db.execute("SELECT COALESCE(SUM(seconds), 0) FROM results").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
