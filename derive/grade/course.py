"""A course's grading run: roster → journal → workers (local pool or Dask) → gradebook, Gradescope, feedback,
class summary. Every output is written from the journal, sorted by student id, after the grading."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable

from derive.check import load_problems
from derive.errors import DeriveError, InputError
from derive.grade.feedback import feedback_markdown, feedback_pdf
from derive.grade.gradebook import gradebook_csv, results_json, write_autograder
from derive.grade.journal import Journal, Row
from derive.grade.roster import Submission, load_mapping, roster
from derive.grade.rubric import Rubric, load_rubric
from derive.grade.run import run_local
from derive.grade.score import points, score, total
from derive.grade.summary import plot, summary_csv, summary_markdown, tally
from derive.grade.worker import Job, Outcome
from derive.settings import LIMITS


@dataclass
class RunStats:
    """What a run did: counts, wall time, the journal's share of it, the peak memory of one worker."""

    total: int = 0
    graded: int = 0
    failed: int = 0
    resumed: int = 0                  # found in the journal: not graded again
    seconds: float = 0.0              # grading wall time (outputs not included; cluster startup included)
    startup_seconds: float = 0.0      # of which starting (or reaching) the Dask cluster
    journal_seconds: float = 0.0      # time spent writing the journal
    output_seconds: float = 0.0
    peak_kb: int = 0
    warnings: list[str] = field(default_factory=list)


def _stderr(line: str) -> None:
    sys.stderr.write(f"derive grade: {line}\n")


def grade(submissions: str | Path, problem: str | Path, out: str | Path, *, rubric: str | Path | None = None,
          jobs: int = 1, dask: str | None = None, scheduler: str | None = None, timeout: float | None = None,
          budget: float = 300.0, pdf: bool = False, retry_failed: bool = False, single: str | None = None,
          roster_csv: str | Path | None = None, allowed: Iterable[str] = (), outputs: bool = True,
          warn: Callable[[str], None] = _stderr) -> RunStats:
    """Grade every submission in ``submissions`` against ``problem`` into the folder ``out`` (see the README).

    ``dask="local"``: a LocalCluster of ``jobs`` workers; ``scheduler``: a running Dask scheduler's address.
    Bad input about one submission is recorded (and warned) and the run goes on; a bad problem file, rubric or
    roster is an :class:`InputError` before anything is graded."""
    if not 1 <= jobs <= LIMITS.max_jobs:
        raise InputError(f"--jobs must be between 1 and {LIMITS.max_jobs}, not {jobs}", "--jobs")
    if not 1 <= budget <= 86400:
        raise InputError(f"--budget must be between 1 and 86400 seconds, not {budget:g}", "--budget")
    if timeout is not None and not LIMITS.min_step_seconds <= timeout <= LIMITS.max_step_seconds:
        raise InputError(f"--timeout must be between {LIMITS.min_step_seconds:g} and "
                         f"{LIMITS.max_step_seconds:g} seconds, not {timeout:g}", "--timeout")
    if dask not in (None, "local"):
        raise InputError(f"--dask takes 'local' (a LocalCluster here), not {dask!r}; use --scheduler for a "
                         "running cluster", "--dask")
    stats = RunStats()
    job = Job(str(Path(problem).resolve()), tuple(str(Path(a).resolve()) for a in allowed), timeout, budget)
    problems = load_problems(Path(problem), allowed=job.allowed)
    unread = frozenset(p.number for p in problems if p.error is not None)
    for p in problems:
        if p.error is not None:
            stats.warnings.append(f"{problem}: problem {p.number}: {p.error.kind}: {p.error} "
                                  "(its items score 0; the others are graded)")
    numbers = [p.number for p in problems]
    rub = load_rubric(rubric, numbers)
    stats.warnings += list(rub.warnings)
    subs = roster(submissions, load_mapping(roster_csv), single, ignore=(Path(out),))
    for w in stats.warnings:
        warn(w)
    stats.total = len(subs)
    with Journal(out, job.settings()) as journal:
        done = journal.done(retry_failed)
        pending: list[Submission] = []
        for s in subs:
            if done.get(s.sid) == s.digest:
                stats.resumed += 1
            elif s.error:
                journal.record(s.sid, s.digest, "failed", s.error, None)
            else:
                pending.append(s)

        def record(o: Outcome) -> None:
            t = time.perf_counter()
            journal.record(o.sid, o.digest, o.status, o.reason, o.result, o.seconds)
            stats.journal_seconds += time.perf_counter() - t

        start = time.perf_counter()
        if pending:
            if dask or scheduler:
                from derive.grade.cluster import run_dask   # here: only a cluster run imports Dask
                stats.peak_kb, stats.startup_seconds = run_dask(pending, job, scheduler, jobs, record)
            else:
                stats.peak_kb = run_local(pending, problems, job, jobs, record)
        stats.seconds = time.perf_counter() - start
        rows = {r.sid: r for r in journal.rows()}
    current = [(s, rows[s.sid]) for s in subs if s.sid in rows and rows[s.sid].digest == s.digest]
    for s, r in current:
        if r.status == "failed":
            stats.failed += 1
            warn(f"{s.sid}: not graded: {r.reason}")
        else:
            stats.graded += 1
    if outputs:
        t = time.perf_counter()
        single_number = numbers[0] if len(problems) == 1 else None   # then every line is about it
        write_outputs(Path(out), rub, current, single_number, unread, pdf, warn)
        stats.output_seconds = time.perf_counter() - t
    return stats


