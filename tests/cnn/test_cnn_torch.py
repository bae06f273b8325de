"""CNN arithmetic against PyTorch: the same networks written with torch.nn (mirroring torchvision's source, since
torchvision cannot be installed beside this torch), compared on parameter counts (total and per module name),
output shapes (forward hooks on meta tensors), FLOPs (torch's FlopCounterMode) and receptive fields (the support
of the gradient of one output unit with respect to the input); and single layers built from the very same
arguments as torch.nn's (issue 16: torch's signatures, positional and keyword).
"""
from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive import cnn
from derive.errors import InputError
from conftest import EXAMPLES

torch = pytest.importorskip("torch")
nn = torch.nn



# ------------------------------------------------------------- torch.nn models, written after torchvision's source

VGG_CFG = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512,
              "M"],
}


class VGG(nn.Module):
    def __init__(self, cfg: list, batch_norm: bool) -> None:
        super().__init__()
        layers: list = []
        c = 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.Conv2d(c, v, kernel_size=3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(v))
                layers.append(nn.ReLU(inplace=True))
                c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(0.5),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(4096, 1000))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class AlexNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                                        nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                                        nn.Linear(4096, 1000))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample=None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet(nn.Module):
    def __init__(self, block, layers: list[int]) -> None:
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, 1000)

    def _make_layer(self, block, planes: int, blocks: int, stride: int = 1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class LeNet5(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.s2 = nn.Conv2d(1, 6, 5), nn.AvgPool2d(2, 2)
        self.c3, self.s4 = nn.Conv2d(6, 16, 5), nn.AvgPool2d(2, 2)
        self.c5, self.f6, self.output = nn.Conv2d(16, 120, 5), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = self.s4(torch.tanh(self.c3(self.s2(torch.tanh(self.c1(x))))))
        return self.output(torch.tanh(self.f6(torch.flatten(torch.tanh(self.c5(x)), 1))))


TORCH_MODELS = {
    **{n: (lambda n=n: VGG(VGG_CFG[n], False)) for n in VGG_CFG},
    **{f"{n}_bn": (lambda n=n: VGG(VGG_CFG[n], True)) for n in VGG_CFG},
    "alexnet": AlexNet,
    "resnet18": lambda: ResNet(BasicBlock, [2, 2, 2, 2]),
    "resnet34": lambda: ResNet(BasicBlock, [3, 4, 6, 3]),
    "resnet50": lambda: ResNet(Bottleneck, [3, 4, 6, 3]),
    "lenet5": LeNet5,
}


def _meta(name: str):
    with torch.device("meta"):  # no memory, no initialisation: shapes and parameter counts only
        return TORCH_MODELS[name]()


@pytest.mark.parametrize("name", sorted(TORCH_MODELS))
def test_parameters_equal_torch_numel(name: str) -> None:
    model = _meta(name)
    an = cnn.analyse(cnn.preset(name))
    assert an.total_params == sum(p.numel() for p in model.parameters())
    for mod_name, mod in model.named_modules():
        direct = dict(mod.named_parameters(recurse=False))
        if not direct:
            continue
        li = an.layer(mod_name)   # module names are the preset's layer names
        assert (li.weights, li.biases) == (direct["weight"].numel(),
                                           direct["bias"].numel() if "bias" in direct else 0), mod_name


@pytest.mark.parametrize("name", sorted(TORCH_MODELS))
@pytest.mark.parametrize("size", [None, (97, 131)])
def test_output_shapes_and_flops_equal_torch(name: str, size) -> None:
    from torch.utils.flop_counter import FlopCounterMode
    model = _meta(name)
    if name == "lenet5" and size:  # LeNet's C5 covers a 32x32 input exactly; F6 takes 120 features
        with pytest.raises(InputError, match="in_features is 120 but the input has 51000"):
            cnn.analyse(cnn.preset(name), size)
        with pytest.raises(RuntimeError):
            model(torch.empty((1, 1) + size, device="meta"))
        return
    an = cnn.analyse(cnn.preset(name), size)
    seen: dict[str, tuple] = {}
    for mod_name, mod in model.named_modules():
        if mod_name and not list(mod.children()):
            mod.register_forward_hook(lambda m, i, o, n=mod_name: None if n in seen else
                                      seen.__setitem__(n, tuple(o.shape[1:])))  # first call of a shared relu
    x = torch.empty((1,) + an.input_shape, device="meta")
    with FlopCounterMode(display=False) as counter:
        out = model(x)
    assert tuple(out.shape[1:]) == an.layers[-1].output_shape
    assert seen and all(an.layer(n).output_shape == s for n, s in seen.items())
    assert counter.get_total_flops() == 2 * an.total_macs


# ------------------------------------------------------------------- receptive field = support of a unit's gradient

class GraphModule(nn.Module):
    """A derive network run in torch with one channel per convolution, positive weights and average pooling, so
    that the gradient of one output unit is non-zero exactly on the input pixels it depends on."""

    def __init__(self, net: cnn.Network, target: str) -> None:
        super().__init__()
        self.net, self.target = net, net.nodes[net.find(target)].name  # an alias (pool5) -> its name
        target = self.target
        self.mods = nn.ModuleDict()
        ch = {net.input_name: 1}
        for node in net.nodes:
            lay = node.layer
            c = ch[node.inputs[0]]
            if isinstance(lay, cnn.Conv2d):
                m = nn.Conv2d(c, 1, lay.kernel_size, lay.stride, lay.padding, lay.dilation)
                nn.init.constant_(m.weight, 1.0 / m.weight.numel())
                nn.init.zeros_(m.bias)
                c = 1
            elif isinstance(lay, (cnn.MaxPool2d, cnn.AvgPool2d)):
                m = nn.AvgPool2d(lay.kernel_size, lay.stride, lay.padding, lay.ceil_mode)
                if isinstance(lay, cnn.MaxPool2d) and lay.dilation != (1, 1):
                    m = nn.MaxPool2d(lay.kernel_size, lay.stride, lay.padding, lay.dilation, ceil_mode=lay.ceil_mode)
            elif isinstance(lay, cnn.AdaptiveAvgPool2d):
                m = nn.AdaptiveAvgPool2d(lay.output_size)
            elif isinstance(lay, cnn.ZeroPad2d):
                m = nn.ZeroPad2d(lay.padding)
            elif isinstance(lay, cnn.Concat):
                m, c = nn.Identity(), sum(ch[i] for i in node.inputs)
            elif isinstance(lay, (cnn.Flatten, cnn.Linear)):
                break
            else:
                m = nn.Identity()
            self.mods[node.name.replace(".", "_")] = m
            ch[node.name] = c
            if node.name == target:
                break

    def forward(self, x):
        vals = {self.net.input_name: x}
        for node in self.net.nodes:
            m = self.mods[node.name.replace(".", "_")]
            ins = [vals[i] for i in node.inputs]
            if isinstance(node.layer, cnn.Add):
                vals[node.name] = sum(ins)
            elif isinstance(node.layer, cnn.Concat):
                vals[node.name] = torch.cat(ins, 1)
            else:
                vals[node.name] = m(ins[0])
            if node.name == self.target:
                return vals[node.name]
        raise AssertionError("target not reached")


def gradient_support(net: cnn.Network, target: str, size: tuple[int, int], unit: tuple[int, int]):
    model = GraphModule(net, target).double()
    x = torch.ones((1, 1) + size, dtype=torch.float64, requires_grad=True)
    model(x)[0, 0, unit[0], unit[1]].backward()
    g = x.grad[0, 0] != 0
    rows = g.any(1).nonzero().flatten()
    cols = g.any(0).nonzero().flatten()
    if len(rows) == 0:  # the unit sees only padding
        return None, None
    return (int(rows[0]), int(rows[-1])), (int(cols[0]), int(cols[-1]))


def _check_support(net: cnn.Network, target: str, size: tuple[int, int]) -> None:
    an = cnn.analyse(net, size)
    li = an.layer(target)
    rf = li.rf
    assert rf is not None and rf.exact
    for unit in [(0, 0), (li.output_shape[1] // 2, li.output_shape[2] // 2)]:
        support = gradient_support(net, target, size, unit)
        for axis in (0, 1):
            lo = unit[axis] * rf.jump[axis] - rf.padding[axis]          # first input pixel the unit sees
            hi = lo + rf.size[axis] - 1
            inside = (max(lo, 0), min(hi, size[axis] - 1))
            expected = inside if inside[0] <= inside[1] else None
            if expected is None or support[axis] is None:
                assert support == (None, None), (target, unit, axis)
            else:
                assert support[axis] == expected, (target, unit, axis)


@pytest.mark.parametrize("name,target,size", [
    ("vgg16", "pool5", (224, 224)), ("alexnet", "pool5", (224, 224)), ("resnet18", "layer4.1.relu_1", (512, 512)),
    ("resnet50", "layer4.2.relu_2", (512, 512)), ("lenet5", "s4", (32, 32)), ("resnet18", "layer2.0.add", (99, 77)),
])
def test_receptive_field_is_gradient_support(name: str, target: str, size: tuple[int, int]) -> None:
    _check_support(cnn.preset(name), target, size)


@pytest.mark.parametrize("spec,target", [("cnn_small_resnet.toml", "stage2.out"), ("cnn_tiny.json", "pool2")])
def test_receptive_field_of_example_specs(spec: str, target: str) -> None:
    net = cnn.load_spec(EXAMPLES / spec)
    _check_support(net, target, net.input_size)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["conv", "max", "avg"]), st.integers(1, 4), st.integers(1, 4),
                          st.integers(1, 3), st.integers(0, 2), st.integers(1, 2), st.booleans()),
                min_size=1, max_size=5),
       st.integers(24, 60), st.integers(24, 60))
