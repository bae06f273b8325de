"""derive.check: the seed sheet's errors, round trips of derive's own solutions, misconceptions, limits, CLI."""
from __future__ import annotations

import json
import time

import pytest

from derive import autodiff
from derive.check import check, load_problem
from derive.check.reading.document import read
from derive.check.sandbox import Sandbox
from derive.cli import main
from derive.errors import InputError, LimitError
from derive.testing import assert_solution_correct
from derive.render import render
from conftest import ROOT

SEED_FILE = ROOT / "examples" / "seed_solution.md"  # copy of the shared seed
EXPR = r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)"
PROBLEM = {"expr": EXPR, "at": "c=3,x=5", "log_base": "10"}

# Problem 1 of the seed sheet, verbatim (the whole sheet is used too when it is present).
SEED_P1 = r"""$$1. (a) \frac{\partial \left[\left(\frac{x^2}{\log x} + c \right) \left(\frac{x^2}{\log x} - c \right) \right]}{\partial x}$$

$$= \frac{\partial \left[\left(\frac{x^2}{\log x} + c \right) \left(\frac{x^2}{\log x} - c \right) \right]}{\partial \left(\frac{x^2}{\log x} + c \right)} \cdot \frac{\partial \left(\frac{x^2}{\log x} + c \right)}{\partial \left(\frac{x^2}{\log x} \right)} \left[\frac{\partial \left(\frac{x^2}{\log x} \right)}{\partial (x^2)} \cdot \frac{\partial (x^2)}{\partial x} + \frac{\partial \left(\frac{x^2}{\log x} \right)}{\partial (\log x)} \cdot \frac{\partial (\log x)}{\partial x} \right]$$

$$+ \frac{\partial \left[\left(\frac{x^2}{\log x} + c \right) \left(\frac{x^2}{\log x} - c \right) \right]}{\partial \left(\frac{x^2}{\log x} - c \right)} \cdot \frac{\partial \left(\frac{x^2}{\log x} - c \right)}{\partial \left(\frac{x^2}{\log x} \right)} \left[\frac{\partial \left(\frac{x^2}{\log x} \right)}{\partial (x^2)} \cdot \frac{\partial (x^2)}{\partial x} + \frac{\partial \left(\frac{x^2}{\log x} \right)}{\partial (\log x)} \cdot \frac{\partial (\log x)}{\partial x} \right]$$

(b) Forward trace:

$$\begin{aligned} N_{-1} = c &= 3 \\ N_0 = x &= 5 \\ N_1 = N_0^2 &= 25 \\ N_2 = \log N_0 &= 0.699 \\ N_3 = N_1 / N_2 &= 35.8 \\ N_4 = N_{-1} + N_3 &= 38.8 \\ N_5 = N_3 - N_{-1} &= 32.8 \\ N_6 = N_4 \cdot N_5 &= 1272.6 \\ y = N_6 &= 1272.6 \end{aligned}$$

(c) backward trace:

$$\begin{aligned} \bar{v}_6 &= \bar{y} = 1 \\ \bar{v}_5 &= \bar{v}_6 \frac{\partial v_6}{\partial v_5} = \bar{v}_6 \times v_4 = 1 \times v_4 = 38.8 \\ \bar{v}_4 &= \bar{v}_6 \frac{\partial v_6}{\partial v_4} = \bar{v}_6 \times v_5 = 1 \times 32.8 = 32.8 \\ \bar{v}_3 &= \bar{v}_4 \frac{\partial v_4}{\partial v_3} + \bar{v}_5 \frac{\partial v_5}{\partial v_3} = \bar{v}_4 \times 1 + \bar{v}_5 \times (-1) = 71.6 \\ \bar{v}_2 &= \bar{v}_3 \frac{\partial v_3}{\partial v_2} = \bar{v}_3 \times \left(-\frac{v_1}{v_2^2} \right) = -3663.5 \\ \bar{v}_1 &= \bar{v}_3 \frac{\partial v_3}{\partial v_1} = \bar{v}_3 \times \frac{1}{v_2} = 102.4 \\ \bar{v}_0 &= \bar{v}_1 \frac{\partial v_1}{\partial v_0} + \bar{v}_2 \frac{\partial v_2}{\partial v_0} = \bar{v}_1 \cdot (2v_0) + \bar{v}_2 \cdot \frac{1}{v_0} = 291.3 \\ \bar{v}_{-1} &= \bar{v}_4 \frac{\partial v_4}{\partial v_{-1}} + \bar{v}_5 \frac{\partial v_5}{\partial v_{-1}} = \bar{v}_4 \times 1 + \bar{v}_5 \times (-1) = -6 \\ \bar{x} &= \bar{v}_0 = 291.3 \\ \bar{c} &= \bar{v}_{-1} = -6 \end{aligned}$$
"""


