"""Inputs of the depth exercise's tests: hypothesis strategies and seeded builders.

Public: a failure message ends with the smallest failing input written as a call of a builder
of this file, e.g. ``grad_case(config={...}, n=3, loss='mse', seed=0)``; run the same call
(``import strategies as S; S.grad_case(...)``) to get the very arrays the test used. Every
builder is deterministic: the same arguments give the same arrays on every machine.
"""
from __future__ import annotations

from typing import NamedTuple

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


# ----------------------------------------------------------------------------- test cases
# Each hidden test draws the arguments of one of these builders and runs on what it returns,
# so the failing input it prints is a call you can run.
def _case_repr(case) -> str:
    """Not Python syntax on purpose: hypothesis then prints a failing case as the builder call."""
    return f"<{type(case).__name__} of {', '.join(case._fields)}>"


class MlpCase(NamedTuple):
    config: dict  # keyword arguments of make_mlp
    sizes: tuple
    weights: list  # loaded into make_mlp's nn.Linear layers, in module order
    x: np.ndarray  # (n, in_dim) float32
    __repr__ = _case_repr


def mlp_case(config: dict, seed: int, n: int) -> MlpCase:
    """make_mlp(**config) with float32 weights mlp_weights(seed, sizes, gain=4) on x (n, in_dim)."""
    sizes = layer_sizes(config["in_dim"], config["width"], config["depth"], config["out_dim"])
    return MlpCase(config, sizes, mlp_weights(seed, sizes, gain=4.0, dtype=np.float32),
                   inputs(seed + 1, n, config["in_dim"], np.float32))


def mlp_cases(**config_kwargs):
    """MlpCase drawn with mlp_configs(**config_kwargs)."""
    return st.builds(mlp_case, config=mlp_configs(**config_kwargs), seed=seeds, n=st.integers(1, 5))


class GradCase(NamedTuple):
    config: dict
    sizes: tuple
    weights: list  # float64, gain 2
    X: np.ndarray  # (n, in_dim) float64
    y: np.ndarray  # (n,) int64 labels in [0, out_dim)
    loss: str  # "cross_entropy" or "mse" (probes.LOSSES)
    __repr__ = _case_repr


def grad_case(config: dict, n: int, loss: str, seed: int) -> GradCase:
    """layer_grad_norms(build_mlp(sizes, ..., weights), X, y, probes.LOSSES[loss]) inputs."""
    sizes = layer_sizes(config["in_dim"], config["width"], config["depth"], config["out_dim"])
    X, y = classification(seed + 1, n, config["in_dim"], config["out_dim"])
    return GradCase(config, sizes, mlp_weights(seed, sizes, gain=2.0), X, y, loss)


@st.composite
def grad_cases(draw):
    config = draw(mlp_configs(max_depth=4, max_width=8))
    config["out_dim"] = max(config["out_dim"], 2)
    return draw(st.builds(grad_case, config=st.just(config), n=st.integers(2, 12),
                          loss=st.sampled_from(["cross_entropy", "mse"]), seed=seeds))


class ClipCase(NamedTuple):
    grads: list  # one array per parameter, None: no gradient
    max_norm: float
    style: str  # how the parameters are passed: "list", "generator" or "tensor"
    __repr__ = _case_repr


def clip_case(shapes, missing, ratio: float, style: str, dtype: str, seed: int) -> ClipCase:
    """Gradients grad_arrays(seed, shapes, missing) of ``dtype``; max_norm = ratio * their total norm."""
    grads = grad_arrays(seed, shapes, set(missing), dtype=np.dtype(dtype))
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads if g is not None)))
    return ClipCase(grads, ratio * total, style)


@st.composite
def clip_cases(draw, below: bool = False):
    """ClipCase with the total norm above max_norm (or, with ``below``, under it)."""
    shapes = draw(param_shapes())
    style = draw(st.sampled_from(["list", "generator"] + (["tensor"] if len(shapes) == 1 else [])))
    missing = [] if style == "tensor" else sorted(
        draw(st.sets(st.integers(0, len(shapes) - 1), max_size=len(shapes) - 1)))
    return draw(st.builds(clip_case, shapes=st.just(shapes), missing=st.just(missing),
                          ratio=st.floats(1.2, 5.0) if below else st.floats(0.05, 0.8),
                          style=st.just(style), dtype=st.sampled_from(["float64", "float32"]),
                          seed=seeds))


class TrainCase(NamedTuple):
    config: dict
    sizes: tuple
    weights: list  # float64, gain 2
    data: tuple  # (X_train, y_train, X_test, y_test)
    epochs: int
    batch_size: int
    lr: float
    seed: int  # of the generator given to train_and_measure
    __repr__ = _case_repr


def train_case(config: dict, n_train: int, n_test: int, epochs: int, batch_size: int, lr: float,
               seed: int) -> TrainCase:
    """train_and_measure(build_mlp(sizes, ..., weights), data, epochs=..., lr=..., batch_size=...,
    generator=torch.Generator().manual_seed(seed), ...) inputs."""
    sizes = layer_sizes(config["in_dim"], config["width"], config["depth"], config["out_dim"])
    X, y = classification(seed + 1, n_train + n_test, config["in_dim"], config["out_dim"])
    data = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    return TrainCase(config, sizes, mlp_weights(seed, sizes, gain=2.0), data, epochs, batch_size,
                     lr, seed)


@st.composite
def train_cases(draw, full_batch: bool = False):
    """TrainCase: one batch per epoch (``full_batch``) or minibatches with a partial last one."""
    config = draw(mlp_configs(max_depth=3, max_width=8))
    config["out_dim"] = draw(st.integers(2, 3))
    n_train = draw(st.integers(10, 40))
    if full_batch:
        batch_size = st.integers(n_train, n_train + 5)
    else:
        batch_size = st.integers(3, max(3, n_train // 2)).filter(lambda b: n_train % b != 0)
    return draw(st.builds(train_case, config=st.just(config), n_train=st.just(n_train),
                          n_test=st.integers(1, 12), epochs=st.integers(1, 4),
                          batch_size=batch_size, lr=st.sampled_from([0.05, 0.2, 0.5]), seed=seeds))
