"""The writer's own computational graph, read from the definitions on their sheet.

A forward trace is the writer's Wengert list: ``v_1 = e^{-v_0}`` may merge two of derive's steps, ``z = wx + b``
names one, and the nodes may be numbered and ordered in any way. When those definitions compute the problem's
function, the sheet is judged on *this* graph: its local partials are the derivatives of the writer's own steps
and an adjoint ``\\bar v_k`` is ∂y/∂v_k with the writer's other nodes held fixed -- computed by derive's own sweeps
on the graph built here. A step that is one operation of derive's table keeps that operation (so the
misconception table still applies to it); a merged step is an ``OPS["step"]`` of its own formula.

When the definitions do not compute the problem's function (a wrong step, an unfinished trace), there is no
writer's graph and the sheet is judged against derive's graph, where the wrong definition is found.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sympy

from derive.autodiff.graph import Graph, Node, build_graph
from derive.check.reading.document import Written
from derive.check.reference import OUTPUT_NAMES, Reference, written_name
from derive.compare import canonical, ordered_symbols
from derive.errors import DeriveError
from derive.ops import OPS
from derive.parse import replace_unevaluated

__all__ = ["WriterGraph", "writer_graph"]

MAX_DEFINITIONS = 400   # a sheet's forward trace; beyond it derive's graph is used (bounded work per sheet)
MAX_PASSES = 6          # passes over definitions written before the steps they use


@dataclass
class WriterGraph:
    """The writer's graph and how their names map onto its nodes."""

    graph: Graph
    named: dict[str, int] = field(default_factory=dict)      # writer's name (normalised) -> node index
    defined: dict[int, int] = field(default_factory=dict)    # writer's node number -> node index (itself)
    key: str = ""


def _key_of(ref: Reference, sym: Any) -> tuple | None:
    """("num", w) for a numbered node v_w, ("in", name) for an input, ("name", n) for any other plain name."""
    name = written_name(sym)
    if name is None:
        return None
    if sym.base in ref.letters and sym.sub and not sym.deco:
        try:
            return ("num", int(sym.sub))
        except ValueError:
            return None
    if name in ref._norm_inputs:
        return ("in", ref._norm_inputs[name])
    return ("name", name)


def _input_copy(ref: Reference, key: tuple | None, copies: dict[int, str], place: dict) -> tuple | None:
    """A numbered node that is an input: one the writer copied (v_{-1} = x_1), or, never defined, derive's own
    number of an input (v_0 for x_2)."""
    if key is None or key[0] != "num" or key in place:
        return key
    if key[1] in copies:
        return ("in", copies[key[1]])
    given = {n.index: n.name for n in ref.g.inputs}
    if not copies and key[1] in given:
        return ("in", given[key[1]])
    return key


def _is_problem(ref: Reference, rhs: sympy.Expr, keys: list[tuple]) -> bool:
    e_in = rhs.xreplace({s: sympy.Symbol(k[1]) for s, k in zip(ordered_symbols(rhs), keys)})
    try:
        return ref.same_function(canonical(e_in), ref.expr_in[ref.out])
    except (ArithmeticError, TypeError, ValueError):
        return False


