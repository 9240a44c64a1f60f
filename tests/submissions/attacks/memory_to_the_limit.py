"""Attack: take every byte the limits allow, in every function of any exercise (a module
__getattr__ answers every name): heap in 16 MiB steps until the heap limit says no, then shared
mappings (which the heap limit does not count) until the address-space limit says no, all of
it touched and kept alive between calls. The worker must stay inside the box with the grader
(the grader survives, results.json is written) and the tests fail with "ran out of memory"."""
import mmap

import numpy as np

_hoard = []


def _take_everything(*args, **kwargs):
    try:
        while True:
            _hoard.append(np.ones(16 * 2**20, dtype=np.uint8))
    except MemoryError as exc:
        error = exc
    size = 2**30
    while size >= 2**20:
        try:
            shared = mmap.mmap(-1, size)
        except (OSError, MemoryError, ValueError):
            size //= 2
            continue
        np.frombuffer(shared, dtype=np.uint8).fill(1)
        _hoard.append(shared)
    raise error


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _take_everything


affine_forward = affine_backward = _take_everything
