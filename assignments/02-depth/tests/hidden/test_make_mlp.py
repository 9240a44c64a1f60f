"""Hidden tests of make_mlp: layers, activations, residual skips (functional checks)."""
import os
import sys

from hypothesis import given

from autograder.testing import task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@task("make_mlp")
@given(case=S.mlp_cases(max_depth=1))
def test_make_mlp_layers(submission, case):
    """make_mlp (one hidden layer): nn.Linear layers of the right shapes, float32, right (N, out_dim) scores"""
    R.expect_make_mlp_forward(submission, case)


@task("make_mlp")
@given(case=S.mlp_cases(residual=False))
def test_make_mlp_forward(submission, case):
    """make_mlp: forward pass = Linear, activation, ..., Linear with the chosen activation"""
    R.expect_make_mlp_forward(submission, case)


@task("make_mlp")
@given(case=S.mlp_cases(residual=True, min_depth=2))
def test_make_mlp_residual_adds_skip(submission, case):
    """make_mlp(residual=True): hidden layers 2..depth are blocks h + act(Linear(h))"""
    R.expect_make_mlp_forward(submission, case)
