"""derive.optim: symbolic derivations checked against independent SymPy algebra, trajectories against hand
formulas, the seed's problem 2 as a golden document, bad input, and the CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy

from derive import optim
from derive.cli import main
from derive.errors import DeriveError, InputError
from derive.optim.notation import ALPHA, EPS, LAM, MU, RHO, TAU, notation
from derive.optim.hyperparams import resolve
from derive.optim.update_rules import rule, unroll
from derive.render import render



def texts(d) -> str:
    return "\n".join(f"{ln.lhs} " + " ".join(f"{r} {x}" for r, x in ln.pairs()) for ln in d.lines())


# ------------------------------------------------------------------------------------ symbolic, checked by SymPy

def test_adam_first_step_is_sign_and_hats_are_exact():
    d = optim.adam(derive="first")
    t = texts(d)
    assert r"\hat{m}^{1} = \frac{m^{1}}{1 - \beta} = g^{1}" in t
    assert r"\approx w^{1} - \alpha \operatorname{sign}\left(g^{1}\right)" in t
    assert r"\frac{\alpha g^{1}}{\left|g^{1}\right| + \epsilon}" in t


def test_unrolled_states_equal_independent_iteration():
    """The engine's m^2, v^2, hat m^2 equal a by-hand SymPy iteration (written here independently)."""
    nt = notation("seed")
    u = unroll(nt, rule(nt, resolve("adam")), 3)
    b, c = nt.beta1, nt.beta2
    g = [nt.g(k) for k in range(1, 4)]
    m = v = 0
    for k in range(3):
        m, v = b * m + (1 - b) * g[k], c * v + (1 - c) * g[k] ** 2
        assert sympy.simplify(u.values[k + 1]["m"] - m) == 0
        assert sympy.simplify(u.values[k + 1]["vhat"] - v / (1 - c ** (k + 1))) == 0
    assert sympy.simplify(u.values[2]["mhat"] - (b * g[0] + g[1]) / (1 + b)) == 0  # the seed's 2(c)


def test_step_two_matches_seed_form():
    t = texts(optim.adam(derive="second"))
    assert r"\frac{\beta g^{1} + g^{2}}{1 + \beta}" in t
    assert r"\frac{\gamma \left(g^{1}\right)^{2} + \left(g^{2}\right)^{2}}{1 + \gamma}" in t
    assert r"\sqrt{1 + \gamma}" in t


def test_general_weights_sum_to_one():
    d = optim.adam(derive="general")
    lines = {ln.tag: ln for ln in d.lines()}
    assert lines["general:mweights"].rhs[-1] == "1" and lines["general:vweights"].rhs[-1] == "1"
    assert r"\sum_{k=1}^{t}" in lines["general:m"].rhs[0]


@pytest.mark.parametrize("name,opts", [
    ("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.1, "dampening": 0.25}), ("nesterov", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.2}), ("rmsprop", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.1, "centered": True, "momentum": 0.5}), ("adam", {"lr": 0.1}),
    ("adam", {"lr": 0.1, "eps_inside": True, "bias_correction": False}), ("adamw", {"lr": 0.1, "weight_decay": 0.2}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.3, "maximize": True}),
])
def test_symbolic_steps_agree_with_numbers(name, opts):
    """Two symbolic steps with the numbers put in give the numeric trajectory (two independent code paths)."""
    h = resolve(name, opts)
    nt = notation("paper")
    u = unroll(nt, rule(nt, h), 2)
    w0, grads = 1.5, [0.4, -0.7]
    b1, b2 = h.get("betas", (0.9, 0.999))
    nums = {ALPHA: h["lr"], EPS: h.get("eps", 0), LAM: h.get("weight_decay", 0), MU: h.get("momentum", 0),
            TAU: h.get("dampening", 0), RHO: h.get("alpha", 0), nt.beta1: b1, nt.beta2: b2,
            sympy.Symbol("eta", positive=True): h.get("lr_decay", 0)}
    nums.update({nt.g(k + 1): grads[k] for k in range(2)})
    w = [w0]
    for k in (1, 2):
        nums[nt.w(k - 1)] = w[-1]
        w.append(w[-1] - sum(float(x.subs(nums)) for x in u.update[k]))
    traj = optim.trajectory(name, w0=w0, grads=grads, **opts)
    np.testing.assert_allclose(traj.weights, w[1:], rtol=1e-12)


def test_no_bias_correction_factor_numbers():
    d = optim.adam(derive="no-bias-correction")
    text = render(d, "markdown")
    factor = 0.1 / math.sqrt(0.001)
    assert f"{factor:.2f}" == "3.16" and "$3.16$" in text
    assert "seed" not in text and "0.316" not in text   # remarks about the seed only where it is the subject
    seed = render(optim.seed_problem2(), "markdown")
    assert "With the seed's $\\beta = 0.99$ it is $0.316$" in seed
    assert r"\frac{1 - \beta}{\sqrt{1 - \gamma}} \alpha \operatorname{sign}\left(g^{1}\right)" in texts(d)


