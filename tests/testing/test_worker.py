"""derive.testing.worker: results stream from a forked child until the deadline, then the child is killed."""
from __future__ import annotations

import os
import time

from derive.testing.worker import FAILED, STOPPED, can_fork, collect


def test_results_arrive_in_order():
    assert can_fork()   # the machines derive is tested on have fork: the time bound is real there
    assert collect(lambda: iter([("a", 1), ("b", [2, 3])]), 5) == {"a": 1, "b": [2, 3]}


def _slow():
    yield "first", os.getpid()
    time.sleep(30)
    yield "never", True


def test_the_deadline_keeps_what_came_and_kills_the_rest():
    found = collect(_slow, 0.5)
    assert found[STOPPED] is True and "never" not in found
    child = found["first"]
    assert child != os.getpid()
    try:
        os.kill(child, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def _raises():
    yield "before", 1
    raise ValueError("boom")


def test_an_exception_is_reported_not_raised():
    assert collect(_raises, 5) == {"before": 1, FAILED: "ValueError: boom"}


def _unpicklable():
    yield "lambda", lambda: None
    yield "after", 2


def test_an_unpicklable_result_is_skipped():
    assert collect(_unpicklable, 5) == {"after": 2}


def _dies():
    yield "before", 1
    os._exit(3)


def test_a_dead_child_counts_as_stopped():
    assert collect(_dies, 5) == {"before": 1, STOPPED: True}


def _noisy():
    print("from the child")
    os.write(2, b"child stderr\n")
    yield "done", True


def test_the_child_writes_nothing_to_the_test_output(capfd):
    assert collect(_noisy, 5) == {"done": True}
    out, err = capfd.readouterr()
    assert "child" not in out + err