def _seed_findings(report):
    return [(f.verdict, f.diagnosis, f.step.split(" = ")[0]) for f in report.findings]


def _assert_seed_report(report, backward_line):
    assert not report.ok
    assert _seed_findings(report) == [("wrong", "sign-slip", r"\bar{v}_3"), ("wrong", "log-base", r"\bar{v}_0")]
    slip, base = report.findings
    assert slip.line == backward_line and base.line == backward_line
    assert "∂v_5/∂v_3 = 1" in slip.message and "written as -1" in slip.message
    assert "71.6 is right anyway" in slip.message
    assert slip.found == r"\bar{v}_4 \times 1 + \bar{v}_5 \times (-1)"
    assert r"\ln 10" in base.expected and "ln(10)" in base.message
    assert "705.8" in base.message and "705.5" in base.message   # what the line should come to
    # \bar x = \bar v_0 = 291.3 carries the slip forward: reported once, at \bar v_0 only
    assert not any(f.step.startswith(r"\bar{x}") for f in report.findings)


def _sides(text: str) -> int:
    """The right-hand sides a sheet's statements have (``a = b = c`` has two)."""
    return sum(len(s.segments) - 1 for s in read(text) if len(s.segments) >= 2)


BACKWARD_LINE = 1 + next(k for k, ln in enumerate(SEED_P1.split("\n")) if ln.startswith(r"$$\begin{aligned} \bar{v}_6"))


def test_seed_problem_1_errors_found_once_on_the_right_lines():
    report = check(SEED_P1, PROBLEM)
    _assert_seed_report(report, backward_line=BACKWARD_LINE)
    # every right-hand side of every statement was judged: none left unverified, none skipped
    assert report.checked == _sides(SEED_P1) and not report.skipped and report.count("unverifiable") == 0


def test_whole_seed_sheet_skips_the_other_problems():
    text = SEED_FILE.read_text(encoding="utf-8")
    report = check(text, PROBLEM)
    _assert_seed_report(report, backward_line=18)
    assert report.count("unverifiable") == 0 and report.count("note") == 0
    assert report.skipped and all("not about this problem" in r for _, r in report.skipped)
    assert {ln for ln, _ in report.skipped} >= {24, 36, 92}


@pytest.mark.parametrize("rounding", ["exact", "handwritten"])
@pytest.mark.parametrize("base,letter", [("10", "v"), ("e", "N")])
def test_round_trip_seed_problem(rounding, base, letter):
    r = autodiff(EXPR, at="c=3,x=5", log_base=base, rounding=rounding, letter=letter)
    report = check(render(r, "markdown"), r, isolate=False)
    assert report.findings == [] and report.checked > 100


ROUND_TRIP = [
    ("x*u + sin(x)", "x=0.5,u=2"),
    ("x*y + sin(y)", "x=0.5,y=2"),     # an input named y: the output is then called f
    ("exp(x)/(1+exp(x))", "x=1.5"),    # a constant 1 beside node v_1 (once mistaken for it)
    ("tanh(w*x+b)", "w=0.3,x=2,b=-0.1"),
    ("sigmoid(a*b) - a/b", "a=2,b=0.5"),
    ("sqrt(x**2+1)*log(x)", "x=3"),
    ("(x-u)**2", "x=1,u=4"),
    ("x + (u - x)", "x=0.7,u=1.3"),     # a step whose value is an input's: still that step, not u
    ("x + u*(x - x)", "x=0.7,u=1.3"),   # two nodes that are both identically 0: told apart by what is written
]


@pytest.mark.parametrize("expr,at", ROUND_TRIP)
def test_round_trip_examples(expr, at):
    for rounding in ("exact", "handwritten"):
        r = autodiff(expr, at=at, rounding=rounding)
        report = check(render(r, "markdown"), r, isolate=False)
        assert report.findings == [], render(report, "text")


