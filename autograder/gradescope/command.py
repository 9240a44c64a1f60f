"""Arguments of ``dlcourse gradescope``: build (or check) the per-exercise autograder zips."""
import tempfile
from pathlib import Path

from ..exercise import course_root
from .build import DEFAULT_OUT, build_zips, sha256


def add_arguments(p):
    p.add_argument("exercises", nargs="*", help="exercise names or folders (default: all)")
    p.add_argument("--out", type=Path, help=f"output folder (default: <course>/{DEFAULT_OUT})")
    p.add_argument("--check", action="store_true",
                   help="rebuild in a temporary folder and compare with the zips in --out "
                        "(exit 1 if any differs or is missing)")


def main(args):
    root = course_root()
    out = args.out or root / DEFAULT_OUT
    if not args.check:
        for path in build_zips(root, out, args.exercises):
            print(f"wrote {path}  sha256 {sha256(path)}")
        return 0
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in build_zips(root, Path(tmp), args.exercises):
            old = out / fresh.name
            if not old.exists() or sha256(old) != sha256(fresh):
                print(f"out of date: {old}")
                bad += 1
            else:
                print(f"in sync: {old}  sha256 {sha256(old)}")
    return 1 if bad else 0
