"""The numbers of one network a sheet may name, per layer: the writer's layer names mapped onto the network's, and
each layer's numbers recomputed with one of its settings changed (the mistakes a checker diagnoses).

Names: the network's own (``features.0``, ``layer2.0.conv1``, aliases ``conv1_1``, ``fc7``) and their prefixes
(``layer2`` is every module of the stage); ``conv3``/``CONV3`` the third convolution, ``fc2`` the second linear
layer -- or, as the papers count (AlexNet's fc6), the sixth layer with weights; LeNet's ``C1``/``S2``/``F6`` the
first, second and sixth layer among convolutions, pools and linear layers, of that kind; ``output`` the last linear
layer. A name can stand for several layers (``fc2`` by position or by kind): the judge keeps every reading and
asks the value which one is meant.

Perturbations (each a recomputation with derive's own layer arithmetic, never a table of numbers): a count without
biases, a stage without its downsample branch; an output size with the padding left out, the stride taken as 1, the
dilation ignored (the kernel counted as ``k``, not ``d(k-1)+1``), floor and ceiling swapped.
"""
from __future__ import annotations

import re
from typing import Any

import sympy
from dataclasses import dataclass

from derive.cnn.layers import window_out
from derive.errors import InputError

# what a perturbation means, for the message (no misconception id exists for these; see the judge)


@dataclass(frozen=True)
class Step:
    """A layer with a window (convolution or pooling) on a path from the input: what a size formula uses."""

    index: int                 # index into Analysis.layers
    name: str
    kind: str                  # "conv" or "pool"
    k: tuple[int, int]
    s: tuple[int, int]
    p: tuple[int, int]
    d: tuple[int, int]
    ceil: bool
    n_in: tuple[int, int]
    n_out: tuple[int, int]

    def extent(self, axis: int) -> int:
        return self.d[axis] * (self.k[axis] - 1) + 1

    def out(self, n: int, axis: int, *, p: int | None = None, s: int | None = None, d: int | None = None,
            ceil: bool | None = None) -> int | None:
        """The output length for an input of ``n`` (None where the window does not fit), settings overridable."""
        try:
            return window_out(int(n), self.k[axis], self.s[axis] if s is None else s,
                              self.p[axis] if p is None else p, self.d[axis] if d is None else d,
                              self.ceil if ceil is None else ceil, "height")
        except (InputError, ValueError, TypeError, OverflowError):
            return None

    def perturbed(self, n: int, axis: int) -> dict[str, int]:
        """The output length with one setting changed, by perturbation id (only those that change it)."""
        right = self.out(n, axis)
        out: dict[str, int] = {}
        for pid, kw in (("no-padding", {"p": 0}), ("no-stride", {"s": 1}), ("no-dilation", {"d": 1}),
                        ("floor-ceil", {"ceil": not self.ceil})):
            v = self.out(n, axis, **kw)
            if v is not None and v != right and v not in out.values():
                out[pid] = v
        return out


def _pair(v) -> tuple[int, int]:
    return tuple(v) if isinstance(v, tuple) else (v, v)   # type: ignore[return-value]


def _steps(an, path: list[int]) -> list[Step]:
    out = []
    for i in path:
        li = an.layers[i]
        layer = li.node.layer
        if layer.kind not in ("conv", "pool") or not hasattr(layer, "kernel_size") or li.windows is None:
            continue
        d = _pair(getattr(layer, "dilation", (1, 1)))
        out.append(Step(i, li.name, layer.kind, _pair(layer.kernel_size), _pair(layer.stride), _pair(layer.padding),
                        d, bool(getattr(layer, "ceil_mode", False)), tuple(li.input_shapes[0][1:3]),
                        tuple(li.output_shape[1:3])))
    return out


def norm_name(text: str) -> str:
    """``\\text{conv1\\_1}`` -> ``conv1_1``; ``CONV1`` -> ``conv1``; ``fc_{7}`` -> ``fc7``."""
    t = re.sub(r"\\(?:text|mathrm|texttt|textit|mathit|operatorname|mbox)\s*", "", text)
    t = t.replace("\\_", "_").replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", "", t).strip(":.,").lower()


NAME_RE = re.compile(r"[a-z][a-z0-9_.\-]*")
_ORD_RE = re.compile(r"(conv|c|fc|f|linear|dense|pool|maxpool|avgpool|s|p|bn|layer|stage|block)[_\-]?(\d+)")


