"""Reading a handwritten solution: math blocks -> statements -> chains of segments -> SymPy.

A solution is Markdown with ``$$ … $$`` (or ``\\[ … \\]``, aligned environments, inline ``$ … $``) or LaTeX.
:func:`read` finds the math, splits aligned rows (``\\\\``, ``&``), separate statements (``, \\quad``), and chains
``a = b = c = 25`` into segments joined by relations; blocks that begin with ``=`` or ``+`` continue the previous
statement, as a derivation broken over several displays does. Nothing is parsed yet: :func:`parse_segment`
(run by the checker in a killable worker, see :mod:`derive.check_limits`) reads one segment.

The writer's notation is kept as *written quantities* (:class:`Written`: ``\\bar{v}_{-1}``, ``N_3``, ``\\hat m^t``)
and *written partials* (:class:`WrittenPartial`: ``\\frac{\\partial v_6}{\\partial v_5}``, or between whole
expressions, ``\\frac{\\partial (x^2)}{\\partial x}``); the checker maps them onto the derivation's quantities.
The LaTeX itself goes through derive's parser (:func:`derive.parse.parse_latex`): placeholders stand in for the
quantities, because every LaTeX parser misreads ``\\bar v_5``, ``m^t`` or ``\\partial v_3``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from .errors import DeriveError, LimitError, ParseError
from .parse import parse_latex

__all__ = ["Written", "WrittenPartial", "Segment", "Statement", "read", "parse_segment", "decimal_literals",
           "MAX_DOCUMENT_CHARS"]

MAX_DOCUMENT_CHARS = 1_000_000

# ------------------------------------------------------------------------------------------ written quantities

_DECOS = {"bar": "bar", "overline": "bar", "hat": "hat", "widehat": "hat", "dot": "dot", "tilde": "tilde",
          "widetilde": "tilde", "vec": "vec", "mathbf": "", "boldsymbol": "", "bm": "", "mathit": "", "mathrm": ""}


class Written(sympy.Symbol):
    """A quantity as the writer named it: decoration (``bar``, ``hat``, ``dot`` or ``""``), base letter,
    subscript and time superscript, all normalised (``\\bar{v}_{-1}`` -> ("bar", "v", "-1", ""))."""

    def __new__(cls, deco: str, base: str, sub: str = "", time: str = ""):
        obj = super().__new__(cls, f"{deco}:{base}_{sub}^{time}")
        obj.deco, obj.base, obj.sub, obj.time = deco, base, sub, time
        return obj

    def __getnewargs_ex__(self):
        return ((self.deco, self.base, self.sub, self.time), {})

    def _latex(self, printer) -> str:
        base = self.base if len(self.base) == 1 else "\\" + self.base
        tex = rf"\{self.deco}{{{base}}}" if self.deco else base
        if self.sub:
            tex += f"_{{{self.sub}}}"
        if self.time:
            tex += f"^{{{self.time}}}"
        return tex


class WrittenPartial(sympy.Symbol):
    """``∂num/∂den`` as written; ``num`` and ``den`` are parsed expressions (of :class:`Written` quantities)."""

    def __new__(cls, num: sympy.Expr, den: sympy.Expr):
        obj = super().__new__(cls, f"partial:({sympy.srepr(num)})/({sympy.srepr(den)})")
        obj.num, obj.den = num, den
        return obj

    def __getnewargs_ex__(self):
        return ((self.num, self.den), {})

    def _latex(self, printer) -> str:
        return rf"\frac{{\partial {printer._print(self.num)}}}{{\partial {printer._print(self.den)}}}"


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


_REL_TOKENS = [  # (regex, relation kind); longest first
    (r"\\approx|\\simeq|\\thickapprox|≈", "≈"), (r"\\sim(?![a-zA-Z])|∼", "≈"),
    (r"\\leftarrow|\\gets|:=|←", ":="), (r"\\Rightarrow|\\implies|\\rightarrow|\\to(?![a-zA-Z])|→|⇒", "→"),
    (r"\\neq|\\ne(?![a-zA-Z])|≠", "≠"), (r"\\leq?(?![a-zA-Z])|<=|≤|<", "<"), (r"\\geq?(?![a-zA-Z])|>=|≥|>", ">"),
    (r"\\equiv|=", "="),
]
_REL_RE = re.compile("|".join(f"(?:{r})" for r, _ in _REL_TOKENS))
_BLOCK_RE = re.compile(
    r"\$\$(?P<d>.+?)\$\$|\\\[(?P<b>.+?)\\\]"
    r"|\\begin\{(?P<env>align\*?|aligned|equation\*?|gather\*?|multline\*?|eqnarray\*?)\}(?P<e>.+?)\\end\{(?P=env)\}"
    r"|(?<![\\$])\$(?P<i>[^$\n]+?)\$", re.S)
_LABEL_RE = re.compile(r"^\s*(?:(\d+)\s*\.\s*)?(?:\(\s*([a-z])\s*\)|([a-z])\))?\s*(?:\\q?quad\s*)?")
_PROSE_LABEL_RE = re.compile(r"(?m)^\s*(?:\*\*|\$\$|\\\[)?\s*(?:(\d+)\s*\.\s*)?(?:\(([a-z])\))?")


def _relation_kind(token: str) -> str:
    for r, kind in _REL_TOKENS:
        if re.fullmatch(r, token):
            return kind
    return "="


def _blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] by spaces (newlines kept) so offsets, and so line numbers, stay right."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_all(text: str, pattern: re.Pattern[str]) -> str:
    for m in reversed(list(pattern.finditer(text))):
        text = _blank(text, m.start(), m.end())
    return text


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
_KEEP_TEXT = {"sign", "sgn", "sigmoid", "relu", "ReLU", "softmax", "tanh", "exp", "log", "ln"}
_SPACING_RE = re.compile(r"\\(?:,|;|!|:|\s)|\\(?:dots|ldots|cdots)(?![a-zA-Z])|\\(?:displaystyle|nonumber|notag)"
                         r"(?![a-zA-Z])|\\(?:begin|end)\{(?:aligned|split|gathered)\}")
_SEPARATOR_RE = re.compile(r",?\s*\\q?quad(?![a-zA-Z])|;|,\s*(?=\\text)|\\(?:label|tag)\s*\{[^{}]*\}")


def _group_end(text: str, open_brace: int) -> int:
    """Index just past the brace group that opens at ``open_brace``."""
    d = 0
    for i in range(open_brace, len(text)):
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            d += 1
        elif text[i] == "}" and (i == 0 or text[i - 1] != "\\"):
            d -= 1
            if d == 0:
                return i + 1
    return len(text)


def _take_remarks(text: str) -> tuple[str, list[str]]:
    """Blank out \\text{…} remarks (keeping \\text{sign} and the like as function names) and struck-out work."""
    remarks: list[str] = []
    for pat in (_CANCEL_RE, _TEXT_RE):
        while True:
            m = next((m for m in pat.finditer(text) if text[m.end() - 1] == "{"), None)
            if m is None:
                break
            end = _group_end(text, m.end() - 1)
            inner = text[m.end():end - 1]
            if pat is _TEXT_RE and inner.strip() in _KEEP_TEXT:
                text = text[:m.start()] + rf"\operatorname{{{inner.strip()}}}".ljust(end - m.start()) + text[end:]
                continue
            if pat is _TEXT_RE and "mathrm" in m.group(0) and re.fullmatch(r"[A-Za-z]+", inner.strip() or "-"):
                text = text[:m.start()] + " " * (m.end() - m.start()) + inner + " " + text[end:]
                continue
            if pat is _TEXT_RE and inner.strip():
                remarks.append(inner.strip())
            text = _blank(text, m.start(), end)
    return text, remarks


def read(text: str) -> list[Statement]:
    """Every statement of a solution, in order, with its source line (nothing is parsed here)."""
    if not isinstance(text, str):
        raise ParseError("the solution must be text")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise LimitError(f"the solution is {len(text)} characters long; the limit is {MAX_DOCUMENT_CHARS}")
    src = text.replace("\r\n", "\n").replace("\r", "\n")
    src = _blank_all(src, _STRIKE_RE)
    src = _blank_all(src, re.compile(r"(?<!\\)%[^\n]*(?=\n)")) if "$$" not in src and "\\begin" in src else src
    labels = _prose_labels(src)
    out: list[Statement] = []
    last_end = 0
    for m in _BLOCK_RE.finditer(src):
        name = next(k for k in ("d", "b", "e", "i") if m.group(k) is not None)
        body, start = m.group(name), m.start(name)
        if name == "i" and not _REL_RE.search(body):
            continue   # inline maths without a relation is prose, not a step
        # A display that opens with "=" or "+" continues the previous one only if no prose came between them.
        adjacent = bool(out) and not src[last_end:m.start()].strip()
        _read_block(src, body, start, labels, out, inline=(name == "i"), adjacent=adjacent)
        last_end = m.end()
    return out


def _prose_labels(src: str) -> list[tuple[int, str, str]]:
    """(offset, problem number, part letter) wherever a line opens with "2." or "(b)"."""
    out = []
    for m in _PROSE_LABEL_RE.finditer(src):
        if m.group(1) or m.group(2):
            out.append((m.start(), m.group(1) or "", m.group(2) or ""))
    return out


def _part_at(labels: list[tuple[int, str, str]], offset: int) -> str:
    number, letter = "", ""
    for pos, num, let in labels:
        if pos > offset:
            break
        if num:
            number, letter = num, let
        elif let:
            letter = let
    return f"{number}({letter})" if letter else number


def _read_block(src: str, body: str, start: int, labels, out: list[Statement], inline: bool,
                adjacent: bool) -> None:
    body = _blank_all(body, _ARRAY_REMARK_RE)
    body, remarks = _take_remarks(body)
    rows = _split_rows(body)
    for r, (row, roff) in enumerate(rows):
        has_amp = "&" in row
        row = row.replace("&", " ")
        lab = _LABEL_RE.match(row)
        if lab and lab.end() and (lab.group(1) or lab.group(2) or lab.group(3)):
            row = " " * lab.end() + row[lab.end():]
        row = _SPACING_RE.sub(lambda m: " " * len(m.group(0)), row)
        pieces = _split_at(row, _SEPARATOR_RE)
        for k, (piece, poff) in enumerate(pieces):
            stripped = piece.strip().rstrip(".,").strip()
            if not stripped:
                continue
            offset = start + roff + poff + (len(piece) - len(piece.lstrip()))
            for n, segs in enumerate(_chains(stripped, offset)):
                _add(out, segs, src, labels, offset, remarks, r, inline,
                     continuable=(k == 0 and n == 0 and (adjacent or r > 0) and (has_amp or r == 0)))


def _add(out: list[Statement], segs: list[Segment], src: str, labels, offset: int, remarks: list[str], r: int,
         inline: bool, continuable: bool) -> None:
    """Append a chain as a new statement, or continue the previous one ("= …" extends it, "+ …" its last side)."""
    if True:
        if True:
            stripped = segs[0].text or "="
            continues = (not inline and out and continuable and
                         (segs[0].text == "" or (stripped[0] in "+-" and out[-1].segments)))
            if continues and segs[0].text == "":
                out[-1].segments.extend(s for s in segs[1:])
                return
            if continues:   # "+ …" or "- …" continues the last segment of the previous statement
                last = out[-1].segments[-1]
                last.text = f"{last.text} {segs[0].text}"
                out[-1].segments.extend(segs[1:])
                return
            if segs[0].text == "":
                segs = segs[1:]
            if not segs:
                return
            segs[0].rel = ""
            line = src.count("\n", 0, segs[0].offset) + 1
            out.append(Statement(segs, line, _part_at(labels, offset), "; ".join(remarks), r))


def _split_rows(body: str) -> list[tuple[str, int]]:
    return _split_at(body, re.compile(r"\\\\(?:\[[^\]]*\])?"))


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
    for m in _top_level(text, _REL_RE):
        if m.group(0) in "<>" and _angle_bracket(text, m.start()):
            continue
        segs.append(Segment(text[prev:m.start()].strip(), rel, offset + prev))
        rel, prev = _relation_kind(m.group(0)), m.end()
    segs.append(Segment(text[prev:].strip(), rel, offset + prev))
    return segs


def _chains(text: str, offset: int) -> list[list[Segment]]:
    """A chain split where it says "→" / "⇒": ``L → L' = L + λ‖w‖`` states L' = …, it does not equate L and L'."""
    out: list[list[Segment]] = [[]]
    for seg in _chain(text, offset):
        if seg.rel == "→":
            out.append([Segment(seg.text, "", seg.offset)])
        else:
            out[-1].append(seg)
    return [c for c in out if c and any(s.text for s in c)]


