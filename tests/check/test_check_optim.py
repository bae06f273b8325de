"""derive check on the whole optimizer family (derive.check.optim.family): round trips of derive.optim's own
derivations, hand-written one-line rules and steps, planted mistakes with their diagnosis, numeric steps against
derive.optim.trajectory and torch.optim, and the problem forms (mapping, TOML problem set, CLI)."""
from __future__ import annotations

import json

import pytest

import derive.optim as optim
from derive.check import check, load_problem
from derive.check.optim.adam import OptimReference
from derive.check.optim.family import FamilyReference
from derive.cli import main
from derive.errors import InputError
from derive.render import render


def _problem(name: str, **options) -> dict:
    return {"kind": "optimizer", "optimizer": name, "options": options}


def _findings(text: str, problem) -> list:
    return [f for f in check(text, problem, isolate=False).findings]


# ----------------------------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("notation", ["seed", "paper"])
@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_round_trip_of_every_optimizer(name, notation):
    text = render(optim.derivation(name, derive="update,first,second", notation=notation), "markdown")
    problems = [_problem(name)] + ([_problem(name, lr=0.001)] if name == "adam" else [])   # both Adam checkers
    for problem in problems:
        report = check(text, problem, isolate=False)
        assert [f.to_dict() for f in report.findings] == []
        assert report.checked >= 4


@pytest.mark.parametrize("name,options,notation", [
    ("momentum", {"dampening": 0.5}, "seed"),
    ("momentum", {"dampening": 0.5, "weight_decay": 0.1}, "paper"),
    ("nesterov", {"weight_decay": 0.01}, "seed"),
    ("sgd", {"weight_decay": 0.1, "maximize": True}, "seed"),
    ("adagrad", {"lr_decay": 0.1}, "paper"),
    ("adagrad", {"initial_accumulator_value": 0.1}, "seed"),
    ("rmsprop", {"momentum": 0.9}, "paper"),
    ("adam", {"eps_inside": True}, "seed"),
    ("adam", {"bias_correction": False}, "paper"),
])
def test_round_trip_with_options(name, options, notation):
    text = render(optim.derivation(name, derive="update,first,second", notation=notation, **options), "markdown")
    report = check(text, _problem(name, **options), isolate=False)
    assert [f.to_dict() for f in report.findings] == []
    assert report.checked >= 4


# ----------------------------------------------------------------------------------------------- one lines

@pytest.mark.parametrize("name,options,text", [
    ("sgd", {}, r"$$w^{t+1} = w^t - \alpha g^t$$"),
    ("sgd", {}, r"$$\theta_2 = \theta_0 - \alpha g_1 - \alpha g_2$$"),
    ("momentum", {}, r"$$b^2 = \mu g^1 + g^2, \quad w^3 = w^1 - \alpha (1 + \mu) g^1 - \alpha g^2$$"),
    ("momentum", {"dampening": 0.2}, r"$$b^2 = \mu g^1 + (1 - \tau) g^2$$"),
    ("nesterov", {}, r"$$w^2 = w^1 - \alpha (1 + \mu) g^1$$"),
    ("adagrad", {}, r"$$G_t = G_{t-1} + g_t^2, \quad \theta_t = \theta_{t-1} - \frac{\alpha g_t}{\sqrt{G_t} + \epsilon}$$"),
    ("adagrad", {}, r"$$w^3 = w^2 - \frac{\alpha g^2}{\sqrt{(g^1)^2 + (g^2)^2} + \epsilon}$$"),
    ("rmsprop", {}, r"$$w^2 = w^1 - \frac{\alpha g^1}{\sqrt{1-\rho}\,|g^1| + \epsilon} \approx w^1 - \frac{\alpha\,\mathrm{sign}(g^1)}{\sqrt{1 - \rho}}$$"),
    ("rmsprop", {"centered": True}, r"$$\bar g^1 = (1 - \rho) g^1, \quad v^1 = (1 - \rho)(g^1)^2$$"),
    ("adamw", {}, r"$$\theta_t = \theta_{t-1} - \alpha \lambda \theta_{t-1} - \frac{\alpha \hat m_t}{\sqrt{\hat v_t} + \epsilon}$$"),
    ("adam", {"amsgrad": False, "lr": 0.01}, r"$$\hat m^2 = \frac{\beta g^1 + g^2}{1 + \beta}$$"),
])
def test_correct_lines_pass(name, options, text):
    assert [f.to_dict() for f in _findings(text, _problem(name, **options))] == []


