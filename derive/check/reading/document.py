"""Reading a handwritten solution: math blocks -> statements -> chains of segments -> SymPy.

A solution is Markdown with ``$$ … $$`` (or ``\\[ … \\]``, aligned environments, inline ``$ … $``) or LaTeX.
:func:`read` finds the math, splits aligned rows (``\\\\``, ``&``), separate statements (``, \\quad``), and chains
``a = b = c = 25`` into segments joined by relations; blocks that begin with ``=`` or ``+`` continue the previous
statement, as a derivation broken over several displays does. Nothing is parsed yet: :func:`parse_segment`
(run by the checker in a killable worker, see :mod:`derive.check.sandbox`) reads one segment.

The writer's notation is kept as *written quantities* (:class:`Written`: ``\\bar{v}_{-1}``, ``N_3``, ``\\hat m^t``)
and *written partials* (:class:`WrittenPartial`: ``\\frac{\\partial v_6}{\\partial v_5}``, or between whole
expressions, ``\\frac{\\partial (x^2)}{\\partial x}``); the checker maps them onto the derivation's quantities.
The LaTeX itself goes through derive's parser (:func:`derive.parse.parse_latex`): placeholders stand in for the
quantities, because every LaTeX parser misreads ``\\bar v_5``, ``m^t`` or ``\\partial v_3``.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from derive.errors import LimitError, ParseError
from derive.check.reading.relations import REL_RE, relation_kind
from derive.check.reading.tables import table_rows
from derive.check.reading.leibniz import paren_end
from derive.check.reading.latex import Parsed, Written, WrittenPartial, decimal_literals, group_end as _group_end, parse_segment
from derive.ops import PLAIN_FUNCS

__all__ = ["Written", "WrittenPartial", "Segment", "Statement", "Parsed", "read", "parse_segment",
           "decimal_literals", "MAX_DOCUMENT_CHARS"]

MAX_DOCUMENT_CHARS = 1_000_000

# ------------------------------------------------------------------------------------------ statements

@dataclass
class Segment:
    """One side of a chain: ``rel`` is the relation before it ("" for the first; "=", "≈", ":=", "≠", "<" …)."""

    text: str
    rel: str
    offset: int


@dataclass
class Statement:
    """A chain of segments, e.g. ``\\bar v_5 = \\bar v_6 ∂v_6/∂v_5 = 1 × v_4 = 38.8``, with where it was written."""

    segments: list[Segment]
    line: int                 # 1-based line of the first segment in the source
    part: str = ""            # the enclosing label, "1(b)", as far as the prose shows
    remark: str = ""          # \text{…} remarks next to it
    row: int = 0              # row of its aligned block (0-based)

    @property
    def source(self) -> str:
        out = self.segments[0].text
        for s in self.segments[1:]:
            out += f" {s.rel} {s.text}"
        return out


_ENVS = r"align\*?|aligned|equation\*?|gather\*?|multline\*?|eqnarray\*?"
# Delimiters only: blocks are paired in one pass (a regex with a lazy body per opener is quadratic on hostile text).
_DELIM_RE = re.compile(rf"\\\$|\$\$|\$|\\\[|\\\]|\\begin\{{(?P<begin>{_ENVS})\}}|\\end\{{(?P<end>{_ENVS})\}}")
# "2." numbers a part, "0.7311" is a number: a label's dot is never followed by a digit.
_LABEL_RE = re.compile(r"^\s*(?:(\d+)\s*\.(?!\d)\s*)?(?:\(\s*([a-z])\s*\)|([a-z])\))?\s*(?:\\q?quad\s*)?")
# Where a problem or a part starts: "2." / "(b)" at a line's start, a Markdown heading ("## 1", "### Problem 2"), a
# LaTeX section ("\section*{Problem 3}") or a word and a number ("Problem 2:", "**Question 3**", "Q4").
_LABEL_WORD = r"(?i:problem|question|exercise|task|aufgabe|q)"
_PROSE_LABEL_RE = re.compile(
    r"(?m)^[ \t]*(?:\*\*|\$\$|\\\[)?[ \t]*"
    r"(?:(?:\#{1,6}[ \t]*|\\(?:sub)*section\*?\{)(?:\*\*)?[ \t]*(?:" + _LABEL_WORD + r"\.?[ \t]*)?(?P<h>\d+)\b[ \t.:)*}]*"
    r"|(?:\*\*)?" + _LABEL_WORD + r"\.?[ \t]*(?P<w>\d+)\b[ \t.:)*]*"
    r"|(?P<n>\d+)\s*\.(?!\d)\s*(?:\*\*[ \t]*)?)?"
    r"(?:\((?P<p>[a-z])\))?")



def _blank_all(text: str, pattern: re.Pattern[str]) -> str:
    pieces, pos = [], 0
    for m in pattern.finditer(text):
        pieces.append(text[pos:m.start()])
        pieces.append(re.sub(r"[^\n]", " ", m.group(0)))
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces)


def _top_level(text: str, pattern: re.Pattern[str]) -> list[re.Match[str]]:
    """Matches of ``pattern`` outside every bracket, brace and \\left…\\right pair."""
    depth = [0] * (len(text) + 1)
    d = 0
    for i, ch in enumerate(text):
        if ch in "({[":
            d += 1
        depth[i] = d
        if ch in ")}]":
            d = max(d - 1, 0)
            depth[i] = d
    return [m for m in pattern.finditer(text) if depth[m.start()] == 0 and not _in_command(text, m.start())]


def _in_command(text: str, i: int) -> bool:
    """True when position i is inside a command name (the 'e' of \\le is not a relation)."""
    j = i
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    return j > 0 and text[j - 1] == "\\" and j < i


_STRIKE_RE = re.compile(r"~~.*?~~", re.S)
_CANCEL_RE = re.compile(r"\\(?:cancel|bcancel|xcancel|sout)\s*\{")
_ARRAY_REMARK_RE = re.compile(r"\\left\s*\(\s*\\begin\{array\}.*?\\end\{array\}\s*\\right\s*\)|"
                              r"\\begin\{array\}.*?\\end\{array\}", re.S)
_TEXT_RE = re.compile(r"\\(?:text|textrm|textit|textbf|mbox|mathrm)\s*\{")
# \text{...} that names a function (kept) rather than prose (blanked): the operations' plain names, and a few
# functions the writer may name that derive does not differentiate
_KEEP_TEXT = set(PLAIN_FUNCS) | {"log", "ReLU", "sign", "sgn", "softmax"}
_GRAD_TABLE_RE = re.compile(r"grad(?:\\?_table)?")

_SPACING_RE = re.compile(r"\\(?:,|;|!|:|\s)|\\(?:dots|ldots|cdots)(?![a-zA-Z])|\\(?:displaystyle|nonumber|notag)"
                         r"(?![a-zA-Z])|\\(?:begin|end)\{(?:aligned|split|gathered)\}")
# between statements: \quad, ;, a comma before \text, and a comma before another relation ("x = 3,\ y = 1":
# at top level only, so f(x, y) and (1, 0) keep theirs)
_SEPARATOR_RE = re.compile(r",?\s*\\q?quad(?![a-zA-Z])|;|,\s*(?=\\text)|\\(?:label|tag)\s*\{[^{}]*\}"
                           r"|,(?=[^,=]*[^,=<>!:\\]=)")
_SEPARATOR_OR_COLUMN_RE = re.compile(_SEPARATOR_RE.pattern + "|\x00")


def _take_remarks(text: str) -> tuple[str, list[str]]:
    """Blank out \\text{…} remarks (keeping \\text{sign} and the like as function names) and struck-out work."""
    remarks: list[str] = []
    for pat in (_CANCEL_RE, _TEXT_RE):
        pieces, pos = [], 0
        while True:
            m = pat.search(text, pos)
            if m is None:
                break
            end = _group_end(text, m.end() - 1)
            inner = text[m.end():end - 1]
            pieces.append(text[pos:m.start()])
            if pat is _TEXT_RE and re.search(r"_\s*\{?\s*$", text[max(0, m.start() - 8):m.start()]):
                pieces.append(text[m.start():end])   # r_{\text{conv2}}: part of a name, not a remark
            elif pat is _TEXT_RE and _GRAD_TABLE_RE.fullmatch(inner.strip()) and text[end:].lstrip().startswith("["):
                pieces.append(r"\overline")   # Goodfellow's grad_table[u^{(i)}]: the adjoint of u^{(i)}
                k = end + len(text[end:]) - len(text[end:].lstrip())
                close = paren_end(text, k, "[", "]")
                if close is not None:
                    text = text[:k] + "{" + text[k + 1:close] + "}" + text[close + 1:]
            elif pat is _TEXT_RE and inner.strip() in _KEEP_TEXT:
                pieces.append(rf"\operatorname{{{inner.strip()}}}")
            elif pat is _TEXT_RE and "mathrm" in m.group(0) and re.fullmatch(r"[A-Za-z]+", inner.strip() or "-"):
                pieces.append(" " * (m.end() - m.start()) + inner + " ")
            else:
                if pat is _TEXT_RE and inner.strip():
                    remarks.append(inner.strip())
                pieces.append(re.sub(r"[^\n]", " ", text[m.start():end]))
            pos = end
        pieces.append(text[pos:])
        text = "".join(pieces)
    return text, remarks


def _blocks(src: str):
    """(kind, body start, body end, block start, block end) of every maths block, paired in one linear pass:
    "d" ``$$…$$``, "b" ``\\[…\\]``, "e" an aligned/equation environment, "i" inline ``$…$`` on one line."""
    opened: tuple[str, int, int, str] | None = None   # (kind, block start, body start, environment)
    for m in _DELIM_RE.finditer(src):
        tok = m.group(0)
        if tok == "\\$":
            continue
        if opened is None:
            if tok in ("$$", "$", "\\["):
                opened = ({"$$": "d", "$": "i", "\\[": "b"}[tok], m.start(), m.end(), "")
            elif m.group("begin"):
                opened = ("e", m.start(), m.end(), m.group("begin"))
            continue
        kind, b0, s0, env = opened
        closes = ((kind == "d" and tok == "$$") or (kind == "b" and tok == "\\]") or (kind == "i" and tok == "$")
                  or (kind == "e" and m.group("end") == env))
        if closes:
            if kind == "i" and "\n" in src[s0:m.start()]:
                opened = ("i", m.start(), m.end(), "")   # a stray $: this one may open the next inline formula
                continue
            yield kind, s0, m.start(), b0, m.end()
            opened = None
        elif kind == "i" and tok == "$$":
            opened = ("d", m.start(), m.end(), "")


def read(text: str, max_statements: int | None = None) -> list[Statement]:
    """Every statement of a solution, in order, with its source line (nothing is parsed here).

    ``max_statements``: refuse (LimitError, naming the line) as soon as more statements than this are read, so a
    sheet of 60,000 lines is refused in a fraction of a second instead of being read whole first.
    """
    if not isinstance(text, str):
        raise ParseError("the solution must be text")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise LimitError(f"the solution is {len(text)} characters long; the limit is {MAX_DOCUMENT_CHARS}")
    src = text.replace("\r\n", "\n").replace("\r", "\n")
    src = _blank_all(src, _STRIKE_RE)
    src = _blank_all(src, re.compile(r"(?<!\\)%[^\n]*(?=\n)")) if "$$" not in src and "\\begin" in src else src
    src = table_rows(src)
    labels = _prose_labels(src)
    newlines = [m.start() for m in re.finditer("\n", src)]   # line numbers by bisection: no count per statement
    out: list[Statement] = []
    last_end = 0
    for name, start, stop, b0, b1 in _blocks(src):
        body = src[start:stop]
        if not body.strip() or (name == "i" and not REL_RE.search(body)):
            continue   # inline maths without a relation is prose, not a step
        # A display that opens with "=" or "+" continues the previous one only if no prose came between them.
        adjacent = bool(out) and not src[last_end:b0].strip()
        _read_block(newlines, body, start, labels, out, inline=(name == "i"), adjacent=adjacent)
        last_end = b1
        if max_statements is not None and len(out) > max_statements:
            raise LimitError(f"the solution has more than {max_statements} statements (the limit); statement "
                             f"{max_statements + 1} is on line {out[max_statements].line}")
    return out


def _prose_labels(src: str) -> list[tuple[int, str, str]]:
    """(offset, problem number, part letter) wherever a line opens with a label (see _PROSE_LABEL_RE)."""
    found = list(_PROSE_LABEL_RE.finditer(src))
    # A sheet that names its problems ("Q2.", "## Problem 2") numbers a list with "1." "2." …: those are list items
    worded = any(m.group("h") or m.group("w") for m in found)
    out = []
    for m in found:
        number = m.group("h") or m.group("w") or (None if worded and not m.group("p") else m.group("n"))
        if number or m.group("p"):
            out.append((m.start(), number or "", m.group("p") or ""))
    return out


def _part_at(labels: list[tuple[int, str, str]], offset: int) -> str:
    """The label in force at ``offset``: the last problem number before it, and the last part letter after that."""
    k = bisect.bisect_right(labels, (offset, "\uffff", "\uffff"))
    number, letter = "", ""
    for pos, num, let in reversed(labels[:k]):
        if let and not letter:
            letter = let
        if num:
            number = num
            break
    return f"{number}({letter})" if letter else number


def _read_block(newlines: list[int], body: str, start: int, labels, out: list[Statement], inline: bool,
                adjacent: bool) -> None:
    body = _blank_all(body, _ARRAY_REMARK_RE)
    body, remarks = _take_remarks(body)
    rows = _split_rows(body)
    for r, (row, roff) in enumerate(rows):
        has_amp = "&" in row
        row = _columns(row)
        row = row.replace("&", " ")
        lab = _LABEL_RE.match(row)
        if lab and lab.end() and (lab.group(1) or lab.group(2) or lab.group(3)):
            row = " " * lab.end() + row[lab.end():]
        row = _SPACING_RE.sub(lambda m: " " * len(m.group(0)), row)
        # "&\quad \cdot …" continues the product of the row above (a long term broken between factors): that
        # \quad indents the row, it does not separate two statements
        row = re.sub(r"^\s*\\quad(?=\s*\\(?:cdot|times)(?![a-zA-Z]))", lambda m: " " * len(m.group(0)), row)
        pieces = _split_at(row, _SEPARATOR_OR_COLUMN_RE)
        for k, (piece, poff) in enumerate(pieces):
            stripped = piece.strip().rstrip(".,").strip()
            lead = re.match(r":\s*", stripped)   # "\text{conv1}: (…) = 23296": the colon after a label
            if lead and lead.end() < len(stripped):
                stripped = stripped[lead.end():]
            if not stripped:
                continue
            offset = start + roff + poff + (len(piece) - len(piece.lstrip())) + (lead.end() if lead else 0)
            for n, segs in enumerate(c for chain in _chains(stripped, offset) for c in _untuple(chain)):
                _add(out, segs, newlines, labels, offset, remarks, r, inline,
                     continuable=(k == 0 and n == 0 and (adjacent or r > 0) and (has_amp or r == 0)))


_COLUMN = "\x00"   # marks where an align row starts its next equation (never in text: NULs are refused on reading)


def _columns(row: str) -> str:
    """``v_1 &= v_0^2 = 1.44 & \\dot v_1 &= 2 v_0 \\dot v_0``: align's columns come in pairs, so every second ``&``
    (at top level) starts another equation -- when what follows it is one (has a relation); it is marked so the
    row is read as two statements, not as one chain through "1.44 \\dot v_1"."""
    amps = [m.start() for m in _top_level(row, re.compile(r"(?<!\\)&"))]
    if len(amps) < 2:
        return row
    chars = list(row)
    for n in range(1, len(amps), 2):
        column = row[amps[n] + 1:amps[n + 2] if n + 2 < len(amps) else len(row)]
        if REL_RE.search(column):
            chars[amps[n]] = _COLUMN
    return "".join(chars)


def _add(out: list[Statement], segs: list[Segment], newlines: list[int], labels, offset: int, remarks: list[str],
         r: int, inline: bool, continuable: bool) -> None:
    """Append a chain as a new statement, or continue the previous one ("= …" extends it, "+ …" its last side)."""
    stripped = segs[0].text or "="
    continues = (not inline and out and continuable and
                 (segs[0].text == "" or ((stripped[0] in "+-" or stripped.startswith(("\\cdot", "\\times")))
                                         and out[-1].segments)))
    if continues and segs[0].text == "":
        out[-1].segments.extend(s for s in segs[1:])
        return
    if continues:   # "+ …", "- …" or "\cdot …" continues the last segment of the previous statement
        last = out[-1].segments[-1]
        last.text = f"{last.text} {segs[0].text}"
        out[-1].segments.extend(segs[1:])
        return
    if segs[0].text == "":
        segs = segs[1:]
    if not segs:
        return
    segs[0].rel = ""
    line = bisect.bisect_left(newlines, segs[0].offset) + 1
    out.append(Statement(segs, line, _part_at(labels, offset), "; ".join(remarks), r))


def _split_rows(body: str) -> list[tuple[str, int]]:
    """Rows of an aligned block, split at every ``\\\\`` (even inside an unclosed brace, so one broken row
    does not swallow the rest)."""
    pieces, prev = [], 0
    for m in re.finditer(r"\\\\(?:\[[^\]]*\])?", body):
        pieces.append((body[prev:m.start()], prev))
        prev = m.end()
    pieces.append((body[prev:], prev))
    return pieces


def _split_at(text: str, pattern: re.Pattern[str]) -> list[tuple[str, int]]:
    """Pieces of ``text`` between top-level matches of ``pattern``, with their offsets."""
    pieces, prev = [], 0
    for m in _top_level(text, pattern):
        pieces.append((text[prev:m.start()], prev))
        prev = m.end()
    pieces.append((text[prev:], prev))
    return pieces


def _chain(text: str, offset: int) -> list[Segment]:
    """``a = b \\approx c`` -> [Segment(a, ""), Segment(b, "="), Segment(c, "≈")] (an empty first side is kept)."""
    segs: list[Segment] = []
    prev, rel = 0, ""
    for m in _top_level(text, REL_RE):
        if m.group(0) in "<>" and _angle_bracket(text, m.start()):
            continue
        segs.append(Segment(text[prev:m.start()].strip(), rel, offset + prev))
        rel, prev = relation_kind(m.group(0)), m.end()
    segs.append(Segment(text[prev:].strip(), rel, offset + prev))
    return segs


def _chains(text: str, offset: int) -> list[list[Segment]]:
    """A chain split where it says "→" / "⇒": ``L → L' = L + λ‖w‖`` states L' = …, it does not equate L and L'.
    A bracketed aside with a relation of its own, ``b^t = μ b^{t-1} + g^t \\ (b^1 = g^1)``, is a statement apart."""
    text, asides = _asides(text)
    out: list[list[Segment]] = [[]]
    for seg in _chain(text, offset):
        if seg.rel == "→":
            out.append([Segment(seg.text, "", seg.offset)])
        else:
            out[-1].append(seg)
    out += [_chain(inner, offset + at) for inner, at in asides]
    return [c for c in out if c and any(s.text for s in c)]


def _asides(text: str) -> tuple[str, list[tuple[str, int]]]:
    """The text without its trailing top-level ``(… = …)`` aside (blanked, so offsets stay), and the aside's inside:
    a bracket opened after a space at depth 0 that closes the text and holds a relation of its own."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(" and depth == 0 and i > 0 and text[i - 1] in " \t~" and text[:i].strip(" \t~\\,;"):
            close = paren_end(text, i)
            inner = text[i + 1:close] if close is not None else ""
            if inner and not text[close + 1:].strip() and _top_level(inner, REL_RE):
                return text[:i] + " " * (close + 1 - i), [(inner, i + 1)]
        depth += ch in "({["
        depth -= ch in ")}]" and depth > 0
    return text, []


