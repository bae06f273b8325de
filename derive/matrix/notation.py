r"""How a matrix derivation is written: expressions in the usual notation (``(W^{(2)})^{T} \delta^{(2)}``,
``\sigma'\left(z^{(1)}\right)``, ``\delta^{(1)} x^{T}``), adjoints (``\delta^{(l)}`` for a pre-activation
``z^{(l)}``, ``\frac{\partial L}{\partial W^{(1)}}`` otherwise), shapes, and numbers as ``bmatrix``.

Numbers go through derive's printer (a SymPy ``Matrix`` printed with ``mat_str="bmatrix"``); a matrix larger
than a few rows or columns is shown elided (first rows and columns, ``\cdots``, the last), so a 256 x 64 value
costs no more to print than a 4 x 4 one.
"""
from __future__ import annotations

import re
from typing import Callable, Mapping

import numpy as np
import sympy

from derive.latex import Tex, latex
from derive.numbers import format_number
from derive.ops import OPS as SCALAR_OPS
from derive.matrix.graph import Adj, Expr, Node, Num, Var
from derive.matrix.ops import ELEMENTWISE, OPS

MAX_SHOWN = 5     # rows or columns shown in full; a larger matrix shows its first HEAD, a dots line, its last
HEAD = 3


class _Dots(sympy.Symbol):
    """An elided entry: prints itself as ``\\cdots``, ``\\vdots`` or ``\\ddots`` (SymPy's ``_latex`` hook)."""

    def _latex(self, printer: object) -> str:
        return {"h": r"\cdots", "v": r"\vdots", "d": r"\ddots"}[self.name]


_DOTS = {k: _Dots(k) for k in "hvd"}


def adjoint_tex(name: str) -> Tex:
    r"""``\delta^{(l)}`` for a pre-activation ``z^{(l)}`` (the textbook's δ), else ``\frac{\partial L}{\partial v}``."""
    if name == "z" or name.startswith("z^") or name.startswith("z_"):
        return Tex(r"\delta" + name[1:])
    return Tex(rf"\frac{{\partial L}}{{\partial {name}}}")


def partial_tex(name: str) -> Tex:
    return Tex(rf"\frac{{\partial L}}{{\partial {name}}}")


class _Shown(sympy.Symbol):
    """A matrix entry already written as a number (derive's significant figures): prints its own text."""

    def _latex(self, printer: object) -> str:
        return self.name


def _texts(a: np.ndarray, sigfigs: int) -> list[list[str]]:
    # an array whose entries are all short decimals (an input as typed: 0.5, -1.27) is shown exactly; a computed
    # one with the significant figures asked for
    flat = [repr(float(x)) for x in a.ravel()]
    exact = all(len(r) <= 7 and "e" not in r for r in flat)
    conv = (lambda r: sympy.Rational(r)) if exact else (lambda r: sympy.Float(float(r), 17))
    it = iter(format_number(conv(r), sigfigs) for r in flat)
    return [[next(it) for _ in range(a.shape[1])] for _ in range(a.shape[0])]


def _indices(n: int) -> list[int | None]:
    return list(range(n)) if n <= MAX_SHOWN else list(range(HEAD)) + [None, n - 1]


def matrix_tex(a: np.ndarray, sigfigs: int = 3) -> Tex:
    """A value as LaTeX: a scalar as a number, a matrix or vector as ``bmatrix`` (elided beyond MAX_SHOWN).
    An array of SymPy entries (the exact backend) prints its entries through the printer."""
    rows, cols = _indices(a.shape[0]), _indices(a.shape[1])
    if a.dtype == object:
        cell = lambda i, j: a[i, j]   # noqa: E731
    else:
        rk = [i for i in rows if i is not None]
        ck = [j for j in cols if j is not None]
        texts = _texts(a[rk][:, ck], sigfigs)    # only the shown entries are formatted
        rpos, cpos = {i: k for k, i in enumerate(rk)}, {j: k for k, j in enumerate(ck)}
        cell = lambda i, j: _Shown(texts[rpos[i]][cpos[j]])   # noqa: E731
    if a.shape == (1, 1):
        return latex(cell(0, 0), sigfigs=sigfigs)
    out = []
    for i in rows:
        row = []
        for j in cols:
            if i is None:
                row.append(_DOTS["d" if j is None else "v"])
            elif j is None:
                row.append(_DOTS["h"])
            else:
                row.append(cell(i, j))
        out.append(row)
    return latex(sympy.Matrix(out), mat_str="bmatrix", mat_delim="", sigfigs=sigfigs)


