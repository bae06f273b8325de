"""Matrix backpropagation timings: a 3-layer MLP with 256-wide layers and a batch of 64, derived with numbers.

Target (issue 15): under 2 s for the whole worked sheet (forward values, backward equations, LaTeX). Numbers are
float64 NumPy (never SymPy at this size); matrices beyond 5 rows or columns are printed elided.
Run: python benchmarks/bench_matrix.py   (the best of several runs is reported)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source checkout without installing

from derive.matrix import matrix  # noqa: E402
from derive.render import render  # noqa: E402


def problem(width: int = 256, batch: int = 64, classes: int = 10, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    y = np.zeros((classes, batch))
    y[rng.integers(0, classes, size=batch), np.arange(batch)] = 1.0
    sizes = [width, width, width, classes]
    values = {"x": rng.normal(size=(width, batch)), "y": y}
    for k in range(1, 4):
        values[f"W{k}"] = rng.normal(size=(sizes[k], sizes[k - 1])) / np.sqrt(sizes[k - 1])
        values[f"b{k}"] = rng.normal(size=(sizes[k], 1)) * 0.1
    return values


def run(values: dict) -> tuple[float, float, int]:
    t0 = time.perf_counter()
    r = matrix(layers=["linear", "relu", "linear", "relu", "linear", "softmax"], values=values,
               wrt=[f"{p}{k}" for k in range(1, 4) for p in "Wb"])
    t1 = time.perf_counter()
    tex = render(r, "latex", standalone=True)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, len(tex)


def main() -> None:
    values = problem()
    cold = run(values)   # the first run pays for the lambdified scalar table and the printer caches
    print(f"first run (cold): {cold[0] + cold[1]:.3f} s")
    best = min((run(values) for _ in range(5)), key=lambda t: t[0] + t[1])
    derive_s, latex_s, size = best   # derive includes printing every line; render only lays them out
    total = derive_s + latex_s
    print(f"3-layer MLP, 256 wide, batch 64, softmax cross-entropy: derive {derive_s:.3f} s + LaTeX {latex_s:.3f} s "
          f"= {total:.3f} s ({size / 1000:.0f} kB of LaTeX); target < 2 s: {'ok' if total < 2 else 'MISSED'}")


if __name__ == "__main__":
    main()
