"""Honest baseline for the attacks that return made-up values: an affine layer that checks its
inputs like the real one, returns zeros of the right shapes and dtypes, and modifies nothing.
Whatever points this earns, an attack that forges replies may earn too (it is the same data);
no attack may earn more."""
import numpy as np


def _check(x, W, b):
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, got shape {x.shape}")
    if W.ndim != 2 or W.shape[0] != x.shape[1]:
        raise ValueError(f"W must have shape (D, M) with D = x.shape[1], got W {W.shape} for x {x.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape (M,), got {b.shape}")
    return x, W, b


def affine_forward(x, W, b):
    x, W, b = _check(x, W, b)
    return np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype), (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return np.zeros_like(x), np.zeros_like(W), np.zeros_like(b)


def relu_forward(x):
    raise NotImplementedError("relu_forward")


def relu_backward(dout, cache):
    raise NotImplementedError("relu_backward")
