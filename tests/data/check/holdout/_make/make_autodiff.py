"""Numbers of the autodiff sheets: sympy.diff for the true derivatives, hand-coded forward/reverse traces
(rounded as the writer rounds, see chain.py).  Run: /tmp/venv/bin/python make_autodiff.py"""
from __future__ import annotations

import math

import sympy as sp

from chain import Chain

x, y, z, w, b, t, x1, x2 = sp.symbols("x y z w b t x_1 x_2")
sig = lambda s: 1 / (1 + sp.exp(-s))  # noqa: E731
fsig = lambda s: 1 / (1 + math.exp(-s))  # noqa: E731


def truth(expr, at: dict, wrt) -> None:
    print(f"  sympy: f = {float(expr.subs(at).evalf()):.8g}; " + ", ".join(
        f"d/d{v} = {float(sp.diff(expr, v).subs(at).evalf()):.8g}" for v in wrt))


# A1 ad_x2sinx_baydin_ok: x^2 sin x at 1.3
c = Chain("A1 x^2 sin x, x=1.3")
c.given(v0=1.3)
c.step("v1", lambda d: d["v0"] ** 2)
c.step("v2", lambda d: math.sin(d["v0"]))
c.step("v3", lambda d: d["v1"] * d["v2"])
c.step("cos v0", lambda d: math.cos(d["v0"]))
c.step("vb2", lambda d: d["v1"])
c.step("vb1", lambda d: d["v2"])
c.step("vb1*2v0", lambda d: d["vb1"] * 2 * d["v0"])
c.step("vb2*cos", lambda d: d["vb2"] * d["cos v0"])
c.step("vb0", lambda d: d["vb1*2v0"] + d["vb2*cos"])
c.show(); truth(x**2 * sp.sin(x), {x: 1.3}, [x])

# A2 ad_cos_tangent_sign: cos(x^2 + y) at x=0.7, y=0.5, forward sweeps, sign slip in both sweeps
c = Chain("A2 cos(x^2+y), x=0.7, y=0.5")
c.given(vm1=0.7, v0=0.5)
c.step("v1", lambda d: d["vm1"] ** 2)
c.step("v2", lambda d: d["v1"] + d["v0"])
c.step("v3", lambda d: math.cos(d["v2"]))
c.step("sin v2", lambda d: math.sin(d["v2"]))
c.step("dv1 (x)", lambda d: 2 * d["vm1"])
c.step("dv2 (x)", lambda d: d["dv1 (x)"])
c.step("dv3 (x) WRONG +sin", lambda d: d["sin v2"] * d["dv2 (x)"], wrong=True,
       truth=-math.sin(0.99) * 1.4)
c.step("dv3 (y) WRONG +sin", lambda d: d["sin v2"] * 1, wrong=True, truth=-math.sin(0.99))
c.show(); truth(sp.cos(x**2 + y), {x: 0.7, y: 0.5}, [x, y])

# A3 ad_ln_x2y2_leibniz_ok: ln(x^2+y^2) at 1.2, 0.8
c = Chain("A3 ln(x^2+y^2), x=1.2, y=0.8")
c.given(x=1.2, y=0.8)
c.step("u", lambda d: d["x"] ** 2 + d["y"] ** 2)
c.step("f", lambda d: math.log(d["u"]))
c.step("df/du", lambda d: 1 / d["u"])
c.step("df/dx", lambda d: d["df/du"] * 2 * d["x"])
c.step("df/dy", lambda d: d["df/du"] * 2 * d["y"])
c.show(); truth(sp.log(x**2 + y**2), {x: 1.2, y: 0.8}, [x, y])

# A4 ad_log2_logbase: log_2(x^2+1) at 3
c = Chain("A4 log2(x^2+1), x=3")
c.given(x=3)
c.step("u", lambda d: d["x"] ** 2 + 1)
c.step("y", lambda d: math.log2(d["u"]))
c.step("dy/du WRONG 1/u", lambda d: 1 / d["u"], wrong=True, truth=1 / (10 * math.log(2)))
c.step("du/dx", lambda d: 2 * d["x"])
c.step("dy/dx", lambda d: d["dy/du WRONG 1/u"] * d["du/dx"], truth=6 / (10 * math.log(2)))
c.show(); truth(sp.log(x**2 + 1, 2), {x: 3}, [x])

