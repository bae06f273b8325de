"""Autodiff sheets: sympy.diff for the true derivatives, hand-coded forward and reverse traces (chain.Sheet)
evaluated from the written (rounded) values and exactly; marked steps use the writer's own formula."""
import math

import sympy as sp

from chain import Sheet, report

E = math.e
sig = lambda z: 1 / (1 + math.exp(-z))
S = sp.Symbol


def true_grad(f, at):
    """sympy: value and gradient of f at the point (dict Symbol -> value)."""
    subs = {k: sp.nsimplify(v) for k, v in at.items()}
    val = float(f.subs(subs).evalf(30))
    return val, {str(k): float(sp.diff(f, k).subs(subs).evalf(30)) for k in at}


def ssig(z):
    return 1 / (1 + sp.exp(-z))


# ---------------------------------------------------------------- A1 CS231n staged computation (ok)
x, y = S("x"), S("y")
fv, g = true_grad((x + ssig(y)) / (ssig(x) + (x + y) ** 2), {x: 3, y: -4})
sh = Sheet("ad_cs231n_staged_sigmoid_ratio_ok",
           {"expr": r"\frac{x + \sigma(y)}{\sigma(x) + (x + y)^2}", "at": "x=3,y=-4", "wrt": "x,y"})
sh.inp("x", 3); sh.inp("y", -4)
sh.step("sy", lambda e: sig(e.y), sig=4)
sh.step("n", lambda e: e.x + e.sy, dec=5)
sh.step("sx", lambda e: sig(e.x), sig=5)
sh.step("d", lambda e: e.sx + 1, sig=5)
sh.step("i", lambda e: 1 / e.d, sig=5)
sh.step("f", lambda e: e.n * e.i, sig=4)
sh.truth("f", fv)
sh.step("dd", lambda e: -e.n / e.d ** 2, sig=4)
sh.step("dq", lambda e: 2 * (-1) * e.dd, sig=5)
sh.step("omsx", lambda e: 1 - e.sx, dec=5)
sh.step("dxsig", lambda e: e.dd * e.sx * e.omsx, sig=3)
sh.step("dx", lambda e: e.dq + e.dxsig + e.i, sig=4)
sh.truth("dx", g["x"])
sh.step("omsy", lambda e: 1 - e.sy, dec=5)
sh.step("dysig", lambda e: e.i * e.sy * e.omsy, sig=3)
sh.step("dy", lambda e: e.dq + e.dysig, sig=4)
sh.truth("dy", g["y"])
sh.write(r"""
## Backprop through a staged computation

$$f(x, y) = \frac{x + \sigma(y)}{\sigma(x) + (x + y)^2}, \qquad x = 3,\ y = -4$$

Forward pass, one small stage at a time (every intermediate is kept, the backward pass needs them):

$$
\begin{aligned}
s_y &= \sigma(y) = \frac{1}{1 + e^{4}} = <<sy>> \\
n &= x + s_y = <<n>> \\
s_x &= \sigma(x) = \frac{1}{1 + e^{-3}} = <<sx>> \\
q &= x + y = -1 \\
r &= q^2 = 1 \\
d &= s_x + r = <<d>> \\
i &= \frac{1}{d} = <<i>> \\
f &= n \, i = <<f>>
\end{aligned}
$$

Backward pass: start from $\partial f/\partial f = 1$ and walk the stages in reverse; every line is
(local gradient) $\times$ (gradient coming from above).

$$\frac{\partial f}{\partial n} = i = <<i>>, \qquad \frac{\partial f}{\partial i} = n = <<n>>$$

$$\frac{\partial f}{\partial d} = -\frac{1}{d^2} \cdot \frac{\partial f}{\partial i} = -\frac{<<n>>}{<<d>>^2} = <<dd>>$$

$d = s_x + r$ is an add gate, it hands the gradient to both inputs unchanged:

$$\frac{\partial f}{\partial s_x} = \frac{\partial f}{\partial r} = <<dd>>$$

$$\frac{\partial f}{\partial q} = \frac{dr}{dq} \cdot \frac{\partial f}{\partial r} = 2q \cdot \frac{\partial f}{\partial r} = 2(-1)(<<dd>>) = <<dq>>$$

Since $dq/dx = dq/dy = 1$, the value <<dq>> flows back to $x$ and to $y$.

Sigmoid gate on $x$: $ds_x/dx = s_x(1 - s_x)$, and $1 - s_x = <<omsx>>$, so this branch gives

$$\frac{\partial f}{\partial s_x} \, s_x (1 - s_x) = (<<dd>>)(<<sx>>)(<<omsx>>) = <<dxsig>>$$

$x$ is used three times (in $q$, in $s_x$ and in $n$), so its gradient is the sum of three contributions:

$$\frac{\partial f}{\partial x} = <<dq>> - <<dxsig:abs>> + <<i>> = <<dx>>$$

For $y$: through $q$, and through $s_y$ with $\partial f/\partial s_y = \partial f/\partial n = <<i>>$ and
$1 - s_y = <<omsy>>$:

$$\frac{\partial f}{\partial y} = <<dq>> + <<i>> \times <<sy>> \times <<omsy>> = <<dq>> + <<dysig>> = <<dy>>$$
""")

