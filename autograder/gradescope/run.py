"""The grading entry point inside an autograder zip: ``python -m autograder.gradescope.run``.

The zip's ``run_autograder`` calls it (as root on Gradescope) and so does the Otter plugin. It
imports only the standard library, so that it can write a valid ``results.json`` whatever
happens, and does four things:

1. lock down (when root): the source folder (solutions, hidden tests, engine) becomes readable by
   root only, the results folder root-owned and not writable by anyone else;
2. find the student's single ``.py`` in the submission folder (also when renamed) and copy it,
   without following links, into a private folder;
3. run the native grader, ``python -m autograder grade <exercise> <file> -o <tmp>``, from the
   zip's own copy of the engine (``DLCOURSE_ROOT`` = the source folder). Student code runs only in
   that grader's sandboxed worker, which drops to an unprivileged uid when started as root;
4. check what it wrote and publish it atomically (or a zero-score result saying what failed).

``AUTOGRADER_ROOT`` (default ``/autograder``) moves the whole layout, so tests can unpack a zip
into a temporary folder. ``DLCOURSE_GRADE_ARGS`` appends arguments to the grade command (tests
and benchmarks use ``--task <name>`` to grade one task).
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MANIFEST = "dlcourse_autograder.json"
DEFAULT_ROOT = "/autograder"
#: seconds allowed beyond the exercise's own total_timeout_s before the grader is killed
GRACE_S = 120


def failure(message: str, *, seconds: float, max_score: float = 0.0) -> dict:
    """Same shape as ``autograder.results.failure_results`` (kept stdlib-only here)."""
    return {"score": 0.0, "max_score": round(float(max_score), 4),
            "execution_time": round(float(seconds), 4), "output": message,
            "stdout_visibility": "hidden", "tests": []}


def write_json(results: dict, path: Path) -> None:
    """Atomic: a temp file in the same folder, then rename; readable by everyone, root-owned."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(results, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def valid_results(data) -> bool:
    if not isinstance(data, dict):
        return False
    numbers = all(isinstance(data.get(k), (int, float)) and not isinstance(data.get(k), bool)
                  for k in ("score", "max_score"))
    tests = isinstance(data.get("tests"), list) and all(isinstance(t, dict) for t in data["tests"])
    return numbers and tests


def read_manifest(source: Path) -> dict:
    with open(source / MANIFEST, encoding="utf-8") as fh:
        return json.load(fh)


# ---------------------------------------------------------------------------------- lock-down

def lock_down(root: Path, notes: list[str]) -> None:
    """Root only: every folder of source 0700 and root-owned, nothing in it writable by others;
    submission 0700; results root-owned 0755.

    Files keep their read bits on purpose: the engine copies ``wire.py`` and ``probes.py`` into
    the worker's sandbox with ``shutil.copy``, which keeps the mode, and the unprivileged worker
    must read those copies. The originals stay out of reach because no other user can enter a
    folder of source. The worker also hides the course's secret folders in its own mount
    namespace; this is the second wall (the only one where mount namespaces are unavailable).
    """
    if os.geteuid() != 0:
        notes.append("not running as root: source files keep their permissions")
        return
    source = root / "source"
    for dirpath, dirnames, filenames in os.walk(source):
        os.chown(dirpath, 0, 0)
        os.chmod(dirpath, 0o700)
        for name in filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                os.chown(p, 0, 0)
                os.chmod(p, stat.S_IMODE(st.st_mode) & 0o755)
    if (root / "submission").is_dir() and not (root / "submission").is_symlink():
        os.chmod(root / "submission", 0o700)
    results = root / "results"
    if results.is_symlink():
        results.unlink()
    results.mkdir(exist_ok=True)
    os.chown(results, 0, 0)
    os.chmod(results, 0o755)


# ------------------------------------------------------------------------- the submission file

def find_submission(folder: Path, module: str) -> tuple[Path | None, str]:
    """The student's file: ``<module>.py``, else the only ``.py`` (renamed), at the top level
    first, then in sub-folders. Returns (path, "") or (None, reason)."""
    if not folder.is_dir():
        return None, "no submission folder"
    wanted = f"{module}.py"

    def candidates(paths):
        return sorted(p for p in paths if p.suffix == ".py" and p.name != "__init__.py"
                      and not p.name.startswith(".") and "__MACOSX" not in p.parts
                      and "tests" not in p.relative_to(folder).parts[:-1])

    top = candidates(folder.glob("*.py"))
    deep = candidates(folder.rglob("*.py"))
    for group in (top, deep):
        exact = [p for p in group if p.name == wanted]
        if len(exact) == 1:
            return exact[0], ""
        if len(group) == 1:
            return group[0], ""
    if not deep:
        return None, f"No .py file was found in your submission: please submit {wanted}."
    names = ", ".join(str(p.relative_to(folder)) for p in deep[:10])
    return None, (f"Your submission has {len(deep)} .py files ({names}); "
                  f"please submit only {wanted}.")