# A5 ad_bce_sigmoid_ok: BCE of sigma(wx+b), w=0.6, x=1.5, b=-0.4, t=0
c = Chain("A5 BCE, w=0.6 x=1.5 b=-0.4 t=0")
c.given(w=0.6, x=1.5, b=-0.4, t=0)
c.step("z", lambda d: d["w"] * d["x"] + d["b"])
c.step("p", lambda d: fsig(d["z"]))
c.step("1-p", lambda d: 1 - d["p"])
c.step("L", lambda d: -math.log(d["1-p"]))
c.step("dL/dp", lambda d: 1 / d["1-p"])
c.step("dp/dz", lambda d: d["p"] * d["1-p"])
c.step("dL/dz", lambda d: d["dL/dp"] * d["dp/dz"])
c.step("dL/dw", lambda d: d["dL/dz"] * d["x"])
c.step("dL/db", lambda d: d["dL/dz"])
c.show()
bce = -(t * sp.log(sig(w * x + b)) + (1 - t) * sp.log(1 - sig(w * x + b)))
truth(bce, {w: 0.6, x: 1.5, b: -0.4, t: 0}, [w, b])

# A6 ad_x2sigmoid_deriv: x_2 sigma(x_1 x_2) at x1=0.8, x2=-1.5
c = Chain("A6 x2 sigma(x1 x2), x1=0.8, x2=-1.5")
c.given(vm1=0.8, v0=-1.5)
c.step("v1", lambda d: d["vm1"] * d["v0"])
c.step("v2", lambda d: fsig(d["v1"]))
c.step("v3", lambda d: d["v0"] * d["v2"])
c.step("vb2", lambda d: d["v0"])
c.step("vb1 WRONG sigma", lambda d: d["vb2"] * d["v2"], wrong=True,
       truth=-1.5 * fsig(-1.2) * (1 - fsig(-1.2)))
c.step("vb1*vm1", lambda d: d["vb1 WRONG sigma"] * d["vm1"])
c.step("vb0", lambda d: d["v2"] + d["vb1*vm1"])
c.step("vbm1", lambda d: d["vb1 WRONG sigma"] * d["v0"])
c.show(); truth(x2 * sig(x1 * x2), {x1: 0.8, x2: -1.5}, [x1, x2])

# A7 ad_tanh_two_sweeps_ok: tanh(x^2 - y) at 0.9, 0.3
c = Chain("A7 tanh(x^2-y), x=0.9, y=0.3")
c.given(x=0.9, y=0.3)
c.step("a", lambda d: d["x"] ** 2)
c.step("u", lambda d: d["a"] - d["y"])
c.step("f", lambda d: math.tanh(d["u"]))
c.step("f^2", lambda d: d["f"] ** 2)
c.step("1-f^2", lambda d: 1 - d["f^2"])
c.step("udot x", lambda d: 2 * d["x"])
c.step("fdot x", lambda d: d["1-f^2"] * d["udot x"])
c.step("fdot y", lambda d: -d["1-f^2"])
c.show(); truth(sp.tanh(x**2 - y), {x: 0.9, y: 0.3}, [x, y])

# A8 ad_xtanh_deriv_slip: x tanh(2x+1) at 0.25
c = Chain("A8 x tanh(2x+1), x=0.25")
c.given(x=0.25)
c.step("u", lambda d: 2 * d["x"] + 1)
c.step("h", lambda d: math.tanh(d["u"]))
c.step("f", lambda d: d["x"] * d["h"])
c.step("h^2", lambda d: d["h"] ** 2)
c.step("h' WRONG 1+h^2", lambda d: 1 + d["h^2"], wrong=True, truth=1 - math.tanh(1.5) ** 2)
c.step("x*h'*2", lambda d: d["x"] * d["h' WRONG 1+h^2"] * 2)
c.step("f'", lambda d: d["h"] + d["x*h'*2"])
c.show(); truth(x * sp.tanh(2 * x + 1), {x: 0.25}, [x])

# A9 ad_x2ey_product_rule: x^2 e^y at 1.5, 0.4
c = Chain("A9 x^2 e^y, x=1.5, y=0.4")
c.given(x=1.5, y=0.4)
c.step("a", lambda d: d["x"] ** 2)
c.step("b", lambda d: math.exp(d["y"]))
c.step("f", lambda d: d["a"] * d["b"])
c.step("df/da WRONG a", lambda d: d["a"], wrong=True, truth=math.exp(0.4))
c.step("da/dx", lambda d: 2 * d["x"])
c.step("df/dx", lambda d: d["df/da WRONG a"] * d["da/dx"])
c.step("df/db", lambda d: d["a"])
c.step("df/dy", lambda d: d["df/db"] * d["b"])
c.show(); truth(x**2 * sp.exp(y), {x: 1.5, y: 0.4}, [x, y])

