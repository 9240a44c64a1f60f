"""Attack: replace the worker's reply channel with /dev/null (dup2 over its fd), so that the
grader waits forever for a reply."""
import json
import os
import sys

_fd = int(json.loads(sys.argv[1])["wfd"])
_null = os.open("/dev/null", os.O_WRONLY)
os.dup2(_null, _fd)


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
