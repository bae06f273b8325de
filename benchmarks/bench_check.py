"""Checker speed: the seed sheet as a whole process, and a thousand solution files with --jobs 2. Prints the figures.

    python benchmarks/bench_check.py [N_FILES]

The files are variants of the seed's problem 1 (the forward and backward traces with the sheet's two errors, and
with one number or sign changed at random, the way students differ), all checked against the same problem.
"""
from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

SEED = ROOT.parent / "shared" / "seeds" / "000_d91cd396bf3b745f.txt"
EXPR = r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)"
OPTS = ["--expr", EXPR, "--at", "c=3,x=5", "--log-base", "10"]


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _sheet() -> str:
    if SEED.exists():
        return SEED.read_text(encoding="utf-8")
    sys.path.insert(0, str(ROOT / "tests"))
    from test_check import SEED_P1   # the same problem 1, verbatim
    return SEED_P1


def variants(text: str, n: int) -> list[str]:
    """The sheet's problem 1, each copy with one number nudged or one sign flipped (deterministic)."""
    body = text[:text.find("2. (a)")] if "2. (a)" in text else text
    numbers = list(re.finditer(r"(?<![_{\w])-?\d+\.\d+", body))
    rng = random.Random(1)
    out = []
    for k in range(n):
        m = numbers[rng.randrange(len(numbers))]
        value = float(m.group(0))
        new = f"{value * rng.choice([1, 1, 1.1, -1]):.1f}" if k % 3 else m.group(0)
        out.append(body[:m.start()] + new + body[m.end():])
    return out


def main() -> None:
    n_files = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    sheet = _sheet()
    with tempfile.TemporaryDirectory(prefix="derive-bench-") as tmp:
        seed = Path(tmp) / "seed.md"
        seed.write_text(sheet, encoding="utf-8")
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "derive", "check", str(seed), *OPTS],
                                  capture_output=True, text=True, env=_env())
            times.append(time.perf_counter() - t0)
        print(f"seed sheet, whole process (python -m derive check): median {statistics.median(times):.2f}s "
              f"of {len(times)} (exit {proc.returncode}; target < 3 s)")
        print("  " + proc.stdout.strip().splitlines()[-1])
        problem_set = ROOT / "examples" / "seed.toml"
        if problem_set.exists():
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "derive", "check", str(seed), "--problem", str(problem_set)],
                                  capture_output=True, text=True, env=_env())
            print(f"seed sheet against examples/seed.toml (problems 1-3), whole process: "
                  f"{time.perf_counter() - t0:.2f}s (exit {proc.returncode})")
            print("  " + proc.stdout.strip().splitlines()[-1])

        files = []
        for k, text in enumerate(variants(sheet, n_files)):
            f = Path(tmp) / f"s{k:04d}.md"
            f.write_text(text, encoding="utf-8")
            files.append(str(f))
        for jobs in (2,):
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "derive", "check", *files, *OPTS, "--jobs", str(jobs),
                                   "--format", "json"], capture_output=True, text=True, env=_env())
            dt = time.perf_counter() - t0
            import json
            data = json.loads(proc.stdout)
            wrong = sum(1 for f in data["files"] if not f.get("ok"))
            print(f"{n_files} files, --jobs {jobs}: {dt:.1f}s = {n_files / dt:.1f} files/s "
                  f"(target >= 10; {wrong} with errors, exit {proc.returncode})")


if __name__ == "__main__":
    main()
