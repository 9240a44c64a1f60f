"""Hidden tests of init_weights: per-scheme statistics, zero biases, the generator."""
import os
import sys

from hypothesis import given

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


GENERATOR_SIZES = (40, 120, 30)


def _check(submission, scheme, sizes, seed):
    info = submission.probe("init_probe", sizes=list(sizes), scheme=scheme, seed=seed,
                            _where="init_weights")
    R.check_init(info, scheme, sizes)
    return info


@task("init_weights")
@given(sizes=S.init_layer_sizes(), seed=S.seeds)
def test_init_he(submission, sizes, seed):
    """init_weights("he"): W ~ N(0, 2/fan_in), biases 0"""
    _check(submission, "he", sizes, seed)


@task("init_weights")
@given(sizes=S.init_layer_sizes(), seed=S.seeds)
def test_init_xavier(submission, sizes, seed):
    """init_weights("xavier"): W ~ N(0, 2/(fan_in + fan_out)), biases 0"""
    _check(submission, "xavier", sizes, seed)


@task("init_weights")
@given(sizes=S.init_layer_sizes(), seed=S.seeds)
def test_init_small(submission, sizes, seed):
    """init_weights("small"): W ~ N(0, 0.01^2), biases 0"""
    _check(submission, "small", sizes, seed)


@task("init_weights")
@given(seed=S.seeds)
def test_init_generator_reproducible(submission, seed):
    """init_weights: right statistics, and the same seeded generator gives the same weights, whatever the global RNG"""
    for scheme in S.SCHEMES:
        info = _check(submission, scheme, GENERATOR_SIZES, seed)  # right values first
        if not info["same_seed_equal"]:
            fail(f"init_weights(scheme={scheme!r}): two calls with generators seeded alike gave "
                 "different weights: draw the weights from `generator` "
                 "(e.g. nn.init.normal_(w, 0, s, generator=generator)), not the global RNG")
        if not info["other_seed_differs"]:
            fail(f"init_weights(scheme={scheme!r}): generators with different seeds gave the "
                 "same weights")
