"""Optimizer sheets. True trajectories: torch.optim in float64. The sheet's numbers: hand recurrences in
book.Sheet on the written (rounded) values and exactly; a marked step uses the writer's own rule. Symbolic
sheets: sympy, the written closed forms checked against the unrolled recurrence and against torch.optim at
random hyperparameters and gradients (or, for a sheet with a wrong rule, checked to differ from torch)."""
import math
import random

import sympy as sp
import torch

from book import ERRORS, Sheet, finish

torch.set_default_dtype(torch.float64)


def run(cls, w0, grads, **opts):
    p = torch.tensor([float(w0)], requires_grad=True)
    opt = cls([p], **opts)
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor([float(g)])
        opt.step()
        out.append(p.item())
    return out


def close(a, b, tol=1e-10):
    return abs(a - b) <= tol * max(1.0, abs(b))


# ------------------------------------------------------------------ O1 SGD + weight decay, d^t (ok)
opts = dict(lr=0.2, weight_decay=0.05)
T = run(torch.optim.SGD, -1.5, [0.8, -0.4, 0.6], **opts)
s = Sheet("opt_sgd_decayed_grad_d_ok",
          {"kind": "optimizer", "optimizer": "sgd", "options": opts, "w0": -1.5, "grads": [0.8, -0.4, 0.6]})
s.step("d0", lambda e: 0.8 + 0.05 * -1.5, dec=3)
s.step("w1", lambda e: -1.5 - 0.2 * e.d0, dec=3)
s.agree("w1", T[0])
s.step("d1", lambda e: -0.4 + 0.05 * e.w1, dec=5)
s.step("w2", lambda e: e.w1 - 0.2 * e.d1, dec=5)
s.agree("w2", T[1])
s.step("d2", lambda e: 0.6 + 0.05 * e.w2, dec=4)
s.step("w3", lambda e: e.w2 - 0.2 * e.d2, dec=4)
s.agree("w3", T[2])
s.write(r"""
**Q3.** Plain SGD with weight decay: $\eta = 0.2$, $\lambda = 0.05$ (PyTorch's `weight_decay`), starting point
$w^0 = -1.5$. The loss gradients at the first three iterates are $g^0 = 0.8$, $g^1 = -0.4$, $g^2 = 0.6$.

The decay term is added to the gradient before the step. Call the decayed gradient $d^t$:

$$d^t = g^t + \lambda w^t, \qquad w^{t+1} = w^t - \eta\, d^t$$

1. $d^0 = 0.8 + 0.05 \times (-1.5) = {{d0}}$, so $w^1 = -1.5 - 0.2 \times {{d0}} = {{w1}}$
2. $d^1 = -0.4 + 0.05 \times ({{w1}}) = {{d1}}$, so $w^2 = {{w1}} - 0.2 \times ({{d1}}) = {{w2}}$
3. $d^2 = 0.6 + 0.05 \times ({{w2}}) = {{d2}}$, so $w^3 = {{w2}} - 0.2 \times {{d2}} = {{w3}}$

After three steps $w^3 \approx {{w3}}$. Without the decay the last step would have used $0.6$ instead of
${{d2}}$: since $w$ is negative, the decay pulls it slightly back toward $0$.
""", [])

# ------------------------------------------------------------------ O2 momentum, velocity u_t, table (ok)
opts = dict(lr=0.02, momentum=0.95)
T = run(torch.optim.SGD, 0.8, [1.5, 1.0, -0.5], **opts)
s = Sheet("opt_momentum_velocity_u_table_ok",
          {"kind": "optimizer", "optimizer": "sgd", "options": opts, "w0": 0.8, "grads": [1.5, 1.0, -0.5]})
s.step("u1", lambda e: 1.5, dec=1)
s.step("s1", lambda e: 0.02 * e.u1, dec=2)
s.step("th1", lambda e: 0.8 - e.s1, dec=2)
s.agree("th1", T[0])
s.step("u2", lambda e: 0.95 * e.u1 + 1.0, dec=3)
s.step("s2", lambda e: 0.02 * e.u2, dec=4)
s.step("th2", lambda e: e.th1 - e.s2, dec=4)
s.agree("th2", T[1])
s.step("u3", lambda e: 0.95 * e.u2 - 0.5, sig=4)
s.step("s3", lambda e: 0.02 * e.u3, sig=4)
s.step("th3", lambda e: e.th2 - e.s3, dec=4)
s.agree("th3", T[2])
s.write(r"""
#### Heavy-ball momentum, PyTorch convention

`torch.optim.SGD([theta], lr=0.02, momentum=0.95)`, $\theta_0 = 0.8$, gradients $g_1 = 1.5$, $g_2 = 1.0$,
$g_3 = -0.5$.

The velocity $u_t$ starts as the first gradient, $u_1 = g_1$, and then

$$u_t = \mu\, u_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, u_t \qquad (\mu = 0.95,\ \eta = 0.02).$$

| $t$ | $g_t$ | $u_t$ | $\eta\, u_t$ | $\theta_t$ |
|---|---|---|---|---|
| 0 | | | | $0.8$ |
| 1 | $1.5$ | ${{u1}}$ | ${{s1}}$ | ${{th1}}$ |
| 2 | $1.0$ | $0.95 \times {{u1}} + 1.0 = {{u2}}$ | ${{s2}}$ | ${{th2}}$ |
| 3 | $-0.5$ | $0.95 \times {{u2}} - 0.5 = {{u3}}$ | ${{s3}}$ | ${{th3}}$ |

Even though $g_3$ is negative, $u_3$ is still positive, so $\theta$ keeps decreasing at step 3:
$\theta_3 \approx {{th3}}$.
""", [])

