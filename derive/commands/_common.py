"""Shared helpers for sub-commands: output format and writing."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from derive.errors import InputError


def add_format(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("latex", "markdown", "json"),
               default: str = "latex") -> None:
    p.add_argument("--format", choices=choices, default=default, help=f"output format (default {default})")
    p.add_argument("-o", "--output", default=None, help="write to this file instead of standard output")


def emit(text: str, output: str | None = None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the output: {exc.strerror or exc.__class__.__name__}", output) from None
    else:
        sys.stdout.write(text)


def parse_floats(text: str, what: str) -> list[float]:
    """``0.3,-0.1,0.7`` -> floats, with an error naming the bad item (never eval)."""
    out = []
    for i, item in enumerate(text.split(","), 1):
        item = item.strip()
        try:
            out.append(float(item))
        except ValueError:
            raise InputError(f"item {i} of {what} is not a number: {item!r}", what) from None
    return out
