"""Hidden tests of dropout: inverted scaling, identity outside training, reproducible masks,
the drop rate (a statistical bound a correct dropout fails with probability below 1e-9)."""
import os
import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

shapes = st.sampled_from([(200,), (20, 16), (8, 5, 6), (4, 3, 5, 5)])


def _scaled(submission, seed, shape, p, dtype):
    """Run dropout in training mode; fail unless every entry is 0 or x / (1 - p)."""
    x = S.values(seed, shape, dtype)
    info = submission.probe("dropout_probe", x=x, p=p, training=True, seed=seed, _where="dropout")
    kept = R.check_dropout_values(info["out"], x, p, f"dropout(x, p={p}, training=True)")
    if kept.all() or not kept.any():
        fail(f"dropout(x, p={p}, training=True) {'kept' if kept.all() else 'dropped'} all "
             f"{kept.size} entries; each entry is kept independently with probability 1 - p")
    return x, info, kept


@task("dropout")
@given(seed=S.seeds, shape=shapes, p=S.drop_rates, dtype=S.float_dtypes)
def test_dropout_inverted_scaling(submission, seed, shape, p, dtype):
    """dropout: kept entries exactly x / (1 - p), the others 0, shape and dtype kept, x not modified"""
    x, info, _ = _scaled(submission, seed, shape, p, dtype)
    if not info["x_unchanged"]:
        fail("dropout modified its input x: return a new tensor (x * mask / (1 - p))")


@task("dropout")
@given(seed=S.seeds, shape=shapes, p=S.drop_rates)
def test_dropout_identity_when_not_training_or_p_zero(submission, seed, shape, p):
    """dropout: returns x unchanged when training=False or p == 0"""
    x, _, _ = _scaled(submission, seed, shape, p, "float64")
    for kw, words in ((dict(p=p, training=False), "training=False (evaluation)"),
                      (dict(p=0.0, training=True), "p == 0")):
        info = submission.probe("dropout_probe", x=x, seed=seed, _where="dropout", **kw)
        got = R.arr(info["out"], "dropout output")
        if got.shape != x.shape or not np.array_equal(got, x):
            hint = ""
            if got.shape == x.shape and np.any(got == 0):
                hint = "; you still drop entries: dropout is the identity in evaluation mode"
            elif got.shape == x.shape and np.allclose(got, x * (1 - p)):
                hint = ("; you scale by 1 - p: with inverted dropout the scaling happens in "
                        "training, evaluation returns x as it is")
            fail(f"dropout with {words} must return x unchanged{hint}")


@task("dropout")
@given(seed=S.seeds, shape=shapes, p=S.drop_rates)
def test_dropout_same_generator_same_mask(submission, seed, shape, p):
    """dropout: generators seeded alike give the same mask, another seed another mask"""
    x, info, _ = _scaled(submission, seed, shape, p, "float32")
    R.check_generator_used(info, "dropout", "masks")


N_RATE = 100_000


@task("dropout")
@settings(max_examples=4)
@given(seed=S.seeds, p=S.drop_rates)
def test_dropout_drop_rate_matches_p(submission, seed, p):
    """dropout: the fraction of dropped entries is p (Hoeffding bound, false alarm < 1e-9)"""
    _scaled(submission, seed, (20, 16), p, "float32")
    info = submission.probe("dropout_count_probe", n=N_RATE, p=p, seed=seed, _where="dropout")
    rate = info["zeros"] / info["numel"]
    # each entry is dropped independently with probability p, so by Hoeffding's inequality
    # P(|rate - p| >= t) <= 2 exp(-2 n t^2) = 1e-9 for t below (n = 100000: t = 0.0103)
    t = R.hoeffding_tolerance(info["numel"])
    if abs(rate - p) >= t:
        hint = ""
        if abs(rate - (1 - p)) < t:
            hint = ": that is 1 - p; p is the probability to DROP an entry (keep with 1 - p)"
        fail(f"dropout(p={p}) dropped a fraction {rate:.4f} of {info['numel']} entries; a correct "
             f"dropout stays within {t:.4f} of p except with probability 1e-9{hint}")


@task("dropout")
def test_dropout_bad_p(submission):
    """dropout: p outside [0, 1) raises ValueError naming p"""
    _scaled(submission, 0, (20, 16), 0.5, "float64")
    x = S.values(1, (3, 4))
    for p in (-0.1, 1.0, 1.5):
        info = submission.probe("value_error_probe", fn="dropout",
                                kwargs=dict(x=x, p=p, training=True), _where="dropout")
        R.expect_value_error(info, f"dropout(x, p={p}, training=True)", "p")