# ------------------------------------------------------------------ O3 Adagrad, d2l's s_t (eps outside the root) (ok)
opts = dict(lr=0.3)
T = run(torch.optim.Adagrad, 0.5, [-0.6, 0.9, 0.3], **opts)
s = Sheet("opt_adagrad_state_s_ok",
          {"kind": "optimizer", "optimizer": "adagrad", "options": opts, "w0": 0.5, "grads": [-0.6, 0.9, 0.3]})
eps = 1e-10
s.step("s1", lambda e: 0.36, dec=2)
s.step("r1", lambda e: math.sqrt(e.s1), dec=1)
s.step("w1", lambda e: 0.5 - 0.3 * -0.6 / e.r1, dec=1, exact=lambda e: 0.5 - 0.3 * -0.6 / (e.r1 + eps))
s.agree("w1", T[0])
s.step("s2", lambda e: e.s1 + 0.81, dec=2)
s.step("r2", lambda e: math.sqrt(e.s2), sig=5)
s.step("q2", lambda e: 0.3 * 0.9 / e.r2, sig=4)
s.step("w2", lambda e: e.w1 - e.q2, dec=4)
s.agree("w2", T[1])
s.step("s3", lambda e: e.s2 + 0.09, dec=2)
s.step("r3", lambda e: math.sqrt(e.s3), sig=5)
s.step("q3", lambda e: 0.3 * 0.3 / e.r3, sig=4)
s.step("w3", lambda e: e.w2 - e.q3, dec=4)
s.agree("w3", T[2])
s.write(r"""
**Adagrad, three steps.** Learning rate $\eta = 0.3$, $w_0 = 0.5$, minibatch gradients $g_1 = -0.6$,
$g_2 = 0.9$, $g_3 = 0.3$; $\epsilon = 10^{-10}$ (PyTorch's default, negligible here).

State variable $s_t$ (the running sum of squared gradients), $s_0 = 0$:

$$s_t = s_{t-1} + g_t^2, \qquad w_t = w_{t-1} - \frac{\eta}{\sqrt{s_t} + \epsilon}\, g_t$$

Step 1: $s_1 = 0.36$, $\sqrt{s_1} = {{r1}}$, and $w_1 = 0.5 - 0.3 \times \frac{-0.6}{{{r1}}} = {{w1}}$.

Step 2: $s_2 = 0.36 + 0.81 = {{s2}}$, $\sqrt{s_2} = {{r2}}$, and
$w_2 = {{w1}} - \frac{0.3 \times 0.9}{{{r2}}} = {{w1}} - {{q2}} = {{w2}}$.

Step 3: $s_3 = {{s2}} + 0.09 = {{s3}}$, $\sqrt{s_3} = {{r3}}$, and
$w_3 = {{w2}} - \frac{0.3 \times 0.3}{{{r3}}} = {{w2}} - {{q3}} = {{w3}}$.

The effective step size $\eta / \sqrt{s_t}$ only shrinks: $0.5$, then ${{r2}}^{-1} \times 0.3$, then
${{r3}}^{-1} \times 0.3$.
""", [])

# ------------------------------------------------------------------ O4 RMSprop symbolic, two steps (ok)
eta, gam, ep, w0 = sp.symbols("eta gamma epsilon w_0", positive=True)
g1, g2 = sp.symbols("g_1 g_2")
S1 = (1 - gam) * g1 ** 2
W1 = w0 - eta * g1 / (sp.sqrt(S1) + ep)
S2 = gam * S1 + (1 - gam) * g2 ** 2
W2 = W1 - eta * g2 / (sp.sqrt(S2) + ep)
wr_W1 = w0 - eta * g1 / (sp.sqrt(1 - gam) * sp.Abs(g1) + ep)
wr_S2 = (1 - gam) * (gam * g1 ** 2 + g2 ** 2)
wr_W2 = wr_W1 - eta * g2 / (sp.sqrt((1 - gam) * (gam * g1 ** 2 + g2 ** 2)) + ep)
if sp.simplify(wr_S2 - S2) != 0:
    ERRORS.append("O4 s_2 closed form")
