"""Network specs in TOML or JSON: one table per layer, errors that name the layer and the line.

```toml
name = "small"
input = [3, 32, 32]          # channels, height, width (or [channels, size], or torch's [N, C, H, W])

[[layers]]
name = "conv1"               # optional; generated as conv2d_1, relu_1, ... otherwise
type = "conv2d"              # Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm2d, ReLU, ..., Add, Concat
out_channels = 16
kernel_size = 3              # or [kh, kw]; the same for stride, padding, dilation
padding = 1                  # or "same" / "valid", as torch; in_channels = 3 is optional (checked when given)

[[layers]]
type = "add"
inputs = ["conv1", "relu_1"] # default: the layer before
```
The same structure is accepted as JSON (``{"name": ..., "input": [...], "layers": [{...}, ...]}``). A layer's fields
are its torch.nn keyword arguments (``out_channels``, ``kernel_size``, ``in_features``, ...), so a spec never
depends on an argument order.
"""
from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from derive.cnn.layers import (ACTIVATIONS, Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, Layer, Linear,
                         ZeroPad2d)
from derive.cnn.pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from derive.cnn.network import Network
from derive import files
from derive.errors import InputError, LimitError, shown
from derive.settings import LIMITS

TOP_KEYS = ("name", "input", "layers")
NODE_KEYS = ("name", "type", "inputs", "alias")


def load_spec(path: str | Path) -> Network:
    """A network from a ``.toml`` or ``.json`` spec file (the format is chosen by the extension)."""
    p = Path(path)
    text = files.read_text(p, "spec file")
    fmt = "json" if p.suffix.lower() == ".json" else "toml"
    return parse_spec(text, fmt, str(path))


def parse_spec(text: str, fmt: str = "toml", source: str = "<spec>") -> Network:
    """A network from spec text (``fmt`` is ``toml`` or ``json``); ``source`` names it in errors."""
    if fmt == "json":
        data = files.parse_json(text, source)
        lines = _json_layer_lines(text)
    elif fmt == "toml":
        data = files.parse_toml(text, source)
        lines = [i for i, ln in enumerate(text.splitlines(), 1) if re.match(r"\s*\[\[\s*layers\s*\]\]", ln)]
    else:
        raise InputError(f"unknown spec format {fmt!r}; use toml or json", source)
    return build(data, source, lines, text.splitlines() if fmt == "toml" else None)


def build(data: Any, source: str, lines: list[int], toml_lines: list[str] | None = None) -> Network:
    """A network from parsed spec data; ``lines`` gives the line of each layer's table when known."""
    if not isinstance(data, dict):
        raise InputError("a spec must be a table/object with 'layers'", source)
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise InputError(f"unknown top-level key(s): {', '.join(unknown)}; allowed: {', '.join(TOP_KEYS)}", source)
    layers = data.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InputError("missing field 'layers' (a non-empty list of layer tables)", source)
    if len(layers) > LIMITS.max_layers:
        raise LimitError(f"{len(layers)} layers, over the limit of {LIMITS.max_layers}", source)
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        raise InputError(f"name must be a string, not {name!r}", source)
    channels, size = _input(data.get("input", [3, 224, 224]), source)
    net = Network(name, channels, size)
    if len(lines) != len(layers):
        lines = []  # layers written another way (inline tables): report the layer number only
    for i, spec in enumerate(layers):
        where = f"{source} line {lines[i]}" if lines else f"{source} layer #{i + 1}"
        if not isinstance(spec, dict):
            raise InputError(f"each layer must be a table/object, not {spec!r}", where)
        label = f"layer {spec['name']!r}" if isinstance(spec.get("name"), str) else f"layer #{i + 1}"
        if "type" not in spec:
            raise InputError("missing field 'type'", f"{where}, {label}")
        options = {k: v for k, v in spec.items() if k not in NODE_KEYS}
        try:
            layer = make_layer(spec["type"], options)
        except InputError as exc:
            at = _field_line(exc.message, options, toml_lines, lines[i] if lines else None)
            raise InputError(exc.message, f"{source} line {at}, {label}" if at else f"{where}, {label}") from None
        inputs = spec.get("inputs")
        if inputs is not None and not (isinstance(inputs, str) or
                                       (isinstance(inputs, list) and all(isinstance(x, str) for x in inputs))):
            raise InputError("inputs must be a layer name or a list of layer names", f"{where}, {label}")
        alias = spec.get("alias", "")
        if not isinstance(alias, str):
            raise InputError("alias must be a string", f"{where}, {label}")
        lname = spec.get("name")
        if lname is not None and not isinstance(lname, str):
            raise InputError(f"name must be a string, not {lname!r}", f"{where}, layer #{i + 1}")
        net.add(layer, lname, inputs, alias, where)
    return net


