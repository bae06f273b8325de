"""``derive solve [FILE]``: a whole problem set -> a worked-solution document (the built-in seed homework by default)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from derive.commands import COMMAND_HELP
from derive.problems import EXAMPLES, example_path, load, solve
from derive.render import render
from derive.commands._common import add_format, output_format, write_output

HELP = COMMAND_HELP["solve"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", default=None, help="problem-set TOML (default: the built-in seed homework)")
    p.add_argument("--example", choices=EXAMPLES, default=None, help="solve a built-in example instead")
    p.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                   help="a folder outside the problem file's own that a spec in it may name (repeatable)")
    add_format(p)


def run(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else example_path(args.example or "seed")
    output_format(args)   # a bad -o or --format before any work
    solution = solve(load(path, allowed=args.allow_path))
    write_output(args, lambda fmt: render(solution, fmt))
    for err in solution.errors:
        print(f"derive solve: {err.kind}: {err}", file=sys.stderr)
    return 0 if solution.ok else 1
