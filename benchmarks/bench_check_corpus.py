"""How well ``derive check`` reads hand-written sheets it was not built from: the corpus of tests/data/check/corpus.

    python benchmarks/bench_check_corpus.py [--dir tests/data/check/corpus] [--json]

Three corpora, each written by someone who had not read derive's checker: ``corpus`` (70 sheets, the yardstick the
checker was built against), ``holdout`` (40) and ``holdout2`` (30), each scored first before anything was changed
for it (their READMEs list the sheets; the figures are in the closing notes of the issue).

Each sheet is a JSON problem, a line ``---``, then the solution (see the corpus README). A line ending in
``%WRONG:<id>`` holds a marked mistake with its misconception id, ``%WRONG`` a plain slip (no diagnosis expected);
every other line is correct work, or correct given the writer's own earlier mistake (error carried forward). The
markers are removed, the sheet is checked with ``derive.check.check(text, problem, isolate=False)``, and the
findings are scored per line:

* recall -- marked mistakes with a "wrong" finding on their own line;
* diagnosis rate -- of the found mistakes that carry an id, those with that diagnosis on that line;
* false alarms -- unmarked lines with a "wrong" finding; and the fully correct sheets (no marker) that are not
  clean (at least one "wrong" finding);
* unverifiable -- mathematical lines with an "unverifiable" finding, and mathematical lines the checker skipped
  (``Report.skipped``: statements it did not check); "note" findings (e.g. rounding drift) are counted apart;
* checked sides -- ``Report.checked`` summed.

A *mathematical line* is a line of the sheet that has a relation sign (``=``, ``\\approx``, ``≈``) inside maths:
``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` or an ``align``/``aligned``/``equation``/``gather``
environment (maths that spans lines counts for each line that holds the sign). Figures are printed, never
asserted. A sheet whose check raises is counted and named; the run goes on. ``spec`` paths in a problem are
relative to the repository root (the script runs there).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

DEFAULT_DIR = ROOT / "tests" / "data" / "check" / "corpus"
MARK = re.compile(r"[ \t]*%(WRONG|UNV)(?::([\w-]+))?")   # the same markers as tests/check/test_check_cases.py
_ENVS = r"(?:align|aligned|alignat|equation|gather|gathered|multline|eqnarray|split)\*?"
_MATH_TOKEN = re.compile(r"\\\$|\$\$|\$|\\\[|\\\]|\\\(|\\\)|\\begin\{" + _ENVS + r"\}|\\end\{" + _ENVS + r"\}")
_RELATION = re.compile(r"=|\\approx|≈")


# ----------------------------------------------------------------------------------------------- reading a sheet

def load_sheet(path: Path) -> tuple[dict, str, dict[int, str]]:
    """(problem, text without markers, {line: misconception id or ""}) -- lines numbered from 1 after ``---``."""
    head, text = path.read_text(encoding="utf-8").split("\n---\n", 1)
    marked: dict[int, str] = {}
    for n, line in enumerate(text.split("\n"), 1):
        for m in MARK.finditer(line):
            if m.group(1) == "WRONG":
                marked[n] = m.group(2) or ""
    return json.loads(head), MARK.sub("", text), marked


def math_lines(text: str) -> set[int]:
    """The lines with a relation sign inside maths (see the module docstring)."""
    out: set[int] = set()
    stack: list[str] = []   # open maths: "$$", "$", "\\[", "\\(", "env"
    pos = 0
    for m in list(_MATH_TOKEN.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        if stack and stack[-1] == "$" and "\n\n" in text[pos:end]:
            end = text.index("\n\n", pos)   # a blank line ends a stray inline $: it must not swallow the sheet
            stack.pop()
            for r in _RELATION.finditer(text, pos, end):
                out.add(1 + text.count("\n", 0, r.start()))
        elif stack:
            for r in _RELATION.finditer(text, pos, end):
                out.add(1 + text.count("\n", 0, r.start()))
        if m is None:
            break
        pos = m.end()
        tok = m.group(0)
        if tok == "\\$":
            continue
        if tok in ("$$", "$"):
            if stack and stack[-1] == tok:
                stack.pop()
            elif not stack:
                stack.append(tok)
            # a $ inside other maths (\text{... $x$ ...}) changes nothing
        elif tok in ("\\[", "\\("):
            stack.append(tok)
        elif tok in ("\\]", "\\)"):
            if stack and stack[-1] == {"\\]": "\\[", "\\)": "\\("}[tok]:
                stack.pop()
        elif tok.startswith("\\begin"):
            stack.append("env")
        elif tok.startswith("\\end") and stack and stack[-1] == "env":
            stack.pop()
    return out


# ----------------------------------------------------------------------------------------------- scoring

def known_ids() -> set[str]:
    ids: set[str] = set()
    try:
        from derive.check.misconceptions import MISCONCEPTIONS
        ids |= set(MISCONCEPTIONS)
    except Exception:   # noqa: BLE001 -- the scorer must run against any version of the checker
        pass
    return ids


def score_sheet(path: Path) -> dict:
    from derive.check import check

    row: dict = {"name": path.stem, "marked": 0, "with_id": 0, "found": 0, "diagnosed": 0, "false_alarms": 0,
                 "false_alarm_lines": [], "missed_lines": [], "misdiagnosed": [], "unverifiable": 0,
                 "skipped": 0, "notes": 0, "math_lines": 0, "checked": 0, "error": "", "seconds": 0.0,
                 "unknown_ids": []}
    try:
        problem, text, marked = load_sheet(path)
    except Exception as exc:   # noqa: BLE001
        row["error"] = f"unreadable sheet: {type(exc).__name__}: {exc}"
        return row
    ids = known_ids()
    row["unknown_ids"] = sorted({d for d in marked.values() if d and ids and d not in ids})
    row["marked"] = len(marked)
    row["with_id"] = sum(1 for d in marked.values() if d)
    maths = math_lines(text)
    row["math_lines"] = len(maths)
    t0 = time.perf_counter()
    try:
        report = check(text, problem, isolate=False)
    except Exception as exc:   # noqa: BLE001 -- counted and named, never stops the run
        row["seconds"] = time.perf_counter() - t0
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        row["traceback"] = traceback.format_exc(limit=3)
        row["missed_lines"] = sorted(marked)
        return row
    row["seconds"] = time.perf_counter() - t0
    row["checked"] = report.checked
    wrong: dict[int, set[str]] = {}
    unverifiable: set[int] = set()
    for f in report.findings:
        if f.verdict == "note":
            row["notes"] += 1
        if f.verdict == "wrong":
            wrong.setdefault(f.line, set()).add(f.diagnosis or "")
        elif f.verdict == "unverifiable":
            unverifiable.add(f.line)
    for line, mid in sorted(marked.items()):
        if line in wrong:
            row["found"] += 1
            if mid:
                if mid in wrong[line]:
                    row["diagnosed"] += 1
                else:
                    row["misdiagnosed"].append(f"{line}:{mid}->{'/'.join(sorted(d or '-' for d in wrong[line]))}")
        else:
            row["missed_lines"].append(line)
    row["false_alarm_lines"] = sorted(set(wrong) - set(marked))
    row["false_alarms"] = len(row["false_alarm_lines"])
    row["unverifiable_lines"] = sorted(unverifiable & maths)
    row["unverifiable"] = len(row["unverifiable_lines"])
    row["unverifiable_other"] = len(unverifiable - maths)   # reported on lines without a relation in maths
    row["skipped_lines"] = sorted({ln for ln, _ in report.skipped} & maths)
    row["skipped"] = len(row["skipped_lines"])
    return row


def totals(rows: list[dict]) -> dict:
    t = {k: sum(r[k] for r in rows) for k in ("marked", "with_id", "found", "diagnosed", "false_alarms",
                                               "unverifiable", "skipped", "notes", "math_lines", "checked")}
    # of the found mistakes, those that carry an id (the denominator of the diagnosis rate)
    t["found_with_id"] = sum(r["diagnosed"] + len(r["misdiagnosed"]) for r in rows)
    t["sheets"] = len(rows)
    t["errors"] = [r["name"] for r in rows if r["error"]]
    correct = [r for r in rows if r["marked"] == 0 and not r["error"].startswith("unreadable")]
    t["correct_sheets"] = len(correct)
    t["sheets_with_mistakes"] = sum(1 for r in rows if r["marked"])
    t["correct_not_clean"] = [r["name"] for r in correct if r["false_alarms"] or r["error"]]
    t["correct_with_unverifiable"] = [r["name"] for r in correct if r["unverifiable"]]
    t["unknown_ids"] = sorted({d for r in rows for d in r["unknown_ids"]})
    t["seconds"] = sum(r["seconds"] for r in rows)
    return t


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.1f}%" if b else "n/a"


def badness(r: dict) -> tuple:
    missed = len(r["missed_lines"])
    return (bool(r["error"]), missed + r["false_alarms"] + len(r["misdiagnosed"]), r["unverifiable"] + r["skipped"])


def print_report(rows: list[dict], t: dict, folder: Path) -> None:
    print(f"derive check on the hand-written corpus {folder}")
    print(f"  sheets                 {t['sheets']}  ({t['correct_sheets']} fully correct, "
          f"{t['sheets_with_mistakes']} with marked mistakes)")
    print(f"  marked mistakes        {t['marked']}  ({t['with_id']} with a misconception id)")
    print(f"  recall                 {t['found']}/{t['marked']} = {_pct(t['found'], t['marked'])}"
          "  (reported wrong on their own line)")
    print(f"  diagnosis rate         {t['diagnosed']}/{t['found_with_id']} = {_pct(t['diagnosed'], t['found_with_id'])}"
          "  (of the found mistakes with an id)")
    print(f"  false alarms           {t['false_alarms']} unmarked lines reported wrong")
    print(f"  correct sheets not clean  {len(t['correct_not_clean'])}/{t['correct_sheets']}"
          + (f": {', '.join(t['correct_not_clean'])}" if t['correct_not_clean'] else ""))
    print(f"  mathematical lines     {t['math_lines']}  (a relation =, \\approx inside maths)")
    print(f"  unverifiable lines     {t['unverifiable']} = {_pct(t['unverifiable'], t['math_lines'])} of them")
    print(f"  skipped lines          {t['skipped']} = {_pct(t['skipped'], t['math_lines'])} of them"
          "  (statements the checker did not check)")
    print(f"  notes                  {t['notes']}  (findings with verdict 'note', e.g. rounding drift)")
    print(f"  checked sides          {t['checked']}")
    print(f"  sheets whose check raised  {len(t['errors'])}" + (f": {', '.join(t['errors'])}" if t['errors'] else ""))
    if t["unknown_ids"]:
        print(f"  marker ids unknown to this checker: {', '.join(t['unknown_ids'])}")
    print(f"  time                   {t['seconds']:.1f} s")
    print()
    w = max([len(r["name"]) for r in rows] + [5])
    print(f"{'sheet':<{w}}  marked  found  diag  false  unver  skip  math  checked  notes")
    for r in sorted(rows, key=badness, reverse=True):
        notes = []
        if r["error"]:
            notes.append("RAISED " + r["error"])
        if r["missed_lines"]:
            notes.append("missed " + ",".join(map(str, r["missed_lines"])))
        if r["misdiagnosed"]:
            notes.append("diag " + " ".join(r["misdiagnosed"]))
        if r["false_alarm_lines"]:
            notes.append("false " + ",".join(map(str, r["false_alarm_lines"])))
        if r.get("unverifiable_lines"):
            notes.append("unv " + ",".join(map(str, r["unverifiable_lines"])))
        if r.get("skipped_lines"):
            notes.append("skip " + ",".join(map(str, r["skipped_lines"])))
        diag = f"{r['diagnosed']}/{r['with_id']}" if r["with_id"] else "-"
        print(f"{r['name']:<{w}}  {r['marked']:>6}  {r['found']:>5}  {diag:>4}  {r['false_alarms']:>5}  "
              f"{r['unverifiable']:>5}  {r['skipped']:>4}  {r['math_lines']:>4}  {r['checked']:>7}  {'; '.join(notes)}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=str(DEFAULT_DIR), help="folder of sheets (*.md; README.md is skipped)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    folder = Path(args.dir)
    if not folder.is_absolute():
        folder = (Path.cwd() / folder).resolve()
    os.chdir(ROOT)   # spec paths in problems (examples/...) are relative to the repository root
    paths = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
    rows = [score_sheet(p) for p in paths]
    t = totals(rows)
    if args.json:
        print(json.dumps({"totals": t, "sheets": rows}, indent=2, default=str))
    else:
        print_report(rows, t, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
