r"""User text in documents (a problem set's title, author, a problem's ``intro``): any Unicode, mathematics between
``$…$``, and placeholders ``{x}`` filled from the problem's own fields, so a variant states the numbers it solves.

Untrusted: the text is never passed to TeX as it is. Outside ``$…$`` it is escaped (LaTeX's special characters,
maths symbols written in Unicode set as maths); inside, every token is checked against :data:`MATH_COMMANDS`, the
commands a statement's mathematics needs (Greek, operators, fractions, accents, fonts, delimiters), with braces
balanced, so ``\input``, ``\write18``, ``\def`` or a catcode change can never reach TeX. The writer's notation is
kept as written (read back through SymPy, ``\hat{v}_t`` or ``\|w\|_2`` would lose their meaning).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Mapping

from derive.errors import InputError
from derive.latex import Tex, escape_tex

GREEK = ("alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi pi varpi rho "
         "varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi "
         "Psi Omega").split()

# the one table of what a statement's mathematics may use (control words; arguments are checked token by token)
MATH_COMMANDS = frozenset(GREEK + """
    sin cos tan cot sec csc sinh cosh tanh arcsin arccos arctan exp log ln lg max min sup inf arg argmax argmin det
    lim sum prod int oint limits nolimits operatorname sgn
    frac dfrac tfrac sqrt binom partial nabla infty ell prime top intercal dagger
    cdot cdotp times div pm mp ast star circ bullet odot oplus otimes ominus setminus wedge vee cap cup
    leq le geq ge neq ne approx sim simeq cong equiv propto ll gg in notin ni subset subseteq supset supseteq
    to rightarrow leftarrow Rightarrow Leftarrow leftrightarrow Leftrightarrow mapsto implies iff gets
    forall exists neg land lor mid parallel perp colon
    hat bar tilde dot ddot vec widehat widetilde overline underline overrightarrow
    mathbf mathrm mathit mathcal mathbb mathsf mathtt boldsymbol bm text textbf textit textrm
    left right big Big bigg Bigg bigl bigr Bigl Bigr langle rangle lvert rvert lVert rVert vert Vert
    lfloor rfloor lceil rceil lbrace rbrace
    quad qquad ldots cdots dots vdots ddots displaystyle textstyle
