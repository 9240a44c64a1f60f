"""Attack: kill(-1, SIGKILL) from a graded call: every process the worker may signal (which,
with the privilege drop, is only its own), then its own process group, itself included."""
import os
import signal


def affine_forward(x, W, b):
    os.kill(-1, signal.SIGKILL)
    os.killpg(0, signal.SIGKILL)


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
