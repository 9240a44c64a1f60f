"""Command lines. Instructors: ``dlcourse <verb>``; students: ``dlcheck``.

Each verb lives in its own subpackage (``autograder/<verb>/``) exposing ``add_arguments`` and
``main(args)``; this module only dispatches.
"""
from __future__ import annotations

import argparse
import importlib
import sys

INSTRUCTOR_VERBS = {
    "grade": "grade one submission into results.json",
    "check": "check a submission against the public tests (what students run)",
    "release": "regenerate student_template/ (and the autograder zips) from solutions + assignments",
    "demo": "build the release and grade the reference, the stub and sample buggy submissions",
    "gradescope": "build the Gradescope/Otter autograder zip of each exercise (docs/GRADESCOPE.md)",
    "audit": "measure the hidden tests: mutants, lazy variants, false failures (docs/DESIGN.md)",
    "report": "an HTML class report (plots + CSV) from a folder `dlcourse grade` wrote",
}


def instructor_main(argv=None):
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb, help_text in INSTRUCTOR_VERBS.items():
        try:
            module = importlib.import_module(f"autograder.{verb}.command")
        except ModuleNotFoundError:
            continue  # a verb whose subpackage is not installed
        p = sub.add_parser(verb, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    args = parser.parse_args(argv)
    sys.exit(args._module.main(args) or 0)


def student_main(argv=None):
    module = importlib.import_module("autograder.check.command")
    parser = argparse.ArgumentParser(
        prog="dlcheck", description="Check your exercise file against the public tests.")
    module.add_arguments(parser)
    sys.exit(module.main(parser.parse_args(argv)) or 0)
