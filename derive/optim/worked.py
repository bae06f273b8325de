"""Parts of an optimizer derivation built from a :class:`~derive.optim.update_rules.Rule`: the update rule at step t and
the unrolled steps 1, 2, ... (each line: the recurrence, the initial values put in, the simplified result)."""
from __future__ import annotations

from typing import Sequence

import sympy

from derive.derivation import Block, Line, Part
from derive.latex import Tex, latex
from derive.optim.notation import (ALPHA, EPS, ETA, LAM, MU, RHO, T, TAU, Notation, eps_last, ev, ordered_sum,
                             unevaluated_subs)
from derive.optim.hyperparams import Hyper
from derive.optim.update_rules import Rule, Unrolled, approx_eps0, neg, order_sums, seq_of, symbolic, tidy

__all__ = ["update_part", "step_lines", "update_line", "steps_part", "defaults_text", "exact", "number_tex",
           "EQ", "APPROX", "TO", "IMPLIES",
           "ASSIGN"]

EQ, APPROX, TO = Tex("="), Tex(r"\approx"), Tex(r"\rightarrow")
IMPLIES, ASSIGN = Tex(r"\Rightarrow"), Tex(r"\leftarrow")


def number_tex(x: float) -> Tex:
    """A hyperparameter as typed: 0.9, 0.001, 10^{-8}, 5 \\times 10^{-4} (Python's shortest repr)."""
    text = repr(float(x))
    if "e" in text:
        mant, exp = text.split("e")
        mant = mant[:-2] if mant.endswith(".0") else mant
        power = f"10^{{{int(exp)}}}"
        return Tex(power if mant == "1" else f"{mant} \\times {power}")
    return Tex(text[:-2] if text.endswith(".0") else text)


def exact(x: float) -> sympy.Rational:
    """The decimal the user typed (0.9 -> 9/10), so printed numbers are not binary artefacts."""
    return sympy.Rational(repr(float(x)))


def _dedupe(first: sympy.Expr, chain: Sequence[tuple[Tex, sympy.Expr | Tex | None]]
            ) -> tuple[tuple[Tex, ...], tuple[Tex, ...]]:
    seen, rels, rhs = {latex(first)}, [], []
    for rel, e in chain:
        if e is None:
            continue
        tex = latex(e)  # a Tex passes through unchanged
        if tex in seen:
            continue
        seen.add(tex)
        rels.append(rel)
        rhs.append(tex)
    return tuple(rhs), tuple(rels)


def update_part(nt: Notation, r: Rule, label: str = "", title: str = "On iteration t:",
                extra: Sequence[Block] = ()) -> Part:
    """The rule at a general step: one display per recurrence (as the seed's 2(a)), then the initial values."""
    s = symbolic(nt, r)
    lines = []
    for rec in r.recurrences:
        lhs = seq_of(nt, rec)(T) if rec.key != "g" else nt.g(T)
        rel = ASSIGN if rec.assign else EQ
        lines.append(Line(latex(lhs), (latex(rec.rhs(s, T)),), (rel,), rec.note, tag=f"rule:{rec.key}"))
        if rec.first is not None:
            lines.append(Line(latex(seq_of(nt, rec)(1)), (latex(rec.first(s, sympy.Integer(1))),), (EQ,),
                              "first step", tag=f"rule:{rec.key}:1"))
    w_new, w_old = nt.w(nt.param_index(T)), nt.w(nt.param_index(T) - 1)
    lines.append(Line(latex(w_new), (latex(ordered_sum([w_old] + [neg(x) for x in r.update(s, T)])),), (EQ,),
                      r.update_note, tag="rule:w"))
    inits = [f"{latex(seq_of(nt, rec)(0))} = {latex(rec.init)}" for rec in r.recurrences if rec.init is not None]
    if inits:
        lines.append(Line(Tex(r", \quad ".join(inits) + ".")))
    blocks = [Block.equations(lines), *extra]
    blocks += [Block.text(n) for n in r.notes]
    return Part(label, title, tuple(blocks))


