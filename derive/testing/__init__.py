"""pytest helpers that explain *why* two pieces of mathematics differ, and derive's pytest plugin.

``assert_equivalent(a, b)`` passes when ``a`` and ``b`` are the same function of their symbols; on failure the
message shows both sides simplified, their difference, and a point where they differ, with both values.
``assert_latex_equivalent``, ``assert_gradient`` and ``assert_solution_correct`` do the same for LaTeX formulas,
gradients and worked solutions; ``explain_difference`` returns the :class:`Difference` itself.

**The plugin.** This package is registered with pytest (entry point ``pytest11``, name ``derive``), so it is loaded
by every pytest session in an environment where derive is installed. Loading it imports nothing but the standard
library (the helpers above are loaded on first use, PEP 562). Its one hook explains a failed ``assert a == b``
between SymPy expressions -- equivalent but written differently, or a point where they differ -- in bounded work
(no simplify beyond a size limit, the rest in a worker killed after about a second); every other comparison keeps
pytest's own report, and a str is never read as mathematics.

**Opting out.** ``pytest -p no:derive`` (or ``addopts = "-p no:derive"``) does not load the plugin at all. To keep
the helpers' messages but pytest's own report of plain asserts, set the ini option ``derive_explain = false``
or the environment variable ``DERIVE_EXPLAIN=0``.
"""
from __future__ import annotations

import importlib
from typing import Any

from derive.testing.plugin import pytest_addoption, pytest_assertrepr_compare

# public name -> the module that defines it (loaded on first use: pytest imports this package at every start)
_API = {
    **{n: "derive.testing.assertions" for n in ("assert_equivalent", "assert_latex_equivalent", "assert_gradient",
                                                "assert_solution_correct", "explain_difference")},
    "Difference": "derive.testing.explain",
    "canonical": "derive.compare",
}

__all__ = sorted(_API) + ["pytest_addoption", "pytest_assertrepr_compare"]


def __getattr__(name: str) -> Any:
    where = _API.get(name)
    if where is None:
        raise AttributeError(f"module 'derive.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value   # once: later lookups are plain attribute reads
    return value


# No __dir__ listing the lazy names: pytest reads every name dir() gives of a plugin module (looking for
# fixtures), and would load SymPy at start. __all__ still names them (help(), star imports, the docs).