# A10 ad_exp_quotient_primes_ok: e^x/(1+x^2) at 0.6
c = Chain("A10 e^x/(1+x^2), x=0.6")
c.given(x=0.6)
c.step("u", lambda d: math.exp(d["x"]))
c.step("v", lambda d: 1 + d["x"] ** 2)
c.step("f", lambda d: d["u"] / d["v"])
c.step("v'", lambda d: 2 * d["x"])
c.step("v-v'", lambda d: d["v"] - d["v'"])
c.step("v^2", lambda d: d["v"] ** 2)
c.step("f'", lambda d: d["u"] * d["v-v'"] / d["v^2"])
c.show(); truth(sp.exp(x) / (1 + x**2), {x: 0.6}, [x])

# A11 ad_xy_over_sum_quotient: xy/(x+y) at 2, 3
c = Chain("A11 xy/(x+y), x=2, y=3")
c.given(vm1=2, v0=3)
c.step("v1", lambda d: d["vm1"] * d["v0"])
c.step("v2", lambda d: d["vm1"] + d["v0"])
c.step("v3", lambda d: d["v1"] / d["v2"])
c.step("vb1", lambda d: 1 / d["v2"])
c.step("vb2 WRONG -1/v2^2", lambda d: -1 / d["v2"] ** 2, wrong=True, truth=-6 / 25)
c.step("vb0", lambda d: d["vb1"] * d["vm1"] + d["vb2 WRONG -1/v2^2"], truth=4 / 25)
c.step("vbm1", lambda d: d["vb1"] * d["v0"] + d["vb2 WRONG -1/v2^2"], truth=9 / 25)
c.show(); truth(x * y / (x + y), {x: 2, y: 3}, [x, y])

# A12 ad_cube_power_rule: (2x - y)^3 at 1, 0.5
c = Chain("A12 (2x-y)^3, x=1, y=0.5")
c.given(x=1, y=0.5)
c.step("u", lambda d: 2 * d["x"] - d["y"])
c.step("f", lambda d: d["u"] ** 3)
c.step("df/du WRONG u^2", lambda d: d["u"] ** 2, wrong=True, truth=3 * 1.5**2)
c.step("df/dx", lambda d: d["df/du WRONG u^2"] * 2)
c.step("df/dy", lambda d: -d["df/du WRONG u^2"])
c.show(); truth((2 * x - y) ** 3, {x: 1, y: 0.5}, [x, y])

# A13 ad_sqrt_onebased_table_ok: sqrt(xy+1) at 2, 1.2
c = Chain("A13 sqrt(xy+1), x=2, y=1.2")
c.given(v1=2, v2=1.2)
c.step("v3", lambda d: d["v1"] * d["v2"])
c.step("v4", lambda d: d["v3"] + 1)
c.step("v5", lambda d: math.sqrt(d["v4"]))
c.step("2v5", lambda d: 2 * d["v5"])
c.step("vb4", lambda d: 1 / d["2v5"], sf=5)
c.step("vb3", lambda d: d["vb4"], sf=5)
c.step("vb1", lambda d: d["vb3"] * d["v2"])
c.step("vb2", lambda d: d["vb3"] * d["v1"])
c.show(); truth(sp.sqrt(x * y + 1), {x: 2, y: 1.2}, [x, y])

# A14 ad_lnx_times_fanout: ln(x)(x^2+y) at 2, 1
c = Chain("A14 ln(x)(x^2+y), x=2, y=1")
c.given(x=2, y=1)
c.step("a", lambda d: math.log(d["x"]))
c.step("b", lambda d: d["x"] ** 2 + d["y"])
c.step("f", lambda d: d["a"] * d["b"])
c.step("abar", lambda d: d["b"])
c.step("bbar", lambda d: d["a"])
c.step("xbar WRONG abar/x only", lambda d: d["abar"] / d["x"], wrong=True, truth=5 / 2 + 4 * math.log(2))
c.step("ybar", lambda d: d["bbar"])
c.show(); truth(sp.log(x) * (x**2 + y), {x: 2, y: 1}, [x, y])

