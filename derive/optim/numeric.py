"""Numeric optimizer trajectories w^1, w^2, ... with PyTorch's formulas, operation for operation.

Each step repeats the float64 operations of ``torch.optim``'s single-tensor (CPU) path in the same order -- the
``lerp`` that updates Adam's first moment, ``addcmul``'s ``(value * a) * b``, ``addcdiv``'s ``(value * a) / b`` --
so the weights agree with torch to rounding (tests ask for 1e-12 relative). Vectors are updated elementwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import sympy

from derive.derivation import Block, Derivation, Part
from derive.errors import DomainError, InputError, LimitError
from derive.latex import Tex
from derive.numbers import format_number
from derive.optim.hyperparams import OPTIONS, Hyper, resolve, shown
from derive.optim.update_rules import TITLES
from derive.parse import parse
from derive.render import FORMATS, formats_error, jupyter_display, render, summary, to_json

__all__ = ["Trajectory", "trajectory", "run", "MAX_LOSS_STEPS"]

MAX_LOSS_STEPS = 10_000   # a loss is differentiated and evaluated exactly at every step: bound the work
MAX_ELEMENTS = 50_000_000  # steps x parameter size kept in memory


@dataclass
class Trajectory:
    """The parameter after every step (``weights[k]`` is w after k+1 steps), with what produced it."""

    optimizer: str
    hyper: Hyper
    w0: np.ndarray
    grads: np.ndarray
    weights: np.ndarray
    loss: str | None = None
    states: list[dict[str, np.ndarray]] = field(default_factory=list)

    @property
    def scalar(self) -> bool:
        return self.w0.ndim == 0

    @property
    def steps(self) -> int:
        return int(self.weights.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: floats at full precision (Python's shortest round-trip repr)."""
        return {"optimizer": self.optimizer, "hyperparameters": self.hyper.to_dict(), "steps": self.steps,
                "loss": self.loss, "w0": self.w0.tolist(), "grads": self.grads.tolist(),
                "weights": self.weights.tolist()}


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    # ATen's lerp picks the form by |weight| so both ends are exact; copy it for bit-level agreement
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


def _init(h: Hyper, w: np.ndarray) -> dict[str, np.ndarray]:
    z = np.zeros_like(w)
    if h.name in ("adam", "adamw"):
        st = {"m": z.copy(), "v": z.copy()}
        if h["amsgrad"]:
            st["vmax"] = z.copy()
        return st
    if h.name == "adagrad":
        return {"G": np.full_like(w, h["initial_accumulator_value"])}
    if h.name == "rmsprop":
        st = {"v": z.copy()}
        if h["centered"]:
            st["gbar"] = z.copy()
        if h["momentum"] > 0:
            st["b"] = z.copy()
        return st
    return {}


