"""Optimizer sheets: torch.optim (float64) trajectories for the true values, hand recurrences on the written
(rounded) values (chain.Sheet), the writer's wrong rule by hand; sympy for the symbolic sheets, checked against
torch.optim at random hyperparameters and gradients."""
import math
import random

import sympy as sp
import torch

from chain import ERRORS, Sheet, report

torch.set_default_dtype(torch.float64)


def traj(opt_cls, w0, grads, **opts):
    p = torch.tensor([float(w0)], requires_grad=True)
    opt = opt_cls([p], **opts)
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor([float(g)])
        opt.step()
        out.append(p.item())
    return out


def close(a, b, tol=1e-12):
    return abs(a - b) <= tol * max(1.0, abs(b))


# ---------------------------------------------------------------- O1 SGD momentum + dampening + weight decay (ok)
opts = dict(lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)
T = traj(torch.optim.SGD, 2.0, [0.5, -0.3, 0.2], **opts)
sh = Sheet("opt_sgd_momentum_damp_wd_table_ok",
           {"kind": "optimizer", "optimizer": "sgd", "options": opts, "w0": 2.0, "grads": [0.5, -0.3, 0.2]})
sh.step("gp1", lambda e: 0.5 + 0.01 * 2, dec=2)
sh.step("th1", lambda e: 2 - 0.1 * e.gp1, dec=3)
sh.truth("th1", T[0])
sh.step("gp2", lambda e: -0.3 + 0.01 * e.th1, dec=5)
sh.step("m2a", lambda e: 0.9 * e.gp1, dec=3)
sh.step("m2b", lambda e: 0.8 * e.gp2, dec=6)
sh.step("b2", lambda e: e.m2a + e.m2b, dec=6)
sh.step("th2x", lambda e: e.th1 - 0.1 * e.b2, dec=7)
sh.step("th2", lambda e: e.th2x, dec=5)
sh.truth("th2", T[1])
sh.step("gp3", lambda e: 0.2 + 0.01 * e.th2, dec=6)
sh.step("b3", lambda e: 0.9 * e.b2 + 0.8 * e.gp3, dec=5)
sh.step("th3", lambda e: e.th2 - 0.1 * e.b3, dec=5)
sh.truth("th3", T[2])
sh.write(r"""
**Problem 5.** `torch.optim.SGD(params, lr=0.1, momentum=0.9, dampening=0.2, weight_decay=0.01)`, started at
$\theta_0 = 2$; the loss gradients at the three steps are $g_1 = 0.5$, $g_2 = -0.3$, $g_3 = 0.2$.

Notation: $\gamma = 0.1$, $\mu = 0.9$, $\tau = 0.2$, $\lambda = 0.01$. PyTorch's step $t$:

$$g'_t = g_t + \lambda \theta_{t-1}$$

$$b_1 = g'_1, \qquad b_t = \mu b_{t-1} + (1 - \tau)\, g'_t \quad (t \ge 2)$$

$$\theta_t = \theta_{t-1} - \gamma b_t$$

(the dampening is not applied at $t = 1$: the buffer is simply initialised with the first gradient).

**Step 1.**

$$g'_1 = 0.5 + 0.01 \times 2 = <<gp1>>$$

$$b_1 = g'_1 = <<gp1>>$$

$$\theta_1 = 2 - 0.1 \times <<gp1>> = <<th1>>$$

**Step 2.**

$$g'_2 = -0.3 + 0.01 \times <<th1>> = <<gp2>>$$

$$b_2 = 0.9 \times <<gp1>> + 0.8 \times (<<gp2>>) = <<m2a>> - <<m2b:abs>> = <<b2>>$$

$$\theta_2 = <<th1>> - 0.1 \times <<b2>> = <<th2x>> \approx <<th2>>$$

**Step 3**, same way:

| $t$ | $g_t$ | $g'_t$ | $b_t$ | $\theta_t$ |
|---|---|---|---|---|
| 0 | | | | $2$ |
| 1 | $0.5$ | $<<gp1>>$ | $<<gp1>>$ | $<<th1>>$ |
| 2 | $-0.3$ | $<<gp2>>$ | $<<b2>>$ | $<<th2>>$ |
| 3 | $0.2$ | $<<gp3>>$ | $<<b3>>$ | $<<th3>>$ |

So after three steps $\theta_3 \approx <<th3>>$.
""")

