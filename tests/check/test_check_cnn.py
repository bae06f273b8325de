"""The CNN checker on small sheets: lines judged as quantities of the network, in the writer's notation.

Every number here was worked out by hand (or with torch.nn modules), not with derive: AlexNet conv1 is
(11·11·3 + 1)·64 = 23296, its output ⌊(224 + 4 − 11)/4⌋ + 1 = 55, pool5's receptive field 195 with jump 32; ResNet-18's
layer2 is 525568 with the downsample branch (8192 + 256 of it); LeNet-5's F6 is (120 + 1)·84 = 10164.
"""
from __future__ import annotations

import pytest

from derive import cnn
from derive.check import check
from derive.check.cnn.facts import Facts


def _wrong(sheet: str, problem: dict) -> list[tuple[int, str]]:
    report = check(sheet, problem, isolate=False)
    assert not [f for f in report.findings if f.verdict == "unverifiable"], \
        [f.to_dict() for f in report.findings if f.verdict == "unverifiable"]
    return [(f.line, f.diagnosis) for f in report.findings if f.verdict == "wrong"]


ALEX = {"kind": "cnn", "preset": "alexnet"}
ALEX5 = {"kind": "cnn", "preset": "alexnet", "layer": "pool5"}
R18 = {"kind": "cnn", "preset": "resnet18"}
LENET = {"kind": "cnn", "preset": "lenet5"}
VGG16 = {"kind": "cnn", "preset": "vgg16"}


@pytest.mark.parametrize("preset,name,layer", [
    ("alexnet", "conv2", "features.3"), ("alexnet", "CONV5", "features.10"), ("alexnet", "fc6", "classifier.1"),
    ("alexnet", "FC8", "classifier.6"), ("alexnet", "fc2", "classifier.4"), ("alexnet", "pool2", "features.5"),
    ("alexnet", r"\text{features.0}", "features.0"), ("lenet5", "C1", "c1"), ("lenet5", "S4", "s4"),
    ("lenet5", "F6", "f6"), ("lenet5", "conv3", "c5"), ("lenet5", "fc1", "f6"), ("lenet5", "output", "output"),
    ("vgg16", r"conv4\_2", "features.19"), ("resnet18", "layer2.0.conv1", "layer2.0.conv1"),
    ("resnet18", "fc", "fc"),
])
def test_layer_names(preset, name, layer):
    an = cnn.analyse(cnn.preset(preset))
    readings = Facts(an, an.feature_layer().name).layers_named(name)
    assert [an.layers[i].name for i in readings[0]] == [layer]


@pytest.mark.parametrize("name", ["layer3", "layer2.1"])
def test_stage_names_are_groups(name):
    an = cnn.analyse(cnn.preset("resnet18"))
    (group,) = Facts(an, an.feature_layer().name).layers_named(name)
    assert len(group) > 1 and all(an.layers[i].name.startswith(name + ".") for i in group)


@pytest.mark.parametrize("sheet,problem,wrong", [
    # per-layer counts by name: right, without bias, a plain slip
    (r"$$\text{conv1}: (11 \times 11 \times 3 + 1) \times 64 = 23296$$", ALEX, []),
    (r"$$\text{conv1}: 11 \times 11 \times 3 \times 64 = 23232$$", ALEX, [(1, "params-no-bias")]),
    (r"$$\text{fc7}: (4096 + 1) \times 4096 = 16781312$$", ALEX, []),
    (r"$$FC7 = 16781000$$", ALEX, [(1, "")]),
    ("$$C3 = (5 \\cdot 5 \\cdot 6 + 1) \\cdot 16 = 2416$$", LENET, []),
    ("- F6: $F6 = 120 \\cdot 84 = 10080$", LENET, [(1, "params-no-bias")]),
    # a stage without its downsample branch, by name and by value
    (r"$$\text{layer2}: 9 \cdot 64 \cdot 128 + 3 \cdot 9 \cdot 128^2 + 4 \cdot 256 = 517120$$", R18,
     [(1, "no-downsample")]),
    ("layer2: $9 \\cdot 64 \\cdot 128 + 3 \\cdot 9 \\cdot 128^2 + 4 \\cdot 256 = 517120$", R18, [(1, "no-downsample")]),
    (r"$$\text{layer2}: 9 \cdot 64 \cdot 128 + 3 \cdot 9 \cdot 128^2 + 64 \cdot 128 + 5 \cdot 256 = 525568$$", R18, []),
    # a count in millions
    (r"$$N = 61100840 \approx 61.1\text{M}$$", ALEX, []),
])
def test_layer_counts(sheet, problem, wrong):
    assert _wrong(sheet, problem) == wrong


