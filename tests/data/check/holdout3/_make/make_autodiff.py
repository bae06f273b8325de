"""Autodiff sheets. True values and gradients: sympy.diff. The sheet's own numbers: hand-coded forward
(primal, tangent) and reverse (adjoint) sweeps in book.Sheet, from the written (rounded) values and exactly.
On a marked line the writer's own (wrong) local rule is used and the correct one is checked to differ."""
import math

import sympy as sp

from book import Sheet, finish

sg = lambda z: 1 / (1 + math.exp(-z))
ssg = lambda z: 1 / (1 + sp.exp(-z))


def truth(expr, at):
    sub = {k: sp.nsimplify(v) for k, v in at.items()}
    return (float(expr.subs(sub).evalf(30)),
            {str(k): float(sp.diff(expr, k).subs(sub).evalf(30)) for k in at})


x, y, x1, x2 = sp.symbols("x y x_1 x_2")

# ------------------------------------------------------------------ A1 Baydin numbering, reverse mode (ok)
F, G = truth(x1 * sp.exp(x2) + sp.cos(x1 * x2), {x1: "0.6", x2: "0.9"})
s = Sheet("ad_baydin_x1expx2_cos_ok",
          {"expr": r"x_1 e^{x_2} + \cos(x_1 x_2)", "at": "x_1=0.6,x_2=0.9", "wrt": "x_1,x_2"})
s.step("v1", lambda e: math.exp(0.9), sig=5)
s.step("v2", lambda e: 0.6 * e.v1, dec=4)
s.step("v3", lambda e: 0.6 * 0.9, dec=2)
s.step("v4", lambda e: math.cos(e.v3), dec=4)
s.step("v5", lambda e: e.v2 + e.v4, dec=4)
s.agree("v5", F)
s.step("b3", lambda e: -math.sin(e.v3), dec=4)
s.step("b0a", lambda e: e.b3 * 0.6, dec=4)
s.step("b0b", lambda e: 0.6 * e.v1, dec=4)
s.step("b0", lambda e: e.b0a + e.b0b, dec=4)
s.step("bm1a", lambda e: e.b3 * 0.9, dec=4)
s.step("bm1", lambda e: e.bm1a + e.v1, dec=4)
s.agree("bm1", G["x_1"]); s.agree("b0", G["x_2"])
s.write(r"""
**Exercise 3.** Evaluate $y = f(x_1, x_2) = x_1 e^{x_2} + \cos(x_1 x_2)$ and its gradient at
$(x_1, x_2) = (0.6, 0.9)$ in reverse mode, numbering the variables as in Baydin et al. (2018).

Forward primal trace:

\begin{align*}
v_{-1} &= x_1 = 0.6 \\
v_0 &= x_2 = 0.9 \\
v_1 &= e^{v_0} = {{v1}} \\
v_2 &= v_{-1} v_1 = {{v2}} \\
v_3 &= v_{-1} v_0 = {{v3}} \\
v_4 &= \cos v_3 = {{v4}} \\
v_5 &= v_2 + v_4 = {{v5}} \\
y &= v_5 = {{v5}}
\end{align*}

Reverse adjoint trace, $\bar v_i = \partial y / \partial v_i$, starting from $\bar y = 1$:

\begin{align*}
\bar v_5 &= \bar y = 1 \\
\bar v_4 &= \bar v_5 \frac{\partial v_5}{\partial v_4} = 1 \\
\bar v_2 &= \bar v_5 \frac{\partial v_5}{\partial v_2} = 1 \\
\bar v_3 &= \bar v_4 \frac{\partial v_4}{\partial v_3} = \bar v_4 \times (-\sin v_3) = {{b3}} \\
\bar v_1 &= \bar v_2 \frac{\partial v_2}{\partial v_1} = \bar v_2 \times v_{-1} = 0.6 \\
\bar v_0 &= \bar v_3 \frac{\partial v_3}{\partial v_0} + \bar v_1 \frac{\partial v_1}{\partial v_0} = {{b3}} \times 0.6 + 0.6 \times {{v1}} = {{b0a}} + {{b0b}} = {{b0}} \\
\bar v_{-1} &= \bar v_3 \frac{\partial v_3}{\partial v_{-1}} + \bar v_2 \frac{\partial v_2}{\partial v_{-1}} = {{b3}} \times 0.9 + 1 \times {{v1}} = {{bm1a}} + {{v1}} = {{bm1}}
\end{align*}

So $\partial y / \partial x_1 = \bar v_{-1} = {{bm1}}$ and $\partial y / \partial x_2 = \bar v_0 = {{b0}}$.
""", [])

# ------------------------------------------------------------------ A2 Leibniz chain, terse (ok)
F, G = truth(sp.exp(sp.sin(2 * x)), {x: "0.3"})
s = Sheet("ad_leibniz_exp_sin2x_ok", {"expr": r"e^{\sin(2x)}", "at": "x=0.3"})
s.step("v", lambda e: math.sin(0.6), sig=5)
s.step("y", lambda e: math.exp(e.v), sig=5)
s.agree("y", F)
s.step("cu", lambda e: math.cos(0.6), sig=5)
s.step("dy", lambda e: e.y * e.cu * 2, sig=4)
s.agree("dy", G["x"])
s.write(r"""
$y = e^{\sin(2x)}$ at $x = 0.3$.

Put $u = 2x$ and $v = \sin u$, so that $y = e^{v}$:

$$u = 0.6, \qquad v = \sin 0.6 = {{v}}, \qquad y = e^{{{v}}} = {{y}}$$

$$\frac{dy}{dx} = \frac{dy}{dv}\,\frac{dv}{du}\,\frac{du}{dx} = e^{v} \cdot \cos u \cdot 2$$

$$\frac{dy}{dv} = e^{v} = {{y}}, \qquad \frac{dv}{du} = \cos 0.6 = {{cu}}, \qquad \frac{du}{dx} = 2$$

$$\frac{dy}{dx} = {{y}} \times {{cu}} \times 2 = {{dy}}$$
""", [])

