"""A CNN as a DAG of named layers, and its analysis: shapes, parameters, MACs and receptive fields per layer.

Receptive field (Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks", Distill
2019), per axis, along one path from the input: with kernel extent ``k = d(k-1)+1``, stride ``s`` and left padding
``p`` of each layer,

    r <- r + (k - 1) j,    j <- j s,    P <- P + p j        (r = j = 1, P = 0 at the input)

``r`` is the size of the field in input pixels, ``j`` the jump (effective stride) and ``P`` the effective padding;
the first output unit sees input pixels ``-P .. r - 1 - P``, centred at ``start = (r - 1)/2 - P``.

Through a DAG (residual additions, concatenations) every path has its own ``(r, j, P)``; the receptive field is the
largest over paths. A later layer grows ``r`` by ``(k-1) j``, so a path with a smaller ``r`` but a larger ``j`` can
overtake: each node therefore keeps the paths that are not dominated in both ``r`` and ``j`` (a Pareto set, one or
two entries in practice), which makes the maximum exact for every layer, not only the last.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

from derive.cnn.layers import Layer, Pair, Shape, Window, int_at_least, is_map, pair, shape_text
from derive.cnn.pooling import AdaptiveAvgPool2d
from derive.errors import InputError, LimitError, shown

MAX_LAYERS = 100_000
MAX_INPUT = 100_000
BYTES_PER_VALUE = 4  # float32 activations


@dataclass(frozen=True)
class Node:
    """One layer application: its name, layer record, input names, an optional alias and where it was written."""

    name: str
    layer: Layer
    inputs: tuple[str, ...]
    alias: str = ""
    where: str = ""

    def location(self) -> str:
        label = f"layer {self.name!r} ({self.layer.type_name})"
        return f"{self.where}, {label}" if self.where else label


class Network:
    """A network under construction: ``net.add(Conv2d(3, 64, 3, padding=1))`` (torch's order) or
    ``net.add(Conv2d(out_channels=64, kernel_size=3, padding=1))`` (in_channels from the input) appends after the
    last node; ``inputs=[...]`` wires a DAG (names must already exist, so the order is a topological order)."""

    def __init__(self, name: str, in_channels: int = 3, input_size: int | Pair = 224,
                 input_name: str = "input") -> None:
        self.name = name
        self.in_channels = int_at_least(in_channels, "input channels")
        self.input_size = check_input_size(input_size)
        self.input_name = input_name
        self.nodes: list[Node] = []
        self._index: dict[str, int] = {}
        self._counts: dict[str, int] = {}

    def add(self, layer: Layer, name: str | None = None, inputs: Iterable[str] | str | None = None,
            alias: str = "", where: str = "") -> str:
        """Append ``layer``; returns its name (generated as ``conv2d_1``, ``relu_2``, ... when not given)."""
        if len(self.nodes) >= MAX_LAYERS:
            raise LimitError(f"more than {MAX_LAYERS} layers", where or None)
        if name is None:
            base = layer.type_name.lower()
            n = self._counts.get(base, 0) + 1
            while f"{base}_{n}" in self._index:
                n += 1
            self._counts[base] = n
            name = f"{base}_{n}"
        loc = Node(str(name), layer, (), alias, where).location()
        if not isinstance(name, str) or not name or name == self.input_name:
            raise InputError(f"layer name must be a non-empty string other than {self.input_name!r}", loc)
        if name in self._index or (alias and alias in self._index):
            raise InputError(f"duplicate layer name {name if name in self._index else alias!r}", loc)
        if inputs is None:
            ins: tuple[str, ...] = (self.nodes[-1].name if self.nodes else self.input_name,)
        else:
            ins = (inputs,) if isinstance(inputs, str) else tuple(inputs)
        for i in ins:
            if i != self.input_name and i not in self._index:
                raise InputError(f"unknown input {i!r} (inputs must name earlier layers or {self.input_name!r})", loc)
        if layer.arity == 1 and len(ins) != 1:
            raise InputError(f"{layer.type_name} takes one input, got {len(ins)}", loc)
        if layer.arity == 0 and len(ins) < 2:
            raise InputError(f"{layer.type_name} needs at least two inputs, got {len(ins)}", loc)
        self._index[name] = len(self.nodes)
        if alias:
            self._index[alias] = len(self.nodes)
        self.nodes.append(Node(name, layer, ins, alias, where))
        return name

    def find(self, name: str) -> int:
        """Index of a layer by name or alias."""
        if name not in self._index:
            raise InputError(f"no layer named {name!r} in {self.name}", "layer")
        return self._index[name]

    def __len__(self) -> int:
        return len(self.nodes)


def check_input_size(size: int | Pair | Iterable[int]) -> Pair:
    """An input size as (height, width): a positive whole number or a pair."""
    try:
        h, w = pair(size if isinstance(size, (int, float, list, tuple)) else list(size), "input size")
    except InputError as exc:
        raise InputError(exc.message, "input") from None
    if max(h, w) > MAX_INPUT:
        raise LimitError(f"input size {h}×{w} exceeds {MAX_INPUT}", "input")
    return (h, w)


InputShape = int | tuple[int, ...] | list[int]   # S, (H, W), (C, H, W) or torch's (N, C, H, W)


def check_input_shape(size: InputShape | Iterable[int], channels: int) -> Shape:
    """An input as (C, H, W): a size ``S`` or ``(H, W)`` takes ``channels``; ``(C, H, W)`` and torch's
    ``(N, C, H, W)`` give their own (the batch size N changes no per-sample figure, so it is only checked)."""
    iterable = isinstance(size, Iterable) and not isinstance(size, (str, bytes))
    dims = list(size) if iterable else [size]
    if len(dims) not in ((2, 3, 4) if iterable else (1,)) or not (iterable or isinstance(size, (int, float))):
        raise InputError(f"input must be a size, (H, W), (C, H, W) or (N, C, H, W), not {shown(size)}", "input")
    try:
        if len(dims) == 4:
            int_at_least(dims.pop(0), "the batch size N of an (N, C, H, W) input")
        if len(dims) == 3:
            channels = int_at_least(dims.pop(0), "the channels C of a (C, H, W) input")
    except InputError as exc:
        raise InputError(exc.message, "input") from None
    return (channels,) + check_input_size(dims if len(dims) == 2 else dims[0])


def _check_first_layers(net: Network, in_shape: Shape) -> None:
    """A layer built for a channel count (Conv2d's in_channels, BatchNorm2d's num_features) that reads the input
    must match the input's C: said here in terms of the input shape given, before any arithmetic."""
    for node in net.nodes:
        want = node.layer.input_channels() if net.input_name in node.inputs else None
        if want is not None and want != in_shape[0]:
            c, h, w = in_shape
            raise InputError(f"channel mismatch: {node.layer.channels_field} is {want} but the input is "
                             f"{shape_text(in_shape)} ({c} channel{'s' if c != 1 else ''}); give a {want}-channel "
                             f"input such as ({want}, {h}, {w}), or build the layer for {c}", node.location())


@dataclass(frozen=True)
class RFState:
    """The receptive field along one path on one axis (see the module docstring); ``prev`` points back."""

    r: int
    j: int
    p: int
    prev: tuple[int, int] | None   # (node index, state index); node index -1 is the input
    exact: bool = True


@dataclass(frozen=True)
class ReceptiveField:
    """Per axis (height, width): size, jump (effective stride), effective padding, centre of the first unit."""

    size: Pair
    jump: Pair
    padding: Pair
    exact: bool = True

    @property
    def start(self) -> tuple[float, float]:
        return tuple((r - 1) / 2 - p for r, p in zip(self.size, self.padding))  # type: ignore[return-value]


@dataclass(frozen=True)
class LayerInfo:
    index: int
    node: Node
    input_shapes: tuple[Shape, ...]
    output_shape: Shape
    weights: int
    biases: int
    macs: int
    windows: tuple[Window, Window] | None
    rf: ReceptiveField | None
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def params(self) -> int:
        return self.weights + self.biases

    @property
    def activations(self) -> int:
        return math.prod(self.output_shape)


@dataclass
class Analysis:
    """Everything computed about a network at one input size."""

    network: Network
    input_shape: Shape
    layers: list[LayerInfo]
    states: list[tuple[list[RFState], list[RFState]]] = field(repr=False, default_factory=list)
    notes: list[str] = field(default_factory=list)

    def layer(self, name: str) -> LayerInfo:
        return self.layers[self.network.find(name)]

    def params_by_kind(self) -> dict[str, int]:
        out = {"conv": 0, "fc": 0, "bn": 0, "other": 0}
        for li in self.layers:
            out[li.node.layer.kind if li.node.layer.kind in out else "other"] += li.params
        return out

    @property
    def total_params(self) -> int:
        return sum(li.params for li in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(li.macs for li in self.layers)

    def feature_layer(self) -> LayerInfo:
        """The last layer with a spatial output that is not adaptive pooling (VGG's pool5, ResNet's layer4)."""
        maps = [li for li in self.layers if li.rf is not None]
        if not maps:
            raise InputError(f"{self.network.name} has no layer with a spatial output")
        fixed = [li for li in maps if not isinstance(li.node.layer, AdaptiveAvgPool2d)]
        return (fixed or maps)[-1]

    def path(self, name: str, axis: int = 0) -> list[int]:
        """Node indices, input side first, of the path giving ``name`` its largest receptive field."""
        idx = self.network.find(name)
        states = self.states[idx][axis]
        if not states:
            raise InputError(f"layer {name!r} has a flat output: it has no receptive field in pixels")
        out = []
        cur: tuple[int, int] | None = (idx, 0)
        while cur is not None and cur[0] >= 0:
            out.append(cur[0])
            cur = self.states[cur[0]][axis][cur[1]].prev
        return out[::-1]


def _pareto(cands: list[RFState]) -> list[RFState]:
    """States not dominated in (r, j), largest r first; of equal (r, j) the first input's is kept."""
    kept: list[RFState] = []
    for s in sorted(cands, key=lambda s: (-s.r, -s.j)):  # stable: ties keep the inputs' order
        if not any(k.r >= s.r and k.j >= s.j for k in kept):
            kept.append(s)
    return kept


def _best_rf(states: tuple[list[RFState], list[RFState]]) -> ReceptiveField | None:
    if not states[0]:
        return None
    h, w = states[0][0], states[1][0]
    return ReceptiveField((h.r, w.r), (h.j, w.j), (h.p, w.p), all(s.exact for s in states[0] + states[1]))


def analyse(net: Network, input_size: InputShape | None = None) -> Analysis:
    """Shapes, parameters, MACs and receptive fields of every layer for one input of ``input_size``: a size ``S``
    or ``(H, W)`` (the network's channels), ``(C, H, W)`` or torch's ``(N, C, H, W)`` (figures per sample)."""
    if not net.nodes:
        raise InputError(f"network {net.name!r} has no layers")
    in_shape: Shape = ((net.in_channels,) + net.input_size if input_size is None
                       else check_input_shape(input_size, net.in_channels))
    _check_first_layers(net, in_shape)
    shapes: dict[str, Shape] = {net.input_name: in_shape}
    input_states = ([RFState(1, 1, 0, None)], [RFState(1, 1, 0, None)])
    all_states: list[tuple[list[RFState], list[RFState]]] = []
    layers: list[LayerInfo] = []
    notes: list[str] = []
    for idx, node in enumerate(net.nodes):
        ins = [shapes[i] for i in node.inputs]
        try:
            out = node.layer.output_shape(ins)
            weights, biases = node.layer.params(ins)
            macs = node.layer.macs(ins, out)
            wins = node.layer.windows(ins) if all(is_map(s) for s in ins) else None
        except InputError as exc:
            raise InputError(exc.message, node.location()) from None
        node_notes: list[str] = []
        states: tuple[list[RFState], list[RFState]] = ([], [])
        if wins is not None and is_map(out):
            src = [(net._index.get(i, -1) if i != net.input_name else -1) for i in node.inputs]
            for axis in (0, 1):
                win = wins[axis]
                cands = []
                for n_idx in src:
                    prev = input_states if n_idx < 0 else all_states[n_idx]
                    for s_idx, st in enumerate(prev[axis]):
                        cands.append(RFState(st.r + (win.k - 1) * st.j, st.j * win.s, st.p + win.p * st.j,
                                             (n_idx, s_idx), st.exact and win.uniform))
                states[axis].extend(_pareto(cands))
            node_notes = _merge_notes(node, src, all_states, input_states, wins)
        all_states.append(states)
        shapes[node.name] = out
        info = LayerInfo(idx, node, tuple(ins), out, weights, biases, macs, wins, _best_rf(states),
                         tuple(node_notes))
        layers.append(info)
        notes.extend(f"{node.name}: {n}" for n in node_notes)
    return Analysis(net, in_shape, layers, all_states, notes)


def _merge_notes(node: Node, src: list[int], all_states: list, input_states: tuple,
                 wins: tuple[Window, Window]) -> list[str]:
    """Say where paths differ (and whether their centres line up), so a reader knows which branch sets the field.

    Centres are compared as Araujo et al. do: the first unit's centre ``(r - 1)/2 - P`` must agree across paths.
    """
    notes = []
    per_axis = []
    for axis in (0, 1):
        best = []
        for name, n_idx in zip(node.inputs, src):
            st = (input_states if n_idx < 0 else all_states[n_idx])[axis]
            if st:
                best.append((name, st[0].r, st[0].j, (st[0].r - 1) / 2 - st[0].p))
        per_axis.append(best)
    square = per_axis[0] == per_axis[1]
    for axis, best in enumerate(per_axis[:1] if square else per_axis):
        label = "" if square else ("height ", "width ")[axis]
        if not wins[axis].uniform:
            notes.append(f"adaptive pooling windows differ in size here; the {label}receptive field uses the "
                         "largest window and is an upper bound")
        if len({(r, j) for _, r, j, _ in best}) > 1:
            parts = ", ".join(f"{r} (jump {j}) via {name}" for name, r, j, _ in best)
            notes.append(f"paths differ: {label}receptive field {parts}; the largest is reported")
        if len({c for *_, c in best}) > 1:
            notes.append(f"the paths' {label}receptive fields are not centred alike (first-unit centres "
                         + ", ".join(f"{c:g}" for *_, c in best) + ")")
    return notes
