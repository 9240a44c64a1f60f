"""Comparison helpers for tests: fail with a message that helps and leaks nothing.

Messages describe what was returned (shape, dtype, a value, the relative error and where it is
worst) and recognisable mistakes (constant factor, transpose, sign, zeros, NaN), never the
expected arrays themselves.
"""
from __future__ import annotations

import re

import numpy as np

from .errors import GradingFailure
from .wire import Opaque, TensorData

DTYPE_TOL = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 1e-4, np.dtype(np.float16): 1e-2}


def fail(message: str):
    raise GradingFailure(message)


def expect_value_error(report: dict, call: str, word: str) -> None:
    """``report`` (a probe's ``{"raised": type name or None, "message": str}`` for ``call``) is a
    ValueError whose message names the argument ``word`` (as a whole word)."""
    if report["raised"] is None:
        fail(f"{call} should raise ValueError, it returned normally")
    if report["raised"] != "ValueError":
        fail(f"{call} raised {report['raised']}: {report['message'][:200]}; expected ValueError")
    if not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", report["message"]):
        fail(f"{call} raised ValueError, but its message does not name the argument {word!r}")


def as_array(got, what: str) -> np.ndarray:
    """The returned value as a numpy array, or a failure saying what came back instead."""
    if isinstance(got, TensorData):
        return got.array
    if isinstance(got, Opaque):
        fail(f"{what}: expected an array, got a {got.type_name} object")
    if isinstance(got, (list, tuple)):
        fail(f"{what}: expected an array, got a {type(got).__name__}")
    if got is None:
        fail(f"{what}: expected an array, got None (missing return?)")
    arr = np.asarray(got)
    if arr.dtype.kind not in "biufc":
        fail(f"{what}: expected numbers, got values of type {arr.dtype}")
    return arr


def norm_rel_error(a, b) -> float:
    """``‖a − b‖ / max(‖a‖, ‖b‖)`` (0 when both are 0)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def _fmt(x) -> str:
    return np.format_float_positional(float(x), precision=4, unique=True, trim="-") \
        if np.isfinite(x) and 1e-4 <= abs(x) < 1e6 else f"{float(x):.4g}"


def diagnose(got: np.ndarray, expected: np.ndarray) -> str | None:
    """A recognisable pattern in a wrong result, phrased without the expected values."""
    g, e = got.astype(np.float64), expected.astype(np.float64)
    if not np.any(g):
        return "your result is all zeros"
    if g.ndim == 2 and g.shape == e.shape[::-1] and g.shape != e.shape:
        if np.allclose(g.T, e, rtol=1e-5, atol=1e-8):
            return "your result is the transpose of the correct one"
    if g.shape != e.shape:
        return None
    if g.ndim == 2 and g.shape[0] == g.shape[1] > 1 and np.allclose(g.T, e, rtol=1e-5, atol=1e-8):
        return "your result is the transpose of the correct one"
    if np.allclose(g, -e, rtol=1e-5, atol=1e-8):
        return "your result has the wrong sign"
    mask = np.abs(e) > 1e-12
    if mask.sum() >= 1:
        ratios = g[mask] / e[mask]
        r = float(np.median(ratios))
        if abs(r - 1) > 1e-3 and np.allclose(g, r * e, rtol=1e-5, atol=1e-10):
            return f"your result is {_fmt(r)} times the correct one (a missing or extra factor?)"
    if g.ndim >= 1 and g.shape[0] > 1:
        bad_rows = ~np.all(np.isclose(g, e, rtol=1e-5, atol=1e-8), axis=tuple(range(1, g.ndim)))
        if 0 < bad_rows.sum() < g.shape[0]:
            return f"{int(bad_rows.sum())} of {g.shape[0]} rows are wrong, the others are right"
    return None


def expect_close(got, expected, what: str, *, rtol: float | None = None, atol: float = 0.0,
                 dtype: bool = True, hint: str | None = None) -> np.ndarray:
    """Fail unless ``got`` matches ``expected`` (same shape, same dtype when ``dtype``).

    Compares norm-wise (``norm_rel_error``) and elementwise with ``atol + rtol·|expected|``;
    the default ``rtol`` follows the expected dtype.
    """
    expected = np.asarray(expected)
    arr = as_array(got, what)
    if arr.shape != expected.shape:
        extra = diagnose(arr, expected) if arr.size == expected.size else None
        fail(f"{what} has shape {arr.shape}, expected {expected.shape}"
             + (f": {extra}" if extra else ""))
    if dtype and expected.dtype.kind == "f" and arr.dtype != expected.dtype:
        fail(f"{what} has dtype {arr.dtype}, expected {expected.dtype} "
             "(return the dtype of the inputs; do not up- or down-cast)")
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(expected)):
        n = int(np.sum(~np.isfinite(arr)))
        fail(f"{what} contains {n} NaN/inf value(s) (overflow or log of 0? use a stable formula)")
    tol = rtol if rtol is not None else DTYPE_TOL.get(expected.dtype, 1e-7)
    err = np.abs(arr.astype(np.float64) - expected.astype(np.float64))
    bound = atol + tol * np.abs(expected.astype(np.float64))
    norm_err = norm_rel_error(arr, expected)
    if norm_err <= tol or np.all(err <= bound):
        return arr
    worst = np.unravel_index(int(np.argmax(err - bound)), arr.shape) if arr.ndim else ()
    where = f" at index {tuple(int(i) for i in worst)}" if arr.ndim else ""
    msg = (f"{what} is wrong: relative error {norm_err:.3g} (tolerance {tol:g}); "
           f"you returned {_fmt(arr[worst])}{where}")
    extra = hint or diagnose(arr, expected)
    fail(msg + (f"; {extra}" if extra else ""))


def expect_scalar_close(got, expected: float, what: str, *, rtol: float = 1e-7,
                        atol: float = 0.0) -> float:
    arr = as_array(got, what)
    if arr.size != 1:
        fail(f"{what}: expected a single number, got shape {arr.shape}")
    value = float(arr.reshape(()))
    if not np.isfinite(value) and np.isfinite(expected):
        fail(f"{what} is {value} (overflow? use a numerically stable formula)")
    if abs(value - expected) > atol + rtol * abs(expected):
        rel = abs(value - expected) / max(abs(expected), 1e-300)
        ratio = value / expected if expected else float("nan")
        extra = (f"; that is {_fmt(ratio)} times the correct value"
                 if np.isfinite(ratio) and abs(ratio - 1) > 1e-3 and abs(ratio) > 1e-6 else "")
        fail(f"{what} is wrong: you returned {_fmt(value)}, relative error {rel:.3g} "
             f"(tolerance {rtol:g}){extra}")
    return value


def expect_unchanged(before, after, what: str):
    """Inputs must not be mutated (names ending in ``_`` excepted)."""
    if not np.array_equal(np.asarray(before), as_array(after, what), equal_nan=True):
        fail(f"{what} was modified by your function: work on a copy "
             "(e.g. `dx = dout.copy()` rather than `dx = dout`) and never write into inputs")


def expect_shape(got, shape: tuple, what: str) -> np.ndarray:
    arr = as_array(got, what)
    if arr.shape != tuple(shape):
        fail(f"{what} has shape {arr.shape}, expected {tuple(shape)}")
    return arr


def expect_type(got, types, what: str):
    if not isinstance(got, types):
        names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        fail(f"{what}: expected {names}, got {type(got).__name__}")
    return got