def _angle_bracket(text: str, i: int) -> bool:
    return text[max(0, i - 6):i].endswith(("\\left", "\\right"))


# ------------------------------------------------------------------------------------------ parsing one segment

_NUMBER_RE = re.compile(r"(?<![A-Za-z_^\\{])(\d+(?:\.\d*)?|\.\d+)")
_PLAIN_SUB_RE = re.compile(
    r"(?<![\\A-Za-z])(?P<base>[A-Za-z]|\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|sigma|"
    r"tau|phi|psi|omega|xi|zeta|rho|nu|kappa|Delta|Theta|Lambda|Sigma|Phi|Psi|Omega))(?![A-Za-z])"
    r"\s*_\s*(?P<sub>\{[^{}]*\}|[A-Za-z0-9])")
_DECO_RE = re.compile(r"\\(?P<deco>" + "|".join(sorted(_DECOS, key=len, reverse=True)) + r")(?![A-Za-z])\s*")
_PARTIAL_RE = re.compile(r"\\[dt]?frac\s*\{\s*(?:\\partial|∂)")


_SCRIPT_RE = re.compile(r"[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9])|\\[A-Za-z]+")


def decimal_literals(text: str) -> list[str]:
    """Numbers written in a segment, as written (digits of subscripts, superscripts and commands left out)."""
    return [m.group(1) for m in _NUMBER_RE.finditer(_SCRIPT_RE.sub(lambda m: " " * len(m.group(0)), text))]


