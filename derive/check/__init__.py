"""Checking a handwritten solution line by line against the writer's own derivation.

``reading`` turns the sheet into statements and sides; ``problems`` says what it is checked against; ``reference``
derives what each quantity should be; one judge per problem kind (``autodiff``, ``optim``, ``cnn``) gives the
verdicts, ``misconceptions`` names the known wrong steps; ``sandbox`` bounds the work; ``checker`` runs it all and
``report`` holds the findings, which ``present`` lays out (text, JSON, annotated LaTeX).
"""
from __future__ import annotations

from derive.packages import callable_package

from derive.check.checker import check
from derive.check.problems import Problem, load_problem, load_problems
from derive.check.report import Finding, Report
from derive.check import present as _present   # noqa: F401  registers the report with derive.render.render

__all__ = ["check", "Report", "Finding", "load_problem", "load_problems", "Problem"]

callable_package(__name__, check)   # derive.check(…) is check(…), and its modules stay importable
