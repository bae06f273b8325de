"""CNN sheets. Parameter counts and output shapes: torch.nn modules built by hand after torchvision's VGG,
AlexNet and ResNet (BasicBlock), LeNet-5 as usually rebuilt, and the two spec files this script writes.
Receptive fields: a hand-coded recurrence r_l = r_{l-1} + d_l (k_l - 1) j_{l-1}, j_l = j_{l-1} s_l, checked
by brute force (the input support of one unit's gradient in a one-channel copy with positive weights and
average pools in place of max pools). Every number on a sheet is a placeholder filled from these computations;
the writer's wrong numbers come from the writer's formula and are checked to differ from the true ones."""
import json

import torch
import torch.nn as nn

from book import ERRORS, OUT, Sheet, finish

torch.manual_seed(0)


def npar(m):
    return sum(p.numel() for p in m.parameters())


def eq(label, got, want):
    if got != want:
        ERRORS.append(f"{label}: {got} != {want}")


def ne(label, got, want):
    if got == want:
        ERRORS.append(f"{label}: the writer's {got} equals the true value")


def rf(path):
    """path: [(name, k, s, d)] -> {name: (r, j)}"""
    r, j, out = 1, 1, {}
    for name, k, s, d in path:
        r += d * (k - 1) * j
        j *= s
        out[name] = (r, j)
    return out


def brute_rf(layers, size, unit):
    """Support (rows) of d out[unit] / d input for a 1-channel net of (kind, k, s, p, d) layers."""
    mods = []
    for kind, k, s, p, d in layers:
        if kind == "conv":
            c = nn.Conv2d(1, 1, k, s, p, dilation=d, bias=False)
            nn.init.constant_(c.weight, 1.0)
            mods.append(c)
        else:
            mods.append(nn.AvgPool2d(k, s, p))
    net = nn.Sequential(*mods)
    x = torch.rand(1, 1, size, size, requires_grad=True)
    y = net(x)
    y[0, 0, unit, unit].backward()
    rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
    if rows.min() == 0 or rows.max() == size - 1:
        ERRORS.append("brute-force receptive field touches the border")
    return int(rows.max() - rows.min() + 1)


def conv_line(k, cin, cout, bias=True):
    n = (k * k * cin + (1 if bias else 0)) * cout
    return n, rf"(9 \cdot {cin} + 1) \cdot {cout} = {n}" if k == 3 else None


# ------------------------------------------------------------------ VGG after torchvision
CFG = {"vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
       "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
       "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                 512, 512, 512, 512, "M"]}


def vgg(cfg, bn=False):
    layers, names, c, blk, i = [], [], 3, 1, 1
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2)); names.append(f"pool{blk}"); blk += 1; i = 1
        else:
            layers.append(nn.Conv2d(c, v, 3, padding=1)); names.append(f"conv{blk}_{i}"); i += 1
            if bn:
                layers.append(nn.BatchNorm2d(v)); names.append("bn")
            layers.append(nn.ReLU(True)); names.append("relu")
            c = v
    cls = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))
    return nn.Sequential(*layers), names, cls


# ------------------------------------------------------------------ C1 vgg13 parameters, multi-layer lines (ok)
feats, names, cls = vgg(CFG["vgg13"])
per = {n: npar(m) for n, m in zip(names, feats) if n.startswith("conv")}
s = Sheet("cnn_vgg13_params_multilayer_ok", {"kind": "cnn", "preset": "vgg13"})
for n, v in per.items():
    s.put(n, v)
eq("C1 conv1_1", per["conv1_1"], (27 + 1) * 64)
eq("C1 same", [per["conv4_2"], per["conv5_1"], per["conv5_2"]], [(9 * 512 + 1) * 512] * 3)
Nconv = sum(per.values()); s.put("Nconv", Nconv)
eq("C1 Nconv", Nconv, npar(feats))
eq("C1 sum as written", per["conv1_1"] + per["conv1_2"] + per["conv2_1"] + per["conv2_2"] + per["conv3_1"]
   + per["conv3_2"] + per["conv4_1"] + 3 * per["conv4_2"], Nconv)
fc = [npar(cls[0]), npar(cls[3]), npar(cls[6])]
for n, v in zip(("fc6", "fc7", "fc8"), fc):
    s.put(n, v)
eq("C1 fc", fc, [25088 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000])
s.put("Nfc", sum(fc)); eq("C1 Nfc", sum(fc), npar(cls))
eq("C1 written formulas", [per[n] for n in ("conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2",
                                              "conv4_1", "conv4_2")],
   [(9 * ci + 1) * co for ci, co in ((3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256),
                                      (256, 512), (512, 512))])
