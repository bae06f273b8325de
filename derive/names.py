"""What a symbol name can be: the one grammar every name from a user passes before it can reach LaTeX.

A name is a base (letters, a Greek letter, an accented letter) with sub- and superscripts made of letters, digits,
Greek letters, a few punctuation marks (``, + - ( ) [ ] ' *``) and the whitelisted commands below. Nothing else: no
other backslash command, no ``% # & $ ~``, no unbalanced brace. Because every command a name can hold is in
:data:`COMMANDS`, a name that passes cannot run TeX (``\\input``, ``\\catcode``, ``\\write``, ``\\loop`` are simply
not names), and it compiles: every brace is balanced and every accent and script has its argument.
"""
from __future__ import annotations

import re

from derive.errors import InputError

__all__ = ["GREEK", "GREEK_UNICODE", "ACCENTS", "TEXT_COMMANDS", "COMMANDS", "name_problem", "is_name",
           "check_name", "ascii_greek"]

# Greek letters by their LaTeX names (the upright capitals that look like Latin letters have no command).
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "varpi", "rho", "varrho", "sigma", "varsigma", "tau", "upsilon",
         "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma",
         "Upsilon", "Phi", "Psi", "Omega")

# The Unicode letters people type for them (``β₁`` in a problem file), mapped onto the names above.
GREEK_UNICODE = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩϵϑϕϱς",
                         ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
                          "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega "
                          "varepsilon vartheta varphi varrho varsigma").split()))

# Commands that decorate one argument (``\hat{y}``, ``\mathbf{W}``).
ACCENTS = ("hat", "widehat", "bar", "overline", "tilde", "widetilde", "dot", "ddot", "vec", "check", "breve",
           "acute", "grave", "mathbf", "boldsymbol", "bm", "mathit", "mathcal", "mathbb", "mathsf", "mathrm")
# Commands whose argument is plain words (``x_{\text{in}}``): letters, digits, spaces and ``, . + -`` only.
TEXT_COMMANDS = ("text", "textrm", "textit", "textbf", "operatorname")
# Commands that stand alone.
SYMBOLS = ("prime", "star", "ast", "ell", "imath", "jmath", "partial", "nabla", "infty")
COMMANDS = frozenset(GREEK) | frozenset(ACCENTS) | frozenset(TEXT_COMMANDS) | frozenset(SYMBOLS)

_PLAIN = re.compile(r"[A-Za-z0-9,+\-()\[\]'*]")
_TEXT_ARG = re.compile(r"[A-Za-z0-9 ,.+\-]*")
_MAX_NAME = 80


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a name (``None`` when it is one): the offending piece and its column."""
    if not isinstance(name, str) or not name:
        return "an empty name"
    if len(name) > _MAX_NAME:
        return f"a name of {len(name)} characters (at most {_MAX_NAME})"
    return _Reader(name).problem()


def is_name(name: str) -> bool:
    return name_problem(name) is None


def check_name(name: str, where: str | None = None) -> str:
    """``name`` itself, or an :class:`InputError` saying what in it is not part of a name."""
    problem = name_problem(name)
    if problem is not None:
        raise InputError(f"{_shown(name)} is not a symbol name: {problem} (a name is letters, digits, Greek "
                         "letters, accents such as \\hat and sub/superscripts)", where)
    return name


def ascii_greek(name: str) -> str:
    """``β_1`` -> ``beta_1``: Unicode Greek letters spelled as their names, so the printer sees one spelling."""
    if not any(ch in GREEK_UNICODE for ch in name):
        return name
    out = []
    for i, ch in enumerate(name):
        if ch in GREEK_UNICODE:
            word = GREEK_UNICODE[ch]
            # "\beta" inside braces or after a command needs its backslash; a bare name ("β1") reads as "beta1"
            braced = "{" in name or "\\" in name
            out.append(("\\" + word + " ") if braced else word)
        else:
            out.append(ch)
    return "".join(out).replace(" }", "}").strip()


def _shown(name: object) -> str:
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "...'"


class _Reader:
    """A recursive-descent reading of a name; it never builds anything, it only finds the first bad piece."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.depth = 0

    def problem(self) -> str | None:
        try:
            if not self._base_start():
                return self._here("it must start with a letter")
            while self.i < len(self.t):
                self._token(top=True)
        except _Bad as bad:
            return str(bad)
        return None

    # -- pieces

    def _base_start(self) -> bool:
        ch = self.t[0]
        return ch.isascii() and ch.isalpha() or ch in GREEK_UNICODE or ch == "\\" or ch == "{"

    def _token(self, top: bool = False) -> None:
        ch = self.t[self.i]
        if ch in "_^":
            self.i += 1
            if self.i >= len(self.t) or self.t[self.i] in "_^}":
                raise _Bad(self._here(f"{ch!r} without its script"))
            self._argument()
        elif ch == "{":
            self._group()
        elif ch == "}":
            raise _Bad(self._here("an unmatched '}'"))
        elif ch == "\\":
            self._command()
        elif ch == " " and not top:
            self.i += 1
        elif _PLAIN.fullmatch(ch) or ch in GREEK_UNICODE:
            self.i += 1
        else:
            raise _Bad(self._here(f"the character {ch!r}"))

    def _argument(self) -> None:
        """The argument of a script or accent: one group, one command, or one character."""
        if self.i >= len(self.t):
            raise _Bad(self._here("a missing argument"))
        ch = self.t[self.i]
        if ch == "{":
            self._group()
        elif ch == "\\":
            self._command()
        elif ch == " ":
            self.i += 1
            self._argument()
        elif _PLAIN.fullmatch(ch) or ch in GREEK_UNICODE:
            self.i += 1
        else:
            raise _Bad(self._here(f"the character {ch!r}"))

    def _group(self) -> None:
        start = self.i
        self.i += 1
        self.depth += 1
        if self.depth > 4:
            raise _Bad(self._here("braces nested more than 4 deep"))
        while self.i < len(self.t) and self.t[self.i] != "}":
            self._token()
        if self.i >= len(self.t):
            raise _Bad(f"the '{{' at column {start + 1} is never closed")
        self.i += 1
        self.depth -= 1

    def _command(self) -> None:
        start = self.i
        m = re.compile(r"\\([A-Za-z]+)").match(self.t, self.i)
        if not m:
            nxt = self.t[self.i + 1:self.i + 2]
            raise _Bad(self._here(f"the command '\\{nxt}'" if nxt else "a lone backslash"))
        word = m.group(1)
        if word not in COMMANDS:
            raise _Bad(f"the command '\\{word}' at column {start + 1}")
        self.i = m.end()
        if word in TEXT_COMMANDS:
            self._skip_spaces()
            if self.i >= len(self.t) or self.t[self.i] != "{":
                raise _Bad(self._here(f"'\\{word}' without its braced words"))
            close = self.t.find("}", self.i)
            words = self.t[self.i + 1:close] if close >= 0 else None
            if words is None or not _TEXT_ARG.fullmatch(words):
                raise _Bad(f"the words of '\\{word}' at column {start + 1} (only letters, digits, spaces and "
                           "', . + -')")
            self.i = close + 1
        elif word in ACCENTS:
            self._skip_spaces()
            self._argument()

    def _skip_spaces(self) -> None:
        while self.i < len(self.t) and self.t[self.i] == " ":
            self.i += 1

    def _here(self, what: str) -> str:
        return f"{what} at column {self.i + 1}"


class _Bad(Exception):
    pass
