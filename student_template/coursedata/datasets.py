"""Offline, deterministic toy datasets for the course.

Every generator takes an integer ``seed`` and draws ONLY from ``np.random.default_rng(seed)``
(no global random state). To give bitwise identical arrays on every machine, the data are
built from the generator's draws with elementwise float64 arithmetic only (``+ - * /``,
``sqrt``, comparisons, rounding): these are correctly rounded IEEE operations, so SIMD width,
BLAS and the C math library cannot change the result. Trigonometry uses the polynomial
``_sincos`` below instead of ``np.sin``/``np.cos`` (whose SIMD/libm implementations may differ
in the last bit between machines). There are no matmuls or reductions. The cast to the final
dtype happens last.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "xor",
    "two_spirals",
    "blobs",
    "images8x8",
    "IMAGE_CLASSES",
    "edge_patches",
    "train_test_split",
    "to_torch",
]

# Shape classes of ``images8x8``, in label order (``classes=k`` uses the first k).
IMAGE_CLASSES = ("hbar", "vbar", "diag", "square", "cross", "antidiag")


# ----------------------------------------------------------------------------- helpers
def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_nonneg(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _balanced_labels(rng, n, classes):
    """Labels 0..classes-1, each ``n // classes`` or one more times, in random order."""
    return (np.arange(n, dtype=np.int64) % classes)[rng.permutation(n)]


# Two-part pi/2 (fdlibm's pio2_1, pio2_1t): _PIO2_HI has 33 significant bits, so k * _PIO2_HI is
# exact for |k| < 2**20.
_PIO2_HI = 1.57079632673412561417e+00
_PIO2_LO = 6.07710050650619224932e-11
_TWO_OVER_PI = 0.63661977236758134308


def _sincos(theta):
    """(sin, cos) of a float64 array with elementwise + - * only (bitwise reproducible).

    Cody-Waite reduction to |r| <= pi/4 and Taylor polynomials (error < 1e-16 there).
    Accurate to about 1 ulp for |theta| < 1e5, which is all the generators need.
    """
    theta = np.asarray(theta, dtype=np.float64)
    k = np.rint(theta * _TWO_OVER_PI)
    r = (theta - k * _PIO2_HI) - k * _PIO2_LO
    r2 = r * r
    # sin r = r (1 - r2/3! + r2^2/5! - ... - r2^8/17!) , Horner from the top
    s = np.full_like(r2, 1.0 / math.factorial(17))
    for j in (15, 13, 11, 9, 7, 5, 3):
        s = (-s) * r2 + 1.0 / math.factorial(j)
    s = r - (r * r2) * s
    c = np.full_like(r2, 1.0 / math.factorial(18))
    for j in (16, 14, 12, 10, 8, 6, 4, 2):
        c = (-c) * r2 + 1.0 / math.factorial(j)
    c = 1.0 - r2 * c
    q = k.astype(np.int64) % 4
    sin = np.choose(q, [s, c, -s, -c])
    cos = np.choose(q, [c, -s, -c, s])
    return sin, cos