class Facts:
    """Per-layer numbers of an analysed network (``an``), with steps on the path to ``target`` and to the last
    spatial layer, and the writer's names for its layers."""

    def __init__(self, an, target_name: str) -> None:
        self.an = an
        layers = an.layers
        self.rf_steps = _steps(an, an.path(target_name))
        self.size_steps = _steps(an, an.path(an.feature_layer().name))
        self.by_index = {st.index: st for st in _steps(an, list(range(len(layers))))}
        self.index = dict(an.network._index)
        self.kinds = {k: [li.index for li in layers if li.node.layer.kind == k] for k in ("conv", "fc", "pool", "bn")}
        down = self._downsample()
        # the orders layers are numbered in: with weights (AlexNet's fc6), and with the pools (LeNet's S2, F6)
        self.orders = [[li.index for li in layers if li.node.layer.kind in ("conv", "fc") and li.index not in down],
                       [li.index for li in layers if li.index not in down and (li.node.layer.kind in ("conv", "fc")
                        or (li.node.layer.kind == "pool" and li.index in self.by_index))]]
        self.square = all(li.output_shape[1] == li.output_shape[2] for li in layers if len(li.output_shape) == 3)

    def _downsample(self) -> set[int]:
        return {li.index for li in self.an.layers if "downsample" in li.name}

    # --------------------------------------------------------------------------------------------- names
    def layers_named(self, text: str) -> list[tuple[int, ...]]:
        """Every reading of a written layer name, as tuples of layer indices (a stage is many); [] if none."""
        name = norm_name(text)
        if not name or not NAME_RE.fullmatch(name):
            return []
        out: list[tuple[int, ...]] = []
        for cand in (name, name.replace("_", "."), name.replace("-", ".")):
            if cand in self.index:
                out.append((self.index[cand],))
            group = tuple(li.index for li in self.an.layers if li.name.startswith(cand + "."))
            if group:
                out.append(group)
        if out and any(len(o) == 1 for o in out):
            return [o for o in out if len(o) == 1][:1]   # the network's own name (or alias) wins
        if name == "output" and self.kinds["fc"]:
            out.append((self.kinds["fc"][-1],))
        m = _ORD_RE.fullmatch(name)
        if m:
            word, n = m.group(1), int(m.group(2))
            kind = {"conv": "conv", "c": "conv", "fc": "fc", "f": "fc", "linear": "fc", "dense": "fc", "pool": "pool",
                    "maxpool": "pool", "avgpool": "pool", "s": "pool", "p": "pool", "bn": "bn"}.get(word)
            if kind:
                own = [i for i in self.kinds[kind] if i not in self._downsample() or kind == "bn"]
                if kind == "pool":
                    own = [i for i in own if i in self.by_index]
                if 1 <= n <= len(own):
                    out.append((own[n - 1],))
                orders = {"c": self.orders[1:], "s": self.orders[1:], "f": self.orders, "p": self.orders[1:],
                          "fc": self.orders[:1], "linear": self.orders[:1], "dense": self.orders[:1]}
                for order in orders.get(word, []):
                    if 1 <= n <= len(order) and self.an.layers[order[n - 1]].node.layer.kind == kind:
                        out.append((order[n - 1],))   # the papers' fc6, LeCun's C1 S2 C3 F6
        seen: list[tuple[int, ...]] = []
        for o in out:
            if o not in seen:
                seen.append(o)
        return seen

    # --------------------------------------------------------------------------------------------- counts
    def params(self, group: tuple[int, ...], *, bias: bool = True, downsample: bool = True) -> int:
        total = 0
        for i in group:
            li = self.an.layers[i]
            if not downsample and "downsample" in li.name:
                continue
            total += li.weights + (li.biases if bias or li.node.layer.kind == "bn" else 0)
        return total

    def count_readings(self, group: tuple[int, ...]) -> set[int]:
        """Correct numbers a name may carry: its parameters (with the batch norm that follows a single layer),
        its output's size and element count, its multiply-accumulates."""
        out = {self.params(group)}
        if len(group) > 1:   # a stage's convolutions, its batch norms counted apart (N_bn)
            out.add(sum(self.an.layers[i].params for i in group if self.an.layers[i].node.layer.kind != "bn"))
        if len(group) == 1:
            i = group[0]
            li = self.an.layers[i]
            if li.macs != li.weights:   # a linear layer's MACs are its weights: that is the count without biases
                out.add(li.macs)
            out.add(li.activations)
            out.update(li.output_shape[1:3] if len(li.output_shape) == 3 else ())
            nxt = i + 1
            if nxt < len(self.an.layers) and self.an.layers[nxt].node.layer.kind == "bn":
                out.add(li.params + self.an.layers[nxt].params)
        out.discard(0)
        return out

    def count_mistakes(self, group: tuple[int, ...]) -> dict[str, int]:
        """The group's parameter count under each perturbation that changes it."""
        right = self.params(group)
        out = {}
        nb = self.params(group, bias=False)
        if nb != right:
            out["params-no-bias"] = nb
        nd = self.params(group, downsample=False)
        if nd != right and nd not in out.values():
            out["no-downsample"] = nd
        return out

    def all_groups(self) -> list[tuple[int, ...]]:
        """Every layer with parameters and every named prefix group (stages, blocks): for value-based readings."""
        out: list[tuple[int, ...]] = [(li.index,) for li in self.an.layers if li.params]
        prefixes: dict[str, list[int]] = {}
        for li in self.an.layers:
            parts = li.name.split(".")
            for n in range(1, len(parts)):
                prefixes.setdefault(".".join(parts[:n]), []).append(li.index)
        out.extend(tuple(v) for v in prefixes.values() if len(v) > 1)
        return out

    def has_bias(self, i: int) -> bool:
        return self.an.layers[i].biases > 0


# ------------------------------------------------------------------------------------------ reading numbers

def is_literal(text: str) -> bool:
    return bool(re.fullmatch(r"\s*[-+]?\s*\d[\d,\s]*(?:\.\d*)?\s*", text or ""))


def ints(text: str) -> list[int]:
    """The whole numbers written in a side, in order (decimals left out)."""
    return [int(m.group(0)) for m in re.finditer(r"(?<![\d.])\d+(?![\d.])", text)]


def floored(v: Any, target: Any, rel: str, lhs: str) -> bool:
    """``(224 + 2·2 - 11)/4 + 1 = 55``: an output size is the floor of the division, written without ⌊⌋."""
    return (rel == "=" and "/" in lhs or "frac" in lhs) and target.is_Rational and not target.is_Integer \
        and v.is_Integer and (v == sympy.floor(target) or v == sympy.ceiling(target))