rng = random.Random(31)
for _ in range(6):
    ve, vg, vep, vw = rng.uniform(0.001, 0.1), rng.uniform(0.5, 0.99), rng.uniform(1e-3, 0.05), rng.uniform(-2, 2)
    gs = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
    T = run(torch.optim.RMSprop, vw, gs, lr=ve, alpha=vg, eps=vep)
    sub = {eta: ve, gam: vg, ep: vep, w0: vw, g1: gs[0], g2: gs[1]}
    for k, ex, tv in (("w1", W1, T[0]), ("w1 written", wr_W1, T[0]), ("w2", W2, T[1]), ("w2 written", wr_W2, T[1])):
        if not close(float(ex.subs(sub)), tv):
            ERRORS.append(f"O4 {k} vs torch: {float(ex.subs(sub))} {tv}")
    # the eps-free approximation of step 1
    if not close(float((w0 - eta / sp.sqrt(1 - gam) * sp.sign(g1)).subs({**sub, ep: 0})),
                 run(torch.optim.RMSprop, vw, gs[:1], lr=ve, alpha=vg, eps=0.0)[0], 1e-9):
        ERRORS.append("O4 sign form")
s = Sheet("opt_rmsprop_symbolic_s_ok", {"kind": "optimizer", "optimizer": "rmsprop"})
s.write(r"""
**(d)** RMSprop by hand, symbolically, for two steps. PyTorch's form: learning rate $\eta$, smoothing
constant $\gamma$ (the `alpha` argument), $\epsilon$ added outside the root, and state $s_0 = 0$:

$$s_t = \gamma\, s_{t-1} + (1 - \gamma)\, g_t^2, \qquad w_t = w_{t-1} - \frac{\eta\, g_t}{\sqrt{s_t} + \epsilon}$$

*Step 1.*

$$s_1 = (1 - \gamma)\, g_1^2$$

$$w_1 = w_0 - \frac{\eta\, g_1}{\sqrt{1 - \gamma}\,|g_1| + \epsilon}$$

If $\epsilon$ is negligible this is $w_1 \approx w_0 - \dfrac{\eta}{\sqrt{1 - \gamma}}\,\operatorname{sign}(g_1)$: the first
step has length $\eta / \sqrt{1 - \gamma}$ whatever the size of $g_1$ (ten times $\eta$ for $\gamma = 0.99$).

*Step 2.*

$$s_2 = \gamma (1 - \gamma)\, g_1^2 + (1 - \gamma)\, g_2^2 = (1 - \gamma)\left(\gamma g_1^2 + g_2^2\right)$$

$$w_2 = w_1 - \frac{\eta\, g_2}{\sqrt{(1 - \gamma)(\gamma g_1^2 + g_2^2)} + \epsilon}$$

$$w_2 = w_0 - \frac{\eta\, g_1}{\sqrt{1 - \gamma}\,|g_1| + \epsilon} - \frac{\eta\, g_2}{\sqrt{(1 - \gamma)(\gamma g_1^2 + g_2^2)} + \epsilon}$$
""", [])

# ------------------------------------------------------------------ O5 Adam with Kingma & Ba's corrected step size eta~_t (ok)
opts = dict(lr=0.1, betas=[0.9, 0.99])
T = run(torch.optim.Adam, -0.4, [0.3, 0.6, -0.2], lr=0.1, betas=(0.9, 0.99))
s = Sheet("opt_adam_eta_tilde_ok",
          {"kind": "optimizer", "optimizer": "adam", "options": opts, "w0": -0.4, "grads": [0.3, 0.6, -0.2]})
E8 = 1e-8


def adam_exact(theta, m, v, t, lr=0.1, b1=0.9, b2=0.99):
    return theta - lr * (m / (1 - b1 ** t)) / (math.sqrt(v / (1 - b2 ** t)) + E8)


s.step("m1", lambda e: 0.1 * 0.3, dec=2)
s.step("v1", lambda e: 0.01 * 0.09, dec=4)
s.step("et1", lambda e: 0.1 * math.sqrt(0.01) / 0.1, dec=1)
s.step("th1", lambda e: -0.4 - e.et1 * e.m1 / math.sqrt(e.v1), dec=1,
       exact=lambda e: adam_exact(-0.4, e.m1, e.v1, 1))