def test_round_trip_random_problems():
    import hypothesis as hyp
    st = hyp.strategies
    leaf = st.sampled_from(["x", "u", "2", "0.5"])
    unary = st.sampled_from(["sin({})", "exp({})", "tanh({})", "({})**2"])
    binary = st.sampled_from(["({} + {})", "({} * {})", "({} - {})"])
    expr = st.recursive(leaf, lambda kids: st.one_of(st.builds(lambda f, a: f.format(a), unary, kids),
                                                     st.builds(lambda f, a, b: f.format(a, b), binary, kids, kids)),
                        max_leaves=4).map(lambda e: e if "x" in e and "u" in e else f"({e} + x * u)")   # both inputs

    @hyp.settings(max_examples=8, deadline=None, derandomize=True)
    @hyp.given(expr)
    def run(e):
        try:
            r = autodiff(e, at="x=0.7,u=1.3", rounding="handwritten")
        except Exception:   # constant folding can leave nothing to differentiate; not the checker's concern
            hyp.reject()
        report = check(render(r, "markdown"), r, isolate=False)
        assert report.findings == [], (e, render(report, "text"))

    run()


# ------------------------------------------------------------------------------------------ misconceptions

def _one(text: str, problem=PROBLEM):
    report = check("$$\\begin{aligned} " + text + " \\end{aligned}$$", problem, isolate=False)
    return report.findings


FORWARD = r"N_{-1} = c &= 3 \\ N_0 = x &= 5 \\ N_1 = N_0^2 &= 25 \\ "


@pytest.mark.parametrize("lines,diagnosis", [
    (FORWARD + r"N_2 = \log N_0 &= 1.609", "log-value-base"),
    (FORWARD + r"N_2 = \log N_0 &= 0.699 \\ N_3 = N_1/N_2 &= 35.8 \\ N_5 = N_3 + N_{-1} &= 38.8", "sub-sign"),
    (r"\bar{v}_{-1} &= \bar{v}_4 \cdot 1 = 32.8", "fan-out"),
    (r"\bar{v}_{-1} &= \bar{v}_4 \frac{\partial v_4}{\partial v_{-1}} = \bar{v}_4", "fan-out"),
    (r"\bar{v}_2 &= \bar{v}_3 \times \frac{v_1}{v_2^2}", "sign-slip"),
    (r"\bar{v}_2 &= \bar{v}_3 \times \left(-\frac{1}{v_2^2}\right)", "quotient-rule"),
    (r"\bar{v}_0 &= \bar{v}_1 \cdot 2 v_0 + \bar{v}_2 \cdot \frac{1}{v_0}", "log-base"),
])
def test_misconceptions_are_diagnosed(lines, diagnosis):
    findings = _one(lines)
    wrong = [f for f in findings if f.verdict == "wrong"]
    assert len(wrong) == 1 and wrong[0].diagnosis == diagnosis, [f.to_dict() for f in findings]


def test_error_carried_forward_is_reported_once():
    # \bar v_5 is wrong (33 instead of 38.8); \bar v_3 and \bar v_{-1} use it correctly: one finding only
    text = (r"\bar{v}_6 &= 1 \\ \bar{v}_5 &= \bar{v}_6 \times v_4 = 33 \\ \bar{v}_4 &= \bar{v}_6 \times v_5 = 32.8 \\ "
            r"\bar{v}_3 &= \bar{v}_4 + \bar{v}_5 = 65.8 \\ \bar{v}_{-1} &= \bar{v}_4 - \bar{v}_5 = -0.2")
    findings = _one(text)
    assert [(f.verdict, f.step.split(" = ")[0]) for f in findings] == [("wrong", r"\bar{v}_5")]
    assert findings[0].expected == "38.8"


def test_wrong_final_value_without_a_diagnosis():
    findings = _one(r"\bar{v}_6 &= 1 \\ \bar{v}_5 &= \bar{v}_6 \times v_4 = 40.1")
    assert [(f.verdict, f.diagnosis, f.expected) for f in findings] == [("wrong", "", "38.8")]


def test_rounding_drift_is_a_note_not_an_error():
    # the writer rounds 35.767 to 35.7 (a truncation), then carries it: 35.7 is wrong at 3 figures,
    # and 35.7 + 3 = 38.7 follows from it (not reported again)
    text = FORWARD + r"N_2 = \log N_0 &= 0.699 \\ N_3 = N_1 / N_2 &= 35.7 \\ N_4 = N_{-1} + N_3 &= 38.7"
    findings = _one(text)
    assert [(f.verdict, f.step.split(" = ")[0]) for f in findings] == [("wrong", "N_3")]
    # 2 figures written: 36 is within the writer's own precision of 35.77
    assert _one(FORWARD + r"N_2 = \log N_0 &= 0.699 \\ N_3 = N_1 / N_2 &= 36") == []


