"""Every text front end: LaTeX (latex2sympy2_extended behind derive's pre-processing) and plain strings (Python's
``ast`` with a whitelist). Both return an *unevaluated* SymPy tree in the order the user wrote it, so the
computational graph can number its nodes in reading order. User text never reaches eval/sympify/parse_expr.

The base of a bare ``\\log`` / ``log()`` is a setting; ``\\ln`` is always natural; ``\\log_b`` is explicit.
"""
from __future__ import annotations

import ast
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Callable

import sympy

from derive.errors import InputError, LimitError, ParseError, UnsupportedError
from derive.functions import relu, sigmoid
from derive.names import check_name
from derive.ops import FUNCTION_CLASSES, LATEX_GREEK, LATEX_OPERATORS, PLAIN_FUNCS, SUPPORTED, alternatives
from derive.settings import LIMITS

__all__ = ["parse", "parse_latex", "parse_plain", "parse_values", "parse_number", "looks_like_latex",
           "check_supported", "log_of", "SUPPORTED"]



def log_of(arg: sympy.Expr, base: str | sympy.Expr = "e") -> sympy.Expr:
    """An unevaluated log with an explicit base: ``log(x)`` for base e, ``log(x, b)`` otherwise."""
    b = sympy.E if str(base) == "e" else (base if isinstance(base, sympy.Basic) else sympy.Integer(int(base)))
    if b == sympy.E:
        return sympy.log(arg, evaluate=False)
    return sympy.log(arg, b, evaluate=False)


# ----------------------------------------------------------------------------------------------- limits

_OPEN = {"(": ")", "{": "}", "[": "]"}
_CLOSE = {v: k for k, v in _OPEN.items()}


def check_limits(text: str, where: str | None = None) -> None:
    """Size and nesting bounds, and bracket balance, before any parser sees the text."""
    if len(text) > LIMITS.max_chars:
        raise LimitError(f"input is {len(text)} characters long; the limit is {LIMITS.max_chars}", where)
    stack: list[tuple[str, int]] = []
    for i, ch in enumerate(text):
        if ch in _OPEN and not (i > 0 and text[i - 1] == "\\" and ch in "{}"):
            stack.append((ch, i))
            if len(stack) > LIMITS.max_depth:
                raise LimitError(f"brackets nested more than {LIMITS.max_depth} deep", where, text, i)
        elif ch in _CLOSE and not (i > 0 and text[i - 1] == "\\" and ch in "{}"):
            if not stack or stack[-1][0] != _CLOSE[ch]:
                raise ParseError(f"unbalanced {ch!r}", where, text, i)
            stack.pop()
    if stack:
        ch, i = stack[-1]
        raise ParseError(f"{ch!r} is never closed", where, text, i)


# ----------------------------------------------------------------------------------------------- LaTeX

_SIGMOID_NAMES = {"sigmoid", "sigma", "σ"}
_RELU_NAMES = {"relu"}


# The grammar reads \mathrm{f}(x) as a call only when x is a single symbol, but it knows the inverse hyperbolic
# functions by name; derive supports none of those, so they stand in for sigmoid and ReLU while parsing.
_PLACEHOLDERS = {"sigmoid": r"\operatorname{arsinh}", "relu": r"\operatorname{arcosh}"}
_PLACEHOLDER_FUNCS = {"asinh": "sigmoid", "acosh": "relu"}
_INVERSE_HYP = re.compile(r"ar(c)?(sinh|cosh|tanh)|\\(sinh|cosh|tanh)\s*\^\s*\{?\s*-\s*1")


_RELATION = re.compile(r"(?<![<>!\\])=|\\(approx|leq?|geq?|neq|ne|sim|simeq|equiv|leftarrow|rightarrow|gets|to|"
                       r"Rightarrow|implies|iff)(?![A-Za-z])|(?<!\\)[<>]")


