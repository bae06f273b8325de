"""Known misconceptions, as data: what a wrong step is diagnosed as when it matches a perturbed derivation.

Each entry names the mistake and explains it. The checker perturbs the correct step in the ways listed under
``perturbs`` (one term at a time) and, when the writer's step equals a perturbed version, reports that entry.
The autodiff perturbations live in :mod:`derive.check.autodiff.judge`, the optimizer ones in
:mod:`derive.check.optim.family` (rewrites of the update rule's template) and :mod:`derive.check.optim.adam` (‖w‖
for ‖w‖²), the CNN ones (biases, pooling, padding, stride, dilation, rounding, downsample branch, jump) in
:mod:`derive.check.cnn`. This is the one table: every judge
reports a diagnosis by its id here, with this title and explanation (and ``expected``, the correct form as LaTeX,
where a judge shows one).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Misconception:
    id: str
    title: str
    explanation: str
    kinds: tuple[str, ...]
    perturbs: str
    expected: str = ""   # the correct form as LaTeX, shown by the report (the optimizer judges)


MISCONCEPTIONS: dict[str, Misconception] = {m.id: m for m in (
    Misconception("log-base", "derivative of log in the wrong base",
                  "d/du log_b u = 1/(u ln b); 1/u holds only for the natural log", ("autodiff",),
                  "local partial of a log node: the other base's 1/u or 1/(u ln 10)"),
    Misconception("log-value-base", "log evaluated in the wrong base",
                  "the value of log u must use the problem's base", ("autodiff",),
                  "value of a log node: the other base"),
    Misconception("sign-slip", "sign slip in a partial",
                  "a local partial written with the opposite sign", ("autodiff",),
                  "one local partial negated"),
    Misconception("sub-sign", "sign slip in a difference",
                  "v = a - b computed as a + b or b - a", ("autodiff",),
                  "value of a sub node: operands added or swapped"),
    Misconception("fan-out", "fan-out adjoints not summed",
                  "a node that feeds several others collects one adjoint term from each of them", ("autodiff",),
                  "adjoint: one consumer's term left out"),
    Misconception("quotient-rule", "quotient rule slip",
                  "∂(a/b)/∂b = -a/b^2", ("autodiff",),
                  "local partial of a div node w.r.t. the denominator: -1/b^2 (numerator dropped)"),
    Misconception("sigmoid-derivative", "derivative of the sigmoid taken as the sigmoid itself",
                  "σ'(z) = σ(z)(1 - σ(z)), not σ(z)", ("autodiff",),
                  "local partial of a sigmoid node: σ(z) in place of σ(z)(1 - σ(z))"),
    Misconception("tanh-derivative", "derivative of tanh slip",
                  "tanh'(u) = 1 - tanh²(u); 1 - tanh(u) and 1 + tanh²(u) are not it", ("autodiff",),
                  "local partial of a tanh node: 1 - tanh(u), 1 + tanh²(u) or tanh(u)"),
    Misconception("product-rule", "product rule slip",
                  "∂(a·b)/∂a is the other factor b", ("autodiff",),
                  "local partial of a mul node: the factor itself in place of the other factor"),
    Misconception("power-rule", "power rule slip",
                  "d(u^n)/du = n·u^(n-1)", ("autodiff",),
                  "local partial of a constant power: the factor n or the lowered exponent dropped"),
    Misconception("rounding-drift", "rounding drift",
                  "rounded intermediates carried on make later figures differ from the exact value", ("autodiff",),
                  "(a note, not an error: the value follows from the writer's rounded numbers)"),
    Misconception("eps-root", "ε inside vs outside the root",
                  "Adam (and PyTorch's RMSprop, Adagrad) divide by sqrt(v) + ε, ε outside the root, not sqrt(v + ε)",
                  ("optim",), "the update rule with ε under the root", r"\sqrt{v^{t}} + \epsilon"),
    Misconception("bias-power", "bias correction with β instead of β^t",
                  "at step t the moments are divided by 1 - β^t (the weights of the t gradients sum to 1 - β^t)",
                  ("optim",), "m̂ = m/(1 - β) and v̂ = v/(1 - γ) at every step", r"\frac{m^{t}}{1 - \beta^{t}}"),
    Misconception("ema-weight", "moving average without the (1 - β) factor",
                  "m^t = β m^{t-1} + (1 - β) g^t: the new gradient is weighted by 1 - β (1 - γ, 1 - ρ)", ("optim",),
                  "the moment recurrences with weight 1 on the new gradient", r"\beta m^{t-1} + (1 - \beta) g^{t}"),
    Misconception("buffer-ema", "momentum buffer as a moving average",
                  "PyTorch's buffer is b^t = μ b^{t-1} + (1 - τ) g^t started at b^1 = g^1, not (1 - μ) g^1 from b^0 = 0",
                  ("optim",), "the buffer recurrence as an EMA from 0", r"b^{1} = g^{1}"),
    Misconception("buffer-damped-start", "dampening at the first step (buffer started at 0)",
                  "PyTorch starts the buffer at b^1 = g^1 undamped; the dampening (1 - τ) applies from step 2 on",
                  ("optim",), "b^1 = (1 - τ) g^1", r"b^{1} = g^{1}"),
    Misconception("nesterov-along-b", "Nesterov step along the buffer",
                  "PyTorch's Nesterov step is along g^t + μ b^t, not along b^t (that is plain momentum)", ("optim",),
                  "the update along b^t", r"w^{t+1} = w^{t} - \alpha (g^{t} + \mu b^{t})"),
    Misconception("acc-not-squared", "accumulating g instead of g²",
                  "the accumulator sums (or averages) the squared gradients (g^t)^2", ("optim",),
                  "G/v accumulating g^t", r"(g^{t})^{2}"),
    Misconception("no-root", "square root missing",
                  "the step divides by the root of the accumulated squares, sqrt(v) + ε, not by v + ε", ("optim",),
                  "the update without the root", r"\sqrt{v^{t}} + \epsilon"),
    Misconception("decay-coupled", "AdamW's decay added to the gradient",
                  "AdamW decouples weight decay: w ← w − ηλw beside the Adam step; adding λw to the gradient is "
                  "Adam's L2, which the moments then rescale", ("optim",), "the gradient g + λw fed to the moments",
                  r"w^{t} - \eta \lambda w^{t} - \eta \frac{\hat m^{t}}{\sqrt{\hat v^{t}} + \epsilon}"),
    Misconception("decay-decoupled", "L2 weight decay taken as decoupled",
                  "PyTorch's weight_decay in Adam, RMSprop, Adagrad and SGD is L2: λw is added to the gradient "
                  "before the moments, not subtracted from the weight beside the step", ("optim",),
                  "the decay ηλw subtracted beside the step", r"g^{t} + \lambda w^{t}"),
    Misconception("norm-squared", "‖w‖ vs ‖w‖²",
                  "L2 regularisation adds λ‖w‖²; its gradient is 2λw, which ‖w‖ does not give", ("optim",),
                  "the regulariser λ‖w‖ in place of λ‖w‖²"),
    Misconception("rf-no-pool", "receptive field without the pooling layers",
                  "pooling layers enlarge the receptive field and multiply the jump of later layers", ("cnn",),
                  "the recurrence over the convolutions only, or without the pooling windows"),
    Misconception("no-padding", "output size without the padding",
                  "the padding is part of the size formula: ⌊(n + 2p − d(k−1) − 1)/s⌋ + 1", ("cnn",),
                  "the size formula with p = 0"),
    Misconception("no-stride", "stride ignored",
                  "the stride divides the span in the size formula and multiplies the jump (it was taken as 1)",
                  ("cnn",), "the size, or the jump, with s = 1"),
    Misconception("no-dilation", "dilation ignored",
                  "a dilated kernel spans d(k−1)+1 pixels, not k", ("cnn",), "the size or receptive field with d = 1"),
    Misconception("floor-ceil", "floor and ceiling swapped",
                  "the output size rounds down, or up with ceil_mode", ("cnn",), "the other rounding"),
    Misconception("no-downsample", "downsample branch left out",
                  "a residual block that changes the shape has a 1×1 convolution and its batch norm on the shortcut",
                  ("cnn",), "the block's count without the shortcut's convolution and batch norm"),
    Misconception("no-jump", "jump left out of the receptive-field recurrence",
                  "r_l = r_{l−1} + (k_l − 1)·j_{l−1}: the kernel's extent is multiplied by the product of the earlier "
                  "strides", ("cnn",), "the recurrence with j = 1"),
    Misconception("params-no-bias", "parameters without biases",
                  "each output channel / unit has a bias: (k·k·C_in + 1)·C_out", ("cnn",),
                  "a count (total, conv or fc) minus the biases"),
)}


def title(mid: str) -> str:
    return MISCONCEPTIONS[mid].title


def said(mid: str) -> str:
    """A misconception as a report says it: its title, then why."""
    m = MISCONCEPTIONS[mid]
    return f"{m.title}: {m.explanation}"
