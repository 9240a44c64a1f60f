"""Run an autograder zip the way Gradescope and ``otter run`` do, on this machine.

Used by the project's tests and ``benchmarks/bench_otter.py``; handy for instructors too:

    from autograder.gradescope.harness import unpack, run_autograder
    root = unpack("autograder_source/01-backprop.zip", Path("/tmp/ag"))
    seconds, results, log = run_autograder(root, Path("backprop.py"))

Also: the native command, stock Otter's trivial one-test autograder (the speed baseline and the
target of the attack demonstrations), and submission variants made from a reference solution.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..release import BEGIN, END, strip_solutions

#: a hidden test case's marker: stock Otter leaks it to a submission, the zip must not
STOCK_SECRET = "HIDDEN-CASE-SECRET-7f3a"

STOCK_TEST = '''OK_FORMAT = True

test = {
    "name": "q1",
    "points": 1,
    "suites": [
        {
            "cases": [
                {
                    "code": ">>> import numpy as np\\n>>> out, _ = affine_forward(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4))\\n>>> np.testing.assert_allclose(out, np.full((2, 4), 3.0))\\n",
                    "hidden": False,
                    "locked": False,
                },
                {
                    "code": ">>> secret = '%s'\\n>>> out, _ = affine_forward(np.ones((1, 2)), np.eye(2), np.ones(2))\\n>>> np.testing.assert_allclose(out, np.full((1, 2), 2.0))\\n",
                    "hidden": True,
                    "locked": False,
                },
            ],
            "scored": True,
            "setup": "",
            "teardown": "",
            "type": "doctest",
        }
    ],
}
''' % STOCK_SECRET


def stock_autograder(dest: Path) -> Path:
    """A stock Otter 7 autograder zip with one OK-format test of ``affine_forward`` (what
    ``otter generate`` writes for ``tests/q1.py``, less the Gradescope setup files that
    ``otter run`` does not read)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w") as zf:
        zf.writestr("otter_config.json", "{}")
        zf.writestr("tests/q1.py", STOCK_TEST)
    return dest


def otter_command() -> list[str]:
    exe = Path(sys.executable).with_name("otter")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "otter"]


def has_otter() -> bool:
    try:
        import otter  # noqa: F401
        return True
    except ImportError:
        return False


def has_kernel() -> bool:
    """Stock ``otter run`` executes the submission in a Jupyter kernel (ipykernel)."""
    try:
        import ipykernel  # noqa: F401
        return True
    except ImportError:
        return False


# ------------------------------------------------------------------------------- running

def unpack(zip_path: Path, root: Path) -> Path:
    """A Gradescope layout under ``root``: ``source/`` (the zip), ``submission/``, ``results/``;
    folders 0755 like on Gradescope (run_autograder locks source down itself)."""
    root = Path(root)
    for sub in ("source", "submission", "results"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(root / sub, 0o755)
    os.chmod(root, 0o755)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for script in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / script, 0o755)
    return root


def run_autograder(root: Path, submission: Path | None, env: dict | None = None,
                   name: str | None = None, timeout: float = 900):
    """Gradescope's sequence: the student's file into ``submission/`` (as ``name``), then
    ``source/run_autograder`` with ``AUTOGRADER_ROOT``. Returns (seconds, results, log)."""
    root = Path(root)
    for old in (root / "submission").iterdir():
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    if submission is not None:
        shutil.copy(submission, root / "submission" / (name or Path(submission).name))
    env = dict(os.environ if env is None else env)
    env["AUTOGRADER_ROOT"] = str(root)
    env.setdefault("DLCOURSE_PYTHON", sys.executable)
    start = time.perf_counter()
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    seconds = time.perf_counter() - start
    results = json.loads((root / "results" / "results.json").read_text())
    return seconds, results, proc.stdout + proc.stderr