def _step(h: Hyper, st: dict[str, np.ndarray], w: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
    """One step; ``st`` is updated in place, the new parameter is returned."""
    if h["maximize"]:
        g = -g
    lr, wd, name = h["lr"], h["weight_decay"], h.name
    if name in ("adam", "adamw"):
        b1, b2 = h["betas"]
        if wd != 0:
            if h["decoupled"]:
                w = w * (1 - lr * wd)
            else:
                g = g + wd * w
        st["m"] = _lerp(st["m"], g, 1 - b1)
        st["v"] = st["v"] * b2 + ((1 - b2) * g) * g
        v = st["v"]
        if h["amsgrad"]:
            st["vmax"] = np.maximum(st["vmax"], v)
            v = st["vmax"]
        if not h["bias_correction"]:
            denom = np.sqrt(v + h["eps"]) if h["eps_inside"] else np.sqrt(v) + h["eps"]
            return w + ((-lr) * st["m"]) / denom
        bc1, bc2 = 1 - b1 ** float(t), 1 - b2 ** float(t)
        step_size = lr / bc1
        if h["eps_inside"]:  # the seed's sqrt(v_hat + eps): not PyTorch's
            denom = np.sqrt(v / bc2 + h["eps"])
        else:
            denom = np.sqrt(v) / bc2 ** 0.5 + h["eps"]
        return w + ((-step_size) * st["m"]) / denom
    if wd != 0:
        g = g + wd * w
    if name in ("sgd", "momentum", "nesterov"):
        mu = h["momentum"]
        if mu != 0:
            # PyTorch starts the buffer at g^1 itself (no dampening on the first step)
            st["b"] = g.copy() if t == 1 else st["b"] * mu + (1 - h["dampening"]) * g
            g = g + mu * st["b"] if h["nesterov"] else st["b"]
        return w + (-lr) * g
    if name == "adagrad":
        clr = lr / (1 + (float(t) - 1) * h["lr_decay"])
        st["G"] = st["G"] + (1 * g) * g
        return w + ((-clr) * g) / (np.sqrt(st["G"]) + h["eps"])
    if name == "rmsprop":
        a = h["alpha"]
        st["v"] = st["v"] * a + ((1 - a) * g) * g
        if h["centered"]:
            st["gbar"] = _lerp(st["gbar"], g, 1 - a)
            avg = np.sqrt(st["v"] + (-1 * st["gbar"]) * st["gbar"])
        else:
            avg = np.sqrt(st["v"])
        avg = avg + h["eps"]
        if h["momentum"] > 0:
            st["b"] = st["b"] * h["momentum"] + (1 * g) / avg
            return w + (-lr) * st["b"]
        return w + ((-lr) * g) / avg
    raise InputError(f"no numeric rule for {name!r}", "optimizer")  # pragma: no cover (OPTIONS is closed)


# what each state array is called in a message
_QUANTITY = {"m": "the first moment m", "v": "the second moment v", "vmax": "the running maximum of v (AMSGrad)",
             "G": "the sum of squared gradients G", "gbar": "the average gradient", "b": "the momentum buffer b"}


def _checked_step(h: Hyper, st: dict[str, np.ndarray], w: np.ndarray, g: np.ndarray, t: int) -> np.ndarray:
    """One step in float64 like torch, but an overflow to inf/nan is a DomainError naming the step and the quantity
    (torch would carry it on silently: v = inf makes m/sqrt(v) = 0 and the weight stops moving)."""
    with np.errstate(all="ignore"):   # the checks below report it; no RuntimeWarning on stderr
        _squares_representable(h, g, t)
        w_new = _step(h, st, w, g, t)
    for key, arr in st.items():
        _finite(arr, _QUANTITY.get(key, key), t)
    _finite(w_new, "the parameter w", t)
    return w_new


def _finite(arr: np.ndarray, what: str, t: int) -> None:
    flat = np.asarray(arr).ravel()
    if not np.all(np.isfinite(flat)):
        bad = float(flat[~np.isfinite(flat)][0])
        raise DomainError(f"{what} is {bad!r} after step {t} (float64 overflow or 0/0): use smaller gradients, "
                          "a smaller learning rate or rescale the problem", "trajectory")


def _square_weight(h: Hyper) -> float:
    """The weight of g^2 in the optimizer's second-moment sum (0: it keeps none)."""
    if h.name in ("adam", "adamw"):
        return 1 - h["betas"][1]
    if h.name == "rmsprop":
        return 1 - h["alpha"]
    return 1.0 if h.name == "adagrad" else 0.0


def _squares_representable(h: Hyper, g: np.ndarray, t: int) -> None:
    """The squared-gradient term must not underflow where it matters: with g = 1e-200 and eps = 1e-320,
    (1 - beta2) g^2 is 0 in float64 and the step divides by eps alone (w jumps by 1e117 instead of lr)."""
    c = _square_weight(h)
    if not c:
        return
    term = (c * g) * g
    lost = (g != 0) & (np.abs(term) < np.finfo(np.float64).tiny) & (np.sqrt(c) * np.abs(g) > h["eps"])
    if np.any(lost):
        raise DomainError(f"the squared gradient underflows in float64 at step {t} (g = {float(g[lost][0])!r}) "
                          f"while it outweighs eps = {h['eps']!r}: rescale the problem", "trajectory")


def _as_w0(w0: Any) -> np.ndarray:
    if w0 is None:
        raise InputError("w0 (the initial parameter) is missing", "w0")
    try:
        arr = np.array(w0, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"w0 must be a number or a list of numbers, not {shown(w0)}", "w0") from None
    if arr.ndim > 1 or arr.size == 0:
        raise InputError("w0 must be a number or a non-empty list of numbers", "w0")
    if not np.all(np.isfinite(arr)):
        raise InputError("w0 contains a value that is not finite", "w0")
    return arr


def _as_grads(grads: Any, w0: np.ndarray) -> np.ndarray:
    if w0.ndim == 1 and isinstance(grads, (list, tuple)):
        for i, g in enumerate(grads, 1):  # name the ragged step before numpy refuses the whole list
            n = len(g) if isinstance(g, (list, tuple, np.ndarray)) else None
            if n != w0.shape[0]:
                got = "a number" if n is None else f"{n} number{'s' if n != 1 else ''}"
                raise InputError(f"gradient {i} has {got}; w0 has {w0.shape[0]}", "grads")
    try:
        arr = np.array(grads, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise InputError("grads must be a list of numbers (one per step), or of lists matching w0", "grads") from None
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise InputError("grads is empty: give one gradient per step", "grads")
    if arr.shape[1:] != w0.shape:
        want = "a number" if w0.ndim == 0 else f"{w0.shape[0]} numbers"
        got = "numbers" if arr.ndim == 1 else f"lists of {arr.shape[1:]}"
        raise InputError(f"each gradient must be {want} like w0, got {got}", "grads")
    bad = np.argwhere(~np.isfinite(arr.reshape(arr.shape[0], -1)))
    if bad.size:
        raise InputError(f"gradient {int(bad[0][0]) + 1} is not finite", "grads")
    return arr


def run(h: Hyper, w0: np.ndarray, grads: np.ndarray, record_states: bool = False
        ) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """Apply ``h`` to the gradient sequence; returns (weights, per-step states if asked)."""
    w = np.atleast_1d(w0).astype(np.float64)
    st = _init(h, w)
    out = np.empty((grads.shape[0],) + w.shape, dtype=np.float64)
    states: list[dict[str, np.ndarray]] = []
    g2 = grads.reshape(grads.shape[0], -1)
    for t in range(1, grads.shape[0] + 1):
        w = _checked_step(h, st, w, g2[t - 1], t)
        out[t - 1] = w
        if record_states:
            states.append({k: v.copy() for k, v in st.items()})
    return out.reshape((grads.shape[0],) + w0.shape), states


def _loss_run(h: Hyper, w0: np.ndarray, loss: str, steps: Any, record_states: bool):
    if w0.ndim != 0:
        raise InputError("a loss expression needs a scalar w0 (give --grads for a vector parameter)", "loss")
    if not isinstance(loss, str):
        raise InputError(f"the loss must be an expression in w (text), not {shown(loss)}", "loss")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise InputError(f"steps must be a whole number >= 1 with a loss, not {shown(steps)}", "steps")
    if steps > MAX_LOSS_STEPS:
        raise LimitError(f"at most {MAX_LOSS_STEPS} steps with a loss expression, not {shown(steps)}", "steps")
    expr = parse(loss, where="loss")
    free = sorted(expr.free_symbols, key=str)
    if len(free) > 1:
        names = ", ".join(map(str, free))
        raise InputError(f"the loss may depend only on the parameter w; it has {names}", "loss")
    wsym = sympy.Symbol("w")
    if free and free[0] != wsym:   # x^2 is not a loss in w: differentiating by x silently would be a guess
        raise InputError(f"the loss must be written in the parameter w, not {free[0]}", "loss")
    dl = sympy.diff(expr, wsym)
    w, st = np.atleast_1d(w0).astype(np.float64), _init(h, np.atleast_1d(w0).astype(np.float64))
    weights, grads, states = [], [], []
    for t in range(1, steps + 1):
        # the exact derivative, evaluated at the float64 parameter and rounded once (as autograd's result)
        try:
            val = dl.evalf(30, subs={wsym: sympy.Float(float(w[0]), 30)})
        except (ArithmeticError, ValueError):  # mpmath divides by zero for log(0) and the like
            val = sympy.nan
        if not val.is_number or not val.is_real or not math.isfinite(float(val)):
            raise DomainError(f"the loss's derivative is not finite at w = {float(w[0])!r} (step {t})", "loss")
        try:   # log(w) at w = -1 has a real slope 1/w but no real value: the loss itself must be defined there
            lv = expr.evalf(30, subs={wsym: sympy.Float(float(w[0]), 30)})
        except (ArithmeticError, ValueError):
            lv = sympy.nan
        if not lv.is_number or not lv.is_real or not math.isfinite(float(lv)):
            raise DomainError(f"the loss is not a finite real number at w = {float(w[0])!r} (step {t})", "loss")
        g = np.array([float(val)])
        w = _checked_step(h, st, w, g, t)
        grads.append(g[0])
        weights.append(w[0])
        if record_states:
            states.append({k: v.copy() for k, v in st.items()})
    return np.array(weights), np.array(grads), states


def trajectory(name: str, w0: Any = None, grads: Sequence[Any] | None = None, *, loss: str | None = None,
               steps: int | None = None, record_states: bool = False, **options: Any) -> Trajectory:
    """Steps of optimizer ``name`` from ``w0`` along ``grads`` (or the gradients of ``loss`` in w).

    ``options`` are PyTorch's keyword arguments (``lr``, ``betas``, ``eps``, ``weight_decay``, ``momentum``,
    ``dampening``, ``nesterov``, ``alpha``, ``centered``, ``amsgrad``, ``maximize``, ...); omitted ones take
    PyTorch's defaults.
    """
    h = resolve(name, options)
    w = _as_w0(w0)
    if loss is not None and grads is not None:
        raise InputError("give either grads or a loss expression, not both", "grads")
    if loss is not None:
        weights, g, states = _loss_run(h, w, loss, steps, record_states)
        return Trajectory(h.name, h, w, g, weights, loss=loss, states=states)
    if grads is None:
        raise InputError("gradients are missing: give grads (one per step) or a loss expression", "grads")
    if steps is not None:
        raise InputError("steps goes with a loss expression; with grads the number of steps is len(grads)", "steps")
    g = _as_grads(grads, w)
    if g.size > MAX_ELEMENTS:
        raise LimitError(f"{g.size} gradient values is more than {MAX_ELEMENTS}", "grads")
    weights, states = run(h, w, g, record_states)
    return Trajectory(h.name, h, w, g, weights, states=states)


# ------------------------------------------------------------------------------------------------- display

def _float_text(x: float, sigfigs: int) -> str:
    return format_number(sympy.Float(float(x), 17), sigfigs) if x != 0 else "0"


def _cell(x: Any, sigfigs: int) -> Tex:
    """A scalar, or the first four elements of a vector, to ``sigfigs`` significant figures."""
    arr = np.atleast_1d(np.asarray(x, dtype=np.float64))
    items = [_float_text(v, sigfigs) for v in arr[:4]]
    if arr.size == 1 and np.ndim(x) == 0:
        return Tex(items[0])
    return Tex(r"\left(" + ", ".join(items) + (r", \ldots" if arr.size > 4 else "") + r"\right)")


def trajectory_table(traj: Trajectory, sigfigs: int = 6, max_rows: int = 20) -> Block:
    """The steps as a table (step t, gradient, parameter after step t; row 0 the initial parameter); beyond
    ``max_rows`` steps the first ``max_rows - 5``, a ``\\vdots`` and the last 5."""
    n = traj.steps
    rows: list[tuple[Any, ...]] = [("0", "", _cell(traj.w0, sigfigs))]
    shown_rows = list(range(n)) if n <= max_rows else list(range(max_rows - 5)) + [None] + list(range(n - 5, n))
    for i in shown_rows:
        rows.append((Tex(r"\vdots"), "", "") if i is None else
                    (str(i + 1), _cell(traj.grads[i], sigfigs), _cell(traj.weights[i], sigfigs)))
    return Block.table(("step t", "gradient", "parameter after step t"), rows)


def _options_text(traj: Trajectory) -> str:
    """The options that differ from PyTorch's defaults, as ``lr = 0.01``; the learning rate always."""
    defaults = OPTIONS[traj.optimizer]
    items = [(k, v) for k, v in traj.hyper.values.items() if k == "lr" or defaults.get(k, v) != v]
    return ", ".join(f"{k} = {v!r}" for k, v in items)


@render.register
def _render_trajectory(traj: Trajectory, fmt: str = "latex", *, standalone: bool = False,
                       sigfigs: int = 6) -> str:
    """A trajectory as its table of steps (JSON kind ``trajectory``: every float at full precision); the update
    rule with it is ``derive.optim.trajectory_derivation``."""
    if fmt not in FORMATS:
        raise formats_error(fmt, FORMATS, "a trajectory")
    if fmt == "json":
        return to_json("trajectory", traj.to_dict())
    lead = (f"{traj.steps} step{'s' if traj.steps != 1 else ''}"
            f"{' on the loss ' + traj.loss if traj.loss else ''}, {_options_text(traj)} (other options: "
            f"PyTorch's defaults). Values to {sigfigs} significant figures; the exact floats are the "
            "trajectory's weights and grads.")
    d = Derivation(f"{TITLES[traj.optimizer]}: trajectory", [Part("", "", (Block.text(lead),
                                                                             trajectory_table(traj, sigfigs)))])
    return render(d, fmt, standalone=standalone)


def _short(x: np.ndarray) -> str:
    """A parameter in a line of text: ``0.478903``, or ``(0.98, 1.98, 2.98, 3.98, …)`` for a vector."""
    arr = np.atleast_1d(x)
    items = ", ".join(f"{float(v):.6g}" for v in arr[:4]) + (", …" if arr.size > 4 else "")
    return items if np.ndim(x) == 0 else f"({items})"


@summary.register
def _summary_trajectory(traj: Trajectory) -> str:
    shape = "" if traj.scalar else f" of {traj.w0.size} parameters"
    last = traj.weights[-1] if traj.steps else traj.w0
    loss = f" on the loss {traj.loss}" if traj.loss else ""
    return (f"{traj.optimizer}{shape}, {traj.steps} steps{loss} ({_options_text(traj)}): "
            f"w {_short(traj.w0)} -> {_short(last)}")


jupyter_display(Trajectory)
