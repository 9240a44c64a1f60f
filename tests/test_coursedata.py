"""coursedata: shapes, dtypes, balance, determinism and stored checksums of the default datasets."""

import hashlib
import math
import pathlib
import sys
import time

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository root, when the package is not installed
    sys.path.insert(0, str(ROOT))

import coursedata as cd  # noqa: E402
from coursedata.datasets import _sincos  # noqa: E402


def sha256(a):
    """sha256 of the array's little-endian C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()).hexdigest()


def as_tuple(out):
    return out if isinstance(out, tuple) else (out,)


# sha256 of each returned array for the default arguments (numpy 2.4.6). The data are built from
# rng draws with elementwise float64 arithmetic only, so these hold on every machine.
CHECKSUMS = {
    "xor": ("b59058e1f2ea29420afa2a541399a5277370e9df9fb35fd0a17d95b27d1b43de",
            "0ca81b6ee59d082288b94816e0e01ce4042f55138329c146c8f08d7519d65e73"),
    "two_spirals": ("24909be02a692ad502cf13c15e6e5c6f0815c4338f07fdade26c573163e80a9e",
                    "e12b2b91c2ce06b5a9272924b492cf8d03bdd60f1c2e20a1287053689e4bfb54"),
    "blobs": ("5a4c384d668f2b49a8b0a00d8fbe53ce8be579d74287bc758e952c50abeb08a5",
              "36dfe88eec359d65b4349c4b92ba8c43a33e40d3f9a870a9cc91ebd524229db0"),
    "images8x8": ("57aa5905d53a46c26e4039e3de085d135b66072e74dae2b56b96404a8b7d6321",
                  "2cfda3785a9104c5892d54fd686d70952f24511afd5e50b18d1149505ad47903"),
    "edge_patches": ("91016ac3b6e5b4a5942d0cef45b19c88acb61e962104c11e9eb6c19e6565abad",),
}

GENERATORS = {name: getattr(cd, name) for name in CHECKSUMS}

# name -> expected (shape, dtype) of each array for the default arguments
EXPECTED = {
    "xor": (((200, 2), np.float64), ((200,), np.int64)),
    "two_spirals": (((200, 2), np.float64), ((200,), np.int64)),
    "blobs": (((300, 2), np.float64), ((300,), np.int64)),
    "images8x8": (((600, 1, 8, 8), np.float32), ((600,), np.int64)),
    "edge_patches": (((5000, 64), np.float32),),
}


@pytest.mark.parametrize("name", sorted(CHECKSUMS))
def test_default_checksums(name):
    got = tuple(sha256(a) for a in as_tuple(GENERATORS[name]()))
    assert got == CHECKSUMS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_and_dtypes(name):
    arrays = as_tuple(GENERATORS[name]())
    assert len(arrays) == len(EXPECTED[name])
    for a, (shape, dtype) in zip(arrays, EXPECTED[name]):
        assert isinstance(a, np.ndarray)
        assert a.shape == shape
        assert a.dtype == dtype
        assert np.all(np.isfinite(a))


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_arrays_other_seed_other_arrays(name):
    gen = GENERATORS[name]
    a, b, c = as_tuple(gen(seed=3)), as_tuple(gen(seed=3)), as_tuple(gen(seed=4))
    for u, v in zip(a, b):
        assert np.array_equal(u, v) and u.dtype == v.dtype
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_global_random_state_untouched(name):
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    GENERATORS[name](seed=1)
    assert np.array_equal(np.random.get_state()[1], before)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_fast(name):
    gen = GENERATORS[name]
    gen()  # warm up
    best = min(_timed(gen) for _ in range(3))
    assert best < 0.05, f"{name} took {best * 1e3:.1f} ms"


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


@pytest.mark.parametrize("gen,kwargs,classes", [
    (cd.xor, dict(n=200), 2),
    (cd.xor, dict(n=203), 2),
    (cd.two_spirals, dict(n=200), 2),
    (cd.two_spirals, dict(n=201), 2),
    (cd.blobs, dict(n=300, centers=3), 3),
    (cd.blobs, dict(n=100, centers=5, dim=7), 5),
    (cd.images8x8, dict(n=600), 4),
    (cd.images8x8, dict(n=90, classes=6), 6),
])
def test_classes_balanced(gen, kwargs, classes):
    X, y = gen(**kwargs)
    n = kwargs["n"]
    assert X.shape[0] == y.shape[0] == n
    counts = np.bincount(y, minlength=classes)
    assert len(counts) == classes
    assert counts.max() - counts.min() <= 1


def test_xor_labels_follow_the_quadrant():
    X, y = cd.xor(noise=0.05, seed=2)
    assert np.array_equal(y, ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64))
    X, y = cd.xor(noise=0.0)
    assert set(map(tuple, X)) == {(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)}


def test_two_spirals_are_point_reflections_of_each_other():
    X, y = cd.two_spirals(noise=0.0, turns=1.5)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r.max() <= 3.0 + 1e-12
    # without noise, class 1 points are class 0's spiral rotated by pi: (x, y) -> (-x, -y)
    t = r * math.pi
    for sign, cls in ((1.0, 0), (-1.0, 1)):
        sel = y == cls
        np.testing.assert_allclose(X[sel, 0], sign * r[sel] * np.cos(t[sel]), atol=1e-12)
        np.testing.assert_allclose(X[sel, 1], sign * r[sel] * np.sin(t[sel]), atol=1e-12)


def test_blobs_cluster_around_centres():
    X, y = cd.blobs(n=3000, centers=4, dim=3, std=0.5, seed=1)
    for k in range(4):
        pts = X[y == k]
        assert np.all(pts.std(axis=0) < 0.7)


def test_images8x8_without_noise_show_the_shape_classes():
    X, y = cd.images8x8(n=120, classes=6, noise=0.0, seed=5)
    counts = (X[:, 0] > 0).sum(axis=(1, 2))
    pixels = {"hbar": 6, "vbar": 6, "diag": 5, "square": 12, "cross": 9, "antidiag": 5}
    for label, name in enumerate(cd.IMAGE_CLASSES):
        assert np.all(counts[y == label] == pixels[name]), name
    on = X[:, 0][X[:, 0] > 0]
    assert on.min() >= 0.7 and on.max() < 1.0
    hbar = X[y == 0, 0] > 0
    assert np.all(hbar.any(axis=2).sum(axis=1) == 1)   # one row lit
    vbar = X[y == 1, 0] > 0
    assert np.all(vbar.any(axis=1).sum(axis=1) == 1)   # one column lit
    with pytest.raises(ValueError, match="classes"):
        cd.images8x8(classes=7)


def test_edge_patches_range_and_edges():
    X = cd.edge_patches()
    assert X.min() >= 0.0 and X.max() <= 1.0
    P = cd.edge_patches(n=500, noise=0.0, seed=1).reshape(-1, 8, 8)
    # every patch holds an edge: a clear contrast between its darkest and brightest pixels
    contrast = P.reshape(-1, 64).max(axis=1) - P.reshape(-1, 64).min(axis=1)
    assert np.all(contrast > 0.3)


def test_sincos_matches_numpy():
    theta = np.random.default_rng(0).uniform(-60, 60, 10000)
    s, c = _sincos(theta)
    np.testing.assert_allclose(s, np.sin(theta), rtol=0, atol=4e-16)
    np.testing.assert_allclose(c, np.cos(theta), rtol=0, atol=4e-16)


def test_train_test_split():
    X, y = cd.blobs(n=101, seed=0)
    Xtr, ytr, Xte, yte = cd.train_test_split(X, y, 0.2, seed=0)
    assert len(Xte) == len(yte) == math.ceil(0.2 * 101) and len(Xtr) == len(ytr) == 101 - 21
    rows = {tuple(r): lab for r, lab in zip(X, y)}
    assert all(rows[tuple(r)] == lab for r, lab in zip(np.concatenate([Xtr, Xte]), np.concatenate([ytr, yte])))
    assert len({tuple(r) for r in np.concatenate([Xtr, Xte])}) == 101
    again = cd.train_test_split(X, y, 0.2, seed=0)
    assert all(np.array_equal(u, v) for u, v in zip((Xtr, ytr, Xte, yte), again))
    other = cd.train_test_split(X, y, 0.2, seed=1)
    assert not np.array_equal(Xte, other[2])
    with pytest.raises(ValueError, match="test_fraction"):
        cd.train_test_split(X, y, 1.0, seed=0)
    with pytest.raises(ValueError, match="y"):
        cd.train_test_split(X, y[:-1], 0.2, seed=0)


def test_to_torch():
    torch = pytest.importorskip("torch")
    X, y = cd.xor()
    Xt, yt = cd.to_torch(X, y)
    assert Xt.dtype == torch.float64 and yt.dtype == torch.int64
    assert np.array_equal(Xt.numpy(), X) and np.array_equal(yt.numpy(), y)
    Xt[0, 0] = 123.0                      # a copy: the NumPy array is not aliased
    assert X[0, 0] != 123.0
    P = cd.to_torch(cd.edge_patches(n=10))
    assert isinstance(P, torch.Tensor) and P.dtype == torch.float32 and P.shape == (10, 64)


@pytest.mark.parametrize("call", [
    lambda: cd.xor(n=0),
    lambda: cd.xor(noise=-1.0),
    lambda: cd.two_spirals(n=2.5),
    lambda: cd.blobs(centers=0),
    lambda: cd.edge_patches(n=-3),
])
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
