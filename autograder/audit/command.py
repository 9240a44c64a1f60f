"""Arguments of ``dlcourse audit``."""
import json
from pathlib import Path

from ..exercise import find_exercise
from . import DEFAULT_SEEDS, run_audit
from .report import Thresholds, problems, summary_text, write

PARTS = ("mutants", "lazy", "false")


def add_arguments(p):
    p.add_argument("exercise", help="exercise name (backprop) or folder (01-backprop)")
    p.add_argument("-o", "--out", type=Path, help="report folder (default ./audit-<exercise>)")
    p.add_argument("--sample", type=int, help="grade at most N mutants, spread over the functions "
                                              "(default: every mutant)")
    p.add_argument("--functions", help="only these graded functions (comma-separated)")
    p.add_argument("--survivors-of", type=Path, nargs="+", metavar="AUDIT_JSON",
                   help="grade only the mutants these earlier audit.json files did not kill "
                        "(their survivors, and mutants of code changed since); the ones they "
                        "killed are carried over as killed, so the report still covers every "
                        "mutant. Sound when the tests only grew stricter since.")
    p.add_argument("--parts", default=",".join(PARTS), help="mutants,lazy,false (default: all)")
    p.add_argument("--seeds", type=int, default=len(DEFAULT_SEEDS),
                   help="hypothesis seeds of the false-failure audit (default 5)")
    p.add_argument("--jobs", type=int, default=2, help="gradings at once")
    p.add_argument("--max-examples", type=int, help="override hypothesis max_examples (faster, weaker)")
    p.add_argument("--min-kill", type=float, default=Thresholds.min_kill,
                   help="least share of all mutants killed, 0..1 (default 0.9)")
    p.add_argument("--max-unrecorded", type=int, default=Thresholds.max_unrecorded,
                   help="most surviving mutants without a reason in audit.toml (default 0)")
    p.add_argument("--max-collateral", type=float, default=Thresholds.max_collateral,
                   help="most collateral points (default 0)")
    p.add_argument("--max-free", type=float, default=Thresholds.max_free,
                   help="most free points of lazy variants (default 0)")
    p.add_argument("--max-false", type=int, default=Thresholds.max_false,
                   help="most false failures of correct submissions (default 0)")


def killed_verdicts(reports: list[Path]) -> dict[str, dict]:
    """key -> the verdict (audit.json entry) of every mutant one of ``reports`` killed."""
    killed = {}
    for report in reports:
        for m in json.loads(report.read_text()).get("mutants", []):
            if m["killed"]:
                killed.setdefault(m["key"], m)
    return killed


def main(args):
    exercise = find_exercise(args.exercise)
    out = args.out or Path(f"audit-{exercise.name}")
    parts = tuple(p for p in args.parts.split(",") if p)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise SystemExit(f"unknown parts {sorted(unknown)}; choose from {', '.join(PARTS)}")
    carried = killed_verdicts(args.survivors_of) if args.survivors_of else None
    audit = run_audit(exercise, out / "work", sample=args.sample, carried=carried,
                      functions=set(args.functions.split(",")) if args.functions else None,
                      seeds=tuple(range(1, args.seeds + 1)), parts=parts, workers=args.jobs,
                      max_examples=args.max_examples)
    limits = Thresholds(args.min_kill, args.max_unrecorded, args.max_collateral, args.max_free,
                        args.max_false)
    write(audit, limits, out)
    print(summary_text(audit, limits))
    print(f"report: {out / 'audit.html'} (and audit.md, audit.json)")
    return 1 if problems(audit, limits) else 0
