"""Every exercise folder is complete and its exercise.toml matches its tests exactly."""
import re
from pathlib import Path

import pytest

from autograder.audit.config import read_tests
from autograder.exercise import VISIBILITIES, Exercise, exercise_folders
from autograder.sandbox.limits import NOMINAL_GRADER_MB

ROOT = Path(__file__).resolve().parent.parent
EXERCISES = [Exercise.load(f) for f in exercise_folders(ROOT / "assignments")]


def test_the_course_has_exercises():
    assert [e.name for e in EXERCISES][:1] == ["backprop"]


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_config_lists_exactly_the_tests(exercise):
    found = {t.test_id for t in read_tests(exercise)}
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
    for t in read_tests(exercise):
        assert t.test_id not in seen, f"{t.test_id} in both {seen[t.test_id]} and {t.file}"
        seen[t.test_id] = t.file


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_integration_tests_are_named_and_cheap(exercise):
    """docs/DESIGN.md, "Fair attribution": a test marked ``integration = true`` (it may depend on
    several graded functions) says so in its title and carries at most 1 point; no other test's
    title claims to be one."""
    for name, title in ((t.test_id, t.title) for t in read_tests(exercise)):
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