class _Reader:
    """Replaces written quantities by placeholder symbols the LaTeX parser reads reliably, then maps them back."""

    def __init__(self, log_base: str, time_names: frozenset[str], where: str) -> None:
        self.log_base, self.time_names, self.where = log_base, time_names, where
        self.table: dict[str, sympy.Symbol] = {}

    def placeholder(self, sym: sympy.Symbol) -> str:
        k = len(self.table)
        name = "qz" + "".join(chr(ord("a") + int(d)) for d in str(k)) + "z"
        self.table[name] = sym
        return rf" \mathrm{{{name}}} "

    def parse(self, text: str) -> sympy.Expr:
        t = text.replace("×", r"\times ").replace("·", r"\cdot ").replace("−", "-").replace("∂", r"\partial ")
        t = re.sub(r"(?<!\\)%", r"\\%", t)
        t = re.sub(r"\\\s*$", "", t).strip()
        if not t:
            raise ParseError("empty expression", self.where)
        t = re.sub(r"\\(gamma|Gamma)(?![A-Za-z])", lambda m: self.placeholder(Written("", m.group(1))), t)
        t = self._partials(t)
        t = self._decorated(t)
        t = self._subscripted(t)
        t = self._time_indexed(t)
        plain = _plain(t)
        if plain is not None:
            from .parse import parse_plain
            try:
                expr = parse_plain(plain, self.log_base, self.where)
            except DeriveError:
                expr = parse_latex(t, self.log_base, self.where)
        else:
            expr = parse_latex(t, self.log_base, self.where)
        mapping = {}
        for s in expr.free_symbols:
            if s.name in self.table:
                mapping[s] = self.table[s.name]
            elif isinstance(s, sympy.Symbol):
                mapping[s] = Written("", s.name)
        return expr.xreplace(mapping)

    def _partials(self, t: str) -> str:
        while True:
            m = _PARTIAL_RE.search(t)
            if not m:
                return t
            num_open = t.index("{", m.start())
            num_end = _group_end(t, num_open)
            rest = t[num_end:].lstrip()
            if not rest.startswith("{"):
                raise ParseError("a \\frac without a denominator", self.where)
            den_open = num_end + (len(t[num_end:]) - len(rest))
            den_end = _group_end(t, den_open)
            num = re.sub(r"^\s*(?:\\partial|∂)", "", t[num_open + 1:num_end - 1]).strip()
            den = t[den_open + 1:den_end - 1].strip()
            if not re.match(r"(?:\\partial|∂)", den):
                raise ParseError("a ∂ in the numerator needs a ∂ in the denominator", self.where)
            den = re.sub(r"^(?:\\partial|∂)", "", den).strip()
            sym = WrittenPartial(self._inner(num), self._inner(den))
            t = t[:m.start()] + self.placeholder(sym) + t[den_end:]

    def _inner(self, text: str) -> sympy.Expr:
        inner = _Reader(self.log_base, self.time_names, self.where)
        return inner.parse(_unwrap(text))

    def _decorated(self, t: str) -> str:
        out, pos = [], 0
        for m in _DECO_RE.finditer(t):
            if m.start() < pos:
                continue
            deco = _DECOS[m.group("deco")]
            j = m.end()
            if j < len(t) and t[j] == "{":
                end = _group_end(t, j)
                inner = t[j + 1:end - 1].strip()
            else:
                mm = re.match(r"\\[A-Za-z]+|[A-Za-z]", t[j:])
                if not mm:
                    continue
                end, inner = j + mm.end(), mm.group(0)
            if m.group("deco") in ("mathrm", "mathit") and not re.fullmatch(r"[A-Za-z]", inner):
                continue   # \mathrm{sign} and friends are names, not decorated letters
            base, sub, time = _split_name(inner)
            if base is None:
                continue
            rest, sub2, time2, used = _scripts(t, end, base in self.time_names or deco == "hat")
            sym = Written(deco, base, sub or sub2, time or time2)
            out.append(t[pos:m.start()] + self.placeholder(sym))
            pos = end + used
        out.append(t[pos:])
        return "".join(out)

    def _subscripted(self, t: str) -> str:
        def repl(m: re.Match[str]) -> str:
            base = m.group("base").lstrip("\\")
            sub = _norm(m.group("sub"))
            return self.placeholder(Written("", base, sub, ""))
        t = _PLAIN_SUB_RE.sub(repl, t)
        return t

    def _time_indexed(self, t: str) -> str:
        if not self.time_names:
            return t
        names = "|".join(re.escape(n) if len(n) == 1 else r"\\" + n for n in sorted(self.time_names))
        pat = re.compile(rf"(?<![\\A-Za-z])(?P<base>{names})(?![A-Za-z])\s*\^\s*(?P<sup>\{{[^{{}}]*\}}|[A-Za-z0-9])")
        return pat.sub(lambda m: self.placeholder(Written("", m.group("base").lstrip("\\"), "",
                                                           _norm(m.group("sup")))), t)


