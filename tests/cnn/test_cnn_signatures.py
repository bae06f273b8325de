"""Layer constructors take torch.nn's arguments (issue 16): torch's order, a keyword-only form without the size the
input tells, errors for derive's old order (out first), torch-shaped inputs for analyse, and the spec reader.

Comparisons with torch.nn modules built from the same arguments are in test_cnn_torch.py (torch is optional).
"""
from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from derive import cnn
from derive.cnn.spec import spec_fields
from derive.errors import DeriveError, InputError


def test_the_issues_call_means_what_it_means_in_torch() -> None:
    conv = cnn.Conv2d(3, 16, 3)   # used to build out=3, kernel 16, stride 3: 2,307 parameters
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride) == (3, 16, (3, 3), (1, 1))
    assert sum(conv.params([(3, 32, 32)])) == 448 and conv.output_shape([(3, 32, 32)]) == (16, 30, 30)


@pytest.mark.parametrize("positional,keywords", [
    (cnn.Conv2d(3, 16, 3, 2, 1, 1, 1, False, "zeros"),
     cnn.Conv2d(in_channels=3, out_channels=16, kernel_size=3, stride=2, padding=1, bias=False)),
    (cnn.Conv2d(3, 16, (3, 5), (2, 1), (1, 2)),
     cnn.Conv2d(3, 16, kernel_size=[3, 5], stride=[2, 1], padding=[1, 2], dilation=1)),
    (cnn.Linear(400, 10, False), cnn.Linear(in_features=400, out_features=10, bias=False)),
    (cnn.BatchNorm2d(16, 1e-3, 0.2, False), cnn.BatchNorm2d(num_features=16, eps=1e-3, momentum=0.2, affine=False)),
    (cnn.MaxPool2d(3, None, 1), cnn.MaxPool2d(kernel_size=3, stride=3, padding=1)),   # stride: the kernel size
    (cnn.AvgPool2d(2), cnn.AvgPool2d(kernel_size=2, stride=2, padding=0)),
])
def test_positional_and_keyword_calls_agree(positional: cnn.Layer, keywords: cnn.Layer) -> None:
    assert positional == keywords


@pytest.mark.parametrize("layer,shape_in,shape_out,params", [
    (cnn.Conv2d(out_channels=8, kernel_size=3, padding=1), (5, 9, 9), (8, 9, 9), 8 * 5 * 9 + 8),
    (cnn.Conv2d(3, 8, 3, padding="same"), (3, 9, 7), (8, 9, 7), 8 * 27 + 8),
    (cnn.Conv2d(3, 8, (3, 5), padding="same", dilation=(2, 1)), (3, 9, 7), (8, 9, 7), 8 * 45 + 8),
    (cnn.Conv2d(3, 8, 3, stride=2, padding="valid"), (3, 9, 9), (8, 4, 4), 8 * 27 + 8),
    (cnn.Linear(out_features=10), (84,), (10,), 850),
    (cnn.BatchNorm2d(), (6, 4, 4), (6, 4, 4), 12),
])
def test_keyword_only_and_named_padding_forms(layer: cnn.Layer, shape_in: tuple, shape_out: tuple,
                                              params: int) -> None:
    assert layer.output_shape([shape_in]) == shape_out and sum(layer.params([shape_in])) == params


# derive's old order put out_channels (out_features) first: each such call is one InputError that shows torch's
# order and, where the old meaning is clear, the call that writes it now. Nothing is built from the other reading.
OLD_FORMS = [
    (lambda: cnn.Conv2d(64, 3, padding=1), ["Conv2d(64, 3, padding=1) gives no kernel_size",
                                            "Conv2d(in_channels, out_channels, kernel_size",
                                            "it meant Conv2d(out_channels=64, kernel_size=3, padding=1)"]),
    (lambda: cnn.Conv2d(64, kernel_size=3), ["gives no out_channels", "Conv2d(out_channels=64, kernel_size=3)"]),
    (lambda: cnn.Conv2d(16, (3, 5)), ["gives no kernel_size", "Conv2d(out_channels=16, kernel_size=(3, 5))"]),
    (lambda: cnn.Conv2d(64, 3, in_channels=3), ["in_channels twice (argument 1 and by keyword)",
                                                "Conv2d(out_channels=64, kernel_size=3, in_channels=3)"]),
    (lambda: cnn.Linear(10), ["Linear(10) gives no out_features", "Linear(in_features, out_features, bias=True)",
                              "it meant Linear(out_features=10)"]),
    (lambda: cnn.Linear(4096, in_features=25088), ["in_features twice",
                                                   "Linear(out_features=4096, in_features=25088)"]),
    (lambda: cnn.BatchNorm2d(64, False), ["the second argument is eps, as in torch (write affine=False)"]),
    (lambda: cnn.MaxPool2d(2, kernel_size=2), ["MaxPool2d(2, kernel_size=2) gives kernel_size twice"]),
    (lambda: cnn.Conv2d(kernel_size=3), ["Conv2d needs out_channels: Conv2d(in_channels, out_channels"]),
    (lambda: cnn.Linear(bias=False), ["Linear needs out_features"]),
]


