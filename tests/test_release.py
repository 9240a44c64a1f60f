"""The release: stubs are stripped correctly, student_template/ is in sync and leaks nothing."""
import ast
import re
from pathlib import Path

import pytest

from autograder.exercise import Exercise, exercise_folders
from autograder.release import MarkerError, differences, find_leaks, strip_solutions
from module_loading import load_module

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "student_template"
EXERCISES = [Exercise.load(f) for f in exercise_folders(ROOT / "assignments")]


def test_strip_replaces_region_with_named_not_implemented():
    src = ("def f(x):\n    \"\"\"doc\"\"\"\n    # BEGIN SOLUTION\n    return x + 1\n    # END SOLUTION\n\n"
           "class A:\n    def step(self):\n        # BEGIN SOLUTION\n        return 2\n        # END SOLUTION\n")
    out = strip_solutions(src)
    assert 'raise NotImplementedError("f: your code here")' in out
    assert 'raise NotImplementedError("A.step: your code here")' in out
    assert "x + 1" not in out and "return 2" not in out
    ast.parse(out)


def test_strip_remove_region_deletes_it():
    src = "# BEGIN SOLUTION (remove)\ndef _helper():\n    return 1\n# END SOLUTION\n\ndef f():\n    pass\n"
    out = strip_solutions(src)
    assert "_helper" not in out and "NotImplementedError" not in out and "def f" in out


@pytest.mark.parametrize("src", [
    "# BEGIN SOLUTION\nx = 1\n",
    "x = 1\n# END SOLUTION\n",
    "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n",
])
def test_strip_rejects_unbalanced_markers(src):
    with pytest.raises(MarkerError):
        strip_solutions(src)


def test_student_template_is_in_sync():
    diffs = differences(ROOT, TEMPLATE)
    assert not diffs, "student_template/ is stale; run `dlcourse release`:\n" + "\n".join(diffs)


def test_student_template_holds_no_solution_text_markers_or_hidden_tests():
    assert find_leaks(TEMPLATE) == []
    assert not list(TEMPLATE.rglob("*hidden*"))
    assert not (TEMPLATE / "solutions").exists()
    assert not list(TEMPLATE.rglob("standins.py")), "course stand-ins are solution code"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_no_solution_code_in_the_released_helpers(exercise):
    """probes.py, strategies.py and the notebook ship to students: no three consecutive lines of a
    solution region may appear in them (course stand-ins belong in the unreleased standins.py)."""
    solution = (ROOT / "solutions" / f"{exercise.name}.py").read_text()

    def pairs(text):
        lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 25
                 and not line.strip().startswith(("#", "raise ValueError", '"""'))]
        return set(zip(lines, lines[1:], lines[2:]))

    regions = set().union(*map(pairs, re.findall(r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION",
                                                  solution, re.S)))
    for path in (TEMPLATE / exercise.slug).rglob("*"):
        if path.suffix in (".py", ".ipynb") and path.name != f"{exercise.name}.py":
            leaked = regions & pairs(path.read_text())
            assert not leaked, f"{path.name} holds solution code: {sorted(leaked)[:2]}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_no_solution_body_survives_in_stub(exercise):
    """Every line inside a solution region that is specific enough must be absent from the stub."""
    solution = (ROOT / "solutions" / f"{exercise.name}.py").read_text()
    stub = (TEMPLATE / exercise.slug / f"{exercise.name}.py").read_text()
    regions = re.findall(r"# BEGIN SOLUTION.*?\n(.*?)# END SOLUTION", solution, re.S)
    assert regions, "the solution has no marked regions"
    outside = re.sub(r"# BEGIN SOLUTION.*?# END SOLUTION", "", solution, flags=re.S)
    shipped_anyway = {line.strip() for line in outside.splitlines()}
    stub_lines = {line.strip() for line in stub.splitlines()} - shipped_anyway
    for region in regions:
        for line in region.splitlines():
            code = line.strip()
            if len(code) > 25 and not code.startswith(("#", "raise ValueError", "return ", '"""')):
                assert code not in stub_lines, f"solution line leaked into the stub: {code}"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_stub_imports_cleanly_and_raises_not_implemented(exercise, tmp_path):
    stub = TEMPLATE / exercise.slug / f"{exercise.name}.py"
    load_module(stub, f"_stub_{exercise.name}")
    tree = ast.parse(stub.read_text())
    raising = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
               and any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s)
                       for s in ast.walk(n))]
    assert raising, "the stub has no NotImplementedError stubs"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_released_config_lists_only_public_tests(exercise):
    released = Exercise.load(TEMPLATE / exercise.slug)
    public_names = set()
    for path in (exercise.folder / "tests" / "public").glob("test_*.py"):
        public_names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    assert set(released.tests) == public_names


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_released_config_says_what_hidden_tests_check_by_title_only(exercise):
    """dlcheck tells students, per task, the hidden tests' titles and points; nothing else of them
    (no names, code or inputs) is in the release."""
    released = Exercise.load(TEMPLATE / exercise.slug)
    hidden = {}
    for path in exercise.suite_dir("hidden").glob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                hidden[node.name] = ast.get_docstring(node).strip().splitlines()[0]
    shown = [c for checks in released.hidden_summary.values() for c in checks]
    assert sorted(c["title"] for c in shown) == sorted(hidden.values())
    assert sum(c["points"] for c in shown) == sum(exercise.test_config(n).points for n in hidden)
    text = (TEMPLATE / exercise.slug / "exercise.toml").read_text()
    assert not [n for n in hidden if re.search(rf"\b{n}\b", text)]
    assert not [bad for bad in ("def ", "import ", "ref.", "submission.") if bad in text]