@pytest.mark.parametrize("sheet,wrong", [
    # named sizes; the padding dropped, the stride ignored; ECF from the writer's own size
    (r"$$H_1 = \lfloor (224 + 2 \cdot 2 - 11)/4 \rfloor + 1 = 55$$", []),
    (r"$$H_1 = \lfloor (224 - 11)/4 \rfloor + 1 = 54$$", [(1, "no-padding")]),
    ("$$H_1 = 54$$\n\n$$H_2 = \\lfloor (54 - 3)/2 \\rfloor + 1 = 26$$", [(1, "no-padding")]),
    (r"$$H_3 = 27$$", []),
    (r"$$\text{conv1}: \lfloor (224 + 4 - 11)/1 \rfloor + 1 = 218$$", [(1, "no-stride")]),
    # unnamed formulas, matched to the layer by their numbers and place
    ("conv1: $\\frac{224 - 11 + 4}{4} + 1 = 55$\n\npool1: $\\frac{55 - 3}{2} + 1 = 27$\n\n"
     "conv2: $\\frac{27 - 5}{1} + 1 = 23$\n\npool2: $\\frac{23 - 3}{2} + 1 = 11$", [(5, "no-padding")]),
    # the general rule and square maps
    (r"$$H_{out} = \lfloor (H_{in} + 2p - k)/s \rfloor + 1$$", []),
    (r"$$n_{out} = (n - k)/s + 1$$", [(1, "")]),
    (r"$$W_l = H_l$$", []),
    ("conv1 ($k = 11$, $s = 4$, $p = 2$)", []),
])
def test_sizes(sheet, wrong):
    assert _wrong(sheet, ALEX) == wrong


@pytest.mark.parametrize("sheet,wrong", [
    # the recurrence with the writer's own numbers carried forward: only the slip is flagged
    ("$$r_1 = 11 \\qquad j_1 = 4$$\n$$r_2 = 11 + 2 \\cdot 4 = 19 \\qquad j_2 = 8$$", []),
    ("$$r_1 = 11 \\qquad j_1 = 1$$\n$$r_2 = 11 + 2 \\cdot 1 = 13 \\qquad j_2 = 2$$\n$$r_3 = 13 + 4 \\cdot 2 = 21$$",
     [(1, "no-stride")]),
    ("$$r_1 = 11$$\n$$r_2 = 11 + 2 = 13$$", [(2, "no-jump")]),
    # a bare r stepped along the path, and the final answer
    ("conv1 $r = 1 + 10 = 11$, $j = 4$, pool1 $r = 11 + 2 \\cdot 4 = 19$\n\nSo $r = 195$.", []),
    ("$$r = 195$$", []),
    ("$$r = 67$$", [(1, "")]),
])
def test_receptive_field(sheet, wrong):
    assert _wrong(sheet, ALEX5) == wrong


@pytest.mark.parametrize("sheet,wrong", [
    # a total of the writer's numbers: right given their slip, flagged where the slip is
    ("$$N_{fc} = 37752832 + 16781312 + 4097000 = 58613144$$\n$$N = 2469696 + 58613144 = 61082840$$", [(1, "")]),
    ("$$N_{fc} = 58613144$$\n$$N = N_{conv} + N_{fc} = 61082840$$", [(1, "")]),
    ("$$N = 2469696 + 58613144 = 61082840$$", [(1, "")]),
])
def test_totals_carry_the_writers_numbers(sheet, wrong):
    assert _wrong(sheet, ALEX) == wrong


