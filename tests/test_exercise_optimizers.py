"""Exercise 3 (optimizers) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/optimizers/ok_*.py full marks, and every buggy variant bug_*.py loses points in the
tests aimed at its bug with a message that points at it. Buggy variants are graded on the task
that holds their bug (``--task``), the rest in full; all gradings run once, in parallel (one
subprocess each), in a module-scoped fixture. Device bugs (device_*.py) and the GPU parity
tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXERCISE = ROOT / "assignments" / "03-optimizers"
VARIANTS = ROOT / "tests" / "submissions" / "optimizers"
STUB = ROOT / "student_template" / "03-optimizers" / "optimizers.py"
REFERENCE = ROOT / "solutions" / "optimizers.py"

# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: None = any)
BUGS = {
    "bug_nesterov_swapped": ("SGD", {
        "test_sgd_nesterov_matches_torch": ("nesterov", "g + momentum * v")},
        {"test_sgd_weight_decay_matches_torch", "test_public_sgd_nesterov"}),
    "bug_sgd_weight_decay_after_step": ("SGD", {
        "test_sgd_weight_decay_matches_torch": ("weight decay", "after the update")},
        {"test_public_sgd_nesterov"}),
    "bug_adagrad_eps_inside": ("AdaGrad", {
        "test_adagrad_matches_torch": ("eps", "outside the square root")},
        {"test_public_adagrad"}),
    "bug_adam_no_bias_correction": ("Adam", {
        "test_adam_matches_torch": ("bias correction", "1 - beta1^t"),
        "test_adam_weight_decay_matches_torch": ("bias correction",),
        "test_adamw_matches_torch": ("bias correction",)}, {"test_public_adamw"}),
    "bug_adamw_coupled": ("Adam", {
        "test_adamw_matches_torch": ("decoupled=True", "1 - lr * weight_decay", "gradient")},
        {"test_public_adamw"}),
    "bug_state_outside_self_state": ("optimizers", {
        "test_state_dict_round_trip": ("load_state_dict", "self.state[p]")}, None),
    "bug_delegates_to_torch_optim": ("optimizers", {
        "test_updates_do_not_call_torch_optim": ("torch.optim's own update code",
                                                 "tensor operations")}, None),
    "bug_step_decay_off_by_one": ("schedules", {
        "test_step_decay": ("step_decay", "one epoch ahead")}, set()),
    "bug_warmup_cosine_over_total": ("schedules", {
        "test_warmup_cosine": ("total - warmup",)}, {"test_public_schedules_known_values"}),
    "bug_compare_shared_model": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": (
            "same model", "own fresh model", "shared-model bug")}, set()),
    "bug_compare_fresh_init": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": ("same initial weights",),
        "test_compare_optimizers_reproducible_from_generator": ("generator",)},
        {"test_public_compare_optimizers_structure"}),
    "bug_lr_sensitivity_best_loss": ("lr_sensitivity", {
        "test_lr_sensitivity_too_large_lr_diverges": ("diverge", "after the last step")},
        {"test_lr_sensitivity_structure_and_values"}),
}
OKS = sorted(p.stem for p in VARIANTS.glob("ok_*.py"))
# nothing of the tests' internals may reach a student
LEAKS = ("Traceback (most recent call last)", "def test_", "reference()", "solutions/",
         "optimizers_oracle", "assert ")


def _titles() -> dict:
    """test function name -> its title (first docstring line) as results.json shows it."""
    names = {}
    for path in (EXERCISE / "tests").rglob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names[node.name] = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
    return names


TITLES = _titles()
BY_TITLE = {v: k for k, v in TITLES.items()}


def grade(exercise: str, name: str, path: Path, out_dir: Path, task: str | None = None,
          env: dict | None = None) -> dict:
    out = out_dir / f"{name}.results"  # not *.json: other runs on this machine scan for those
    cmd = [sys.executable, "-m", "autograder", "grade", exercise, str(path), "-o", str(out)]
    proc = subprocess.run(cmd + (["--task", task] if task else []), cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})})
    assert proc.returncode == 0, f"grading {name} failed:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text())


def outcomes(result: dict) -> dict:
    """test function name -> results.json entry."""
    return {BY_TITLE[t["name"].split("] ", 1)[1]]: t for t in result["tests"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("optimizers_results")
    jobs = {"reference": (REFERENCE, None), "stub": (STUB, None)}
    jobs.update({name: (VARIANTS / f"{name}.py", None) for name in OKS})
    jobs.update({name: (VARIANTS / f"{name}.py", task) for name, (task, _, _) in BUGS.items()})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(grade, "optimizers", name, path, out_dir, task)
                   for name, (path, task) in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def test_titles_are_unique_and_configured():
    assert len(set(TITLES.values())) == len(TITLES)
    config = tomllib.loads((EXERCISE / "exercise.toml").read_text())
    assert set(config["tests"]) == set(TITLES), "every test needs an exercise.toml entry and back"


def test_variant_table_names_real_tests():
    for name, (task, must, may) in BUGS.items():
        assert (VARIANTS / f"{name}.py").exists(), name
        assert set(must) | (may or set()) <= set(TITLES), name


def test_reference_gets_full_marks_fast(results):
    r = results["reference"]
    failed = [(t["name"], t["output"]) for t in r["tests"]
              if t.get("status") != "passed" and not t["output"].startswith("skipped")]
    assert not failed and r["score"] == r["max_score"] > 0
    assert len(r["tests"]) == len(TITLES)
    assert r["execution_time"] < 60, "grading the reference must stay under a minute"


def test_stub_scores_zero_without_crashing(results):
    r = results["stub"]
    assert r["score"] == 0 and r["max_score"] == results["reference"]["max_score"]
    assert len(r["tests"]) == len(TITLES), "every test must run (and fail or skip) on the stub"
    for t in r["tests"]:
        if t["output"].startswith("skipped"):
            continue
        # the stub's constructors do not validate yet: those tests fail without raising
        assert "NotImplementedError" in t["output"] or "should raise ValueError" in t["output"], t
        assert "autograder problem" not in t["output"], t


@pytest.mark.parametrize("name", OKS)
def test_correct_variant_gets_full_marks(results, name):
    r = results[name]
    assert r["score"] == r["max_score"], [(t["name"], t["output"]) for t in r["tests"]
                                          if t.get("status") != "passed"]


@pytest.mark.parametrize("name", sorted(BUGS))
def test_buggy_variant_loses_points_with_a_pointed_message(results, name):
    task, must_fail, may_fail = BUGS[name]
    r = results[name]
    assert r["score"] < r["max_score"]
    got = outcomes(r)
    for test, words in must_fail.items():
        entry = got[test]
        assert entry.get("status") == "failed", f"{name}: {test} passed"
        for word in words:
            assert word.lower() in entry["output"].lower(), (name, test, word, entry["output"])
    failed = {k for k, t in got.items() if t.get("status") == "failed" and not t["output"].startswith("skipped")}
    if may_fail is not None:
        assert failed <= set(must_fail) | may_fail, f"{name}: unexpected failures {failed - set(must_fail) - may_fail}"


def test_messages_leak_nothing(results):
    for name, r in results.items():
        for t in r["tests"]:
            for leak in LEAKS:
                assert leak not in t["output"], (name, t["name"], leak)
