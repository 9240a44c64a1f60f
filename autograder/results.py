"""Gradescope's ``results.json``: build it from test outcomes, write it atomically."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .runner import TestOutcome


def _round(x: float) -> float:
    return round(float(x), 4)


def _status(o: TestOutcome) -> dict:
    """Gradescope's status; a skipped test (e.g. GPU parity without CUDA) gets none, so an
    informational 0-point test is not shown as a failure."""
    if o.status == "skipped":
        return {}
    return {"status": "passed" if o.status == "passed" else "failed"}


def build_results(outcomes: list[TestOutcome], *, seconds: float, notes: list[str],
                  student_output: str = "") -> dict:
    score = sum(o.points for o in outcomes)
    max_score = sum(o.max_points for o in outcomes)
    failed = [o for o in outcomes if o.status == "failed"]
    lines = [f"Score: {_round(score):g} / {_round(max_score):g}"]
    if failed:
        lines.append(f"{len(failed)} of {len(outcomes)} tests failed.")
    lines += notes
    if student_output.strip():
        lines.append("Your code printed (truncated):\n" + student_output[:4000])
    return {
        "score": _round(score),
        "max_score": _round(max_score),
        "execution_time": _round(seconds),
        "output": "\n".join(lines),
        "stdout_visibility": "hidden",
        "tests": [{
            "name": f"[{o.task or o.suite}] {o.title}",
            "score": _round(o.points),
            "max_score": _round(o.max_points),
            "output": o.message,
            "visibility": o.visibility,
            **_status(o),
        } for o in outcomes],
    }


def failure_results(message: str, *, seconds: float, max_score: float = 0.0) -> dict:
    """Written when grading itself could not run: zero score with a clear message."""
    return {"score": 0.0, "max_score": _round(max_score), "execution_time": _round(seconds),
            "output": message, "stdout_visibility": "hidden", "tests": []}


def write_results(results: dict, path: Path) -> None:
    """Atomic write (temp file + rename), so nothing can leave a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(results, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
