"""Optimizer derivations and trajectories: the public API.

``derive.optim.adam(...)`` (and ``sgd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adamw``) derive
the update rule and its unrolled steps symbolically; ``derive.optim.trajectory(name, w0=..., grads=[...])`` runs
the numbers with PyTorch's formulas; ``derive.optim.seed_problem2()`` is the seed sheet's problem 2, done right.
The mathematics lives in ``optim.update_rules`` (the family as data), ``optim.worked`` / ``optim.adam_analysis`` (the parts) and
``optim.numeric`` (trajectories).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import sympy

from derive.derivation import Block, Derivation, Part
from derive.errors import InputError
from derive.latex import Tex, latex
from derive.numbers import format_number
from derive.optim.adam_analysis import NORMS, general_part, l2_part, no_bias_part
from derive.optim.worked import defaults_text, step_lines, steps_part, update_part
from derive.optim.notation import NOTATIONS, T, notation as make_notation
from derive.optim.numeric import Trajectory, trajectory
from derive.optim.hyperparams import OPTIMIZERS, OPTIONS, canonical_name, resolve
from derive.optim.update_rules import TITLES, rule, unroll

__all__ = ["derivation", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "trajectory",
           "trajectory_derivation", "seed_problem2", "Trajectory", "OPTIMIZERS", "OPTIONS", "PARTS", "NOTATIONS",
           "NORMS", "option_names"]

PARTS = ("update", "first", "second", "general", "no-bias-correction", "l2")
_ADAM_ONLY = ("general", "no-bias-correction", "l2")
_LABELS = "abcdefghij"


def _parts_list(derive: str | Iterable[str] | None, name: str) -> list[str]:
    if derive is None:
        return ["update", "first", "second"] + (["general"] if name in ("adam", "adamw") else [])
    try:
        raw = derive.split(",") if isinstance(derive, str) else list(derive)
    except TypeError:
        raw = [derive]
    if not all(isinstance(p, str) for p in raw):
        raise InputError("derive must be part names: a list of text, or text like 'update,first'", "derive")
    items = [p.strip() for p in raw if p.strip()]
    if not items:
        raise InputError("no parts asked for; choose from " + ", ".join(PARTS), "derive")
    for p in items:
        if p not in PARTS:
            raise InputError(f"unknown part {p!r}; choose from {', '.join(PARTS)}", "derive")
        if p in _ADAM_ONLY and name not in ("adam", "adamw"):
            raise InputError(f"the {p!r} part is derived for adam and adamw only, not {name}", "derive")
    return list(dict.fromkeys(items))


def _lines_data(parts: Sequence[Part]) -> list[dict[str, Any]]:
    out = []
    for p in parts:
        for b in p.blocks:
            for ln in b.lines:
                out.append({"part": p.label, "tag": ln.tag, "lhs": str(ln.lhs),
                            "rhs": [{"rel": str(rel), "tex": str(r)} for rel, r in ln.pairs()], "note": ln.note})
    return out


def derivation(name: str, *, derive: str | Iterable[str] | None = None, notation: str = "seed",
               vector: bool = False, norm: str = "squared", **options: Any) -> Derivation:
    """The update rule of optimizer ``name`` and the parts asked for (see ``PARTS``), as a Derivation.

    ``options`` are PyTorch's keyword arguments (validated; unknown ones are an InputError). ``notation`` is
    ``"seed"`` (w^{t+1} = w^t - ..., beta, gamma) or ``"paper"`` (theta_t, beta_1, beta_2); ``vector`` prints
    bold (elementwise) quantities; ``norm`` picks the regulariser of the ``l2`` part.
    """
    h = resolve(name, options)
    nt = make_notation(notation, vector=bool(vector))
    asked = _parts_list(derive, h.name)
    r = rule(nt, h)
    u = unroll(nt, r, 2 if ("second" in asked) else 1)
    parts: list[Part] = []
    for key in asked:
        label = f"({_LABELS[len(parts)]})"
        if key == "update":
            extra = [defaults_text(nt, h)]
            if vector:
                extra.append(Block.text("Bold quantities are vectors; squares, square roots and divisions act "
                                        "elementwise."))
            parts.append(update_part(nt, r, label, f"{TITLES[h.name]}, on iteration t:", extra))
        elif key in ("first", "second"):
            k = 1 if key == "first" else 2
            parts.append(steps_part(nt, r, u, [k], label, f"Step {k}, unrolled from the initial values:"))
        elif key == "general":
            parts.append(general_part(nt, label))
        elif key == "no-bias-correction":
            parts.append(no_bias_part(nt, h, label))
        else:
            parts.append(l2_part(nt, norm, label))
    data = {"optimizer": h.name, "hyperparameters": h.to_dict(), "notation": nt.name, "vector": bool(vector),
            "parts": asked, "lines": _lines_data(parts)}
    return Derivation(TITLES[h.name], parts, data, kind="optimizer")


# One function per optimizer, keyword-only, with PyTorch's option names in PyTorch's order. Every default is read
# from the one table, hyperparams.OPTIONS (tests/optim check each signature against it); ``other`` takes the old
# and alternative spellings (decoupled, beta1, beta2) and makes an unknown name an InputError, not a TypeError.
_S, _M, _N, _AG, _RMS, _A, _AW = (OPTIONS[n] for n in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                                       "adamw"))
Parts = str | Iterable[str] | None


def _derive(name: str, given: dict[str, Any]) -> Derivation:
    """derivation(name, ...) with the options that differ from the table's defaults (resolve fills in the rest,
    so an old spelling in ``other`` is not contradicted by a default)."""
    other, table = given.pop("other"), OPTIONS[name]
    options = {k: v for k, v in given.items() if k not in table or not _same(v, table[k])}
    return derivation(name, **options, **other)


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):   # an array's == is elementwise: not a default, let resolve judge it
        return False


def sgd(*, lr: float = _S["lr"], momentum: float = _S["momentum"], dampening: float = _S["dampening"],
        weight_decay: float = _S["weight_decay"], nesterov: bool = _S["nesterov"], maximize: bool = _S["maximize"],
        derive: Parts = None, notation: str = "seed", vector: bool = False, **other: Any) -> Derivation:
    """Plain SGD, torch.optim.SGD's options: w^{t+1} = w^t - alpha g^t (a momentum > 0 gives the momentum rule)."""
    return _derive("sgd", locals())