@pytest.mark.parametrize("name,options,text,diagnosis", [
    ("momentum", {}, r"$$b^1 = (1 - \mu) g^1$$", "buffer-ema"),
    ("momentum", {}, r"$$b_2 = \mu (1 - \mu) g_1 + (1 - \mu) g_2$$", "buffer-ema"),
    ("momentum", {"dampening": 0.5}, r"$$b^1 = (1 - \tau) g^1$$", "buffer-damped-start"),
    ("momentum", {"dampening": 0.5}, r"$$b^2 = \mu (1 - \tau) g^1 + (1 - \tau) g^2$$", "buffer-damped-start"),
    ("nesterov", {}, r"$$w^{t+1} = w^t - \alpha b^t$$", "nesterov-along-b"),
    ("nesterov", {}, r"$$\theta_2 = \theta_1 - \alpha (\mu g_1 + g_2)$$", "nesterov-along-b"),
    ("adagrad", {}, r"$$G^t = G^{t-1} + g^t$$", "acc-not-squared"),
    ("rmsprop", {}, r"$$v_t = \rho v_{t-1} + (1 - \rho) g_t$$", "acc-not-squared"),
    ("rmsprop", {}, r"$$w^{t+1} = w^t - \frac{\alpha g^t}{v^t + \epsilon}$$", "no-root"),
    ("rmsprop", {}, r"$$w^{t+1} = w^t - \frac{\alpha g^t}{\sqrt{v^t + \epsilon}}$$", "eps-root"),
    ("adagrad", {}, r"$$\theta_t = \theta_{t-1} - \frac{\alpha g_t}{\sqrt{G_t + \epsilon}}$$", "eps-root"),
    ("rmsprop", {}, r"$$v^1 = (g^1)^2$$", "ema-weight"),
    ("adamw", {}, r"$$\hat m^2 = \frac{m^2}{1 - \beta}$$", "bias-power"),
])
def test_planted_mistake_is_flagged_once(name, options, text, diagnosis):
    wrong = [f for f in _findings("Intro.\n\n" + text, _problem(name, **options)) if f.verdict != "ok"]
    assert [(f.line, f.verdict, f.diagnosis) for f in wrong] == [(3, "wrong", diagnosis)], \
        [f.to_dict() for f in wrong]
    assert wrong[0].message and wrong[0].expected


def test_a_mistake_is_carried_not_repeated():
    text = r"$$b^2 = \mu (1 - \mu) g^1 + (1 - \mu) g^2 = (1 - \mu)(\mu g^1 + g^2)$$"
    verdicts = [f.verdict for f in _findings(text, _problem("momentum"))]
    assert verdicts.count("wrong") == 1


# ----------------------------------------------------------------------------------------------- numbers

def _numeric_sheet(name: str, notation: str, w0: float, grads: list[float], weights: list[float]) -> str:
    lines = []
    for k, w in enumerate(weights, 1):
        lhs = f"w^{{{k + 1}}}" if notation == "seed" else rf"\theta_{{{k}}}"
        lines.append(f"$${lhs} = {w:.6f}$$")
    return "\n\n".join(lines)


@pytest.mark.parametrize("name,options", [
    ("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.1, "dampening": 0.3}), ("nesterov", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1}), ("rmsprop", {"lr": 0.01, "momentum": 0.5}), ("adam", {"lr": 0.1}),
    ("adamw", {"lr": 0.1, "weight_decay": 0.1}),
])
@pytest.mark.parametrize("notation", ["seed", "paper"])
def test_numeric_steps_against_the_trajectory(name, options, notation):
    w0, grads = 1.0, [0.5, -0.2, 0.3]
    traj = optim.trajectory(name, w0=w0, grads=grads, **options)
    weights = [float(w) for w in traj.weights]
    problem = {**_problem(name, **options), "w0": w0, "grads": grads}
    good = _numeric_sheet(name, notation, w0, grads, weights)
    assert [f.to_dict() for f in _findings(good, problem)] == []
    slipped = weights[:2] + [weights[2] + 0.001]
    bad = _findings(_numeric_sheet(name, notation, w0, grads, slipped), problem)
    assert [(f.line, f.verdict) for f in bad] == [(5, "wrong")]


@pytest.mark.parametrize("name,make,options", [
    ("momentum", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.2}),
    ("nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", "RMSprop", {"lr": 0.01, "alpha": 0.9, "centered": True}),
    ("adagrad", "Adagrad", {"lr": 0.1}),
])
def test_numeric_steps_against_torch(name, make, options):
    torch = pytest.importorskip("torch")
    w = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, make)([w], **options)
    grads, weights = [0.5, -0.2, 0.3], []
    for g in grads:
        w.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        weights.append(float(w.detach()))
    opts = {k: v for k, v in options.items() if k != "nesterov"}
    problem = {**_problem(name, **opts), "w0": 1.0, "grads": grads}
    assert [f.to_dict() for f in _findings(_numeric_sheet(name, "seed", 1.0, grads, weights), problem)] == []


