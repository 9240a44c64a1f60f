"""Exercise 2 (depth) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/depth/ok_*.py full marks, and every buggy variant bug_*.py loses points in the
tests aimed at its bug with a message that points at it. Buggy variants are graded on the task
that holds their bug (``--task``), the rest in full; all gradings run once, in parallel (one
subprocess each), in a module-scoped fixture. Device bugs (device_*.py) and the GPU parity tests
are covered by tests/test_device_parity.py.
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
EXERCISE = ROOT / "assignments" / "02-depth"
VARIANTS = ROOT / "tests" / "submissions" / "depth"
STUB = ROOT / "student_template" / "02-depth" / "depth.py"
REFERENCE = ROOT / "solutions" / "depth.py"

# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: None = any)
BUGS = {
    "bug_residual_no_skip": ("make_mlp", {
        "test_make_mlp_residual_adds_skip": ("skip", "h + act(Linear(h))")}, set()),
    "bug_output_activation": ("make_mlp", {
        "test_make_mlp_forward": ("output layer", "raw scores"),
        "test_make_mlp_residual_adds_skip": ("output layer",)}, {"test_public_make_mlp_shapes"}),
    "bug_xavier_fan_in": ("init_weights", {
        "test_init_xavier": ("xavier", "variance", "1/fan_in")}, set()),
    "bug_init_uniform": ("init_weights", {
        "test_init_he": ("normal", "kurtosis"), "test_init_xavier": ("normal",),
        "test_init_small": ("normal",)}, set()),
    "bug_init_ignores_generator": ("init_weights", {
        "test_init_generator_reproducible": ("generator", "global RNG")}, set()),
    "bug_grads_left_behind": ("layer_grad_norms", {
        "test_layer_grad_norms_leaves_no_gradients": ("left gradients", "None")}, set()),
    "bug_stale_grads": ("layer_grad_norms", {
        "test_layer_grad_norms_match_autograd": ("stale gradients", "before backward")},
        {"test_public_layer_grad_norms"}),
    "bug_clip_always_scales": ("clip_grad_norm_", {
        "test_clip_grad_norm_untouched_below_max_norm": ("below", "max_norm")}, set()),
    "bug_steps_zero_based": ("train_and_measure", {
        "test_train_and_measure_full_batch_values": ("steps_to_threshold", "from 1"),
        "test_train_and_measure_minibatches": ("steps_to_threshold",)},
        {"test_train_and_measure_keys_types_lengths"}),
    "bug_weighted_loss_curve": ("train_and_measure", {
        "test_train_and_measure_minibatches": ("loss_curve", "unweighted")}, set()),
    "bug_study_shared_generator": ("depth_study", {
        "test_depth_study_runs_are_reproducible": ("alone", "fresh generator")}, set()),
    "bug_plot_linear_scale": ("plot_depth_study", {
        "test_plot_depth_study_log_scale_gradient_axes": ("log-scale",)}, set()),
}
OKS = sorted(p.stem for p in VARIANTS.glob("ok_*.py"))
# nothing of the tests' internals may reach a student
LEAKS = ("Traceback (most recent call last)", "def test_", "reference()", "solutions/",
         "depth_oracle", "assert ")


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
    out_dir = tmp_path_factory.mktemp("depth_results")
    jobs = {"reference": (REFERENCE, None), "stub": (STUB, None)}
    jobs.update({name: (VARIANTS / f"{name}.py", None) for name in OKS})
    jobs.update({name: (VARIANTS / f"{name}.py", task) for name, (task, _, _) in BUGS.items()})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(grade, "depth", name, path, out_dir, task)
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
        assert "NotImplementedError" in t["output"], t
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