def momentum(*, lr: float = _M["lr"], momentum: float = _M["momentum"], dampening: float = _M["dampening"],
             weight_decay: float = _M["weight_decay"], nesterov: bool = _M["nesterov"],
             maximize: bool = _M["maximize"], derive: Parts = None, notation: str = "seed", vector: bool = False,
             **other: Any) -> Derivation:
    """SGD with momentum in PyTorch's convention (b^1 = g^1, dampening tau on later steps); torch.optim.SGD's
    options, momentum 0.9 by default."""
    return _derive("momentum", locals())


def nesterov(*, lr: float = _N["lr"], momentum: float = _N["momentum"], dampening: float = _N["dampening"],
             weight_decay: float = _N["weight_decay"], nesterov: bool = _N["nesterov"],
             maximize: bool = _N["maximize"], derive: Parts = None, notation: str = "seed", vector: bool = False,
             **other: Any) -> Derivation:
    """SGD with Nesterov momentum, PyTorch's form: step along g^t + mu b^t (torch.optim.SGD's options)."""
    return _derive("nesterov", locals())


def adagrad(*, lr: float = _AG["lr"], lr_decay: float = _AG["lr_decay"], weight_decay: float = _AG["weight_decay"],
            initial_accumulator_value: float = _AG["initial_accumulator_value"], eps: float = _AG["eps"],
            maximize: bool = _AG["maximize"], derive: Parts = None, notation: str = "seed", vector: bool = False,
            **other: Any) -> Derivation:
    """Adagrad (torch.optim.Adagrad's options): divide by the root of the running sum of squared gradients."""
    return _derive("adagrad", locals())


