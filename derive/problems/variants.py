"""Variants of a problem set for instructors: the same problems with other numbers, and their answer keys.

A problem names what may vary in a ``vary`` table: ``vary = { "at.x" = [1, 9], "at.c" = [2.0, 4.0, 0.5] }``
(integers from a to b; or start, stop, step for decimals; or ``{ choices = [...] }``). Each variant draws its numbers
from ``random.Random(f"{seed}:{i}")``, so a variant never depends on how many others are made or in what order.
"""
from __future__ import annotations

import math
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sympy
import tomli_w

from derive.errors import DeriveError, InputError, LimitError
from derive.parse import parse_values
from derive.progress import progress as show_progress
from derive.problems import Problem, ProblemSet, load, loads, problem_error, solve
from derive.render import render
from derive.settings import LIMITS


@dataclass
class Variant:
    index: int
    problemset: ProblemSet
    toml: str


def _draw(spec: Any, rng: random.Random, where: str) -> Any:
    if isinstance(spec, dict) and "choices" in spec and isinstance(spec["choices"], list) and spec["choices"]:
        return rng.choice(spec["choices"])
    if isinstance(spec, list) and len(spec) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in spec):
        lo, hi = spec
        if lo > hi:
            raise InputError(f"empty range [{lo}, {hi}]", where)
        return rng.randint(lo, hi)
    if isinstance(spec, list) and len(spec) == 3 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                         for v in spec):
        if not all(math.isfinite(v) for v in spec):
            raise InputError(f"bad range {spec}: the numbers must be finite", where)
        start, stop, step = (Decimal(str(v)) for v in spec)
        if step <= 0 or stop < start:
            raise InputError(f"bad range {spec}: need start <= stop and step > 0", where)
        n = int((stop - start) / step)
        return float(start + step * rng.randint(0, n))
    raise InputError(f"cannot vary by {spec!r}: use [a, b] (integers), [start, stop, step] or {{choices = [...]}}",
                     where)


def _set(fields: dict[str, Any], path: str, value: Any, where: str) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        fields[head] = value
        return
    if head == "at" and isinstance(fields.get("at"), str):   # "c=3,x=5" -> an ordered table, order kept
        fields["at"] = {k: _toml_number(v) for k, v in parse_values(fields["at"], where)}
    if not isinstance(fields.get(head), dict):
        raise InputError(f"vary names {path!r}, but the problem has no table {head!r}", where)
    if rest not in fields[head]:
        raise InputError(f"vary names {path!r}, but {head} has no {rest!r}", where)
    fields[head][rest] = value


def _toml_number(v: sympy.Rational) -> int | float | str:
    """An exact value for a TOML file: an int, a float when it reads back as the same number (0.5), else the
    exact text derive reads (1e-400 as a float would be 0.0; 1/3 has no decimal)."""
    if v.q == 1:
        return int(v.p)
    f = float(v)
    if math.isfinite(f) and f != 0 and sympy.Rational(repr(f)) == v:
        return f
    return _exact_text(v)


