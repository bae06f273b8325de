"""Every report is byte-identical between runs, whatever Python's hash seed (set order must never leak into a
message: "d is not a quantity" one run, "k is not a quantity" the next)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import EXAMPLES

SHEET = "\n".join([
    r"$$v_1 = x^2 = 25$$",
    r"$$q = d + k = 7$$",
    r"$$\bar{v}_1 = d \cdot k = 3$$",
    r"$$w^{1} = w^0 - \eta g = 5$$",
    r"$$y = a b + k d = 28$$",
]) + "\n"


@pytest.mark.parametrize("problem", [["--expr", "x^2 + c", "--at", "c=3,x=5"], ["--adam"],
                                     ["--problem", str(EXAMPLES / "seed.toml")]])
def test_reports_do_not_depend_on_the_hash_seed(tmp_path, problem):
    sheet = tmp_path / "s.md"
    sheet.write_text(SHEET, encoding="utf-8")
    outs = set()
    for seed in ("1", "2", "3", "4"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        run = subprocess.run([sys.executable, "-m", "derive", "check", str(sheet), *problem, "--format", "json"],
                             capture_output=True, env=env, timeout=120)
        assert run.returncode in (0, 1, 2), run.stderr.decode()[-500:]
        outs.add(run.stdout + run.stderr)
    assert len(outs) == 1


_CORPUS = r'''
import json, re, sys
from pathlib import Path
from derive.check import check
from derive.render import render
out = []
for path in sorted(Path(sys.argv[1]).glob("*.md")):
    head, text = path.read_text(encoding="utf-8").split("\n---\n", 1)
    text = re.sub(r"[ \t]*%(WRONG|UNV)(?::[\w-]+)?", "", text)
    out.append(path.name + "\n" + render(check(text, json.loads(head), isolate=False), "text"))
sys.stdout.write("\n".join(out))
'''


def test_the_corpus_reports_do_not_depend_on_the_hash_seed():
    # every sheet of tests/data/check, checked under two hash seeds in fresh processes: the same bytes
    from conftest import DATA
    outs = []
    for seed in ("1", "2"):
        run = subprocess.run([sys.executable, "-c", _CORPUS, str(DATA / "check")], capture_output=True,
                             env=dict(os.environ, PYTHONHASHSEED=seed), timeout=600)
        assert run.returncode == 0, run.stderr.decode()[-800:]
        outs.append(run.stdout)
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 100
