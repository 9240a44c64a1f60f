"""Grading time through the autograder zip vs the native command vs stock Otter, in one run.

For each exercise (default: backprop) it grades the reference solution, on this machine:

- native: ``python -m autograder grade <exercise> <file>`` from the course repo;
- zip, run_autograder: the exercise's zip unpacked into a temporary Gradescope layout
  (``AUTOGRADER_ROOT``) and its ``run_autograder`` run as Gradescope does (setup.sh is not run:
  this Python already has the pinned packages);
- zip, otter run: ``otter run -a <zip> <file>`` through our plugin (no Jupyter kernel);
- stock otter run: Otter 7 on a trivial one-test OK-format autograder (its fixed overhead: kernel
  start, executing the file, one test). Needs otter-grader and ipykernel.

and prints the median wall times and the ratios to native. Target: zip run_autograder <= 1.2 x
native.

    python benchmarks/bench_otter.py [exercise ...] [--repeat N] [--task TASK]

``stock_otter_seconds`` is also used by ``benchmarks/bench.py``.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from autograder.gradescope import harness  # noqa: E402


def measured(fn, *args, **kwargs):
    """(wall seconds, CPU seconds of the finished child processes, fn's results). CPU time is
    the load-independent number on a shared machine (every grading process is waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, results, *_ = fn(*args, **kwargs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, results


def stock_otter_seconds(repeat: int = 1) -> float | None:
    """Median wall time of stock ``otter run`` on the trivial one-test autograder grading the
    backprop reference (None when otter-grader or ipykernel is missing)."""
    if not (harness.has_otter() and harness.has_kernel()):
        return None
    with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
        tmp = Path(tmp)
        zip_path = harness.stock_autograder(tmp / "stock.zip")
        sub = tmp / "backprop.py"
        shutil.copy(ROOT / "solutions" / "backprop.py", sub)
        times = [harness.otter_run(zip_path, sub, tmp / f"out{i}")[0] for i in range(repeat)]
    return statistics.median(times)


def main(argv=None) -> int:
    from autograder.exercise import Exercise, exercise_folders
    from autograder.gradescope.build import build_zip

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("exercises", nargs="*", default=["backprop"])
    p.add_argument("--repeat", type=int, default=1, help="runs of each way; medians are reported")
    p.add_argument("--task", help="grade one task only (all ways)")
    args = p.parse_args(argv)
    extra = ["--task", args.task] if args.task else []
    env = dict(os.environ)
    if args.task:
        env["DLCOURSE_GRADE_ARGS"] = f"--task {args.task}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-otter-") as tmp:
        tmp = Path(tmp)
        for folder in exercise_folders(ROOT / "assignments"):
            ex = Exercise.load(folder)
            if ex.name not in args.exercises and ex.slug not in args.exercises:
                continue
            zip_path = build_zip(ROOT, folder, tmp / "zips")
            sub = tmp / f"{ex.name}.py"
            shutil.copy(ROOT / "solutions" / f"{ex.name}.py", sub)
            root = harness.unpack(zip_path, tmp / f"ag-{ex.slug}")
            times = {"native": [], "zip": [], "otter": []}
            cpus = {"native": [], "zip": [], "otter": []}
            scores = {}
            for i in range(args.repeat):  # interleaved, so that drift hits all ways alike
                s, c, r = measured(harness.native, ROOT, ex.name, sub, tmp / f"n-{i}.json", extra)
                times["native"].append(s)
                cpus["native"].append(c)
                scores["native"] = r["score"]
                s, c, r = measured(harness.run_autograder, root, sub, env)
                times["zip"].append(s)
                cpus["zip"].append(c)
                scores["run_autograder"] = r["score"]
                if harness.has_otter():
                    s, c, r = measured(harness.otter_run, zip_path, sub, tmp / f"otter-{i}", env)
                    times["otter"].append(s)
                    cpus["otter"].append(c)
                    scores["otter run"] = r["score"] if r else None
            med = {k: statistics.median(v) if v else None for k, v in times.items()}
            cpu = {k: statistics.median(v) if v else None for k, v in cpus.items()}
            rows.append((ex.name, med, cpu, scores, r.get("max_score")))
    stock = stock_otter_seconds(args.repeat)
    print(f"{'exercise':<10}{'':<6}{'native':>10}{'zip run_autograder':>22}{'zip otter run':>20}"
          f"{'stock otter run (1 test)':>27}")
    for name, t, c, scores, max_score in rows:
        for label, d in (("wall", t), ("cpu", c)):
            n = d["native"]
            z = f"{d['zip']:.2f} s ({d['zip'] / n:.2f}x)"
            o = f"{d['otter']:.2f} s ({d['otter'] / n:.2f}x)" if d["otter"] else "n/a"
            st = f"{stock:.2f} s ({stock / n:.2f}x)" if stock and label == "wall" else ""
            first = name if label == "wall" else ""
            print(f"{first:<10}{label:<6}{n:>8.2f} s{z:>22}{o:>20}{st:>27}")
        print(f"{'':<16}scores: " + ", ".join(f"{k} {v:g}/{max_score:g}" if v is not None
                                              else f"{k} none" for k, v in scores.items()))
    if stock is None:
        print("stock otter run: not measured (needs otter-grader and ipykernel)")
    print(f"target: zip run_autograder <= 1.2x native. Medians of {args.repeat} interleaved "
          f"run(s); cpu = user+sys of all grading processes. python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs, euid {os.geteuid()}, load {os.getloadavg()[0]:.1f}"
          + (f", task {args.task}" if args.task else ", all tests"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
