"""``dlcheck`` as a student runs it, in a released exercise folder: the per-task table, what the
hidden tests check, unknown and differently-cased task names, nothing left beside the file, the
student's own output under a failing test, colour only on a terminal without NO_COLOR; and the
four common CS231n mistakes caught by the public tests of exercise 1."""
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.audit import config as audit_config
from autograder.check.render import PRINTED_LIMIT, use_colour
from autograder.exercise import find_exercise
from autograder.release import build_exercise
from toy_course import REFERENCE, course_env, make_toy_course

ROOT = Path(__file__).resolve().parent.parent
ANSI = "\033["


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A released toy exercise folder (as students get it) and the course it came from."""
    root = make_toy_course(tmp_path_factory.mktemp("course"))
    released = tmp_path_factory.mktemp("student") / "01-toy"
    build_exercise(root / "assignments" / "01-toy", root / "solutions", released)
    return root, released


def dlcheck(folder: Path, source: str | None, *args, env=None, tty=False):
    """Run ``dlcheck toy.py ARGS`` in ``folder`` (writing ``source`` first); (rc, output)."""
    if source is not None:
        (folder / "toy.py").write_text(source)
    cmd = [sys.executable, "-m", "autograder", "check", "toy.py", *args]
    if not tty:
        p = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        return p.returncode, p.stdout + p.stderr
    leader, follower = pty.openpty()  # a terminal on stdout: colour allowed
    p = subprocess.Popen(cmd, cwd=folder, env=env, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 1 << 16)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return p.wait(timeout=120), b"".join(chunks).decode(errors="replace")


def test_reference_gets_a_task_table_and_the_hidden_checks_per_task(toy):
    root, released = toy
    rc, out = dlcheck(released, REFERENCE, env=course_env(root))
    assert rc == 0, out
    assert "PASS  [double] double(x) is 2 x" in out and "PASS  [halve] halve(x) is x / 2" in out
    assert "Score: 3 / 3 on the public tests" in out
    table = out[out.index("public tests"):out.index("Score:")]
    assert [line.split()[:3] for line in table.splitlines()[2:4]] == [
        ["double", "1/1", "passed"], ["halve", "1/1", "passed"]]
    after = " ".join(out[out.index("Score:"):].split())  # the hidden-test lines are wrapped
    assert "double: 3 hidden points: double is right for negative and fractional inputs (3)" in after
    assert "halve: 4 hidden points: halve is right for negative and fractional inputs (4)" in after
    assert "SECRET_INPUT" not in out and "3.25" not in out and "ref." not in out
    assert ANSI not in out  # not a terminal: no colour


def test_unknown_task_is_an_error_listing_the_valid_names(toy):
    root, released = toy
    rc, out = dlcheck(released, REFERENCE, "--task", "tripple", env=course_env(root))
    assert rc == 2
    assert "no task 'tripple'" in out and "valid tasks (any case): double, halve" in out


def test_task_names_match_without_regard_to_case(toy):
    """The test says @task("Double"); --task DOUBLE selects it, shown as [double]."""
    root, released = toy
    rc, out = dlcheck(released, REFERENCE, "--task", "DOUBLE", env=course_env(root))
    assert rc == 0, out
    assert "[double] double(x) is 2 x" in out and "[halve]" not in out
    assert "Score: 2 / 2" in out and "double: 3 hidden points" in out and "halve:" not in out


def test_failing_test_shows_the_students_output_bounded_and_leaves_nothing_behind(toy):
    root, released = toy
    before = sorted(p.name for p in released.iterdir()) + ["toy.py"]
    noisy = ("def double(x):\n    print('debug: got', x.shape)\n    print('z' * 5000)\n"
             "    return x\n\n\ndef halve(x):\n    return x / 2\n")
    rc, out = dlcheck(released, noisy, env=course_env(root))
    assert rc == 1
    fail = out[out.index("FAIL  [double]"):out.index("PASS  [halve]")]
    assert "Your code printed (first 2000 characters):" in fail
    assert "| debug: got (1,)" in fail
    assert PRINTED_LIMIT - 100 < fail.count("z") <= PRINTED_LIMIT  # 5000 printed
    assert "debug" not in out[out.index("PASS  [halve]"):]  # only under the failing test
    assert sorted(set(before)) == sorted(p.name for p in released.iterdir())  # no .hypothesis/


def test_colour_only_on_a_terminal_and_never_with_no_color(toy, monkeypatch):
    root, released = toy
    rc, out = dlcheck(released, REFERENCE, env=course_env(root), tty=True)
    assert rc == 0 and f"{ANSI}32mPASS" in out, out
    rc, out = dlcheck(released, REFERENCE, env={**course_env(root), "NO_COLOR": "1"}, tty=True)
    assert rc == 0 and ANSI not in out and "PASS  [double]" in out

    class Terminal:
        def isatty(self):
            return True
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Terminal())


def _hidden_points(exercise, task: str) -> float:
    """What the hidden tests of ``task`` are worth (exercise.toml)."""
    hidden = {name for path in (exercise.folder / "tests" / "hidden").glob("test_*.py")
              for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)}
    return sum(exercise.test_config(info.test_id).points for info in audit_config.test_index(exercise).values()
               if info.task == task and info.test_id in hidden)


def test_the_four_common_cs231n_mistakes_are_caught_and_named(tmp_path):
    """ReLU backward writing into dout, softmax without the max shift, He init with the variance
    as the std, shuffling with the global np.random: once 14/14 on the public tests."""
    folder = tmp_path / "01-backprop"
    shutil.copytree(ROOT / "student_template" / "01-backprop", folder)
    shutil.copy(ROOT / "tests" / "submissions" / "backprop" / "bug_cs231n_four.py",
                folder / "backprop.py")
    before = sorted(p.name for p in folder.iterdir())
    p = subprocess.run([sys.executable, "-m", "autograder", "check", "backprop.py"], cwd=folder,
                       capture_output=True, text=True, timeout=300)
    out = p.stdout
    assert p.returncode == 1, out + p.stderr
    score = next(line for line in out.splitlines() if line.startswith("Score:"))
    got, total = (float(v) for v in score.split()[1:4:2])
    assert got < total
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    for title in ("relu_backward does not write into dout", "finite and right for logits like 1000",
                  "MLP draws W_i with variance 2 / fan_in", "train shuffles with np.random.default_rng"):
        assert any(title in line for line in fails), (title, fails)
    for words in [("relu_backward modified its argument dout", "dout.copy()"),
                  ("softmax_cross_entropy gave NaN/inf", "subtract each row's max"),
                  ("you multiplied by the variance 2 / fan_in", "np.sqrt(2 / fan_in)"),
                  ("train used the global NumPy RNG", "np.random.default_rng(seed)")]:
        assert all(w in out for w in words), words
    flat = " ".join(out.split())  # the hidden-test lines are wrapped
    hidden_mlp = _hidden_points(find_exercise("backprop"), "mlp")
    assert f"mlp: {hidden_mlp:g} hidden points: " in flat and "He variance 2 / fan_in (2)" in flat
    assert sorted(p.name for p in folder.iterdir()) == before


def test_optimizer_tasks_written_sgd_and_adam_accept_any_case():
    """Exercise 3's tests say @task("SGD") / @task("Adam"); the names are lowercase now."""
    from autograder.catalog import unknown_task
    from autograder.exercise import Exercise
    optimizers = Exercise.load(ROOT / "student_template" / "03-optimizers")
    for spelling in ("SGD", "sgd", "Adam", "ADAM"):
        assert unknown_task(optimizers, spelling) is None
    assert "valid tasks" in unknown_task(optimizers, "adamax")
