"""Local derivative rules as data: op -> how it prints, how it evaluates, its partials per operand.

Each rule works on *operands* (SymPy symbols for nodes, or numbers kept inside the step, as ``N_1 = N_0^2``).
Adding an operation means adding one entry here (Autodidax's ``jvp_rules[mul_p] = ...``), not a branch elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
class Rule:
    """``build(*operands, param)`` gives the step's right side as written; ``partials(*operands, param)`` the
    local partial derivative with respect to each operand (unevaluated, for display and for evaluation)."""

    arity: int
    build: Callable[..., E]
    partials: Callable[..., tuple[E, ...]]
    symbol: str = ""   # how the step is named in prose ("product", "quotient", ...)


RULES: dict[str, Rule] = {
    "add": Rule(2, lambda a, b, p=None: Add(a, b, evaluate=False), lambda a, b, p=None: (sympy.S.One, sympy.S.One), "sum"),
    "sub": Rule(2, lambda a, b, p=None: _sub(a, b), lambda a, b, p=None: (sympy.S.One, sympy.S.NegativeOne), "difference"),
    "mul": Rule(2, lambda a, b, p=None: Mul(a, b, evaluate=False), lambda a, b, p=None: (b, a), "product"),
    "div": Rule(2, lambda a, b, p=None: _div(a, b),
                lambda a, b, p=None: (_div(1, b), _neg(_div(a, Pow(b, 2, evaluate=False)))), "quotient"),
    # a ** b: d/da = b a^(b-1) (written 2 v_0 for a constant square), d/db = a^b ln a
    "pow": Rule(2, lambda a, b, p=None: Pow(a, b, evaluate=False), lambda a, b, p=None: _pow_partials(a, b), "power"),
    "neg": Rule(1, lambda a, p=None: _neg(a), lambda a, p=None: (sympy.S.NegativeOne,), "negation"),
    "exp": Rule(1, lambda a, p=None: sympy.exp(a, evaluate=False), lambda a, p=None: (sympy.exp(a, evaluate=False),)),
    # the base is part of the step: d log_b(a)/da = 1/(a ln b), and = 1/a only for base e
    "log": Rule(1, lambda a, p=sympy.E: _log(a, p),
                lambda a, p=sympy.E: (_div(1, a) if p == sympy.E else _div(1, Mul(a, _ln_base(p), evaluate=False)),)),
    "sqrt": Rule(1, lambda a, p=None: Pow(a, Rational(1, 2), evaluate=False),
                 lambda a, p=None: (_div(1, Mul(2, Pow(a, Rational(1, 2), evaluate=False), evaluate=False)),)),
    "sin": Rule(1, lambda a, p=None: sympy.sin(a, evaluate=False), lambda a, p=None: (sympy.cos(a, evaluate=False),)),
    "cos": Rule(1, lambda a, p=None: sympy.cos(a, evaluate=False),
                lambda a, p=None: (_neg(sympy.sin(a, evaluate=False)),)),
    "tan": Rule(1, lambda a, p=None: sympy.tan(a, evaluate=False),
                lambda a, p=None: (_div(1, Pow(sympy.cos(a, evaluate=False), 2, evaluate=False)),)),
    "tanh": Rule(1, lambda a, p=None: sympy.tanh(a, evaluate=False),
                 lambda a, p=None: (_sub(1, Pow(sympy.tanh(a, evaluate=False), 2, evaluate=False)),)),
    "sigmoid": Rule(1, lambda a, p=None: sigmoid(a, evaluate=False),
                    lambda a, p=None: (Mul(sigmoid(a, evaluate=False), _sub(1, sigmoid(a, evaluate=False)),
                                           evaluate=False),)),
    "abs": Rule(1, lambda a, p=None: sympy.Abs(a, evaluate=False), lambda a, p=None: (sympy.sign(a, evaluate=False),)),
    # ReLU'(0) = 0, as PyTorch takes it
    "relu": Rule(1, lambda a, p=None: relu(a, evaluate=False),
                 lambda a, p=None: (sympy.Heaviside(a, 0, evaluate=False),)),
}

UNARY_FUNCS = {sympy.exp: "exp", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.tanh: "tanh",
               sigmoid: "sigmoid", sympy.Abs: "abs", relu: "relu"}
