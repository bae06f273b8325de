"""Adam past the first steps: the closed form at a general step t (weights that sum to 1), what bias correction
buys, and L2 regularisation coupled into Adam versus AdamW's decoupled decay. SymPy does every step; each closed
form is checked against the iterated recurrence before it is printed."""
from __future__ import annotations

import sympy

from derive.derivation import Block, Line, Part
from derive.errors import DeriveError, InputError
from derive.latex import Tex, latex
from derive.numbers import format_number
from derive.optim.worked import APPROX, EQ, TO, exact, number_tex, step_lines, update_line
from derive.optim.notation import (ALPHA, EPS, LAM, K, NormL2, Notation, T, TexSymbol, add, eps_last, ev, frac, mul,
                             nice_coeff, one_minus, ordered_sum, to_sign)
from derive.optim.update_rules import order_sums, rule, symbolic, unroll
from derive.optim.hyperparams import Hyper, resolve

__all__ = ["general_part", "no_bias_part", "l2_part", "closed_form_check", "NORMS"]

NORMS = ("squared", "half", "unsquared")
_J = sympy.Symbol("j", integer=True, nonnegative=True)


def _geometric(b: sympy.Expr) -> sympy.Expr:
    """sum_{j=0}^{t-1} b^j by SymPy, the b != 1 branch (every beta here is < 1), as (1 - b^t)/(1 - b)."""
    s = sympy.Sum(b ** _J, (_J, 0, T - 1)).doit()
    if isinstance(s, sympy.Piecewise):
        s = s.args[-1][0]
    if sympy.simplify(s - (1 - b ** T) / (1 - b)) != 0:
        raise DeriveError(f"unexpected geometric sum {s}")  # pragma: no cover (a SymPy change)
    return frac(one_minus(b ** T), one_minus(b))


def closed_form_check(nt: Notation, n: int) -> None:
    """(1 - beta) sum_k beta^{t-k} g^k equals m^t of the iterated recurrence for t = 1..n (and v^t likewise)."""
    h = resolve("adam")
    u = unroll(nt, rule(nt, h), n)
    g = nt.g
    for t in range(1, n + 1):
        for key, b, x in (("m", nt.beta1, g(K)), ("v", nt.beta2, g(K) ** 2)):
            closed = ((1 - b) * sympy.Sum(b ** (t - K) * x, (K, 1, t))).doit()
            if sympy.expand(closed - u.values[t][key]) != 0:
                raise DeriveError(f"closed form of {key}^{t} disagrees with the recurrence")  # pragma: no cover


