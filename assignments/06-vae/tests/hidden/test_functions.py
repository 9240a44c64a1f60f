"""Hidden tests of reparameterize, kl_divergence and vae_loss: values, gradients (autograd
against the closed forms, and torch.autograd.gradcheck in float64), dtype, no mutation,
batch averaging, beta. Property tests first require the values to be right."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import vae_oracle as R  # noqa: E402

TOL = {np.float64: 1e-9, np.float32: 1e-4}


# ----------------------------------------------------------------------------- reparameterize
def _reparameterize(submission, seed, n, latent, dtype, gradcheck=False):
    mu, log_var, eps = S.latents(seed, n, latent, dtype)
    w = S.upstream(seed, (n, latent), dtype)
    info = submission.probe("reparameterize_probe", mu=mu, log_var=log_var, eps=eps, upstream=w,
                            gradcheck=gradcheck, _where="reparameterize")
    R.expect_tensor_close(info["z"], R.reparameterize(mu, log_var, eps).astype(dtype),
                          "reparameterize(mu, log_var, eps)", rtol=TOL[dtype],
                          hint=R.reparameterize_hint(info["z"], mu, log_var, eps))
    return info, (mu, log_var, eps, w)


@task("reparameterize")
@given(seed=S.seeds, size=S.sizes, dtype=S.dtypes)
def test_reparameterize_values(submission, seed, size, dtype):
    """reparameterize: z = mu + exp(0.5 * log_var) * eps, in the inputs' dtype"""
    _reparameterize(submission, seed, *size, dtype)


@task("reparameterize")
@given(seed=S.seeds, size=S.sizes)
def test_reparameterize_gradients(submission, seed, size):
    """reparameterize: gradients w.r.t. mu (the upstream gradient) and log_var (0.5 * sigma * eps * upstream); gradcheck in float64"""
    info, (mu, log_var, eps, w) = _reparameterize(submission, seed, *size, np.float64, gradcheck=True)
    sigma = np.exp(0.5 * log_var)
    for key, expected, what in (("grad_mu", w, "mu"), ("grad_log_var", 0.5 * sigma * eps * w, "log_var")):
        if info[key] is None:
            fail(f"no gradient reaches {what}: build z from mu and log_var with torch operations "
                 "(no .detach(), .item() or NumPy inside)")
        expect_close(info[key], expected, f"gradient of sum(w * z) with respect to {what}", rtol=1e-9)
    if info["gradcheck"]:
        fail(f"torch.autograd.gradcheck of reparameterize in float64 failed: {info['gradcheck']}")


@task("reparameterize")
@given(seed=S.seeds, size=S.sizes)
def test_reparameterize_leaves_inputs_unchanged(submission, seed, size):
    """reparameterize: mu, log_var and eps are not modified"""
    info, _ = _reparameterize(submission, seed, *size, np.float64)
    if not info["unchanged"]:
        fail("reparameterize modified mu, log_var or eps in place (e.g. eps.mul_(...)): compute a "
             "new tensor instead")


# ----------------------------------------------------------------------------- kl_divergence
def _kl(submission, seed, n, latent, dtype, gradcheck=False):
    mu, log_var, _ = S.latents(seed, n, latent, dtype)
    w = S.upstream(seed, (n,), dtype)
    info = submission.probe("kl_probe", mu=mu, log_var=log_var, upstream=w, gradcheck=gradcheck,
                            _where="kl_divergence")
    got = R.tensor_of(info["kl"], "kl_divergence(mu, log_var)")
    expect_close(got, R.kl_divergence(mu, log_var).astype(dtype), "kl_divergence(mu, log_var) (one value per sample)",
                 rtol=TOL[dtype], hint=R.kl_hint(got.array, mu, log_var))
    return info, (mu, log_var, w)


@task("kl_divergence")
@given(seed=S.seeds, size=S.sizes, dtype=S.dtypes)
def test_kl_divergence_closed_form_per_sample(submission, seed, size, dtype):
    """kl_divergence: -0.5 * sum_j (1 + log_var - mu^2 - exp(log_var)) per sample, shape (N,), inputs' dtype"""
    _kl(submission, seed, *size, dtype)


