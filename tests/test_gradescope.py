"""Gradescope autograder zips: byte-reproducible builds; the zip's run_autograder, unpacked into a
temporary /autograder, gives the native grader's results field by field; the stock-Otter attacks
fail through it; student code runs only in the sandboxed worker, as another uid under root.

Gradings run in the background (two to four at once) and are shared with tests/test_otter.py.
Most grade one task (the exercise's first) to stay fast; the reference of the first exercise is
graded in full once.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.gradescope import harness
from autograder.gradescope.build import (ZIP_DATE, build_zip, build_zips, otter_config, sha256,
                                         zip_members)
from autograder.gradescope.run import MANIFEST, find_submission, valid_results

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "tests" / "submissions" / "otter_attacks"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="the sandbox's uid drop and mount namespace "
                                "need root (as on Gradescope and in CI)")


def _matrix(c):
    """(exercise, variant names): the first exercise's whole matrix; for the others the
    reference only, unless DLCOURSE_FULL_MATRIX=1 (torch exercises cost ~6 s a grading)."""
    full = bool(os.environ.get("DLCOURSE_FULL_MATRIX"))
    out = []
    for ex in c.exercises:
        first = ex is c.exercises[0]
        names = list(c.variants(ex, more=first)) if first or full else ["reference"]
        out += [(ex, n) for n in names]
    return out


@pytest.fixture(scope="module")
def check():
    c = harness.course_check(ROOT)
    assert c.exercises, "no exercise under assignments/"
    first = c.exercises[0]
    ref = c.variants(first)["reference"]
    for ex, name in _matrix(c):  # start every grading of this module now; tests wait
        path = c.variants(ex, more=ex is first)[name]
        c.native(ex, path, c.task(ex))
        c.zip_run(ex, path, c.task(ex), name="my_submission.py")
    c.native(first, ref, None)
    c.zip_run(first, ref, None)
    for name, (text, _) in c.attacks(ATTACKS).items():
        c.zip_run(first, c.save(first, text, f"attacks/{name}"), c.task(first),
                  substitute_root=True)
        c.native(first, c.save(first, c.honest_part(text), f"honest/{name}"), c.task(first))
    c.zip_run(first, c.save(first, PROBE, "probe"), c.task(first), substitute_root=True)
    yield c
    harness.cancel_pending()


def _cases():
    return [(ex.slug, v) for ex, v in _matrix(harness.course_check(ROOT))]


# ------------------------------------------------------------------------- building the zip

def test_two_builds_are_byte_identical(tmp_path):
    """Same sources -> same sha256, also from a copy of the course with fresh timestamps and
    stray caches."""
    folder = next(iter(sorted((ROOT / "assignments").glob("*/exercise.toml")))).parent
    a = build_zip(ROOT, folder, tmp_path / "a")
    b = build_zip(ROOT, folder, tmp_path / "b")
    assert sha256(a) == sha256(b)
    copy = tmp_path / "course"
    for name in ("autograder", "coursedata", "assignments", "solutions"):
        shutil.copytree(ROOT / name, copy / name, copy_function=shutil.copy,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    (copy / "autograder" / "__pycache__").mkdir(exist_ok=True)
    (copy / "autograder" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"junk")
    os.utime(copy / "solutions", (1, 1))
    c = build_zip(copy, copy / "assignments" / folder.name, tmp_path / "c")
    assert sha256(c) == sha256(a)


def test_zip_layout_dates_modes_and_contents(check):
    for ex in check.exercises:
        with zipfile.ZipFile(check.zips[ex.slug]) as zf:
            infos = zf.infolist()
            names = [i.filename for i in infos]
            assert names == sorted(names)
            assert all(i.date_time == ZIP_DATE for i in infos)
            assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
            modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in infos}
            assert modes["run_autograder"] == modes["setup.sh"] == 0o755
            assert modes["requirements.txt"] == 0o644 and modes["tests/"] == 0o755
            for needed in ("setup.sh", "run_autograder", "requirements.txt", "otter_config.json",
                           MANIFEST, "autograder/sandbox/worker_main.py", "coursedata/__init__.py",
                           f"solutions/{ex.name}.py", f"assignments/{ex.slug}/exercise.toml"):
                assert needed in names, needed
            assert any(n.startswith(f"assignments/{ex.slug}/tests/hidden/test_") for n in names)
            assert not [n for n in names if n.startswith("tests/") and n != "tests/"]
            others = [e for e in check.exercises if e.slug != ex.slug]
            assert not [n for n in names for o in others if n == f"solutions/{o.name}.py"
                        or n.startswith(f"assignments/{o.slug}/")]
            manifest = json.loads(zf.read(MANIFEST))
            assert (manifest["exercise"], manifest["module"]) == (ex.slug, ex.name)
            assert json.loads(zf.read("otter_config.json")) == otter_config()
            reqs = [r for r in zf.read("requirements.txt").decode().splitlines()
                    if r and not r.startswith("#")]
            assert "torch==2.13.0" in reqs and all("==" in r for r in reqs)
            assert not [r for r in reqs if r.lower().startswith("otter")]


def test_setup_sh_is_lean_and_pinned(check):
    text = zipfile.ZipFile(next(iter(check.zips.values()))).read("setup.sh").decode()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert '"torch==2.13.0" --index-url "$torch_index"' in text
    assert "https://download.pytorch.org/whl/cpu" in text and "TORCH_INDEX_URL" in text
    for heavy in ("conda", "mamba", "chromium", "playwright", "texlive", "pandoc", "wget"):
        assert heavy not in code.lower(), heavy


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DLCOURSE_TEST_SETUP_SH"),
                    reason="set DLCOURSE_TEST_SETUP_SH=1 to run setup.sh into a temporary venv")
def test_setup_sh_builds_a_working_venv(check, tmp_path):
    root = harness.unpack(next(iter(check.zips.values())), tmp_path / "ag")
    env = dict(os.environ, DLCOURSE_VENV=str(tmp_path / "venv"),
               DLCOURSE_SETUP_PYTHON=os.environ.get("DLCOURSE_SETUP_PYTHON", "python3"),
               TORCH_INDEX_URL=os.environ.get("TORCH_INDEX_URL", "https://pypi.org/simple"))
    proc = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "dlcourse setup: done in" in proc.stdout


def test_gradescope_verb_builds_and_checks(tmp_path):
    env = dict(os.environ)
    run = [sys.executable, "-m", "autograder", "gradescope", "--out", str(tmp_path)]
    assert subprocess.run(run, cwd=ROOT, env=env, capture_output=True).returncode == 0
    built = sorted(tmp_path.glob("*.zip"))
    assert built and all(zipfile.is_zipfile(z) for z in built)
    proc = subprocess.run(run + ["--check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    built[0].write_bytes(built[0].read_bytes() + b"x")
    assert subprocess.run(run + ["--check"], cwd=ROOT, env=env, capture_output=True).returncode == 1


def test_release_also_writes_the_zips(tmp_path):
    course = tmp_path / "course"
    for name in ("autograder", "coursedata", "assignments", "solutions"):
        shutil.copytree(ROOT / name, course / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", course)
    env = dict(os.environ, DLCOURSE_ROOT=str(course))
    proc = subprocess.run([sys.executable, "-m", "autograder", "release", "--dest",
                           str(tmp_path / "student_template")], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    zips = sorted((course / "autograder_source").glob("*.zip"))
    assert [z.stem for z in zips] == sorted(p.parent.name for p in
                                            (course / "assignments").glob("*/exercise.toml"))
    assert sha256(zips[0]) == sha256(build_zips(course, tmp_path / "again")[0])


def test_zip_members_refuse_a_missing_solution(check, tmp_path):
    ex = check.exercises[0]
    course = tmp_path / "c"
    shutil.copytree(ROOT / "assignments" / ex.slug, course / "assignments" / ex.slug)
    (course / "solutions").mkdir()
    from autograder.exercise import Exercise
    with pytest.raises(FileNotFoundError):
        zip_members(course, Exercise.load(course / "assignments" / ex.slug), "x.zip")


# ------------------------------------------------------------- same results as native grading

@pytest.mark.parametrize("slug,variant", _cases())
def test_run_autograder_matches_native(check, slug, variant):
    """reference, stub, buggy (2x an array); for the first exercise also partial (one region
    stubbed) and a file of tests/submissions/<name>/; submitted renamed, graded one task:
    identical results.json, execution_time aside."""
    ex = check.exercise(slug)
    path = check.variants(ex, more=ex is check.exercises[0])[variant]
    _, nat, _ = check.native(ex, path, check.task(ex)).result()
    _, got, log, _ = check.zip_run(ex, path, check.task(ex), name="my_submission.py").result()
    assert harness.first_difference(got, nat) == "", log[-2000:]
    if variant == "reference":
        assert got["score"] == got["max_score"] > 0
    if variant == "stub":
        assert got["score"] == 0


def test_full_grading_of_the_reference_matches_native(check):
    """Every suite and task once, through the whole path."""
    ex = check.exercises[0]
    ref = check.variants(ex)["reference"]
    _, nat, _ = check.native(ex, ref, None).result()
    _, got, log, _ = check.zip_run(ex, ref, None).result()
    assert harness.first_difference(got, nat) == "", log[-2000:]
    assert got["score"] == got["max_score"] == nat["max_score"] > 0
    assert {t["visibility"] for t in got["tests"]} <= {"hidden", "after_due_date",
                                                       "after_published", "visible"}
    assert "leaderboard" not in got


# ----------------------------------------------------------------- finding the student's file

def _touch(folder: Path, *names):
    for n in names:
        (folder / n).parent.mkdir(parents=True, exist_ok=True)
        (folder / n).write_text("x = 1\n")


def test_find_submission_rules(tmp_path):
    _touch(tmp_path / "a", "backprop.py", "helper.py", "__init__.py")
    assert find_submission(tmp_path / "a", "backprop")[0].name == "backprop.py"
    _touch(tmp_path / "b", "My Backprop (1).py", "__init__.py", "tests/q1.py", "notes.txt")
    assert find_submission(tmp_path / "b", "backprop")[0].name == "My Backprop (1).py"
    _touch(tmp_path / "c", "folder/backprop.py")
    assert find_submission(tmp_path / "c", "backprop")[0].name == "backprop.py"
    _touch(tmp_path / "d", "one.py", "two.py")
    path, why = find_submission(tmp_path / "d", "backprop")
    assert path is None and "2 .py files" in why and "backprop.py" in why
    _touch(tmp_path / "e", "README.md")
    path, why = find_submission(tmp_path / "e", "backprop")
    assert path is None and "No .py file" in why


def _zip_root(check, tmp_path):
    ex = check.exercises[0]
    root = tmp_path / "autograder"
    harness.unpack(check.zips[ex.slug], root)
    return ex, root


def test_no_file_or_several_files_give_a_clear_zero(check, tmp_path):
    ex, root = _zip_root(check, tmp_path)
    _, res, _ = harness.run_autograder(root, None)
    assert res["score"] == 0 and "No .py file" in res["output"] and valid_results(res)
    assert res["max_score"] == json.loads((root / "source" / MANIFEST).read_text())["max_score"]
    _touch(root / "submission", "a.py", "b.py")
    subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True,
                   env=dict(os.environ, AUTOGRADER_ROOT=str(root),
                            DLCOURSE_PYTHON=sys.executable))
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == 0 and "2 .py files" in res["output"]


def test_a_link_to_the_solution_is_not_graded(check, tmp_path):
    ex, root = _zip_root(check, tmp_path)
    solution = root / "source" / "solutions" / f"{ex.name}.py"
    (root / "submission" / f"{ex.name}.py").symlink_to(solution)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), DLCOURSE_PYTHON=sys.executable)
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True)
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == 0 and "could not be read" in res["output"] and not res["tests"]


def test_results_json_is_written_whatever_happens(check, tmp_path):
    ex, root = _zip_root(check, tmp_path)
    sub = check.variants(ex)["reference"]
    # the grader itself fails (a bad argument): the entry point still writes a zero
    _, res, _ = harness.run_autograder(root, sub, dict(os.environ, DLCOURSE_GRADE_ARGS="--bogus"))
    assert valid_results(res) and res["score"] == 0 and "contact the course staff" in res["output"]
    # Python cannot even start: run_autograder's shell fallback
    _, res, _ = harness.run_autograder(root, sub, dict(os.environ, DLCOURSE_PYTHON="/nonexistent"))
    assert valid_results(res) and res["score"] == 0 and "could not start" in res["output"]
    assert res["max_score"] == json.loads((root / "source" / MANIFEST).read_text())["max_score"]


# ------------------------------------------------------------------------- trust boundary

PROBE = '''
import json, os, sys

ROOT = "__AG_ROOT__"
SOURCE = os.path.join(ROOT, "source")


def _can(op, path):
    try:
        if op == "read":
            if os.path.isdir(path):
                os.listdir(path)
            else:
                open(path, "rb").read(1)
        else:
            open(path, "a").close()
        return True
    except OSError:
        return False


def _probe():
    hidden = os.path.join(SOURCE, "assignments")
    try:  # the worker may see a tmpfs here holding only the public packages it needs
        listing = sorted(os.listdir(SOURCE))
    except OSError:
        listing = None
    targets = {"run_autograder": os.path.join(SOURCE, "run_autograder"),
               "manifest": os.path.join(SOURCE, "dlcourse_autograder.json"),
               "assignments": hidden, "solutions": os.path.join(SOURCE, "solutions")}
    return {"uid": os.getuid(), "euid": os.geteuid(), "argv": sys.argv, "listing": listing,
            "read": {k: _can("read", v) for k, v in targets.items()},
            "write_results": _can("write", os.path.join(ROOT, "results", "results.json")),
            "write_source": _can("write", os.path.join(SOURCE, "run_autograder"))}


print("PROBE " + json.dumps(_probe()))
'''


def _probe_report(results: dict) -> dict:
    text = results["output"]
    assert "PROBE " in text, text[-2000:]
    return json.loads(text.split("PROBE ", 1)[1].splitlines()[0])


@needs_root
def test_student_code_runs_only_in_the_worker_as_another_uid(check):
    ex = check.exercises[0]
    _, res, log, root = check.zip_run(ex, check.save(ex, PROBE, "probe"), check.task(ex),
                                      substitute_root=True).result()
    report = _probe_report(res)
    assert Path(report["argv"][0]).name == "worker_main.py"
    assert report["uid"] != 0 and report["euid"] != 0
    assert not any(report["read"].values()), report["read"]
    assert report["listing"] is None or set(report["listing"]) <= {"coursedata"}, report["listing"]
    assert not report["write_results"] and not report["write_source"]
    st = os.stat(root / "results" / "results.json")
    assert st.st_uid == 0 and not st.st_mode & 0o022
    for dirpath, dirnames, filenames in os.walk(root / "source"):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o700, dirpath
        for f in filenames:
            assert not os.lstat(os.path.join(dirpath, f)).st_mode & 0o022
    assert stat.S_IMODE(os.stat(root / "results").st_mode) == 0o755


def _attack_ids():
    return sorted(p.stem for p in ATTACKS.glob("*.py"))


@needs_root
@pytest.mark.parametrize("attack", _attack_ids())
def test_stock_otter_attack_fails_through_run_autograder(check, attack):
    ex = check.exercises[0]
    task = check.task(ex)
    text, expect = check.attacks(ATTACKS)[attack]
    _, res, log, root = check.zip_run(ex, check.save(ex, text, f"attacks/{attack}"), task,
                                      substitute_root=True).result()
    _, honest, _ = check.native(ex, check.save(ex, check.honest_part(text), f"honest/{attack}"),
                                task).result()
    assert valid_results(res)
    assert res["score"] == (honest["score"] if expect == "honest" else 0), res["output"][-3000:]
    assert res["max_score"] == honest["max_score"]
    everything = json.dumps(res) + log
    assert "FORGED" not in everything
    leaked = [line for line in check.secret_lines(ex) if line in everything]
    assert not leaked, leaked[:5]
    with zipfile.ZipFile(check.zips[ex.slug]) as zf:  # the test files on disk are untouched
        for name in zf.namelist():
            if "/tests/" in name and name.endswith(".py"):
                assert (root / "source" / name).read_bytes() == zf.read(name), name
    assert json.loads((root / "results" / "results.json").read_text()) == res
