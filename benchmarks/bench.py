"""Speed and memory of grading, measured in one run (never a timed test).

Reports, per exercise: wall time of grading the reference with all tests (native command), the
peak memory (proportional set size, sampled every 20 ms) of the grading process plus its worker
and of the grading process alone, and the same peak for memory_to_the_limit.py (an attack
that takes all the memory its limits allow), graded inside a memory cgroup of the exercise's
``box_mb`` where one can be made (root): its peak and whether the OOM killer fired. For
exercise 1 also stock Otter's fixed overhead (``otter run`` on a trivial one-test autograder,
see bench_otter.py) and the ratio. Targets: ex. 1 ratio <= 2 and peak <= 700 MB; every
exercise <= 60 s on one thread; every peak <= box_mb (768 MB) with no OOM kill.

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


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes that map them, so
    parent + worker is not double-counted); resident size where smaps_rollup is missing."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1])
        except OSError:
            continue
    return 0


def tree_memory_mb(pid: int) -> tuple[float, float]:
    """(memory of ``pid`` and all its descendants, of ``pid`` alone), MB."""
    root = _memory_kb(pid)
    total, todo = root, _children(pid)
    while todo:
        p = todo.pop()
        total += _memory_kb(p)
        todo += _children(p)
    return total / 1024, root / 1024


def run_measured(cmd: list[str], env=None, cwd=None) -> tuple[float, float, float, int]:
    """(wall seconds, peak MB of the process tree, peak MB of the parent, return code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = parent = 0.0
    while proc.poll() is None:
        tree, root = tree_memory_mb(proc.pid)
        peak, parent = max(peak, tree), max(parent, root)
        time.sleep(0.02)
    return time.perf_counter() - start, peak, parent, proc.returncode


def grade_reference(exercise: Exercise, out: Path) -> tuple[float, float, float, dict]:
    solution = ROOT / "solutions" / f"{exercise.name}.py"
    wall, peak, parent, _ = run_measured([sys.executable, "-m", "autograder", "grade",
                                          exercise.name, str(solution), "-o", str(out)])
    return wall, peak, parent, json.loads(out.read_text())


#: a task per exercise for the memory hog (every task of an exercise costs the same)
HOG_TASKS = {"backprop": "affine", "depth": "clip_grad_norm_", "optimizers": "optimizers"}
HOG = ROOT / "tests" / "submissions" / "attacks" / "memory_to_the_limit.py"


def grade_hog(exercise: Exercise, folder: Path) -> tuple[float, float, str]:
    """memory_to_the_limit graded (one task): (wall s, peak MB of parent + worker, and of the
    whole box when a memory cgroup can be made: its peak, OOM kills)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from memory_box import MemoryBox
    folder.mkdir()
    (folder / f"{exercise.name}.py").write_bytes(HOG.read_bytes())
    task = HOG_TASKS.get(exercise.name)
    cmd = [sys.executable, "-m", "autograder", "grade", exercise.name, f"{exercise.name}.py",
           "-o", "hog.json"] + (["--task", task] if task else [])
    box = MemoryBox.create(exercise.limits.box_mb)
    if box is None:
        wall, peak, _, _ = run_measured(cmd, cwd=folder)
        return wall, peak, "no cgroup here"
    procs = str(box.path / "cgroup.procs")
    try:
        wall, peak, _, _ = run_measured(["sh", "-c", f'echo $$ > "{procs}" && exec "$@"',
                                         "box", *cmd], cwd=folder)
        return wall, peak, f"box peak {box.peak_mb():.0f} MB, {box.oom_kills()} OOM kills"
    finally:
        box.remove()


def main(argv: list[str]) -> int:
    names = set(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in exercise_folders(ROOT / "assignments"):
            ex = Exercise.load(folder)
            if names and ex.name not in names:
                continue
            wall, peak, parent, res = grade_reference(ex, Path(tmp) / f"{ex.name}.json")
            hog = grade_hog(ex, Path(tmp) / f"hog-{ex.name}")
            rows.append((ex.name, wall, peak, parent, res["score"], res["max_score"], hog,
                         ex.limits.box_mb))
    print(f"{'exercise':<14}{'grading wall':>14}{'peak PSS parent+worker':>25}"
          f"{'parent alone':>15}{'score':>12}")
    for name, wall, peak, parent, score, max_score, _, _ in rows:
        print(f"{name:<14}{wall:>12.2f} s{peak:>22.0f} MB{parent:>12.0f} MB"
              f"{score:>8g}/{max_score:g}")
    print("\nmemory_to_the_limit.py (takes all the memory its limits allow), one task:")
    for name, *_, (wall, peak, box), box_mb in rows:
        print(f"{name:<14}{wall:>12.2f} s{peak:>22.0f} MB   {box} (box_mb {box_mb})")
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
