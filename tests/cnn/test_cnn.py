"""CNN arithmetic: published parameter counts and receptive fields, shapes, errors, derivations, CLI, goldens.

Independent references: torchvision's documented ``num_params`` per model; the receptive fields (size, effective
stride, effective padding) of Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural Networks"
(Distill, 2019), table of TF-slim models; hand-computed small cases. Torch comparisons are in test_cnn_torch.py.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import cnn
from derive.cli import main
from derive.cnn.pooling import adaptive_window
from derive.cnn.report import percent_text, scientific_text
from derive.errors import DeriveError, InputError, ParseError
from derive.render import mathjax_markdown
from derive.render import compile_pdf
from derive.render import render
from conftest import EXAMPLES



# ----------------------------------------------------------------------------------- published parameter counts

# torchvision's model documentation (``num_params`` of each ``*_Weights.IMAGENET1K_V1``).
TORCHVISION_PARAMS = {
    "vgg11": 132_863_336, "vgg13": 133_047_848, "vgg16": 138_357_544, "vgg19": 143_667_240,
    "vgg11_bn": 132_868_840, "vgg13_bn": 133_053_736, "vgg16_bn": 138_365_992, "vgg19_bn": 143_678_248,
    "alexnet": 61_100_840, "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032,
}


@pytest.mark.parametrize("name,expected", sorted(TORCHVISION_PARAMS.items()))
def test_preset_params_match_torchvision_docs(name: str, expected: int) -> None:
    assert cnn.analyse(cnn.preset(name)).total_params == expected


def test_lenet5_params_by_hand() -> None:
    # (5*5*1+1)*6 + (5*5*6+1)*16 + (5*5*16+1)*120 + (120+1)*84 + (84+1)*10
    an = cnn.analyse(cnn.preset("lenet5"))
    assert an.total_params == 156 + 2416 + 48120 + 10164 + 850 == 61706
    assert an.layer("c5").output_shape == (120, 1, 1)


def test_vgg16_split_ratio_and_scientific_form() -> None:
    data = cnn.summary_dict(cnn.analyse(cnn.preset("vgg16")))
    assert data["conv_params"] == 14_714_688 and data["fc_params"] == 123_642_856
    assert data["conv_fc_percent"] == "11.90%"
    assert data["total_params_scientific"] == "1.38 × 10^8"
    assert data["weights"] + data["biases"] == data["total_params"]
    assert data["macs"] == 15_470_264_320  # the usual "15.5 GMACs" of VGG-16


def test_bn_parameters_are_two_per_channel() -> None:
    kinds = cnn.analyse(cnn.preset("vgg16_bn")).params_by_kind()
    assert kinds["bn"] == 2 * (2 * 64 + 2 * 128 + 3 * 256 + 6 * 512)


# ------------------------------------------------------------------------------------ published receptive fields

def _same_pad_stride2(net: cnn.Network) -> None:
    """TensorFlow's SAME padding for a 3x3/2 window on an even input: one extra row/column at the bottom/right."""
    net.add(cnn.ZeroPad2d((0, 1, 0, 1)))


def slim_resnet_v1_50() -> tuple[cnn.Network, str]:
    """TF-slim resnet_v1_50: the stride sits in the last unit of a block, the 3x3 convolution carries it."""
    net = cnn.Network("resnet_v1_50")
    net.add(cnn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False), "conv1")
    _same_pad_stride2(net)
    x = net.add(cnn.MaxPool2d(3, 2), "pool1")
    for b, (depth, units, stride) in enumerate([(64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)], 1):
        for u in range(units):
            s = stride if u == units - 1 else 1
            pre = f"block{b}.unit{u + 1}."
            net.add(cnn.Conv2d(out_channels=depth, kernel_size=1, bias=False), pre + "conv1", inputs=x)
            net.add(cnn.Conv2d(depth, depth, 3, stride=s, padding=1, bias=False), pre + "conv2")
            out = net.add(cnn.Conv2d(depth, depth * 4, 1, bias=False), pre + "conv3")
            if u == 0:
                sc = net.add(cnn.Conv2d(out_channels=depth * 4, kernel_size=1, stride=s, bias=False), pre + "shortcut",
                             inputs=x)
            elif s > 1:
                sc = net.add(cnn.MaxPool2d(1, s), pre + "shortcut", inputs=x)
            else:
                sc = x
            net.add(cnn.Add(), pre + "add", inputs=[out, sc])
            x = net.add(cnn.Activation("ReLU"), pre + "relu")
    return net, x


