"""Automatic differentiation on a Wengert list: forward primal values, forward tangents, reverse adjoints.

Pure numbers here; the worked lines (chain rule, traces) are laid out by :mod:`derive.traces`. In *exact* mode each
value is computed exactly (Rational) or at ``Settings.precision`` digits; in *handwritten* mode each intermediate is
rounded to the displayed figures and the rounded value is carried on, as on a calculator-by-hand sheet.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import sympy

from derive.derivation import Derivation
from derive.render import jupyter_display, render, summary
from derive.errors import InputError, LimitError
from derive.evaluate import point_of, value_of
from derive.autodiff.graph import Graph, Node, build_graph
from derive.latex import latex
from derive.numbers import format_number, rounded, to_float
from derive.parse import from_sympy, parse
from derive.ops import OPS
from derive.settings import Settings
from derive.autodiff.tracing import trace
from derive.autodiff.traces import derivation_for

PARTS = ("chain", "forward", "tangent", "reverse")

# The chain-rule and tangent parts are worked once per input they differentiate by (a tangent trace is one forward
# pass per input: inputs x nodes lines). Without ``wrt`` they are worked for the first MAX_DIRECTIONS inputs and
# say so; the reverse trace gives the whole gradient in one pass whatever the number of inputs. An explicit ``wrt``
# of more inputs than this is refused, so the document stays a bounded size per node.
MAX_DIRECTIONS = 8


def _values_in(e: sympy.Expr, mapping: Mapping[sympy.Symbol, sympy.Expr]) -> sympy.Expr:
    """Substitute numbers for node symbols *without* evaluating the structure (kept for display and evaluation)."""
    if e in mapping:
        return mapping[e]
    if not e.args:
        return e
    return e.func(*(_values_in(a, mapping) for a in e.args), evaluate=False)


# A decimal of more digits than this stays a fraction: the decimal is meant to be read, as on the sheet.
DECIMAL_DIGITS = 30


class DecimalRational(sympy.Rational):
    """An exact Rational whose decimal ends (``6363/5``), shown as that decimal (``1272.6``), as the README and a
    hand-worked sheet write it. It equals, hashes as and computes as the plain Rational (results are plain)."""

    __slots__ = ()

    def __new__(cls, p: int, q: int = 1) -> "DecimalRational":
        # built directly: Rational's constructor returns its own cached instances (S.Half), never a subclass
        g = math.gcd(int(p), int(q)) * (-1 if q < 0 else 1)   # lowest terms, the sign on p: as Rational keeps it
        obj = sympy.Expr.__new__(cls)
        obj.p, obj.q = int(p) // g, int(q) // g
        return obj

    def __hash__(self) -> int:
        return hash(sympy.Rational(self.p, self.q))   # the plain Rational's hash: equal values, one dict key

    def __str__(self) -> str:
        sign, p, q = ("-" if self.p < 0 else ""), abs(self.p), self.q
        places = _places(q)
        if places < 0:   # built by hand from a fraction whose decimal never ends
            return f"{self.p}/{q}"
        whole, frac = divmod(p * 10 ** places // q, 10 ** places)
        return f"{sign}{whole}." + f"{frac:0{places}d}".rstrip("0")

    __repr__ = __str__

    def _repr_latex_(self) -> str:
        return f"$\\displaystyle {self}$"   # as SymPy's own numbers show in Jupyter


def _places(q: int) -> int:
    """Decimal places of 1/q, or -1 when its decimal never ends (q has a prime factor other than 2 and 5)."""
    twos = (q & -q).bit_length() - 1
    rest, fives = q >> twos, 0
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    return max(twos, fives) if rest == 1 else -1


def shown(value: sympy.Expr) -> sympy.Expr:
    """``value`` as a :class:`DecimalRational` when it is a fraction with a short decimal; otherwise itself."""
    if isinstance(value, sympy.Rational) and not value.is_Integer and not isinstance(value, DecimalRational) \
            and int(value.q).bit_length() <= 4 * DECIMAL_DIGITS:   # a longer denominator has a longer decimal
        places = _places(int(value.q))
        if 0 < places and int(value.p).bit_length() * 0.30103 + places <= DECIMAL_DIGITS:
            return DecimalRational(value.p, value.q)
    return value


@dataclass
class AutodiffResult:
    """Everything derived for one expression at one point; ``derivation`` is the worked solution."""

    graph: Graph
    settings: Settings
    wrt: list[str]
    values: dict[int, sympy.Expr]
    adjoints: dict[int, sympy.Expr]
    tangents: dict[str, dict[int, sympy.Expr]]
    partial_values: dict[tuple[int, int], sympy.Expr]
    parts: tuple[str, ...]
    forward_letter: str
    given_names: dict[str, str] = field(default_factory=dict)   # symbol name -> the name the user typed (x_{12} -> x_12)
    directions: list[str] = field(default_factory=list)   # the inputs the chain rule / tangent trace are worked for
    _derivation: Derivation | None = field(default=None, repr=False)

    @property
    def nodes(self) -> list[Node]:
        return self.graph.nodes

    @property
    def shown(self) -> list[str]:
        """The inputs the chain rule and tangent trace are worked for (``wrt``, at most MAX_DIRECTIONS of them)."""
        return self.directions or self.wrt

    @property
    def value(self) -> sympy.Expr:
        return self.values[self.graph.output]

    @property
    def gradient(self) -> dict[str, sympy.Expr]:
        """∂y/∂input for every input, from the reverse trace."""
        return {self.given_names.get(n.name, n.name): self.adjoints[n.index] for n in self.graph.inputs}

    def symbol(self, index: int) -> sympy.Symbol:
        return self.graph.symbol(index)

    def partial(self, i: int, j: int) -> sympy.Expr:
        """Local partial ∂v_i/∂v_j in node symbols."""
        return self.graph.partial(i, j)

    @property
    def derivation(self) -> Derivation:
        if self._derivation is None:
            self._derivation = derivation_for(self)
        return self._derivation

    def to_dict(self) -> dict[str, Any]:
        return self.derivation.to_dict()


    def data(self) -> dict[str, Any]:
        """JSON-ready numbers at full precision (not rounded for display)."""
        g = self.graph
        size = g.sizes()
        out: dict[str, Any] = {
            "value": to_float(self.value),
            "gradient": {k: to_float(v) for k, v in self.gradient.items()},
            "nodes": [{"index": n.index, "name": n.name or f"{g.letter}_{n.index}", "op": n.op,
                       # written out in the inputs while short; a long one is given by its step (no swell)
                       "expr": str(n.expr) if size[n.index] <= 40 else str(g.local(n.index)),
                       "step": str(g.local(n.index)), "value": to_float(self.values[n.index]),
                       "args": list(n.args)} for n in g.nodes],
            "adjoints": {str(i): to_float(v) for i, v in sorted(self.adjoints.items())},
            "settings": {"log_base": self.settings.log_base, "rounding": self.settings.rounding,
                         "sigfigs": self.settings.sigfigs, "letter": self.settings.letter},
            "wrt": list(self.wrt),
        }
        if self.shown != self.wrt:
            out["directions"] = [self.given_names.get(w, w) for w in self.shown]
        if "tangent" in self.parts:
            out["tangents"] = {self.given_names.get(name, name): {str(i): to_float(v) for i, v in sorted(t.items())}
                               for name, t in self.tangents.items()}
        return out


@render.register
def _render_result(result: AutodiffResult, fmt: str = "latex", *, standalone: bool = False,
                   kind: str | None = None) -> str:
    """An autodiff result renders as its derivation (JSON kind ``autodiff``)."""
    return render(result.derivation, fmt, standalone=standalone, kind=kind or "autodiff")


# An expression of more symbols and operations than this is named by its graph in the one-line summary.
SUMMARY_SIZE = 40


@summary.register
def _summary_result(result: AutodiffResult) -> str:
    g, sig = result.graph, result.settings.sigfigs
    out = g[g.output]
    f = latex(out.expr) if g.sizes()[g.output] <= SUMMARY_SIZE else f"a graph of {len(g.nodes)} nodes"
    names = {n.name: result.given_names.get(n.name, n.name) for n in g.inputs}
    at = ", ".join(f"{names[n.name]}={format_number(result.values[n.index], sig)}" for n in g.inputs[:6])
    grad = ", ".join(f"{k} {format_number(v, sig)}" for k, v in list(result.gradient.items())[:6])
    more = ", …" if len(g.inputs) > 6 else ""
    return (f"f = {f} at {at}{more}: value {format_number(result.value, sig)}, gradient ({grad}{more}); "
            f"{len(g.nodes)} nodes, {result.settings.rounding}")


jupyter_display(AutodiffResult)


def _carry(value: sympy.Expr, s: Settings) -> sympy.Expr:
    return rounded(value, s.sigfigs) if s.rounding == "handwritten" else value


def _step_value(graph: Graph, node: Node, values: Mapping[int, sympy.Expr], s: Settings) -> sympy.Expr:
    ops = [values[o] if isinstance(o, int) else o for o in node.operands]
    e = OPS[node.op].build(*ops, p=node.param)
    return value_of(e, s.precision, lambda: f"step {graph.describe(node.index)}")


def forward_values(graph: Graph, at: Mapping[str, sympy.Expr], s: Settings) -> dict[int, sympy.Expr]:
    values: dict[int, sympy.Expr] = {}
    for node in graph.nodes:
        if node.is_input:
            values[node.index] = at[node.name]
        else:
            values[node.index] = _carry(_step_value(graph, node, values, s), s)
    return values


def partial_values(graph: Graph, values: Mapping[int, sympy.Expr], s: Settings) -> dict[tuple[int, int], sympy.Expr]:
    """Every local partial ∂v_i/∂v_j at the point (from the carried values; not itself rounded)."""
    out: dict[tuple[int, int], sympy.Expr] = {}
    mapping = {graph.symbol(n.index): values[n.index] for n in graph.nodes}
    for node in graph.intermediates:
        for j in dict.fromkeys(node.args):
            e = _values_in(graph.partial(node.index, j), mapping)
            out[(node.index, j)] = value_of(e, s.precision, lambda i=node.index, j=j: f"the partial of "
                                            f"{graph.letter}_{i} with respect to {graph.letter}_{j}")
    return out


def reverse_adjoints(graph: Graph, pv: Mapping[tuple[int, int], sympy.Expr], s: Settings) -> dict[int, sympy.Expr]:
    """\\bar v_j = Σ_i \\bar v_i ∂v_i/∂v_j over the consumers i of j, output back to inputs (each rounded once)."""
    adj: dict[int, sympy.Expr] = {graph.output: sympy.S.One}
    for node in reversed(graph.nodes):
        j = node.index
        if j == graph.output:
            continue
        total = sympy.S.Zero
        for i in graph.consumers(j):
            total += adj[i] * pv[(i, j)]
        adj[j] = _carry(total, s)
    return adj


def forward_tangents(graph: Graph, pv: Mapping[tuple[int, int], sympy.Expr], s: Settings,
                     seed_input: str) -> dict[int, sympy.Expr]:
    """\\dot v_i = Σ_j ∂v_i/∂v_j \\dot v_j, seeded with \\dot x = 1 for the chosen input, 0 for the others."""
    tan: dict[int, sympy.Expr] = {}
    for node in graph.nodes:
        if node.is_input:
            tan[node.index] = sympy.S.One if node.name == seed_input else sympy.S.Zero
        else:
            tan[node.index] = _carry(sum((pv[(node.index, j)] * tan[j] for j in dict.fromkeys(node.args)),
                                         sympy.S.Zero), s)
    return tan


# ----------------------------------------------------------------------------------------------- inputs

def _point(at: Mapping[str, Any] | Sequence[tuple[str, Any]] | str | None) -> list[tuple[str, sympy.Expr]]:
    # one validation of a point for the CLI, problem sets and the library (raw TypeErrors never reach a caller)
    if at is None:
        raise InputError("no point given: pass the input values, e.g. at={'x': 5}", "at")
    return point_of(at)


def _free_names(e: sympy.Basic) -> set[str]:
    """Symbol names in ``e`` without recursion (a traced loop nests as deep as it ran)."""
    seen: set[int] = set()
    names: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        if x.is_Symbol:
            names.add(x.name)
        stack.extend(x.args)
    return names


def _match_names(point: list[tuple[str, sympy.Expr]], free: Iterable[str]) -> list[tuple[str, sympy.Expr]]:
    """Accept x1 for x_1 and x_{1}: the name the user typed is matched to the symbol the parser made."""
    free = set(free)
    norm = {f.replace("{", "").replace("}", "").replace("_", ""): f for f in free}
    out = []
    for name, v in point:
        if name in free:
            out.append((name, v))
            continue
        key = name.replace("{", "").replace("}", "").replace("_", "")
        out.append((norm.get(key, name), v))
    return out


def to_expression(expr: Any, log_base: str) -> tuple[sympy.Expr, list[str] | None]:
    """Text (LaTeX or plain), a SymPy expression, or a Python function (traced) -> written-order expression."""
    if isinstance(expr, str):
        return parse(expr, log_base), None
    if isinstance(expr, sympy.Basic):
        return from_sympy(expr), None
    if callable(expr):
        return trace(expr)
    raise InputError(f"cannot differentiate a {type(expr).__name__}: give LaTeX, a plain expression, a SymPy "
                     "expression or a Python function")


def autodiff(expr: Any, at: Any = None, wrt: str | Sequence[str] | None = None, log_base: str = "e",
             letter: str = "v", sigfigs: int = 3, rounding: str = "exact",
             parts: Sequence[str] | str = PARTS, forward_letter: str | None = None) -> AutodiffResult:
    """Build the graph of ``expr`` and derive it at the point ``at`` (inputs numbered in the order given).

    ``expr``: LaTeX, a plain string, a SymPy expression, or a Python function using derive's ``ln``, ``sin`` …
    ``wrt``: the inputs to differentiate by in the chain-rule and tangent parts (default: every input; those two
    parts are then worked for the first ``MAX_DIRECTIONS`` inputs only, with a note, and the reverse trace gives
    every input's derivative). An explicit ``wrt`` of more than ``MAX_DIRECTIONS`` inputs is a LimitError when
    the chain-rule or tangent part is asked for.
    """
    s = Settings.make(sigfigs=sigfigs, rounding=rounding, log_base=str(log_base), letter=letter)
    if forward_letter is not None:
        Settings.make(letter=forward_letter)   # validates the name
    if not isinstance(parts, (str, list, tuple)) or not all(isinstance(p, str) for p in parts):
        raise InputError(f"parts must be a comma-separated string or a list of names from {', '.join(PARTS)}, "
                         f"not {parts!r}"[:300], "parts")
    parts_t = tuple(p.strip() for p in (parts.split(",") if isinstance(parts, str) else parts) if p.strip())
    bad = [p for p in parts_t if p not in PARTS]
    if bad or not parts_t:
        raise InputError(f"unknown part(s) {', '.join(bad) or '(none given)'}; choose from {', '.join(PARTS)}",
                         "parts")
    e, traced_names = to_expression(expr, s.log_base)
    point = _point(at)
    free = sorted(_free_names(e))
    typed = [n for n, _ in point]
    point = _match_names(point, free)
    given = {sym: name for (sym, _), name in zip(point, typed) if sym != name}
    if traced_names is not None:
        missing = [n for n in traced_names if n not in dict(point)]
        if missing:
            raise InputError(f"no value given for {', '.join(missing)}", "at")
    names = [n for n, _ in point]
    graph = build_graph(e, names, s.letter, s.base)
    at_map = dict(point)
    wrt_list = [wrt] if isinstance(wrt, str) else list(wrt) if wrt else names
    wrt_list = [w for w, _ in _match_names([(w, 0) for w in wrt_list], names)]
    unknown = [w for w in wrt_list if w not in at_map]
    if unknown:
        raise InputError(f"cannot differentiate with respect to {', '.join(unknown)}: not an input "
                         f"(inputs: {', '.join(names)})", "wrt")
    directions = _directions(wrt_list, explicit=bool(wrt), worked=bool({"chain", "tangent"} & set(parts_t)))
    values = forward_values(graph, at_map, s)
    pv = partial_values(graph, values, s)
    adj = reverse_adjoints(graph, pv, s)
    tangents = {w: forward_tangents(graph, pv, s, w) for w in directions} if "tangent" in parts_t else {}
    # the numbers a user reads (value, gradient, adjoints, tangents) show as decimals where they end, like the sheet
    values, adj = {i: shown(v) for i, v in values.items()}, {i: shown(v) for i, v in adj.items()}
    tangents = {w: {i: shown(v) for i, v in t.items()} for w, t in tangents.items()}
    return AutodiffResult(graph, s, wrt_list, values, adj, tangents, pv, parts_t, forward_letter or s.letter, given,
                          directions=directions)


def _directions(wrt: list[str], explicit: bool, worked: bool) -> list[str]:
    """The inputs the chain-rule and tangent parts are worked for: all of ``wrt`` while they are few; without an
    explicit ``wrt``, the first MAX_DIRECTIONS inputs (the parts say so); an explicit longer list is refused."""
    if len(wrt) <= MAX_DIRECTIONS:
        return list(wrt)
    if explicit and worked:
        raise LimitError(f"{len(wrt)} inputs to differentiate by; the chain rule and the tangent trace are worked "
                         f"for at most {MAX_DIRECTIONS} (one pass each); the reverse trace gives the whole gradient",
                         "wrt")
    return list(wrt[:MAX_DIRECTIONS])
