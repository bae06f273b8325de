"""derive: derives and checks the mathematics of deep learning the way a careful person writes it by hand.

The public API is loaded on first use (PEP 562): ``import derive`` and ``derive --help`` do not pay for SymPy, NumPy
and the checker until a name that needs them is touched. ``derive.check`` and ``derive.matrix`` are packages that
can be called as the functions they are named after (``derive.check(text, problem)``).
"""
from __future__ import annotations

import importlib
from typing import Any

from derive.settings import VERSION

__version__ = VERSION

# public name -> (module that defines it, attribute there; None: the module itself)
_API: dict[str, tuple[str, str | None]] = {
    **{n: ("derive.autodiff", n) for n in ("autodiff", "AutodiffResult")},
    **{n: ("derive.derivation", n) for n in ("Block", "Derivation", "Line", "Part")},
    **{n: ("derive.errors", n) for n in ("DeriveError", "DomainError", "InputError", "LimitError", "ParseError",
                                          "UnsupportedError")},
    **{n: ("derive.latex", n) for n in ("Tex", "latex")},
    **{n: ("derive.parse", n) for n in ("parse", "parse_latex", "parse_plain")},
    "Settings": ("derive.settings", "Settings"),
    **{n: ("derive.autodiff.tracing", n) for n in ("absolute", "cos", "exp", "ln", "log", "relu", "sigmoid", "sin",
                                                    "sqrt", "tan", "tanh")},
    **{n: (f"derive.{n}", None) for n in ("cnn", "optim", "check", "matrix")},
    "Solution": ("derive.problems", "Solution"), "solve": ("derive.problems", "solve"),
    "load_problems": ("derive.problems", "load"),
    "Report": ("derive.check", "Report"), "MatrixResult": ("derive.matrix", "MatrixResult"),
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    where = _API.get(name)
    if where is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    module = importlib.import_module(where[0])
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value   # once: later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