s.agree("th1", T[0])
s.step("m2", lambda e: 0.9 * e.m1 + 0.1 * 0.6, dec=3)
s.step("v2", lambda e: 0.99 * e.v1 + 0.01 * 0.36, dec=6)
s.step("rv2", lambda e: math.sqrt(e.v2), sig=5)
s.step("c2", lambda e: 1 - 0.99 ** 2, dec=4)
s.step("et2", lambda e: 0.1 * math.sqrt(e.c2) / 0.19, sig=5)
s.step("d2", lambda e: e.et2 * e.m2 / e.rv2, sig=5)
s.step("th2", lambda e: e.th1 - e.d2, dec=5, exact=lambda e: adam_exact(e.th1, e.m2, e.v2, 2))
s.agree("th2", T[1])
s.step("m3", lambda e: 0.9 * e.m2 + 0.1 * -0.2, dec=4)
s.step("v3", lambda e: 0.99 * e.v2 + 0.01 * 0.04, dec=8)
s.step("rv3", lambda e: math.sqrt(e.v3), sig=5)
s.step("c3", lambda e: 1 - 0.99 ** 3, dec=6)
s.step("et3", lambda e: 0.1 * math.sqrt(e.c3) / 0.271, sig=5)
s.step("d3", lambda e: e.et3 * e.m3 / e.rv3, sig=4)
s.step("th3", lambda e: e.th2 - e.d3, dec=3, exact=lambda e: adam_exact(e.th2, e.m3, e.v3, 3))
s.agree("th3", T[2])
s.write(r"""
**Adam**, $\alpha = 0.1$, $\beta_1 = 0.9$, $\beta_2 = 0.99$, $\theta_0 = -0.4$, gradients $0.3$, $0.6$, $-0.2$.

I use the form at the end of Section 2 of Kingma & Ba: keep the biased moments and fold both bias corrections
into a corrected step size

$$\tilde\eta_t = \alpha\, \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}, \qquad \theta_t = \theta_{t-1} - \tilde\eta_t\, \frac{m_t}{\sqrt{v_t} + \hat\epsilon},$$

with $m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t$ and $v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2$. This is the same
as dividing $\hat m_t = m_t/(1 - \beta_1^t)$ by $\sqrt{\hat v_t}$; $\hat\epsilon$ is far too small to matter here.

- $t = 1$: $m_1 = 0.1 \times 0.3 = {{m1}}$, $v_1 = 0.01 \times 0.09 = {{v1}}$,
  $\tilde\eta_1 = 0.1 \times \sqrt{0.01} / 0.1 = {{et1}}$, $\theta_1 = -0.4 - {{et1}} \times \frac{{{m1}}}{0.03} = {{th1}}$
- $t = 2$: $m_2 = 0.9 \times {{m1}} + 0.1 \times 0.6 = {{m2}}$, $v_2 = 0.99 \times {{v1}} + 0.01 \times 0.36 = {{v2}}$,
  $\sqrt{v_2} = {{rv2}}$; $1 - \beta_2^2 = {{c2}}$, $1 - \beta_1^2 = 0.19$, so
  $\tilde\eta_2 = 0.1 \times \sqrt{{{c2}}} / 0.19 = {{et2}}$ and
  $\theta_2 = {{th1}} - {{et2}} \times \frac{{{m2}}}{{{rv2}}} = {{th1}} - {{d2}} = {{th2}}$
- $t = 3$: $m_3 = 0.9 \times {{m2}} + 0.1 \times (-0.2) = {{m3}}$, $v_3 = 0.99 \times {{v2}} + 0.01 \times 0.04 = {{v3}}$,
  $\sqrt{v_3} = {{rv3}}$; $1 - \beta_2^3 = {{c3}}$, $1 - \beta_1^3 = 0.271$, so
  $\tilde\eta_3 = 0.1 \times \sqrt{{{c3}}} / 0.271 = {{et3}}$ and
  $\theta_3 = {{th2}} - {{et3}} \times \frac{{{m3}}}{{{rv3}}} = {{th2}} - {{d3}} = {{th3}}$

The third gradient is negative but $m_3$ is still positive, so $\theta$ keeps moving down.
""", [])

# ------------------------------------------------------------------ O6 AdamW, decoupled decay, m-hat v-hat (ok)
opts = dict(lr=0.05, weight_decay=0.02)
T = run(torch.optim.AdamW, 3.0, [-2.0, -1.0], **opts)
s = Sheet("opt_adamw_mhat_vhat_ok",
          {"kind": "optimizer", "optimizer": "adamw", "options": opts, "w0": 3.0, "grads": [-2.0, -1.0]})
s.step("k", lambda e: 1 - 0.05 * 0.02, dec=3)
s.step("dec1", lambda e: e.k * 3.0, dec=3)
s.step("m1", lambda e: 0.1 * -2.0, dec=1)
s.step("v1", lambda e: 0.001 * 4.0, dec=3)
s.step("mh1", lambda e: e.m1 / 0.1, dec=0)
s.step("vh1", lambda e: e.v1 / 0.001, dec=0)
s.step("th1", lambda e: e.dec1 - 0.05 * e.mh1 / math.sqrt(e.vh1), dec=3,
       exact=lambda e: e.dec1 - 0.05 * e.mh1 / (math.sqrt(e.vh1) + E8))
s.agree("th1", T[0])
s.step("dec2", lambda e: e.k * e.th1, dec=6)
s.step("m2", lambda e: 0.9 * e.m1 + 0.1 * -1.0, dec=2)
s.step("v2", lambda e: 0.999 * e.v1 + 0.001 * 1.0, dec=6)
s.step("mh2", lambda e: e.m2 / 0.19, sig=5)
s.step("vh2", lambda e: e.v2 / 0.001999, sig=5)
s.step("rvh2", lambda e: math.sqrt(e.vh2), sig=5)
s.step("st2", lambda e: 0.05 * e.mh2 / e.rvh2, sig=4)
s.step("th2", lambda e: e.dec2 - e.st2, dec=4,
       exact=lambda e: e.dec2 - 0.05 * e.mh2 / (math.sqrt(e.vh2) + E8))
