"""Optimizer options under PyTorch's names (issue 16): each public function's keyword-only signature against the
one table of defaults (hyperparams.OPTIONS), help() showing them, and torch's ``decoupled_weight_decay`` beside
derive's old ``decoupled`` everywhere options are read (API, trajectories, records, problem sets, CLI)."""
from __future__ import annotations

import inspect
import json
import pydoc

import pytest

from derive import optim
from derive.cli import main
from derive.errors import InputError
from derive.optim.hyperparams import OPTION_ALIASES, OPTIONS, Hyper, resolve
from derive.problems import loads, solve

PRESENTATION = ("derive", "notation", "vector", "norm")   # derivation()'s own keywords, not hyperparameters


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_signature_is_the_table(name: str) -> None:
    """Names in the table's (PyTorch's) order, keyword-only, typed, each default the table's; the presentation
    keywords default as derivation() does; ``**other`` takes the old spellings."""
    params = inspect.signature(getattr(optim, name)).parameters
    kinds = {p.kind for n, p in params.items() if n != "other"}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY} and params["other"].kind is inspect.Parameter.VAR_KEYWORD
    options = [n for n in params if n not in PRESENTATION and n != "other"]
    assert options == list(OPTIONS[name])
    for n in options:
        default, table = params[n].default, OPTIONS[name][n]
        assert type(default) is type(table) and default == table, (name, n)
        assert params[n].annotation is not inspect.Parameter.empty, (name, n)
    shown = inspect.signature(optim.derivation).parameters
    for n in set(PRESENTATION) & set(params):
        assert params[n].default == shown[n].default, (name, n)
    assert {"derive", "notation", "vector"} <= set(params)


@pytest.mark.parametrize("name", optim.OPTIMIZERS)
def test_help_shows_the_options(name: str) -> None:
    text = pydoc.render_doc(getattr(optim, name), renderer=pydoc.plaintext)
    for option, default in OPTIONS[name].items():
        assert f"{option}: " in text and f"= {default!r}" in text, (name, option)
    assert "torch.optim." in getattr(optim, name).__doc__


def test_changing_the_table_changes_no_hand_written_default() -> None:
    # the signatures are read from the table: no default is typed twice (the test above would catch a copy that
    # drifted; this one that the functions do not even keep their own)
    src = inspect.getsource(optim.adam)
    assert "0.001" not in src and "0.999" not in src and "1e-08" not in src


@pytest.mark.parametrize("spelling", ["decoupled_weight_decay", "decoupled"])
def test_both_names_of_decoupled_decay(spelling: str) -> None:
    ref = optim.trajectory("adam", w0=1.5, grads=[0.4, -0.7], lr=0.1, weight_decay=0.3, decoupled_weight_decay=True)
    traj = optim.trajectory("adam", w0=1.5, grads=[0.4, -0.7], lr=0.1, weight_decay=0.3, **{spelling: True})
    assert list(traj.weights) == list(ref.weights)
    coupled = optim.trajectory("adam", w0=1.5, grads=[0.4, -0.7], lr=0.1, weight_decay=0.3)
    assert list(coupled.weights) != list(ref.weights)
    for d in (optim.adam(weight_decay=0.3, **{spelling: True}),
              optim.derivation("adam", weight_decay=0.3, **{spelling: True})):
        assert d.data["hyperparameters"]["decoupled_weight_decay"] is True
        assert "decoupled" not in d.data["hyperparameters"]   # records carry torch's name only
    assert resolve("adam", {spelling: True})["decoupled_weight_decay"] is True


def test_old_name_reads_and_hand_built_records() -> None:
    h = resolve("adam", {"decoupled_weight_decay": True})
    assert h["decoupled"] is True and h.get("decoupled") is True   # code reading the old key keeps working
    swapped = Hyper("adam", {**h.values, "decoupled": False})      # a hand-built record says the old name: it wins
    assert swapped["decoupled_weight_decay"] is False and "decoupled" not in swapped.values
    assert OPTION_ALIASES == {"decoupled": "decoupled_weight_decay"}


@pytest.mark.parametrize("call,where,needle", [
    (lambda: optim.adam(decoupled_weight_decay=True, decoupled=False), "decoupled_weight_decay",
     "decoupled_weight_decay and its old name decoupled disagree (True and False); give decoupled_weight_decay only"),
    (lambda: optim.adam(decoupled_weight_decay="yes"), "decoupled_weight_decay",
     "decoupled_weight_decay must be true or false, not 'yes'"),
    (lambda: optim.adamw(decoupled_weight_decay=False), "decoupled_weight_decay", "adamw is Adam with decoupled"),
    (lambda: optim.sgd(decoupled_weight_decay=True), "decoupled_weight_decay", "sgd has no option"),
    (lambda: optim.rmsprop(bogus=1), "bogus", "rmsprop has no option 'bogus'; options: lr, alpha, eps"),
])
def test_bad_options_are_input_errors(call, where: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert info.value.where == where and needle in info.value.message, info.value


def test_same_derivation_with_defaults_spelled_out() -> None:
    """Passing the table's defaults is the same as passing nothing."""
    assert optim.adam().data == optim.adam(**OPTIONS["adam"]).data
    assert optim.adam(betas=[0.9, 0.999]).data == optim.adam().data


@pytest.mark.parametrize("spelling", ["decoupled_weight_decay", "decoupled"])
def test_problem_sets_read_both_names(spelling: str) -> None:
    text = (f'kind = "optimizer"\noptimizer = "adam"\noptions = {{ weight_decay = 0.1, {spelling} = true }}\n'
            'trajectory = { w0 = 1.0, grads = [0.5, 0.25] }\n')
    p = solve(loads(text, "p.toml")).problems[0]
    assert p.error is None and p.derivation.data["hyperparameters"]["decoupled_weight_decay"] is True
    ref = optim.trajectory("adam", w0=1.0, grads=[0.5, 0.25], weight_decay=0.1, decoupled_weight_decay=True)
    assert p.derivation.data["trajectory"]["weights"] == ref.weights.tolist()


def test_cli_decoupled_flag_gives_torchs_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["optim", "adam", "--w0", "1", "--grads", "0.5", "--weight-decay", "0.1", "--decoupled",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["hyperparameters"]["decoupled_weight_decay"] is True
