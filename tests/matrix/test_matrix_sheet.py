"""The matrix sheet: reading steps and layer lists, one clear error per bad input (naming the step), the layout
(forward values with shapes, backward lines symbolic then with numbers), the problem kind, the command, the
golden document and its PDF."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import derive
from derive.cli import main
from derive.errors import DeriveError, InputError, LimitError, ParseError, UnsupportedError
from derive.matrix import matrix
from derive.matrix.notation import LINE_EM, width_em
from derive.matrix.shapes import ShapeError
from derive.problems import load, loads, solve
from derive.render import compile_pdf, render

from conftest import EXAMPLES  # noqa: E402

MLP = EXAMPLES / "mlp_softmax.toml"
SMALL = {"W": [[1, 2], [3, 4]], "x": [1, -1], "b": [0, 1], "y": [0, 0]}


def test_api_is_exported_and_typed():
    r = derive.matrix(["z = W x + b", r"L = \operatorname{MSE}(z, y)"], SMALL)
    assert isinstance(r, derive.MatrixResult)
    assert r.loss == 0.5
    assert r.gradients["W"].tolist() == [[-1.0, 1.0], [0.0, 0.0]]
    assert list(r.gradients) == ["W", "x", "b"]          # y is the target: data, not differentiated


@pytest.mark.parametrize("steps,values,error,words", [
    (["z = W x"], {"W": [[1, 2, 3]], "x": [1, 2]}, ShapeError,
     "step 1 (z = W x): cannot multiply W (1x3) by x (2): W has 3 column(s) but x has 2 row(s)"),
    (["z = W x + b", "L = \\operatorname{sum}(z)"], {"W": [[1, 2], [3, 4], [5, 6]], "x": [1, 2], "b": [1, 2]},
     ShapeError, "step 1 (z = W x + b): cannot add the product (3) and b (2)"),
    (["L = \\operatorname{CE}(p, y)"], {"p": [0.5, 0.5], "y": [1, 0, 0]}, ShapeError,
     "step 1 (L = \\operatorname{CE}(p, y)): cross-entropy needs p and y of one shape, not 2 and 3"),
    (["z = W x"], {"W": [[1, 2], [3, 4]], "x": [1, 2]}, InputError, "the last step is the loss and must be a scalar"),
    (["L = W x"], {"W": [[1, 2]], "x": [1, 2], "y": [1]}, InputError, "not used by any step: y"),
    (["z = W q"], {"W": [[1, 2]], "x": [1, 2]}, ParseError, "step 1 (z = W q): unknown name q"),
    (["L = \\operatorname{foo}(x)"], {"x": [1]}, UnsupportedError, "unsupported operation: foo"),
    (["L = \\operatorname{sum}(x^2)"], {"x": [1]}, ParseError, "only the transpose"),
    (["L = \\operatorname{sum}(W x"], {"W": [[1]], "x": [1]}, ParseError, "'(' is never closed"),
    (["x = \\operatorname{sum}(x)"], {"x": [1]}, ParseError, "x is already an input"),
    (["L = \\operatorname{sum}(\\ln(x))"], {"x": [0, 1]}, DeriveError, "log of 0"),
    (["L = \\operatorname{sum}(x)"], {"x": [[1, 2], [3]]}, InputError, "values: x: the rows of a matrix"),
    (["L = \\operatorname{sum}(x)"], {"x": ["1"]}, InputError, "values: x: a value must be"),
    (["L = \\operatorname{sum}(x)"], {"x": [1], "q": [2]}, InputError, "not used by any step: q"),
    (["L = \\operatorname{sum}(x)"], {"x{\\input{/etc/passwd}}": [1]}, ParseError, "not one name"),
    (["h = W x", "L = \\operatorname{sum}(x)"], {"W": [[1, 2]], "x": [1, 2]}, InputError,
     "step 1 (h = W x): h is never used by a later step"),
    (["L = \\operatorname{sum}(" + "- " * 1500 + "x)"], {"x": [1]}, LimitError, "nests more than 60 operations"),
    (["L = \\operatorname{sum}(x" + " + x" * 100 + ")"], {"x": [1]}, LimitError, "nests 101 operations deep"),
])
def test_bad_input_is_one_clear_error_naming_the_step(steps, values, error, words):
    with pytest.raises(error) as info:
        matrix(steps, values)
    assert words in str(info.value)


def test_no_user_text_reaches_the_page_as_tex():
    with pytest.raises(ParseError):
        matrix([r"L = \operatorname{sum}(x) \input{/etc/passwd}"], {"x": [1]})
    with pytest.raises(DeriveError):
        matrix([r"\write18{ls} = \operatorname{sum}(x)"], {"x": [1]})


def test_layer_lists_read_as_the_same_steps():
    vals = {"x": [1.0, -2.0], "W1": [[0.5, 0.25], [-0.5, 1.0]], "b1": [0.0, 0.5], "W2": [[1.0, -1.0]],
            "b2": [0.0], "y": [0.5]}
    a = matrix(layers=["linear", "tanh", "linear"], loss="mse", values=vals)
    b = matrix(["z^{(1)} = W^{(1)} x + b^{(1)}", r"a^{(1)} = \tanh(z^{(1)})", "z^{(2)} = W^{(2)} a^{(1)} + b^{(2)}",
                r"L = \operatorname{MSE}(z^{(2)}, y)"], vals)
    assert a.loss == b.loss and all(np.array_equal(a.gradients[k], b.gradients[k]) for k in a.gradients)
    with pytest.raises(InputError, match="end the layers with softmax"):
        matrix(layers=["linear"], loss="cross_entropy", values=vals)
    with pytest.raises(InputError, match="unknown layer 'conv'"):
        matrix(layers=["linear", "conv"], loss="mse", values=vals)


def test_the_sheet_reads_as_by_hand():
    r = solve(load(MLP))
    assert r.ok, [str(e) for e in r.errors]
    d = r.problems[0].derivation
    tex = render(d, "latex")
    # forward values with shapes, the backward equations of every course, numbers as bmatrix
    for piece in [r"z^{(1)} &= W^{(1)} x + b^{(1)}", r"\in \mathbb{R}^{2 \times 2}", r"\in \mathbb{R}^{2}",
                  r"\delta^{(2)} = \frac{\partial L}{\partial z^{(2)}} &= \frac{1}{2} \left(p - y\right)",
                  r"\frac{\partial L}{\partial W^{(2)}} &= \delta^{(2)} (a^{(1)})^{T}",
                  r"\frac{\partial L}{\partial b^{(1)}} &= \delta^{(1)} \mathbf{1}_{2}",
                  r"&= \frac{\partial L}{\partial a^{(1)}} \odot \sigma'(z^{(1)}) = "
                  r"\left((W^{(2)})^{T} \delta^{(2)}\right) \odot \sigma'(z^{(1)})",
                  r"\frac{\partial L}{\partial W^{(1)}} &= \delta^{(1)} x^{T}", r"\begin{bmatrix}",
                  r"\sigma'(u) = \sigma\left(u\right) \left(1 - \sigma\left(u\right)\right)"]:
        assert piece in tex, piece
    tags = [ln.tag for ln in d.lines() if ln.tag.startswith("adjoint:")]
    assert tags == ["adjoint:z^{(2)}", "adjoint:W^{(2)}", "adjoint:b^{(2)}", "adjoint:a^{(1)}", "adjoint:z^{(1)}",
                    "adjoint:W^{(1)}", "adjoint:b^{(1)}"]
    data = json.loads(render(r, "json"))["data"]["problems"][0]["data"]
    assert data["kind"] == "matrix" and set(data["gradients"]) == {"W^{(1)}", "b^{(1)}", "W^{(2)}", "b^{(2)}"}
    assert np.array(data["gradients"]["W^{(1)}"]).shape == (2, 3)
    md = render(d, "markdown")
    assert "$$\\begin{aligned}" in md and "\\begin{bmatrix}" in md


def test_golden_document_and_determinism(golden):
    tex = render(solve(load(MLP)), "latex")
    assert tex == render(solve(load(MLP)), "latex")
    golden("matrix_mlp.tex", tex)
    golden("matrix_mlp.md", render(solve(load(MLP)), "markdown"))


def test_the_document_compiles(tmp_path, tex_required):
    pdf = compile_pdf(render(solve(load(MLP)), "latex"), tmp_path / "mlp.pdf")
    assert pdf.stat().st_size > 1000
    big = matrix(layers=["linear", "relu", "linear", "softmax"], values=_wide(8, 7, 6, 3), wrt=["W1", "W2"])
    assert r"\cdots" in render(big, "latex") and r"\vdots" in render(big, "latex")
    compile_pdf(render(big, "latex", standalone=True), tmp_path / "big.pdf")


def _wide(d: int, h: int, k: int, n: int) -> dict:
    rng = np.random.default_rng(1)
    y = np.zeros((k, n))
    y[0, :] = 1
    return {"x": rng.normal(size=(d, n)), "W1": rng.normal(size=(h, d)), "b1": rng.normal(size=(h, 1)),
            "W2": rng.normal(size=(k, h)), "b2": rng.normal(size=(k, 1)), "y": y}


def test_problem_kind_errors_name_the_problem():
    ps = loads('''
[[problem]]
kind = "matrix"
steps = ['z = W x']
values = { W = [[1, 2, 3]], x = [1, 2] }

[[problem]]
kind = "matrix"
layers = ["linear", "softmax"]
values = { x = [1], W1 = [[1], [2]], b1 = [0, 0], y = [1, 0] }
extra = 1
''', source="hw.toml")
    sol = solve(ps)
    assert [str(e) for e in sol.errors] == [
        "hw.toml, problem 1, step 1 (z = W x): cannot multiply W (1x3) by x (2): W has 3 column(s) but x has 2 "
        "row(s)",
        "hw.toml, problem 2: unknown field 'extra' for this matrix problem; known: intro, layers, loss, parts, "
        "sigfigs, steps, title, values, vary, wrt"]


def test_command(tmp_path, capsys):
    vals = tmp_path / "v.toml"
    vals.write_text('W = [[1, 2], [3, 4]]\nx = [1, -1]\nb = [0, 1]\ny = [0, 0]\n', encoding="utf-8")
    assert main(["matrix", r"z = W x + b; L = \operatorname{MSE}(z, y)", "--values", str(vals), "--format",
                 "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "derivation" and out["data"]["gradients"]["W"] == [[-1.0, 1.0], [0.0, 0.0]]
    assert main(["matrix", "z = W x", r"L = \operatorname{sum}(z)", "--value", "W=[[1,2,3]]", "--value",
                 "x=[1,2]"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == [
        "derive matrix: shape error: step 1 (z = W x): cannot multiply W (1x3) by x (2): W has 3 column(s) but x "
        "has 2 row(s)"]
    assert main(["matrix", "--layers", "linear,softmax", "--value", "x=[1]", "--value", "W1=[[1],[2]]",
                 "--value", "b1=[0,0]", "--value", "y=[1,0]", "--format", "markdown"]) == 0
    assert "p - y" in capsys.readouterr().out
    assert main(["matrix", "L = x", "--value", "x=nope"]) == 2
    assert "--value: the value of x is not a JSON array" in capsys.readouterr().err


_TOKENS = ["x", "W", "b", "y", "z", "+", "-", " ", "(", ")", "^T", "^{(1)}", "_1", r"\odot", r"\sigma", r"\tanh",
           r"\operatorname{softmax}", r"\operatorname{sum}", r"\operatorname{CE}", ",", "2", r"\frac{1}{2}", "{", "}",
           "^", "=", r"\left(", r"\right)", r"\input", "%", "$", "\\", "L = ", r"\hat{y}"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=25))
def test_any_text_is_a_result_or_one_derive_error(tokens):
    text = "".join(tokens)
    values = {"x": [1.0, 2.0], "W": [[1.0, 0.5], [0.0, 1.0]], "b": [0.5, -0.5], "y": [0.0, 1.0], "z": [0.1, 0.2],
              "W^{(1)}": [[1.0, 2.0]], "x_1": [3.0]}
    every = " + ".join(rf"\operatorname{{sum}}({n})" for n in ["L", *values])   # every value used: a loss
    try:
        r = matrix(["L = " + text, "Q = " + every], values)
    except DeriveError as exc:
        assert str(exc).strip()
        return
    tex = render(r, "latex")
    assert r"\input" not in tex and "%" not in tex.replace(r"\%", "")


def test_solve_command_writes_the_example(capsys):
    assert main(["solve", str(MLP)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(r"\documentclass") and r"\delta^{(1)} = \frac{\partial L}{\partial z^{(1)}}" in out


def test_softmax_jacobian_when_the_targets_are_not_a_distribution():
    steps = [r"p = \operatorname{softmax}(z)", r"L = \operatorname{CE}(p, t)"]
    long = render(matrix(steps, {"z": [1.0, 2.0], "t": [0.3, 0.3]}), "latex")
    assert (r"\delta = \frac{\partial L}{\partial z} &= p \odot \left(\frac{\partial L}{\partial p} - "
            r"\mathbf{1}\mathbf{1}^{T} \left(p \odot \frac{\partial L}{\partial p}\right)\right)") in long
    short = render(matrix(steps, {"z": [1.0, 2.0], "t": [0.25, 0.75]}), "latex")
    assert r"\delta = \frac{\partial L}{\partial z} &= p - t \quad \text{softmax and cross-entropy together}" in short
    assert r"\frac{\partial L}{\partial p}" not in short


def test_wide_lines_go_from_symbols_to_value():
    vals = _wide(5, 5, 5, 5)
    tex = render(matrix(layers=["linear", "sigmoid", "linear", "softmax"], values=vals), "latex")
    assert all(width_em(line) <= LINE_EM + 12 for line in tex.split("\n") if line.startswith(" &= "))


@pytest.mark.parametrize("step", ["y = x + 2", "y = 2 - x", r"y = x \odot 3", r"y = 3 \oslash x"])
def test_a_number_in_an_elementwise_operation_is_one_error(step):
    # found by the hypothesis test above: x + 2 reached the shape rule as a bare SymPy number (AttributeError)
    with pytest.raises(ParseError, match="a number cannot be"):
        matrix(step, {"x": [1, 2]})
