"""``dlcourse demo``: the main job. Build the release, then grade, for every exercise, the
reference solution, the released stub and the sample submissions kept under
``tests/submissions/<name>/``, and print a score table."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..exercise import Exercise, exercise_folders


@dataclass
class Row:
    exercise: str
    kind: str  # reference | stub | bug | ok
    label: str
    path: Path
    score: float = 0.0
    max_score: float = 0.0
    first_failure: str = ""
    seconds: float = 0.0


def submissions_for(root: Path, exercise: Exercise, dest: Path) -> list[Row]:
    rows = [Row(exercise.name, "reference", "reference solution",
                root / "solutions" / f"{exercise.name}.py"),
            Row(exercise.name, "stub", "released stub", dest / exercise.slug / f"{exercise.name}.py")]
    samples = root / "tests" / "submissions" / exercise.name
    for path in sorted(samples.glob("*.py")) if samples.is_dir() else []:
        kind = "bug" if path.stem.startswith("bug_") else "ok" if path.stem.startswith("ok_") else None
        if kind:
            rows.append(Row(exercise.name, kind, path.stem, path))
    return rows


def grade_row(row: Row, workdir: Path) -> Row:
    out = workdir / f"{row.exercise}-{row.label.replace(' ', '_')}.json"
    subprocess.run([sys.executable, "-m", "autograder", "grade", row.exercise, str(row.path),
                    "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    results = json.loads(out.read_text())
    row.score, row.max_score = results["score"], results["max_score"]
    row.seconds = results["execution_time"]
    failed = [t for t in results["tests"] if t.get("status") == "failed"]
    if failed:
        row.first_failure = f"{failed[0]['name']}: {failed[0]['output'].splitlines()[0]}"
    elif not results["tests"]:
        row.first_failure = results["output"].splitlines()[0]
    return row


def verdict(row: Row) -> str:
    full = row.max_score > 0 and row.score == row.max_score
    expected = {"reference": full, "ok": full, "stub": row.score == 0,
                "bug": 0 <= row.score < row.max_score}[row.kind]
    return "as expected" if expected else "UNEXPECTED"


def table(rows: list[Row]) -> str:
    head = f"{'exercise':<18} {'submission':<34} {'score':>13} {'time':>6}  verdict      first failing test"
    lines = [head, "-" * len(head)]
    for r in rows:
        score = f"{r.score:g}/{r.max_score:g}"
        lines.append(f"{r.exercise:<18} {r.label[:34]:<34} {score:>13} {r.seconds:>5.1f}s  "
                     f"{verdict(r):<12} {r.first_failure[:90]}")
    return "\n".join(lines)


def run_demo(root: Path, dest: Path, jobs: int = 2) -> tuple[str, bool]:
    from ..release import release

    release(root, dest)
    rows = []
    for folder in exercise_folders(root / "assignments"):
        rows += submissions_for(root, Exercise.load(folder), dest)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(jobs) as pool:
        graded = list(pool.map(lambda r: grade_row(r, Path(tmp)), rows))
    ok = all(verdict(r) == "as expected" for r in graded)
    return table(graded), ok


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))
