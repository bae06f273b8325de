"""Learning the writer's names for the quantities of an autodiff problem, from their own definitions.

A forward trace need not number the graph as derive does (Baydin et al. compute sin v_0 before the sum; many
number from 1) and often names intermediates (``z = wx + b``, ``a = \\sigma(z)``, ``h = \\tanh u``). The first
definition of a number or a name maps it onto the node that is the same function of the inputs (or, for a name
with no such node, onto that expression); the state carries the mapping from line to line.
"""
from __future__ import annotations

from typing import Any

import sympy

from derive.check.reference import OUTPUT_NAMES, Reference, Unresolved, _norm_name, written_name
from derive.errors import DeriveError
from derive.check.reading.document import Written
from derive.compare import ordered_symbols

__all__ = ["learn_names"]


def learn_names(ref: Reference, st: Any, parsed: list) -> None:
    """Learn from one statement; a definition in terms of names not yet defined waits until they are."""
    before = (dict(st.named), dict(st.alias))
    if _learn(ref, st, parsed) == "later":
        st.pending.append(parsed)
    while st.pending and (dict(st.named), dict(st.alias)) != before:
        before = (dict(st.named), dict(st.alias))
        waiting, st.pending = st.pending, []
        for p in waiting:
            if _learn(ref, st, p) == "later":
                st.pending.append(p)


def _grounded(ref: Reference, st: Any, e: sympy.Expr) -> bool:
    """Every name in e is an input, a numbered node or a name already learnt (not an output alias like z)."""
    for sym in ordered_symbols(e):
        if isinstance(sym, Written) and not sym.deco and sym.base in OUTPUT_NAMES and not sym.sub \
                and _norm_name(sym.base) not in st.named and sym.base not in ref.inputs:
            return False
    return True


def _learn(ref: Reference, st: Any, parsed: list) -> str:
    """Learn the writer's names from their definitions. A forward-trace line ``v_3 = \\sin v_0`` that defines
    another node than derive's v_3 (the graph numbered in another order, or from 1) maps the writer's number
    onto that node; ``z = wx + b`` or ``h = \\tanh u`` names a node (or, if no node is that function, an
    expression of the inputs). A numbered definition that matches no node, or only one the writer has already
    defined, keeps derive's numbering (and is judged wrong there)."""
    lhs = parsed[0].expr if not isinstance(parsed[0], DeriveError) else None
    name = written_name(lhs)
    if name is None:
        return ""
    numbered = lhs.base in ref.letters and bool(lhs.sub) and not lhs.deco
    if numbered:
        try:
            w = int(lhs.sub)
        except ValueError:
            return ""
        if w in st.defined:
            return ""
    elif name in st.named or name in ref._norm_inputs:
        return ""
    claimed = set(st.defined.values())
    for p in parsed[1:]:
        if isinstance(p, DeriveError) or not p.expr.free_symbols or any("." in x for x in p.literals) \
                or lhs in p.expr.free_symbols:
            continue
        if not numbered and not _grounded(ref, st, p.expr):
            return "later"
        try:
            e_in = ref.to_inputs(p.expr, {})
        except Unresolved:
            return "" if numbered else "later"
        except (ArithmeticError, TypeError, ValueError):
            continue
        nodes = [i for i, e in ref.expr_in.items() if ref.same_function(e, e_in)]
        if not numbered:
            if nodes:
                if not (nodes[-1] == ref.out and lhs.base in OUTPUT_NAMES and not lhs.sub and not lhs.deco):
                    st.named[name] = nodes[-1]   # the last: an input's copy is the input itself
            elif not (lhs.base in OUTPUT_NAMES and not lhs.sub and not lhs.deco):
                st.named[name] = e_in
            ref.set_alias(st.alias, st.named)
            return
        if not nodes:
            continue
        if st.alias.get(w, w) in nodes:
            st.defined[w] = st.alias.get(w, w)
            return
        free = [i for i in nodes if i not in claimed]
        if free and not ref.g[free[0]].is_input and _same_operands(ref, p.expr, st.alias.get(w, w)):
            return   # derive's node w combines the same operands: a wrong operation, not a renumbering
        if free:
            st.defined[w] = free[0]
            if free[0] != w:
                st.alias[w] = free[0]
            else:
                st.alias.pop(w, None)
            ref.set_alias(st.alias, st.named)
        return

def _same_operands(ref: Reference, e: sympy.Expr, i: int) -> bool:
    if i not in ref.node_sym or ref.g[i].is_input:
        return False
    used = set()
    for sym in ordered_symbols(e):
        try:
            key = ref.resolve(sym)
        except Unresolved:
            return False
        if key[0] != "value":
            return False
        used.add(key[1])
    return used == {a for a in ref.g[i].args if isinstance(a, int)}