def test_hyperparameter_values_are_checked_when_the_problem_has_numbers():
    problem = {**_problem("momentum", lr=0.1, momentum=0.9), "w0": 1, "grads": [0.5]}
    found = _findings(r"$$\alpha = 0.1, \quad \mu = 0.5$$", problem)
    assert [(f.verdict, f.expected) for f in found] == [("wrong", "0.9")]


# ----------------------------------------------------------------------------------------------- problem forms

def test_plain_adam_keeps_the_seed_checker():
    assert isinstance(load_problem({"kind": "adam"}).reference(), OptimReference)
    assert isinstance(load_problem({"kind": "optimizer", "optimizer": "adam"}).reference(), OptimReference)
    assert isinstance(load_problem(_problem("adam", lr=0.01)).reference(), FamilyReference)


@pytest.mark.parametrize("spec,needle", [
    ({"kind": "optimizer", "optimizer": "lbfgs"}, "lbfgs"),
    (_problem("momentum", momentum="fast"), "momentum"),
    (_problem("sgd", betas=[0.9, 0.99]), "betas"),
    ({"kind": "optimizer", "optimizer": "sgd", "grads": ["x"]}, "grads"),
    ({"kind": "optimizer", "optimizer": "sgd", "speed": 1}, "speed"),
])
def test_bad_problems_are_input_errors(spec, needle):
    with pytest.raises(InputError) as exc:
        load_problem(spec)
    assert needle in str(exc.value)


def test_problem_set_with_optimizers(tmp_path):
    (tmp_path / "set.toml").write_text(
        '[[problem]]\nkind = "optimizer"\noptimizer = "nesterov"\n\n'
        '[[problem]]\nkind = "optimizer"\noptimizer = "rmsprop"\noptions = {alpha = 0.9}\n', encoding="utf-8")
    sheet = tmp_path / "sheet.md"
    sheet.write_text("1. Nesterov\n\n$$w^{t+1} = w^t - \\alpha b^t$$\n\n2. RMSprop\n\n"
                     "$$v^t = \\rho v^{t-1} + (1 - \\rho)(g^t)^2$$\n", encoding="utf-8")
    assert main(["check", str(sheet), "--problem", str(tmp_path / "set.toml")]) == 1
    out = tmp_path / "r.json"
    main(["check", str(sheet), "--problem", str(tmp_path / "set.toml"), "--format", "json", "-o", str(out)])
    wrong = [f for f in json.loads(out.read_text())["data"]["findings"] if f["verdict"] == "wrong"]
    assert [f["diagnosis"] for f in wrong] == ["nesterov-along-b"]


def test_cli_optimizer(tmp_path, capsys):
    good = tmp_path / "good.md"
    good.write_text("$$b^2 = \\mu g^1 + (1 - \\tau) g^2$$\n\n$$w^2 = 0.95$$\n", encoding="utf-8")
    args = ["check", str(good), "--optimizer", "momentum", "--dampening", "0.5", "--lr", "0.1", "--w0", "1",
            "--grads", "0.5,-0.2"]
    assert main(args) == 0
    bad = tmp_path / "bad.md"
    bad.write_text("$$b^1 = (1 - \\tau) g^1$$\n", encoding="utf-8")
    assert main(["check", str(bad), "--optimizer", "momentum", "--dampening", "0.5"]) == 1
    assert "buffer" in capsys.readouterr().out
    assert main(["check", str(good), "--optimizer", "momentum", "--betas", "x"]) == 2
    assert main(["check", str(good), "--optimizer", "sgd", "--w0", "1"]) == 2
    assert main(["check", str(good), "--optimizer", "lion"]) == 2