_GREEK = ("alpha|beta|delta|epsilon|varepsilon|eta|theta|vartheta|lambda|mu|nu|xi|pi|rho|tau|phi|varphi|chi|psi|"
          "omega|kappa|zeta|iota|Delta|Theta|Lambda|Xi|Pi|Phi|Psi|Omega")
_PLAIN_ATOM = re.compile(r"\\mathrm\{(qz[a-z]+z)\}|(\d+(?:\.\d+)?|\.\d+|[A-Za-z](?![A-Za-z]))"
                         rf"|\\({_GREEK})(?![A-Za-z])")
_CLOSE = {"(": ")", "[": "]", "{": "}"}


class _NotPlain(Exception):
    pass


def _plain(t: str) -> str | None:
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


_PLAIN_FUNC = re.compile(r"\\(ln|log|sin|cos|tan|tanh|exp|sqrt)(?![A-Za-z])(?:_\{?\s*(\d+)\s*\}?|_(\d))?")


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
    if t[end:].lstrip().startswith("^"):
        raise _NotPlain
    return inner, end


def _group(t: str, pos: int) -> tuple[str, int]:
    rest = t[pos:].lstrip()
    if not rest.startswith("{"):
        raise _NotPlain
    return _plain_seq(t, len(t) - len(rest) + 1, "}")