# ----------------------------------------------------------------------------- 2-D sets
def xor(n=200, noise=0.1, seed=0):
    """XOR: four Gaussian clusters at (+-1, +-1), label = XOR of the centre's signs.

    Returns ``X`` float64 ``(n, 2)`` and ``y`` int64 ``(n,)``; label 1 for the clusters at
    (1, -1) and (-1, 1). Clusters get ``n // 4`` or one more points (classes balanced).
    """
    n = _check_int("n", n, 1)
    noise = _check_nonneg("noise", noise)
    rng = np.random.default_rng(seed)
    cluster = _balanced_labels(rng, n, 4)
    sx = (cluster % 2).astype(np.float64) * 2.0 - 1.0
    sy = (cluster // 2).astype(np.float64) * 2.0 - 1.0
    eps = rng.standard_normal((n, 2))
    X = np.empty((n, 2), dtype=np.float64)
    X[:, 0] = sx + noise * eps[:, 0]
    X[:, 1] = sy + noise * eps[:, 1]
    y = ((sx > 0) != (sy > 0)).astype(np.int64)
    return X, y


def two_spirals(n=200, noise=0.2, turns=1.5, seed=0):
    """Two interleaved spirals (class 1 is class 0 rotated by pi), plus Gaussian noise.

    Point at angle ``t = turns * 2 pi * sqrt(u)``, ``u ~ U[0, 1)``, radius ``t / pi`` (so arms
    of the two classes are 1 apart; the outer radius is ``2 * turns``). Returns ``X`` float64
    ``(n, 2)`` and ``y`` int64 ``(n,)`` with ``ceil(n / 2)`` zeros, ``floor(n / 2)`` ones, shuffled.
    """
    n = _check_int("n", n, 1)
    noise = _check_nonneg("noise", noise)
    turns = _check_nonneg("turns", turns)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(rng, n, 2)
    t = np.sqrt(rng.random(n)) * (turns * 2.0 * math.pi)
    r = t * (1.0 / math.pi)
    sin, cos = _sincos(t)
    sign = 1.0 - 2.0 * y.astype(np.float64)          # class 1: rotated by pi
    eps = rng.standard_normal((n, 2))
    X = np.empty((n, 2), dtype=np.float64)
    X[:, 0] = sign * (r * cos) + noise * eps[:, 0]
    X[:, 1] = sign * (r * sin) + noise * eps[:, 1]
    return X, y


def blobs(n=300, centers=3, dim=2, std=1.0, seed=0):
    """Isotropic Gaussian blobs around ``centers`` random centres drawn from U[-10, 10]^dim.

    Returns ``X`` float64 ``(n, dim)`` and ``y`` int64 ``(n,)`` (the blob index, balanced).
    """
    n = _check_int("n", n, 1)
    centers = _check_int("centers", centers, 1)
    dim = _check_int("dim", dim, 1)
    std = _check_nonneg("std", std)
    rng = np.random.default_rng(seed)
    C = rng.uniform(-10.0, 10.0, size=(centers, dim))
    y = _balanced_labels(rng, n, centers)
    X = C[y] + std * rng.standard_normal((n, dim))
    return X, y


# ----------------------------------------------------------------------------- images
def images8x8(n=600, classes=4, noise=0.3, seed=0):
    """Small 8x8 images of simple shapes with position jitter, random intensity and noise.

    Classes, in label order: ``IMAGE_CLASSES = (hbar, vbar, diag, square, cross, antidiag)``
    (``classes`` picks the first 2..6): a 6-pixel horizontal / vertical bar, a 5-pixel
    diagonal, a 4x4 square outline, a 5x5 plus sign, a 5-pixel anti-diagonal. Stroke intensity
    ~ U[0.7, 1), background 0, plus N(0, noise^2) on every pixel (not clipped).
    Returns ``X`` float32 ``(n, 1, 8, 8)`` and ``y`` int64 ``(n,)`` (balanced).
    """
    n = _check_int("n", n, 1)
    classes = _check_int("classes", classes, 2)
    if classes > len(IMAGE_CLASSES):
        raise ValueError(f"classes must be <= {len(IMAGE_CLASSES)}, got {classes}")
    noise = _check_nonneg("noise", noise)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(rng, n, classes)
    u = rng.random((n, 2))
    intensity = rng.uniform(0.7, 1.0, size=n)
    eps = rng.standard_normal((n, 1, 8, 8))

    # Per class: (low, number of values) of the two jitter parameters a, b.
    ranges = {
        "hbar": ((1, 6), (0, 3)),      # row a in 1..6, first column b in 0..2
        "vbar": ((1, 6), (0, 3)),      # column a in 1..6, first row b in 0..2
        "diag": ((0, 4), (0, 4)),      # top-left (a, b) in 0..3
        "square": ((0, 5), (0, 5)),    # top-left (a, b) in 0..4
        "cross": ((2, 4), (2, 4)),     # centre (a, b) in 2..5
        "antidiag": ((0, 4), (0, 4)),  # top-left of its 5x5 box (a, b) in 0..3
    }
    lo = np.zeros((n, 2), dtype=np.int64)
    cnt = np.ones((n, 2), dtype=np.int64)
    for label in range(classes):
        (la, ca), (lb, cb) = ranges[IMAGE_CLASSES[label]]
        sel = y == label
        lo[sel] = (la, lb)
        cnt[sel] = (ca, cb)
    ab = lo + np.floor(u * cnt).astype(np.int64)
    a = ab[:, 0, None, None]
    b = ab[:, 1, None, None]
    ii = np.arange(8)[None, :, None]   # row index
    jj = np.arange(8)[None, None, :]   # column index

    masks = {
        "hbar": (ii == a) & (jj >= b) & (jj < b + 6),
        "vbar": (jj == a) & (ii >= b) & (ii < b + 6),
        "diag": (ii - a == jj - b) & (ii >= a) & (ii < a + 5),
        "square": (ii >= a) & (ii < a + 4) & (jj >= b) & (jj < b + 4)
        & ((ii == a) | (ii == a + 3) | (jj == b) | (jj == b + 3)),
        "cross": ((ii == a) & (np.abs(jj - b) <= 2)) | ((jj == b) & (np.abs(ii - a) <= 2)),
        "antidiag": (ii - a == 4 - (jj - b)) & (ii >= a) & (ii < a + 5),
    }
    shape = np.zeros((n, 8, 8), dtype=bool)
    for label in range(classes):
        sel = (y == label)[:, None, None]
        shape |= sel & masks[IMAGE_CLASSES[label]]
    X = shape[:, None].astype(np.float64) * intensity[:, None, None, None] + noise * eps
    return X.astype(np.float32), y


def edge_patches(n=5000, seed=0, *, noise=0.05):
    """8x8 patches with one oriented edge each, flattened row-major, for sparse autoencoders.

    Uniformly random edge direction (a normalised Gaussian 2-vector), offset ~ U[-2.5, 2.5]
    pixels from the patch centre, smooth step ``3t^2 - 2t^3`` of width ~ U[0.5, 2] pixels from a
    dark level ~ U[0, 0.3) to a bright level ~ U[0.7, 1), plus N(0, noise^2), clipped to [0, 1].
    Returns ``X`` float32 ``(n, 64)`` with values in [0, 1].
    """
    n = _check_int("n", n, 1)
    noise = _check_nonneg("noise", noise)
    rng = np.random.default_rng(seed)
    d = rng.standard_normal((n, 2))
    offset = rng.uniform(-2.5, 2.5, size=n)
    width = rng.uniform(0.5, 2.0, size=n)
    dark = rng.uniform(0.0, 0.3, size=n)
    bright = rng.uniform(0.7, 1.0, size=n)
    eps = rng.standard_normal((n, 8, 8))

    norm = np.sqrt(d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1])
    tiny = norm < 1e-12                    # (practically never) fall back to a vertical edge
    norm = np.where(tiny, 1.0, norm)
    ux = np.where(tiny, 1.0, d[:, 0] / norm)[:, None, None]
    uy = np.where(tiny, 0.0, d[:, 1] / norm)[:, None, None]
    ii = (np.arange(8, dtype=np.float64) - 3.5)[None, :, None]
    jj = (np.arange(8, dtype=np.float64) - 3.5)[None, None, :]
    dist = (jj * ux + ii * uy) - offset[:, None, None]           # signed distance to the edge
    t = np.clip(dist / width[:, None, None] + 0.5, 0.0, 1.0)
    step = t * t * (3.0 - 2.0 * t)
    lo = dark[:, None, None]
    X = lo + (bright[:, None, None] - lo) * step + noise * eps
    X = np.clip(X, 0.0, 1.0)
    return X.reshape(n, 64).astype(np.float32)