def _exact_text(v: sympy.Rational) -> str:
    """``1E-400``, ``0.125`` for a terminating decimal, else ``1/3`` (Decimal prints long ints; str() cannot)."""
    p, q = int(v.p), int(v.q)
    twos = fives = 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q == 1:
        k = max(twos, fives)
        return str(Decimal(p * 10 ** k // int(v.q)).scaleb(-k))
    return f"{Decimal(p)}/{Decimal(int(v.q))}"


def _check_count(count: Any) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InputError(f"count must be a whole number of at least 1, not {count!r}", "--count")
    if count > LIMITS.max_variants:
        raise LimitError(f"{count} variants is more than the limit of {LIMITS.max_variants}", "--count")


def _check_jobs(jobs: Any) -> None:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs must be a whole number of at least 1, not {jobs!r}", "--jobs")
    if jobs > LIMITS.max_jobs:
        raise LimitError(f"{jobs} worker processes is more than the limit of {LIMITS.max_jobs}", "--jobs")


def _check_varies(ps: ProblemSet) -> None:
    """N identical copies of a set with nothing to vary are surely a mistake: say so instead of writing them."""
    if not any(p.fields.get("vary") for p in ps.problems):
        raise InputError("no problem has a 'vary' table, so every variant would be the same; add e.g. "
                         "vary = { \"at.x\" = [2, 9] } to a problem", ps.source)


def make_variant(ps: ProblemSet, seed: int, index: int) -> Variant:
    rng = random.Random(f"{seed}:{index}")
    problems = []
    for p in ps.problems:
        fields = {k: (dict(v) if isinstance(v, dict) else v) for k, v in p.fields.items() if k != "vary"}
        vary = p.fields.get("vary", {})
        if not isinstance(vary, dict):
            raise InputError("vary must be a table", p.where)
        for path in sorted(vary):
            _set(fields, path, _draw(vary[path], rng, f"{p.where}, vary.{path}"), p.where)
        problems.append(Problem(p.number, p.kind, fields, p.where, p.base))
    out = ProblemSet(f"{ps.title} (variant {index})".strip(), ps.author, problems, ps.source, ps.settings)
    text = to_toml(out)
    _reads_back(text, out)
    return Variant(index, out, text)


def _reads_back(text: str, ps: ProblemSet) -> None:
    """The written TOML must read back as the same problems (a variant file that does not load is no use)."""
    try:
        back = loads(text, source=ps.source, base=ps.problems[0].base if ps.problems else ".")
    except DeriveError as exc:
        raise InputError(f"the variant's TOML does not read back: {exc.message}", ps.source) from None
    if to_toml(back) != text:   # written again from what was read, it must be the same text (nan == nan here)
        raise InputError("the variant's TOML does not read back the same", ps.source)


def _plain(v: Any) -> Any:
    """A field value as tomli-w writes it; an integer beyond Python's int <-> str limit could not be read back."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int) and v.bit_length() > 14_000:
        raise InputError("an integer too long to write to TOML")
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def to_toml(ps: ProblemSet) -> str:
    """The set as TOML, written by tomli-w (quotes, backslashes, control characters and keys escaped as TOML says)."""
    doc: dict[str, Any] = {"title": ps.title, "author": ps.author}
    if ps.settings:
        doc["settings"] = _plain(ps.settings)
    doc["problem"] = [{"number": p.number, "kind": p.kind, **_plain(p.fields)} for p in ps.problems]
    try:
        return tomli_w.dumps(doc)
    except TypeError as exc:   # a value TOML has no type for
        raise InputError(f"cannot write to TOML: {exc}") from None


def _job(args: tuple[str, int, int, str, str]) -> tuple[int, bool, list[str]]:
    """One variant and its key; any failure is reported for this variant, not raised out of the worker."""
    path, seed, index, outdir, fmt = args
    try:
        v = make_variant(load(path), seed, index)
        sol = solve(v.problemset)
        stem = Path(outdir) / f"variant-{index:03d}"
        Path(f"{stem}.toml").write_text(v.toml, encoding="utf-8")
        ext = {"latex": ".tex", "markdown": ".md", "json": ".json"}[fmt]
        Path(f"{stem}-key{ext}").write_text(render(sol, fmt), encoding="utf-8")
    except OSError as exc:
        return index, False, [f"cannot write the variant: {exc.strerror or type(exc).__name__}"]
    except Exception as exc:   # noqa: BLE001
        return index, False, [str(problem_error(exc, f"variant {index}"))]
    return index, sol.ok, [str(e) for e in sol.errors]


def write_variants(path: str | Path, count: int, seed: int, outdir: str | Path, fmt: str = "latex",
                   jobs: int = 2, progress: bool = True) -> list[tuple[int, bool, list[str]]]:
    """Write ``count`` variants and answer keys into ``outdir``, ``jobs`` processes at a time."""
    _check_count(count)   # every bound before any work: --count 100000 is refused at once
    _check_jobs(jobs)
    if fmt not in ("latex", "markdown", "json"):
        raise InputError(f"unknown answer-key format {fmt!r} (latex, markdown, json)", "--format")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed must be a whole number, not {seed!r}", "--seed")
    ps = load(path)  # fail early, in this process, on a bad file or a bad vary table
    _check_varies(ps)
    make_variant(ps, seed, 1)
    try:
        Path(outdir).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder: {exc.strerror or type(exc).__name__}",
                         str(outdir)) from None
    work = [(str(path), seed, i, str(outdir), fmt) for i in range(1, count + 1)]
    if jobs <= 1:
        return list(show_progress(map(_job, work), count, "variants", progress))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(show_progress(pool.map(_job, work), count, "variants", progress))
