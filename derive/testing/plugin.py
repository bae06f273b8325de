"""derive's pytest hooks: an explanation of a failed ``assert left == right`` between SymPy expressions.

Loaded in every pytest session of the environment (entry point ``pytest11``), so it imports only the standard
library: SymPy objects are recognised through ``sys.modules`` (none can exist before SymPy is imported), and the
explaining code is imported on the first failure that needs it. A comparison that is not SymPy against SymPy (a
Python int or float counts as SymPy: SymPy's ``==`` converts it exactly) gets pytest's own report untouched;
text is never read as mathematics -- a str against a SymPy expression gets one line saying so.
"""
from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["pytest_addoption", "pytest_assertrepr_compare", "ENV", "INI"]

INI = "derive_explain"        # ini option: false turns the assertion hook off (the helpers still work)
ENV = "DERIVE_EXPLAIN"        # environment variable: 0 / false / no / off turns the hook off too
_OFF = {"0", "false", "no", "off"}


def pytest_addoption(parser: Any) -> None:
    """Register the ini option :data:`INI`."""
    parser.addini(INI, type="bool", default=True,
                  help="derive: explain failed == between SymPy expressions (false: pytest's own report)")


def _enabled(config: Any) -> bool:
    if os.environ.get(ENV, "").strip().lower() in _OFF:
        return False
    try:
        return bool(config.getini(INI)) if config is not None else True
    except (ValueError, AttributeError):   # a config without derive's option (the plugin added late): on
        return True


def _verbosity(config: Any) -> int:
    if config is None:
        return 0
    get = getattr(config, "get_verbosity", None)
    if get is not None:
        try:
            return int(get("assertions"))   # pytest >= 8: the assertion verbosity (verbosity_assertions ini)
        except (TypeError, ValueError, KeyError):
            return int(get())
    return int(getattr(getattr(config, "option", None), "verbose", 0) or 0)


def _kind(value: Any, sympy: Any) -> str | None:
    """"expr" for a SymPy expression (not a matrix: it has no value at a point), "number" for a Python int or float
    (not bool), "text" for a str."""
    if isinstance(value, sympy.Expr) and not isinstance(value, sympy.MatrixExpr):
        return "expr"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "number"
    return "text" if isinstance(value, str) else None


def pytest_assertrepr_compare(config: Any, op: str, left: Any, right: Any) -> list[str] | None:
    """``assert left == right`` with a SymPy expression on a side: whether they are equivalent, and where not."""
    if op != "==":
        return None
    sympy = sys.modules.get("sympy")
    if sympy is None or not _enabled(config):   # no SymPy object can exist before SymPy is imported
        return None
    kinds = (_kind(left, sympy), _kind(right, sympy))
    if "expr" not in kinds:
        return None
    if "text" in kinds:
        return _text_note(left, right, kinds)
    if None in kinds:
        return None
    try:
        # Imported at the first failure that needs it (not at pytest's start): it loads derive.compare.
        from derive.testing.explain import hook_lines
        return hook_lines(_as_sympy(left, sympy), _as_sympy(right, sympy), _verbosity(config))
    except Exception:   # never break pytest's own report: without derive's lines it still says what failed
        return None


def _as_sympy(value: Any, sympy: Any) -> Any:
    if isinstance(value, int):
        return sympy.Integer(value)
    return sympy.Float(value) if isinstance(value, float) else value   # as SymPy's own == converts it


def _text_note(left: Any, right: Any, kinds: tuple) -> list[str]:
    text_side = "right" if kinds[1] == "text" else "left"
    expr = left if text_side == "right" else right
    return [f"{left!r} == {right!r}"[:200],
            f"derive: the {text_side} side is a str, the other a SymPy {type(expr).__name__}: they are never equal "
            "(derive reads no text here; derive.testing.assert_equivalent does)"]
