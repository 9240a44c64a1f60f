"""Every exercise folder is complete and its exercise.toml matches its tests exactly."""
import re
from pathlib import Path

import pytest

from autograder.exercise import VISIBILITIES, Exercise, exercise_folders
from autograder.sandbox.limits import NOMINAL_GRADER_MB

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = [Exercise.load(f) for f in exercise_folders(ROOT / "assignments")]


def test_the_course_has_exercises():
    assert [e.name for e in EXERCISES][:1] == ["backprop"]


def _test_functions(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    return names


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_config_lists_exactly_the_tests(exercise):
    found = _test_functions(exercise.folder / "tests")
    assert found, "no tests"
    assert set(exercise.tests) == found, (
        f"missing from exercise.toml: {sorted(found - set(exercise.tests))}; "
        f"listed but absent: {sorted(set(exercise.tests) - found)}")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_exercise_folder_is_complete(exercise):
    for name in ("README.md", "strategies.py", "tests/public", "tests/hidden"):
        assert (exercise.folder / name).exists(), name
    assert (ROOT / "solutions" / f"{exercise.name}.py").exists()
    assert all(t.visibility in (None, *VISIBILITIES) for t in exercise.tests.values())
    assert sum(t.points for t in exercise.tests.values()) > 0


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_test_names_are_unique_across_files(exercise):
    seen = {}
    for path in (exercise.folder / "tests").rglob("test_*.py"):
        for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M):
            assert name not in seen, f"{name} in both {seen[name]} and {path.name}"
            seen[name] = path.name


def _titles(folder: Path) -> dict[str, str]:
    """test function -> first docstring line (its title in results.json)."""
    import ast
    titles = {}
    for path in folder.rglob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                titles[node.name] = (ast.get_docstring(node) or "").strip().splitlines()[0]
    return titles


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_integration_tests_are_named_and_cheap(exercise):
    """docs/DESIGN.md, "Fair attribution": a test marked ``integration = true`` (it may depend on
    several graded functions) says so in its title and carries at most 1 point; no other test's
    title claims to be one."""
    for name, title in _titles(exercise.folder / "tests").items():
        config = exercise.test_config(name)
        assert config.integration == title.startswith("Integration:"), (name, title)
        if config.integration:
            assert config.points <= 1, f"{name}: an integration test carries few points"


#: resident MB measured when the worker starts (docs/SECURITY.md, "Limits"), rounded up: the
#: grader (NOMINAL_GRADER_MB) and the worker before the student's file (numpy, probes; torch when
#: ``uses_torch``)
GRADER_MB = NOMINAL_GRADER_MB
WORKER_MB = {False: 40, True: 230}
STUDENT_ROOM_MB = 64  # what the student's code may at least allocate


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_limits_fit_the_box(exercise):
    """The exercise states its box, and parent + worker + the worker's /tmp fit in it with room
    left for the student's code (an explicit memory_mb must fit too)."""
    text = (exercise.folder / "exercise.toml").read_text()
    assert re.search(r"^box_mb\s*=", text, re.M), \
        "state box_mb in [limits] (docs/SECURITY.md, 'Memory: one budget for the box')"
    lim = exercise.limits
    grader = GRADER_MB[exercise.uses_torch]
    worker = lim.worker_memory_mb(grader)
    assert grader + worker + 1.25 * lim.disk_mb + lim.reserve_mb <= lim.box_mb
    assert worker - WORKER_MB[exercise.uses_torch] >= STUDENT_ROOM_MB
    assert lim.hung_call_timeout_s <= lim.call_timeout_s <= lim.total_timeout_s
