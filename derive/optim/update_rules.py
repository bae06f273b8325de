"""The optimizer family as data: each rule is a list of recurrences plus the parameter update, written once.

The same definitions give the update rule at a general step t (every quantity a symbol) and the unrolled steps
1, 2, ... (the recurrences iterated by SymPy from their initial values), so a printed closed form is always the
result of the iteration, never typed in. Conventions are PyTorch's (momentum buffer b^1 = g^1, dampening on later
steps, AdamW's decay lr*lambda*w, RMSprop's smoothing constant called alpha there and rho here).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy

from derive.optim.notation import (ALPHA, EPS, ETA, LAM, MU, RHO, TAU, Maximum, Notation, add, eps_last, ev, frac,
                             lin_comb, mul, one_minus, to_sign)
from derive.optim.hyperparams import Hyper

__all__ = ["Recurrence", "Rule", "rule", "Unrolled", "unroll", "tidy", "neg", "TITLES"]

TITLES = {"sgd": "SGD", "momentum": "SGD with momentum (PyTorch's convention)",
          "nesterov": "SGD with Nesterov momentum (PyTorch's convention)", "adagrad": "Adagrad",
          "rmsprop": "RMSprop", "adam": "Adam (Kingma & Ba)", "adamw": "AdamW (Loshchilov & Hutter)"}

S = Callable[[str, sympy.Expr], sympy.Expr]   # s(key, step) -> that quantity at that step


@dataclass(frozen=True)
class Recurrence:
    """``key^t = rhs(s, t)``; ``init`` is the value at step 0, ``first`` a different form at step 1."""

    key: str
    letter: str
    rhs: Callable[[S, sympy.Expr], sympy.Expr]
    note: str = ""
    init: sympy.Expr | None = None
    first: Callable[[S, sympy.Expr], sympy.Expr] | None = None
    hat: bool = False
    bar: bool = False
    assign: bool = False       # "g^t <- ...": the gradient rewritten in place (weight decay, maximize)


@dataclass(frozen=True)
class Rule:
    name: str
    title: str
    recurrences: tuple[Recurrence, ...]
    update: Callable[[S, sympy.Expr], list[sympy.Expr]]   # w_new = w_prev - sum(update terms)
    update_note: str = "update weight"
    notes: tuple[str, ...] = ()


def neg(x: sympy.Expr) -> sympy.Expr:
    return sympy.Mul(sympy.Integer(-1), x, evaluate=False)


def _grad_mods(h: Hyper) -> list[Recurrence]:
    mods = []
    if h.get("maximize"):
        mods.append(Recurrence("g", "g", lambda s, t: mul(-1, s("g", t)), "maximize: ascend the objective",
                               assign=True))
    if h.get("weight_decay") and not h.get("decoupled"):
        mods.append(Recurrence("g", "g", lambda s, t: add(s("g", t), mul(LAM, s("w", t))),
                               "coupled weight decay (L2, PyTorch's weight_decay = lambda)", assign=True))
    return mods


def rule(nt: Notation, h: Hyper) -> Rule:
    """The update rule of ``h.name`` with the options in ``h`` (weight decay, Nesterov, centered, AMSGrad...)."""
    name, mods = h.name, _grad_mods(h)
    b1, b2 = nt.beta1, nt.beta2
    if name in ("sgd", "momentum", "nesterov"):
        if h["momentum"] == 0:
            return Rule(name, TITLES[name], tuple(mods), lambda s, t: [mul(ALPHA, s("g", t))])
        damp = (lambda x: mul(one_minus(TAU), x)) if h["dampening"] else (lambda x: x)
        buf = Recurrence("b", "b", lambda s, t: add(mul(MU, s("b", t - 1)), damp(s("g", t))),
                         "momentum buffer", first=lambda s, t: s("g", t))
        if h["nesterov"]:
            upd = lambda s, t: [mul(ALPHA, add(s("g", t), mul(MU, s("b", t))))]  # noqa: E731 (look-ahead gradient)
        else:
            upd = lambda s, t: [mul(ALPHA, s("b", t))]  # noqa: E731
        return Rule(name, TITLES[name], tuple(mods) + (buf,), upd,
                    notes=("PyTorch starts the buffer at the first gradient, b^1 = g^1, and dampens later "
                           "steps only.",))
    if name == "adagrad":
        g0 = sympy.nsimplify(h["initial_accumulator_value"], rational=True)
        acc = Recurrence("G", "G", lambda s, t: add(s("G", t - 1), s("g", t) ** 2), "sum of squared gradients",
                         init=g0)
        # alpha / (1 + (t - 1) eta): at a numbered step the t - 1 is worked out (1 + eta, not 1 + (2 - 1) eta)
        lr_t = ((lambda t: frac(ALPHA, add(1, mul(t - 1 if t.is_Integer else add(t, -1), ETA))))
                if h["lr_decay"] else (lambda t: ALPHA))
        return Rule(name, TITLES[name], tuple(mods) + (acc,),
                    lambda s, t: [mul(lr_t(t), frac(s("g", t), add(sympy.sqrt(s("G", t)), EPS)))])
    if name == "rmsprop":
        recs = list(mods) + [Recurrence("v", "v", lambda s, t: add(mul(RHO, s("v", t - 1)),
                                                                  mul(one_minus(RHO), s("g", t) ** 2)),
                                        "running mean of squared gradients", init=sympy.Integer(0))]
        if h["centered"]:
            recs.append(Recurrence("gbar", "g", lambda s, t: add(mul(RHO, s("gbar", t - 1)),
                                                                 mul(one_minus(RHO), s("g", t))),
                                   "running mean of gradients (centered)", init=sympy.Integer(0), bar=True))
            den = lambda s, t: add(sympy.sqrt(add(s("v", t), -s("gbar", t) ** 2)), EPS)  # noqa: E731
        else:
            den = lambda s, t: add(sympy.sqrt(s("v", t)), EPS)  # noqa: E731
        if h["momentum"] > 0:
            recs.append(Recurrence("b", "b", lambda s, t: add(mul(MU, s("b", t - 1)), frac(s("g", t), den(s, t))),
                                   "momentum buffer", init=sympy.Integer(0)))
            return Rule(name, TITLES[name], tuple(recs), lambda s, t: [mul(ALPHA, s("b", t))],
                        notes=("rho is PyTorch's alpha (the smoothing constant); alpha here is the learning rate.",))
        return Rule(name, TITLES[name], tuple(recs), lambda s, t: [frac(mul(ALPHA, s("g", t)), den(s, t))],
                    notes=("rho is PyTorch's alpha (the smoothing constant); alpha here is the learning rate.",))
    # adam / adamw
    recs = list(mods) + [
        Recurrence("m", "m", lambda s, t: add(mul(b1, s("m", t - 1)), mul(one_minus(b1), s("g", t))),
                   "accumulated momentum (first moment)", init=sympy.Integer(0)),
        Recurrence("v", "v", lambda s, t: add(mul(b2, s("v", t - 1)), mul(one_minus(b2), s("g", t) ** 2)),
                   "second moment", init=sympy.Integer(0))]
    vkey = "v"
    if h["amsgrad"]:
        recs.append(Recurrence("vmax", r"\tilde{v}", lambda s, t: Maximum(s("vmax", t - 1), s("v", t)),
                               "running maximum (AMSGrad)", init=sympy.Integer(0)))
        vkey = "vmax"
    if h["bias_correction"]:
        recs += [Recurrence("mhat", "m", lambda s, t: frac(s("m", t), one_minus(b1 ** t)), "correction of initial bias",
                            hat=True),
                 Recurrence("vhat", "v", lambda s, t: frac(s(vkey, t), one_minus(b2 ** t)),
                            "correction of initial bias",
                            hat=True)]
        mk, vk = "mhat", "vhat"
    else:
        mk, vk = "m", vkey
    if h["eps_inside"]:
        step = lambda s, t: frac(mul(ALPHA, s(mk, t)), sympy.sqrt(add(s(vk, t), EPS)))  # noqa: E731
    else:
        step = lambda s, t: frac(mul(ALPHA, s(mk, t)), add(sympy.sqrt(s(vk, t)), EPS))  # noqa: E731
    if h["decoupled"] and h["weight_decay"]:
        upd = lambda s, t: [mul(ALPHA, LAM, s("w", t)), step(s, t)]  # noqa: E731
        notes = ("decoupled weight decay: the decay alpha lambda w is not divided by the root.",)
    else:
        upd, notes = (lambda s, t: [step(s, t)]), ()
    return Rule(name, TITLES[name], tuple(recs), upd, notes=notes)


def seq_of(nt: Notation, rec: Recurrence):
    return nt.seq(rec.letter, hat=rec.hat, bar=rec.bar)


def symbolic(nt: Notation, r: Rule) -> S:
    """s(key, t) as a symbol: m^t, g^t, w^t (the parameter *before* step t)."""
    classes = {rec.key: seq_of(nt, rec) for rec in r.recurrences}
    classes.setdefault("g", nt.g)

    def s(key: str, t: sympy.Expr) -> sympy.Expr:
        if key == "w":
            return nt.w(nt.param_index(t) - 1)
        return classes[key](t)
    return s


def tidy(expr: sympy.Expr, gs: list[sympy.Expr], ws: Sequence[sympy.Expr] = ()) -> sympy.Expr:
    """A readable form: a combination of g^1, g^2 ... (or their squares) in step order, or a fraction of one."""
    e = sympy.cancel(sympy.together(expr)) if not expr.has(Maximum) else expr
    if not ws:
        ws = sorted((a for a in e.atoms(sympy.Function) if a.func.__name__.startswith("seq_")
                     and a not in gs and not a.has(*gs)), key=sympy.default_sort_key)
    for basis in (list(gs) + list(ws), [g ** 2 for g in gs]):
        num, den = sympy.fraction(e)
        if den != 1 and not den.has(*gs):
            lc = lin_comb(num, basis)
            if lc is not None:
                return frac(lc, one_minus(1 - den) if (1 - den).is_Pow or (1 - den).is_Symbol else den)
        lc = lin_comb(e, basis)
        if lc is not None:
            return lc
    e = e if sympy.count_ops(e) <= sympy.count_ops(expr) else expr
    return eps_last(e, EPS)


@dataclass
class Unrolled:
    """The recurrences iterated to step n: ``values[k][key]`` (evaluated), ``update[k]`` the step's terms."""

    rule: Rule
    values: list[dict[str, sympy.Expr]]
    update: list[list[sympy.Expr]]