def _latex_preprocess(text: str, log_base: str, where: str | None) -> str:
    t = text.strip()
    t = re.sub(r"^\$+|\$+$", "", t).strip()
    m = _INVERSE_HYP.search(t)
    if m:
        raise UnsupportedError(f"unsupported operation: inverse hyperbolic function ({m.group(0)}); "
                               f"supported: {', '.join(SUPPORTED)}", where, t, m.start())
    t = re.sub(r"\\operatorname\*?\s*\{([A-Za-z]+)\}", r"\\mathrm{\1}", t)
    # \sigma(...) is the logistic function, not the symbol sigma times a bracket.
    t = re.sub(r"\\sigma\s*(?=\(|\\left\s*\()", lambda m: _PLACEHOLDERS["sigmoid"], t)
    t = re.sub(r"\\(?:operatorname|mathrm|text|textrm)\*?\s*\{\s*(sigmoid|relu|ReLU|Relu|sigma)\s*\}",
               lambda m: _PLACEHOLDERS["relu" if m.group(1).lower() == "relu" else "sigmoid"], t)
    # A bare \log takes derive's log base (latex2sympy would read it as base 10 whatever the setting).
    repl = r"\\ln " if log_base == "e" else rf"\\log_{{{log_base}}} "
    t = re.sub(r"\\log(?![A-Za-z_])\s*", lambda m: repl.replace("\\\\", "\\"), t)
    # "2 \frac{1}{2}" means 2 * 1/2 here, not the mixed number 5/2.
    t = re.sub(r"(\d)\s*(\\[dt]?frac)", r"\1 \\cdot \2", t)
    t = t.replace(r"\dfrac", r"\frac").replace(r"\tfrac", r"\frac")
    # TeX's short forms \frac12 and \frac1{n}: a single-digit argument needs no braces
    t = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", t)
    t = re.sub(r"\\frac\s*(\d)\s*(?=\{)", r"\\frac{\1}", t)
    return _unbrace_function_args(t)


_FUNC_BRACE = re.compile(r"\\(" + alternatives(tuple(n for n in LATEX_OPERATORS if n != "log"))
                         + r"|log(?:_\{?\w+\}?)?|" + alternatives(LATEX_GREEK) + r")\s*\{(?=\s*\\left)")


def _unbrace_function_args(t: str) -> str:
    r"""SymPy prints \cos{\left(w \right)}; the grammar reads \cos{\left(w\right)} \cdot (1-w) as cos(w·(1-w)).
    Drop the braces around a function's bracketed argument so the call ends where the bracket does."""
    out, pos = [], 0
    for m in _FUNC_BRACE.finditer(t):
        if m.start() < pos:
            continue
        open_at = m.end() - 1
        depth, k = 0, open_at
        while k < len(t):
            if t[k] == "{" and t[k - 1] != "\\":
                depth += 1
            elif t[k] == "}" and t[k - 1] != "\\":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        inner = t[open_at + 1:k].strip()
        if k < len(t) and inner.startswith("\\left") and re.search(r"\\right\s*[)\]]$", inner):
            out.append(t[pos:open_at])
            out.append(inner)
            pos = k + 1
    out.append(t[pos:])
    return "".join(out)


def _latex_converter():
    # latex2sympy2_extended loads an ANTLR grammar (about 0.3 s): only when a LaTeX side is first read
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig, latex2sympy
    from latex2sympy2_extended.math_normalization import NormalizationConfig
    cc = ConversionConfig(interpret_as_mixed_fractions=False, interpret_simple_eq_as_assignment=False,
                          interpret_contains_as_eq=False, lowercase_symbols=False)
    nc = NormalizationConfig(basic_latex=True, units=False, malformed_operators=False, nits=False, boxed="none",
                             equations=False)
    return lambda s: latex2sympy(s, normalization_config=nc, conversion_config=cc)


_CONVERT: Callable[[str], sympy.Expr] | None = None