def slim_alexnet_v2() -> tuple[cnn.Network, str]:
    net = cnn.Network("alexnet_v2")
    for layer in (cnn.Conv2d(3, 64, 11, stride=4), cnn.MaxPool2d(3, 2), cnn.Conv2d(64, 192, 5, padding=2),
                  cnn.MaxPool2d(3, 2), cnn.Conv2d(192, 384, 3, padding=1), cnn.Conv2d(384, 384, 3, padding=1),
                  cnn.Conv2d(384, 256, 3, padding=1)):
        net.add(layer)
    return net, net.add(cnn.MaxPool2d(3, 2), "pool5")


def slim_mobilenet_v1() -> tuple[cnn.Network, str]:
    """Depthwise-separable layers: a grouped 3x3 convolution (groups = channels) and a 1x1 convolution."""
    net = cnn.Network("mobilenet_v1")
    _same_pad_stride2(net)
    net.add(cnn.Conv2d(3, 32, 3, stride=2))
    c, last = 32, ""
    for out, s in [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2),
                                                                                                 (1024, 1)]:
        if s == 2:
            _same_pad_stride2(net)
            net.add(cnn.Conv2d(c, c, 3, stride=2, groups=c))
        else:
            net.add(cnn.Conv2d(c, c, 3, padding=1, groups=c))
        last, c = net.add(cnn.Conv2d(c, out, 1)), out
    return net, last


@pytest.mark.parametrize("build,size,stride,padding", [
    (lambda: (cnn.preset("vgg16"), "pool5"), 212, 32, 90),   # vgg_16 in the Distill table
    (slim_alexnet_v2, 195, 32, 64),
    (slim_resnet_v1_50, 483, 32, 239),
    (slim_mobilenet_v1, 315, 32, 126),
])
def test_receptive_fields_match_araujo_distill_2019(build, size: int, stride: int, padding: int) -> None:
    net, layer = build()
    rf = cnn.analyse(net).layer(layer).rf
    assert rf is not None and rf.exact
    assert (rf.size, rf.jump, rf.padding) == ((size, size), (stride, stride), (padding, padding))


def test_vgg16_feature_layer_is_pool5_and_json_reports_it() -> None:
    an = cnn.analyse(cnn.preset("vgg16"))
    assert an.feature_layer().name == "features.30"
    rf = cnn.summary_dict(an)["receptive_field"]
    assert (rf["layer"], rf["alias"], rf["size"], rf["stride"], rf["padding"]) == ("features.30", "pool5", 212, 32, 90)


def test_torchvision_resnet50_field_is_smaller_than_slim_v1() -> None:
    # torchvision puts the stride on the 3x3 conv of the *first* unit (v1.5): fewer layers see the larger jump.
    rf = cnn.analyse(cnn.preset("resnet50")).feature_layer().rf
    assert rf is not None and rf.size == (427, 427) and rf.jump == (32, 32)


def test_dag_keeps_the_path_that_later_wins() -> None:
    # Branch A: two 3x3 convolutions and a 2x2/2 pool (r = 6, j = 2); branch B: a 1x1/2 convolution (r = 1, j = 2).
    net = cnn.Network("dag", 1, 16)
    net.add(cnn.Conv2d(1, 4, 3, padding=1), "a1", inputs="input")
    net.add(cnn.Conv2d(4, 4, 3, padding=1), "a2")
    net.add(cnn.MaxPool2d(2, 2), "a3")                      # r = 6, j = 2
    net.add(cnn.Conv2d(1, 4, 1, stride=2), "b1", inputs="input")  # r = 1, j = 2
    net.add(cnn.Add(), "add", inputs=["a3", "b1"])
    net.add(cnn.Conv2d(4, 4, 5, padding=2), "c")            # r = 6 + 4*2 = 14
    an = cnn.analyse(net)
    assert an.layer("add").rf.size == (6, 6) and an.layer("c").rf.size == (14, 14)
    assert any("paths differ" in n for n in an.layer("add").notes)
    assert [an.layers[i].name for i in an.path("c")] == ["a1", "a2", "a3", "add", "c"]


