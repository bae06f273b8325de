"""Reading one side of a handwritten step into SymPy, with the writer's named quantities kept as symbols.

Every LaTeX parser misreads student notation (``\\bar v_5`` -> bar*v_5, ``m^t`` -> a power, ``\\partial v_3`` ->
an error), so named quantities are replaced by placeholder symbols first, the rest is read by derive's parser
(:func:`derive.parse.parse_latex`, or the faster whitelisted plain reader for simple arithmetic, see
:mod:`derive.check.reading.plain`), and the placeholders are mapped back to :class:`Written` / :class:`WrittenPartial`.
Nothing here evaluates user text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import sympy

from derive.errors import DeriveError, ParseError
from derive.parse import check_limits, parse_latex, parse_plain, replace_unevaluated
from derive.check.reading.plain import plain
from derive.check.reading.leibniz import PRIMED_FUNC_RE, PRIMED_OPS, TOTAL, function_of, leibniz, paren_end
from derive.latex import latex
from derive.check.sandbox import check_size
from derive.ops import LATEX_GREEK, LATEX_OPERATORS, alternatives
from derive.compare import ordered_symbols

__all__ = ["Written", "WrittenPartial", "Parsed", "parse_segment", "decimal_literals", "group_end"]

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

    def __new__(cls, num: sympy.Expr, den: sympy.Expr, total: bool = False):
        head = "d" if total else "partial"   # ``total``: Leibniz's d (dv_3/dx), the total derivative
        obj = super().__new__(cls, f"{head}:({sympy.srepr(num)})/({sympy.srepr(den)})")
        obj.num, obj.den, obj.total = num, den, total
        return obj

    def __getnewargs_ex__(self):
        return ((self.num, self.den, self.total), {})

    def _latex(self, printer) -> str:
        d = r"\mathrm{d}" if self.total else r"\partial"
        return rf"\frac{{{d} {printer._print(self.num)}}}{{{d} {printer._print(self.den)}}}"


def group_end(text: str, open_brace: int) -> int:
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


# ------------------------------------------------------------------------------------------ parsing one segment

_NUMBER_RE = re.compile(r"(?<![A-Za-z_^\\\d.])(\d+(?:\.\d*)?|\.\d+)")   # after a brace too: \frac{0.5}{2}
_PLAIN_SUB_RE = re.compile(
    r"(?<![\\A-Za-z])(?P<base>[A-Za-z]|\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|eta|theta|lambda|mu|sigma|"
    r"tau|phi|psi|omega|xi|zeta|rho|nu|kappa|Delta|Theta|Lambda|Sigma|Phi|Psi|Omega))(?![A-Za-z])"
    r"\s*_\s*(?P<sub>\{\s*\\(?:mathrm|text|textrm|rm|mathit|operatorname)\s*\{[A-Za-z0-9 .\\_-]*\}\s*\}|\{[^{}]*\}|[A-Za-z0-9])")
_DECO_RE = re.compile(r"\\(?P<deco>" + "|".join(sorted(_DECOS, key=len, reverse=True)) + r")(?![A-Za-z])\s*")
_PARTIAL_RE = re.compile(r"\\[dt]?frac\s*\{\s*(?:\\partial|∂)")

_SCRIPT_RE = re.compile(r"[_^]\s*(?:\{[^{}]*\}|[A-Za-z0-9])|\\[A-Za-z]+")


def decimal_literals(text: str) -> list[str]:
    """Numbers written in a segment, as written (digits of subscripts, superscripts and commands left out)."""
    def blank(m: re.Match[str]) -> str:
        g = m.group(0)
        if g.startswith("^") and re.search(r"\d\.\d", g):   # e^{2.70}: a rounded value in an exponent counts
            return " " + re.sub(r"[^\d.]", " ", g[1:])
        return " " * len(g)
    return [m.group(1) for m in _NUMBER_RE.finditer(_SCRIPT_RE.sub(blank, text))]


class _Reader:
    """Replaces written quantities by placeholder symbols the LaTeX parser reads reliably, then maps them back."""

    def __init__(self, log_base: str, time_names: frozenset[str], where: str,
                 defined: frozenset[str] = frozenset()) -> None:
        self.log_base, self.time_names, self.where, self.defined = log_base, time_names, where, defined
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
        t = _GRAD_COMPONENT_RE.sub(self._gradient_component, t)
        t = function_of(self.defined).sub(self._function_value, t)
        t = re.sub(r"\\(gamma|Gamma)(?![A-Za-z])", lambda m: self.placeholder(Written("", m.group(1))), t)
        # u^{(3)}, a^{[2]}: a node or layer index written as a bracketed superscript (Goodfellow, Ng) is its number
        t = re.sub(r"(?<![\\A-Za-z])([A-Za-z])\s*\^\s*\{\s*[(\[]\s*(-?\d+)\s*[)\]]\s*\}", r"\1_{\2}", t)
        t = _norms(t)
        t = self._derivatives_of_functions(t)
        t = self._floors(t)
        t = self._sign(t)
        t = leibniz(t)
        t = self._partials(t)
        t = self._primed(t)
        t = self._decorated(t)
        t = self._subscripted(t)
        if "e" in self.defined:   # the sheet's own e (Olah's e = c·d); e^{…} is still the exponential
            t = re.sub(r"(?<![\\A-Za-z{])e(?![A-Za-z_^}]|\s*\^)", lambda m: self.placeholder(Written("", "e")), t)
        t = self._time_indexed(t)
        t = _unbrace_arguments(t)
        t = _function_arguments(t)
        # a placeholder is a quantity, never a function: \gamma (g) is γ·g (the grammar would read a call)
        t = re.sub(r"(\\mathrm\{qz[a-z]+z\})\s*(?=\(|\\left\s*\()", r"\1 \\cdot ", t)
        try:
            expr = self._read(t)
        except DeriveError as exc:   # the message names the writer's quantities, not the placeholders
            exc.message = re.sub(r"qz[a-z]+z", lambda m: _shown(self.table.get(m.group(0))), exc.message)
            exc.source, exc.column = None, None
            raise
        mapping = {}
        for s in ordered_symbols(expr):
            if s.name in self.table:
                mapping[s] = self.table[s.name]
            elif isinstance(s, sympy.Symbol):
                mapping[s] = Written("", s.name)
        return replace_unevaluated(expr, mapping)

    def _read(self, t: str) -> sympy.Expr:
        simple = plain(t)
        if simple is not None:
            try:
                expr = parse_plain(simple, self.log_base, self.where)
            except DeriveError:
                expr = parse_latex(t, self.log_base, self.where)
        else:
            expr = parse_latex(t, self.log_base, self.where)
        return expr

    def _sign(self, t: str) -> str:
        """sign(x) as x/|x| (derive's parser has no sign function; the two agree wherever x ≠ 0)."""
        while True:
            m = re.search(r"\\(?:operatorname|mathrm|text)\s*\{\s*(?:sign|sgn)\s*\}\s*(\\left\s*)?\(", t)
            if not m:
                return t
            depth, i = 0, m.end() - 1
            for i in range(m.end() - 1, len(t)):
                depth += t[i] == "("
                depth -= t[i] == ")"
                if depth == 0:
                    break
            if depth:
                raise ParseError("sign( is never closed", self.where)
            inner = t[m.end():i]
            inner = re.sub(r"\\right\s*$", "", inner)
            t = t[:m.start()] + rf"\frac{{\left({inner}\right)}}{{\left|{inner}\right|}}" + t[i + 1:]

    def _gradient_component(self, m: re.Match[str]) -> str:
        """``\\nabla_{\\#2} f(0.7, 0.5)``, the document reader's k-th component of ∇f (``grad`` decoration)."""
        args = [a.strip() for a in (m.group("at") or "").split(",")]
        at = "@" + ",".join(args) if all(re.fullmatch(r"[-+]?\d+(?:\.\d+)?", a) for a in args) else ""
        return self.placeholder(Written("grad", m.group("f"), m.group("k"), at))

    def _function_value(self, m: re.Match[str]) -> str:
        """f(x) is f; f(0.6) is f at that point (``time`` "@0.6"): judged only where it is the problem's point."""
        args = [a.strip() for a in m.group(0)[m.group(0).index("(") + 1:].rstrip(")").removesuffix("\\right")
                .split(",")]
        if not all(re.fullmatch(r"[-+]?\d+(?:\.\d+)?", a) for a in args):
            return f" {m.group(1)}{m.group(2) or ''} "
        return self.placeholder(Written("prime" if m.group(2) else "", m.group(1), "", "@" + ",".join(args)))

    def _derivatives_of_functions(self, t: str) -> str:
        """\\sigma'(z), \\tanh'(u), \\ln'(x): the derivative of a known function at the argument (σ(z)(1 - σ(z))),
        from the operation table's own partial -- so ``\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))`` is an identity."""
        while True:
            m = PRIMED_FUNC_RE.search(t)
            if not m:
                return t
            end = paren_end(t, m.end() - 1)
            if end is None:
                raise ParseError(f"\\{m.group('f')}'( is never closed", self.where)
            inner = re.sub(r"\\right\s*$", "", t[m.end():end])
            arg = _Reader(self.log_base, self.time_names, self.where, self.defined).parse(inner)
            op = PRIMED_OPS[m.group("f")]
            base = sympy.E if m.group("f") == "ln" or self.log_base == "e" else sympy.Integer(int(self.log_base))
            t = t[:m.start()] + self.placeholder(op.partials(arg, p=base)[0] if op.name == "log"
                                                 else op.partials(arg)[0]) + t[end + 1:]

    def _floors(self, t: str) -> str:
        """\\lfloor x \\rfloor, \\lceil x \\rceil (output sizes of a convolution): read inside, then rounded."""
        for left, right, fn in (("lfloor", "rfloor", sympy.floor), ("lceil", "rceil", sympy.ceiling)):
            pat = re.compile(rf"(?:\\left\s*)?\\{left}(?![A-Za-z])((?:(?!\\{left}(?![A-Za-z])).)*?)"
                             rf"(?:\\right\s*)?\\{right}(?![A-Za-z])", re.S)
            while True:
                m = pat.search(t)
                if not m:
                    break
                inner = _Reader(self.log_base, self.time_names, self.where, self.defined).parse(m.group(1))
                t = t[:m.start()] + self.placeholder(fn(inner)) + t[m.end():]
        return t

    def _primed(self, t: str) -> str:
        """g'^t, L': a primed quantity (the regularised gradient, loss) is a quantity of its own."""
        def repl(m: re.Match[str]) -> str:
            return self.placeholder(Written("prime", m.group(1), "", _norm(m.group(2) or "")))
        def sub_repl(m: re.Match[str]) -> str:   # v_1', v'_1, v_{-1}': a node's tangent in forward mode
            return self.placeholder(Written("prime", m.group(1), _norm(m.group(2) or m.group(3)), ""))
        t = re.sub(r"(?<![\\A-Za-z])([A-Za-z])(?:\s*_\s*(\{[^{}]*\}|[A-Za-z0-9])\s*'|\s*'\s*_\s*(\{[^{}]*\}|[A-Za-z0-9]))",
                   sub_repl, t)
        return re.sub(r"(?<![\\A-Za-z])([A-Za-z])\s*'\s*(?:\^\s*(\{[^{}]*\}|[A-Za-z0-9]))?", repl, t)

    def _partials(self, t: str) -> str:
        while True:
            m = _PARTIAL_RE.search(t)
            if not m:
                return t
            num_open = t.index("{", m.start())
            num_end = group_end(t, num_open)
            rest = t[num_end:].lstrip()
            if not rest.startswith("{"):
                raise ParseError("a \\frac without a denominator", self.where)
            den_open = num_end + (len(t[num_end:]) - len(rest))
            den_end = group_end(t, den_open)
            num = re.sub(r"^\s*(?:\\partial|∂)", "", t[num_open + 1:num_end - 1]).strip()
            total = num.startswith(TOTAL.strip())
            num = num[len(TOTAL.strip()):].strip() if total else num
            den = t[den_open + 1:den_end - 1].strip()
            if not re.match(r"(?:\\partial|∂)", den):
                raise ParseError("a ∂ in the numerator needs a ∂ in the denominator", self.where)
            den = re.sub(r"^(?:\\partial|∂)", "", den).strip()
            sym = WrittenPartial(self._inner(num), self._inner(den), total)
            t = t[:m.start()] + self.placeholder(sym) + t[den_end:]

    def _inner(self, text: str) -> sympy.Expr:
        inner = _Reader(self.log_base, self.time_names, self.where, self.defined)
        return inner.parse(_unwrap(text))

    def _decorated(self, t: str) -> str:
        out, pos = [], 0
        for m in _DECO_RE.finditer(t):
            if m.start() < pos:
                continue
            deco = _DECOS[m.group("deco")]
            j = m.end()
            if j < len(t) and t[j] == "{":
                end = group_end(t, j)
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
            sub = re.sub(r"\\(?:mathrm|text|textrm|rm|mathit|operatorname)\s*\{([^{}]*)\}", r"\1", m.group("sub"))
            sub = _norm(sub)
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


_GRAD_COMPONENT_RE = re.compile(r"\\nabla_\{\\#(?P<k>\d+)\}\s*(?P<f>[A-Za-z])"
                                r"(?:\s*(?:\\left\s*)?\((?P<at>[^()]*?)(?:\\right\s*)?\))?")
_FUNC_ARG_RE = re.compile(
    r"\\(" + alternatives(LATEX_OPERATORS) + r")(_\{?\s*\d+\s*\}?)?(?![A-Za-z])\s*"
    r"(\\mathrm\{qz[a-z]+z\}|[A-Za-z](?![A-Za-z])|\d+(?:\.\d+)?)"
    r"(?=\s*(?:$|[-+)\]}=/,]|\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|\\right))")


_BRACED_FUNC_RE = re.compile(r"\\(?P<f>" + alternatives(LATEX_OPERATORS + LATEX_GREEK)
                             + r"|operatorname\{[A-Za-z]+\})(?![A-Za-z])"
                             r"(?:\s*\^\s*(?P<p>\{[^{}]*\}|\d))?\s*\{")


def _unbrace_arguments(t: str) -> str:
    """``\\cos{\\left(w \\right)} \\cdot u`` (SymPy's printed form) -> ``\\cos\\left(w \\right) \\cdot u``, and
    ``\\sin^{2}{\\left(x \\right)}`` -> ``\\left(\\sin\\left(x \\right)\\right)^{2}``: derive's LaTeX parser reads a
    braced argument followed by an operator as cos(w u)."""
    for _ in range(50):   # innermost last: each pass rewrites the outermost braced calls
        out, pos, changed = [], 0, False
        for m in _BRACED_FUNC_RE.finditer(t):
            if m.start() < pos:
                continue
            end = group_end(t, m.end() - 1)
            inner = t[m.end():end - 1].strip()
            if not ((inner.startswith("\\left(") and inner.endswith("\\right)") and _balanced(inner[6:-7]))
                    or (inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]))):
                continue
            call = f"\\{m.group('f')} {inner}"
            if m.group("p"):
                call = f"\\left({call}\\right)^{m.group('p')}"
            out.append(t[pos:m.start()] + " " + call + " ")
            pos, changed = end, True
        out.append(t[pos:])
        t = "".join(out)
        if not changed:
            break
    return t