def elided(a: np.ndarray) -> bool:
    return a.shape[0] > MAX_SHOWN or a.shape[1] > MAX_SHOWN


def _ones(shape: tuple[int, int]) -> str:
    m, n = shape
    return rf"\mathbf{{1}}_{{{m} \times {n}}}" if n != 1 else rf"\mathbf{{1}}_{{{m}}}"


Leaf = Callable[[Expr], "str | None"]


def expr_tex(e: Expr, leaf: Leaf | None = None) -> Tex:
    """``e`` in the usual notation; ``leaf(e)`` may give the text of a sub-expression (numbers substituted)."""
    return Tex(_tex(e, leaf)[0])


def _tex(e: Expr, leaf: Leaf | None) -> tuple[str, int]:
    if leaf is not None:
        given = leaf(e)
        if given is not None:
            return given, 4
    if isinstance(e, Var):
        return e.name, (3 if "^" in e.name else 4)   # W^{(1)} takes brackets before a transpose
    if isinstance(e, Adj):
        t = adjoint_tex(e.name)
        return t, (4 if t.startswith(r"\delta") and "^" not in t else 3)
    if isinstance(e, Num):
        return latex(e.value), (0 if e.value < 0 else 4)
    assert isinstance(e, Node)
    op = OPS[e.op]
    parts = []
    for k, a in enumerate(e.args):
        text, prec = _tex(a, leaf)
        need = op.need[min(k, len(op.need) - 1)]
        if prec >= need:
            parts.append(text)
        elif e.op == "T" and isinstance(a, (Var, Adj)):
            parts.append(f"({text})")     # (W^{(2)})^{T}, as written by hand
        else:
            parts.append(rf"\left({text}\right)")
    if e.op == "unbroadcast":
        rows, cols = e.args[0].shape[0] != e.shape[0], e.args[0].shape[1] != e.shape[1]
        text = parts[0]
        if cols:
            text = rf"{text} \mathbf{{1}}_{{{e.args[0].shape[1]}}}"
        if rows:
            text = rf"\mathbf{{1}}_{{{e.args[0].shape[0]}}}^{{T}} {text}"
        return text, 2
    if e.op == "fill":
        if e.args[0] == Num(sympy.Integer(1)):
            return _ones(e.shape), 4
        return parts[0] + " " + _ones(e.shape), 2
    if e.op == "scale" and e.args[0].value < 0:
        pos = latex(-e.args[0].value)
        return f"-{pos} {parts[1]}" if e.args[0].value != -1 else f"-{parts[1]}", 0
    if e.op == "add" and isinstance(e.args[1], Node) and e.args[1].op in ("neg", "scale") and \
            not (e.args[1].op == "scale" and e.args[1].args[0].value > 0):
        return f"{parts[0]} {parts[1]}", 0    # a + (-b) is written a - b
    f = ELEMENTWISE.get(e.param, "") if e.op in ("fn", "fprime") else ""
    tex = op.tex
    if all(isinstance(a, (Var, Adj)) and leaf is None for a in e.args):
        tex = tex.replace(r"\left(", "(").replace(r"\right)", ")")   # \sigma(z^{(1)}): a name needs no tall brackets
    return tex.format(*parts, f=f), op.prec


