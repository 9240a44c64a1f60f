"""Arguments of ``dlcourse grade``."""
from pathlib import Path

from ..exercise import SUITES, find_exercise
from . import default_solution, grade_to_file


def add_arguments(p):
    p.add_argument("exercise", help="exercise name (backprop) or folder (01-backprop)")
    p.add_argument("submission", type=Path, help="the student's .py file")
    p.add_argument("-o", "--out", type=Path, default=Path("results.json"),
                   help="where to write results.json (default: ./results.json)")
    p.add_argument("--suites", default=",".join(SUITES), help="public,hidden (default: both)")
    p.add_argument("--task", help="grade only the tests of this task")


def main(args):
    exercise = find_exercise(args.exercise)
    suites = tuple(s for s in args.suites.split(",") if s)
    results = grade_to_file(exercise, args.submission, args.out, suites=suites, task=args.task,
                            solution=default_solution(exercise) if "hidden" in suites else None)
    print(f"{exercise.name}: {results['score']:g} / {results['max_score']:g} -> {args.out}")
    return 0
