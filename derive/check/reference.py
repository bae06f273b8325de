"""What an autodiff solution should say: every quantity of the Wengert list, three ways.

A *key* names a quantity: ``("value", i)``, ``("adjoint", i)``, ``("tangent", i)``, ``("partial", k, j)`` (the local
partial ∂v_k/∂v_j) or ``("total", k, j)`` (d v_k / d input j). For each key the reference gives

- its meaning as a function of the inputs (to judge a symbolic step: same function ⇒ right, whatever the form),
- its exact value at the point,
- its *carried-forward* value: the step's own formula evaluated with the writer's earlier numbers, so a line that
  builds correctly on an earlier slip is not reported again,
- its formula as terms ``Σ factor · local`` in node symbols (for the expected side of a report and for the
  misconception table, which perturbs one term at a time).

The writer's notation (``N_3``, ``\\bar{v}_{-1}``, ``\\bar x``, ``y``, ``\\dot v_2``, ∂-fractions between named
quantities or whole subexpressions) is mapped onto keys by :meth:`Reference.resolve`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import sympy

from derive.autodiff.sweeps import AutodiffResult, forward_tangents, forward_values, partial_values, reverse_adjoints
from derive.autodiff.graph import Graph
from derive.autodiff.notation import bar, dot
from derive.check.reading.document import Written, WrittenPartial
from derive.compare import Draw, canonical, num, ordered_symbols, same_function, sample_points, shape
from derive.parse import replace_unevaluated
from derive.settings import Settings
from derive.latex import latex

Key = tuple
OUTPUT_NAMES = ("y", "f", "L", "z", "F", "J", "E", "l")
_SPREAD = Draw(120, 380)   # the inputs of the two extra sample points: 1.20 ... 3.80


class Unresolved(Exception):
    """A written quantity that names nothing in this problem (the message says what and why)."""


@dataclass(frozen=True)
class Term:
    """One term of a formula: ``factor`` (a key whose value multiplies, or None) times ``local`` (node symbols)."""

    factor: Key | None
    local: sympy.Expr
    via: int | None = None     # the node the term goes through (consumer for adjoints, operand for tangents)
    partial: Key | None = None  # the local partial ``local`` stands for (its written value is carried on)


class Reference:
    """The derivation of one autodiff problem, in the forms a checker needs."""

    def __init__(self, result: AutodiffResult, graph: Graph | None = None) -> None:
        """``graph``: the writer's own graph of the same function (:mod:`derive.check.autodiff.writer`) in place
        of derive's; every quantity (values, partials, adjoints, tangents) is then derived on it."""
        g = graph or result.graph
        self.result, self.g, self.out = result, g, g.output
        self.letter = g.letter
        self.base = result.settings.base
        exact = Settings.make(log_base=result.settings.log_base, rounding="exact", letter=g.letter)
        given = {n.name: result.values[n.index] for n in result.graph.inputs}
        at = {n.name: given[n.name] for n in g.inputs}
        self.values = forward_values(g, at, exact)
        self.pv = partial_values(g, self.values, exact)
        self.adj = reverse_adjoints(g, self.pv, exact)
        self.tan = {n.name: forward_tangents(g, self.pv, exact, n.name) for n in g.inputs}
        hand = Settings.make(log_base=result.settings.log_base, rounding="handwritten", letter=g.letter,
                             sigfigs=result.settings.sigfigs)
        self.hw_values = forward_values(g, at, hand)
        self.hw_pv = partial_values(g, self.hw_values, hand)
        self.hw_adj = reverse_adjoints(g, self.hw_pv, hand)
        self.hw_tan = {n.name: forward_tangents(g, self.hw_pv, hand, n.name) for n in g.inputs}
        self.inputs = {n.name: n.index for n in g.inputs}
        self.input_sym = {n.index: sympy.Symbol(n.name) for n in g.inputs}
        self.point = {sympy.Symbol(n.name): self.values[n.index] for n in g.inputs}
        self.expr_in = {n.index: canonical(n.expr) for n in g.nodes}
        self.node_sym = {n.index: g.symbol(n.index) for n in g.nodes}
        self._to_in = {self.node_sym[i]: e for i, e in self.expr_in.items()}
        self._adj_in: dict[int, sympy.Expr] | None = None
        letters = {g.letter, result.forward_letter, "v", "N"}
        self.letters = {L for L in letters if L not in self.inputs}
        self._norm_inputs = {_norm_name(n): n for n in self.inputs}
        self._match_cache: dict[sympy.Expr, int | None] = {}
        self._shapes: dict[sympy.Basic, tuple] = {}   # compare.shape's memo, shared by every node's expression
        self.alias: dict[int, int] = {}   # the writer's own node numbers -> derive's (learnt from their trace)
        self.named: dict[str, Any] = {}   # the writer's names (z, a, h_1): a node number, or an expression in inputs
        # Inputs not differentiated by (``wrt``: a target t, a given constant) may be taken as their values by the
        # writer ("L = -ln a" for t = 1): they stay at the point in every sample.
        wrt = set(result.wrt or self.inputs)
        self.samples = [self.point] + sample_points(
            list(self.point), 2, lambda s, k: _SPREAD if s.name in wrt else self.point[s], seed=7)

    # ------------------------------------------------------------------------------------------ notation
    def resolve(self, sym: sympy.Symbol, lhs: bool = False) -> Key:
        """The key a written symbol names, or :class:`Unresolved`.

        ``lhs``: the symbol is what a statement derives. There ∂y/∂x means the total derivative; inside a
        chain-rule product ∂f/∂x with x a direct operand of f is the local partial (the other operand held fixed).
        """
        if isinstance(sym, WrittenPartial):
            return self._resolve_partial(sym, lhs)
        if not isinstance(sym, Written):
            raise Unresolved(f"unknown symbol {sym}")
        if sym.time.startswith("@"):   # f(0.6), f'(1): the function at a point, which must be the problem's
            sym = self._at_point(sym)
        if sym.deco == "grad":   # ∇f = (…, …): the k-th component is ∂f/∂ (k-th input differentiated by)
            order = list(self.result.wrt or self.inputs)
            k = int(sym.sub)
            if not 1 <= k <= len(order):
                raise Unresolved(f"∇{sym.base} has {len(order)} components, not {k}")
            return ("adjoint", self.inputs[order[k - 1]])
        name = written_name(sym) or _norm_name(sym.base + sym.sub)
        if sym.deco == "prime" and not sym.time and len(self.inputs) == 1 and \
                (self.named.get(name) == self.out or (name not in self.named and sym.base in OUTPUT_NAMES)):
            return ("total", self.out, next(iter(self.inputs.values())))   # f'(x): one input, so no ambiguity
        if written_name(sym) is not None and isinstance(self.named.get(name), sympy.Expr):
            return ("expr", name)
        # v_3' in a forward-mode trace is the tangent, as \dot v_3 is (a primed output with one input is f'(x))
        kind = {"": "value", "bar": "adjoint", "dot": "tangent", "prime": "tangent",
                **dict.fromkeys(NAME_DECOS, "value")}.get(sym.deco)
        if kind is None or sym.time or (sym.deco == "prime" and not sym.sub and name not in self.named):
            # L' alone (no node number or name of this sheet): a derivative of what? Not this problem's quantity
            raise Unresolved(f"{_show(sym)} is not a quantity of this problem")
        i = self._index(sym)
        return (kind, i)

    def _at_point(self, sym: Written) -> Written:
        args = sorted(sympy.Rational(a) for a in sym.time[1:].split(","))
        given = sorted(self.point.values())
        if len(args) != len(given) or any(abs(a - b) > sympy.Rational(1, 10 ** 9) for a, b in zip(args, given)):
            shown = f"{sym.base}{chr(39) if sym.deco == 'prime' else ''}({sym.time[1:].replace(',', ', ')})"
            raise Unresolved(f"{shown} is at another point than the problem's: not checked")
        return Written(sym.deco, sym.base, sym.sub, "")

    def _index(self, sym: Written) -> int:
        if sym.base in self.letters and sym.sub and sym.deco not in NAME_DECOS:   # \hat v_2 is not node v_2
            try:
                i = int(sym.sub)
            except ValueError:
                raise Unresolved(f"{_show(sym)}: the subscript is not a node number") from None
            i = self.alias.get(i, i)
            if i not in self.node_sym:
                lo, hi = min(self.node_sym), max(self.node_sym)
                raise Unresolved(f"{_show(sym)}: there is no node {i} (nodes are {lo} … {hi})")
            return i
        name = written_name(sym) or _norm_name(sym.base + sym.sub)
        if isinstance(self.named.get(name), int):
            return self.named[name]
        if name in self._norm_inputs:
            return self.inputs[self._norm_inputs[name]]
        if not sym.sub and sym.base in OUTPUT_NAMES and sym.deco not in NAME_DECOS:   # ŷ is its own quantity
            return self.out
        raise Unresolved(f"{_show(sym)} is not a quantity of this problem")

    def set_alias(self, alias: Mapping[int, int], named: Mapping[str, Any] | None = None) -> None:
        """Use the writer's node numbering (``alias``: their index -> derive's node) and names from now on."""
        named = dict(named or {})
        if alias != self.alias or named != self.named:
            self.alias, self.named = dict(alias), named
            self._match_cache = {}

    def shown(self, i: int) -> int:
        """The number the writer uses for derive's node i (messages speak the writer's numbering)."""
        for w, n in self.alias.items():
            if n == i:
                return w
        return i

    def label(self, i: int) -> str:
        """Derive's node i as the writer calls it: their own name (``a``), or the letter with their number."""
        for name, n in self.named.items():
            if n == i and isinstance(n, int):
                return name
        if self.g[i].is_input and (self.named or self.alias):   # the writer speaks of w and x, not v_-2
            return self.g[i].name
        return f"{self.letter}_{self.shown(i)}"

    def show_expr(self, e: Any) -> Any:
        """An expression in derive's node symbols (and adjoint/tangent symbols) in the writer's numbering."""
        if not (self.alias or self.named) or not isinstance(e, sympy.Basic):
            return e
        L, sub = self.letter, {}
        for i in self.node_sym:
            w = self.shown(i)
            name = self.label(i)
            if not name.startswith(f"{L}_"):
                sub[self.node_sym[i]] = sympy.Symbol(name)
            elif w != i:
                sub[self.node_sym[i]] = self.g.symbol(w)
                sub[bar(L, i)] = bar(L, w)
                sub[dot(L, i)] = dot(L, w)
        return e.xreplace(sub)

    def _resolve_partial(self, p: WrittenPartial, lhs: bool = False) -> Key:
        output_alias = isinstance(p.num, Written) and not p.num.sub and p.num.base in OUTPUT_NAMES \
            and p.num.base not in self.inputs and not p.num.deco and p.num.base not in self.named
        ks = [self.out] if output_alias else self.match_nodes(p.num)
        js = self.match_nodes(p.den)
        if not ks or not js:
            raise Unresolved("∂-fraction between quantities that are not nodes of this problem")
        if output_alias or (lhs and self.out in ks):
            return ("adjoint", js[0])
        if p.total:   # dv_3/dx: the total derivative, even where x is also a direct operand (v_3 = x v_2)
            for k in ks:
                for j in js:
                    if self.g[j].is_input:
                        return ("total", k, j)
        # Several nodes may be the same function ((√u)² and u, b·b and b²): take the pair that is an edge.
        for k in ks:
            for j in js:
                if j in self.g[k].args:
                    return ("partial", k, j)
        for k in ks:
            for j in js:
                if self.g[j].is_input:
                    return ("total", k, j)
        k, j = ks[0], js[0]
        raise Unresolved(f"∂{self.label(k)}/∂{self.label(j)}: {self.label(k)} does not depend directly on "
                         f"{self.label(j)}")

    def match_nodes(self, e: sympy.Expr) -> list[int]:
        """Every node a written expression may stand for: the structurally equal one first, then any node that
        is the same function of the inputs."""
        if isinstance(e, Written):
            key = self.resolve(e)
            return [key[1]] if key[0] == "value" else []
        if e in self._match_cache:
            return self._match_cache[e]
        try:
            subs = {s: self.key_in(self.resolve(s), {}) for s in ordered_symbols(e)}
            e_in = canonical(e.xreplace(subs))
            written = shape(replace_unevaluated(e, {s: self.g[self.resolve(s)[1]].expr for s in subs
                                                    if self.resolve(s)[0] == "value"}), self._shapes)
        except (Unresolved, ArithmeticError):
            return []
        # the node written as this very step first (u(x - x) is not x - x, though both are 0), then equal values
        same_step = {i for i in self.expr_in if shape(self.g[i].expr, self._shapes) == written}
        exact = [i for i, ref in self.expr_in.items() if ref == e_in or i in same_step]
        exact.sort(key=lambda i: i not in same_step)
        found = exact + [i for i, ref in self.expr_in.items() if i not in exact and self.same_function(ref, e_in)]
        self._match_cache[e] = found
        return found

    # ------------------------------------------------------------------------------------------ meanings
    def adj_in(self) -> dict[int, sympy.Expr]:
        """Adjoints as functions of the inputs (reverse accumulation on expressions)."""
        if self._adj_in is None:
            out = {self.out: sympy.S.One}
            for node in reversed(self.g.nodes):
                j = node.index
                if j == self.out:
                    continue
                out[j] = sympy.Add(*[out[k] * self.local_in(k, j) for k in self.g.consumers(j)])
            self._adj_in = out
        return self._adj_in

    def local_in(self, k: int, j: int) -> sympy.Expr:
        return canonical(self.g.partial(k, j).xreplace(self._to_in))

    def key_in(self, key: Key, seeds: Mapping[str, sympy.Expr]) -> sympy.Expr:
        kind = key[0]
        if kind == "expr":
            return self.named[key[1]]
        if kind == "value":
            return self.expr_in[key[1]]
        if kind == "adjoint":
            return self.adj_in()[key[1]]
        if kind == "tangent":
            i = key[1]
            if self.g[i].is_input:
                return seeds.get(self.g[i].name, sympy.S.Zero)
            return sympy.Add(*[s * sympy.diff(self.expr_in[i], sympy.Symbol(w)) for w, s in seeds.items()])
        if kind == "partial":
            return self.local_in(key[1], key[2])
        if kind == "total":
            return sympy.diff(self.expr_in[key[1]], self.input_sym[key[2]])
        raise KeyError(key)

    def exact(self, key: Key, seeds: Mapping[str, sympy.Expr]) -> sympy.Expr:
        kind = key[0]
        if kind == "expr":
            return num(self.named[key[1]].xreplace(self.point))
        if kind == "value":
            return self.values[key[1]]
        if kind == "adjoint":
            return self.adj[key[1]]
        if kind == "tangent":
            return sum((s * self.tan[w][key[1]] for w, s in seeds.items()), sympy.S.Zero)
        if kind == "partial":
            return self.pv[(key[1], key[2])]
        if kind == "total":
            return self.tan[self.g[key[2]].name][key[1]]
        raise KeyError(key)

    def handwritten(self, key: Key, seeds: Mapping[str, sympy.Expr]) -> list[sympy.Expr]:
        """The values derive's own handwritten rounding gives (each intermediate rounded and carried on)."""
        kind = key[0]
        if kind == "value":
            return [self.hw_values[key[1]]]
        if kind == "adjoint":
            return [self.hw_adj[key[1]]]
        if kind == "tangent":
            return [sum((s * self.hw_tan[w][key[1]] for w, s in seeds.items()), sympy.S.Zero)]
        if kind == "partial":
            return [self.hw_pv[(key[1], key[2])]]
        if kind == "total":
            name = self.g[key[2]].name
            out = [self.hw_tan[name][key[1]]]
            if key[1] == self.out:
                out.append(self.hw_adj[key[2]])
            return out
        return []

    def to_inputs(self, e: sympy.Expr, seeds: Mapping[str, sympy.Expr]) -> sympy.Expr:
        """A written expression as a function of the inputs."""
        subs = {s: self.key_in(self.resolve(s), seeds) for s in ordered_symbols(e)}
        return canonical(e.xreplace(subs))

    def same_function(self, a: sympy.Expr, b: sympy.Expr, rtol: float = 1e-12) -> bool:
        """Equal at the point and at two more sample points (a difference that is not identically 0 shows)."""
        return same_function(a, b, self.samples, rtol=rtol)

    # ------------------------------------------------------------------------------------------ formulas
    def formula(self, key: Key) -> list[Term]:
        """The step that defines a quantity, as terms in node symbols."""
        kind = key[0]
        g = self.g
        if kind == "value":
            i = key[1]
            if g[i].is_input:
                return [Term(None, self.node_sym[i])]
            return [Term(None, g.local(i))]
        if kind == "adjoint":
            j = key[1]
            if j == self.out:
                return [Term(None, sympy.S.One)]
            return [Term(("adjoint", k), g.partial(k, j), k, ("partial", k, j)) for k in g.consumers(j)]
        if kind == "tangent":
            i = key[1]
            if g[i].is_input:
                return [Term(("tangent", i), sympy.S.One)]
            return [Term(("tangent", j), g.partial(i, j), j, ("partial", i, j)) for j in dict.fromkeys(g[i].args)]
        if kind == "partial":
            return [Term(None, g.partial(key[1], key[2]))]
        return []

    def factor_symbol(self, key: Key) -> sympy.Expr:
        return {"adjoint": bar, "tangent": dot}[key[0]](self.letter, key[1])

    def formula_value(self, terms: list[Term], env: Mapping[Key, sympy.Expr], seeds, reuse: bool = False) -> Any:
        """A formula evaluated with the writer's numbers where written (exact values elsewhere). ``reuse``: a
        partial that contains a node's own step (e^{v_0} when v_1 = e^{v_0}, σ(v_2) when v_3 = σ(v_2)) takes the
        value written for that node, as a person reuses the number on the page."""
        vals = {self.node_sym[i]: env.get(("value", i), self.values[i]) for i in self.node_sym}
        if reuse:
            known = {self.g.local(i): self.node_sym[i] for i in self.node_sym
                     if ("value", i) in env and not self.g[i].is_input}
            terms = [Term(t.factor, t.local.xreplace(known), t.via, t.partial) for t in terms]
        total = sympy.S.Zero
        for t in terms:
            f = sympy.S.One if t.factor is None else env.get(t.factor, None)
            if f is None:
                f = self.exact(t.factor, seeds)
            local = env.get(t.partial) if t.partial is not None else None   # a partial the writer evaluated
            total += f * (local if local is not None else num(t.local.xreplace(vals)))
        return total

    def carried_total(self, k: int, i: int, env: Mapping[Key, sympy.Expr]) -> Any:
        """∂v_k/∂x_i by the chain rule on the writer's own numbers: every local partial and node value they wrote
        (a wrong ∂h/∂u of theirs included) and their derivatives of whole nodes (d/dx sin x²), the exact ones
        elsewhere -- what their f'(x) comes to, carried forward. None when they wrote no such derivative."""
        if not any(key[0] == "partial" or (key[0] == "total" and key[2] == i) for key in env):
            return None
        vals = {self.node_sym[n]: env.get(("value", n), self.values[n]) for n in self.node_sym}
        t: dict[int, Any] = {}
        for n in self.g.nodes:   # operands first
            if n.is_input:
                t[n.index] = sympy.S.One if n.index == i else sympy.S.Zero
                continue
            if ("total", n.index, i) in env and n.index != k:   # their d/dx sin(x^2), taken as it stands
                t[n.index] = env[("total", n.index, i)]
                continue
            t[n.index] = sum((env.get(("partial", n.index, a)) if ("partial", n.index, a) in env
                              else num(self.g.partial(n.index, a).xreplace(vals))) * t[a]
                             for a in dict.fromkeys(n.args) if t.get(a, 0) != 0)
        return num(t.get(k, sympy.S.Zero))

    def formula_in(self, terms: list[Term], seeds) -> sympy.Expr:
        total = sympy.S.Zero
        for t in terms:
            f = sympy.S.One if t.factor is None else self.key_in(t.factor, seeds)
            total += f * canonical(t.local.xreplace(self._to_in))
        return total

    def value_of_symbol(self, sym: sympy.Symbol, env: Mapping[Key, sympy.Expr], seeds, carried: bool) -> Any:
        key = self.resolve(sym)
        if carried and key in env:
            return env[key]
        if carried and key[0] == "partial":
            return self.formula_value(self.formula(key), env, seeds)
        return self.exact(key, seeds)


def _norm_name(name: str) -> str:
    return name.replace("{", "").replace("}", "").replace("_", "").replace("\\", "")


# \hat y, \tilde x, \vec u name quantities of their own (a prediction, a candidate): only \bar, \dot and a prime
# say "the adjoint / the tangent of".
NAME_DECOS = frozenset({"hat", "tilde", "vec"})


def written_name(sym: Any) -> str | None:
    """The key of a written name (``z``, ``h_1`` -> ``h1``, ``\\hat y``), or None for a role (an adjoint, a
    tangent), a time-indexed quantity or anything not written as a name."""
    if not isinstance(sym, Written) or sym.time or (sym.deco and sym.deco not in NAME_DECOS):
        return None
    name = _norm_name(sym.base + sym.sub)
    return rf"\{sym.deco}{{{name}}}" if sym.deco else name


def _show(sym: Written) -> str:
    return str(latex(sym))

