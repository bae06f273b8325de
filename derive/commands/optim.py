"""``derive optim NAME``: an optimizer's update rule and unrolled steps, or a numeric trajectory.

Without ``--grads``/``--loss`` it derives symbolically (``--derive update,first,second,general,...``); with them it
runs the steps with PyTorch's formulas (JSON: ``weights``, full precision). ``derive optim seed2`` prints the seed
sheet's problem 2.
"""
from __future__ import annotations

import argparse

from derive.commands import COMMAND_HELP
from derive.render import render
from derive.errors import InputError
from derive.commands._common import add_format, output_format, parse_floats, write_output
from derive import optim

HELP = COMMAND_HELP["optim"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw (or seed2: the seed's "
                                "problem 2)")
    p.add_argument("--w0", default=None, help="initial parameter: 0.5, or 0.5,-1.2 for a vector")
    p.add_argument("--grads", default=None, help="gradients, one per step: 0.3,-0.1,0.7; vectors: 0.3,1;-0.1,2")
    p.add_argument("--loss", default=None, help="a loss in w (plain or LaTeX), differentiated exactly each step")
    p.add_argument("--steps", type=int, default=None, help="number of steps with --loss")
    p.add_argument("--lr", type=float, default=None, help="learning rate alpha (default: PyTorch's)")
    p.add_argument("--betas", default=None, help="beta1,beta2 (Adam; the seed's beta,gamma)")
    p.add_argument("--eps", type=float, default=None, help="epsilon")
    p.add_argument("--weight-decay", type=float, default=None, help="weight decay lambda")
    p.add_argument("--decoupled-weight-decay", "--decoupled", dest="decoupled_weight_decay", action="store_true",
                   default=None, help="decoupled weight decay, AdamW's (torch.optim.Adam's decoupled_weight_decay; "
                                      "--decoupled is the old name)")
    p.add_argument("--momentum", type=float, default=None, help="momentum mu (SGD, RMSprop)")
    p.add_argument("--dampening", type=float, default=None, help="dampening tau (SGD)")
    p.add_argument("--nesterov", action="store_true", default=None, help="Nesterov momentum (SGD)")
    p.add_argument("--alpha", type=float, default=None, help="RMSprop's smoothing constant (rho in the output)")
    p.add_argument("--centered", action="store_true", default=None, help="centered RMSprop")
    p.add_argument("--amsgrad", action="store_true", default=None, help="AMSGrad (Adam, AdamW)")
    p.add_argument("--maximize", action="store_true", default=None, help="ascend instead of descend")
    p.add_argument("--lr-decay", type=float, default=None, help="Adagrad's learning-rate decay")
    p.add_argument("--initial-accumulator", type=float, default=None, help="Adagrad's initial accumulator value")
    p.add_argument("--eps-inside", action="store_true", default=None,
                   help="epsilon inside the root, sqrt(v_hat + eps), as the seed writes (not PyTorch's)")
    p.add_argument("--no-bias-correction", action="store_true", default=None, help="Adam without bias correction")
    p.add_argument("--derive", default=None,
                   help="parts: update,first,second,general,no-bias-correction,l2 (default: update,first,second"
                        "[,general for Adam])")
    p.add_argument("--notation", choices=("seed", "paper"), default="seed",
                   help="seed: w^{t+1}, beta, gamma; paper: theta_t, beta_1, beta_2")
    p.add_argument("--vector", action="store_true", help="bold, elementwise (vector) quantities")
    p.add_argument("--norm", choices=("squared", "half", "unsquared"), default="squared",
                   help="regulariser of the l2 part: lambda||w||^2, lambda/2 ||w||^2 or lambda||w||")
    p.add_argument("--sigfigs", type=int, default=6, help="significant figures in trajectory tables")
    add_format(p)


def _options(args: argparse.Namespace) -> dict:
    opts = {"lr": args.lr, "eps": args.eps, "weight_decay": args.weight_decay,
            "decoupled_weight_decay": args.decoupled_weight_decay,
            "momentum": args.momentum, "dampening": args.dampening, "nesterov": args.nesterov,
            "alpha": args.alpha, "centered": args.centered, "amsgrad": args.amsgrad, "maximize": args.maximize,
            "lr_decay": args.lr_decay, "initial_accumulator_value": args.initial_accumulator,
            "eps_inside": args.eps_inside}
    if args.no_bias_correction:
        opts["bias_correction"] = False
    if args.betas is not None:
        pair = parse_floats(args.betas, "--betas")
        if len(pair) != 2:
            raise InputError(f"--betas needs two numbers beta1,beta2, not {len(pair)}", "--betas")
        opts["betas"] = tuple(pair)
    return {k: v for k, v in opts.items() if v is not None}


def _vector_or_number(text: str, what: str):
    values = parse_floats(text, what)
    return values[0] if len(values) == 1 and "," not in text else values


def _grads(text: str, vector: bool) -> list:
    if vector or ";" in text:
        return [parse_floats(step, f"--grads step {i}") for i, step in enumerate(text.split(";"), 1)]
    return parse_floats(text, "--grads")


def run(args: argparse.Namespace) -> int:
    output_format(args)   # a bad -o or --format before any work
    if args.name.strip().lower() in ("seed2", "seed-problem-2"):
        d = optim.seed_problem2(notation=args.notation, eps_inside=bool(args.eps_inside), norm=args.norm)
        write_output(args, lambda fmt: render(d, fmt, standalone=True, kind="optimizer"))
        return 0
    opts = _options(args)
    if args.grads is not None or args.loss is not None:
        if args.w0 is None:
            raise InputError("--w0 (the initial parameter) is needed for a trajectory", "--w0")
        if args.derive is not None:
            raise InputError("--derive is for symbolic derivations; drop --grads/--loss to use it", "--derive")
        w0 = _vector_or_number(args.w0, "--w0")
        grads = _grads(args.grads, isinstance(w0, list)) if args.grads is not None else None
        traj = optim.trajectory(args.name, w0=w0, grads=grads, loss=args.loss, steps=args.steps, **opts)
        d = optim.trajectory_derivation(traj, notation=args.notation, sigfigs=args.sigfigs)
        kind = "trajectory"
    else:
        for flag, value in (("--w0", args.w0), ("--steps", args.steps)):
            if value is not None:
                raise InputError(f"{flag} needs --grads or --loss (a trajectory)", flag)
        d = optim.derivation(args.name, derive=args.derive, notation=args.notation, vector=args.vector,
                             norm=args.norm, **opts)
        kind = "optimizer"
    write_output(args, lambda fmt: render(d, fmt, standalone=True, kind=kind))
    return 0
