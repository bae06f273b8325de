"""CNN arithmetic timings: a generated 1,000-layer residual network and ResNet-50.

Targets (issue 4): the full table of the 1,000-layer network in under 1 s; the ResNet-50 table in under 0.5 s.
Run: python benchmarks/bench_cnn.py   (prints one line per measurement; the best of several runs is reported)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a source checkout without installing

from derive import cnn  # noqa: E402
from derive.render import render


def generated(n_layers: int = 1000, channels: int = 64) -> cnn.Network:
    """Residual blocks (conv-bn-relu-conv-bn-add-relu, 7 layers) with a strided block every 36 blocks."""
    net = cnn.Network(f"generated-{n_layers}", 3, 224)
    x = net.add(cnn.Conv2d(3, channels, 3, padding=1, bias=False), "stem")
    b = 0
    while len(net) + 8 + 3 <= n_layers:  # room for a strided block and the head
        stride = 2 if b % 36 == 35 else 1
        pre = f"b{b}."
        net.add(cnn.Conv2d(channels, channels, 3, stride=stride, padding=1, bias=False), pre + "conv1", inputs=x)
        net.add(cnn.BatchNorm2d(), pre + "bn1")
        net.add(cnn.Activation("ReLU"), pre + "relu1")
        net.add(cnn.Conv2d(channels, channels, 3, padding=1, bias=False), pre + "conv2")
        out = net.add(cnn.BatchNorm2d(), pre + "bn2")
        short = x if stride == 1 else net.add(cnn.Conv2d(channels, channels, 1, stride=2, bias=False), pre + "down",
                                               inputs=x)
        net.add(cnn.Add(), pre + "add", inputs=[out, short])
        x = net.add(cnn.Activation("ReLU"), pre + "relu2")
        b += 1
    while len(net) < n_layers - 3:
        net.add(cnn.Activation("ReLU"))
    net.add(cnn.AdaptiveAvgPool2d(1), "pool")
    net.add(cnn.Flatten(), "flatten")
    net.add(cnn.Linear(channels, 10), "fc")
    return net


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    big = generated()
    assert len(big) == 1000
    r50 = cnn.preset("resnet50")
    rows = [
        ("1000-layer network: build", best_of(generated), None),
        ("1000-layer network: analyse + full table", best_of(lambda: cnn.table_text(cnn.analyse(big))), 1.0),
        ("1000-layer network: analyse + JSON summary", best_of(lambda: cnn.summary_dict(cnn.analyse(big))), None),
        ("1000-layer network: derivation (a, b) as LaTeX",
         best_of(lambda: render(cnn.derivation(cnn.analyse(big), parts="ab"), "latex"), 1), None),
        ("ResNet-50: build + analyse + table",
         best_of(lambda: cnn.table_text(cnn.analyse(cnn.preset("resnet50")))), 0.5),
        ("ResNet-50: analyse + table", best_of(lambda: cnn.table_text(cnn.analyse(r50))), 0.5),
        ("ResNet-50: full derivation (a, b, c) as LaTeX",
         best_of(lambda: render(cnn.derivation(cnn.analyse(r50)), "latex", standalone=True), 1), None),
        ("VGG-16: seed problem 3 as LaTeX", best_of(lambda: render(cnn.seed_problem3(), "latex"), 3), None),
    ]
    for name, seconds, target in rows:
        verdict = "" if target is None else (f"  (target < {target} s: {'ok' if seconds < target else 'MISSED'})")
        print(f"{name:50s} {seconds * 1000:9.1f} ms{verdict}")


if __name__ == "__main__":
    main()
