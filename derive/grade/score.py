"""Scores from a checked sheet and a rubric: which item each finding belongs to, and what it costs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping

from derive.grade.rubric import COSTS, Item, Rubric


@dataclass(frozen=True)
class ItemScore:
    """One item of one student: the score, the counts per verdict, and the findings that cost points."""

    item: Item
    score: Decimal
    counts: Mapping[str, int]
    findings: tuple[Mapping[str, Any], ...]
    missing: bool
    unread: bool = False     # the problem itself could not be read: nothing to grade against


def split_part(part: str) -> tuple[str, str]:
    """``"1(b)"`` → ``("1", "(b)")``; ``"(b)"`` → ``("", "(b)")``."""
    m = re.match(r"\s*(\d*)\s*(.*?)\s*\Z", part or "", re.S)
    return (m.group(1), m.group(2)) if m else ("", part)


def item_for(rubric: Rubric, part: str, single: str | None) -> Item | None:
    """The item a finding or statement labelled ``part`` counts against: the part's own item, else its problem's.

    ``single``: the number of a set's only problem -- the checker then judges every line against it, whatever
    number the sheet writes, so every line belongs to it."""
    number, label = split_part(part)
    if single is not None:
        number = single
    exact = general = None
    for it in rubric.items:
        if it.problem == number and it.part and it.part == label:
            exact = it
        elif it.problem == number and not it.part:
            general = it
    return exact or general


def score(rubric: Rubric, result: Mapping[str, Any], single: str | None = None,
          unread: frozenset[str] = frozenset()) -> list[ItemScore]:
    """Every item's score for one checked sheet (``result``: the worker's record: ``findings``, ``attempted``).

    An item with no statement on the sheet is *missing* and loses its ``missing`` points (all by default); the
    others lose each finding's cost, down to the item's floor. Items of a problem in ``unread`` (the problem file
    could not be read) score 0 and say so."""
    by_item: dict[tuple[str, str], list[Mapping[str, Any]]] = {_key(it): [] for it in rubric.items}
    for f in result.get("findings", []):
        it = item_for(rubric, f.get("part", ""), single)
        if it is not None:
            by_item[_key(it)].append(f)
    attempted = {_key(it) for p in result.get("attempted", []) if (it := item_for(rubric, p, single)) is not None}
    out = []
    for it in rubric.items:
        found = by_item[_key(it)]
        counts = {k: sum(1 for f in found if f.get("verdict") == k) for k in COSTS}
        if it.problem in unread:
            out.append(ItemScore(it, Decimal(0), counts, (), False, True))
            continue
        if _key(it) not in attempted and not found:
            lost = it.points if it.missing is None else min(it.missing, it.points)
            out.append(ItemScore(it, max(it.points - lost, Decimal(0)), counts, (), True))
            continue
        cost = sum((it.costs[k] * n for k, n in counts.items()), Decimal(0))
        value = max(it.points - cost, min(it.floor, it.points))
        costly = tuple(f for f in found if it.costs.get(f.get("verdict", ""), Decimal(0)) > 0
                       or f.get("verdict") == "wrong")
        out.append(ItemScore(it, value, counts, costly, False))
    return out


def _key(it: Item) -> tuple[str, str]:
    return it.problem, it.part


def total(scores: list[ItemScore]) -> Decimal:
    return sum((s.score for s in scores), Decimal(0))


def points(d: Decimal) -> str:
    """A score as the gradebook writes it: at most two decimals, no trailing zeros (``8.5``, ``10``)."""
    q = d.quantize(Decimal("0.01"))
    text = f"{q:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
