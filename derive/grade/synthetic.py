"""A synthetic class: derive's own worked solution of a problem set, written in several notations, some with a
number changed -- sheets whose right answer is known, for testing a rubric, the tests and the benchmark."""
from __future__ import annotations

import random
import re
from pathlib import Path

from derive.problems import solve
from derive.render import render

NOTATIONS = ("markdown", "latex", "letter-n", "folder")
# a value at the end of an aligned row: what a student computes (not an input, not a subscript)
_VALUE = re.compile(r"= (-?\d+\.\d+) (?=\\\\|\\end)")


def _latex_sheet(md: str) -> str:
    """The Markdown solution as a LaTeX sheet: \\[ … \\] displays, problem numbers as bold paragraphs."""
    body = re.sub(r"\$\$(.*?)\$\$", lambda m: "\\[" + m.group(1) + "\\]", md, flags=re.S)
    body = re.sub(r"\*\*(\d+)\.\*\*", r"\\subsection*{Problem \1}", body)
    body = re.sub(r"^# (.*)$", r"\\section*{\1}", body, flags=re.M)
    body = re.sub(r"^\*(.*)\*$", r"\\emph{\1}", body, flags=re.M)
    return "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n"


def perturb(text: str, rng: random.Random) -> tuple[str, int]:
    """One computed value changed by a factor (a slip); returns the sheet and the slipped line (0: none found)."""
    spots = list(_VALUE.finditer(text))
    if not spots:
        return text, 0
    m = rng.choice(spots)
    old = m.group(1)
    decimals = len(old.split(".")[1])
    new = f"{float(old) * rng.choice((1.5, 0.5, -1.0)) + (1 if float(old) == 0 else 0):.{decimals}f}"
    if new == old:
        new = f"{float(old) + 1:.{decimals}f}"
    return text[:m.start(1)] + new + text[m.end(1):], text.count("\n", 0, m.start(1)) + 1


def write_class(problem: str | Path, folder: str | Path, n: int, seed: int = 0, wrong_share: float = 0.4) -> dict:
    """Write ``n`` submissions into ``folder`` (``s0000`` …), cycling through the notations; a share of them with
    one slipped number. Returns ``{student id: slipped line or 0}``."""
    md = render(solve(Path(problem)), "markdown")
    rng = random.Random(seed)
    out, answers = Path(folder), {}
    out.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        sid = f"s{k:04d}"
        notation = NOTATIONS[k % len(NOTATIONS)]
        text = md.replace("v_{", "N_{") if notation == "letter-n" else md
        line = 0
        if rng.random() < wrong_share:
            text, line = perturb(text, rng)
        answers[sid] = line
        if notation == "latex":
            (out / f"{sid}.tex").write_text(_latex_sheet(text), encoding="utf-8")
        elif notation == "folder":   # a folder per student, one file a problem
            chunks = re.split(r"(?m)^(?=\*\*\d+\.\*\*)", text)
            (out / sid).mkdir(exist_ok=True)
            for j, chunk in enumerate(c for c in chunks if c.strip()):
                (out / sid / f"part{j}.md").write_text(chunk, encoding="utf-8")
        else:
            (out / f"{sid}.md").write_text(text, encoding="utf-8")
    return answers
