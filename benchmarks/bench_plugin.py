"""What derive's pytest plugin costs a project that merely shares the environment (issue 16).

    python benchmarks/bench_plugin.py [--runs 5] [--max-seconds 120]

Every figure is a fresh process (median and best of ``--runs``), run in a throw-away project that knows nothing
of derive; the plugin comes in through its ``pytest11`` entry point, exactly as in a user's project:

* pytest start -- ``pytest --collect-only`` of a one-test project, with the plugin and with ``-p no:derive``, and
  whether SymPy was imported by the time collection finished;
* a failing ``assert left == right`` between trigonometric sums of 6 and of 24 terms -- the whole run with the
  plugin minus the run with ``-p no:derive`` is what the plugin's assertion hook adds to a failure; then the hook
  alone, one call in a fresh process. A run that passes ``--max-seconds`` is stopped and shown as ``> N s``.

Figures only, no asserts. The target of issue 16: no SymPy at start, and a failure costs at most about a second
more than pytest's own report.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# sin(kx)cos(kx) = sin(2kx)/2, written with a wrong factor 1/3: a failure, and a sum SymPy's simplify labours over.
TRIG = '''import sympy
x, y = sympy.symbols("x y")
N = {n}
LEFT = sum(sympy.sin(k * x) * sympy.cos(k * x) * sympy.sin(y) ** k for k in range(1, N + 1))
RIGHT = sum(sympy.sin(2 * k * x) * sympy.sin(y) ** k for k in range(1, N + 1)) / 3
'''
PASSING = "def test_nothing():\n    assert 1 + 1 == 2\n"
# Written at the end of collection (a conftest of the throw-away project): was SymPy loaded, was the plugin?
PROBE = '''import sys
def pytest_collection_finish(session):
    with open("probe.txt", "w") as fh:
        fh.write(f"{'sympy' in sys.modules} {session.config.pluginmanager.has_plugin('derive')}")
'''
HOOK_ALONE = '''import time
from trig import LEFT, RIGHT
from derive.testing import pytest_assertrepr_compare
t = time.perf_counter()
pytest_assertrepr_compare(None, "==", LEFT, RIGHT)
print(time.perf_counter() - t)
'''


def _env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))   # this checkout's derive, installed or not
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


def _run(cmd: list[str], cwd: Path, limit: float) -> tuple[float | None, str]:
    t = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return None, ""
    return time.perf_counter() - t, p.stdout


def _times(cmd: list[str], cwd: Path, runs: int, limit: float) -> list[float] | None:
    out = []
    for _ in range(runs):
        seconds, _ = _run(cmd, cwd, limit)
        if seconds is None:
            return None
        out.append(seconds)
    return out


def _fmt(times: list[float] | None, limit: float) -> str:
    if times is None:
        return f"> {limit:g} s (stopped)"
    return f"median {statistics.median(times):6.3f} s   best {min(times):6.3f} s"


def _extra(with_plugin: list[float], without: list[float]) -> tuple[float, float]:
    """What the plugin adds: the difference of the medians, and of the bests (less swayed by a busy machine)."""
    return statistics.median(with_plugin) - statistics.median(without), min(with_plugin) - min(without)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    args = ap.parse_args()
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        (project / "conftest.py").write_text(PROBE)
        (project / "test_plain.py").write_text(PASSING)
        start = {}
        for label, extra in (("with the plugin", []), ("-p no:derive", ["-p", "no:derive"])):
            start[label] = _times(pytest + extra + ["--collect-only", "test_plain.py"], project, args.runs,
                                  args.max_seconds)
            print(f"pytest start, {label:17s} {_fmt(start[label], args.max_seconds)}")
        if start["with the plugin"] and start["-p no:derive"]:
            med, best = _extra(start["with the plugin"], start["-p no:derive"])
            print(f"  the plugin adds {med * 1000:+.0f} ms to pytest's start (medians), {best * 1000:+.0f} ms (bests)")
        _run(pytest + ["--collect-only", "test_plain.py"], project, args.max_seconds)
        loaded, plugin = (project / "probe.txt").read_text().split()
        print(f"  at the end of collection: sympy imported = {loaded}, plugin 'derive' registered = {plugin}")
        (project / "conftest.py").unlink()
        for n in (6, 24):
            (project / "trig.py").write_text(TRIG.format(n=n))
            (project / "test_trig.py").write_text("from trig import LEFT, RIGHT\n\n\ndef test_trig():\n"
                                                  "    assert LEFT == RIGHT\n")
            runs = {}
            for label, extra in (("with the plugin", []), ("-p no:derive", ["-p", "no:derive"])):
                runs[label] = _times(pytest + extra + ["test_trig.py"], project, args.runs, args.max_seconds)
                print(f"{n:2d}-term trig failure, {label:17s} {_fmt(runs[label], args.max_seconds)}")
            if runs["with the plugin"] and runs["-p no:derive"]:
                med, best = _extra(runs["with the plugin"], runs["-p no:derive"])
                print(f"  the hook adds {med:+.3f} s to the failure (medians), {best:+.3f} s (bests)")
            seconds, out = _run([sys.executable, "-c", HOOK_ALONE], project, args.max_seconds)
            alone = f"{float(out.split()[-1]):.3f} s" if seconds is not None and out.split() else \
                f"> {args.max_seconds:g} s (stopped)"
            print(f"  the hook alone, one call: {alone}")


if __name__ == "__main__":
    main()
