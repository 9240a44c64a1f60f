"""A whole class: find the submissions (a plain folder or a Gradescope export) and write
``scores.csv`` (identity, total, time and the points of every test)."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

METADATA = "submission_metadata.yml"


@dataclass
class Submission:
    key: str  # file stem, sub-folder name or Gradescope submission folder (submission_123)
    path: Path
    identity: dict = field(default_factory=dict)  # name, email, sid (Gradescope exports)


def _pick_file(folder: Path, module: str) -> Path | None:
    """``<module>.py`` if the folder has it, else its first .py file."""
    files = sorted(folder.rglob("*.py"))
    return next((f for f in files if f.name == f"{module}.py"), files[0] if files else None)


def _submitters(entry: dict) -> dict:
    """Name(s), email(s) and SID(s) of a Gradescope metadata entry (group members joined by ';').

    Gradescope writes Ruby symbols as keys (``:submitters:``, ``:name:``); plain keys work too."""
    def get(d, key):
        return d.get(f":{key}", d.get(key)) if isinstance(d, dict) else None
    people = get(entry, "submitters") or []
    return {k: "; ".join(str(get(p, k) or "") for p in people) for k in ("name", "email", "sid")}


def gradescope_export(folder: Path, module: str) -> list[Submission]:
    """A Gradescope "Export Submissions" folder: ``submission_metadata.yml`` maps each
    submission folder (``submission_<id>``) to its submitters (the layout ``otter grade`` reads)."""
    import yaml

    metadata = yaml.safe_load((folder / METADATA).read_text()) or {}
    found = []
    for key, entry in sorted(metadata.items()):
        sub = folder / str(key)
        path = _pick_file(sub, module) if sub.is_dir() else None
        found.append(Submission(str(key), path or sub / f"{module}.py", _submitters(entry)))
    return found


def class_submissions(folder: Path, module: str) -> list[Submission]:
    """``folder/<student>.py``, ``folder/<student>/<any>.py``, or a Gradescope export."""
    if (folder / METADATA).exists():
        return gradescope_export(folder, module)
    found = {p.stem: Submission(p.stem, p) for p in sorted(folder.glob("*.py"))}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        path = _pick_file(sub, module)
        if path:
            found[sub.name] = Submission(sub.name, path)
    return list(found.values())


def write_scores(path: Path, graded: list[tuple[Submission, dict]], test_columns: list[str],
                 column_of) -> None:
    """One row per submission: identity, score, max_score, seconds, then points per test.

    ``column_of(test_entry)`` gives a results.json test entry's column name."""
    with_identity = any(s.identity for s, _ in graded)
    head = ["student"] + (["name", "email", "sid"] if with_identity else [])
    head += ["score", "max_score", "seconds"] + test_columns
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(head)
        for sub, results in graded:
            points = {column_of(t): t["score"] for t in results["tests"]}
            row = [sub.key] + ([sub.identity.get(k, "") for k in ("name", "email", "sid")]
                               if with_identity else [])
            row += [results["score"], results["max_score"], results["execution_time"]]
            writer.writerow(row + [points.get(c, "") for c in test_columns])
