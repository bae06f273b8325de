"""pytest helpers that explain *why* two pieces of mathematics differ (and a pytest plugin, via entry point).

``assert_equivalent(a, b)`` passes when ``a`` and ``b`` are the same function of their symbols. On failure the
message shows both sides simplified, their difference, and a point where they differ, with both values. The
plugin hook does the same for a plain ``assert left == right`` between SymPy objects.

Sides may be SymPy expressions, numbers, or text: text is read through derive's own front ends
(:func:`derive.parse.parse`), never through eval/sympify. pytest loads this module at start-up (entry point
``pytest11``); importing it imports derive and SymPy (about 0.8 s of a session's start).
"""
from __future__ import annotations

import inspect
import sys
from typing import Any, Mapping, Sequence

import sympy

from derive.check.checker import check
from derive.compare import canonical, close, first_difference, sample_points, value_at
from derive.parse import parse, parse_latex, parse_values
from derive.render import render


__all__ = ["assert_equivalent", "assert_latex_equivalent", "assert_gradient", "assert_solution_correct",
           "explain_difference", "Difference", "canonical"]

# Points are drawn from a fixed generator (derive.compare's), so a failure message is the same on every run.
_POINTS = 6
# Values are Floats (a message shows 0.333333333333, not 1/3); a relative imaginary part below 1e-22 is noise.
_HOW = dict(exact=False, imag_digits=22)


class Difference:
    """Why two expressions differ (or ``equal`` is True): simplified sides, their difference, a witness point."""

    def __init__(self, left: "sympy.Expr", right: "sympy.Expr", equal: bool, simple_left: "sympy.Expr",
                 simple_right: "sympy.Expr", difference: "sympy.Expr", point: dict | None = None,
                 left_value: Any = None, right_value: Any = None) -> None:
        self.left, self.right, self.equal = left, right, equal
        self.simple_left, self.simple_right, self.difference = simple_left, simple_right, difference
        self.point, self.left_value, self.right_value = point, left_value, right_value

    def message(self, title: str = "the two sides are not equivalent") -> str:
        lines = [title,
                 f"  left              : {sympy.sstr(self.left)}",
                 f"  right             : {sympy.sstr(self.right)}",
                 f"  left, simplified  : {sympy.sstr(self.simple_left)}",
                 f"  right, simplified : {sympy.sstr(self.simple_right)}",
                 f"  left - right      : {sympy.sstr(self.difference)}"]
        if self.point is not None:
            at = ", ".join(f"{k} = {_short(v)}" for k, v in self.point.items()) or "(no symbols)"
            lines.append(f"  they differ at    : {at}")
            lines.append(f"    left  = {_short(self.left_value)}")
            lines.append(f"    right = {_short(self.right_value)}")
        return "\n".join(lines)


def _short(v: Any) -> str:
    if isinstance(v, sympy.Basic) and v.is_number and not v.is_Rational:
        f = float(sympy.N(v, 17))
        return format(f, ".12g") if f == f and abs(f) != float("inf") else sympy.sstr(sympy.N(v, 12))
    return sympy.sstr(v)


def _as_expr(value: Any, log_base: str, where: str) -> "sympy.Expr":
    if isinstance(value, sympy.Basic):
        return canonical(value)
    if isinstance(value, bool):
        raise TypeError(f"{where}: expected an expression, got a bool")
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        return sympy.Float(repr(value), 17)
    if isinstance(value, str):
        return canonical(parse(value, log_base=log_base, where=where))
    raise TypeError(f"{where}: expected a SymPy expression, a number or text, got {type(value).__name__}")


def _safe_simplify(e: "sympy.Expr") -> "sympy.Expr":
    try:
        return sympy.simplify(e)
    except Exception:  # simplify can fail on exotic trees; the unsimplified form is still informative
        return e


def explain_difference(a: Any, b: Any, *, log_base: str = "e", rtol: float = 1e-12,
                       points: int = _POINTS) -> Difference:
    """Compare ``a`` and ``b`` as functions of their free symbols.

    Equal when their difference simplifies to 0, or when they agree at every sample point (simplify can miss
    identities; a difference that is not identically 0 shows at a random point with probability 1). Not equal when
    some sample point gives different values -- that point is the witness in the message.
    """
    left = _as_expr(a, log_base, "left side")
    right = _as_expr(b, log_base, "right side")
    diff = _safe_simplify(sympy.Add(left, -right))
    sl, sr = _safe_simplify(left), _safe_simplify(right)
    symbols = sorted(left.free_symbols | right.free_symbols, key=lambda s: s.name)
    if diff == 0:
        return Difference(left, right, True, sl, sr, diff)
    # Positive points first (logs and roots are defined there), then mixed signs; a point where neither side is
    # defined says nothing and is skipped.
    witness, compared = first_difference(left, right, sample_points(symbols, points if symbols else 1), rtol=rtol,
                                         skip_undefined=True, **_HOW)
    if witness is not None:
        return Difference(left, right, False, sl, sr, diff, {s.name: v for s, v in witness.point.items()},
                          witness.left, witness.right)
    # No witness: equal if at least one point was comparable, otherwise undecided (reported as a failure).
    return Difference(left, right, compared > 0, sl, sr, diff)


