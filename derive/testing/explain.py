"""Why two SymPy expressions differ, in bounded work: the comparison behind derive.testing's assertions and hook.

The verdict comes from sample points (:mod:`derive.compare`: the usual deterministic points, and for expressions
that switch formula -- Piecewise, Max/Min, Abs, sign, Heaviside, ReLU -- points on both sides of each breakpoint
and far out): a point where the values differ is a witness. Where no point differs, ``simplify`` of the difference
may prove them equal and SymPy's ``Expr.equals`` gives a second opinion. Every simplification is bounded twice: not
attempted beyond :data:`SIMPLIFY_MAX_OPS` operations (``count_ops``), and run in a killable worker that stops after
:data:`SECONDS` (:mod:`derive.testing.worker`); a bound that fires says so in the message.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Literal

import sympy
from sympy.core import random as sympy_random

from derive.compare import SEED, first_difference, kink_points, sample_points
from derive.testing.worker import FAILED, STOPPED, collect

__all__ = ["Difference", "compare", "hook_lines", "value_text", "SECONDS", "SIMPLIFY_MAX_OPS", "POINTS"]

SECONDS = 1.0            # the symbolic work of one comparison: a failure costs at most about this much more
SIMPLIFY_MAX_OPS = 80    # count_ops of both sides together beyond which simplify is not tried (it can run for hours)
POINTS = 6               # the usual sample points (half positive, half of either sign), before any breakpoint points
# Values are Floats (a message shows 0.333333333333, not 1/3); a relative imaginary part below 1e-22 is noise.
HOW = dict(exact=False, imag_digits=22)
SLOTS = ("difference", "simple_left", "simple_right")   # what simplify produces, each an Expr or why there is none
Sides = Literal["always", "on failure"]   # when both sides are simplified for the message


@dataclass
class Difference:
    """Why two expressions differ (or ``equal`` is True): their simplified forms, their difference, a witness point.

    ``simple_left``, ``simple_right``, ``difference``: a SymPy expression, or text saying why there is none (too
    large to simplify, stopped at the time limit). ``notes``: what else the reader should know (a second opinion,
    an undecided comparison).
    """

    left: sympy.Expr
    right: sympy.Expr
    equal: bool
    simple_left: sympy.Expr | str | None = None
    simple_right: sympy.Expr | str | None = None
    difference: sympy.Expr | str | None = None
    point: dict[str, sympy.Expr] | None = None
    left_value: sympy.Expr | None = None
    right_value: sympy.Expr | None = None
    notes: tuple[str, ...] = ()

    def message(self, title: str = "the two sides are not equivalent") -> str:
        """The failure message of the assertions: every slot in full."""
        lines = [title, f"  left              : {sympy.sstr(self.left)}",
                 f"  right             : {sympy.sstr(self.right)}"]
        lines += self._slot_lines(None)
        lines += self._witness_lines(None, "  they differ at    : ")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def _slot_lines(self, width: int | None) -> list[str]:
        values = {k: getattr(self, k) for k in SLOTS}
        if len(set(values.values())) == 1 and isinstance(self.difference, str):   # one reason for all: say it once
            return [f"  not simplified: {self.difference}"]
        labels = {"simple_left": "left, simplified  ", "simple_right": "right, simplified ",
                  "difference": "left - right      "}
        order = ("simple_left", "simple_right", "difference")
        return [f"  {labels[k]}: {_slot(values[k], width)}" for k in order]

    def _witness_lines(self, width: int | None, head: str) -> list[str]:
        if self.point is None:
            return []
        at = ", ".join(f"{k} = {value_text(v)}" for k, v in self.point.items()) or "(no symbols)"
        return [head + _clip(at, width), f"    left  = {value_text(self.left_value)}",
                f"    right = {value_text(self.right_value)}"]


def value_text(v: Any) -> str:
    """A value as a message shows it: a Float to 12 digits, a rational exactly, None as "undefined"."""
    if v is None:
        return "undefined"
    if isinstance(v, sympy.Basic) and v.is_number and not v.is_Rational:
        f = float(sympy.N(v, 17))
        return format(f, ".12g") if f == f and abs(f) != float("inf") else sympy.sstr(sympy.N(v, 12))
    return sympy.sstr(v)


def _slot(v: Any, width: int | None) -> str:
    if isinstance(v, str):
        return f"({v})"
    return "(not simplified)" if v is None else _clip(sympy.sstr(v), width)


def _clip(text: str, width: int | None) -> str:
    """``text`` cut to ``width`` characters (pytest shows only 8 lines / 640 characters below ``-vv``)."""
    return text if width is None or len(text) <= width else text[:width - 4] + " ..."


# ------------------------------------------------------------------------------------------ the work

def _sample(left: sympy.Expr, right: sympy.Expr, rtol: float, points: int) -> tuple[Any, int]:
    symbols = sorted(left.free_symbols | right.free_symbols, key=lambda s: s.name)
    pts = sample_points(symbols, points if symbols else 1)
    if symbols:   # breakpoints only where a formula switches: every other comparison keeps exactly its old points
        pts += kink_points([left, right], symbols)
    return first_difference(left, right, pts, rtol=rtol, skip_undefined=True, **HOW)


def _simplified(e: sympy.Expr) -> sympy.Expr | str:
    try:
        return sympy.simplify(e)
    except Exception as exc:  # simplify fails on some exotic trees; the message says so and goes on
        return f"not simplified: SymPy's simplify raised {type(exc).__name__}"


def _opinion(left: sympy.Expr, right: sympy.Expr) -> bool | None:
    """``Expr.equals`` for real symbols, then (if it says no) positive ones: False only when both say no -- derive
    compares where both sides are defined, so ``log(x*y)`` is ``log(x) + log(y)``, which real symbols deny."""
    symbols = left.free_symbols | right.free_symbols
    for assumption in ("real", "positive"):
        dummies = {s: sympy.Dummy(s.name, **{assumption: True}) for s in symbols}
        try:
            with _seeded():
                said = left.xreplace(dummies).equals(right.xreplace(dummies))
        except Exception:  # equals raises on some trees (Piecewise conditions): no opinion
            return None
        if said is not False:
            return said
    return False


@contextmanager
def _seeded() -> Iterator[None]:
    """SymPy's generators seeded for ``equals`` (it tries random points: unseeded, its answer changes from run to
    run), and given back their state afterwards (where there is no worker, this runs in the caller's process)."""
    generators = (sympy_random.rng, sympy_random._assumptions_rng)
    states = [g.getstate() for g in generators]
    for g in generators:
        g.seed(SEED)
    try:
        yield
    finally:
        for g, state in zip(generators, states):
            g.setstate(state)


def _verdict(sampled: tuple[Any, int], difference: Any, opinion: bool | None) -> bool:
    witness, compared = sampled
    if witness is not None:
        return False
    if isinstance(difference, sympy.Basic) and difference == 0:
        return True
    return compared > 0 and opinion is not False


def _steps(left: sympy.Expr, right: sympy.Expr, sampled: tuple[Any, int] | None, rtol: float, points: int,
           sides: Sides) -> Iterator[tuple[str, Any]]:
    """The work, cheapest first (what a deadline cuts off is the most expensive part)."""
    ops = sympy.count_ops(left) + sympy.count_ops(right)
    small = ops <= SIMPLIFY_MAX_OPS
    if not small:
        reason = f"too large to simplify: {ops} operations, derive simplifies up to {SIMPLIFY_MAX_OPS}"
        for slot in SLOTS:
            yield slot, reason
    if sampled is None:
        sampled = _sample(left, right, rtol, points)
        yield "sampled", sampled
    difference = _simplified(sympy.Add(left, -right)) if small else None
    if small:
        yield "difference", difference
    opinion = None
    if sampled[0] is None and sampled[1] > 0 and not (isinstance(difference, sympy.Basic) and difference == 0):
        opinion = _opinion(left, right)
        yield "opinion", opinion
    if small and (sides == "always" or not _verdict(sampled, difference, opinion)):
        yield "simple_left", _simplified(left)
        yield "simple_right", _simplified(right)


def compare(left: sympy.Expr, right: sympy.Expr, *, rtol: float = 1e-12, points: int = POINTS,
            seconds: float = SECONDS, bound_sampling: bool = False, sides: Sides = "always") -> Difference:
    """Compare two SymPy expressions as functions of their symbols (see the module docstring).

    ``bound_sampling``: sample in the worker too (the plugin hook: nothing there may run unbounded); otherwise
    the points are evaluated here, so the verdict never depends on the clock. ``sides``: ``"always"`` simplify
    both sides for the message, ``"on failure"`` only when they are not equal.
    """
    sampled = None if bound_sampling else _sample(left, right, rtol, points)
    found = collect(lambda: _steps(left, right, sampled, rtol, points, sides), seconds)
    sampled = sampled if sampled is not None else found.get("sampled")
    notes = []
    if found.get(STOPPED):
        notes.append(f"the symbolic work was stopped after {seconds:g} s")
        for slot in SLOTS:
            found.setdefault(slot, f"not simplified within {seconds:g} s")
    if FAILED in found:
        notes.append(f"the symbolic work failed: {found[FAILED]}")
    kept = {k: found.get(k) for k in SLOTS}
    if sampled is None:   # only when sampling itself ran out of time (the hook)
        return Difference(left, right, False, **kept, notes=tuple(notes + ["the two sides were not compared"]))
    witness, compared = sampled
    opinion = found.get("opinion")
    equal = _verdict(sampled, kept["difference"], opinion)
    if witness is None and compared == 0 and not equal:
        notes.append("neither side is defined at any sample point, and simplify does not show the difference is 0")
    if witness is None and opinion is False:
        notes.append("no sample point shows a difference, but SymPy's Expr.equals finds the sides different "
                     "(for real and for positive symbols)")
    point = {s.name: v for s, v in witness.point.items()} if witness is not None else None
    values = (witness.left, witness.right) if witness is not None else (None, None)
    return Difference(left, right, equal, **kept, point=point, left_value=values[0], right_value=values[1],
                      notes=tuple(notes))


# ------------------------------------------------------------------------------------------ the plugin's report

HOOK_WIDTH = 72   # below -vv a line is cut here (pytest keeps 8 lines, 640 characters of an explanation)


def hook_lines(left: sympy.Expr, right: sympy.Expr, verbosity: int = 0) -> list[str]:
    """The plugin's explanation of a failed ``left == right``: a summary line, then derive's findings."""
    width = None if verbosity >= 2 else HOOK_WIDTH
    d = compare(left, right, bound_sampling=True)
    half = None if width is None else (width - 4) // 2
    lines = [f"{_clip(sympy.sstr(left), half)} == {_clip(sympy.sstr(right), half)}"]
    if d.equal:
        lines.append("derive: the two sides are mathematically equivalent but not structurally equal "
                     "(compare them with derive.testing.assert_equivalent)")
    elif d.point is not None:
        lines += d._witness_lines(width, "derive: not equivalent, they differ at ")
    else:
        lines.append("derive: could not show where the two sides differ")
    lines += d._slot_lines(width)
    return lines + [f"  note: {n}" for n in d.notes]
