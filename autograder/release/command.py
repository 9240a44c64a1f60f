"""Arguments of ``dlcourse release``."""
from pathlib import Path

from ..exercise import course_root
from . import differences, release


def add_arguments(p):
    p.add_argument("--dest", type=Path, help="output folder (default: <course>/student_template)")
    p.add_argument("--check", action="store_true",
                   help="only report whether the committed release is in sync (exit 1 if not)")


def main(args):
    root = course_root()
    dest = args.dest or root / "student_template"
    if args.check:
        diffs = differences(root, dest)
        print("\n".join(diffs) if diffs else f"{dest} is in sync")
        return 1 if diffs else 0
    release(root, dest)
    print(f"wrote {dest}")
    from ..gradescope.build import build_zips  # the per-exercise Gradescope/Otter zips
    print("\n".join(f"wrote {z}" for z in build_zips(root)))
    return 0
