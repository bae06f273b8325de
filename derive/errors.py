"""One error family for everything a user can get wrong.

Every message names the problem and where it is (``where``: a field, a line, a column), so the CLI can print one
clear line and exit 2 instead of a traceback.
"""
from __future__ import annotations


def shown(text: object, limit: int = 60) -> str:
    """``repr`` of a user's value for a message, cut to ``limit`` characters (a 5,000-digit argument is not echoed)."""
    r = repr(text)
    return r if len(r) <= limit else f"{r[:limit - 1]}… ({len(str(text))} characters)"


class DeriveError(Exception):
    """Base class: a problem with the user's input, reported without a traceback."""

    kind = "error"

    def __init__(self, message: str, where: str | None = None, source: str | None = None,
                 column: int | None = None) -> None:
        self.message = message
        self.where = where
        self.source = source
        self.column = column
        super().__init__(self.__str__())

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where else self.message
        if self.source is not None and self.column is not None and len(self.source) <= 200:
            return f"{head}\n  {self.source}\n  {' ' * self.column}^"
        return head

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": self.message, "where": self.where, "column": self.column}


class ParseError(DeriveError):
    """Text (LaTeX or a plain expression) that cannot be read."""

    kind = "parse error"


class UnsupportedError(DeriveError):
    """An operation, function or option that derive does not handle."""

    kind = "unsupported"


class InputError(DeriveError):
    """A missing, malformed or out-of-range value (a hyperparameter, a layer field, an input value)."""

    kind = "input error"


class DomainError(DeriveError):
    """A value outside the domain of an operation: division by zero, log of a non-positive number, overflow."""

    kind = "domain error"


class LimitError(DeriveError):
    """Input beyond a safety limit: too long, too deeply nested, an exponent too large, too much work."""

    kind = "limit exceeded"