def otter_run(zip_path: Path, submission: Path, out_dir: Path, env: dict | None = None,
              timeout: float = 900):
    """``otter run -a <zip> -o <out_dir> <submission>``; (seconds, results or None, log)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    proc = subprocess.run([*otter_command(), "run", "-a", str(zip_path), "-o", str(out_dir),
                           "--no-logo", str(submission)], cwd=out_dir, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    seconds = time.perf_counter() - start
    try:
        results = json.loads((out_dir / "results.json").read_text())
    except (OSError, ValueError):
        results = None
    return seconds, results, proc.stdout + proc.stderr


def native(course: Path, exercise: str, submission: Path, out: Path, extra=(),
           timeout: float = 900):
    """``python -m autograder grade`` from the course repo; (seconds, results, log)."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", exercise,
                           str(submission), "-o", str(out), *extra], cwd=course,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    seconds = time.perf_counter() - start
    return seconds, json.loads(Path(out).read_text()), proc.stdout + proc.stderr


# ------------------------------------------------------------------------------ comparing

_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:ms|s)\b")


def comparable(results: dict) -> dict:
    """results.json without what legitimately differs between two runs: ``execution_time``
    and durations a test may print in its own message."""
    out = json.loads(json.dumps(results))
    out.pop("execution_time", None)
    out["output"] = _DURATION.sub("<t>", out.get("output", ""))
    for t in out.get("tests", []):
        t["output"] = _DURATION.sub("<t>", t.get("output", ""))
    return out


def first_difference(a: dict, b: dict) -> str:
    a, b = comparable(a), comparable(b)
    for key in sorted(set(a) | set(b)):
        if key != "tests" and a.get(key) != b.get(key):
            return f"{key}: {a.get(key)!r} != {b.get(key)!r}"
    ta, tb = a.get("tests", []), b.get("tests", [])
    if len(ta) != len(tb):
        return f"{len(ta)} tests != {len(tb)} tests"
    for x, y in zip(ta, tb):
        for key in sorted(set(x) | set(y)):
            if x.get(key) != y.get(key):
                return f"test {x.get('name')!r} {key}: {x.get(key)!r} != {y.get(key)!r}"
    return ""


# ---------------------------------------------------------------------- submission variants

def stub(solution: str) -> str:
    """What students start from: every solution region replaced by NotImplementedError."""
    return strip_solutions(solution)


def _regions(lines: list[str]) -> list[tuple[int, int, bool]]:
    out, start = [], None
    for i, line in enumerate(lines):
        m = BEGIN.match(line)
        if m:
            start, remove = i, bool(m.group("remove"))
        elif END.match(line) and start is not None:
            out.append((start, i, remove))
            start = None
    return out


def _enclosing_function(lines: list[str], index: int) -> str:
    for line in reversed(lines[:index]):
        m = re.match(r"^\s*def (\w+)", line)
        if m:
            return m.group(1)
    return ""


def partial(solution: str, task: str | None = None) -> str:
    """The reference with one solution region stubbed: the last region of a function named
    after ``task`` (affine -> affine_backward), else the first region."""
    lines = solution.splitlines()
    regions = [r for r in _regions(lines) if not r[2]]
    if not regions:
        return solution
    chosen = regions[0]
    if task:
        mine = [r for r in regions if _enclosing_function(lines, r[0]).startswith(task)]
        if mine:
            chosen = mine[-1]
    keep = []
    for i, line in enumerate(lines):
        is_marker = BEGIN.match(line) or END.match(line)
        if is_marker and i not in (chosen[0], chosen[1]):
            continue  # unmark every other region: its code stays
        keep.append(line)
    return strip_solutions("\n".join(keep) + "\n")


BUGGY_WRAPPER = '''

# --- bug added for testing: {name} returns twice the right arrays ---
_correct_{name} = {name}


def {name}(*args, **kwargs):
    def double(v):
        if isinstance(v, tuple):
            return tuple(double(e) for e in v[:1]) + tuple(v[1:])
        return v * 2 if hasattr(v, "shape") else v
    return double(_correct_{name}(*args, **kwargs))
'''


def buggy(solution: str, task: str | None = None) -> str:
    """The reference with a numeric bug: the first module-level function named after ``task``
    (else the first public one) returns twice its first array."""
    names = re.findall(r"^def ([a-zA-Z]\w*)\(", solution, re.M)
    chosen = next((n for n in names if task and n.startswith(task)), names[0] if names else None)
    if chosen is None:
        return solution
    return solution + BUGGY_WRAPPER.format(name=chosen)