def parse_latex(text: str, log_base: str = "e", where: str | None = None) -> sympy.Expr:
    """LaTeX -> unevaluated SymPy tree in written order, with derive's functions and log convention."""
    global _CONVERT
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty expression", where)
    check_limits(text, where)
    rel = _RELATION.search(text)
    if rel:
        raise ParseError(f"expected an expression, not a relation ({rel.group(0).strip()})", where, text, rel.start())
    src = _latex_preprocess(text, str(log_base), where)
    if _CONVERT is None:
        _CONVERT = _latex_converter()
    try:
        expr = _CONVERT(src)
    except RecursionError:
        raise LimitError("expression nested too deeply to read", where) from None
    except Exception as exc:  # the parser raises bare Exceptions with a caret diagram
        msg = str(exc).strip().splitlines()
        column = None
        if len(msg) >= 3 and set(msg[2].rstrip("^")) <= {"~"}:
            column = len(msg[2]) - 1
        head = msg[0] if msg else "cannot read this LaTeX"
        raise ParseError(f"cannot read this LaTeX ({head.rstrip('.').lower()})", where,
                         src if column is not None else None, column) from None
    if isinstance(expr, (list, tuple)) or not isinstance(expr, sympy.Expr):
        raise ParseError("expected one expression (no relations, sets or lists)", where)
    return _normalise(expr, where)


def _normalise(expr: sympy.Expr, where: str | None) -> sympy.Expr:
    """Map the parser's spellings onto derive's functions; exact decimals; reject what is not supported."""
    def walk(e: sympy.Basic) -> sympy.Basic:
        if e is sympy.EulerGamma:   # the parser reads \gamma as Euler's constant; in ML it is a variable (Adam's γ)
            return sympy.Symbol("gamma")
        if e.is_Float:
            return sympy.Rational(str(e))
        if type(e).__name__ in _PLACEHOLDER_FUNCS:
            inner = walk(e.args[0])
            return (sigmoid if _PLACEHOLDER_FUNCS[type(e).__name__] == "sigmoid" else relu)(inner, evaluate=False)
        if isinstance(e, sympy.Max) and len(e.args) == 2 and any(a == 0 for a in e.args):
            return relu(walk(e.args[1] if e.args[0] == 0 else e.args[0]), evaluate=False)
        if isinstance(e, (sympy.Max, sympy.Min)):
            raise UnsupportedError(f"unsupported operation: {type(e).__name__.lower()} of {len(e.args)} arguments "
                                   "(only max(0, x), i.e. ReLU, is supported)", where)
        if isinstance(e, sympy.Function) and type(e).__name__ not in FUNCTION_CLASSES:
            name = _function_name(e)
            args = [walk(a) for a in e.args]
            raw = type(e).__name__.strip()
            m = re.fullmatch(r"([A-Za-z]|\\(?:" + _GREEK + r"))(_\{?[A-Za-z0-9]+\}?)?", raw)
            if len(args) == 1 and m:
                # "a (b)", "\gamma (g)" are products here: derive has no user functions, and w(x + 1) is how people
                # write w·(x+1); the symbol is named as the parser names it elsewhere (\beta_1 -> beta_1)
                return sympy.Mul(sympy.Symbol(raw.lstrip("\\")), args[0], evaluate=False)
            if name in _SIGMOID_NAMES and len(args) == 1:
                return sigmoid(args[0], evaluate=False)
            if name in _RELU_NAMES and len(args) == 1:
                return relu(args[0], evaluate=False)
            raise UnsupportedError(f"unsupported operation: {name}; supported: {', '.join(SUPPORTED)}", where)
        if e.is_Symbol:
            check_name(e.name, where)   # the one door for names: nothing but a name reaches the printer
            return e
        if not e.args:
            return e
        new = [walk(a) for a in e.args]
        if all(a is b for a, b in zip(new, e.args)):
            return e
        return e.func(*new, evaluate=False)
    try:
        return walk(expr)
    except RecursionError:
        raise LimitError("expression nested too deeply", where) from None


_GREEK = ("alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|vartheta|iota|kappa|lambda|mu|nu|xi|pi|rho|"
          "sigma|tau|upsilon|phi|varphi|chi|psi|omega|Gamma|Delta|Theta|Lambda|Xi|Pi|Sigma|Phi|Psi|Omega")


def _function_name(e: sympy.Basic) -> str:
    name = type(e).__name__
    m = re.fullmatch(r"\\(?:text|mathrm|operatorname)\{([^}]*)\}", name) or re.fullmatch(r"\\?([A-Za-z]+)", name)
    return (m.group(1) if m else name).lower()


