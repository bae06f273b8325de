"""The misconception table's perturbations of an autodiff step: the correct step changed one term at a time.

Each perturbation is (misconception id, explanation in the writer's names, perturbed terms); a wrong step that
equals one is diagnosed as that misconception (:mod:`derive.check.misconceptions` holds the titles).
"""
from __future__ import annotations

import re
from typing import Any

import sympy

from derive.check.reference import Key, Reference, Term
from derive.functions import sigmoid
from derive.ops import OPS

__all__ = ["perturbations"]


def perturbations(ref: Reference, q: Key, terms: list[Term]):
    """(misconception id, explanation, perturbed terms): one change at a time, most specific first."""
    g, nm = ref.g, ref.label
    w_ = ref.show_expr
    kind = q[0]
    for n, t in enumerate(terms):
        i, j = _edge(q, t)
        if i is None:
            continue
        node = g[i]
        if node.op == "log" and kind != "value":
            nat = sympy.E if node.param != sympy.E else sympy.Integer(10)
            alt_local = OPS["log"].partials(ref.node_sym[j], p=nat)[0]
            yield ("log-base", f"∂{nm(i)}/∂{nm(j)} = {_s(w_(t.local))} for the base-{_s(node.param)} log "
                               f"{nm(i)} = {_s(w_(g.local(i)))}, not {_s(w_(alt_local))}",
                   _replace(terms, n, t.factor, alt_local, t.via))
        if node.op == "div" and kind != "value" and len(node.operands) == 2 and node.operands[1] == j \
                and node.operands[0] != j:
            b = ref.node_sym[j]
            alt_local = sympy.Mul(-1, sympy.Pow(b, -2, evaluate=False), evaluate=False)
            yield ("quotient-rule", f"∂{nm(i)}/∂{nm(j)} = {_s(w_(t.local))} for {nm(i)} = {_s(w_(g.local(i)))}, "
                                    f"not {_s(w_(alt_local))}", _replace(terms, n, t.factor, alt_local, t.via))
        if kind != "value":
            slips = _rule_slips(node, ref.node_sym, j) if node.op != "step" else \
                _step_slips(g.local(i), ref.node_sym[j])
            for mid, alt_local in slips:
                yield (mid, f"∂{nm(i)}/∂{nm(j)} = {_s(w_(t.local))} for {nm(i)} = "
                            f"{_s(w_(g.local(i)))}, not {_s(w_(alt_local))}",
                       _replace(terms, n, t.factor, alt_local, t.via))
        if t.local != 0 and kind != "value":
            yield ("sign-slip", f"∂{nm(i)}/∂{nm(j)} = {_s(w_(t.local))} ({nm(i)} = {_s(w_(g.local(i)))}), "
                                f"written as {_s(w_(-t.local))}",
                   _replace(terms, n, t.factor, sympy.Mul(-1, t.local, evaluate=False), t.via))
    if kind == "adjoint" and len(terms) > 1:
        for n, t in enumerate(terms):
            yield ("fan-out", f"{nm(q[1])} feeds {', '.join(nm(u.via) for u in terms)}; the term "
                              f"through {nm(t.via)} is missing from the sum", terms[:n] + terms[n + 1:])
    if kind == "value":
        node = g[q[1]]
        syms = [ref.node_sym[a] if isinstance(a, int) else a for a in node.operands]
        if node.op == "log":
            other = sympy.E if node.param != sympy.E else sympy.Integer(10)
            alt = OPS["log"].build(syms[0], p=other)
            yield ("log-value-base", f"{nm(q[1])} = {_s(w_(g.local(q[1])))} is a base-{_s(node.param)} log, "
                                     f"not {_s(w_(alt))}", [Term(None, alt)])
        if node.op == "sub":
            for alt in (OPS["add"].build(*syms), OPS["sub"].build(syms[1], syms[0])):
                yield ("sub-sign", f"{nm(q[1])} = {_s(w_(g.local(q[1])))}, not {_s(w_(alt))}", [Term(None, alt)])


def _edge(q: Key, t: Term) -> tuple[int | None, int | None]:
    """The graph edge (i, j) whose local partial ∂v_i/∂v_j a term carries."""
    if q[0] == "adjoint" and t.via is not None:
        return t.via, q[1]
    if q[0] == "tangent" and t.via is not None:
        return q[1], t.via
    if q[0] == "partial":
        return q[1], q[2]
    return None, None


