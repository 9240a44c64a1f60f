"""Attack: raise BaseException subclasses from graded calls (SystemExit, KeyboardInterrupt,
GeneratorExit, a custom BaseException whose str() raises), hoping to unwind the grader."""
import sys


class Escape(BaseException):
    def __str__(self):
        raise KeyboardInterrupt


def affine_forward(x, W, b):
    sys.exit(0)


def affine_backward(dout, cache):
    raise KeyboardInterrupt


def relu_forward(x):
    raise GeneratorExit


def relu_backward(dout, cache):
    raise Escape()
