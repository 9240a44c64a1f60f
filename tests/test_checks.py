"""Failure messages: they name recognisable bugs and never print expected values."""
import numpy as np
import pytest

from autograder.checks import diagnose, expect_close, expect_scalar_close, expect_unchanged
from autograder.errors import GradingFailure


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(GradingFailure) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.fixture
def expected():
    return np.random.default_rng(0).standard_normal((4, 3))


def test_constant_factor_is_named(expected):
    assert "4 times the correct one" in message(expect_close, 4 * expected, expected, "dW")


def test_transpose_is_named(expected):
    msg = message(expect_close, expected.T.copy(), expected, "dW")
    assert "shape (3, 4), expected (4, 3)" in msg and "transpose" in msg


def test_sign_and_zeros_are_named(expected):
    assert "wrong sign" in message(expect_close, -expected, expected, "dx")
    assert "all zeros" in message(expect_close, np.zeros_like(expected), expected, "dx")


def test_some_rows_wrong(expected):
    got = expected.copy()
    got[1] += 1.0
    assert "1 of 4 rows are wrong" in message(expect_close, got, expected, "out")


def test_dtype_and_nan(expected):
    assert "dtype float64, expected float32" in message(
        expect_close, expected, expected.astype(np.float32), "out")
    bad = expected.copy()
    bad[0, 0] = np.nan
    assert "NaN" in message(expect_close, bad, expected, "out")


def test_message_never_contains_expected_values(expected):
    got = expected + 0.5
    msg = message(expect_close, got, expected, "out")
    for value in expected.ravel():
        assert f"{value:.4f}" not in msg and repr(value) not in msg


def test_close_results_pass_normwise_with_tiny_entries(expected):
    got = expected.copy()
    got[0, 0] = 1e-30  # cancellation noise in one near-zero entry
    exp = expected.copy()
    exp[0, 0] = -1e-30
    expect_close(got, exp, "out")


def test_scalar_ratio_and_unchanged():
    assert "2 times the correct value" in message(expect_scalar_close, 2.0, 1.0, "loss")
    assert "modified" in message(expect_unchanged, np.ones(3), np.zeros(3), "dout")
    assert diagnose(np.ones(3), np.ones(3) * 2) is not None


def test_square_transpose_is_named():
    e = np.random.default_rng(1).standard_normal((3, 3))
    assert "transpose" in message(expect_close, e.T.copy(), e, "dW")
