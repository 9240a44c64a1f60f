"""Attack: close every inherited file descriptor at import (the channel to the grader, the
output pipes), then keep running."""
import os

os.closerange(0, 65536)


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