eq("C1 25088", 512 * 7 * 7, 25088)
s.put("N", Nconv + sum(fc)); eq("C1 N", Nconv + sum(fc), npar(feats) + npar(cls))
s.put("Nm", f"{(Nconv + sum(fc)) / 1e6:.1f}")
s.write(r"""
**2(a)** Trainable parameters of VGG-13 (torchvision `vgg13`, configuration B).

Every convolution is $3 \times 3$ with a bias, so a layer from $C_{in}$ to $C_{out}$ channels has
$(9 C_{in} + 1)\, C_{out}$ parameters. Pooling and ReLU layers have none.

- conv1_1: $(9 \cdot 3 + 1) \cdot 64 = {{conv1_1}}$
- conv1_2: $(9 \cdot 64 + 1) \cdot 64 = {{conv1_2}}$
- conv2_1: $(9 \cdot 64 + 1) \cdot 128 = {{conv2_1}}$
- conv2_2: $(9 \cdot 128 + 1) \cdot 128 = {{conv2_2}}$
- conv3_1: $(9 \cdot 128 + 1) \cdot 256 = {{conv3_1}}$
- conv3_2: $(9 \cdot 256 + 1) \cdot 256 = {{conv3_2}}$
- conv4_1: $(9 \cdot 256 + 1) \cdot 512 = {{conv4_1}}$
- conv4_2, conv5_1, conv5_2: $(9 \cdot 512 + 1) \cdot 512 = {{conv4_2}}$ each

$$N_{conv} = {{conv1_1}} + {{conv1_2}} + {{conv2_1}} + {{conv2_2}} + {{conv3_1}} + {{conv3_2}} + {{conv4_1}} + 3 \cdot {{conv4_2}} = {{Nconv}}$$

The classifier sees $512 \cdot 7 \cdot 7 = 25088$ features:

- fc6: $25088 \cdot 4096 + 4096 = {{fc6}}$
- fc7: $4096 \cdot 4096 + 4096 = {{fc7}}$
- fc8: $4096 \cdot 1000 + 1000 = {{fc8}}$

$$N_{fc} = {{fc6}} + {{fc7}} + {{fc8}} = {{Nfc}}$$

$$N = N_{conv} + N_{fc} = {{Nconv}} + {{Nfc}} = {{N}} \approx {{Nm}}\text{M}$$
""", [])

# ------------------------------------------------------------------ C2 vgg16 conv5_3 receptive field in prose (ok)
path = []
blk, i = 1, 1
for v in CFG["vgg16"]:
    if v == "M":
        path.append((f"pool{blk}", 2, 2, 1)); blk += 1; i = 1
    else:
        path.append((f"conv{blk}_{i}", 3, 1, 1)); i += 1
R = rf(path)
s = Sheet("cnn_vgg16_conv5_3_rf_prose_ok", {"kind": "cnn", "preset": "vgg16", "layer": "conv5_3"})
for n, (r, j) in R.items():
    s.put("r_" + n, r); s.put("j_" + n, j)
layers = []
for n, k, st, d in path[:path.index(("conv5_3", 3, 1, 1)) + 1]:
    layers.append(("conv", 3, 1, 1, 1) if n.startswith("conv") else ("pool", 2, 2, 0, 1))
eq("C2 brute force", brute_rf(layers, 320, 10), R["conv5_3"][0])
eq("C2 values", [R[n] for n in ("pool1", "pool2", "pool3", "pool4", "conv5_3")],
   [(6, 2), (16, 4), (44, 8), (100, 16), (196, 16)])
s.put("add5", 2 * 16); s.put("add5x3", 3 * 2 * 16)
eq("C2 prose arithmetic", [1 + 2 + 2, R["pool1"][0] + 4 + 4, R["conv2_2"][0] + 2, R["pool2"][0] + 24,
                           R["conv3_3"][0] + 4, R["pool3"][0] + 48, R["conv4_3"][0] + 8, R["pool4"][0] + 96],
   [R[n][0] for n in ("conv1_2", "conv2_2", "pool2", "conv3_3", "pool3", "conv4_3", "pool4", "conv5_3")])
s.write(r"""
### Receptive field of a conv5_3 unit in VGG-16

I track two numbers through the network, the receptive field $r$ and the jump $j$ (the distance in input pixels
between neighbouring units of the current layer), starting from $r = 1$, $j = 1$ at the input. A layer with
kernel $k$ and stride $s$ does $r \leftarrow r + (k - 1)\, j$ and then $j \leftarrow j\, s$. In words: each
$3 \times 3$ convolution (stride 1) adds $(k - 1) \cdot j = 2j$ to $r$ and leaves $j$ alone, and each
$2 \times 2$ max-pool with stride 2 adds $j$ to $r$ and doubles $j$. Padding plays no role.

Block by block:

1. conv1_1, conv1_2: $r = 1 + 2 + 2 = {{r_conv1_2}}$, $j = 1$; pool1: $r = {{r_pool1}}$, $j = {{j_pool1}}$.
2. conv2_1, conv2_2: each adds $2 \cdot 2 = 4$, so $r = {{r_conv2_2}}$; pool2: $r = {{r_conv2_2}} + 2 = {{r_pool2}}$, $j = {{j_pool2}}$.
3. conv3_1, conv3_2, conv3_3: each adds $2 \cdot 4 = 8$, so $r = {{r_pool2}} + 24 = {{r_conv3_3}}$; pool3: $r = {{r_conv3_3}} + 4 = {{r_pool3}}$, $j = {{j_pool3}}$.
4. conv4_1, conv4_2, conv4_3: each adds $2 \cdot 8 = 16$, so $r = {{r_pool3}} + 48 = {{r_conv4_3}}$; pool4: $r = {{r_conv4_3}} + 8 = {{r_pool4}}$, $j = {{j_pool4}}$.
5. conv5_1, conv5_2, conv5_3: each adds $2 \cdot 16 = {{add5}}$, so $r = {{r_pool4}} + {{add5x3}} = {{r_conv5_3}}$, with $j = {{j_conv5_3}}$.

So one conv5_3 unit sees a ${{r_conv5_3}} \times {{r_conv5_3}}$ patch of the $224 \times 224$ input, and
neighbouring conv5_3 units are ${{j_conv5_3}}$ pixels apart.
""", [])


# ------------------------------------------------------------------ ResNet BasicBlock after torchvision
class Basic(nn.Module):
    def __init__(self, cin, cout, stride=1, down=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); self.bn2 = nn.BatchNorm2d(cout)
        if down is None:
            down = stride != 1 or cin != cout
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) \
            if down else None

    def forward(self, x):
        o = torch.relu(self.bn1(self.conv1(x)))
        o = self.bn2(self.conv2(o))
        return torch.relu(o + (x if self.downsample is None else self.downsample(x)))