def _function_arguments(t: str) -> str:
    """``\\ln x \\cdot y`` is ln(x)·y as written by hand (and by derive's printer); the LaTeX grammar would read
    ln(x·y). A one-operand argument followed by an operator is bracketed; ``\\sin 2x`` (juxtaposition) is not."""
    return _FUNC_ARG_RE.sub(lambda m: rf"\{m.group(1)}{m.group(2) or ''}\left({m.group(3)}\right)", t)


def _shown(sym: sympy.Symbol | None) -> str:
    if sym is None:
        return "a quantity"
    return str(latex(sym))


def _norms(t: str) -> str:
    """‖w‖, \\|w\\|_2, \\left\\|w\\right\\|_{2}^{2} -> |w| (scalar quantities: the 2-norm is the absolute value)."""
    t = re.sub(r"\\left\s*\\\||\\lVert", r"\\left|", t)
    t = re.sub(r"\\right\s*\\\||\\rVert", r"\\right|", t)
    t = t.replace("\\|", "|").replace("‖", "|")
    return re.sub(r"(\||\\right\|)\s*_\s*(?:\{\s*2\s*\}|2)", r"\1", t)


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
        if m and time_sup and not time and not sub:   # \tilde g_t^2: indexed already, so the 2 is a power
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
                  where: str | None = None, defined: frozenset[str] = frozenset()) -> Parsed:
    """One segment -> SymPy, with :class:`Written` / :class:`WrittenPartial` symbols for the named quantities.

    ``defined``: names the sheet itself defines that would otherwise be constants (``e = c \\cdot d``: then a
    lone ``e`` is that quantity, while ``e^{x}`` stays the exponential)."""
    check_limits(text, where)   # size and nesting first: everything below is linear in a bounded text
    reader = _Reader(str(log_base), frozenset(time_names), where or "", frozenset(defined))
    expr = reader.parse(text)
    check_size(expr, where)
    return Parsed(expr, decimal_literals(text))

