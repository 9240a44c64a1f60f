"""Speed and memory of grading, measured in one run (never a timed test).

Reports, per exercise: wall time of grading the reference with all tests (native command), and
the peak resident memory of the grading process plus its worker (sampled every 20 ms). For
exercise 1 also stock Otter's fixed overhead (``otter run`` on a trivial one-test autograder,
see bench_otter.py) and the ratio. Targets: ex. 1 ratio <= 2 and peak <= 700 MB; every
exercise <= 60 s on one thread.

    ./dev bench            # all exercises
    ./dev bench backprop   # one
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.exercise import Exercise, exercise_folders  # noqa: E402


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                kids += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return kids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mb(pid: int) -> float:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += _rss_kb(p)
        todo += _children(p)
    return total / 1024


def run_measured(cmd: list[str], env=None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB of the process tree, return code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.02)
    return time.perf_counter() - start, peak, proc.returncode


def grade_reference(exercise: Exercise, out: Path) -> tuple[float, float, dict]:
    solution = ROOT / "solutions" / f"{exercise.name}.py"
    wall, peak, _ = run_measured([sys.executable, "-m", "autograder", "grade", exercise.name,
                                  str(solution), "-o", str(out)])
    return wall, peak, json.loads(out.read_text())


def main(argv: list[str]) -> int:
    names = set(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in exercise_folders(ROOT / "assignments"):
            ex = Exercise.load(folder)
            if names and ex.name not in names:
                continue
            wall, peak, res = grade_reference(ex, Path(tmp) / f"{ex.name}.json")
            rows.append((ex.name, wall, peak, res["score"], res["max_score"]))
    print(f"{'exercise':<20}{'grading wall':>14}{'peak RSS (parent+worker)':>28}{'score':>12}")
    for name, wall, peak, score, max_score in rows:
        print(f"{name:<20}{wall:>12.2f} s{peak:>25.0f} MB{score:>8g}/{max_score:g}")
    try:
        from bench_otter import stock_otter_seconds
    except ImportError:
        stock_otter_seconds = None
    backprop = next((r for r in rows if r[0] == "backprop"), None)
    otter = stock_otter_seconds() if backprop and stock_otter_seconds else None
    if otter:
        print(f"\nstock `otter run` on a trivial one-test autograder: {otter:.2f} s")
        print(f"ratio backprop grading / otter overhead: {backprop[1] / otter:.2f} (target <= 2)")
    elif backprop:
        print("\nstock Otter overhead not measured: needs otter-grader and ipykernel "
              "(./dev bench installs ipykernel)")
    print(f"\npython {sys.version.split()[0]}, {os.cpu_count()} CPUs; targets: <= 60 s per exercise, "
          "backprop peak <= 700 MB")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main(sys.argv[1:]))
