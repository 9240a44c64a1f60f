"""Inputs of the VAE exercise's tests: hypothesis strategies and seeded builders.

Public: replay a failing example with the same arguments, e.g. ``latents(3, 4, 2)`` or
``stand_in_weights(5, 64, 2)``. Every builder is deterministic: the same arguments give the
same arrays on every machine.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from coursedata import images8x8

#: seeds of ``numpy.random.default_rng`` / ``torch.Generator().manual_seed``
seeds = st.integers(min_value=0, max_value=2**31 - 1)
dtypes = st.sampled_from([np.float64, np.float32])
sizes = st.tuples(st.integers(1, 6), st.integers(1, 5))  # (N, L)


def latents(seed: int, n: int, latent: int, dtype=np.float64):
    """``mu``, ``log_var`` in [-3, 2] and noise ``eps`` ~ N(0, 1), each ``(n, latent)``."""
    r = np.random.default_rng(seed)
    mu = 1.5 * r.standard_normal((n, latent))
    log_var = r.uniform(-3.0, 2.0, (n, latent))
    eps = r.standard_normal((n, latent))
    return mu.astype(dtype), log_var.astype(dtype), eps.astype(dtype)


def upstream(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """Weights ``w`` of the scalar ``sum(w * output)`` whose gradient the tests take."""
    return np.random.default_rng(seed + 1).standard_normal(shape).astype(dtype)


def loss_inputs(seed: int, n: int, d: int, latent: int, recon: str = "mse", dtype=np.float64,
                logit_scale: float = 3.0):
    """``x, x_recon, mu, log_var`` for vae_loss: for "bce" targets ``x`` in [0, 1] and logits
    ``x_recon`` ~ N(0, logit_scale^2); for "mse" both ~ N(0, 1)."""
    r = np.random.default_rng(seed)
    if recon == "bce":
        x = r.uniform(0.0, 1.0, (n, d))
        x_recon = logit_scale * r.standard_normal((n, d))
    else:
        x = r.standard_normal((n, d))
        x_recon = x + 0.5 * r.standard_normal((n, d))
    mu, log_var, _ = latents(seed + 7, n, latent)
    return tuple(a.astype(dtype) for a in (x, x_recon, mu, log_var))


def vae_config(seed: int):
    """Sizes of a small VAE: ``dict(n_in, n_hidden, n_latent)``."""
    r = np.random.default_rng(seed)
    return dict(n_in=int(r.integers(2, 9)), n_hidden=int(r.integers(2, 9)),
                n_latent=int(r.integers(1, 4)))


def inputs(seed: int, n: int, d: int, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)


def stand_in_weights(seed: int, n_in: int, n_latent: int, dtype=np.float64) -> dict:
    """Weights of the tests' own linear VAE (probes.StandInVAE): encode(x) = (x A^T + a,
    0.1 (x B^T + b)), decode(z) = z C^T + c with C (n_in, n_latent) of full column rank."""
    r = np.random.default_rng(seed)
    w = dict(A=r.standard_normal((n_latent, n_in)) / np.sqrt(n_in), a=r.standard_normal(n_latent),
             B=r.standard_normal((n_latent, n_in)) / np.sqrt(n_in), b=r.standard_normal(n_latent),
             C=r.standard_normal((n_in, n_latent)), c=r.standard_normal(n_in))
    return {k: v.astype(dtype) for k, v in w.items()}


def images(n: int = 256, seed: int = 0, noise: float = 0.1, classes: int = 4, dtype=np.float32):
    """The course's 8x8 images flattened row-major: ``X (n, 64)`` and labels ``y (n,)``."""
    X, y = images8x8(n, classes=classes, noise=noise, seed=seed)
    return X.reshape(n, 64).astype(dtype), y
