"""A fast path for simple sides: placeholders, numbers, + - × · /, brackets, \\frac, integer powers and
\\ln/\\log/\\sin … of one operand become a Python-style expression for derive's whitelisted ``ast`` reader
(:func:`derive.parse.parse_plain`). The LaTeX grammar takes ~20 ms a side; this takes well under 1 ms, which is
what makes checking a thousand solutions a minute possible. Anything else returns None and goes to the grammar.
"""
from __future__ import annotations

import re

from derive.ops import LATEX_BRACED, LATEX_OPERATORS, alternatives

__all__ = ["plain"]

_GREEK = ("alpha|beta|delta|epsilon|varepsilon|eta|theta|vartheta|lambda|mu|nu|xi|pi|rho|tau|phi|varphi|chi|psi|"
          "omega|kappa|zeta|iota|Delta|Theta|Lambda|Xi|Pi|Phi|Psi|Omega")
_PLAIN_ATOM = re.compile(r"\\mathrm\{(qz[a-z]+z)\}|(\d+(?:\.\d+)?|\.\d+|[A-Za-z](?![A-Za-z]))"
                         rf"|\\({_GREEK})(?![A-Za-z])")
_CLOSE = {"(": ")", "[": "]", "{": "}"}


class _NotPlain(Exception):
    pass


def plain(t: str) -> str | None:
    """Simple LaTeX (placeholders, numbers, + - × · /, brackets, \\frac, integer powers) as a Python-style
    expression for derive's whitelisted ``ast`` reader -- much faster than the LaTeX grammar; None otherwise."""
    t = re.sub(r"\\left\s*([(\[])", r"\1", t)
    t = re.sub(r"\\right\s*([)\]])", r"\1", t)
    try:
        text, pos = _plain_seq(t, 0, None)
    except (_NotPlain, RecursionError):
        return None
    return text if pos == len(t) and text else None


def _plain_seq(t: str, pos: int, closer: str | None) -> tuple[str, int]:
    parts: list[str] = []
    atom_end = False

    def operand(piece: str) -> None:
        nonlocal atom_end
        if atom_end:
            parts.append("*")
        parts.append(piece)
        atom_end = True

    while pos < len(t):
        ch = t[pos]
        if ch.isspace():
            pos += 1
            continue
        if closer and ch == closer:
            return "".join(parts), pos + 1
        m = _PLAIN_ATOM.match(t, pos)
        if m:
            operand(m.group(1) or m.group(2) or m.group(3))
            pos = m.end()
        elif ch in _CLOSE:
            inner, pos = _plain_seq(t, pos + 1, _CLOSE[ch])
            operand(f"({inner})")
        elif t.startswith("\\frac", pos) or t.startswith("\\dfrac", pos):
            pos = t.index("frac", pos) + 4
            num, pos = _group(t, pos)
            den, pos = _group(t, pos)
            operand(f"(({num})/({den}))")
        elif ch == "\\" and _PLAIN_FUNC.match(t, pos):
            m = _PLAIN_FUNC.match(t, pos)
            name, base = m.group(1), m.group(2) or m.group(3)
            arg, pos = _plain_arg(t, m.end())
            if name == "sqrt":
                operand(f"sqrt({arg})")
            elif name == "ln":
                operand(f"log({arg}, e)")
            elif name == "log":
                operand(f"log({arg}, {base})" if base else f"log({arg})")
            else:
                operand(f"{name}({arg})")
        elif ch == "^":
            if not atom_end:
                raise _NotPlain
            rest = t[pos + 1:].lstrip()
            pos = len(t) - len(rest)
            if rest.startswith("{"):
                inner, pos = _plain_seq(t, pos + 1, "}")
            elif rest[:1].isdigit() or rest[:1].isalpha():
                inner, pos = rest[0], pos + 1
            else:
                raise _NotPlain
            parts.append(f"**({inner})")
        elif ch in "+-/":
            parts.append(ch)
            atom_end = False
            pos += 1
        elif t.startswith("\\times", pos) or t.startswith("\\cdot", pos):
            pos += 6 if t.startswith("\\times", pos) else 5
            if pos < len(t) and t[pos].isalpha():
                raise _NotPlain
            parts.append("*")
            atom_end = False
        else:
            raise _NotPlain
    if closer:
        raise _NotPlain
    return "".join(parts), pos


_PLAIN_FUNC = re.compile(r"\\(" + alternatives(LATEX_OPERATORS + LATEX_BRACED) +
                         r")(?![A-Za-z])(?:_\{?\s*(\d+)\s*\}?|_(\d))?")


def _plain_arg(t: str, pos: int) -> tuple[str, int]:
    """The argument of \\ln, \\sin …: a bracketed group or one operand (not followed by a power: \\ln x^2 and
    \\log^2 x are left to the LaTeX grammar)."""
    rest = t[pos:].lstrip()
    pos = len(t) - len(rest)
    if rest[:1] in _CLOSE:
        inner, end = _plain_seq(t, pos + 1, _CLOSE[rest[0]])
    else:
        m = _PLAIN_ATOM.match(t, pos)
        if not m:
            raise _NotPlain
        inner, end = m.group(1) or m.group(2) or m.group(3), m.end()
        # "\\ln x y" (juxtaposition) is ln(x y) by convention and to the LaTeX grammar: left to the grammar.
        # (An operand followed by an operator was bracketed by the reader before it got here.)
        if t[end:].lstrip()[:1] not in ("", "+", "-", ")", "]", "}"):
            raise _NotPlain
    if t[end:].lstrip().startswith("^"):
        raise _NotPlain
    return inner, end


def _group(t: str, pos: int) -> tuple[str, int]:
    rest = t[pos:].lstrip()
    if not rest.startswith("{"):
        raise _NotPlain
    return _plain_seq(t, len(t) - len(rest) + 1, "}")