def test_misaligned_paths_are_noted() -> None:
    # Same shape, same size 3, but B's window is shifted by one pixel: centres 0 and -1 (Araujo's alignment test).
    net = cnn.Network("shifted", 1, 8)
    net.add(cnn.Conv2d(1, 1, 3, padding=1), "a", inputs="input")
    net.add(cnn.Conv2d(1, 1, 3), "b0", inputs="input")
    net.add(cnn.ZeroPad2d((2, 0, 2, 0)), "b")
    net.add(cnn.Add(), "sum", inputs=["a", "b"])
    notes = cnn.analyse(net).layer("sum").notes
    assert notes == ("the paths' receptive fields are not centred alike (first-unit centres 0, -1)",)


def test_pareto_keeps_a_smaller_field_with_a_larger_jump() -> None:
    # (2, 2) is kept beside (9, 1): after a layer with k = 9, 2 + 8*2 = 18 beats 9 + 8*1 = 17. (5, 1) is dominated.
    from derive.cnn.network import RFState, _pareto
    kept = _pareto([RFState(9, 1, 4, None), RFState(2, 2, 0, None), RFState(5, 1, 2, None)])
    assert [(s.r, s.j) for s in kept] == [(9, 1), (2, 2)]


# ----------------------------------------------------------------------------------------------- shapes by hand

@pytest.mark.parametrize("layer,shape_in,shape_out", [
    (cnn.Conv2d(3, 8, 3), (3, 32, 32), (8, 30, 30)),
    (cnn.Conv2d(out_channels=8, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2)), (3, 32, 32), (8, 32, 16)),
    (cnn.Conv2d(3, 8, 3, dilation=2), (3, 32, 32), (8, 28, 28)),
    (cnn.Conv2d(3, 8, (3, 5), padding="same", dilation=(1, 2)), (3, 32, 31), (8, 32, 31)),
    (cnn.Conv2d(3, 8, 3, padding="valid"), (3, 32, 32), (8, 30, 30)),
    (cnn.MaxPool2d(3, 2), (4, 7, 7), (4, 3, 3)),
    (cnn.MaxPool2d(3, 2, ceil_mode=True), (4, 8, 8), (4, 4, 4)),       # ceil((8-3)/2)+1 = 4
    (cnn.MaxPool2d(2, 2, ceil_mode=True), (4, 5, 5), (4, 3, 3)),
    (cnn.AvgPool2d(2, ceil_mode=True, padding=1), (1, 4, 4), (1, 3, 3)),  # last window would start in padding
    (cnn.MaxPool2d((1, 4), 2, ceil_mode=True), (1, 3, 3), (1, 2, 1)),      # PyTorch: a window wider than the input
    (cnn.AdaptiveAvgPool2d((2, 3)), (5, 9, 10), (5, 2, 3)),
    (cnn.ZeroPad2d((1, 2, 3, 4)), (2, 5, 5), (2, 12, 8)),
    (cnn.Flatten(), (512, 7, 7), (25088,)),
])
def test_output_shapes(layer: cnn.Layer, shape_in: tuple, shape_out: tuple) -> None:
    assert layer.output_shape([shape_in]) == shape_out


@pytest.mark.parametrize("layer,shape_in,weights,biases", [
    (cnn.Conv2d(3, 64, 3), (3, 8, 8), 3 * 3 * 3 * 64, 64),
    (cnn.Conv2d(3, 16, 3), (3, 8, 8), 3 * 3 * 3 * 16, 16),             # issue 16: 448 parameters, as torch
    (cnn.Conv2d(out_channels=64, kernel_size=(1, 7), bias=False), (32, 8, 8), 7 * 32 * 64, 0),
    (cnn.Conv2d(32, 32, 3, groups=32), (32, 8, 8), 3 * 3 * 1 * 32, 32),    # depthwise
    (cnn.Conv2d(out_channels=16, kernel_size=3, groups=4), (8, 8, 8), 3 * 3 * 2 * 16, 16),
    (cnn.BatchNorm2d(), (10, 4, 4), 10, 10),
    (cnn.BatchNorm2d(10, affine=False), (10, 4, 4), 0, 0),
    (cnn.BatchNorm2d(10, bias=False), (10, 4, 4), 10, 0),
    (cnn.Linear(out_features=10), (400,), 4000, 10),
    (cnn.Linear(400, 10, False), (400,), 4000, 0),
])
def test_parameter_counts(layer: cnn.Layer, shape_in: tuple, weights: int, biases: int) -> None:
    assert layer.params([shape_in]) == (weights, biases)


