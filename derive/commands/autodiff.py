"""``derive autodiff EXPR --at c=3,x=5``: chain rule, forward, tangent and reverse traces of one expression."""
from __future__ import annotations

import argparse

from derive.commands import COMMAND_HELP
from derive.autodiff.sweeps import PARTS, autodiff
from derive.render import render
from derive.errors import InputError
from derive.evaluate import point_of
from derive.commands._common import add_format, output_format, write_output

HELP = COMMAND_HELP["autodiff"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("expr", nargs="?", default=None,
                   help=r"the expression, as LaTeX ('\frac{x^2}{\log x}') or plain ('x**2/log(x)')")
    p.add_argument("--expr", dest="expr_opt", default=None, metavar="EXPR",
                   help="the expression as an option, for one that starts with a minus: --expr=-x^2")
    p.add_argument("--at", required=True, help="input values in input order, e.g. c=3,x=5 (numbers v_{1-n}..v_0)")
    p.add_argument("--wrt", default=None, help="input(s) to differentiate by in the chain rule / tangent trace, "
                                               "comma-separated (default: all)")
    p.add_argument("--log-base", default="e", choices=["e", "10", "2"], help="base of a bare log (default e)")
    p.add_argument("--letter", default="v", help="node letter (default v)")
    p.add_argument("--forward-letter", default=None, help="node letter in the forward trace only (the seed uses N)")
    p.add_argument("--sigfigs", type=int, default=3, help="significant figures shown (default 3)")
    p.add_argument("--rounding", default="exact", choices=["exact", "handwritten"],
                   help="exact values, or round and carry every intermediate as by hand")
    p.add_argument("--parts", default=",".join(PARTS), help=f"which parts, in order (default {','.join(PARTS)})")
    add_format(p)


def run(args: argparse.Namespace) -> int:
    if (args.expr is None) == (args.expr_opt is None):
        raise InputError("give the expression once: derive autodiff EXPR --at ... (or --expr=EXPR)", "EXPR")
    expr = args.expr if args.expr is not None else args.expr_opt
    wrt = None
    if args.wrt is not None:
        wrt = [w.strip() for w in args.wrt.split(",")]
        if not all(wrt):   # --wrt '' or --wrt x,,c: a missing name, not "every input"
            raise InputError("--wrt needs input names separated by commas, e.g. --wrt x,c", "--wrt")
    output_format(args)   # a bad -o or --format before any work
    result = autodiff(expr, at=point_of(args.at, "--at"), wrt=wrt, log_base=args.log_base, letter=args.letter,
                      sigfigs=args.sigfigs, rounding=args.rounding, parts=args.parts,
                      forward_letter=args.forward_letter)
    write_output(args, lambda fmt: render(result.derivation, fmt, standalone=True, kind="autodiff"))
    return 0
