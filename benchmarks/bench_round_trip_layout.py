"""The checker reads derive's own broken lines: round trips of long derivations (rows broken to fit the page).

Every shipped problem set and ``count`` random long autodiff expressions (7-11 operations, 2-4 inputs, the
expressions of tests/test_documents_fit.py's generated sets) are rendered as Markdown and checked against
themselves with ``derive.check.check``; every finding is a false positive. Prints the findings by verdict, and
how many documents have any.

    python benchmarks/bench_round_trip_layout.py [count] [seed]

Runs whichever ``derive`` is imported (``PYTHONPATH=/some/checkout`` measures another tree).
"""
from __future__ import annotations

import collections
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_documents_fit import _expression  # noqa: E402  (the generated sets' expressions)

from derive import autodiff, problems  # noqa: E402
from derive.check import check  # noqa: E402
from derive.render import render  # noqa: E402


def main(count: int = 50, seed: int = 5) -> int:
    import derive
    print(f"derive from {Path(derive.__file__).parent}")
    verdicts: collections.Counter[str] = collections.Counter()
    bad_docs, rows, t0 = [], 0, time.perf_counter()
    for name in problems.EXAMPLES:
        path = problems.example_path(name)
        text = render(problems.solve(problems.load(path)), "markdown")
        report = check(text, str(path))
        verdicts.update(f.verdict for f in report.findings)
        if report.findings:
            bad_docs.append((name, [(f.verdict, f.step[:80]) for f in report.findings][:3]))
    rng = random.Random(seed)
    done = failed = 0
    while done < count:
        names = rng.sample(["x", "y", "w", "b", "u"], rng.randint(2, 4))
        used: set[str] = set()
        expr = _expression(rng, rng.randint(7, 11), names, used)
        at = ",".join(f"{n}={rng.choice(['0.5', '1.5', '0.8', '-0.3', '2'])}" for n in sorted(used))
        try:
            r = autodiff(expr, at=at)
        except Exception:   # a domain error at the chosen point: not the layout's concern
            failed += 1
            continue
        done += 1
        text = render(r, "markdown")
        rows += text.count(r"\\  &")
        report = check(text, r, isolate=False)
        verdicts.update(f.verdict for f in report.findings)
        if report.findings:
            bad_docs.append((expr, [(f.verdict, f.step[:80]) for f in report.findings][:3]))
    for name, got in bad_docs:
        print(f"  {name}: {got}")
    print(f"{len(problems.EXAMPLES)} examples + {done} expressions ({failed} skipped), {rows} continuation rows: "
          f"findings {dict(sorted(verdicts.items()))}, {len(bad_docs)} documents with findings, "
          f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:3])))
