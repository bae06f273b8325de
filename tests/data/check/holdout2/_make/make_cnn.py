"""CNN sheets: torch.nn modules written by hand after torchvision's definitions (VGG, AlexNet, ResNet-50's
bottleneck) and from the spec file, for parameter counts and output shapes; a hand-coded recurrence
r_l = r_{l-1} + d(k_l - 1) j_{l-1}, j_l = j_{l-1} s_l for receptive fields."""
import json
from pathlib import Path

import torch
import torch.nn as nn

from chain import ERRORS, OUT, Sheet, report

torch.manual_seed(0)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def rf(layers):
    """layers: (name, k, s, d); returns [(name, r, j)]."""
    r, j, out = 1, 1, []
    for name, k, s, d in layers:
        r = r + d * (k - 1) * j
        j = j * s
        out.append((name, r, j))
    return out


def check(label, got, want):
    if got != want:
        ERRORS.append(f"{label}: written {got} != torch/recurrence {want}")


def vgg(cfg, bn=False):
    layers, c = [], 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers.append(nn.Conv2d(c, v, 3, padding=1))
            if bn:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            c = v
    feats = nn.Sequential(*layers)
    cls = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(),
                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(), nn.Linear(4096, 1000))
    return feats, cls


# ---------------------------------------------------------------- C1 vgg16_bn parameters (ok)
cfg16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
feats, cls = vgg(cfg16, bn=True)
convs = [m for m in feats if isinstance(m, nn.Conv2d)]
bns = [m for m in feats if isinstance(m, nn.BatchNorm2d)]
N_conv = sum(n_params(m) for m in convs)
N_bn = sum(n_params(m) for m in bns)
N_fc = n_params(cls)
N = n_params(feats) + N_fc
per = [n_params(m) for m in convs]
check("C1 per-layer", per, [1792, 36928, 73856, 147584, 295168, 590080, 590080, 1180160, 2359808, 2359808,
                            2359808, 2359808, 2359808])
check("C1 N_conv", 14714688, N_conv)
check("C1 blocks", [1792 + 36928, 73856 + 147584, 295168 + 2 * 590080, 1180160 + 2 * 2359808, 3 * 2359808],
      [38720, 221440, 1475328, 5899776, 7079424])
check("C1 block sum", 38720 + 221440 + 1475328 + 5899776 + 7079424, N_conv)
check("C1 N_BN", 8448, N_bn)
check("C1 BN parts", [2 * 2 * 64, 2 * 2 * 128, 3 * 2 * 256, 6 * 2 * 512], [256, 512, 1536, 6144])
check("C1 fc", [n_params(cls[0]), n_params(cls[3]), n_params(cls[6])], [102764544, 16781312, 4097000])
check("C1 N_fc", 123642856, N_fc)
check("C1 N", 138365992, N)
sh = Sheet("cnn_vgg16_bn_params_ok", {"kind": "cnn", "preset": "vgg16_bn"})
sh.write(r"""
**3(b') VGG-16 with batch normalisation (torchvision `vgg16_bn`): number of trainable parameters.**

A $3 \times 3$ convolution from $C_{in}$ to $C_{out}$ channels has $(9 C_{in} + 1) C_{out}$ parameters; the
BatchNorm layer after it has $2 C_{out}$ ($\gamma$ and $\beta$; running mean and variance are buffers, not
trained).

Convolutions, block by block:

- block 1: $(9 \cdot 3 + 1) \cdot 64 + (9 \cdot 64 + 1) \cdot 64 = 1792 + 36928 = 38720$
- block 2: $(9 \cdot 64 + 1) \cdot 128 + (9 \cdot 128 + 1) \cdot 128 = 73856 + 147584 = 221440$
- block 3: $(9 \cdot 128 + 1) \cdot 256 + 2 \cdot (9 \cdot 256 + 1) \cdot 256 = 295168 + 1180160 = 1475328$
- block 4: $(9 \cdot 256 + 1) \cdot 512 + 2 \cdot (9 \cdot 512 + 1) \cdot 512 = 1180160 + 4719616 = 5899776$
- block 5: $3 \cdot (9 \cdot 512 + 1) \cdot 512 = 7079424$

$$N_{conv} = 38720 + 221440 + 1475328 + 5899776 + 7079424 = 14714688$$

BatchNorm (13 layers, one per convolution):

$$N_{BN} = 2 \cdot 2 \cdot 64 + 2 \cdot 2 \cdot 128 + 3 \cdot 2 \cdot 256 + 6 \cdot 2 \cdot 512 = 256 + 512 + 1536 + 6144 = 8448$$

Classifier (the pool5 output is $512 \times 7 \times 7 = 25088$):

$$\text{fc6}: 25088 \cdot 4096 + 4096 = 102764544$$

$$\text{fc7}: 4096 \cdot 4096 + 4096 = 16781312$$

$$\text{fc8}: 4096 \cdot 1000 + 1000 = 4097000$$

$$N_{fc} = 102764544 + 16781312 + 4097000 = 123642856$$

Total:

$$N = N_{conv} + N_{BN} + N_{fc} = 14714688 + 8448 + 123642856 = 138365992 \approx 1.38 \times 10^8$$

So batch norm adds only 8448 parameters to plain VGG-16; almost 90 % of the model is still fc6–fc8.
""")

