"""Numbers of the optimizer sheets: torch.optim trajectories (float64) and the writer's hand recurrences rounded as
written (chain.py); sympy for the symbolic Adagrad sheet.  Run: /tmp/venv/bin/python make_optim.py"""
from __future__ import annotations

import math

import sympy as sp
import torch

from chain import Chain

torch.set_default_dtype(torch.float64)


def run(opt_cls, w0, grads, **opts):
    p = torch.nn.Parameter(torch.tensor(float(w0)))
    opt = opt_cls([p], **opts)
    out = [w0]
    for g in grads:
        opt.zero_grad()
        p.grad = torch.tensor(float(g))
        opt.step()
        out.append(p.item())
    return out


def show_torch(name, traj):
    print(f"  torch {name}: " + ", ".join(f"{v:.8g}" for v in traj))


# O1 momentum + weight decay
print("\n=== O1 SGD momentum 0.8, lr 0.05, wd 0.01, w0 2, grads 0.4 -0.6 0.3")
show_torch("SGD", run(torch.optim.SGD, 2, [0.4, -0.6, 0.3], lr=0.05, momentum=0.8, weight_decay=0.01))
c = Chain("O1 hand")
c.given(w1=2, g1=0.4, g2=-0.6, g3=0.3)
c.step("g'1", lambda d: d["g1"] + 0.01 * d["w1"], sf=None, dp=4)
c.step("b1", lambda d: d["g'1"], sf=None, dp=4)
c.step("w2", lambda d: d["w1"] - 0.05 * d["b1"], sf=None, dp=4)
c.step("g'2", lambda d: d["g2"] + 0.01 * d["w2"], sf=None, dp=5)
c.step("b2", lambda d: 0.8 * d["b1"] + d["g'2"], sf=None, dp=5)
c.step("w3", lambda d: d["w2"] - 0.05 * d["b2"], sf=None, dp=5)
c.step("g'3", lambda d: d["g3"] + 0.01 * d["w3"], sf=None, dp=5)
c.step("b3", lambda d: 0.8 * d["b2"] + d["g'3"], sf=None, dp=5)
c.step("w4", lambda d: d["w3"] - 0.05 * d["b3"], sf=None, dp=5)
c.show()

# O2 nesterov + weight decay
print("\n=== O2 Nesterov lr 0.1, mu 0.5, wd 0.05, w0 -0.5, grads 1 0.5 -0.25")
show_torch("SGD nesterov", run(torch.optim.SGD, -0.5, [1, 0.5, -0.25], lr=0.1, momentum=0.5, nesterov=True,
                               weight_decay=0.05))
c = Chain("O2 hand")
c.given(w1=-0.5)
c.step("g'1", lambda d: 1 + 0.05 * d["w1"], sf=None, dp=4)
c.step("b1", lambda d: d["g'1"], sf=None, dp=4)
c.step("w2", lambda d: d["w1"] - 0.1 * (d["g'1"] + 0.5 * d["b1"]), sf=None, dp=5)
c.step("g'2", lambda d: 0.5 + 0.05 * d["w2"], sf=None, dp=6)
c.step("b2", lambda d: 0.5 * d["b1"] + d["g'2"], sf=None, dp=6)
c.step("w3", lambda d: d["w2"] - 0.1 * (d["g'2"] + 0.5 * d["b2"]), sf=None, dp=6)
c.step("g'3", lambda d: -0.25 + 0.05 * d["w3"], sf=None, dp=6)
c.step("b3", lambda d: 0.5 * d["b2"] + d["g'3"], sf=None, dp=6)
c.step("w4", lambda d: d["w3"] - 0.1 * (d["g'3"] + 0.5 * d["b3"]), sf=None, dp=6)
c.show()

