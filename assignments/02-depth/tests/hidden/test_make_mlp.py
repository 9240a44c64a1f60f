"""Hidden tests of make_mlp: layers, activations, residual skips (functional checks)."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, expect_shape, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _run(submission, cfg, seed, n):
    sizes = S.layer_sizes(cfg["in_dim"], cfg["width"], cfg["depth"], cfg["out_dim"])
    weights = S.mlp_weights(seed, sizes, gain=4.0, dtype=np.float32)
    x = S.inputs(seed + 1, n, cfg["in_dim"], np.float32)
    info = submission.probe("mlp_forward", config=cfg, weights=weights, x=x, _where="make_mlp")
    what = R.check_mlp_info(info, cfg, sizes)
    out = expect_shape(info["out"], (n, cfg["out_dim"]), f"{what}(x)")
    return what, weights, x, out


@task("make_mlp")
@given(cfg=S.mlp_configs(), seed=S.seeds, n=st.integers(1, 5))
def test_make_mlp_layers(submission, cfg, seed, n):
    """make_mlp: depth + 1 nn.Linear layers of the right shapes (input to output), float32, (N, out_dim) scores"""
    _run(submission, cfg, seed, n)


@task("make_mlp")
@given(cfg=S.mlp_configs(residual=False), seed=S.seeds, n=st.integers(1, 5))
def test_make_mlp_forward(submission, cfg, seed, n):
    """make_mlp: forward pass = Linear, activation, ..., Linear with the chosen activation"""
    what, weights, x, out = _run(submission, cfg, seed, n)
    expected = R.forward_np(weights, x, cfg["activation"], False).astype(np.float32)
    expect_close(out, expected, f"{what}(x)", rtol=1e-4, atol=1e-6,
                 hint=R.diagnose_forward(out, weights, x, cfg))


@task("make_mlp")
@given(cfg=S.mlp_configs(residual=True, min_depth=2), seed=S.seeds, n=st.integers(1, 5))
def test_make_mlp_residual_adds_skip(submission, cfg, seed, n):
    """make_mlp(residual=True): hidden layers 2..depth are blocks h + act(Linear(h))"""
    what, weights, x, out = _run(submission, cfg, seed, n)
    expected = R.forward_np(weights, x, cfg["activation"], True).astype(np.float32)
    expect_close(out, expected, f"{what}(x)", rtol=1e-4, atol=1e-6,
                 hint=R.diagnose_forward(out, weights, x, cfg))
