"""The printed width of LaTeX maths: a small TeX that sets maths in boxes by TeX's rules (TeXbook appendix G, much
simplified) with Computer Modern's metrics (:mod:`derive.texmetrics`), so a layout can ask how wide a row will be
before TeX sets it. Within a few points of TeX on a long row (benchmarks/bench_tex_width.py measures it).
"""
from __future__ import annotations

import re
from functools import lru_cache
from itertools import accumulate

from derive.texmetrics import (ACCENTS, AXIS, BIG, BIG_OPS, CHARS, DELIM_OF, DELIM_SIZES, DELIMS, FIXED_SPACES,
                               FRAC_STYLE, GAPS, IT, LIMITS, MU, OPERATORS, RM, SCALE, SMALLER, SPACES, SYMBOLS,
                               TEXT_WIDTH, UNITS)

__all__ = ["TEXT_WIDTH", "tex_box", "width", "fits", "tokens"]

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.?|\s+|.", re.S)
_SPACED_TOKEN = re.compile(r"(\s*)(\\[A-Za-z]+\*?|\\.?|.)", re.S)

_GROUPS: dict[tuple[str, int, str], tuple[float, float, float]] = {}   # {...} groups already set, by source text


class _Box:
    """An atom of a maths list: class, width, height, depth, and its scripts until it is packed."""
    __slots__ = ("kind", "w", "h", "d", "sup", "sub", "limits")

    def __init__(self, kind: str, w: float, h: float = 7.5, d: float = 0.0) -> None:
        self.kind, self.w, self.h, self.d = kind, w, h, d
        self.sup = self.sub = None
        self.limits = False


def _glyph(t: str, f: float, font: str) -> _Box:
    """One character of maths at size ``f``: a letter in its font, a digit, or punctuation and brackets."""
    if t.isalpha():
        if font in ("rm", "bf"):
            w = RM.get(t, 5.5) * (1.15 if font == "bf" else 1.0)
        elif font == "cal":
            w = 8.0
        else:
            w = IT.get(t, 5.5) * (1.15 if font == "bm" else 1.0)
        return _Box("ord", w * f, (7.6 if t.isupper() or t in "bdfhklt" else 4.7) * f,
                    (2.1 if t in "fgjpqy" else 0.0) * f)
    if t.isdigit():
        return _Box("ord", 5.475 * f, 7.06 * f)
    kind, w = CHARS.get(t, ("ord", 5.5))
    h, d = (8.21, 2.74) if kind in ("open", "close") else (6.4, 0.9)
    return _Box(kind, w * f, h * f, d * f)