# ---------------------------------------------------------------- C2 vgg19 receptive field of conv4_4 (ok)
cfg19 = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
names, path, blk, idx = [], [], 1, 1
for v in cfg19:
    if v == "M":
        path.append((f"pool{blk}", 2, 2, 1)); blk += 1; idx = 1
    else:
        path.append((f"conv{blk}_{idx}", 3, 1, 1)); idx += 1
R = dict((n, (r, j)) for n, r, j in rf(path))
want = [("conv1_1", 3, 1), ("conv1_2", 5, 1), ("pool1", 6, 2), ("conv2_1", 10, 2), ("conv2_2", 14, 2),
        ("pool2", 16, 4), ("conv3_1", 24, 4), ("conv3_2", 32, 4), ("conv3_3", 40, 4), ("conv3_4", 48, 4),
        ("pool3", 52, 8), ("conv4_1", 68, 8), ("conv4_2", 84, 8), ("conv4_3", 100, 8), ("conv4_4", 116, 8)]
for n, r, j in want:
    check(f"C2 {n}", (r, j), R[n])
# receptive field by brute force too: gradient support of one conv4_4 unit in a 1-channel positive copy
f19, _ = vgg(cfg19)
layers, c = [], 1
for v in cfg19[:cfg19.index(512) + 4]:
    if v == "M":
        layers.append(nn.AvgPool2d(2, 2))   # max-pool routes the gradient to one element; avg-pool has the same window
    else:
        conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        nn.init.constant_(conv.weight, 1.0)
        layers.append(conv)
net = nn.Sequential(*layers)
x = torch.rand(1, 1, 224, 224, requires_grad=True)
y = net(x)
y[0, 0, 14, 14].backward()
rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
check("C2 brute-force support", int(rows.max() - rows.min() + 1), 116)
sh = Sheet("cnn_vgg19_conv4_4_rf_table_ok", {"kind": "cnn", "preset": "vgg19", "layer": "conv4_4"})
sh.write(r"""
**Receptive field of one unit of VGG-19's conv4_4.**

Going forward from the input ($r_0 = 1$, $j_0 = 1$), for a layer with kernel $k_l$ and stride $s_l$:

$$r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_l = j_{l-1}\, s_l$$

All convolutions are $3 \times 3$ with stride 1 (padding does not change the size of the field), all max-pools
are $2 \times 2$ with stride 2.

| layer | $k$ | $s$ | $r$ | $j$ |
|---|---|---|---|---|
| conv1_1 | 3 | 1 | 3 | 1 |
| conv1_2 | 3 | 1 | 5 | 1 |
| pool1 | 2 | 2 | 6 | 2 |
| conv2_1 | 3 | 1 | 10 | 2 |
| conv2_2 | 3 | 1 | 14 | 2 |
| pool2 | 2 | 2 | 16 | 4 |
| conv3_1 | 3 | 1 | 24 | 4 |
| conv3_2 | 3 | 1 | 32 | 4 |
| conv3_3 | 3 | 1 | 40 | 4 |
| conv3_4 | 3 | 1 | 48 | 4 |
| pool3 | 2 | 2 | 52 | 8 |
| conv4_1 | 3 | 1 | 68 | 8 |
| conv4_2 | 3 | 1 | 84 | 8 |
| conv4_3 | 3 | 1 | 100 | 8 |
| conv4_4 | 3 | 1 | 116 | 8 |

So a conv4_4 unit sees a $116 \times 116$ patch of the input, and neighbouring conv4_4 units are 8 pixels apart.
Each of the four convolutions of block 4 adds $2 \times 8 = 16$ pixels:

$$r_{\text{conv4\_4}} = r_{\text{pool3}} + 4 \cdot 2 \cdot 8 = 52 + 64 = 116$$
""")