def _split_name(inner: str) -> tuple[str | None, str, str]:
    """``v_5`` -> ("v", "5", ""); ``\\beta`` -> ("beta", "", ""); ``m^t`` -> ("m", "", "t")."""
    m = re.fullmatch(r"(\\[A-Za-z]+|[A-Za-z])\s*(?:_\s*(\{[^{}]*\}|[A-Za-z0-9]))?\s*(?:\^\s*(\{[^{}]*\}|[A-Za-z0-9]))?",
                     inner)
    if not m:
        return None, "", ""
    return m.group(1).lstrip("\\"), _norm(m.group(2) or ""), _norm(m.group(3) or "")


def _scripts(t: str, i: int, time_sup: bool) -> tuple[str, str, str, int]:
    """Subscript (and, for time-indexed names, a superscript) right after a decorated letter."""
    sub, time, j = "", "", i
    for _ in range(2):
        m = re.match(r"\s*_\s*(\{[^{}]*\}|[A-Za-z0-9])", t[j:])
        if m and not sub:
            sub, j = _norm(m.group(1)), j + m.end()
            continue
        m = re.match(r"\s*\^\s*(\{[^{}]*\}|[A-Za-z0-9])", t[j:])
        if m and time_sup and not time:
            time, j = _norm(m.group(1)), j + m.end()
            continue
        break
    return t[j:], sub, time, j - i


