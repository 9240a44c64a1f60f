"""The attack suite: every hostile submission in tests/submissions/attacks/ graded by the real
engine (``python -m autograder grade``, one subprocess each), with the exact outcome asserted.

The attacks run against a copy of the course in a temporary folder (``DLCOURSE_ROOT``), whose
exercise has small limits (below) and whose hidden tests, config and solution carry a canary
string: the canary must never show in any output. They grade the "affine" task only (so adding
tests to the exercise does not slow this suite down), four at a time, once, in a module-scoped
fixture; the reference solution is graded 20 times in a row with the exercise's real limits at
the same time (honest work must never be penalised, even with attacks hogging the machine).

For every attack: the grader exits normally, results.json is valid Gradescope JSON, the score
is at most what the attack's honest content earns (the released stub, or honest_trivial.py for
attacks that return made-up values) and it passes no test that honest content fails, the run
ends within the time limit, the message says what happened, no secret text is in the output,
and no process of the attack's uid is left. See docs/SECURITY.md.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.release import strip_solutions
from autograder.sandbox.process import pids_of_uid
from memory_box import MemoryBox

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "tests" / "submissions" / "attacks"
EXERCISE = "01-backprop"
TASK = "affine"
LIMITS = {"call_timeout_s": 2, "hung_call_timeout_s": 1, "load_timeout_s": 10,
          "total_timeout_s": 15, "box_mb": 768, "file_size_mb": 4, "disk_mb": 16, "processes": 8,
          "output_kb": 8, "cpu_s": 60, "max_frame_mb": 8}
SLACK_S = 30  # interpreter start, test collection and clean-up on a busy 2-core machine
JOBS = 4

# attack -> (baseline, words that must appear in the results (any test's message or the
#            output), words that must not)
STUB, TRIVIAL = "stub", "honest_trivial"
EXPECT = {
    # patching the checker
    "patch_checkers": (TRIVIAL, ["ATTACK: checkers patched"], []),
    "patch_torch": (TRIVIAL, ["ATTACK: torch patched"], []),
    "forge_probes": (TRIVIAL, ["ATTACK: forged"], []),
    # forging results
    "forge_results_file": (STUB, ["raised NotImplementedError"], ["FORGED-RESULTS all"]),
    "forge_protocol_stdout": (STUB, ["raised NotImplementedError"], []),
    "forge_channel_reply": (STUB, ["the worker broke the protocol in affine_forward"], []),
    "replace_channel": (STUB, ["could not import your file: the worker closed its channel"],
                        []),
    # reading secrets, detecting grading
    "read_secrets": (STUB, ["ATTACK: searched"], []),
    "detect_grading": (STUB, ["NO-REFERENCE-FOUND"], ["ATTACK: using the"]),
    # killing or confusing the parent
    "kill_parent": (STUB, ["DENIED:", "raised NotImplementedError"], ["SIGNALLED:"]),
    "close_fds": (STUB, ["could not import your file: your code ended the process"], []),
    "exit_at_import": (STUB, ["could not import your file: your code ended the process (exit "
                              "status 0) during importing backprop.py"], []),
    "os_exit_in_call": (STUB, ["your code ended the process (exit status 0) during "
                               "affine_forward"], []),
    "kill_own_processes": (STUB, ["the worker was killed", "during affine_forward"], []),
    "base_exceptions": (STUB, ["affine_forward raised SystemExit"], []),
    # resource abuse
    "loop_at_import": (STUB, ["could not import your file: importing backprop.py did not "
                              "finish within 10 s: an infinite loop at import?"], []),
    "loop_in_call": (STUB, ["affine_forward did not return within 2 s: an infinite loop?"], []),
    "hang_everywhere": (STUB, ["affine_forward did not return within 2 s: an infinite loop?"],
                        []),
    "fork_bomb": (STUB, ["affine_forward did not return within 2 s: an infinite loop?"], []),
    "fork_bomb_at_import": (STUB, ["could not import your file: ", "importing backprop.py"],
                            []),
    "spin_threads": (STUB, ["threads spinning"], []),
    "memory_4gb": (STUB, ["affine_forward raised MemoryError: ran out of memory (limit "], []),
    "memory_creep": (STUB, ["affine_forward raised MemoryError: ran out of memory (limit "], []),
    "memory_shared": (STUB, ["affine_forward raised OSError: ran out of memory (limit "], []),
    "memory_to_the_limit": (STUB, ["affine_forward ran out of memory (limit "], []),
    "big_file": (STUB, ["file size limit (4 MiB) exceeded"], []),
    "fill_disk": (STUB, ["limit", "exceeded"], []),
    "print_flood": (STUB, ["more bytes of output dropped"], []),
    "deep_recursion": (STUB, ["the worker crashed (segmentation fault; very deep recursion?) "
                              "during affine_forward"], []),
    # non-data returns, oversized replies
    "hostile_objects": (STUB, ["affine_forward raised InvalidReturn"], []),
    "duck_arrays": (TRIVIAL, ["got a DuckArray object", "got a AlwaysEqual object"], []),
    "garbage_values": (TRIVIAL, ["NaN/inf value(s)"], []),
    "huge_return": (STUB, ["over the limit of 8 MiB"], []),
    "many_values": (STUB, ["more than 1000000 values in one message"], []),
    # the network
    "network": (STUB, ["NET-BLOCKED"], ["NET-OPEN"]),
}
#: attacks that must earn exactly 0 with every test failed, and their bound on the grading's
#: execution_time (s): the hangs end long before every test could wait for its own timeout
#: (8 tests x 2 s > total_timeout_s), the import hang after load_timeout_s
ZERO = {"hang_everywhere": 12, "loop_in_call": 12, "loop_at_import": 10 + 8,
        "duck_arrays": None, "garbage_values": None, "memory_to_the_limit": None}
#: graded in a 768 MB memory cgroup with the real exercise limits (test_memory_hog_stays_in_
#: the_box), not with the small limits of the others: filling the box takes seconds
BOXED = {"memory_to_the_limit"}
#: outcomes that need the private filesystem view (namespaces): where the worker could write
NAMESPACE_ONLY = {
    "forge_results_file": (["BLOCKED:/sandbox/results.json (Read-only file system)",
                            "grader command line unreadable"], []),
    # without namespaces, copies of the course outside the configured root (this checkout) are
    # visible; the configured course's canary must still never leak (checked for every attack)
    "read_secrets": (["ATTACK: 1 processes visible", "found 0 secrets"], ["FOUND-SECRET"]),
    "fill_disk": (["disk limit (16 MiB in /tmp) exceeded"], []),
    "network": ([], ["NET-OPEN"]),
}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@dataclass
class Graded:
    rc: int
    seconds: float
    results: dict
    text: str  # results.json as written
    stdout: str
    stderr: str


# ----------------------------------------------------------------------------- fixtures

def _set_limits(toml: str, limits: dict) -> str:
    toml = re.sub(r"(?ms)^\[limits\].*?(?=^\[|\Z)", "", toml)
    return toml + "\n[limits]\n" + "".join(f"{k} = {v}\n" for k, v in limits.items())


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course with small limits and a canary in every secret file."""
    base = tmp_path_factory.mktemp("course")
    token = f"SECRET-CANARY-{secrets.token_hex(8)}"
    ex = base / "assignments" / EXERCISE
    shutil.copytree(ROOT / "assignments" / EXERCISE, ex,
                    ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    (ex / "exercise.toml").write_text(
        f"# {token}\n" + _set_limits((ex / "exercise.toml").read_text(), LIMITS)
        + f"# {token}\n")
    for test in (ex / "tests" / "hidden").glob("test_*.py"):
        test.write_text(f"# {token}\n{test.read_text()}\n# {token}\n")
    (ex / "tests" / "hidden" / "expected_values.txt").write_text(f"{token} 3.14159\n")
    (base / "solutions").mkdir()
    solution = (ROOT / "solutions" / "backprop.py").read_text()
    (base / "solutions" / "backprop.py").write_text(f"# {token}\n{solution}\n# {token}\n")
    (base / "tests").mkdir()
    (base / "tests" / "canary.txt").write_text(token)
    stub = base / "stub" / "backprop.py"
    stub.parent.mkdir()
    stub.write_text(strip_solutions(solution))
    return {"root": base, "token": token, "stub": stub,
            "hidden_lines": [line.strip() for t in (ex / "tests" / "hidden").glob("test_*.py")
                             for line in t.read_text().splitlines()
                             if len(line.strip()) > 40
                             and not line.lstrip().startswith(("#", '"', "'", 'f"', "f'"))
                             and '"""' not in line]}


def _grade(course, name: str, path: Path, out_dir: Path) -> Graded:
    """``python -m autograder grade`` in a folder of its own, with relative paths only on the
    command line (other processes on the machine can read command lines)."""
    job = out_dir / name
    job.mkdir()
    if path.is_symlink():
        (job / "backprop.py").symlink_to(os.readlink(path))
    elif path.exists():
        shutil.copyfile(path, job / "backprop.py")
    env = dict(os.environ, DLCOURSE_ROOT=str(course["root"]))
    env.pop("PYTHONPATH", None)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", "backprop", "backprop.py",
                           "-o", "results.json", "--task", TASK],
                          env=env, cwd=job, capture_output=True, text=True,
                          timeout=LIMITS["total_timeout_s"] + 120)
    seconds = time.monotonic() - start
    out = job / "results.json"
    text = out.read_text() if out.exists() else ""
    try:
        results = json.loads(text)
    except ValueError:
        results = {}
    return Graded(proc.returncode, seconds, results, text, proc.stdout, proc.stderr)


