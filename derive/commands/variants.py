"""``derive variants FILE --count N --seed S``: versions of a problem set with other numbers, and answer keys."""
from __future__ import annotations

import argparse
import sys

from derive.commands import COMMAND_HELP
from derive.problems.variants import write_variants

HELP = COMMAND_HELP["variants"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="problem-set TOML with 'vary' tables")
    p.add_argument("--count", type=int, default=10, help="how many variants (default 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same variants)")
    p.add_argument("-o", "--output", default="variants", help="output directory (default ./variants)")
    p.add_argument("--format", choices=["latex", "markdown", "json"], default="latex", help="answer-key format")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    results = write_variants(args.file, args.count, args.seed, args.output, args.format, args.jobs,
                             progress=not args.quiet)
    failed = [(i, errs) for i, ok, errs in results if not ok]
    for i, errs in failed:
        for e in errs:
            print(f"derive variants: variant {i}: {e}", file=sys.stderr)
    print(f"wrote {len(results)} variant(s) and answer keys to {args.output}", file=sys.stderr)
    return 1 if failed else 0