# ---------------------------------------------------------------- O2 Nesterov, symbolic (ok)
a, mu, w1 = sp.symbols("alpha mu w1")
g1, g2, g3 = sp.symbols("g1 g2 g3")
b1 = g1
W2 = w1 - a * (g1 + mu * b1)
b2 = mu * b1 + g2
W3 = W2 - a * (g2 + mu * b2)
b3 = mu * b2 + g3
W4 = W3 - a * (g3 + mu * b3)
written = {
    "w2": w1 - a * (1 + mu) * g1,
    "b2": mu * g1 + g2,
    "w3": w1 - a * ((1 + mu + mu ** 2) * g1 + (1 + mu) * g2),
    "b3": mu ** 2 * g1 + mu * g2 + g3,
    "w4": w1 - a * ((1 + mu + mu ** 2 + mu ** 3) * g1 + (1 + mu + mu ** 2) * g2 + (1 + mu) * g3),
}
for k, v in {"w2": W2, "b2": b2, "w3": W3, "b3": b3, "w4": W4}.items():
    if sp.simplify(written[k] - v) != 0:
        ERRORS.append(f"O2 {k} symbolic mismatch")
rng = random.Random(2)
for _ in range(5):
    va, vm, vw = rng.uniform(0.01, 0.3), rng.uniform(0.1, 0.95), rng.uniform(-2, 2)
    gs = [rng.uniform(-1, 1) for _ in range(3)]
    T = traj(torch.optim.SGD, vw, gs, lr=va, momentum=vm, nesterov=True)
    sub = {a: va, mu: vm, w1: vw, g1: gs[0], g2: gs[1], g3: gs[2]}
    for k, t in (("w2", T[0]), ("w3", T[1]), ("w4", T[2])):
        if not close(float(written[k].subs(sub)), t, 1e-10):
            ERRORS.append(f"O2 {k} vs torch")
sh = Sheet("opt_nesterov_symbolic_unrolled_ok",
           {"kind": "optimizer", "optimizer": "sgd", "options": {"momentum": 0.9, "nesterov": True}})
sh.write(r"""
**(b)** Unroll Nesterov momentum — PyTorch's `SGD(params, lr=α, momentum=μ, nesterov=True)`, no dampening, no
weight decay — for three steps from the initial weight $w^1$, with $g^t = \nabla L(w^t)$.

PyTorch keeps the same buffer as plain momentum, $b^1 = g^1$ and $b^t = \mu b^{t-1} + g^t$, but steps along
$g^t + \mu b^t$ instead of $b^t$:

$$w^{t+1} = w^t - \alpha\,(g^t + \mu b^t)$$

$t = 1$:

$$b^1 = g^1$$

$$w^2 = w^1 - \alpha (g^1 + \mu g^1) = w^1 - \alpha (1 + \mu)\, g^1$$

$t = 2$:

$$b^2 = \mu b^1 + g^2 = \mu g^1 + g^2$$

$$w^3 = w^2 - \alpha (g^2 + \mu^2 g^1 + \mu g^2) = w^1 - \alpha \left[ (1 + \mu + \mu^2)\, g^1 + (1 + \mu)\, g^2 \right]$$

$t = 3$:

$$b^3 = \mu b^2 + g^3 = \mu^2 g^1 + \mu g^2 + g^3$$

$$w^4 = w^3 - \alpha (g^3 + \mu b^3) = w^1 - \alpha \left[ (1 + \mu + \mu^2 + \mu^3)\, g^1 + (1 + \mu + \mu^2)\, g^2 + (1 + \mu)\, g^3 \right]$$

Compared with plain momentum each gradient's coefficient has one more power of μ (the look-ahead), and the
newest gradient enters with weight 1 + μ rather than 1.
""")

# ---------------------------------------------------------------- O3 RMSprop, root left out (stated rule)
opts = dict(lr=0.01, alpha=0.9)
T = traj(torch.optim.RMSprop, 1.0, [0.4, -0.2, 0.3], **opts)
sh = Sheet("opt_rmsprop_no_root_rule",
           {"kind": "optimizer", "optimizer": "rmsprop", "options": opts, "w0": 1.0, "grads": [0.4, -0.2, 0.3]})