# ----------------------------------------------------------------------------- utilities
def train_test_split(X, y, test_fraction=0.25, seed=0):
    """Random split: ``(X_train, y_train, X_test, y_test)`` (the order of the course's ``data``).

    ``ceil(test_fraction * N)`` samples go to the test split, chosen by
    ``np.random.default_rng(seed).permutation(N)``; both splits keep that shuffled order.
    Works for NumPy arrays (and anything indexable by an integer array, e.g. tensors).
    """
    N = len(X)
    if len(y) != N:
        raise ValueError(f"y must have len(X) = {N} entries, got {len(y)}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real) \
            or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
    n_test = math.ceil(test_fraction * N)
    if not 0 < n_test < N:
        raise ValueError(f"test_fraction={test_fraction} leaves an empty split of {N} samples")
    perm = np.random.default_rng(seed).permutation(N)
    test, train = perm[:n_test], perm[n_test:]
    return X[train], y[train], X[test], y[test]


def to_torch(*arrays):
    """Convert NumPy arrays to CPU torch tensors (copies; dtypes kept: float32/float64, int64).

    One argument gives one tensor, several give a tuple. Anything that is not a NumPy array is
    passed through. Without torch installed, the arrays come back unchanged.
    """
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a course dependency
        out = arrays
    else:
        out = tuple(torch.from_numpy(np.array(a, copy=True, order="C"))
                    if isinstance(a, np.ndarray) else a for a in arrays)
    return out[0] if len(out) == 1 else out
