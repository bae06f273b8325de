r"""``derive matrix STEP … --values FILE``: the forward and backward pass of a matrix computation, worked."""
from __future__ import annotations

import argparse
import json

from derive.commands import COMMAND_HELP
from derive import files
from derive.commands._common import add_format, output_format, write_output
from derive.errors import InputError, shown
from derive.matrix import PARTS, matrix
from derive.matrix.build import LAYER_LOSSES, LAYERS
from derive.render import render

HELP = COMMAND_HELP["matrix"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("steps", nargs="*", help=r"the steps in LaTeX, one argument each (or one argument with ';' "
                                            r"between steps): 'z = W x + b' 'L = \operatorname{MSE}(z, y)'")
    p.add_argument("--layers", default=None, help=f"instead of steps, a layer list: {','.join(LAYERS)} "
                                                   "(e.g. linear,sigmoid,linear,softmax)")
    p.add_argument("--loss", default="cross_entropy", choices=LAYER_LOSSES, help="the loss of a layer list")
    p.add_argument("--values", metavar="FILE", default=None,
                   help='a TOML or JSON file of input values: x = [1, 2] (a column), "W^{(1)}" = [[…], […]] '
                        "(W1 is short for W^{(1)})")
    p.add_argument("--value", action="append", default=[], metavar="NAME=ARRAY",
                   help="one input value as JSON, e.g. --value 'x=[1,2]' --value 'W=[[1,0],[0,1]]' (repeatable)")
    p.add_argument("--wrt", default=None, help="inputs to differentiate by, comma-separated (default: all but "
                                               "the loss targets)")
    p.add_argument("--sigfigs", type=int, default=3, help="significant figures shown (default 3)")
    p.add_argument("--parts", default=",".join(PARTS), help=f"which parts, in order (default {','.join(PARTS)})")
    add_format(p)


def _values(args: argparse.Namespace) -> dict:
    values: dict = {}
    if args.values:
        text = files.read_text(args.values, "values file")
        data = files.parse_json(text, args.values) if args.values.endswith(".json") else \
            files.parse_toml(text, args.values)
        if not isinstance(data, dict):
            raise InputError("the values file must be a table of name = array", args.values)
        values.update(data)
    for item in args.value:
        name, sep, arr = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--value takes NAME=ARRAY, not {shown(item)}", "--value")
        try:
            values[name.strip()] = json.loads(arr)   # JSON, never eval: numbers and brackets only
        except ValueError:
            raise InputError(f"the value of {name.strip()} is not a JSON array or number: {shown(arr)}",
                             "--value") from None
    if not values:
        raise InputError("give the input values: --values FILE or --value NAME=ARRAY", "--values")
    return values


def run(args: argparse.Namespace) -> int:
    if bool(args.steps) == bool(args.layers):
        raise InputError("give either the steps or --layers", "derive matrix")
    output_format(args)   # a bad -o or --format before any work
    steps = None
    if args.steps:
        steps = args.steps[0] if len(args.steps) == 1 else list(args.steps)
    layers = [s.strip() for s in args.layers.split(",")] if args.layers else None
    wrt = [w.strip() for w in args.wrt.split(",")] if args.wrt else None
    parts = [s.strip() for s in args.parts.split(",") if s.strip()]
    r = matrix(steps, _values(args), layers=layers, loss=args.loss, wrt=wrt, sigfigs=args.sigfigs, parts=parts)
    write_output(args, lambda fmt: render(r, fmt, standalone=True))
    return 0
