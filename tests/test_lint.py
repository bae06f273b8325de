"""ruff on derive, its tests and benchmarks, with the rules pyproject.toml selects (README's test command runs it)."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    try:
        import ruff  # noqa: F401  (the test extra installs it)
    except ImportError:
        if shutil.which("ruff") is None:
            pytest.fail("ruff is part of the test extra: pip install '.[test]'")
    p = subprocess.run([sys.executable, "-m", "ruff", "check", "derive", "tests", "benchmarks"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-1000:]
