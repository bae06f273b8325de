"""Plain records for a derivation: parts of blocks of lines, rendered by templates.

Every kind of problem (autodiff, optimizer, CNN) derives into these records; ``render`` lays them out as LaTeX,
Markdown or JSON. The records hold LaTeX already printed by :mod:`derive.latex` (``Tex``) and plain text (``str``,
escaped at render time), never layout.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from derive.latex import Tex


@dataclass(frozen=True)
class Line:
    """One line of an aligned derivation: ``lhs &= rhs[0] = rhs[1] ...`` with an optional remark.

    ``rels`` gives the relation before each right side (``=`` when empty); ``tag`` names what the line states
    (e.g. ``"adjoint:3"``) so a checker can match a student's line to it.
    """

    lhs: Tex
    rhs: tuple[Tex, ...] = ()
    rels: tuple[str, ...] = ()
    note: str = ""
    tag: str = ""

    def relations(self) -> tuple[str, ...]:
        return self.rels if self.rels else ("=",) * len(self.rhs)

    def pairs(self) -> list[tuple[str, Tex]]:
        return list(zip(self.relations(), self.rhs))


@dataclass(frozen=True)
class Block:
    """A block of a part.

    kinds: ``align`` (aligned lines), ``equation`` (each line its own display, as the seed's 2(a)),
    ``text`` (a paragraph of ``segments``: ("text", str) or ("math", Tex)), ``table`` (``header`` and ``rows``).
    """

    kind: str
    lines: tuple[Line, ...] = ()
    segments: tuple[tuple[str, str], ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @staticmethod
    def align(lines: Iterable[Line]) -> "Block":
        return Block("align", lines=tuple(lines))

    @staticmethod
    def equations(lines: Iterable[Line]) -> "Block":
        return Block("equation", lines=tuple(lines))

    @staticmethod
    def text(*segments: str | Tex) -> "Block":
        """Plain strings are text, ``Tex`` values are inline maths."""
        return Block("text", segments=tuple(("math", s) if isinstance(s, Tex) else ("text", s) for s in segments))

    @staticmethod
    def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> "Block":
        """Cells that are ``Tex`` are maths; other cells are text."""
        return Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows))


@dataclass(frozen=True)
class Part:
    """A lettered part of a problem: ``(b) Forward trace``."""

    label: str
    title: str
    blocks: tuple[Block, ...]


@dataclass
class Derivation:
    """A worked solution: parts in order, plus the numbers behind them (``data``) for JSON.

    ``data`` may be given as a function that makes the dict: it is then made on first use (JSON, ``to_dict``), so
    printing LaTeX or Markdown never pays for it.
    """

    title: str
    parts: list[Part]
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kind: str = ""        # the JSON kind (autodiff, optimizer, trajectory, cnn); empty: told by ``data``

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)

    def json_kind(self) -> str:
        """The kind of this derivation's JSON (see schemas/derive.schema.json)."""
        return self.kind or data_kind(self.data)

    def lines(self) -> list[Line]:
        """Every aligned/equation line, in order (what a checker walks)."""
        return [ln for p in self.parts for b in p.blocks for ln in b.lines]


def data_kind(data: dict[str, Any]) -> str:
    """The JSON kind of a derivation's ``data`` when its maker did not name it."""
    if "nodes" in data and "gradient" in data:
        return "autodiff"
    if "weights" in data and "grads" in data and "hyperparameters" in data:
        return "trajectory"
    if "hyperparameters" in data:
        return "optimizer"
    if "network" in data and "layers" in data:
        return "cnn"
    return "derivation"


def _get_data(self: Derivation) -> dict[str, Any]:
    made = self.__dict__.get("_data")
    if callable(made):
        made = self.__dict__["_data"] = made()
    return made


def _set_data(self: Derivation, value: dict[str, Any] | Callable[[], dict[str, Any]]) -> None:
    self.__dict__["_data"] = value


# After @dataclass has read the field's default: ``data`` reads through a property (the generated __init__,
# __eq__ and __repr__ go through it too).
Derivation.data = property(_get_data, _set_data)   # type: ignore[assignment]
