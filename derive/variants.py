"""Variants of a problem set for instructors: the same problems with other numbers, and their answer keys.

A problem names what may vary in a ``vary`` table: ``vary = { "at.x" = [1, 9], "at.c" = [2.0, 4.0, 0.5] }``
(integers from a to b; or start, stop, step for decimals; or ``{ choices = [...] }``). Each variant draws its numbers
from ``random.Random(f"{seed}:{i}")``, so a variant never depends on how many others are made or in what order.
"""
from __future__ import annotations

import random
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from .errors import InputError
from .parse import parse_values
from .problems import Problem, ProblemSet, load, solve


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
    if isinstance(spec, list) and len(spec) == 3 and all(isinstance(v, (int, float)) for v in spec):
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
        fields["at"] = {k: (int(v) if v.q == 1 else float(v)) for k, v in parse_values(fields["at"], where)}
    if not isinstance(fields.get(head), dict):
        raise InputError(f"vary names {path!r}, but the problem has no table {head!r}", where)
    if rest not in fields[head]:
        raise InputError(f"vary names {path!r}, but {head} has no {rest!r}", where)
    fields[head][rest] = value


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
    return Variant(index, out, to_toml(out))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return "'" + v + "'" if "'" not in v and "\n" not in v else '"""' + v.replace("\\", "\\\\") + '"""'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise InputError(f"cannot write {type(v).__name__} to TOML")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else '"' + k + '"'


def to_toml(ps: ProblemSet) -> str:
    lines = [f"title = {_toml_value(ps.title)}", f"author = {_toml_value(ps.author)}"]
    if ps.settings:
        lines.append(f"settings = {_toml_value(ps.settings)}")
    for p in ps.problems:
        lines += ["", "[[problem]]", f"number = {_toml_value(p.number)}", f"kind = {_toml_value(p.kind)}"]
        lines += [f"{_key(k)} = {_toml_value(v)}" for k, v in p.fields.items()]
    return "\n".join(lines) + "\n"


def _job(args: tuple[str, int, int, str, str]) -> tuple[int, bool, list[str]]:
    path, seed, index, outdir, fmt = args
    v = make_variant(load(path), seed, index)
    sol = solve(v.problemset)
    stem = Path(outdir) / f"variant-{index:03d}"
    Path(f"{stem}.toml").write_text(v.toml, encoding="utf-8")
    key = {"latex": (sol.to_latex, ".tex"), "markdown": (sol.to_markdown, ".md"), "json": (sol.to_json, ".json")}[fmt]
    Path(f"{stem}-key{key[1]}").write_text(key[0](), encoding="utf-8")
    return index, sol.ok, [str(e) for e in sol.errors]


def write_variants(path: str | Path, count: int, seed: int, outdir: str | Path, fmt: str = "latex",
                   jobs: int = 2, progress: bool = True) -> list[tuple[int, bool, list[str]]]:
    """Write ``count`` variants and answer keys into ``outdir``, ``jobs`` processes at a time."""
    if count < 1:
        raise InputError("count must be at least 1", "--count")
    ps = load(path)  # fail early, in this process, on a bad file or a bad vary table
    make_variant(ps, seed, 1)
    Path(outdir).mkdir(parents=True, exist_ok=True)
    work = [(str(path), seed, i, str(outdir), fmt) for i in range(1, count + 1)]
    results = []
    if jobs <= 1:
        it: Iterable = map(_job, work)
        results = [_progress(r, k, count, progress) for k, r in enumerate(it, 1)]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = [_progress(r, k, count, progress) for k, r in enumerate(pool.map(_job, work), 1)]
    if progress:
        sys.stderr.write("\n")
    return results


def _progress(r: Any, k: int, n: int, show: bool) -> Any:
    if show:
        width = 30
        done = int(width * k / n)
        sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {k}/{n}")
        sys.stderr.flush()
    return r