def assert_equivalent(a: Any, b: Any, *, log_base: str = "e", rtol: float = 1e-12, msg: str | None = None) -> None:
    """Assert ``a`` and ``b`` are the same function of their symbols (text is read as LaTeX or a plain string)."""
    d = explain_difference(a, b, log_base=log_base, rtol=rtol)
    if not d.equal:
        raise AssertionError((msg + "\n" if msg else "") + d.message())


def assert_latex_equivalent(a: str, b: str, *, log_base: str = "e", rtol: float = 1e-12,
                            msg: str | None = None) -> None:
    """Assert two LaTeX formulas are equivalent (``\\frac{x^2}{x}`` and ``x``); bare ``\\log`` has ``log_base``."""
    for side, text in (("left", a), ("right", b)):
        if not isinstance(text, str):
            raise TypeError(f"{side} side: expected LaTeX text, got {type(text).__name__}")
    assert_equivalent(parse_latex(a, log_base, "left side"), parse_latex(b, log_base, "right side"),
                      log_base=log_base, rtol=rtol, msg=msg)


def _function_expr(f: Any, names: Sequence[str], log_base: str) -> "sympy.Expr":
    if callable(f) and not isinstance(f, sympy.Basic):
        params = list(inspect.signature(f).parameters)
        return _as_expr(f(*(sympy.Symbol(p) for p in params)), log_base, "f(...)")
    return _as_expr(f, log_base, "f")


def assert_gradient(f: Any, at: Mapping[str, Any] | str, expected: Mapping[str, Any] | Sequence[Any], *,
                    log_base: str = "e", rtol: float = 1e-9, msg: str | None = None) -> None:
    """Assert the gradient of ``f`` at ``at`` is ``expected``.

    ``f``: text (LaTeX or plain), a SymPy expression, or a Python function of SymPy symbols (its parameter names
    are the variables). ``at``: ``{"x": 5}`` or ``"c=3,x=5"``. ``expected``: ``{name: value}`` or values in the order
    of ``at``. The reference is SymPy's own differentiation, independent of derive's autodiff.
    """
    point = parse_values(at) if isinstance(at, str) else [(k, _as_expr(v, log_base, f"at[{k}]")) for k, v in at.items()]
    names = [k for k, _ in point]
    expr = _function_expr(f, names, log_base)
    subs = {sympy.Symbol(k): v for k, v in point}
    if isinstance(expected, Mapping):
        unknown = sorted(set(expected) - set(names))
        if unknown:
            raise AssertionError(f"expected gradient names {unknown} that are not among the inputs {names}")
        want = {k: _as_expr(v, log_base, f"expected[{k}]") for k, v in expected.items()}
    else:
        if len(expected) != len(names):
            raise AssertionError(f"expected {len(expected)} gradient entries for {len(names)} inputs {names}")
        want = {k: _as_expr(v, log_base, f"expected[{k}]") for k, v in zip(names, expected)}
    problems = []
    for name, value in want.items():
        d = sympy.diff(expr, sympy.Symbol(name))
        got = value_at(d, subs, **_HOW)
        ref = value_at(value, None, **_HOW)
        if got is None or ref is None or not close(got, ref, rtol):
            problems.append(f"  d f/d {name}: expected {_short(value)}, but d f/d {name} = {sympy.sstr(d)} "
                            f"= {_short(got) if got is not None else 'undefined'} at "
                            + ", ".join(f"{k} = {sympy.sstr(v)}" for k, v in point))
    if problems:
        head = (msg + "\n" if msg else "") + f"gradient of {sympy.sstr(expr)} differs:"
        raise AssertionError("\n".join([head] + problems))


def assert_solution_correct(text: str, problem: Any, *, strict: bool = True, msg: str | None = None) -> None:
    """Assert a worked solution has no wrong step (and, with ``strict``, no line derive could not verify)."""
    report = check(text, problem)
    bad = report.errors() if not strict else [f for f in report.findings if f.verdict != "note"]
    if bad:
        raise AssertionError((msg + "\n" if msg else "") + render(report, "text", only=bad))


# ------------------------------------------------------------------------------------------ pytest plugin

def pytest_assertrepr_compare(config: Any, op: str, left: Any, right: Any) -> list[str] | None:
    """``assert a == b`` between SymPy objects: say whether they are equivalent, and where they differ."""
    if op != "==" or "sympy" not in sys.modules:   # no SymPy object can exist before SymPy is imported
        return None
    if not (isinstance(left, sympy.Expr) or isinstance(right, sympy.Expr)):
        return None
    try:
        d = explain_difference(left, right)
    except Exception:   # never break pytest's own report
        return None
    if d.equal:
        return [f"{sympy.sstr(left)} == {sympy.sstr(right)}",
                "the two sides are mathematically equivalent but not structurally equal "
                "(use derive.testing.assert_equivalent)",
                f"  left, simplified  : {sympy.sstr(d.simple_left)}",
                f"  right, simplified : {sympy.sstr(d.simple_right)}"]
    return [f"{sympy.sstr(left)} == {sympy.sstr(right)}"] + d.message().splitlines()
