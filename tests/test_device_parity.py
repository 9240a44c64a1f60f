"""Device handling of the torch exercises (2 to 6), through the CLI.

- The CPU-only device checks (tests/hidden/test_device.py: probes.device_rules) catch planted
  device bugs (tests/submissions/<exercise>/device_*.py) with a pointed message, and pass for
  the reference.
- The GPU-vs-CPU parity tests (tests/hidden/test_gpu_parity.py) skip with the CUDA reason where
  there is no GPU (and pass for the reference where there is one). With
  DLCOURSE_PARITY_DEVICE=cpu they run their comparison CPU-against-CPU, which exercises their
  code path here: the reference and the correct variants pass them.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from variant_grading import ROOT, VariantSuite, grade

SUBMISSIONS = ROOT / "tests" / "submissions"
EXERCISES = {"depth": "02-depth", "optimizers": "03-optimizers", "regularization": "04-regularization",
             "sparse_autoencoder": "05-sparse-autoencoder", "vae": "06-vae"}
SKIP_REASON = "CUDA not available: GPU-vs-CPU parity not checked on this machine"

# (exercise, variant) -> (task, device test that must fail, words of its message)
DEVICE_BUGS = {
    ("depth", "device_numpy_in_grad_norms"): (
        "layer_grad_norms", "test_layer_grad_norms_device", ("device bug", ".numpy()")),
    ("depth", "device_cuda_in_init"): (
        "init_weights", "test_init_weights_device", ("device bug", "'cuda'")),
    ("depth", "device_cpu_in_clip"): (
        "clip_grad_norm_", "test_clip_grad_norm_device", ("device bug", ".cpu()")),
    ("depth", "device_randperm_without_device"): (
        "train_and_measure", "test_train_and_measure_device", ("device bug", "without device=")),
    ("optimizers", "device_zeros_without_device"): (
        "Adam", "test_adam_device", ("device bug", "without device=")),
    ("regularization", "device_dropout_mask_without_device"): (
        "dropout", "test_dropout_device", ("device bug", "without device=")),
    ("regularization", "device_smooth_labels_zeros_without_device"): (
        "smooth_labels", "test_smooth_labels_device", ("device bug", "without device=")),
    ("sparse_autoencoder", "device_mask_without_device"): (
        "k_sparse", "test_k_sparse_device", ("device bug", "without device=")),
    ("vae", "device_cpu_in_train"): (
        "train_vae", "test_train_vae_device", ("device bug", ".cpu()")),
}
CPU_PARITY = {"DLCOURSE_PARITY_DEVICE": "cpu"}


SUITES = {name: VariantSuite(slug, name, bugs={}) for name, slug in EXERCISES.items()}


def _by_name(exercise, result):
    return SUITES[exercise].outcomes(result)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("device_results")
    jobs = {}
    for exercise in EXERCISES:
        ref = ROOT / "solutions" / f"{exercise}.py"
        jobs[(exercise, "reference", "full+cpu-parity")] = (ref, None, CPU_PARITY)
        jobs[(exercise, "reference", "parity")] = (ref, "gpu-parity", None)
        for ok in sorted((SUBMISSIONS / exercise).glob("ok_*.py")):
            jobs[(exercise, ok.stem, "cpu-parity")] = (ok, "gpu-parity", CPU_PARITY)
    for (exercise, name), (task, _, _) in DEVICE_BUGS.items():
        jobs[(exercise, name, task)] = (SUBMISSIONS / exercise / f"{name}.py", task, None)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {key: pool.submit(grade, key[0], "-".join(key), path, out, task, env)
                   for key, (path, task, env) in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_reference_passes_device_checks_and_cpu_parity(results, exercise):
    r = results[(exercise, "reference", "full+cpu-parity")]
    got = _by_name(exercise, r)
    device_tests = [k for k in got if k.endswith("_device")]
    parity_tests = [k for k in got if k.endswith("_parity")]
    assert len(device_tests) >= 5 and len(parity_tests) >= 6
    for k in device_tests + parity_tests:
        assert got[k].get("status") == "passed", (k, got[k]["output"])
    assert r["score"] == r["max_score"]


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_parity_tests_skip_cleanly_without_cuda(results, exercise):
    r = results[(exercise, "reference", "parity")]
    assert r["tests"] and r["max_score"] == 0, "parity tests are informational (0 points)"
    for t in r["tests"]:
        if torch.cuda.is_available():
            assert t.get("status") == "passed", t
        else:
            assert t["output"] == f"skipped: {SKIP_REASON}", t
            assert t["visibility"] == "visible"


@pytest.mark.parametrize("key", [(ex, p.stem) for ex in sorted(EXERCISES)
                                 for p in sorted((SUBMISSIONS / ex).glob("ok_*.py"))])
def test_correct_variants_pass_the_parity_code_path(results, key):
    exercise, name = key
    r = results[(exercise, name, "cpu-parity")]
    assert r["tests"]
    assert all(t.get("status") == "passed" for t in r["tests"]), [
        (t["name"], t["output"]) for t in r["tests"] if t.get("status") != "passed"]


@pytest.mark.parametrize("key", sorted(DEVICE_BUGS))
def test_device_check_catches_planted_bug(results, key):
    exercise, name = key
    task, test, words = DEVICE_BUGS[key]
    r = results[(exercise, name, task)]
    entry = _by_name(exercise, r)[test]
    assert entry.get("status") == "failed", f"{name}: {test} passed"
    for word in words:
        assert word.lower() in entry["output"].lower(), (name, word, entry["output"])
    assert r["score"] < r["max_score"]


def test_device_variants_are_all_covered():
    found = {(ex, p.stem) for ex in EXERCISES for p in (SUBMISSIONS / ex).glob("device_*.py")}
    assert found == set(DEVICE_BUGS)
