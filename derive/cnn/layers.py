"""Layer records of a CNN and the arithmetic of one layer: output shape, parameters, window, MACs.

A layer knows nothing about its name or its place in the network (see :mod:`derive.cnn.network`); it maps input
shapes to an output shape. Shapes are ``(C, H, W)`` for feature maps and ``(F,)`` after ``Flatten``. Every bad
value raises :class:`~derive.errors.InputError`; the network adds the layer's name and spec line to the message.

Constructors take torch.nn's arguments in torch's order: ``Conv2d(3, 16, 3)`` maps 3 channels to 16, 3×3. The size
the input tells (``in_channels``, ``in_features``) may be left out, keyword-only, as torch's ``LazyConv2d`` does:
``Conv2d(out_channels=16, kernel_size=3)``. A call in derive's old order (out first) is an error showing both
readings, never a layer built from the wrong one.

Conventions (PyTorch's): output size ``floor((n + 2p - d(k-1) - 1) / s) + 1`` (``ceil`` for pooling with
``ceil_mode``); BatchNorm2d has ``2C`` trainable parameters (running statistics are buffers, not parameters);
MACs count the multiply-accumulates of the weights of Conv2d and Linear only (bias additions, pooling, normalisation
and activations are not multiply-accumulates of weights and count 0).
"""
from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from derive.errors import InputError, shown

Shape = tuple[int, ...]
Pair = tuple[int, int]
IntPair = int | tuple[int, int]   # torch's ``_size_2_t``: one number for both axes, or (height, width)

MAX_DIM = 10 ** 7  # largest channel count / kernel / size accepted (keeps output readable, arithmetic exact)
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")   # torch's; none changes a shape or a count


def int_at_least(value: Any, what: str, low: int = 1) -> int:
    """``value`` as a whole number of at least ``low`` (2.0 is 2), or an InputError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputError(f"{what} must be a whole number, not {value!r}")
    if value < low or value > MAX_DIM:
        raise InputError(f"{what} must be a whole number from {low} to {MAX_DIM}, not {value}")
    return value


def pair(value: Any, what: str, low: int = 1) -> Pair:
    """``3`` -> ``(3, 3)``; ``[3, 5]`` -> ``(3, 5)`` (height, width), each checked."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise InputError(f"{what} must be one number or a pair [height, width], not {list(value)!r}")
        return (int_at_least(value[0], what, low), int_at_least(value[1], what, low))
    v = int_at_least(value, what, low)
    return (v, v)


def is_map(shape: Shape) -> bool:
    return len(shape) == 3


def shape_text(shape: Shape, sep: str = "×") -> str:
    return sep.join(str(n) for n in shape)


def need_map(shape: Shape, kind: str) -> None:
    if not is_map(shape):
        raise InputError(f"{kind} needs a C×H×W feature map, but its input is flat ({shape_text(shape)})")


def window_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool, axis: str) -> int:
    """Output length along one axis (PyTorch's formula, with its ceil_mode rule).

    With ``ceil_mode`` PyTorch accepts a window up to ``s - 1`` wider than the padded input (one output), so the
    test is on the output length, not on the kernel alone.
    """
    extent = d * (k - 1) + 1
    span = n + 2 * p - extent
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1   # floor division, as PyTorch's div_rtn
    if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
        out -= 1
    if out <= 0:
        ktext = f"{k}" if d == 1 else f"{k} (dilated extent {extent})"
        raise InputError(f"kernel {ktext} is larger than the {'padded ' if p else ''}input {axis} "
                         f"{n + 2 * p}" + (f" ({n} + 2×{p})" if p else ""))
    return out


@dataclass(frozen=True)
class Window:
    """One axis of a layer on its input: effective kernel, stride, left padding (not uniform: adaptive pooling)."""

    k: int
    s: int
    p: int
    uniform: bool = True


ID_WINDOW = Window(1, 1, 0)


