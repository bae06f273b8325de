"""The local run: a pool of killable grading workers (one a job), fed from a queue, results back to one thread.

Each pool slot is a :class:`~derive.grade.worker.GradeBox` driven by a thread that only waits on its pipe, so the
threads cost no CPU; outcomes come back to the caller's thread, which alone writes the journal. Workers fork from
this process and inherit the loaded problems, as ``derive check --jobs`` does.
"""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterable

from derive.grade.roster import Submission
from derive.grade.worker import GradeBox, Job, Outcome

_DONE = object()


def run_local(subs: Iterable[Submission], problems: Any, job: Job, jobs: int,
              on_outcome: Callable[[Outcome], None]) -> int:
    """Grade ``subs`` on ``jobs`` workers, calling ``on_outcome`` (in this thread) as each finishes.

    Returns the peak memory of one worker in KB (the largest seen)."""
    todo: queue.Queue = queue.Queue()
    subs = list(subs)
    for s in subs:
        todo.put(s)
    done: queue.Queue = queue.Queue()
    # started here, one after the other, before any thread runs: fork from a process with no busy threads
    boxes = [GradeBox(problems, job) for _ in range(max(1, min(jobs, len(subs))))]
    peak = 0
    try:
        for box in boxes:
            peak = max(peak, box.ping())
        threads = [threading.Thread(target=_drive, args=(box, todo, done), daemon=True) for box in boxes]
        for t in threads:
            t.start()
        finished = 0
        while finished < len(threads):
            item = done.get()
            if item is _DONE:
                finished += 1
                continue
            peak = max(peak, item.peak_kb)
            on_outcome(item)
    finally:
        while not todo.empty():   # the caller stopped (an exception in on_outcome): let the threads finish
            try:
                todo.get_nowait()
            except queue.Empty:
                break
        for box in boxes:
            box.close()
    return peak


def _drive(box: GradeBox, todo: queue.Queue, done: queue.Queue) -> None:
    try:
        while True:
            try:
                sub = todo.get_nowait()
            except queue.Empty:
                return
            done.put(box.grade(sub.sid, sub.digest, sub.text))
    finally:
        done.put(_DONE)