def general_part(nt: Notation, label: str = "", title: str = "General step t:", check_to: int = 6) -> Part:
    """m^t, \\hat m^t as weighted averages of g^1..g^t, the weights summing to 1; the same for v."""
    closed_form_check(nt, check_to)
    lines, g = [], nt.g
    for key, b, x in (("m", nt.beta1, g(K)), ("v", nt.beta2, g(K) ** 2)):
        q, qhat = nt.seq(key)(T), nt.seq(key, hat=True)(T)
        lines.append(Line(latex(q), (latex(mul(one_minus(b), sympy.Sum(mul(b ** (T - K), x), (K, 1, T)))),),
                          (EQ,), "iterating the recurrence from 0", tag=f"general:{key}"))
        weight = frac(mul(one_minus(b), b ** (T - K)), one_minus(b ** T))
        lines.append(Line(latex(qhat), (latex(sympy.Sum(mul(weight, x), (K, 1, T))),), (EQ,),
                          "a weighted average", tag=f"general:{key}hat"))
        geo = _geometric(b)
        total = sympy.simplify(sympy.Sum((1 - b) * b ** (T - K) / (1 - b ** T), (K, 1, T)).doit())
        if isinstance(total, sympy.Piecewise):
            total = total.args[-1][0]
        if sympy.simplify(total - 1) != 0:
            raise DeriveError("the weights do not sum to 1")  # pragma: no cover
        lines.append(Line(latex(sympy.Sum(weight, (K, 1, T))),
                          (latex(mul(frac(one_minus(b), one_minus(b ** T)), sympy.Sum(b ** _J, (_J, 0, add(T, -1))))),
                           latex(mul(frac(one_minus(b), one_minus(b ** T)), geo)), latex(total)),
                          (EQ, EQ, EQ), "geometric series", tag=f"general:{key}weights"))
    w_new, w_old = nt.w(nt.param_index(T)), nt.w(nt.param_index(T) - 1)
    const = sympy.Symbol("g", real=True)
    text = Block.text("So ", Tex(latex(nt.seq("m", hat=True)(T))), " is a weighted average of the gradients and ",
                      Tex(latex(nt.seq("v", hat=True)(T))), " of their squares; for a constant gradient ",
                      Tex(f"{latex(g(K))} = {latex(const)}"), " both averages are exact, ",
                      Tex(f"{latex(nt.seq('m', hat=True)(T))} = {latex(const)}"), ", and every step is ",
                      Tex(latex(frac(mul(ALPHA, const), add(sympy.Abs(const), EPS))) + r" \approx "
                          + latex(mul(ALPHA, sympy.sign(const)))), ".")
    upd = Line(latex(w_new), (latex(ordered_sum([w_old, mul(-1, frac(mul(ALPHA, nt.seq("m", hat=True)(T)),
                                                                      add(sympy.sqrt(nt.seq("v", hat=True)(T)),
                                                                          EPS)))])),), (EQ,), tag="general:w")
    return Part(label, title, (Block.equations(lines + [upd]), text))


def no_bias_part(nt: Notation, h: Hyper, label: str = "", title: str = "Without bias correction:",
                 seed: bool = False) -> Part:
    """Step 1 without \\hat{}: alpha (1-beta)/sqrt(1-gamma) sign(g^1) -- with the numbers for the betas given
    (``seed``: also at the seed sheet's β = 0.99, a remark only where the seed is the subject)."""
    h0 = resolve("adam", {"betas": h["betas"], "eps_inside": h["eps_inside"], "bias_correction": False})
    r = rule(nt, h0)
    u = unroll(nt, r, 1)
    line = update_line(nt, r, u, 1)
    step = u.update[1][0]
    b, gm = nt.beta1, nt.beta2
    approx = to_sign(step.subs(EPS, 0))
    factor = sympy.cancel(approx / (ALPHA * sympy.sign(nt.g(1))))
    if factor.has(nt.g(1)):
        raise DeriveError("the first step is not a multiple of sign(g^1)")  # pragma: no cover
    sign, shown = nice_coeff(factor)
    shown = shown if sign > 0 else mul(-1, shown)
    w1 = nt.w(nt.param_index(1) - 1)
    # the epsilon-free step written as (factor) alpha sign(g^1), the factor as SymPy found it
    line = Line(line.lhs, line.rhs[:-1] + (latex(ordered_sum([w1, mul(-1, mul(shown, ALPHA,
                                                                              sympy.sign(nt.g(1))))])),),
                line.relations()[:-1] + (APPROX,), tag=line.tag)
    lines = step_lines(nt, r, u, 1, with_update=False) + [line]
    b1, b2 = exact(h["betas"][0]), exact(h["betas"][1])
    segs: list = ["The step is ", Tex(latex(shown) + r" \cdot \alpha"), " instead of ", Tex(r"\alpha"),
                  ": with ", Tex(f"{latex(b)} = {number_tex(h['betas'][0])}"), ", ",
                  Tex(f"{latex(gm)} = {number_tex(h['betas'][1])}"), " the factor is ",
                  Tex(format_number(factor.subs({b: b1, gm: b2}), 3)), "."]
    if seed and (b1, b2) != (sympy.Rational(99, 100), sympy.Rational(999, 1000)):
        seedf = factor.subs({b: sympy.Rational(99, 100), gm: sympy.Rational(999, 1000)})
        segs += [" (With the seed's ", Tex(f"{latex(b)} = 0.99"), " it is ", Tex(format_number(seedf, 3)), ".)"]
    # constant gradient: the general closed form summed, m^t = (1 - beta^t) g, v^t = (1 - gamma^t) g^2
    g = sympy.Symbol("g", positive=True)
    mt = sympy.simplify(((1 - b) * sympy.Sum(b ** (T - K), (K, 1, T))).doit() * g)
    vt = sympy.simplify(((1 - gm) * sympy.Sum(gm ** (T - K), (K, 1, T))).doit() * g ** 2)
    mt, vt = (x.args[-1][0] if isinstance(x, sympy.Piecewise) else x for x in (mt, vt))
    ratio = sympy.simplify(mt / sympy.sqrt(vt))
    formula = Tex(latex(frac(one_minus(b ** T), sympy.sqrt(one_minus(gm ** T)))))
    rows = [("t", "uncorrected / corrected step")]
    for t in (1, 2, 5, 10, 100, 1000, 10000):
        # floats at 30 digits: the exact rational (9/10)^10000 would have ten thousand digits
        val = ratio.subs({b: sympy.Float(b1, 30), gm: sympy.Float(b2, 30)}).subs(T, t).evalf(30)
        rows.append((str(t), Tex(format_number(val, 3))))
    table = Block.table(rows[0], rows[1:])
    return Part(label, title, (Block.equations(lines), Block.text(*segs),
                               Block.text("For a constant gradient the uncorrected step is ", formula,
                                          " times the corrected one at step t; bias correction removes the "
                                          "factor:"), table))


