"""Breaking a worked line to fit the page, by the printed width of its maths (:mod:`derive.texwidth`).

A line ``lhs = stage = stage …`` stays one row when it fits; else it goes one stage a row (``&= …``); a stage still
too wide goes one term a row (``&+ …``, ``&- …``: its top-level sum, as the seed writes it), and a term still too
wide is broken between its top-level factors, as many a row as fit, the rest on rows ``&\\quad \\cdot …``.
Breaks are only ever at the top level of a stage: never inside a bracket, a brace or a ``\\left…\\right`` pair,
so every row is LaTeX that TeX sets on its own, and derive's checker reads the rows joined back into the line.
"""
from __future__ import annotations

from functools import lru_cache

from derive.derivation import Line
from derive.latex import Tex
from derive.texwidth import TEXT_WIDTH, fits, tokens, width

__all__ = ["LINE_WIDTH", "Pending", "fits_page", "lay_out"]

# Rows are laid out to a little less than \textwidth so the width model's error (a few points on a long row,
# benchmarks/bench_tex_width.py) never reaches the margin.
LINE_WIDTH = TEXT_WIDTH - 12.0
INDENT = r"\quad"          # a product's continuation row: indented, so it is not read as a new term of the sum
SUMS = ("+", "-")
PRODUCTS = (r"\cdot", r"\times")
_OPEN = frozenset(["(", "[", "{", r"\{", r"\left"])
_CLOSE = frozenset([")", "]", "}", r"\}", r"\right"])
_SPACING = frozenset([r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad"])
# After one of these a + or - is a sign (``= -x``, ``\cdot -1``), not a place to break.
_OPERATORS = frozenset(["+", "-", "=", "<", ">", ",", ";", ":", "&", r"\\", *PRODUCTS, r"\pm", r"\mp",
                        r"\approx", r"\leq", r"\geq", r"\neq"])


def top_level(tex: str, ops: tuple[str, ...]) -> list[tuple[str, str]]:
    """``tex`` cut before each top-level operator of ``ops`` (binary ones only): [("", first), (op, next), …]; one
    item when there is none. Brackets, braces and ``\\left…\\right`` pairs (their delimiters skipped) are never cut."""
    toks = tokens(tex)
    pieces: list[tuple[str, list[str]]] = [("", [])]
    depth, operand, skip = 0, False, False
    for t in toks:
        if skip:                                  # the delimiter of \left( / \right): not a bracket of its own
            pieces[-1][1].append(t)
            skip = t.isspace()
            continue
        if depth == 0 and operand and t in ops:
            pieces.append((t, []))
            operand = False
            continue
        pieces[-1][1].append(t)
        if t.isspace() or t in _SPACING:
            continue
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth = max(depth - 1, 0)
        if t in (r"\left", r"\right"):
            skip = True
        operand = depth > 0 or t not in _OPERATORS
    return [(op, "".join(p).strip()) for op, p in pieces]


def _rel_width(rel: str) -> float:
    """The width a relation (or ``\\quad \\cdot``) takes at the start of align's right column, which begins ``{}``."""
    return width("{}" + rel + "{}") if rel else 0.0


def _factor_rows(term: str, rel: str, budget: float) -> list[tuple[str, str]]:
    """A term as rows between its top-level factors, each row as many factors as fit (at least one)."""
    factors = top_level(term, PRODUCTS)
    rows = [(rel, factors[0][1])]
    used = _rel_width(rel) + width(factors[0][1])
    for op, factor in factors[1:]:
        w = _rel_width(op) + width(factor)
        if used + w <= budget:
            rows[-1] = (rows[-1][0], f"{rows[-1][1]} {op} {factor}")
            used += w
        else:
            cont = f"{INDENT} {op}"
            rows.append((cont, factor))
            used = _rel_width(cont) + width(factor)
    return rows


@lru_cache(maxsize=16384)
def stage_rows(tex: str, rel: str, budget: float) -> tuple[tuple[str, str], ...]:
    """One stage ``rel tex`` as rows (relation or operator, maths) that fit ``budget`` where the maths allows: one
    row; else one term of its top-level sum a row; a term too wide broken between factors."""
    if fits([f"{{}}{rel}{{}}", tex], budget):
        return ((rel, tex),)
    rows: list[tuple[str, str]] = []
    for k, (op, term) in enumerate(top_level(tex, SUMS)):
        lead = rel if k == 0 else op
        if fits([f"{{}}{lead}{{}}", term], budget):
            rows.append((lead, term))
        else:
            rows.extend(_factor_rows(term, lead, budget))
    return tuple(rows)


class Pending:
    """A line to be laid out with its block: the left side, its stages (each a right side), its tag."""
    __slots__ = ("lhs", "stages", "tag")

    def __init__(self, lhs: Tex, stages: list[Tex], tag: str) -> None:
        self.lhs, self.stages, self.tag = lhs, stages, tag

    def lines(self, lhs_width: float, own_row: bool) -> list[Line]:
        """The rows of this line when the block's left column is ``lhs_width`` wide; ``own_row`` puts the left
        side on a row of its own in the right column (a left side too wide to leave room beside it)."""
        budget = LINE_WIDTH - lhs_width
        if not own_row and fits([item for s in self.stages for item in ("{}={}", s)], budget):
            return [Line(self.lhs, tuple(self.stages), tag=self.tag)]
        rows: list[tuple[str, str]] = [("", self.lhs)] if own_row else []
        for s in self.stages:
            rows.extend(stage_rows(s, "=", budget))
        return [Line(self.lhs if k == 0 and not own_row else Tex(""), (Tex(piece),),
                     rels=(rel if rel in ("=", "+", "-") else Tex(rel),), tag=self.tag if k == 0 else "")
                for k, (rel, piece) in enumerate(rows)]


def _row_parts(line: Line) -> list[str]:
    """A finished row's right column as pieces of maths side by side (relations as align sets them)."""
    parts = [item for rel, r in line.pairs() for item in (f"{{}}{rel}{{}}" if rel else "", r)]
    return parts + [rf"\quad \text{{{line.note}}}"] if line.note else parts


def overflow(lines: list[Line]) -> float:
    """How far (pt) the widest row of an aligned block reaches past LINE_WIDTH; 0 or less when all fit."""
    left = max((width(ln.lhs) for ln in lines), default=0.0)
    return max((left + sum(map(width, _row_parts(ln))) - LINE_WIDTH for ln in lines
                if not fits(_row_parts(ln), LINE_WIDTH - left)), default=0.0)


def fits_page(lines: list[Line]) -> bool:
    return overflow(lines) <= 0


def lay_out(items: list[Line | Pending]) -> list[Line]:
    """The lines of one aligned block (finished ``Line`` objects and ``Pending`` ones), broken to fit the page.

    In an ``align`` the left column is as wide as the widest left side and every right side has the page less
    that; when that leaves too little room, the widest left sides go on rows of their own (up to three ways of
    choosing them are tried, the first that fits is taken, else the one that overflows least)."""
    pending = [k for k, it in enumerate(items) if isinstance(it, Pending)]
    lhs_w = [width(it.lhs) for it in items]
    configs: list[frozenset[int]] = [frozenset()]
    for t in sorted({lhs_w[k] for k in pending if lhs_w[k] > LINE_WIDTH / 5}, reverse=True)[:3]:
        configs.append(frozenset(k for k in pending if lhs_w[k] >= t))
    best: tuple[float, list[Line]] | None = None
    for moved in configs:
        left = max((w for k, w in enumerate(lhs_w) if k not in moved), default=0.0)
        lines: list[Line] = []
        for k, it in enumerate(items):
            lines.extend(it.lines(left, k in moved) if isinstance(it, Pending) else [it])
        over = overflow(lines)
        if over <= 0:
            return lines
        if best is None or over < best[0]:
            best = (over, lines)
    return best[1] if best else []
