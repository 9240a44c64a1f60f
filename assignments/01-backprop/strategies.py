"""Inputs of the backprop tests: builders, hypothesis strategies and the numerical checks.

Every builder draws only from ``np.random.default_rng(seed)``, so a failing test's message
("Smallest failing input: test_x(seed=123, n=2, ...)") is enough to rebuild its inputs:

    import strategies as S
    x, W, b = S.affine_inputs(123, 2, 3, 4)
    out, cache = backprop.affine_forward(x, W, b)

The helpers at the bottom (``central_difference``, ``directional_check``) are what the tests
use to compare your analytic gradients with numerical ones; they run in the grader's process
and call your code through probes (see ``probes.py``).
"""
from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

# ------------------------------------------------------------------------- basic builders
#: seeds for ``np.random.default_rng``
seeds = st.integers(min_value=0, max_value=2**31 - 1)
#: the float dtypes every function must keep
float_dtypes = st.sampled_from([np.float64, np.float32])
#: batch sizes (a batch of one sample included)
batch_sizes = st.integers(min_value=1, max_value=8)
#: feature / class counts
dims = st.integers(min_value=1, max_value=7)
#: shapes of elementwise layers' inputs (1-D to 3-D)
shapes = st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=3).map(tuple)
#: MLP layer sizes [D, H1, ..., C]: one to three affine layers
layer_sizes = st.lists(st.integers(min_value=1, max_value=6), min_size=2, max_size=4)
activations = st.sampled_from(["relu", "sigmoid"])


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def normal(seed: int, shape, dtype=np.float64, scale: float = 1.0) -> np.ndarray:
    """Standard normal values times ``scale``, cast to ``dtype``."""
    return (rng(seed).standard_normal(shape) * scale).astype(dtype)


def affine_inputs(seed: int, n: int = 4, d: int = 5, m: int = 3, dtype=np.float64):
    """x (n, d), W (d, m), b (m,)."""
    r = rng(seed)
    x = r.standard_normal((n, d))
    W = r.standard_normal((d, m)) / np.sqrt(d)
    b = r.standard_normal(m)
    return x.astype(dtype), W.astype(dtype), b.astype(dtype)


def upstream(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """An upstream gradient ``dout`` (independent of the layer inputs: seed + 1)."""
    return normal(seed + 1, shape, dtype)


def relu_inputs(seed: int, shape, dtype=np.float64, margin: float = 0.1) -> np.ndarray:
    """Normal values pushed away from the kink: every ``|x| >= margin``."""
    z = rng(seed).standard_normal(shape)
    return (np.sign(z + (z == 0)) * (margin + np.abs(z))).astype(dtype)


def relu_inputs_with_zeros(seed: int, shape, dtype=np.float64) -> np.ndarray:
    """Like ``relu_inputs`` but about a third of the entries (at least one) are exactly 0."""
    x = relu_inputs(seed, shape, dtype)
    zero = rng(seed + 2).random(x.shape) < 1 / 3
    zero.reshape(-1)[0] = True
    x[zero] = 0
    return x


def sigmoid_inputs(seed: int, shape, dtype=np.float64, scale: float = 2.0) -> np.ndarray:
    return normal(seed, shape, dtype, scale)


def extreme_inputs(seed: int, shape, dtype=np.float64, largest: float = 1e4) -> np.ndarray:
    """Magnitudes spread log-uniformly over [1, largest] with random signs (both tails)."""
    r = rng(seed)
    mag = 10.0 ** r.uniform(0, np.log10(largest), shape)
    x = np.where(r.random(shape) < 0.5, -mag, mag)
    flat = x.reshape(-1)
    flat[:2] = [largest, -largest][:flat.size]
    return x.astype(dtype)


def logits(seed: int, n: int, c: int, dtype=np.float64, scale: float = 1.0) -> np.ndarray:
    """Class scores (n, c) of magnitude about ``scale``."""
    return normal(seed, (n, c), dtype, scale)


def labels(seed: int, n: int, c: int) -> np.ndarray:
    """Integer labels (n,) in [0, c), int64."""
    return rng(seed + 3).integers(0, c, n).astype(np.int64)


def large_logits(seed: int, n: int, c: int, largest: float = 1e4, dtype=np.float64) -> np.ndarray:
    """Logits up to ``largest`` in magnitude (log-uniform magnitudes, random signs): most
    labels' probabilities are far below the smallest float64 (exp underflows to 0)."""
    return extreme_inputs(seed, (n, c), dtype, largest)


def mse_inputs(seed: int, shape, dtype=np.float64):
    """pred and target of the same shape."""
    r = rng(seed)
    return r.standard_normal(shape).astype(dtype), r.standard_normal(shape).astype(dtype)


def mlp_data(seed: int, n: int, d: int, c: int):
    """X (n, d) float64 and labels y (n,) in [0, c)."""
    r = rng(seed)
    return r.standard_normal((n, d)), r.integers(0, c, n).astype(np.int64)


def mlp_params(seed: int, sizes, scale: float = 1.0) -> dict:
    """Parameters for ``MLP(sizes)`` (He-scaled weights, small non-zero biases), keyed W1, b1, ..."""
    r = rng(seed)
    params = {}
    for i in range(1, len(sizes)):
        fan_in, fan_out = sizes[i - 1], sizes[i]
        params[f"W{i}"] = r.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in) * scale
        params[f"b{i}"] = r.standard_normal(fan_out) * 0.1
    return params


