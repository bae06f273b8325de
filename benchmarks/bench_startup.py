"""How long derive takes to start: ``import derive``, ``derive --help`` and the seed document (``derive solve``).

    python benchmarks/bench_startup.py [--runs 5]

Each figure is a whole fresh process (the median and the best of ``--runs``), then the five slowest imports of
``import derive`` as ``python -X importtime`` reports them (cumulative microseconds). Figures only, no asserts.
Targets of issue 12: import < 0.3 s, ``--help`` < 0.5 s, the seed document < 1 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "import derive": [sys.executable, "-c", "import derive"],
    "derive --help": [sys.executable, "-m", "derive", "--help"],
    "derive solve (seed)": [sys.executable, "-m", "derive", "solve"],
}


def _time(cmd: list[str], runs: int) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append(time.perf_counter() - t)
    return statistics.median(out), min(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for name, cmd in COMMANDS.items():
        med, best = _time(cmd, args.runs)
        print(f"{name:24s} median {med:6.3f} s   best {best:6.3f} s")
    p = subprocess.run([sys.executable, "-X", "importtime", "-c", "import derive"], cwd=ROOT, capture_output=True,
                       text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    rows = []
    for line in p.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    print("slowest imports under 'import derive' (cumulative µs):")
    for us, name in sorted(rows, reverse=True)[:5]:
        print(f"  {us:9d}  {name}")


if __name__ == "__main__":
    main()
