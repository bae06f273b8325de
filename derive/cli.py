"""The ``derive`` command: one sub-command per kind of derivation.

Each sub-command lives in ``derive/commands/<name>.py`` with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. A :class:`~derive.errors.DeriveError` becomes one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from derive.commands import COMMAND_HELP
from derive.errors import DeriveError
from derive.settings import VERSION

COMMANDS = tuple(COMMAND_HELP)


MAX_LINE = 400   # an error line longer than this is cut: a 5,000-character argument is not echoed whole


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: the usage, one clear line, exit 2
        self.print_usage(sys.stderr)
        print(_cut(f"{self.prog}: usage error: {message}"), file=sys.stderr)
        raise SystemExit(2)


def _cut(line: str) -> str:
    return "\n".join(s if len(s) <= MAX_LINE else s[:MAX_LINE - 1] + "…" for s in line.split("\n"))


def _undecodable(argv: Sequence[str]) -> str | None:
    """The first argument that is not UTF-8 (Python hands those over with lone surrogates)."""
    for i, a in enumerate(argv, 1):
        try:
            a.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"argument {i} is not UTF-8 text (byte {exc.start + 1})"
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that sub-command's module is loaded (the others are listed by their
    help alone), so ``derive --help`` and ``derive solve`` do not import every kind of mathematics."""
    parser = _Parser(prog="derive", description="Derive and check the mathematics of deep learning.")
    parser.add_argument("--version", action="version", version=f"derive {VERSION}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        p = sub.add_parser(name, help=COMMAND_HELP[name], description=COMMAND_HELP[name])
        if command is None or name == command:
            mod = importlib.import_module(f"derive.commands.{name}")
            mod.add_arguments(p)
            p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    bad = _undecodable(argv)
    if bad:
        print(f"derive: input error: {bad}", file=sys.stderr)
        return 2
    chosen = argv[0] if argv and argv[0] in COMMANDS else ""   # "" (no command, or --help): no module loaded
    parser = build_parser(chosen)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_usage(sys.stderr)
        print(f"derive: usage error: give a command: {', '.join(COMMANDS)} (derive COMMAND --help)",
              file=sys.stderr)
        return 2
    try:
        return int(args._run(args) or 0)
    except DeriveError as exc:
        print(_cut(f"derive {args.command}: {exc.kind}: {exc}"), file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:   # the output could not be written: a full disk, a folder given as -o, no permission
        name = f" {exc.filename}" if exc.filename else ""
        print(_cut(f"derive {args.command}: output error: cannot write{name}: {exc.strerror or exc}"),
              file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
