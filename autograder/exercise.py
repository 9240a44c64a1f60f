"""An exercise folder and its ``exercise.toml``: name, limits, hypothesis settings, points.

The same loader serves the instructor's ``assignments/<NN-name>/`` (public and hidden tests) and
a student's released copy in ``student_template/<NN-name>/`` (public tests only).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .sandbox.limits import Limits

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
SUITES = ("public", "hidden")
DEFAULT_VISIBILITY = {"public": "visible", "hidden": "after_published"}
CONFIG_NAME = "exercise.toml"


@dataclass(frozen=True)
class TestConfig:
    points: float = 1.0
    visibility: str | None = None  # None: the suite's default
    # an integration test: may depend on several graded functions (named so in the handout,
    # few points); every other test deducts only for its own task's function
    integration: bool = False


@dataclass
class Exercise:
    folder: Path
    name: str  # module name students submit, e.g. "backprop" -> backprop.py
    title: str
    uses_torch: bool
    limits: Limits
    max_examples: int
    tests: dict[str, TestConfig] = field(default_factory=dict)
    #: released copies only: task -> [{"title", "points"}] of the hidden tests (not shipped)
    hidden_summary: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.folder.name

    @property
    def probes(self) -> Path | None:
        p = self.folder / "probes.py"
        return p if p.exists() else None

    def suite_dir(self, suite: str) -> Path:
        return self.folder / "tests" / suite

    def test_config(self, test_name: str) -> TestConfig:
        return self.tests.get(test_name, TestConfig())

    def visibility(self, test_name: str, suite: str) -> str:
        return self.test_config(test_name).visibility or DEFAULT_VISIBILITY[suite]

    @classmethod
    def load(cls, folder: Path) -> "Exercise":
        folder = Path(folder).resolve()
        with open(folder / CONFIG_NAME, "rb") as fh:
            data = tomllib.load(fh)
        tests = {}
        for test_name, table in data.get("tests", {}).items():
            vis = table.get("visibility")
            if vis is not None and vis not in VISIBILITIES:
                raise ValueError(f"{folder.name}: test {test_name}: visibility {vis!r} "
                                 f"not one of {VISIBILITIES}")
            tests[test_name] = TestConfig(float(table.get("points", 1.0)), vis,
                                          bool(table.get("integration", False)))
        return cls(folder=folder, name=data["name"], title=data.get("title", data["name"]),
                   uses_torch=bool(data.get("uses_torch", False)),
                   limits=Limits.from_table(data.get("limits")),
                   max_examples=int(data.get("hypothesis", {}).get("max_examples", 20)),
                   tests=tests, hidden_summary=data.get("hidden_summary", {}))


def course_root() -> Path:
    """The instructor repo (has assignments/ and solutions/): $DLCOURSE_ROOT, else the folder
    above this package (editable install), else the current folder."""
    env = os.environ.get("DLCOURSE_ROOT")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parent.parent, Path.cwd()]
    for c in candidates:
        if (c / "assignments").is_dir():
            return c.resolve()
    raise FileNotFoundError("no course root with assignments/ found (set DLCOURSE_ROOT)")


def exercise_folders(base: Path) -> list[Path]:
    return sorted(p.parent for p in Path(base).glob(f"*/{CONFIG_NAME}"))


def find_exercise(key: str, base: Path | None = None) -> Exercise:
    """By module name ("backprop"), folder name ("01-backprop") or a folder path."""
    if Path(key, CONFIG_NAME).exists():
        return Exercise.load(Path(key))
    base = base or course_root() / "assignments"
    for folder in exercise_folders(base):
        ex = Exercise.load(folder)
        if key in (ex.name, ex.slug):
            return ex
    raise KeyError(f"no exercise {key!r} under {base}")


def solution_path(exercise: Exercise, root: Path | None = None) -> Path:
    return (root or course_root()) / "solutions" / f"{exercise.name}.py"


def secret_paths(root: Path) -> tuple[str, ...]:
    """What the worker must never see: solutions, hidden tests, configs, the project's tests."""
    names = ("solutions", "assignments", "tests", ".git", "autograder_source")
    return tuple(str(root / n) for n in names if (root / n).exists())