# ---------------------------------------------------------------- A2 micrograd prose, tanh' slip
x1, w1, x2, w2, b = S("x_1"), S("w_1"), S("x_2"), S("w_2"), S("b")
pt = {x1: sp.Rational(7, 5), w1: sp.Rational(7, 10), x2: sp.Rational(-3, 5), w2: sp.Rational(11, 10), b: sp.Rational(1, 5)}
fv, g = true_grad(sp.tanh(x1 * w1 + x2 * w2 + b), pt)
sh = Sheet("ad_micrograd_neuron_tanh_deriv",
           {"expr": r"\tanh(x_1 w_1 + x_2 w_2 + b)", "at": "x_1=1.4,w_1=0.7,x_2=-0.6,w_2=1.1,b=0.2",
            "wrt": "x_1,w_1,x_2,w_2,b"})
sh.step("o", lambda e: math.tanh(0.52), sig=4)
sh.truth("o", fv)
sh.step("don", lambda e: 1 - e.o, sig=4, correct=lambda e: 1 - e.o ** 2)
sh.step("dw1", lambda e: 1.4 * e.don, sig=4)
sh.step("dx1", lambda e: 0.7 * e.don, sig=4)
sh.step("dw2", lambda e: -0.6 * e.don, sig=4)
sh.step("dx2", lambda e: 1.1 * e.don, sig=4)
sh.notes.append("true grads " + str({k: round(v, 5) for k, v in g.items()}))
sh.write(r"""
# Backprop by hand through one neuron (micrograd style)

Inputs $x_1 = 1.4$, $x_2 = -0.6$, weights $w_1 = 0.7$, $w_2 = 1.1$, bias $b = 0.2$. The neuron computes
$n = x_1 w_1 + x_2 w_2 + b$ and squashes it, $o = \tanh(n)$.

Forward pass, node by node:

- $x_1 w_1 = 0.98$
- $x_2 w_2 = -0.66$
- $x_1 w_1 + x_2 w_2 = 0.32$
- $n = 0.32 + 0.2 = 0.52$
- $o = \tanh(0.52) = <<o>>$

Backward pass. o.grad = 1 (the derivative of o with respect to itself). From there on every node gets
local gradient × upstream gradient, and we go backwards through the graph.

The tanh node first. Its local gradient:

$$\frac{do}{dn} = 1 - \tanh(n) = 1 - <<o>> = <<don>>$$ %WRONG:tanh-derivative

so n.grad = <<don>> × 1 = <<don>>.

The plus nodes: a plus node just routes the gradient, its local gradient is 1 for each input. So b.grad, the
grad of $x_1 w_1$ and the grad of $x_2 w_2$ are all <<don>>:

$$\frac{\partial o}{\partial b} = 1 \times <<don>> = <<don>>$$

The times nodes: the local gradient with respect to one input is the other input.

$$\frac{\partial o}{\partial w_1} = x_1 \times <<don>> = 1.4 \times <<don>> = <<dw1>>$$

$$\frac{\partial o}{\partial x_1} = w_1 \times <<don>> = 0.7 \times <<don>> = <<dx1>>$$

$$\frac{\partial o}{\partial w_2} = x_2 \times <<don>> = -0.6 \times <<don>> = <<dw2>>$$

$$\frac{\partial o}{\partial x_2} = w_2 \times <<don>> = 1.1 \times <<don>> = <<dx2>>$$

Sanity check: $w_1$ has the biggest gradient because $x_1$ is the biggest input, so nudging $w_1$ up
moves $o$ up the most.
""")

# ---------------------------------------------------------------- A3 Goodfellow grad_table (ok)
fv, g = true_grad(sp.exp(x / y) + sp.log(y), {x: sp.Rational(8, 5), y: 2})
sh = Sheet("ad_goodfellow_grad_table_ok",
           {"expr": r"\exp\left(\frac{x}{y}\right) + \ln y", "at": "x=1.6,y=2", "wrt": "x,y"})
sh.step("u4", lambda e: math.exp(0.8), sig=5)
sh.step("u5", lambda e: math.log(2), sig=4)
sh.step("u6", lambda e: e.u4 + e.u5, sig=4)
sh.truth("u6", fv)
sh.step("g2", lambda e: e.u4 * (-0.4) + 0.5, sig=4)
sh.step("g1", lambda e: e.u4 * 0.5, sig=4)
sh.truth("g1", g["x"]); sh.truth("g2", g["y"])
sh.write(r"""
**Problem 2.** Use back-propagation (Algorithm 6.2 of Goodfellow, Bengio and Courville) to compute the gradient
of $f(x, y) = \exp(x / y) + \ln y$ at $x = 1.6$, $y = 2$.

The graph, with nodes $u^{(1)}, \dots, u^{(6)}$ in topological order (inputs first):

| node | operation | value |
|---|---|---|
| $u^{(1)}$ | $x$ | $1.6$ |
| $u^{(2)}$ | $y$ | $2$ |
| $u^{(3)}$ | $u^{(1)} / u^{(2)}$ | $0.8$ |
| $u^{(4)}$ | $\exp(u^{(3)})$ | $<<u4>>$ |
| $u^{(5)}$ | $\ln u^{(2)}$ | $<<u5>>$ |
| $u^{(6)}$ | $u^{(4)} + u^{(5)}$ | $<<u6>>$ |

The backward pass fills the grad table from the output down:

$$\text{grad\_table}[u^{(j)}] = \sum_{i \,:\, j \in Pa(u^{(i)})} \text{grad\_table}[u^{(i)}] \, \frac{\partial u^{(i)}}{\partial u^{(j)}}$$

$$
\begin{aligned}
\text{grad\_table}[u^{(6)}] &= 1 \\
\text{grad\_table}[u^{(5)}] &= \text{grad\_table}[u^{(6)}] \cdot 1 = 1 \\
\text{grad\_table}[u^{(4)}] &= \text{grad\_table}[u^{(6)}] \cdot 1 = 1 \\
\text{grad\_table}[u^{(3)}] &= \text{grad\_table}[u^{(4)}] \cdot \exp(u^{(3)}) = <<u4>> \\
\text{grad\_table}[u^{(2)}] &= \text{grad\_table}[u^{(3)}] \cdot \left(-\frac{u^{(1)}}{(u^{(2)})^2}\right) + \text{grad\_table}[u^{(5)}] \cdot \frac{1}{u^{(2)}} \\
&= <<u4>> \times (-0.4) + 0.5 = <<g2>> \\
\text{grad\_table}[u^{(1)}] &= \text{grad\_table}[u^{(3)}] \cdot \frac{1}{u^{(2)}} = <<u4>> \times 0.5 = <<g1>>
\end{aligned}
$$

($u^{(2)} = y$ has two children, $u^{(3)}$ and $u^{(5)}$, hence the two terms.)

So $\nabla f(1.6, 2) = \left(\partial f/\partial x,\ \partial f/\partial y\right) \approx (<<g1>>,\ <<g2>>)$.
""")

