"""Every gradient of the matrix backward pass equals torch.autograd in float64: random layer lists, shapes, values
and batch sizes (hypothesis), and one computation per operation of the table. Skipped without torch (an optional
test extra)."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

torch = pytest.importorskip("torch")

from derive.matrix import matrix  # noqa: E402

ACTS = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}


def _close(ours: np.ndarray, theirs: "torch.Tensor", what: str) -> None:
    ref = theirs.detach().numpy()
    assert ours.shape == ref.shape, f"{what}: shape {ours.shape} vs torch {ref.shape}"
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12, err_msg=what)


@st.composite
def networks(draw):
    depth = draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 5)) for _ in range(depth + 1)]
    acts = [draw(st.sampled_from(sorted(ACTS))) for _ in range(depth - 1)]
    loss = draw(st.sampled_from(["cross_entropy", "mse"]))
    batch = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    return widths, acts, loss, batch, seed


@settings(max_examples=40, deadline=None)
@given(networks())
def test_random_mlps_match_torch(net):
    widths, acts, loss, batch, seed = net
    rng = np.random.default_rng(seed)
    values = {"x": rng.normal(size=(widths[0], batch))}
    layers = []
    for k in range(1, len(widths)):
        values[f"W{k}"] = rng.normal(size=(widths[k], widths[k - 1]))
        values[f"b{k}"] = rng.normal(size=(widths[k], 1))
        layers.append("linear")
        if k < len(widths) - 1:
            layers.append(acts[k - 1])
    if loss == "cross_entropy":
        layers.append("softmax")
        y = np.zeros((widths[-1], batch))
        y[rng.integers(0, widths[-1], size=batch), np.arange(batch)] = 1.0
    else:
        y = rng.normal(size=(widths[-1], batch))
    values["y"] = y
    r = matrix(layers=layers, loss=loss, values=values)

    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=(k != "y")) for k, v in values.items()}
    a = t["x"]
    for k in range(1, len(widths)):
        a = t[f"W{k}"] @ a + t[f"b{k}"]
        if k < len(widths) - 1:
            a = ACTS[acts[k - 1]](a)
    if loss == "cross_entropy":
        L = -(t["y"] * torch.log_softmax(a, dim=0)).sum() / batch
    else:
        L = torch.nn.functional.mse_loss(a, t["y"])
    L.backward()
    assert r.loss == pytest.approx(L.item(), rel=1e-12, abs=1e-14)
    names = {"x": "x", **{f"{p}{k}": f"{p}^{{({k})}}" for k in range(1, len(widths)) for p in "Wb"}}
    assert set(r.gradients) == set(names.values())
    for short, name in names.items():
        _close(r.gradients[name], t[short].grad, name)


# one computation per operation (and broadcasting, reuse, fusion inside one step): steps, shapes, torch's loss
CASES = [
    (["L = \\operatorname{sum}(A^T \\odot B)"], {"A": (2, 3), "B": (3, 2)}, lambda v: (v["A"].T * v["B"]).sum()),
    (["L = \\operatorname{mean}(\\exp(A) - \\ln(B))"], {"A": (2, 2), "B": (2, 2)},
     lambda v: (torch.exp(v["A"]) - torch.log(v["B"])).mean()),
    # y a label distribution (the fused rule p - y), then targets whose columns do not sum to 1 (the long way)
    (["L = \\operatorname{CE}(\\operatorname{softmax}(W x), y)"], {"W": (3, 2), "x": (2, 4), "y": (3, 4)},
     lambda v: -(v["y"] * torch.log_softmax(v["W"] @ v["x"], dim=0)).sum() / 4),
    (["L = \\operatorname{CE}(\\operatorname{softmax}(W x), t)"], {"W": (3, 2), "x": (2, 4), "t": (3, 4)},
     lambda v: -(v["t"] * torch.log_softmax(v["W"] @ v["x"], dim=0)).sum() / 4),
    (["p = \\operatorname{softmax}(z)", "L = \\operatorname{CE}(p, t)"], {"z": (3, 2), "t": (3, 2)},
     lambda v: -(v["t"] * torch.log_softmax(v["z"], dim=0)).sum() / 2),
    (["q = \\log\\operatorname{softmax}(z)", "L = -\\operatorname{sum}(y \\odot q)"], {"z": (4, 3), "y": (4, 3)},
     lambda v: -(v["y"] * torch.log_softmax(v["z"], dim=0)).sum()),
    (["p = \\operatorname{softmax}(z)", "L = \\operatorname{MSE}(p, y)"], {"z": (3, 2), "y": (3, 2)},
     lambda v: torch.nn.functional.mse_loss(torch.softmax(v["z"], dim=0), v["y"])),
    # the cross-entropy is not itself the loss: its adjoint scales the fused rule
    (["p = \\operatorname{softmax}(z)", "c = \\operatorname{CE}(p, y)", "L = 3 c"], {"z": (3, 2), "y": (3, 2)},
     lambda v: 3 * -(v["y"] * torch.log_softmax(v["z"], dim=0)).sum() / 2),
    (["c = \\operatorname{CE}(\\operatorname{softmax}(z), y)", "L = \\operatorname{sum}(c \\odot c)"],
     {"z": (3, 2), "y": (3, 2)}, lambda v: (-(v["y"] * torch.log_softmax(v["z"], dim=0)).sum() / 2) ** 2),
    (["L = \\operatorname{sum}(A \\oslash B)"], {"A": (2, 3), "B": (2, 3)}, lambda v: (v["A"] / v["B"]).sum()),
    (["h = \\tanh(W x + b)", "L = \\operatorname{sum}(2 h \\odot h)"], {"W": (3, 2), "x": (2, 2), "b": (3, 1)},
     lambda v: (2 * torch.tanh(v["W"] @ v["x"] + v["b"]) ** 2).sum()),
    (["z = x^T W + c", "L = \\operatorname{sum}(\\sigma(z))"], {"x": (3, 2), "W": (3, 4), "c": (1, 4)},
     lambda v: torch.sigmoid(v["x"].T @ v["W"] + v["c"]).sum()),
    (["z = A + s", "L = \\operatorname{mean}(z \\odot z)"], {"A": (2, 3), "s": (1, 1)},
     lambda v: ((v["A"] + v["s"]) ** 2).mean()),
    (["h = W x", "L = \\operatorname{sum}(h \\odot h) + \\operatorname{mean}(W)"], {"W": (2, 3), "x": (3, 1)},
     lambda v: ((v["W"] @ v["x"]) ** 2).sum() + v["W"].mean()),
    (["r = \\operatorname{ReLU}(x - y)", "L = \\operatorname{sum}(\\frac{1}{2} r \\odot r)"], {"x": (3, 2), "y": (3, 2)},
     lambda v: (0.5 * torch.relu(v["x"] - v["y"]) ** 2).sum()),
    (["L = \\operatorname{sum}((A B)^T C)"], {"A": (2, 3), "B": (3, 2), "C": (2, 2)},
     lambda v: ((v["A"] @ v["B"]).T @ v["C"]).sum()),
]


@pytest.mark.parametrize("steps,shapes,ref", CASES, ids=[c[0][-1][:40] for c in CASES])
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_each_operation_matches_torch(steps, shapes, ref, seed):
    rng = np.random.default_rng(seed)
    values = {k: rng.normal(size=s) for k, s in shapes.items()}
    if "B" in values and "ln" in steps[0] or "oslash" in steps[0]:
        values["B"] = np.abs(values["B"]) + 0.5       # the domain of ln and of a division
    if "y" in values and any("CE" in s for s in steps):   # a label distribution: every column sums to 1
        e = np.exp(values["y"])
        values["y"] = e / e.sum(axis=0, keepdims=True)
    r = matrix(steps, values, wrt=list(shapes))
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    L = ref(t)
    L.backward()
    assert r.loss == pytest.approx(L.item(), rel=1e-12, abs=1e-12)
    for k in shapes:
        _close(r.gradients[k], t[k].grad, k)
