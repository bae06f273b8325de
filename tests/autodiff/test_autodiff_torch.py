"""Gradients against torch.autograd in float64 (torch is an optional test extra; CI installs it)."""
import pytest
import sympy

from derive import autodiff
from derive.functions import relu, sigmoid
from derive.parse import parse
from conftest import SEED_EXPR

torch = pytest.importorskip("torch")


def to_torch(e, env):
    """Evaluate a SymPy tree with torch ops (independent of derive's rules)."""
    if e.is_Symbol:
        return env[e.name]
    if e.is_number:
        return torch.tensor(float(e), dtype=torch.float64)
    args = [to_torch(a, env) for a in e.args]
    if e.is_Add:
        out = args[0]
        for a in args[1:]:
            out = out + a
        return out
    if e.is_Mul:
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if e.is_Pow:
        return args[0] ** args[1]
    if isinstance(e, sympy.log):
        return torch.log(args[0]) / (torch.log(args[1]) if len(args) > 1 else 1.0)
    table = {sympy.exp: torch.exp, sympy.sin: torch.sin, sympy.cos: torch.cos, sympy.tan: torch.tan,
             sympy.tanh: torch.tanh, sigmoid: torch.sigmoid, relu: torch.relu, sympy.Abs: torch.abs}
    return table[type(e)](args[0])


@pytest.mark.parametrize("text,at,log_base", [
    (SEED_EXPR, {"c": 3.0, "x": 5.0}, "10"),
    (SEED_EXPR, {"c": 3.0, "x": 5.0}, "e"),
    (r"\ln x_1 + x_1 x_2 - \sin x_2", {"x_1": 2.0, "x_2": 5.0}, "e"),
    (r"\sigma(w x + b) \cdot \tanh(w)", {"w": 0.3, "x": -1.2, "b": 0.7}, "e"),
    (r"\operatorname{ReLU}(w x - b) + |x|^{3}", {"w": 1.5, "x": -2.0, "b": -4.0}, "e"),
    (r"\frac{\exp(x) + \sqrt{y}}{\cos(x y) + 2}", {"x": 0.4, "y": 2.5}, "e"),
    ("x**y + log(y, 2)", {"x": 1.7, "y": 2.2}, "e"),
])
def test_matches_torch_autograd(text, at, log_base):
    r = autodiff(text, at=at, log_base=log_base)
    e = parse(text, log_base=log_base)
    env = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in at.items()}
    out = to_torch(e, env)
    out.backward()
    assert float(r.value) == pytest.approx(out.item(), rel=1e-12)
    for k, t in env.items():
        assert float(r.gradient[k]) == pytest.approx(t.grad.item(), rel=1e-10, abs=1e-12), k
