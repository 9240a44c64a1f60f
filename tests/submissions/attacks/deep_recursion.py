"""Attack: recursion with no limit, through C frames (map), so that the C stack overflows."""
import sys

sys.setrecursionlimit(10**8)


def _down(n):
    return list(map(_down, [n + 1]))


def affine_forward(x, W, b):
    return _down(0)


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