@pytest.mark.parametrize("norm,grad", [
    ("squared", r"g^{t} + 2 \lambda w^{t}"), ("half", r"g^{t} + \lambda w^{t}"),
    ("unsquared", r"g^{t} + \lambda \frac{w^{t}}{\left\|w^{t}\right\|_{2}}"),
])
def test_l2_conventions(norm, grad):
    d = optim.adam(derive="l2", norm=norm)
    lines = {ln.tag: ln for ln in d.lines()}
    assert lines["l2:grad"].rhs[-1] == grad
    if norm == "squared":
        assert lines["l2:coupled"].rhs[-1] == r"w^{1} - \alpha \operatorname{sign}\left(g^{1} + 2 \lambda w^{1}\right)"
    text = texts(d)
    assert r"\alpha \lambda w^{1} - \alpha \operatorname{sign}\left(g^{1}\right)" in text  # AdamW, decay unnormalised


def test_eps_inside_and_paper_notation():
    t = texts(optim.adam(derive="update,first", eps_inside=True, notation="paper"))
    assert r"\theta_{t} = \theta_{t - 1} - \frac{\alpha \hat{m}_{t}}{\sqrt{\hat{v}_{t} + \epsilon}}" in t
    assert r"\beta_{1}" in t and r"\theta_{0}" in t


def test_family_rules():
    t = texts(optim.momentum(dampening=0.1))
    assert r"b^{t} = \mu b^{t - 1} + \left(1 - \tau\right) g^{t}" in t and r"b^{1} = g^{1}" in t
    assert r"\alpha \left(g^{t} + \mu b^{t}\right)" in texts(optim.nesterov())
    assert r"G^{t} = G^{t - 1} + \left(g^{t}\right)^{2}" in texts(optim.adagrad())
    assert r"\bar{g}^{t}" in texts(optim.rmsprop(centered=True))
    assert r"\mathbf{w}^{t + 1}" in texts(optim.sgd(vector=True))


def test_render_deterministic_and_json():
    a, b = render(optim.adam(), "latex", standalone=True), render(optim.adam(), "latex", standalone=True)
    assert a == b
    data = json.loads(render(optim.adam(), "json"))["data"]
    assert data["optimizer"] == "adam" and data["lines"]


def test_latex_compiles(tmp_path, tex_required):
    from derive.render import compile_pdf, standalone_latex
    body = "\n".join(render(d, "latex") for d in [
        optim.seed_problem2(), optim.seed_problem2(notation="paper", eps_inside=True, norm="unsquared"),
        optim.rmsprop(centered=True, momentum=0.9, derive="update,first"), optim.adagrad(vector=True),
        optim.adam(derive="general,no-bias-correction,l2", vector=True, amsgrad=True),
        optim.trajectory_derivation(optim.trajectory("adam", w0=[1.0, 2.0], grads=[[0.1, 0.2]] * 30))])
    compile_pdf(standalone_latex(body, "optim"), tmp_path / "x.pdf")


# ---------------------------------------------------------------------------------- the seed's problem 2 (golden)

@pytest.mark.parametrize("ext", ["tex", "md"])
def test_seed_problem2_golden(ext, golden):
    d = optim.seed_problem2()
    assert [p.label for p in d.parts] == ["(a)", "(b)", "(c)", "(d)", "(e)"]
    golden(f"optim_seed.{ext}", render(d, "latex", standalone=True) if ext == "tex" else render(d, "markdown"))


# ------------------------------------------------------------------------------------------------ trajectories

def test_hand_values():
    traj = optim.trajectory("adam", w0=0.5, grads=[0.3, -0.1], lr=0.01)
    # step 1 by hand: m_hat = g, v_hat = g^2, w = w0 - lr g/(|g| + eps)
    assert traj.weights[0] == pytest.approx(0.5 - 0.01 * 0.3 / (0.3 + 1e-8), rel=1e-15)
    sgd = optim.trajectory("sgd", w0=[1.0, -1.0], grads=[[1.0, 2.0], [3.0, 4.0]], lr=0.5)
    np.testing.assert_array_equal(sgd.weights, [[0.5, -2.0], [-1.0, -4.0]])
    mom = optim.trajectory("momentum", w0=0.0, grads=[1.0, 1.0], lr=1.0, momentum=0.5, dampening=0.5)
    assert list(mom.weights) == [-1.0, -2.0]  # b1 = g1 = 1; b2 = 0.5*1 + 0.5*1 = 1


def test_loss_trajectory_and_json():
    traj = optim.trajectory("sgd", w0=0.0, loss="(w-3)^2", steps=3, lr=0.25)
    np.testing.assert_allclose(traj.weights, [1.5, 2.25, 2.625])  # w <- w - 0.25*2(w-3)
    data = traj.to_dict()
    assert data["weights"] == [1.5, 2.25, 2.625] and data["grads"][0] == -6.0
    lat = optim.trajectory("sgd", w0=0.0, loss=r"\frac{(w-3)^{2}}{2}", steps=1, lr=1.0)
    assert lat.weights[0] == 3.0


