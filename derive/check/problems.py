"""What a solution is checked against: problems from an AutodiffResult, a mapping, or a TOML file / problem set.

A TOML file is read by :func:`derive.problems.load`, the one reader of ``derive solve``'s format (``[[problem]]``
tables with ``number`` and ``kind``, or one problem at the top level); each problem of kind autodiff, optimizer /
optim (any of derive.optim's, with an ``options`` table; plain Adam keeps the seed's Adam checker), adam or cnn
gives one :class:`Problem` (text problems have nothing to check); presentation fields (figure, parts, intro,
vary …) are ignored here. Each problem knows how to build its reference and its judge.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

import sympy

from derive import files, problems as problem_sets
from derive.autodiff.sweeps import AutodiffResult, autodiff
from derive.check.autodiff.judge import StatementJudge
from derive.check.verdicts import State
from derive.check.cnn.judge import CnnJudge, CnnReference
from derive.check.optim.adam import OptimJudge, OptimReference
from derive.check.optim.family import FamilyReference
from derive.check.optim.family_judge import FamilyJudge
from derive.check.reference import Reference
from derive.errors import DeriveError, InputError
from derive.latex import escape_tex, latex
from derive.optim.update_rules import TITLES
from derive.optim.hyperparams import canonical_name
from derive.problems.model import problem_error

__all__ = ["Problem", "load_problem", "load_problems"]

_PRESENTATION = {"figure", "figure_adjoints", "parts", "intro", "vary", "layout", "text", "title", "label", "kind",
                 "number"}
_AUTODIFF_KEYS = ("expr", "at", "wrt", "log_base", "letter", "sigfigs", "rounding", "forward_letter")


class Problem:
    """A problem to check against: what derives the reference, a label, and (optionally) its number on the sheet."""

    def __init__(self, result: AutodiffResult | None = None, label: str = "", number: str = "",
                 kind: str = "autodiff", options: Mapping[str, Any] | None = None,
                 error: DeriveError | None = None) -> None:
        self.result, self.label, self.number, self.kind = result, label, str(number or ""), kind
        self.options = dict(options or {})
        self.error = error   # a problem of a set that could not be read: reported, the others still checked
        if kind == "adam":
            OptimReference(**self.options)   # validate now: a bad notation is an input error, not a worker crash
        if kind == "cnn":
            CnnReference(**self.options)
        if kind == "optimizer":
            FamilyReference(**self.options)

    @property
    def log_base(self) -> str:
        return self.result.settings.log_base if self.result is not None else "e"

    @property
    def sigfigs(self) -> int:
        return self.result.settings.sigfigs if self.result is not None else 3

    def tex(self) -> str:
        """The problem in derive's own LaTeX (its expression, printed by the printer)."""
        if self.result is None:
            return r"\text{Adam}" if self.kind == "adam" else rf"\text{{{escape_tex(self.label)}}}"
        g = self.result.graph
        base = None if self.log_base == "e" else sympy.Integer(int(self.log_base))
        point = ", ".join(f"{latex(sympy.Symbol(n.name))} = {latex(self.result.values[n.index])}" for n in g.inputs)
        where = f", \\quad \\log = \\log_{{{self.log_base}}}" if base is not None else ""
        return f"{latex(g[g.output].expr, plain_log_base=base)} \\text{{ at }} {point}{where}"

    def reference(self) -> Any:
        if self.kind == "autodiff":
            return Reference(self.result)
        return {"adam": OptimReference, "cnn": CnnReference, "optimizer": FamilyReference}[self.kind](**self.options)

    def judge(self, ref: Any, state: State) -> Any:
        return {"autodiff": StatementJudge, "adam": OptimJudge, "cnn": CnnJudge,
                "optimizer": FamilyJudge}[self.kind](ref, state, self.sigfigs)

    def time_names(self, ref: Any) -> frozenset[str]:
        return getattr(ref, "time_names", frozenset())


def load_problem(problem: Any) -> Problem:
    """One problem: an AutodiffResult, a mapping of options, or a TOML file with one problem."""
    problems = load_problems(problem)
    if len(problems) != 1:
        raise InputError(f"the file holds {len(problems)} problems; check against the whole set with "
                         "derive.check.check, or give one problem", "problem")
    return problems[0]


def load_problems(problem: Any, allowed: Iterable[str | Path] = (), number: str | None = None) -> list[Problem]:
    """Every problem to check against: one for an AutodiffResult or a mapping, all of a TOML problem set.

    A ``spec`` named in a TOML file stays inside that file's folder or one of ``allowed``; ``number``: of a
    problem set, only that problem is built (an unknown number is an error naming the set's numbers)."""
    if isinstance(problem, Problem):
        return [problem]
    if isinstance(problem, (list, tuple)) and all(isinstance(p, Problem) for p in problem) and problem:
        return list(problem)
    if isinstance(problem, AutodiffResult):
        return [Problem(problem, "autodiff problem")]
    if isinstance(problem, (str, Path)) and str(problem).endswith(".toml"):
        return _from_toml(Path(problem), tuple(str(a) for a in allowed), number)
    if isinstance(problem, Mapping):
        return [_from_mapping(problem, "problem")]
    raise InputError(f"cannot check against a {type(problem).__name__}: give an AutodiffResult, a mapping with "
                     "'expr' and 'at', or a .toml problem file", "problem")