# ---------------------------------------------------------------- A4 d2l ReLU regression (ok, exact)
w, bb, xx, t = S("w"), S("b"), S("x"), S("t")
Lx = (sp.Max(0, w * xx + bb) - t) ** 2
pt = {w: sp.Rational(13, 20), bb: sp.Rational(-1, 5), xx: sp.Rational(9, 5), t: sp.Rational(1, 2)}
fv, g = true_grad(Lx, pt)
sh = Sheet("ad_d2l_relu_regression_ok",
           {"expr": r"\left(\max(0, w x + b) - t\right)^2", "at": "w=0.65,b=-0.2,x=1.8,t=0.5", "wrt": "w,b"})
sh.step("z", lambda e: 0.65 * 1.8 - 0.2, dec=2)
sh.step("L", lambda e: (e.z - 0.5) ** 2, dec=4)
sh.truth("L", fv)
sh.step("dh", lambda e: 2 * (e.z - 0.5), dec=2)
sh.step("dw", lambda e: e.dh * 1.8, dec=3)
sh.step("db", lambda e: e.dh, dec=2)
sh.truth("dw", g["w"]); sh.truth("db", g["b"])
sh.write(r"""
### Exercise: the gradient of a one-unit ReLU regression loss

One training example $x = 1.8$ with target $t = 0.5$, parameters $w = 0.65$ and $b = -0.2$, squared loss

$$L = \left(\operatorname{ReLU}(wx + b) - t\right)^2 .$$

Forward computation:

$$z = wx + b = 0.65 \times 1.8 - 0.2 = <<z>>$$

$$h = \operatorname{ReLU}(z) = \max(0, <<z>>) = <<z>>$$

$$L = (h - t)^2 = 0.47^2 = <<L>>$$

By the chain rule,
$\frac{\partial L}{\partial w} = \frac{\partial L}{\partial h}\,\frac{\partial h}{\partial z}\,\frac{\partial z}{\partial w}$,
and the same for $b$ with $\frac{\partial z}{\partial b} = 1$ in place of $\frac{\partial z}{\partial w} = x$.

$$\frac{\partial L}{\partial h} = 2(h - t) = <<dh>>$$

$$\frac{\partial h}{\partial z} = \mathbb{1}[z > 0] = 1 \qquad (z = <<z>> > 0)$$

$$\frac{\partial L}{\partial w} = <<dh>> \times 1 \times 1.8 = <<dw>>$$

$$\frac{\partial L}{\partial b} = <<dh>> \times 1 \times 1 = <<db>>$$

This is what `l.backward()` leaves in `w.grad` and `b.grad`: `tensor(1.6920)` and `tensor(0.9400)`.
""")

# ---------------------------------------------------------------- A5 Baydin, sign slip in d cos
fv, g = true_grad(x1 * sp.sqrt(x2) - sp.cos(x1), {x1: sp.Rational(13, 10), x2: sp.Rational(5, 2)})
sh = Sheet("ad_baydin_sqrt_cos_sign",
           {"expr": r"x_1 \sqrt{x_2} - \cos x_1", "at": "x_1=1.3,x_2=2.5", "wrt": "x_1,x_2"})