def test_random_stacks_match_torch(layers, h: int, w: int) -> None:
    """Random conv/pool stacks (non-square kernels, dilation, ceil_mode): shapes and receptive fields."""
    net = cnn.Network("random", 1, (h, w))
    shape = (1, h, w)
    tlayers = []
    for kind, kh, kw, s, p, d, ceil in layers:
        if kind == "conv":
            layer = cnn.Conv2d(shape[0], 2, (kh, kw), s, p, d)    # the same call as torch's, positional
            mod = nn.Conv2d(shape[0], 2, (kh, kw), s, p, d)
        else:
            p = min(p, kh // 2, kw // 2)
            if kind == "max":
                layer = cnn.MaxPool2d((kh, kw), s, p, d, ceil_mode=ceil)
                mod = nn.MaxPool2d((kh, kw), s, p, d, ceil_mode=ceil)
            else:
                layer = cnn.AvgPool2d((kh, kw), s, p, ceil)
                mod = nn.AvgPool2d((kh, kw), s, p, ceil)
        try:
            shape = layer.output_shape([shape])
        except InputError:
            with pytest.raises(RuntimeError):
                mod(torch.ones((1,) + shape_before(net, h, w)))
            return
        net.add(layer)
        tlayers.append(mod)
    out = nn.Sequential(*tlayers)(torch.ones(1, 1, h, w))
    assert tuple(out.shape[1:]) == shape == cnn.analyse(net).layers[-1].output_shape
    # A dilated kernel, or a stride larger than the kernel, leaves holes: the gradient's support is then a subset
    # of the receptive field (its hull). Compare only fields without holes.
    if all(d == 1 and kh >= s and kw >= s for _, kh, kw, s, _p, d, _ceil in layers):
        _check_support(net, net.nodes[-1].name, (h, w))


def shape_before(net: cnn.Network, h: int, w: int) -> tuple:
    return (1, h, w) if not net.nodes else cnn.analyse(net).layers[-1].output_shape



# ------------------------------------------------------------- one layer, the same arguments as torch.nn (issue 16)

# (class, args, kwargs, input shape C×H×W or F): cnn.<class>(*args, **kwargs) and nn.<class>(*args, **kwargs)
SAME_CALL = [
    ("Conv2d", (3, 16, 3), {}, (3, 32, 32)),                        # the call: 448 parameters
    ("Conv2d", (3, 16, 3, 2, 1), {}, (3, 32, 32)),                  # stride, padding positional
    ("Conv2d", (8, 16, 3, 1, 1, 1, 4, False), {}, (8, 9, 9)),       # every argument positional: groups, bias
    ("Conv2d", (3, 16), {"kernel_size": (3, 5), "stride": (2, 1), "padding": (1, 2), "dilation": (1, 2)},
     (3, 33, 40)),
    ("Conv2d", (), {"in_channels": 3, "out_channels": 8, "kernel_size": 5, "padding": 2, "padding_mode": "reflect"},
     (3, 16, 16)),
    ("Conv2d", (32, 32, 3), {"groups": 32, "bias": False}, (32, 14, 14)),
    ("Conv2d", (4, 6, 3), {"padding": "same"}, (4, 11, 7)),
    ("Conv2d", (4, 6, (3, 5)), {"padding": "same", "dilation": (2, 1)}, (4, 11, 7)),
    ("Conv2d", (4, 6, 3), {"padding": "valid", "stride": 2}, (4, 11, 7)),
    ("Linear", (400, 10), {}, (400,)),
    ("Linear", (400, 10, False), {}, (400,)),
    ("Linear", (), {"in_features": 7, "out_features": 3}, (7,)),
    ("BatchNorm2d", (16,), {}, (16, 5, 5)),
    ("BatchNorm2d", (16, 1e-3, 0.2, False), {}, (16, 5, 5)),
    ("BatchNorm2d", (16,), {"bias": False}, (16, 5, 5)),
    ("BatchNorm2d", (16,), {"momentum": None, "track_running_stats": False}, (16, 5, 5)),
    ("MaxPool2d", (3,), {}, (4, 10, 10)),                           # stride defaults to the kernel size
    ("MaxPool2d", (3, 2, 1), {}, (4, 10, 10)),
    ("MaxPool2d", (3, 1, 1, 2), {}, (4, 10, 10)),                   # dilation is torch's 4th argument
    ("MaxPool2d", (2,), {"stride": 2, "ceil_mode": True}, (4, 9, 9)),
    ("AvgPool2d", (3, 2, 1, True), {}, (4, 10, 10)),                # ceil_mode is AvgPool2d's 4th
    ("AvgPool2d", ((2, 3),), {}, (4, 10, 9)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (4, 10, 9)),
    ("ZeroPad2d", ((1, 2, 3, 4),), {}, (2, 5, 5)),
    ("Dropout", (0.3,), {}, (5,)),
]


def _torch_out(mod, shape: tuple) -> tuple:
    with torch.no_grad():
        return tuple(mod(torch.zeros((1,) + shape)).shape[1:])


@pytest.mark.parametrize("cls,args,kwargs,shape", SAME_CALL,
                         ids=[f"{c}{a}{sorted(k.items()) if k else ''}" for c, a, k, _ in SAME_CALL])
def test_same_arguments_as_torch(cls: str, args: tuple, kwargs: dict, shape: tuple) -> None:
    ours = getattr(cnn, cls)(*args, **kwargs)
    mod = getattr(nn, cls)(*args, **kwargs)
    assert sum(ours.params([shape])) == sum(p.numel() for p in mod.parameters())
    assert ours.params([shape])[1] == (mod.bias.numel() if getattr(mod, "bias", None) is not None else 0)
    assert ours.output_shape([shape]) == _torch_out(mod, shape)


# The keyword-only form leaves out what the input tells, as torch's Lazy modules do (which take out_channels first
# positionally, derive's old order: only keywords mean the same in both).
LAZY = [
    ("Conv2d", "LazyConv2d", {"out_channels": 16, "kernel_size": 3, "padding": 1}, (3, 12, 12)),
    ("Conv2d", "LazyConv2d", {"out_channels": 12, "kernel_size": (1, 3), "stride": 2, "groups": 3, "bias": False},
     (6, 12, 12)),
    ("Linear", "LazyLinear", {"out_features": 10}, (84,)),
    ("BatchNorm2d", "LazyBatchNorm2d", {}, (6, 4, 4)),
]


@pytest.mark.parametrize("cls,lazy,kwargs,shape", LAZY, ids=[f"{c}{sorted(k.items())}" for c, _, k, _ in LAZY])
def test_keyword_only_form_equals_torch_lazy_module(cls: str, lazy: str, kwargs: dict, shape: tuple) -> None:
    ours = getattr(cnn, cls)(**kwargs)
    mod = getattr(nn, lazy)(**kwargs)
    out = _torch_out(mod, shape)   # the first call fixes the input size, as derive's analysis does
    assert ours.output_shape([shape]) == out
    assert sum(ours.params([shape])) == sum(p.numel() for p in mod.parameters())


@pytest.mark.parametrize("shape", [(3, 32, 32), (1, 3, 32, 32), (4, 3, 32, 48)])
def test_torch_shaped_inputs(shape: tuple) -> None:
    """analyse takes torch's (C, H, W) and (N, C, H, W); the figures are per sample, as torch's per-module ones."""
    net = cnn.Network("small")
    net.add(cnn.Conv2d(3, 16, 3, padding=1))
    net.add(cnn.MaxPool2d(2))
    net.add(cnn.Conv2d(out_channels=8, kernel_size=3))
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(16, 8, 3))
    an = cnn.analyse(net, shape)
    x = torch.zeros(shape if len(shape) == 4 else (1,) + shape)
    with torch.no_grad():
        assert an.layers[-1].output_shape == tuple(model(x).shape[1:])
    assert an.total_params == sum(p.numel() for p in model.parameters())