# ------------------------------------------------------------------ A3 forward primal + tangent table, 1-based (ok)
F, G = truth(sp.tanh(x * y) + y, {x: "0.5", y: "-1.2"})
s = Sheet("ad_forward_table_tanhxy_ok", {"expr": r"\tanh(x y) + y", "at": "x=0.5,y=-1.2", "wrt": "x,y"})
s.step("v3", lambda e: 0.5 * -1.2, dec=1)
s.step("v4", lambda e: math.tanh(e.v3), dec=4)
s.step("v5", lambda e: e.v4 - 1.2, dec=4)
s.agree("v5", F)
s.step("t3x", lambda e: 1 * -1.2 + 0.5 * 0, dec=1)
s.step("t3y", lambda e: 0 * -1.2 + 0.5 * 1, dec=1)
s.step("om", lambda e: 1 - e.v4 ** 2, dec=4)
s.step("t4x", lambda e: e.om * e.t3x, dec=4)
s.step("t4y", lambda e: e.om * e.t3y, dec=4)
s.step("t5x", lambda e: e.t4x + 0, dec=4)
s.step("t5y", lambda e: e.t4y + 1, dec=4)
s.agree("t5x", G["x"]); s.agree("t5y", G["y"])
s.write(r"""
### Forward mode for $f(x, y) = \tanh(xy) + y$ at $x = 0.5$, $y = -1.2$

Variables numbered from 1 (inputs $v_1$, $v_2$). Forward mode needs one sweep per input: seed
$(\dot v_1, \dot v_2) = (1, 0)$ for $\partial f/\partial x$ and $(0, 1)$ for $\partial f/\partial y$.

| $i$ | $v_i$ | value | $\dot v_i$ | seed $(1,0)$ | seed $(0,1)$ |
|---|---|---|---|---|---|
| 1 | $x$ | $0.5$ | $\dot x$ | $1$ | $0$ |
| 2 | $y$ | $-1.2$ | $\dot y$ | $0$ | $1$ |
| 3 | $v_1 v_2$ | ${{v3}}$ | $\dot v_1 v_2 + v_1 \dot v_2$ | ${{t3x}}$ | ${{t3y}}$ |
| 4 | $\tanh v_3$ | ${{v4}}$ | $(1 - v_4^2)\,\dot v_3$ | ${{t4x}}$ | ${{t4y}}$ |
| 5 | $v_4 + v_2$ | ${{v5}}$ | $\dot v_4 + \dot v_2$ | ${{t5x}}$ | ${{t5y}}$ |

Row 4 uses $1 - v_4^2 = 1 - ({{v4}})^2 = {{om}}$, so $\dot v_4 = {{om}} \times \dot v_3$.

Result:

- $f(0.5, -1.2) = v_5 = {{v5}}$
- $\partial f / \partial x = \dot v_5 = {{t5x}}$ (first sweep)
- $\partial f / \partial y = \dot v_5 = {{t5y}}$ (second sweep; the $+1$ is the direct $+y$ term)
""", [])

# ------------------------------------------------------------------ A4 primes, sigma(x^2 - 1) (ok)
F, G = truth(ssg(x ** 2 - 1), {x: "0.7"})
s = Sheet("ad_primes_sigmoid_x2_ok", {"expr": r"\sigma(x^2 - 1)", "at": "x=0.7"})
s.step("u", lambda e: 0.49 - 1, dec=2)
s.step("sig", lambda e: sg(e.u), sig=5)
s.agree("sig", F)
s.step("oms", lambda e: 1 - e.sig, sig=5)
s.step("sp", lambda e: e.sig * e.oms, sig=5)
s.step("fp", lambda e: e.sp * 1.4, sig=4)
s.agree("fp", G["x"])
s.write(r"""
(a) $f(x) = \sigma(x^2 - 1)$, find $f(0.7)$ and $f'(0.7)$.

Write $f(x) = \sigma(u(x))$ with $u(x) = x^2 - 1$. By the chain rule

$$f'(x) = \sigma'(u(x))\, u'(x), \qquad \sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr), \qquad u'(x) = 2x.$$

At $x = 0.7$:

- $u = 0.49 - 1 = {{u}}$
- $\sigma(u) = 1/(1 + e^{0.51}) = {{sig}}$, so $f(0.7) = {{sig}}$
- $1 - \sigma(u) = {{oms}}$
- $\sigma'(u) = {{sig}} \times {{oms}} = {{sp}}$
- $u'(0.7) = 1.4$
- $f'(0.7) = {{sp}} \times 1.4 = {{fp}}$
""", [])

# ------------------------------------------------------------------ A5 logistic neuron, -ln sigma, named z, a (ok)
w1, w2, b, X1, X2 = sp.symbols("w_1 w_2 b x_1 x_2")
L = -sp.log(ssg(w1 * X1 + w2 * X2 + b))
F, G = truth(L, {w1: "0.3", w2: "-0.8", b: "0.2", X1: "1.5", X2: "0.5"})
s = Sheet("ad_neuron_neglog_sigmoid_ok",
          {"expr": r"-\ln(\sigma(w_1 x_1 + w_2 x_2 + b))", "at": "w_1=0.3,w_2=-0.8,b=0.2,x_1=1.5,x_2=0.5",
           "wrt": "w_1,w_2,b"})