sh.step("v1", lambda e: 0.1 * 0.16, dec=3)
sh.step("t1", lambda e: 0.01 * 0.4 / e.v1, dec=2)
sh.step("th1", lambda e: 1 - e.t1, dec=2)
sh.step("v2", lambda e: 0.9 * e.v1 + 0.1 * 0.04, dec=4)
sh.step("t2", lambda e: 0.01 * 0.2 / e.v2, sig=4)
sh.step("th2", lambda e: e.th1 + e.t2, dec=4)
sh.step("v3", lambda e: 0.9 * e.v2 + 0.1 * 0.09, dec=5)
sh.step("t3", lambda e: 0.01 * 0.3 / e.v3, sig=4)
sh.step("th3", lambda e: e.th2 - e.t3, dec=4)
sh.notes.append(f"torch (correct) trajectory {T}")
for k, t in (("th1", T[0]), ("th2", T[1]), ("th3", T[2])):
    if abs(sh.W[k] - t) < 0.01:
        ERRORS.append(f"O3 {k} not wrong")
sh.write(r"""
RMSprop with $\eta = 0.01$, $\rho = 0.9$ (PyTorch calls it `alpha`) and $\epsilon = 10^{-8}$, starting from
$\theta_0 = 1$, gradients $g_1 = 0.4$, $g_2 = -0.2$, $g_3 = 0.3$.

Running average of the squared gradient, and the update:

$$v_t = \rho v_{t-1} + (1 - \rho)\, g_t^2, \qquad v_0 = 0$$

$$\theta_t = \theta_{t-1} - \frac{\eta}{v_t + \epsilon}\, g_t$$ %WRONG:no-root

$\epsilon$ is far below every $v_t$ here, so I leave it out of the arithmetic.

1. $v_1 = 0.1 \times 0.4^2 = <<v1>>$, and $\theta_1 = 1 - \frac{0.01 \times 0.4}{<<v1>>} = 1 - <<t1>> = <<th1>>$
2. $v_2 = 0.9 \times <<v1>> + 0.1 \times (-0.2)^2 = <<v2>>$, and $\theta_2 = <<th1>> + \frac{0.01 \times 0.2}{<<v2>>} = <<th1>> + <<t2>> = <<th2>>$
3. $v_3 = 0.9 \times <<v2>> + 0.1 \times 0.3^2 = <<v3>>$, and $\theta_3 = <<th2>> - \frac{0.01 \times 0.3}{<<v3>>} = <<th2>> - <<t3>> = <<th3>>$

The steps are large because $v_t$ is small: dividing by the mean square amplifies small gradients.
""")

# ---------------------------------------------------------------- O4 Adagrad with lr_decay and weight decay (ok)
opts = dict(lr=0.5, lr_decay=0.1, weight_decay=0.1)
T = traj(torch.optim.Adagrad, 1.5, [1.0, -0.5, 0.8], **opts)
sh = Sheet("opt_adagrad_lr_decay_wd_ok",
           {"kind": "optimizer", "optimizer": "adagrad", "options": opts, "w0": 1.5, "grads": [1.0, -0.5, 0.8]})
