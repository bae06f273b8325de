"""Preset networks, layer for layer as torchvision defines them (module names included), plus LeNet-5.

Layers are written as torchvision writes them (torch's argument order, ``Conv2d(in, out, kernel, ...)``), and
names follow torchvision's ``named_modules()`` (``features.28``, ``layer1.0.downsample.0``), so a layer can be
compared with the PyTorch model by name. Operations that are not modules in torchvision get descriptive names:
``flatten`` (``torch.flatten(x, 1)``), ``layer1.0.add`` (``out += identity``) and the numbered uses of a block's
shared ``relu`` module (``layer1.0.relu``, ``layer1.0.relu_1``, ...). VGG layers also carry the usual aliases
(``conv1_1`` ... ``pool5``, ``fc6`` ... ``fc8``).
"""
from __future__ import annotations

from typing import Callable

from derive.cnn.layers import Activation, Add, BatchNorm2d, Conv2d, Dropout, Flatten, Linear
from derive.cnn.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from derive.cnn.network import Network
from derive.errors import InputError

# torchvision.models.vgg.cfgs: numbers are conv output channels, "M" a 2x2 max pool.
VGG_CFGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}
VGG_DEPTH = {"vgg11": "A", "vgg13": "B", "vgg16": "D", "vgg19": "E"}


def vgg(name: str, batch_norm: bool = False, num_classes: int = 1000) -> Network:
    """torchvision's VGG: 3x3 convolutions (padding 1), 2x2 max pools, adaptive 7x7 pooling, three Linear layers."""
    net = Network(name + ("_bn" if batch_norm else ""))
    i, block, conv_in_block, c = 0, 1, 0, 3
    for v in VGG_CFGS[VGG_DEPTH[name]]:
        if v == "M":
            net.add(MaxPool2d(2, 2), f"features.{i}", alias=f"pool{block}")
            i, block, conv_in_block = i + 1, block + 1, 0
            continue
        conv_in_block += 1
        net.add(Conv2d(c, int(v), kernel_size=3, padding=1), f"features.{i}", alias=f"conv{block}_{conv_in_block}")
        i, c = i + 1, int(v)
        if batch_norm:
            net.add(BatchNorm2d(c), f"features.{i}")
            i += 1
        net.add(Activation("ReLU"), f"features.{i}")
        i += 1
    net.add(AdaptiveAvgPool2d(7), "avgpool")
    net.add(Flatten(), "flatten")
    net.add(Linear(512 * 7 * 7, 4096), "classifier.0", alias="fc6")
    net.add(Activation("ReLU"), "classifier.1")
    net.add(Dropout(0.5), "classifier.2")
    net.add(Linear(4096, 4096), "classifier.3", alias="fc7")
    net.add(Activation("ReLU"), "classifier.4")
    net.add(Dropout(0.5), "classifier.5")
    net.add(Linear(4096, num_classes), "classifier.6", alias="fc8")
    return net


def alexnet(num_classes: int = 1000) -> Network:
    """torchvision's AlexNet (the one-GPU variant of Krizhevsky 2014, 64-192-384-256-256 channels)."""
    net = Network("alexnet")
    net.add(Conv2d(3, 64, kernel_size=11, stride=4, padding=2), "features.0", alias="conv1")
    net.add(Activation("ReLU"), "features.1")
    net.add(MaxPool2d(3, 2), "features.2", alias="pool1")
    net.add(Conv2d(64, 192, kernel_size=5, padding=2), "features.3", alias="conv2")
    net.add(Activation("ReLU"), "features.4")
    net.add(MaxPool2d(3, 2), "features.5", alias="pool2")
    net.add(Conv2d(192, 384, kernel_size=3, padding=1), "features.6", alias="conv3")
    net.add(Activation("ReLU"), "features.7")
    net.add(Conv2d(384, 256, kernel_size=3, padding=1), "features.8", alias="conv4")
    net.add(Activation("ReLU"), "features.9")
    net.add(Conv2d(256, 256, kernel_size=3, padding=1), "features.10", alias="conv5")
    net.add(Activation("ReLU"), "features.11")
    net.add(MaxPool2d(3, 2), "features.12", alias="pool5")
    net.add(AdaptiveAvgPool2d(6), "avgpool")
    net.add(Flatten(), "flatten")
    net.add(Dropout(0.5), "classifier.0")
    net.add(Linear(256 * 6 * 6, 4096), "classifier.1", alias="fc6")
    net.add(Activation("ReLU"), "classifier.2")
    net.add(Dropout(0.5), "classifier.3")
    net.add(Linear(4096, 4096), "classifier.4", alias="fc7")
    net.add(Activation("ReLU"), "classifier.5")
    net.add(Linear(4096, num_classes), "classifier.6", alias="fc8")
    return net


def _relu(net: Network, prefix: str, count: list[int], src: str | None = None) -> str:
    """The block's shared ``relu`` module, applied for the n-th time."""
    name = f"{prefix}relu" + (f"_{count[0]}" if count[0] else "")
    count[0] += 1
    return net.add(Activation("ReLU"), name, inputs=src)


