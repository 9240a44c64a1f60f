"""Attack: end the worker process from a graded call (os._exit), on every call."""
import os


def affine_forward(x, W, b):
    os._exit(0)


def affine_backward(dout, cache):
    os._exit(1)
