"""Hidden GPU-vs-CPU parity tests (informational: 0 points in exercise.toml).

Inputs are made on the CPU in float64 from seeded generators and sent once to the GPU and once to
the CPU. A CUDA generator draws other numbers than a CPU one, so random functions are checked for
their properties on the GPU (and their device), deterministic ones (batch norm, l2_penalty,
smooth_labels) are compared value by value. Without CUDA in the grader these tests skip.
"""
import os
import sys

import numpy as np

from autograder.testing import expect_close, fail, parity_device, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _on_device(value, device, what):
    if not value.device.startswith(device):
        fail(f"{what} is on {value.device}, not on the inputs' device {device}")


@task("gpu-parity")
def test_dropout_parity(submission):
    """GPU parity: dropout on the GPU (CUDA generator) keeps the device, scales kept entries by 1/(1-p)"""
    device = parity_device()
    x = S.values(3, (40, 30))
    info = submission.probe("dropout_probe", x=R.on(device, x), p=0.3, seed=4, _where="dropout")
    _on_device(info["out"], device, "dropout's output")
    R.check_dropout_values(info["out"], x, 0.3, "dropout on the GPU")
    if not np.array_equal(info["out"].array, info["again"].array):
        fail("dropout on the GPU: generators seeded alike gave different masks")


@task("gpu-parity")
def test_batchnorm_function_parity(submission):
    """GPU parity: BatchNormFunction forward and backward on the GPU equal the CPU's (float64)"""
    device = parity_device()
    x, gamma, beta, dout = S.batchnorm_inputs(5, 32, 8)
    runs = {d: submission.probe("bn_function_probe", x=R.on(d, x), gamma=R.on(d, gamma), beta=R.on(d, beta),
                                eps=1e-5, dout=R.on(d, dout), _where="BatchNormFunction")
            for d in (device, "cpu")}
    gpu, cpu = runs[device], runs["cpu"]
    _on_device(gpu["out"], device, "BatchNormFunction's output")
    expect_close(gpu["out"], cpu["out"].array, "BatchNormFunction output, GPU vs CPU", rtol=1e-10, atol=1e-12)
    for name, g, c in zip(("dx", "dgamma", "dbeta"), gpu["grads"], cpu["grads"]):
        _on_device(g, device, name)
        expect_close(g, c.array, f"{name}, GPU vs CPU", rtol=1e-10, atol=1e-12)


@task("gpu-parity")
def test_batchnorm1d_parity(submission):
    """GPU parity: BatchNorm1d outputs, gradients and running statistics on the GPU equal the CPU's (float64)"""
    device = parity_device()
    batches, douts, eval_batch, weight, bias = S.batchnorm_steps(7, 16, 5, 3)
    runs = {d: submission.probe("bn_module_probe", num_features=5, eps=1e-5, momentum=0.1, weight=weight,
                                bias=bias, batches=batches, douts=douts, eval_batch=eval_batch, device=d,
                                _where="BatchNorm1d") for d in (device, "cpu")}
    gpu, cpu = runs[device], runs["cpu"]
    if not all(d.startswith(device) for d in gpu["devices"]):
        fail(f"BatchNorm1d.to({device!r}) left state on {gpu['devices']}: register running_mean and "
             "running_var as buffers")
    for t, (g, c) in enumerate(zip(gpu["steps"], cpu["steps"])):
        for key in ("out", "dx", "dweight", "dbias", "running_mean", "running_var"):
            expect_close(g[key], c[key].array, f"BatchNorm1d {key} after step {t + 1}, GPU vs CPU",
                         rtol=1e-10, atol=1e-12)
    expect_close(gpu["eval_out"], cpu["eval_out"].array, "BatchNorm1d eval output, GPU vs CPU",
                 rtol=1e-10, atol=1e-12)


@task("gpu-parity")
def test_l2_penalty_parity(submission):
    """GPU parity: l2_penalty and its gradient on a GPU model equal the CPU's"""
    device = parity_device()
    weights = S.stand_in_weights(9)
    gpu, cpu = (submission.probe("l2_probe", weights=weights, lam=0.05, device=d, _where="l2_penalty")
                for d in (device, "cpu"))
    _on_device(gpu["value"], device, "l2_penalty's value")
    expect_close(gpu["value"], cpu["value"].array, "l2_penalty, GPU vs CPU", rtol=1e-12)
    for i, (g, c) in enumerate(zip(gpu["grads"], cpu["grads"])):
        if (g is None) != (c is None):
            fail(f"parameter {i} has a gradient on one device only")
        if g is not None:
            expect_close(g, c.array, f"gradient of parameter {i}, GPU vs CPU", rtol=1e-12)


@task("gpu-parity")
def test_augmentation_parity(submission):
    """GPU parity: random_crop and augment on GPU images (CUDA generator) give windows on the GPU"""
    device = parity_device()
    images = S.images(2, 30, 2, 5, 5, dtype="float64")
    crop = submission.probe("crop_probe", images=R.on(device, images), padding=1, seed=3, _where="random_crop")
    _on_device(crop["out"], device, "random_crop's output")
    R.check_windows(crop["out"], images, 1, "random_crop on the GPU", flipped=False)
    aug = submission.probe("crop_probe", fn="augment", images=R.on(device, images), padding=1, seed=3,
                           flip_p=1.0, noise_std=0.0, _where="augment")
    _on_device(aug["out"], device, "augment's output")
    R.check_windows(aug["out"], images, 1, "augment(flip_p=1) on the GPU", flipped=True)


@task("gpu-parity")
def test_smooth_labels_parity(submission):
    """GPU parity: smooth_labels on GPU labels equals the CPU's and stays on the GPU"""
    device = parity_device()
    y = S.labels(4, 20, 5)
    gpu, cpu = (submission.call("smooth_labels", R.on(d, y), 5, 0.2) for d in (device, "cpu"))
    _on_device(gpu, device, "smooth_labels' output")
    expect_close(gpu, cpu.array, "smooth_labels, GPU vs CPU", rtol=0, atol=0)


@task("gpu-parity")
def test_regularization_study_parity(submission):
    """GPU parity: regularization_study on GPU data (CUDA generator) runs and gives finite curves of the right lengths"""
    device = parity_device()
    data = [R.on(device, a.astype(np.float64) if a.dtype.kind == "f" else a) for a in S.study_data(1, 32, 32, 32)]
    res = submission.probe("study_probe", data=data, configs={"none": {}, "all": {"l2": 0.01, "dropout": 0.3,
                           "augment": True}}, epochs=3, seed=0, generator_device=device,
                           _where="regularization_study")
    for name, r in res.items():
        for key in ("train_loss", "val_loss", "train_acc", "val_acc"):
            if len(r[key]) != 3 or not np.all(np.isfinite(r[key])):
                fail(f"regularization_study on the GPU: {name!r}[{key!r}] is not 3 finite floats")
