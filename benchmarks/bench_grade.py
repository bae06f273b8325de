"""Grading speed: a synthetic class through ``derive grade`` with 1 and 2 local workers and on a 2-worker Dask
LocalCluster. Prints submissions/s, the scaling ratio, peak memory per worker, the journal's cost, and checks that
the three runs wrote byte-identical gradebooks.

    python benchmarks/bench_grade.py [N_SUBMISSIONS] [--no-dask]

The class is derive's own worked solution of a two-problem autodiff quiz (Baydin et al.'s f(x1, x2) = ln x1 +
x1 x2 - sin x2 and a sigmoid neuron, forward and reverse traces), written in four notations (Markdown, a LaTeX
document, the node letter N for v, a folder with a file a problem), 40 % of them with one computed number changed.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from derive.grade import grade  # noqa: E402
from derive.grade.synthetic import write_class  # noqa: E402

QUIZ = (ROOT / "tests" / "grade" / "gradecourse.py").read_text(encoding="utf-8").split('QUIZ = """', 1)[1] \
    .split('"""', 1)[0]
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss() -> dict[int, int]:
    """RSS in bytes of every process descending from this one."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parent[int(d.name)] = int(fields[1])
            rss[int(d.name)] = int(fields[21]) * PAGE
        except (OSError, ValueError, IndexError):
            continue
    me, out = os.getpid(), {}
    for pid in rss:
        p, seen = pid, 0
        while p in parent and p != me and seen < 64:
            p, seen = parent[p], seen + 1
        if p == me and pid != me:
            out[pid] = rss[pid]
    return out


class Sampler(threading.Thread):
    """Peak RSS of the largest descendant process and of all of them together, sampled every second (a light walk of /proc)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop, self.single, self.total = threading.Event(), 0, 0

    def run(self) -> None:
        while not self.stop.is_set():
            tree = _tree_rss()
            if tree:
                self.single = max(self.single, max(tree.values()))
                self.total = max(self.total, sum(tree.values()))
            self.stop.wait(1.0)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the workers are joined when a run ends)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _run(label: str, subs: Path, problem: Path, out: Path, workers: int, dask: str | None) -> dict:
    sampler = Sampler()
    sampler.start()
    cpu0 = _cpu()
    start = time.perf_counter()
    stats = grade(subs, problem, out, jobs=workers, dask=dask, warn=lambda line: None)
    wall = time.perf_counter() - start
    cpu = _cpu() - cpu0
    sampler.stop.set()
    sampler.join()
    rate = stats.graded / (stats.seconds - stats.startup_seconds)   # a cluster is started once, not per run
    print(f"{label:<28} {stats.graded:>5} graded {stats.failed:>3} failed  grading {stats.seconds:7.1f} s  "
          f"{rate:6.1f} submissions/s{f' (+{stats.startup_seconds:.1f} s cluster start)' if dask else ''}  outputs {stats.output_seconds:5.1f} s  whole run {wall:6.1f} s")
    print(f"{'':<28} peak RSS: largest process {sampler.single / 2**20:6.0f} MB, all processes "
          f"{sampler.total / 2**20:6.0f} MB ({sampler.total / 2**20 / workers:5.0f} MB a worker); journal writes "
          f"{stats.journal_seconds:5.2f} s = {100 * stats.journal_seconds / stats.seconds:4.1f} % of grading")
    if dask:   # Dask's nanny ends its worker processes itself: their CPU never reaches this process's rusage
        print(f"{'':<28} (CPU not measured: Dask's worker processes are not this process's children to reap)")
    else:
        print(f"{'':<28} CPU {cpu:6.1f} s = {1000 * cpu / max(stats.graded, 1):5.1f} ms a submission; cores in use "
              f"{cpu / wall:4.2f} of {os.cpu_count()} (the machine is shared: the rest went to other processes)")
    return {"rate": rate, "stats": stats, "book": (out / "gradebook.csv").read_bytes(), "cpu": cpu}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 2000
    with tempfile.TemporaryDirectory(prefix="derive-bench-grade-") as tmp:
        base = Path(tmp)
        problem = base / "quiz.toml"
        problem.write_text(QUIZ, encoding="utf-8")
        t = time.perf_counter()
        answers = write_class(problem, base / "subs", n, seed=7)
        print(f"{n} submissions ({sum(1 for v in answers.values() if v)} with a slip, 4 notations) written in "
              f"{time.perf_counter() - t:.1f} s; {os.cpu_count()} cores")
        one = _run("local, 1 worker", base / "subs", problem, base / "one", 1, None)
        two = _run("local, 2 workers", base / "subs", problem, base / "two", 2, None)
        print(f"scaling 1 -> 2 workers: {two['rate'] / one['rate']:.2f}x in submissions/s; CPU a submission "
              f"{two['cpu'] / one['cpu']:.2f}x (1.00 = no pool overhead: the ratio is then set by free cores)")
        if "--no-dask" not in sys.argv:
            dk = _run("Dask LocalCluster, 2 workers", base / "subs", problem, base / "dask", 2, "local")
            print(f"Dask / local pool on the same cores: {dk['rate'] / two['rate']:.2f}")
            print(f"gradebooks identical (1 worker, 2 workers, Dask): {one['book'] == two['book'] == dk['book']}")
        else:
            print(f"gradebooks identical (1 worker, 2 workers): {one['book'] == two['book']}")
        t = time.perf_counter()
        again = grade(base / "subs", problem, base / "two", jobs=2, warn=lambda line: None, outputs=False)
        print(f"resumed run over the finished journal: {again.resumed} from the journal, none graded again, "
              f"{time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
