"""Attack: objects that pretend to be arrays and numbers (shape, dtype, ndim, __array__,
__array_interface__, __len__, __getitem__, tolist, a float and an int subclass that equal
everything, a tuple subclass, wrong types). Only plain data crosses to the grader: a duck
arrives as an opaque marker, a number subclass as its plain value; they earn what their plain
content earns (nothing)."""
import numpy as np


class DuckArray:
    """Claims to be whatever array the caller hoped for."""

    def __init__(self, shape, dtype="float64"):
        self.shape, self.dtype, self.ndim = tuple(shape), np.dtype(dtype), len(shape)
        self.size = int(np.prod(shape))
        self.__array_interface__ = np.zeros(shape, dtype).__array_interface__

    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape, dtype or self.dtype)

    def __len__(self):
        return self.shape[0] if self.shape else 0

    def __getitem__(self, key):
        return self

    def __eq__(self, other):
        return True

    def tolist(self):
        return np.zeros(self.shape).tolist()


class AlwaysEqual(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class Count(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class Pair(tuple):
    pass


def affine_forward(x, W, b):
    shape = (np.shape(x)[0], np.shape(W)[1])
    return Pair((DuckArray(shape), {"x": DuckArray(np.shape(x))}))


def affine_backward(dout, cache):
    return AlwaysEqual("nan"), Count(3), "dW"


def relu_forward(x):
    return [DuckArray(np.shape(x))], None


def relu_backward(dout, cache):
    return AlwaysEqual(0.0)