class _Maths:
    """A small TeX: reads LaTeX maths and sets it in boxes by TeX's rules, with measured metrics. It knows what
    derive's printer writes (and common maths besides); an unknown command counts as one letter."""

    def __init__(self, tex: str) -> None:
        self.tex = tex
        found = _SPACED_TOKEN.findall(tex.rstrip())
        self.toks = [t for _, t in found]
        self.spaced = [s != "" for s, _ in found]          # a space before the token (it counts in \text)
        self.ends: dict[int, int] = {}                      # each "{" -> its "}"
        self.at: list[int] = []                            # where each token ends in ``tex``
        if "{" in tex:
            self.at = list(accumulate(len(s) + len(t) for s, t in found))
            stack = []
            for k in [k for k, t in enumerate(self.toks) if t in "{}"]:
                if self.toks[k] == "{":
                    stack.append(k)
                elif stack:
                    self.ends[stack.pop()] = k
        self.n = len(self.toks)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < self.n else None

    def take(self) -> str | None:
        if self.i < self.n:
            self.i += 1
            return self.toks[self.i - 1]
        return None

    def raw(self) -> str:
        """An argument's text, unread ({...} or one token), spaces kept."""
        t = self.take()
        if t != "{":
            return t or ""
        depth, out = 1, []
        while self.i < self.n:
            t = self.toks[self.i]
            if self.spaced[self.i] and out:
                out.append(" ")
            self.i += 1
            depth += (t == "{") - (t == "}")
            if depth == 0:
                break
            out.append(t)
        return "".join(out)

    def group(self, style: int, font: str) -> _Box:
        """The {...} group that starts here (its "{" already taken), set once per source text."""
        start, end = self.i - 1, self.ends.get(self.i - 1)
        key = (self.tex[self.at[start] - 1:self.at[end]], style, font) if end is not None else None
        got = _GROUPS.get(key) if key else None
        if got is not None:
            self.i = end + 1
            return _Box("ord", *got)
        box = self.pack(self.mlist(style, font, "}"), style)
        if key:
            if len(_GROUPS) > 200_000:
                _GROUPS.clear()
            _GROUPS[key] = (box.w, box.h, box.d)
        return box

    def arg(self, style: int, font: str = "") -> _Box:
        t = self.peek()
        if t == "{":
            self.i += 1
            return self.group(style, font)
        if t is None:
            return _Box("ord", 0.0, 0.0)
        sub = _Maths(t)
        self.i += 1
        return sub.pack(sub.mlist(style, font), style)

    def delimiter(self) -> str:
        t = self.take() or "."
        return t

    def mlist(self, style: int, font: str = "", stop: str = "") -> list[_Box]:
        atoms: list[_Box] = []
        f = SCALE[style]
        while True:
            t = self.take()
            if t is None or (t == "}" and stop == "}"):
                return atoms
            if t == "\\right" and stop == "\\right":
                self.i -= 1
                return atoms
            if t in ("&", "\\\\", "\\end") and stop == "&":
                self.i -= 1
                return atoms
            if t in ("&", "\\\\"):
                continue
            if t in ("^", "_"):
                if not atoms or atoms[-1].kind == "glue":
                    atoms.append(_Box("ord", 0.0, 0.0))
                box = self.arg(SMALLER[style], font)
                if t == "^":
                    atoms[-1].sup = box
                else:
                    atoms[-1].sub = box
                continue
            if t == "{":
                atoms.append(self.group(style, font))
                continue
            if t == "}":
                continue
            if t in FIXED_SPACES:
                atoms.append(_Box("glue", FIXED_SPACES[t], 0.0))
                continue
            if t in SPACES:
                atoms.append(_Box("glue", SPACES[t] * MU * f, 0.0))
                continue
            if len(t) == 1:
                atoms.append(_glyph(t, f, font))
                continue
            style = self.command(t, atoms, style, font)
            f = SCALE[style]

    def command(self, t: str, atoms: list[_Box], style: int, font: str) -> int:
        """A control sequence: its box (or boxes, or spacing) appended to ``atoms``; the style the list goes
        on in (``\\displaystyle`` and its kin change it)."""
        f = SCALE[style]
        name = t[1:]
        if t in ("\\left", "\\bigl", "\\Bigl", "\\biggl", "\\Biggl", "\\bigr", "\\Bigr", "\\biggr", "\\Biggr",
                 "\\big", "\\Big", "\\bigg", "\\Bigg", "\\bigm", "\\Bigm", "\\biggm", "\\Biggm"):
            if t == "\\left":
                atoms.append(self.fenced(style))
            else:
                size = BIG[name.rstrip("lrm")] if name[-1] in "lrm" and name[:-1] in BIG else BIG[name]
                fam = DELIM_OF.get(self.delimiter(), "paren")
                kind = {"l": "open", "r": "close", "m": "rel"}.get(name[-1], "ord")
                tot = DELIM_SIZES[size]
                atoms.append(_Box(kind, DELIMS[fam][size] * f, AXIS + tot / 2, tot / 2 - AXIS))
            return style
        if t == "\\right":     # unmatched: a delimiter
            fam = DELIM_OF.get(self.delimiter(), "paren")
            atoms.append(_Box("close", DELIMS[fam][0] * f, 8.21 * f, 2.74 * f))
            return style
        if name in ("frac", "dfrac", "tfrac", "cfrac", "binom", "dbinom", "tbinom"):
            atoms.append(self.fraction(name, style))
            return style
        if name in ("sqrt",):
            if self.peek() == "[":
                while self.take() not in ("]", None):
                    pass
            b = self.arg(style, font)
            tall = b.h + b.d
            atoms.append(_Box("ord", b.w + (9.125 if tall <= 11.5 else 10.95 if tall <= 21 else 12.5) * f,
                              b.h + 2.0 * f, b.d + 1.0))
            return style
        if name in ("text", "textrm", "textnormal", "mbox", "textup", "textit", "textbf", "texttt", "textsf"):
            text = re.sub(r"\\[A-Za-z]+|[{}$\\]", "", self.raw().replace("\\_", "_"))
            scale = 1.15 if name == "textbf" else 1.0
            atoms.append(_Box("ord", sum(RM.get(c, 5.5) for c in text) * scale * f, 7.5 * f, 2.1 * f))
            return style
        if name in ("mathrm", "mathit", "mathbf", "mathsf", "mathtt", "operatorname", "operatorname*",
                    "mathcal", "mathbb", "mathfrak", "mathscr", "boldsymbol", "bm", "mathnormal"):
            fnt = {"mathrm": "rm", "mathsf": "rm", "mathtt": "rm", "operatorname": "rm",
                   "operatorname*": "rm", "mathbf": "bf", "mathcal": "cal", "mathbb": "cal",
                   "mathfrak": "cal", "mathscr": "cal", "boldsymbol": "bm", "bm": "bm"}.get(name, "")
            b = self.arg(style, fnt)
            b.kind = "op" if name.startswith("operatorname") else "ord"
            atoms.append(b)
            return style
        if name in ACCENTS:
            b = self.arg(style, "bm" if name == "boldsymbol" else font)
            atoms.append(_Box("ord", b.w, b.h + 2.0 * f, b.d))
            return style
        if name in ("vphantom", "hphantom", "phantom", "smash", "mathstrut", "strut"):
            if name in ("mathstrut", "strut"):
                atoms.append(_Box("ord", 0.0, 8.21 * f, 2.74 * f))
                return style
            b = self.arg(style, font)
            atoms.append(_Box("ord", 0.0 if name == "vphantom" else b.w,
                              0.0 if name == "hphantom" else b.h, 0.0 if name in ("hphantom", "smash") else b.d))
            return style
        if name in ("mathop", "mathbin", "mathrel", "mathord", "mathopen", "mathclose", "mathpunct",
                    "mathinner"):
            b = self.arg(style, font)
            b.kind = name[4:]
            atoms.append(b)
            return style
        if name in ("displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle"):
            style = ("displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle").index(name)
            return style
        if name in ("limits", "nolimits"):
            if atoms:
                atoms[-1].limits = name == "limits"
            return style
        if name in ("hspace", "hspace*", "kern", "mkern", "hskip", "mskip"):
            text = self.raw() if name.startswith("hspace") else self.dimen()
            m = re.match(r"\s*(-?[\d.]+)\s*([a-z]{2})", text)
            w = float(m.group(1)) * UNITS.get(m.group(2), 1.0) if m else 0.0
            atoms.append(_Box("glue", w, 0.0))
            return style
        if name == "begin":
            atoms.append(self.environment(self.raw(), style))
            return style
        if name in ("end", "nonumber", "notag", "label", "color", "not", "middle", "relax", "allowbreak"):
            if name in ("label", "color", "end"):
                self.raw()
            return style
        if name in OPERATORS:
            b = _Box("op", sum(RM[c] for c in name) * f, 7.6 * f, 2.1 * f if set(name) & set("gjpqy") else 0.0)
            b.limits = name in LIMITS and style == 0
            atoms.append(b)
            return style
        if name in BIG_OPS:
            w = BIG_OPS[name][0 if style == 0 else 1] * (1.0 if style < 2 else SCALE[style])
            b = _Box("op", w, 11.5 if style == 0 else 8.2, 6.0 if style == 0 else 2.7)
            b.limits = name in LIMITS and style == 0
            atoms.append(b)
            return style
        kind, w = SYMBOLS.get(t, ("ord", 6.0))
        atoms.append(_Box(kind, w * f, 7.6 * f if kind != "bin" else 6.4 * f, 0.9 * f))
        return style

    def dimen(self) -> str:
        out = []
        while self.i < len(self.toks) and len(out) < 8 and (self.toks[self.i][:1].isalnum() or
                                                            self.toks[self.i] in ".- "):
            out.append(self.toks[self.i])
            self.i += 1
        return "".join(out)

    def fenced(self, style: int) -> _Box:
        f = SCALE[style]
        left = self.delimiter()
        inner = self.pack(self.mlist(style, "", "\\right"), style)
        right = "."
        if self.take() == "\\right":
            right = self.delimiter()
        delta = max(inner.h - AXIS * f, inner.d + AXIS * f)
        need = max(delta * 2 * 0.901, 2 * delta - 5.0)
        size = next((k for k, tot in enumerate(DELIM_SIZES) if tot >= need), 5)
        tot = DELIM_SIZES[size] if size < 5 else need
        w = sum(DELIMS[DELIM_OF.get(x, "paren")][size] for x in (left, right))
        return _Box("inner", inner.w + w * (f if style >= 2 else 1.0), max(inner.h, AXIS + tot / 2),
                    max(inner.d, tot / 2 - AXIS))

    def fraction(self, name: str, style: int) -> _Box:
        inner_style = 1 if name.startswith("d") and style < 2 else FRAC_STYLE[style]
        if name.startswith("t"):
            inner_style = FRAC_STYLE[max(style, 1)]
        num, den = self.arg(inner_style), self.arg(inner_style)
        f = SCALE[style]
        if style == 0 or name.startswith("d"):
            u, v = max(7.41, 4.15 + num.d), max(7.51, den.h - 1.35)
        else:
            u, v = max(4.31 * f, 3.35 * f + num.d), max(3.78 * f, den.h - 2.15 * f)
        w = max(num.w, den.w) + 2.4
        box = _Box("ord", w, u + num.h, v + den.d)
        if name.endswith("binom"):
            box.w += 2 * DELIMS["paren"][2 if style == 0 else 0]
        return box

    def environment(self, env: str, style: int) -> _Box:
        """A matrix-like environment: columns as wide as their widest cell, 2 \\arraycolsep between them."""
        if env == "array":
            self.raw()
        cell_style = 1 if env not in ("aligned", "gathered", "split") else 0
        rows: list[list[float]] = [[]]
        height = 0.0
        while True:
            cell = self.pack(self.mlist(cell_style, "", "&"), cell_style)
            rows[-1].append(cell.w)
            t = self.take()
            if t == "\\\\":
                rows.append([])
                height += 12.0
            elif t != "&":
                if t == "\\end":
                    self.raw()
                break
        cols = max(len(r) for r in rows)
        width = sum(max((r[k] for r in rows if k < len(r)), default=0.0) for k in range(cols)) + 10.0 * (cols - 1)
        delims = {"pmatrix": "paren", "bmatrix": "bracket", "Bmatrix": "brace", "vmatrix": "vert",
                  "Vmatrix": "Vert", "cases": "brace"}.get(env)
        if delims:
            width += DELIMS[delims][5] * (1 if env == "cases" else 2)
        return _Box("inner", width, height / 2 + 8.0, height / 2 + 3.0)

    def pack(self, atoms: list[_Box], style: int, kind: str = "ord") -> _Box:
        """A list as one box: scripts attached, binary operators made ordinary where TeX does, spacing added."""
        f = SCALE[style]
        w = h = d = 0.0
        prev: _Box | None = None
        real = [a for a in atoms if a.kind != "glue"]
        for k, a in enumerate(real):                       # TeX's rules 5 and 6 for Bin atoms
            if a.kind == "bin" and (prev is None or prev.kind in ("bin", "op", "rel", "open", "punct")):
                a.kind = "ord"
            if a.kind in ("rel", "close", "punct") and prev is not None and prev.kind == "bin":
                prev.kind = "ord"
            prev = a
        if prev is not None and prev.kind == "bin":
            prev.kind = "ord"
        prev = None
        for a in atoms:
            if a.sup is not None or a.sub is not None:
                sup, sub = a.sup, a.sub
                if a.limits:
                    a.w = max(a.w, sup.w if sup else 0.0, sub.w if sub else 0.0)
                    a.h += (sup.h + sup.d + 3.0) if sup else 0.0
                    a.d += (sub.h + sub.d + 3.0) if sub else 0.0
                else:
                    a.w += max(sup.w if sup else 0.0, sub.w if sub else 0.0) + 0.5
                    if sup:
                        a.h = max(a.h, max((4.52, 3.97, 2.9, 2.5)[style], a.h - 2.8 * f) + sup.h)
                    if sub:
                        a.d = max(a.d, 1.6 * f + sub.d)
                a.sup = a.sub = None
            if a.kind == "glue":
                w += a.w
                continue
            if prev is not None:
                w += GAPS[style < 2][prev.kind][a.kind] * f
            w += a.w
            h, d = max(h, a.h), max(d, a.d)
            prev = a
        return _Box(kind, w, h, d)


