"""Arguments of ``dlcourse grade``: one file, or a folder of submissions (a whole class)."""
import csv
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..exercise import SUITES, find_exercise
from . import default_solution, grade_to_file


def add_arguments(p):
    p.add_argument("exercise", help="exercise name (backprop) or folder (01-backprop)")
    p.add_argument("submission", type=Path,
                   help="the student's .py file, or a folder with one .py (or one sub-folder "
                        "holding a .py) per student")
    p.add_argument("-o", "--out", type=Path, default=None,
                   help="results.json for one file (default ./results.json); for a folder, the "
                        "output folder (default ./graded) receiving <student>.json and scores.csv")
    p.add_argument("--suites", default=",".join(SUITES), help="public,hidden (default: both)")
    p.add_argument("--task", help="grade only the tests of this task")
    p.add_argument("--max-examples", type=int,
                   help="override the exercise's hypothesis max_examples (quick instructor checks; "
                        "official grading uses the configured value)")
    p.add_argument("--hypothesis-seed", type=int, dest="seed",
                   help="draw other hypothesis examples (instructors' false-failure audits; "
                        "official grading is derandomized)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (folders)")


def class_submissions(folder: Path) -> dict[str, Path]:
    """student name -> file: ``folder/<student>.py`` or ``folder/<student>/<any>.py``."""
    found = {p.stem: p for p in sorted(folder.glob("*.py"))}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(sub.glob("*.py"))
        if files:
            found[sub.name] = files[0]
    return found


def grade_class(args) -> int:
    out = args.out or Path("graded")
    out.mkdir(parents=True, exist_ok=True)
    students = class_submissions(args.submission)

    def one(item):
        name, path = item
        target = out / f"{name}.json"
        subprocess.run([sys.executable, "-m", "autograder", "grade", args.exercise, str(path),
                        "-o", str(target), "--suites", args.suites]
                       + (["--task", args.task] if args.task else [])
                       + (["--max-examples", str(args.max_examples)] if args.max_examples else []),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        results = json.loads(target.read_text())
        return name, results["score"], results["max_score"]

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        rows = list(pool.map(one, students.items()))
    with open(out / "scores.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "score", "max_score"])
        writer.writerows(rows)
    for name, score, max_score in rows:
        print(f"{name:<30} {score:g} / {max_score:g}")
    print(f"{len(rows)} submissions graded -> {out}/scores.csv")
    return 0


def main(args):
    if args.submission.is_dir():
        return grade_class(args)
    exercise = find_exercise(args.exercise)
    suites = tuple(s for s in args.suites.split(",") if s)
    out = args.out or Path("results.json")
    results = grade_to_file(exercise, args.submission, out, suites=suites, task=args.task,
                            max_examples=args.max_examples, seed=args.seed,
                            solution=default_solution(exercise) if "hidden" in suites else None)
    print(f"{exercise.name}: {results['score']:g} / {results['max_score']:g} -> {out}")
    return 0