def test_plain_adam_from_the_cli_and_an_empty_options_table_keep_the_seed_checker():
    assert isinstance(load_problem({**_problem("adam")}).reference(), OptimReference)


def test_b0_is_zero_and_the_damped_start_still_caught():
    # b^0 = 0 with b^1 = μ b^0 + g^1 is PyTorch's b^1 = g^1 (a velocity started at 0, as many sheets write it)
    assert _findings(r"$$b^0 = 0$$", _problem("momentum")) == []
    assert _findings(r"$$b^1 = \mu b^0 + g^1$$", _problem("momentum")) == []
    found = _findings(r"$$b^1 = \mu b^0 + (1 - \tau) g^1$$", _problem("momentum", dampening=0.5))
    assert [(f.verdict, f.diagnosis) for f in found] == [("wrong", "buffer-damped-start")]


def test_kind_adam_with_options_is_the_family_checker():
    ref = load_problem({"kind": "adam", "options": {"amsgrad": False, "eps": 1e-6}}).reference()
    assert isinstance(ref, FamilyReference) and ref.h["eps"] == 1e-6


@pytest.mark.parametrize("given", [r"$g_1 = 0.3$", r"$$g_1 = 0.3$$", r"$$g_{2} = -0.1$$"])
def test_a_gradient_the_writer_gives_a_value_is_not_a_wrong_step(given):
    # the seed's Adam problem is symbolic: "g_1 = 0.3" states a given, like "\beta_1 = 0.9", it is not a step
    sheet = f"Adam, first step, {given}.\n$$m^1 = (1-\\beta_1) g^1$$\n$$\\hat{{m}}^1 = \\frac{{m^1}}{{1-\\beta_1}} = g^1$$\n"
    report = check(sheet, {"kind": "adam"})
    assert report.errors() == [] and report.checked >= 3, render(report, "text")


# ----------------------------------------------------------------------------------------------- the writer's own work

def _wrong(text: str, problem) -> list[int]:
    return sorted(f.line for f in _findings(text, problem) if f.verdict == "wrong")


def _numeric(name: str, w0, grads, **options) -> dict:
    return {"kind": "optimizer", "optimizer": name, "options": options, "w0": w0, "grads": grads}


def test_the_learning_rate_letter_is_read_by_context():
    sgd = _numeric("sgd", 2, [1.5], lr=0.1)
    for letter in (r"\eta", r"\gamma", r"\alpha", r"\mathrm{lr}"):
        assert _wrong(f"$${letter} = 0.1$$\n\n$$\\theta_1 = \\theta_0 - {letter} g_1 = 1.85$$", sgd) == []
    assert _wrong(r"$$\eta = 0.2$$", sgd) == [1]   # a value the problem does not have is still wrong
    # RMSprop in PyTorch's letters: α is the smoothing constant there, γ the learning rate
    rms = _numeric("rmsprop", 1, [0.2], lr=0.01, alpha=0.9)
    assert _wrong("$\\alpha = 0.9$, $\\gamma = 0.01$\n\n$$v_t = \\alpha v_{t-1} + (1 - \\alpha) g_t^2$$", rms) == []
    # Adagrad's η is its lr_decay where the sheet uses it so (beside α, the learning rate)
    ada = _problem("adagrad", lr_decay=0.1)
    assert _wrong(r"$$\theta_t = \theta_{t-1} - \frac{\alpha}{1 + (t - 1) \eta} \frac{g_t}{\sqrt{G_t} + \epsilon}$$",
                  ada) == []


def test_which_weight_is_the_first_is_settled_by_the_sheet():
    mom = _numeric("momentum", 1, [2, 1], lr=0.05, momentum=0.9)
    zero = "$w_0 = 1$\n\n$v_1 = 2$, $w_1 = 1 - 0.05 \\times 2 = 0.9$\n\n$v_2 = 2.8$, $w_2 = 0.9 - 0.14 = 0.76$"
    one = "$w_1 = 1$\n\n$v_1 = 2$, $w_2 = 1 - 0.05 \\times 2 = 0.9$\n\n$v_2 = 2.8$, $w_3 = 0.9 - 0.14 = 0.76$"
    assert _wrong(zero, mom) == [] and _wrong(one, mom) == []
    assert _wrong(zero.replace("= 0.76", "= 0.74"), mom) == [5]