def rmsprop(*, lr: float = _RMS["lr"], alpha: float = _RMS["alpha"], eps: float = _RMS["eps"],
            weight_decay: float = _RMS["weight_decay"], momentum: float = _RMS["momentum"],
            centered: bool = _RMS["centered"], maximize: bool = _RMS["maximize"], derive: Parts = None,
            notation: str = "seed", vector: bool = False, **other: Any) -> Derivation:
    """RMSprop (torch.optim.RMSprop's options; optionally centered, with momentum); rho is PyTorch's ``alpha``."""
    return _derive("rmsprop", locals())


def adam(*, lr: float = _A["lr"], betas: tuple[float, float] = _A["betas"], eps: float = _A["eps"],
         weight_decay: float = _A["weight_decay"], amsgrad: bool = _A["amsgrad"], maximize: bool = _A["maximize"],
         decoupled_weight_decay: bool = _A["decoupled_weight_decay"], eps_inside: bool = _A["eps_inside"],
         bias_correction: bool = _A["bias_correction"], derive: Parts = None, notation: str = "seed",
         vector: bool = False, norm: str = "squared", **other: Any) -> Derivation:
    """Adam with bias correction, torch.optim.Adam's options (``decoupled_weight_decay=True`` is AdamW; the old
    name ``decoupled`` is accepted); derive's own: ``eps_inside=True`` puts epsilon under the root as the seed
    does, ``bias_correction=False`` drops it; ``norm`` is the regulariser of the ``l2`` part."""
    return _derive("adam", locals())


def adamw(*, lr: float = _AW["lr"], betas: tuple[float, float] = _AW["betas"], eps: float = _AW["eps"],
          weight_decay: float = _AW["weight_decay"], amsgrad: bool = _AW["amsgrad"],
          maximize: bool = _AW["maximize"], decoupled_weight_decay: bool = _AW["decoupled_weight_decay"],
          eps_inside: bool = _AW["eps_inside"], bias_correction: bool = _AW["bias_correction"],
          derive: Parts = None, notation: str = "seed", vector: bool = False, norm: str = "squared",
          **other: Any) -> Derivation:
    """AdamW, torch.optim.AdamW's options: Adam with decoupled weight decay alpha lambda w (weight_decay 0.01)."""
    return _derive("adamw", locals())


# --------------------------------------------------------------------------------------------- trajectories

def _cell(x: Any, sigfigs: int) -> Tex:
    arr = np.atleast_1d(np.asarray(x, dtype=np.float64))
    items = [format_number(sympy.Float(float(v), 17), sigfigs) if v != 0 else "0" for v in arr[:4]]
    if arr.size == 1 and np.ndim(x) == 0:
        return Tex(items[0])
    more = r", \ldots" if arr.size > 4 else ""
    return Tex(r"\left(" + ", ".join(items) + more + r"\right)")


