"""``dlcheck [SUBMISSION] [--task T]``: run the public tests on your file, in the same sandbox
the grader uses, and say what to fix. Exit status 1 when a test fails."""
from __future__ import annotations

from pathlib import Path

from ..exercise import CONFIG_NAME, Exercise, find_exercise
from ..grade import grade

MARK = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}


def add_arguments(p):
    p.add_argument("submission", nargs="?", type=Path,
                   help="your file, e.g. backprop.py (default: the exercise's file in this folder)")
    p.add_argument("--exercise", help="exercise name or folder (default: found next to the file)")
    p.add_argument("--task", help="check only one task, e.g. --task affine")


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


def render(results: dict) -> str:
    lines = []
    for t in results["tests"]:
        status = "PASS" if t.get("status") == "passed" else (
            "SKIP" if t["output"].startswith("skipped") else "FAIL")
        lines.append(f"{status}  {t['name']}")
        if status != "PASS":
            lines += ["      " + line for line in t["output"].splitlines()]
    lines.append("")
    lines.append(results["output"].splitlines()[0] if results["output"] else "")
    return "\n".join(lines)


def main(args):
    exercise, submission = locate(args)
    results = grade(exercise, submission, suites=("public",), task=args.task, hide=())
    print(render(results))
    failed = any(t.get("status") != "passed" and not t["output"].startswith("skipped")
                 for t in results["tests"])
    return 1 if failed or not results["tests"] else 0