sh.step("v1", lambda e: math.sqrt(2.5), sig=6)
sh.step("v2", lambda e: 1.3 * e.v1, sig=5)
sh.step("v3", lambda e: math.cos(1.3), sig=4)
sh.step("v4", lambda e: e.v2 - e.v3, sig=4)
sh.step("vbm1a", lambda e: -1 * math.sin(1.3), sig=5, correct=lambda e: -1 * -math.sin(1.3))
sh.step("vbm1", lambda e: e.vbm1a + e.v1, sig=4)
sh.step("vb0", lambda e: 1.3 / (2 * e.v1), sig=4)
sh.truth("vb0", g["x_2"])
sh.notes.append(f"true: f={fv:.6g} grad={g}")
sh.write(r"""
**2(b)** Reverse-mode AD for $y = f(x_1, x_2) = x_1\sqrt{x_2} - \cos x_1$ at $(x_1, x_2) = (1.3, 2.5)$, with
the evaluation trace numbered as in Baydin et al. (inputs $v_{-1}, v_0$).

Forward primal trace:

$$
\begin{aligned}
v_{-1} &= x_1 = 1.3 \\
v_0 &= x_2 = 2.5 \\
v_1 &= \sqrt{v_0} = <<v1>> \\
v_2 &= v_{-1} \times v_1 = <<v2>> \\
v_3 &= \cos v_{-1} = <<v3>> \\
v_4 &= v_2 - v_3 = <<v4>> \\
y &= v_4 = <<v4>>
\end{aligned}
$$

Reverse adjoint trace:

$$
\begin{aligned}
\bar v_4 &= \bar y = 1 \\
\bar v_3 &= \bar v_4 \frac{\partial v_4}{\partial v_3} = \bar v_4 \times (-1) = -1 \\
\bar v_2 &= \bar v_4 \frac{\partial v_4}{\partial v_2} = \bar v_4 \times 1 = 1 \\
\bar v_{-1} &= \bar v_3 \frac{\partial v_3}{\partial v_{-1}} = \bar v_3 \times \sin v_{-1} = <<vbm1a>> \\ %WRONG:sign-slip
\bar v_1 &= \bar v_2 \frac{\partial v_2}{\partial v_1} = \bar v_2 \times v_{-1} = 1.3 \\
\bar v_{-1} &= \bar v_{-1} + \bar v_2 \frac{\partial v_2}{\partial v_{-1}} = \bar v_{-1} + \bar v_2 \times v_1 = <<vbm1a>> + <<v1>> = <<vbm1>> \\
\bar v_0 &= \bar v_1 \frac{\partial v_1}{\partial v_0} = \bar v_1 \times \frac{1}{2\sqrt{v_0}} = \frac{1.3}{2 \times <<v1>>} = <<vb0>>
\end{aligned}
$$

Hence $\partial y/\partial x_1 = \bar x_1 = \bar v_{-1} = <<vbm1>>$ and $\partial y/\partial x_2 = \bar x_2 = \bar v_0 = <<vb0>>$.
""")

# ---------------------------------------------------------------- A6 1-based, quotient-rule slip
z = S("z")
fv, g = true_grad(x * y / z + sp.log(z), {x: sp.Rational(3, 2), y: -2, z: sp.Rational(4, 5)})
sh = Sheet("ad_onebased_xy_over_z_quotient",
           {"expr": r"\frac{x y}{z} + \ln z", "at": "x=1.5,y=-2,z=0.8", "wrt": "x,y,z"})
sh.step("v6", lambda e: math.log(0.8), sig=4)
sh.step("v7", lambda e: -3.75 + e.v6, sig=4)
sh.truth("v7", fv)
sh.lit("q", "-1.5625")
sh.step("vb3", lambda e: -1.5625 + 1.25, dec=4, correct=lambda e: 3 / 0.64 + 1.25)
sh.notes.append(f"true grad {g}")
sh.write(r"""
Q2. $f(x, y, z) = \dfrac{xy}{z} + \ln z$ at $x = 1.5$, $y = -2$, $z = 0.8$.

Wengert list (I number from 1):

1. $v_1 = x = 1.5$
2. $v_2 = y = -2$
3. $v_3 = z = 0.8$
4. $v_4 = v_1 v_2 = -3$
5. $v_5 = v_4 / v_3 = -3.75$
6. $v_6 = \ln v_3 = <<v6>>$
7. $v_7 = v_5 + v_6 = <<v7>>$

Backward sweep, $\bar v_i = \partial f / \partial v_i$:

- $\bar v_7 = 1$
- $\bar v_6 = \bar v_7 = 1$, $\bar v_5 = \bar v_7 = 1$
- $\dfrac{\partial v_5}{\partial v_4} = \dfrac{1}{v_3} = 1.25$, so $\bar v_4 = \bar v_5 \cdot 1.25 = 1.25$
- $\dfrac{\partial v_5}{\partial v_3} = -\dfrac{1}{v_3^2} = -1.5625$ %WRONG:quotient-rule
- $\bar v_3 = \bar v_5 \cdot (-1.5625) + \bar v_6 \cdot \dfrac{1}{v_3} = -1.5625 + 1.25 = <<vb3>>$
- $\bar v_2 = \bar v_4 \, v_1 = 1.25 \times 1.5 = 1.875$
- $\bar v_1 = \bar v_4 \, v_2 = 1.25 \times (-2) = -2.5$

$$\nabla f(1.5, -2, 0.8) = (\bar v_1, \bar v_2, \bar v_3) = (-2.5,\ 1.875,\ <<vb3>>)$$
""")

# ---------------------------------------------------------------- A7 Markdown tables (ok)
fv, g = true_grad(sp.log(x) * sp.sqrt(y) + y, {x: sp.Rational(5, 2), y: 3})
sh = Sheet("ad_lnx_sqrty_markdown_tables_ok",
           {"expr": r"\ln(x) \sqrt{y} + y", "at": "x=2.5,y=3", "wrt": "x,y"})
