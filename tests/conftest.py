"""Shared test fixtures: golden-file comparison and TeX availability."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]          # the repository (tests live in packages mirroring derive/)
GOLDEN = ROOT / "tests" / "golden"
DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "examples"
# The seed solution sheet (a copy of shared/seeds/000_d91cd396bf3b745f.txt, kept in the repo so CI needs no shared/).
SEED_SHEET = EXAMPLES / "seed_solution.md"
SEED_EXPR = r"\left(\frac{x^2}{\log x}+c\right)\left(\frac{x^2}{\log x}-c\right)"


def have_tex() -> bool:
    return shutil.which("latexmk") is not None or shutil.which("pdflatex") is not None


@pytest.fixture
def golden():
    """Compare text with tests/golden/NAME byte for byte (DERIVE_UPDATE_GOLDEN=1 rewrites it; review the diff)."""
    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("DERIVE_UPDATE_GOLDEN") == "1":   # never silently: a missing golden file fails
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"golden file {name} is missing"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from the golden file (DERIVE_UPDATE_GOLDEN=1 to accept)"
    return check


@pytest.fixture
def tex_required():
    """PDF tests run wherever TeX is installed; in CI (DERIVE_REQUIRE_TEX=1) its absence is a failure."""
    if not have_tex():
        if os.environ.get("DERIVE_REQUIRE_TEX") == "1":
            pytest.fail("TeX is required here (DERIVE_REQUIRE_TEX=1) but latexmk/pdflatex are missing")
        pytest.skip("TeX is not installed")
