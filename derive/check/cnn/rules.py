r"""General rules a writer states about a network: ``N_{layer} = k^2 C_{in} C_{out}``, ``P = (F^2 D + 1) K``,
``\#w = n_{in} n_{out} + n_{out}``.

A rule's symbols are the writer's own (k or F for the kernel, C_in, D or c for channels, K or C_out for filters), so a
rule is judged without guessing what its names mean: it is right when SOME reading of its symbols as a layer's
settings (kernel height and width, input channels per group, output channels; or a linear layer's in and out
features) gives every such layer of this network its parameter count. A rule that gives every layer its count
without biases states the ``params-no-bias`` misconception; the lines after it that follow it are then the
writer's error carried forward, not new mistakes. A rule no reading fits is left unjudged (never a false alarm).
"""
from __future__ import annotations

from itertools import permutations
from typing import Any

import sympy

from derive.compare import num, ordered_symbols

MAX_SYMBOLS = 5     # a rule with more names than a layer has settings is no parameter rule
MAX_LAYERS = 8      # distinct layers a reading is tried on (enough to rule out coincidences)


def _conv_settings(li: Any) -> tuple[dict[str, int], int, int] | None:
    layer = li.node.layer
    if layer.kind != "conv" or len(li.input_shapes[0]) != 3:
        return None
    kh, kw = layer.kernel_size
    groups = getattr(layer, "groups", 1) or 1
    roles = {"kh": kh, "kw": kw, "cin": li.input_shapes[0][0] // groups, "cout": li.output_shape[0]}
    return roles, li.weights + li.biases, li.weights


def _fc_settings(li: Any) -> tuple[dict[str, int], int, int] | None:
    if li.node.layer.kind != "fc" or len(li.input_shapes[0]) != 1:
        return None
    return {"nin": li.input_shapes[0][0], "nout": li.output_shape[0]}, li.weights + li.biases, li.weights


def _layers(an: Any) -> list[list[tuple[dict[str, int], int, int]]]:
    """Per family (conv, linear), distinct layers as (settings, count with biases, count without)."""
    out = []
    for settings in (_conv_settings, _fc_settings):
        seen, fam = set(), []
        for li in an.layers:
            s = settings(li)
            if s is None or not li.biases:
                continue
            key = tuple(sorted(s[0].items()))
            if key not in seen:
                seen.add(key)
                fam.append(s)
        out.append(fam[:MAX_LAYERS])
    return out


def _readings(symbols: list[sympy.Symbol], roles: list[str]) -> list[dict[sympy.Symbol, str]]:
    """Every way to read the rule's symbols as distinct settings; a square kernel's one k stands for both sides."""
    out = []
    names = roles + (["k"] if "kh" in roles else [])
    for perm in permutations(names, len(symbols)):
        if "k" in perm and ("kh" in perm or "kw" in perm):
            continue
        out.append(dict(zip(symbols, perm)))
    return out


def _value(expr: sympy.Expr, reading: dict[sympy.Symbol, str], roles: dict[str, int]) -> Any:
    vals = dict(roles, k=roles["kh"] if roles.get("kh") == roles.get("kw") else None) if "kh" in roles else roles
    subs = {}
    for s, role in reading.items():
        if vals.get(role) is None:
            return None
        subs[s] = sympy.Integer(vals[role])
    try:
        return num(expr.xreplace(subs))
    except (ArithmeticError, TypeError, ValueError):
        return None


def count_rule(expr: sympy.Expr, an: Any) -> str | None:
    """``"ok"`` when some reading of the rule's symbols gives every conv (or every linear) layer of ``an`` its
    parameter count, ``"params-no-bias"`` when one gives every such layer its count without biases, else None."""
    symbols = ordered_symbols(expr)
    if not 2 <= len(symbols) <= MAX_SYMBOLS or not expr.is_polynomial(*symbols):
        return None
    for fam in _layers(an):
        if len(fam) < 2:   # one layer cannot tell a rule from a coincidence
            continue
        roles = list(fam[0][0])
        for reading in _readings(symbols, roles):
            values = [_value(expr, reading, s) for s, _, _ in fam]
            if any(v is None for v in values):
                continue
            if all(v == right for v, (_, right, _) in zip(values, fam)):
                return "ok"
            if all(v == bare for v, (_, _, bare) in zip(values, fam)):
                return "params-no-bias"
    return None
