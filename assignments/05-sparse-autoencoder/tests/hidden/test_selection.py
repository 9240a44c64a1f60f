"""Hidden tests of k_sparse, winner_take_all and lifetime_sparsity. Inputs are drawn with gaps
(no ties), of both signs, so that "largest" is unambiguous and differs from "largest |z|"."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.errors import NotImplementedYet
from autograder.testing import SubmissionError, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@st.composite
def k_cases(draw):
    n, h = draw(st.integers(1, 5)), draw(st.integers(2, 9))
    return n, h, draw(st.integers(1, h - 1))


@task("k_sparse")
@given(seed=S.seeds, case=k_cases(), dtype=st.sampled_from([np.float32, np.float64]))
def test_k_sparse_keeps_k_largest(submission, seed, case, dtype):
    """k_sparse keeps exactly the k largest values of each row (unchanged), zeros the rest; z's dtype; z untouched"""
    n, h, k = case
    z = S.gapped_codes(seed, n, h, axis=1, dtype=dtype)
    info = submission.probe("tensor_call", fn="k_sparse", z=z, k=k, _where="k_sparse")
    R.expect_kept(R.expect_tensor(info["out"], "k_sparse"), z, k, 1, "k_sparse")
    R.expect_unmutated(info, z, "k_sparse")


@task("k_sparse")
@given(seed=S.seeds, case=k_cases())
def test_k_sparse_gradient(submission, seed, case):
    """k_sparse passes the gradient through the kept entries only and passes gradcheck (float64)"""
    n, h, k = case
    z = S.gapped_codes(seed, n, h, axis=1)
    dout = S.upstream(seed, n, h)
    info = submission.probe("grad_probe", fn="k_sparse", z=z, k=k, dout=dout, _where="k_sparse")
    R.expect_kept(R.expect_tensor(info["out"], "k_sparse"), z, k, 1, "k_sparse")
    R.expect_gradient_through_kept(info, z, R.top_mask(z, k, 1), dout, "k_sparse")


@task("winner_take_all")
@given(seed=S.seeds, n=st.integers(1, 5), h=st.integers(2, 9))
def test_winner_take_all(submission, seed, n, h):
    """winner_take_all keeps only the largest value of each row (k_sparse with k = 1)"""
    z = S.gapped_codes(seed, n, h, axis=1)
    info = submission.probe("tensor_call", fn="winner_take_all", z=z, _where="winner_take_all")
    out = R.expect_tensor(info["out"], "winner_take_all")
    right = np.where(R.top_mask(z, 1, 1), z, 0)
    if not np.array_equal(out.array, right):
        # one mistake, one deduction: a winner_take_all that calls your k_sparse is judged by
        # what your k_sparse(z, 1) gives (k_sparse's own tests judge k_sparse)
        try:
            own = submission.probe("tensor_call", fn="k_sparse", z=z, k=1, _where="k_sparse")["out"]
        except (SubmissionError, NotImplementedYet):
            own = None
        # (an all-zero k_sparse(z, 1) keeps nothing: that is no selection to delegate to)
        if hasattr(own, "array") and np.any(own.array) and np.array_equal(out.array, own.array):
            return
    R.expect_kept(out, z, 1, 1, "winner_take_all")
    R.expect_unmutated(info, z, "winner_take_all")


def _wrong_counts(rate, n):
    """Likely wrong counts of kept activations per unit, with what they come from."""
    return {f"floor(rate * N) instead of ceil(rate * N) (rate * N = {rate * n:.3g})": int(np.floor(rate * n)),
            f"round(rate * N) instead of ceil(rate * N) (rate * N = {rate * n:.3g})": int(round(rate * n))}


@task("lifetime_sparsity")
@given(seed=S.seeds, case=S.lifetime_cases(), h=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_lifetime_sparsity_values(submission, seed, case, h, dtype):
    """lifetime_sparsity keeps each unit's ceil(rate * N) largest activations over the batch; z's dtype; z untouched"""
    n, rate = case
    z = S.gapped_codes(seed, n, h, axis=0, dtype=dtype)
    info = submission.probe("tensor_call", fn="lifetime_sparsity", z=z, rate=rate,
                            _where="lifetime_sparsity")
    k = R.lifetime_count(rate, n)
    counts = _wrong_counts(rate, n)
    out = R.expect_tensor(info["out"], "lifetime_sparsity")
    if out.array.shape == z.shape and k <= h and np.array_equal(out.array != 0, R.top_mask(z, k, 1)) \
            and not np.array_equal(R.top_mask(z, k, 1), R.top_mask(z, k, 0)):
        fail("lifetime_sparsity selected per sample (row); it selects per unit, over the batch (dim 0)")
    R.expect_kept(out, z, k, 0, "lifetime_sparsity", counts=counts)
    R.expect_unmutated(info, z, "lifetime_sparsity")


@task("lifetime_sparsity")
@given(seed=S.seeds, case=S.lifetime_cases(), h=st.integers(1, 4))
def test_lifetime_sparsity_gradient(submission, seed, case, h):
    """lifetime_sparsity passes the gradient through the kept entries only and passes gradcheck (float64)"""
    n, rate = case
    z = S.gapped_codes(seed, n, h, axis=0)
    dout = S.upstream(seed, n, h)
    k = R.lifetime_count(rate, n)
    info = submission.probe("grad_probe", fn="lifetime_sparsity", z=z, rate=rate, dout=dout,
                            _where="lifetime_sparsity")
    R.expect_kept(R.expect_tensor(info["out"], "lifetime_sparsity"), z, k, 0, "lifetime_sparsity",
                  counts=_wrong_counts(rate, n))
    R.expect_gradient_through_kept(info, z, R.top_mask(z, k, 0), dout, "lifetime_sparsity")


@task("k_sparse")
def test_k_sparse_rejects_bad_arguments(submission):
    """k_sparse raises ValueError naming k for k outside [1, width] and naming z for codes that are not 2-D"""
    z = S.gapped_codes(0, 3, 4, axis=1)
    R.expect_right_values(submission, "k_sparse", z=z, k=2)
    R.expect_value_errors(submission, "k_sparse", [(dict(z=z, k=5), "k"), (dict(z=z, k=0), "k"),
                                                   (dict(z=z[0], k=2), "z"),
                                                   (dict(z=z[None], k=2), "z")])


@task("lifetime_sparsity")
def test_lifetime_sparsity_rejects_bad_arguments(submission):
    """lifetime_sparsity raises ValueError naming rate for rate outside (0, 1] and naming z for codes that are not 2-D"""
    z = S.gapped_codes(0, 4, 3, axis=0)
    R.expect_right_values(submission, "lifetime_sparsity", z=z, rate=0.4)
    R.expect_value_errors(submission, "lifetime_sparsity", [(dict(z=z, rate=0.0), "rate"),
                                                            (dict(z=z, rate=1.5), "rate"),
                                                            (dict(z=z[:, 0], rate=0.4), "z")])
