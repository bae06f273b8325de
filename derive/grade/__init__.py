"""Grading a course: every submission of a roster checked against a problem set, scored with a rubric, written
as a gradebook, Gradescope results, per-student feedback and a class summary; resumable from a SQLite journal,
on a local pool of killable workers or a Dask cluster. Dask and matplotlib are the optional ``grade`` extra."""
from __future__ import annotations

from derive.grade.course import RunStats, grade
from derive.grade.rubric import Rubric, load_rubric
from derive.grade.score import score

__all__ = ["grade", "RunStats", "Rubric", "load_rubric", "score"]