s.agree("th2", T[1])
s.write(r"""
**(a)** AdamW as in `torch.optim.AdamW(lr=0.05, weight_decay=0.02)` (betas $0.9$, $0.999$, eps $10^{-8}$), from
$\theta_0 = 3$ with gradients $g_1 = -2$, $g_2 = -1$.

PyTorch first shrinks the weight, $\theta \leftarrow (1 - \eta\lambda)\,\theta$, then takes the Adam step with the
bias-corrected m̂ and v̂; the decay never enters the moments. Here $1 - \eta\lambda = {{k}}$.

**(b)** Step 1.

$$\theta_0 (1 - \eta\lambda) = {{k}} \times 3 = {{dec1}}$$

$$m_1 = 0.1 \times (-2) = {{m1}}, \qquad v_1 = 0.001 \times 4 = {{v1}}$$

$$\hat m_1 = \frac{{{m1}}}{0.1} = {{mh1}}, \qquad \hat v_1 = \frac{{{v1}}}{0.001} = {{vh1}}$$

$$\theta_1 = {{dec1}} - 0.05 \times \frac{{{mh1}}}{\sqrt{{{vh1}}}} = {{th1}}$$

**(c)** Step 2.

$$\theta_1 (1 - \eta\lambda) = {{k}} \times {{th1}} = {{dec2}}$$

$$m_2 = 0.9 \times ({{m1}}) + 0.1 \times (-1) = {{m2}}, \qquad v_2 = 0.999 \times {{v1}} + 0.001 \times 1 = {{v2}}$$

$$\hat m_2 = \frac{{{m2}}}{1 - 0.9^2} = {{mh2}}, \qquad \hat v_2 = \frac{{{v2}}}{1 - 0.999^2} = \frac{{{v2}}}{0.001999} = {{vh2}}$$

$$\theta_2 = {{dec2}} - 0.05 \times \frac{{{mh2}}}{\sqrt{{{vh2}}}} = {{dec2}} - \frac{0.05 \times ({{mh2}})}{{{rvh2}}} = {{dec2}} + {{st2|abs}} = {{th2}}$$
""", [])

# ================================================================== sheets with mistakes
# ------------------------------------------------------------------ W1 Nesterov stepped along the velocity (stated rule)
opts = dict(lr=0.05, momentum=0.8, nesterov=True)
T = run(torch.optim.SGD, 2.0, [1.2, 0.7, -0.3], **opts)
s = Sheet("opt_nesterov_velocity_rule_stated",
          {"kind": "optimizer", "optimizer": "sgd", "options": opts, "w0": 2.0, "grads": [1.2, 0.7, -0.3]})
s.step("u1", lambda e: 1.2, dec=1)
s.step("th1", lambda e: 2.0 - 0.05 * e.u1, dec=2)
s.step("u2", lambda e: 0.8 * e.u1 + 0.7, dec=2)
s.step("du2", lambda e: 0.05 * e.u2, dec=3)
s.step("th2", lambda e: e.th1 - e.du2, dec=3)
s.step("u3", lambda e: 0.8 * e.u2 - 0.3, dec=3)
s.step("du3", lambda e: 0.05 * e.u3, dec=4)
s.step("th3", lambda e: e.th2 - e.du3, dec=4)
for k, tv in (("th1", T[0]), ("th2", T[1]), ("th3", T[2])):
    s.differs(k, tv)
s.write(r"""
Nesterov momentum, `SGD(lr=0.05, momentum=0.8, nesterov=True)`, from $\theta_0 = 2$; the gradients are
$g_1 = 1.2$, $g_2 = 0.7$, $g_3 = -0.3$.

The velocity is accumulated as for ordinary momentum,

$$u_t = \mu\, u_{t-1} + g_t, \qquad u_0 = 0,$$

and the Nesterov part is only that the gradient is evaluated at the look-ahead point, which the given $g_t$
already are. So the update is

$$\theta_t = \theta_{t-1} - \eta\, u_t$$ %WRONG:nesterov-along-b

Step 1: $u_1 = {{u1}}$, $\theta_1 = 2 - 0.05 \times {{u1}} = {{th1}}$

Step 2: $u_2 = 0.8 \times {{u1}} + 0.7 = {{u2}}$, $\theta_2 = {{th1}} - 0.05 \times {{u2}} = {{th1}} - {{du2}} = {{th2}}$

Step 3: $u_3 = 0.8 \times {{u2}} - 0.3 = {{u3}}$, $\theta_3 = {{th2}} - 0.05 \times {{u3}} = {{th2}} - {{du3}} = {{th3}}$

Final answer: $\theta_3 \approx {{th3}}$.
""", ["nesterov-along-b"])

# ------------------------------------------------------------------ W2 Adam's L2 weight_decay taken as decoupled (stated rule)
opts = dict(lr=0.01, weight_decay=0.1)
T = run(torch.optim.Adam, 1.5, [0.4, -0.2], **opts)
s = Sheet("opt_adam_weight_decay_as_decoupled",
          {"kind": "optimizer", "optimizer": "adam", "options": opts, "w0": 1.5, "grads": [0.4, -0.2]})
s.step("m1", lambda e: 0.1 * 0.4, dec=2)
s.step("v1", lambda e: 0.001 * 0.16, dec=5)
s.step("mh1", lambda e: e.m1 / 0.1, dec=1)
s.step("vh1", lambda e: e.v1 / 0.001, dec=2)
s.step("sh1", lambda e: 0.999 * 1.5, dec=4)
s.step("th1", lambda e: e.sh1 - 0.01 * e.mh1 / math.sqrt(e.vh1), dec=4,
       exact=lambda e: e.sh1 - 0.01 * e.mh1 / (math.sqrt(e.vh1) + E8))