sh.step("gt1", lambda e: 1.0 + 0.1 * 1.5, dec=2)
sh.step("G1", lambda e: e.gt1 ** 2, dec=4)
sh.step("th1", lambda e: 1.5 - 0.5 * e.gt1 / math.sqrt(e.G1), dec=1, exact=lambda e: 1.5 - 0.5 * e.gt1 / (math.sqrt(e.G1) + 1e-10))
sh.truth("th1", T[0])
sh.step("eta2", lambda e: 0.5 / 1.1, sig=4)
sh.step("gt2", lambda e: -0.5 + 0.1 * e.th1, dec=1)
sh.step("G2", lambda e: e.G1 + e.gt2 ** 2, dec=4)
sh.step("rG2", lambda e: math.sqrt(e.G2), sig=5)
sh.step("d2", lambda e: e.eta2 * 0.4 / e.rG2, sig=4)
sh.step("th2", lambda e: e.th1 + e.d2, dec=4)
sh.truth("th2", T[1])
sh.step("eta3", lambda e: 0.5 / 1.2, sig=4)
sh.step("gt3", lambda e: 0.8 + 0.1 * e.th2, dec=5)
sh.step("gt3sq", lambda e: e.gt3 ** 2, dec=5)
sh.step("G3", lambda e: e.G2 + e.gt3sq, dec=5)
sh.step("rG3", lambda e: math.sqrt(e.G3), sig=5)
sh.step("d3", lambda e: e.eta3 * e.gt3 / e.rG3, sig=4)
sh.step("th3", lambda e: e.th2 - e.d3, dec=4)
sh.truth("th3", T[2])
sh.write(r"""
**Q4.** `torch.optim.Adagrad([theta], lr=0.5, lr_decay=0.1, weight_decay=0.1)` (eps $= 10^{-10}$),
$\theta_0 = 1.5$, loss gradients $1.0$, $-0.5$, $0.8$ at steps 1, 2, 3.

What PyTorch does at step $t$:

- decayed learning rate $\tilde\eta_t = \dfrac{\eta}{1 + (t - 1)\,\eta_{\text{decay}}}$
- weight decay into the gradient: $\tilde g_t = g_t + \lambda\,\theta_{t-1}$
- accumulate: $G_t = G_{t-1} + \tilde g_t^{\,2}$, $G_0 = 0$
- update: $\theta_t = \theta_{t-1} - \tilde\eta_t\, \dfrac{\tilde g_t}{\sqrt{G_t} + \epsilon}$

**Step 1:** $\tilde\eta_1 = 0.5$, $\tilde g_1 = 1.0 + 0.1 \times 1.5 = <<gt1>>$, $G_1 = <<gt1>>^2 = <<G1>>$,
$\theta_1 = 1.5 - 0.5 \times \frac{<<gt1>>}{<<gt1>>} = <<th1>>$

**Step 2:** $\tilde\eta_2 = 0.5 / 1.1 = <<eta2>>$, $\tilde g_2 = -0.5 + 0.1 \times <<th1>> = <<gt2>>$,
$G_2 = <<G1>> + 0.16 = <<G2>>$, $\sqrt{G_2} = <<rG2>>$,
$\theta_2 = <<th1>> + <<eta2>> \times \frac{0.4}{<<rG2>>} = <<th1>> + <<d2>> = <<th2>>$

**Step 3:** $\tilde\eta_3 = 0.5 / 1.2 = <<eta3>>$, $\tilde g_3 = 0.8 + 0.1 \times <<th2>> = <<gt3>>$,
$G_3 = <<G2>> + <<gt3sq>> = <<G3>>$, $\sqrt{G_3} = <<rG3>>$,
$\theta_3 = <<th2>> - <<eta3>> \times \frac{<<gt3>>}{<<rG3>>} = <<th2>> - <<d3>> = <<th3>>$

(The first step always has size $\eta$: $\tilde g_1 / \sqrt{\tilde g_1^{\,2}} = 1$.)
""")

# ---------------------------------------------------------------- O5 RMSprop with momentum, arithmetic slip in v_2
opts = dict(lr=0.01, alpha=0.75, momentum=0.5)
T = traj(torch.optim.RMSprop, -0.5, [0.6, 0.2, -0.4], **opts)
sh = Sheet("opt_rmsprop_momentum_v2_slip",
           {"kind": "optimizer", "optimizer": "rmsprop", "options": opts, "w0": -0.5, "grads": [0.6, 0.2, -0.4]})
