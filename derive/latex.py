"""LaTeX output: derive's printer (a subclass of SymPy's), the ``Tex`` marker and text escaping.

Every formula goes through :class:`DerivePrinter`; nothing builds ``\\frac{`` by string gluing. The printer keeps
the written order of an unevaluated expression (``order='none'``), prints ``log`` with its base, and knows the
functions derive adds (sigmoid, ReLU).
"""
from __future__ import annotations

import re
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter

from derive.names import ascii_greek, is_name
from derive.numbers import format_number

__all__ = ["DerivePrinter", "Tex", "latex", "escape_tex", "symbol_latex"]


class Tex(str):
    """A string that is already LaTeX: templates insert it verbatim instead of escaping it."""

    __slots__ = ()


_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
}
_ESCAPE_RE = re.compile("|".join(re.escape(k) for k in _ESCAPES))


def escape_tex(text: Any) -> str:
    """Escape user text for LaTeX in one pass (so no LaTeX command can be injected)."""
    if isinstance(text, Tex):
        return str(text)
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], str(text))


def _inert_name(name: str) -> str:
    # A name that is not a name (derive.names) is shown as escaped words, never as TeX: no command in it runs, and
    # characters pdflatex cannot set are shown as "?" rather than failing the build.
    shown = "".join(ch if ch.isascii() and ch.isprintable() else "?" for ch in name)
    return r"\text{" + escape_tex(shown) + "}"


class DerivePrinter(LatexPrinter):
    """SymPy's LaTeX printer with derive's conventions."""

    printmethod = "_latex"
    _default_settings = dict(LatexPrinter._default_settings, order="none", mul_symbol=None,
                             plain_log_base=None)

    def _print(self, expr, **kwargs) -> str:
        # Shared subexpressions recur across the lines of a big derivation; a printed piece depends only on the
        # expression and the settings, so one printer per settings keeps each piece once (no quadratic re-printing).
        if kwargs or not isinstance(expr, sympy.Basic):
            return super()._print(expr, **kwargs)
        cache = self.__dict__.setdefault("_piece_cache", {})
        try:
            return cache[expr]
        except KeyError:
            out = cache[expr] = super()._print(expr)
            return out
        except TypeError:   # unhashable
            return super()._print(expr)

    def _print_Symbol(self, expr: sympy.Symbol, style: str = "plain") -> str:
        # SymPy prints any name holding a brace or a backslash verbatim (x_{\text{...}} reaches the page as live TeX);
        # derive prints a name as TeX only when it passes derive.names' grammar, whoever built the symbol.
        given = self._settings["symbol_names"].get(expr)
        if given is not None:
            return given
        name = ascii_greek(expr.name)
        if not is_name(name):
            return _inert_name(expr.name)
        return self._deal_with_super_sub(name, style=style)

    def _hprint_Function(self, func: str) -> str:
        # the same guard for the name of an applied function (a user's own sympy.Function("..."))
        if not is_name(func):
            return _inert_name(func).replace("%", "%%")   # SymPy fills the name in with "%" formatting
        return super()._hprint_Function(func)

    def _print_log(self, expr: sympy.Expr, exp: str | None = None) -> str:
        # log(x) is natural; log(x, b) carries its base. "\ln" for base e keeps the output unambiguous.
        arg = expr.args[0]
        base = expr.args[1] if len(expr.args) > 1 else sympy.E
        inner = self._print(arg)
        needs_parens = not (arg.is_Symbol or arg.is_Number or isinstance(arg, sympy.Indexed))
        inner = rf"\left({inner}\right)" if needs_parens else inner
        plain = self._settings.get("plain_log_base")
        if plain is not None and base == plain and base != sympy.E:
            name = r"\log"   # the document states the base once ("here \log = \log_{10}")
        elif base == sympy.E:
            name = r"\ln"
        else:
            name = rf"\log_{{{self._print(base)}}}"
        head = f"{name}^{{{exp}}}" if exp else name
        return f"{head} {inner}" if not needs_parens else f"{head}{inner}"

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        # a log printed without brackets (\ln w) must not run into the next factor: \ln w w reads as ln(w w)
        if isinstance(expr, sympy.log) and not last and (expr.args[0].is_Symbol or expr.args[0].is_Number):
            return True
        return super()._needs_mul_brackets(expr, first=first, last=last)

    def _print_Abs(self, expr: sympy.Expr, exp: str | None = None) -> str:
        tex = r"\left|%s\right|" % self._print(expr.args[0])
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Max(self, expr: sympy.Expr, exp: str | None = None) -> str:
        args = ", ".join(self._print(a) for a in expr.args)
        tex = rf"\max\left({args}\right)"
        return f"{tex}^{{{exp}}}" if exp else tex

    def _print_Function(self, expr: sympy.Expr, exp: str | None = None) -> str:
        name = expr.func.__name__
        if name in ("sigmoid", "relu", "ReLU", "sign"):
            label = {"sigmoid": r"\sigma", "relu": r"\operatorname{ReLU}", "ReLU": r"\operatorname{ReLU}",
                     "sign": r"\operatorname{sign}"}[name]
            tex = rf"{label}\left({', '.join(self._print(a) for a in expr.args)}\right)"
            return f"{tex}^{{{exp}}}" if exp else tex
        return super()._print_Function(expr, exp)

    def _print_Float(self, expr: sympy.Float) -> str:
        return format_number(expr, self._settings.get("sigfigs") or 15)

    def emptyPrinter(self, expr: Any) -> str:
        return escape_tex(str(expr))


# The printer rejects unknown settings; "sigfigs" is derive's own.
DerivePrinter._default_settings["sigfigs"] = None


_PRINTERS: dict[tuple, DerivePrinter] = {}


def latex(expr: Any, **settings: Any) -> Tex:
    """LaTeX for a SymPy expression (or number, or string symbol name) through :class:`DerivePrinter`."""
    if isinstance(expr, Tex):
        return expr
    if isinstance(expr, str):
        return Tex(symbol_latex(expr))
    key = tuple(sorted(settings.items(), key=lambda kv: kv[0]))
    try:
        printer = _PRINTERS.get(key)
    except TypeError:
        printer, key = None, None
    if printer is None:
        printer = DerivePrinter(settings)
        if key is not None and len(_PRINTERS) < 64:
            _PRINTERS[key] = printer
        cache = printer.__dict__.setdefault("_piece_cache", {})
    else:
        cache = printer.__dict__.setdefault("_piece_cache", {})
    if len(cache) > 200_000:   # bound memory across a long-running process
        cache.clear()
    return Tex(printer.doprint(expr))


def symbol_latex(name: str) -> str:
    """LaTeX for a symbol name like ``x_1``, ``beta``, ``N_{-1}`` (SymPy's own symbol rules)."""
    return DerivePrinter()._print(sympy.Symbol(name))