REFERENCE_RUNS = 20
REFERENCE_LOOP = """
import json, sys
from pathlib import Path
from autograder.exercise import find_exercise
from autograder.grade import default_solution, grade
exercise = find_exercise(sys.argv[1])
scores = []
for _ in range(int(sys.argv[2])):
    r = grade(exercise, Path(sys.argv[3]), task=sys.argv[4], solution=default_solution(exercise))
    scores.append([r["score"], r["max_score"],
                   [t["output"][:300] for t in r["tests"] if t.get("status") != "passed"]])
print(json.dumps(scores))
"""


def _reference_loop() -> tuple[list, float]:
    """The reference solution graded REFERENCE_RUNS times in one process, real course, real
    limits."""
    env = dict(os.environ)
    env.pop("DLCOURSE_ROOT", None)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", REFERENCE_LOOP, EXERCISE, str(REFERENCE_RUNS),
                           str(ROOT / "solutions" / "backprop.py"), TASK],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), time.monotonic() - start


#: attacks run only with the private filesystem view: without it nothing bounds the disk they
#: would fill (each file is limited, their number is not)
NEEDS_NAMESPACES = {"fill_disk"}


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory, isolation):
    """Every attack, the two baselines and the 20 reference runs, graded once."""
    out_dir = tmp_path_factory.mktemp("graded")
    jobs = {name: ATTACKS / f"{name}.py" for name in EXPECT if name not in BOXED
            and (isolation == "namespaces" or name not in NEEDS_NAMESPACES)}
    jobs[TRIVIAL] = ATTACKS / f"{TRIVIAL}.py"
    jobs[STUB] = course["stub"]
    link = out_dir / "link.py"
    link.symlink_to(course["root"] / "solutions" / "backprop.py")
    jobs["symlink_to_solution"] = link
    jobs["missing_file"] = out_dir / "nowhere.py"
    can_box = MemoryBox.create(BOX_MB)
    if can_box is not None:
        can_box.remove()
    start = time.monotonic()
    with ThreadPoolExecutor(JOBS) as pool:
        reference = pool.submit(_reference_loop)
        boxes = {ex: pool.submit(_grade_in_box, ex, out_dir)
                 for ex in (BOX_TASKS if can_box is not None else ())}
        futures = {name: pool.submit(_grade, course, name, path, out_dir)
                   for name, path in jobs.items()}
        results = {name: f.result() for name, f in futures.items()}
        results["reference"] = reference.result()
        results["boxed"] = {ex: f.result() for ex, f in boxes.items()} if boxes else None
    results["wall"] = time.monotonic() - start
    print("\n".join(f"{name}: {g.seconds:.1f} s" for name, g in results.items()
                    if isinstance(g, Graded)))
    print(f"reference x{REFERENCE_RUNS}: {results['reference'][1]:.1f} s; "
          f"all: {results['wall']:.1f} s")
    return results