# ---------------------------------------------------------------- C3 AlexNet sizes (right) and conv3 receptive field without the pools
alex = nn.Sequential(nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
                     nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
                     nn.Conv2d(192, 384, 3, padding=1))
shapes, h = [], torch.zeros(1, 3, 224, 224)
for m in alex:
    h = m(h)
    if not isinstance(m, nn.ReLU):
        shapes.append(tuple(h.shape[1:]))
check("C3 shapes", shapes, [(64, 55, 55), (64, 27, 27), (192, 27, 27), (192, 13, 13), (384, 13, 13)])
check("C3 floor", [(224 + 4 - 11) // 4 + 1, (55 - 3) // 2 + 1, (27 + 4 - 5) + 1, (27 - 3) // 2 + 1, 13 + 2 - 3 + 1],
      [55, 27, 27, 13, 13])
true = rf([("conv1", 11, 4, 1), ("pool1", 3, 2, 1), ("conv2", 5, 1, 1), ("pool2", 3, 2, 1), ("conv3", 3, 1, 1)])
nopool = rf([("conv1", 11, 4, 1), ("conv2", 5, 1, 1), ("conv3", 3, 1, 1)])
check("C3 writer (no pools)", [(11, 4), (27, 4), (35, 4)], [(r, j) for _, r, j in nopool])
check("C3 true conv3", 99, true[-1][1])
sh = Sheet("cnn_alexnet_conv3_sizes_rf_no_pool", {"kind": "cnn", "preset": "alexnet", "layer": "conv3"})
sh.write(r"""
## AlexNet (torchvision) up to conv3: feature-map sizes and receptive field

Input $3 \times 224 \times 224$. Output size of a convolution or pooling layer:
$n_{out} = \left\lfloor \frac{n_{in} + 2p - k}{s} \right\rfloor + 1$.

1. conv1 ($11 \times 11$, stride 4, pad 2, 64 filters): $\left\lfloor \frac{224 + 4 - 11}{4} \right\rfloor + 1 = 55$, so $64 \times 55 \times 55$
2. pool1 ($3 \times 3$, stride 2): $\left\lfloor \frac{55 - 3}{2} \right\rfloor + 1 = 27$, so $64 \times 27 \times 27$
3. conv2 ($5 \times 5$, pad 2, 192 filters): $27 + 4 - 5 + 1 = 27$, so $192 \times 27 \times 27$
4. pool2 ($3 \times 3$, stride 2): $\left\lfloor \frac{27 - 3}{2} \right\rfloor + 1 = 13$, so $192 \times 13 \times 13$
5. conv3 ($3 \times 3$, pad 1, 384 filters): $13 + 2 - 3 + 1 = 13$, so $384 \times 13 \times 13$

Receptive field of a conv3 unit, with $r_l = r_{l-1} + (k_l - 1) j_{l-1}$ and $j_l = j_{l-1} s_l$ from
$r_0 = j_0 = 1$. The max-pool layers have no weights, so they are skipped:

$$r_{\text{pool}} = r_{\text{in}}, \qquad j_{\text{pool}} = j_{\text{in}}$$ %WRONG:rf-no-pool

$$r_{\text{conv1}} = 1 + (11 - 1) \cdot 1 = 11, \qquad j_{\text{conv1}} = 4$$

$$r_{\text{conv2}} = 11 + (5 - 1) \cdot 4 = 27, \qquad j_{\text{conv2}} = 4$$

$$r_{\text{conv3}} = 27 + (3 - 1) \cdot 4 = 35, \qquad j_{\text{conv3}} = 4$$

A conv3 unit therefore looks at a $35 \times 35$ window of the $224 \times 224$ image.
""")

# ---------------------------------------------------------------- C4 ResNet-50 stem + layer1, the downsample of layer1.0 left out
class Bottleneck(nn.Module):
    def __init__(self, cin, width, stride=1, down=False):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False); self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False); self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False); self.bn3 = nn.BatchNorm2d(width * 4)
        self.downsample = nn.Sequential(nn.Conv2d(cin, width * 4, 1, stride, bias=False),
                                        nn.BatchNorm2d(width * 4)) if down else None

    def forward(self, x):
        o = torch.relu(self.bn1(self.conv1(x)))
        o = torch.relu(self.bn2(self.conv2(o)))
        o = self.bn3(self.conv3(o))
        return torch.relu(o + (self.downsample(x) if self.downsample is not None else x))


stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
layer1 = nn.Sequential(Bottleneck(64, 64, down=True), Bottleneck(256, 64), Bottleneck(256, 64))
x = torch.zeros(1, 3, 224, 224)
h1 = stem[0](x); h2 = stem[3](stem[2](stem[1](h1))); h3 = layer1(h2)
check("C4 shapes", [tuple(h1.shape[1:]), tuple(h2.shape[1:]), tuple(h3.shape[1:])],
      [(64, 112, 112), (64, 56, 56), (256, 56, 56)])
b0, b1 = layer1[0], layer1[1]
check("C4 stem", [n_params(stem[0]), n_params(stem[1])], [9408, 128])
check("C4 b0 convs", [n_params(b0.conv1), n_params(b0.conv2), n_params(b0.conv3), n_params(b0.downsample)],
      [4096, 36864, 16384, 16384 + 512])
check("C4 b0", n_params(b0), 75008)
check("C4 b0 without downsample (writer)", n_params(b0) - n_params(b0.downsample), 58112)
check("C4 b1", [n_params(b1.conv1), n_params(b1), n_params(layer1[2])], [16384, 70400, 70400])
check("C4 layer1", n_params(layer1), 215808)
check("C4 writer layer1", 58112 + 2 * 70400, 198912)
check("C4 writer total", 9408 + 128 + 198912, 208448)
check("C4 true total", n_params(stem) + n_params(layer1), 225344)
check("C4 sizes", [(224 + 6 - 7) // 2 + 1, (112 + 2 - 3) // 2 + 1], [112, 56])
sh = Sheet("cnn_resnet50_layer1_downsample_missing", {"kind": "cnn", "preset": "resnet50"})
sh.write(r"""
### ResNet-50: stem and first stage (`layer1`), shapes and parameters

Input $3 \times 224 \times 224$; convolutions have no bias (each is followed by BatchNorm, $2C$ parameters).

**Stem.** conv1 is $7 \times 7$, stride 2, padding 3, 64 filters:

$$\left\lfloor \frac{224 + 6 - 7}{2} \right\rfloor + 1 = 112 \quad \Rightarrow \quad 64 \times 112 \times 112$$

$$\text{conv1}: 7 \cdot 7 \cdot 3 \cdot 64 = 9408, \qquad \text{bn1}: 2 \cdot 64 = 128$$

max-pool $3 \times 3$, stride 2, padding 1:

$$\left\lfloor \frac{112 + 2 - 3}{2} \right\rfloor + 1 = 56 \quad \Rightarrow \quad 64 \times 56 \times 56$$

**layer1**: three bottleneck blocks ($1 \times 1$ reduce to 64, $3 \times 3$ at 64, $1 \times 1$ expand to 256),
stride 1 everywhere, so the output is $256 \times 56 \times 56$.

Block layer1.0 (input has 64 channels). The stride is 1, so the shortcut is the identity:

- conv1: $1 \cdot 1 \cdot 64 \cdot 64 = 4096$
- conv2: $3 \cdot 3 \cdot 64 \cdot 64 = 36864$
- conv3: $1 \cdot 1 \cdot 64 \cdot 256 = 16384$
- BN: $2 \cdot 64 + 2 \cdot 64 + 2 \cdot 256 = 768$

$$N_{\text{layer1.0}} = 4096 + 36864 + 16384 + 768 = 58112$$ %WRONG

Blocks layer1.1 and layer1.2 (input has 256 channels):

- conv1: $1 \cdot 1 \cdot 256 \cdot 64 = 16384$
- conv2: $36864$, conv3: $16384$, BN: $768$

$$N_{\text{layer1.1}} = N_{\text{layer1.2}} = 16384 + 36864 + 16384 + 768 = 70400$$

$$N_{\text{layer1}} = 58112 + 2 \cdot 70400 = 198912$$

Stem plus layer1:

$$9408 + 128 + 198912 = 208448$$
""")

# ---------------------------------------------------------------- C5 own spec: depthwise-separable net (ok)
spec = {
    "name": "dwsep-small",
    "input": [3, 64, 64],
    "layers": [
        {"name": "conv1", "type": "conv2d", "out_channels": 16, "kernel_size": 3, "stride": 2, "padding": 1,
         "bias": False},
        {"name": "bn1", "type": "batchnorm2d"},
        {"name": "relu1", "type": "relu"},
        {"name": "dw2", "type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1, "groups": 16,
         "bias": False},
        {"name": "bn2", "type": "batchnorm2d"},
        {"name": "relu2", "type": "relu"},
        {"name": "pw2", "type": "conv2d", "out_channels": 32, "kernel_size": 1, "bias": False},
        {"name": "bn3", "type": "batchnorm2d"},
        {"name": "relu3", "type": "relu"},
        {"name": "pool", "type": "maxpool2d", "kernel_size": 2, "stride": 2},
        {"name": "conv3", "type": "conv2d", "out_channels": 64, "kernel_size": 3, "dilation": 2, "padding": 2},
        {"name": "relu4", "type": "relu"},
        {"name": "gap", "type": "adaptiveavgpool2d", "output_size": 1},
        {"name": "flatten", "type": "flatten"},
        {"name": "fc", "type": "linear", "out_features": 10},
    ],
}
(OUT / "specs").mkdir(exist_ok=True)
(OUT / "specs" / "dwsep_small.json").write_text(json.dumps(spec, indent=2) + "\n")
mods = {
    "conv1": nn.Conv2d(3, 16, 3, 2, 1, bias=False), "bn1": nn.BatchNorm2d(16), "relu1": nn.ReLU(),
    "dw2": nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), "bn2": nn.BatchNorm2d(16), "relu2": nn.ReLU(),
    "pw2": nn.Conv2d(16, 32, 1, bias=False), "bn3": nn.BatchNorm2d(32), "relu3": nn.ReLU(),
    "pool": nn.MaxPool2d(2, 2),
    "conv3": nn.Conv2d(32, 64, 3, padding=2, dilation=2), "relu4": nn.ReLU(),
    "gap": nn.AdaptiveAvgPool2d(1), "flatten": nn.Flatten(), "fc": nn.Linear(64, 10),
}
h, shp = torch.zeros(1, 3, 64, 64), {}
for k, m in mods.items():
    h = m(h); shp[k] = tuple(h.shape[1:])
cnt = {k: n_params(m) for k, m in mods.items()}
check("C5 shapes", [shp[k] for k in ("conv1", "dw2", "pw2", "pool", "conv3", "gap", "fc")],
      [(16, 32, 32), (16, 32, 32), (32, 32, 32), (32, 16, 16), (64, 16, 16), (64, 1, 1), (10,)])
check("C5 params", [cnt[k] for k in ("conv1", "bn1", "dw2", "bn2", "pw2", "bn3", "conv3", "fc")],
      [432, 32, 144, 32, 512, 64, 18496, 650])
check("C5 total", sum(cnt.values()), 20362)
check("C5 groups", [432 + 144 + 512 + 18496, 32 + 32 + 64, 650], [19584, 128, 650])
check("C5 sizes", [(64 + 2 - 3) // 2 + 1, (32 + 2 - 3) + 1, (32 - 2) // 2 + 1, 16 + 4 - 2 * 2 - 1 + 1],
      [32, 32, 16, 16])
R5 = rf([("conv1", 3, 2, 1), ("dw2", 3, 1, 1), ("pw2", 1, 1, 1), ("pool", 2, 2, 1), ("conv3", 3, 1, 2)])
check("C5 rf", [(r, j) for _, r, j in R5], [(3, 2), (7, 2), (7, 2), (9, 4), (25, 4)])
# brute force: gradient support through a one-channel, positive copy (depthwise = 1 channel anyway)
chain_ = nn.Sequential(nn.Conv2d(1, 1, 3, 2, 1, bias=False), nn.Conv2d(1, 1, 3, 1, 1, bias=False),
                       nn.Conv2d(1, 1, 1, bias=False), nn.MaxPool2d(2, 2), nn.Conv2d(1, 1, 3, padding=2, dilation=2, bias=False))
for m in chain_:
    if isinstance(m, nn.Conv2d):
        nn.init.constant_(m.weight, 1.0)
x = torch.rand(1, 1, 64, 64, requires_grad=True)
chain_(x)[0, 0, 8, 8].backward()
rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
# max-pool routes the gradient to one element per window, so use avg-pool for the support test
chain_[3] = nn.AvgPool2d(2, 2)
x = torch.rand(1, 1, 64, 64, requires_grad=True)
chain_(x)[0, 0, 8, 8].backward()
rows = (x.grad[0, 0].abs().sum(1) > 0).nonzero().flatten()
check("C5 brute-force rf", int(rows.max() - rows.min() + 1), 25)
sh = Sheet("cnn_spec_dwsep_small_ok",
           {"kind": "cnn", "spec": "tests/data/check/holdout2/specs/dwsep_small.json", "layer": "conv3"})
sh.write(r"""
**Q5.** The network in `specs/dwsep_small.json` (input $3 \times 64 \times 64$): a strided stem, a
depthwise-separable block, a max-pool, a dilated convolution, global average pooling and a classifier.
Give every output shape, the number of parameters, and the receptive field of one conv3 unit.

Shapes, with $n_{out} = \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1$:

| layer | what it is | output | parameters |
|---|---|---|---|
| conv1 | $3 \times 3$, stride 2, pad 1, 16 filters, no bias | $16 \times 32 \times 32$ | $3 \cdot 3 \cdot 3 \cdot 16 = 432$ |
| bn1 | BatchNorm(16) | $16 \times 32 \times 32$ | $2 \cdot 16 = 32$ |
| dw2 | depthwise $3 \times 3$, pad 1, groups 16, no bias | $16 \times 32 \times 32$ | $16 \cdot 3 \cdot 3 = 144$ |
| bn2 | BatchNorm(16) | $16 \times 32 \times 32$ | $32$ |
| pw2 | pointwise $1 \times 1$, 32 filters, no bias | $32 \times 32 \times 32$ | $16 \cdot 32 = 512$ |
| bn3 | BatchNorm(32) | $32 \times 32 \times 32$ | $64$ |
| pool | max $2 \times 2$, stride 2 | $32 \times 16 \times 16$ | $0$ |
| conv3 | $3 \times 3$, dilation 2, pad 2, 64 filters | $64 \times 16 \times 16$ | $(9 \cdot 32 + 1) \cdot 64 = 18496$ |
| gap | adaptive average pool to $1 \times 1$ | $64 \times 1 \times 1$ | $0$ |
| fc | Linear(64, 10) | $10$ | $64 \cdot 10 + 10 = 650$ |

(ReLUs and the flatten have no parameters and keep the shape.)

Checks of the sizes: conv1 $\left\lfloor \frac{64 + 2 - 3}{2} \right\rfloor + 1 = 32$; conv3
$16 + 4 - 2 \cdot 2 - 1 + 1 = 16$ (a dilated $3 \times 3$ spans 5 pixels, and pad 2 keeps the size).

Parameters:

$$N_{conv} = 432 + 144 + 512 + 18496 = 19584, \qquad N_{BN} = 32 + 32 + 64 = 128, \qquad N_{fc} = 650$$

$$N = 19584 + 128 + 650 = 20362$$

Receptive field, $r_l = r_{l-1} + d_l (k_l - 1)\, j_{l-1}$ and $j_l = j_{l-1} s_l$, from $r_0 = j_0 = 1$:

1. conv1: $r = 1 + 2 \cdot 1 = 3$, $j = 2$
2. dw2: $r = 3 + 2 \cdot 2 = 7$, $j = 2$
3. pw2 ($1 \times 1$): $r = 7$, $j = 2$
4. pool: $r = 7 + 1 \cdot 2 = 9$, $j = 4$
5. conv3 (dilation 2): $r = 9 + 2 \cdot 2 \cdot 4 = 25$, $j = 4$

A conv3 unit sees a $25 \times 25$ window of the input.
""")

# ---------------------------------------------------------------- C6 VGG-11 parameters without biases (stated rule)
cfg11 = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
feats, cls = vgg(cfg11)
convs = [m for m in feats if isinstance(m, nn.Conv2d)]
w_only = [m.weight.numel() for m in convs]
check("C6 weights", w_only, [1728, 73728, 294912, 589824, 1179648, 2359296, 2359296, 2359296])
check("C6 writer N_conv", 1728 + 73728 + 294912 + 589824 + 1179648 + 3 * 2359296, 9217728)
fcs = [m for m in cls if isinstance(m, nn.Linear)]
check("C6 fc weights", [m.weight.numel() for m in fcs], [102760448, 16777216, 4096000])
check("C6 writer N_fc", 102760448 + 16777216 + 4096000, 123633664)
check("C6 writer N", 9217728 + 123633664, 132851392)
check("C6 true N", n_params(feats) + n_params(cls), 132863336)
check("C6 true N_conv", n_params(feats), 9220480)
sh = Sheet("cnn_vgg11_params_no_bias", {"kind": "cnn", "preset": "vgg11"})
sh.write(r"""
**Problem 3.** How many parameters does VGG-11 (configuration A, torchvision `vgg11`) have?

Configuration A: conv64, pool, conv128, pool, conv256 ×2, pool, conv512 ×2, pool, conv512 ×2, pool, then
fc 4096, fc 4096, fc 1000. All convolutions are $3 \times 3$.

A layer's parameters are its weights, kernel size times input channels times output channels:

$$N_{\text{layer}} = k^2 \, C_{in} \, C_{out}$$ %WRONG:params-no-bias

Convolutions:

- conv1: $9 \cdot 3 \cdot 64 = 1728$
- conv2: $9 \cdot 64 \cdot 128 = 73728$
- conv3: $9 \cdot 128 \cdot 256 = 294912$
- conv4: $9 \cdot 256 \cdot 256 = 589824$
- conv5: $9 \cdot 256 \cdot 512 = 1179648$
- conv6, conv7, conv8: $9 \cdot 512 \cdot 512 = 2359296$ each

$$N_{conv} = 1728 + 73728 + 294912 + 589824 + 1179648 + 3 \cdot 2359296 = 9217728$$

Fully connected, with the $512 \times 7 \times 7 = 25088$ features of the last pool:

$$N_{fc} = 25088 \cdot 4096 + 4096 \cdot 4096 + 4096 \cdot 1000 = 102760448 + 16777216 + 4096000 = 123633664$$

$$N = N_{conv} + N_{fc} = 9217728 + 123633664 = 132851392 \approx 1.33 \times 10^8$$
""")

report()
