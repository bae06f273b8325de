"""`derive solve` on the seed homework as a whole process, and `derive variants` of 100 variants on 2 cores.

    python benchmarks/bench_solve.py
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    py = sys.executable
    runs = [timed([py, "-m", "derive", "solve"]) for _ in range(3)]
    print(f"derive solve (seed homework -> LaTeX), whole process: best {min(runs):.2f}s of 3 (target < 2 s)")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = timed([py, "-m", "derive", "solve", "-o", str(Path(tmp) / "seed.pdf")])
        print(f"derive solve -o seed.pdf (LaTeX + pdflatex): {pdf:.2f}s")
        t = timed([py, "-m", "derive", "variants", str(ROOT / "examples" / "sigmoid_backprop.toml"),
                   "--count", "100", "--seed", "1", "-o", tmp, "--jobs", "2", "--quiet"])
        print(f"derive variants, 100 variants of sigmoid_backprop.toml, --jobs 2: {t:.2f}s (target < 30 s)")


if __name__ == "__main__":
    main()
