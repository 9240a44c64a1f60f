"""Hidden GPU-vs-CPU parity tests (informational by default: 0 points in exercise.toml).

The same inputs, made on the CPU in float64 from seeded generators, are sent once to the GPU and
once to the CPU; the noise is explicit (eps passed in, or a CPU generator whose numbers your code
draws on the CPU and copies), so both sides see the same numbers. Results must agree and stay on
the inputs' device. Without CUDA in the grader these tests skip.
"""
import os
import sys

import numpy as np

from autograder.testing import expect_close, fail, parity_device, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import vae_oracle as R  # noqa: E402

MU, LOG_VAR, EPS = S.latents(5, 6, 3)
W = S.upstream(5, (6, 3))


def _both(submission, name, where, make):
    device = parity_device()
    return device, submission.probe(name, **make(device), _where=where), \
        submission.probe(name, **make("cpu"), _where=where)


def _expect_device(got, device, what):
    got = R.tensor_of(got, what)
    if got.device.split(":")[0] != device.split(":")[0]:
        fail(f"{what} is on {got.device}, expected the inputs' device {device}")


def _expect_same(gpu, cpu, device, what, rtol=1e-10):
    _expect_device(gpu, device, what)
    expect_close(gpu, np.asarray(cpu.array), f"{what} on the GPU vs the CPU", rtol=rtol, atol=1e-12)


@task("gpu-parity")
def test_reparameterize_parity(submission):
    """GPU parity: reparameterize and its gradients on the GPU equal the CPU's (float64, explicit eps)"""
    device, gpu, cpu = _both(submission, "reparameterize_probe", "reparameterize", lambda d: dict(
        mu=R.on(d, MU), log_var=R.on(d, LOG_VAR), eps=R.on(d, EPS), upstream=R.on(d, W)))
    for key in ("z", "grad_mu", "grad_log_var"):
        _expect_same(gpu[key], cpu[key], device, key)


@task("gpu-parity")
def test_kl_divergence_parity(submission):
    """GPU parity: kl_divergence and its gradients on the GPU equal the CPU's (float64)"""
    device, gpu, cpu = _both(submission, "kl_probe", "kl_divergence", lambda d: dict(
        mu=R.on(d, MU), log_var=R.on(d, LOG_VAR), upstream=R.on(d, W[:, 0])))
    for key in ("kl", "grad_mu", "grad_log_var"):
        _expect_same(gpu[key], cpu[key], device, key)


@task("gpu-parity")
def test_vae_loss_parity(submission):
    """GPU parity: vae_loss ("mse" and "bce") and its gradients on the GPU equal the CPU's (float64)"""
    for recon in ("mse", "bce"):
        args = S.loss_inputs(6, 5, 7, 3, recon)
        device, gpu, cpu = _both(submission, "loss_probe", "vae_loss", lambda d: dict(
            zip(("x", "x_recon", "mu", "log_var"), (R.on(d, a) for a in args)), beta=0.5, recon=recon))
        for key in ("recon", "kl", "total"):
            _expect_same(gpu["values"][key], cpu["values"][key], device, f"vae_loss[{key!r}] ({recon})")
        for g, c, name in zip(gpu["grads"], cpu["grads"], ("x_recon", "mu", "log_var")):
            _expect_same(g, c, device, f"gradient w.r.t. {name} ({recon})")


@task("gpu-parity")
def test_vae_forward_parity(submission):
    """GPU parity: your VAE in float64 on the GPU gives the CPU's encode and forward(x, eps) (explicit eps)"""
    config = dict(n_in=8, n_hidden=6, n_latent=3)
    x, eps = S.inputs(1, 5, 8), S.inputs(2, 5, 3)
    device, gpu, cpu = _both(submission, "vae_probe", "VAE", lambda d: dict(
        config=config, x=R.on(d, x), seed=4, eps=R.on(d, eps)))
    for key in ("mu", "log_var", "own"):
        _expect_same(gpu[key], cpu[key], device, key)
    for i, name in enumerate(("x_recon", "mu", "log_var")):
        _expect_same(gpu["forward"][i], cpu["forward"][i], device, f"forward(x, eps)'s {name}")


@task("gpu-parity")
def test_sample_parity(submission):
    """GPU parity: sample from a float64 model on the GPU with a CPU generator equals the CPU's samples (draw on the CPU, then copy)"""
    weights = S.stand_in_weights(7, 6, 2)
    device, gpu, cpu = _both(submission, "sample_probe", "sample", lambda d: dict(
        weights=weights, n=9, seed=8, device=d))
    _expect_same(gpu["runs"][0], cpu["runs"][0], device, "sample(model, 9, cpu_generator)")


@task("gpu-parity")
def test_train_vae_parity(submission):
    """GPU parity: train_vae on float64 GPU data with a CPU generator gives the CPU's history and model"""
    X, _ = S.images(64, seed=4, dtype=np.float64)
    device, gpu, cpu = _both(submission, "train_probe", "train_vae", lambda d: dict(
        X=R.on(d, X), n_latent=2, beta=0.5, epochs=2, lr=1e-2, seed=3, repeat=False))
    if not gpu.get("shape_ok"):
        fail("train_vae on GPU data did not return (model, history)")
    for key in ("total", "recon", "kl"):
        expect_close(np.array(gpu["history"][key]), np.array(cpu["history"][key]),
                     f"history[{key!r}] on the GPU vs the CPU", rtol=1e-9)
    if not all(d.startswith(device) for d in gpu["param_devices"]):
        fail(f"train_vae's model is on {gpu['param_devices']}, expected the data's device {device}")
    _expect_same(gpu["x_recon"], cpu["x_recon"], device, "the trained model's decode(mu)", rtol=1e-8)