s.step("z", lambda e: 0.3 * 1.5 - 0.8 * 0.5 + 0.2, dec=2)
s.step("a", lambda e: sg(e.z), sig=5)
s.step("L", lambda e: -math.log(e.a), sig=4)
s.agree("L", F)
s.step("dLda", lambda e: -1 / e.a, sig=5)
s.step("oma", lambda e: 1 - e.a, sig=5)
s.step("dadz", lambda e: e.a * e.oma, sig=5)
s.step("dz", lambda e: e.dLda * e.dadz, sig=4)
s.step("am1", lambda e: e.a - 1, sig=4)
s.step("dw1", lambda e: e.dz * 1.5, sig=4)
s.step("dw2", lambda e: e.dz * 0.5, sig=4)
s.agree("dw1", G["w_1"]); s.agree("dw2", G["w_2"]); s.agree("dz", G["b"])
s.write(r"""
**2.** A single logistic unit with loss $L = -\ln a$, where $a = \sigma(z)$ and $z = w_1 x_1 + w_2 x_2 + b$.
Take $x_1 = 1.5$, $x_2 = 0.5$, $w_1 = 0.3$, $w_2 = -0.8$, $b = 0.2$ and find
$\partial L / \partial w_1$, $\partial L / \partial w_2$ and $\partial L / \partial b$.

Forward:

\[ z = 0.3 \cdot 1.5 + (-0.8) \cdot 0.5 + 0.2 = {{z}} \]
\[ a = \sigma({{z}}) = {{a}} \]
\[ L = -\ln {{a}} = {{L}} \]

Backward, one factor of the chain at a time:

\[ \frac{\partial L}{\partial a} = -\frac{1}{a} = {{dLda}} \]
\[ \frac{\partial a}{\partial z} = a(1 - a) = {{a}} \times {{oma}} = {{dadz}} \]
\[ \frac{\partial L}{\partial z} = \frac{\partial L}{\partial a} \frac{\partial a}{\partial z} = {{dLda}} \times {{dadz}} = {{dz}} \]

(this is just $a - 1 = {{am1}}$, as expected for $-\ln\sigma$.)

\[ \frac{\partial L}{\partial w_1} = \frac{\partial L}{\partial z}\, x_1 = {{dz}} \times 1.5 = {{dw1}} \]
\[ \frac{\partial L}{\partial w_2} = \frac{\partial L}{\partial z}\, x_2 = {{dz}} \times 0.5 = {{dw2}} \]
\[ \frac{\partial L}{\partial b} = \frac{\partial L}{\partial z} = {{dz}} \]
""", [])

# ------------------------------------------------------------------ A6 1-based, adjoints as df/dv_k (ok)
F, G = truth(sp.log(x + y ** 2) * sp.sqrt(x), {x: "1.44", y: "0.5"})
s = Sheet("ad_onebased_partial_adjoints_ok", {"expr": r"\ln(x + y^2) \sqrt{x}", "at": "x=1.44,y=0.5", "wrt": "x,y"})
s.step("v3", lambda e: 0.5 ** 2, dec=2)
s.step("v4", lambda e: 1.44 + e.v3, dec=2)
s.step("v5", lambda e: math.log(e.v4), sig=5)
s.step("v6", lambda e: math.sqrt(1.44), dec=1)
s.step("v7", lambda e: e.v5 * e.v6, sig=4)
s.agree("v7", F)
s.step("d4", lambda e: e.v6 / e.v4, sig=4)
s.step("d2", lambda e: e.d4 * 2 * 0.5, sig=4)
s.step("d1b", lambda e: e.v5 / (2 * e.v6), sig=4)
s.step("d1", lambda e: e.d4 + e.d1b, sig=4)
s.agree("d1", G["x"]); s.agree("d2", G["y"])
s.write(r"""
$f(x, y) = \ln(x + y^2)\,\sqrt{x}$ at $x = 1.44$, $y = 0.5$, reverse mode.

1. Forward sweep, variables numbered from 1:
   - $v_1 = x = 1.44$
   - $v_2 = y = 0.5$
   - $v_3 = v_2^2 = {{v3}}$
   - $v_4 = v_1 + v_3 = {{v4}}$
   - $v_5 = \ln v_4 = {{v5}}$
   - $v_6 = \sqrt{v_1} = {{v6}}$
   - $v_7 = v_5 v_6 = {{v7}}$, and $f = v_7$
2. Reverse sweep; I write the adjoints out as $\partial f / \partial v_k$:

$$\begin{aligned}
\frac{\partial f}{\partial v_7} &= 1 \\
\frac{\partial f}{\partial v_6} &= \frac{\partial f}{\partial v_7}\, v_5 = {{v5}} \\
\frac{\partial f}{\partial v_5} &= \frac{\partial f}{\partial v_7}\, v_6 = {{v6}} \\
\frac{\partial f}{\partial v_4} &= \frac{\partial f}{\partial v_5} \cdot \frac{1}{v_4} = \frac{{{v6}}}{{{v4}}} = {{d4}} \\
\frac{\partial f}{\partial v_3} &= \frac{\partial f}{\partial v_4} \cdot 1 = {{d4}} \\
\frac{\partial f}{\partial v_2} &= \frac{\partial f}{\partial v_3} \cdot 2 v_2 = {{d4}} \times 1 = {{d2}} \\
\frac{\partial f}{\partial v_1} &= \frac{\partial f}{\partial v_4} \cdot 1 + \frac{\partial f}{\partial v_6} \cdot \frac{1}{2\sqrt{v_1}} = {{d4}} + \frac{{{v5}}}{2.4} = {{d4}} + {{d1b}} = {{d1}}
\end{aligned}$$

3. So $\partial f / \partial x = {{d1}}$ and $\partial f / \partial y = {{d2}}$ ($v_1$ feeds $v_4$ and $v_6$, hence two terms).
""", [])

