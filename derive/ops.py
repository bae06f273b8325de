"""The operations derive knows, as one table: how a step is built, its local partials, and how every reader and
printer spells it.

Each entry works on *operands* (SymPy symbols for nodes, or numbers kept inside the step, as ``N_1 = N_0^2``).
Adding an operation is one entry here and one row in tests/test_ops.py (Autodidax's ``jvp_rules[mul_p] = ...``):
the graph builder, the tracer, the plain-string and LaTeX readers of expressions and of handwritten sheets, the
figure and the "supported:" line of error messages all read their views of it below.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import sympy
from sympy import Add, Mul, Pow, Rational

from derive.functions import relu, sigmoid

E = sympy.Expr


def _neg(a: E) -> E:
    return Mul(-1, a, evaluate=False)


def _sub(a: E, b: E) -> E:
    return Add(a, _neg(b), evaluate=False)


def _div(a: E, b: E) -> E:
    if a == 1:   # 1/b prints as a fraction, not "1 · 1/b"
        return Pow(b, -1, evaluate=False)
    return Mul(a, Pow(b, -1, evaluate=False), evaluate=False)


def _log(a: E, base: E) -> E:
    return sympy.log(a, evaluate=False) if base == sympy.E else sympy.log(a, base, evaluate=False)


def _ln_base(base: E) -> E:
    return sympy.log(base, evaluate=False)


def _pow_partials(a: E, b: E) -> tuple[E, E]:
    if b.is_Number:
        e = b - 1  # numbers combine: the exponent is written already reduced
        power = sympy.S.One if e == 0 else (a if e == 1 else Pow(a, e, evaluate=False))
        da = power if b == 1 else Mul(b, power, evaluate=False)
    else:
        da = Mul(b, Pow(a, _sub(b, 1), evaluate=False), evaluate=False)
    return da, Mul(Pow(a, b, evaluate=False), sympy.log(a, evaluate=False), evaluate=False)


@dataclass(frozen=True)
class Op:
    """One operation. ``build(*operands, p=param)`` gives the step's right side as written; ``partials(*operands,
    p=param)`` the local partial derivative with respect to each operand (unevaluated, for display and evaluation).

    Spellings: ``head`` is the SymPy class a parsed one-argument call has (``sympy.sin``); ``plain`` the names in
    plain strings and traced Python functions; ``latex`` the LaTeX commands, read ``\\sin x`` / ``\\sin(x)``
    (``call="operator"``), ``\\sqrt{x}`` (``"braced"``) or ``\\sigma(z)`` (``"greek"``: a Greek letter that is the
    function only when a bracket follows); ``figure`` its label in the TikZ figure; ``shown`` its entry in the
    "supported:" line of error messages.
    """

    name: str
    arity: int
    build: Callable[..., E]
    partials: Callable[..., tuple[E, ...]]
    head: Any = None
    plain: tuple[str, ...] = ()
    latex: tuple[str, ...] = ()
    call: str = "operator"
    figure: str = ""
    shown: str = ""


def _unary(name: str, head: Any, build: Callable[[E], E], partial: Callable[[E], E], *, plain: tuple[str, ...] = (),
           latex: tuple[str, ...] = (), call: str = "operator", figure: str = "", shown: str = "") -> Op:
    return Op(name, 1, lambda a, p=None: build(a), lambda a, p=None: (partial(a),), head=head,
              plain=plain or (name,), latex=latex, call=call, figure=figure, shown=shown or name)


_S = sympy.S
_OPS = [
    Op("add", 2, lambda a, b, p=None: Add(a, b, evaluate=False), lambda a, b, p=None: (_S.One, _S.One),
       figure="+", shown="+"),
    Op("sub", 2, lambda a, b, p=None: _sub(a, b), lambda a, b, p=None: (_S.One, _S.NegativeOne),
       figure="-", shown="-"),
    Op("mul", 2, lambda a, b, p=None: Mul(a, b, evaluate=False), lambda a, b, p=None: (b, a),
       figure=r"\times", shown="*"),
    Op("div", 2, lambda a, b, p=None: _div(a, b),
       lambda a, b, p=None: (_div(1, b), _neg(_div(a, Pow(b, 2, evaluate=False)))),
       figure=r"\div", shown="/"),
    # a ** b: d/da = b a^(b-1) (written 2 v_0 for a constant square), d/db = a^b ln a
    Op("pow", 2, lambda a, b, p=None: Pow(a, b, evaluate=False), lambda a, b, p=None: _pow_partials(a, b),
       figure=r"\wedge", shown="^ (integer, rational or symbolic powers)"),
    Op("neg", 1, lambda a, p=None: _neg(a), lambda a, p=None: (_S.NegativeOne,), figure="-"),
    _unary("sqrt", None, lambda a: Pow(a, Rational(1, 2), evaluate=False),
           lambda a: _div(1, Mul(2, Pow(a, Rational(1, 2), evaluate=False), evaluate=False)),
           latex=("sqrt",), call="braced", figure=r"\sqrt{\ }"),
    _unary("exp", sympy.exp, lambda a: sympy.exp(a, evaluate=False), lambda a: sympy.exp(a, evaluate=False),
           latex=("exp",), figure=r"\exp"),
    # the base is part of the step: d log_b(a)/da = 1/(a ln b), and = 1/a only for base e. No ``head``: a parsed
    # log carries its base, which the graph builder reads; ``ln`` is the natural log in every reader.
    Op("log", 1, lambda a, p=sympy.E: _log(a, p),
       lambda a, p=sympy.E: (_div(1, a) if p == sympy.E else _div(1, Mul(a, _ln_base(p), evaluate=False)),),
       plain=("ln",), latex=("ln", "log"), figure=r"\log", shown="log (any base), ln"),
    _unary("sin", sympy.sin, lambda a: sympy.sin(a, evaluate=False), lambda a: sympy.cos(a, evaluate=False),
           latex=("sin",), figure=r"\sin"),
    _unary("cos", sympy.cos, lambda a: sympy.cos(a, evaluate=False), lambda a: _neg(sympy.sin(a, evaluate=False)),
           latex=("cos",), figure=r"\cos"),
    _unary("tan", sympy.tan, lambda a: sympy.tan(a, evaluate=False),
           lambda a: _div(1, Pow(sympy.cos(a, evaluate=False), 2, evaluate=False)), latex=("tan",), figure=r"\tan"),
    _unary("tanh", sympy.tanh, lambda a: sympy.tanh(a, evaluate=False),
           lambda a: _sub(1, Pow(sympy.tanh(a, evaluate=False), 2, evaluate=False)), latex=("tanh",),
           figure=r"\tanh"),
    _unary("sigmoid", sigmoid, lambda a: sigmoid(a, evaluate=False),
           lambda a: Mul(sigmoid(a, evaluate=False), _sub(1, sigmoid(a, evaluate=False)), evaluate=False),
           latex=("sigma",), call="greek", figure=r"\sigma"),
    _unary("abs", sympy.Abs, lambda a: sympy.Abs(a, evaluate=False), lambda a: sympy.sign(a, evaluate=False),
           figure=r"|\cdot|"),
    # ReLU'(0) = 0, as PyTorch takes it
    _unary("relu", relu, lambda a: relu(a, evaluate=False), lambda a: sympy.Heaviside(a, 0, evaluate=False),
           figure=r"\mathrm{ReLU}", shown="max(0, x) / ReLU"),
    # A step of someone else's graph that is several of these at once (a sheet's v_1 = e^{-v_0}): ``p`` is the
    # step as a sympy.Lambda of its operands, its partials are SymPy's derivatives of it. Arity -1: any, told by p.
    # No spelling: no reader produces it, only the checker's graph of a writer's own trace does.
    Op("step", -1, lambda *a, p: p(*a),
       lambda *a, p: tuple(sympy.diff(p.expr, v).xreplace(dict(zip(p.variables, a))) for v in p.variables),
       figure="f"),
]

OPS: dict[str, Op] = {op.name: op for op in _OPS}

# ---------------------------------------------------------------------------- the views each reader and printer uses

# SymPy head of a parsed one-argument call -> op (the graph builder)
UNARY_HEADS: dict[Any, str] = {op.head: op.name for op in _OPS if op.head is not None}
# class names of the SymPy functions a parsed expression may contain (log keeps its base as a second argument)
FUNCTION_CLASSES: frozenset[str] = frozenset({h.__name__ for h in UNARY_HEADS} | {"log"})
# plain-string / traced-function name -> one-operand builder (``log`` itself takes derive's log-base setting)
PLAIN_FUNCS: dict[str, Callable[[E], E]] = {n: (lambda op: lambda a: op.build(a))(op)
                                           for op in _OPS if op.arity == 1 for n in op.plain}
# LaTeX command names, longest first so a regex alternative never stops at a prefix (\tan before \tanh)
def _latex(call: str) -> tuple[str, ...]:
    return tuple(sorted((n for op in _OPS if op.call == call for n in op.latex), key=lambda n: (-len(n), n)))


LATEX_OPERATORS: tuple[str, ...] = _latex("operator")   # \sin x, \ln x, \exp(x)
LATEX_BRACED: tuple[str, ...] = _latex("braced")        # \sqrt{x}
LATEX_GREEK: tuple[str, ...] = _latex("greek")          # \sigma(z)
FIGURE_SYMBOLS: dict[str, str] = {op.name: op.figure for op in _OPS}
SUPPORTED: tuple[str, ...] = tuple(op.shown for op in _OPS if op.shown)


def alternatives(names: tuple[str, ...]) -> str:
    """``sin|cos|...`` for a regex, each name escaped."""
    return "|".join(re.escape(n) for n in names)
