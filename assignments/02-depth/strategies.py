"""Inputs of the depth exercise's tests: hypothesis strategies and seeded builders.

Public: replay a failing example with the same seed, e.g. ``mlp_weights(3, (2, 8, 8, 3))``.
Every builder is deterministic: the same arguments give the same arrays on every machine.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from coursedata import two_spirals

ACTIVATIONS = ("relu", "tanh", "sigmoid")
SCHEMES = ("he", "xavier", "small")

#: seeds of ``numpy.random.default_rng`` / ``torch.Generator().manual_seed``
seeds = st.integers(min_value=0, max_value=2**31 - 1)


@st.composite
def mlp_configs(draw, max_depth: int = 5, max_width: int = 10, min_depth: int = 1, residual=None):
    """Keyword arguments of make_mlp: in_dim, width, depth, out_dim, activation, residual
    (``residual`` fixed when given)."""
    return dict(in_dim=draw(st.integers(1, 6)), width=draw(st.integers(1, max_width)),
                depth=draw(st.integers(min_depth, max_depth)), out_dim=draw(st.integers(1, 4)),
                activation=draw(st.sampled_from(ACTIVATIONS)),
                residual=draw(st.booleans()) if residual is None else residual)


def layer_sizes(in_dim: int, width: int, depth: int, out_dim: int) -> tuple[int, ...]:
    """Sizes along an MLP with ``depth`` hidden layers: (in_dim, width, ..., width, out_dim)."""
    return (in_dim,) + (width,) * depth + (out_dim,)


def mlp_weights(seed: int, sizes, gain: float = 1.0, dtype=np.float64) -> list:
    """One ``[W (fan_out, fan_in), b (fan_out,)]`` pair per nn.Linear, W ~ N(0, gain/fan_in)."""
    r = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        W = r.standard_normal((fan_out, fan_in)) * np.sqrt(gain / fan_in)
        b = 0.1 * r.standard_normal(fan_out)
        out.append([W.astype(dtype), b.astype(dtype)])
    return out


def inputs(seed: int, n: int, d: int, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)


def classification(seed: int, n: int, d: int, classes: int, dtype=np.float64):
    """``X (n, d)``, ``y (n,)``: noisy linear classes (every class present when n >= classes)."""
    r = np.random.default_rng(seed)
    X = r.standard_normal((n, d))
    centres = 1.5 * r.standard_normal((classes, d))
    y = np.arange(n) % classes
    r.shuffle(y)
    X = X + centres[y]
    return X.astype(dtype), y.astype(np.int64)


def grad_arrays(seed: int, shapes, missing=(), dtype=np.float64) -> list:
    """One gradient per shape (None for the indices in ``missing``), entries ~ N(0, 1)."""
    r = np.random.default_rng(seed)
    return [None if i in missing else r.standard_normal(s).astype(dtype)
            for i, s in enumerate(shapes)]


@st.composite
def param_shapes(draw, max_tensors: int = 4):
    n = draw(st.integers(1, max_tensors))
    return [tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=2))) for _ in range(n)]


@st.composite
def init_layer_sizes(draw):
    """(a, b, c): Linear(a, b) then Linear(b, c), both with >= 1536 weights and fan_in far from fan_out."""
    a = draw(st.integers(16, 48))
    b = draw(st.integers(96, 160))
    c = draw(st.integers(16, 48))
    return (a, b, c)


def spirals(n: int = 640, n_train: int = 512, noise: float = 0.2, seed: int = 0,
            dtype=np.float32):
    """The chapter's depth task: two spirals, first ``n_train`` points train, the rest test."""
    X, y = two_spirals(n, noise=noise, seed=seed)
    X = X.astype(dtype)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]
