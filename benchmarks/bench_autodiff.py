"""Autodiff scale: graphs of thousands of nodes must not swell. Prints the figures.

    python benchmarks/bench_autodiff.py
"""
from __future__ import annotations

import sys
import time
import resource
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not

import derive  # noqa: E402


def chain_function(n: int):
    """A traced sum of n terms sharing one subexpression x*y: about 6n nodes, heavy fan-out on the shared node.
    (Traced, because a typed expression this long is over the input-size limit for untrusted text.)"""
    from derive import exp, sin

    def f(x, y):
        s = 0
        for k in range(1, n + 1):
            s = s + sin(k * (x * y)) * exp(-y / k)
        return s
    return f


def main() -> None:
    print("terms  nodes  build+values+adjoints  render LaTeX  LaTeX chars  process peak MB")
    for n in (10, 100, 400, 1000):
        text = chain_function(n)
        t0 = time.perf_counter()
        r = derive.autodiff(text, at="x=0.5,y=1.5", parts="chain,forward,reverse")
        t1 = time.perf_counter()
        tex = r.to_latex()
        t2 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # process peak (kB on Linux)
        print(f"{n:5d}  {len(r.nodes):5d}  {t1 - t0:20.2f}s  {t2 - t1:11.2f}s  {len(tex):11d}  {peak:7.1f}")
    # the seed problem end to end
    t0 = time.perf_counter()
    r = derive.autodiff(r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)", at="c=3,x=5",
                        log_base="10", rounding="handwritten")
    r.to_latex()
    print(f"seed problem 1 (all parts, LaTeX): {time.perf_counter() - t0:.3f}s")


if __name__ == "__main__":
    main()