# ------------------------------------------------------------------ A7 rules, nabla f, running prose (ok)
F, G = truth(x * sp.sin(y) + y * sp.cos(x), {x: "0.8", y: "1.1"})
s = Sheet("ad_nabla_rules_prose_ok", {"expr": r"x \sin y + y \cos x", "at": "x=0.8,y=1.1", "wrt": "x,y"})
s.step("s11", lambda e: math.sin(1.1), dec=5)
s.step("c11", lambda e: math.cos(1.1), dec=5)
s.step("s08", lambda e: math.sin(0.8), dec=5)
s.step("c08", lambda e: math.cos(0.8), dec=5)
s.step("f1", lambda e: 0.8 * e.s11, dec=5)
s.step("f2", lambda e: 1.1 * e.c08, dec=5)
s.step("f", lambda e: e.f1 + e.f2, dec=3)
s.agree("f", F)
s.step("yx", lambda e: 1.1 * e.s08, dec=4)
s.step("fx", lambda e: e.s11 - e.yx, dec=4)
s.step("xc", lambda e: 0.8 * e.c11, dec=5)
s.step("fy", lambda e: e.xc + e.c08, dec=4)
s.agree("fx", G["x"]); s.agree("fy", G["y"])
s.write(r"""
## Gradient of $f(x, y) = x \sin y + y \cos x$ at $(0.8, 1.1)$

Both terms are products of a function of $x$ and a function of $y$, so each partial derivative is easy if I
keep the other variable fixed. Differentiating in $x$, the first term gives $\sin y$ and the second gives
$y \cdot (-\sin x)$, hence $\frac{\partial f}{\partial x} = \sin y - y \sin x$. In $y$ the roles swap: the
first term gives $x \cos y$ and the second gives $\cos x$, so $\frac{\partial f}{\partial y} = x \cos y + \cos x$.

The values needed are $\sin 1.1 \approx {{s11}}$, $\cos 1.1 \approx {{c11}}$, $\sin 0.8 \approx {{s08}}$
and $\cos 0.8 \approx {{c08}}$.

The function value is $f = 0.8 \times {{s11}} + 1.1 \times {{c08}} = {{f1}} + {{f2}} = {{f}}$.

For the $x$-partial, $\frac{\partial f}{\partial x} = {{s11}} - 1.1 \times {{s08}} = {{s11}} - {{yx}} = {{fx}}$.

For the $y$-partial, $\frac{\partial f}{\partial y} = 0.8 \times {{c11}} + {{c08}} = {{xc}} + {{c08}} = {{fy}}$.

Therefore

$$\nabla f(0.8, 1.1) = \begin{pmatrix} {{fx}} \\ {{fy}} \end{pmatrix}.$$

The $x$-component is small because the two contributions almost cancel: moving in $x$ barely changes $f$ here.
""", [])

# ------------------------------------------------------------------ A8 named q, r, s, e (e is not Euler's number), table (ok)
F, G = truth(sp.sin(x * y) / (1 + x), {x: "0.5", y: "2"})
s = Sheet("ad_named_qrse_table_ok", {"expr": r"\frac{\sin(x y)}{1 + x}", "at": "x=0.5,y=2", "wrt": "x,y"})
s.step("r", lambda e: math.sin(1.0), dec=4)
s.step("e", lambda e: e.r / 1.5, dec=4)
s.agree("e", F)
s.step("is_", lambda e: 1 / 1.5, dec=4)
s.step("ds", lambda e: -e.r / 1.5 ** 2, dec=4)
s.step("cq", lambda e: math.cos(1.0), dec=4)
s.step("dq", lambda e: e.is_ * e.cq, dec=4)
s.step("dy", lambda e: e.dq * 0.5, dec=4)
s.step("dx", lambda e: e.dq * 2 + e.ds, dec=4)
s.agree("dx", G["x"]); s.agree("dy", G["y"])
s.write(r"""
**Q1 (c)** $f(x, y) = \dfrac{\sin(xy)}{1 + x}$ at $x = 0.5$, $y = 2$.

Intermediates (careful: $e$ here is just my name for the last node, not Euler's number):

$q = xy = 1$, $\quad r = \sin q = {{r}}$, $\quad s = 1 + x = 1.5$, $\quad e = r / s = {{e}}$, $\quad f = e$.

Backward pass, one row per node; "local" is the derivative of the node that uses it:

| node | used in | local derivative | adjoint $\partial f / \partial(\cdot)$ |
|---|---|---|---|
| $e$ | output | | $1$ |
| $r$ | $e = r/s$ | $1/s = {{is_}}$ | ${{is_}}$ |
| $s$ | $e = r/s$ | $-r/s^2 = {{ds}}$ | ${{ds}}$ |
| $q$ | $r = \sin q$ | $\cos q = {{cq}}$ | ${{is_}} \times {{cq}} = {{dq}}$ |
| $y$ | $q = xy$ | $x = 0.5$ | ${{dq}} \times 0.5 = {{dy}}$ |
| $x$ | $q = xy$, $s = 1 + x$ | $y = 2$ and $1$ | ${{dq}} \times 2 + ({{ds}}) = {{dx}}$ |

Answer: $f(0.5, 2) = {{e}}$, $\partial f / \partial x = {{dx}}$, $\partial f / \partial y = {{dy}}$.
""", [])

