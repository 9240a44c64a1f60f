"""Course versions of the layer functions of exercise 1, used by the probes as stand-ins so that
one mistake costs one task: the tests of MLP.forward and MLP.loss run your MLP with these in
place of your affine_*, relu_*, sigmoid_* and softmax_cross_entropy.

Solution code: the grader copies this file next to the probes inside the sandbox, and the
release never ships it (probes.py is public, this file is not). Same signatures as the handout;
the caches are whatever the matching backward function reads.
"""
from __future__ import annotations

import numpy as np


def course_affine_forward(x, W, b):
    """out = x @ W + b."""
    x, W, b = np.asarray(x), np.asarray(W), np.asarray(b)
    return x @ W + b, (x, W)


def course_affine_backward(dout, cache):
    """dx = dout @ W.T, dW = x.T @ dout, db = sum_n dout."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def course_relu_forward(x):
    """out = max(x, 0)."""
    x = np.asarray(x)
    return np.maximum(x, 0), x


def course_relu_backward(dout, cache):
    """dx = dout * [x > 0]."""
    return np.where(cache > 0, dout, 0)


def course_sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)), from exp(-|x|) so that nothing overflows."""
    x = np.asarray(x)
    with np.errstate(under="ignore"):
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    return out, out


def course_sigmoid_backward(dout, cache):
    """dx = dout * s * (1 - s)."""
    return dout * cache * (1 - cache)


def course_softmax_cross_entropy(logits, y):
    """loss = -mean_n log softmax(logits)[n, y_n] (log-sum-exp), dlogits = (softmax - onehot) / N."""
    logits, y = np.asarray(logits), np.asarray(y)
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1
    return -log_p[np.arange(n), y].mean(), dlogits / n
