"""``derive cnn``: shapes, receptive fields and parameter counts of a preset or a spec'd network."""
from __future__ import annotations

import argparse
import re

from derive.commands import COMMAND_HELP
from derive.cnn import analyse, derivation, load_spec, preset, summary_dict, table_text
from derive.cnn.presets import PRESETS
from derive.errors import InputError, shown
from derive.commands._common import add_format, output_format, write_output
from derive.render import render, to_json

HELP = COMMAND_HELP["cnn"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("preset", nargs="?", help=f"a preset network: {', '.join(PRESETS)}")
    p.add_argument("--spec", metavar="FILE", help="a network spec (.toml or .json) instead of a preset")
    p.add_argument("--input", metavar="SIZE", default=None,
                   help="input size: 224, HxW (224x192), or torch's CxHxW / NxCxHxW (3x224x224) "
                        "(default: the network's own, 224 for ImageNet "
                        "models, 32 for LeNet-5)")
    p.add_argument("--layer", metavar="NAME", default=None,
                   help="layer (name or alias) whose receptive field is reported (default: the final feature layer)")
    p.add_argument("--parts", default="abc",
                   help="parts of the latex/markdown derivation: a receptive field, b parameters, c layer table")
    add_format(p, ("table", "latex", "markdown", "json"), "table")


def parse_input_size(text: str | None) -> tuple[int, ...] | None:
    """``224`` -> (224, 224); ``224x192`` -> (224, 192); ``3x224x224`` (C, H, W) and ``1x3x224x224`` (N, C, H, W),
    as torch writes shapes, pass through; anything else is an error naming --input."""
    if text is None:
        return None
    parts = re.split(r"\s*[x×,]\s*", text.strip())
    if not 1 <= len(parts) <= 4 or not all(re.fullmatch(r"\d{1,7}", p) for p in parts):
        raise InputError(f"input size must be a whole number, HxW, CxHxW or NxCxHxW, not {shown(text)}", "--input")
    dims = tuple(int(p) for p in parts)
    if any(d <= 0 for d in dims):
        raise InputError(f"input size must be positive, not {shown(text)}", "--input")
    return (dims[0], dims[0]) if len(dims) == 1 else dims


def run(args: argparse.Namespace) -> int:
    if bool(args.preset) == bool(args.spec):
        raise InputError("give either a preset name or --spec FILE (not both)", "derive cnn")
    output_format(args)   # a bad -o or --format before any work
    net = preset(args.preset) if args.preset else load_spec(args.spec)
    an = analyse(net, parse_input_size(args.input))
    if args.layer:
        an.layer(args.layer)  # unknown names are an error before anything is printed

    def make(fmt: str) -> str:
        if fmt == "table":
            return table_text(an, args.layer)
        if fmt == "json":
            return to_json("cnn", summary_dict(an, args.layer))
        return render(derivation(an, args.layer, args.parts), fmt, standalone=True, kind="cnn")
    write_output(args, make)
    return 0
