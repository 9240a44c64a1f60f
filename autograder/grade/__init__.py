"""``dlcourse grade``: grade one submission file for one exercise into ``results.json``."""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..exercise import SUITES, Exercise, course_root, secret_paths, solution_path
from ..results import build_results, failure_results, write_results
from ..sandbox.process import SandboxSpec
from ..sandbox.proxy import SubmissionProxy

MAX_SUBMISSION_BYTES = 1_000_000


def check_submission_file(path: Path) -> str | None:
    """A reason the file cannot be graded at all, or None."""
    if not path.is_file():
        return f"no submission file found at {path.name}"
    if path.stat().st_size > MAX_SUBMISSION_BYTES:
        return f"{path.name} is larger than {MAX_SUBMISSION_BYTES // 1000} kB"
    return None


def make_proxy(exercise: Exercise, submission: Path, hide=(),
               grader_mb: float | None = None) -> SubmissionProxy:
    spec = SandboxSpec(submission=submission, module=exercise.name, probes=exercise.probes,
                       limits=exercise.limits, hide=tuple(hide), uses_torch=exercise.uses_torch,
                       grader_mb=grader_mb)
    return SubmissionProxy(spec)


@dataclass
class Graded:
    """What one grading run produced, before it becomes results.json."""
    outcomes: list
    seconds: float
    notes: list[str]
    student_output: str


def run_grading(exercise: Exercise, submission: Path, *, suites=SUITES, task: str | None = None,
                solution: Path | None = None, hide=None, max_examples: int | None = None,
                seed: int | None = None, grader_mb: float | None = None) -> Graded:
    """Run the tests on a submission file that exists (see ``check_submission_file``)."""
    from ..runner import run_tests  # imports pytest/hypothesis only when grading

    start = time.monotonic()
    if hide is None:
        hide = default_hidden_paths(exercise)
    proxy = make_proxy(exercise, Path(submission), hide, grader_mb)
    try:
        outcomes = run_tests(exercise, proxy, suites=suites, task=task, solution=solution,
                             max_examples=max_examples, seed=seed,
                             deadline=start + exercise.limits.total_timeout_s)
    finally:
        proxy.close()
    notes = [f"(the grading time limit of {exercise.limits.total_timeout_s:g} s was reached)"
             ] if time.monotonic() - start > exercise.limits.total_timeout_s else []
    for w in proxy.sandbox_report.get("warnings", []):
        print(f"sandbox: {w}", file=sys.stderr)
    return Graded(outcomes, time.monotonic() - start, notes, proxy.output())


def grade(exercise: Exercise, submission: Path, **kwargs) -> dict:
    """Grade and return the results dict (never raises for anything the submission does)."""
    start = time.monotonic()
    problem = check_submission_file(Path(submission))
    if problem:
        return failure_results(problem, seconds=time.monotonic() - start,
                               max_score=sum(t.points for t in exercise.tests.values()))
    g = run_grading(exercise, submission, **kwargs)
    return build_results(g.outcomes, seconds=time.monotonic() - start, notes=g.notes,
                         student_output=g.student_output)


def grade_to_file(exercise: Exercise, submission: Path, out: Path, **kwargs) -> dict:
    """``grade`` that always writes ``out``, also when the engine itself fails."""
    start = time.monotonic()
    try:
        results = grade(exercise, submission, **kwargs)
    except BaseException as exc:  # the file must exist whatever happened
        traceback.print_exc()
        results = failure_results(
            f"The autograder could not grade this submission ({type(exc).__name__}). "
            "Please contact the course staff.", seconds=time.monotonic() - start)
        write_results(results, out)
        if not isinstance(exc, Exception):
            raise
        return results
    write_results(results, out)
    return results


def default_hidden_paths(exercise: Exercise) -> tuple[str, ...]:
    """The course's secret folders (when there is a course root) and the exercise folder."""
    try:
        paths = secret_paths(course_root())
    except FileNotFoundError:
        paths = ()
    return paths + (str(exercise.folder),)


def default_solution(exercise: Exercise) -> Path | None:
    try:
        path = solution_path(exercise)
    except FileNotFoundError:
        return None
    return path if path.exists() else None
