"""What exercise tests import: the task marker, the reference solution, checks, seeds.

Tests run in the trusted parent; the student's code is reached only through the ``submission``
fixture (see ``autograder.sandbox.proxy``).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from .catalog import canonical_task
from .checks import (as_array, expect_close, expect_scalar_close, expect_shape,  # noqa: F401
                     expect_type, expect_unchanged, expect_value_error, fail, norm_rel_error)
from .devices import deterministic_torch, expect_no_device_bug, parity_device  # noqa: F401
from .errors import GradingFailure, SubmissionError  # noqa: F401
from .wire import Opaque, TensorData  # noqa: F401

#: hypothesis strategy for seeds of ``numpy.random.default_rng``
seeds = st.integers(min_value=0, max_value=2**31 - 1)

_context: dict = {"solution": None}


def task(name: str):
    """Mark a test as belonging to one task (students check one task at a time). Task names are
    lowercase (``"SGD"`` is stored as ``"sgd"``) and matched without regard to case."""
    return pytest.mark.task(canonical_task(name))


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def reference():
    """The reference solution module, loaded in the parent (hidden tests only)."""
    path = _context.get("solution")
    if path is None:
        raise RuntimeError("no reference solution is available to these tests")
    name = f"_reference_{Path(path).stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def set_reference(path: Path | None) -> None:
    _context["solution"] = str(path) if path else None