# A15 ad_logsumexp_ok: ln(e^x + e^y) at 1, 2
c = Chain("A15 ln(e^x+e^y), x=1, y=2")
c.given(x=1, y=2)
c.step("p", lambda d: math.exp(d["x"]))
c.step("q", lambda d: math.exp(d["y"]))
c.step("s", lambda d: d["p"] + d["q"], sf=5)
c.step("f", lambda d: math.log(d["s"]))
c.step("df/dx", lambda d: d["p"] / d["s"])
c.step("df/dy", lambda d: d["q"] / d["s"])
c.show(); truth(sp.log(sp.exp(x) + sp.exp(y)), {x: 1, y: 2}, [x, y])

# A16 ad_yexp_sub_sign: y e^{x-y} at 1.2, 0.7
c = Chain("A16 y e^{x-y}, x=1.2, y=0.7")
c.given(x=1.2, y=0.7)
c.step("u WRONG x+y", lambda d: d["x"] + d["y"], wrong=True, truth=0.5)
c.step("e^u", lambda d: math.exp(d["u WRONG x+y"]))
c.step("f", lambda d: d["y"] * d["e^u"])
c.step("df/dx", lambda d: d["y"] * d["e^u"])
c.step("df/dy", lambda d: d["e^u"] - d["y"] * d["e^u"])
c.show(); truth(y * sp.exp(x - y), {x: 1.2, y: 0.7}, [x, y])

# A17 ad_x2y3_arith: x^2 y^3 + x at 1.1, 0.9
c = Chain("A17 x^2 y^3 + x, x=1.1, y=0.9")
c.given(v1=1.1, v2=0.9)
c.step("v3", lambda d: d["v1"] ** 2)
c.step("v4", lambda d: d["v2"] ** 3)
c.step("v5", lambda d: d["v3"] * d["v4"])
c.step("v6", lambda d: d["v5"] + d["v1"])
c.step("vb3", lambda d: d["v4"])
c.step("vb4", lambda d: d["v3"])
c.step("vb3*2v1", lambda d: d["vb3"] * 2 * d["v1"])
c.step("vb1", lambda d: d["vb3*2v1"] + 1)
c.step("3v2^2", lambda d: 3 * d["v2"] ** 2)
c.step("vb2 (correct; sheet writes 3.040)", lambda d: d["vb4"] * d["3v2^2"])
c.show(); truth(x**2 * y**3 + x, {x: 1.1, y: 0.9}, [x, y])

# A18 ad_expcos_leibniz_ok: e^{cos x} at 0.4
c = Chain("A18 e^{cos x}, x=0.4")
c.given(x=0.4)
c.step("u", lambda d: math.cos(d["x"]))
c.step("y", lambda d: math.exp(d["u"]))
c.step("du/dx", lambda d: -math.sin(d["x"]))
c.step("dy/dx", lambda d: d["y"] * d["du/dx"])
c.show(); truth(sp.exp(sp.cos(x)), {x: 0.4}, [x])

# A19 ad_sinx2_chain_dropped: sin(x^2) + x at 1.1
c = Chain("A19 sin(x^2)+x, x=1.1")
c.given(x=1.1)
c.step("x^2", lambda d: d["x"] ** 2)
c.step("f", lambda d: math.sin(d["x^2"]) + d["x"])
c.step("d sin WRONG cos(x^2)", lambda d: math.cos(d["x^2"]), wrong=True, truth=2.2 * math.cos(1.21))
c.step("f'", lambda d: d["d sin WRONG cos(x^2)"] + 1)
c.show(); truth(sp.sin(x**2) + x, {x: 1.1}, [x])

# A20 ad_three_var_adjoint_table_ok: (x + yz) e^{-z} at 1, 2, 0.4
c = Chain("A20 (x+yz)e^{-z}, x=1, y=2, z=0.4")
c.given(vm2=1, vm1=2, v0=0.4)
c.step("v1", lambda d: d["vm1"] * d["v0"])
c.step("v2", lambda d: d["vm2"] + d["v1"])
c.step("v3", lambda d: -d["v0"])
c.step("v4", lambda d: math.exp(d["v3"]))
c.step("v5", lambda d: d["v2"] * d["v4"])
c.step("vb4", lambda d: d["v2"])
c.step("vb2", lambda d: d["v4"])
c.step("vb3", lambda d: d["vb4"] * d["v4"])
c.step("vb1", lambda d: d["vb2"])
c.step("vbm2", lambda d: d["vb2"])
c.step("vbm1", lambda d: d["vb1"] * d["v0"])
c.step("vb1*vm1", lambda d: d["vb1"] * d["vm1"])
c.step("vb0", lambda d: d["vb1*vm1"] - d["vb3"], sf=3)
c.show(); truth((x + y * z) * sp.exp(-z), {x: 1, y: 2, z: 0.4}, [x, y, z])