def step_lines(nt: Notation, r: Rule, u: Unrolled, k: int, order: Sequence[str] | None = None,
               with_update: bool = True) -> list[Line]:
    """Step ``k`` of the iteration: each quantity as recurrence = initial values put in = simplified value."""
    sym = symbolic(nt, r)
    gs = [nt.g(j) for j in range(1, k + 1)]
    inits = {sym(key, 0): val for key, val in u.values[0].items()}
    recs = [rec for rec in r.recurrences if not rec.assign]
    if order:
        recs.sort(key=lambda rec: order.index(rec.key) if rec.key in order else len(order))
    lines = []
    for rec in recs:
        f = rec.first if (rec.first is not None and k == 1) else rec.rhs
        written = f(sym, sympy.Integer(k))
        # "beta . 0 + (1 - beta) g^1": a dot, or the 0 would read as a digit of the symbol before it
        put_in = latex(unevaluated_subs(written, inits), mul_symbol="dot") if written.has(*inits) else None
        value = tidy(u.values[k][rec.key], gs)
        rhs, rels = _dedupe(seq_of(nt, rec)(k), [(EQ, written), (EQ, put_in), (EQ, value)])
        lines.append(Line(latex(seq_of(nt, rec)(k)), rhs, rels, tag=f"step{k}:{rec.key}"))
    if with_update:
        lines.append(update_line(nt, r, u, k))
    return lines


def update_line(nt: Notation, r: Rule, u: Unrolled, k: int) -> Line:
    """w^{new} = w^{old} - (terms) = (the step's values put in) ~ (its epsilon-free form)."""
    sym = symbolic(nt, r)
    kk = sympy.Integer(k)
    gs = [nt.g(j) for j in range(1, k + 1)]
    w_new, w_old = nt.w(nt.param_index(kk)), nt.w(nt.param_index(kk) - 1)
    written_terms = r.update(sym, kk)
    written = ordered_sum([w_old] + [neg(x) for x in written_terms])
    # put the simplified states into the written step, so its structure (a ratio over a root) stays visible
    mapping = {sym(key, kk): tidy(val, gs) for key, val in u.values[k].items() if key != "g"}
    mapping[sym("g", kk)] = u.values[k]["g"]
    terms = [order_sums(eps_last(ev(x.xreplace(mapping)), EPS), gs) for x in written_terms]
    value = ordered_sum([w_old] + [neg(x) for x in terms])
    approx = None
    if any(x.has(EPS) for x in terms):
        approx = ordered_sum([w_old] + [neg(order_sums(_eps_free(ev(x)), gs)) for x in terms])
    rhs, rels = _dedupe(w_new, [(EQ, written), (EQ, value), (APPROX, approx)])
    return Line(latex(w_new), rhs, rels, tag=f"step{k}:w")


def _eps_free(x: sympy.Expr) -> sympy.Expr:
    """The step for |g| >> epsilon: epsilon dropped, and g/|g| written as sign(g)."""
    e = x.subs(EPS, 0)
    return approx_eps0(x) if e.has(sympy.Abs) else e


def steps_part(nt: Notation, r: Rule, u: Unrolled, ks: Sequence[int], label: str = "", title: str = "") -> Part:
    blocks = []
    for k in ks:
        blocks.append(Block.text(f"Step {k}:"))
        blocks.append(Block.equations(step_lines(nt, r, u, k)))
    return Part(label, title or ("Unrolled steps " + ", ".join(map(str, ks))), tuple(blocks))


_SYMBOLS = {"lr": ALPHA, "eps": EPS, "weight_decay": LAM, "momentum": MU, "dampening": TAU, "alpha": RHO,
            "lr_decay": ETA}


def defaults_text(nt: Notation, h: Hyper, lead: str = "Values used (PyTorch's defaults unless given): ") -> Block:
    """``alpha = 0.001, beta = 0.9, ...`` for the hyperparameters the rule uses."""
    pairs: list[tuple[sympy.Symbol, float]] = []
    for key, value in h.values.items():
        if key == "betas":
            pairs += [(nt.beta1, value[0]), (nt.beta2, value[1])]
        elif key in _SYMBOLS and not isinstance(value, bool):
            if key in ("momentum", "dampening", "weight_decay", "lr_decay") and value == 0:
                continue
            pairs.append((_SYMBOLS[key], value))
    segs: list[str | Tex] = [lead]
    for i, (sym, value) in enumerate(pairs):
        segs.append(Tex(f"{latex(sym)} = {number_tex(value)}"))
        segs.append(", " if i < len(pairs) - 1 else ".")
    return Block.text(*segs)
