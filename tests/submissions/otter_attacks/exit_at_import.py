# expect: zero
"""End the process at import, before any test has run (stock Otter loses all results)."""
import numpy as np


def affine_forward(x, W, b):
    """Wrong on purpose: zeros of the right shape and dtype."""
    x, W = np.asarray(x), np.asarray(W)
    return np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype), (x, W, b)


# --- attack ---
import os as _os

_os._exit(0)