def _definitions(ref: Reference, items: list[tuple[Any, list]]) -> tuple[list, dict, dict, tuple | None, set]:
    """The sheet's definitions, operands first: (writer key, right side with writer keys as placeholders).

    The first definition of a quantity counts, except that a later one written as a step of the trace refines
    one written in the inputs (the statement's ``a = σ(wx + b)``, then the trace's ``a = σ(z)``)."""
    defs: dict[tuple, sympy.Expr] = {}
    place: dict[tuple, sympy.Symbol] = {}       # writer key -> placeholder symbol in the right sides
    copies: dict[int, str] = {}                  # writer number -> the input it copies (v_{-1} = x_1)
    output: tuple | None = None
    restated: set[str] = set()                  # names the sheet gives the problem's function itself
    todo = list(items)
    # "f = u/v with u = e^x, v = 1 + x^2": a step may come before the steps it uses; a few passes settle what a
    # sheet writes out of order (bounded: a hostile reversed trace is not re-read once per definition)
    for _ in range(MAX_PASSES):
        deferred = []
        for item in todo:
            _stmt, parsed = item
            if len(parsed) < 2 or isinstance(parsed[0], DeriveError):
                continue
            lhs = parsed[0].expr
            key = _key_of(ref, lhs)
            if key is None or key[0] == "in" or (key[0] == "num" and key[1] in copies):
                continue
            rhs = next((p.expr for p in parsed[1:] if not isinstance(p, DeriveError) and p.expr.free_symbols
                        and not any("." in lit for lit in p.literals) and lhs not in p.expr.free_symbols), None)
            if rhs is None:
                continue
            keys = [_input_copy(ref, _key_of(ref, s), copies, place) for s in ordered_symbols(rhs)]
            if any(k is None or k == key for k in keys):
                continue
            if any(k[0] != "in" and k not in place for k in keys):
                deferred.append(item)
                continue
            if key in defs and not _refines(ref, defs, place, key, keys):
                continue
            for k in keys:
                if k[0] == "in":
                    place.setdefault(k, sympy.Symbol(f"in:{k[1]}"))
            is_output = key[0] == "name" and lhs.base in OUTPUT_NAMES and not lhs.sub and not lhs.deco
            if len(keys) == 1 and rhs == next(iter(rhs.free_symbols)):
                if keys[0][0] == "in" and key[0] == "num" and key not in defs:
                    copies[key[1]] = keys[0][1]       # v_{-1} = x_1: the writer's number for an input
                elif is_output and keys[0][0] != "in":
                    output = keys[0]                  # y = v_5
                continue
            if key[0] == "name" and all(k[0] == "in" for k in keys) and _is_problem(ref, rhs, keys):
                restated.add(key[1])   # f = x e^{-x^2}, h(x) = x σ(2x): the problem restated under a name, not a step
                continue
            if is_output and all(k[0] == "in" for k in keys):
                is_output = False   # z = wx + b: a step named with a letter that may name an output
            place.setdefault(key, sympy.Symbol(f"w:{len(place)}"))
            defs.pop(key, None)
            # unevaluated: xreplace would rebuild log(x, 10) as log(x)/log(10), and a one-operation step must stay one
            defs[key] = replace_unevaluated(rhs, {s: place[k] for s, k in zip(ordered_symbols(rhs), keys)})
            if is_output:
                output = key
            if len(defs) > MAX_DEFINITIONS:
                return [], {}, {}, None, set()
        if not deferred or len(deferred) == len(todo):
            break
        todo = deferred
    ordered = _operands_first(defs, place)
    return (ordered, place, copies, output, restated) if ordered is not None else ([], {}, {}, None, set())


def _in_inputs(defs: dict[tuple, sympy.Expr], place: dict[tuple, sympy.Symbol], e: sympy.Expr) -> sympy.Expr:
    """A right side as a function of the inputs (the writer's steps substituted, deepest first)."""
    by_sym = {s: k for k, s in place.items()}
    for _ in range(len(defs) + 1):
        subs = {}
        for s in e.free_symbols:
            k = by_sym.get(s)
            if k is None:
                continue
            subs[s] = sympy.Symbol(k[1]) if k[0] == "in" else defs[k]
        if not subs:
            return e
        e = e.xreplace(subs)
    raise ValueError("the definitions refer to each other in a circle")


def _refines(ref: Reference, defs: dict, place: dict, key: tuple, keys: list[tuple]) -> bool:
    """Is a new definition of ``key`` a finer one than the first: does it go through a step the writer built from
    everything the first used? (The statement's ``a = σ(wx + b)`` then the trace's ``a = σ(z)``; ``L = (ŷ - y)^2``
    then ``L = r^2`` with ``r = ŷ - y``.) A restatement in coarser terms (``L = r^2`` then ``L = (ŷ - y)^2``) is
    not: the first definition counts."""
    by_sym = {s: k for k, s in place.items()}
    old = {by_sym[s] for s in defs[key].free_symbols if s in by_sym}
    if all(k[0] == "in" for k in keys) or set(keys) <= old:
        return False
    seen: set[tuple] = set()
    todo = [k for k in keys if k != key]
    while todo:   # everything the new right side stands on, through the writer's steps
        k = todo.pop()
        if k in seen:
            continue
        seen.add(k)
        if k in defs and k != key:
            todo.extend(by_sym[s] for s in defs[k].free_symbols if s in by_sym)
    return key not in seen and old <= seen   # the same function or not is decided on the whole graph