def write_outputs(out: Path, rub: Rubric, current: list[tuple[Submission, Row]], single: str | None,
                  unread: frozenset[str], pdf: bool, warn: Callable[[str], None]) -> None:
    """Every output file, from the journal's rows (``current``: this roster's, sorted by student id)."""
    book, graded, failures = [], [], []
    for d in ("gradescope", "feedback"):
        (out / d).mkdir(parents=True, exist_ok=True)
    totals: list[Decimal] = []
    for sub, row in current:
        scores = score(rub, row.result, single, unread) if row.status == "graded" and row.result else None
        book.append((sub.sid, row.status, row.reason, scores))
        if scores is None:
            failures.append((sub.sid, row.reason))
        else:
            graded.append(row.result)
            totals.append(total(scores))
        gs = out / "gradescope" / sub.sid
        gs.mkdir(exist_ok=True)
        (gs / "results.json").write_text(results_json(rub, row.status, row.reason, scores), encoding="utf-8")
        (out / "feedback" / f"{sub.sid}.md").write_text(
            feedback_markdown(sub.sid, sub.text, row.status, row.reason, scores, points(rub.max_score), row.result,
                              latex=bool(sub.paths) and all(p.endswith(".tex") for p in sub.paths)),
            encoding="utf-8")
        if pdf and scores is not None:
            try:
                feedback_pdf(row.result, sub.text, out / "feedback" / f"{sub.sid}.pdf")
            except DeriveError as exc:
                warn(f"{out / 'feedback' / (sub.sid + '.pdf')}: {exc.kind}: {exc}")
    (out / "gradebook.csv").write_text(gradebook_csv(rub, book), encoding="utf-8")
    write_autograder(out / "gradescope")
    mis, steps = tally(graded)
    mean = points(sum(totals, Decimal(0)) / len(totals)) if totals else "-"
    counts = {"total": len(current), "graded": len(graded), "failed": len(failures)}
    (out / "summary.md").write_text(summary_markdown(counts, failures, mis, steps, mean, points(rub.max_score)),
                                    encoding="utf-8")
    (out / "summary.csv").write_text(summary_csv(mis, steps), encoding="utf-8")
    try:
        plot(mis, steps, out / "summary")
    except InputError as exc:
        warn(f"{exc}")