# O3 RMSprop alpha 0.8
print("\n=== O3 RMSprop lr 0.005, alpha 0.8, w0 -2, grads 1.2 0.8 -0.4")
show_torch("RMSprop", run(torch.optim.RMSprop, -2, [1.2, 0.8, -0.4], lr=0.005, alpha=0.8))
c = Chain("O3 hand")
c.given(w0=-2)
c.step("v1", lambda d: 0.2 * 1.44)
c.step("sqrt v1", lambda d: math.sqrt(d["v1"]))
c.step("step1", lambda d: 0.005 * 1.2 / d["sqrt v1"])
c.step("w1", lambda d: d["w0"] - d["step1"], sf=5)
c.step("v2", lambda d: 0.8 * d["v1"] + 0.2 * 0.64)
c.step("sqrt v2", lambda d: math.sqrt(d["v2"]))
c.step("step2", lambda d: 0.005 * 0.8 / d["sqrt v2"])
c.step("w2", lambda d: d["w1"] - d["step2"], sf=5)
c.step("v3", lambda d: 0.8 * d["v2"] + 0.2 * 0.16)
c.step("sqrt v3", lambda d: math.sqrt(d["v3"]))
c.step("step3", lambda d: 0.005 * -0.4 / d["sqrt v3"])
c.step("w3", lambda d: d["w2"] - d["step3"], sf=5)
c.show()

# O4 Adagrad symbolic
print("\n=== O4 Adagrad symbolic")
a, e, w1, g1, g2, g3 = sp.symbols("alpha epsilon w1 g1 g2 g3", real=True)
G1 = g1**2
W2 = w1 - a * g1 / (sp.sqrt(G1) + e)
G2 = G1 + g2**2
W3 = W2 - a * g2 / (sp.sqrt(G2) + e)
G3 = G2 + g3**2
W4 = W3 - a * g3 / (sp.sqrt(G3) + e)
print("  w2 =", W2, "\n  w3 =", W3, "\n  w4 =", W4)
# numeric spot check against torch
vals = {a: 0.3, e: 1e-10, w1: 0.7, g1: -0.9, g2: 0.4, g3: 1.1}
print("  sympy:", [float(q.subs(vals)) for q in (W2, W3, W4)])
show_torch("Adagrad", run(torch.optim.Adagrad, 0.7, [-0.9, 0.4, 1.1], lr=0.3))
# far-from-zero eps to check eps placement in the written formula
vals[e] = 0.05
print("  sympy eps=0.05:", [float(q.subs(vals)) for q in (W2, W3, W4)])
show_torch("Adagrad eps=0.05", run(torch.optim.Adagrad, 0.7, [-0.9, 0.4, 1.1], lr=0.3, eps=0.05))

# O5 Adam betas (0.9, 0.99)
print("\n=== O5 Adam lr 0.02, betas 0.9 0.99, w0 0.3, grads -0.5 0.25")
show_torch("Adam", run(torch.optim.Adam, 0.3, [-0.5, 0.25], lr=0.02, betas=(0.9, 0.99)))
c = Chain("O5 hand")
c.given(w0=0.3)
c.step("m1", lambda d: 0.1 * -0.5)
c.step("v1", lambda d: 0.01 * 0.25)
c.step("mh1", lambda d: d["m1"] / 0.1)
c.step("vh1", lambda d: d["v1"] / 0.01)
c.step("w1", lambda d: d["w0"] - 0.02 * d["mh1"] / (math.sqrt(d["vh1"]) + 1e-8))
c.step("m2", lambda d: 0.9 * d["m1"] + 0.1 * 0.25)
c.step("v2", lambda d: 0.99 * d["v1"] + 0.01 * 0.0625)
c.step("1-b1^2", lambda d: 1 - 0.81)
c.step("1-b2^2", lambda d: 1 - 0.99**2)
c.step("mh2", lambda d: d["m2"] / d["1-b1^2"])
c.step("vh2", lambda d: d["v2"] / d["1-b2^2"])
c.step("sqrt vh2", lambda d: math.sqrt(d["vh2"]))
c.step("ratio", lambda d: d["mh2"] / d["sqrt vh2"])
c.step("w2", lambda d: d["w1"] - 0.02 * d["ratio"], sf=5)
c.show()