# ------------------------------------------------------------------------------- checks

def _check_gradescope_format(results: dict):
    assert isinstance(results.get("score"), float) and isinstance(results.get("max_score"), float)
    assert isinstance(results.get("output"), str) and isinstance(results.get("tests"), list)
    assert isinstance(results.get("execution_time"), float)
    for t in results["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        assert t.get("status", "skipped") in ("passed", "failed", "skipped")
        assert t["visibility"] in VISIBILITIES
        assert "status" in t or t["output"].startswith("skipped")
        assert 0 <= t["score"] <= t["max_score"]
    assert abs(sum(t["score"] for t in results["tests"]) - results["score"]) < 1e-6


def _passed(results: dict) -> set[str]:
    return {t["name"] for t in results["tests"] if t.get("status") == "passed"}


def _everything(g: Graded) -> str:
    """All the text the grading produced: results.json, and what the CLI printed."""
    return "\n".join((g.text, g.stdout, g.stderr))


def test_every_attack_file_has_an_expected_outcome():
    files = {p.stem for p in ATTACKS.glob("*.py")} - {TRIVIAL}
    assert files == set(EXPECT)


def test_baselines_are_graded_normally(graded):
    for name in (STUB, TRIVIAL):
        g = graded[name]
        assert g.rc == 0, g.stderr[-2000:]
        _check_gradescope_format(g.results)
        assert g.results["tests"] and g.results["max_score"] > 0
    assert _passed(graded[STUB].results) <= _passed(graded[TRIVIAL].results)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_attack(name, graded, boxed, course, isolation):
    if name in BOXED:
        if boxed is None:
            pytest.skip("no memory cgroup can be made here (needs root and cgroup v1/v2)")
        graded = {**graded, name: boxed["backprop"][0]}
    if name not in graded:
        pytest.skip(f"{name} needs the private filesystem view (isolation here: {isolation})")
    g = graded[name]
    baseline, must, must_not = EXPECT[name]
    base = graded[baseline].results
    # the grader survived and wrote valid results
    assert g.rc == 0, f"the grader failed:\n{g.stderr[-3000:]}"
    assert re.search(r"^backprop: [\d.]+ / [\d.]+ -> results.json", g.stdout, re.M), g.stdout
    _check_gradescope_format(g.results)
    assert {t["name"] for t in g.results["tests"]} == {t["name"] for t in base["tests"]}
    # no points stolen
    assert g.results["score"] <= base["score"], g.results
    assert _passed(g.results) <= _passed(base), \
        f"passed tests its honest content fails: {_passed(g.results) - _passed(base)}"
    # bounded time
    total = 300 if name in BOXED else LIMITS["total_timeout_s"]
    assert g.results["execution_time"] <= total + 10
    assert g.seconds <= total + SLACK_S
    if name in ZERO:
        assert g.results["score"] == 0 and not _passed(g.results)
        if ZERO[name] is not None:
            assert g.results["execution_time"] <= ZERO[name], g.results["execution_time"]
    # a clear message; what the attack reported about itself
    text = g.text
    if name in NAMESPACE_ONLY and isolation == "namespaces":
        must, must_not = must + NAMESPACE_ONLY[name][0], must_not + NAMESPACE_ONLY[name][1]
    for words in must:
        assert words in text, f"{words!r} not in results.json:\n{text[:3000]}"
    for words in must_not:
        assert words not in text, f"{words!r} in results.json"
    # no secret text anywhere
    everything = _everything(g)
    assert course["token"] not in everything
    if isolation == "namespaces":
        assert "BEGIN SOLUTION" not in everything
    leaked = [line for line in course["hidden_lines"] if line in everything]
    assert not leaked, f"hidden test text in the output: {leaked[:3]}"
    # no process left behind
    for uid in map(int, re.findall(r"ATTACK-UID=(\d+)", text)):
        assert pids_of_uid(uid) == [], f"processes of uid {uid} survived"
    assert len(g.text) < 200_000


#: the box of a whole grading (parent + worker + its /tmp), as Gradescope's container
BOX_MB = 768
#: exercise -> a task to grade: backprop's parent is small, depth's holds torch
BOX_TASKS = {"backprop": "affine", "depth": "clip_grad_norm_"}


def _grade_in_box(exercise: str, out_dir: Path):
    """memory_to_the_limit graded for ``exercise`` (one task, the exercise's real limits), the
    grader and all it starts inside a fresh memory cgroup of BOX_MB:
    (Graded, peak MB of the box, OOM kills in it)."""
    box = MemoryBox.create(BOX_MB)
    job = out_dir / f"box-{exercise}"
    job.mkdir()
    shutil.copyfile(ATTACKS / "memory_to_the_limit.py", job / f"{exercise}.py")
    env = dict(os.environ)
    env.pop("DLCOURSE_ROOT", None)
    start = time.monotonic()
    try:
        proc = box.run([sys.executable, "-m", "autograder", "grade", exercise, f"{exercise}.py",
                        "-o", "results.json", "--task", BOX_TASKS[exercise]], env=env, cwd=job,
                       capture_output=True, text=True, timeout=400)
        out = job / "results.json"
        text = out.read_text() if out.exists() else ""
        graded = Graded(proc.returncode, time.monotonic() - start,
                        json.loads(text) if text else {}, text, proc.stdout, proc.stderr)
        return graded, box.peak_mb(), box.oom_kills()
    finally:
        box.remove()


@pytest.fixture(scope="module")
def boxed(graded):
    """exercise -> (Graded, box peak MB, OOM kills), or None where no cgroup can be made."""
    return graded["boxed"]


@pytest.mark.parametrize("exercise", sorted(BOX_TASKS))
def test_memory_hog_stays_in_the_box(boxed, exercise):
    """A submission that takes all the memory it can is graded inside a 768 MB box: the
    grader finishes and writes results.json, every test fails with "ran out of memory", and
    the kernel never had to kill anything (the engine's limits held first)."""
    if boxed is None:
        pytest.skip("no memory cgroup can be made here (needs root and cgroup v1/v2)")
    g, peak, oom_kills = boxed[exercise]
    assert g.rc == 0, g.stderr[-3000:]
    _check_gradescope_format(g.results)
    assert g.results["tests"] and g.results["score"] == 0
    for t in g.results["tests"]:
        assert "ran out of memory (limit " in t["output"], t["output"]
    assert oom_kills == 0 and peak <= BOX_MB
    print(f"{exercise}: box peak {peak:.0f} MB, {g.seconds:.1f} s")


def test_forged_results_never_replace_the_graders(graded):
    g = graded["forge_results_file"]
    assert g.results["score"] != 1000.0 and g.results["output"].startswith("Score: ")
    # complete lines only: the feedback keeps a truncated prefix of what the code printed
    wrote = set(re.findall(r"WROTE:(\S+) \(", g.text))
    assert wrote, "the attack reported no write attempt: check its output parsing"
    assert wrote <= {"results.json", "/tmp/results.json", "/dev/shm/results.json",
                     "/var/tmp/results.json"}


def test_symlink_to_the_solution_is_not_graded(graded):
    g = graded["symlink_to_solution"]
    assert g.rc == 0
    _check_gradescope_format(g.results)
    assert g.results["score"] == 0.0
    assert "symbolic link" in g.text


def test_missing_submission_still_writes_results(graded):
    g = graded["missing_file"]
    assert g.rc == 0
    _check_gradescope_format(g.results)
    assert g.results["score"] == 0.0 and "no submission file" in g.results["output"]


def test_reference_gets_full_marks_twenty_times_in_a_row(graded):
    runs, seconds = graded["reference"]
    assert len(runs) == REFERENCE_RUNS
    for score, max_score, failures in runs:
        assert max_score > 0 and score == max_score, failures


def test_the_suite_stays_fast(graded):
    assert graded["wall"] < 300
