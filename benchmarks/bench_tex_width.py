"""The width model (derive.texwidth) against TeX: every row derive prints in the documents of
tests/test_documents_fit.py (left and right column of each aligned row), set by TeX in display style at 11 pt
(``\\setbox0\\hbox{$\\displaystyle …$}``, ``\\wd0``) and by the model; prints the error.

    python benchmarks/bench_tex_width.py [max_rows]

The layout breaks rows to 12 pt under \\textwidth (derive.autodiff.breaking.LINE_WIDTH): the model's error on a
row near the page's width must stay below that.
"""
from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_documents_fit as fit  # noqa: E402

from derive.texwidth import width  # noqa: E402


def rows(docs: list[tuple[str, str]]) -> list[str]:
    """The maths of each align row's columns (align's right column starts with ``{}``), each once, in order."""
    seen: dict[str, None] = {}
    for _, tex in docs:
        for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.S):
            for row in re.split(r"\\\\\s*\n", block):
                left, amp, right = row.strip().partition("&")
                for cell in (left.strip(), "{}" + right.strip() if amp else ""):
                    if cell and cell != "{}":
                        seen.setdefault(cell, None)
    return list(seen)


def main(limit: int = 4000) -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        docs = fit.documents(Path(tmp), variants=2)
        cells = rows(docs)[:limit]
        head = docs[0][1].partition("\\begin{document}")[0]
        body = "\n".join(rf"\setbox0\hbox{{$\displaystyle {c}$}}\typeout{{W{k}=\the\wd0}}" for k, c in enumerate(cells))
        log = fit._tex(head + "\\begin{document}\n" + body + "\n\\mbox{}\\end{document}\n", Path(tmp) / "w")
    tex = {int(k): float(w) for k, w in re.findall(r"^W(\d+)=([\d.]+)pt", log, re.M)}
    errors = [(width(c) - tex[k], tex[k], c) for k, c in enumerate(cells) if k in tex]
    rel = [abs(e) / t for e, t, _ in errors if t > 0]
    wide = [(e, t, c) for e, t, c in errors if t > 300]
    print(f"{len(errors)} rows from {len(docs)} documents, TeX widths {min(tex.values()):.0f}-{max(tex.values()):.0f} pt")
    print(f"relative error: mean {100 * statistics.mean(rel):.2f} %, median {100 * statistics.median(rel):.2f} %, "
          f"95th percentile {100 * sorted(rel)[int(0.95 * len(rel))]:.2f} %, max {100 * max(rel):.2f} %")
    print(f"absolute error: max over {max(abs(e) for e, _, _ in errors):.1f} pt; on rows wider than 300 pt "
          f"({len(wide)}): max {max((abs(e) for e, _, _ in wide), default=0):.1f} pt, "
          f"model below TeX by more than 6 pt: {sum(1 for e, _, _ in wide if e < -6)}; "
          f"the model's largest shortfall {-min(e for e, _, _ in errors):.1f} pt")
    for e, t, c in sorted(errors, key=lambda x: -abs(x[0]))[:3] + sorted(errors)[:3]:
        print(f"  {e:+7.1f} pt of {t:6.1f}: {c[:110]}")
    print(f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(*(int(a) for a in sys.argv[1:2])))