def private_copy(path: Path, module: str, into: Path) -> Path:
    """Copy the file without following a link at its last component (a link to the solution
    must not be graded as the student's work)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise ValueError("not a regular file")
        target = into / f"{module}.py"
        with open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
    os.chmod(target, 0o600)
    return target


# ---------------------------------------------------------------------------------- grading

def grade(root: Path, out: Path, submission: Path | None = None, python: str = sys.executable,
          extra_args: list[str] | None = None) -> dict:
    """Grade and write ``out``; returns the results (never raises for a submission's doing)."""
    start = time.monotonic()
    source = root / "source"
    notes: list[str] = []
    max_score = 0.0
    try:
        manifest = read_manifest(source)
        max_score = float(manifest.get("max_score", 0.0))
        lock_down(root, notes)
        if submission is None:
            submission, problem = find_submission(root / "submission", manifest["module"])
        else:
            submission, problem = Path(submission), ""
            if submission.suffix != ".py":
                problem = f"Please submit {manifest['module']}.py (a .py file)."
        if problem:
            results = failure(problem, seconds=time.monotonic() - start, max_score=max_score)
        else:
            results = _run_grader(manifest, source, submission, python, extra_args, start)
    except BaseException as exc:  # the file must exist whatever happened
        print(f"dlcourse autograder: {type(exc).__name__}: {exc}", file=sys.stderr)
        results = failure("The autograder could not grade this submission "
                          f"({type(exc).__name__}). Please contact the course staff.",
                          seconds=time.monotonic() - start, max_score=max_score)
        if not isinstance(exc, Exception):
            write_json(results, out)
            raise
    for note in notes:
        print(f"dlcourse autograder: {note}", file=sys.stderr)
    write_json(results, out)
    return results


def _run_grader(manifest: dict, source: Path, submission: Path, python: str,
                extra_args: list[str] | None, start: float) -> dict:
    max_score = float(manifest.get("max_score", 0.0))
    work = Path(tempfile.mkdtemp(prefix="dlcourse-grade-"))  # 0700, owned by us
    try:
        # the copy sits in a folder that is not importable and not on sys.path: nothing in the
        # grader can import the student's module by name
        inbox = work / "submission-copy"
        inbox.mkdir()
        try:
            copy = private_copy(submission, manifest["module"], inbox)
        except (OSError, ValueError) as exc:
            return failure(f"Your file {submission.name} could not be read ({exc}).",
                           seconds=time.monotonic() - start, max_score=max_score)
        tmp_out = work / "results.json"
        env = dict(os.environ)
        env["DLCOURSE_ROOT"] = str(source)
        env["PYTHONPATH"] = str(source) + (os.pathsep + env["PYTHONPATH"]
                                           if env.get("PYTHONPATH") else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        extra = list(extra_args) if extra_args is not None else shlex.split(
            os.environ.get("DLCOURSE_GRADE_ARGS", ""))
        exercise = source / "assignments" / manifest["exercise"]
        # -P: no cwd on sys.path (the engine comes from PYTHONPATH, the zip's copy)
        cmd = [python, "-P", "-m", "autograder", "grade", str(exercise), str(copy),
               "-o", str(tmp_out), *extra]
        timeout = float(manifest.get("total_timeout_s", 600)) + GRACE_S
        # cwd: the private folder, so nothing (hypothesis' .hypothesis/, say) lands in source
        proc = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            return failure(f"Grading did not finish within {timeout:g} s. Please contact the "
                           "course staff.", seconds=time.monotonic() - start, max_score=max_score)
        try:
            data = json.loads(tmp_out.read_text())
        except (OSError, ValueError):
            data = None
        if not valid_results(data):
            return failure(f"The autograder could not grade this submission (grader exit status "
                           f"{proc.returncode}). Please contact the course staff.",
                           seconds=time.monotonic() - start, max_score=max_score)
        return data
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder.gradescope.run",
                                description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path,
                   default=Path(os.environ.get("AUTOGRADER_ROOT") or DEFAULT_ROOT),
                   help="the Gradescope layout's root (default $AUTOGRADER_ROOT or /autograder)")
    p.add_argument("--submission", type=Path,
                   help="grade this file instead of searching <root>/submission")
    p.add_argument("-o", "--out", type=Path,
                   help="results file (default <root>/results/results.json)")
    args = p.parse_args(argv)
    root = args.root.resolve()
    out = args.out or root / "results" / "results.json"
    results = grade(root, out, args.submission)
    print(f"score: {results['score']:g} / {results['max_score']:g} -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