sh.step("v1", lambda e: 0.25 * 0.36, dec=2)
sh.step("r1", lambda e: math.sqrt(e.v1), dec=1)
sh.step("b1", lambda e: 0.6 / e.r1, dec=0)
sh.step("th1", lambda e: -0.5 - 0.01 * e.b1, dec=2)
sh.truth("th1", T[0], rtol=1e-7)
sh.step("v2", lambda e: 0.0575, s="0.0575", correct=lambda e: 0.75 * e.v1 + 0.25 * 0.04)
sh.step("r2", lambda e: math.sqrt(e.v2), sig=5)
sh.step("mb1", lambda e: 0.5 * e.b1, dec=0)
sh.step("q2", lambda e: 0.2 / e.r2, sig=5)
sh.step("b2", lambda e: e.mb1 + e.q2, sig=6)
sh.step("th2", lambda e: e.th1 - 0.01 * e.b2, sig=5)
sh.step("v3", lambda e: 0.75 * e.v2 + 0.25 * 0.16, dec=6)
sh.step("r3", lambda e: math.sqrt(e.v3), sig=6)
sh.step("mb2", lambda e: 0.5 * e.b2, sig=5, tie_ok=True)
sh.step("q3", lambda e: -0.4 / e.r3, sig=6)
sh.step("b3", lambda e: e.mb2 + e.q3, sig=5)
sh.step("th3", lambda e: e.th2 - 0.01 * e.b3, sig=5)
sh.notes.append(f"torch trajectory {T}")
sh.write(r"""
### RMSprop with momentum

Settings as in PyTorch: `lr` $\gamma = 0.01$, `alpha` $\alpha = 0.75$, `momentum` $\mu = 0.5$, `eps` $= 10^{-8}$
(too small to matter below). Start $\theta_0 = -0.5$, gradients $g_1 = 0.6$, $g_2 = 0.2$, $g_3 = -0.4$.

$$v_t = \alpha v_{t-1} + (1 - \alpha)\, g_t^2$$

$$b_t = \mu b_{t-1} + \frac{g_t}{\sqrt{v_t} + \epsilon}$$

$$\theta_t = \theta_{t-1} - \gamma\, b_t$$

with $v_0 = 0$ and $b_0 = 0$.

Step 1:

$$v_1 = 0.25 \times 0.36 = <<v1>>, \qquad \sqrt{v_1} = <<r1>>$$

$$b_1 = \frac{0.6}{<<r1>>} = <<b1>>$$

$$\theta_1 = -0.5 - 0.01 \times <<b1>> = <<th1>>$$

Step 2:

$$v_2 = 0.75 \times <<v1>> + 0.25 \times 0.04 = <<v2>>$$ %WRONG

$$\sqrt{v_2} = <<r2>>$$

$$b_2 = 0.5 \times <<b1>> + \frac{0.2}{<<r2>>} = <<mb1>> + <<q2>> = <<b2>>$$

$$\theta_2 = <<th1>> - 0.01 \times <<b2>> = <<th2>>$$

Step 3:

$$v_3 = 0.75 \times <<v2>> + 0.25 \times 0.16 = <<v3>>, \qquad \sqrt{v_3} = <<r3>>$$

$$b_3 = 0.5 \times <<b2>> + \frac{-0.4}{<<r3>>} = <<mb2>> - <<q3:abs>> = <<b3>>$$

$$\theta_3 = <<th2>> - 0.01 \times (<<b3>>) = <<th3>>$$

By step 3 the buffer has turned negative: the large negative gradient outweighs half of the old buffer.
""")

# ---------------------------------------------------------------- O6 AdamW, symbolic, paper notation (ok)
al, lam, be1, be2, eps, th0 = sp.symbols("alpha lambda beta1 beta2 epsilon theta0", positive=True)
G1, G2 = sp.symbols("g1 g2")
m1 = (1 - be1) * G1
v1 = (1 - be2) * G1 ** 2
mh1, vh1 = m1 / (1 - be1), v1 / (1 - be2)
TH1 = th0 - al * lam * th0 - al * mh1 / (sp.sqrt(vh1) + eps)
m2 = be1 * m1 + (1 - be1) * G2
v2 = be2 * v1 + (1 - be2) * G2 ** 2
mh2, vh2 = m2 / (1 - be1 ** 2), v2 / (1 - be2 ** 2)
TH2 = TH1 * (1 - al * lam) - al * mh2 / (sp.sqrt(vh2) + eps)
w_mh2 = (be1 * G1 + G2) / (1 + be1)
w_vh2 = (be2 * G1 ** 2 + G2 ** 2) / (1 + be2)
w_TH2 = (1 - al * lam) ** 2 * th0 - (1 - al * lam) * al * G1 / (sp.Abs(G1) + eps) \
    - al * w_mh2 / (sp.sqrt(w_vh2) + eps)