def _input(value: Any, source: str) -> tuple[int, tuple[int, int]]:
    if not isinstance(value, list) or len(value) not in (2, 3, 4) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InputError("input must be [channels, height, width], [channels, size] or torch's [N, channels, "
                         f"height, width], not {shown(value)}", source)
    if any(v <= 0 for v in value):
        raise InputError(f"input sizes must be positive, not {shown(value)}", source)
    c, *hw = value[1:] if len(value) == 4 else value   # N, a batch size, changes no per-sample figure
    return c, (hw[0], hw[-1])


def _field_line(message: str, options: dict[str, Any], toml_lines: list[str] | None, start: int | None) -> int | None:
    """The line of the field a message is about (``kernel_size must be ...``), searched after the layer header."""
    if toml_lines is None or start is None:
        return start
    key = next((k for k in options if message.startswith(k + " ")), None)
    if key is None:
        return start
    for n in range(start, len(toml_lines)):
        ln = toml_lines[n]
        if re.match(r"\s*\[", ln):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", ln):
            return n + 1
    return start


def _json_layer_lines(text: str) -> list[int]:
    """Lines where the objects of the top-level ``layers`` array open (json gives no positions)."""
    stack: list[str] = []   # "{" or "[" per open container
    key_of: list[str | None] = []   # the key under which each container was opened
    last_string: str | None = None
    after_colon_key: str | None = None
    out: list[int] = []
    line, i, n = 1, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            last_string = text[i + 1:j]
            i = j
        elif ch == ":":
            after_colon_key = last_string
        elif ch in "{[":
            parent_is_layers = (len(stack) == 2 and stack[1] == "[" and key_of[1] == "layers")
            if ch == "{" and parent_is_layers:
                out.append(line)
            key_of.append(after_colon_key if stack and stack[-1] == "{" else None)
            stack.append(ch)
            after_colon_key = None
        elif ch in "}]":
            if stack:
                stack.pop()
                key_of.pop()
        elif ch == ",":
            after_colon_key = None
        i += 1
    return out


# Spec ``type`` names (case-insensitive) -> constructor; activations map to Activation(function=...).
LAYER_TYPES: dict[str, type[Layer]] = {
    "conv2d": Conv2d, "conv": Conv2d, "maxpool2d": MaxPool2d, "maxpool": MaxPool2d, "avgpool2d": AvgPool2d,
    "avgpool": AvgPool2d, "adaptiveavgpool2d": AdaptiveAvgPool2d, "adaptivemaxpool2d": AdaptiveMaxPool2d,
    "batchnorm2d": BatchNorm2d, "batchnorm": BatchNorm2d, "bn": BatchNorm2d, "dropout": Dropout,
    "dropout2d": Dropout, "flatten": Flatten, "linear": Linear, "fc": Linear, "zeropad2d": ZeroPad2d,
    "add": Add, "concat": Concat, "cat": Concat,
}
ACTIVATION_TYPES = {a.lower(): a for a in ACTIVATIONS}


def make_layer(type_name: str, options: dict[str, Any]) -> Layer:
    """A layer from a spec ``type`` and its fields; unknown types and fields are errors."""
    key = str(type_name).lower().replace("_", "")
    if key in ACTIVATION_TYPES:
        if options:
            raise InputError(f"{ACTIVATION_TYPES[key]} takes no fields, got: {', '.join(sorted(options))}")
        return Activation(ACTIVATION_TYPES[key])
    cls = LAYER_TYPES.get(key)
    if cls is None:
        known = sorted({c.type_name for c in LAYER_TYPES.values()} | set(ACTIVATIONS))
        raise InputError(f"unknown layer type {type_name!r}; known: {', '.join(known)}")
    allowed, required = spec_fields(cls)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise InputError(f"unknown field(s) for {cls.type_name}: {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    missing = [r for r in required if r not in options]
    if missing:
        raise InputError(f"{cls.type_name} is missing required field(s): {', '.join(missing)}")
    return cls(**options)


def spec_fields(cls: type[Layer]) -> tuple[list[str], list[str]]:
    """A layer type's fields (its constructor's keywords) and the required ones. The size a layer can take from its
    input (``in_channels``, the first of ``torch_required``) is optional; torch's device and dtype have no place."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    allowed = [p.name for p in params if p.name not in ("device", "dtype")]
    required = list(cls.torch_required[1:]) or [p.name for p in params if p.default is p.empty]
    return allowed, required


__all__ = ["load_spec", "parse_spec", "build", "make_layer", "spec_fields", "LAYER_TYPES"]
