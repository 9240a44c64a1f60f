"""Shared machinery of the per-exercise end-to-end tests: grade the reference, the released
stub and the variants under tests/submissions/<name>/ through the CLI (in parallel
subprocesses), then check each outcome. A test module builds one ``VariantSuite`` with its table
of bugs and subclasses ``VariantTests`` with it (``class TestVariants(VariantTests): suite = ...``),
which gives it the common tests."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from autograder.audit.config import read_tests
from autograder.exercise import Exercise

ROOT = Path(__file__).resolve().parent.parent
# nothing of the tests' internals may reach a student
COMMON_LEAKS = ("Traceback (most recent call last)", "def test_", "reference()", "solutions/",
                "assert ")


def grade(exercise: str, name: str, path: Path, out_dir: Path, task: str | None = None,
          env: dict | None = None) -> dict:
    out = out_dir / f"{name}.results"  # not *.json: other runs on this machine scan for those
    cmd = [sys.executable, "-m", "autograder", "grade", exercise, str(path), "-o", str(out)]
    proc = subprocess.run(cmd + (["--task", task] if task else []), cwd=ROOT, capture_output=True,
                          text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    assert proc.returncode == 0, f"grading {name} failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text())


class VariantSuite:
    """``bugs``: variant -> (task graded, None for all; {test that must fail: words its message
    must contain (any case)}; the other tests it fails). The two together are the EXACT set of
    tests the variant fails: a planted bug shows which tests its one mistake costs (a cascade
    into other tasks shows up as a change of that set). ``leaks``: strings, ``leak_patterns``:
    regular expressions that must appear in no student-visible output."""

    def __init__(self, slug: str, name: str, bugs: dict, leaks: tuple = (),
                 leak_patterns: tuple = (), stub_messages: tuple = ("NotImplementedError",)):
        self.slug, self.name, self.bugs = slug, name, bugs
        self.exercise = ROOT / "assignments" / slug
        self.variants = ROOT / "tests" / "submissions" / name
        self.leaks = COMMON_LEAKS + tuple(leaks)
        self.leak_patterns = tuple(re.compile(p) for p in leak_patterns)
        self.stub_messages = stub_messages
        self.oks = sorted(p.stem for p in self.variants.glob("ok_*.py"))
        # lazy_*.py: every function returns constants of the right shape and dtype (scores 0)
        self.lazies = sorted(p.stem for p in self.variants.glob("lazy_*.py"))
        self.titles = self._titles()
        self.by_title = {v: k for k, v in self.titles.items()}

    def _titles(self) -> dict:
        """test function name -> its title (first docstring line) as results.json shows it."""
        return {t.test_id: t.title for t in read_tests(Exercise.load(self.exercise))}

    def outcomes(self, result: dict) -> dict:
        """test function name -> results.json entry."""
        return {self.by_title[t["name"].split("] ", 1)[1]]: t for t in result["tests"]}

    def grade_all(self, out_dir: Path) -> dict:
        jobs = {"reference": (ROOT / "solutions" / f"{self.name}.py", None),
                "stub": (ROOT / "student_template" / self.slug / f"{self.name}.py", None)}
        jobs.update({n: (self.variants / f"{n}.py", None) for n in self.oks + self.lazies})
        jobs.update({n: (self.variants / f"{n}.py", task) for n, (task, _, _) in self.bugs.items()})
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            futures = {n: pool.submit(grade, self.name, n, path, out_dir, task)
                       for n, (path, task) in jobs.items()}
            return {n: f.result() for n, f in futures.items()}

    # ------------------------------------------------------------------ checks
    def check_titles_configured(self):
        assert len(set(self.titles.values())) == len(self.titles)
        config = tomllib.loads((self.exercise / "exercise.toml").read_text())
        assert set(config["tests"]) == set(self.titles), "every test needs an exercise.toml entry"

    def check_variant_table(self):
        for name, (task, must, also) in self.bugs.items():
            assert (self.variants / f"{name}.py").exists(), name
            assert also is not None, f"{name}: state the exact set of other tests it fails"
            assert set(must) | set(also) <= set(self.titles), name

    def check_reference(self, r: dict):
        failed = [(t["name"], t["output"]) for t in r["tests"]
                  if t.get("status") != "passed" and not t["output"].startswith("skipped")]
        assert not failed and r["score"] == r["max_score"] > 0, failed
        assert len(r["tests"]) == len(self.titles)
        assert r["execution_time"] < 60, "grading the reference must stay under a minute"

    def check_stub(self, r: dict, reference: dict):
        assert r["score"] == 0 and r["max_score"] == reference["max_score"]
        assert len(r["tests"]) == len(self.titles), "every test must run (and fail or skip)"
        for t in r["tests"]:
            if t["output"].startswith("skipped"):
                continue
            assert any(m in t["output"] for m in self.stub_messages), t
            assert "autograder problem" not in t["output"], t

    @staticmethod
    def check_full_marks(r: dict):
        assert r["score"] == r["max_score"], [(t["name"], t["output"]) for t in r["tests"]
                                              if t.get("status") != "passed"]

    def check_lazy(self, r: dict):
        """No points without right values: constants of the right shape earn nothing."""
        assert r["score"] == 0, [t["name"] for t in r["tests"] if t.get("status") == "passed"]

    def check_bug(self, name: str, r: dict):
        task, must_fail, also_fail = self.bugs[name]
        assert r["score"] < r["max_score"]
        got = self.outcomes(r)
        for test, words in must_fail.items():
            entry = got[test]
            assert entry.get("status") == "failed", f"{name}: {test} passed"
            for word in words:
                assert word.lower() in entry["output"].lower(), (
                    f"{name}: {test}'s message lacks {word!r}:\n{entry['output']}")
        failed = {k for k, t in got.items()
                  if t.get("status") == "failed" and not t["output"].startswith("skipped")}
        expected = set(must_fail) | set(also_fail)
        assert failed == expected, (f"{name}: unexpected failures {sorted(failed - expected)}, "
                                    f"expected but passed {sorted(expected - failed)}")

    def check_exact_failures(self, name: str, r: dict):
        """The variant fails exactly its must-fail tests and its listed others (none may pass)."""
        task, must_fail, others = self.bugs[name]
        assert others is not None, f"{name}: list the exact set of other failing tests"
        failed = {k for k, t in self.outcomes(r).items()
                  if t.get("status") == "failed" and not t["output"].startswith("skipped")}
        assert failed == set(must_fail) | others, (
            f"{name}: unexpected failures {sorted(failed - set(must_fail) - others)}, "
            f"listed but passed {sorted((set(must_fail) | others) - failed)}")

    def check_no_leaks(self, results: dict):
        for name, r in results.items():
            for where, text in [("top", r.get("output", ""))] + [(t["name"], t["output"])
                                                                for t in r["tests"]]:
                for leak in self.leaks:
                    assert leak not in text, f"{name}: {where}: {leak!r} in\n{text}"
                for pattern in self.leak_patterns:
                    assert not pattern.search(text), f"{name}: {where}: {pattern.pattern} in\n{text}"


class VariantTests:
    """The end-to-end tests every exercise gets: subclass as ``TestVariants`` with ``suite``."""
    suite: VariantSuite

    def pytest_generate_tests(self, metafunc):
        if "ok_variant" in metafunc.fixturenames:
            metafunc.parametrize("ok_variant", self.suite.oks)
        if "bug_variant" in metafunc.fixturenames:
            metafunc.parametrize("bug_variant", sorted(self.suite.bugs))
        if "lazy_variant" in metafunc.fixturenames:
            metafunc.parametrize("lazy_variant", self.suite.lazies)

    @pytest.fixture(scope="class")
    @classmethod
    def results(cls, tmp_path_factory):
        return cls.suite.grade_all(tmp_path_factory.mktemp(f"{cls.suite.name}_results"))

    def test_titles_are_unique_and_configured(self):
        self.suite.check_titles_configured()

    def test_variant_table_names_real_tests(self):
        self.suite.check_variant_table()

    def test_reference_gets_full_marks_fast(self, results):
        self.suite.check_reference(results["reference"])

    def test_stub_scores_zero_without_crashing(self, results):
        self.suite.check_stub(results["stub"], results["reference"])

    def test_correct_variant_gets_full_marks(self, results, ok_variant):
        self.suite.check_full_marks(results[ok_variant])

    def test_lazy_variant_scores_zero(self, results, lazy_variant):
        self.suite.check_lazy(results[lazy_variant])

    def test_buggy_variant_loses_points_with_a_pointed_message(self, results, bug_variant):
        self.suite.check_bug(bug_variant, results[bug_variant])

    def test_messages_leak_nothing(self, results):
        self.suite.check_no_leaks(results)
