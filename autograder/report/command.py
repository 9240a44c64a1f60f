"""Arguments of ``dlcourse report``."""
from pathlib import Path

from . import build_report


def add_arguments(p):
    p.add_argument("graded", type=Path, help="the folder `dlcourse grade EXERCISE FOLDER -o` wrote")
    p.add_argument("-o", "--out", type=Path, default=Path("report"),
                   help="report folder (default ./report): index.html, PNG plots, CSV data")
    p.add_argument("--title", help="page title (default: 'Class report: <folder>')")


def main(args):
    page = build_report(args.graded, args.out, args.title)
    print(f"wrote {page}")
    return 0