@pytest.mark.parametrize("call,needles", OLD_FORMS, ids=[n[0].split(" ")[0] for _, n in OLD_FORMS])
def test_old_order_is_an_error_that_says_how_to_write_it(call, needles: list[str]) -> None:
    with pytest.raises(InputError) as info:
        call()
    for needle in needles:
        assert needle in info.value.message, info.value.message


def test_an_old_three_number_call_meets_the_channel_check() -> None:
    # Conv2d(16, 3, 1) was out 16, kernel 3, stride 1; as torch's call it is 16 -> 3 channels, 1x1. Either way
    # the analysis says so at the first input it does not fit, with torch's order in the message.
    net = cnn.Network("old", 3, 8)
    net.add(cnn.Conv2d(3, 8, 3), "c1")
    net.add(cnn.Conv2d(16, 3, 1), "c2")
    with pytest.raises(InputError) as info:
        cnn.analyse(net)
    assert info.value.where == "layer 'c2' (Conv2d)"
    assert info.value.message == ("channel mismatch: in_channels is 16 but the input has 8 channels (torch's order is "
                                  "Conv2d(in_channels, out_channels, kernel_size); Conv2d(out_channels=..., "
                                  "kernel_size=...) takes in_channels from the input)")


@pytest.mark.parametrize("call,needle", [
    (lambda: cnn.Conv2d(3, 8, 4, padding="same"), "padding 'same' with kernel extent 4×4 pads unevenly; write "
                                                  "ZeroPad2d((1, 2, 1, 2)) before a Conv2d with padding=0"),
    (lambda: cnn.Conv2d(3, 8, 3, 2, "same"), "padding 'same' needs stride 1"),
    (lambda: cnn.Conv2d(3, 8, 3, padding="full"), "padding must be a number, a pair, 'same' or 'valid', not 'full'"),
    (lambda: cnn.Conv2d(3, 8, 3, padding_mode="mirror"), "padding_mode must be one of zeros, reflect"),
    (lambda: cnn.Conv2d(3, 8, 3, groups=2), "in_channels 3 is not divisible by groups 2"),
    (lambda: cnn.Conv2d(-1, 8, 3), "in_channels must be a whole number from 1"),
    (lambda: cnn.Conv2d("3", 8, 3), "in_channels must be a whole number, not '3'"),
    (lambda: cnn.Linear(4, 2, bias="no"), "bias must be true or false, not 'no'"),
    (lambda: cnn.BatchNorm2d(4, eps=0), "eps must be a positive number, not 0"),
    (lambda: cnn.BatchNorm2d(4, momentum=2), "momentum must be a number from 0 to 1, or None, not 2"),
])
def test_bad_arguments_are_one_input_error(call, needle: str) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert needle in info.value.message, info.value.message


@pytest.mark.parametrize("layer", [cnn.Conv2d(3, 8, 3), cnn.Conv2d(out_channels=8, kernel_size=3),
                                   cnn.Linear(out_features=2), cnn.BatchNorm2d(4), cnn.MaxPool2d(2), cnn.Flatten()])
def test_layers_copy_pickle_and_replace(layer: cnn.Layer) -> None:
    # the old-order check sits in __new__: unpickling and copying call it with no arguments
    assert copy.deepcopy(layer) == layer == pickle.loads(pickle.dumps(layer))
    assert dataclasses.replace(layer) == layer


# ------------------------------------------------------------------------------------------- torch-shaped inputs

def _small(first: cnn.Layer) -> cnn.Network:
    net = cnn.Network("small", 3, 32)
    net.add(first, "c1")
    net.add(cnn.Conv2d(out_channels=4, kernel_size=3), "c2")
    return net


@pytest.mark.parametrize("size,shape", [
    (None, (3, 32, 32)), (16, (3, 16, 16)), ((16, 24), (3, 16, 24)), ((3, 16, 24), (3, 16, 24)),
    ([3, 16, 24], (3, 16, 24)), ((8, 3, 16, 24), (3, 16, 24)), ((1, 3, 224, 224), (3, 224, 224)),
])
def test_input_shape_forms(size, shape: tuple) -> None:
    assert cnn.analyse(_small(cnn.Conv2d(3, 8, 3)), size).input_shape == shape


