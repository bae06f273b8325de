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


def render(derivation, fmt: str, kind: str | None = None) -> str:
    """A derivation in the asked format (a whole LaTeX document for ``latex``, so it compiles as is); ``kind``
    names its JSON kind (derive's JSON envelope, schemas/derive.schema.json)."""
    if fmt == "latex":
        return derivation.to_latex(standalone=True)
    if fmt == "markdown":
        return derivation.to_markdown()
    if fmt == "json":
        return derivation.to_json(kind)
    raise InputError(f"unknown format {fmt!r}")


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
