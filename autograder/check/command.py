"""``dlcheck [SUBMISSION] [--task T]``: run the public tests on your file, in the same sandbox
the grader uses, and say what to fix. Exit status 1 when a test fails, 2 for an unknown task."""
from __future__ import annotations

import sys
from pathlib import Path

from ..catalog import canonical_task, hidden_checks, unknown_task
from ..exercise import CONFIG_NAME, Exercise, find_exercise
from ..grade import check_submission_file, run_grading
from ..sandbox.limits import NOMINAL_GRADER_MB
from .render import render, use_colour


def add_arguments(p):
    p.add_argument("submission", nargs="?", type=Path,
                   help="your file, e.g. backprop.py (default: the exercise's file in this folder)")
    p.add_argument("--exercise", help="exercise name or folder (default: found next to the file)")
    p.add_argument("--task", help="check only one task, e.g. --task affine (any case)")


def locate(args) -> tuple[Exercise, Path]:
    if args.exercise:
        exercise = find_exercise(args.exercise)
    else:
        start = (args.submission.resolve().parent if args.submission else Path.cwd())
        folder = next((d for d in (start, *start.parents) if (d / CONFIG_NAME).exists()), None)
        if folder is None:
            raise SystemExit(f"no {CONFIG_NAME} next to your file: pass --exercise NAME")
        exercise = Exercise.load(folder)
    submission = args.submission or exercise.folder / f"{exercise.name}.py"
    return exercise, submission


def main(args):
    exercise, submission = locate(args)
    error = unknown_task(exercise, args.task)
    if error:
        print(f"dlcheck: error: {error}", file=sys.stderr)
        return 2
    problem = check_submission_file(Path(submission))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    # the worker's memory as when graded, whatever this process holds (a notebook's kernel)
    graded = run_grading(exercise, submission, suites=("public",), task=args.task, hide=(),
                         grader_mb=NOMINAL_GRADER_MB[exercise.uses_torch])
    hidden = hidden_checks(exercise)
    if args.task:
        hidden = {k: v for k, v in hidden.items() if k == canonical_task(args.task)}
    sys.stdout.write(render(graded.outcomes, hidden, colour=use_colour(sys.stdout),
                            notes=graded.notes))
    failed = any(o.status == "failed" for o in graded.outcomes)
    return 1 if failed or not graded.outcomes else 0
