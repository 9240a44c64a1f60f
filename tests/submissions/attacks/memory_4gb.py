"""Attack: allocate (and touch) 4 GiB in a graded call."""
import numpy as np


def affine_forward(x, W, b):
    big = np.ones(4 * 2**30, dtype=np.uint8)
    return big, None


def affine_backward(dout, cache):
    return bytearray(5 * 2**30)
