"""``derive solve [FILE]``: a whole problem set -> a worked-solution document (the built-in seed homework by default)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from derive.commands import COMMAND_HELP
from derive.errors import InputError
from derive.problems import EXAMPLES, example_path, load, solve
from derive.render import compile_pdf, render
from derive.commands._common import emit

HELP = COMMAND_HELP["solve"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", nargs="?", default=None, help="problem-set TOML (default: the built-in seed homework)")
    p.add_argument("--example", choices=EXAMPLES, default=None, help="solve a built-in example instead")
    p.add_argument("-o", "--output", default=None, help="write to OUT.tex / OUT.md / OUT.json / OUT.pdf")
    p.add_argument("--format", choices=["latex", "markdown", "json", "pdf"], default=None,
                   help="output format (default: from -o's extension, else latex)")
    p.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                   help="a folder outside the problem file's own that a spec in it may name (repeatable)")


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output:
        ext = Path(args.output).suffix.lower()
        known = {".tex": "latex", ".md": "markdown", ".json": "json", ".pdf": "pdf"}
        if ext not in known:   # writing LaTeX into out.docx would only surprise
            raise InputError(f"cannot tell the format from the extension {ext or '(none)'!r}: use .tex, .md, .json "
                             "or .pdf, or give --format", "-o")
        return known[ext]
    return "latex"


def run(args: argparse.Namespace) -> int:
    path = Path(args.file) if args.file else example_path(args.example or "seed")
    solution = solve(load(path, allowed=args.allow_path))
    fmt = _format(args)
    if fmt == "pdf":
        if not args.output:
            raise InputError("a PDF needs a file: -o OUT.pdf", "--format")
        compile_pdf(render(solution, "latex"), args.output)
    else:
        text = render(solution, fmt)
        emit(text, args.output)
    for err in solution.errors:
        print(f"derive solve: {err.kind}: {err}", file=sys.stderr)
    return 0 if solution.ok else 1