def tasks_of(folder: Path) -> list[str]:
    """Task names used by an exercise's tests, in order of first appearance, public tests
    first (the order students meet them)."""
    seen = []
    folder = Path(folder)
    for path in [*sorted(folder.glob("tests/public/test_*.py")),
                 *sorted(folder.glob("tests/hidden/test_*.py"))]:
        for name in re.findall(r'@task\("(\w+)"\)', path.read_text()):
            if name not in seen:
                seen.append(name)
    return seen


# ------------------------------------------------------------------------- background jobs

_POOL = None
_JOBS: dict = {}
_LOCK = threading.Lock()


def wait_all() -> None:
    """Wait until every background job has finished."""
    while True:
        with _LOCK:
            pending = [f for f in _JOBS.values() if not f.done()]
        if not pending:
            return
        for f in pending:
            try:
                f.result()
            except BaseException:
                pass


def cancel_pending() -> None:
    """Cancel the background jobs that have not started (a failing run need not wait)."""
    with _LOCK:
        for future in _JOBS.values():
            future.cancel()


def background(key, fn, *args, **kwargs):
    """Start ``fn(*args, **kwargs)`` once per ``key`` in a small shared thread pool (gradings are
    subprocesses, so threads overlap them); returns its Future. Tests start all their gradings
    up front, then check each result."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max(2, min(4, os.cpu_count() or 2)))
        if key not in _JOBS:
            _JOBS[key] = _POOL.submit(fn, *args, **kwargs)
        return _JOBS[key]


# --------------------------------------------------------------------- a course under test

ATTACK_MARK = "# --- attack ---"


class CourseCheck:
    """One course's zips and the gradings that tests compare, shared by all test modules of a
    run (``course_check``). Gradings run in the background and are memoised by what they grade.

    Layout roots for run_autograder are made under /tmp with mode 0755, like /autograder, so
    that a submission probing the file system meets the same walls as on Gradescope.
    """

    def __init__(self, course: Path):
        from ..exercise import Exercise, exercise_folders
        from .build import build_zip

        self.course = Path(course).resolve()
        self.work = Path(tempfile.mkdtemp(prefix="dlcourse-zipcheck-"))
        os.chmod(self.work, 0o755)
        atexit.register(shutil.rmtree, self.work, True)
        self.exercises = [Exercise.load(f) for f in exercise_folders(self.course / "assignments")]
        self.zips = {ex.slug: build_zip(self.course, ex.folder, self.work / "zips")
                     for ex in self.exercises}
        self._n = 0

    def exercise(self, key: str):
        return next(ex for ex in self.exercises if key in (ex.name, ex.slug))

    def task(self, ex) -> str | None:
        tasks = tasks_of(ex.folder)
        return tasks[0] if tasks else None

    def _dir(self, *parts) -> Path:
        with _LOCK:
            self._n += 1
            n = self._n
        d = self.work.joinpath(*parts, str(n))
        d.mkdir(parents=True)
        os.chmod(d, 0o755)
        return d

    # -- submissions --------------------------------------------------------------------
    def variants(self, ex, more: bool = False) -> dict[str, Path]:
        """reference, stub and buggy (twice the right array from the function named after the
        exercise's first task); with ``more`` also partial (one solution region stubbed) and
        the first file of ``tests/submissions/<name>/``. Each is saved as ``<module>.py``."""
        solution = (self.course / "solutions" / f"{ex.name}.py").read_text()
        task = self.task(ex)
        texts = {"reference": solution, "stub": stub(solution), "buggy": buggy(solution, task)}
        if more:
            texts["partial"] = partial(solution, task)
            extra = sorted((self.course / "tests" / "submissions" / ex.name).glob("*.py"))
            for path in extra[:1]:
                texts[f"submissions/{path.name}"] = path.read_text()
        return {name: self.save(ex, text, f"variants/{ex.slug}/{name}") for name, text in
                texts.items()}

    def save(self, ex, text: str, folder: str) -> Path:
        d = self.work / folder
        d.mkdir(parents=True, exist_ok=True)
        path = d / f"{ex.name}.py"
        if not (path.exists() and path.read_text() == text):  # jobs may be reading it
            tmp = d / f".{ex.name}.{threading.get_ident()}.tmp"
            tmp.write_text(text)
            os.replace(tmp, path)
        return path

    def attacks(self, folder: Path) -> dict[str, tuple[str, str]]:
        """name -> (file text, expectation "honest" or "zero")."""
        out = {}
        for path in sorted(Path(folder).glob("*.py")):
            text = path.read_text()
            m = re.match(r"# expect: (honest|zero)", text)
            out[path.stem] = (text, m.group(1) if m else "honest")
        return out

    @staticmethod
    def honest_part(text: str) -> str:
        return text.split(ATTACK_MARK)[0]

    # -- gradings (Futures of (seconds, results, log)) -----------------------------------
    def native(self, ex, submission: Path, task: str | None):
        key = ("native", ex.slug, Path(submission).read_text(), task)
        extra = ["--task", task] if task else []
        return background(key, lambda: native(self.course, ex.name, submission,
                                              self._dir("native") / "results.json", extra))

    def _env(self, task, env):
        env = dict(os.environ if env is None else env)
        env.pop("DLCOURSE_GRADE_ARGS", None)
        if task:
            env["DLCOURSE_GRADE_ARGS"] = f"--task {task}"
        return env

    def zip_run(self, ex, submission: Path, task: str | None, *, name: str | None = None,
                env: dict | None = None, substitute_root: bool = False):
        """run_autograder in a fresh layout; with ``substitute_root`` the file's
        ``__AG_ROOT__`` becomes that layout's root. Future of (seconds, results, log, root)."""
        text = Path(submission).read_text()
        key = ("zip", ex.slug, text, task, name, substitute_root, repr(sorted((env or {}).items())))

        def job():
            root = unpack(self.zips[ex.slug], self._dir("ag") / "autograder")
            sub = Path(submission)
            if substitute_root:
                sub = self.save(ex, text.replace("__AG_ROOT__", str(root)),
                                f"subst/{root.parent.name}")
            return (*run_autograder(root, sub, self._env(task, env), name=name), root)

        return background(key, job)

    def otter(self, ex, submission: Path, task: str | None, *, zip_path: Path | None = None,
              env: dict | None = None):
        """``otter run`` on the zip; Future of (seconds, results or None, log)."""
        text = Path(submission).read_text().replace("__AG_ROOT__", "/autograder")
        zip_path = Path(zip_path or self.zips[ex.slug])
        key = ("otter", ex.slug, text, task, str(zip_path), repr(sorted((env or {}).items())))

        def job():
            sub = self.save(ex, text, f"otter-subs/{len(_JOBS)}-{time.monotonic_ns()}")
            return otter_run(zip_path, sub, self._dir("otter"), self._env(task, env))

        return background(key, job)

    # -- secrets ------------------------------------------------------------------------
    def secret_lines(self, ex, min_len: int = 30) -> list[str]:
        """Distinctive lines of the hidden tests and of the solution regions that appear in
        nothing public (engine, stub, public tests, strategies, probes)."""
        with zipfile.ZipFile(self.zips[ex.slug]) as zf:
            names = zf.namelist()
            hidden = [zf.read(n).decode() for n in names
                      if f"assignments/{ex.slug}/tests/hidden/" in n and n.endswith(".py")]
            public = [zf.read(n).decode() for n in names if n.endswith(".py") and not (
                "/tests/hidden/" in n or n.startswith("solutions/"))]
            solution = zf.read(f"solutions/{ex.name}.py").decode()
        public.append(stub(solution))
        public_lines = {line.strip() for text in public for line in text.splitlines()}
        lines = solution.splitlines()
        regions = [line for s, e, _ in _regions(lines) for line in lines[s + 1:e]]
        candidates = [line.strip() for text in hidden for line in text.splitlines()] + \
            [line.strip() for line in regions]
        return sorted({c for c in candidates if len(c) >= min_len and c not in public_lines
                       and not c.startswith(("import ", "from ", "#", '"""', "'''"))})


_CHECKS: dict = {}


def course_check(course: Path) -> CourseCheck:
    """The shared ``CourseCheck`` of ``course`` for this process."""
    course = Path(course).resolve()
    with _LOCK:
        if course not in _CHECKS:
            _CHECKS[course] = CourseCheck(course)
        return _CHECKS[course]
