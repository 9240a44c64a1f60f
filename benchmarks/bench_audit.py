"""Throughput of ``dlcourse audit``: gradings per minute on this machine, measured in one run.

Audits a fixed sample of each exercise (mutants only, 2 workers, as on a 2-core CI machine) and
prints gradings per minute and the time a full audit of every mutant would take at that rate.

    ./dev bench                          # runs this after bench.py
    .venv/bin/python benchmarks/bench_audit.py [exercise ...]
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.audit import mutants, run_audit  # noqa: E402
from autograder.exercise import Exercise, exercise_folders, solution_path  # noqa: E402

SAMPLE = 8


def main(argv: list[str]) -> int:
    print(f"{'exercise':<20}{'mutants':>9}{'sample':>8}{'gradings/min':>14}{'full audit (est.)':>20}")
    for folder in exercise_folders(ROOT / "assignments"):
        ex = Exercise.load(folder)
        if argv and ex.name not in argv:
            continue
        total = sum(1 for _ in mutants.generate(solution_path(ex, ROOT).read_text()))
        with tempfile.TemporaryDirectory() as tmp:
            audit = run_audit(ex, Path(tmp), sample=SAMPLE, parts=("mutants",), workers=2,
                              progress=False)
        rate = 60 * audit.gradings / audit.seconds
        print(f"{ex.name:<20}{total:>9}{SAMPLE:>8}{rate:>14.1f}{total / rate:>17.0f} min")
    print(f"\n{os.cpu_count()} CPUs, 2 gradings at once; one run (never a timed test)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
