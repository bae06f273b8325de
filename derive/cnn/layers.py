"""Layer records of a CNN and the arithmetic of one layer: output shape, parameters, window, MACs.

A layer knows nothing about its name or its place in the network (see :mod:`derive.cnn.network`); it maps input
shapes to an output shape. Shapes are ``(C, H, W)`` for feature maps and ``(F,)`` after ``Flatten``. Every bad
value raises :class:`~derive.errors.InputError`; the network adds the layer's name and spec line to the message.

Conventions (PyTorch's): output size ``floor((n + 2p - d(k-1) - 1) / s) + 1`` (``ceil`` for pooling with
``ceil_mode``); BatchNorm2d has ``2C`` trainable parameters (running statistics are buffers, not parameters);
MACs count the multiply-accumulates of the weights of Conv2d and Linear only (bias additions, pooling, normalisation
and activations are not multiply-accumulates of weights and count 0).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from derive.errors import InputError

Shape = tuple[int, ...]
Pair = tuple[int, int]

MAX_DIM = 10 ** 7  # largest channel count / kernel / size accepted (keeps output readable, arithmetic exact)


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
    """How one axis of a layer maps to its input: effective kernel, stride, left padding (``uniform`` False for
    adaptive pooling whose windows differ in size)."""

    k: int
    s: int
    p: int
    uniform: bool = True


ID_WINDOW = Window(1, 1, 0)


@dataclass(frozen=True)
class Layer:
    """Base record. ``type_name`` is PyTorch's class name; ``kind`` groups layers for parameter totals."""

    type_name: ClassVar[str] = "Layer"
    kind: ClassVar[str] = "other"     # "conv", "fc", "bn", "pool", "act", "other"
    arity: ClassVar[int] = 1          # inputs taken (0 = any number >= 2)

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
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out


@dataclass(frozen=True)
class Conv2d(Layer):
    out_channels: int
    kernel_size: Pair
    stride: Pair = (1, 1)
    padding: Pair = (0, 0)
    dilation: Pair = (1, 1)
    groups: int = 1
    bias: bool = True
    in_channels: int | None = None   # optional: checked against the input when given
    type_name: ClassVar[str] = "Conv2d"
    kind: ClassVar[str] = "conv"

    def __post_init__(self) -> None:
        object.__setattr__(self, "out_channels", int_at_least(self.out_channels, "out_channels"))
        object.__setattr__(self, "kernel_size", pair(self.kernel_size, "kernel_size"))
        object.__setattr__(self, "stride", pair(self.stride, "stride"))
        object.__setattr__(self, "padding", pair(self.padding, "padding", 0))
        object.__setattr__(self, "dilation", pair(self.dilation, "dilation"))
        object.__setattr__(self, "groups", int_at_least(self.groups, "groups"))
        if not isinstance(self.bias, bool):
            raise InputError(f"bias must be true or false, not {self.bias!r}")
        if self.in_channels is not None:
            object.__setattr__(self, "in_channels", int_at_least(self.in_channels, "in_channels"))
        if self.out_channels % self.groups:
            raise InputError(f"out_channels {self.out_channels} is not divisible by groups {self.groups}")

    def _cin(self, ins: list[Shape]) -> int:
        need_map(ins[0], self.type_name)
        c = ins[0][0]
        if self.in_channels is not None and self.in_channels != c:
            raise InputError(f"channel mismatch: in_channels is {self.in_channels} but the input has {c} channels")
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


@dataclass(frozen=True)
class BatchNorm2d(Layer):
    num_features: int | None = None
    affine: bool = True
    type_name: ClassVar[str] = "BatchNorm2d"
    kind: ClassVar[str] = "bn"

    def __post_init__(self) -> None:
        if self.num_features is not None:
            object.__setattr__(self, "num_features", int_at_least(self.num_features, "num_features"))
        if not isinstance(self.affine, bool):
            raise InputError(f"affine must be true or false, not {self.affine!r}")

    def output_shape(self, ins: list[Shape]) -> Shape:
        need_map(ins[0], self.type_name)
        if self.num_features is not None and self.num_features != ins[0][0]:
            raise InputError(f"channel mismatch: num_features is {self.num_features} but the input has "
                             f"{ins[0][0]} channels")
        return ins[0]

    def params(self, ins: list[Shape]) -> tuple[int, int]:
        c = ins[0][0]  # gamma (a weight per channel) and beta (a bias per channel)
        return (c, c) if self.affine else (0, 0)


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


@dataclass(frozen=True)
class Linear(Layer):
    out_features: int
    bias: bool = True
    in_features: int | None = None   # optional: checked against the flattened input when given
    type_name: ClassVar[str] = "Linear"
    kind: ClassVar[str] = "fc"

    def __post_init__(self) -> None:
        object.__setattr__(self, "out_features", int_at_least(self.out_features, "out_features"))
        if self.in_features is not None:
            object.__setattr__(self, "in_features", int_at_least(self.in_features, "in_features"))
        if not isinstance(self.bias, bool):
            raise InputError(f"bias must be true or false, not {self.bias!r}")

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

    def windows(self, ins: list[Shape]) -> None:
        return None


@dataclass(frozen=True)
class ZeroPad2d(Layer):
    """Zero padding (left, right, top, bottom), PyTorch's order; emulates TensorFlow's asymmetric SAME padding."""

    padding: tuple[int, int, int, int]
    type_name: ClassVar[str] = "ZeroPad2d"

    def __post_init__(self) -> None:
        p = self.padding
        if isinstance(p, (list, tuple)):
            if len(p) != 4:
                raise InputError(f"padding must be one number or [left, right, top, bottom], not {list(p)!r}")
            vals = tuple(int_at_least(v, "padding", 0) for v in p)
        else:
            vals = (int_at_least(p, "padding", 0),) * 4
        object.__setattr__(self, "padding", vals)

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