def bool_field(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{what} must be true or false, not {shown(value)}")
    return value


def call_text(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``Conv2d(64, 3, padding=1)``: a call as written, for a message."""
    parts = [shown(a, 30) for a in args] + [f"{k}={shown(v, 30)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


@functools.cache   # presets build hundreds of layers
def init_params(cls: type) -> tuple[str, ...]:
    """The constructor's parameter names in order."""
    return tuple(inspect.signature(cls.__init__).parameters)[1:]


@dataclass(frozen=True)
class Layer:
    """Base record. ``type_name`` is PyTorch's class name; ``kind`` groups layers for parameter totals."""

    type_name: ClassVar[str] = "Layer"
    kind: ClassVar[str] = "other"     # "conv", "fc", "bn", "pool", "act", "other"
    arity: ClassVar[int] = 1          # inputs taken (0 = any number >= 2)
    torch_required: ClassVar[tuple[str, ...]] = ()   # torch's required arguments; the first may be left out
    usage: ClassVar[str] = ""
    old_order: ClassVar[tuple[str, ...]] = ()   # derive's positional order before it took torch's
    channels_field: ClassVar[str] = ""         # the field that fixes the input's channels, if any

    def __new__(cls, *args: Any, **kwargs: Any) -> Layer:
        # Which arguments were positional is known here only (__init__ sees bound values): an old-order call
        # must be an error that says how to write it, not Python's bare TypeError or a different layer.
        if args or kwargs:   # (no arguments: a copy or unpickling, or a layer without any)
            cls._check_call(args, kwargs)
        return super().__new__(cls)

    @classmethod
    def _check_call(cls, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        names = init_params(cls)
        positional = dict(zip(names, args))
        twice = [n for n in positional if n in kwargs]
        lazy, *required = cls.torch_required or ("",)
        missing = [n for n in required if {**positional, **kwargs}.get(n) is None]
        if not twice and not missing:
            return
        usage = cls.usage or f"{cls.__name__}({', '.join(names)})"
        if not twice and positional.get(lazy) is None:   # the keyword-only form, a field left out
            raise InputError(f"{cls.__name__} needs {' and '.join(missing)}: {usage}")
        what = (f"{twice[0]} twice (argument {names.index(twice[0]) + 1} and by keyword)" if twice
                else f"no {' and no '.join(missing)}")
        msg = f"{call_text(cls.__name__, args, kwargs)} gives {what}; {cls.__name__} takes torch's arguments: {usage}"
        old = dict(zip(cls.old_order, args))
        if cls.old_order and len(args) <= len(cls.old_order) and not set(old) & set(kwargs):
            old.update(kwargs)
            msg += f". In derive's old order (out first) it meant {call_text(cls.__name__, (), old)}: write that"
        raise InputError(msg)

    def input_channels(self) -> int | None:
        """The input channel count this layer was built for (None: taken from its input)."""
        return getattr(self, self.channels_field) if self.channels_field else None

    def output_shape(self, ins: list[Shape]) -> Shape:
        return ins[0]

    def params(self, ins: list[Shape]) -> tuple[int, int]:
        """(weights, biases) trainable parameter counts."""
        return (0, 0)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return 0

    def windows(self, ins: list[Shape]) -> tuple[Window, Window] | None:
        """(height, width) windows for the receptive-field recurrence; None once the map is flattened."""
        return (ID_WINDOW, ID_WINDOW) if is_map(ins[0]) else None

    def config(self) -> dict[str, Any]:
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v for f in fields(self)}


def _set(obj: Layer, **values: Any) -> None:
    for k, v in values.items():
        object.__setattr__(obj, k, v)   # frozen records: set once, in __init__


@dataclass(frozen=True, init=False)
class Conv2d(Layer):
    """torch.nn.Conv2d, in torch's order; without ``in_channels`` (keyword-only form) it takes the input's."""

    in_channels: int | None
    out_channels: int
    kernel_size: Pair
    stride: Pair
    padding: Pair
    dilation: Pair
    groups: int
    bias: bool
    padding_mode: str
    type_name: ClassVar[str] = "Conv2d"
    kind: ClassVar[str] = "conv"
    torch_required: ClassVar[tuple[str, ...]] = ("in_channels", "out_channels", "kernel_size")
    usage: ClassVar[str] = ("Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, "
                            "groups=1, bias=True), or Conv2d(out_channels=..., kernel_size=..., ...) to take "
                            "in_channels from the input")
    old_order: ClassVar[tuple[str, ...]] = ("out_channels", "kernel_size", "stride", "padding", "dilation",
                                            "groups", "bias", "in_channels")
    channels_field: ClassVar[str] = "in_channels"

    def __init__(self, in_channels: int | None = None, out_channels: int | None = None,
                 kernel_size: IntPair | None = None, stride: IntPair = 1, padding: IntPair | str = 0,
                 dilation: IntPair = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        del device, dtype   # torch's placement of the weights: no effect on shapes or counts
        if padding_mode not in PADDING_MODES:
            raise InputError(f"padding_mode must be one of {', '.join(PADDING_MODES)}, not {shown(padding_mode)}")
        _set(self, in_channels=None if in_channels is None else int_at_least(in_channels, "in_channels"),
             out_channels=int_at_least(out_channels, "out_channels"), kernel_size=pair(kernel_size, "kernel_size"),
             stride=pair(stride, "stride"), dilation=pair(dilation, "dilation"), groups=int_at_least(groups, "groups"),
             bias=bool_field(bias, "bias"), padding_mode=padding_mode)
        _set(self, padding=pair(padding, "padding", 0) if not isinstance(padding, str) else self._named(padding))
        for what in ("out_channels", "in_channels"):
            if (getattr(self, what) or 0) % self.groups:
                raise InputError(f"{what} {getattr(self, what)} is not divisible by groups {self.groups}")

    def _named(self, padding: str) -> Pair:
        """torch's ``padding='valid'`` (none) and ``'same'`` (output size = input size, stride 1)."""
        if padding not in ("same", "valid"):
            raise InputError(f"padding must be a number, a pair, 'same' or 'valid', not {shown(padding)}")
        if padding == "valid":
            return (0, 0)
        if self.stride != (1, 1):
            raise InputError("padding 'same' needs stride 1 (torch refuses it for strided convolutions too)")
        th, tw = (self.dilation[a] * (self.kernel_size[a] - 1) for a in (0, 1))
        if th % 2 or tw % 2:
            # torch pads these unevenly (the extra row/column at the bottom/right); this record pads alike
            raise InputError(f"padding 'same' with kernel extent {th + 1}×{tw + 1} pads unevenly; write "
                             f"ZeroPad2d(({tw // 2}, {tw - tw // 2}, {th // 2}, {th - th // 2})) before a Conv2d "
                             "with padding=0")
        return (th // 2, tw // 2)

    def _cin(self, ins: list[Shape]) -> int:
        need_map(ins[0], self.type_name)
        c = ins[0][0]
        if self.in_channels is not None and self.in_channels != c:
            # an old-order call with three numbers reads as torch's; here is where it shows
            raise InputError(f"channel mismatch: in_channels is {self.in_channels} but the input has {c} channels "
                             "(torch's order is Conv2d(in_channels, out_channels, kernel_size); "
                             "Conv2d(out_channels=..., kernel_size=...) takes in_channels from the input)")
        if c % self.groups:
            raise InputError(f"input channels {c} are not divisible by groups {self.groups}")
        return c

    def output_shape(self, ins: list[Shape]) -> Shape:
        self._cin(ins)
        _, h, w = ins[0]
        return (self.out_channels,
                window_out(h, self.kernel_size[0], self.stride[0], self.padding[0], self.dilation[0], False, "height"),
                window_out(w, self.kernel_size[1], self.stride[1], self.padding[1], self.dilation[1], False, "width"))

    def params(self, ins: list[Shape]) -> tuple[int, int]:
        fan_in = self._cin(ins) // self.groups * self.kernel_size[0] * self.kernel_size[1]
        return (fan_in * self.out_channels, self.out_channels if self.bias else 0)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        fan_in = self._cin(ins) // self.groups * self.kernel_size[0] * self.kernel_size[1]
        return out[0] * out[1] * out[2] * fan_in

    def windows(self, ins: list[Shape]) -> tuple[Window, Window]:
        return tuple(Window(self.dilation[a] * (self.kernel_size[a] - 1) + 1, self.stride[a], self.padding[a])
                     for a in (0, 1))  # type: ignore[return-value]


@dataclass(frozen=True, init=False)
class BatchNorm2d(Layer):
    """torch.nn.BatchNorm2d, in torch's order; without ``num_features`` it takes the input's channels."""

    num_features: int | None
    eps: float
    momentum: float | None
    affine: bool
    track_running_stats: bool
    bias: bool
    type_name: ClassVar[str] = "BatchNorm2d"
    kind: ClassVar[str] = "bn"
    usage: ClassVar[str] = "BatchNorm2d(num_features, eps=1e-05, momentum=0.1, affine=True, *, bias=True)"
    channels_field: ClassVar[str] = "num_features"

    def __init__(self, num_features: int | None = None, eps: float = 1e-05, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None, dtype: Any = None,
                 *, bias: bool = True) -> None:
        del device, dtype   # torch's placement of the weights: no effect on shapes or counts
        if isinstance(eps, bool):   # derive's old second argument was affine: BatchNorm2d(64, False)
            raise InputError(f"eps must be a positive number, not {eps}: the second argument is eps, as in torch "
                             f"(write affine={eps})")
        if not isinstance(eps, (int, float)) or not 0 < eps < math.inf:
            raise InputError(f"eps must be a positive number, not {shown(eps)}")
        if momentum is not None and (isinstance(momentum, bool) or not isinstance(momentum, (int, float))
                                     or not 0 <= momentum <= 1):
            raise InputError(f"momentum must be a number from 0 to 1, or None, not {shown(momentum)}")
        _set(self, num_features=None if num_features is None else int_at_least(num_features, "num_features"),
             eps=eps, momentum=momentum, affine=bool_field(affine, "affine"), bias=bool_field(bias, "bias"),
             track_running_stats=bool_field(track_running_stats, "track_running_stats"))

    def output_shape(self, ins: list[Shape]) -> Shape:
        need_map(ins[0], self.type_name)
        if self.num_features is not None and self.num_features != ins[0][0]:
            raise InputError(f"channel mismatch: num_features is {self.num_features} but the input has "
                             f"{ins[0][0]} channels")
        return ins[0]

    def params(self, ins: list[Shape]) -> tuple[int, int]:
        c = ins[0][0]  # gamma (a weight per channel) and beta (a bias per channel, unless bias=False)
        return (c, c if self.bias else 0) if self.affine else (0, 0)


# Parameter-free element-wise layers, by PyTorch class name.
ACTIVATIONS = ("ReLU", "ReLU6", "LeakyReLU", "ELU", "GELU", "SiLU", "Mish", "Sigmoid", "Tanh", "Hardswish",
               "Hardsigmoid", "Softmax", "LogSoftmax", "Identity")


@dataclass(frozen=True)
class Activation(Layer):
    function: str = "ReLU"
    kind: ClassVar[str] = "act"

    def __post_init__(self) -> None:
        if self.function not in ACTIVATIONS:
            raise InputError(f"unknown activation {self.function!r}; known: {', '.join(ACTIVATIONS)}")

    @property
    def type_name(self) -> str:  # type: ignore[override]
        return self.function


@dataclass(frozen=True)
class Dropout(Layer):
    p: float = 0.5
    type_name: ClassVar[str] = "Dropout"

    def __post_init__(self) -> None:
        if isinstance(self.p, bool) or not isinstance(self.p, (int, float)) or not 0 <= self.p <= 1:
            raise InputError(f"dropout p must be a number from 0 to 1, not {self.p!r}")


@dataclass(frozen=True)
class Flatten(Layer):
    type_name: ClassVar[str] = "Flatten"

    def output_shape(self, ins: list[Shape]) -> Shape:
        return (math.prod(ins[0]),)

    def windows(self, ins: list[Shape]) -> None:
        return None


@dataclass(frozen=True, init=False)
class Linear(Layer):
    """torch.nn.Linear, in torch's order; without ``in_features`` (keyword-only form) it takes the input's."""

    in_features: int | None
    out_features: int
    bias: bool
    type_name: ClassVar[str] = "Linear"
    kind: ClassVar[str] = "fc"
    torch_required: ClassVar[tuple[str, ...]] = ("in_features", "out_features")
    usage: ClassVar[str] = ("Linear(in_features, out_features, bias=True), or Linear(out_features=...) to take "
                            "in_features from the input")
    old_order: ClassVar[tuple[str, ...]] = ("out_features", "bias", "in_features")

    def __init__(self, in_features: int | None = None, out_features: int | None = None, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        del device, dtype   # torch's placement of the weights: no effect on shapes or counts
        _set(self, in_features=None if in_features is None else int_at_least(in_features, "in_features"),
             out_features=int_at_least(out_features, "out_features"), bias=bool_field(bias, "bias"))

    def _fin(self, ins: list[Shape]) -> int:
        if is_map(ins[0]):
            raise InputError(f"Linear needs a flat input; its input is a {shape_text(ins[0])} feature map "
                             "(add a flatten layer before it)")
        n = ins[0][0]
        if self.in_features is not None and self.in_features != n:
            raise InputError(f"size mismatch: in_features is {self.in_features} but the input has {n} features")
        return n

    def output_shape(self, ins: list[Shape]) -> Shape:
        self._fin(ins)
        return (self.out_features,)

    def params(self, ins: list[Shape]) -> tuple[int, int]:
        return (self._fin(ins) * self.out_features, self.out_features if self.bias else 0)

    def macs(self, ins: list[Shape], out: Shape) -> int:
        return self._fin(ins) * self.out_features


@dataclass(frozen=True)
class ZeroPad2d(Layer):
    """Zero padding (left, right, top, bottom), PyTorch's order; emulates TensorFlow's asymmetric SAME padding."""

    padding: tuple[int, int, int, int]
    type_name: ClassVar[str] = "ZeroPad2d"

    def __post_init__(self) -> None:
        p = self.padding if isinstance(self.padding, (list, tuple)) else (self.padding,) * 4
        if len(p) != 4:
            raise InputError(f"padding must be one number or [left, right, top, bottom], not {list(p)!r}")
        object.__setattr__(self, "padding", tuple(int_at_least(v, "padding", 0) for v in p))

    def output_shape(self, ins: list[Shape]) -> Shape:
        need_map(ins[0], self.type_name)
        left, right, top, bottom = self.padding
        c, h, w = ins[0]
        return (c, h + top + bottom, w + left + right)

    def windows(self, ins: list[Shape]) -> tuple[Window, Window]:
        return (Window(1, 1, self.padding[2]), Window(1, 1, self.padding[0]))


@dataclass(frozen=True)
class Add(Layer):
    """Element-wise sum of two or more equal shapes (a residual connection)."""

    type_name: ClassVar[str] = "Add"
    arity: ClassVar[int] = 0

    def output_shape(self, ins: list[Shape]) -> Shape:
        first = ins[0]
        for i, s in enumerate(ins[1:], 2):
            if s != first:
                what = ("channel mismatch" if len(s) == len(first) == 3 and s[0] != first[0]
                        else "shape mismatch")
                raise InputError(f"{what} in addition: input 1 is {shape_text(first)}, input {i} is {shape_text(s)}")
        return first


@dataclass(frozen=True)
class Concat(Layer):
    """Concatenation along channels of feature maps with equal height and width."""

    type_name: ClassVar[str] = "Concat"
    arity: ClassVar[int] = 0

    def output_shape(self, ins: list[Shape]) -> Shape:
        for i, s in enumerate(ins, 1):
            need_map(s, self.type_name)
            if s[1:] != ins[0][1:]:
                raise InputError(f"size mismatch in concatenation: input 1 is {shape_text(ins[0])}, "
                                 f"input {i} is {shape_text(s)} (heights and widths must agree)")
        return (sum(s[0] for s in ins),) + ins[0][1:]
