"""``derive grade``: a course's submissions graded against a problem set with a rubric (see derive.grade)."""
from __future__ import annotations

import argparse
import sys

from derive.commands import COMMAND_HELP
from derive.grade.course import grade

HELP = COMMAND_HELP["grade"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", metavar="SUBMISSIONS", help="a folder: a file or a folder per student")
    p.add_argument("--problem", required=True, metavar="SET.toml", help="the problem set (or one problem)")
    p.add_argument("--rubric", default=None, metavar="RUBRIC.toml", help="points and costs (default: 10 points a "
                                                                         "problem, 2 a wrong step)")
    p.add_argument("-o", "--output", required=True, metavar="RESULTS", help="results folder (holds the journal)")
    p.add_argument("--roster", default=None, metavar="ROSTER.csv", help="submission,student id mapping")
    p.add_argument("--single", default=None, metavar="ID", help="SUBMISSIONS is one student's folder, with this id "
                                                                "(the Gradescope autograder)")
    p.add_argument("--jobs", type=int, default=1, help="grading workers (default 1); with --dask local, Dask workers")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--dask", choices=("local",), default=None, help="grade on a Dask LocalCluster of --jobs "
                                                                         "workers")
    where.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786", help="grade on a running Dask "
                                                                                    "cluster")
    p.add_argument("--timeout", type=float, default=None, help="seconds per checked statement (default 5)")
    p.add_argument("--budget", type=float, default=300.0, help="seconds per submission (default 300)")
    p.add_argument("--pdf", action="store_true", help="also build each student's annotated sheet as a PDF")
    p.add_argument("--retry-failed", action="store_true", help="grade again the submissions that failed before")
    p.add_argument("--allow-path", action="append", default=[], metavar="DIR",
                   help="a folder outside the problem file's own that a spec in it may name")


def run(args: argparse.Namespace) -> int:
    stats = grade(args.submissions, args.problem, args.output, rubric=args.rubric, jobs=args.jobs, dask=args.dask,
                  scheduler=args.scheduler, timeout=args.timeout, budget=args.budget, pdf=args.pdf,
                  retry_failed=args.retry_failed, single=args.single, roster_csv=args.roster,
                  allowed=args.allow_path)
    sys.stderr.write(f"derive grade: {stats.total} submission(s): {stats.graded} graded, {stats.failed} failed "
                     f"({stats.resumed} from the journal); results in {args.output}\n")
    return 1 if stats.failed else 0