sh.step("a", lambda e: math.log(2.5), sig=4)
sh.step("b", lambda e: math.sqrt(3), sig=4)
sh.step("c", lambda e: e.a * e.b, sig=4)
sh.step("f", lambda e: e.c + 3, sig=4)
sh.truth("f", fv)
sh.step("bx", lambda e: e.b / 2.5, sig=4)
sh.step("by", lambda e: 1 + e.a / (2 * e.b), sig=5)
sh.truth("bx", g["x"]); sh.truth("by", g["y"])
sh.write(r"""
**Q3.** $f(x,y) = \ln(x)\sqrt{y} + y$, reverse mode at $(x, y) = (2.5, 3)$.

Forward pass:

| node | definition | value |
|------|------------|-------|
| $a$ | $\ln x$ | $<<a>>$ |
| $b$ | $\sqrt{y}$ | $<<b>>$ |
| $c$ | $a b$ | $<<c>>$ |
| $f$ | $c + y$ | $<<f>>$ |

Backward pass (adjoint of a node = sum over its children of the child's adjoint times the local derivative):

| adjoint | computation | value |
|---------|-------------|-------|
| $\bar f$ | seed | $1$ |
| $\bar c$ | $\bar f \cdot 1$ | $1$ |
| $\bar a$ | $\bar c \cdot b$ | $<<b>>$ |
| $\bar b$ | $\bar c \cdot a$ | $<<a>>$ |
| $\bar x$ | $\bar a \cdot \frac{1}{x} = <<b>> / 2.5$ | $<<bx>>$ |
| $\bar y$ | $\bar f \cdot 1 + \bar b \cdot \frac{1}{2\sqrt{y}} = 1 + <<a>> / (2 \times <<b>>)$ | $<<by>>$ |

($y$ appears twice, in $b$ and directly in $f$, so $\bar y$ has two terms.)

**Answer:** $\partial f/\partial x \approx <<bx>>$, $\partial f/\partial y \approx <<by>>$.
""")

# ---------------------------------------------------------------- A8 softmax component, fan-out
fv, g = true_grad(sp.exp(x) / (sp.exp(x) + sp.exp(y)), {x: sp.Rational(3, 10), y: sp.Rational(-1, 5)})
sh = Sheet("ad_softmax2_align_fanout",
           {"expr": r"\frac{e^{x}}{e^{x} + e^{y}}", "at": "x=0.3,y=-0.2", "wrt": "x,y"})
sh.step("a", lambda e: math.exp(0.3), sig=5)
sh.step("b", lambda e: math.exp(-0.2), sig=5)
sh.step("s", lambda e: e.a + e.b, sig=5)
sh.step("f", lambda e: e.a / e.s, sig=4)
sh.truth("f", fv)
sh.step("bs", lambda e: -e.a / e.s ** 2, sig=4)
sh.step("ba", lambda e: 1 / e.s, sig=5, correct=lambda e: 1 / e.s + e.bs)
sh.step("bx", lambda e: e.ba * e.a, sig=4)
sh.step("by", lambda e: e.bs * e.b, sig=4)
sh.truth("by", g["y"])
sh.notes.append(f"true grad {g}")
sh.write(r"""
Softmax probability of class 1 with two logits, $f(x, y) = \dfrac{e^x}{e^x + e^y}$, at $x = 0.3$, $y = -0.2$.

Forward:

\begin{align*}
a &= e^{x} = e^{0.3} = <<a>> \\
b &= e^{y} = e^{-0.2} = <<b>> \\
s &= a + b = <<s>> \\
f &= \frac{a}{s} = <<f>>
\end{align*}

Backward (bars are $\partial f / \partial(\cdot)$):

\begin{align*}
\bar f &= 1 \\
\bar s &= \bar f \cdot \left(-\frac{a}{s^2}\right) = -\frac{<<a>>}{<<s>>^2} = <<bs>> \\
\bar a &= \bar f \cdot \frac{1}{s} = \frac{1}{<<s>>} = <<ba>> \\ %WRONG:fan-out
\bar b &= \bar s \cdot 1 = <<bs>> \\
\bar x &= \bar a \cdot e^{x} = <<ba>> \times <<a>> = <<bx>> \\
\bar y &= \bar b \cdot e^{y} = <<bs>> \times <<b>> = <<by>>
\end{align*}

So $\partial f/\partial x \approx <<bx>>$ and $\partial f/\partial y \approx <<by>>$.
""")

# ---------------------------------------------------------------- A9 inline prose (ok)
fv, g = true_grad(sp.log(1 + sp.sqrt(x)), {x: sp.Rational(16, 5)})
sh = Sheet("ad_ln1sqrt_inline_prose_ok", {"expr": r"\ln(1 + \sqrt{x})", "at": "x=3.2", "wrt": "x"})
sh.step("u", lambda e: math.sqrt(3.2), sig=5)
sh.step("v", lambda e: 1 + e.u, sig=5)
sh.step("f", lambda e: math.log(e.v), sig=4)
sh.truth("f", fv)
sh.step("iv", lambda e: 1 / e.v, sig=4)
sh.step("i2u", lambda e: 1 / (2 * e.u), sig=4)
sh.step("fp", lambda e: e.iv * e.i2u, sig=4)
sh.truth("fp", g["x"])
sh.write(r"""
Let $f(x) = \ln(1 + \sqrt{x})$; we want $f'(3.2)$. Write $u = \sqrt{x}$ and $v = 1 + u$, so that $f = \ln v$.
At $x = 3.2$ we get $u = \sqrt{3.2} \approx <<u>>$, then $v \approx <<v>>$ and $f \approx <<f>>$.
By the chain rule $f'(x) = \frac{df}{dv}\frac{dv}{du}\frac{du}{dx} = \frac{1}{v} \cdot 1 \cdot \frac{1}{2\sqrt{x}}$,
that is $f'(x) = \frac{1}{2\sqrt{x}\,(1 + \sqrt{x})}$.
Numerically $\frac{1}{v} \approx <<iv>>$ and $\frac{1}{2u} \approx <<i2u>>$,
so $f'(3.2) \approx <<iv>> \times <<i2u>> \approx <<fp>>$.
""")

# ---------------------------------------------------------------- A10 base-10 log taken as ln (two slips)
fv, g = true_grad(y * sp.log(x + y, 10), {x: 3, y: 2})
sh = Sheet("ad_ylog10_value_and_deriv_base",
           {"expr": r"y \log(x + y)", "at": "x=3,y=2", "wrt": "x,y", "log_base": "10"})
