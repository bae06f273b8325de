"""Markdown tables on a solution sheet: a row that reads across as one statement (node, definition, value)."""
from __future__ import annotations

import re

from derive.check.reading.relations import REL_RE

__all__ = ["table_rows"]

_ROW_RE = re.compile(r"(?m)^[ \t]*\|(?P<cells>.*)\|[ \t]*$")
_RULE_ROW_RE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}")
_NUMBER_CELL_RE = re.compile(r"[-+−]?\d+(?:\.\d+)?")


_INDEX_HEADERS = ("i", "k", "j", "n", "node", "step", "#", "index")
_QUANTITY_HEADER_RE = re.compile(r"^(?P<q>(?:\\(?:dot|bar|hat|tilde)\s*\{?\s*)?[A-Za-z]\}?)\s*_\s*\{?\s*(?P<i>[ijkn])\s*\}?$")


def _cells(line: str) -> list[str] | None:
    m = _ROW_RE.fullmatch(line)
    if not m:
        return None
    cells = [c.strip() for c in m.group("cells").split("|")]
    return None if any(c.count("$") % 2 for c in cells) else cells


def _maths(cell: str) -> str:
    return cell[1:-1].strip() if len(cell) > 2 and cell[0] == "$" == cell[-1] and "$" not in cell[1:-1] else cell


def _indexed_table(lines: list[str], n: int) -> int:
    """A table whose header names its columns by index -- ``| $i$ | $v_i$ | value | $\\dot v_i$ | seed (1,0) |`` --
    read row by row as statements about node i: ``$v_3 = v_1 v_2 = -0.6$``, ``$\\dot v_3 = … = -1.2$`` (the first
    value column after a quantity; further ones, a second sweep, are left unread rather than misread). Returns the
    number of the line after the table (``n`` when the header is no such header)."""
    head = _cells(lines[n])
    if head is None or not head:
        return n
    names = [_maths(c).strip().lower() for c in head]
    if names[0] not in _INDEX_HEADERS:
        return n
    quantities = {k: m for k, c in enumerate(head) if (m := _QUANTITY_HEADER_RE.match(_maths(c)))}
    if not quantities:
        return n
    end = n + 2
    while end < len(lines) and (row := _cells(lines[end])) is not None:
        if len(row) == len(head) and re.fullmatch(r"-?\d+", _maths(row[0]).strip()):
            idx = _maths(row[0]).strip()
            statements = []
            for k, m in sorted(quantities.items()):
                name = m.group("q").strip() + "_{" + idx + "}"
                chain = [name]
                for j in range(k, len(head)):
                    if j != k and j in quantities:
                        break
                    if j > k + 1 and chain[-1] is not name and len(chain) > 2:
                        break   # one value column per quantity: a second sweep is not read
                    cell = _maths(row[j]).strip()
                    if cell and cell != "—" and cell != "-":
                        chain.append(cell)
                if len(chain) > 1:
                    statements.append("$" + " = ".join(chain) + "$")
            lines[end] = " ; ".join(statements) if statements else lines[end]
        end += 1
    return end


def table_rows(src: str) -> str:
    """A Markdown table row that reads across as one statement -- ``| $v_3$ | $v_1 v_2$ | $2.4$ |`` (node,
    definition, value), ``| 2 | $\\bar v_4 = \\bar v_5 v_2$ | 1.8 |`` -- becomes that chain, ``$v_3 = v_1 v_2 = 2.4$``,
    on its own line. Only when the row starts with a named quantity in maths and at most one cell holds a relation
    (with none after it): a row of cells that are statements each (``| $v_2 = v_1^2$ | $v_2 = 0.25$ |``), a header
    row, or a row of bare numbers (an optimizer's table) is left as written."""
    lines = src.split("\n")
    n = 0
    while n + 1 < len(lines):   # tables whose header names the columns by node index
        nxt = _indexed_table(lines, n) if _RULE_ROW_RE.match(lines[n + 1]) and _ROW_RE.fullmatch(lines[n]) else n
        n = max(nxt, n + 1)
    for n, line in enumerate(lines):
        m = _ROW_RE.fullmatch(line)
        if not m or (n + 1 < len(lines) and _RULE_ROW_RE.match(lines[n + 1])) or _RULE_ROW_RE.match(line):
            continue
        cells = [c.strip() for c in m.group("cells").split("|")]
        if any(c.count("$") % 2 for c in cells):
            continue   # a | inside maths (|x|): not a cell boundary we can trust
        maths = []
        for c in cells:
            inner = c[1:-1].strip() if len(c) > 2 and c[0] == "$" == c[-1] and "$" not in c[1:-1] else None
            if inner is None and maths and _NUMBER_CELL_RE.fullmatch(c):
                inner = c          # a value written without $…$ after the quantity
            if inner is not None and inner:
                maths.append(inner)
        if len(maths) < 2 or not re.match(r"[A-Za-z\\]", maths[0]):
            continue
        opens = [bool(REL_RE.match(x)) for x in maths]   # "≈ 0.134": the cell brings its own relation
        rel = [k for k, x in enumerate(maths) if REL_RE.search(x) and not opens[k]]
        if len(rel) > 1 or (rel and rel[0] != len(maths) - 2 and rel[0] != 0) or \
                (rel and rel[0] == 0 and len(maths) != 2) or opens[0]:
            continue
        lines[n] = "$" + "".join((" " if o else " = ") + x for x, o in zip(maths, opens))[3:] + "$"
    return "\n".join(lines)
