"""Attack: right shapes and dtypes, worthless values: NaN and inf everywhere, never touching
the inputs. A test that only asks "are the inputs unchanged", "is the shape right" or "is the
dtype kept" would pay for this; no test may pass it that the honest all-zeros baseline
(honest_trivial.py) fails, and nothing that needs right values may pass."""
import numpy as np


def affine_forward(x, W, b):
    x, W = np.asarray(x), np.asarray(W)
    return np.full((x.shape[0], W.shape[1]), np.nan, dtype=x.dtype), (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return (np.full(np.shape(x), np.inf), np.full(np.shape(W), -np.inf),
            np.full(np.shape(b), np.nan))


def relu_forward(x):
    return np.full(np.shape(x), np.nan), None


def relu_backward(dout, cache):
    return np.full(np.shape(dout), np.inf)