def trajectory_derivation(traj: Trajectory, notation: str = "seed", sigfigs: int = 6,
                          max_rows: int = 20) -> Derivation:
    """The update rule and a table of the steps (JSON: the trajectory itself, full precision)."""
    if isinstance(sigfigs, bool) or not isinstance(sigfigs, int) or not 1 <= sigfigs <= 15:
        raise InputError(f"sigfigs must be a whole number from 1 to 15, not {sigfigs!r}", "sigfigs")
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 11:
        # the table shows the first rows, a \vdots and the last 5: fewer than 11 rows cannot hold that
        raise InputError(f"max_rows must be a whole number of at least 11, not {max_rows!r}", "max_rows")
    nt = make_notation(notation, vector=not traj.scalar)
    r = rule(nt, traj.hyper)
    rule_part = update_part(nt, r, "(a)", f"{TITLES[traj.optimizer]}, on iteration t:",
                            [defaults_text(nt, traj.hyper, "Values used: ")])
    w_after = latex(nt.w(nt.param_index(T)))
    # plain-text headers: the Markdown table layout prints header cells as text
    header = ("step t", "gradient", "parameter after step t")
    n = traj.steps
    rows: list[tuple[Any, ...]] = [("0", "", _cell(traj.w0, sigfigs))]
    shown = list(range(n)) if n <= max_rows else list(range(max_rows - 5)) + [None] + list(range(n - 5, n))
    for i in shown:
        if i is None:
            rows.append((Tex(r"\vdots"), "", ""))
            continue
        rows.append((str(i + 1), _cell(traj.grads[i], sigfigs), _cell(traj.weights[i], sigfigs)))
    lead = [f"From {'the loss ' + traj.loss + ', ' if traj.loss else ''}{n} step{'s' if n != 1 else ''}: "
            "row t has the gradient ", Tex(latex(nt.g(T))), " and the parameter after it, ", Tex(w_after),
            "; row 0 is the initial parameter ", Tex(latex(nt.w(nt.param_index(sympy.Integer(0))))),
            f". Values to {sigfigs} significant figures (the JSON output has full precision)."]
    table_part = Part("(b)", "Trajectory:", (Block.text(*lead), Block.table(header, rows)))
    return Derivation(f"{TITLES[traj.optimizer]}: trajectory", [rule_part, table_part], traj.to_dict(),
                      kind="trajectory")


# -------------------------------------------------------------------------------------- the seed's problem 2

def seed_problem2(notation: str = "seed", eps_inside: bool = False, norm: str = "squared",
                  betas: tuple[float, float] = (0.9, 0.999)) -> Derivation:
    """Problem 2 of the seed sheet: (a) Adam's update, (b) step 1, (c) step 2, (d) the first step without bias
    correction, (e) L2 regularisation (coupled into Adam versus AdamW), in the seed's layout."""
    h = resolve("adam", {"eps_inside": eps_inside, "betas": betas})
    nt = make_notation(notation)
    r = rule(nt, h)
    u = unroll(nt, r, 2)
    order = ["m", "mhat", "v", "vhat"]
    a = update_part(nt, r, "(a)", "On iteration t:", [defaults_text(nt, h, "Usually (Kingma & Ba; PyTorch's "
                                                                               "defaults): ")])
    b = Part("(b)", "", (Block.equations(step_lines(nt, r, u, 1, order)),))
    c = Part("(c)", "", (Block.equations(step_lines(nt, r, u, 2, order)),
                         Block.text(Tex(latex(nt.seq("m", hat=True)(T))), " is the weighted average of the "
                                    "gradients, ", Tex(latex(nt.seq("v", hat=True)(T))),
                                    " the weighted average of their squares.")))
    d = no_bias_part(nt, h, "(d)", "Why the bias correction: the first step without it", seed=True)
    e = l2_part(nt, norm, "(e)", "L2-regularisation in the loss function:", seed=True)
    if eps_inside:
        notes = ["Epsilon is inside the root here, as the seed's (a) writes it; Kingma & Ba (Algorithm 1) and "
                 "PyTorch add it outside, sqrt(v_hat) + epsilon."]
    else:
        notes = ["Epsilon is added outside the root, as in Kingma & Ba (Algorithm 1) and PyTorch; the seed "
                 "put it inside in (a) but used |g| + epsilon in (b)."]
    data = {"problem": "seed 2", "notation": nt.name, "eps_inside": eps_inside, "norm": norm,
            "hyperparameters": h.to_dict(), "lines": _lines_data([a, b, c, d, e])}
    return Derivation("2. Adam", [a, b, c, d, e], data, notes, kind="optimizer")


def option_names(name: str) -> list[str]:
    """The options optimizer ``name`` takes (PyTorch's keyword names)."""
    return list(OPTIONS[canonical_name(name)])

