"""Otter-Grader 7 plugin: grade with the sandboxed dlcourse engine, never in Otter's kernel.

Named in the zip's ``otter_config.json`` (``"plugins": ["autograder.gradescope.otter_plugin.
DlcourseGrader"]``); Otter imports it from the installed ``dlcourse`` package. Otter's events,
in the order ``PythonRunner.run`` fires them:

``before_grading``
    runs the zip's own engine in a subprocess, ``python -m autograder.gradescope.run`` in
    ``<autograder>/source`` (the same entry point as Gradescope's ``run_autograder``), on the file
    Otter resolved. Student code runs only in that grader's sandboxed worker.
``before_execution`` (documented: "the altered submission to be executed")
    returns a notebook with no code, so whatever Otter executes contains nothing of the student's.
``after_grading``
    turns Otter's (empty) ``GradingResults`` into ``DlcourseResults``, whose
    ``to_gradescope_dict`` returns the engine's results.json verbatim: same scores, messages and
    per-test visibility as ``dlcourse grade``.

Thin shim (on by default, ``{"...DlcourseGrader": {"use_kernel": true}}`` turns it off):
``before_grading`` also swaps ``python_runner.grade_notebook`` for one call, for a function that
fires the same two events without starting a Jupyter kernel (which would execute nothing anyway).
That saves the kernel's start-up and means ``otter run`` needs no ipykernel.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults

from .run import MANIFEST, failure, valid_results

NAME = f"{__name__}.DlcourseGrader"
#: seconds beyond the exercise's total_timeout_s (the entry point has its own limit inside)
SUBPROCESS_GRACE_S = 300


class DlcourseResults(GradingResults):
    """Otter's results object carrying the dlcourse engine's results.json unchanged."""

    @property
    def dlcourse(self) -> dict:
        return self.get_plugin_data(NAME, {}) or {}

    def to_gradescope_dict(self, ag_config=None) -> dict:
        return copy.deepcopy(self.dlcourse)

    @property
    def total(self):
        return self.dlcourse.get("score", 0.0)

    @property
    def possible(self):
        return self.dlcourse.get("max_score", 0.0)

    @property
    def passed_all_public(self) -> bool:
        return all(t.get("status") == "passed" for t in self.dlcourse.get("tests", [])
                   if t.get("visibility") == "visible")

    def summary(self, public_only: bool = False) -> str:
        return self.dlcourse.get("output", "")

    def to_report_str(self) -> str:
        return self.summary()

    def to_dict(self) -> dict:
        return {"dlcourse": copy.deepcopy(self.dlcourse)}


def grade_in_sandbox(autograder_dir: str, submission: str) -> tuple[dict, str]:
    """Run the zip's entry point on ``submission``; (results, what it printed)."""
    start = time.monotonic()
    ag = Path(autograder_dir).resolve()
    source = ag / "source"
    max_score, limit = 0.0, 600.0
    try:
        manifest = json.loads((source / MANIFEST).read_text())
        max_score = float(manifest.get("max_score", 0.0))
        limit = float(manifest.get("total_timeout_s", limit))
    except (OSError, ValueError) as exc:
        return failure(f"This is not a dlcourse autograder zip ({exc}).",
                       seconds=time.monotonic() - start), ""
    fd, out = tempfile.mkstemp(prefix="dlcourse-otter-", suffix=".json")
    os.close(fd)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(source) + (os.pathsep + env["PYTHONPATH"]
                                       if env.get("PYTHONPATH") else "")
    try:
        proc = subprocess.run(
            [sys.executable, "-P", "-m", "autograder.gradescope.run", "--root", str(ag),
             "--submission", str(submission), "--out", out],
            cwd=source, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
            timeout=limit + SUBPROCESS_GRACE_S)
        log = proc.stdout
        try:
            data = json.loads(Path(out).read_text())
        except (OSError, ValueError):
            data = None
        if not valid_results(data):
            data = failure("The autograder could not grade this submission. Please contact the "
                           "course staff.", seconds=time.monotonic() - start, max_score=max_score)
        return data, log
    except subprocess.TimeoutExpired:
        return failure("Grading did not finish in time. Please contact the course staff.",
                       seconds=time.monotonic() - start, max_score=max_score), ""
    finally:
        os.unlink(out)


def _empty_notebook():
    import nbformat
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Graded by dlcourse in its sandboxed worker; nothing is executed here.")])


class DlcourseGrader(AbstractOtterPlugin):
    """See the module docstring."""

    def __init__(self, submission_path, submission_metadata, plugin_config):
        super().__init__(submission_path, submission_metadata, plugin_config or {})
        self.results: dict | None = None
        self.log = ""
        self.autograder_dir: str | None = None

    # -- events -------------------------------------------------------------------------
    def before_grading(self, config):
        self.autograder_dir = config.autograder_dir
        config.pdf = False  # nothing to export: the notebook Otter sees is empty
        self._grade()
        if not self.plugin_config.get("use_kernel", False):
            _skip_kernel_once(self)

    def before_execution(self, submission):
        return _empty_notebook()

    def after_grading(self, results):
        self._grade()
        results.clear_results()
        results.__class__ = DlcourseResults
        results.set_plugin_data(NAME, self.results)

    def generate_report(self):
        r = self.results or {}
        lines = [f"dlcourse: {r.get('score', 0):g} / {r.get('max_score', 0):g} "
                 "(graded by the sandboxed engine; the submission never ran in this process)"]
        if self.log.strip():
            lines.append(self.log.strip()[-4000:])
        return "\n".join(lines)

    # -- helpers ------------------------------------------------------------------------
    def _grade(self):
        if self.results is None:
            ag = self.autograder_dir or str(Path(self.submission_path).resolve().parent.parent)
            self.results, self.log = grade_in_sandbox(ag, self.submission_path)


def _skip_kernel_once(plugin: DlcourseGrader) -> None:
    """Replace ``python_runner.grade_notebook`` for the next call only (see module docstring)."""
    try:
        from otter.run.run_autograder.runners import python_runner
    except ImportError:  # another Otter layout: the documented events alone still hold
        return
    original = python_runner.grade_notebook

    def grade_without_kernel(submission_path, *, plugin_collection=None, **kwargs):
        python_runner.grade_notebook = original
        if plugin_collection is None:
            return original(submission_path, plugin_collection=plugin_collection, **kwargs)
        notebook = plugin_collection.before_execution(_empty_notebook())
        results = GradingResults([], notebook=notebook)
        plugin_collection.run("after_grading", results)
        return results

    python_runner.grade_notebook = grade_without_kernel
