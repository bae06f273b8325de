"""Functions deep learning uses that SymPy does not name: sigmoid and ReLU (= max(0, x))."""
from __future__ import annotations

import sympy


class sigmoid(sympy.Function):
    """The logistic function 1 / (1 + e^{-x})."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, x: sympy.Expr, **kwargs) -> sympy.Expr:
        return 1 / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return (1 / (1 + sympy.exp(-self.args[0])))._eval_evalf(prec)


class relu(sympy.Function):
    """max(0, x); its derivative is taken as 0 at x = 0 (PyTorch's convention)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sympy.Expr:
        return sympy.Heaviside(self.args[0], 0)

    def _eval_rewrite_as_Max(self, x: sympy.Expr, **kwargs) -> sympy.Expr:
        return sympy.Max(0, x)

    def _eval_evalf(self, prec: int) -> sympy.Expr:
        return sympy.Max(0, self.args[0])._eval_evalf(prec)


class default_log(sympy.Function):
    """A bare ``log(x)`` in a traced function: its base is the ``log_base`` setting, fixed when the graph is built."""

    nargs = 1

    def _latex(self, printer) -> str:
        return rf"\log\left({printer._print(self.args[0])}\right)"
