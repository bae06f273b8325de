"""Whether two pieces of mathematics are the same function: one house for derive.testing and every checker.

- :func:`num` -- the value of an expression (at a point) to a given precision, or ArithmeticError where it is
  undefined or not real; :func:`value_at` is the same with None for "undefined";
- :func:`canonical` -- the form every comparison works on (two-argument logs as quotients of natural logs);
- :func:`sample_points` -- deterministic sample points, drawn as each caller's :data:`Domain` says (positive points
  first by default: logs and roots are defined there);
- :func:`same_function` / :func:`first_difference` -- equal at every sample point, or the point that shows they
  differ (a difference that is not identically 0 shows at a random point with probability 1);
- :func:`kink_points` -- extra points for expressions whose formula changes with a sign (Piecewise conditions,
  Max/Min, Abs, sign, Heaviside, ReLU): both sides of each breakpoint, and wide ranges of either sign. Only the
  callers that ask for them get them, so every other comparison keeps its points.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence, Union

import sympy

from derive.functions import relu

__all__ = ["DIGITS", "RTOL", "SEED", "Draw", "Witness", "canonical", "num", "value_at", "close", "sample_points",
           "first_difference", "same_function", "kinks", "breakpoints", "kink_points"]

DIGITS = 30          # working precision of a numeric comparison
RTOL = 1e-12         # relative tolerance of "the same value" (scaled by max(|a|, |b|, 1))
SEED = 20240611      # the default generator's seed: a failure message names the same point on every run
IMAG_DIGITS = 20     # an imaginary part below 10^-IMAG_DIGITS (relative) is rounding noise of a real value

_UNDEFINED = (ArithmeticError, TypeError, ValueError, ZeroDivisionError)


def canonical(e: sympy.Expr) -> sympy.Expr:
    """``log(a, b)`` kept unevaluated (as derive's parser writes it) -> ``log(a)/log(b)``.

    SymPy differentiates an unevaluated two-argument log as if it were natural (d/dx log(x, 10) -> 1/x), which is
    exactly the misconception the checker looks for; every comparison works on this canonical form.
    """
    return e.replace(lambda t: isinstance(t, sympy.log) and len(t.args) == 2,
                     lambda t: sympy.log(t.args[0]) / sympy.log(t.args[1]))


def num(e: Any, point: Mapping[sympy.Symbol, Any] | None = None, *, digits: int = DIGITS, exact: bool = True,
        imag_digits: int = IMAG_DIGITS) -> sympy.Expr:
    """The real value of ``e`` (with ``point`` substituted) at ``digits`` digits; ArithmeticError where undefined.

    ``exact``: an exact rational stays exact (otherwise every value is a Float). An imaginary part smaller than
    ``10^-imag_digits`` times the real part (or 1) is rounding noise; a larger one means "not a real number".
    """
    if isinstance(e, int):
        e = sympy.Integer(e)
    if point is not None:
        e = e.xreplace(dict(point))
    if exact and e.is_Rational:
        return e
    e = e.doit()   # unevaluated pieces from the parser (1/100 of a "%") must collapse before evalf
    if exact and e.is_Rational:
        return e
    v = sympy.N(e, digits)
    if v.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan) or not v.is_number:
        raise ArithmeticError("undefined value")
    if not v.is_real:
        re_, im = v.as_real_imag()
        if abs(im) > sympy.Float(10) ** -imag_digits * max(1, abs(re_)):
            raise ArithmeticError("not a real number")
        v = re_
    return v


def value_at(e: Any, point: Mapping[sympy.Symbol, Any] | None = None, **how: Any) -> sympy.Expr | None:
    """:func:`num`, or None where ``e`` is undefined or not real at the point."""
    try:
        return num(e, point, **how)
    except _UNDEFINED:
        return None


def close(a: sympy.Expr, b: sympy.Expr, rtol: float = RTOL) -> bool:
    """``|a - b| <= rtol · max(|a|, |b|, 1)``: relative for large values, absolute near 0."""
    return bool(abs(a - b) <= rtol * max(abs(a), abs(b), 1))


# ------------------------------------------------------------------------------------------ sample points

@dataclass(frozen=True)
class Draw:
    """A random rational ``lo/den … hi/den`` (plus ``shift``). ``sign``: ``"+"`` positive; ``"±"`` a sign drawn
    before the magnitude; ``"+-"`` a sign drawn after it (positive with probability 1/2)."""

    lo: int
    hi: int
    den: int = 100
    shift: int = 0
    sign: str = "+"

    def __call__(self, rng: random.Random) -> sympy.Rational:
        if self.sign == "±":
            s = rng.choice([-1, 1])
            return sympy.Rational(s * rng.randint(self.lo, self.hi), self.den) + self.shift
        m = sympy.Rational(rng.randint(self.lo, self.hi), self.den) + self.shift
        if self.sign == "+-":
            return m if rng.random() < 0.5 else -m
        return m


POSITIVE = Draw(30, 270)              # 0.30 ... 2.70: away from 0, where logs and divisions break
MIXED = Draw(30, 270, sign="+-")      # the same magnitudes, either sign

# How the k-th point's value of a symbol is drawn (a Draw), or the value itself (held fixed: no draw).
Domain = Callable[[sympy.Symbol, int], Union[Draw, sympy.Expr]]


def sample_points(symbols: Sequence[sympy.Symbol], n: int, domain: Domain | None = None, *,
                  seed: int | None = SEED) -> list[dict]:
    """``n`` deterministic sample points for ``symbols``.

    ``domain``: see :data:`Domain`; by default the first ``n // 2`` points are positive (logs and roots are
    defined there) and the rest of mixed signs, all of magnitude 0.30 ... 2.70. ``seed``: one generator draws every
    value in order (point by point, symbol by symbol); ``None``: each value has its own generator, seeded by
    ``"name:k"``, so a symbol's k-th value does not depend on which other symbols there are.
    """
    if domain is None:
        domain = lambda s, k: POSITIVE if k < n // 2 else MIXED  # noqa: E731
    rng = random.Random(seed) if seed is not None else None
    out = []
    for k in range(n):
        point = {}
        for s in symbols:
            how = domain(s, k)
            point[s] = how(rng if rng is not None else random.Random(f"{s.name}:{k}")) \
                if isinstance(how, Draw) else how
        out.append(point)
    return out


# ------------------------------------------------------------------------------------------ breakpoints

# Functions whose formula depends on the sign of an expression: random points in 0.3 ... 2.7 can all fall on one
# side of the switch (Max(x, 5) and 5 agree there). Piecewise is found through its conditions (Relationals).
KINKED = (sympy.Max, sympy.Min, sympy.Abs, sympy.sign, sympy.Heaviside, relu)
WIDE = Draw(10, 3000, sign="±")           # ±0.1 ... ±30
LARGE = Draw(30, 3000, den=1, sign="±")   # ±30 ... ±3000: differences that only show far out
MAX_BREAKPOINT_POINTS = 32                # a bound on the work: two points per breakpoint, at most this many
MAX_KINKS = 64                            # switching expressions looked at (Max of many arguments: pairs)


def kinks(e: sympy.Basic) -> Iterator[sympy.Expr]:
    """The expressions whose sign switches ``e``'s formula: a Piecewise condition's ``lhs - rhs``, the pairwise
    differences of Max/Min arguments, the argument of Abs, sign, Heaviside and ReLU."""
    seen = 0
    for node in sympy.preorder_traversal(e):
        if isinstance(node, sympy.core.relational.Relational):
            parts = [node.lhs - node.rhs] if isinstance(node.lhs, sympy.Expr) and isinstance(node.rhs, sympy.Expr) \
                else []
        elif isinstance(node, (sympy.Max, sympy.Min)):
            args = node.args
            parts = [args[i] - args[j] for i in range(len(args)) for j in range(i + 1, len(args))]
        elif isinstance(node, KINKED):
            parts = [node.args[0]]
        else:
            continue
        for g in parts:
            if seen >= MAX_KINKS:
                return
            seen += 1
            yield g


def _real_roots(g: sympy.Expr, s: sympy.Symbol) -> list[sympy.Rational]:
    """Real roots of ``g`` in ``s`` when ``g`` is a polynomial of degree 1 or 2 with numeric coefficients (other
    switches are left to the wide draws), as rationals near the root (the points go beside it, not on it)."""
    if not g.is_polynomial(s):
        return []
    try:
        coeffs = [complex(c) for c in sympy.Poly(g, s).all_coeffs()]
    except (TypeError, ValueError, sympy.PolynomialError):
        return []
    if any(c.imag for c in coeffs) or not 2 <= len(coeffs) <= 3:
        return []
    coeffs = [c.real for c in coeffs]
    if len(coeffs) == 2:
        roots = [-coeffs[1] / coeffs[0]]
    else:
        a, b, c = coeffs
        disc = b * b - 4 * a * c
        roots = [] if disc < 0 else [(-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)]
    return [sympy.Rational(r).limit_denominator(10 ** 6) for r in roots if math.isfinite(r)]


def breakpoints(exprs: Sequence[sympy.Basic], symbol: sympy.Symbol,
                base: Mapping[sympy.Symbol, Any]) -> list[sympy.Rational]:
    """Where the formula of any of ``exprs`` switches as ``symbol`` moves, the other symbols held at ``base``."""
    out: list[sympy.Rational] = []
    for e in exprs:
        for g in kinks(e):
            if symbol not in g.free_symbols:
                continue
            held = {k: v for k, v in base.items() if k != symbol}
            out += [r for r in _real_roots(g.xreplace(held), symbol) if r not in out]
    return out


def kink_points(exprs: Sequence[sympy.Basic], symbols: Sequence[sympy.Symbol], n: int = 8, *,
                seed: int | None = SEED) -> list[dict]:
    """Extra sample points for ``exprs`` that switch formula (none when no expression does, see :func:`kinks`).

    For each breakpoint of each symbol (the others held at a fixed positive point): a point just below and one
    just above it (a thousandth of its magnitude away, or less when another breakpoint is near, so a narrow piece
    is not stepped over; never on it, where ``|x|/x`` is undefined). Then ``n`` points drawn wide -- half of
    magnitude 0.1 ... 30, half 30 ... 3000, each of either sign. Deterministic, like :func:`sample_points`.
    """
    if not any(True for e in exprs for _ in kinks(e)):
        return []
    base = sample_points(symbols, 1, lambda s, k: POSITIVE, seed=seed)[0]
    out: list[dict] = []
    for s in symbols:
        roots = breakpoints(exprs, s, base)
        for r in roots:
            # a quarter of the way to the next breakpoint at most, so a narrow piece between two is not stepped over
            step = min([max(sympy.Integer(1), abs(r)) / 1000] + [abs(r - q) / 4 for q in roots if q != r])
            for v in (r - step, r + step):
                if len(out) < MAX_BREAKPOINT_POINTS:
                    out.append({**base, s: v})
    return out + sample_points(symbols, n, lambda s, k: WIDE if k < n // 2 else LARGE, seed=seed)


# ------------------------------------------------------------------------------------------ comparison

@dataclass(frozen=True)
class Witness:
    """A point where two expressions differ, and their values there (None where a side is undefined)."""

    point: dict
    left: sympy.Expr | None
    right: sympy.Expr | None


# Sample points: a list, or a function of the compared symbols (sorted by name) that makes one.
Points = Union[Sequence[Mapping[sympy.Symbol, Any]], Callable[[list], Sequence[Mapping[sympy.Symbol, Any]]]]


def first_difference(a: sympy.Expr, b: sympy.Expr, points: Points, *, rtol: float = RTOL,
                     skip_undefined: bool = False, **how: Any) -> tuple[Witness | None, int]:
    """The first sample point where ``a`` and ``b`` differ, and how many points they agreed at before it.

    A point where one side is undefined is a difference; one where both are is a difference too, or skipped with
    ``skip_undefined`` (without it, an undefined ``a`` ends the search at once and the witness has no values).
    ``how``: how values are computed (:func:`num`'s ``digits``, ``exact``, ``imag_digits``).
    """
    if callable(points):
        points = points(sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name))
    agreed = 0
    for pt in points:
        va = value_at(a, pt, **how)
        if va is None and not skip_undefined:
            return Witness(dict(pt), None, None), agreed   # (b's value is not needed to know they differ)
        vb = value_at(b, pt, **how)
        if va is None and vb is None:
            continue
        if va is None or vb is None or not close(va, vb, rtol):
            return Witness(dict(pt), va, vb), agreed
        agreed += 1
    return None, agreed


def same_function(a: sympy.Expr, b: sympy.Expr, points: Points, *, rtol: float = RTOL, **how: Any) -> bool:
    """Structurally equal, or equal (within ``rtol``) at every sample point; undefined anywhere means not."""
    if a == b:
        return True
    witness, agreed = first_difference(a, b, points, rtol=rtol, **how)
    return witness is None and agreed > 0


def shape(e: sympy.Basic, memo: dict[sympy.Basic, tuple] | None = None) -> tuple:
    """The written structure of ``e`` as a key, blind to the order of a sum's or a product's terms (``x - x`` and
    ``-x + x`` have one shape, ``0`` another): which step an expression *is*, where its value cannot tell (every
    node that is identically 0 has the same function). ``memo`` may be shared between calls on trees that share
    subtrees (a graph's nodes), so each distinct subtree is keyed once."""
    memo = {} if memo is None else memo

    def key(t: sympy.Basic) -> tuple:
        if not t.args:
            return (type(t).__name__, str(t))
        if t not in memo:
            kids = [key(a) for a in t.args]
            memo[t] = (type(t).__name__, tuple(sorted(kids) if isinstance(t, (sympy.Add, sympy.Mul)) else kids))
        return memo[t]
    return key(e)


def ordered_symbols(e: sympy.Basic) -> list[sympy.Symbol]:
    """``e``'s free symbols in one fixed order (SymPy's default sort key): a set's order follows the hash seed, and
    a message that names the first unknown symbol must be the same on every run."""
    return sorted(e.free_symbols, key=sympy.default_sort_key)
