"""Inputs of the sparse-autoencoder exercise's tests: hypothesis strategies and seeded builders.

Public: replay a failing example with the same arguments, e.g. ``gapped_codes(3, 4, 6)``.
Every builder is deterministic: the same arguments give the same arrays on every machine.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from coursedata import edge_patches

METHODS = ("none", "l1", "kl", "k_sparse")

#: seeds of ``numpy.random.default_rng`` / ``torch.Generator().manual_seed``
seeds = st.integers(min_value=0, max_value=2**31 - 1)


def codes(seed: int, n: int, h: int, dtype=np.float64) -> np.ndarray:
    """Sigmoid-like codes ``(n, h)`` in [0.02, 0.98] (what a sigmoid encoder gives)."""
    return np.random.default_rng(seed).uniform(0.02, 0.98, (n, h)).astype(dtype)


def signed_codes(seed: int, n: int, h: int, dtype=np.float64) -> np.ndarray:
    """Codes ``(n, h)`` of both signs with ``|z| >= 0.05`` (away from the kink of |z|)."""
    r = np.random.default_rng(seed)
    return (r.choice([-1.0, 1.0], (n, h)) * r.uniform(0.05, 2.0, (n, h))).astype(dtype)


def gapped_codes(seed: int, n: int, h: int, axis: int = 1, dtype=np.float64) -> np.ndarray:
    """Codes ``(n, h)`` whose entries along ``axis`` are distinct, at least 1/(2 m) apart
    (m = length of that axis; no ties for top-k), of both signs, none within 0.02 of 0, and
    with large negative values so that "largest" and "largest |z|" differ."""
    r = np.random.default_rng(seed)
    m = (n, h)[axis]
    grid = np.linspace(-2.0, 1.5, m)          # more room below 0: big |z| are often negative
    grid = np.where(np.abs(grid) < 0.05, grid + 0.5 / max(m, 2) * np.sign(grid + 1e-12), grid)
    lines = []
    for _ in range((n, h)[1 - axis]):
        jitter = r.uniform(-0.25, 0.25, m) / max(m, 2)
        lines.append(r.permutation(grid) + jitter)
    z = np.stack(lines, axis=1 - axis)
    return z.astype(dtype)


def upstream(seed: int, n: int, h: int, dtype=np.float64) -> np.ndarray:
    """An upstream gradient ``dL/dout`` ``(n, h)`` for vector-valued functions: N(0, 1)."""
    return np.random.default_rng(seed).standard_normal((n, h)).astype(dtype)


@st.composite
def lifetime_cases(draw):
    """(n, rate) with rate * n at least 0.1 away from an integer, so that ceil is unambiguous."""
    n = draw(st.integers(2, 12))
    m = draw(st.integers(0, n - 1))
    frac = draw(st.floats(0.1, 0.9))
    return n, (m + frac) / n


def model_weights(seed: int, n_in: int, n_hidden: int, dtype=np.float64) -> list:
    """``[[W1 (n_hidden, n_in), b1], [W2 (n_in, n_hidden), b2]]`` (nn.Linear layout), N(0, 1/fan_in)."""
    r = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in ((n_in, n_hidden), (n_hidden, n_in)):
        W = r.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)
        b = 0.1 * r.standard_normal(fan_out)
        out.append([W.astype(dtype), b.astype(dtype)])
    return out


def inputs(seed: int, n: int, d: int, dtype=np.float64) -> np.ndarray:
    """Data ``(n, d)`` in [0, 1] like the patches."""
    return np.random.default_rng(seed).uniform(0.0, 1.0, (n, d)).astype(dtype)


def patches(n: int = 2000, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """The course's 8x8 edge patches ``(n, 64)`` (coursedata.edge_patches)."""
    return edge_patches(n, seed=seed).astype(dtype)