s.differs("th1", T[0])
s.step("m2", lambda e: 0.9 * e.m1 + 0.1 * -0.2, dec=3)
s.step("v2", lambda e: 0.999 * e.v1 + 0.001 * 0.04, dec=8)
s.step("mh2", lambda e: e.m2 / 0.19, sig=4)
s.step("vh2", lambda e: e.v2 / 0.001999, sig=4)
s.step("rv2", lambda e: math.sqrt(e.vh2), sig=4)
s.step("sh2", lambda e: 0.999 * e.th1, dec=5)
s.step("st2", lambda e: 0.01 * e.mh2 / e.rv2, sig=4)
s.step("th2", lambda e: e.sh2 - e.st2, dec=5,
       exact=lambda e: e.sh2 - 0.01 * e.mh2 / (math.sqrt(e.vh2) + E8))
s.differs("th2", T[1])
s.write(r"""
**Problem 6.** One parameter trained with `torch.optim.Adam(params, lr=0.01, weight_decay=0.1)` (default
betas $0.9, 0.999$, eps $10^{-8}$), $\theta_0 = 1.5$, gradients of the loss $g_1 = 0.4$, $g_2 = -0.2$.

Weight decay shrinks the weight by $\eta\lambda\theta$ at every step, and the Adam step itself is taken with the
loss gradient $g_t$ (so $m_t$, $v_t$ only see $g_t$):

$$\theta_t = (1 - \eta\lambda)\,\theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}, \qquad 1 - \eta\lambda = 0.999$$ %WRONG:decay-decoupled

(a) $t = 1$:

- $m_1 = 0.1 \times 0.4 = {{m1}}$, $v_1 = 0.001 \times 0.16 = {{v1}}$
- $\hat m_1 = {{m1}} / 0.1 = {{mh1}}$, $\hat v_1 = {{v1}} / 0.001 = {{vh1}}$
- $\theta_1 = 0.999 \times 1.5 - 0.01 \times \frac{{{mh1}}}{\sqrt{{{vh1}}}} = {{sh1}} - 0.01 = {{th1}}$

(b) $t = 2$:

- $m_2 = 0.9 \times {{m1}} + 0.1 \times (-0.2) = {{m2}}$
- $v_2 = 0.999 \times {{v1}} + 0.001 \times 0.04 = {{v2}}$
- $\hat m_2 = {{m2}} / 0.19 = {{mh2}}$, $\hat v_2 = {{v2}} / 0.001999 = {{vh2}}$, $\sqrt{\hat v_2} = {{rv2}}$
- $\theta_2 = 0.999 \times {{th1}} - 0.01 \times \frac{{{mh2}}}{{{rv2}}} = {{sh2}} - {{st2}} = {{th2}}$
""", ["decay-decoupled"])

# ------------------------------------------------------------------ W3 Goodfellow's RMSProp: delta under the root (stated rule)
opts = dict(lr=0.01, alpha=0.9, eps=0.01)
T = run(torch.optim.RMSprop, 0.2, [0.3, -0.2], **opts)
s = Sheet("opt_rmsprop_goodfellow_delta_root",
          {"kind": "optimizer", "optimizer": "rmsprop", "options": opts, "w0": 0.2, "grads": [0.3, -0.2]})
s.step("r1", lambda e: 0.1 * 0.09, dec=3)
s.step("q1", lambda e: math.sqrt(0.01 + e.r1), sig=5)
s.step("d1", lambda e: -0.01 * 0.3 / e.q1, sig=4)
s.step("th1", lambda e: 0.2 + e.d1, sig=4)
s.differs("th1", T[0])
s.step("r2", lambda e: 0.9 * e.r1 + 0.1 * 0.04, dec=4)
s.step("q2", lambda e: math.sqrt(0.01 + e.r2), sig=5)
s.step("d2", lambda e: -0.01 * -0.2 / e.q2, sig=4)
s.step("th2", lambda e: e.th1 + e.d2, sig=4)
s.differs("th2", T[1])
s.write(r"""
**RMSProp (Goodfellow, Bengio & Courville, Algorithm 8.5)** with global learning rate $\epsilon = 0.01$, decay
rate $\rho = 0.9$ and small constant $\delta = 0.01$ (PyTorch's `lr`, `alpha` and `eps`). Initial parameter
$\theta = 0.2$; the two minibatch gradients are $g = 0.3$ and then $g = -0.2$. Accumulation variable $r = 0$.

Per iteration:

1. accumulate: $r \leftarrow \rho\, r + (1 - \rho)\, g \odot g$
2. compute the update: $\Delta\theta = -\dfrac{\epsilon}{\sqrt{\delta + r}} \odot g$ %WRONG:eps-root
3. apply it: $\theta \leftarrow \theta + \Delta\theta$

Iteration 1: $r_1 = 0.1 \times 0.09 = {{r1}}$, $\sqrt{\delta + r_1} = \sqrt{0.01 + {{r1}}} = {{q1}}$,
$\Delta\theta = -0.01 \times 0.3 / {{q1}} = {{d1}}$, so $\theta = 0.2 - {{d1|abs}} = {{th1}}$.

Iteration 2: $r_2 = 0.9 \times {{r1}} + 0.1 \times 0.04 = {{r2}}$, $\sqrt{\delta + r_2} = {{q2}}$,
$\Delta\theta = -0.01 \times (-0.2) / {{q2}} = {{d2}}$, so $\theta = {{th1}} + {{d2}} = {{th2}}$.

The large $\delta$ keeps both steps smaller than they would be with $\delta \approx 0$.
""", ["eps-root"])