# O6 AdamW
print("\n=== O6 AdamW lr 0.05, wd 0.2, w0 -1.5, grads -0.3 0.6")
show_torch("AdamW", run(torch.optim.AdamW, -1.5, [-0.3, 0.6], lr=0.05, weight_decay=0.2))
c = Chain("O6 hand")
c.given(w0=-1.5)
c.step("decay1", lambda d: 0.05 * 0.2 * d["w0"])
c.step("m1", lambda d: 0.1 * -0.3)
c.step("v1", lambda d: 0.001 * 0.09)
c.step("w1", lambda d: d["w0"] - d["decay1"] - 0.05 * (-1), sf=5)   # mhat/sqrt(vhat) = -1
c.step("decay2", lambda d: 0.01 * d["w1"], sf=5)
c.step("m2", lambda d: 0.9 * d["m1"] + 0.1 * 0.6)
c.step("v2", lambda d: 0.999 * d["v1"] + 0.001 * 0.36, sf=5)
c.step("mh2", lambda d: d["m2"] / 0.19)
c.step("vh2", lambda d: d["v2"] / (1 - 0.999**2))
c.step("sqrt vh2", lambda d: math.sqrt(d["vh2"]))
c.step("ratio", lambda d: d["mh2"] / d["sqrt vh2"])
c.step("lr*ratio", lambda d: 0.05 * d["ratio"])
c.step("w2", lambda d: d["w1"] - d["decay2"] - d["lr*ratio"], sf=5)
c.show()

# W1 AdamW written as Adam + coupled L2 (the writer's world is torch Adam with weight_decay)
print("\n=== W1 AdamW lr 0.05, wd 0.05, w0 2, grads 1 0.5 (sheet: coupled L2)")
show_torch("AdamW (truth)", run(torch.optim.AdamW, 2, [1, 0.5], lr=0.05, weight_decay=0.05))
show_torch("Adam+L2 (writer)", run(torch.optim.Adam, 2, [1, 0.5], lr=0.05, weight_decay=0.05))
c = Chain("W1 hand (writer's coupled world)")
c.given(w0=2)
c.step("g'1", lambda d: 1 + 0.05 * d["w0"])
c.step("m1", lambda d: 0.1 * d["g'1"])
c.step("v1", lambda d: 0.001 * d["g'1"] ** 2)
c.step("w1", lambda d: d["w0"] - 0.05 * 1)   # mhat/sqrt(vhat) = 1
c.step("g'2", lambda d: 0.5 + 0.05 * d["w1"])
c.step("m2", lambda d: 0.9 * d["m1"] + 0.1 * d["g'2"])
c.step("v2", lambda d: 0.999 * d["v1"] + 0.001 * d["g'2"] ** 2, sf=5)
c.step("mh2", lambda d: d["m2"] / 0.19)
c.step("vh2", lambda d: d["v2"] / 0.001999)
c.step("sqrt vh2", lambda d: math.sqrt(d["vh2"]))
c.step("ratio", lambda d: d["mh2"] / d["sqrt vh2"])
c.step("w2", lambda d: d["w1"] - 0.05 * d["ratio"], sf=5)
c.show()

# W2 RMSprop, writer drops the (1 - alpha) weight
print("\n=== W2 RMSprop lr 0.01, alpha 0.95, w0 1.5, grads 0.3 -0.6 (sheet: ema-weight)")
show_torch("RMSprop (truth)", run(torch.optim.RMSprop, 1.5, [0.3, -0.6], lr=0.01, alpha=0.95))
c = Chain("W2 hand (writer: v = rho v + g^2)")
c.given(w0=1.5)
c.step("v1", lambda d: 0.09, wrong=True, truth=0.05 * 0.09)
c.step("sqrt v1", lambda d: math.sqrt(d["v1"]))
c.step("w1", lambda d: d["w0"] - 0.01 * 0.3 / d["sqrt v1"])
c.step("v2", lambda d: 0.95 * d["v1"] + 0.36)
c.step("sqrt v2", lambda d: math.sqrt(d["v2"]))
c.step("step2", lambda d: 0.01 * -0.6 / d["sqrt v2"])
c.step("w2", lambda d: d["w1"] - d["step2"], sf=5)
c.show()