def test_a_keyword_only_first_layer_takes_the_inputs_channels() -> None:
    an = cnn.analyse(_small(cnn.Conv2d(out_channels=8, kernel_size=3)), (1, 1, 28, 28))
    assert an.input_shape == (1, 28, 28) and an.layer("c1").weights == 8 * 1 * 9


@pytest.mark.parametrize("first,field", [(cnn.Conv2d(3, 8, 3), "in_channels"), (cnn.BatchNorm2d(3), "num_features")])
def test_channel_mismatch_with_the_first_layer(first: cnn.Layer, field: str) -> None:
    with pytest.raises(InputError) as info:
        cnn.analyse(_small(first), (1, 1, 28, 28))
    assert info.value.where == f"layer 'c1' ({first.type_name})"
    assert info.value.message == (f"channel mismatch: {field} is 3 but the input is 1×28×28 (1 channel); give a "
                                  "3-channel input such as (3, 28, 28), or build the layer for 1")


@pytest.mark.parametrize("size,needle", [
    ((3,), "input must be a size, (H, W), (C, H, W) or (N, C, H, W), not (3,)"),
    ((1, 2, 3, 4, 5), "input must be a size, (H, W), (C, H, W) or (N, C, H, W)"),
    ("224", "input must be a size"),
    ((0, 3, 32, 32), "the batch size N of an (N, C, H, W) input must be a whole number from 1"),
    ((0, 32, 32), "the channels C of a (C, H, W) input must be a whole number from 1"),
    ((3, 0, 32), "input size must be a whole number from 1"),
])
def test_bad_input_shapes(size, needle: str) -> None:
    with pytest.raises(DeriveError) as info:
        cnn.analyse(_small(cnn.Conv2d(3, 8, 3)), size)
    assert info.value.where == "input" and needle in info.value.message, info.value


def test_presets_are_built_in_torchs_order_and_check_their_input() -> None:
    conv = cnn.preset("vgg16").nodes[0].layer
    assert isinstance(conv, cnn.Conv2d) and (conv.in_channels, conv.out_channels) == (3, 64)
    assert cnn.analyse(cnn.preset("resnet18"), (1, 3, 224, 224)).total_params == 11_689_512
    with pytest.raises(InputError, match=r"in_channels is 3 but the input is 1×224×224") as info:
        cnn.analyse(cnn.preset("vgg16"), (1, 224, 224))
    assert info.value.where == "layer 'features.0' (Conv2d)"


# ------------------------------------------------------------------------------------------------------- specs

HEAD = 'name = "t"\ninput = [3, 8, 8]\n'


@pytest.mark.parametrize("body,where,message", [
    ('[[layers]]\ntype = "relu"\n[[layers]]\ntype = "conv2d"\nin_channels = 4\nout_channels = 4\nkernel_size = 1\n',
     "line 5", "channel mismatch: in_channels is 4 but the input has 3 channels (torch's order"),
    ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 2\npadding = "same"\n',
     "line 8, layer 'c'", "padding 'same' with kernel extent 2×2 pads unevenly; write ZeroPad2d((0, 1, 0, 1))"),
    ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 3\npadding = "full"\n',
     "line 8, layer 'c'", "padding must be a number, a pair, 'same' or 'valid', not 'full'"),
    ('[[layers]]\ntype = "conv2d"\nout_channels = 4\nkernel_size = 3\ndevice = "cuda"\n',
     "line 3", "unknown field(s) for Conv2d: device"),
])
def test_spec_errors(body: str, where: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        cnn.analyse(cnn.parse_spec(HEAD + body))
    assert where in (info.value.where or "") and message in info.value.message, info.value


def test_spec_takes_torchs_fields_and_input_shape() -> None:
    net = cnn.parse_spec('input = [16, 1, 28, 28]\n[[layers]]\ntype = "conv2d"\nin_channels = 1\nout_channels = 6\n'
                         'kernel_size = 5\npadding = "same"\npadding_mode = "reflect"\n[[layers]]\ntype = "batchnorm2d"\n'
                         'num_features = 6\neps = 0.001\nbias = false\n')
    an = cnn.analyse(net)
    assert an.input_shape == (1, 28, 28) and an.layers[0].output_shape == (6, 28, 28)
    assert (an.layers[1].weights, an.layers[1].biases) == (6, 0)


@pytest.mark.parametrize("cls,required", [(cnn.Conv2d, ["out_channels", "kernel_size"]),
                                          (cnn.Linear, ["out_features"]), (cnn.BatchNorm2d, []),
                                          (cnn.MaxPool2d, ["kernel_size"]), (cnn.AdaptiveAvgPool2d, ["output_size"])])
def test_spec_fields_are_the_constructors_keywords(cls: type, required: list[str]) -> None:
    allowed, req = spec_fields(cls)
    assert req == required and set(required) <= set(allowed) and not {"device", "dtype"} & set(allowed)
