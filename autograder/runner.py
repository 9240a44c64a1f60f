"""Run an exercise's tests in this (trusted) process against a sandboxed submission.

pytest collects and runs the tests; this plugin gives them the ``submission`` fixture, sets the
grading hypothesis profile, and turns every outcome into a ``TestOutcome`` whose message is safe
to show (our own failure text, the student's traceback, the falsifying example — never test
source or expected values).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

from . import testing
from .catalog import canonical_task
from .errors import GradingFailure, NotImplementedYet, SubmissionError, WorkerLost
from .exercise import SUITES, Exercise
from .sandbox.proxy import SubmissionProxy

PROFILE = "dlcourse-grading"
PLUGIN_NAME = "dlcourse-grading-plugin"


@dataclass
class TestOutcome:
    test_id: str  # function name, the key in exercise.toml
    title: str  # first docstring line
    suite: str  # public | hidden
    task: str | None
    status: str  # passed | failed | skipped
    message: str
    points: float
    max_points: float
    visibility: str
    printed: str = ""  # what the student's code printed during this test (failed tests only)


def register_profile(max_examples: int, seed: int | None = None) -> None:
    """Deterministic hypothesis for grading (CI=true would otherwise select hypothesis' ci profile).
    ``seed``: draw other examples, still deterministically (``dlcourse audit``'s false-failure
    audit); official grading uses the derandomized default (seed None)."""
    settings.register_profile(
        PROFILE, derandomize=seed is None, database=None, deadline=None, max_examples=max_examples,
        suppress_health_check=list(HealthCheck), print_blob=False, report_multiple_bugs=False,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))  # no "explain": it quotes test source
    settings.load_profile(PROFILE)


def falsifying_example(exc: BaseException) -> str:
    """Hypothesis' 'Falsifying example: test(seed=3, n=1)' note, on one line."""
    prefixes = ("Falsifying example: ", "Failing test case: ")
    notes = [n for n in getattr(exc, "__notes__", []) if n.startswith(prefixes)]
    if not notes:
        return ""
    text = " ".join(line.strip() for line in notes[0].splitlines())
    for prefix in prefixes:
        text = text.replace(prefix, "")
    text = text.replace("submission=submission, ", "").replace("( ", "(").replace(", )", ")")
    return "Smallest failing input: " + text


def describe_failure(exc: BaseException) -> str:
    if isinstance(exc, GradingFailure):
        text = str(exc) or "check failed"
    elif isinstance(exc, SubmissionError):
        text = exc.describe()
    elif isinstance(exc, NotImplementedYet):
        text = str(exc)
    elif isinstance(exc, WorkerLost):
        text = exc.message
    elif isinstance(exc, AssertionError):
        # a bare assert keeps only its own first line: library assertions such as
        # numpy.testing's print both arrays on later lines, and those hold expected values
        first = (str(exc).strip().splitlines() or [""])[0]
        text = "check failed" if not first or first.startswith("Not equal to tolerance") else first
    else:  # an error in the parent while using the student's result
        text = (f"your result could not be checked ({type(exc).__name__}: "
                f"{str(exc)[:200]}); check the types and shapes you return")
    # an import failure fails every test whatever its input: no "smallest failing input"
    example = "" if getattr(exc, "load_failure", False) else falsifying_example(exc)
    return f"{text}\n{example}" if example else text


class GradingPlugin:
    def __init__(self, exercise: Exercise, proxy: SubmissionProxy, task: str | None,
                 deadline: float, max_examples: int | None = None, seed: int | None = None):
        self.exercise, self.proxy, self.task, self.deadline = exercise, proxy, task, deadline
        self.max_examples = max_examples or exercise.max_examples
        self.seed = seed
        self.outcomes: dict[str, TestOutcome] = {}
        self._printed_before = ""

    def pytest_configure(self, config):
        config.addinivalue_line("markers", "task(name): the task (function) a test grades")
        register_profile(self.max_examples, self.seed)

    def pytest_collection_modifyitems(self, config, items):
        if self.task is None:
            return
        keep = [i for i in items if _task_of(i) == canonical_task(self.task)]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep

    def pytest_runtest_setup(self, item):
        self._printed_before = self.proxy.output()
        if time.monotonic() > self.deadline:
            raise WorkerLost("not run: the grading time limit was reached")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        name = item.originalname or item.name
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._record(item, name, report, call)

    def _record(self, item, name, report, call):
        suite = _suite_of(item)
        cfg = self.exercise.test_config(name)
        doc = (item.function.__doc__ or name).strip().splitlines()[0]
        if report.passed:
            status, message, score = "passed", "passed", cfg.points
        elif report.skipped:
            reason = call.excinfo.value.msg if call.excinfo is not None else "skipped"
            status, message, score = "skipped", f"skipped: {reason}", 0.0
        else:
            status, message, score = "failed", describe_failure(call.excinfo.value), 0.0
        self.outcomes[name] = TestOutcome(
            name, doc, suite, _task_of(item), status, message, score, cfg.points,
            self.exercise.visibility(name, suite),
            printed=self._printed_since_setup() if status == "failed" else "")

    def _printed_since_setup(self) -> str:
        """The student's output that arrived during this test (the worker writes unbuffered;
        a short wait lets the reader thread catch up)."""
        time.sleep(0.005)
        now = self.proxy.output()
        return now[len(self._printed_before):] if now.startswith(self._printed_before) else now


@pytest.fixture(scope="session")
def submission(request):
    """The sandboxed student module (see ``SubmissionProxy``)."""
    return request.config.pluginmanager.get_plugin(PLUGIN_NAME).proxy


def _task_of(item) -> str | None:
    mark = item.get_closest_marker("task")
    return mark.args[0] if mark else None


def _suite_of(item) -> str:
    parts = Path(str(item.fspath)).parts
    return "hidden" if "hidden" in parts else "public"


class _Registered:
    """Registers the plugin under a known name so the fixture can find it."""

    def __init__(self, plugin):
        self.plugin = plugin

    def pytest_plugin_registered(self, plugin, manager):
        if plugin is self and manager.get_plugin(PLUGIN_NAME) is None:
            manager.register(self.plugin, PLUGIN_NAME)


@contextlib.contextmanager
def _private_hypothesis_home():
    """Hypothesis keeps caches under ``./.hypothesis`` (the student's folder when they run
    dlcheck): point it at a temporary folder removed afterwards."""
    from hypothesis.configuration import set_hypothesis_home_dir
    with tempfile.TemporaryDirectory(prefix="dlcourse-hypothesis-") as home:
        set_hypothesis_home_dir(home)
        try:
            yield
        finally:
            set_hypothesis_home_dir(None)


def _forget_other_exercises(folder: Path) -> None:
    """Exercise modules are imported by plain name (``strategies``, ``probes``, hidden helpers):
    when this process graded or checked another exercise before (a notebook's kernel, the
    project's tests), drop those modules and that folder from sys.path, or they would shadow
    this exercise's."""
    folder = Path(folder).resolve()
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if "." in name or not path:
            continue
        owner = next((p for p in Path(path).resolve().parents if (p / "exercise.toml").is_file()),
                     None)
        if owner is not None and owner != folder:
            del sys.modules[name]
            if str(owner) in sys.path:
                sys.path.remove(str(owner))


def run_tests(exercise: Exercise, proxy: SubmissionProxy, *, suites=SUITES,
              solution: Path | None = None, task: str | None = None,
              deadline: float | None = None, quiet: bool = True,
              max_examples: int | None = None, seed: int | None = None) -> list[TestOutcome]:
    """Run the given suites; returns one outcome per test, in collection order. ``seed``: a
    non-default hypothesis seed (instructors' audits only)."""
    testing.set_reference(solution if "hidden" in suites else None)
    deadline = deadline or time.monotonic() + exercise.limits.total_timeout_s
    proxy.deadline = deadline
    plugin = GradingPlugin(exercise, proxy, task, deadline, max_examples, seed)
    paths = [str(exercise.suite_dir(s)) for s in suites if exercise.suite_dir(s).is_dir()]
    _forget_other_exercises(exercise.folder)
    if str(exercise.folder) not in sys.path:
        sys.path.insert(0, str(exercise.folder))  # tests import the exercise's strategies.py
    args = [*paths, "--rootdir", str(exercise.folder), "-p", "no:cacheprovider",
            "--import-mode=importlib", "--assert=plain", "-o", "addopts=", "-o", "python_files=test_*.py",
            "--tb=native",  # failures are reported from the exception; pytest's long repr of
            # every frame's arguments cost seconds per failed test
            "-W", "ignore::pytest.PytestAssertRewriteWarning", "-c", os.devnull]
    if seed is not None:
        args.append(f"--hypothesis-seed={seed}")
    log = io.StringIO()
    with contextlib.redirect_stdout(log if quiet else sys.stdout), _private_hypothesis_home():
        code = pytest.main(args + ["-q"], plugins=[_Registered(plugin), sys.modules[__name__]])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                    pytest.ExitCode.NO_TESTS_COLLECTED):
        raise RuntimeError(f"the exercise's tests could not run (pytest exit {int(code)}):\n"
                           + log.getvalue()[-4000:])
    return list(plugin.outcomes.values())