def _from_mapping(spec: Mapping[str, Any], where: str, base: str | None = None,
                  allowed: tuple[str, ...] = ()) -> Problem:
    kind = spec.get("kind", "autodiff")
    if kind in ("optim", "optimizer"):
        name = str(spec.get("optimizer", "adam")).lower()
        family = {k: spec[k] for k in ("options", "w0", "grads") if k in spec}
        if name != "adam" or any(v not in ({}, None) for v in family.values()):
            return _optimizer(spec, name, family, where)
        kind = "adam"   # plain Adam keeps the seed's problem-2 checker (general step, no bias correction, L2)
    if kind == "adam" and any(spec.get(k) not in ({}, None) for k in ("options", "w0", "grads")):
        return _optimizer(spec, "adam", {k: spec[k] for k in ("options", "w0", "grads") if k in spec}, where)
    if kind == "adam":
        unknown = sorted(set(spec) - _PRESENTATION - {"optimizer", "names", "norm", "notation", "betas",
                                                       "options", "w0", "grads"})
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(unknown)}; known: names, norm, number, title", where)
        if spec.get("notation", "seed") != "seed":
            raise InputError(f"notation {spec['notation']!r}: give the letters as names = {{beta1 = ..., ...}}",
                             where)
        opts = {k: spec[k] for k in ("names", "norm") if k in spec}
        return Problem(None, str(spec.get("title") or "Adam"), spec.get("number", ""), "adam", opts)
    if kind == "cnn":
        unknown = sorted(set(spec) - _PRESENTATION - {"preset", "input", "layer", "spec"})
        if unknown:
            raise InputError(f"unknown key(s) {', '.join(unknown)}; known: preset, spec, input, layer, number, title",
                             where)
        opts = {k: spec[k] for k in ("preset", "input", "layer", "spec") if k in spec}
        if "spec" in opts and base is not None:   # named relative to the problem file, and confined to its folder
            opts["spec"] = str(files.resolve_in(base, opts["spec"], "spec file", where, allowed))
        label = str(spec.get("title") or f"{opts.get('preset', 'vgg16')} parameters and receptive field")
        return Problem(None, label, spec.get("number", ""), "cnn", opts)
    if kind != "autodiff":
        raise InputError(f"checking {kind} problems is not supported (autodiff, adam and cnn are)", where)
    if "expr" not in spec or "at" not in spec:
        raise InputError("an autodiff problem needs 'expr' and 'at'", where)
    unknown = sorted(set(spec) - set(_AUTODIFF_KEYS) - _PRESENTATION)
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(_AUTODIFF_KEYS)}, number", where)
    opts = {k: spec[k] for k in _AUTODIFF_KEYS if k in spec}
    if "log_base" in opts:
        opts["log_base"] = str(opts["log_base"])
    if isinstance(opts.get("wrt"), str):   # wrt = "w,x,b" (the inputs not listed are constants, like a target t)
        opts["wrt"] = [w.strip() for w in opts["wrt"].split(",") if w.strip()]
    result = autodiff(**opts)
    label = spec.get("title") or f"{spec['expr']} at {spec['at'] if isinstance(spec['at'], str) else dict(spec['at'])}"
    return Problem(result, str(label), spec.get("number", ""))


def _optimizer(spec: Mapping[str, Any], name: str, family: dict[str, Any], where: str) -> Problem:
    """Any optimizer of derive.optim, with PyTorch's options (and gradients for numeric steps)."""
    unknown = sorted(set(spec) - _PRESENTATION - {"optimizer", "options", "w0", "grads", "notation"})
    if unknown:
        raise InputError(f"unknown key(s) {', '.join(unknown)}; known: optimizer, options, w0, grads, number, title",
                         where)
    if not isinstance(family.get("options", {}), Mapping):
        raise InputError("options must be a table of PyTorch's keyword options, e.g. {momentum = 0.9}", where)
    if family.get("w0") is not None and family.get("grads") is None:
        raise InputError("w0 needs grads (the gradients of the numeric steps)", where)
    if isinstance(family.get("grads"), str):
        family["grads"] = [g for g in family["grads"].split(",") if g.strip()]
    opts = {"optimizer": name, **family}
    try:
        FamilyReference(**opts)
    except DeriveError as exc:
        raise InputError(str(exc), where) from None
    label = str(spec.get("title") or TITLES[canonical_name(name)])
    return Problem(None, label, spec.get("number", ""), "optimizer", opts)


def _from_toml(path: Path, allowed: tuple[str, ...] = (), only: str | None = None) -> list[Problem]:
    """The problems of a problem file, read by derive.problems (the one reader of the format ``derive solve``
    reads too); ``only``: of a set, only that problem is built."""
    ps = problem_sets.load(path, allowed)
    out, numbers = [], []
    for p in ps.problems:
        if p.kind == "text":
            continue   # prose problems have nothing to check
        numbers.append(p.number)
        if only is not None and not ps.single and p.number != str(only):
            continue   # deriving the others' references would only cost time
        # a lone top-level problem with no number is checked against the whole sheet, not its part 1
        number = "" if ps.single and not p.numbered else p.number
        try:
            if p.error is not None:
                raise p.error
            out.append(_from_mapping({"kind": p.kind, "number": number, **p.fields}, p.where, p.base, p.allowed))
        except DeriveError as exc:   # one broken problem must not stop the others being checked
            out.append(Problem(None, p.where, number, kind="unreadable", error=problem_error(exc, p.where)))
    if not out and numbers:
        raise InputError(f"{path} has no problem {only} (it has {', '.join(numbers)})", "--number")
    if not out:
        raise InputError(f"{path} has no problem to check against (autodiff, optimizer or cnn)", "--problem")
    if all(p.error is not None for p in out):
        raise out[0].error
    return out
