"""The computational graph as a Wengert list: plain ``Node`` records, built from a written-order SymPy tree.

Inputs are numbered v_{1-n} … v_0 in the order the user gives their values; intermediates v_1 … v_l follow the
reading order of the expression (left to right, operands before use). Subtraction and division are operations of
their own, constants stay inside the step (v_1 = v_0^2), and a repeated subexpression is one node.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, Union

import sympy

from derive.errors import InputError, LimitError, UnsupportedError
from derive.evaluate import check_domain
from derive.functions import default_log
from derive.autodiff.notation import node_symbol
from derive.ops import OPS, SUPPORTED, UNARY_HEADS
from derive.settings import LIMITS

Operand = Union[int, sympy.Expr]   # an int is a node index; a SymPy number is a constant kept inside the step


@dataclass(frozen=True)
class Node:
    """One line of the Wengert list: ``v_index = op(operands)``; ``expr`` is the same quantity in the inputs."""

    index: int
    op: str
    operands: tuple[Operand, ...]
    expr: sympy.Expr
    param: sympy.Expr | None = None   # the base of a log
    name: str = ""                    # the input's name, for inputs

    @property
    def args(self) -> tuple[int, ...]:
        """Indices of the nodes this one reads."""
        return tuple(o for o in self.operands if isinstance(o, int))

    @property
    def is_input(self) -> bool:
        return self.op == "input"


@dataclass
class Graph:
    """A Wengert list; ``nodes`` in order (inputs first), ``output`` the index of the result."""

    nodes: list[Node]
    output: int
    letter: str = "v"
    _by_index: dict[int, Node] = field(default_factory=dict, repr=False)
    _consumers: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _partials: dict[tuple, sympy.Expr] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_index = {n.index: n for n in self.nodes}
        self._consumers = {n.index: [] for n in self.nodes}
        for n in self.nodes:
            for a in dict.fromkeys(n.args):
                self._consumers[a].append(n.index)
        self._inputs = [n for n in self.nodes if n.is_input]
        self._intermediates = [n for n in self.nodes if not n.is_input]

    def __getitem__(self, index: int) -> Node:
        return self._by_index[index]

    @property
    def inputs(self) -> list[Node]:
        return list(self._inputs)

    @property
    def intermediates(self) -> list[Node]:
        return list(self._intermediates)

    def consumers(self, index: int) -> list[int]:
        """Nodes that read node ``index`` (its fan-out), in order."""
        return self._consumers[index]

    def symbol(self, index: int) -> sympy.Symbol:
        return node_symbol(self.letter, index)

    def operand_symbols(self, node: Node, letter: str | None = None) -> list[sympy.Expr]:
        let = letter or self.letter
        return [node_symbol(let, o) if isinstance(o, int) else o for o in node.operands]

    def local(self, index: int, letter: str | None = None) -> sympy.Expr:
        """The step's right side in node symbols, as written: ``v_1 / v_2``."""
        node = self[index]
        return OPS[node.op].build(*self.operand_symbols(node, letter), p=node.param) if not node.is_input \
            else node_symbol(letter or self.letter, index)

    def partial(self, i: int, j: int, letter: str | None = None) -> sympy.Expr:
        """Local partial ∂v_i/∂v_j in node symbols (summed where v_j appears twice, as in v_0 · v_0); built once
        per edge and kept (the traces ask for each edge's partial in several places)."""
        key = (i, j, letter or self.letter)
        got = self._partials.get(key)
        if got is not None:
            return got
        node = self[i]
        parts = OPS[node.op].partials(*self.operand_symbols(node, letter), p=node.param)
        terms = [d for o, d in zip(node.operands, parts) if isinstance(o, int) and o == j]
        out = sympy.S.Zero if not terms else terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)
        self._partials[key] = out
        return out

    def reaches(self, x: int) -> set[int]:
        """The nodes that depend on node ``x`` (x included): one pass in graph order, linear in nodes and edges."""
        out = {x}
        for n in self.nodes:
            if not n.is_input and any(a in out for a in n.args):
                out.add(n.index)
        return out

    def dependencies(self) -> dict[int, frozenset[int]]:
        """For every node, the input indices it depends on (one pass). Its size is inputs x nodes in the worst
        case (a long sum): the traces use :meth:`reaches`, once per input they differentiate by, instead."""
        deps: dict[int, frozenset[int]] = {}
        for n in self.nodes:
            deps[n.index] = frozenset({n.index}) if n.is_input else frozenset().union(*(deps[a] for a in n.args))
        return deps

    def sizes(self) -> dict[int, int]:
        """How many symbols and operations each node's expression has when written out in the inputs
        (capped), so callers can decide to print it or name it without printing it first."""
        size: dict[int, int] = {}
        for n in self.nodes:
            size[n.index] = 1 if n.is_input else min(10 ** 9, 1 + sum(size[o] if isinstance(o, int) else 1
                                                                        for o in n.operands))
        return size

    def describe(self, index: int) -> str:
        """A short name for a step in messages: ``v_3 = v_1/v_2``."""
        return f"{self.letter}_{index} = {self.local(index)}"