""".split())

# a character that is a command on its own after a backslash: \, \; \! \: \  \{ \} \| \_ \% \# \& \$
_ESCAPED_CHARS = frozenset(",;!: {}|_%#&$")
_MATH_CHARS = re.compile(r"[A-Za-z0-9\s+\-*/=<>()\[\],.;:!'|^_{}~?]")
_TOKEN = re.compile(r"\\([A-Za-z]+)|\\(.)|(.)", re.S)
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}")

# Unicode a writer types for mathematics -> TeX (in maths; in text they are set in $…$)
UNICODE_MATH = {
    **{ch: "\\" + name + " " for ch, name in zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩ",
                                                 "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
                                                 "nu xi pi rho sigma tau upsilon phi chi psi omega Gamma Delta Theta "
                                                 "Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())},
    **{ch: f"_{{{d}}}" for ch, d in zip("₀₁₂₃₄₅₆₇₈₉", "0123456789")},
    **{ch: f"^{{{d}}}" for ch, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")},
    "ₜ": "_{t}", "ᵢ": "_{i}", "ⱼ": "_{j}", "ₖ": "_{k}", "ₙ": "_{n}", "ᵀ": "^{\\top}", "⁻": "^{-}", "′": "'",
    "∂": "\\partial ", "∇": "\\nabla ", "≈": "\\approx ", "≤": "\\leq ", "≥": "\\geq ", "≠": "\\neq ",
    "×": "\\times ", "·": "\\cdot ", "⋅": "\\cdot ", "−": "-", "→": "\\to ", "←": "\\leftarrow ", "⇒": "\\Rightarrow ",
    "∈": "\\in ", "‖": "\\| ", "∑": "\\sum ", "∏": "\\prod ", "∞": "\\infty ", "√": "\\surd ", "±": "\\pm ",
    "∘": "\\circ ", "⊙": "\\odot ", "⊗": "\\otimes ", "∼": "\\sim ", "≡": "\\equiv ", "∝": "\\propto ",
    "ℓ": "\\ell ", "ℝ": "\\mathbb{R}", "∀": "\\forall ", "∃": "\\exists ", "⊤": "\\top ",
}
# text characters pdflatex sets with T1 + utf8 inputenc (Latin-1, Latin Extended-A, typographic punctuation)
_TEXT_OK = re.compile(r"[\x20-\x7e\u00a0-\u017f\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2022\u20ac\t\n]")


def _fail(message: str, what: str, where: str | None) -> InputError:
    return InputError(f"{what}: {message}", where)


def _closing(text: str, start: int) -> int:
    """Where the maths opened at ``start`` closes, by pandoc's rule (the closing ``$`` has a non-space before it
    and no digit after it), or -1: then the ``$`` is a dollar sign ("costs $5")."""
    i = start + 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$" and not text[i - 1].isspace() and not (i + 1 < len(text) and text[i + 1].isdigit()):
            return i
        i += 1
    return -1


def split_maths(text: str, what: str = "text", where: str | None = None) -> list[tuple[bool, str]]:
    """``text`` as (is_maths, piece) pieces. Maths is ``$…$`` as pandoc reads it: the opening ``$`` has a
    non-space after it and a closing one to pair with; any other ``$`` (and ``\\$``) is a dollar sign."""
    pieces: list[tuple[bool, str]] = []
    buf: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and text.startswith("\\$", i):
            buf.append("$")
            i += 2
            continue
        if ch == "$" and text.startswith("$$", i):
            raise _fail("display maths ($$) is not allowed here: use $…$ (or \\$ for a dollar sign)", what, where)
        end = _closing(text, i) if ch == "$" and i + 1 < len(text) and not text[i + 1].isspace() else -1
        if end < 0:
            buf.append(ch)
            i += 1
            continue
        if buf:
            pieces.append((False, "".join(buf)))
            buf = []
        pieces.append((True, text[i + 1:end]))
        i = end + 1
    if buf:
        pieces.append((False, "".join(buf)))
    return pieces


def check_maths(src: str, what: str = "text", where: str | None = None) -> str:
    """The mathematics of one ``$…$`` as TeX that can only typeset: every command from :data:`MATH_COMMANDS`,
    braces balanced, Unicode symbols spelled as commands; anything else is one error naming it."""
    if "^^" in src:   # TeX reads ^^5c as a backslash: a way to spell any command past the table
        raise _fail(f"^^ is not allowed in maths (in ${src}$)", what, where)
    out, depth, lefts = [], 0, 0
    for m in _TOKEN.finditer(src):
        word, escaped, ch = m.groups()
        if word is not None:
            if word not in MATH_COMMANDS:
                raise _fail(f"\\{word} is not a maths command derive lets a statement use (in ${src}$)", what, where)
            lefts += (word == "left") - (word == "right")
            out.append(m.group(0))
        elif escaped is not None:
            if escaped not in _ESCAPED_CHARS:
                raise _fail(f"\\{escaped} is not allowed in maths (in ${src}$)", what, where)
            out.append(m.group(0))
        elif ch in UNICODE_MATH:
            out.append(UNICODE_MATH[ch])
        elif _MATH_CHARS.fullmatch(ch):
            depth += (ch == "{") - (ch == "}")
            if depth < 0:
                raise _fail(f"a }} closes no brace (in ${src}$)", what, where)
            out.append(ch)
        else:
            raise _fail(f"the character {ch!r} (U+{ord(ch):04X}) is not allowed in maths (in ${src}$)", what, where)
    if depth:
        raise _fail(f"a {{ is never closed (in ${src}$)", what, where)
    if lefts:
        raise _fail(f"\\left and \\right do not pair up (in ${src}$)", what, where)
    return "".join(out).strip()


def _text_latex(text: str, what: str, where: str | None) -> str:
    out = []
    for ch in text:
        if ch in UNICODE_MATH:
            out.append("$" + UNICODE_MATH[ch].strip() + "$")
        elif _TEXT_OK.fullmatch(ch):
            out.append(escape_tex(ch))
        else:   # shown, never lost, never a failed build
            out.append(escape_tex(_settable(ch)))
    return "".join(out)


def user_latex(text: str, what: str = "text", where: str | None = None) -> str:
    """User text as LaTeX: text escaped, ``$…$`` checked (:func:`check_maths`)."""
    return "".join(f"${check_maths(p, what, where)}$" if maths else _text_latex(p, what, where)
                   for maths, p in split_maths(text, what, where))


def user_segments(text: str, what: str = "text", where: str | None = None) -> tuple[str | Tex, ...]:
    """User text as a paragraph's segments (:meth:`derive.derivation.Block.text`): text as ``str`` (escaped by the
    renderer), ``$…$`` and Unicode maths symbols as checked ``Tex``, a character pdflatex cannot set by its name."""
    out: list[str | Tex] = []
    for maths, piece in split_maths(text, what, where):
        if maths:
            out.append(Tex(check_maths(piece, what, where)))
            continue
        buf: list[str] = []
        for ch in piece:
            if ch in UNICODE_MATH:
                if buf:
                    out.append("".join(buf))
                    buf = []
                out.append(Tex(UNICODE_MATH[ch].strip()))
            else:
                buf.append(ch if _TEXT_OK.fullmatch(ch) else _settable(ch))
        if buf:
            out.append("".join(buf))
    return tuple(out)


def _settable(ch: str) -> str:
    """A character pdflatex has no glyph for: its decomposition (ﬁ -> fi), else its name in brackets."""
    plain = unicodedata.normalize("NFKD", ch)
    if all(_TEXT_OK.fullmatch(c) for c in plain):
        return plain
    return f"[{unicodedata.name(ch, f'U+{ord(ch):04X}').lower()}]"


_MD_SPECIAL = ("\\", "*", "_", "`", "<", ">", "#", "|", "$", "[", "]")


def user_markdown(text: str, what: str = "text", where: str | None = None) -> str:
    """User text as Markdown: text with Markdown's specials escaped, ``$…$`` checked and kept for MathJax."""
    out = []
    for maths, p in split_maths(text, what, where):
        if maths:
            out.append(f"${check_maths(p, what, where)}$")
        else:
            for ch in _MD_SPECIAL:
                p = p.replace(ch, "\\" + ch)
            out.append(p)
    return "".join(out)