def _norm(script: str) -> str:
    s = script.strip()
    if s.startswith("{") and s.endswith("}"):
        s = s[1:-1]
    return re.sub(r"\s+", "", s)


def _unwrap(text: str) -> str:
    """``\\left( x^2 \\right)``, ``(x^2)``, ``[x^2]`` -> ``x^2`` (the brackets of a ∂-fraction's operand)."""
    t = text.strip()
    for left, right in ((r"\left(", r"\right)"), (r"\left[", r"\right]"), ("(", ")"), ("[", "]")):
        if t.startswith(left) and t.endswith(right):
            inner = t[len(left):len(t) - len(right)]
            if _balanced(inner):
                return _unwrap(inner)
    return t


def _balanced(text: str) -> bool:
    d = 0
    for ch in text:
        d += ch in "({["
        d -= ch in ")}]"
        if d < 0:
            return False
    return d == 0


@dataclass
class Parsed:
    """A parsed segment: the expression, and the decimal literals it contains (their figures set the tolerance)."""

    expr: sympy.Expr
    literals: list[str] = field(default_factory=list)


def parse_segment(text: str, log_base: str = "e", time_names: frozenset[str] = frozenset(),
                  where: str | None = None) -> Parsed:
    """One segment -> SymPy, with :class:`Written` / :class:`WrittenPartial` symbols for the named quantities."""
    from .check_limits import check_size
    reader = _Reader(str(log_base), frozenset(time_names), where or "")
    expr = reader.parse(text)
    check_size(expr, where)
    return Parsed(expr, decimal_literals(text))
