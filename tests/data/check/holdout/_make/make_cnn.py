"""Numbers of the CNN sheets: torch.nn modules (built here by hand, torchvision's definitions; no torchvision in the
venv) for parameter counts and output sizes, and a hand-coded r/j recurrence for receptive fields.
Run: /tmp/venv/bin/python make_cnn.py"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

HERE = Path(__file__).resolve().parent
SPECS = HERE.parent / "specs"


def nparams(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def rf(layers):
    """layers: list of (name, k, s, d); returns list of (name, r, j) with r_l = r_{l-1} + d(k-1) j_{l-1}."""
    r, j, out = 1, 1, []
    for name, k, s, d in layers:
        r = r + d * (k - 1) * j
        j = j * s
        out.append((name, r, j))
    return out


# ---------------------------------------------------------------- VGG
VGG_CFG = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}


def vgg(name, bn=False):
    layers, c = [], 3
    for v in VGG_CFG[name]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers.append(nn.Conv2d(c, v, 3, padding=1))
            if bn:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU())
            c = v
    feats = nn.Sequential(*layers)
    cls = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(),
                        nn.Dropout(), nn.Linear(4096, 1000))
    return feats, cls


for name, bn in (("vgg19", False), ("vgg11", True), ("vgg13", False)):
    feats, cls = vgg(name, bn)
    print(f"\n=== {name}{'_bn' if bn else ''}")
    convs = [m for m in feats if isinstance(m, nn.Conv2d)]
    bns = [m for m in feats if isinstance(m, nn.BatchNorm2d)]
    print("  conv params:", [nparams(m) for m in convs], "sum", sum(nparams(m) for m in convs))
    if bns:
        print("  bn params:", sum(nparams(m) for m in bns))
    print("  fc params:", [nparams(m) for m in cls if isinstance(m, nn.Linear)], "sum", nparams(cls))
    print("  total:", nparams(feats) + nparams(cls))
    # block sums
    block, sums = 0, []
    for m in feats:
        if isinstance(m, (nn.Conv2d, nn.BatchNorm2d)):
            block += nparams(m)
        if isinstance(m, nn.MaxPool2d):
            sums.append(block)
            block = 0
    print("  per block (conv+bn):", sums)
    x = torch.zeros(1, 3, 224, 224)
    print("  features out:", tuple(feats(x).shape))
    # receptive field at pool5
    lay, ci, pi = [], 0, 0
    for v in VGG_CFG[name]:
        if v == "M":
            pi += 1
            lay.append((f"pool{pi}", 2, 2, 1))
        else:
            ci += 1
            lay.append((f"conv{ci}", 3, 1, 1))
    print("  rf:", rf(lay))
    print("  rf convs only:", rf([q for q in lay if q[0].startswith("conv")])[-1])


# ---------------------------------------------------------------- ResNet
class Basic(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or cin != planes:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride != 1 or cin != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))


def resnet(block, counts):
    stem = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64)]
    stages, cin = [], 64
    for i, (planes, n) in enumerate(zip((64, 128, 256, 512), counts)):
        blocks = []
        for b in range(n):
            stride = 2 if (b == 0 and i > 0) else 1
            blocks.append(block(cin, planes, stride))
            cin = planes * block.expansion
        stages.append(blocks)
    fc = nn.Linear(cin, 1000)
    return stem, stages, fc


for name, block, counts in (("resnet50", Bottleneck, [3, 4, 6, 3]), ("resnet34", Basic, [3, 4, 6, 3])):
    stem, stages, fc = resnet(block, counts)
    print(f"\n=== {name}")
    print("  conv1:", nparams(stem[0]), "bn1:", nparams(stem[1]))
    for i, blocks in enumerate(stages, 1):
        per = [nparams(b) for b in blocks]
        ds = [nparams(b.downsample) if b.downsample is not None else 0 for b in blocks]
        print(f"  layer{i}: blocks {per} (downsample {ds}) sum {sum(per)}")
    print("  fc:", nparams(fc), " fc weights only:", fc.weight.numel())
    total = nparams(stem[0]) + nparams(stem[1]) + sum(nparams(b) for s in stages for b in s) + nparams(fc)
    print("  total:", total)
    b0 = stages[0][0]
    print("  layer1.0 parts:", {n: nparams(m) for n, m in b0.named_children() if m is not None})
    # receptive field along the all-convolution path
    lay = [("conv1", 7, 2, 1), ("maxpool", 3, 2, 1)]
    for i, blocks in enumerate(stages, 1):
        for bi, b in enumerate(blocks):
            convs = [b.conv1, b.conv2] + ([b.conv3] if isinstance(b, Bottleneck) else [])
            for ci, cv in enumerate(convs, 1):
                lay.append((f"layer{i}.{bi}.conv{ci}", cv.kernel_size[0], cv.stride[0], 1))
    out = rf(lay)
    for i, q in enumerate(out):
        nxt = out[i + 1][0] if i + 1 < len(out) else ""
        if q[0] in ("conv1", "maxpool") or q[0].split(".")[0] != nxt.split(".")[0] or ".0.conv" in q[0]:
            print("   ", q)
    print("  rf at last conv:", out[-1])

# ---------------------------------------------------------------- LeNet-5
print("\n=== lenet5")
lenet = nn.ModuleDict({"c1": nn.Conv2d(1, 6, 5), "s2": nn.AvgPool2d(2), "c3": nn.Conv2d(6, 16, 5),
                       "s4": nn.AvgPool2d(2), "c5": nn.Conv2d(16, 120, 5), "f6": nn.Linear(120, 84),
                       "output": nn.Linear(84, 10)})
x = torch.zeros(1, 1, 32, 32)
for n in ("c1", "s2", "c3", "s4", "c5"):
    x = lenet[n](x)
    print(f"  {n}: out {tuple(x.shape[1:])} params {nparams(lenet[n])}")
for n in ("f6", "output"):
    print(f"  {n}: params {nparams(lenet[n])}")
print("  total:", nparams(lenet))
print("  rf:", rf([("c1", 5, 1, 1), ("s2", 2, 2, 1), ("c3", 5, 1, 1), ("s4", 2, 2, 1), ("c5", 5, 1, 1)]))


# ---------------------------------------------------------------- spec files
def build(spec):
    c, mods = spec["input"][0], []
    flat = None
    for L in spec["layers"]:
        t = L["type"].lower()
        kw = {k: v for k, v in L.items() if k not in ("name", "type", "inputs")}
        if t == "conv2d":
            out = kw.pop("out_channels")
            m = nn.Conv2d(c, out, **kw)
            c = out
        elif t == "batchnorm2d":
            m = nn.BatchNorm2d(c)
        elif t == "relu":
            m = nn.ReLU()
        elif t == "maxpool2d":
            m = nn.MaxPool2d(**kw)
        elif t == "avgpool2d":
            m = nn.AvgPool2d(**kw)
        elif t == "flatten":
            m = nn.Flatten()
            flat = True
        elif t == "dropout":
            m = nn.Dropout(**kw)
        elif t == "linear":
            m = nn.LazyLinear(kw["out_features"])
        else:
            raise ValueError(t)
        mods.append((L.get("name", t), m))
    return mods


for f in ("mnist_small.json", "strided.json", "cifar_net.json"):
    spec = json.loads((SPECS / f).read_text())
    mods = build(spec)
    print(f"\n=== spec {f}")
    x = torch.zeros(1, *spec["input"])
    total = 0
    lay = []
    for name, m in mods:
        x = m(x)
        p = nparams(m)
        total += p
        w_only = m.weight.numel() if getattr(m, "weight", None) is not None else 0
        print(f"  {name:8s} out {tuple(x.shape[1:])!s:16s} params {p:7d} (weights only {w_only})")
        if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
            s = m.stride if isinstance(m.stride, int) else m.stride[0]
            d = getattr(m, "dilation", 1)
            d = d if isinstance(d, int) else d[0]
            lay.append((name, k, s, d))
    print("  total:", total)
    print("  rf:", rf(lay))

# writer's worlds for the marked CNN sheets
print("\n=== strided.json with conv2's stride ignored (writer)")
h = 24
h2 = (h + 2 - 3) // 1 + 1
print("  conv2", h2, "conv3", h2, "pool2", h2 // 2, "flatten", 64 * (h2 // 2) ** 2, "fc", (64 * (h2 // 2) ** 2 + 1) * 10)
print("\n=== cifar_net.json with conv2's padding dropped (writer)")
h2 = 16 - 5 + 1
p2 = h2 // 2
h3 = p2 + 2 - 3 + 1
p3 = h3 // 2
print("  conv2", h2, "pool2", p2, "conv3", h3, "pool3", p3, "flatten", 128 * p3 * p3, "fc1", (128 * p3 * p3 + 1) * 256)