def _values(fields: Mapping[str, Any]) -> dict[str, str]:
    """Placeholder name -> its text: every field by name, table entries by dotted name (``at.x``) and, when no
    other field has the name, by their own (``x``); ``at = "c=3,x=5"`` also gives ``c`` and ``x``."""
    flat: dict[str, str] = {}
    short: dict[str, list[str]] = {}

    def add(name: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                add(f"{name}.{k}", v)
                short.setdefault(str(k), []).append(_shown(v))
            flat[name] = ", ".join(f"{k} = {_shown(v)}" for k, v in value.items())
            return
        flat[name] = _shown(value)

    for k, v in fields.items():
        if k == "vary":
            continue
        if k == "at" and isinstance(v, str):
            pairs = [item.partition("=") for item in re.split(r"[,;]", v) if "=" in item]
            v = {n.strip(): val.strip() for n, _, val in pairs}
        add(k, v)
    for k, vals in short.items():
        if k not in flat and len(vals) == 1:
            flat[k] = vals[0]
    return flat


def _shown(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if abs(v) >= 1e-4 or v == 0 else f"{v:g}"
    if isinstance(v, list):
        return ", ".join(_shown(x) for x in v)
    return str(v)


def fill(text: str, fields: Mapping[str, Any], what: str = "text", where: str | None = None) -> str:
    """``{name}`` outside ``$…$`` replaced by the field's value (``{{``/``}}`` are braces); inside maths braces are
    TeX's own and are left alone. An unknown name is an error that lists the names there are."""
    if "{" not in text and "}" not in text:
        return text
    values = _values(fields)

    def one(m: re.Match[str]) -> str:
        if m.group(0) in ("{{", "}}"):
            return m.group(0)[0]
        name = m.group(1)
        if name not in values:
            raise _fail(f"unknown placeholder {{{name}}}; this problem has {', '.join(sorted(values))} "
                        "(write {{ and }} for braces)", what, where)
        return values[name]

    out = []
    for maths, piece in split_maths(text, what, where):
        out.append(f"${piece}$" if maths else _PLACEHOLDER.sub(one, piece).replace("$", "\\$"))
    return "".join(out)
