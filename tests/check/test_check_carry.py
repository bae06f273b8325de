"""Errors carried forward by the writer's own numbers (derive/check/autodiff/carry.py).

By hand: f = log_2(1 + x^2 y) at x = 1.5, y = 0.8; u = 2.8, df/du = 1/(2.8 ln 2) = 0.51525; a writer who takes the
natural log's 1/u writes 0.35714, and then ∂f/∂x = 0.35714 · 2xy = 0.35714 · 2.4 = 0.8571 (right: 1.2366).
"""
import pytest

from derive.check import check

PROBLEM = {"expr": r"\log(1 + x^2 y)", "at": "x=1.5,y=0.8", "wrt": "x,y", "log_base": "2"}
SHEET = r"""Let $u = 1 + x^2 y = 2.8$.

$$\frac{df}{du} = \frac{1}{u} = \frac{1}{2.8} = 0.35714$$

$$\frac{\partial u}{\partial x} = 2xy = 2.4$$

$$\frac{\partial f}{\partial x} = 0.35714 \times 2.4 = {result}$$
"""


def _wrong(sheet):
    return [(f.line, f.diagnosis) for f in check(sheet, PROBLEM, isolate=False).findings if f.verdict == "wrong"]


def test_a_later_line_of_the_writers_wrong_number_carries_it():
    assert _wrong(SHEET.replace("{result}", "0.8571")) == [(3, "log-base")]


@pytest.mark.parametrize("result", ["0.9000", "0.8000"])
def test_a_slip_in_the_carried_line_is_still_a_slip(result):
    # neither is 0.35714 × 2.4: an arithmetic slip of its own after the carried mistake
    assert [ln for ln, _ in _wrong(SHEET.replace("{result}", result))] == [3, 7]


# σ(2x) at x = 0 by hand: z = 0, σ(0) = 0.5, σ'(0) = 0.25, dy/dx = 0.25 · 2 = 0.5; with the wrong rule σ' = σ a
# writer gets dy/dz = 0.5 and dy/dx = 1.0
SIGMOID = {"expr": r"\sigma(2 x)", "at": "x=0"}
RULE = "$$\\sigma'(z) = \\sigma(z)$$\n\n"
USE = ("$$\\frac{dy}{dz} = \\sigma'(z) = \\sigma(0) = 0.5$$\n\n"
       "$$\\frac{dy}{dx} = \\frac{dy}{dz} \\cdot 2 = 1.0$$\n")
DEFINE = "$$z = 2 x = 0$$\n\n"


def test_a_wrong_rule_stated_in_symbols_is_flagged_once_and_followed():
    found = [(f.line, f.diagnosis) for f in check(DEFINE + RULE + USE, SIGMOID, isolate=False).findings
             if f.verdict == "wrong"]
    assert found == [(3, "sigmoid-derivative")]


def test_without_the_stated_rule_the_step_is_the_mistake():
    found = [(f.line, f.diagnosis) for f in check(DEFINE + USE, SIGMOID, isolate=False).findings
             if f.verdict == "wrong"]
    assert found and found[0] == (3, "sigmoid-derivative")
