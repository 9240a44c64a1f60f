"""Arguments of ``dlcourse demo``."""
from pathlib import Path

from ..exercise import course_root
from . import default_jobs, run_demo


def add_arguments(p):
    p.add_argument("--dest", type=Path, help="release folder (default: <course>/student_template)")
    p.add_argument("--jobs", type=int, default=default_jobs(), help="submissions graded at once")


def main(args):
    root = course_root()
    text, ok = run_demo(root, args.dest or root / "student_template", jobs=args.jobs)
    print(text)
    print("\nall verdicts as expected" if ok else "\nSOME VERDICTS ARE UNEXPECTED")
    return 0 if ok else 1