# ================================================================== sheets with mistakes
# ------------------------------------------------------------------ W1 1-based, fan-out of x not summed
F, G = truth(x * sp.log(y) + x ** 2 * y, {x: "1.5", y: "2.2"})
s = Sheet("ad_onebased_fanout_xlny_x2y", {"expr": r"x \ln y + x^2 y", "at": "x=1.5,y=2.2", "wrt": "x,y"})
s.step("v3", lambda e: math.log(2.2), sig=4)
s.step("v4", lambda e: 1.5 * e.v3, sig=4)
s.step("v5", lambda e: 1.5 ** 2, dec=2)
s.step("v6", lambda e: e.v5 * 2.2, dec=2)
s.step("v7", lambda e: e.v4 + e.v6, sig=4)
s.agree("v7", F)
s.step("b5", lambda e: 2.2, dec=1)
s.step("b3", lambda e: 1.5, dec=1)
s.step("q", lambda e: e.b3 / 2.2, sig=4)
s.step("b2", lambda e: e.v5 + e.q, sig=4)
s.agree("b2", G["y"])
s.step("b1", lambda e: e.b5 * 2 * 1.5, dec=1, right=lambda e: e.b5 * 3 + e.v3)
s.differs("b1", G["x"])
s.write(r"""
Find $\nabla f$ for $f(x, y) = x \ln y + x^2 y$ at $x = 1.5$, $y = 2.2$ by reverse accumulation.

Forward (numbered from 1):

1. $v_1 = x = 1.5$
2. $v_2 = y = 2.2$
3. $v_3 = \ln v_2 = {{v3}}$
4. $v_4 = v_1 v_3 = {{v4}}$
5. $v_5 = v_1^2 = {{v5}}$
6. $v_6 = v_5 v_2 = {{v6}}$
7. $v_7 = v_4 + v_6 = {{v7}} = f$

Backward, $\bar v_k = \partial f / \partial v_k$:

$$\bar v_7 = 1, \qquad \bar v_6 = \bar v_7 = 1, \qquad \bar v_4 = \bar v_7 = 1$$

$$\bar v_5 = \bar v_6 \, v_2 = {{b5}}$$

$$\bar v_3 = \bar v_4 \, v_1 = {{b3}}$$

$$\bar v_2 = \bar v_6 \, v_5 + \bar v_3 \cdot \frac{1}{v_2} = {{v5}} + \frac{{{b3}}}{2.2} = {{v5}} + {{q}} = {{b2}}$$

$$\bar v_1 = \bar v_5 \cdot 2 v_1 = {{b5}} \times 3 = {{b1}}$$ %WRONG:fan-out

$$\nabla f(1.5, 2.2) = (\bar v_1, \bar v_2) = ({{b1}},\ {{b2}})$$
""", ["fan-out"])

# ------------------------------------------------------------------ W2 Baydin forward tangent, sign of d cos
F, G = truth(sp.cos(x1) * sp.exp(x2), {x1: "0.9", x2: "0.2"})
s = Sheet("ad_baydin_tangent_cos_sign", {"expr": r"\cos(x_1) e^{x_2}", "at": "x_1=0.9,x_2=0.2", "wrt": "x_1,x_2"})
s.step("v1", lambda e: math.cos(0.9), dec=5)
s.step("v2", lambda e: math.exp(0.2), dec=5)
s.step("v3", lambda e: e.v1 * e.v2, dec=4)
s.agree("v3", F)
s.step("t1", lambda e: math.sin(0.9) * 1, dec=5, right=lambda e: -math.sin(0.9))
s.step("t3", lambda e: e.t1 * e.v2 + e.v1 * 0, dec=4)
s.differs("t3", G["x_1"])
s.step("t3y", lambda e: e.v1 * e.v2, dec=4)
s.agree("t3y", G["x_2"])
s.write(r"""
**Forward-mode AD**, $f(x_1, x_2) = \cos(x_1)\, e^{x_2}$ at $x_1 = 0.9$, $x_2 = 0.2$.

Evaluation trace (Baydin et al.: inputs $v_{-1}$, $v_0$) with the tangent trace beside it, first sweep
$\dot x_1 = 1$, $\dot x_2 = 0$:

\begin{align*}
v_{-1} &= x_1 = 0.9 & \dot v_{-1} &= \dot x_1 = 1 \\
v_0 &= x_2 = 0.2 & \dot v_0 &= \dot x_2 = 0 \\
v_1 &= \cos v_{-1} = {{v1}} & \dot v_1 &= \sin(v_{-1})\, \dot v_{-1} = {{t1}} \\ %WRONG:sign-slip
v_2 &= e^{v_0} = {{v2}} & \dot v_2 &= e^{v_0}\, \dot v_0 = 0 \\
v_3 &= v_1 v_2 = {{v3}} & \dot v_3 &= \dot v_1 v_2 + v_1 \dot v_2 = {{t1}} \times {{v2}} + 0 = {{t3}}
\end{align*}

So $y = {{v3}}$ and $\partial y / \partial x_1 = \dot v_3 = {{t3}}$.

Second sweep, $\dot x_1 = 0$, $\dot x_2 = 1$: now $\dot v_1 = 0$ and $\dot v_2 = e^{v_0} = {{v2}}$, so

$$\dot v_3 = \dot v_1 v_2 + v_1 \dot v_2 = {{v1}} \times {{v2}} = {{t3y}},$$

which gives $\partial y / \partial x_2 = {{t3y}}$ (equal to $y$, as it must be for a factor $e^{x_2}$).
""", ["sign-slip"])

