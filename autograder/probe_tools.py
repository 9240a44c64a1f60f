"""Helpers for exercise ``probes.py`` files; copied into the sandbox next to the worker.

Runs inside the worker (untrusted side): it may use the standard library, numpy and torch only,
and holds nothing secret.
"""
from __future__ import annotations

import contextlib
import copy


def snapshot(value):
    """A deep copy of arrays/tensors (and containers of them) to detect input mutation later."""
    try:
        import torch
        if isinstance(value, torch.Tensor):
            return value.detach().clone()
    except ImportError:
        pass
    return copy.deepcopy(value)


@contextlib.contextmanager
def device_guard():
    """Make device bugs visible on a CPU-only machine while a graded call runs.

    - tensors created without ``device=`` land on the ``meta`` device (so mixing them with the
      CPU inputs fails, or the result comes back on ``meta``);
    - ``Tensor.numpy()`` and ``Tensor.cpu()`` raise.
    Inputs stay on the CPU; compare the result's device with the inputs' afterwards.
    """
    import torch

    def forbidden(name):
        def method(self, *args, **kwargs):
            raise RuntimeError(f"device bug: Tensor.{name}() called inside a graded function "
                               "(keep tensors on their device; use .item() for numbers)")
        return method

    saved = {name: getattr(torch.Tensor, name) for name in ("numpy", "cpu")}
    try:
        for name in saved:
            setattr(torch.Tensor, name, forbidden(name))
        with torch.device("meta"):
            yield
    finally:
        for name, fn in saved.items():
            setattr(torch.Tensor, name, fn)