def test_unreadable_and_over_limit_lines_are_reported_and_the_rest_checked():
    text = (r"\bar{v}_6 &= 1 \\ \bar{v}_5 &= \frac{1}{ \\ \bar{v}_4 &= 10^{10^{10}} \\ "
            r"\bar{v}_3 &= \bar{v}_4 - \bar{v}_5 \\ \bar{v}_2 &= \hat{w}")
    findings = _one(text)
    kinds = [(f.verdict, f.step.split(" = ")[0]) for f in findings]
    assert kinds == [("unverifiable", r"\bar{v}_5"), ("unverifiable", r"\bar{v}_4"), ("wrong", r"\bar{v}_3"),
                     ("unverifiable", r"\bar{v}_2")]
    assert "cannot read" in findings[0].message
    assert "tower of exponents" in findings[1].message
    assert "not a quantity of this problem" in findings[3].message


def test_sandbox_kills_an_overrunning_step_and_carries_on():
    def work(request):
        if request == "hang":
            time.sleep(30)
        return request * 2

    with Sandbox(work, timeout=0.5) as box:
        assert box.call(3) == 6
        t = time.time()
        with pytest.raises(LimitError, match="longer than"):
            box.call("hang")
        assert time.time() - t < 5
        assert box.call(4) == 8 and box.restarts == 1


def test_tangent_trace_with_chosen_direction():
    r = autodiff("x*u + sin(x)", at="x=0.5,u=2", parts=("tangent",))
    report = check(render(r, "markdown"), r, isolate=False)
    assert report.findings == [] and report.checked > 20


# ------------------------------------------------------------------------------------------ problems, API, CLI