sh.step("l", lambda e: math.log(5), sig=5, correct=lambda e: math.log10(5))
sh.step("f", lambda e: 2 * e.l, sig=4)
sh.lit("dlu", "0.2")
sh.step("fy", lambda e: e.l + 0.4, sig=4)
sh.notes.append(f"true f={fv:.6g} grad={g}; written dl/du 0.2 vs 1/(5 ln 10)={1/(5*math.log(10)):.5g}")
sh.write(r"""
**4.** $f(x, y) = y \log(x + y)$, find $\partial f/\partial x$ and $\partial f/\partial y$ at $x = 3$, $y = 2$.

Intermediates:

$$u = x + y = 5$$

$$\ell = \log u = \log 5 = <<l>>$$ %WRONG:log-value-base

$$f = y \, \ell = 2 \times <<l>> = <<f>>$$

Local derivatives:

$$\frac{\partial f}{\partial \ell} = y = 2$$

$$\frac{\partial \ell}{\partial u} = \frac{1}{u} = 0.2$$ %WRONG:log-base

Chain rule:

$$\frac{\partial f}{\partial u} = \frac{\partial f}{\partial \ell}\frac{\partial \ell}{\partial u} = 2 \times 0.2 = 0.4$$

$$\frac{\partial f}{\partial x} = \frac{\partial f}{\partial u} \cdot \frac{\partial u}{\partial x} = 0.4 \times 1 = 0.4$$

$y$ enters twice (as the factor and inside $u$):

$$\frac{\partial f}{\partial y} = \ell + \frac{\partial f}{\partial u} \cdot 1 = <<l>> + 0.4 = <<fy>>$$
""")

# ---------------------------------------------------------------- A11 sigma(x1) tanh(x2): sigma' = sigma, then an arithmetic slip
fv, g = true_grad(ssig(x1) * sp.tanh(x2), {x1: sp.Rational(2, 5), x2: sp.Rational(-7, 10)})
sh = Sheet("ad_sigmoid_tanh_product_two_slips",
           {"expr": r"\sigma(x_1) \tanh(x_2)", "at": "x_1=0.4,x_2=-0.7", "wrt": "x_1,x_2"})
sh.step("s", lambda e: sig(0.4), sig=5)
sh.step("h", lambda e: math.tanh(-0.7), sig=5)
sh.step("f", lambda e: e.s * e.h, sig=4)
sh.truth("f", fv)
sh.step("sp", lambda e: e.s, sig=5, correct=lambda e: e.s * (1 - e.s))
sh.step("fx1", lambda e: e.sp * e.h, sig=4)
sh.step("h2", lambda e: e.h ** 2, sig=5)
sh.step("omh2", lambda e: 1 - e.h2, sig=4)
sh.step("fx2", lambda e: 0.3080, s="0.3080", exact=lambda e: 0.3080, correct=lambda e: e.s * e.omh2)
sh.notes.append(f"true grad {g}")
sh.write(r"""
**(c)** $f(x_1, x_2) = \sigma(x_1)\tanh(x_2)$ at $(x_1, x_2) = (0.4, -0.7)$.

Let $s = \sigma(x_1)$ and $h = \tanh(x_2)$, so $f = s\,h$.

$s = \sigma(0.4) = <<s>>$, $h = \tanh(-0.7) = <<h>>$, $f = s h = <<s>> \times (<<h>>) = <<f>>$

Each factor depends on one input only, so
$\frac{\partial f}{\partial x_1} = \sigma'(x_1)\, h$ and $\frac{\partial f}{\partial x_2} = s\, \tanh'(x_2)$.

$\sigma'(x_1) = \sigma(x_1) = <<sp>>$ %WRONG:sigmoid-derivative

$\frac{\partial f}{\partial x_1} = <<sp>> \times (<<h>>) = <<fx1>>$

$\tanh'(x_2) = 1 - h^2 = 1 - <<h2>> = <<omh2>>$

$\frac{\partial f}{\partial x_2} = <<s>> \times <<omh2>> = <<fx2>>$ %WRONG

$\nabla f \approx (<<fx1>>,\ <<fx2>>)$
""")

# ---------------------------------------------------------------- A12 relu(xy - z) e^z: difference taken as a sum
fv, g = true_grad(sp.Max(0, x * y - z) * sp.exp(z), {x: sp.Rational(3, 2), y: 2, z: sp.Rational(1, 2)})
sh = Sheet("ad_relu_exp_three_inputs_sub_sign",
           {"expr": r"\max(0, x y - z) \, e^{z}", "at": "x=1.5,y=2,z=0.5", "wrt": "x,y,z"})
sh.lit("q", "3.5")
sh.step("s", lambda e: math.exp(0.5), sig=6)
sh.step("f", lambda e: 3.5 * e.s, sig=5)
sh.step("bx", lambda e: e.s * 2, sig=5)
sh.step("by", lambda e: e.s * 1.5, sig=5)
sh.step("bz", lambda e: -e.s + 3.5 * e.s, sig=4)
sh.truth("bx", g["x"]); sh.truth("by", g["y"])
sh.notes.append(f"true f={fv:.6g} grad={g}")
sh.write(r"""
Graph for $f(x, y, z) = \max(0,\, xy - z)\, e^{z}$ at $(x, y, z) = (1.5, 2, 0.5)$.

\[ p = xy = 3 \]
\[ q = p - z = 3 + 0.5 = 3.5 \] %WRONG:sub-sign
\[ r = \max(0, q) = 3.5 \]
\[ s = e^{z} = <<s>> \]
\[ f = r s = 3.5 \times <<s>> = <<f>> \]

Backward, with $\bar u$ standing for $\partial f/\partial u$:

\[ \bar r = s = <<s>>, \qquad \bar s = r = 3.5 \]
\[ \bar q = \bar r \cdot \mathbf{1}[q > 0] = <<s>> \]
\[ \bar p = \bar q = <<s>> \]
\[ \bar x = \bar p \, y = <<s>> \times 2 = <<bx>> \]
\[ \bar y = \bar p \, x = <<s>> \times 1.5 = <<by>> \]
\[ \bar z = \bar q \cdot (-1) + \bar s \cdot e^{z} = -<<s>> + 3.5 \times <<s>> = <<bz>> \]

($z$ is used twice, in $q$ and in $s$.)
""")

