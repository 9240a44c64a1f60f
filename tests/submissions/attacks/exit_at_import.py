"""Attack: end the worker while it imports the file (os._exit), hoping the grader takes an
exit status of 0 for success."""
import os

os._exit(0)


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")