def unroll(nt: Notation, r: Rule, n: int) -> Unrolled:
    """Iterate every recurrence from its initial value to step ``n`` (g^k stay symbols; w^k too)."""
    sym = symbolic(nt, r)
    values: list[dict[str, sympy.Expr]] = [{rec.key: rec.init for rec in r.recurrences if rec.init is not None}]
    updates: list[list[sympy.Expr]] = [[]]
    for k in range(1, n + 1):
        cur: dict[str, sympy.Expr] = {"g": nt.g(k)}

        def s(key: str, t: sympy.Expr, _cur=cur) -> sympy.Expr:
            if t == k and key in _cur:
                return _cur[key]
            if isinstance(t, (int, sympy.Integer)) and 0 <= int(t) < k and key in values[int(t)]:
                return values[int(t)][key]
            return sym(key, t)

        for rec in r.recurrences:
            f = rec.first if (rec.first is not None and k == 1) else rec.rhs
            cur[rec.key] = sympy.expand(ev(f(s, sympy.Integer(k))))
        values.append(cur)
        updates.append([ev(x) for x in r.update(s, sympy.Integer(k))])
    return Unrolled(r, values, updates)


def approx_eps0(expr: sympy.Expr) -> sympy.Expr | None:
    """The epsilon-free form (what the step is for |g| >> epsilon), or None when epsilon does not appear."""
    if not expr.has(EPS):
        return None
    return to_sign(expr.subs(EPS, 0))


def order_sums(e: sympy.Basic, gs: Sequence[sympy.Expr]) -> sympy.Basic:
    """Every sum inside ``e`` that is a combination of g^1, g^2, ... (or their squares, or the weights) written
    in step order, as by hand: gamma (g^1)^2 + (g^2)^2 rather than SymPy's (g^2)^2 + gamma (g^1)^2."""
    if not e.args or not e.has(*gs):
        return e
    if e.is_Add:
        ws = sorted((a for a in e.atoms(sympy.Function) if a.func.__name__.startswith("seq_") and a not in gs),
                    key=sympy.default_sort_key)
        for basis in (list(gs) + ws, [g ** 2 for g in gs]):
            lc = lin_comb(e, basis)
            if lc is not None:
                return lc
    args = [order_sums(a, gs) for a in e.args]
    if e.is_Add or e.is_Mul:
        return e.func(*args, evaluate=False)
    if e.is_Pow:
        return sympy.Pow(*args, evaluate=False)
    return e.func(*args)