def test_problem_from_toml(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('[[problem]]\nkind = "autodiff"\nexpr = "(x**2/log(x)+c)*(x**2/log(x)-c)"\nat = "c=3,x=5"\n'
                 'log_base = 10\nnumber = 1\n', encoding="utf-8")
    prob = load_problem(str(f))
    assert prob.number == "1" and prob.log_base == "10"
    _assert_seed_report(check(SEED_P1, str(f)), backward_line=BACKWARD_LINE)


@pytest.mark.parametrize("bad", [{"expr": "x"}, {"expr": "x", "at": "x=1", "colour": 1}, {"kind": "rnn"},
                                 {"kind": "cnn", "preset": "nope"}, {"kind": "adam", "norm": "cubed"}, 42])
def test_bad_problems_are_input_errors(bad):
    with pytest.raises(InputError):
        load_problem(bad)


def test_assert_solution_correct():
    r = autodiff(EXPR, at="c=3,x=5", log_base="10")
    assert_solution_correct(render(r, "markdown"), r)
    with pytest.raises(AssertionError, match="sign slip"):
        assert_solution_correct(SEED_P1, PROBLEM)


def test_cli_exit_codes_and_formats(tmp_path, capsys):
    seed = tmp_path / "seed.md"
    seed.write_text(SEED_P1, encoding="utf-8")
    good = tmp_path / "good.md"
    good.write_text(render(autodiff(EXPR, at="c=3,x=5", log_base="10"), "markdown"), encoding="utf-8")
    opts = ["--expr", EXPR, "--at", "c=3,x=5", "--log-base", "10"]
    assert main(["check", str(seed), *opts]) == 1
    out = capsys.readouterr().out
    assert "WRONG: sign slip in a partial" in out and f"line {BACKWARD_LINE}" in out
    assert main(["check", str(good), *opts]) == 0
    capsys.readouterr()
    assert main(["check", str(seed), *opts, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)["data"]
    assert data["ok"] is False and {"line", "step", "verdict", "expected", "found", "message"} <= set(data["findings"][0])
    assert main(["check", str(seed), str(good), *opts, "--jobs", "2", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)["data"]
    assert [f["ok"] for f in data["files"]] == [False, True]
    assert main(["check", str(tmp_path / "missing.md"), *opts]) == 2
    assert main(["check", str(seed), "--expr", "x+", "--at", "x=1"]) == 2
    assert main(["check", str(seed), "--expr", EXPR]) == 2


def test_cli_latex_report_compiles(tmp_path, tex_required):
    from derive.render import compile_pdf
    seed = tmp_path / "seed.md"
    seed.write_text(SEED_P1, encoding="utf-8")
    out = tmp_path / "report.tex"
    assert main(["check", str(seed), "--expr", EXPR, "--at", "c=3,x=5", "--log-base", "10", "--format", "latex",
                 "-o", str(out)]) == 1
    tex = out.read_text(encoding="utf-8")
    assert r"\marginpar" in tex and "sign slip" in tex
    compile_pdf(tex, tmp_path / "report.pdf")


# ------------------------------------------------------------------------------------------ Adam (problem 2)

SEED_P2 = r"""2. (a) On iteration t :

$$m^t = \beta m^{t-1} + (1-\beta)g^t, \quad \text{calculate the accumulated momentum}$$

$$v^t = \gamma v^{t-1} + (1-\gamma)(g^t)^2, \quad \dots \dots \dots \text{second moment}$$

$$\hat{m}^t = \frac{m^t}{1-(\beta)^t}, \quad \hat{v}^t = \frac{v^t}{1-(\gamma)^t} \quad \text{correction of initial bias}$$

$$w^{t+1} = w^t - \alpha \frac{\hat{m}^t}{\sqrt{\hat{v}^t + \epsilon}} \quad \text{update weight}$$

$$m^0 = 0, \quad v^0 = 0.$$

usually $\beta \sim 0.99$, $\gamma \sim 0.999$, $\epsilon \sim 10^{-8}$

$$(b) \quad m^1 = 0 \cdot \beta + (1-\beta)g^1 = (1-\beta)g^1, \quad \hat{m}^1 = \frac{m^1}{1-\beta} = g^1.$$

$$v^1 = \gamma \cdot 0 + (1-\gamma)(g^1)^2 = (1-\gamma)(g^1)^2, \quad \hat{v}^1 = \frac{v^1}{1-\gamma} = (g^1)^2.$$

$$w^2 = w^1 - \alpha \frac{g^1}{|g^1| + \epsilon} \approx w^1 - \alpha \text{sign}(g^1).$$

$$(c) \quad m^2 = (1-\beta)\beta g^1 + (1-\beta)g^2, \quad \hat{m}^2 = \frac{m^2}{1-\beta^2} = (\beta g^1 + g^2)/(1+\beta)$$

$$v^2 = (1-\gamma)\gamma(g^1)^2 + (1-\gamma)(g^2)^2, \quad \hat{v}_2 = \frac{v^2}{1-\gamma^2} = [\gamma(g^1)^2 + (g^2)^2]/(1+\gamma)$$

$$\alpha \frac{\hat{m}^2}{\sqrt{\hat{v}^2 + \epsilon}} \approx \alpha \frac{\beta g^1 + g^2}{\sqrt{\gamma(g^1)^2 + (g^2)^2}} \frac{\sqrt{1+\gamma}}{1+\beta} \quad \left(\begin{array}{l} \hat{m} \text{ is the weighted average of gradient} \\ \hat{v} \text{ is the weighted squared average.} \end{array} \right)$$

(e) L2-Regularization in Loss function:

$$L \rightarrow L' = L + \lambda \|w\|_2$$

$$\Rightarrow g^t \rightarrow g'^t = g^t + 2\lambda w^t,$$
"""


def test_seed_problem_2_adam_errors():
    report = check(SEED_P2, {"kind": "adam"})
    got = [(f.line, f.verdict, f.diagnosis) for f in report.findings]
    lines = SEED_P2.split("\n")
    line_of = lambda start: 1 + next(k for k, ln in enumerate(lines) if ln.startswith(start))  # noqa: E731
    assert got == [(line_of("$$w^{t+1}"), "wrong", "eps-root"), (line_of("usually"), "note", ""),
                   (line_of("$$L \\rightarrow"), "wrong", "norm-squared")]
    assert report.count("unverifiable") == 0 and report.checked == _sides(SEED_P2)
    # (b) uses |g^1| + ε, i.e. ε outside the root: right, and so is w^2 ≈ w^1 - α sign(g^1)
    assert not any(f.step.startswith("w^2") for f in report.findings)


@pytest.mark.parametrize("options", [{}, {"norm": "half"}, {"norm": "unsquared"}])
def test_round_trip_adam_derivations(options):
    from derive import optim
    text = render(optim.seed_problem2(**options), "markdown")
    report = check(text, {"kind": "adam", **options}, isolate=False)
    assert report.findings == [] and report.checked > 40, render(report, "text")


@pytest.mark.parametrize("line,diagnosis", [
    (r"w^{t+1} = w^t - \frac{\alpha \hat{m}^t}{\sqrt{\hat{v}^t} + \epsilon}", None),
    (r"w^{t+1} = w^t - \frac{\alpha \hat{m}^t}{\sqrt{\hat{v}^t + \epsilon}}", "eps-root"),
    (r"\hat{m}^t = \frac{m^t}{1-\beta^t}", None),
    (r"\hat{m}^t = \frac{m^t}{1-\beta}", "bias-power"),
    (r"m^2 = \beta g^1 + g^2", "ema-weight"),
    (r"w^2 \approx w^1 - \alpha \operatorname{sign}(g^1)", None),
    (r"L' = L + \lambda \|w\|_2^2", None),
    (r"g'^t = g^t + \lambda w^t", ""),
])
def test_adam_steps(line, diagnosis):
    findings = check(f"$${line}$$", {"kind": "adam"}, isolate=False).findings
    if diagnosis is None:
        assert findings == []
    else:
        assert [(f.verdict, f.diagnosis) for f in findings] == [("wrong", diagnosis)]


def test_cli_adam(tmp_path, capsys):
    sheet = tmp_path / "p2.md"
    sheet.write_text(SEED_P2, encoding="utf-8")
    assert main(["check", str(sheet), "--adam"]) == 1
    assert "ε inside vs outside the root" in capsys.readouterr().out
    assert main(["check", str(sheet)]) == 2


# ------------------------------------------------------------------------------------------ CNN (problem 3)

SEED_P3 = r"""3.(a) A perceptron in $7 \times 7 \times 512$ maxpooling layer depends on ...

(b) # parameters =

$$\begin{aligned}
 & (3 \times 3 \times 3 + 1) \times 64 + (3 \times 3 \times 64 + 1) \times 64 \\
 & + (3 \times 3 \times 512 + 1) \times 512 \times 3
 \end{aligned}$$

parameters in
fully connected
layers

$$\begin{aligned}
 & = (7 \times 7 \times 512 \times 4096 + 4096) \\
 & + 4096 \times 4096 + 4096 \\
 & + 4096 \times 1000 + 1000 \\
 & = 123642856 \approx 1.24 \times 10^8
 \end{aligned}$$

parameters in total = $138357544 \approx 1.38 \times 10^8$
"""


def test_seed_problem_3_arithmetic_checks_clean():
    report = check(SEED_P3, {"kind": "cnn", "preset": "vgg16"}, isolate=False)
    assert report.findings == [] and report.checked == 3


@pytest.mark.parametrize("line,diagnosis", [
    (r"N_{\mathrm{conv}} = 14714688", None),
    (r"N_{\mathrm{fc}} = 7 \times 7 \times 512 \times 4096 + 4096 \times 4096 + 4096 \times 1000", "params-no-bias"),
    (r"N_{\mathrm{fc}} = 123642856", None),
    (r"N = N_{\mathrm{conv}} + N_{\mathrm{fc}} = 138357544 \approx 1.38 \times 10^{8}", None),
    (r"r = 212", None),
    (r"r = 27", "rf-no-pool"),
    (r"r = 181", "rf-no-pool"),
    (r"r_{l} = r_{l-1} + (k_{l} - 1) \times j_{l-1}", None),
    (r"r_{l} = r_{l-1} + k_{l} \times j_{l-1}", ""),
    (r"(3 \times 3 \times 3 + 1) \times 64 = 1792", None),
    (r"(3 \times 3 \times 3 + 1) \times 64 = 1729", ""),
    (r"7 \times 7 \times 512 \times 4096 + 4096 \times 4096 + 4096 \times 1000 = 123633664", "params-no-bias"),
])
def test_cnn_steps(line, diagnosis):
    findings = check(f"$${line}$$", {"kind": "cnn"}, isolate=False).findings
    if diagnosis is None:
        assert findings == [], [f.to_dict() for f in findings]
    else:
        assert [(f.verdict, f.diagnosis) for f in findings] == [("wrong", diagnosis)], [f.to_dict() for f in findings]


def test_round_trip_cnn_derivation():
    from derive import cnn
    report = check(render(cnn.seed_problem3(), "markdown"), {"kind": "cnn", "preset": "vgg16"}, isolate=False)
    assert report.findings == [] and report.checked > 50, render(report, "text")


# ------------------------------------------------------------------------------------------ problem sets

def _examples():
    from derive import problems
    return problems, list(problems.EXAMPLES)


def test_round_trip_every_example_problem_set():
    problems, names = _examples()
    assert names
    for name in names:
        path = problems.example_path(name)
        text = render(problems.solve(problems.load(path)), "markdown")
        report = check(text, str(path))
        assert report.findings == [] and report.checked > 50, (name, render(report, "text"))


def test_whole_seed_sheet_against_the_seed_problem_set(capsys):
    problems, names = _examples()
    path = str(problems.example_path("seed"))
    sheet = SEED_FILE.read_text(encoding="utf-8")
    report = check(sheet, path)
    got = [(f.line, f.verdict, f.diagnosis) for f in report.findings]
    line_of = lambda start: 1 + next(k for k, ln in enumerate(sheet.split("\n")) if ln.startswith(start))  # noqa: E731
    backward, adam = line_of(r"$$\begin{aligned} \bar{v}_6"), line_of("$$w^{t+1} = w^t - \\alpha")
    assert got == [(backward, "wrong", "sign-slip"), (backward, "wrong", "log-base"), (adam, "wrong", "eps-root"),
                   (line_of("usually"), "note", ""), (line_of("$$L \\rightarrow"), "wrong", "norm-squared"),
                   (line_of(r"$$\frac{\text{\# of conv}"), "unverifiable", "")]
    assert main(["check", str(SEED_FILE), "--problem", path, "--number", "2"]) == 1
    out = capsys.readouterr().out
    assert "ε inside vs outside" in out and "sign slip" not in out


def test_statement_count_and_time_budget_are_bounded(monkeypatch):
    import dataclasses
    from derive.check import checker
    from derive.settings import LIMITS
    monkeypatch.setattr(checker, "LIMITS", dataclasses.replace(LIMITS, max_statements=3))
    text = "".join(f"$$x = {v}$$\n" for v in (5, 5, 5, 5, 5))
    with pytest.raises(LimitError, match="more than 3 statements .*statement 4 is on line 4"):
        check(text, {"expr": "x*c", "at": "x=5,c=2"}, isolate=False)
    monkeypatch.setattr(checker, "LIMITS", dataclasses.replace(LIMITS, sheet_seconds=-1.0))
    report = check(text, {"expr": "x*c", "at": "x=5,c=2"}, isolate=False)
    assert report.checked == 0 and "took longer than" in report.findings[0].message


def test_hostile_documents_are_read_in_linear_time():
    from derive.check.reading.document import read
    for doc in ("$" * 200000, "\\[" * 100000, "\\begin{align*}" * 20000, "\\text{a}" * 50000, "~~" * 100000):
        t = time.time()
        read(doc)
        assert time.time() - t < 2, doc[:10]


def test_a_single_problem_file_is_checked_like_its_mapping_and_solved_too(tmp_path):
    from derive.problems import load, solve
    f = tmp_path / "one.toml"
    f.write_text(f"title = \"Seed 1\"\nexpr = '{EXPR}'\nat = \"c=3,x=5\"\nlog_base = \"10\"\n", encoding="utf-8")
    prob = load_problem(str(f))
    assert prob.number == "" and prob.label == "Seed 1"   # no number: the whole sheet is about it
    _assert_seed_report(check(SEED_P1, str(f), isolate=False), backward_line=BACKWARD_LINE)
    sol = solve(load(f))
    assert sol.ok and [p.number for p in sol.problems] == ["1"]


def test_problem_file_errors_name_the_file_and_problem_for_check_and_solve(tmp_path):
    from derive.problems import load, solve
    f = tmp_path / "p.toml"
    f.write_text('[[problem]]\nnumber = "2a"\nkind = 7\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_problem(str(f))
    assert str(info.value).startswith("p.toml, problem 2a: field 'kind' must be str")
    assert str(solve(load(f)).errors[0]) == str(info.value)


# ------------------------------------------------------------------------- lines as other people write them
# (problem, sheet, verdict on every finding's line: "" = no finding at all)
WRITERS_LINES = [
    # a rule in letters that are no quantity of the problem: an identity, correct when it holds
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, r"$\sigma'(u) = \sigma(u)(1 - \sigma(u))$", ""),
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, r"$\tanh'(u) = 1 - \tanh^2 u$", ""),
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, r"$\sigma'(u) = \sigma(u)(1 + \sigma(u))$", "unverifiable"),
    # notation, judged at every node: right, or never called wrong
    ({"expr": "x y z", "at": "x=2,y=-3,z=0.5"}, r"$\bar v_i = \partial f / \partial v_i$", ""),
    ({"expr": "x y z", "at": "x=2,y=-3,z=0.5"}, r"$\bar v_i = \partial v_i / \partial f$", "unverifiable"),
    # Leibniz's d is the total derivative: dv_3/dx for v_3 = x v_2 is v_2 + x dv_2/dx, not v_2
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, "$$v_3' = dv_3/dx = 0.9277$$", ""),
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, "$$v_1' = dv_1/dx = 3$$", "wrong"),
    # the function at another point than the problem's is not this problem's value
    ({"expr": r"\frac{e^{x}}{1 + x^2}", "at": "x=0.6"}, "$f'(1) = 0$", "unverifiable"),
    ({"expr": "x y", "at": "x=2,y=3"}, "$f(2, 3) = 7$", "wrong"),
    # the problem's own exact inputs do not make an expression good to one figure
    ({"expr": r"x \sigma(2 x)", "at": "x=0.5"}, r"$$f'(0.5) = 0.7311 + 0.5 \times 0.1966 = 0.8294$$", "wrong"),
    # the derivative operator applied to an expression
    ({"expr": r"\sin(x^2) + x", "at": "x=1.1"}, r"$$\frac{d}{dx} \sin(x^2) = 2x \cos(x^2) = 0.7766$$", ""),
    ({"expr": r"\sin(x^2) + x", "at": "x=1.1"}, r"$$\frac{d}{dx} \sin(x^2) = \cos(x^2)$$", "wrong"),
    # ∇f as a tuple, in the order of the inputs
    ({"expr": "x y z", "at": "x=2,y=-3,z=0.5"}, r"$$\nabla f = (-1.5,\ 1,\ -6)$$", ""),
    ({"expr": "x y z", "at": "x=2,y=-3,z=0.5"}, r"$$\nabla f(2, -3, 0.5) = (\bar x, \bar y, \bar z) = (-1.5, 1, 6)$$",
     "wrong"),
    # a step written before the steps it uses
    ({"expr": r"\frac{e^{x}}{1 + x^2}", "at": "x=0.6"}, "$f = u/v$ with $u = e^x$, $v = 1 + x^2$; $u' = 1.822$", ""),
    # a hyperparameter written in as its value; AdamW's decay taken as L2 is diagnosed
    ({"kind": "optimizer", "optimizer": "rmsprop", "options": {"lr": 0.005, "alpha": 0.8}, "w0": -2, "grads": [1]},
     r"$$s_t = 0.8\, s_{t-1} + 0.2\, g_t^2$$", ""),
    ({"kind": "optimizer", "optimizer": "rmsprop", "options": {"lr": 0.005, "alpha": 0.8}, "w0": -2, "grads": [1]},
     r"$$s_t = 0.8\, s_{t-1} + 0.8\, g_t^2$$", "wrong"),
]


