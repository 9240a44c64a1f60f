"""Hidden tests of make_mlp: layers, activations, residual skips (functional checks)."""
import os
import sys

import numpy as np
from hypothesis import given

from autograder.testing import expect_close, expect_shape, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _run(submission, case, n):
    """make_mlp(**case.config) with case.weights loaded, on case.x: (description, scores)."""
    info = submission.probe("mlp_forward", config=case.config, weights=case.weights, x=case.x,
                            _where="make_mlp")
    what = R.check_mlp_info(info, case.config, case.sizes)
    return what, expect_shape(info["out"], (n, case.config["out_dim"]), f"{what}(x)")


def _expect_forward(submission, case):
    what, out = _run(submission, case, len(case.x))
    cfg = case.config
    expected = R.forward_np(case.weights, case.x, cfg["activation"], cfg["residual"]).astype(np.float32)
    expect_close(out, expected, f"{what}(x)", rtol=1e-4, atol=1e-6,
                 hint=R.diagnose_forward(out, case.weights, case.x, cfg))


@task("make_mlp")
@given(case=S.mlp_cases(max_depth=1))
def test_make_mlp_layers(submission, case):
    """make_mlp (one hidden layer): nn.Linear layers of the right shapes, float32, right (N, out_dim) scores"""
    _expect_forward(submission, case)


@task("make_mlp")
@given(case=S.mlp_cases(residual=False))
def test_make_mlp_forward(submission, case):
    """make_mlp: forward pass = Linear, activation, ..., Linear with the chosen activation"""
    _expect_forward(submission, case)


@task("make_mlp")
@given(case=S.mlp_cases(residual=True, min_depth=2))
def test_make_mlp_residual_adds_skip(submission, case):
    """make_mlp(residual=True): hidden layers 2..depth are blocks h + act(Linear(h))"""
    _expect_forward(submission, case)