rng = random.Random(5)
for _ in range(6):
    va, vl, vb1, vb2, ve, vt = (rng.uniform(0.01, 0.2), rng.uniform(0.0, 0.5), rng.uniform(0.5, 0.95),
                                rng.uniform(0.8, 0.999), rng.uniform(1e-3, 0.1), rng.uniform(-2, 2))
    gs = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
    T = traj(torch.optim.AdamW, vt, gs, lr=va, betas=(vb1, vb2), eps=ve, weight_decay=vl)
    sub = {al: va, lam: vl, be1: vb1, be2: vb2, eps: ve, th0: vt, G1: gs[0], G2: gs[1]}
    for k, expr, t in (("theta1", TH1, T[0]), ("theta2", TH2, T[1]), ("theta2 written", w_TH2, T[1]),
                       ("mhat2", mh2 - w_mh2, 0.0), ("vhat2", vh2 - w_vh2, 0.0)):
        if not close(float(expr.subs(sub)), t, 1e-10):
            ERRORS.append(f"O6 {k} vs torch {float(expr.subs(sub))} {t}")
    if not close(float((th0 * (1 - al * lam) - al * G1 / (sp.Abs(G1) + eps)).subs(sub)), T[0], 1e-10):
        ERRORS.append("O6 theta1 closed form")
sh = Sheet("opt_adamw_symbolic_two_steps_ok",
           {"kind": "optimizer", "optimizer": "adamw",
            "options": {"lr": 0.001, "betas": [0.9, 0.999], "eps": 1e-08, "weight_decay": 0.01}})
sh.write(r"""
**3(c)** AdamW, first two steps in closed form. PyTorch's order: decay the weight, then take the Adam step
with bias-corrected moments. Learning rate $\alpha$, decay $\lambda$, $\beta_1$, $\beta_2$, $\epsilon$; $\theta_0$ is
the initial weight, $g_t$ the gradient at step $t$, $m_0 = v_0 = 0$.

Step 1:

$$m_1 = (1 - \beta_1)\, g_1, \qquad v_1 = (1 - \beta_2)\, g_1^2$$

$$\hat m_1 = \frac{m_1}{1 - \beta_1} = g_1, \qquad \hat v_1 = \frac{v_1}{1 - \beta_2} = g_1^2$$

$$\theta_1 = \theta_0 - \alpha\lambda\theta_0 - \alpha \frac{\hat m_1}{\sqrt{\hat v_1} + \epsilon} = (1 - \alpha\lambda)\,\theta_0 - \frac{\alpha\, g_1}{|g_1| + \epsilon}$$

$$\theta_1 \approx (1 - \alpha\lambda)\,\theta_0 - \alpha\, \operatorname{sign}(g_1)$$

Step 2:

$$m_2 = \beta_1 m_1 + (1 - \beta_1)\, g_2 = (1 - \beta_1)(\beta_1 g_1 + g_2)$$

$$\hat m_2 = \frac{m_2}{1 - \beta_1^2} = \frac{\beta_1 g_1 + g_2}{1 + \beta_1}$$

$$v_2 = \beta_2 v_1 + (1 - \beta_2)\, g_2^2 = (1 - \beta_2)(\beta_2 g_1^2 + g_2^2)$$

$$\hat v_2 = \frac{v_2}{1 - \beta_2^2} = \frac{\beta_2 g_1^2 + g_2^2}{1 + \beta_2}$$

$$\theta_2 = (1 - \alpha\lambda)\,\theta_1 - \alpha \frac{\hat m_2}{\sqrt{\hat v_2} + \epsilon}$$

$$\theta_2 = (1 - \alpha\lambda)^2\,\theta_0 - (1 - \alpha\lambda)\frac{\alpha\, g_1}{|g_1| + \epsilon} - \alpha\, \frac{(\beta_1 g_1 + g_2)/(1 + \beta_1)}{\sqrt{(\beta_2 g_1^2 + g_2^2)/(1 + \beta_2)} + \epsilon}$$

The decay never enters $m_t$ or $v_t$: the weight shrinks by $(1 - \alpha\lambda)$ per step whatever its gradient,
whereas Adam with an L2 term would add $\lambda\theta_{t-1}$ to $g_t$ and then normalise it.
""")