def _is_const(o: Operand) -> bool:
    return not isinstance(o, int)


def _hash_leaves_first(expr: sympy.Expr) -> None:
    """SymPy caches a hash once computed; computing it for every subexpression leaves first means no later hash
    (a dictionary lookup) recurses through the whole depth of a deeply nested expression in C."""
    seen: set[int] = set()
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:
        x, ready = stack.pop()
        if ready:
            hash(x)
            continue
        if id(x) in seen:
            continue
        seen.add(id(x))
        stack.append((x, True))
        stack.extend((a, False) for a in x.args)


def build_graph(expr: sympy.Expr, inputs: Sequence[str], letter: str = "v",
                log_base: sympy.Expr = sympy.E) -> Graph:
    """The Wengert list of an unevaluated, written-order SymPy expression; ``inputs`` in the order given."""
    builder = _Builder(inputs, log_base)
    # A traced loop (s = s + term) nests as deep as it ran: hash leaves first, so no hash recurses down the tree.
    _hash_leaves_first(expr)
    out = builder.visit(expr)
    if _is_const(out):
        raise InputError("the expression is a constant: there is nothing to differentiate")
    nodes = builder.nodes
    used = {a for n in nodes for a in n.args}
    unused = [n.name for n in nodes if n.is_input and n.index not in used and n.index != out]
    if unused:
        raise InputError(f"value given for {', '.join(unused)}, which the expression does not use")
    return Graph(nodes, out, letter)


def _negated(t: sympy.Expr) -> sympy.Expr | None:
    """The positive part of a written negative term (``- x``, ``-3``, ``-2 y``), else None."""
    if t.is_Number and t.is_negative:
        return -t
    if t.is_Mul and t.args and t.args[0] == -1:
        rest = t.args[1:]
        return rest[0] if len(rest) == 1 else sympy.Mul(*rest, evaluate=False)
    if t.is_Mul and t.args and t.args[0].is_Number and t.args[0].is_negative:
        return sympy.Mul(-t.args[0], *t.args[1:], evaluate=False)
    return None


