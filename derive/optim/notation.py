"""Notation for optimizer derivations: time-indexed quantities, hyperparameter symbols, and display helpers.

A time-indexed quantity (``g^t``, ``\\hat{m}^{t}`` in the seed's notation, ``g_t`` in Kingma & Ba's) is a SymPy
function applied to its step, so ``Sum(beta**(t-k) * g(k), (k, 1, t)).doit()`` expands to ``g(1), g(2), ...``
and a closed form can be checked against the iterated recurrence. Printing goes through each class's ``_latex``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

import sympy

from derive.errors import InputError

__all__ = ["Notation", "notation", "NOTATIONS", "TexSymbol", "frac", "ordered_sum", "lin_comb", "nice_coeff",
           "unevaluated_subs", "to_sign", "NormL2"]

NOTATIONS = ("seed", "paper")


class TexSymbol(sympy.Symbol):
    """A display symbol whose name is its LaTeX (``L'``, ``g'^{t}``)."""

    def _latex(self, printer, exp=None):
        return f"{{{self.name}}}^{{{exp}}}" if exp else self.name


class _Seq(sympy.Function):
    """Base of the time-indexed quantities (real-valued, one argument: the step)."""

    nargs = 1
    _tex = "x"
    _sup = True

    def _eval_is_real(self):
        return True

    def _latex(self, printer, exp=None):
        idx = _index_tex(printer, self.args[0])
        if self._sup:
            base = f"{self._tex}^{{{idx}}}"
            return rf"\left({base}\right)^{{{exp}}}" if exp else base
        base = f"{self._tex}_{{{idx}}}"
        if exp and "'" in self._tex:  # a prime is already a superscript: g'_1 squared is {g'_1}^2
            return f"{{{base}}}^{{{exp}}}"
        return f"{base}^{{{exp}}}" if exp else base


def _index_tex(printer, idx: sympy.Expr) -> str:
    # t + 1 and t - 1 as written by hand (SymPy's own order would give 1 + t)
    if idx.is_Add:
        num = sum((a for a in idx.args if a.is_Number), sympy.Integer(0))
        rest = printer._print(idx - num)
        if num == 0:
            return rest
        return f"{rest} + {printer._print(num)}" if num > 0 else f"{rest} - {printer._print(-num)}"
    return printer._print(idx)


@lru_cache(maxsize=None)
def seq_class(tex: str, sup: bool) -> type:
    # one class per (letter, placement): SymPy identifies applied functions by class, and the cache keeps the
    # identity stable across calls (so g^1 from two derivations is the same object)
    key = "".join(ch if ch.isalnum() else "_" for ch in tex)
    return type(f"seq_{key}_{'sup' if sup else 'sub'}", (_Seq,), {"_tex": tex, "_sup": sup})


class NormL2(sympy.Function):
    """||w||_2 for display (the value is never evaluated)."""

    nargs = 1

    def _eval_is_positive(self):  # where it is differentiated, w != 0
        return True

    def _eval_is_real(self):
        return True

    def _latex(self, printer, exp=None):
        base = rf"\left\|{printer._print(self.args[0])}\right\|_{{2}}"
        return f"{base}^{{{exp}}}" if exp else base


@dataclass(frozen=True)
class Notation:
    """Letters and index placement: the seed's (w^t, beta, gamma) or the paper's (theta_t, beta_1, beta_2)."""

    name: str
    sup: bool          # time index as a superscript (seed) or subscript (paper)
    param: str         # LaTeX letter of the parameter
    offset: int        # parameter index after step t is t + offset (seed: w^{t+1}; paper: theta_t)
    beta1: sympy.Symbol
    beta2: sympy.Symbol
    vector: bool = False

    def _letter(self, tex: str) -> str:
        if not self.vector:
            return tex
        return rf"\boldsymbol{{{tex}}}" if tex.startswith("\\") else rf"\mathbf{{{tex}}}"

    def seq(self, letter: str, hat: bool = False, bar: bool = False) -> type:
        """The time-indexed quantity ``letter`` (``m``, ``v``, ``g``...), optionally with a hat or a bar."""
        tex = self._letter(letter)
        if hat:
            tex = rf"\hat{{{tex}}}"
        if bar:
            tex = rf"\bar{{{tex}}}"
        return seq_class(tex, self.sup)

    @property
    def w(self) -> type:
        return self.seq(self.param)

    @property
    def g(self) -> type:
        return self.seq("g")

    def param_index(self, t: sympy.Expr) -> sympy.Expr:
        return t + self.offset

    def vector_symbol(self, name: str) -> TexSymbol:
        return TexSymbol(self._letter(name))


ALPHA, EPS, LAM = sympy.symbols("alpha epsilon lambda", positive=True)
MU, TAU, RHO, ETA = sympy.symbols("mu tau rho eta", positive=True)
T, K = sympy.symbols("t k", integer=True, positive=True)


def notation(name: str = "seed", vector: bool = False) -> Notation:
    """``seed``: w^{t+1} = w^t - ..., beta, gamma; ``paper``: theta_t = theta_{t-1} - ..., beta_1, beta_2."""
    if name == "seed":
        b1, b2 = sympy.symbols("beta gamma", positive=True)
        return Notation("seed", True, "w", 1, b1, b2, vector)
    if name == "paper":
        b1, b2 = sympy.symbols("beta_1 beta_2", positive=True)
        return Notation("paper", False, r"\theta", 0, b1, b2, vector)
    raise InputError(f"unknown notation {name!r}; choose one of {', '.join(NOTATIONS)}", "notation")


# ------------------------------------------------------------------------------------------- display helpers

def frac(num: sympy.Expr, den: sympy.Expr) -> sympy.Expr:
    """num/den kept as written (printed as one fraction)."""
    return sympy.Mul(num, sympy.Pow(den, -1, evaluate=False), evaluate=False)


def ordered_sum(terms: Iterable[sympy.Expr]) -> sympy.Expr:
    """A sum printed in the given order (``evaluate=False`` keeps it)."""
    terms = [t for t in terms if t != 0]
    if not terms:
        return sympy.Integer(0)
    return terms[0] if len(terms) == 1 else sympy.Add(*terms, evaluate=False)


def _one_minus(a: sympy.Expr) -> sympy.Expr | None:
    """If ``a`` is ``h - 1`` return the unevaluated ``1 - h`` (so (1 - beta) prints as the seed writes it)."""
    if a.is_Add and len(a.args) == 2 and sympy.Integer(-1) in a.args:
        h = next(x for x in a.args if x != -1)
        if not h.is_number and not h.could_extract_minus_sign():
            return sympy.Add(sympy.Integer(1), -h, evaluate=False)
    return None


def nice_coeff(c: sympy.Expr) -> tuple[int, sympy.Expr]:
    """(sign, |c| factored, written with 1 - h factors first): ``beta - beta**2`` -> (+1, (1 - beta) beta)."""
    f = sympy.factor(c)
    sign = 1
    if f.could_extract_minus_sign():
        sign, f = -1, -f
    args = list(f.args) if f.is_Mul else [f]
    numbers, ones, rest = [], [], []
    for a in args:
        base, e = (a.base, a.exp) if a.is_Pow else (a, sympy.Integer(1))
        flipped = _one_minus(base)
        if flipped is not None and e.is_Integer:
            sign *= (-1) ** int(e)
            ones.append(flipped if e == 1 else sympy.Pow(flipped, e, evaluate=False))
        elif a.is_Number:
            if a.is_negative:
                sign, a = -sign, -a
            if a != 1:
                numbers.append(a)
        else:
            (ones if base.is_Add else rest).append(a)
    parts = numbers + ones + rest
    if not parts:
        return sign, sympy.Integer(1)
    return sign, parts[0] if len(parts) == 1 else sympy.Mul(*parts, evaluate=False)


def lin_comb(expr: sympy.Expr, basis: Sequence[sympy.Expr]) -> sympy.Expr | None:
    """``expr`` written as c_1 b_1 + c_2 b_2 + ... in the basis order, or None if it is not such a combination."""
    e = sympy.expand(expr)
    coeffs = [e.coeff(b) for b in basis]
    if sympy.expand(e - sum(c * b for c, b in zip(coeffs, basis))) != 0:
        return None
    if any(c.has(*basis) for c in coeffs):
        return None
    terms = []
    for c, b in zip(coeffs, basis):
        if c == 0:
            continue
        sign, mag = nice_coeff(c)
        term = b if mag == 1 else sympy.Mul(mag, b, evaluate=False)
        terms.append(term if sign > 0 else sympy.Mul(sympy.Integer(-1), term, evaluate=False))
    return ordered_sum(terms)


def unevaluated_subs(expr: sympy.Expr, mapping: dict) -> sympy.Expr:
    """``expr`` with values put in but nothing simplified (``beta \\cdot 0 + (1 - beta) g^1``)."""
    with sympy.evaluate(False):
        return expr.xreplace(mapping)


def to_sign(expr: sympy.Expr) -> sympy.Expr:
    """x/|x| -> sign(x) (for x != 0): the epsilon-free Adam step is a sign."""
    # factor first: sqrt((1 - gamma) g^2) only becomes sqrt(1 - gamma) |g| once the radicand is factored
    e = sympy.factor_terms(sympy.cancel(expr)).replace(sympy.Abs, lambda x: x * sympy.sign(x))
    e = sympy.cancel(e)
    return e.replace(lambda a: a.is_Pow and isinstance(a.base, sympy.sign) and a.exp == -1,
                     lambda a: a.base)


# ------------------------------------------------------------------------------------ written (unevaluated) form

def add(*args: sympy.Expr) -> sympy.Expr:
    """A sum kept in the written order."""
    return sympy.Add(*args, evaluate=False)


def mul(*args: sympy.Expr) -> sympy.Expr:
    """A product kept in the written order."""
    return sympy.Mul(*args, evaluate=False)


def one_minus(h: sympy.Expr) -> sympy.Expr:
    """``1 - h`` printed as written (SymPy would order it ``- h + 1`` under some printers)."""
    return sympy.Add(sympy.Integer(1), -h, evaluate=False)


def ev(e: sympy.Basic) -> sympy.Basic:
    """Evaluate a written (unevaluated) tree bottom-up, so SymPy can simplify it."""
    if not e.args or isinstance(e, (sympy.Sum, sympy.Tuple)):
        return e
    return e.func(*[ev(a) for a in e.args])


def eps_last(e: sympy.Basic, eps: sympy.Symbol) -> sympy.Basic:
    """Every sum that contains ``eps`` written with ``eps`` last (|g| + epsilon, as by hand)."""
    if not e.args or not e.has(eps):
        return e
    args = [eps_last(a, eps) for a in e.args]
    if e.is_Add and eps in args:
        rest = [a for a in args if a != eps]
        return sympy.Add(*rest, eps, evaluate=False)
    if e.is_Add or e.is_Mul:
        return e.func(*args, evaluate=False)
    return e.func(*args)


class Maximum(sympy.Function):
    """max(a, b) of second moments (AMSGrad); max(0, v) = v because a second moment is never negative."""

    nargs = 2

    @classmethod
    def eval(cls, a, b):
        if a == 0:
            return b
        if b == 0:
            return a
        return None

    def _eval_is_real(self):
        return True

    def _latex(self, printer, exp=None):
        tex = rf"\max\left({printer._print(self.args[0])}, {printer._print(self.args[1])}\right)"
        return rf"\left({tex}\right)^{{{exp}}}" if exp else tex