# ---------------------------------------------------------------- O7 momentum with dampening, symbolic, dropped factor in b_3
et, mu_, tau, t0 = sp.symbols("eta mu tau theta0")
B1 = G1
g3s = sp.Symbol("g3")
B2 = mu_ * B1 + (1 - tau) * G2
B3 = mu_ * B2 + (1 - tau) * g3s
TH1 = t0 - et * B1
TH2 = TH1 - et * B2
TH3 = TH2 - et * B3
w_TH2 = t0 - et * (1 + mu_) * G1 - et * (1 - tau) * G2
w_B3 = mu_ ** 2 * G1 + mu_ * G2 + (1 - tau) * g3s               # the slip: (1 - tau) dropped on mu g2
w_TH3 = t0 - et * (1 + mu_ + mu_ ** 2) * G1 - et * (1 - tau + mu_) * G2 - et * (1 - tau) * g3s
if sp.simplify(w_TH2 - TH2) != 0:
    ERRORS.append("O7 theta2")
if sp.simplify(w_B3 - B3) == 0:
    ERRORS.append("O7 b3 slip is not a slip")
if sp.simplify(w_TH3 - (w_TH2 - et * w_B3)) != 0:
    ERRORS.append("O7 theta3 not ECF")
if sp.simplify(w_TH3 - TH3) == 0:
    ERRORS.append("O7 theta3 right anyway")
rng = random.Random(7)
for _ in range(5):
    ve, vm, vt, vw = rng.uniform(0.01, 0.3), rng.uniform(0.1, 0.95), rng.uniform(0.05, 0.9), rng.uniform(-2, 2)
    gs = [rng.uniform(-1, 1) for _ in range(3)]
    T = traj(torch.optim.SGD, vw, gs, lr=ve, momentum=vm, dampening=vt)
    sub = {et: ve, mu_: vm, tau: vt, t0: vw, G1: gs[0], G2: gs[1], g3s: gs[2]}
    for k, e_, t in (("th1", TH1, T[0]), ("th2", w_TH2, T[1]), ("th3", TH3, T[2])):
        if not close(float(e_.subs(sub)), t, 1e-10):
            ERRORS.append(f"O7 {k} vs torch")
sh = Sheet("opt_momentum_dampening_symbolic_slip",
           {"kind": "optimizer", "optimizer": "sgd", "options": {"momentum": 0.9, "dampening": 0.3}})
sh.write(r"""
Q2 (a). SGD with momentum $\mu$ and dampening $\tau$ as implemented in PyTorch, learning rate $\eta$, no weight
decay. Write $\theta_1, \theta_2, \theta_3$ in terms of $\theta_0$ and the gradients $g_1, g_2, g_3$.

Buffer: $b_1 = g_1$ (PyTorch does not dampen the first gradient), then $b_t = \mu b_{t-1} + (1 - \tau) g_t$.
Update: $\theta_t = \theta_{t-1} - \eta b_t$.

$$b_1 = g_1, \qquad \theta_1 = \theta_0 - \eta g_1$$

$$b_2 = \mu b_1 + (1 - \tau) g_2 = \mu g_1 + (1 - \tau) g_2$$

$$\theta_2 = \theta_1 - \eta b_2 = \theta_0 - \eta (1 + \mu) g_1 - \eta (1 - \tau) g_2$$

$$b_3 = \mu b_2 + (1 - \tau) g_3 = \mu^2 g_1 + \mu g_2 + (1 - \tau) g_3$$ %WRONG

$$\theta_3 = \theta_2 - \eta b_3 = \theta_0 - \eta (1 + \mu + \mu^2) g_1 - \eta (1 - \tau + \mu) g_2 - \eta (1 - \tau) g_3$$

Check: with $\tau = 0$ the coefficients become $1 + \mu + \mu^2$, $1 + \mu$, $1$, plain heavy-ball momentum.
""")

# ---------------------------------------------------------------- O8 Adam, g instead of g^2 in v_2
opts = dict(lr=0.05, betas=[0.8, 0.9])
T = traj(torch.optim.Adam, 0.3, [1.2, -0.8, 0.5], lr=0.05, betas=(0.8, 0.9))
sh = Sheet("opt_adam_kingma_v2_not_squared",
           {"kind": "optimizer", "optimizer": "adam", "options": opts, "w0": 0.3, "grads": [1.2, -0.8, 0.5]})