def _rule_slips(node: Any, node_sym: dict, j: int) -> list[tuple[str, sympy.Expr]]:
    """Wrong local partials ∂node/∂v_j people write, by the node's operation: (misconception id, the slip)."""
    ops = [node_sym[a] if isinstance(a, int) else a for a in node.operands]
    u = node_sym[j]
    if node.op == "sigmoid":
        return [("sigmoid-derivative", sigmoid(u))]
    if node.op == "tanh":
        th = sympy.tanh(u, evaluate=False)
        return [("tanh-derivative", sympy.Add(1, -th, evaluate=False)),
                ("tanh-derivative", sympy.Add(1, sympy.Pow(th, 2, evaluate=False), evaluate=False)),
                ("tanh-derivative", th)]
    if node.op == "mul" and len(ops) == 2 and ops[0] != ops[1] and u in ops:
        return [("product-rule", u)]
    if node.op == "pow" and len(ops) == 2 and ops[0] == u and ops[1].is_number and ops[1] not in (0, 1):
        n = ops[1]
        return [("power-rule", sympy.Pow(u, n - 1, evaluate=False)),
                ("power-rule", sympy.Mul(n, sympy.Pow(u, n, evaluate=False), evaluate=False)),
                ("power-rule", sympy.Pow(u, n, evaluate=False))]
    if node.op == "sqrt":   # √u = u^{1/2}: the factor 1/2 dropped, or the exponent not lowered
        root = sympy.Pow(u, sympy.Rational(1, 2), evaluate=False)
        return [("power-rule", sympy.Pow(root, -1, evaluate=False)),
                ("power-rule", sympy.Mul(sympy.Rational(1, 2), root, evaluate=False))]
    return []


def _one_op_slips(m: sympy.Expr, f: sympy.Expr) -> list[tuple[str, sympy.Expr]]:
    """Wrong ∂m/∂f people write when m is one operation of f (the same slips as :func:`_rule_slips`)."""
    if isinstance(m, sigmoid):
        return [("sigmoid-derivative", m)]
    if isinstance(m, sympy.tanh):
        return [("tanh-derivative", 1 - m), ("tanh-derivative", 1 + m ** 2), ("tanh-derivative", m)]
    if m.is_Mul and len(m.args) == 2 and f in m.args and m.args[0] != m.args[1]:
        return [("product-rule", f)]
    if m.is_Pow and m.base == f and m.exp.is_number and m.exp not in (0, 1):
        return [("power-rule", f ** (m.exp - 1)), ("power-rule", m.exp * m), ("power-rule", m)]
    return []


def _step_slips(e: sympy.Expr, o: sympy.Symbol) -> list[tuple[str, sympy.Expr]]:
    """A writer's merged step (z = wx + b in one line): ∂e/∂o with one operation inside it slipped, by the chain
    rule -- so the table's slips are found inside merged steps too."""
    out: list[tuple[str, sympy.Expr]] = []
    whole = sympy.diff(e, o)
    M, F = sympy.Dummy("M"), sympy.Dummy("F")
    for m in sympy.preorder_traversal(e):
        if not isinstance(m, sympy.Expr) or not m.has(o) or m == o:
            continue
        for f in {a for a in m.args if isinstance(a, sympy.Expr) and a.has(o)}:
            slips = _one_op_slips(m, f)
            if not slips:
                continue
            outer = sympy.diff(e.xreplace({m: M}), M).xreplace({M: m})
            right = sympy.diff(m.xreplace({f: F}), F).xreplace({F: f})
            inner = sympy.diff(f, o)
            for mid, slip in slips:
                out.append((mid, whole + outer * (slip - right) * inner))
        if len(out) > 24:   # bounded work for a long merged step
            break
    return out


def _replace(terms: list[Term], n: int, factor, local, via) -> list[Term]:
    return terms[:n] + [Term(factor, local, via)] + terms[n + 1:]


def _s(e: Any) -> str:
    """Plain text for a message, in written order, with the log's base spelled out."""
    if not isinstance(e, sympy.Basic):
        return str(e)
    text = sympy.sstr(e, order="none")
    text = re.sub(r"\blog\(([^(),]+), 10\)", r"log10(\1)", text)
    text = re.sub(r"\blog\(([^(),]+), 2\)", r"log2(\1)", text)
    text = re.sub(r"\blog\((\d+)\)", r"ln(\1)", text)
    text = re.sub(r"\blog\(([^(),]+)\)", r"ln(\1)", text)
    text = text.replace("{", "").replace("}", "")
    return text