# ---------------------------------------------------------------- A13 ln(x^4 + y): d(x^4) = x^3
fv, g = true_grad(sp.log(x ** 4 + y), {x: sp.Rational(11, 10), y: sp.Rational(3, 5)})
sh = Sheet("ad_ln_x4_plus_y_power_rule",
           {"expr": r"\ln(x^4 + y)", "at": "x=1.1,y=0.6", "wrt": "x,y"})
sh.step("f", lambda e: math.log(2.0641), sig=4)
sh.truth("f", fv)
sh.step("iw", lambda e: 1 / 2.0641, sig=5)
sh.lit("du", "1.331")
sh.step("fx", lambda e: e.iw * 1.331, sig=4, correct=lambda e: e.iw * 4 * 1.331)
sh.step("fy", lambda e: e.iw, sig=4)
sh.truth("fy", g["y"])
sh.notes.append(f"true grad {g}")
sh.write(r"""
$f(x, y) = \ln(x^4 + y)$ at $x = 1.1$, $y = 0.6$.

Put $u = x^4$ and $w = u + y$, so $f = \ln w$.

$$u = 1.1^4 = 1.4641, \qquad w = 1.4641 + 0.6 = 2.0641, \qquad f = \ln 2.0641 = <<f>>$$

$$\frac{df}{dw} = \frac{1}{w} = \frac{1}{2.0641} = <<iw>>$$

$$\frac{\partial w}{\partial u} = 1, \qquad \frac{\partial w}{\partial y} = 1$$

$$\frac{du}{dx} = x^3 = 1.331$$ %WRONG:power-rule

$$\frac{\partial f}{\partial x} = \frac{df}{dw}\,\frac{\partial w}{\partial u}\,\frac{du}{dx} = <<iw>> \times 1 \times 1.331 = <<fx>>$$

$$\frac{\partial f}{\partial y} = \frac{df}{dw}\,\frac{\partial w}{\partial y} = <<iw>>$$
""")

# ---------------------------------------------------------------- A14 x e^{-y} + y/x, rules and cancellation (ok)
fv, g = true_grad(x * sp.exp(-y) + y / x, {x: 2, y: 1})
sh = Sheet("ad_xexp_plus_ratio_rules_ok",
           {"expr": r"x e^{-y} + \frac{y}{x}", "at": "x=2,y=1", "wrt": "x,y"})
sh.step("em1", lambda e: math.exp(-1), sig=4)
sh.step("f", lambda e: 2 * e.em1 + 0.5, dec=4)
sh.step("f3", lambda e: e.f, dec=3)
sh.truth("f3", fv)
sh.step("fx", lambda e: e.em1 - 0.25, dec=4)
sh.step("t2", lambda e: -2 * e.em1, dec=4)
sh.step("fy", lambda e: e.t2 + 0.5, dec=4)
sh.truth("fx", g["x"]); sh.truth("fy", g["y"])
sh.write(r"""
**Exercise 3.** Find $\nabla f(2, 1)$ for $f(x, y) = x e^{-y} + \dfrac{y}{x}$.

Term by term (product rule is not needed: $e^{-y}$ is a constant for $\partial/\partial x$ and $x$ for $\partial/\partial y$):

$$\frac{\partial f}{\partial x} = e^{-y} - \frac{y}{x^2}, \qquad \frac{\partial f}{\partial y} = -x e^{-y} + \frac{1}{x}$$

At $(2, 1)$, with $e^{-1} \approx <<em1>>$:

$$f(2, 1) = 2(<<em1>>) + \tfrac{1}{2} = <<f>> \approx <<f3>>$$

$$\frac{\partial f}{\partial x}(2, 1) = <<em1>> - \frac{1}{4} = <<fx>>$$

$$\frac{\partial f}{\partial y}(2, 1) = -2(<<em1>>) + 0.5 = <<t2>> + 0.5 = <<fy>>$$

$$\nabla f(2, 1) \approx (<<fx>>,\ <<fy>>)$$
""")

# ---------------------------------------------------------------- A15 forward mode, two sweeps, align* (ok)
fv, g = true_grad(sp.sin(x1) / x2 + x1 * x2, {x1: sp.Rational(9, 10), x2: sp.Rational(8, 5)})
sh = Sheet("ad_forward_sin_ratio_two_sweeps_ok",
           {"expr": r"\frac{\sin x_1}{x_2} + x_1 x_2", "at": "x_1=0.9,x_2=1.6", "wrt": "x_1,x_2"})