def test_numbers_after_a_slip_follow_the_writers_values():
    sgd = _numeric("sgd", 1, [0.5, 0.3], lr=0.1, weight_decay=0.1)
    text = ("$g'^1 = 0.6$, $w^2 = 0.94$\n\n$g'^2 = 0.3$\n\n"          # the L2 term left out at step 2
            "$w^3 = w^2 - \\alpha g'^2 = 0.94 - 0.03 = 0.91$")         # right given the writer's g'^2
    assert _wrong(text, sgd) == [3]


def test_a_number_is_right_to_its_own_figures_and_rounded_values_carry_on():
    rms = _numeric("rmsprop", 2, [1, -2], lr=0.01, alpha=0.9)
    text = ("$\\theta_0 = 2$, $v_1 = 0.1$, $\\theta_1 = 2 - \\frac{0.01}{0.3162} = 1.9684$\n\n"
            "$v_2 = 0.49$, $\\theta_2 = 1.9684 + \\frac{0.02}{0.7} = 1.9970$")   # torch: 1.99695 from 1.968377
    assert _wrong(text, rms) == []
    assert _wrong(text.replace("1.9970", "1.9980"), rms) == [3]


def test_a_rule_stated_with_a_misconception_is_followed_after_it():
    mom = _numeric("momentum", 1, [2, 1], lr=0.5, momentum=0.9)
    text = ("$$v_t = \\mu v_{t-1} + (1 - \\mu) g_t, \\qquad v_0 = 0$$\n\n$$w_t = w_{t-1} - \\alpha v_t$$\n\n"
            "$w_0 = 1$, $v_1 = 0.2$, $w_1 = 0.9$\n\n$v_2 = 0.28$, $w_2 = 0.76$")
    found = [(f.line, f.diagnosis) for f in _findings(text, mom) if f.verdict == "wrong"]
    assert found == [(1, "buffer-ema")]
    # no rule stated: the same mistake at a numbered step is marked where it is made
    assert _wrong("$w_0 = 1$, $v_1 = 0.2$, $w_1 = 0.9$\n\n$v_2 = 0.28$, $w_2 = 0.76$", mom) == [1, 3]


def test_seed_adam_follows_the_writers_regularised_gradient():
    text = ("$$g'^t = g^t + \\lambda w^t$$\n\n$$m^1 = (1 - \\beta)(g^1 + \\lambda w^1), \\qquad "
            "\\hat m^1 = g^1 + \\lambda w^1$$")
    assert _wrong(text, {"kind": "adam"}) == [1]


# SGD, lr 0.2, weight decay 0.05, w0 = -1.5, gradients 0.8, -0.4 (by hand): w^1 = -1.5 - 0.2 (0.8 + 0.05·(-1.5))
# = -1.645; w^2 = -1.645 - 0.2 (-0.4 + 0.05·(-1.645)) = -1.54855. A sheet counting from w^0 and g^0.
ZERO_BASED = {"kind": "optimizer", "optimizer": "sgd", "options": {"lr": 0.2, "weight_decay": 0.05}, "w0": -1.5,
              "grads": [0.8, -0.4]}


@pytest.mark.parametrize("w2, wrong", [("-1.54855", []), ("-1.5586", [5])])
def test_a_sheet_counting_from_g0_is_read_as_written(w2, wrong):
    sheet = (f"$w^0 = -1.5$, and the gradients are $g^0 = 0.8$, $g^1 = -0.4$.\n\n"
             f"$$w^1 = w^0 - 0.2 (g^0 + 0.05 w^0) = -1.645$$\n\n$$w^2 = w^1 - 0.2 (g^1 + 0.05 w^1) = {w2}$$\n")
    report = check(sheet, ZERO_BASED, isolate=False)
    assert [f.line for f in report.findings if f.verdict == "wrong"] == wrong, report.findings


@pytest.mark.parametrize("label", ["$t = 1$:", "$t = 2$:"])
def test_a_step_label_is_no_claim(label):
    # Adam from m_0 = 0 (by hand): m_1 = β_1 · 0 + (1 − β_1) g_1
    for m1, wrong in ((r"(1 - \beta_1) g_1", []), (r"g_1 + 1", [3])):
        sheet = f"{label}\n\n$$m_1 = {m1}$$\n"
        report = check(sheet, {"kind": "optimizer", "optimizer": "adam"}, isolate=False)
        assert [f.line for f in report.findings if f.verdict == "wrong"] == wrong, report.findings