# ------------------------------------------------------------------ W4 Adam symbolic, EMA without (1 - beta) (stated rule)
al, b1, b2, ep, t0 = sp.symbols("alpha beta_1 beta_2 epsilon theta_0", positive=True)
wm1, wv1 = g1, g1 ** 2                                     # the writer's m_1, v_1
wmh1, wvh1 = wm1 / (1 - b1), wv1 / (1 - b2)
wT1 = t0 - al * wmh1 / (sp.sqrt(wvh1) + ep)
wT1_written = t0 - al * (g1 / (1 - b1)) / (sp.Abs(g1) / sp.sqrt(1 - b2) + ep)
wm2, wv2 = b1 * wm1 + g2, b2 * wv1 + g2 ** 2
wmh2, wvh2 = wm2 / (1 - b1 ** 2), wv2 / (1 - b2 ** 2)
wT2 = wT1 - al * wmh2 / (sp.sqrt(wvh2) + ep)
rng = random.Random(44)
for _ in range(6):
    va, vb1, vb2, ve, vt = rng.uniform(0.01, 0.2), rng.uniform(0.5, 0.95), rng.uniform(0.8, 0.999), \
        rng.uniform(1e-3, 0.05), rng.uniform(-2, 2)
    gs = [rng.uniform(-1, 1), rng.uniform(-1, 1)]
    sub = {al: va, b1: vb1, b2: vb2, ep: ve, t0: vt, g1: gs[0], g2: gs[1]}
    if not close(float(wT1.subs(sub)), float(wT1_written.subs(sub))):
        ERRORS.append("W4 theta_1 written form does not follow the writer's rule")
    T = run(torch.optim.Adam, vt, gs, lr=va, betas=(vb1, vb2), eps=ve)
    if close(float(wT1.subs(sub)), T[0], 1e-6) or close(float(wT2.subs(sub)), T[1], 1e-6):
        ERRORS.append("W4 writer's rule agrees with torch")
s = Sheet("opt_adam_symbolic_ema_weight", {"kind": "optimizer", "optimizer": "adam"})
s.write(r"""
Q4. Write out the first two Adam updates in closed form (step size $\alpha$, decay rates $\beta_1, \beta_2$,
constant $\epsilon$, start $\theta_0$, gradients $g_1, g_2$, and $m_0 = v_0 = 0$).

The moment estimates accumulate the gradient and its square:

$$m_t = \beta_1 m_{t-1} + g_t, \qquad v_t = \beta_2 v_{t-1} + g_t^2$$ %WRONG:ema-weight

and are bias-corrected, $\hat m_t = m_t / (1 - \beta_1^t)$, $\hat v_t = v_t / (1 - \beta_2^t)$, before the step
$\theta_t = \theta_{t-1} - \alpha\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$.

$t = 1$:

$$m_1 = g_1, \qquad v_1 = g_1^2, \qquad \hat m_1 = \frac{g_1}{1 - \beta_1}, \qquad \hat v_1 = \frac{g_1^2}{1 - \beta_2}$$

$$\theta_1 = \theta_0 - \alpha\, \frac{g_1 / (1 - \beta_1)}{|g_1| / \sqrt{1 - \beta_2} + \epsilon}$$

$t = 2$:

$$m_2 = \beta_1 g_1 + g_2, \qquad v_2 = \beta_2 g_1^2 + g_2^2$$

$$\hat m_2 = \frac{\beta_1 g_1 + g_2}{1 - \beta_1^2}, \qquad \hat v_2 = \frac{\beta_2 g_1^2 + g_2^2}{1 - \beta_2^2}$$

$$\theta_2 = \theta_1 - \alpha\, \frac{(\beta_1 g_1 + g_2) / (1 - \beta_1^2)}{\sqrt{(\beta_2 g_1^2 + g_2^2) / (1 - \beta_2^2)} + \epsilon}$$
""", ["ema-weight"])

# ------------------------------------------------------------------ W5 momentum + dampening: buffer dampened at step 1; plain slip in theta_3
opts = dict(lr=0.1, momentum=0.9, dampening=0.3)
T = run(torch.optim.SGD, -0.6, [0.5, 0.25, -0.4], **opts)
s = Sheet("opt_momentum_dampening_start_and_slip",
          {"kind": "optimizer", "optimizer": "sgd", "options": opts, "w0": -0.6, "grads": [0.5, 0.25, -0.4]})