def unit_directions(seed: int, like, k: int) -> list:
    """``k`` random directions, each with the structure of ``like`` (an array or a dict of
    arrays) and norm 1 over all its entries."""
    r = rng(seed + 7)
    out = []
    for _ in range(k):
        if isinstance(like, dict):
            v = {name: r.standard_normal(np.shape(a)) for name, a in like.items()}
            norm = np.sqrt(sum(float(np.sum(a * a)) for a in v.values()))
            out.append({name: a / norm for name, a in v.items()})
        else:
            v = r.standard_normal(np.shape(like))
            out.append(v / np.linalg.norm(v))
    return out


# ------------------------------------------------------------------ numerical checks (parent)
H = 1e-6  # step of the central differences the tests use (float64 inputs only)


def central_difference(f_plus: float, f_minus: float, h: float = H) -> float:
    return (float(f_plus) - float(f_minus)) / (2 * h)


def weighted_sum(out, weight) -> float:
    """sum(out * weight) in float64: the scalar whose gradient a backward pass computes
    when ``weight`` is its upstream gradient ``dout``."""
    return float(np.sum(np.asarray(out, dtype=np.float64) * np.asarray(weight, dtype=np.float64)))


def rel_error(a, b) -> float:
    """Norm-wise relative error ``‖a − b‖ / max(‖a‖, ‖b‖)`` (0 when both are 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def numeric_layer_grad(submission, fn: str, args: list, index: int, dout,
                       directions=None, h: float = H) -> np.ndarray:
    """Numerical gradient of ``sum(fn(*args)[0] * dout)`` with respect to ``args[index]``.

    With ``directions=None``, elementwise (one pair of evaluations per entry: tiny shapes only);
    otherwise the directional derivatives along each given direction.
    Evaluated through ONE probe call that runs your forward function on perturbed copies.
    """
    base = np.asarray(args[index], dtype=np.float64)
    if directions is None:
        steps = []
        for idx in np.ndindex(base.shape):
            e = np.zeros(base.shape)
            e[idx] = h
            steps.append(e)
    else:
        steps = [h * np.asarray(v) for v in directions]
    replacements = []
    for s in steps:
        replacements += [(index, base + s), (index, base - s)]
    outs = submission.probe("forward_outputs", fn=fn, args=list(args), replacements=replacements,
                            _where=fn)
    if dout is None:
        vals = [float(np.asarray(o, dtype=np.float64).reshape(())) for o in outs]
    else:
        vals = [weighted_sum(o, dout) for o in outs]
    diffs = np.array([central_difference(vals[2 * k], vals[2 * k + 1], h)
                      for k in range(len(steps))])
    return diffs.reshape(base.shape) if directions is None else diffs


def expect_grads_like(grads, params: dict, what: str) -> dict:
    """``grads`` must be a dict keyed like ``params`` with arrays of the same shapes."""
    from autograder.checks import as_array
    if not isinstance(grads, dict) or sorted(map(str, grads)) != sorted(params):
        _fail(f"{what} must be a dict keyed like params ({sorted(params)})")
    for k, p in params.items():
        g = as_array(grads[k], f"{what}[{k!r}]")
        if g.shape != np.shape(p):
            t = " (transposed?)" if g.ndim == 2 and g.shape == np.shape(p)[::-1] else ""
            _fail(f"{what}[{k!r}] has shape {g.shape}, expected {k}'s shape {np.shape(p)}{t}")
    return grads


def directional(analytic, directions) -> np.ndarray:
    """<analytic, v> for each direction v (analytic an array or a dict of arrays)."""
    out = []
    for v in directions:
        if isinstance(v, dict):
            out.append(sum(float(np.sum(np.asarray(analytic[k], dtype=np.float64) * v[k]))
                           for k in v))
        else:
            out.append(float(np.sum(np.asarray(analytic, dtype=np.float64) * v)))
    return np.array(out)


# ----------------------------------------------------------------- checks shared by the tests
def _fail(message: str):
    from autograder.checks import fail
    fail(message)


def expect_tuple(value, n: int, what: str) -> tuple:
    """``value`` must be a tuple (or list) of ``n`` items."""
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = (f"a {type(value).__name__} of length {len(value)}"
               if isinstance(value, (tuple, list)) else f"a {type(value).__name__}")
        _fail(f"{what} must return a tuple of {n} items, got {got}")
    return tuple(value)


def expect_gradient(analytic, numeric, what: str, tol: float = 1e-6, *, along: str = "",
                    source: str = "your forward function") -> None:
    """Analytic vs numerical derivatives: norm-wise relative error below ``tol``."""
    from autograder.checks import as_array, diagnose
    a = as_array(analytic, what).astype(np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape:
        extra = (": the transpose of the right shape (a gradient has the shape of what it is "
                 "the gradient of)" if a.ndim == 2 and a.shape == n.shape[::-1] else "")
        _fail(f"{what} has shape {a.shape}, expected {n.shape}{extra}")
    if not np.all(np.isfinite(a)):
        _fail(f"{what} contains NaN/inf values")
    err = rel_error(a, n)
    if err > tol:
        extra = diagnose(a, n)
        _fail(f"{what} disagrees with the numerical derivative{along} of {source}: "
              f"relative error {err:.3g} (tolerance {tol:g})"
              + (f"; {extra.replace('correct one', 'numerical one')}" if extra else ""))


def check_layer_gradient(submission, fn: str, args: list, index: int, dout, analytic,
                         what: str, directions=None, *, source: str = "your forward function"):
    """``analytic`` (your gradient with respect to ``args[index]``) against the numerical
    gradient of ``fn``: elementwise when ``directions`` is None (tiny shapes only), else as
    directional derivatives along each direction (see ``numeric_layer_grad``)."""
    numeric = numeric_layer_grad(submission, fn, args, index, dout, directions)
    if directions is None:
        expect_gradient(analytic, numeric, what, source=source)
        return
    from autograder.checks import as_array
    a = as_array(analytic, what)
    if a.shape != np.shape(args[index]):
        _fail(f"{what} has shape {a.shape}, expected {np.shape(args[index])}")
    expect_gradient(directional(a, directions), numeric, what, source=source,
                    along=" along random directions")


def names_argument(message: str, name: str) -> bool:
    import re
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def expect_value_error(report, what: str, names) -> None:
    """``report`` (from the ``raised`` probe) must be a ValueError whose message names one of
    ``names`` (a str or a tuple of accepted names)."""
    names = (names,) if isinstance(names, str) else tuple(names)
    want = " or ".join(f"`{n}`" for n in names)
    if report is None:
        _fail(f"{what}: no exception; raise ValueError naming {want}")
    if not report.get("value_error"):
        _fail(f"{what}: raised {report.get('type')} ({report.get('message', '')[:120]}); "
              f"raise ValueError naming {want}")
    if not any(names_argument(report.get("message", ""), n) for n in names):
        _fail(f"{what}: the ValueError's message ({report.get('message', '')[:120]!r}) "
              f"does not name the argument {want}")


def expect_no_warnings(warnings_seen, what: str, advice: str = "") -> None:
    if warnings_seen:
        _fail(f"{what} raised a warning ({warnings_seen[0]})" + (f": {advice}" if advice else ""))
