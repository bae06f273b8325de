"""The ``derive`` command: one sub-command per kind of derivation.

Each sub-command lives in ``derive/commands/<name>.py`` with ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int``. A :class:`~derive.errors.DeriveError` becomes one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .errors import DeriveError

COMMANDS = ("solve", "autodiff", "optim", "cnn", "check", "variants")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2 with one clear line
        self.print_usage(sys.stderr)
        raise SystemExit(f"derive: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="derive", description="Derive and check the mathematics of deep learning.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"derive.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"derive.commands.{name}":
                continue  # command not built yet
            raise
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except DeriveError as exc:
        print(f"derive {args.command}: {exc.kind}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
