"""A throwaway two-task course (``toy``: double, halve) that grades in a second: for the
command-line tests of dlcheck, class grading and the report."""
import os
import textwrap
from pathlib import Path

REFERENCE = "def double(x):\n    return 2 * x\n\n\ndef halve(x):\n    return x / 2\n"

CONFIG = """
name = "toy"
[limits]
call_timeout_s = 5
total_timeout_s = 60
[hypothesis]
max_examples = 5
[tests.test_public_double]
points = 2
[tests.test_public_halve]
points = 1
[tests.test_double_values]
points = 3
[tests.test_halve_values]
points = 4
"""

PUBLIC = '''
import numpy as np
from hypothesis import given, strategies as st
from autograder.testing import task, expect_close

@task("Double")  # mixed case on purpose: task names are matched without regard to case
@given(n=st.integers(1, 4))
def test_public_double(submission, n):
    """double(x) is 2 x"""
    expect_close(submission.call("double", np.ones(n)), np.full(n, 2.0), "double(ones)")

@task("halve")
def test_public_halve(submission):
    """halve(x) is x / 2"""
    expect_close(submission.call("halve", np.ones(3)), np.full(3, 0.5), "halve(ones)")
'''

HIDDEN = '''
import numpy as np
from autograder.testing import task, reference, expect_close
ref = reference()
SECRET_INPUT = np.array([3.25, -1.5])

@task("double")
def test_double_values(submission):
    """double is right for negative and fractional inputs"""
    expect_close(submission.call("double", SECRET_INPUT), ref.double(SECRET_INPUT), "double")

@task("halve")
def test_halve_values(submission):
    """halve is right for negative and fractional inputs"""
    expect_close(submission.call("halve", SECRET_INPUT), ref.halve(SECRET_INPUT), "halve")
'''


def make_toy_course(root: Path) -> Path:
    ex = root / "assignments" / "01-toy"
    (ex / "tests" / "public").mkdir(parents=True)
    (ex / "tests" / "hidden").mkdir(parents=True)
    (root / "solutions").mkdir(parents=True)
    (ex / "exercise.toml").write_text(textwrap.dedent(CONFIG))
    (ex / "README.md").write_text("# toy\n")
    (ex / "strategies.py").write_text("")
    (ex / "tests" / "public" / "test_public.py").write_text(PUBLIC)
    (ex / "tests" / "hidden" / "test_hidden.py").write_text(HIDDEN)
    (root / "solutions" / "toy.py").write_text(REFERENCE)
    return root


def course_env(root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return {**env, "DLCOURSE_ROOT": str(root)}
