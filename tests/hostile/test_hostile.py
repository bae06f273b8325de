"""The hostile-input battery (issue 9): every case of tests/hostile/cases.py through the installed `derive` command.

Run: python -m pytest -q tests/hostile      (about 3 minutes on a 2-core machine; two cases at a time)
The summary table and the slowest refusals: python benchmarks/bench_hostile.py

One test runs the whole table on a pool of two threads (each case is a subprocess with a hard wall-clock kill and an
RLIMIT_AS cap) and then fails with the list of every case whose outcome class is not one the table accepts.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"derive_hostile_{name}", HERE / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


harness = _load("harness")


def test_table_is_big_enough():
    cases = harness.load_cases()
    assert len(cases) >= 170
    assert len({c.id for c in cases}) == len(cases)
    assert sum(c.api for c in cases) >= 20
    commands = {c.argv[1] for c in cases if not c.api and len(c.argv) > 1}
    assert {"solve", "autodiff", "optim", "cnn", "check", "variants"} <= commands


def test_live_tex_scanner():
    assert harness.live_tex_primitives(r"\title{\input{/etc/passwd}}") == ["\\input"]
    assert harness.live_tex_primitives(r"\textbackslash{}input \\jobname % \write18") == []
    assert harness.live_tex_primitives(r"^^5cinput") == ["^^5c"]


def test_hostile_battery():
    cases = harness.load_cases()
    only = os.environ.get("DERIVE_HOSTILE_ONLY")  # e.g. DERIVE_HOSTILE_ONLY=check-,api- (id prefixes)
    if only:
        cases = [c for c in cases if c.id.startswith(tuple(only.split(",")))]
    results = harness.run_all(cases, workers=int(os.environ.get("DERIVE_HOSTILE_WORKERS", "2")))
    failed = [r for r in results if not r.verdict.passed]
    s = harness.summary(results)
    head = ", ".join(f"{k} {v}" for k, v in s.items() if v)
    assert not failed, (f"{len(failed)} of {len(results)} hostile cases failed ({head}):\n"
                        + "\n".join(harness.describe(r) for r in failed))
