"""Hidden tests of l1_penalty and kl_sparsity: values, dtype, no mutation, gradients against
their closed forms and torch.autograd.gradcheck (each property only once the values are right)."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

DTYPES = st.sampled_from([np.float32, np.float64])


def _expect_l1(info, z, lam):
    """The value first, with the likely mistake named."""
    out = R.expect_tensor(info["out"], "l1_penalty")
    n = z.shape[0]
    summed = n * lam * np.abs(z.astype(np.float64)).sum(1).mean()
    hint = (f"summed over the batch instead of averaged? (your value is N = {n} times too large)"
            if n > 1 and np.isclose(float(out.array), summed, rtol=1e-4) else None)
    expect_close(out, R.ref.l1_penalty(R.t(z), lam).numpy(), "l1_penalty", hint=hint)


def _expect_kl(info, z, rho, beta):
    out = R.expect_tensor(info["out"], "kl_sparsity")
    wrong_axis = R.ref.kl_sparsity(R.t(z).T.contiguous(), rho, beta).item()
    hint = ("rho_hat averaged over the units (dim=1) instead of over the batch (dim=0)?"
            if np.isclose(float(out.array), wrong_axis, rtol=1e-4) else None)
    expect_close(out, R.ref.kl_sparsity(R.t(z), rho, beta).numpy(), "kl_sparsity", hint=hint)


@task("l1_penalty")
@given(seed=S.seeds, n=st.integers(1, 6), h=st.integers(1, 8), lam=st.floats(0.01, 2.0), dtype=DTYPES)
def test_l1_penalty_value(submission, seed, n, h, lam, dtype):
    """l1_penalty = lam * mean over samples of sum over units of |z|: a 0-d tensor of z's dtype, z untouched"""
    z = S.signed_codes(seed, n, h, dtype)
    info = submission.probe("tensor_call", fn="l1_penalty", z=z, lam=lam, _where="l1_penalty")
    _expect_l1(info, z, lam)
    R.expect_unmutated(info, z, "l1_penalty")


@task("l1_penalty")
@given(seed=S.seeds, n=st.integers(1, 5), h=st.integers(1, 6), lam=st.floats(0.01, 2.0))
def test_l1_penalty_gradient(submission, seed, n, h, lam):
    """l1_penalty: autograd gradient equals lam * sign(z) / N and passes gradcheck (float64)"""
    z = S.signed_codes(seed, n, h)
    info = submission.probe("grad_probe", fn="l1_penalty", z=z, lam=lam, _where="l1_penalty")
    _expect_l1(info, z, lam)
    expect_close(info["grad"], R.l1_grad(z, lam), "l1_penalty gradient dL/dz", rtol=1e-9, atol=1e-14)
    R.expect_gradcheck(info, "l1_penalty")


@task("kl_sparsity")
@given(seed=S.seeds, n=st.integers(1, 6), h=st.integers(1, 8), rho=st.floats(0.01, 0.5),
       beta=st.floats(0.1, 5.0), dtype=DTYPES)
def test_kl_sparsity_value(submission, seed, n, h, rho, beta, dtype):
    """kl_sparsity = beta * sum_j KL(rho || rho_hat_j), rho_hat_j the mean of unit j over the batch; z's dtype; z untouched"""
    z = S.codes(seed, n, h, dtype)
    info = submission.probe("tensor_call", fn="kl_sparsity", z=z, rho=rho, beta=beta, _where="kl_sparsity")
    _expect_kl(info, z, rho, beta)
    R.expect_unmutated(info, z, "kl_sparsity")


@task("kl_sparsity")
@given(seed=S.seeds, n=st.integers(1, 5), h=st.integers(1, 6), rho=st.floats(0.01, 0.5),
       beta=st.floats(0.1, 5.0))
def test_kl_sparsity_gradient(submission, seed, n, h, rho, beta):
    """kl_sparsity: gradient equals beta * (-rho/rho_hat + (1-rho)/(1-rho_hat)) / N and passes gradcheck (float64)"""
    z = S.codes(seed, n, h)
    info = submission.probe("grad_probe", fn="kl_sparsity", z=z, rho=rho, beta=beta, _where="kl_sparsity")
    _expect_kl(info, z, rho, beta)
    expect_close(info["grad"], R.kl_grad(z, rho, beta), "kl_sparsity gradient dL/dz", rtol=1e-8)
    R.expect_gradcheck(info, "kl_sparsity")


@task("l1_penalty")
def test_l1_penalty_rejects_bad_codes(submission):
    """l1_penalty raises ValueError naming z for codes that are not 2-D (N, width)"""
    z = S.signed_codes(0, 3, 4)
    R.expect_right_values(submission, "l1_penalty", z=z, lam=0.1)
    R.expect_value_errors(submission, "l1_penalty", [(dict(z=z[0], lam=0.1), "z"),
                                                     (dict(z=z[None], lam=0.1), "z")])


@task("kl_sparsity")
def test_kl_sparsity_rejects_bad_arguments(submission):
    """kl_sparsity raises ValueError naming rho for rho outside (0, 1) and naming z for codes that are not 2-D"""
    z = S.codes(0, 3, 4)
    R.expect_right_values(submission, "kl_sparsity", z=z, rho=0.1, beta=3.0)
    R.expect_value_errors(submission, "kl_sparsity", [(dict(z=z, rho=0.0, beta=3.0), "rho"),
                                                      (dict(z=z, rho=1.0, beta=3.0), "rho"),
                                                      (dict(z=z[0], rho=0.1, beta=3.0), "z")])
