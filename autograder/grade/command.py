"""Arguments of ``dlcourse grade``: one file, or a folder of submissions (a whole class: a plain
folder or a Gradescope submissions export)."""
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from ..catalog import tests_in, unknown_task
from ..exercise import SUITES, find_exercise
from . import default_solution, grade_to_file
from .classroom import class_submissions, write_scores


def add_arguments(p):
    p.add_argument("exercise", help="exercise name (backprop) or folder (01-backprop)")
    p.add_argument("submission", type=Path,
                   help="the student's .py file, or a folder with one .py (or one sub-folder "
                        "holding a .py) per student, or a Gradescope submissions export (a "
                        "folder with submission_metadata.yml)")
    p.add_argument("-o", "--out", type=Path, default=None,
                   help="results.json for one file (default ./results.json); for a folder, the "
                        "output folder (default ./graded) receiving <student>.json and scores.csv")
    p.add_argument("--suites", default=",".join(SUITES), help="public,hidden (default: both)")
    p.add_argument("--task", help="grade only the tests of this task (any case)")
    p.add_argument("--max-examples", type=int,
                   help="override the exercise's hypothesis max_examples (quick instructor checks; "
                        "official grading uses the configured value)")
    p.add_argument("--hypothesis-seed", type=int, dest="seed",
                   help="draw other hypothesis examples (instructors' false-failure audits; "
                        "official grading is derandomized)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded at once (folders)")


def test_column_namer(exercise):
    """results.json test entry -> its test function's name (titles are unique per exercise)."""
    by_label = {}
    for suite in SUITES:
        for e in tests_in(exercise.suite_dir(suite)):
            by_label[f"[{e.task or suite}] {e.title}"] = e.name
    return lambda entry: by_label.get(entry["name"], entry["name"])


def grade_class(args) -> int:
    from tqdm import tqdm

    exercise = find_exercise(args.exercise)
    out = args.out or Path("graded")
    out.mkdir(parents=True, exist_ok=True)
    submissions = class_submissions(args.submission, exercise.name)

    def one(sub):
        target = out / f"{sub.key}.json"
        subprocess.run([sys.executable, "-m", "autograder", "grade", args.exercise, str(sub.path),
                        "-o", str(target), "--suites", args.suites]
                       + (["--task", args.task] if args.task else [])
                       + (["--max-examples", str(args.max_examples)] if args.max_examples else []),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return sub, json.loads(target.read_text())

    graded = {}
    with ThreadPoolExecutor(max(1, args.jobs)) as pool, \
            tqdm(total=len(submissions), desc="grading", unit="submission", file=sys.stderr,
                 disable=None,  # None: only when stderr is a terminal
                 ncols=min(100, shutil.get_terminal_size().columns or 80)) as bar:
        for future in as_completed([pool.submit(one, s) for s in submissions]):
            sub, results = future.result()
            graded[sub.key] = (sub, results)
            bar.update()
    rows = [graded[s.key] for s in submissions]
    column_of = test_column_namer(exercise)
    columns = list(dict.fromkeys(column_of(t) for _, r in rows for t in r["tests"]))
    write_scores(out / "scores.csv", rows, columns, column_of)
    for sub, r in rows:
        who = f"{sub.key} ({sub.identity['name']})" if sub.identity.get("name") else sub.key
        print(f"{who:<40} {r['score']:g} / {r['max_score']:g}")
    print(f"{len(rows)} submissions graded -> {out}/scores.csv")
    return 0


def main(args):
    exercise = find_exercise(args.exercise)
    suites = tuple(s for s in args.suites.split(",") if s)
    error = unknown_task(exercise, args.task, suites)
    if error:
        print(f"dlcourse grade: error: {error}", file=sys.stderr)
        return 2
    if args.submission.is_dir():
        return grade_class(args)
    out = args.out or Path("results.json")
    results = grade_to_file(exercise, args.submission, out, suites=suites, task=args.task,
                            max_examples=args.max_examples, seed=args.seed,
                            solution=default_solution(exercise) if "hidden" in suites else None)
    print(f"{exercise.name}: {results['score']:g} / {results['max_score']:g} -> {out}")
    return 0
