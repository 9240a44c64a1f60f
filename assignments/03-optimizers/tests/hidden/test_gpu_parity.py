"""Hidden GPU-vs-CPU parity tests (informational by default: 0 points in exercise.toml).

The same float64 inputs, made on the CPU from seeded generators, run once on the GPU and once
on the CPU; results agree within dtype tolerances and stay on the inputs' device. Without CUDA
in the grader these tests skip. TF32 is off, deterministic algorithms are on.
"""
import os
import sys

import numpy as np

from autograder.testing import expect_close, fail, parity_device, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

CASES = {
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "AdaGrad": dict(lr=0.1, eps=1e-10),
    "RMSProp": dict(lr=0.01, alpha=0.9, eps=1e-8),
    "Adam": dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, decoupled=True),
}
SHAPES = [(5, 3), (4,), (2, 2)]
GROUPS = [{"params": [0, 2], "overrides": {}}, {"params": [1], "overrides": {"lr": 0.05}}]


def _optimizer_parity(submission, name):
    device = parity_device()
    init, noise, coef = S.problem(11, SHAPES, 10)
    runs = {}
    for dev in (device, "cpu"):
        runs[dev] = submission.probe("run_optimizer", opt_name=name, kwargs=CASES[name], groups=GROUPS,
                                     init=init, noise=noise, coef=coef, device=dev,
                                     _where=f"{name}.step")
    gpu, cpu = runs[device], runs["cpu"]
    for t, (g_step, c_step) in enumerate(zip(gpu["trajectory"], cpu["trajectory"])):
        for i, (g, c) in enumerate(zip(g_step, c_step)):
            if not g.device.startswith(device):
                fail(f"{name}: parameter {i} moved to {g.device} during the step")
            expect_close(g, c.array, f"{name}: parameter {i} after step {t + 1}, GPU vs CPU",
                         rtol=1e-9, atol=1e-12)
    for i, st in gpu["state"].items():
        for key, v in st.items():
            if hasattr(v, "device") and v.array.ndim > 0 and not v.device.startswith(device):
                fail(f"{name}: state {key!r} of parameter {i} is on {v.device}, not {device}")


@task("gpu-parity")
def test_sgd_parity(submission):
    """GPU parity: SGD (momentum, nesterov, weight decay) on the GPU equals the CPU, state on the GPU"""
    _optimizer_parity(submission, "SGD")


@task("gpu-parity")
def test_adagrad_parity(submission):
    """GPU parity: AdaGrad on the GPU equals the CPU, state on the GPU"""
    _optimizer_parity(submission, "AdaGrad")


@task("gpu-parity")
def test_rmsprop_parity(submission):
    """GPU parity: RMSProp on the GPU equals the CPU, state on the GPU"""
    _optimizer_parity(submission, "RMSProp")


@task("gpu-parity")
def test_adam_parity(submission):
    """GPU parity: Adam(decoupled=True) on the GPU equals the CPU, state on the GPU"""
    _optimizer_parity(submission, "Adam")


def _experiment_parity(submission, fn, **kw):
    device = parity_device()
    X, Y = S.classification_data(1, n=60)
    X = X.astype(np.float64)
    out = {dev: submission.probe("experiment_probe", fn=fn, X=R.on(dev, X), y=R.on(dev, Y),
                                 seed=5, _where=fn, **kw) for dev in (device, "cpu")}
    return device, out[device], out["cpu"]


@task("gpu-parity")
def test_compare_optimizers_parity(submission):
    """GPU parity: compare_optimizers on GPU data gives the CPU's loss curves"""
    specs = [("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})]
    device, gpu, cpu = _experiment_parity(submission, "compare_optimizers", specs=specs, steps=8)
    for rec in gpu["records"]:
        if not all(d.startswith(device) for d in rec["devices"]):
            fail(f"compare_optimizers gave {rec['name']!r} a model on {rec['devices']}; put every "
                 f"model on the data's device ({device})")
    for name, *_ in specs:
        expect_close(np.array(gpu["result"][name]), np.array(cpu["result"][name]),
                     f"losses of {name!r}, GPU vs CPU", rtol=1e-4, atol=1e-6)


@task("gpu-parity")
def test_lr_sensitivity_parity(submission):
    """GPU parity: lr_sensitivity on GPU data gives the CPU's final losses"""
    specs = [("sgd", "sgd", {})]
    device, gpu, cpu = _experiment_parity(submission, "lr_sensitivity", specs=specs, steps=5,
                                          lrs=[0.01, 0.1])
    for lr in (0.01, 0.1):
        expect_close(np.array(gpu["result"]["sgd"][lr]), np.array(cpu["result"]["sgd"][lr]),
                     f"final loss at lr={lr}, GPU vs CPU", rtol=1e-4, atol=1e-6)
