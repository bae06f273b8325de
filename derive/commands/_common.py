"""Shared helpers for sub-commands: the output format (``--format`` or ``-o``'s extension) and writing it."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from derive.errors import InputError
from derive.render import compile_pdf

# -o's extension -> format; ".txt" is the command's own plain-text format (check's report, cnn's table)
EXTENSIONS = {".tex": "latex", ".md": "markdown", ".markdown": "markdown", ".json": "json", ".pdf": "pdf"}
TEXT_FORMATS = ("text", "table")


def add_format(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("latex", "markdown", "json"),
               default: str = "latex") -> None:
    """``--format`` and ``-o``; a command that writes LaTeX also writes its PDF (built sandboxed)."""
    formats = choices + (("pdf",) if "latex" in choices and "pdf" not in choices else ())
    exts = sorted({e for e, f in EXTENSIONS.items() if f in formats} | ({".txt"} if _text(formats) else set()))
    p.add_argument("--format", choices=formats, default=None,
                   help=f"output format (default: from -o's extension, else {default})")
    p.add_argument("-o", "--output", default=None, metavar="FILE",
                   help=f"write to FILE ({' '.join(exts)}) instead of standard output")
    p.set_defaults(_formats=formats, _default_format=default)


def _text(formats: tuple[str, ...]) -> str | None:
    return next((f for f in formats if f in TEXT_FORMATS), None)


def output_format(args: argparse.Namespace) -> str:
    """The format asked for: ``--format``, else ``-o``'s extension, else the command's default. An extension that
    names another format than ``--format``, or none derive writes, is an error (LaTeX written into out.docx or a
    PDF asked for on a terminal would only surprise)."""
    formats, default = args._formats, args._default_format
    from_ext = None
    if args.output:
        ext = Path(args.output).suffix.lower()
        from_ext = _text(formats) if ext == ".txt" else EXTENSIONS.get(ext)
        if from_ext is not None and from_ext not in formats:
            from_ext = None
        if args.format and from_ext and from_ext != args.format:
            raise InputError(f"-o {args.output} is a {from_ext} file name but --format is {args.format}; "
                             "give one of them", "-o")
        if not args.format and not from_ext:
            known = sorted({e for e, f in EXTENSIONS.items() if f in formats} | ({".txt"} if _text(formats)
                                                                                  else set()))
            raise InputError(f"cannot tell the format from the extension {ext or '(none)'!r}: use "
                             f"{', '.join(known)}, or give --format", "-o")
    fmt = args.format or from_ext or default
    if fmt == "pdf" and not args.output:
        raise InputError("a PDF needs a file: -o OUT.pdf", "--format")
    return fmt


def write_output(args: argparse.Namespace, make: Callable[[str], str]) -> None:
    """``make(fmt)`` written where ``-o`` says, in the asked format; a PDF is ``make("latex")`` built by TeX."""
    fmt = output_format(args)
    if fmt == "pdf":
        compile_pdf(make("latex"), args.output)
    else:
        emit(make(fmt), args.output)


def emit(text: str, output: str | None = None) -> None:
    """Text to a file (UTF-8) or to standard output (UTF-8 whatever the console's encoding)."""
    if output:
        try:
            Path(output).parent.mkdir(parents=True, exist_ok=True)   # as the PDF build does: -o out/sheet.md works
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot write the output: {exc.strerror or exc.__class__.__name__}", output) from None
    else:
        out = sys.stdout
        if hasattr(out, "buffer") and (out.encoding or "").lower().replace("-", "") != "utf8":
            out.flush()
            out.buffer.write(text.encode("utf-8"))   # a cp1252 or ASCII console must not stop a document at "β"
            out.buffer.flush()
        else:
            out.write(text)


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
