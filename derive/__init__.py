"""derive: derives and checks the mathematics of deep learning the way a careful person writes it by hand."""
from __future__ import annotations

from derive.autodiff import AutodiffResult, autodiff
from derive.derivation import Block, Derivation, Line, Part
from derive.errors import DeriveError, DomainError, InputError, LimitError, ParseError, UnsupportedError
from derive.latex import Tex, latex
from derive.parse import parse, parse_latex, parse_plain
from derive.settings import Settings
from derive.autodiff.tracing import absolute, cos, exp, ln, log, relu, sigmoid, sin, sqrt, tan, tanh
from derive import cnn, optim  # noqa: E402  (derive.optim, derive.cnn after a bare "import derive")
from derive.problems import Solution, load as load_problems, solve  # noqa: E402
from derive.check import Report, check  # noqa: E402  (derive.check(text, problem) is the function; the module stays importable)
from derive.matrix import MatrixResult, matrix  # noqa: E402  (derive.matrix(steps, values) is the function, as check)

from derive.settings import VERSION  # noqa: E402

__version__ = VERSION

__all__ = [
    "autodiff", "AutodiffResult", "Derivation", "Part", "Block", "Line", "Settings", "Tex", "latex",
    "parse", "parse_latex", "parse_plain", "DeriveError", "InputError", "ParseError", "UnsupportedError",
    "DomainError", "LimitError", "ln", "log", "exp", "sin", "cos", "tan", "tanh", "sqrt", "sigmoid", "relu",
    "absolute", "cnn", "optim", "solve", "load_problems", "Solution", "check", "Report",
    "matrix", "MatrixResult",
]