@pytest.mark.parametrize("problem,text,verdict", WRITERS_LINES)
def test_lines_as_other_people_write_them(problem, text, verdict):
    report = check(text, problem, isolate=False)
    assert [f.verdict for f in report.findings] == ([verdict] if verdict else []), \
        [f.to_dict() for f in report.findings]


def test_adamw_taken_as_l2_is_diagnosed_and_carried():
    problem = {"kind": "optimizer", "optimizer": "adamw", "options": {"lr": 0.05, "weight_decay": 0.05}, "w0": 2,
               "grads": [1, 0.5]}
    text = ("$$\\tilde g_t = g_t + \\lambda \\theta_{t-1}, \\qquad "
            "\\theta_t = \\theta_{t-1} - \\alpha \\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}$$\n\n"
            "$$m_1 = 0.11$$\n\n$$\\theta_1 = 2 - 0.05 \\times \\frac{1.1}{1.1} = 1.95$$\n")
    wrong = [f for f in check(text, problem, isolate=False).findings if f.verdict == "wrong"]
    assert [(f.line, f.diagnosis) for f in wrong] == [(1, "decay-coupled")], [f.to_dict() for f in wrong]


def test_a_total_of_counts_with_a_reported_slip_carries():
    text = ("* fc: $512 \\cdot 1000 = 512000$\n\n"
            "Sum: $9536 + 221952 + 1116416 + 6822400 + 13114368 + 512000 = 21796672$.\n")
    wrong = [f for f in check(text, {"kind": "cnn", "preset": "resnet34"}, isolate=False).findings
             if f.verdict == "wrong"]
    assert [(f.line, f.diagnosis) for f in wrong] == [(1, "params-no-bias")], [f.to_dict() for f in wrong]


def test_a_negligible_eps_left_out_of_the_arithmetic_is_fine():
    # RMSprop with the root forgotten (stated once, diagnosed), then steps that follow that rule with ε = 1e-8
    # left out: at v = 0.016, ε/v = 6e-7 is more than a calculator's noise, yet the line is right as written
    problem = {"kind": "optimizer", "optimizer": "rmsprop", "options": {"lr": 0.01, "alpha": 0.9}, "w0": 1.0,
               "grads": [0.4, -0.2, 0.3]}
    text = ("$$\\theta_t = \\theta_{t-1} - \\frac{\\eta}{v_t + \\epsilon}\\, g_t$$\n\n"
            "$$\\theta_1 = 1 - \\frac{0.01 \\times 0.4}{0.016} = 0.75$$\n")
    found = [(f.line, f.verdict, f.diagnosis) for f in check(text, problem, isolate=False).findings]
    assert found == [(1, "wrong", "no-root")], found
