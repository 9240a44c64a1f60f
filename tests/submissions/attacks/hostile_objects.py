"""Attack: return objects that lie: __eq__ always True, __array__/__float__/__len__/__bool__/
__index__ returning whatever the caller hopes for, a __reduce__ that would run code if the
grader unpickled it, numpy subclasses that claim to equal everything, object arrays. Only plain
data leaves the worker, so the grader sees an opaque marker or the array's real (wrong)
numbers. (The torch variant is patch_torch.py.)"""
import numpy as np


class Liar:
    def __eq__(self, other):
        return True

    __ne__ = lambda self, other: False  # noqa: E731
    __array__ = lambda self, *a, **k: np.asarray(1.0)  # noqa: E731
    __float__ = lambda self: 0.0  # noqa: E731
    __len__ = lambda self: 2  # noqa: E731
    __bool__ = lambda self: True  # noqa: E731
    __index__ = lambda self: 0  # noqa: E731
    __hash__ = lambda self: 0  # noqa: E731

    def __getattr__(self, name):
        return self

    def __iter__(self):
        return iter((Liar(), Liar()))

    def __reduce__(self):
        return (print, ("unpickled in the grader!",))


class EqualsEverything(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array_finalize__(self, obj):
        pass


def affine_forward(x, W, b):
    shape = (np.shape(x)[0], np.shape(W)[1])
    return (Liar(), {Liar(): Liar(), "out": np.zeros(shape).view(EqualsEverything)})


def affine_backward(dout, cache):
    return Liar(), np.zeros(2).view(EqualsEverything), np.array([Liar()], dtype=object)


def relu_forward(x):
    return np.zeros(np.shape(x), dtype=object), Liar()
