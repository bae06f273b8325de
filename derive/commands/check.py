"""``derive check``: check handwritten solutions line by line against a problem."""
from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from derive.commands import COMMAND_HELP
from derive.commands._common import add_format, emit, output_format, write_output
from derive.errors import DeriveError, InputError
from derive.check.checker import check, load_problem, load_problems
from derive.check.present import error_record
from derive.files import read_stream, read_text
from derive.progress import progress
from derive.settings import LIMITS
from derive.render import render, to_json

HELP = COMMAND_HELP["check"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("solutions", nargs="+", metavar="SOLUTION", help="solution file(s) (.md, .tex, .txt); - for stdin")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--problem", metavar="FILE.toml", help="the problem: a TOML file with expr, at, log_base …, "
                                                            "or a whole problem set (each numbered problem is "
                                                            "checked against the same number on the sheet)")
    src.add_argument("--expr", help="the expression (LaTeX or plain), e.g. '(x**2/log(x)+c)*(x**2/log(x)-c)'")
    src.add_argument("--adam", action="store_true", help="the sheet derives Adam's update (the seed's problem 2)")
    src.add_argument("--optimizer", metavar="NAME", help="the sheet derives an optimizer's update: sgd, momentum, "
                                                          "nesterov, adagrad, rmsprop, adam, adamw (PyTorch's "
                                                          "conventions; options below)")
    src.add_argument("--cnn", metavar="PRESET", help="the sheet counts parameters / receptive field of a preset "
                                                     "network, e.g. vgg16 (the seed's problem 3)")
    p.add_argument("--input", type=int, default=None, help="with --cnn: input size (default the preset's)")
    p.add_argument("--layer", default=None, help="with --cnn: the layer whose receptive field is asked for")
    p.add_argument("--norm", choices=("squared", "half", "unsquared"), default=None,
                   help="with --adam: the L2 regulariser λ‖w‖², λ/2‖w‖² or λ‖w‖ (default squared)")
    opt = p.add_argument_group("optimizer options (with --optimizer; PyTorch's keyword options)")
    for flag, kind, text in _OPTIMIZER_FLAGS:
        if kind is bool:
            opt.add_argument(flag, action="store_true", default=None, help=text)
        else:
            opt.add_argument(flag, type=kind, default=None, help=text)
    opt.add_argument("--w0", default=None, help="initial weight w^1 (θ_0), for numeric steps")
    opt.add_argument("--grads", default=None, help="gradients g^1, g^2, ... for numeric steps, e.g. 0.5,-0.2")
    p.add_argument("--at", help="input values in order, e.g. c=3,x=5 (with --expr)")
    p.add_argument("--log-base", default=None, choices=("e", "10", "2"), help="base of a bare log (default e)")
    p.add_argument("--letter", default=None, help="node letter of the Wengert list (default v)")
    p.add_argument("--sigfigs", type=int, default=None, help="significant figures of the reference (default 3)")
    p.add_argument("--number", default=None, help="which problem of the sheet (e.g. 1) when it has several")
    add_format(p, ("text", "markdown", "latex", "json"), "text")
    p.add_argument("--jobs", type=int, default=1, help="check this many files at once (default 1)")
    p.add_argument("--strict", action="store_true", help="exit 1 also when a line could not be verified")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per statement (default 5)")
    p.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                   help="with --problem: a folder outside the problem file's own that a spec in it may name")


_OPTIMIZER_FLAGS = (
    ("--lr", float, "learning rate α"), ("--momentum", float, "momentum μ (SGD, RMSprop)"),
    ("--dampening", float, "dampening τ (SGD)"), ("--nesterov", bool, "Nesterov momentum (SGD)"),
    ("--weight-decay", float, "weight decay λ"), ("--eps", float, "ε"),
    ("--betas", str, "β,γ (β_1,β_2) of Adam/AdamW, e.g. 0.9,0.999"),
    ("--alpha", float, "RMSprop's smoothing constant (ρ on the sheet)"), ("--centered", bool, "centered RMSprop"),
    ("--amsgrad", bool, "AMSGrad (Adam, AdamW)"), ("--lr-decay", float, "Adagrad's learning-rate decay η"),
)