@lru_cache(maxsize=65536)
def tex_box(tex: str) -> tuple[float, float, float]:
    """Width, height and depth in pt of LaTeX maths set in display style at 11 pt (an estimate from TeX's rules
    and Computer Modern's metrics, within a few points on a long row)."""
    m = _Maths(tex)
    b = m.pack(m.mlist(0), 0)
    return b.w, b.h, b.d


def width(tex: str) -> float:
    """The printed width of LaTeX maths in display style, in pt (see :func:`tex_box`)."""
    return tex_box(tex)[0]


_FREE = frozenset(["{", "}", "^", "_", "\\left", "\\right", "\\displaystyle", "\\textstyle", "\\limits",
                   "\\nolimits", "\\vphantom", "\\,", "\\;", "\\:", "\\!"] +
                  [rf"\{b}{s}" for b in BIG for s in ("", "l", "r", "m")])
_BOUNDS = {**{"\\" + n: sum(RM[c] for c in n) + 4.0 for n in OPERATORS}, **{"\\" + n: 20.0 for n in BIG_OPS},
           **{k: w + 6.1 for k, (_, w) in SYMBOLS.items()}, "\\qquad": 21.9, "\\frac": 2.4, "\\sqrt": 12.5}
_EXACT_ONLY = re.compile(r"\\(?:hspace|kern|hskip|mkern|mskip|begin|text|mbox|operatorname|math[a-z]+|boldsymbol|bm)"
                         r"(?![A-Za-z])")


@lru_cache(maxsize=65536)
def _upper(tex: str) -> float:
    """A quick bound on :func:`width` (never below it): 15 pt a glyph with its spacing, the wide ones as wide as
    they are; the exact width for what it cannot bound."""
    if _EXACT_ONLY.search(tex):
        return width(tex)
    return sum(0.0 if t in _FREE or t.isspace() else _BOUNDS.get(t, 15.0) for t in _TOKEN.findall(tex))


def fits(texts: list[str], budget: float) -> bool:
    """Whether maths side by side is at most ``budget`` wide (the exact estimate only when the bound is not)."""
    return sum(map(_upper, texts)) <= budget or sum(map(width, texts)) <= budget


def tokens(tex: str) -> list[str]:
    """LaTeX maths as TeX reads it: control words (``\\frac``), control symbols (``\\,``), spaces, characters."""
    return _TOKEN.findall(tex)