# ------------------------------------------------------------------ W3 product rule: df/da = a
F, G = truth((x + y) * sp.tanh(y), {x: "0.9", y: "0.6"})
s = Sheet("ad_named_ah_product_rule", {"expr": r"(x + y) \tanh(y)", "at": "x=0.9,y=0.6", "wrt": "x,y"})
s.step("a", lambda e: 0.9 + 0.6, dec=1)
s.step("h", lambda e: math.tanh(0.6), dec=5)
s.step("f", lambda e: e.a * e.h, dec=4)
s.agree("f", F)
s.step("fa", lambda e: e.a, dec=1, right=lambda e: e.h)
s.step("fh", lambda e: e.a, dec=1)
s.step("omh2", lambda e: 1 - e.h ** 2, dec=4)
s.step("fx", lambda e: e.fa * 1, dec=1)
s.step("t", lambda e: e.fh * e.omh2, dec=4)
s.step("fy", lambda e: e.fa + e.t, dec=4)
s.differs("fx", G["x"]); s.differs("fy", G["y"])
s.write(r"""
$f(x, y) = (x + y)\tanh(y)$ at $x = 0.9$, $y = 0.6$.

Names: $a = x + y$, $h = \tanh y$, $f = a\,h$.

Forward: $a = {{a}}$, $h = \tanh 0.6 = {{h}}$, $f = {{a}} \times {{h}} = {{f}}$.

Backward, with Leibniz notation:

$$\frac{\partial f}{\partial a} = a = {{fa}}$$ %WRONG:product-rule

$$\frac{\partial f}{\partial h} = a = {{fh}}$$

$$\frac{dh}{dy} = 1 - h^2 = 1 - {{h}}^2 = {{omh2}}$$

$$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial a} \cdot \frac{\partial a}{\partial x} = {{fa}} \times 1 = {{fx}}$$

$$\frac{\partial f}{\partial y} = \frac{\partial f}{\partial a} \cdot \frac{\partial a}{\partial y} + \frac{\partial f}{\partial h} \cdot \frac{dh}{dy} = {{fa}} + {{fh}} \times {{omh2}} = {{fa}} + {{t}} = {{fy}}$$

($y$ appears in both $a$ and $h$, so its two paths are added.)
""", ["product-rule"])

# ------------------------------------------------------------------ W4 Baydin reverse, quotient rule missing the numerator
F, G = truth(sp.exp(x1) / (x1 + x2), {x1: "0.5", x2: "1.5"})
s = Sheet("ad_baydin_quotient_rule", {"expr": r"\frac{e^{x_1}}{x_1 + x_2}", "at": "x_1=0.5,x_2=1.5", "wrt": "x_1,x_2"})
s.step("v1", lambda e: math.exp(0.5), dec=4)
s.step("v2", lambda e: 0.5 + 1.5, dec=0)
s.step("v3", lambda e: e.v1 / e.v2, dec=4)
s.agree("v3", F)
s.step("b1", lambda e: 1 / e.v2, dec=1)
s.step("b2", lambda e: -1 / e.v2 ** 2, dec=2, right=lambda e: -e.v1 / e.v2 ** 2)
s.step("b0", lambda e: e.b2 * 1, dec=2)
s.step("bm1a", lambda e: e.b1 * e.v1, dec=4)
s.step("bm1", lambda e: e.bm1a + e.b2, dec=4)
s.differs("bm1", G["x_1"]); s.differs("b0", G["x_2"])
s.write(r"""
Reverse mode on $f(x_1, x_2) = \dfrac{e^{x_1}}{x_1 + x_2}$ at $(x_1, x_2) = (0.5, 1.5)$, Baydin's numbering.

\[
\begin{aligned}
v_{-1} &= x_1 = 0.5 \\
v_0 &= x_2 = 1.5 \\
v_1 &= e^{v_{-1}} = {{v1}} \\
v_2 &= v_{-1} + v_0 = {{v2}} \\
v_3 &= v_1 / v_2 = {{v3}} \\
y &= v_3
\end{aligned}
\]

Adjoints, from the output back:

\[ \bar v_3 = \bar y = 1 \]
\[ \bar v_1 = \bar v_3 \, \frac{\partial v_3}{\partial v_1} = \frac{1}{v_2} = {{b1}} \]
\[ \bar v_2 = \bar v_3 \, \frac{\partial v_3}{\partial v_2} = -\frac{1}{v_2^2} = {{b2}} \] %WRONG:quotient-rule
\[ \bar v_0 = \bar v_2 \, \frac{\partial v_2}{\partial v_0} = {{b0}} \]
\[ \bar v_{-1} = \bar v_1 \, \frac{\partial v_1}{\partial v_{-1}} + \bar v_2 \, \frac{\partial v_2}{\partial v_{-1}} = {{b1}} \times {{v1}} + ({{b2}}) = {{bm1a}} - {{b2|abs}} = {{bm1}} \]

Gradient: $\left(\partial y/\partial x_1,\ \partial y/\partial x_2\right) = ({{bm1}},\ {{b0}})$.
""", ["quotient-rule"])

# ------------------------------------------------------------------ W5 log base 2: d/du taken as 1/u
f5 = sp.log(1 + x ** 2 * y, 2)
F, G = truth(f5, {x: "1.5", y: "0.8"})
s = Sheet("ad_log2_leibniz_logbase",
          {"expr": r"\log(1 + x^2 y)", "at": "x=1.5,y=0.8", "wrt": "x,y", "log_base": "2"})
