"""The hostile-input battery as a report: the summary table of issue 9 and the worst cases.

Runs the table of tests/hostile/cases.py with the classifier of tests/hostile/harness.py (loaded by path, the same
code the test uses), two cases at a time, each through the installed `derive` command with a hard kill and an
RLIMIT_AS cap. Prints: tried, clear errors, right results, tracebacks, hangs (> 10 s), silently wrong, over-memory,
security findings, bad input accepted, batch lost (and the other failure classes), the slowest refusals, the peak
memory, and every failing case with its command, what happened and its class.

Run: python benchmarks/bench_hostile.py [--workers 2] [--only ID-PREFIX,...] [--extended] [--json FILE] [--quiet]
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

HOSTILE = Path(__file__).resolve().parent.parent / "tests" / "hostile"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"derive_hostile_{name}", HOSTILE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


harness = _load("harness")

COLUMNS = [("tried", "tried"), ("clear errors", "clear error"), ("right results", "right"),
           ("tracebacks", "traceback"), ("hangs (>10 s)", "hang"), ("silently wrong", "silently wrong"),
           ("over-memory", "memory"), ("security findings", "security"), ("bad input accepted", "bad input accepted"),
           ("batch lost", "batch lost"), ("unclear errors", "unclear error"), ("slow (over CPU limit)", "slow"),
           ("good input refused", "refused"), ("wrong exit code", "wrong exit")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated case-id prefixes")
    ap.add_argument("--json", default="", help="also write every result to this file")
    ap.add_argument("--quiet", action="store_true", help="no progress dots")
    ap.add_argument("--extended", action="store_true", help="also the extended table (about twice as long)")
    args = ap.parse_args()
    cases = harness.load_cases(extended=args.extended)
    if args.only:
        cases = [c for c in cases if c.id.startswith(tuple(args.only.split(",")))]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    done = [0]

    def progress(r):
        done[0] += 1
        if not args.quiet:
            sys.stderr.write("." if r.verdict.passed else "F")
            if done[0] % 80 == 0:
                sys.stderr.write(f" {done[0]}/{len(cases)}\n")
            sys.stderr.flush()

    results = harness.run_all(cases, workers=args.workers, progress=progress)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not args.quiet:
        sys.stderr.write("\n")
    s = harness.summary(results)
    s["right"] = s["ok"] + s["check-finding"] + s["partial"]
    print(f"hostile-input battery: {len(results)} cases ({sum(c.api for c in cases)} library API), "
          f"{wall:.0f} s wall, {after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime:.0f} s CPU "
          f"of the children, {args.workers} at a time")
    print()
    print("| " + " | ".join(name for name, _ in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    print("| " + " | ".join(str(s.get(key, 0)) for _, key in COLUMNS) + " |")
    print(f"\npassed {s['passed']} of {s['tried']} (right results = ok {s['ok']} + check findings "
          f"{s['check-finding']} + partial batches {s['partial']})")

    refusals = [r for r in results if r.verdict.cls == "clear error" or (r.run.rc == 2 and "error" in r.case.expect)]
    refusals.sort(key=lambda r: -r.run.cpu)
    print("\nslowest refusals (CPU s / wall s / peak MB):")
    for r in refusals[:8]:
        print(f"  {r.case.id:40s} {r.run.cpu:5.2f} {r.run.wall:6.2f} {r.run.maxrss_mb:6.0f}  [{r.verdict.cls}]")
    peak = sorted(results, key=lambda r: -r.run.maxrss_mb)
    print("\npeak memory (MB, per case: ru_maxrss of the process tree it waited for):")
    for r in peak[:6]:
        print(f"  {r.case.id:40s} {r.run.maxrss_mb:6.0f}  [{r.verdict.cls}]")
    print(f"  median {sorted(r.run.maxrss_mb for r in results)[len(results) // 2]:.0f} MB; "
          f"RUSAGE_CHILDREN ru_maxrss over the run {after.ru_maxrss / 1024:.0f} MB")

    failed = [r for r in results if not r.verdict.passed]
    by_area = defaultdict(list)
    for r in failed:
        by_area[r.case.area].append(r)
    print(f"\nfailing cases ({len(failed)}), by area:")
    for area in sorted(by_area):
        print(f"\n## {area} ({len(by_area[area])})")
        for r in by_area[area]:
            print(harness.describe(r))
    if args.json:
        Path(args.json).write_text(json.dumps([{
            "id": r.case.id, "area": r.case.area, "expect": list(r.case.expect), "class": r.verdict.cls,
            "passed": r.verdict.passed, "detail": r.verdict.detail, "rc": r.run.rc, "wall": round(r.run.wall, 3),
            "cpu": round(r.run.cpu, 3), "maxrss_mb": round(r.run.maxrss_mb, 1),
            "stderr": r.run.err[:2000], "what": r.case.what} for r in results], indent=1))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