def _norm_term(nt: Notation, norm: str) -> tuple[sympy.Expr, sympy.Expr]:
    """(regulariser as written, its gradient per component), the gradient by sympy.diff on w_1, w_2, w_3."""
    ws = sympy.symbols("w_1:4", real=True)
    sq = sum(x ** 2 for x in ws)
    expr = {"squared": LAM * sq, "half": LAM / 2 * sq, "unsquared": LAM * sympy.sqrt(sq)}[norm]
    d = sympy.diff(expr, ws[0])
    w = nt.w(nt.param_index(T) - 1)
    wv = nt.vector_symbol(nt.param)
    shown = {"squared": mul(LAM, NormL2(wv) ** 2), "half": mul(frac(LAM, 2), NormL2(wv) ** 2),
             "unsquared": mul(LAM, NormL2(wv))}[norm]
    # d / w_1 is a constant for the squared forms; for the norm itself it is lambda / ||w||
    coeff = sympy.simplify(d / ws[0])
    if coeff.has(*ws):
        grad = mul(LAM, frac(w, NormL2(w)))
    else:
        grad = mul(coeff, w) if coeff != LAM else mul(LAM, w)
    return shown, grad


def l2_part(nt: Notation, norm: str = "squared", label: str = "",
            title: str = "L2 regularisation in the loss function:", seed: bool = False) -> Part:
    """L' = L + lambda ||w||^2 => g' = g + 2 lambda w; coupled into Adam (step 1 ~ alpha sign(g + 2 lambda w))
    versus AdamW's decoupled alpha lambda w."""
    if norm not in NORMS:
        raise InputError(f"norm must be one of {', '.join(NORMS)}, not {norm!r}", "norm")
    L, Lp = TexSymbol("L"), TexSymbol("L'")
    shown, grad = _norm_term(nt, norm)
    gp = nt.seq("g'")
    lines = [Line(latex(L), (latex(Lp), latex(add(L, shown))), (TO, EQ), tag="l2:loss"),
             Line(Tex(rf"\Rightarrow {latex(nt.g(T))}"), (latex(gp(T)), latex(add(nt.g(T), grad))), (TO, EQ),
                  tag="l2:grad")]
    wT, normw = nt.w(nt.param_index(T) - 1), NormL2(nt.w(nt.param_index(T) - 1))
    convention = {
        "squared": ["Regulariser: the squared norm, as differentiated here (the seed writes ",
                    Tex(latex(mul(LAM, NormL2(TexSymbol(nt.param))))), " but differentiates its square)."] if seed
        else ["Regulariser: the squared norm ", Tex(latex(shown)), "; its gradient ", Tex(latex(grad)),
              " is what PyTorch's weight_decay = ", Tex(r"2\lambda"), " adds."],
        "half": ["Regulariser: the ", Tex(r"\lambda/2"), " convention; PyTorch's weight_decay = ",
                 Tex(r"\lambda"), " adds exactly ", Tex(latex(mul(LAM, wT))), " to the gradient."],
        "unsquared": ["Regulariser: the norm itself; its gradient ", Tex(latex(mul(LAM, frac(wT, normw)))),
                      " has length ", Tex(r"\lambda"), " whatever the weights."]}[norm]
    blocks = [Block.equations(lines), Block.text(*convention)]
    # coupled: Adam's step 1 with g^1 replaced by g'^1 = g^1 + (regulariser's gradient)
    r = rule(nt, resolve("adam"))
    u = unroll(nt, r, 1)
    sym = symbolic(nt, r)
    g1, one = nt.g(1), sympy.Integer(1)
    gprime = add(g1, grad.xreplace({T: one}))
    sub = {g1: gprime}
    mhat1 = sympy.cancel(u.values[1]["mhat"]).xreplace(sub)
    vhat1 = sympy.cancel(u.values[1]["vhat"]).xreplace(sub)
    written = r.update(sym, one)[0]
    step = eps_last(ev(written.xreplace({sym("mhat", one): mhat1, sym("vhat", one): vhat1})), EPS)
    w1, w2 = nt.w(nt.param_index(one) - 1), nt.w(nt.param_index(one))
    approx = order_sums(to_sign(ev(step).subs(EPS, 0)), [g1])
    step = order_sums(step, [g1])
    blocks += [Block.text("Coupled (L2 through the gradient, as torch.optim.Adam(weight_decay=...)): step 1 with ",
                          Tex(f"{latex(gp(1))} = {latex(gprime)}"), ":"),
               Block.equations([
                   Line(latex(nt.seq("m", hat=True)(1)), (latex(gp(1)), latex(gprime)), (EQ, EQ), tag="l2:mhat1"),
                   Line(latex(nt.seq("v", hat=True)(1)), (latex(gp(1) ** 2), latex(gprime ** 2)), (EQ, EQ),
                        tag="l2:vhat1"),
                   Line(latex(w2), (latex(ordered_sum([w1, mul(-1, written)])),
                                    latex(ordered_sum([w1, mul(-1, step)])),
                                    latex(ordered_sum([w1, mul(-1, approx)]))),
                        (EQ, EQ, APPROX), tag="l2:coupled")]),
               Block.text("Adam divides the regulariser's pull by the same root as the gradient: the first step "
                          "has length about ", Tex(r"\alpha"), " whatever ", Tex(r"\lambda"),
                          " is, so a large weight is not shrunk faster than a small one.")]
    hw = resolve("adamw", {"weight_decay": 0.01})
    rw = rule(nt, hw)
    uw = unroll(nt, rw, 1)
    dec = update_line(nt, rw, uw, 1)
    blocks += [Block.text("Decoupled (AdamW, Loshchilov & Hutter; PyTorch multiplies w by 1 - alpha lambda "
                          "before the Adam step):"),
               Block.equations([dec]),
               Block.text("The decay ", Tex(latex(mul(ALPHA, LAM, w1))),
                          " is not normalised: it is proportional to the weight, independent of the gradient's "
                          "scale.")]
    return Part(label, title, tuple(blocks))