s.step("u", lambda e: 1 + 2.25 * 0.8, dec=1)
s.step("f", lambda e: math.log(e.u) / math.log(2), sig=4)
s.agree("f", F)
s.step("dfdu", lambda e: 1 / e.u, sig=5, right=lambda e: 1 / (e.u * math.log(2)))
s.step("dux", lambda e: 2 * 1.5 * 0.8, dec=1)
s.step("duy", lambda e: 1.5 ** 2, dec=2)
s.step("fx", lambda e: e.dfdu * e.dux, sig=4)
s.step("fy", lambda e: e.dfdu * e.duy, sig=4)
s.differs("fx", G["x"]); s.differs("fy", G["y"])
s.write(r"""
**Problem.** $f(x, y) = \log_2(1 + x^2 y)$ at $x = 1.5$, $y = 0.8$.

Let $u = 1 + x^2 y$. Then $u = 1 + 2.25 \times 0.8 = {{u}}$ and
$f = \log_2 {{u}} = \dfrac{\ln {{u}}}{\ln 2} = {{f}}$.

Chain rule:

$$\frac{\partial f}{\partial x} = \frac{df}{du}\,\frac{\partial u}{\partial x}, \qquad \frac{\partial f}{\partial y} = \frac{df}{du}\,\frac{\partial u}{\partial y}$$

$$\frac{df}{du} = \frac{1}{u} = \frac{1}{{{u}}} = {{dfdu}}$$ %WRONG:log-base

$$\frac{\partial u}{\partial x} = 2xy = {{dux}}, \qquad \frac{\partial u}{\partial y} = x^2 = {{duy}}$$

$$\frac{\partial f}{\partial x} = {{dfdu}} \times {{dux}} = {{fx}}$$

$$\frac{\partial f}{\partial y} = {{dfdu}} \times {{duy}} = {{fy}}$$
""", ["log-base"])

# ------------------------------------------------------------------ W6 sub-sign: x - y taken as y - x, then carried forward
F, G = truth(x * sp.tanh(x - y), {x: "0.3", y: "0.8"})
s = Sheet("ad_steps_sub_sign_tanh", {"expr": r"x \tanh(x - y)", "at": "x=0.3,y=0.8", "wrt": "x,y"})
s.step("u", lambda e: 0.8 - 0.3, dec=1, right=lambda e: 0.3 - 0.8)
s.step("h", lambda e: math.tanh(e.u), dec=5)
s.step("f", lambda e: 0.3 * e.h, dec=4)
s.differs("f", F)
s.step("om", lambda e: 1 - e.h ** 2, dec=5)
s.step("fu", lambda e: 0.3 * e.om, dec=4)
s.step("fx", lambda e: e.h + e.fu, dec=3)
s.step("fy", lambda e: -e.fu, dec=4)
s.differs("fx", G["x"])
s.write(r"""
(b) $f(x, y) = x \tanh(x - y)$ with $x = 0.3$, $y = 0.8$. Intermediates $u = x - y$, $h = \tanh u$, $f = x h$.

Step 1: forward pass.

- $u = x - y = {{u}}$ %WRONG:sub-sign
- $h = \tanh u = {{h}}$
- $f = x h = 0.3 \times {{h}} = {{f}}$

Step 2: local derivatives.

- $\partial f / \partial h = x = 0.3$, and the direct dependence on $x$ gives $h$
- $dh / du = 1 - h^2 = {{om}}$
- $\partial u / \partial x = 1$, $\partial u / \partial y = -1$

Step 3: combine.

- $\partial f / \partial u = 0.3 \times {{om}} = {{fu}}$
- $\partial f / \partial x = h + \partial f / \partial u = {{h}} + {{fu}} = {{fx}}$
- $\partial f / \partial y = -\,\partial f / \partial u = {{fy}}$
""", ["sub-sign"])

# ------------------------------------------------------------------ W7 sigma' = sigma stated, then followed
w, v, t, xx = sp.symbols("w v t x")
L7 = sp.Rational(1, 2) * (v * ssg(w * xx) - t) ** 2
F, G = truth(L7, {w: "0.8", xx: "1.5", v: "2", t: "1"})
s = Sheet("ad_two_param_sigmoid_itself",
          {"expr": r"\frac{1}{2}(v \sigma(w x) - t)^2", "at": "w=0.8,x=1.5,v=2,t=1", "wrt": "w,v"})
s.step("a", lambda e: sg(1.2), sig=5)
s.step("y", lambda e: 2 * e.a, dec=3)
s.step("r", lambda e: e.y - 1, dec=3)
s.step("L", lambda e: 0.5 * e.r ** 2, sig=4)
s.agree("L", F)
s.step("Lv", lambda e: e.r * e.a, sig=4)
s.agree("Lv", G["v"])
s.step("La", lambda e: e.r * 2, dec=3)
s.step("Lz", lambda e: e.La * e.a, sig=3, right=lambda e: e.La * e.a * (1 - e.a))
s.marked.remove("Lz")          # follows the rule stated on the marked line: not marked itself
s.step("Lw", lambda e: e.Lz * 1.5, sig=3)
s.differs("Lw", G["w"])
s.write(r"""
### Backprop through $L = \frac{1}{2}\bigl(v\,\sigma(wx) - t\bigr)^2$

Data $x = 1.5$, $t = 1$; parameters $w = 0.8$, $v = 2$. I want $\partial L/\partial w$ and $\partial L/\partial v$.

Forward pass: $z = wx = 1.2$, $a = \sigma(z) = {{a}}$, $y = va = {{y}}$, $r = y - t = {{r}}$,
$L = \tfrac12 r^2 = {{L}}$.

For the sigmoid I use that, like the exponential, it is its own derivative:

$$\sigma'(z) = \sigma(z)$$ %WRONG:sigmoid-derivative

Backward pass:

$$\frac{\partial L}{\partial y} = r = {{r}}$$

$$\frac{\partial L}{\partial v} = \frac{\partial L}{\partial y}\, a = {{r}} \times {{a}} = {{Lv}}$$

$$\frac{\partial L}{\partial a} = \frac{\partial L}{\partial y}\, v = {{r}} \times 2 = {{La}}$$

$$\frac{\partial L}{\partial z} = \frac{\partial L}{\partial a}\, \sigma'(z) = {{La}} \times {{a}} = {{Lz}}$$

$$\frac{\partial L}{\partial w} = \frac{\partial L}{\partial z}\, x = {{Lz}} \times 1.5 = {{Lw}}$$
""", ["sigmoid-derivative"])

