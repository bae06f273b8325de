"""Overfull boxes per document: every document tests/test_documents_fit.py builds (the examples, a 20-variant run,
the CLI's LaTeX, generated long problem sets), set by TeX, with the number of overfull boxes and the widest.

    python benchmarks/bench_page_fit.py [variants]

Runs whichever ``derive`` is imported (``PYTHONPATH=/some/checkout`` measures another tree).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))   # the test's own table of documents and its TeX build

import test_documents_fit as fit  # noqa: E402


def main(variants: int = fit.VARIANTS) -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        docs = fit.documents(Path(tmp), variants)
        t1 = time.perf_counter()
        found = fit.build(docs, Path(tmp) / "tex")
    t2 = time.perf_counter()
    import derive
    print(f"derive from {Path(derive.__file__).parent}")
    print(f"{'document':40} {'boxes':>5} {'widest pt':>9}")
    for name, _ in docs:
        boxes = found[name]
        print(f"{name:40} {len(boxes):5d} {fit.widest(boxes):9.1f}")
    bad = sum(1 for b in found.values() if b)
    print(f"{bad} of {len(docs)} documents have overfull boxes ({sum(map(len, found.values()))} boxes); "
          f"documents {t1 - t0:.1f} s, TeX {t2 - t1:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
