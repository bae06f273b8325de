"""Optimizer benchmarks: symbolic unrolling of Adam to t = 10 and t = 50 (closed forms simplified and checked
against the geometric-series weights), and a 10,000-step Adam trajectory on a 1,000-element vector.

Targets: t = 10 under 2 s; 10,000 x 1,000 under 5 s. Run: ``python benchmarks/bench_optim.py``.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import sympy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from derive import optim  # noqa: E402
from derive.optim.notation import K, notation  # noqa: E402
from derive.optim.hyperparams import resolve  # noqa: E402
from derive.optim.update_rules import rule, tidy, unroll  # noqa: E402


def unroll_adam(t: int) -> float:
    """Iterate Adam's recurrences to step t, simplify hat m^t and hat v^t, and check them against the closed form
    sum_k (1 - beta) beta^{t-k} g^k / (1 - beta^t). Returns seconds."""
    start = time.perf_counter()
    nt = notation("seed")
    u = unroll(nt, rule(nt, resolve("adam")), t)
    gs = [nt.g(k) for k in range(1, t + 1)]
    for key, b, x in (("mhat", nt.beta1, nt.g(K)), ("vhat", nt.beta2, nt.g(K) ** 2)):
        simplified = tidy(u.values[t][key], gs)
        closed = (sympy.Sum((1 - b) * b ** (t - K) * x, (K, 1, t)) / (1 - b ** t)).doit()
        if sympy.cancel(sympy.together(u.values[t][key] - closed)) != 0:
            raise SystemExit(f"closed form of {key}^{t} disagrees")
        assert simplified is not None
    return time.perf_counter() - start


def trajectory(steps: int, size: int) -> float:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(steps, size))
    w0 = rng.normal(size=size)
    start = time.perf_counter()
    optim.trajectory("adam", w0=w0, grads=grads, lr=1e-3)
    return time.perf_counter() - start


def main() -> None:
    for t, target in ((10, 2.0), (50, None)):
        secs = unroll_adam(t)
        note = f" (target < {target:g} s)" if target else ""
        print(f"symbolic Adam unrolled to t = {t}, simplified and checked: {secs:.3f} s{note}")
    secs = trajectory(10_000, 1_000)
    print(f"Adam trajectory, 10,000 steps x 1,000 elements: {secs:.3f} s (target < 5 s)")
    secs = trajectory(10_000, 1)
    print(f"Adam trajectory, 10,000 steps, scalar: {secs:.3f} s")


if __name__ == "__main__":
    main()
