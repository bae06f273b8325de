"""The worked lines of an autodiff problem: chain-rule expansion, forward primal, forward tangent, reverse adjoint.

Lines are built as unevaluated SymPy trees of Leibniz-notation objects (:mod:`derive.notation`) and printed by
derive's printer; numbers enter as atoms with their displayed spelling, so a substituted line reads exactly like
the symbolic one with numbers in place.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import sympy
from sympy import Add, Mul

from derive.autodiff.breaking import LINE_WIDTH, Pending, fits_page, lay_out
from derive.derivation import Block, Derivation, Line, Part
from derive.latex import Tex, latex
from derive.texwidth import width
from derive.autodiff.notation import Bracket, Group, PartialFrac, TexAtom, bar, decorate, dot, node_symbol
from derive.numbers import format_number
from derive.settings import LIMITS
from derive.ops import OPS

if TYPE_CHECKING:
    from derive.autodiff.sweeps import AutodiffResult

MAX_TREE_TERMS = 64        # the tree-style chain rule repeats shared subexpressions; beyond this many paths, skip it
MAX_TREE_FACTORS = 256     # ... and beyond this many factors in all (a long path is one product that cannot break)
MAX_INLINE_SIZE = 25      # a subexpression with more symbols and operations is named by its node in ∂( )


def _umul(*factors: sympy.Expr) -> sympy.Expr:
    fs = [f for f in factors if f != 1]
    if not fs:
        return sympy.S.One
    return fs[0] if len(fs) == 1 else Mul(*fs, evaluate=False)


def _uadd(terms: list[sympy.Expr]) -> sympy.Expr:
    if not terms:
        return sympy.S.Zero
    return terms[0] if len(terms) == 1 else Add(*terms, evaluate=False)


def _subst(e: sympy.Expr, mapping: dict) -> sympy.Expr:
    if e in mapping:
        return mapping[e]
    if not e.args:
        return e
    return e.func(*(_subst(a, mapping) for a in e.args), evaluate=False)


def _num_key(v: sympy.Expr) -> tuple:
    """A dictionary key for a value: 0.5 and 1/2 are equal in SymPy but need not be spelled alike, and Floats that
    agree as doubles share a hash (a trace converging to a fixed point would make every lookup compare them all)."""
    mpf = getattr(v, "_mpf_", None)
    return (type(v), mpf) if mpf is not None else (type(v), v)


class _Writer:
    def __init__(self, r: "AutodiffResult") -> None:
        self.r = r
        self.g = r.graph
        self.s = r.settings
        self.size = self.g.sizes()
        names = {n.name for n in self.g.inputs}
        # the output is called y, unless an input already is (then f, …): a line must never be ambiguous
        self.out = next(c for c in ("y", "f", "F", "L", "z", "out") if c not in names)
        self.pset = dict(plain_log_base=self.s.printed_base, sigfigs=self.s.sigfigs)
        self.index_of = {n.name: n.index for n in self.g.inputs}
        self._vm: dict | None = None
        self._tex: dict[tuple, Tex] = {}
        self._valued: dict[tuple[int, int], sympy.Expr] = {}
        self._nums: dict[tuple, TexAtom] = {}
        self._numtex: dict[tuple, Tex] = {}
        self._tangent_forms: dict[int, list] = {}
        self._factored: dict[int, Pending] = {}
        self._labels: dict[int, sympy.Expr] = {}

    def tex(self, e: sympy.Expr, **extra) -> Tex:
        key = (e, tuple(extra.items()))   # node names and stages recur across lines and directions
        got = self._tex.get(key)
        if got is None:
            got = self._tex[key] = latex(e, **self.pset, **extra)
        return got

    def form(self, e: sympy.Expr, **kw) -> tuple[Tex, list[Tex] | None]:
        """A stage of a line: its LaTeX, and the LaTeX of each top-level term when it is a sum (for breaking)."""
        if not e.is_Add:
            return self.tex(e, **kw), None
        terms = [self.tex(t, **kw) for t in e.args]
        # join as the printer joins an unevaluated sum (order kept), so each term is printed once
        whole = terms[0] + "".join(f" - {t[1:].lstrip()}" if t.startswith("-") else f" + {t}" for t in terms[1:])
        return Tex(whole), [Tex(t) for t in terms]

    def fit(self, lhs: Tex, forms: list[tuple[Tex, list[Tex] | None]], tag: str) -> "Pending":
        """A line ``lhs = stage = stage …``, laid out with its block (:func:`lay_out`): one row when it fits the
        page; else one stage a row, a long sum one term a row (as the seed), a long term broken between its
        factors (:mod:`derive.autodiff.breaking`)."""
        forms = [f for k, f in enumerate(forms) if k == 0 or f[0] != forms[k - 1][0]]
        return Pending(lhs, [t for t, _ in forms], tag)

    def num(self, v: sympy.Expr) -> TexAtom:
        """A value as an atom spelled as displayed (negative values in brackets, as inside a product)."""
        key = _num_key(v)
        got = self._nums.get(key)
        if got is None:
            t = format_number(v, self.s.sigfigs)
            got = self._nums[key] = TexAtom(rf"\left({t}\right)" if t.startswith("-") else t)
        return got

    def numtex(self, v: sympy.Expr) -> Tex:
        key = _num_key(v)
        got = self._numtex.get(key)
        if got is None:
            got = self._numtex[key] = Tex(format_number(v, self.s.sigfigs))
        return got

    def value_map(self) -> dict:
        if self._vm is None:
            self._vm = {self.g.symbol(n.index): self.num(self.r.values[n.index]) for n in self.g.nodes}
        return self._vm

    def valued(self, i: int, j: int) -> sympy.Expr:
        """The local partial ∂v_i/∂v_j with the carried values in place, as one factor (built once per edge)."""
        key = (i, j)
        if key not in self._valued:
            self._valued[key] = Group(_subst(self.g.partial(i, j), self.value_map()))
        return self._valued[key]

    def few(self, what: str) -> list[Block]:
        """A note when the part is worked for only some of the inputs (see ``autodiff.MAX_DIRECTIONS``)."""
        shown, wrt = self.r.shown, self.r.wrt
        if len(shown) >= len(wrt):
            return []
        names = Tex(", ".join(self.tex(sympy.Symbol(w)) for w in shown))
        return [Block.text(f"The expression has {len(wrt)} inputs; {what}, so this part is given for the first "
                           f"{len(shown)} only (", names, "). The reverse trace gives the derivative with respect "
                           "to every input in one pass.")]

    def label(self, i: int) -> sympy.Expr:
        """The quantity node i stands for, as the user wrote it (or its node name when that is too long: more than
        MAX_INLINE_SIZE symbols, or printed wider than half a line, where ∂( )/∂( ) could not fit a row)."""
        if i not in self._labels:
            e = self.g[i].expr
            long = self.size[i] > MAX_INLINE_SIZE or width(self.tex(e)) > LINE_WIDTH / 2
            self._labels[i] = self.g.symbol(i) if long else e
        return self._labels[i]

    # ------------------------------------------------------------------------------------ forward primal
    def forward(self) -> list[Block]:
        g, letter = self.g, self.r.forward_letter
        lines = []
        for n in g.nodes:
            lhs_sym = node_symbol(letter, n.index)
            right = sympy.Symbol(n.name) if n.is_input else g.local(n.index, letter)
            rtex = self.tex(right, fold_short_frac=True, mul_symbol="dot")
            lines.append(Line(Tex(f"{self.tex(lhs_sym)} = {rtex}"),
                              (self.numtex(self.r.values[n.index]),), tag=f"forward:{n.index}"))
        lines.append(Line(Tex(f"{self.out} = {self.tex(node_symbol(letter, g.output))}"),
                          (self.numtex(self.r.value),), tag="output"))
        return [Block.align(lines)]

    # ------------------------------------------------------------------------------------ reverse adjoint
    def reverse(self) -> list[Block]:
        g, L = self.g, self.g.letter
        lines = [Line(Tex(self.tex(bar(L, g.output))), (Tex(rf"\bar{{{self.out}}}"), Tex("1")), tag=f"adjoint:{g.output}")]
        for node in reversed(g.nodes):
            j = node.index
            if j == g.output:
                continue
            cons = g.consumers(j)
            s1 = _uadd([Mul(bar(L, i), PartialFrac(g.symbol(i), g.symbol(j)), evaluate=False) for i in cons])
            s2 = _uadd([Mul(bar(L, i), Group(g.partial(i, j)), evaluate=False) for i in cons])
            s3 = _uadd([Mul(self.num(self.r.adjoints[i]), self.valued(i, j), evaluate=False) for i in cons])
            forms = [self.form(s1), self.form(s2, mul_symbol="times"), self.form(s3, mul_symbol="times"),
                     (self.numtex(self.r.adjoints[j]), None)]
            lines.append(self.fit(self.tex(bar(L, j)), forms, f"adjoint:{j}"))
        for n in sorted(g.inputs, key=lambda n: -n.index):
            lines.append(Line(self.tex(decorate("bar", self.tex(sympy.Symbol(n.name)))),
                              (self.tex(bar(L, n.index)), self.numtex(self.r.adjoints[n.index])),
                              tag=f"gradient:{n.name}"))
        return [Block.align(lay_out(lines))]

    # ------------------------------------------------------------------------------------ forward tangent
    def tangent(self) -> list[Block]:
        g, L = self.g, self.g.letter
        blocks = self.few("a tangent trace is one forward pass per input")
        for w, tan in self.r.tangents.items():
            lines = []
            for n in g.nodes:
                i = n.index
                if n.is_input:
                    lines.append(Line(self.tex(dot(L, i)), (self.numtex(tan[i]),),
                                      note=f"seed: d{n.name}/d{w}", tag=f"tangent:{i}"))
                    continue
                args = list(dict.fromkeys(n.args))
                s3 = _uadd([Mul(self.valued(i, j), self.num(tan[j]), evaluate=False) for j in args])
                forms = [*self.tangent_forms(i, args), self.form(s3, mul_symbol="times"), (self.numtex(tan[i]), None)]
                lines.append(self.fit(self.tex(dot(L, i)), forms, f"tangent:{i}"))
            wt = self.tex(sympy.Symbol(w))
            lines.append(Line(Tex(rf"\frac{{\partial {self.out}}}{{\partial {wt}}} = \dot{{{self.out}}}"),
                              (self.tex(dot(L, g.output)), self.numtex(tan[g.output])), tag=f"tangent-result:{w}"))
            blocks.append(Block.text("Tangent trace with ", Tex(rf"\dot{{{wt}}} = 1"),
                                     " (direction: the input " + w + ")" if len(g.inputs) > 1 else ""))
            blocks.append(Block.align(lay_out(lines)))
        return blocks

    def tangent_forms(self, i: int, args: list[int]) -> list:
        """The symbolic stages of node i's tangent line: the same in every direction, so printed once."""
        if i not in self._tangent_forms:
            g, L = self.g, self.g.letter
            s1 = _uadd([Mul(PartialFrac(g.symbol(i), g.symbol(j)), dot(L, j), evaluate=False) for j in args])
            s2 = _uadd([Mul(Group(g.partial(i, j)), dot(L, j), evaluate=False) for j in args])
            self._tangent_forms[i] = [self.form(s1), self.form(s2, mul_symbol="times")]
        return self._tangent_forms[i]

    # ------------------------------------------------------------------------------------ chain rule
    def expansion(self, y: int, x: int) -> tuple[int, int]:
        """How many paths lead from input x to node y, and how many factors they have in all (one pass in graph
        order; capped, it only gates the layout)."""
        count: dict[int, int] = {}
        factors: dict[int, int] = {}
        for n in self.g.nodes:
            if n.is_input:
                count[n.index], factors[n.index] = (1 if n.index == x else 0), 0
            else:
                args = dict.fromkeys(n.args)
                count[n.index] = min(10 ** 9, sum(count[j] for j in args))
                factors[n.index] = min(10 ** 9, sum(factors[j] + count[j] for j in args))
        return count[y], factors[y]

    def factor(self, i: int, j: int, local: bool) -> sympy.Expr:
        """The chain rule's factor for the edge v_j -> v_i: ∂v_i/∂v_j, or (``local``) that partial worked out."""
        n = self.g[i]
        if not local:
            return PartialFrac(self.label(i), self.label(j), outer=(i == self.g.output))
        ops = [self.label(o) if isinstance(o, int) else o for o in n.operands]
        parts = OPS[n.op].partials(*ops, p=n.param)
        fs = [d for o, d in zip(n.operands, parts) if isinstance(o, int) and o == j]
        f = fs[0] if len(fs) == 1 else Add(*fs, evaluate=False)
        return f if f == 1 else Group(f)

    def tree(self, i: int, x: int, reach: set[int], local: bool) -> sympy.Expr:
        """∂v_i/∂x expanded down every path (shared subexpressions repeated in each branch, as the seed does).
        Only called when the expansion is small (MAX_TREE_TERMS paths, MAX_TREE_FACTORS factors), which bounds the
        recursion as well as the printed size."""
        terms = []
        for j in dict.fromkeys(self.g[i].args):
            if j not in reach:
                continue
            factor = self.factor(i, j, local)
            if j == x:
                terms.append(factor)
                continue
            sub = self.tree(j, x, reach, local)
            rest = Bracket(sub) if sub.is_Add else sub
            flat = list(rest.args) if rest.is_Mul else [rest]
            terms.append(_umul(factor, *flat))
        return _uadd(terms)

    def paths(self, i: int, x: int, reach: set[int], local: bool) -> list[list[sympy.Expr]]:
        """The factors of every path from v_i down to x: the tree of :meth:`tree` multiplied out, so each path is
        one flat product (a row of its own, broken between factors when long; a bracket in the tree is not)."""
        out: list[list[sympy.Expr]] = []
        for j in dict.fromkeys(self.g[i].args):
            if j in reach:
                factor = self.factor(i, j, local)
                out.extend([[factor]] if j == x else [[factor, *p] for p in self.paths(j, x, reach, local)])
        return out

    def chain_lines(self, y: int, x: int, w: str, reach: set[int], lhs: Tex, grad: Tex) -> list[Block] | None:
        """The chain rule down every path, symbolic then worked out, then the value: in the seed's tree form when
        it fits the page, else multiplied out (a sum over paths, each path a row that breaks between factors);
        None when neither fits (or the sum is too long to read back, ``Limits.max_chars``)."""
        def form(k: int, local: bool) -> sympy.Expr:
            return (self.tree(y, x, reach, local) if k == 0 else
                    _uadd([_umul(*p) for p in self.paths(y, x, reach, local)]))

        for k in (0, 1):
            sym, loc = form(k, False), form(k, True)
            sides = [self.form(sym, mul_symbol="dot"), self.form(loc, mul_symbol="dot")]
            lines = lay_out([self.fit(lhs, [sides[0]], f"chain:{w}"),
                             self.fit(Tex(""), [sides[1], (grad, None)], f"chain-local:{w}")])
            # A side longer than the checker reads in one expression would be derive's own unreadable line.
            readable = all(len(tex) <= LIMITS.max_chars for tex, _ in sides)
            if fits_page(lines) and (k == 0 or readable):
                note = [Block.text("Multiplied out, one product for each path from the input to the output:")]
                return (note if k else []) + [Block.align(lines)]
        return None

    def chain(self) -> list[Block]:
        g = self.g
        blocks: list[Block] = self.few("the chain rule is worked once per input")
        y = g.output
        for w in self.r.shown:
            x = self.index_of[w]
            reach = g.reaches(x)
            xs = sympy.Symbol(w)
            lhs = Tex(self.tex(PartialFrac(self.label(y), xs, outer=True)))
            grad = self.numtex(self.r.adjoints[x])
            n_paths, n_factors = self.expansion(y, x)
            worked = None
            if n_paths <= MAX_TREE_TERMS and n_factors <= MAX_TREE_FACTORS:
                worked = self.chain_lines(y, x, w, reach, lhs, grad)
                if worked is None:
                    blocks.append(Block.text("The expansion down every path is too wide for the page; it is given "
                                             "in factored form only (each shared subexpression once)."))
            elif n_paths > MAX_TREE_TERMS:
                blocks.append(Block.text(f"The expansion down every path has {n_paths} terms; it is given in "
                                         "factored form only (each shared subexpression once)."))
            else:
                blocks.append(Block.text(f"The expansion down every path has {n_factors} factors; it is given in "
                                         "factored form only (each shared subexpression once)."))
            blocks.extend(worked or [])
            blocks.append(Block.text("Factored (each shared subexpression once, from the output back):"))
            blocks.append(Block.align(lay_out(self.factored(y, x, reach))))
        return blocks

    def factored(self, y: int, x: int, reach: set[int]) -> list["Pending"]:
        g = self.g
        lines = []
        for node in reversed(g.nodes):
            j = node.index
            if j == y or j not in reach or (node.is_input and j != x):
                continue
            lines.append(self.factored_line(y, j))
        return lines

    def factored_line(self, y: int, j: int) -> "Pending":
        """∂y/∂v_j summed over v_j's consumers: the same whichever input is differentiated by, so built once."""
        if j in self._factored:
            return self._factored[j]
        g = self.g
        ysym = sympy.Symbol(self.out)
        cons = g.consumers(j)
        s1 = _uadd([Mul(PartialFrac(ysym, self.label(i)) if i != y else sympy.S.One,
                        PartialFrac(self.label(i), self.label(j)), evaluate=False) if i != y
                    else PartialFrac(self.label(i), self.label(j)) for i in cons])
        s2 = _uadd([Mul(PartialFrac(ysym, self.label(i)), self._local(i, j), evaluate=False) if i != y
                    else self._local(i, j) for i in cons])
        out = self._factored[j] = self.fit(self.tex(PartialFrac(ysym, self.label(j))),
                                           [self.form(s1, mul_symbol="dot"), self.form(s2, mul_symbol="dot"),
                                            (self.numtex(self.r.adjoints[j]), None)], f"factored:{j}")
        return out

    def _local(self, i: int, j: int) -> sympy.Expr:
        n = self.g[i]
        ops = [self.label(o) if isinstance(o, int) else o for o in n.operands]
        parts = OPS[n.op].partials(*ops, p=n.param)
        fs = [d for o, d in zip(n.operands, parts) if isinstance(o, int) and o == j]
        return Group(fs[0] if len(fs) == 1 else Add(*fs, evaluate=False))


TITLES = {"chain": "Chain rule", "forward": "Forward trace", "tangent": "Forward-mode tangent trace",
          "reverse": "Backward trace"}


def derivation_for(r: "AutodiffResult", labels: tuple[str, ...] | None = None) -> Derivation:
    w = _Writer(r)
    parts = []
    for k, name in enumerate(r.parts):
        label = labels[k] if labels else f"({'abcdefgh'[k]})"
        parts.append(Part(label, TITLES[name], tuple(getattr(w, name)())))
    notes = []
    s = r.settings
    if s.rounding == "handwritten":
        notes.append(f"Handwritten rounding: every intermediate is rounded to {s.sigfigs} significant figures "
                     "(at least one decimal) and the rounded value is carried on.")
    else:
        notes.append(f"Values are computed exactly and shown to {s.sigfigs} significant figures "
                     "(at least one decimal).")
    if s.log_base != "e":
        notes.append(f"Here log denotes the logarithm to base {s.log_base}, so d(log u)/du = 1/(u ln {s.log_base}).")
    return Derivation("Automatic differentiation", parts, r.data, notes)   # the JSON numbers, made when asked for