# ------------------------------------------------------------------ W8 tanh' = 1 + tanh^2, then a plain slip in df/dy
F, G = truth(y ** 2 * sp.tanh(x + 1), {x: "0.2", y: "1.5"})
s = Sheet("ad_named_tanh_deriv_and_arith", {"expr": r"y^2 \tanh(x + 1)", "at": "x=0.2,y=1.5", "wrt": "x,y"})
s.step("h", lambda e: math.tanh(1.2), dec=5)
s.step("f", lambda e: 2.25 * e.h, dec=4)
s.agree("f", F)
s.step("h2", lambda e: e.h ** 2, dec=4)
s.step("dhdu", lambda e: 1 + e.h2, dec=4, right=lambda e: 1 - e.h2)
s.step("fx", lambda e: 2.25 * e.dhdu, dec=3)
s.differs("fx", G["x"])
s.step("fy", lambda e: 2.4010, dec=4, right=lambda e: e.h * 3)
s.differs("fy", G["y"])
s.write(r"""
**5.** $f(x, y) = y^2 \tanh(x + 1)$ at $(x, y) = (0.2, 1.5)$.

I name the pieces $u = x + 1$, $h = \tanh u$, $p = y^2$, so $f = p\,h$.

Values: $u = 1.2$, $h = \tanh(1.2) = {{h}}$, $p = 2.25$, and $f = 2.25 \times {{h}} = {{f}}$.

Local derivatives of the product: $\frac{\partial f}{\partial h} = p = 2.25$ and $\frac{\partial f}{\partial p} = h = {{h}}$.

For the tanh node, with $h^2 = {{h2}}$:

$\frac{dh}{du} = 1 + h^2 = 1 + {{h2}} = {{dhdu}}$ %WRONG:tanh-derivative

Then, since $du/dx = 1$ and $dp/dy = 2y = 3$:

$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial h}\,\frac{dh}{du}\,\frac{du}{dx} = 2.25 \times {{dhdu}} \times 1 = {{fx}}$

$\frac{\partial f}{\partial y} = \frac{\partial f}{\partial p}\,\frac{dp}{dy} = {{h}} \times 3 = {{fy}}$ %WRONG

So $\nabla f(0.2, 1.5) \approx ({{fx}}, {{fy}})$.
""", ["tanh-derivative", ""])

# ------------------------------------------------------------------ W9 power rule: d(u^4)/du = 4u^4, Leibniz
F, G = truth((x * y + 1) ** 4, {x: "0.5", y: "0.6"})
s = Sheet("ad_leibniz_power_rule", {"expr": r"(x y + 1)^4", "at": "x=0.5,y=0.6", "wrt": "x,y"})
s.step("u", lambda e: 0.5 * 0.6 + 1, dec=1)
s.step("f", lambda e: e.u ** 4, dec=4)
s.agree("f", F)
s.step("dfdu", lambda e: 4 * e.f, dec=4, right=lambda e: 4 * e.u ** 3)
s.step("fx", lambda e: e.dfdu * 0.6, sig=4)
s.step("fy", lambda e: e.dfdu * 0.5, sig=4)
s.differs("fx", G["x"]); s.differs("fy", G["y"])
s.write(r"""
**4.** Differentiate $f(x, y) = (xy + 1)^4$ at $x = 0.5$, $y = 0.6$, using $u = xy + 1$.

\( u = 0.5 \cdot 0.6 + 1 = {{u}} \) and \( f = u^4 = {{f}} \).

Outer derivative:

\[ \frac{df}{du} = 4u^4 = 4 \times {{f}} = {{dfdu}} \] %WRONG:power-rule

Inner derivatives:

\[ \frac{\partial u}{\partial x} = y = 0.6, \qquad \frac{\partial u}{\partial y} = x = 0.5 \]

Chain rule:

\[ \frac{\partial f}{\partial x} = \frac{df}{du}\,\frac{\partial u}{\partial x} = {{dfdu}} \times 0.6 = {{fx}} \]

\[ \frac{\partial f}{\partial y} = \frac{df}{du}\,\frac{\partial u}{\partial y} = {{dfdu}} \times 0.5 = {{fy}} \]
""", ["power-rule"])

# ------------------------------------------------------------------ W10 primes, inner derivative of cos(3x) dropped (plain)
F, G = truth(sp.cos(3 * x) + x ** 3, {x: "0.4"})
s = Sheet("ad_primes_chain_factor_dropped", {"expr": r"\cos(3 x) + x^3", "at": "x=0.4"})
s.step("c12", lambda e: math.cos(1.2), dec=4)
s.step("x3", lambda e: 0.4 ** 3, dec=3)
s.step("f", lambda e: e.c12 + e.x3, dec=4)
s.agree("f", F)
s.step("t1", lambda e: -math.sin(1.2), dec=4, right=lambda e: -3 * math.sin(1.2))
s.step("t2", lambda e: 3 * 0.4 ** 2, dec=2)
s.step("fp", lambda e: e.t1 + e.t2, dec=4)
s.differs("fp", G["x"])
s.write(r"""
Let $f(x) = \cos(3x) + x^3$. Find $f(0.4)$ and $f'(0.4)$.

Value: $3x = 1.2$, so

$$f(0.4) = \cos(1.2) + 0.4^3 = {{c12}} + {{x3}} = {{f}}.$$

Derivative, term by term (sum rule):

1. $\bigl(\cos 3x\bigr)' = -\sin(3x)$, which at $x = 0.4$ is $-\sin 1.2 = {{t1}}$ %WRONG
2. $\bigl(x^3\bigr)' = 3x^2 = 3 \times 0.16 = {{t2}}$
3. $f'(0.4) = {{t1}} + {{t2}} = {{fp}}$

So $f$ is decreasing at $x = 0.4$, with slope about ${{fp}}$.
""", [""])

finish("autodiff")
