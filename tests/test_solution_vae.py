"""Checks of the reference solution solutions/vae.py itself (not of student code)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence as torch_kl

from coursedata import images8x8
from module_loading import load_solution

V = load_solution("vae")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def _latents(seed=0, n=5, latent=3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(n, latent, generator=g, dtype=dtype)
    log_var = torch.rand(n, latent, generator=g, dtype=dtype) * 5 - 3
    eps = torch.randn(n, latent, generator=g, dtype=dtype)
    return mu, log_var, eps


def _images(n=192, seed=1, noise=0.1):
    X, y = images8x8(n, classes=4, noise=noise, seed=seed)
    return torch.as_tensor(X.reshape(n, 64)), torch.as_tensor(y)


# ----------------------------------------------------------------------------- functions
def test_reparameterize_is_mu_plus_std_times_eps_with_the_right_gradients():
    mu, log_var, eps = _latents()
    mu.requires_grad_()
    log_var.requires_grad_()
    z = V.reparameterize(mu, log_var, eps)
    torch.testing.assert_close(z, mu + torch.exp(0.5 * log_var) * eps)
    w = torch.randn(z.shape, dtype=z.dtype, generator=torch.Generator().manual_seed(1))
    g_mu, g_lv = torch.autograd.grad((z * w).sum(), (mu, log_var))
    torch.testing.assert_close(g_mu, w)
    torch.testing.assert_close(g_lv, 0.5 * torch.exp(0.5 * log_var) * eps * w)
    assert torch.autograd.gradcheck(lambda m, l: V.reparameterize(m, l, eps), (mu, log_var))


def test_kl_divergence_equals_torch_distributions_per_sample():
    mu, log_var, _ = _latents(2)
    expected = torch_kl(Normal(mu, torch.exp(0.5 * log_var)),
                        Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(dim=1)
    got = V.kl_divergence(mu, log_var)
    assert got.shape == (5,)
    torch.testing.assert_close(got, expected)
    assert torch.autograd.gradcheck(V.kl_divergence, (mu.requires_grad_(), log_var.requires_grad_()))


def test_vae_loss_sums_features_averages_batch_and_weights_the_kl():
    mu, log_var, _ = _latents(3, n=4)
    g = torch.Generator().manual_seed(4)
    x = torch.rand(4, 6, generator=g, dtype=torch.float64)
    logits = 50 * torch.randn(4, 6, generator=g, dtype=torch.float64)
    for recon, per in (("mse", (logits - x) ** 2),
                       ("bce", F.binary_cross_entropy_with_logits(logits, x, reduction="none"))):
        out = V.vae_loss(x, logits, mu, log_var, beta=0.3, recon=recon)
        torch.testing.assert_close(out["recon"], per.sum(1).mean())
        torch.testing.assert_close(out["kl"], V.kl_divergence(mu, log_var).mean())
        torch.testing.assert_close(out["total"], out["recon"] + 0.3 * out["kl"])
        assert all(v.dim() == 0 and v.dtype == torch.float64 for v in out.values())
        assert torch.isfinite(out["total"])
    big = V.vae_loss(x.repeat(3, 1), logits.repeat(3, 1), mu.repeat(3, 1), log_var.repeat(3, 1))
    small = V.vae_loss(x, logits, mu, log_var)
    for k in small:
        torch.testing.assert_close(big[k], small[k])
    images = x.reshape(4, 1, 2, 3)
    torch.testing.assert_close(V.vae_loss(images, logits.reshape(4, 1, 2, 3), mu, log_var)["recon"],
                               small["recon"])


@pytest.mark.parametrize("call, word", [
    (lambda mu, lv, eps, x: V.reparameterize(mu, lv[:, :2], eps), "log_var"),
    (lambda mu, lv, eps, x: V.reparameterize(mu, lv, eps[:2]), "eps"),
    (lambda mu, lv, eps, x: V.kl_divergence(mu, lv[:, :1]), "log_var"),
    (lambda mu, lv, eps, x: V.vae_loss(x, x, mu, lv, recon="l1"), "recon"),
    (lambda mu, lv, eps, x: V.vae_loss(x, x[:, :2], mu, lv), "x_recon"),
    (lambda mu, lv, eps, x: V.vae_loss(x[:3], x[:3], mu, lv), "mu"),
    (lambda mu, lv, eps, x: V.vae_loss(x, x, mu, lv, beta=-1.0), "beta"),
    (lambda mu, lv, eps, x: V.VAE(4, 0, 2), "n_hidden"),
    (lambda mu, lv, eps, x: V.train_vae(x, n_latent=2, beta=1.0, epochs=-1, lr=0.1, generator=None), "epochs"),
    (lambda mu, lv, eps, x: V.train_vae(x[0], n_latent=2, beta=1.0, epochs=1, lr=0.1, generator=None), "X"),
])
def test_bad_arguments_raise_value_error_naming_them(call, word):
    mu, log_var, eps = _latents(n=4)
    with pytest.raises(ValueError, match=word):
        call(mu, log_var, eps, torch.zeros(4, 5, dtype=torch.float64))


# ----------------------------------------------------------------------------- the model
def test_vae_forward_uses_the_given_eps_or_the_generator():
    torch.manual_seed(0)
    model = V.VAE(6, 5, 2).double()
    x = torch.randn(3, 6, dtype=torch.float64)
    eps = torch.randn(3, 2, dtype=torch.float64)
    x_recon, mu, log_var = model(x, eps=eps)
    torch.testing.assert_close(x_recon, model.decode(mu + torch.exp(0.5 * log_var) * eps), rtol=0, atol=0)
    a = model(x, generator=torch.Generator().manual_seed(3))[0]
    torch.manual_seed(99)
    b = model(x, generator=torch.Generator().manual_seed(3))[0]
    noise = torch.randn(3, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(a, model(x, eps=noise)[0], rtol=0, atol=0)
    assert (model.n_in, model.n_hidden, model.n_latent) == (6, 5, 2)


def test_sample_decodes_generator_draws_without_a_graph():
    model = V.VAE(4, 3, 2)
    out = V.sample(model, 5, torch.Generator().manual_seed(1))
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(out, model.decode(z).detach())
    assert not out.requires_grad and out.shape == (5, 4)


# ----------------------------------------------------------------------------- training
def test_train_vae_is_reproducible_and_lowers_the_loss():
    X, _ = _images()
    runs = []
    for k in range(2):
        torch.manual_seed(k)
        runs.append(V.train_vae(X, n_latent=2, beta=0.1, epochs=12, lr=5e-3,
                                generator=torch.Generator().manual_seed(0)))
    (m1, h1), (m2, h2) = runs
    assert h1 == h2 and set(h1) == {"total", "recon", "kl"} and len(h1["total"]) == 12
    assert all(torch.equal(p, q) for p, q in zip(m1.parameters(), m2.parameters()))
    assert h1["total"][-1] < 0.8 * h1["total"][0]
    np.testing.assert_allclose(h1["total"], np.array(h1["recon"]) + 0.1 * np.array(h1["kl"]), rtol=1e-5)
    assert not m1.training


def test_the_handouts_beta_claims_hold():
    """README section 7: with beta=1 the posterior collapses, with beta=0.1 the codes carry information."""
    X, _ = _images(600, seed=0)
    kw = dict(n_latent=2, epochs=60, lr=5e-3, generator=None)
    collapsed = V.train_vae(X, beta=1.0, **{**kw, "generator": torch.Generator().manual_seed(0)})[1]
    informative = V.train_vae(X, beta=0.1, **{**kw, "generator": torch.Generator().manual_seed(0)})[1]
    assert collapsed["kl"][-1] < 0.01 and 4.5 < collapsed["recon"][-1] < 5.5
    assert informative["kl"][-1] > 3 and informative["recon"][-1] < 3.2


# ----------------------------------------------------------------------------- plots
def test_plots_are_figures_with_the_means_and_one_image_per_sample():
    from matplotlib.figure import Figure

    X, y = _images(40)
    model = V.VAE(64, 8, 3)
    fig = V.plot_latent_space(model, X, y)
    assert isinstance(fig, Figure)
    offsets = fig.axes[0].collections[0].get_offsets()
    with torch.no_grad():
        np.testing.assert_allclose(offsets, model.encode(X)[0][:, :2].numpy(), rtol=1e-6)
    fig = V.plot_samples(model, 5, torch.Generator().manual_seed(0))
    images = [im for ax in fig.axes for im in ax.get_images()]
    assert len(images) == 5 and all(im.get_array().shape == (8, 8) for im in images)
    with pytest.raises(ValueError, match="model"):
        V.plot_samples(V.VAE(10, 3, 2), 2, None)
    with pytest.raises(ValueError, match="model"):
        V.plot_latent_space(V.VAE(64, 3, 1), X, y)
    assert math.isqrt(model.n_in) ** 2 == model.n_in