@pytest.mark.parametrize("n,o,k,s,uniform", [(7, 7, 1, 1, True), (7, 1, 7, 7, True), (14, 7, 2, 2, True),
                                             (10, 3, 4, 3, False), (5, 3, 3, 2, False)])
def test_adaptive_windows(n: int, o: int, k: int, s: int, uniform: bool) -> None:
    # PyTorch: window i is [floor(i n / o), ceil((i + 1) n / o)).
    w = adaptive_window(n, o)
    assert (w.k, w.s, w.uniform) == (k, s, uniform)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(1, 2)),
                min_size=1, max_size=6))
def test_rf_equals_closed_form_sum(layers: list[tuple[int, int, int, int]]) -> None:
    """r = 1 + sum_l (k_l - 1) prod_{i<l} s_i and P = sum_l p_l prod_{i<l} s_i (Araujo et al., eq. 2 and 6)."""
    net = cnn.Network("stack", 1, 4096)
    for k, s, p, d in layers:
        net.add(cnn.Conv2d(1, 1, k, stride=s, padding=min(p, (d * (k - 1)) // 2), dilation=d))
    an = cnn.analyse(net)
    r, pad, prod = 1, 0, 1
    for k, s, p, d in layers:
        r += d * (k - 1) * prod
        pad += min(p, (d * (k - 1)) // 2) * prod
        prod *= s
    assert an.layers[-1].rf.size == (r, r) and an.layers[-1].rf.jump == (prod, prod)
    assert an.layers[-1].rf.padding == (pad, pad)


# ---------------------------------------------------------------------------------------------------- specs

def test_example_specs_load() -> None:
    toml_net = cnn.load_spec(EXAMPLES / "cnn_small_resnet.toml")
    an = cnn.analyse(toml_net)
    assert an.layer("stage2.cat").output_shape == (64, 16, 16)
    assert an.layer("fc").output_shape == (10,)
    json_net = cnn.load_spec(EXAMPLES / "cnn_tiny.json")
    an = cnn.analyse(json_net)
    assert an.layer("conv1").rf.size == (5, 3)                 # non-square kernel
    assert an.layer("pool2").output_shape == (16, 5, 5)        # ceil_mode


def test_spec_and_python_give_the_same_network() -> None:
    spec = """
name = "same"
input = [3, 32, 32]
[[layers]]
name = "c"
type = "conv2d"
out_channels = 8
kernel_size = 3
[[layers]]
type = "relu"
"""
    net = cnn.Network("same", 3, 32)
    net.add(cnn.Conv2d(out_channels=8, kernel_size=3), "c")
    net.add(cnn.Activation("ReLU"))
    a, b = cnn.analyse(cnn.parse_spec(spec)), cnn.analyse(net)
    assert cnn.summary_dict(a) == cnn.summary_dict(b)


TOML_HEAD = 'name = "t"\ninput = [3, 8, 8]\n'


@pytest.mark.parametrize("body,fmt,kind,where,message", [
    ('[[layers]]\ntype = "conv3d"\n', "toml", InputError, "line 3", "unknown layer type 'conv3d'"),
    ('[[layers]]\nname = "c1"\ntype = "conv2d"\nkernel_size = 3\n', "toml", InputError, "line 3, layer 'c1'",
     "missing required field(s): out_channels"),
    ('[[layers]]\nname = "c1"\nout_channels = 3\n', "toml", InputError, "layer 'c1'", "missing field 'type'"),
    ('[[layers]]\nname = "big"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 11\n', "toml", InputError,
     "line 3, layer 'big' (Conv2d)", "kernel 11 is larger than the input height 8"),
    ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\nkernel_size = 1\n'
     '[[layers]]\nname = "sum"\ntype = "add"\ninputs = ["c", "input"]\n', "toml", InputError,
     "line 8, layer 'sum' (Add)", "channel mismatch in addition: input 1 is 4×8×8, input 2 is 3×8×8"),
    ('[[layers]]\ntype = "conv2d"\nin_channels = 4\nout_channels = 4\nkernel_size = 1\n', "toml", InputError,
     "line 3", "channel mismatch: in_channels is 4 but the input is 3×8×8 (3 channels)"),
    ('[[layers]]\ntype = "linear"\nout_features = 4\n', "toml", InputError, "line 3", "add a flatten layer"),
    ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\nkernal_size = 1\n', "toml", InputError,
     "layer 'c'", "unknown field(s) for Conv2d: kernal_size"),
    ('[[layers]]\nname = "c"\ntype = "conv2d"\nout_channels = 4\n\nkernel_size = "3"\n', "toml", InputError,
     "line 8, layer 'c'", "kernel_size must be a whole number"),
    ('[[layers]]\ntype = "relu"\ninputs = "nowhere"\n', "toml", InputError, "line 3", "unknown input 'nowhere'"),
    ('[[layers]]\nname = "a"\ntype = "relu"\n[[layers]]\nname = "a"\ntype = "relu"\n', "toml", InputError,
     "line 6", "duplicate layer name 'a'"),
    ('[[layers]\ntype = "relu"\n', "toml", ParseError, "<spec>", "invalid TOML"),
])
def test_spec_errors_name_layer_and_line(body: str, fmt: str, kind: type, where: str, message: str) -> None:
    with pytest.raises(kind) as info:
        cnn.analyse(cnn.parse_spec(TOML_HEAD + body, fmt))  # shapes are checked when analysed at an input size
    assert where in (info.value.where or ""), info.value
    assert message in info.value.message, info.value


def test_json_spec_errors_give_lines() -> None:
    text = '{\n  "input": [1, 4, 4],\n  "layers": [\n    {"type": "relu"},\n    {"type": "conv2d",\n' \
           '     "out_channels": 2, "kernel_size": 5}\n  ]\n}\n'
    with pytest.raises(InputError) as info:
        cnn.analyse(cnn.parse_spec(text, "json", "net.json"))
    assert info.value.where == "net.json line 5, layer 'conv2d_1' (Conv2d)"
    with pytest.raises(ParseError, match="line 2"):
        cnn.parse_spec('{"layers": [\n,]}', "json")


@pytest.mark.parametrize("value", [0, -3, (0, 5), "x"])
def test_input_size_must_be_positive(value) -> None:
    with pytest.raises(InputError) as info:
        cnn.analyse(cnn.preset("vgg16"), value)
    assert info.value.where == "input"
    with pytest.raises(InputError):
        cnn.parse_spec('input = [3, 0, 0]\n[[layers]]\ntype = "relu"\n')


def test_unknown_preset_and_layer() -> None:
    with pytest.raises(InputError, match="unknown preset 'vgg17'; known: vgg11"):
        cnn.preset("vgg17")
    with pytest.raises(InputError, match="no layer named 'conv9'"):
        cnn.analyse(cnn.preset("vgg11")).layer("conv9")


def test_too_small_input_names_the_layer() -> None:
    with pytest.raises(InputError) as info:
        cnn.analyse(cnn.preset("vgg16"), 16)   # 16 -> 8 -> 4 -> 2 -> 1 -> pool5 has nothing to pool
    assert "features.30" in str(info.value) and "larger than the input" in str(info.value)


# -------------------------------------------------------------------------------------------- derivations

def test_seed_problem3_parts_and_numbers() -> None:
    d = cnn.seed_problem3()
    assert [p.label for p in d.parts] == ["(a)", "(b)"]
    md = render(d, "markdown")
    assert r"r_{18} &= 196 + \left(2 - 1\right) \times 16 = 212" in md
    assert r"\left(3 \times 3 \times 512 + 1\right) \times 512 \times 3" in md   # conv5: one term, x 3
    assert r"\left(3 \times 3 \times 512 + 1\right) \times 512 \times 2" in md   # conv4_2, conv4_3
    assert r"7 \times 7 \times 512 \times 4096 + 4096" in md
    assert "= 11.90\\%" in md and r"138357544 \approx 1.38 \times 10^{8}" in md
    assert r"$6 \times 6$ units of the output of conv5\_1" in md   # not the seed's (3+3+1) = 7
    assert d.to_dict()["receptive_field"]["size"] == 212
    assert d._repr_markdown_() == mathjax_markdown(render(d, "markdown"))
    assert d._repr_latex_() == render(d, "latex", standalone=False)


def test_golden_seed_problem3(golden) -> None:
    d = cnn.seed_problem3()
    golden("cnn_seed.tex", render(d, "latex", standalone=True))
    golden("cnn_seed.md", render(d, "markdown"))


@pytest.mark.usefixtures("tex_required")
@pytest.mark.parametrize("build", [
    cnn.seed_problem3,
    lambda: cnn.derivation(cnn.analyse(cnn.load_spec(EXAMPLES / "cnn_tiny.json"))),   # non-square, dilated
    lambda: cnn.derivation(cnn.analyse(cnn.preset("resnet18"))),                     # DAG notes, long tables
])
def test_derivations_compile(build, tmp_path: Path) -> None:
    assert compile_pdf(render(build(), "latex", standalone=True), tmp_path / "x.pdf").stat().st_size > 0


def test_non_square_derivation_traces_both_axes() -> None:
    md = render(cnn.derivation(cnn.analyse(cnn.load_spec(EXAMPLES / "cnn_tiny.json")), parts="a"), "markdown")
    assert "Backwards (height)" in md and "Backwards (width)" in md
    assert r"$16 \times 14$ pixels" in md


def test_resnet_derivation_says_where_paths_differ() -> None:
    d = cnn.derivation(cnn.analyse(cnn.preset("resnet18")), parts="ab")
    md = render(d, "markdown")
    assert "Where paths differ" in md and "layer1.0.add" in md
    assert r"N_{\mathrm{BN}}" in md and r"3 \times 3 \times 64 \times 64 \times 2" in md


def test_output_is_deterministic() -> None:
    a = render(cnn.derivation(cnn.analyse(cnn.preset("resnet18"))), "latex", standalone=True)
    b = render(cnn.derivation(cnn.analyse(cnn.preset("resnet18"))), "latex", standalone=True)
    assert a == b


@pytest.mark.parametrize("num,den,text", [(14714688, 123642856, "11.90%"), (1, 8, "12.50%"), (1, 3, "33.33%"),
                                          (2, 3, "66.67%"), (1, 0, None)])
def test_percent(num: int, den: int, text: str | None) -> None:
    assert percent_text(num, den) == text


def test_scientific_text() -> None:
    assert scientific_text(138357544) == "1.38 × 10^8"
    assert scientific_text(123642856) == "1.24 × 10^8"


# ------------------------------------------------------------------------------------------------------ CLI

def test_cli_table_json_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cnn", "vgg16"]) == 0
    out = capsys.readouterr().out
    assert "Total params: 138,357,544 (1.38 × 10^8)" in out and "conv/fc: 11.90%" in out
    assert "Receptive field of features.30 [pool5]: 212 px, jump 32, effective padding 90" in out
    assert main(["cnn", "resnet18", "--format", "json", "--input", "128", "--layer", "layer2.0.conv1"]) == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["input_shape"] == [3, 128, 128]
    assert data["receptive_field"]["layer"] == "layer2.0.conv1"
    layer = next(x for x in data["layers"] if x["name"] == "layer2.0.conv1")
    assert layer["output_shape"] == [128, 16, 16] and layer["params"] == 3 * 3 * 64 * 128
    assert {"name", "type", "output_shape", "params", "receptive_field", "jump"} <= set(layer)
    assert main(["cnn", "--spec", str(EXAMPLES / "cnn_small_resnet.toml"), "--format", "markdown"]) == 0
    assert "(a) Receptive field" in capsys.readouterr().out


@pytest.mark.parametrize("argv,needle", [
    (["cnn", "vgg17"], "unknown preset 'vgg17'"),
    (["cnn", "vgg16", "--input", "0"], "--input: input size must be positive"),
    (["cnn", "vgg16", "--input", "big"], "--input"),
    (["cnn"], "give either a preset name or --spec FILE"),
    (["cnn", "vgg16", "--layer", "fc7"], "has a flat output"),
    (["cnn", "--spec", "/nonexistent/net.toml"], "spec file not found"),
])
def test_cli_errors_exit_2_with_one_line(argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_spec_error_names_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('input = [3, 8, 8]\n[[layers]]\nname = "x"\ntype = "conv2d"\nkernel_size = 3\n')
    assert main(["cnn", "--spec", str(spec)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml line 2, layer 'x'" in err and "out_channels" in err


def test_errors_are_derive_errors() -> None:
    assert issubclass(InputError, DeriveError)