def _basic_block(net: Network, prefix: str, x: str, inplanes: int, planes: int, stride: int,
                 downsample: bool) -> str:
    n = [0]
    net.add(Conv2d(inplanes, planes, 3, stride, 1, bias=False), prefix + "conv1", inputs=x)
    net.add(BatchNorm2d(planes), prefix + "bn1")
    _relu(net, prefix, n)
    net.add(Conv2d(planes, planes, 3, 1, 1, bias=False), prefix + "conv2")
    out = net.add(BatchNorm2d(planes), prefix + "bn2")
    identity = x
    if downsample:
        net.add(Conv2d(inplanes, planes, 1, stride, bias=False), prefix + "downsample.0", inputs=x)
        identity = net.add(BatchNorm2d(planes), prefix + "downsample.1")
    net.add(Add(), prefix + "add", inputs=[out, identity])
    return _relu(net, prefix, n)


def _bottleneck(net: Network, prefix: str, x: str, inplanes: int, planes: int, stride: int,
                downsample: bool) -> str:
    """torchvision's Bottleneck (ResNet v1.5: the stride sits on the 3x3 convolution)."""
    n = [0]
    net.add(Conv2d(inplanes, planes, 1, bias=False), prefix + "conv1", inputs=x)
    net.add(BatchNorm2d(planes), prefix + "bn1")
    _relu(net, prefix, n)
    net.add(Conv2d(planes, planes, 3, stride, 1, bias=False), prefix + "conv2")
    net.add(BatchNorm2d(planes), prefix + "bn2")
    _relu(net, prefix, n)
    net.add(Conv2d(planes, planes * 4, 1, bias=False), prefix + "conv3")
    out = net.add(BatchNorm2d(planes * 4), prefix + "bn3")
    identity = x
    if downsample:
        net.add(Conv2d(inplanes, planes * 4, 1, stride, bias=False), prefix + "downsample.0", inputs=x)
        identity = net.add(BatchNorm2d(planes * 4), prefix + "downsample.1")
    net.add(Add(), prefix + "add", inputs=[out, identity])
    return _relu(net, prefix, n)


RESNET_LAYERS = {"resnet18": ("basic", [2, 2, 2, 2]), "resnet34": ("basic", [3, 4, 6, 3]),
                 "resnet50": ("bottleneck", [3, 4, 6, 3])}


def resnet(name: str, num_classes: int = 1000) -> Network:
    """torchvision's ResNet: 7x7/2 stem, 3x3/2 max pool, four stages, global average pooling, one Linear."""
    kind, blocks = RESNET_LAYERS[name]
    block, expansion = (_basic_block, 1) if kind == "basic" else (_bottleneck, 4)
    net = Network(name)
    net.add(Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False), "conv1")
    net.add(BatchNorm2d(64), "bn1")
    net.add(Activation("ReLU"), "relu")
    x = net.add(MaxPool2d(3, 2, padding=1), "maxpool")
    inplanes = 64
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks), 1):
        for b in range(count):
            stride = 2 if stage > 1 and b == 0 else 1
            down = b == 0 and (stride != 1 or inplanes != planes * expansion)
            x = block(net, f"layer{stage}.{b}.", x, inplanes, planes, stride, down)
            inplanes = planes * expansion
    net.add(AdaptiveAvgPool2d(1), "avgpool")
    net.add(Flatten(), "flatten")
    net.add(Linear(512 * expansion, num_classes), "fc")
    return net


def lenet5() -> Network:
    """LeNet-5 (LeCun et al. 1998) as usually rebuilt: 32x32 input, tanh, average-pool subsampling, C3 fully
    connected to S2 and a Linear output (not the original sparse C3 table, trainable subsampling or RBF output)."""
    net = Network("lenet5", in_channels=1, input_size=32)
    net.add(Conv2d(1, 6, 5), "c1")
    net.add(Activation("Tanh"), "tanh1")
    net.add(AvgPool2d(2, 2), "s2")
    net.add(Conv2d(6, 16, 5), "c3")
    net.add(Activation("Tanh"), "tanh2")
    net.add(AvgPool2d(2, 2), "s4")
    net.add(Conv2d(16, 120, 5), "c5")
    net.add(Activation("Tanh"), "tanh3")
    net.add(Flatten(), "flatten")
    net.add(Linear(120, 84), "f6")
    net.add(Activation("Tanh"), "tanh4")
    net.add(Linear(84, 10), "output")
    return net


PRESETS: dict[str, Callable[[], Network]] = {
    **{n: (lambda n=n: vgg(n)) for n in VGG_DEPTH},
    **{f"{n}_bn": (lambda n=n: vgg(n, batch_norm=True)) for n in VGG_DEPTH},
    "alexnet": alexnet,
    **{n: (lambda n=n: resnet(n)) for n in RESNET_LAYERS},
    "lenet5": lenet5,
}
ALIASES = {"lenet": "lenet5", "lenet-5": "lenet5"}


def preset(name: str) -> Network:
    """A preset network by name: vgg11/13/16/19 (and ``_bn``), alexnet, resnet18/34/50, lenet5."""
    key = ALIASES.get(str(name).lower(), str(name).lower())
    if key not in PRESETS:
        raise InputError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}", "preset")
    return PRESETS[key]()
