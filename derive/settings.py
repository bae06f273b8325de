"""The one place for settings and limits.

``Settings`` is a frozen record; ``Settings.make(**kw)`` rejects unknown keys (as SymPy's printer settings do) so
a typo is an error rather than a silently ignored option.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from derive.errors import InputError

if TYPE_CHECKING:   # settings are read by every command, even "derive --help": SymPy only when a base is asked for
    import sympy

VERSION = "0.1.0"   # derive's version, the one place: pyproject.toml reads it (tool.hatch.version)
LOG_BASES = ("e", "10", "2")
ROUNDINGS = ("exact", "handwritten")


@dataclass(frozen=True)
class Settings:
    sigfigs: int = 3            # significant figures shown (and carried, in handwritten mode)
    rounding: str = "exact"     # "exact": compute exactly, round for display; "handwritten": carry rounded values
    log_base: str = "e"         # base of a bare \log / log(); \ln is always natural
    letter: str = "v"           # node letter of the Wengert list (the seed's forward trace uses N)
    precision: int = 50         # decimal digits kept for values that are not rational

    def __post_init__(self) -> None:
        if not isinstance(self.sigfigs, int) or not 1 <= self.sigfigs <= 15:
            raise InputError(f"sigfigs must be a whole number from 1 to 15, not {self.sigfigs!r}", "sigfigs")
        if self.rounding not in ROUNDINGS:
            raise InputError(f"rounding must be one of {', '.join(ROUNDINGS)}, not {self.rounding!r}", "rounding")
        if str(self.log_base) not in LOG_BASES:
            raise InputError(f"log base must be one of {', '.join(LOG_BASES)}, not {self.log_base!r}", "log_base")
        object.__setattr__(self, "log_base", str(self.log_base))
        if not (isinstance(self.letter, str) and self.letter.isalpha() and len(self.letter) <= 8):
            raise InputError(f"node letter must be a short alphabetic name, not {self.letter!r}", "letter")

    @property
    def base(self) -> sympy.Expr:
        """The log base as a number, converted here once: sympy.E for "e", else the integer base."""
        import sympy   # lazy: see the import above
        return sympy.E if self.log_base == "e" else sympy.Integer(int(self.log_base))

    @property
    def printed_base(self) -> sympy.Expr | None:
        """The base the printer writes on a bare log: None for the natural log (printed as \\ln)."""
        return None if self.log_base == "e" else self.base

    @classmethod
    def make(cls, **overrides: Any) -> "Settings":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise InputError(f"unknown setting(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return replace(cls(), **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Limits:
    """Bounds on untrusted input, checked before any parsing or evaluation."""

    max_chars: int = 5000          # characters in one expression or LaTeX line
    max_depth: int = 60            # nesting of brackets / braces / calls
    max_nodes: int = 20000         # nodes in one computational graph
    max_exponent: int = 1000       # |integer exponent| evaluated exactly
    max_value_digits: int = 10000  # decimal digits of an exact intermediate value
    step_seconds: float = 5.0      # wall time for one checked step in a worker process
    tex_seconds: float = 120.0     # wall time for one PDF build (latexmk's passes together)
    tex_memory_mb: int = 2048      # address space of the TeX processes of one PDF build
    max_shown_digits: int = 100    # an exact integer longer than this is shown in scientific form
    max_step_seconds: float = 600.0  # the largest per-statement time a check may be given
    min_step_seconds: float = 0.5    # the smallest: below it a worker's round trip alone times every step out
    max_variants: int = 1000       # variants written by one `derive variants`
    max_jobs: int = 8              # worker processes of one command
    max_file_bytes: int = 2_000_000  # one file read (problem set, spec, solution sheet, stdin)
    max_layers: int = 5000         # layers of one network spec (ResNet-152 has about 500)
    max_statements: int = 5000     # statements in one solution sheet
    sheet_seconds: float = 120.0   # wall time for checking one sheet; what is left is reported, not dropped


LIMITS = Limits()