sh.step("m1", lambda e: 0.2 * 1.2, dec=2)
sh.step("v1", lambda e: 0.1 * 1.44, dec=3)
sh.step("mh1", lambda e: e.m1 / 0.2, dec=1)
sh.step("vh1", lambda e: e.v1 / 0.1, dec=2)
sh.step("th1", lambda e: 0.3 - 0.05 * e.mh1 / math.sqrt(e.vh1), dec=2,
        exact=lambda e: 0.3 - 0.05 * e.mh1 / (math.sqrt(e.vh1) + 1e-8))
sh.truth("th1", T[0])
sh.step("m2", lambda e: 0.8 * e.m1 + 0.2 * -0.8, dec=3)
sh.step("v2", lambda e: 0.9 * e.v1 + 0.1 * -0.8, dec=4, correct=lambda e: 0.9 * e.v1 + 0.1 * 0.64)
sh.step("mh2", lambda e: e.m2 / 0.36, sig=4)
sh.step("vh2", lambda e: e.v2 / 0.19, sig=5)
sh.step("rv2", lambda e: math.sqrt(e.vh2), sig=4)
sh.step("d2", lambda e: 0.05 * e.mh2 / e.rv2, sig=4)
sh.step("th2", lambda e: e.th1 - e.d2, dec=4)
sh.step("m3", lambda e: 0.8 * e.m2 + 0.2 * 0.5, dec=4)
sh.step("v3", lambda e: 0.9 * e.v2 + 0.1 * 0.25, dec=5)
sh.step("mh3", lambda e: e.m3 / 0.488, sig=5)
sh.step("vh3", lambda e: e.v3 / 0.271, sig=5)
sh.step("rv3", lambda e: math.sqrt(e.vh3), sig=4)
sh.step("d3", lambda e: 0.05 * e.mh3 / e.rv3, sig=4)
sh.step("th3", lambda e: e.th2 - e.d3, dec=4)
sh.notes.append(f"torch trajectory {T}")
sh.write(r"""
**Adam, three steps by hand** (Kingma & Ba, Algorithm 1): $\alpha = 0.05$, $\beta_1 = 0.8$, $\beta_2 = 0.9$,
$\epsilon = 10^{-8}$, $\theta_0 = 0.3$, gradients $g_1 = 1.2$, $g_2 = -0.8$, $g_3 = 0.5$.

$$m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2$$

$$\hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}, \qquad \theta_t = \theta_{t-1} - \alpha \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}$$

$t = 1$:

$$m_1 = 0.2 \times 1.2 = <<m1>>, \qquad v_1 = 0.1 \times 1.44 = <<v1>>$$

$$\hat m_1 = \frac{<<m1>>}{0.2} = <<mh1>>, \qquad \hat v_1 = \frac{<<v1>>}{0.1} = <<vh1>>$$

$$\theta_1 = 0.3 - 0.05 \times \frac{<<mh1>>}{1.2} = <<th1>>$$

$t = 2$:

$$m_2 = 0.8 \times <<m1>> + 0.2 \times (-0.8) = <<m2>>$$

$$v_2 = 0.9 \times <<v1>> + 0.1 \times (-0.8) = <<v2>>$$ %WRONG:acc-not-squared

$$\hat m_2 = \frac{<<m2>>}{1 - 0.8^2} = \frac{<<m2>>}{0.36} = <<mh2>>, \qquad \hat v_2 = \frac{<<v2>>}{1 - 0.9^2} = \frac{<<v2>>}{0.19} = <<vh2>>$$

$$\theta_2 = <<th1>> - 0.05 \times \frac{<<mh2>>}{<<rv2>>} = <<th1>> - <<d2>> = <<th2>>$$

$t = 3$:

$$m_3 = 0.8 \times <<m2>> + 0.2 \times 0.5 = <<m3>>, \qquad v_3 = 0.9 \times <<v2>> + 0.1 \times 0.25 = <<v3>>$$

$$\hat m_3 = \frac{<<m3>>}{1 - 0.8^3} = \frac{<<m3>>}{0.488} = <<mh3>>, \qquad \hat v_3 = \frac{<<v3>>}{1 - 0.9^3} = \frac{<<v3>>}{0.271} = <<vh3>>$$

$$\theta_3 = <<th2>> - 0.05 \times \frac{<<mh3>>}{<<rv3>>} = <<th2>> - <<d3>> = <<th3>>$$
""")

report()