s.step("u1", lambda e: 0.9 * 0 + 0.7 * 0.5, dec=2, right=lambda e: 0.5)
s.step("th1", lambda e: -0.6 - 0.1 * e.u1, dec=3)
s.differs("th1", T[0])
s.step("a2", lambda e: 0.9 * e.u1, dec=3)
s.step("b2", lambda e: 0.7 * 0.25, dec=3)
s.step("u2", lambda e: e.a2 + e.b2, dec=2)
s.step("th2", lambda e: e.th1 - 0.1 * e.u2, dec=3)
s.step("a3", lambda e: 0.9 * e.u2, dec=3)
s.step("b3", lambda e: 0.7 * -0.4, dec=2)
s.step("u3", lambda e: e.a3 + e.b3, dec=3)
s.step("du3", lambda e: 0.1 * e.u3, dec=4)
s.step("th3", lambda e: e.th2 + e.du3, dec=4, right=lambda e: e.th2 - e.du3)
s.differs("th3", T[2])
s.write(r"""
SGD with momentum $\mu = 0.9$ and dampening $\tau = 0.3$, learning rate $\eta = 0.1$, no weight decay;
$\theta_0 = -0.6$, gradients $0.5$, $0.25$, $-0.4$.

The velocity is a damped running sum of the gradients,

$$u_t = \mu\, u_{t-1} + (1 - \tau)\, g_t, \qquad \theta_t = \theta_{t-1} - \eta\, u_t.$$

Step 1 (nothing accumulated yet, $u_0 = 0$):

$$u_1 = 0.9 \times 0 + 0.7 \times 0.5 = {{u1}}$$ %WRONG:buffer-damped-start

$$\theta_1 = -0.6 - 0.1 \times {{u1}} = {{th1}}$$

Step 2:

$$u_2 = 0.9 \times {{u1}} + 0.7 \times 0.25 = {{a2}} + {{b2}} = {{u2}}$$

$$\theta_2 = {{th1}} - 0.1 \times {{u2}} = {{th2}}$$

Step 3:

$$u_3 = 0.9 \times {{u2}} + 0.7 \times (-0.4) = {{a3}} - {{b3|abs}} = {{u3}}$$

$$\theta_3 = {{th2}} - 0.1 \times {{u3}} = {{th2}} + {{du3}} = {{th3}}$$ %WRONG
""", ["buffer-damped-start", ""])

# ------------------------------------------------------------------ W6 Adagrad: plain slip in G_2, then g (not g^2) accumulated at step 3
opts = dict(lr=0.4)
T = run(torch.optim.Adagrad, -1.0, [0.8, -0.5, 0.6], **opts)
s = Sheet("opt_adagrad_G_slip_then_unsquared",
          {"kind": "optimizer", "optimizer": "adagrad", "options": opts, "w0": -1.0, "grads": [0.8, -0.5, 0.6]})
s.step("G1", lambda e: 0.64, dec=2)
s.step("th1", lambda e: -1 - 0.4 * 0.8 / math.sqrt(e.G1), dec=1,
       exact=lambda e: -1 - 0.4 * 0.8 / (math.sqrt(e.G1) + 1e-10))
s.agree("th1", T[0])
s.step("G2", lambda e: 0.98, dec=2, right=lambda e: e.G1 + 0.25)
s.step("rG2", lambda e: math.sqrt(e.G2), sig=4)
s.step("q2", lambda e: 0.4 * 0.5 / e.rG2, sig=4)
s.step("th2", lambda e: e.th1 + e.q2, dec=4)
s.differs("th2", T[1])
s.step("G3", lambda e: e.G2 + 0.6, dec=2, right=lambda e: e.G2 + 0.36)
s.step("rG3", lambda e: math.sqrt(e.G3), sig=4)
s.step("q3", lambda e: 0.4 * 0.6 / e.rG3, sig=4)
s.step("th3", lambda e: e.th2 - e.q3, dec=4)
s.differs("th3", T[2])
s.write(r"""
**Exercise 2 (Adagrad).** $\eta = 0.4$, $\theta_0 = -1$, gradients $g_1 = 0.8$, $g_2 = -0.5$, $g_3 = 0.6$.
Accumulator $G_t = G_{t-1} + g_t^2$ with $G_0 = 0$, and
$\theta_t = \theta_{t-1} - \eta\, g_t / (\sqrt{G_t} + \epsilon)$; I drop $\epsilon = 10^{-10}$.

**t = 1.** $G_1 = 0.8^2 = {{G1}}$, $\sqrt{G_1} = 0.8$,
$\theta_1 = -1 - 0.4 \times \frac{0.8}{0.8} = {{th1}}$.

**t = 2.**

$G_2 = {{G1}} + 0.25 = {{G2}}$ %WRONG

$\sqrt{G_2} = {{rG2}}$, and $\theta_2 = {{th1}} - 0.4 \times \frac{-0.5}{{{rG2}}} = {{th1}} + {{q2}} = {{th2}}$.

**t = 3.**

$G_3 = G_2 + g_3 = {{G2}} + 0.6 = {{G3}}$ %WRONG:acc-not-squared

$\sqrt{G_3} = {{rG3}}$, and $\theta_3 = {{th2}} - 0.4 \times \frac{0.6}{{{rG3}}} = {{th2}} - {{q3}} = {{th3}}$.
""", ["", "acc-not-squared"])

finish("optim")
