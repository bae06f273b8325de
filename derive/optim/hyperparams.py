"""Optimizer names, options and PyTorch's defaults, as data; one validation for the symbolic and numeric sides.

Every option an optimizer takes is listed here, once, under PyTorch's name and with PyTorch 2.13's default, so a
trajectory computed with the defaults is the one ``torch.optim`` computes; the keyword-only signatures of
``derive.optim.sgd`` ... ``adamw`` read their defaults from this table. Older or other spellings (``decoupled`` for
``decoupled_weight_decay``, ``beta1``/``beta2`` for ``betas``) are accepted wherever options are read. Anything
unknown or out of range is an :class:`InputError` that names the field.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from derive.errors import InputError

__all__ = ["OPTIMIZERS", "OPTIONS", "OPTION_ALIASES", "Hyper", "resolve", "canonical_name"]

# name -> {option: default}. "momentum" and "nesterov" are SGD with a non-zero momentum (PyTorch's default
# momentum is 0, so they need a value of their own: 0.9, the usual choice).
_SGD = dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False)
_ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
             decoupled_weight_decay=False, eps_inside=False, bias_correction=True)
OPTIONS: dict[str, dict[str, Any]] = {
    "sgd": _SGD,
    "momentum": dict(_SGD, momentum=0.9),
    "nesterov": dict(_SGD, momentum=0.9, nesterov=True),
    "adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                    maximize=False),
    "rmsprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, maximize=False),
    "adam": _ADAM,
    "adamw": dict(_ADAM, weight_decay=1e-2, decoupled_weight_decay=True),
}
OPTIMIZERS = tuple(OPTIONS)
# old name -> PyTorch's: derive said "decoupled" before torch 2.x named it on torch.optim.Adam
OPTION_ALIASES = {"decoupled": "decoupled_weight_decay"}
_ALIASES = {"sgd-momentum": "momentum", "heavy-ball": "momentum", "nag": "nesterov", "rms": "rmsprop"}

_BOOL = {"nesterov", "maximize", "amsgrad", "decoupled_weight_decay", "eps_inside", "bias_correction", "centered"}
# option -> (lowest, highest, highest included?) ; lr > 0 is checked on its own
_RANGES = {
    "eps": (0.0, math.inf, False), "weight_decay": (0.0, math.inf, False), "momentum": (0.0, 1.0, False),
    "dampening": (0.0, 1.0, True), "alpha": (0.0, 1.0, False), "lr_decay": (0.0, math.inf, False),
    "initial_accumulator_value": (0.0, math.inf, False),
}


def canonical_name(name: str) -> str:
    """``Adam`` -> ``adam``; an unknown name is an InputError listing the known ones."""
    if not isinstance(name, str):
        raise InputError(f"the optimizer must be named by text, not {shown(name)}", "optimizer")
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in OPTIONS:
        raise InputError(f"unknown optimizer {shown(name)}; known: {', '.join(OPTIMIZERS)}", "optimizer")
    return key


@dataclass(frozen=True)
class Hyper:
    """Validated hyperparameters of one optimizer (``values`` holds every option, defaults filled in)."""

    name: str
    values: Mapping[str, Any]

    def __post_init__(self) -> None:
        # A record built by hand with an old name ({**h.values, "decoupled": True}) means that setting: it wins
        if any(old in self.values for old in OPTION_ALIASES):
            values = dict(self.values)
            for old, new in OPTION_ALIASES.items():
                if old in values:
                    values[new] = values.pop(old)
            object.__setattr__(self, "values", values)

    def __getitem__(self, key: str) -> Any:
        return self.values[OPTION_ALIASES.get(key, key)]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(OPTION_ALIASES.get(key, key), default)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.values.items()}


def shown(value: Any) -> str:
    """``repr`` for a message, short: an int over 4,300 digits cannot even be printed (ValueError)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise InputError(f"{field} must be a number, not {shown(value)}", field)
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):   # complex, a numpy array, a huge int...
        raise InputError(f"{field} must be a number, not {shown(value)}", field) from None
    if not math.isfinite(x):
        raise InputError(f"{field} must be a finite number, not {shown(value)}", field)
    return x


def _check_range(x: float, field: str, low: float, high: float, high_incl: bool) -> None:
    ok = x >= low and (x <= high if high_incl else x < high)
    if not ok:
        bracket = "]" if high_incl else ")"
        top = "inf" if math.isinf(high) else f"{high:g}"
        raise InputError(f"{field} must be in [{low:g}, {top}{bracket}, not {x!r}", field)


def resolve(name: str, options: Mapping[str, Any] | None = None) -> Hyper:
    """Defaults for ``name`` overridden by ``options`` (``None`` values mean "default"), all checked."""
    key = canonical_name(name)
    known = OPTIONS[key]
    given = {k: v for k, v in (options or {}).items() if v is not None}
    for old, new in OPTION_ALIASES.items():
        if old in given:
            if new in given and given[new] != given[old]:
                raise InputError(f"{new} and its old name {old} disagree ({shown(given[new])} and "
                                 f"{shown(given[old])}); give {new} only", new)
            given[new] = given.pop(old)
    # beta1/beta2 are accepted as spellings of betas
    if "beta1" in given or "beta2" in given:
        if "betas" not in known:
            bad = "beta1" if "beta1" in given else "beta2"
            raise InputError(f"{key} has no option {bad!r}; options: {', '.join(known)}", bad)
        b1, b2 = given.pop("beta1", known["betas"][0]), given.pop("beta2", known["betas"][1])
        given.setdefault("betas", (b1, b2))
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise InputError(f"{key} has no option {unknown[0]!r}; options: {', '.join(known)}", unknown[0])
    values = dict(known, **given)
    for field, v in list(values.items()):
        if field in _BOOL:
            if not isinstance(v, bool):
                raise InputError(f"{field} must be true or false, not {shown(v)}", field)
        elif field == "betas":
            if isinstance(v, (str, bytes)) or not hasattr(v, "__len__") or len(v) != 2:
                raise InputError(f"betas must be a pair (beta1, beta2), not {shown(v)}", "betas")
            pair = tuple(_number(b, f"beta{i}") for i, b in enumerate(v, 1))
            for i, b in enumerate(pair, 1):
                _check_range(b, f"beta{i}", 0.0, 1.0, False)
            values[field] = pair
        else:
            x = _number(v, field)
            if field == "lr":
                if x <= 0:
                    raise InputError(f"lr (learning rate) must be > 0, not {shown(v)}", "lr")
            else:
                _check_range(x, field, *_RANGES[field])
            values[field] = x
    if values.get("nesterov") and (values["momentum"] <= 0 or values["dampening"] != 0):
        # PyTorch's own rule: the Nesterov look-ahead needs a momentum and no dampening
        raise InputError("Nesterov momentum needs momentum > 0 and dampening = 0", "nesterov")
    if key == "momentum" and values["momentum"] <= 0:
        raise InputError("momentum must be > 0 for the momentum optimizer (use sgd for none)", "momentum")
    if key == "adamw" and not values["decoupled_weight_decay"]:
        raise InputError("adamw is Adam with decoupled weight decay; use adam for the coupled (L2) form",
                         "decoupled_weight_decay")
    return Hyper(key, values)
