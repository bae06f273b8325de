"""Leibniz-notation objects that print themselves through derive's printer (SymPy's ``_latex`` protocol).

They let a chain-rule expansion be an ordinary unevaluated SymPy tree -- products and sums of ``PartialFrac`` --
so the printer lays out brackets, products and signs, and nothing glues ``\\frac{`` strings by hand.
"""
from __future__ import annotations

from functools import lru_cache

import sympy


class TexAtom(sympy.Symbol):
    """A symbol with a fixed LaTeX spelling (``\\bar{v}_{3}``, ``\\dot{v}_{0}``, ``N_{-1}``)."""

    def __new__(cls, tex: str, **assumptions):
        obj = super().__new__(cls, "TexAtom:" + tex, **assumptions)
        obj._tex = tex
        return obj

    def __getnewargs_ex__(self):
        return ((self._tex,), {})

    def _latex(self, printer) -> str:
        return self._tex


@lru_cache(maxsize=65536)
def node_symbol(letter: str, index: int) -> sympy.Symbol:
    """v_3, v_{-1}: SymPy's own subscript rules print ``v_{3}``, ``v_{-1}``."""
    return sympy.Symbol(f"{letter}_{{{index}}}")


@lru_cache(maxsize=65536)
def bar(letter: str, index: int) -> TexAtom:
    return TexAtom(rf"\bar{{{letter}}}_{{{index}}}")


@lru_cache(maxsize=65536)
def dot(letter: str, index: int) -> TexAtom:
    return TexAtom(rf"\dot{{{letter}}}_{{{index}}}")


def decorate(deco: str, tex: str) -> TexAtom:
    """``\\bar{x}`` for an input name already printed as LaTeX (``x_{1}`` -> ``\\bar{x}_{1}``)."""
    head, sep, tail = tex.partition("_")
    return TexAtom(rf"\{deco}{{{head}}}{sep}{tail}")


class PartialFrac(sympy.Expr):
    """∂num/∂den with the seed's brackets: a compound numerator in [ ], a compound denominator in ( )."""

    is_commutative = True

    def __new__(cls, num: sympy.Expr, den: sympy.Expr, outer: bool = False):
        obj = sympy.Expr.__new__(cls, num, den)
        obj._outer = outer
        return obj

    def _hashable_content(self):
        # the bracket style is part of what is printed, so it is part of equality (printed pieces are cached)
        return self._args + (self._outer,)

    def _latex(self, printer) -> str:
        num, den = self.args
        inner = _plain_printer(printer)   # products inside a ∂ read as juxtaposition, as the seed writes them
        n = inner._print(num)
        d = inner._print(den)
        if not _is_atom(num):
            n = rf"\left[{n}\right]" if self._outer else rf"\left({n}\right)"
        if not _is_atom(den):
            d = rf"\left({d}\right)"
        return rf"\frac{{\partial {n}}}{{\partial {d}}}"


class Bracket(sympy.Expr):
    """A sum kept in square brackets inside a product, as the seed writes ∂q/∂x = [ … + … ]."""

    is_commutative = True

    def _latex(self, printer) -> str:
        return rf"\left[{printer._print(self.args[0])}\right]"


def _is_atom(e: sympy.Basic) -> bool:
    return e.is_Symbol or e.is_Number


class Group(sympy.Expr):
    """One local partial as a single factor of a product: bracketed when compound, ``\\times`` kept outside.

    Symbolic partials print with implicit multiplication inside (``\\left(2 v_{0}\\right)``, as the seed writes
    ``\\bar v_1 \\cdot (2v_0)``); numeric ones keep the printer's explicit sign so ``2 \\times 5`` never reads as 25.
    """

    is_commutative = True

    def _latex(self, printer) -> str:
        inner = self.args[0]
        if _has_number_atom(inner):
            text = printer._print(inner)
        else:
            text = _plain_printer(printer)._print(inner)
        if _needs_parens(inner):
            return rf"\left({text}\right)"
        return text


def _has_number_atom(e: sympy.Basic) -> bool:
    return any(isinstance(a, TexAtom) and a._tex[:1] in "0123456789\\-" and not a._tex.startswith("\\bar")
               and not a._tex.startswith("\\dot") for a in e.atoms(TexAtom))


def _needs_parens(e: sympy.Basic) -> bool:
    if e.is_Atom or isinstance(e, (PartialFrac, Bracket)):
        return e.is_Number and e.is_negative
    if e.is_Add:
        return True
    if e.is_Mul:
        if e.args and e.args[0].is_Number and e.args[0].is_negative:
            return True
        # a plain fraction a/b needs no brackets; a product of several factors does
        non_inverse = [a for a in e.args if not (a.is_Pow and a.args[1] == -1)]
        return len(non_inverse) > 1
    return False


def _plain_printer(printer):
    """The same printer with implicit multiplication (its other user settings kept); made once per printer and
    kept on it, so what it prints is cached across the pieces of a derivation like the printer's own pieces."""
    plain = printer.__dict__.get("_plain_printer")
    if plain is None:
        keep = {k: printer._settings[k] for k in ("plain_log_base", "sigfigs", "fold_short_frac")
                if k in printer._settings}
        plain = printer.__dict__["_plain_printer"] = type(printer)(dict(keep, mul_symbol=None))
    cache = plain.__dict__.get("_piece_cache")
    if cache is not None and len(cache) > 200_000:   # bound memory across a long-running process, as latex() does
        cache.clear()
    return plain