def test_lenet_bias_slip_then_total():
    sheet = ("- C1: $6 \\times (25 + 1) = 156$\n- F6: $120 \\times 84 = 10080$\n\n"
             "$N = 156 + 2416 + 48120 + 10080 + 850 = 61622$")
    assert _wrong(sheet, LENET) == [(2, "params-no-bias")]


def test_weights_only_sheet_is_not_flagged_per_layer():
    # no bias counted anywhere yet: a bare weight count is the writer's convention, not a slip (the total is)
    sheet = "$$11 \\times 11 \\times 3 \\times 64 = 23232$$\n$$5 \\times 5 \\times 64 \\times 192 = 307200$$"
    assert _wrong(sheet, ALEX) == []


def test_dilation_ignored():
    sheet = ("$$H_1 = 28, \\quad W_1 = 28$$\n\n$$H_2 = W_2 = 14$$\n\n$$H_3 = (14 - 3)/1 + 1 = 12$$\n\n"
             "$$H_4 = \\lceil (12 - 2)/2 \\rceil + 1 = 6$$")
    report = check(sheet, {"kind": "cnn", "spec": "examples/cnn_tiny.json"}, isolate=False)
    wrong = [f for f in report.findings if f.verdict == "wrong"]
    assert [f.line for f in wrong] == [5] and "dilation" in wrong[0].message


def test_vgg_block_table_is_clean():
    sheet = ("Block 1: conv1_1 $r = 1 + 2 \\cdot 1 = 3$, conv1_2 $r = 3 + 2 = 5$, pool1 $r = 5 + 1 = 6$, $j = 2$\n\n"
             "Block 2: conv2_1 $r = 6 + 2 \\cdot 2 = 10$, conv2_2 $r = 14$, pool2 $r = 14 + 1 \\cdot 2 = 16$, $j = 4$")
    assert _wrong(sheet, {"kind": "cnn", "preset": "vgg16", "layer": "pool5"}) == []


# ------------------------------------------------------------------ rules the writer states in general symbols
# AlexNet by hand: conv1 (11·11·3 + 1)·64 = 23296, without biases 11·11·3·64 = 23232; conv2 (5·5·64 + 1)·192 =
# 307392, without 307200; fc8 (4096 + 1)·1000 = 4097000. Receptive field: conv1 r 11, j 4; pool1 r 11 + 2·4 = 19,
# j 8; conv2 r 19 + 4·8 = 51 -- with the pools left out, conv2 gets 11 + 4·4 = 27.

@pytest.mark.parametrize("rule", [
    r"P = (F^2 D + 1) K",                          # CS231n: F spatial extent, D depth, K filters
    r"N_{\text{layer}} = (k^2 C_{in} + 1) C_{out}",
    r"n_p = k_h k_w c_{in} c_{out} + c_{out}",
    r"W_{fc} = (n_{in} + 1) n_{out}",
])
def test_a_right_rule_in_any_symbols_is_right(rule):
    sheet = f"$${rule}$$\n\n$$\\text{{conv1}}: (11 \\cdot 11 \\cdot 3 + 1) \\cdot 64 = 23296$$\n"
    report = check(sheet, ALEX, isolate=False)
    assert not [f for f in report.findings if f.verdict in ("wrong", "unverifiable")], report.findings


@pytest.mark.parametrize("rule", [r"P = F^2 D K", r"N_{\text{layer}} = k^2 C_{in} C_{out}", r"p = k_h k_w c_{in} c_{out}"])
def test_a_stated_rule_without_biases_is_flagged_once_and_followed(rule):
    sheet = (f"Each layer has\n$${rule}$$\n\n$$\\text{{conv1}}: 11 \\cdot 11 \\cdot 3 \\cdot 64 = 23232$$\n\n"
             "$$\\text{conv2}: 5 \\cdot 5 \\cdot 64 \\cdot 192 = 307200$$\n")
    assert _wrong(sheet, ALEX) == [(2, "params-no-bias")]


def test_without_a_stated_rule_each_count_without_biases_is_its_own_mistake():
    sheet = "$$\\text{conv1}: 11 \\cdot 11 \\cdot 3 \\cdot 64 = 23232$$\n"
    assert _wrong(sheet, ALEX) == [(1, "params-no-bias")]


