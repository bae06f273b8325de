"""derive.optim.trajectory against torch.optim (float64, CPU): every optimizer and option, 1e-12 relative."""
from __future__ import annotations

import zlib

import numpy as np
import pytest

from derive import optim

torch = pytest.importorskip("torch")

CLASSES = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
           "adam": "Adam", "adamw": "AdamW"}
# derive's named variants are SGD with PyTorch arguments filled in
IMPLIED = {"momentum": {"momentum": 0.9}, "nesterov": {"momentum": 0.9, "nesterov": True}}


def torch_weights(name: str, w0, grads, **kw) -> np.ndarray:
    p = torch.tensor(np.atleast_1d(np.asarray(w0, dtype=np.float64)), requires_grad=True)
    kw = dict(IMPLIED.get(name, {}), **kw)
    kw.pop("decoupled", None)   # derive's old name; the cases give torch's decoupled_weight_decay beside it
    opt = getattr(torch.optim, CLASSES[name])([p], **kw)
    out = []
    for g in grads:
        p.grad = torch.tensor(np.atleast_1d(np.asarray(g, dtype=np.float64)))
        opt.step()
        out.append(p.detach().numpy().copy())
    return np.array(out).reshape((len(grads),) + np.shape(w0))


CASES = [
    ("sgd", {}), ("sgd", {"lr": 0.1, "weight_decay": 0.05}), ("sgd", {"lr": 0.1, "maximize": True}),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    ("momentum", {}), ("momentum", {"lr": 0.02, "momentum": 0.7, "dampening": 0.5, "maximize": True}),
    ("nesterov", {}), ("nesterov", {"lr": 0.03, "weight_decay": 0.1}),
    ("adagrad", {}), ("adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.02}),
    ("adagrad", {"initial_accumulator_value": 0.3, "eps": 1e-6, "maximize": True}),
    ("rmsprop", {}), ("rmsprop", {"alpha": 0.9, "centered": True}), ("rmsprop", {"momentum": 0.9, "lr": 0.001}),
    ("rmsprop", {"momentum": 0.5, "centered": True, "weight_decay": 0.1, "maximize": True}),
    ("adam", {}), ("adam", {"lr": 0.1, "betas": (0.8, 0.99)}), ("adam", {"amsgrad": True, "lr": 0.05}),
    ("adam", {"weight_decay": 0.1, "lr": 0.01}), ("adam", {"maximize": True, "eps": 1e-3}),
    ("adam", {"weight_decay": 0.1, "decoupled_weight_decay": True, "lr": 0.01}),   # torch's own name, passed as is
    ("adam", {"weight_decay": 0.2, "decoupled_weight_decay": True, "decoupled": True, "lr": 0.02}),   # + the old
    ("adamw", {}), ("adamw", {"lr": 0.1, "weight_decay": 0.3, "amsgrad": True, "maximize": True}),
]


@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{'-'.join(map(str, k)) or 'defaults'}" for n, k in CASES])
@pytest.mark.parametrize("shape", [(), (7,)], ids=["scalar", "vector"])
def test_matches_torch(name, kw, shape):
    rng = np.random.default_rng(zlib.crc32(repr((name, sorted(kw.items()), shape)).encode()))  # stable seed
    # weights kept away from 0 so a relative tolerance is meaningful
    w0 = rng.uniform(2.0, 4.0, size=shape) * rng.choice([-1, 1], size=shape)
    grads = rng.normal(size=(40,) + shape)
    ours = optim.trajectory(name, w0=w0 if shape else float(w0), grads=grads, **kw).weights
    ref = torch_weights(name, w0 if shape else float(w0), grads, **kw)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0)


def test_loss_gradients_match_autograd():
    """--loss: derive differentiates exactly; torch differentiates by autograd; same weights."""
    loss = "(w - 3)^2 + 0.1*w^4"
    traj = optim.trajectory("adam", w0=0.5, loss=loss, steps=25, lr=0.05)
    p = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.05)
    out = []
    for _ in range(25):
        opt.zero_grad()
        ((p - 3) ** 2 + 0.1 * p ** 4).sum().backward()
        opt.step()
        out.append(p.item())
    np.testing.assert_allclose(traj.weights, out, rtol=1e-12)


def test_defaults_are_torchs():
    """derive's default hyperparameters are torch 2.13's (read from the constructors' signatures)."""
    import inspect

    for name, cls in CLASSES.items():
        sig = inspect.signature(getattr(torch.optim, cls).__init__)
        for key, value in optim.OPTIONS[name].items():
            if key in sig.parameters and key not in IMPLIED.get(name, {}):
                default = sig.parameters[key].default
                assert value == (tuple(default) if isinstance(default, tuple) else default), (name, key)


# derive's own options: the seed's and the papers' variants, which torch.optim has no argument for
DERIVE_ONLY = {"eps_inside", "bias_correction"}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_option_names_are_torchs(name):
    """Every option derive reads under a torch.optim name is that constructor's argument (AdamW's decoupled decay is
    fixed on: torch.optim.AdamW has no argument for it, torch.optim.Adam calls it decoupled_weight_decay)."""
    import inspect

    torch_names = set(inspect.signature(getattr(torch.optim, CLASSES[name]).__init__).parameters)
    ours = set(optim.OPTIONS[name]) - DERIVE_ONLY - ({"decoupled_weight_decay"} if name == "adamw" else set())
    assert ours <= torch_names, ours - torch_names
    assert "decoupled_weight_decay" in inspect.signature(torch.optim.Adam.__init__).parameters
