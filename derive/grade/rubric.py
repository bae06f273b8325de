"""The rubric: points per problem or part and what each kind of finding costs (a TOML file, or the default).

```toml
[defaults]              # every key optional; these are the defaults
points = 10             # an item (a problem or a part) that gives no points of its own
wrong = 2               # each wrong step
carried = 0             # a line right from the writer's own earlier (wrong) numbers: the slip costs once, at its line
unverifiable = 0.5      # each line that could not be verified
note = 0                # each note (rounding drift, a convention remark)
missing = "all"         # an item with no work on the sheet: "all" its points, or a number of points
floor = 0               # an item never scores below this

[[item]]
problem = "1"           # the problem's number in the set
part = "(a)"            # optional: one part; findings of problem 1 in no listed part go to a problem-1 item
points = 4
wrong = 1               # optional: any cost above, for this item only
```

Without a rubric every problem of the set is one item worth 10 points with the costs above. Points are decimals
(``Decimal``), never floats, so a total is the same on every machine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Mapping

from derive.errors import InputError
from derive.files import parse_toml, read_text

COSTS = ("wrong", "carried", "unverifiable", "note")
DEFAULTS: dict[str, Any] = {"points": 10, "wrong": 2, "carried": 0, "unverifiable": 0.5, "note": 0,
                            "missing": "all", "floor": 0}
_ITEM_KEYS = {"problem", "part", "points", "missing", "floor", *COSTS}


@dataclass(frozen=True)
class Item:
    """One gradebook column: a problem (``part`` empty) or one part of it, its points and its costs."""

    problem: str
    part: str
    points: Decimal
    costs: Mapping[str, Decimal]
    missing: Decimal | None          # None: all the item's points
    floor: Decimal

    @property
    def name(self) -> str:
        return f"{self.problem}{self.part}" if self.problem else (self.part or "all")


@dataclass(frozen=True)
class Rubric:
    """The items in gradebook order; ``warnings`` are items dropped with the reason (the run goes on)."""

    items: tuple[Item, ...]
    source: str = "default rubric"
    warnings: tuple[str, ...] = field(default=())

    @property
    def max_score(self) -> Decimal:
        return sum((i.points for i in self.items), Decimal(0))


def _decimal(value: Any, where: str, key: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(f"{key} must be a number, not {type(value).__name__}", where)
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise InputError(f"{key} must be a number, not {str(value)[:40]!r}", where) from None
    if not d.is_finite() or d < 0 or d > 10**6:
        raise InputError(f"{key} must be a number from 0 to 1000000, not {value}", where)
    return d


def _item(spec: Mapping[str, Any], defaults: Mapping[str, Any], where: str, problem: str, part: str) -> Item:
    unknown = sorted(set(spec) - _ITEM_KEYS)
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} (keys: {', '.join(sorted(_ITEM_KEYS))})", where)
    merged = {**defaults, **spec}
    missing = merged["missing"]
    return Item(problem, part, _decimal(merged["points"], where, "points"),
                {k: _decimal(merged[k], where, k) for k in COSTS},
                None if missing == "all" else _decimal(missing, where, "missing"),
                _decimal(merged["floor"], where, "floor"))


def default_rubric(numbers: list[str]) -> Rubric:
    """One item a problem of the set (``numbers`` in the set's order), 10 points each."""
    return Rubric(tuple(_item({}, DEFAULTS, "default rubric", n, "") for n in numbers))


def load_rubric(path: str | Path | None, numbers: list[str]) -> Rubric:
    """The rubric of ``path`` (None: the default) for a set whose problems have ``numbers``.

    A malformed file is an :class:`InputError` naming it; an item for a problem the set does not have is dropped
    with a warning naming the file and the item, and the other items still count."""
    if path is None:
        return default_rubric(numbers)
    where = str(path)
    doc = parse_toml(read_text(path, "rubric file"), where)
    unknown = sorted(set(doc) - {"defaults", "item"})
    if unknown:
        raise InputError(f"unknown table {unknown[0]!r} (a rubric has [defaults] and [[item]])", where)
    given = doc.get("defaults", {})
    if not isinstance(given, dict):
        raise InputError("[defaults] must be a table", where)
    bad = sorted(set(given) - set(DEFAULTS))
    if bad:
        raise InputError(f"unknown key {bad[0]!r} in [defaults] (keys: {', '.join(sorted(DEFAULTS))})", where)
    defaults = {**DEFAULTS, **given}
    specs = doc.get("item", [])
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise InputError("[[item]] must be a list of tables", where)
    items: list[Item] = []
    warnings: list[str] = []
    seen: set[tuple[str, str]] = set()
    for k, spec in enumerate(specs, 1):
        at = f"{where}: item {k}"
        problem = str(spec.get("problem", "")).strip()
        part = str(spec.get("part", "")).strip()
        if part and not re.fullmatch(r"\(?[A-Za-z0-9ivx]{1,8}\)?", part):
            raise InputError(f"part {part[:20]!r} is not a label like (a)", at)
        if part and not part.startswith("("):
            part = f"({part})"
        if numbers and problem not in numbers and not (len(numbers) == 1 and problem == ""):
            warnings.append(f"{at}: problem {problem or '(none)'} is not in the problem set "
                            f"(it has {', '.join(numbers)}); the item is left out")
            continue
        if (problem, part) in seen:
            raise InputError(f"problem {problem}{part} is listed twice", at)
        seen.add((problem, part))
        items.append(_item({k2: v for k2, v in spec.items() if k2 not in ("problem", "part")}, defaults, at,
                           problem, part))
    if not items and not warnings:
        items = [_item({}, defaults, where, n, "") for n in numbers]   # only [defaults]: one item a problem
    if not items:
        raise InputError("no item of the rubric belongs to the problem set", where)
    return Rubric(tuple(items), where, tuple(warnings))