def test_a_rule_no_reading_fits_is_never_a_false_alarm():
    report = check("$$P = a b + c d + e$$\n", ALEX, isolate=False)
    assert not [f for f in report.findings if f.verdict == "wrong"]


POOL_RULE_SHEET = r"""Pooling has no weights, so

$$r_{\text{pool}} = r_{\text{in}}, \qquad j_{\text{pool}} = j_{\text{in}}$$

$$r_{\text{conv1}} = 1 + (11 - 1) \cdot 1 = 11, \qquad j_{\text{conv1}} = 4$$

$$r_{\text{conv2}} = 11 + (5 - 1) \cdot 4 = 27$$
"""


def test_a_stated_pool_rule_is_flagged_and_the_steps_that_follow_it_are_carried():
    assert _wrong(POOL_RULE_SHEET, {"kind": "cnn", "preset": "alexnet", "layer": "conv2"}) == \
        [(3, "rf-no-pool"), (3, "rf-no-pool")]
    unstated = POOL_RULE_SHEET.split("\n", 3)[3]   # the same steps with no rule stated: the step is the mistake
    assert [d for _, d in _wrong(unstated, {"kind": "cnn", "preset": "alexnet", "layer": "conv2"})] == ["rf-no-pool"]


def test_a_named_group_count_and_its_carried_total():
    # ResNet-18 layer2 by hand: 525568; layer2.0 = 230144 (with the downsample branch's 8192 + 256),
    # layer2.1 = 295424; a writer who leaves the branch out writes 221696 and then 221696 + 295424 = 517120
    sheet = ("$$N_{\\text{layer2.0}} = 221696$$\n\n$$N_{\\text{layer2.1}} = 295424$$\n\n"
             "$$N_{\\text{layer2}} = 221696 + 295424 = 517120$$\n")
    assert [ln for ln, _ in _wrong(sheet, R18)] == [1]
    assert _wrong("$$N_{\\text{layer2}} = 525568$$\n", R18) == []


def test_a_shape_after_a_size_states_the_size_again():
    # ResNet-34 by hand: conv1 (224 + 6 - 7)/2 + 1 = 112 (floored), output 64 × 112 × 112
    row = "| conv1 | $7 \\times 7$, 64, stride 2 | $\\lfloor (224 + 6 - 7)/2 \\rfloor + 1 = 112$ | $64 \\times {h} \\times {h}$ |\n"
    head = "| layer | operation | computation | output |\n|---|---|---|---|\n"
    assert _wrong(head + row.format(h=112), {"kind": "cnn", "preset": "resnet34"}) == []
    assert [ln for ln, _ in _wrong(head + row.format(h=111), {"kind": "cnn", "preset": "resnet34"})] == [3]


def test_a_stated_recurrence_without_the_jump_is_followed():
    # AlexNet conv1 k 11 s 4, pool1 k 3 s 2, conv2 k 5: with r_l = r_{l-1} + (k_l - 1) the writer gets 11, 13, 17
    sheet = ("$$r_l = r_{l-1} + (k_l - 1)$$\n\n- conv1: $r = 1 + 10 = 11$\n- pool1: $r = 11 + 2 = 13$\n"
             "- conv2: $r = 13 + 4 = 17$\n")
    assert _wrong(sheet, {"kind": "cnn", "preset": "alexnet", "layer": "conv2"}) == [(1, "no-jump")]


@pytest.mark.parametrize("start", ["$r = 1$, $j = 1$", "$r = j = 1$"])
def test_the_start_of_the_recurrence_is_not_the_answer(start):
    # AlexNet conv1 (k 11, s 4) by hand: r = 1 + 10 = 11, j = 4
    sheet = f"Starting from {start}:\n\n- conv1: $r = 1 + 10 \\cdot 1 = 11$, $j = 1 \\cdot 4 = 4$\n"
    assert _wrong(sheet, {"kind": "cnn", "preset": "alexnet", "layer": "conv1"}) == []