def _operands_first(defs: dict[tuple, sympy.Expr], place: dict[tuple, sympy.Symbol]) -> list | None:
    """The definitions in the order written, each moved after the steps it uses (None: a circle)."""
    by_sym = {s: k for k, s in place.items()}
    done: set[tuple] = set()
    out: list[tuple[tuple, sympy.Expr]] = []
    todo = list(defs.items())
    while todo:
        rest = []
        for k, e in todo:
            need = {by_sym[s] for s in e.free_symbols if s in by_sym and by_sym[s][0] != "in"}
            if need <= done:
                out.append((k, e))
                done.add(k)
            else:
                rest.append((k, e))
        if len(rest) == len(todo):
            return None
        todo = rest
    return out


def _step(local: sympy.Expr, operands: list[int], syms: list[sympy.Symbol], base: Any) -> tuple[str, tuple, Any]:
    """(op, operands, param) of a step: one operation of the table when it is one, else the writer's formula."""
    names = [f"o{k}" for k in range(len(syms))]
    plain = replace_unevaluated(local, {s: sympy.Symbol(n) for s, n in zip(syms, names)})
    try:
        small = build_graph(plain, names, log_base=base)
    except (DeriveError, ValueError, TypeError, RecursionError):
        small = None
    if small is not None and len(small.intermediates) == 1:
        node = small.intermediates[0]
        pos = {n.index: k for k, n in enumerate(small.inputs)}
        ops = tuple(operands[pos[o]] if isinstance(o, int) else o for o in node.operands)
        return node.op, ops, node.param
    args = [sympy.Dummy(f"a{k}") for k in range(len(syms))]
    return "step", tuple(operands), sympy.Lambda(tuple(args), replace_unevaluated(local, dict(zip(syms, args))))


def writer_graph(ref: Reference, items: list[tuple[Any, list]]) -> WriterGraph | None:
    """The writer's graph from their definitions, or None when they do not compute the problem's function."""
    defs, place, copies, output, restated = _definitions(ref, items)
    if not defs:
        return None
    numbered = [k[1] for k, _ in defs if k[0] == "num"] + list(copies)
    # the letter the sheet numbers its nodes with most (the seed's forward trace says N_k, its backward \bar v_k)
    used = Counter(p.expr.base for _, parsed in items for p in parsed[:1] if not isinstance(p, DeriveError)
                   and isinstance(p.expr, Written) and p.expr.base in ref.letters and p.expr.sub)
    top = max(used.values(), default=0)
    letter = ref.letter if used.get(ref.letter, 0) == top else sorted(k for k, n in used.items() if n == top)[0]
    # indices: the writer's own numbers; inputs they did not number below them, named steps above
    index: dict[tuple, int] = {("in", name): w for w, name in copies.items()}
    index.update({k: k[1] for k, _ in defs if k[0] == "num"})
    low = min(numbered + [1]) - 1
    for name in ref.inputs:
        if ("in", name) not in index:
            index[("in", name)] = low
            low -= 1
    high = max(numbered + [0]) + 1
    for k, _ in defs:
        if k[0] == "name":
            index[k] = high
            high += 1
    if len(set(index.values())) != len(index):
        return None
    g0 = ref.g
    inputs = sorted(g0.inputs, key=lambda n: n.index)
    nodes = [Node(index[("in", n.name)], "input", (), sympy.Symbol(n.name), name=n.name) for n in inputs]
    expr_of = {index[("in", n.name)]: sympy.Symbol(n.name) for n in inputs}
    by_place = {s: index[k] for k, s in place.items()}
    for key, local in defs:
        syms = ordered_symbols(local)
        operands = [by_place[s] for s in syms]
        op, ops, param = _step(local, operands, syms, ref.base)
        built = OPS[op].build(*[expr_of[o] if isinstance(o, int) else o for o in ops], p=param)
        i = index[key]
        expr_of[i] = built
        nodes.append(Node(i, op, ops, built, param))
    out = index[output] if output is not None and output in index else index[defs[-1][0]]
    graph = Graph(nodes, out, letter)
    try:
        if not ref.same_function(canonical(graph[out].expr), ref.expr_in[ref.out]):
            return None
    except (ArithmeticError, TypeError, ValueError):
        return None
    # the output keeps its plain name (y, f, L): a reader of the sheet's ∂y/∂u finds it as the output
    named = {k[1]: index[k] for k, _ in defs if k[0] == "name" and not (index[k] == out and k[1] in OUTPUT_NAMES)}
    named.update({n: out for n in restated if n not in named and n not in OUTPUT_NAMES})   # h'(x) is f'(x)
    defined = {w: w for w in numbered}
    digest = hashlib.sha256(repr((sorted(map(str, defs)), sorted(copies.items()), output)).encode()).hexdigest()
    return WriterGraph(graph, named, defined, digest[:16])
