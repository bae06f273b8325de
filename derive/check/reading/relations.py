"""The relation signs a solution's statements are chained with (=, ≈, :=, →, <, …), and what each one means."""
from __future__ import annotations

import re

__all__ = ["REL_RE", "relation_kind"]

REL_TOKENS = [  # (regex, relation kind); longest first
    (r"\\approx|\\simeq|\\thickapprox|≈", "≈"), (r"\\sim(?![a-zA-Z])|∼", "≈"),
    (r"\\leftarrow|\\gets|:=|←", ":="), (r"\\Rightarrow|\\implies|\\rightarrow|\\to(?![a-zA-Z])|→|⇒", "→"),
    (r"\\neq|\\ne(?![a-zA-Z])|≠", "≠"), (r"\\leq?(?![a-zA-Z])|<=|≤|<", "<"), (r"\\geq?(?![a-zA-Z])|>=|≥|>", ">"),
    (r"\\equiv|=", "="),
]
REL_RE = re.compile("|".join(f"(?:{r})" for r, _ in REL_TOKENS))


def relation_kind(token: str) -> str:
    for r, kind in REL_TOKENS:
        if re.fullmatch(r, token):
            return kind
    return "="
