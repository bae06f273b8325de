"""The cluster run on Dask: one task a submission, the journal written by the client as tasks finish.

``address`` is a running scheduler (``tcp://HOST:8786``); without one a :class:`LocalCluster` of ``workers``
processes is started here. On each Dask worker a task grades in the same killable worker as the local run
(:class:`~derive.grade.worker.GradeBox`), loaded once a process, so the two paths give the same records. Dask is
imported inside these functions: derive needs it only to grade on a cluster (the ``grade`` extra).
"""
from __future__ import annotations

import multiprocessing
import threading
import time
from typing import Any, Callable, Iterable

from derive.errors import DeriveError, InputError
from derive.grade.roster import Submission
from derive.grade.worker import GradeBox, Job, Outcome, problems_for

_BOXES = threading.local()   # one grading worker a Dask worker thread


def grade_task(job: Job, sid: str, digest: str, text: str) -> Outcome:
    """Runs on a Dask worker: grade one submission (a problem file the worker cannot read is the reason)."""
    if multiprocessing.current_process().daemon:   # Sandbox could not start its worker: say how to fix it
        return Outcome(sid, digest, "failed", "the Dask worker is a daemonic process and cannot start a grading "
                       "worker: start it with DASK_DISTRIBUTED__WORKER__DAEMON=False", None)
    boxes = getattr(_BOXES, "boxes", None)
    if boxes is None:
        boxes = _BOXES.boxes = {}
    box = boxes.get(job)
    if box is None:
        try:
            problems = problems_for(job)
        except DeriveError as exc:
            return Outcome(sid, digest, "failed", f"on the worker: {exc.kind}: {exc}", None)
        box = boxes[job] = GradeBox(problems, job)
    return box.grade(sid, digest, text)


def _client(address: str | None, workers: int) -> tuple[Any, Any]:
    try:
        import dask   # lazy: only a cluster run needs Dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("grading on Dask needs the grade extra: pip install 'derive[grade]'", "--dask") from None
    # A grading task forks killable workers; Dask's default daemonic worker processes may not have children.
    dask.config.set({"distributed.worker.daemon": False})
    if address:
        try:
            return Client(address, timeout=30), None
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler: {exc}", address) from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=50)
    return Client(cluster), cluster


def run_dask(subs: Iterable[Submission], job: Job, address: str | None, workers: int,
             on_outcome: Callable[[Outcome], None]) -> tuple[int, float]:
    """Grade ``subs`` as Dask tasks; ``on_outcome`` runs here, in the client, as each finishes.

    Returns the peak memory of one grading worker in KB and the seconds spent starting or reaching the cluster.
    A task lost with its Dask worker (after Dask's own retries) is recorded as failed with the reason; the others
    go on."""
    start = time.perf_counter()
    client, cluster = _client(address, workers)
    from dask.distributed import as_completed   # lazy, as above
    if cluster is not None:   # a LocalCluster's workers start in the background: wait, so startup is counted apart
        client.wait_for_workers(workers, timeout=120)
    startup = time.perf_counter() - start
    peak = 0
    try:
        futures = {client.submit(grade_task, job, s.sid, s.digest, s.text, key=f"derive-grade-{s.digest}-{s.sid}",
                                 pure=False): s for s in subs}
        for fut in as_completed(futures):
            sub = futures[fut]
            try:
                out = fut.result()
            except Exception as exc:   # noqa: BLE001 -- a lost worker or task: record it, grade the rest
                out = Outcome(sub.sid, sub.digest, "failed", f"the Dask task failed: {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:200] if str(exc) else ''}", None)
            peak = max(peak, out.peak_kb)
            on_outcome(out)
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return peak, startup