# ------------------------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("call,where", [
    (lambda: optim.trajectory("adam", w0=1, grads=[1], lr=0), "lr"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], lr=-1e-3), "lr"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], betas=(1.0, 0.9)), "beta1"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], betas=(0.9, -0.1)), "beta2"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], betas=(0.9,)), "betas"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], eps=-1e-8), "eps"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], eps=float("nan")), "eps"),
    (lambda: optim.trajectory("adam", w0=1), "grads"),
    (lambda: optim.trajectory("adam", w0=1, grads=[]), "grads"),
    (lambda: optim.trajectory("adam", w0=[1, 2], grads=[[1, 2], [3]]), "grads"),
    (lambda: optim.trajectory("adam", w0=[1, 2], grads=[1, 2]), "grads"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1, float("inf")]), "grads"),
    (lambda: optim.trajectory("adam", grads=[1]), "w0"),
    (lambda: optim.trajectory("adamm", w0=1, grads=[1]), "optimizer"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], nesterov=True), "nesterov"),
    (lambda: optim.trajectory("sgd", w0=1, grads=[1], nesterov=True), "nesterov"),
    (lambda: optim.trajectory("sgd", w0=1, grads=[1], momentum=-0.1), "momentum"),
    (lambda: optim.trajectory("rmsprop", w0=1, grads=[1], alpha=1.5), "alpha"),
    (lambda: optim.trajectory("adam", w0=1, grads=[1], amsgrad="yes"), "amsgrad"),
    (lambda: optim.trajectory("adam", w0=1, loss="(w-1)^2"), "steps"),
    (lambda: optim.trajectory("adam", w0=1, loss="(w-x)^2", steps=2), "loss"),
    (lambda: optim.adam(derive="update,bogus"), "derive"),
    (lambda: optim.sgd(derive="l2"), "derive"),
    (lambda: optim.adam(notation="greek"), "notation"),
    (lambda: optim.adam(derive="l2", norm="l1"), "norm"),
])
def test_bad_input(call, where):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.where == where


def test_loss_domain_error():
    with pytest.raises(DeriveError):
        optim.trajectory("sgd", w0=0.0, loss="log(w)", steps=1)


# ------------------------------------------------------------------------------------------------------- CLI

def test_cli_json_weights(capsys):
    assert main(["optim", "adam", "--w0", "0.5", "--grads", "0.3,-0.1,0.7", "--lr", "0.01", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)["data"]
    ref = optim.trajectory("adam", w0=0.5, grads=[0.3, -0.1, 0.7], lr=0.01).weights.tolist()
    assert data["weights"] == ref  # full precision round trip


def test_cli_vector_and_symbolic(capsys):
    assert main(["optim", "sgd", "--w0", "1,2", "--grads", "1,1;2,2", "--lr", "0.5", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["data"]["weights"] == [[0.5, 1.5], [-0.5, 0.5]]
    assert main(["optim", "adam", "--derive", "update,first", "--format", "markdown"]) == 0
    assert r"\operatorname{sign}" in capsys.readouterr().out
    assert main(["optim", "seed2", "--format", "markdown"]) == 0
    assert capsys.readouterr().out == render(optim.seed_problem2(), "markdown")


@pytest.mark.parametrize("argv", [
    ["optim", "adam", "--lr", "0"], ["optim", "adam", "--betas", "0.9,1"], ["optim", "adam", "--eps", "-1"],
    ["optim", "nope"], ["optim", "adam", "--nesterov"], ["optim", "adam", "--w0", "1"],
    ["optim", "adam", "--w0", "1,2", "--grads", "1,2;3"], ["optim", "adam", "--grads", "1,2"],
    ["optim", "adam", "--w0", "1", "--grads", "1,x"], ["optim", "sgd", "--derive", "general"],
])
def test_cli_bad_input_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


# ------------------------------------------------------------------------------------------ property: textbook

from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(b1=st.floats(0.0, 0.99), b2=st.floats(0.0, 0.9999), lr=st.floats(1e-4, 1.0),
       grads=st.lists(st.floats(-10, 10).filter(lambda x: abs(x) > 1e-3), min_size=1, max_size=12))
def test_adam_matches_textbook(b1, b2, lr, grads):
    """Kingma & Ba's Algorithm 1, written plainly in Python, gives the same trajectory."""
    w, m, v, out = 100.0, 0.0, 0.0, []
    for t, g in enumerate(grads, 1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + 1e-8)
        out.append(w)
    traj = optim.trajectory("adam", w0=100.0, grads=grads, lr=lr, betas=(b1, b2))
    np.testing.assert_allclose(traj.weights, out, rtol=1e-12)
