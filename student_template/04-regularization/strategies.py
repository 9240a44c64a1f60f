"""Inputs of the regularization exercise's tests: hypothesis strategies and seeded builders.

Public: replay a failing example with the same arguments, e.g. ``batchnorm_inputs(7, 5, 3)``
or ``images(3, 40, 2, 6, 6)``. Every builder is deterministic (``numpy.random.default_rng``)
and returns NumPy arrays; ``torch.as_tensor`` turns them into the tensors the tests send.
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from coursedata import images8x8

#: seeds of ``numpy.random.default_rng``
seeds = st.integers(min_value=0, max_value=2**31 - 1)

drop_rates = st.sampled_from([0.1, 0.25, 0.5, 0.6, 0.8])
float_dtypes = st.sampled_from(["float32", "float64"])


def values(seed: int, shape, dtype="float64", low: float = 0.2) -> np.ndarray:
    """Normal values with |v| >= low (so a dropped entry, 0, is never confused with a kept one)."""
    r = np.random.default_rng(seed)
    v = r.standard_normal(shape)
    v = np.sign(v) * (low + np.abs(v))
    return v.astype(dtype)


def batchnorm_inputs(seed: int, n: int, d: int, dtype="float64", constant_columns=()):
    """(x, gamma, beta, dout): x (n, d) with a random scale and shift per column (columns in
    ``constant_columns`` hold one value), gamma (d,) away from 0, beta (d,), dout (n, d)."""
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, d)) * 10.0 ** r.uniform(-1, 1, d) + r.uniform(-3, 3, d)
    for j in constant_columns:
        x[:, j] = r.uniform(-2, 2)
    gamma = np.sign(r.standard_normal(d)) * r.uniform(0.5, 2.0, d)
    beta = r.standard_normal(d)
    dout = r.standard_normal((n, d))
    return tuple(a.astype(dtype) for a in (x, gamma, beta, dout))


def batchnorm_steps(seed: int, n: int, d: int, steps: int, dtype="float64"):
    """Training batches and upstream gradients for ``steps`` steps, then one evaluation batch:
    (batches (steps, n, d), douts (steps, n, d), eval_batch (n + 1, d), weight (d,), bias (d,))."""
    r = np.random.default_rng(seed)
    shift, scale = r.uniform(-3, 3, d), 10.0 ** r.uniform(-0.5, 0.5, d)
    batches = r.standard_normal((steps, n, d)) * scale + shift
    douts = r.standard_normal((steps, n, d))
    eval_batch = r.standard_normal((n + 1, d)) * scale + shift
    weight, bias = r.uniform(0.5, 2.0, d), r.standard_normal(d)
    return tuple(a.astype(dtype) for a in (batches, douts, eval_batch, weight, bias))


def images(seed: int, n: int, c: int, h: int, w: int, dtype="float32") -> np.ndarray:
    """Images (n, c, h, w) with every pixel in [0.5, 1.5) (never 0, so the zero padding of a
    crop is recognisable and every window of an image differs from the others)."""
    r = np.random.default_rng(seed)
    return (0.5 + r.random((n, c, h, w))).astype(dtype)


def window_offsets(out: np.ndarray, images_: np.ndarray, padding: int, flipped: bool = False):
    """For each output image, the offset (i, j) such that it equals the window
    ``pad(images)[n, :, i:i+H, j:j+W]`` (of the left-right mirrored images when ``flipped``),
    or None when no window matches. Padding is with zeros on all four sides."""
    src = images_[..., ::-1] if flipped else images_
    p = padding
    padded = np.pad(src, ((0, 0), (0, 0), (p, p), (p, p)))
    h, w = src.shape[-2:]
    found = []
    for k in range(out.shape[0]):
        hit = None
        for i in range(2 * p + 1):
            for j in range(2 * p + 1):
                if np.array_equal(out[k], padded[k, :, i:i + h, j:j + w]):
                    hit = (i, j)
                    break
            if hit:
                break
        found.append(hit)
    return found


def labels(seed: int, n: int, k: int) -> np.ndarray:
    """n integer labels in 0..k-1 (int64)."""
    return np.random.default_rng(seed).integers(0, k, n).astype(np.int64)


#: parameter shapes of the course's stand-in model for l2_penalty and EarlyStopping
#: (probes.StandIn: Linear(4, 5), LayerNorm(5), Conv1d(1, 2, 3), Linear(5, 3, bias=False))
STAND_IN_SHAPES = [(5, 4), (5,), (5,), (5,), (2, 1, 3), (2,), (3, 5)]


def stand_in_weights(seed: int, dtype="float64"):
    """Values for every parameter of the stand-in model (shapes STAND_IN_SHAPES)."""
    r = np.random.default_rng(seed)
    return [r.standard_normal(s).astype(dtype) for s in STAND_IN_SHAPES]


@st.composite
def early_stopping_cases(draw):
    """(patience, min_delta, losses): validation losses on a grid of 1/4 (ties with best_loss
    happen; with min_delta in {0.125, 0.375} no loss is ever exactly best_loss - min_delta)."""
    patience = draw(st.integers(1, 4))
    min_delta = draw(st.sampled_from([0.0, 0.125, 0.375]))
    n = draw(st.integers(patience + 2, 14))
    steps = draw(st.lists(st.sampled_from([-2, -1, -1, 0, 0, 1, 2]), min_size=n, max_size=n))
    level, losses = 8, []
    for s in steps:
        level = max(level + s, 0)
        losses.append(level / 4.0)
    return patience, min_delta, losses


def study_data(seed: int, n_train: int = 96, n_val: int = 200, n_test: int = 200, dtype="float32"):
    """(X_train, y_train, X_val, y_val, X_test, y_test) from ``coursedata.images8x8`` (4
    classes, noise 0.3): images (N, 1, 8, 8), int64 labels. A small training split, so an
    unregularised model overfits."""
    X, y = images8x8(n=n_train + n_val + n_test, classes=4, noise=0.3, seed=seed)
    X = X.astype(dtype)
    a, b = n_train, n_train + n_val
    return X[:a], y[:a], X[a:b], y[a:b], X[b:], y[b:]


#: the configurations of the study's tests (l2 strength, drop rate, augmentation)
STUDY_CONFIGS = {"none": {}, "l2": {"l2": 0.01}, "dropout": {"dropout": 0.5},
                 "augment": {"augment": True}}
