"""``dlcourse audit``: measure an exercise's hidden tests themselves.

Three kinds of graded variants, all made from the reference solution and graded by the normal
sandboxed grader, in parallel:

- mutants (``mutants.py``): one change inside a solution region. Killed when a test fails;
  *collateral points* are points a mutant of F loses outside F's task and the documented
  integration tests (one mistake, one deduction).
- lazy variants (``lazy.py``): F returns constants of the right shape; *free points* are the
  points that earns in F's task beyond what the task gives with F a stub.
- false-failure audit: the reference and ``tests/submissions/<name>/ok_*.py`` under other
  hypothesis seeds; any failure there is a false failure.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..exercise import Exercise, course_root, solution_path
from . import analysis, lazy, mutants
from .config import AuditConfig, function_tasks, test_index

DEFAULT_SEEDS = (1, 2, 3, 4, 5)


@dataclass
class Job:
    ident: str
    source: Path
    task: str | None = None
    seed: int | None = None


@dataclass
class Audit:
    exercise: str
    tasks: dict[str, set[str]]
    mutants: list[analysis.MutantVerdict] = field(default_factory=list)
    free: list[analysis.FreePoints] = field(default_factory=list)
    false: list[analysis.FalseFailure] = field(default_factory=list)
    false_checked: list[str] = field(default_factory=list)  # "variant@seed"
    unmapped: list[str] = field(default_factory=list)
    baseline: str = ""  # what went wrong grading the reference plainly ("" when full marks)
    seconds: float = 0.0
    gradings: int = 0

    @property
    def collateral_points(self) -> float:
        return sum(v.collateral_points for v in self.mutants)

    @property
    def free_points(self) -> float:
        return sum(f.free for f in self.free)


def _safe(ident: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", ident)


def grade_job(exercise: Exercise, job: Job, out_dir: Path, limit_s: float,
              max_examples: int | None) -> dict:
    """Grade one variant in its own process (the normal ``dlcourse grade``)."""
    out = out_dir / f"{_safe(job.ident)}.json"
    cmd = [sys.executable, "-m", "autograder", "grade", exercise.name, str(job.source),
           "-o", str(out)]
    cmd += ["--task", job.task] if job.task else []
    cmd += ["--hypothesis-seed", str(job.seed)] if job.seed is not None else []
    cmd += ["--max-examples", str(max_examples)] if max_examples else []
    try:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=limit_s,
                       env={**os.environ, "OMP_NUM_THREADS": "1"}, check=False)
        return json.loads(out.read_text())
    except (subprocess.TimeoutExpired, OSError, ValueError) as exc:
        return {"score": 0.0, "max_score": 0.0, "tests": [],
                "output": f"grading did not finish ({type(exc).__name__}; limit {limit_s:g} s)"}


def grade_all(exercise: Exercise, jobs: list[Job], out_dir: Path, *, workers: int,
              limit_s: float, max_examples: int | None, progress: bool = True) -> dict[str, dict]:
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max(1, workers)) as pool, \
            tqdm(total=len(jobs), desc=f"audit {exercise.name}", unit="grading",
                 disable=not progress, file=sys.stderr) as bar:
        def run(job):
            result = grade_job(exercise, job, out_dir, limit_s, max_examples)
            bar.update()
            return job.ident, result
        return dict(pool.map(run, jobs))


def sample_evenly(items: list, n: int | None, key) -> list:
    """At most ``n`` items, taken round-robin over ``key`` groups in order (all when None)."""
    if n is None or n >= len(items):
        return items
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    queues = [list(g) for g in groups.values()]
    picked = []
    while len(picked) < n:
        for q in queues:
            if q and len(picked) < n:
                # spread within a group too: take from alternate ends
                picked.append(q.pop(0) if len(picked) % 2 == 0 else q.pop())
    return sorted(picked, key=items.index)


def run_audit(exercise: Exercise, work: Path, *, sample: int | None = None,
              functions: set[str] | None = None, carried: dict[str, dict] | None = None,
              seeds=DEFAULT_SEEDS,
              parts=("mutants", "lazy", "false"), workers: int = 2,
              max_examples: int | None = None, progress: bool = True) -> Audit:
    start = time.monotonic()
    root = course_root()
    source = solution_path(exercise, root).read_text()
    config = AuditConfig.load(exercise)
    index = test_index(exercise)
    graded = lazy.graded_functions(source)
    tasks = function_tasks(source, graded, {i.task for i in index.values() if i.task}, config)
    audit = Audit(exercise.name, tasks, unmapped=[f for f in graded if not tasks.get(f)])

    def wanted(fn):
        return functions is None or fn in functions

    variants_dir = work / "variants"
    variants_dir.mkdir(parents=True, exist_ok=True)
    jobs: list[Job] = []
    chosen = []
    if "mutants" in parts:
        every = [m for m in mutants.generate(source) if wanted(m.function)]
        carried_over = [m for m in every if m.key in (carried or {})]
        every = [m for m in every if m.key not in (carried or {})]
        chosen = sample_evenly(every, sample, key=lambda m: m.function)
        for m in chosen:
            path = variants_dir / f"{m.ident}.py"
            path.write_text(m.source)
            jobs.append(Job(m.ident, path))
    # a task graded by one function gives 0 points with that function a stub (the released stub
    # scores 0, tests/test_exercise_*.py), so only tasks of several functions grade the stub
    shared = {t for t in {min(ts) for f, ts in tasks.items() if f in graded}
              if sum(min(tasks.get(f) or {None}) == t for f in graded) > 1}
    lazies = [v for v in lazy.variants(source) if wanted(v.function) and tasks.get(v.function)
              and (v.kind == "lazy" or min(tasks[v.function]) in shared)]
    if "lazy" in parts:
        for v in lazies:
            path = variants_dir / f"{_safe(v.ident)}.py"
            path.write_text(v.source)
            jobs.append(Job(v.ident, path, task=min(tasks[v.function])))
    corrects = {"reference": solution_path(exercise, root)}
    corrects.update({p.stem: p for p in sorted(
        (root / "tests" / "submissions" / exercise.name).glob("ok_*.py"))})
    if "false" in parts:
        jobs += [Job(f"{name}@{seed}", path, seed=seed)
                 for name, path in corrects.items() for seed in seeds]

    # the reference once, plainly: how long a grading takes (and it must be full marks)
    baseline_start = time.monotonic()
    baseline = grade_job(exercise, Job("reference", corrects["reference"]), work / "results",
                         exercise.limits.total_timeout_s + 60, max_examples)
    limit = max(60.0, 4 * (time.monotonic() - baseline_start))
    if baseline.get("score") != baseline.get("max_score") or not baseline.get("tests"):
        audit.baseline = "; ".join(
            [baseline.get("output", "").splitlines()[0]] + [
                f"{t['name']}: {t.get('output', '')}" for t in baseline.get("tests", [])
                if t.get("status") == "failed"])

    results = grade_all(exercise, jobs, work / "results", workers=workers, limit_s=limit,
                        max_examples=max_examples, progress=progress)
    audit.gradings = len(jobs) + 1
    if "mutants" in parts:
        audit.mutants += [analysis.carried_verdict(m, carried[m.key], config.equivalent)
                          for m in carried_over]
    for m in chosen:
        audit.mutants.append(analysis.judge_mutant(
            m, results[m.ident], index, tasks.get(m.function, set()), config.integration,
            config.equivalent))
    if "lazy" in parts:
        for fn in sorted({v.function for v in lazies}, key=graded.index):
            audit.free.append(analysis.judge_lazy(fn, min(tasks[fn]), results[f"lazy:{fn}"],
                                                  results.get(f"stub:{fn}", {})))
    if "false" in parts:
        for name in corrects:
            for seed in seeds:
                audit.false_checked.append(f"{name}@{seed}")
                audit.false += analysis.false_failures(name, seed, results[f"{name}@{seed}"])
    audit.seconds = time.monotonic() - start
    return audit