sh.step("v1", lambda e: math.sin(0.9), sig=4)
sh.step("v2", lambda e: e.v1 / 1.6, sig=4)
sh.step("v4", lambda e: e.v2 + 1.44, sig=4)
sh.truth("v4", fv)
sh.step("a1", lambda e: math.cos(0.9), sig=5)
sh.step("a2", lambda e: e.a1 / 1.6, sig=5)
sh.step("a4", lambda e: e.a2 + 1.6, sig=5)
sh.step("b2", lambda e: -e.v1 / 2.56, sig=4)
sh.step("b4", lambda e: e.b2 + 0.9, sig=4)
sh.truth("a4", g["x_1"]); sh.truth("b4", g["x_2"])
sh.write(r"""
Forward-mode AD for $f(x_1, x_2) = \dfrac{\sin x_1}{x_2} + x_1 x_2$ at $(x_1, x_2) = (0.9, 1.6)$. Forward mode
gives one directional derivative per sweep, so two sweeps are needed for the gradient; each carries the pairs
$(v_i, \dot v_i)$.

Primal trace:

\begin{align*}
v_{-1} &= x_1 = 0.9 \\
v_0 &= x_2 = 1.6 \\
v_1 &= \sin v_{-1} = <<v1>> \\
v_2 &= v_1 / v_0 = <<v2>> \\
v_3 &= v_{-1} v_0 = 1.44 \\
v_4 &= v_2 + v_3 = <<v4>>
\end{align*}

Sweep 1, seed $\dot v_{-1} = 1$, $\dot v_0 = 0$:

\begin{align*}
\dot v_1 &= \cos(v_{-1})\, \dot v_{-1} = <<a1>> \\
\dot v_2 &= \frac{\dot v_1 v_0 - v_1 \dot v_0}{v_0^2} = \frac{<<a1>>}{1.6} = <<a2>> \\
\dot v_3 &= \dot v_{-1} v_0 + v_{-1} \dot v_0 = 1.6 \\
\dot v_4 &= \dot v_2 + \dot v_3 = <<a4>>
\end{align*}

Sweep 2, seed $\dot v_{-1} = 0$, $\dot v_0 = 1$:

\begin{align*}
\dot v_1 &= \cos(v_{-1})\, \dot v_{-1} = 0 \\
\dot v_2 &= \frac{\dot v_1 v_0 - v_1 \dot v_0}{v_0^2} = -\frac{<<v1>>}{2.56} = <<b2>> \\
\dot v_3 &= \dot v_{-1} v_0 + v_{-1} \dot v_0 = 0.9 \\
\dot v_4 &= \dot v_2 + \dot v_3 = <<b4>>
\end{align*}

$$\frac{\partial f}{\partial x_1} \approx <<a4>>, \qquad \frac{\partial f}{\partial x_2} \approx <<b4>>$$
""")

# ---------------------------------------------------------------- A16 Nielsen-style deltas, tanh hidden, sigmoid + log loss (ok)
w1s, w2s, xs = S("w_1"), S("w_2"), S("x")
fv, g = true_grad(-sp.log(ssig(w2s * sp.tanh(w1s * xs))), {w1s: sp.Rational(1, 2), w2s: sp.Rational(-4, 5), xs: sp.Rational(6, 5)})
sh = Sheet("ad_two_layer_delta_logloss_ok",
           {"expr": r"-\ln\left(\sigma\left(w_2 \tanh(w_1 x)\right)\right)", "at": "w_1=0.5,w_2=-0.8,x=1.2",
            "wrt": "w_1,w_2"})
sh.step("a1", lambda e: math.tanh(0.6), sig=5)
sh.step("z2", lambda e: -0.8 * e.a1, sig=5)
sh.step("a2", lambda e: sig(e.z2), sig=5)
sh.step("L", lambda e: -math.log(e.a2), sig=4)
sh.truth("L", fv)
sh.step("d2", lambda e: e.a2 - 1, sig=5)
sh.step("gw2", lambda e: e.d2 * e.a1, sig=4)
sh.step("a1sq", lambda e: e.a1 ** 2, sig=5)
sh.step("d1", lambda e: e.d2 * -0.8 * (1 - e.a1sq), sig=5)
sh.step("gw1", lambda e: e.d1 * 1.2, sig=4)
sh.truth("gw1", g["w_1"]); sh.truth("gw2", g["w_2"])
sh.write(r"""
Two-layer network, one example $x = 1.2$ with label $y = 1$, weights $w_1 = 0.5$ and $w_2 = -0.8$, no biases.
Hidden unit $\tanh$, output unit sigmoid, log loss $L = -\ln a_2$ (since $y = 1$).

Feedforward:

$$z_1 = w_1 x = 0.6, \qquad a_1 = \tanh z_1 = <<a1>>$$

$$z_2 = w_2 a_1 = -0.8 \times <<a1>> = <<z2>>, \qquad a_2 = \sigma(z_2) = <<a2>>$$

$$L = -\ln a_2 = <<L>>$$

Output error. For $L = -\ln\sigma(z_2)$ we have $\partial L/\partial z_2 = -(1 - \sigma(z_2)) = a_2 - 1$:

$$\delta_2 = a_2 - 1 = <<d2>>$$

$$\frac{\partial L}{\partial w_2} = \delta_2 \, a_1 = <<d2>> \times <<a1>> = <<gw2>>$$

Backpropagate the error to the hidden layer, $\delta_1 = \delta_2 \, w_2 \, \tanh'(z_1) = \delta_2 \, w_2 (1 - a_1^2)$, with
$a_1^2 = <<a1sq>>$:

$$\delta_1 = (<<d2>>)(-0.8)(1 - <<a1sq>>) = <<d1>>$$

$$\frac{\partial L}{\partial w_1} = \delta_1 \, x = <<d1>> \times 1.2 = <<gw1>>$$
""")

report()
