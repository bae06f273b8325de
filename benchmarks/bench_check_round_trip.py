"""Round trip of the checker on derive's own solutions: random expressions of 3-4 operations are derived
(``render(derive.autodiff(...), "markdown")``, exact and handwritten rounding) and checked against themselves; every
finding is a false positive. Expressions with two nodes that are the same function (``x - x``) are skipped: a
∂-fraction written between such subexpressions is ambiguous. Prints the counts.

    python benchmarks/bench_check_round_trip.py [count] [seed]
"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from derive import autodiff
from derive.check import check
from derive.render import render

UNARY = [r"\ln({a})", r"e^{{{a}}}", r"\sin({a})", r"\cos({a})", r"\tanh({a})", r"\sigma({a})", r"\sqrt{{{a}}}",
         r"({a})^{{2}}", r"({a})^{{3}}"]
BINARY = ["({a}) + ({b})", "({a}) - ({b})", "({a}) ({b})", r"\frac{{{a}}}{{{b}}}"]
POSITIVE = (r"\ln", r"\sqrt")


def expression(rng: random.Random, ops: int, names: list[str], used: set[str] | None = None) -> str:
    """A random expression with exactly ``ops`` operations; ln and sqrt get an argument kept positive."""
    used = set() if used is None else used
    if ops == 0:
        name = rng.choice(names)
        used.add(name)
        return name
    if rng.random() < 0.45:
        form = rng.choice(UNARY)
        inner = expression(rng, ops - 1, names, used)
        if form.startswith(POSITIVE):
            inner = f"1 + ({inner})^{{2}}" if ops > 1 else inner
        return form.format(a=inner)
    left = rng.randint(0, ops - 1)
    a, b = expression(rng, left, names, used), expression(rng, ops - 1 - left, names, used)
    form = rng.choice(BINARY)
    if form.startswith(r"\frac"):
        b = f"2 + ({b})^{{2}}"
    return form.format(a=a, b=b)


def _degenerate(result) -> bool:
    """Two nodes that are the same function of the inputs (``x - x`` beside ``0``, ``w + (x - w)`` beside ``x``):
    a ∂-fraction written between such subexpressions names either node, so the chain-rule part is ambiguous."""
    import sympy
    seen = set()
    for node in result.graph.nodes:
        e = sympy.simplify(node.expr)
        if e in seen or e.is_number:
            return True
        seen.add(e)
    return False


def main(count: int = 50, seed: int = 1) -> int:
    rng = random.Random(seed)
    done, findings, checked, failed_build, degenerate = 0, 0, 0, 0, 0
    t0 = time.perf_counter()
    while done < count:
        names = rng.sample(["x", "y", "w", "b"], rng.randint(1, 3))
        used: set[str] = set()
        expr = expression(rng, rng.randint(3, 4), names, used)
        at = ",".join(f"{n}={rng.choice(['0.5', '1.5', '2', '3', '0.8'])}" for n in names if n in used)
        try:
            results = [autodiff(expr, at=at, rounding=r) for r in ("exact", "handwritten")]
        except Exception:   # the generator may build something derive rejects (a domain error): skip it
            failed_build += 1
            continue
        if _degenerate(results[0]):
            degenerate += 1
            continue
        for r in results:
            report = check(render(r, "markdown"), r, isolate=False)
            checked += report.checked
            if report.findings:
                findings += len(report.findings)
                print(f"FINDINGS for {expr} at {at} ({r.settings.rounding}):")
                for f in report.findings[:5]:
                    print(f"   line {f.line}: {f.verdict}: {f.step[:80]} :: {f.message[:160]}")
        done += 1
    dt = time.perf_counter() - t0
    print(f"{done} expressions x 2 roundings, {checked} sides checked, {findings} findings (false positives), "
          f"{failed_build} generated expressions rejected by autodiff, {degenerate} degenerate ones skipped, "
          f"{dt:.1f} s")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
