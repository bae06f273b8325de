"""Derivatives as people write them, turned into the forms the LaTeX reader knows.

Leibniz's d (``dy/dx``, ``\\frac{dy}{dx}``, ``\\frac{\\mathrm d}{\\mathrm d x} \\sin(x^2)``) becomes a ∂-fraction marked
total; ``f(x)``, ``f(0.6)``, ``f'(x)`` and the sheet's own ``g(x)`` name the output (at a point); ``\\sigma'(u)``,
``\\tanh'(u)`` are the operation table's derivatives. Pure text in, text out (nothing is parsed or evaluated here).
"""
from __future__ import annotations

import functools
import re

from derive.ops import OPS, alternatives

__all__ = ["FUNCTION_DEFINITION_RE", "PRIMED_FUNC_RE", "PRIMED_OPS", "TOTAL", "function_of", "leibniz", "paren_end"]

# Leibniz's d, written as a person does (\frac{dy}{dx}, \frac{\mathrm{d} y}{\mathrm{d} x}, dy/dx) and the slash
# form of ∂ (\partial f/\partial x_1): all become \frac{\partial ·}{\partial ·}, which the partials pass reads. Only
# a d followed by a name counts, so \frac{d}{c} (a quantity named d) is left alone.
_Q = r"(?:\\(?:bar|hat|dot|tilde|overline|mathbf|boldsymbol)\s*\{[^{}]*\}|\\(?:bar|hat|dot|tilde)\s+[A-Za-z]|[A-Za-z])" \
     r"(?:\s*_\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?(?:\s*\^\s*(?:\{[^{}]*\}|[A-Za-z0-9]))?"
_D = r"(?:d|\\mathrm\s*\{\s*d\s*\}|\\text\s*\{\s*d\s*\}|\\operatorname\s*\{\s*d\s*\})"
_LEIBNIZ_FRAC_RE = re.compile(rf"\\([dt]?frac)\s*\{{\s*{_D}\s*({_Q})\s*\}}\s*\{{\s*{_D}\s*({_Q})\s*\}}")
_SLASH_RE = re.compile(rf"(?<![A-Za-z\\])(?P<op>{_D}|\\partial\s*|∂)\s*({_Q})\s*/\s*(?:{_D}|\\partial\s*|∂)\s*({_Q})")


TOTAL = r"\dtotal "   # internal mark of a Leibniz d, read by _partials (a writer's \dtotal only means the same)


_OPERATOR_RE = re.compile(rf"\\[dt]?frac\s*\{{\s*(?P<op>{_D}|\\partial|∂)\s*\}}\s*\{{\s*(?:{_D}|\\partial|∂)\s*"
                          rf"(?P<x>{_Q})\s*\}}\s*")


def _operators(t: str) -> str:
    """``\\frac{d}{dx} \\sin(x^2)``, ``\\frac{\\partial}{\\partial x}\\left(…\\right)``: the derivative of what follows (a
    bracketed group, else the rest of the side), written as a fraction the ∂-reader knows."""
    m = _OPERATOR_RE.search(t)
    if not m:
        return t
    rest = t[m.end():]
    g = re.match(r"\\left\s*\(|\(", rest)
    end = None
    if g:
        depth, k = 0, 0
        for k in range(len(rest)):
            depth += rest[k] == "("
            depth -= rest[k] == ")"
            if depth == 0 and k >= g.end() - 1:
                break
        end = k + 1 if depth == 0 else None
    operand, after = (rest[:end], rest[end:]) if end else (rest, "")
    total = "" if m.group("op").startswith(("\\partial", "∂")) else TOTAL
    return t[:m.start()] + rf"\frac{{\partial {total}{operand.strip()}}}{{\partial {m.group('x')}}}" + _operators(after)


def leibniz(t: str) -> str:
    t = _operators(t)
    t = _LEIBNIZ_FRAC_RE.sub(lambda m: rf"\frac{{\partial {TOTAL}{m.group(2)}}}{{\partial {m.group(3)}}}", t)

    def slash(m: re.Match[str]) -> str:
        total = not m.group("op").startswith(("\\partial", "∂"))
        return rf"\frac{{\partial {TOTAL if total else ''}{m.group(2)}}}{{\partial {m.group(3)}}}"
    return _SLASH_RE.sub(slash, t)


_NAME = r"[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?"
# f(x), f(x_1, x_2), L(w, b), f'(x): a function of the inputs named by its letter -- the output itself, or the
# sheet's own function (``g(x) = \frac{\sin x}{x}`` defines g: then g(2), g'(x) are its value and derivative)
_ARG = rf"(?:{_NAME}|[-+]?\d+(?:\.\d+)?)"   # f(x) or f(0.5): the output, at the problem's point
_FUNCTION_LETTERS = "fFyLJE"
FUNCTION_DEFINITION_RE = re.compile(rf"\s*([A-Za-z])\s*\(\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\)\s*")


@functools.lru_cache(maxsize=64)
def function_of(defined: frozenset[str]) -> re.Pattern[str]:
    letters = _FUNCTION_LETTERS + "".join(sorted(n[0] for n in defined if n.endswith("()")))
    return re.compile(rf"(?<![\\A-Za-z])([{letters}])\s*(')?\s*(?:\\left\s*)?\(\s*{_ARG}(?:\s*,\s*{_ARG})*\s*"
                      r"(?:\\right\s*)?\)")


PRIMED_OPS = {n: op for op in OPS.values() if op.arity == 1 for n in op.latex if op.call in ("operator", "greek")}
PRIMED_FUNC_RE = re.compile(r"\\(?P<f>" + alternatives(tuple(sorted(PRIMED_OPS, key=lambda n: (-len(n), n))))
                             + r")(?![A-Za-z])\s*'\s*(?:\\left\s*)?\(")


def paren_end(t: str, i: int, opening: str = "(", closing: str = ")") -> int | None:
    """Index of the bracket that closes the one at i (round by default), or None."""
    depth = 0
    for k in range(i, len(t)):
        depth += t[k] == opening
        depth -= t[k] == closing
        if depth == 0:
            return k
    return None