@task("kl_divergence")
@given(seed=st.integers(0, 1000))
def test_kl_divergence_matches_monte_carlo(submission, seed):
    """kl_divergence: agrees with a Monte-Carlo estimate of E_q[log q(z) - log p(z)] (within 5 standard errors)"""
    mu, log_var, _ = S.latents(seed, 3, 2)
    info = submission.probe("kl_probe", mu=mu, log_var=log_var, upstream=np.ones(3),
                            _where="kl_divergence")
    got = np.asarray(R.tensor_of(info["kl"], "kl_divergence(mu, log_var)").array, np.float64)
    if got.shape != (3,):
        fail(f"kl_divergence returned shape {got.shape}, expected one value per sample (3,)"
             + (f"; {R.kl_hint(got, mu, log_var)}" if R.kl_hint(got, mu, log_var) else ""))
    # log q(z) - log p(z) for z = mu + sigma * e, e ~ N(0, I): sum_j [-log sigma_j - e_j^2/2 + z_j^2/2]
    e = np.random.default_rng(seed).standard_normal((200_000, 3, 2))
    z = mu + np.exp(0.5 * log_var) * e
    terms = np.sum(-0.5 * log_var - 0.5 * e ** 2 + 0.5 * z ** 2, axis=2)
    estimate, se = terms.mean(axis=0), terms.std(axis=0) / np.sqrt(len(e))
    bad = np.abs(got - estimate) > 5 * se + 1e-9
    if np.any(bad):
        i = int(np.argmax(bad))
        hint = R.kl_hint(got, mu, log_var)
        fail(f"kl_divergence of sample {i} is {got[i]:.4g}, a Monte-Carlo estimate of the KL "
             f"divergence gives {estimate[i]:.4g} +- {se[i]:.2g}" + (f"; {hint}" if hint else ""))


@task("kl_divergence")
@given(seed=S.seeds, size=S.sizes)
def test_kl_divergence_gradients(submission, seed, size):
    """kl_divergence: gradients mu * w and 0.5 * (exp(log_var) - 1) * w; gradcheck in float64; inputs unchanged"""
    info, (mu, log_var, w) = _kl(submission, seed, *size, np.float64, gradcheck=True)
    for key, expected, what in (("grad_mu", mu * w[:, None], "mu"),
                                ("grad_log_var", 0.5 * (np.exp(log_var) - 1) * w[:, None], "log_var")):
        if info[key] is None:
            fail(f"no gradient of kl_divergence reaches {what}: use torch operations only")
        expect_close(info[key], expected, f"gradient of sum(w * kl) with respect to {what}", rtol=1e-9)
    if info["gradcheck"]:
        fail(f"torch.autograd.gradcheck of kl_divergence in float64 failed: {info['gradcheck']}")
    if not info["unchanged"]:
        fail("kl_divergence modified mu or log_var in place: compute new tensors instead")


# ----------------------------------------------------------------------------- vae_loss
def _loss(submission, seed, n, d, latent, recon, beta, dtype=np.float64, gradcheck=False,
          logit_scale=3.0):
    x, x_recon, mu, log_var = S.loss_inputs(seed, n, d, latent, recon, dtype, logit_scale)
    info = submission.probe("loss_probe", x=x, x_recon=x_recon, mu=mu, log_var=log_var, beta=beta,
                            recon=recon, gradcheck=gradcheck, _where="vae_loss")
    R.expect_loss_values(info, x, x_recon, mu, log_var, beta, recon, dtype)
    return info, (x, x_recon, mu, log_var)


loss_sizes = st.tuples(st.integers(1, 5), st.integers(1, 6), st.integers(1, 4))  # (N, D, L)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, dtype=S.dtypes)
def test_vae_loss_mse(submission, seed, size, dtype):
    """vae_loss(recon="mse"): squared error summed over features and KL summed over latent dims, both averaged over the batch"""
    _loss(submission, seed, *size, "mse", 1.0, dtype)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, dtype=S.dtypes)
def test_vae_loss_bce_logits(submission, seed, size, dtype):
    """vae_loss(recon="bce"): binary cross-entropy of x and the logits x_recon, summed over features, averaged over the batch"""
    _loss(submission, seed, *size, "bce", 1.0, dtype)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, dtype=S.dtypes)
def test_vae_loss_bce_stable_for_large_logits(submission, seed, size, dtype):
    """vae_loss(recon="bce"): finite and accurate for logits of magnitude up to about 100"""
    _loss(submission, seed, *size, "bce", 1.0, dtype, logit_scale=40.0)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, beta=st.sampled_from([0.0, 0.25, 4.0]),
       recon=st.sampled_from(["mse", "bce"]))
def test_vae_loss_beta_scales_the_kl(submission, seed, size, beta, recon):
    """vae_loss: total = recon + beta * kl; recon and kl do not depend on beta"""
    _loss(submission, seed, *size, recon, beta)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, copies=st.integers(2, 4))
