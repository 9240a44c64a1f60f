"""Attack (torch): patch torch.allclose, torch.equal, torch.testing.assert_close and
Tensor.__eq__ to always agree, and return Tensor subclasses whose __torch_function__ answers
every operation (detach, numpy, to, ...) with a lie. The worker sends plain data only (the
grader never holds a tensor from the worker), so none of it reaches a comparison."""
import numpy as np
import torch


def _yes(*args, **kwargs):
    return True


torch.allclose = torch.equal = _yes
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)
print("ATTACK: torch patched")


class Lying(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func.__name__ in ("numpy", "detach", "to", "cpu", "resolve_conj", "resolve_neg"):
            return torch.full((2, 2), 7.0).numpy() if func.__name__ == "numpy" else args[0]
        return super().__torch_function__(func, types, args, kwargs or {})


def affine_forward(x, W, b):
    out = torch.full((np.shape(x)[0], np.shape(W)[1]), 7.0, dtype=torch.float64)
    return out.as_subclass(Lying), (x, W, b)


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
