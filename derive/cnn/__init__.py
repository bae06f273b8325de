"""CNN architecture arithmetic: shapes, receptive fields, parameter counts and MACs, with derivations.

>>> from derive import cnn
>>> an = cnn.analyse(cnn.preset("vgg16"))
>>> an.total_params, an.feature_layer().rf.size
(138357544, (212, 212))
>>> from derive.render import render
>>> render(cnn.seed_problem3(), "latex")    # doctest: +SKIP
>>> net = cnn.Network("mine", in_channels=3, input_size=32)
>>> _ = net.add(cnn.Conv2d(3, 16, 3, padding=1))                        # torch's order: in, out, kernel
>>> _ = net.add(cnn.Conv2d(out_channels=32, kernel_size=3, padding=1))  # in_channels from the input
>>> cnn.analyse(net, (1, 3, 32, 32)).total_params                       # torch's (N, C, H, W) input shape
5088

The work is split by subject: :mod:`derive.cnn.layers` and :mod:`derive.cnn.pooling` (one layer's arithmetic), :mod:`derive.cnn.network` (the DAG
and its analysis), :mod:`derive.cnn.presets` (torchvision's networks), :mod:`derive.cnn.spec` (TOML/JSON specs),
:mod:`derive.cnn.report` (JSON and terminal table) and :mod:`derive.cnn.worked` (derivations).
"""
from __future__ import annotations

from derive.cnn.worked import derivation, layer_table_part, parameters_part, receptive_field_part
from derive.cnn.layers import (ACTIVATIONS, Activation, Add, BatchNorm2d, Concat, Conv2d, Dropout, Flatten, Layer, Linear,
                         ZeroPad2d)
from derive.cnn.pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from derive.cnn.network import Analysis, InputShape, LayerInfo, Network, ReceptiveField, analyse
from derive.cnn.presets import PRESETS, preset
from derive.cnn.report import summary_dict, table_text
from derive.cnn.spec import load_spec, make_layer, parse_spec
from derive.derivation import Derivation

__all__ = [
    "ACTIVATIONS", "Activation", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "Add", "Analysis", "AvgPool2d",
    "BatchNorm2d", "Concat", "Conv2d", "Dropout", "Flatten", "Layer", "LayerInfo", "Linear", "MaxPool2d", "Network",
    "PRESETS", "ReceptiveField", "ZeroPad2d", "analyse", "derivation", "layer_table_part", "load_spec",
    "make_layer", "parameters_part", "parse_spec", "preset", "receptive_field_part", "seed_problem3",
    "summary_dict", "table", "table_text",
]


def table(net: Network | str, input_size: InputShape | None = None, layer: str | None = None) -> str:
    """The terminal summary of a network (or preset name); ``input_size`` as :func:`analyse` takes it."""
    net = preset(net) if isinstance(net, str) else net
    return table_text(analyse(net, input_size), layer)


def seed_problem3(input_size: int = 224) -> Derivation:
    """Problem 3 of the seed sheet, done correctly for VGG-16: (a) receptive field of a pool5 unit, (b) parameters."""
    an = analyse(preset("vgg16"), input_size)
    d = derivation(an, "pool5", parts="ab", title="Problem 3: VGG-16")
    d.kind = "cnn"
    return d
