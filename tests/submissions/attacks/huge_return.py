"""Attack: return a reply far bigger than any honest one (a 40 MB array), to exhaust the
grader's memory."""
import numpy as np


def affine_forward(x, W, b):
    return np.zeros(5 * 2**20), None


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
