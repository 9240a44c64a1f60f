"""Hidden GPU-vs-CPU parity tests (informational by default: 0 points in exercise.toml).

The same inputs, made on the CPU in float64 from seeded generators, are sent once to the GPU and
once to the CPU; the results must agree and stay on the inputs' device. Training uses a CPU
generator (the handout: draws happen on the generator's device and are copied), so both runs
see the same random numbers. Without CUDA in the grader these tests skip; TF32 is off.
"""
import os
import sys

import numpy as np

from autograder.testing import expect_close, expect_scalar_close, fail, parity_device, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _both(submission, name, where, make):
    """Run probe ``name`` with inputs ``make(device)`` on the parity device and on the CPU."""
    device = parity_device()
    return device, submission.probe(name, **make(device), _where=where), \
        submission.probe(name, **make("cpu"), _where=where)


@task("gpu-parity")
def test_autoencoder_parity(submission):
    """GPU parity: SparseAutoencoder on the GPU gives the CPU's codes and reconstructions (float32)"""
    weights = [[W.astype(np.float32), b.astype(np.float32)] for W, b in S.model_weights(1, 16, 24)]
    x = S.inputs(1, 10, 16, np.float32)
    z = S.codes(2, 10, 24, np.float32)
    device, gpu, cpu = _both(submission, "model_probe", "SparseAutoencoder", lambda d: dict(
        n_in=16, n_hidden=24, activation="sigmoid", weights=weights, x=R.on(d, x), z=R.on(d, z)))
    for key in ("encode", "decode"):
        R.expect_device(gpu[key], device, f"{key} on GPU inputs")
        expect_close(gpu[key], cpu[key].array, f"{key} on the GPU vs the CPU", rtol=1e-5, atol=1e-6)


@task("gpu-parity")
def test_penalties_parity(submission):
    """GPU parity: l1_penalty and kl_sparsity values and gradients on the GPU equal the CPU's (float64)"""
    for fn, z, kw in (("l1_penalty", S.signed_codes(3, 12, 9), {"lam": 0.2}),
                      ("kl_sparsity", S.codes(3, 12, 9), {"rho": 0.05, "beta": 3.0})):
        device, gpu, cpu = _both(submission, "grad_probe", fn, lambda d: dict(
            fn=fn, z=R.on(d, z), gradcheck=False, **kw))
        R.expect_device(gpu["out"], device, f"{fn}'s result")
        expect_scalar_close(gpu["out"].array, float(cpu["out"].array), f"{fn} GPU vs CPU", rtol=1e-12)
        R.expect_device(gpu["grad"], device, f"{fn}'s gradient")
        expect_close(gpu["grad"], cpu["grad"].array, f"{fn} gradient GPU vs CPU", rtol=1e-12)


def _selection_parity(submission, fn, z, dout, **kwargs):
    """fn(z, **kwargs) and its gradient for upstream ``dout``, on the parity device vs the CPU."""
    device, gpu, cpu = _both(submission, "grad_probe", fn, lambda d: dict(
        fn=fn, z=R.on(d, z), dout=R.on(d, dout), gradcheck=False, **kwargs))
    for key in ("out", "grad"):
        R.expect_device(gpu[key], device, f"{fn} {key}")
        expect_close(gpu[key], cpu[key].array, f"{fn} {key} GPU vs CPU", rtol=1e-12)


@task("gpu-parity")
def test_k_sparse_parity(submission):
    """GPU parity: k_sparse and its gradient on the GPU equal the CPU's"""
    _selection_parity(submission, "k_sparse", S.gapped_codes(4, 8, 12, axis=1), S.upstream(4, 8, 12), k=3)


@task("gpu-parity")
def test_lifetime_sparsity_parity(submission):
    """GPU parity: lifetime_sparsity and its gradient on the GPU equal the CPU's"""
    _selection_parity(submission, "lifetime_sparsity", S.gapped_codes(5, 10, 6, axis=0),
                      S.upstream(5, 10, 6), rate=0.25)


@task("gpu-parity")
def test_sparse_ae_loss_parity(submission):
    """GPU parity: sparse_ae_loss on the GPU equals the CPU's for every method (float64)"""
    weights, x = S.model_weights(6, 8, 12), S.inputs(6, 9, 8)
    for method in S.METHODS:
        device, gpu, cpu = _both(submission, "loss_probe", "sparse_ae_loss", lambda d: dict(
            weights=weights, x=R.on(d, x), method=method, k=3))
        for key in ("total", "recon"):
            R.expect_device(gpu["losses"][key], device, f"{method} {key}")
            expect_scalar_close(gpu["losses"][key].array, float(cpu["losses"][key].array),
                                f"sparse_ae_loss({method!r})['{key}'] GPU vs CPU", rtol=1e-12)
        for g, c in zip(gpu["grads"] or [], cpu["grads"] or []):
            expect_close(g, c.array, f"sparse_ae_loss({method!r}) parameter gradient GPU vs CPU",
                         rtol=1e-10, atol=1e-14)


@task("gpu-parity")
def test_train_sparse_ae_parity(submission):
    """GPU parity: train_sparse_ae on GPU data with a CPU generator gives the CPU's run (float64)"""
    X = S.patches(40, seed=2).astype(np.float64)
    device, gpu, cpu = _both(submission, "train_probe", "train_sparse_ae", lambda d: dict(
        X=R.on(d, X), method="kl", epochs=2, lr=1e-2, seeds=[3], n_hidden=8, batch_size=16))
    g, c = gpu[0], cpu[0]
    if "history" not in g or not g.get("is_module"):
        fail("train_sparse_ae on GPU data did not return (model, history)")
    for key in ("total", "recon", "penalty"):
        expect_close(np.array(g["history"][key]), np.array(c["history"][key]),
                     f"history['{key}'] GPU vs CPU", rtol=1e-9)
    if not all(d.startswith(device) for d in g["param_devices"]):
        fail(f"train_sparse_ae's model is on {g['param_devices']}; keep it on the data's device")
    for i, (p, q) in enumerate(zip(g["params"], c["params"])):
        expect_close(p, q.array, f"parameter {i} after training, GPU vs CPU", rtol=1e-9, atol=1e-12)
