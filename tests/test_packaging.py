"""The installable package (what students may be given for `dlcheck`) carries no secrets."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True, capture_output=True)
    return next(out.glob("dlcourse-*.whl"))


def test_wheel_has_engine_and_data_but_no_solutions_or_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("autograder/sandbox/worker_main.py") for n in names)
    assert any(n.startswith("coursedata/") for n in names)
    forbidden = ("solutions/", "assignments/", "tests/", "student_template/")
    assert not [n for n in names if n.startswith(forbidden)]
    for name in names:
        if name.endswith(".py"):
            text = zipfile.ZipFile(wheel).read(name).decode()
            assert "# BEGIN SOLUTION\n" not in text.replace("# BEGIN SOLUTION(", ""), name


def test_entry_points_for_instructors_and_students(wheel):
    meta = [n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(meta[0]).decode()
    assert "dlcourse = autograder.cli:instructor_main" in text
    assert "dlcheck = autograder.cli:student_main" in text
