"""Hidden tests of sparse_ae_loss, with the tests' own stand-in model (probes.StandInAutoencoder),
so that only sparse_ae_loss's own behaviour counts. A penalty that matches what your own
l1_penalty / kl_sparsity / k_sparse give for the same codes is accepted too (their own tests
judge them)."""
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given, strategies as st

from autograder.testing import expect_close, expect_scalar_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import probes as P  # noqa: E402
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

KEYS = {"total", "recon", "penalty"}


def _own(submission, fn, z, **kwargs):
    """Your own fn(z, **kwargs), or None if it fails."""
    try:
        out = submission.probe("tensor_call", fn=fn, z=z, _where=fn, **kwargs)["out"]
    except (R.SubmissionError, R.NotImplementedYet):
        return None
    return out.array if hasattr(out, "array") else None


def _check_case(submission, weights, x, method, kwargs):
    info = submission.probe("loss_probe", weights=weights, x=x, method=method,
                            _where="sparse_ae_loss", **kwargs)
    losses = info["losses"]
    if not isinstance(losses, dict) or not KEYS <= set(losses):
        fail(f"sparse_ae_loss must return a dict with keys {sorted(KEYS)}, got {info['type']}"
             + (f" with keys {sorted(losses)}" if isinstance(losses, dict) else ""))
    model = P.StandInAutoencoder(weights)
    xt = R.t(x)
    expected = R.ref.sparse_ae_loss(model, xt, method=method, **kwargs)
    what = f"sparse_ae_loss(method={method!r})"
    recon = R.expect_tensor(losses["recon"], f"{what}['recon']")
    total = R.expect_tensor(losses["total"], f"{what}['total']")
    with torch.no_grad():
        z = model.encode(xt)
    hint = ("recon is the MSE mean over all N * D entries (F.mse_loss); for k_sparse the "
            "reconstruction is decode(k_sparse(encode(x), k))")
    right_recon = np.isclose(float(recon.array), expected["recon"].item(), rtol=1e-9, atol=0)
    if not right_recon:
        kept = _own(submission, "k_sparse", z.numpy(), k=kwargs.get("k", 10)) \
            if method == "k_sparse" else None
        with torch.no_grad():
            alt = F.mse_loss(model.decode(R.t(kept)), xt).item() \
                if kept is not None and kept.shape == z.shape else None
        if alt is None or not np.isclose(float(recon.array), alt, rtol=1e-9, atol=0):
            expect_close(recon, expected["recon"].detach().numpy(), f"{what}['recon']", rtol=1e-9, hint=hint)
    got_penalty = R.as_array(losses["penalty"], f"{what}['penalty']")
    if got_penalty.size != 1:
        fail(f"{what}['penalty'] must be a single number, got shape {got_penalty.shape}")
    p = float(got_penalty.reshape(()))
    right_penalty = np.isclose(p, expected["penalty"].item(), rtol=1e-9, atol=1e-15)
    if not right_penalty:
        own = None
        if method in ("l1", "kl"):
            fn, kw = ("l1_penalty", {"lam": kwargs.get("lam", 1e-3)}) if method == "l1" else \
                ("kl_sparsity", {"rho": kwargs.get("rho", 0.05), "beta": kwargs.get("beta", 3.0)})
            own = _own(submission, fn, z.numpy(), **kw)
        if own is None or own.size != 1 or not np.isclose(p, float(own.reshape(())), rtol=1e-9,
                                                          atol=1e-15):
            zero = " (it is 0 for 'none' and 'k_sparse')" if method in ("none", "k_sparse") else ""
            expect_scalar_close(p, expected["penalty"].item(), f"{what}['penalty']{zero}", rtol=1e-9)
    expect_scalar_close(total.array, float(recon.array) + p, f"{what}['total'] (recon + penalty)",
                        rtol=1e-9, atol=1e-15)
    if total.dtype != f"{torch.float64}":
        fail(f"{what}['total'] has dtype {total.dtype} for float64 inputs")
    if info["grads"] is None:
        fail(f"{what}['total'] does not carry gradients to the model's parameters "
             "(detached, .item(), or computed under torch.no_grad?)")
    if right_penalty and right_recon:  # else your own helper was used: its tests judge it
        expected["total"].backward()
        for i, (g, param) in enumerate(zip(info["grads"], model.parameters())):
            expect_close(g, param.grad.numpy(), f"{what}: gradient of total w.r.t. parameter {i}",
                         rtol=1e-7, atol=1e-12)


@task("sparse_ae_loss")
@given(seed=S.seeds, n=st.integers(1, 5), d=st.integers(1, 6), h=st.integers(2, 8),
       lam=st.floats(0.01, 1.0), rho=st.floats(0.02, 0.5), beta=st.floats(0.1, 5.0))
def test_sparse_ae_loss_methods(submission, seed, n, d, h, lam, rho, beta):
    """sparse_ae_loss: recon (MSE mean), penalty and total = recon + penalty for none, l1, kl and k_sparse, with gradients"""
    weights = S.model_weights(seed, d, h)
    x = S.inputs(seed, n, d)
    k = 1 + seed % (h - 1)
    for method, kwargs in (("none", {}), ("l1", {"lam": lam}), ("kl", {"rho": rho, "beta": beta}),
                           ("k_sparse", {"k": k})):
        _check_case(submission, weights, x, method, kwargs)


@task("sparse_ae_loss")
def test_sparse_ae_loss_defaults(submission):
    """sparse_ae_loss defaults: lam=1e-3, rho=0.05, beta=3.0, k=10"""
    weights = S.model_weights(3, 5, 12)
    x = S.inputs(4, 6, 5)
    for method in S.METHODS:
        _check_case(submission, weights, x, method, {})


@task("sparse_ae_loss")
def test_sparse_ae_loss_rejects_bad_arguments(submission):
    """sparse_ae_loss raises ValueError naming method for an unknown method and naming x for data that is not 2-D"""
    weights, x = S.model_weights(0, 4, 3), S.inputs(0, 2, 4)
    _check_case(submission, weights, x, "none", {})  # right values first (no penalty involved)
    R.expect_value_errors(submission, "sparse_ae_loss", [
        (dict(model_weights=weights, x=x, method="dropout"), "method"),
        (dict(model_weights=weights, x=x[0], method="none"), "x"),
        (dict(model_weights=weights, x=x[None], method="none"), "x")])