def stage(cin, cout, n, stride):
    return nn.Sequential(Basic(cin, cout, stride), *[Basic(cout, cout) for _ in range(n - 1)])


stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
r34 = [stage(64, 64, 3, 1), stage(64, 128, 4, 2), stage(128, 256, 6, 2), stage(256, 512, 3, 2)]
fc34 = nn.Linear(512, 1000)
N34 = npar(stem) + sum(npar(m) for m in r34) + npar(fc34)
eq("resnet34 total (torchvision's 21797672)", N34, 21797672)

# ------------------------------------------------------------------ C3 resnet34 sizes table + layer2 parameters (ok)
x = torch.zeros(1, 3, 224, 224)
h1 = stem[0](x); h2 = stem[3](stem[2](stem[1](h1)))
shapes = [tuple(h1.shape[1:]), tuple(h2.shape[1:])]
h = h2
for m in r34:
    h = m(h); shapes.append(tuple(h.shape[1:]))
eq("C3 shapes", shapes, [(64, 112, 112), (64, 56, 56), (64, 56, 56), (128, 28, 28), (256, 14, 14), (512, 7, 7)])
eq("C3 formulas", [(224 + 6 - 7) // 2 + 1, (112 + 2 - 3) // 2 + 1, (56 + 2 - 3) // 2 + 1, (28 + 2 - 3) // 2 + 1,
                   (14 + 2 - 3) // 2 + 1], [112, 56, 28, 14, 7])
L2 = r34[1]
b0 = L2[0]
s = Sheet("cnn_resnet34_sizes_layer2_ok", {"kind": "cnn", "preset": "resnet34"})
vals = {"c1": npar(b0.conv1), "c2": npar(b0.conv2), "bn": npar(b0.bn1), "ds": npar(b0.downsample[0]),
        "dsbn": npar(b0.downsample[1]), "b0": npar(b0), "b1": npar(L2[1]), "L2": npar(L2)}
eq("C3 block parts", [vals["c1"], vals["c2"], vals["bn"], vals["ds"], vals["dsbn"]],
   [9 * 64 * 128, 9 * 128 * 128, 256, 64 * 128, 256])
eq("C3 b0", vals["b0"], vals["c1"] + vals["c2"] + 2 * vals["bn"] + vals["ds"] + vals["dsbn"])
eq("C3 b1", vals["b1"], 2 * vals["c2"] + 2 * vals["bn"])
eq("C3 L2", vals["L2"], vals["b0"] + 3 * vals["b1"])
eq("C3 b2 b3", [npar(L2[2]), npar(L2[3])], [vals["b1"]] * 2)
for k, v in vals.items():
    s.put(k, v)
s.put("bn2", 2 * vals["bn"])
s.write(r"""
**ResNet-34 (torchvision), input $3 \times 224 \times 224$.** Output sizes use
$n_{out} = \lfloor (n + 2p - k)/s \rfloor + 1$.

| layer | operation | computation | output |
|---|---|---|---|
| conv1 | $7 \times 7$, 64, stride 2, pad 3 | $\lfloor (224 + 6 - 7)/2 \rfloor + 1 = 112$ | $64 \times 112 \times 112$ |
| maxpool | $3 \times 3$, stride 2, pad 1 | $\lfloor (112 + 2 - 3)/2 \rfloor + 1 = 56$ | $64 \times 56 \times 56$ |
| layer1 | 3 basic blocks, 64 | stride 1 | $64 \times 56 \times 56$ |
| layer2 | 4 basic blocks, 128 | first $3 \times 3$ stride 2: $\lfloor (56 + 2 - 3)/2 \rfloor + 1 = 28$ | $128 \times 28 \times 28$ |
| layer3 | 6 basic blocks, 256 | $\lfloor (28 + 2 - 3)/2 \rfloor + 1 = 14$ | $256 \times 14 \times 14$ |
| layer4 | 3 basic blocks, 512 | $\lfloor (14 + 2 - 3)/2 \rfloor + 1 = 7$ | $512 \times 7 \times 7$ |
| avgpool | global average | | $512 \times 1 \times 1$ |
| fc | $512 \to 1000$ | | $1000$ |

Parameters of layer2 (convolutions have no bias; each BatchNorm has $2C$):

- layer2.0.conv1: $3 \cdot 3 \cdot 64 \cdot 128 = {{c1}}$, bn1: ${{bn}}$
- layer2.0.conv2: $3 \cdot 3 \cdot 128 \cdot 128 = {{c2}}$, bn2: ${{bn}}$
- layer2.0.downsample: $1 \times 1$ conv $64 \cdot 128 = {{ds}}$, its BatchNorm ${{dsbn}}$
- layer2.0 in total: ${{c1}} + {{c2}} + {{bn2}} + {{ds}} + {{dsbn}} = {{b0}}$
- layer2.1, layer2.2, layer2.3: $2 \cdot {{c2}} + {{bn2}} = {{b1}}$ each (identity shortcut)

$$N_{\text{layer2}} = {{b0}} + 3 \cdot {{b1}} = {{L2}}$$
""", [])

# ------------------------------------------------------------------ C4 LeNet-5 up to C3: sizes, parameters, receptive field (ok)
c1 = nn.Conv2d(1, 6, 5); s2 = nn.AvgPool2d(2, 2); c3 = nn.Conv2d(6, 16, 5)
hh = torch.zeros(1, 1, 32, 32)
o1 = c1(hh); o2 = s2(o1); o3 = c3(o2)
eq("C4 shapes", [tuple(o.shape[1:]) for o in (o1, o2, o3)], [(6, 28, 28), (6, 14, 14), (16, 10, 10)])
Rl = rf([("c1", 5, 1, 1), ("s2", 2, 2, 1), ("c3", 5, 1, 1)])
eq("C4 rf", [Rl["c1"], Rl["s2"], Rl["c3"]], [(5, 1), (6, 2), (14, 2)])
eq("C4 rf brute", brute_rf([("conv", 5, 1, 0, 1), ("pool", 2, 2, 0, 1), ("conv", 5, 1, 0, 1)], 40, 6), 14)
s = Sheet("cnn_lenet5_c3_sizes_rf_ok", {"kind": "cnn", "preset": "lenet5", "layer": "c3"})
s.put("pc1", npar(c1)); s.put("pc3", npar(c3))
eq("C4 params", [npar(c1), npar(c3)], [(25 + 1) * 6, (25 * 6 + 1) * 16])
s.write(r"""
LeNet-5 on a $32 \times 32$ grey image, the first three layers (C1, S2, C3).

(a) Feature-map sizes. A $5 \times 5$ convolution without padding takes $n$ to $n - 4$; the $2 \times 2$
subsampling with stride 2 halves $n$.

- C1: $32 - 5 + 1 = 28$, six maps, $6 \times 28 \times 28$
- S2: $28 / 2 = 14$, $6 \times 14 \times 14$
- C3: $14 - 5 + 1 = 10$, sixteen maps, $16 \times 10 \times 10$

(b) Parameters (the usual rebuild connects every C3 map to all six S2 maps; S2 is plain average pooling):

- C1: $(5 \cdot 5 \cdot 1 + 1) \cdot 6 = {{pc1}}$
- S2: $0$
- C3: $(5 \cdot 5 \cdot 6 + 1) \cdot 16 = {{pc3}}$

(c) Receptive field of one C3 unit, with $r_l = r_{l-1} + (k_l - 1)\, j_{l-1}$ and $j_l = j_{l-1} s_l$:

| layer | $k$ | $s$ | $r$ | $j$ |
|---|---|---|---|---|
| input | | | 1 | 1 |
| C1 | 5 | 1 | 5 | 1 |
| S2 | 2 | 2 | 6 | 2 |
| C3 | 5 | 1 | 14 | 2 |

A C3 unit sees a $14 \times 14$ window of the image.
""", [])

# ------------------------------------------------------------------ spec files
SPEC_A = {
    "name": "strided-dilated",
    "input": [3, 96, 96],
    "layers": [
        {"name": "conv1", "type": "conv2d", "out_channels": 24, "kernel_size": 5, "stride": 2, "padding": 2},
        {"name": "bn1", "type": "batchnorm2d"},
        {"name": "relu1", "type": "relu"},
        {"name": "conv2", "type": "conv2d", "out_channels": 48, "kernel_size": 3, "padding": 1, "bias": False},
        {"name": "bn2", "type": "batchnorm2d"},
        {"name": "relu2", "type": "relu"},
        {"name": "pool", "type": "maxpool2d", "kernel_size": 3, "stride": 2},
        {"name": "conv3", "type": "conv2d", "out_channels": 64, "kernel_size": 3, "dilation": 2, "padding": 2},
        {"name": "relu3", "type": "relu"},
        {"name": "gap", "type": "adaptiveavgpool2d", "output_size": 1},
        {"name": "flatten", "type": "flatten"},
        {"name": "fc", "type": "linear", "out_features": 5},
    ],
}
SPEC_B = {
    "name": "two-stage",
    "input": [3, 64, 64],
    "layers": [
        {"name": "conv1", "type": "conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
        {"name": "relu1", "type": "relu"},
        {"name": "conv2", "type": "conv2d", "out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1},
        {"name": "relu2", "type": "relu"},
        {"name": "pool", "type": "maxpool2d", "kernel_size": 2, "stride": 2},
        {"name": "conv3", "type": "conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1},
        {"name": "relu3", "type": "relu"},
        {"name": "conv4", "type": "conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1},
        {"name": "relu4", "type": "relu"},
        {"name": "gap", "type": "adaptiveavgpool2d", "output_size": 1},
        {"name": "flatten", "type": "flatten"},
        {"name": "fc", "type": "linear", "out_features": 10},
    ],
}
(OUT / "specs").mkdir(exist_ok=True)
for fname, spec in (("strided_dilated.json", SPEC_A), ("two_stage.json", SPEC_B)):
    (OUT / "specs" / fname).write_text(json.dumps(spec, indent=2) + "\n")


def build(spec):
    """torch modules for a spec (the subset of types used here)."""
    c, mods = spec["input"][0], {}
    for L in spec["layers"]:
        t = L["type"]
        if t == "conv2d":
            m = nn.Conv2d(c, L["out_channels"], L["kernel_size"], L.get("stride", 1), L.get("padding", 0),
                          dilation=L.get("dilation", 1), groups=L.get("groups", 1), bias=L.get("bias", True))
            c = L["out_channels"]
        elif t == "batchnorm2d":
            m = nn.BatchNorm2d(c)
        elif t == "relu":
            m = nn.ReLU()
        elif t == "maxpool2d":
            m = nn.MaxPool2d(L["kernel_size"], L.get("stride", L["kernel_size"]))
        elif t == "adaptiveavgpool2d":
            m = nn.AdaptiveAvgPool2d(L["output_size"])
        elif t == "flatten":
            m = nn.Flatten()
        elif t == "linear":
            m = nn.Linear(c, L["out_features"]); c = L["out_features"]
        mods[L["name"]] = m
    h, shp = torch.zeros(1, *spec["input"]), {}
    for k, m in mods.items():
        h = m(h); shp[k] = tuple(h.shape[1:])
    return mods, shp


# ------------------------------------------------------------------ C5 spec A: shapes, parameters, receptive field (ok)
mods, shp = build(SPEC_A)
cnt = {k: npar(m) for k, m in mods.items()}
eq("C5 shapes", [shp[k] for k in ("conv1", "conv2", "pool", "conv3", "gap", "fc")],
   [(24, 48, 48), (48, 48, 48), (48, 23, 23), (64, 23, 23), (64, 1, 1), (5,)])
eq("C5 size formulas", [(96 + 4 - 5) // 2 + 1, 48 + 2 - 3 + 1, (48 - 3) // 2 + 1, 23 + 4 - 2 * 2 - 1 + 1],
   [48, 48, 23, 23])
eq("C5 params", [cnt[k] for k in ("conv1", "bn1", "conv2", "bn2", "conv3", "fc")],
   [(5 * 5 * 3 + 1) * 24, 2 * 24, 3 * 3 * 24 * 48, 2 * 48, (9 * 48 + 1) * 64, 64 * 5 + 5])
NA = sum(cnt.values())
eq("C5 total", NA, 1824 + 48 + 10368 + 96 + 27712 + 325)
RA = rf([("conv1", 5, 2, 1), ("conv2", 3, 1, 1), ("pool", 3, 2, 1), ("conv3", 3, 1, 2)])
eq("C5 rf", [RA[k] for k in ("conv1", "conv2", "pool", "conv3")], [(5, 2), (9, 2), (13, 4), (29, 4)])
eq("C5 rf brute", brute_rf([("conv", 5, 2, 2, 1), ("conv", 3, 1, 1, 1), ("pool", 3, 2, 0, 1),
                            ("conv", 3, 1, 2, 2)], 96, 11), 29)
s = Sheet("cnn_spec_strided_dilated_ok",
          {"kind": "cnn", "spec": "tests/data/check/holdout3/specs/strided_dilated.json", "layer": "conv3"})
for k, v in cnt.items():
    s.put("p_" + k, v)
s.put("N", NA)
s.write(r"""
**Q6.** For the network in `specs/strided_dilated.json` (input $3 \times 96 \times 96$) give the output shape and
the parameter count of every layer, the total, and the receptive field of a conv3 unit.

Size rule: $n_{out} = \left\lfloor \dfrac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$.

| layer | type | output | parameters |
|---|---|---|---|
| conv1 | $5 \times 5$, 24 filters, stride 2, pad 2 | $24 \times 48 \times 48$ | $(5 \cdot 5 \cdot 3 + 1) \cdot 24 = {{p_conv1}}$ |
| bn1 | BatchNorm(24) | $24 \times 48 \times 48$ | $2 \cdot 24 = {{p_bn1}}$ |
| conv2 | $3 \times 3$, 48 filters, pad 1, no bias | $48 \times 48 \times 48$ | $3 \cdot 3 \cdot 24 \cdot 48 = {{p_conv2}}$ |
| bn2 | BatchNorm(48) | $48 \times 48 \times 48$ | $2 \cdot 48 = {{p_bn2}}$ |
| pool | max $3 \times 3$, stride 2 | $48 \times 23 \times 23$ | $0$ |
| conv3 | $3 \times 3$, 64 filters, dilation 2, pad 2 | $64 \times 23 \times 23$ | $(9 \cdot 48 + 1) \cdot 64 = {{p_conv3}}$ |
| gap | global average pool | $64 \times 1 \times 1$ | $0$ |
| fc | Linear(64, 5) | $5$ | $64 \cdot 5 + 5 = {{p_fc}}$ |

Sizes: conv1 $\lfloor (96 + 4 - 5)/2 \rfloor + 1 = 47 + 1 = 48$; pool $\lfloor (48 - 3)/2 \rfloor + 1 = 22 + 1 = 23$
(the last row and column are dropped); conv3 $23 + 4 - 2 \cdot 2 - 1 + 1 = 23$.

Total: $N = {{p_conv1}} + {{p_bn1}} + {{p_conv2}} + {{p_bn2}} + {{p_conv3}} + {{p_fc}} = {{N}}$.

Receptive field, $r \leftarrow r + d(k - 1)\, j$, then $j \leftarrow j s$, from $r = j = 1$:

- conv1: $r = 1 + 4 \cdot 1 = 5$, $j = 2$
- conv2: $r = 5 + 2 \cdot 2 = 9$, $j = 2$
- pool: $r = 9 + 2 \cdot 2 = 13$, $j = 4$
- conv3: $r = 13 + 2 \cdot 2 \cdot 4 = 29$, $j = 4$

A conv3 unit sees $29 \times 29$ input pixels.
""", [])

# ------------------------------------------------------------------ C6 AlexNet conv5 receptive field, recurrence lines (ok)
apath = [("conv1", 11, 4, 1), ("pool1", 3, 2, 1), ("conv2", 5, 1, 1), ("pool2", 3, 2, 1), ("conv3", 3, 1, 1),
         ("conv4", 3, 1, 1), ("conv5", 3, 1, 1)]
RA6 = rf(apath)
eq("C6 rf", [RA6[k] for k in ("conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5")],
   [(11, 4), (19, 8), (51, 8), (67, 16), (99, 16), (131, 16), (163, 16)])
eq("C6 rf brute", brute_rf([("conv", 11, 4, 2, 1), ("pool", 3, 2, 0, 1), ("conv", 5, 1, 2, 1), ("pool", 3, 2, 0, 1),
                            ("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1)], 352, 10), 163)
s = Sheet("cnn_alexnet_conv5_rf_recurrence_ok", {"kind": "cnn", "preset": "alexnet", "layer": "conv5"})
for k, (r, j) in RA6.items():
    s.put("r" + k, r); s.put("j" + k, j)
s.write(r"""
Receptive field of a unit in AlexNet's conv5 (torchvision layout: conv1 $11 \times 11$/4, pool1 $3 \times 3$/2,
conv2 $5 \times 5$, pool2 $3 \times 3$/2, conv3–conv5 $3 \times 3$, all other strides 1).

Recurrence, from $r_0 = 1$, $j_0 = 1$:

$$r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = s_l\, j_{l-1}$$

$$r_1 = 1 + 10 \cdot 1 = {{rconv1}}, \qquad j_1 = 4 \qquad \text{(conv1)}$$

$$r_2 = {{rconv1}} + 2 \cdot 4 = {{rpool1}}, \qquad j_2 = 8 \qquad \text{(pool1)}$$

$$r_3 = {{rpool1}} + 4 \cdot 8 = {{rconv2}}, \qquad j_3 = 8 \qquad \text{(conv2)}$$

$$r_4 = {{rconv2}} + 2 \cdot 8 = {{rpool2}}, \qquad j_4 = 16 \qquad \text{(pool2)}$$

$$r_5 = {{rpool2}} + 2 \cdot 16 = {{rconv3}}, \qquad r_6 = {{rconv3}} + 32 = {{rconv4}}, \qquad r_7 = {{rconv4}} + 32 = {{rconv5}} \qquad \text{(conv3, conv4, conv5)}$$

and $j$ stays ${{jconv5}}$ through conv3–conv5. A conv5 unit therefore sees ${{rconv5}} \times {{rconv5}}$ input
pixels (most of the $224 \times 224$ image), and adjacent conv5 units are ${{jconv5}}$ pixels apart.
""", [])

# ================================================================== sheets with mistakes
# ------------------------------------------------------------------ W1 resnet34 layer3 without the downsample branch
L3 = r34[2]
b30, b31 = L3[0], L3[1]
s = Sheet("cnn_resnet34_layer3_no_downsample", {"kind": "cnn", "preset": "resnet34"})
parts = {"c1": npar(b30.conv1), "bn": npar(b30.bn1), "c2": npar(b30.conv2)}
eq("W1 parts", list(parts.values()), [9 * 128 * 256, 512, 9 * 256 * 256])
w_b0 = parts["c1"] + parts["c2"] + 2 * parts["bn"]
ne("W1 b0", w_b0, npar(b30))
eq("W1 b0 missing exactly the downsample", npar(b30) - w_b0, npar(b30.downsample))
w_b1 = npar(b31)
eq("W1 b1", w_b1, 2 * parts["c2"] + 2 * parts["bn"])
eq("W1 others", [npar(L3[i]) for i in range(1, 6)], [w_b1] * 5)
w_L3 = w_b0 + 5 * w_b1
ne("W1 L3", w_L3, npar(L3))
Nother = npar(stem) + npar(r34[0]) + npar(r34[1]) + npar(r34[3]) + npar(fc34)
parts2 = {"stem": npar(stem), "l1": npar(r34[0]), "l2": npar(r34[1]), "l4": npar(r34[3]), "fc": npar(fc34)}
w_N = Nother + w_L3
ne("W1 N", w_N, N34)
eq("W1 N gap", N34 - w_N, npar(b30.downsample))
for k, v in {**parts, **parts2, "b0": w_b0, "b1": w_b1, "L3": w_L3, "N": w_N, "bn2": 2 * parts["bn"]}.items():
    s.put(k, v)
s.write(r"""
**ResNet-34: parameters, stage by stage.** Convolutions have no bias; every BatchNorm has $2C$ parameters.
From part (a) I already have: stem (conv1 + bn1) ${{stem}}$, layer1 ${{l1}}$, layer2 ${{l2}}$,
layer4 ${{l4}}$, fc ${{fc}}$.

**layer3** has six basic blocks with 256 channels; the first one takes the 128-channel, $28 \times 28$ input of
layer2 and halves the size with stride 2 in its first $3 \times 3$ convolution.

Block layer3.0:

- conv1: $3 \cdot 3 \cdot 128 \cdot 256 = {{c1}}$
- bn1: $2 \cdot 256 = {{bn}}$
- conv2: $3 \cdot 3 \cdot 256 \cdot 256 = {{c2}}$
- bn2: ${{bn}}$

$$N_{\text{layer3.0}} = {{c1}} + {{bn}} + {{c2}} + {{bn}} = {{b0}}$$ %WRONG:no-downsample

Blocks layer3.1 to layer3.5 (256 in, 256 out, identity shortcut):

$$N_{\text{layer3.}i} = 2 \cdot {{c2}} + {{bn2}} = {{b1}}, \qquad i = 1, \dots, 5$$

$$N_{\text{layer3}} = {{b0}} + 5 \cdot {{b1}} = {{L3}}$$

Whole network:

$$N = {{stem}} + {{l1}} + {{l2}} + {{L3}} + {{l4}} + {{fc}} = {{N}}$$
""", ["no-downsample"])

# ------------------------------------------------------------------ W2 vgg19_bn: BN counted as 4C (plain, stated), fc6 bias dropped
feats, names, cls = vgg(CFG["vgg19"], bn=True)
convs = [m for m in feats if isinstance(m, nn.Conv2d)]
bns = [m for m in feats if isinstance(m, nn.BatchNorm2d)]
blocks = {}
for n, m in zip(names, feats):
    if n.startswith("conv"):
        blocks.setdefault(n.split("_")[0], []).append(npar(m))
bsum = {k: sum(v) for k, v in blocks.items()}
eq("W2 literal convs", [blocks["conv1"][0], blocks["conv2"][0], blocks["conv2"][1], len(bns)], [1792, 73856, 147584, 16])
eq("W2 block formulas", [bsum["conv3"], bsum["conv4"], bsum["conv5"]],
   [blocks["conv3"][0] + 3 * blocks["conv3"][1], blocks["conv4"][0] + 3 * blocks["conv4"][1], 4 * blocks["conv4"][1]])
Nconv = sum(npar(m) for m in convs)
eq("W2 blocks", list(bsum.values()), [38720, 221440, 2065408, 8259584, 9439232])
eq("W2 Nconv", sum(bsum.values()), Nconv)
true_bn = sum(npar(m) for m in bns)
eq("W2 true BN", true_bn, 2 * (2 * 64 + 2 * 128 + 4 * 256 + 8 * 512))
bn_channels = 2 * 64 + 2 * 128 + 4 * 256 + 8 * 512
w_bn = 4 * bn_channels
eq("W2 BN buffers would make it 4C", w_bn, true_bn + sum(b.running_mean.numel() + b.running_var.numel() for b in bns))
w_fc6 = cls[0].weight.numel()
ne("W2 fc6", w_fc6, npar(cls[0]))
fc7, fc8 = npar(cls[3]), npar(cls[6])
w_Nfc = w_fc6 + fc7 + fc8
w_N = Nconv + w_bn + w_Nfc
true_N = npar(feats) + npar(cls)
ne("W2 N", w_N, true_N)
eq("W2 true N", true_N, 143678248)
s = Sheet("cnn_vgg19_bn_running_stats_fc6_bias", {"kind": "cnn", "preset": "vgg19_bn"})
for k, v in {**bsum, "Nconv": Nconv, "bnch": bn_channels, "Nbn": w_bn, "fc6": w_fc6, "fc7": fc7, "fc8": fc8,
             "Nfc": w_Nfc, "N": w_N, "c12": blocks["conv1"][1], "c31": blocks["conv3"][0],
             "c32": blocks["conv3"][1], "c41": blocks["conv4"][0], "c42": blocks["conv4"][1]}.items():
    s.put(k, v)
s.write(r"""
## VGG-19 with batch norm (`vgg19_bn`): how many parameters?

Convolutions ($3 \times 3$, with bias, $(9 C_{in} + 1) C_{out}$ each):

- block 1: $1792 + {{c12}} = {{conv1}}$
- block 2: $73856 + 147584 = {{conv2}}$
- block 3: ${{c31}} + 3 \cdot {{c32}} = {{conv3}}$
- block 4: ${{c41}} + 3 \cdot {{c42}} = {{conv4}}$
- block 5: $4 \cdot {{c42}} = {{conv5}}$

$$N_{conv} = {{conv1}} + {{conv2}} + {{conv3}} + {{conv4}} + {{conv5}} = {{Nconv}}$$

Batch norm: a BatchNorm2d over $C$ channels keeps $\gamma$, $\beta$, running mean and running variance, so $4C$ parameters. %WRONG

There are 16 of them, with $2 \cdot 64 + 2 \cdot 128 + 4 \cdot 256 + 8 \cdot 512 = {{bnch}}$ channels in all:

$$N_{BN} = 4 \cdot {{bnch}} = {{Nbn}}$$

Classifier:

$$\text{fc6}: 25088 \cdot 4096 = {{fc6}}$$ %WRONG:params-no-bias

$$\text{fc7}: 4096 \cdot 4096 + 4096 = {{fc7}}, \qquad \text{fc8}: 4096 \cdot 1000 + 1000 = {{fc8}}$$

$$N_{fc} = {{fc6}} + {{fc7}} + {{fc8}} = {{Nfc}}$$

Total:

$$N = {{Nconv}} + {{Nbn}} + {{Nfc}} = {{N}}$$
""", ["", "params-no-bias"])

# ------------------------------------------------------------------ W3 AlexNet sizes: conv1 rounded up, the rest from 56
alex = nn.Sequential(nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
                     nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
                     nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(), nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
                     nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.AdaptiveAvgPool2d(6))
hs, h = [], torch.zeros(1, 3, 224, 224)
for m in alex:
    h = m(h)
    if not isinstance(m, nn.ReLU):
        hs.append(h.shape[-1])
eq("W3 true sizes", hs, [55, 27, 27, 13, 13, 13, 13, 6, 6])
import math as _m
w_c1 = _m.ceil((224 + 4 - 11) / 4) + 1
ne("W3 conv1", w_c1, hs[0])
w_p1 = (w_c1 - 3) // 2 + 1
w_c2 = w_p1 + 4 - 5 + 1
w_p2 = (w_c2 - 3) // 2 + 1
w_p5 = (w_p2 - 3) // 2 + 1
eq("W3 writer chain", [w_c1, w_p1, w_c2, w_p2, w_p5], [56, 27, 27, 13, 6])
s = Sheet("cnn_alexnet_sizes_conv1_ceil", {"kind": "cnn", "preset": "alexnet"})
s.put("c1", w_c1); s.put("p1", w_p1); s.put("c2", w_c2); s.put("p2", w_p2); s.put("p5", w_p5)
s.put("ex1", (224 + 4 - 11) / 4 + 1); s.put("ex1b", (w_c1 - 3) / 2 + 1); s.put("feat", 256 * 6 * 6)
eq("W3 halves", [(224 + 4 - 11) / 4 + 1, (w_c1 - 3) / 2 + 1], [55.25, 27.5])
s.write(r"""
**1(b)** Feature-map sizes of torchvision's AlexNet for a $224 \times 224$ input, with
$W_{out} = \frac{W - K + 2P}{S} + 1$:

1. conv1 ($K = 11$, $S = 4$, $P = 2$): $\frac{224 - 11 + 4}{4} + 1 = {{ex1}}$, which I round up to ${{c1}}$, so $64 \times {{c1}} \times {{c1}}$ %WRONG:floor-ceil
2. pool1 ($K = 3$, $S = 2$): $\frac{{{c1}} - 3}{2} + 1 = {{ex1b}}$, rounded down to ${{p1}}$ (a window that does not fit is dropped), so $64 \times {{p1}} \times {{p1}}$
3. conv2 ($K = 5$, $P = 2$): ${{p1}} - 5 + 4 + 1 = {{c2}}$, so $192 \times {{c2}} \times {{c2}}$
4. pool2 ($K = 3$, $S = 2$): $\lfloor ({{c2}} - 3)/2 \rfloor + 1 = {{p2}}$, so $192 \times {{p2}} \times {{p2}}$
5. conv3, conv4, conv5 ($K = 3$, $P = 1$) keep the size: $384$, $256$, $256$ maps of ${{p2}} \times {{p2}}$
6. pool5 ($K = 3$, $S = 2$): $\lfloor ({{p2}} - 3)/2 \rfloor + 1 = {{p5}}$, so $256 \times {{p5}} \times {{p5}}$
7. the adaptive average pool outputs $6 \times 6$ anyway, and the flattened vector has $256 \cdot 6 \cdot 6 = {{feat}}$ entries

So the last feature map is $256 \times {{p5}} \times {{p5}}$ and fc6 gets ${{feat}}$ inputs.
""", ["floor-ceil"])

# ------------------------------------------------------------------ W4 spec B: receptive field without the jump (stated), slip in conv4's count
mods, shp = build(SPEC_B)
cnt = {k: npar(m) for k, m in mods.items()}
eq("W4 shapes", [shp[k] for k in ("conv1", "conv2", "pool", "conv3", "conv4", "fc")],
   [(32, 64, 64), (32, 32, 32), (32, 16, 16), (64, 16, 16), (64, 16, 16), (10,)])
true = rf([("conv1", 3, 1, 1), ("conv2", 3, 2, 1), ("pool", 2, 2, 1), ("conv3", 3, 1, 1), ("conv4", 3, 1, 1)])
eq("W4 true rf", true["conv4"], (23, 4))
eq("W4 rf brute", brute_rf([("conv", 3, 1, 1, 1), ("conv", 3, 2, 1, 1), ("pool", 2, 2, 0, 1),
                            ("conv", 3, 1, 1, 1), ("conv", 3, 1, 1, 1)], 64, 8), 23)
w_r, r = [], 1
for k in (3, 3, 2, 3, 3):
    r += k - 1; w_r.append(r)
eq("W4 writer rf", w_r, [3, 5, 6, 8, 10])
ne("W4 rf", w_r[-1], true["conv4"][0])
w_c4 = 37928
ne("W4 conv4", w_c4, cnt["conv4"]); eq("W4 conv4 true", cnt["conv4"], (9 * 64 + 1) * 64)
w_N = cnt["conv1"] + cnt["conv2"] + cnt["conv3"] + w_c4 + cnt["fc"]
ne("W4 N", w_N, sum(cnt.values()))
s = Sheet("cnn_spec_two_stage_rf_no_jump", {"kind": "cnn", "spec": "tests/data/check/holdout3/specs/two_stage.json",
                                            "layer": "conv4"})
for k in ("conv1", "conv2", "conv3", "fc"):
    s.put("p" + k, cnt[k])
s.put("pconv4", w_c4); s.put("N", w_N)
for name, v in zip(("r1", "r2", "rp", "r3", "r4"), w_r):
    s.put(name, v)
s.write(r"""
Network `specs/two_stage.json`: input $3 \times 64 \times 64$; conv1 $3 \times 3$ (32, pad 1); conv2 $3 \times 3$
(32, stride 2, pad 1); max-pool $2 \times 2$ / 2; conv3 and conv4 $3 \times 3$ (64, pad 1); global average
pool; fc to 10 classes. ReLUs after every convolution.

**Receptive field of conv4.** Each layer adds $k - 1$ pixels to the receptive field:

$$r_l = r_{l-1} + (k_l - 1)$$ %WRONG:no-jump

- conv1: $r = 1 + 2 = {{r1}}$
- conv2: $r = {{r1}} + 2 = {{r2}}$
- pool: $r = {{r2}} + 1 = {{rp}}$
- conv3: $r = {{rp}} + 2 = {{r3}}$
- conv4: $r = {{r3}} + 2 = {{r4}}$

so a conv4 unit sees a ${{r4}} \times {{r4}}$ patch.

**Parameters**, $(k^2 C_{in} + 1)\, C_{out}$ per convolution:

- conv1: $(9 \cdot 3 + 1) \cdot 32 = {{pconv1}}$
- conv2: $(9 \cdot 32 + 1) \cdot 32 = {{pconv2}}$
- conv3: $(9 \cdot 32 + 1) \cdot 64 = {{pconv3}}$
- conv4: $(9 \cdot 64 + 1) \cdot 64 = {{pconv4}}$ %WRONG
- fc: $64 \cdot 10 + 10 = {{pfc}}$

$$N = {{pconv1}} + {{pconv2}} + {{pconv3}} + {{pconv4}} + {{pfc}} = {{N}}$$
""", ["no-jump", ""])

finish("cnn")