# ----------------------------------------------------------------------------------------------- plain strings

_CONSTANTS = {"e": sympy.E, "pi": sympy.pi}


def parse_plain(text: str, log_base: str = "e", where: str | None = None) -> sympy.Expr:
    """A Python-style expression (``(x**2/log(x) + c)*(x**2/log(x) - c)``) read through ``ast`` with a whitelist."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("empty expression", where)
    check_limits(text, where)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1) - 1
        raise ParseError(f"cannot read this expression ({exc.msg})", where, text.strip(), col) from None
    except (RecursionError, MemoryError):
        raise LimitError("expression nested too deeply", where) from None

    def fail(node: ast.AST, message: str, cls=UnsupportedError):
        raise cls(message, where, text.strip(), getattr(node, "col_offset", None))

    def conv(node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                fail(node, f"unsupported constant {node.value!r}")
            if isinstance(node.value, float) and not math.isfinite(node.value):
                fail(node, "number too large (beyond floating point)", LimitError)
            return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Rational(repr(node.value))
        if isinstance(node, ast.Name):
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            try:
                return sympy.Symbol(check_name(node.id))
            except InputError as exc:
                raise ParseError(exc.message, where, text.strip(), node.col_offset) from None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            a = conv(node.operand)
            return a if isinstance(node.op, ast.UAdd) else sympy.Mul(-1, a, evaluate=False)
        if isinstance(node, ast.BinOp):
            a, b = conv(node.left), conv(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return sympy.Add(a, b, evaluate=False)
            if isinstance(op, ast.Sub):
                return sympy.Add(a, sympy.Mul(-1, b, evaluate=False), evaluate=False)
            if isinstance(op, ast.Mult):
                return sympy.Mul(a, b, evaluate=False)
            if isinstance(op, ast.Div):
                return sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)
            if isinstance(op, (ast.Pow, ast.BitXor)):
                return sympy.Pow(a, b, evaluate=False)
            fail(node, f"unsupported operation: {type(op).__name__}; supported: {', '.join(SUPPORTED)}")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.keywords:
                fail(node, "unsupported call: only plain functions like sin(x) are allowed")
            name = node.func.id
            args = [conv(a) for a in node.args]
            if name in PLAIN_FUNCS and len(args) == 1:
                return PLAIN_FUNCS[name](args[0])
            if name == "log" and len(args) == 1:
                return log_of(args[0], log_base)
            if name == "log" and len(args) == 2:
                return log_of(args[0], args[1])
            if name == "max" and len(args) == 2 and any(a == 0 for a in args):
                other = args[1] if args[0] == 0 else args[0]
                return relu(other, evaluate=False)
            if name == "pow" and len(args) == 2:
                return sympy.Pow(args[0], args[1], evaluate=False)
            if len(args) == 1 and re.fullmatch(r"[A-Za-z](_?[0-9]+)?", name) and name not in _CONSTANTS:
                # w(x + 1): a product, as in the LaTeX reader (derive has no user-defined functions)
                return sympy.Mul(sympy.Symbol(name), args[0], evaluate=False)
            fail(node, f"unsupported operation: {name}() with {len(args)} argument(s); "
                       f"supported: {', '.join(SUPPORTED)}")
        fail(node, f"unsupported syntax: {type(node).__name__}")
        raise AssertionError  # unreachable

    try:
        return conv(tree.body)
    except RecursionError:
        raise LimitError("expression nested too deeply", where) from None


# ----------------------------------------------------------------------------------------------- dispatch

def replace_unevaluated(expr: sympy.Basic, mapping: dict) -> sympy.Basic:
    """``expr`` with the symbols of ``mapping`` replaced, the written structure kept: ``xreplace`` rebuilds every
    node evaluating, so ``x + (u - x)`` would become ``u`` and a reader could no longer tell the step written."""
    memo: dict[sympy.Basic, sympy.Basic] = {}

    def walk(e: sympy.Basic) -> sympy.Basic:
        if e in mapping:
            return mapping[e]
        if not e.args:
            return e
        if e in memo:
            return memo[e]
        new = [walk(a) for a in e.args]
        out = e if all(a is b for a, b in zip(new, e.args)) else e.func(*new, evaluate=False)
        memo[e] = out
        return out
    return walk(expr)


def looks_like_latex(text: str) -> bool:
    """Backslashes, braces or a caret mark LaTeX; otherwise the text is read as a plain (Python-style) expression."""
    return bool(re.search(r"[\\{}]|\^", text)) and "**" not in text


def parse(text: str, log_base: str = "e", where: str | None = None) -> sympy.Expr:
    """Read an expression given as LaTeX or as a plain string."""
    if not isinstance(text, str):
        raise InputError(f"an expression must be text, not {type(text).__name__}", where or "expression")
    if looks_like_latex(text):
        return parse_latex(text, log_base, where)
    try:
        return parse_plain(text, log_base, where)
    except ParseError as plain_error:
        # "W x + b" or "|x|" are LaTeX without a backslash: try the LaTeX reader before giving up
        try:
            return parse_latex(text, log_base, where)
        except ParseError:
            raise plain_error from None


def from_sympy(expr: sympy.Basic, where: str | None = None) -> sympy.Expr:
    """A user's SymPy expression, checked and mapped onto derive's functions (Max(0, x) is ReLU, floats exact)."""
    check_supported(expr, where)
    return _normalise(expr, where)


def check_supported(expr: sympy.Basic, where: str | None = None) -> None:
    """Reject a SymPy expression that uses anything derive cannot differentiate step by step."""
    for e in sympy.preorder_traversal(expr):
        if type(e).__name__ in ("asinh", "acosh"):   # the LaTeX placeholders must not come in from SymPy input
            raise UnsupportedError(f"unsupported operation: {type(e).__name__}", where)
        if isinstance(e, sympy.Function) and type(e).__name__ not in FUNCTION_CLASSES:
            raise UnsupportedError(f"unsupported operation: {type(e).__name__}; supported: {', '.join(SUPPORTED)}",
                                   where)
        if isinstance(e, (sympy.Derivative, sympy.Integral, sympy.Sum, sympy.Product, sympy.core.relational.Relational)):
            raise UnsupportedError(f"unsupported operation: {type(e).__name__}", where)


# ----------------------------------------------------------------------------------------------- values

_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str, where: str | None = None) -> sympy.Rational:
    """An exact Rational from a decimal, scientific or fraction literal (``0.5``, ``1e-8``, ``-3/4``)."""
    t = text.strip()
    if "/" in t:
        num, _, den = t.partition("/")
        a, b = parse_number(num, where), parse_number(den, where)
        if b == 0:
            raise ParseError(f"division by zero in the value {text!r}", where)
        return a / b
    if not _NUMBER_RE.match(t):
        raise ParseError(f"not a number: {text!r}", where)
    if re.search(r"[eE]([+-]?\d+)$", t) and abs(int(re.search(r"[eE]([+-]?\d+)$", t).group(1))) > 400:
        raise LimitError(f"exponent too large in {text!r}", where)
    try:
        num, den = Decimal(t).as_integer_ratio()
        return sympy.Rational(num, den)
    except (InvalidOperation, ValueError):
        raise ParseError(f"not a number: {text!r}", where) from None


def parse_values(text: str, where: str = "--at") -> list[tuple[str, sympy.Rational]]:
    """``c=3,x=5`` -> [("c", 3), ("x", 5)] in the order given (that order numbers the inputs)."""
    out: list[tuple[str, sympy.Rational]] = []
    if not text or not text.strip():
        raise ParseError("no values given (expected e.g. x=5,c=3)", where)
    for i, item in enumerate(re.split(r"[,;]", text), 1):
        item = item.strip()
        if not item:
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise ParseError(f"item {i} ({item!r}) is not of the form name=value", where)
        check_name(name, f"{where} item {i}")
        if any(n == name for n, _ in out):
            raise ParseError(f"{name} is given twice", where)
        out.append((name, parse_number(value, f"{where} {name}")))
    return out
