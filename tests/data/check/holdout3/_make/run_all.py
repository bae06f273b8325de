"""Run every _make script (from this folder) and check the folder as a whole: 40 sheets, the README's counts."""
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent
for script in ("make_autodiff.py", "make_optim.py", "make_cnn.py"):
    r = subprocess.run([sys.executable, script], cwd=HERE)
    if r.returncode:
        raise SystemExit(f"{script} failed")

sheets = sorted(p for p in OUT.glob("*.md") if p.name != "README.md")
marks_id, marks_plain, ok = 0, 0, 0
errors = []
for p in sheets:
    lines = p.read_text().split("\n")
    if lines[1] != "---":
        errors.append(f"{p.name}: line 2 is not ---")
    found = [ln for ln in lines if "%WRONG" in ln]
    for ln in found:
        if not re.search(r"%WRONG(:[a-z0-9-]+)?\s*$", ln) or ln.count("%WRONG") != 1:
            errors.append(f"{p.name}: bad marker line: {ln}")
    ids = [re.search(r"%WRONG(?::([a-z0-9-]+))?", ln).group(1) for ln in found]
    marks_id += sum(1 for i in ids if i)
    marks_plain += sum(1 for i in ids if not i)
    if p.stem.endswith("_ok"):
        ok += 1
        if found:
            errors.append(f"{p.name}: _ok sheet with marks")
    elif not found:
        errors.append(f"{p.name}: no marks and not _ok")
readme = (OUT / "README.md").read_text()
for p in sheets:
    if f"`{p.stem}`" not in readme:
        errors.append(f"README does not list {p.stem}")
claim = re.search(r"(\d+) sheets with mistakes carry (\d+) marks: (\d+) with a misconception id and (\d+) plain", readme)
if not claim or [int(c) for c in claim.groups()] != [len(sheets) - ok, marks_id + marks_plain, marks_id, marks_plain]:
    errors.append(f"README counts {claim and claim.groups()} != {len(sheets) - ok}, {marks_id + marks_plain}, "
                  f"{marks_id}, {marks_plain}")
if errors:
    print("\n".join(errors))
    raise SystemExit(1)
print(f"all: {len(sheets)} sheets, {ok} _ok, {marks_id + marks_plain} marks ({marks_id} with ids, {marks_plain} plain)")
