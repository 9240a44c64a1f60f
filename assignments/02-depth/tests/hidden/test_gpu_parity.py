"""Hidden GPU-vs-CPU parity tests (informational by default: 0 points in exercise.toml).

The same inputs, made on the CPU in float64 from seeded generators, are sent once to the GPU and
once to the CPU; the results must agree within dtype-appropriate tolerances and stay on the
inputs' device. Without CUDA in the grader these tests skip. TF32 is off and deterministic
algorithms are on in the worker (and here).
"""
import os
import sys

import numpy as np

from autograder.testing import expect_close, expect_scalar_close, fail, parity_device, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

SIZES = [3, 8, 8, 8, 3]
WEIGHTS = S.mlp_weights(5, SIZES, gain=2.0)
X, Y = S.classification(6, 40, 3, 3)


def _both(submission, name, where, make):
    """Run probe ``name`` with inputs ``make(device)`` on the parity device and on the CPU."""
    device = parity_device()
    return device, submission.probe(name, **make(device), _where=where), \
        submission.probe(name, **make("cpu"), _where=where)


@task("gpu-parity")
def test_make_mlp_parity(submission):
    """GPU parity: make_mlp's model moved to the GPU gives the CPU's scores"""
    cfg = dict(in_dim=3, width=8, depth=3, out_dim=3, activation="tanh", residual=True)
    w32 = [[W.astype(np.float32), b.astype(np.float32)] for W, b in WEIGHTS]
    device, gpu, cpu = _both(submission, "mlp_forward", "make_mlp", lambda d: dict(
        config=cfg, weights=w32, x=R.on(d, X.astype(np.float32))))
    R.expect_device(gpu["out"], device, "the scores")
    expect_close(gpu["out"], cpu["out"].array, "scores on the GPU vs the CPU", rtol=1e-5, atol=1e-6)


@task("gpu-parity")
def test_init_weights_parity(submission):
    """GPU parity: init_weights on a GPU model (GPU generator) keeps the device and the statistics"""
    sizes = (32, 128, 32)
    device = parity_device()
    for scheme in S.SCHEMES:
        info = submission.probe("init_probe", sizes=list(sizes), scheme=scheme, seed=3,
                                device=device, _where="init_weights")
        if not all(d.startswith(device) for d in info["devices"]):
            fail(f"init_weights moved the parameters to {info['devices']}; keep them on {device}")
        R.check_init(info, scheme, sizes)


@task("gpu-parity")
def test_layer_grad_norms_parity(submission):
    """GPU parity: layer_grad_norms on the GPU equals the CPU's (float64)"""
    device, gpu, cpu = _both(submission, "grad_norms_probe", "layer_grad_norms", lambda d: dict(
        sizes=SIZES, activation="sigmoid", residual=True, weights=WEIGHTS,
        X=R.on(d, X), y=R.on(d, Y)))
    if not all(p.startswith(device) for p in gpu["param_devices"]):
        fail(f"layer_grad_norms moved the model to {gpu['param_devices']}")
    expect_close(np.array(gpu["norms"], dtype=np.float64), np.array(cpu["norms"]),
                 "gradient norms on the GPU vs the CPU", rtol=1e-9)


@task("gpu-parity")
def test_clip_grad_norm_parity(submission):
    """GPU parity: clip_grad_norm_ on GPU gradients equals the CPU's and keeps them on the GPU"""
    grads = S.grad_arrays(7, [(4, 5), (3,), (2, 2)])
    device, gpu, cpu = _both(submission, "clip_probe", "clip_grad_norm_", lambda d: dict(
        grads=[R.on(d, g) for g in grads], max_norm=0.7, device=d))
    expect_scalar_close(gpu["total"], cpu["total"], "total norm on the GPU vs the CPU", rtol=1e-12)
    for i, (g, c) in enumerate(zip(gpu["grads"], cpu["grads"])):
        R.expect_device(g, device, f"gradient {i}")
        expect_close(g, c.array, f"gradient {i} on the GPU vs the CPU", rtol=1e-12)


@task("gpu-parity")
def test_train_and_measure_parity(submission):
    """GPU parity: train_and_measure on GPU data (CPU generator) gives the CPU's curves and weights"""
    data = (X[:30], Y[:30], X[30:], Y[30:])
    device, gpu, cpu = _both(submission, "train_probe", "train_and_measure", lambda d: dict(
        sizes=SIZES, activation="tanh", residual=False, weights=WEIGHTS,
        data=tuple(R.on(d, a) for a in data), epochs=3, lr=0.2, batch_size=8, seed=4,
        loss_threshold=0.9))
    g, c = gpu["result"], cpu["result"]
    R.check_train_result(g, epochs=3, n_layers=len(SIZES) - 1)
    expect_close(np.array(g["loss_curve"]), np.array(c["loss_curve"]), "loss_curve GPU vs CPU", rtol=1e-9)
    expect_close(np.array(g["grad_norms"]), np.array(c["grad_norms"]), "grad_norms GPU vs CPU", rtol=1e-7)
    if g["steps_to_threshold"] != c["steps_to_threshold"] or g["test_accuracy"] != c["test_accuracy"]:
        fail("steps_to_threshold / test_accuracy differ between the GPU and the CPU")
    for i, (p, q) in enumerate(zip(gpu["params"], cpu["params"])):
        R.expect_device(p, device, f"parameter {i} after training")
        expect_close(p, q.array, f"parameter {i} after training, GPU vs CPU", rtol=1e-9, atol=1e-12)


@task("gpu-parity")
def test_depth_study_parity(submission):
    """GPU parity: depth_study on GPU data (CPU generator) gives the CPU's loss curves"""
    tr = S.spirals(200, 160)
    kw = dict(depths=(2, 5), width=16, epochs=2, lr=0.1, batch_size=32, loss_threshold=0.6)
    device, gpu, cpu = _both(submission, "depth_study_probe", "depth_study", lambda d: dict(
        data=tuple(R.on(d, a) for a in tr), seed=0, **kw))
    if not isinstance(gpu, list) or len(gpu) != len(cpu):
        fail("depth_study on GPU data did not return one dict per run")
    for g, c in zip(gpu, cpu):
        expect_close(np.array(g["loss_curve"]), np.array(c["loss_curve"]),
                     f"loss_curve (depth {c['depth']}, residual={c['residual']}) GPU vs CPU", rtol=1e-4)
        expect_close(np.log(np.array(g["grad_norms"])), np.log(np.array(c["grad_norms"])),
                     "log grad_norms GPU vs CPU", rtol=1e-3, atol=1e-3)