def substituted(e: Expr, values: Mapping[str, np.ndarray], adjoints: Mapping[str, np.ndarray],
                evaluate: Callable[[Expr], np.ndarray], sigfigs: int) -> Tex:
    """``e`` with every variable, adjoint and function value replaced by its numbers (a transposed variable by
    the transposed matrix), the operators kept: the middle stage of a worked line."""
    def leaf(x: Expr) -> str | None:
        if x is e and isinstance(x, Node) and x.op != "T":
            return None           # the step's own operation stays written: \sigma([...]), not its value
        if isinstance(x, Var):
            return matrix_tex(values[x.name], sigfigs)
        if isinstance(x, Adj):
            return matrix_tex(adjoints[x.name], sigfigs)
        if isinstance(x, Node) and (x.op == "T" and isinstance(x.args[0], (Var, Adj)) or
                                    OPS[x.op].prec == 4 and x.op not in ("scale", "smul")):
            return matrix_tex(evaluate(x), sigfigs)
        return None
    return expr_tex(e, leaf)


MAX_SUBSTITUTED = 4   # matrices in a line with its numbers; a longer one goes from its symbols to its value
LINE_EM = 34.0        # what a substituted line may take of the page (11pt, 2.2 cm margins: about 43 em less the lhs)

_BMATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
_COMMAND = re.compile(r"\\[A-Za-z]+")


def width_em(tex: str) -> float:
    """A rough printed width of a line in em: each bmatrix as its widest entry per column (digits about half an
    em) plus the column gaps, the rest by its characters. Only to decide whether numbers fit on one line."""
    total = 0.0
    for m in _BMATRIX.finditer(tex):
        rows = [r.split("&") for r in m.group(1).split("\\\\")]
        ncol = max(len(r) for r in rows)
        for j in range(ncol):
            cells = [r[j] for r in rows if j < len(r)]
            total += max(len(_COMMAND.sub("x", c).replace(" ", "")) for c in cells) * 0.5 + 1.0
        total += 1.0
    rest = _BMATRIX.sub("", tex)
    total += len(_COMMAND.sub("x", rest).replace("{", "").replace("}", "").replace(" ", "")) * 0.5
    return total


def _matrices(e: Expr) -> int:
    if isinstance(e, (Var, Adj)):
        return 1
    if isinstance(e, Node):
        if OPS[e.op].prec == 4 and e.op not in ("scale", "smul", "fill"):
            return 1
        return sum(_matrices(a) for a in e.args)
    return 0


def shown_everywhere(e: Expr, values: Mapping[str, np.ndarray],
                     adjoints: Mapping[str, np.ndarray] | None = None) -> bool:
    """True when the substituted stage is worth printing: few matrices, and none of them elided."""
    return _matrices(e) <= MAX_SUBSTITUTED and _unelided(e, values, adjoints or {})


def _unelided(e: Expr, values: Mapping[str, np.ndarray], adjoints: Mapping[str, np.ndarray]) -> bool:
    if isinstance(e, Var):
        return not elided(values[e.name])
    if isinstance(e, Adj):
        return not elided(adjoints[e.name])
    if isinstance(e, Node):
        return all(_unelided(a, values, adjoints) for a in e.args)
    return True


def derivative_rule(fn: str) -> Tex:
    """``\\sigma'(u) = \\sigma(u)(1 - \\sigma(u))`` from derive's scalar operation table (said once per sheet)."""
    u = sympy.Symbol("u")
    d = SCALAR_OPS[fn].partials(u)[0]
    if isinstance(d, sympy.Heaviside):   # SymPy writes θ(u, 0); a sheet writes the two cases
        at0 = latex(d.args[1]) if len(d.args) > 1 else r"\tfrac{1}{2}"
        return Tex(rf"{ELEMENTWISE[fn]}'(u) = \begin{{cases}} 1 & u > 0 \\ {at0} & u \le 0 \end{{cases}}")
    return Tex(rf"{ELEMENTWISE[fn]}'(u) = {latex(d)}")