class _Builder:
    """The state of one graph being built: nodes so far, each distinct step once (``by_key``), each visited
    subexpression's operand (``memo``) and which subexpressions are constants."""

    def __init__(self, inputs: Sequence[str], log_base: sympy.Expr) -> None:
        n_in = len(inputs)
        self.log_base = log_base
        self.nodes: list[Node] = []
        self.sym_index: dict[str, int] = {}
        for k, name in enumerate(inputs):
            idx = k - n_in + 1
            self.sym_index[name] = idx
            self.nodes.append(Node(idx, "input", (), sympy.Symbol(name), name=name))
        self.memo: dict[sympy.Expr, Operand] = {}
        self.by_key: dict[tuple, int] = {}
        self.exprs: dict[int, sympy.Expr] = {n.index: n.expr for n in self.nodes}
        self.count = 0
        self.const_memo: dict[sympy.Expr, bool] = {}

    def expr_of(self, o: Operand) -> sympy.Expr:
        return self.exprs[o] if isinstance(o, int) else o

    def make(self, op: str, *operands: Operand, param: sympy.Expr | None = None) -> Operand:
        if op in ("add", "sub", "mul", "div") and all(_is_const(o) and o.is_Rational for o in operands):
            a, b = operands   # plain rational arithmetic between written numbers is folded, not a step
            if op == "div" and b == 0:
                raise InputError("division by zero in a constant")
            return {"add": a + b, "sub": a - b, "mul": a * b, "div": a / b if b != 0 else a}[op]
        # tag operands: a constant 1 must never be taken for node v_1 (Integer(1) == 1 in Python)
        key = (op, tuple(("node", o) if isinstance(o, int) else ("const", o) for o in operands), param)
        if key in self.by_key:
            return self.by_key[key]
        self.count += 1
        if self.count > LIMITS.max_nodes:
            raise LimitError(f"the graph has more than {LIMITS.max_nodes} nodes")
        idx = self.count
        e = OPS[op].build(*(self.expr_of(o) for o in operands), p=param)
        self.nodes.append(Node(idx, op, tuple(operands), e, param))
        self.exprs[idx] = e
        self.by_key[key] = idx
        return idx

    def is_const(self, e: sympy.Expr) -> bool:
        """No symbols below. Memoised (asking SymPy's is_number at every level would be quadratic on deep trees)
        and without recursion: the compound subexpressions not yet known are settled leaves first."""
        if not e.args:
            return bool(e.is_number)      # a Symbol is not a number
        memo = self.const_memo
        if e in memo:
            return memo[e]
        stack = [(e, False)]
        while stack:
            x, ready = stack.pop()
            if x in memo:
                continue
            if ready:
                memo[x] = all(memo[a] if a.args else bool(a.is_number) for a in x.args)
                continue
            stack.append((x, True))
            stack.extend((a, False) for a in x.args if a.args and a not in memo)
        return memo[e]

    def steps(self, e: sympy.Expr):
        """The steps for ``e``: a generator that yields each subexpression it needs and is sent back its operand
        (``visit`` visits it first), so no Python or C recursion follows the depth of the expression."""
        make = self.make
        if e.is_Symbol:
            if e.name not in self.sym_index:
                raise InputError(f"no value given for {e.name} (add it to the input values, e.g. {e.name}=1)")
            return self.sym_index[e.name]
        if self.is_const(e):
            if e.args:   # a written constant such as 9**9**9**9 is bounded before any step prints or evaluates it
                check_domain(e, "a constant of the expression")
            return e
        if e.is_Add:
            acc: Operand | None = None
            for t in e.args:
                pos = _negated(t) if acc is not None else None
                if acc is None:
                    acc = yield t
                elif pos is not None:
                    acc = make("sub", acc, (yield pos))
                else:
                    acc = make("add", acc, (yield t))
            return acc
        if e.is_Mul:
            acc = None
            for f in e.args:
                if acc is not None and f.is_Pow and f.args[1] == -1:
                    acc = make("div", acc, (yield f.args[0]))
                    continue
                v = yield f
                if acc is None:
                    acc = v
                elif _is_const(acc) and acc == -1 and not _is_const(v):
                    acc = make("neg", v)
                else:
                    acc = make("mul", acc, v)
            return acc
        if e.is_Pow:
            base, ex = e.args
            if ex == sympy.Rational(1, 2):
                return make("sqrt", (yield base))
            if base == sympy.E:
                return make("exp", (yield ex))
            b = yield base
            return make("pow", b, (yield ex))
        if isinstance(e, (sympy.log, default_log)):
            # SymPy's one-argument log is natural; only a traced bare log() takes the log-base setting
            base = e.args[1] if len(e.args) > 1 else (self.log_base if isinstance(e, default_log) else sympy.E)
            if base.free_symbols:
                raise UnsupportedError(f"unsupported operation: log with a variable base ({base})")
            return make("log", (yield e.args[0]), param=base)
        if type(e) in UNARY_HEADS and len(e.args) == 1:
            return make(UNARY_HEADS[type(e)], (yield e.args[0]))
        raise UnsupportedError(f"unsupported operation: {type(e).__name__}; supported: {', '.join(SUPPORTED)}")

    def visit(self, root: sympy.Expr) -> Operand:
        """Depth first in reading order, as a recursive walk would go, on an explicit stack of generators."""
        memo = self.memo
        stack = [(root, self.steps(root))]
        sent: Operand | None = None
        while True:
            e, gen = stack[-1]
            try:
                child = gen.send(sent)
            except StopIteration as done:
                memo[e] = done.value
                stack.pop()
                if not stack:
                    return done.value
                sent = done.value
                continue
            if child in memo:
                sent = memo[child]
            else:
                stack.append((child, self.steps(child)))
                sent = None