def _optimizer_spec(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for flag, _, _ in _OPTIMIZER_FLAGS:
        key = flag[2:].replace("-", "_")
        value = getattr(args, key, None)
        if value is not None:
            options[key] = value
    if "betas" in options:
        try:
            options["betas"] = [float(b) for b in options["betas"].split(",")]
        except ValueError:
            raise InputError(f"--betas must be two numbers like 0.9,0.999, not {options['betas']!r}", "--betas") \
                from None
    spec: dict[str, Any] = {"kind": "optimizer", "optimizer": args.optimizer, "options": options}
    if args.grads is not None:
        spec["grads"] = args.grads
        spec["w0"] = args.w0 if args.w0 is not None else 0
    elif args.w0 is not None:
        raise InputError("--w0 needs --grads (the gradients of the numeric steps)", "--w0")
    if args.number:
        spec["number"] = args.number
    return spec


def _problem(args: argparse.Namespace) -> Any:
    if args.problem:
        probs = load_problems(Path(args.problem), allowed=args.allow_path,
                              number=str(args.number) if args.number else None)
        if args.number:
            chosen = [p for p in probs if p.number == str(args.number)]
            if not chosen and len(probs) == 1:
                probs[0].number = str(args.number)
                chosen = probs
            if not chosen:
                raise InputError(f"{args.problem} has no problem {args.number} "
                                 f"(it has {', '.join(p.number for p in probs if p.number)})", "--number")
            probs = chosen
        return probs
    if args.adam:
        spec_a: dict[str, Any] = {"kind": "adam"}
        if args.norm:
            spec_a["norm"] = args.norm
        if args.number:
            spec_a["number"] = args.number
        return load_problem(spec_a)
    if args.optimizer:
        return load_problem(_optimizer_spec(args))
    if args.cnn:
        spec_c: dict[str, Any] = {"kind": "cnn", "preset": args.cnn}
        for key in ("input", "layer", "number"):
            if getattr(args, key) is not None:
                spec_c[key] = getattr(args, key)
        return load_problem(spec_c)
    if not args.expr:
        raise InputError("say what the solution answers: --problem FILE.toml, --expr EXPR --at VALUES, --adam, "
                         "--optimizer NAME or --cnn PRESET", "check")
    if not args.at:
        raise InputError("--expr needs --at with the input values, e.g. --at c=3,x=5", "--at")
    spec: dict[str, Any] = {"expr": args.expr, "at": args.at}
    for key in ("log_base", "letter", "sigfigs", "number"):
        if getattr(args, key) is not None:
            spec[key] = getattr(args, key)
    return load_problem(spec)


def _read(name: str) -> str:
    if name == "-":
        return read_stream(None, "standard input")
    return read_text(name, "solution file")


_PROBLEM = None   # set before the pool forks, so workers inherit the problem instead of re-deriving it
_TIMEOUT = None


def _check_one(name: str) -> tuple[str, dict | None, str, str, dict | None]:
    """(name, report dict, text report, error, error record) for one file; runs in a pool worker."""
    try:
        report = check(_read(name), _PROBLEM, timeout=_TIMEOUT)
    except DeriveError as exc:
        record = exc.to_dict()
        if record["where"] is None:
            record["where"] = name
        return name, None, "", f"{exc.kind}: {exc}", record
    return name, report.to_dict(), render(report, "text", name=name if name != "-" else ""), "", None


def run(args: argparse.Namespace) -> int:
    global _PROBLEM, _TIMEOUT
    if not 1 <= args.jobs <= LIMITS.max_jobs:
        raise InputError(f"--jobs must be between 1 and {LIMITS.max_jobs}, not {args.jobs}", "--jobs")
    if args.timeout is not None and not LIMITS.min_step_seconds <= args.timeout <= LIMITS.max_step_seconds:
        # a tiny time would stop every statement at once and call nothing wrong
        raise InputError(f"--timeout must be between {LIMITS.min_step_seconds:g} and {LIMITS.max_step_seconds:g} "
                         f"seconds, not {args.timeout:g}", "--timeout")
    if args.allow_path and not args.problem:
        raise InputError("--allow-path only applies with --problem FILE.toml", "--allow-path")
    if args.solutions.count("-") > 1:
        raise InputError("standard input (-) can be read only once", "SOLUTION")
    fmt = output_format(args)
    if fmt in ("latex", "markdown", "pdf") and len(args.solutions) > 1:
        raise InputError(f"the {fmt} report annotates one solution; give a single file (or --format text/json "
                         "for many)", "--format")
    _PROBLEM, _TIMEOUT = _problem(args), args.timeout
    if len(args.solutions) == 1:
        name = args.solutions[0]
        report = check(_read(name), _PROBLEM, timeout=args.timeout)
        write_output(args, lambda f: render(report, f, name=name if name != "-" else ""))
        _problem_errors(report.problem_errors)
        return _status(report.ok, report.verified, args.strict, bool(report.problem_errors))
    results = _run_many(args.solutions, args.jobs)
    bad_input = [r for r in results if r[3]]
    if fmt == "json":
        files = [dict(file=n, **(d or {"error": rec})) for n, d, _, _, rec in results]
        ok = all(d and d["ok"] for _, d, _, _, _ in results)
        unread = sorted({e for _, d, _, _, _ in results if d for e in d["problem_errors"]})
        errors = [rec for _, _, _, _, rec in results if rec] + [error_record(e) for e in unread]
        emit(to_json("check-files", {"ok": ok, "files": files}, ok=ok, errors=errors), args.output)
    else:
        parts = [t if not e else f"{n}: {e}\n" for n, _, t, e, _ in results]
        emit("".join(parts), args.output)
    if bad_input:
        return 2
    ok = all(d["ok"] for _, d, _, _, _ in results)
    verified = all(d["verified"] for _, d, _, _, _ in results)
    unread = sorted({e for _, d, _, _, _ in results for e in d["problem_errors"]})
    _problem_errors(unread)
    return _status(ok, verified, args.strict, bool(unread))


def _run_many(names: list[str], jobs: int) -> list[tuple[str, dict | None, str, str, dict | None]]:
    results: dict[str, Any] = {}
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        for n in progress(names, len(names), "check"):
            results[n] = _check_one(n)
    else:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            for res in progress(pool.map(_check_one, names, chunksize=4), len(names), "check"):
                results[res[0]] = res
    return [results[n] for n in names]


def _problem_errors(errors: list[str]) -> None:
    """A problem of the set that could not be read: the report says so, and so does stderr (exit 2)."""
    for e in errors:
        sys.stderr.write(f"derive check: {e} (the other problems were checked)\n")


def _status(ok: bool, verified: bool, strict: bool, unread: bool = False) -> int:
    """1: a step is wrong (or unverified under --strict); 2: a problem of the set could not be read."""
    if not ok or (strict and not verified):
        return 1
    return 2 if unread else 0
