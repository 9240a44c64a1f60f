"""Device helpers for the tests of torch exercises (trusted parent side).

``expect_no_device_bug`` runs the exercise's ``device_probe`` probe (built on
``probe_tools.check_devices``; it returns {"ok", "problem", "plain_error"}) and fails with its
message. ``parity_device`` picks the device of the GPU-vs-CPU parity tests.
``deterministic_torch`` sets the parent's torch up as grading needs it.
"""
from __future__ import annotations

import os

import pytest

from .checks import fail


def expect_no_device_bug(submission, fn: str, **kwargs) -> None:
    """Fail if ``fn`` mishandles devices (device-less tensors, .numpy()/.cpu(), hard-coded 'cuda')."""
    info = submission.probe("device_probe", fn=fn, **kwargs, _where=fn)
    if not info["ok"]:
        if info.get("plain_error"):
            fail(info["problem"] + " (this test checks device handling; fix the function first)")
        fail("device bug: " + info["problem"])


def parity_device() -> str:
    """The device of the GPU-vs-CPU parity tests, or skip.

    DLCOURSE_PARITY_DEVICE overrides it (the project's own tests use "cpu" to exercise the
    parity code path on machines without a GPU; students cannot set the grader's environment).
    On CUDA, TF32 is switched off so float32 matmuls are comparable with the CPU's.
    """
    forced = os.environ.get("DLCOURSE_PARITY_DEVICE")
    if forced:
        return forced
    import torch
    if not torch.cuda.is_available():
        pytest.skip("CUDA not available: GPU-vs-CPU parity not checked on this machine")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return "cuda"


def deterministic_torch():
    """One thread and deterministic eager kernels, as ``torch.use_deterministic_algorithms(True)``
    gives them but without its import of the compiler stack (inductor, dynamo, sympy: ~70 MB
    of the grading box for a flag of ``torch.compile``, which grading does not use). Returns torch."""
    import torch
    torch.set_num_threads(1)
    torch._C._set_deterministic_algorithms(True, warn_only=False)
    return torch
