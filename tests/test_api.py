"""The public API: light to import, every name reachable, the function-named packages callable."""
from __future__ import annotations

import subprocess
import sys

import pytest

import derive

from conftest import ROOT


def test_import_derive_loads_no_mathematics():
    code = "import sys, derive; print(sorted(m for m in ('sympy', 'numpy', 'jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


@pytest.mark.parametrize("name", derive.__all__)
def test_every_public_name_resolves(name):
    assert getattr(derive, name) is not None


def test_function_named_packages_are_callable_and_their_modules_import():
    import derive.check.reference as reference   # a module of the package, imported as a module
    assert reference.__name__ == "derive.check.reference"
    report = derive.check("$$f = 4$$", {"expr": "x^2", "at": "x=2"}, isolate=False)
    assert report.ok
    assert isinstance(derive.autodiff("x^2", at="x=3"), derive.AutodiffResult)
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        derive.nonexistent   # noqa: B018
