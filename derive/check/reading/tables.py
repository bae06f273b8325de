"""Markdown tables on a solution sheet: a row that reads across as one statement (node, definition, value)."""
from __future__ import annotations

import re

from derive.check.reading.relations import REL_RE

__all__ = ["table_rows"]

_ROW_RE = re.compile(r"(?m)^[ \t]*\|(?P<cells>.*)\|[ \t]*$")
_RULE_ROW_RE = re.compile(r"[ \t]*\|?[ \t]*:?-{3,}")
_NUMBER_CELL_RE = re.compile(r"[-+−]?\d+(?:\.\d+)?")


def table_rows(src: str) -> str:
    """A Markdown table row that reads across as one statement -- ``| $v_3$ | $v_1 v_2$ | $2.4$ |`` (node,
    definition, value), ``| 2 | $\\bar v_4 = \\bar v_5 v_2$ | 1.8 |`` -- becomes that chain, ``$v_3 = v_1 v_2 = 2.4$``,
    on its own line. Only when the row starts with a named quantity in maths and at most one cell holds a relation
    (with none after it): a row of cells that are statements each (``| $v_2 = v_1^2$ | $v_2 = 0.25$ |``), a header
    row, or a row of bare numbers (an optimizer's table) is left as written."""
    lines = src.split("\n")
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
