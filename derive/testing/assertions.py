"""The assertions of derive.testing: equivalence of expressions and formulas, gradients, checked solutions.

Sides may be SymPy expressions, numbers, or text: text is read through derive's own front ends
(:func:`derive.parse.parse`), never through eval/sympify. Every helper hides its own frames from pytest's
traceback (``__tracebackhide__``), so a failure shows the test's line and derive's message, not derive's source.
"""
from __future__ import annotations

import inspect
from typing import Any, Mapping, Sequence

import sympy

from derive.compare import canonical, close, value_at
from derive.parse import parse, parse_latex, parse_values
from derive.testing.explain import HOW, POINTS, SECONDS, Difference, compare, value_text

__all__ = ["assert_equivalent", "assert_latex_equivalent", "assert_gradient", "assert_solution_correct",
           "explain_difference"]


def _as_expr(value: Any, log_base: str, where: str) -> sympy.Expr:
    __tracebackhide__ = True
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


def explain_difference(a: Any, b: Any, *, log_base: str = "e", rtol: float = 1e-12, points: int = POINTS,
                       seconds: float = SECONDS) -> Difference:
    """Compare ``a`` and ``b`` as functions of their free symbols (text is read as LaTeX or a plain string).

    Not equal when some sample point gives different values -- that point is the witness. Otherwise equal when
    simplify shows the difference is 0, or the points agree and SymPy's ``Expr.equals`` does not object. The
    symbolic work (simplify, equals) stops after ``seconds`` and is not tried on large expressions; the
    verdict of a sample point never depends on the clock.
    """
    __tracebackhide__ = True
    return compare(_as_expr(a, log_base, "left side"), _as_expr(b, log_base, "right side"), rtol=rtol,
                   points=points, seconds=seconds)


def assert_equivalent(a: Any, b: Any, *, log_base: str = "e", rtol: float = 1e-12, msg: str | None = None) -> None:
    """Assert ``a`` and ``b`` are the same function of their symbols (text is read as LaTeX or a plain string)."""
    __tracebackhide__ = True
    d = compare(_as_expr(a, log_base, "left side"), _as_expr(b, log_base, "right side"), rtol=rtol,
                sides="on failure")
    if not d.equal:
        raise AssertionError((msg + "\n" if msg else "") + d.message())


def assert_latex_equivalent(a: str, b: str, *, log_base: str = "e", rtol: float = 1e-12,
                            msg: str | None = None) -> None:
    """Assert two LaTeX formulas are equivalent (``\\frac{x^2}{x}`` and ``x``); bare ``\\log`` has ``log_base``."""
    __tracebackhide__ = True
    for side, text in (("left", a), ("right", b)):
        if not isinstance(text, str):
            raise TypeError(f"{side} side: expected LaTeX text, got {type(text).__name__}")
    assert_equivalent(parse_latex(a, log_base, "left side"), parse_latex(b, log_base, "right side"),
                      log_base=log_base, rtol=rtol, msg=msg)


def _function_expr(f: Any, log_base: str) -> sympy.Expr:
    __tracebackhide__ = True
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
    __tracebackhide__ = True
    point = parse_values(at) if isinstance(at, str) else [(k, _as_expr(v, log_base, f"at[{k}]")) for k, v in at.items()]
    names = [k for k, _ in point]
    expr = _function_expr(f, log_base)
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
        got = value_at(d, subs, **HOW)
        ref = value_at(value, None, **HOW)
        if got is None or ref is None or not close(got, ref, rtol):
            problems.append(f"  d f/d {name}: expected {value_text(value)}, but d f/d {name} = {sympy.sstr(d)} "
                            f"= {value_text(got)} at "
                            + ", ".join(f"{k} = {sympy.sstr(v)}" for k, v in point))
    if problems:
        head = (msg + "\n" if msg else "") + f"gradient of {sympy.sstr(expr)} differs:"
        raise AssertionError("\n".join([head] + problems))


def assert_solution_correct(text: str, problem: Any, *, strict: bool = True, msg: str | None = None) -> None:
    """Assert a worked solution has no wrong step (and, with ``strict``, no line derive could not verify)."""
    __tracebackhide__ = True
    # The checker and the renderer are imported here: they cost about 0.6 s, which only this assertion needs.
    from derive.check.checker import check
    from derive.render import render
    report = check(text, problem)
    bad = report.errors() if not strict else [f for f in report.findings if f.verdict != "note"]
    if bad:
        raise AssertionError((msg + "\n" if msg else "") + render(report, "text", only=bad))