_NABLA_RE = re.compile(r"\s*\\nabla\s*(?:_\s*(?:\{[^{}]*\}|[A-Za-z]))?\s*(?P<f>[A-Za-z])\s*(?P<at>(?:\\left\s*)?\(.*\))?\s*")


def _untuple(segs: list[Segment]) -> list[list[Segment]]:
    """``(x_1, x_2) = (2, 5)`` states x_1 = 2 and x_2 = 5: tuples of one length on every side, split up.
    ``\\nabla f = (…, …)`` states each component: ``\\nabla_{\\#1} f = …`` (the reader's k-th component of ∇f)."""
    nabla = _NABLA_RE.fullmatch(segs[0].text) if len(segs) > 1 else None
    parts = [_tuple_items(seg.text) for seg in (segs[1:] if nabla else segs)]
    if len(segs) < 2 or any(p is None for p in parts) or len({len(p) for p in parts}) != 1:
        return [segs]
    n = len(parts[0])
    if nabla:
        parts.insert(0, [rf"\nabla_{{\#{k + 1}}} {nabla.group('f')}{nabla.group('at') or ''}" for k in range(n)])
    return [[Segment(p[k].strip(), seg.rel, seg.offset) for p, seg in zip(parts, segs)] for k in range(n)]


def _tuple_items(text: str) -> list[str] | None:
    m = re.fullmatch(r"(\\left\s*)?\((.*?)(\\right\s*)?\)", text.strip(), re.S)
    items = [x for x, _ in _split_at(m.group(2), re.compile(","))] if m else []
    return items if len(items) >= 2 and all(x.strip() for x in items) else None


def _angle_bracket(text: str, i: int) -> bool:
    return text[max(0, i - 6):i].endswith(("\\left", "\\right"))


