"""Pooling layers: max and average pooling with PyTorch's output-size rule, and adaptive pooling.

Adaptive pooling from ``n`` to ``o`` uses PyTorch's windows ``[floor(i n / o), ceil((i+1) n / o))``; when ``o``
divides ``n`` they are an ordinary pooling with ``k = s = n / o``, otherwise their sizes differ and the
receptive-field recurrence takes the largest (an upper bound, flagged ``uniform=False``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from derive.cnn.layers import IntPair, Layer, Pair, Shape, Window, int_at_least, need_map, pair, window_out
from derive.errors import InputError

MAX_ADAPTIVE = 10_000

@dataclass(frozen=True)
class _Pool(Layer):
    kernel_size: Pair
    stride: Pair | None = None       # PyTorch: defaults to the kernel size
    padding: Pair = (0, 0)
    ceil_mode: bool = False
    kind: ClassVar[str] = "pool"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernel_size", pair(self.kernel_size, "kernel_size"))
        stride = self.kernel_size if self.stride is None else self.stride
        object.__setattr__(self, "stride", pair(stride, "stride"))
        object.__setattr__(self, "padding", pair(self.padding, "padding", 0))
        if not isinstance(self.ceil_mode, bool):
            raise InputError(f"ceil_mode must be true or false, not {self.ceil_mode!r}")
        for a in (0, 1):
            if self.padding[a] > self._extent(a) // 2:  # PyTorch rejects it too
                raise InputError(f"padding {self.padding[a]} must be at most half the kernel extent "
                                 f"{self._extent(a)}")

    def _dil(self, a: int) -> int:
        return 1

    def _extent(self, a: int) -> int:
        return self._dil(a) * (self.kernel_size[a] - 1) + 1

    def output_shape(self, ins: list[Shape]) -> Shape:
        need_map(ins[0], self.type_name)
        c, h, w = ins[0]
        assert self.stride is not None
        return (c,) + tuple(window_out(n, self.kernel_size[a], self.stride[a], self.padding[a], self._dil(a),
                                       self.ceil_mode, ("height", "width")[a])
                            for a, n in enumerate((h, w)))

    def windows(self, ins: list[Shape]) -> tuple[Window, Window]:
        assert self.stride is not None
        return tuple(Window(self._extent(a), self.stride[a], self.padding[a]) for a in (0, 1))  # type: ignore


@dataclass(frozen=True, init=False)
class MaxPool2d(_Pool):
    """torch.nn.MaxPool2d, in torch's order: ``MaxPool2d(kernel_size, stride=None, padding=0, dilation=1,
    return_indices=False, ceil_mode=False)``."""

    dilation: Pair = (1, 1)
    type_name: ClassVar[str] = "MaxPool2d"

    def __init__(self, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0,
                 dilation: IntPair = 1, return_indices: bool = False, ceil_mode: bool = False) -> None:
        del return_indices   # where each maximum came from: no effect on shapes or counts
        object.__setattr__(self, "dilation", dilation)
        _Pool.__init__(self, kernel_size, stride, padding, ceil_mode)   # sets the rest, then __post_init__

    def __post_init__(self) -> None:
        object.__setattr__(self, "dilation", pair(self.dilation, "dilation"))
        super().__post_init__()

    def _dil(self, a: int) -> int:
        return self.dilation[a]


@dataclass(frozen=True)
class AvgPool2d(_Pool):
    """torch.nn.AvgPool2d, in torch's order: ``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False,
    count_include_pad=True, divisor_override=None)`` (the last two change values, not shapes)."""

    count_include_pad: bool = True
    divisor_override: int | None = None
    type_name: ClassVar[str] = "AvgPool2d"

    def __post_init__(self) -> None:
        if not isinstance(self.count_include_pad, bool):
            raise InputError(f"count_include_pad must be true or false, not {self.count_include_pad!r}")
        if self.divisor_override is not None:
            int_at_least(self.divisor_override, "divisor_override")
        super().__post_init__()


@dataclass(frozen=True)
class AdaptiveAvgPool2d(Layer):
    """Output size fixed; PyTorch's windows are ``[floor(i n / o), ceil((i+1) n / o))``."""

    output_size: Pair
    type_name: ClassVar[str] = "AdaptiveAvgPool2d"
    kind: ClassVar[str] = "pool"

    def __post_init__(self) -> None:
        object.__setattr__(self, "output_size", pair(self.output_size, "output_size"))
        if max(self.output_size) > MAX_ADAPTIVE:  # the windows are enumerated: keep that bounded
            raise InputError(f"output_size must be at most {MAX_ADAPTIVE}, not {max(self.output_size)}")

    def output_shape(self, ins: list[Shape]) -> Shape:
        need_map(ins[0], self.type_name)
        return (ins[0][0],) + self.output_size

    def windows(self, ins: list[Shape]) -> tuple[Window, Window]:
        return tuple(adaptive_window(n, o) for n, o in zip(ins[0][1:], self.output_size))  # type: ignore


@dataclass(frozen=True)
class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    type_name: ClassVar[str] = "AdaptiveMaxPool2d"


def adaptive_window(n: int, o: int) -> Window:
    """The largest window and the largest step between window starts of adaptive pooling from n to o.

    When o divides n the windows are uniform (k = s = n / o, as an ordinary pooling layer); otherwise the recurrence
    takes the largest window, so the receptive field reported is an upper bound (``uniform`` False).
    """
    starts = [i * n // o for i in range(o)]
    ends = [-(-(i + 1) * n // o) for i in range(o)]
    k = max(e - b for b, e in zip(starts, ends))
    s = max((b2 - b1 for b1, b2 in zip(starts, starts[1:])), default=k)
    uniform = n % o == 0
    return Window(k, s if o > 1 else k, 0, uniform)
