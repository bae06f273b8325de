"""Automatic differentiation by hand: the computational graph (Wengert list), its local partials as a rule table,
forward values and tangents, reverse adjoints, and the worked traces and figure that present them.

build: ``graph`` (expression -> Node/Graph records, the partials from ``derive.ops``, ``tracing`` for Python functions);
derive: ``sweeps`` (values, partials, tangents, adjoints -> AutodiffResult); present: ``traces`` (the worked lines,
``notation`` for Leibniz objects) and ``figure`` (TikZ).
"""
from __future__ import annotations

from derive.packages import callable_package
from derive.autodiff.sweeps import (MAX_DIRECTIONS, PARTS, AutodiffResult, autodiff, forward_tangents,
                                    forward_values, partial_values, reverse_adjoints, to_expression)

__all__ = ["autodiff", "AutodiffResult", "forward_values", "partial_values", "reverse_adjoints", "forward_tangents",
           "to_expression", "PARTS", "MAX_DIRECTIONS"]

callable_package(__name__, autodiff)   # derive.autodiff(…) is autodiff(…), and its modules stay importable