# W3 Adagrad lr 0.2 eps 0.1: writer puts eps under the root, and slips in G at step 2
print("\n=== W3 Adagrad lr 0.2, eps 0.1, w0 -1, grads 0.5 -1.5 1 (sheet: eps-root, slip G2)")
show_torch("Adagrad (truth)", run(torch.optim.Adagrad, -1, [0.5, -1.5, 1], lr=0.2, eps=0.1))
c = Chain("W3 hand (writer: sqrt(G + eps))")
c.given(w0=-1)
c.step("G1", lambda d: 0.25)
c.step("sqrt(G1+eps)", lambda d: math.sqrt(d["G1"] + 0.1))
c.step("step1", lambda d: 0.2 * 0.5 / d["sqrt(G1+eps)"])
c.step("w1", lambda d: d["w0"] - d["step1"])
c.step("G2 (slip: writes 2.6)", lambda d: d["G1"] + 2.25)
c.given(G2w=2.6)
c.step("sqrt(G2+eps)", lambda d: math.sqrt(d["G2w"] + 0.1))
c.step("step2", lambda d: 0.2 * -1.5 / d["sqrt(G2+eps)"])
c.step("w2", lambda d: d["w1"] - d["step2"])
c.step("G3", lambda d: d["G2w"] + 1)
c.step("sqrt(G3+eps)", lambda d: math.sqrt(d["G3"] + 0.1))
c.step("step3", lambda d: 0.2 * 1 / d["sqrt(G3+eps)"])
c.step("w3", lambda d: d["w2"] - d["step3"])
c.show()
c = Chain("W3 truth by hand (sqrt(G) + eps)")
c.given(w0=-1)
c.step("w1", lambda d: d["w0"] - 0.2 * 0.5 / (0.5 + 0.1))
c.step("w2", lambda d: d["w1"] + 0.2 * 1.5 / (math.sqrt(2.5) + 0.1))
c.step("w3", lambda d: d["w2"] - 0.2 * 1 / (math.sqrt(3.5) + 0.1))
c.show()

# W4 Adam betas (0.8, 0.99), bias-power at step 2 for m-hat only
print("\n=== W4 Adam lr 0.05, betas 0.8 0.99, w0 0, grads 0.2 -0.1 0.4 (sheet: bias-power mhat2)")
show_torch("Adam (truth)", run(torch.optim.Adam, 0, [0.2, -0.1, 0.4], lr=0.05, betas=(0.8, 0.99)))
c = Chain("W4 hand")
c.given(w0=0)
c.step("m1", lambda d: 0.2 * 0.2)
c.step("v1", lambda d: 0.01 * 0.04)
c.step("w1", lambda d: d["w0"] - 0.05 * 1)
c.step("m2", lambda d: 0.8 * d["m1"] + 0.2 * -0.1)
c.step("v2", lambda d: 0.99 * d["v1"] + 0.01 * 0.01)
c.step("mh2 WRONG m2/(1-b1)", lambda d: d["m2"] / 0.2, wrong=True, truth=0.012 / 0.36)
c.step("vh2", lambda d: d["v2"] / (1 - 0.99**2))
c.step("sqrt vh2", lambda d: math.sqrt(d["vh2"]))
c.step("ratio2", lambda d: d["mh2 WRONG m2/(1-b1)"] / d["sqrt vh2"])
c.step("w2", lambda d: d["w1"] - 0.05 * d["ratio2"], sf=5)
c.step("m3", lambda d: 0.8 * d["m2"] + 0.2 * 0.4)
c.step("v3", lambda d: 0.99 * d["v2"] + 0.01 * 0.16, sf=5)
c.step("1-b1^3", lambda d: 1 - 0.8**3)
c.step("1-b2^3", lambda d: 1 - 0.99**3, sf=5)
c.step("mh3", lambda d: d["m3"] / d["1-b1^3"])
c.step("vh3", lambda d: d["v3"] / d["1-b2^3"])
c.step("sqrt vh3", lambda d: math.sqrt(d["vh3"]))
c.step("ratio3", lambda d: d["mh3"] / d["sqrt vh3"])
c.step("w3", lambda d: d["w2"] - 0.05 * d["ratio3"], sf=5)
c.show()
# the writer's world: torch Adam for step 1, then the wrong mhat at step 2, then correct step 3 from there