def test_vae_loss_is_a_batch_average(submission, seed, size, copies):
    """vae_loss: a batch repeated k times gives the same recon, kl and total (averages over the batch)"""
    info, (x, x_recon, mu, log_var) = _loss(submission, seed, *size, "mse", 0.5)
    rep = [np.concatenate([a] * copies) for a in (x, x_recon, mu, log_var)]
    big = submission.probe("loss_probe", x=rep[0], x_recon=rep[1], mu=rep[2], log_var=rep[3],
                           beta=0.5, recon="mse", _where="vae_loss")
    for key in ("recon", "kl", "total"):
        expect_close(R.tensor_of(big["values"][key], key), np.asarray(info["values"][key].array),
                     f"vae_loss[{key!r}] of the batch repeated {copies} times (it must equal the "
                     "loss of the batch: average over samples, never sum)", rtol=1e-9)


@task("vae_loss")
@given(seed=S.seeds, size=loss_sizes, recon=st.sampled_from(["mse", "bce"]))
def test_vae_loss_gradients(submission, seed, size, recon):
    """vae_loss: total is differentiable w.r.t. x_recon, mu and log_var with the formulas' gradients; gradcheck in float64; inputs unchanged"""
    x, x_recon, mu, log_var = S.loss_inputs(seed, *size, recon)
    info = submission.probe("loss_probe", x=x, x_recon=x_recon, mu=mu, log_var=log_var, beta=0.5,
                            recon=recon, gradcheck=True, _where="vae_loss")
    formula_kl = R.expect_loss_values(info, x, x_recon, mu, log_var, 0.5, recon, np.float64)
    n = len(x)
    g_rec = 2 * (x_recon - x) / n if recon == "mse" else (1 / (1 + np.exp(-x_recon)) - x) / n
    expected = (g_rec, 0.5 * mu / n, 0.5 * 0.5 * (np.exp(log_var) - 1) / n)
    for got, exp, what in zip(info["grads"], expected, ("x_recon", "mu", "log_var")):
        if got is None:
            fail(f"no gradient of vae_loss(...)['total'] reaches {what}: build the loss from torch "
                 "operations on the inputs (no .item(), .detach() or NumPy)")
        if what == "x_recon" or formula_kl:  # else gradcheck below checks your own KL's gradient
            expect_close(got, exp, f"gradient of total with respect to {what}", rtol=1e-8)
    if info["gradcheck"]:
        fail(f"torch.autograd.gradcheck of vae_loss in float64 failed: {info['gradcheck']}")
    if not info["unchanged"]:
        fail("vae_loss modified one of its inputs in place: compute new tensors instead")


# ----------------------------------------------------------------------------- bad arguments
@task("reparameterize")
def test_reparameterize_shape_mismatch_raises(submission):
    """reparameterize: log_var or eps of another shape than mu raise ValueError naming it"""
    _reparameterize(submission, 0, 4, 3, np.float64)  # right values first
    mu, log_var, eps = S.latents(0, 4, 3)
    R.expect_value_error(submission, "reparameterize", [mu, log_var[:, :2], eps], {}, "log_var")
    R.expect_value_error(submission, "reparameterize", [mu, log_var, eps[:3]], {}, "eps")


@task("kl_divergence")
def test_kl_divergence_shape_mismatch_raises(submission):
    """kl_divergence: log_var of another shape than mu raises ValueError naming it"""
    _kl(submission, 0, 4, 3, np.float64)  # right values first
    mu, log_var, _ = S.latents(0, 4, 3)
    R.expect_value_error(submission, "kl_divergence", [mu, log_var[:, :2]], {}, "log_var")


@task("vae_loss")
def test_vae_loss_bad_arguments_raise_value_error(submission):
    """vae_loss: an unknown recon, or x_recon / log_var of the wrong shape, raise ValueError naming it"""
    _loss(submission, 0, 4, 5, 2, "mse", 1.0)  # right values first
    x, x_recon, mu, log_var = S.loss_inputs(0, 4, 5, 2)
    R.expect_value_error(submission, "vae_loss", [x, x_recon, mu, log_var], {"recon": "l1"}, "recon")
    R.expect_value_error(submission, "vae_loss", [x, x_recon[:, :4], mu, log_var], {}, "x_recon")
    R.expect_value_error(submission, "vae_loss", [x, x_recon, mu, log_var[:, :1]], {}, "log_var")
