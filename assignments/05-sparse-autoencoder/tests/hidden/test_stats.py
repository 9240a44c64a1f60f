"""Hidden tests of encoding_stats on hand-made codes (values one can work out by hand) and on
random codes."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_scalar_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

KEYS = ("mean_active", "fraction_active", "entropy_bits")
# (codes, threshold, mean_active, fraction_active, entropy_bits (None: not round), what it shows);
# tests/test_solution_sparse_autoencoder.py checks the reference against these numbers
HAND_MADE = [
    (np.eye(4) * 0.9, 0.1, 1.0, 0.25, 2.0, "one distinct unit per sample: 2 bits over 4 units"),
    ([[0.5, 0.0, 0.5], [0.5, 0.0, 0.5]], 0.1, 2.0, 2 / 3, 1.0,
     "a silent unit adds nothing (0 log 0 = 0)"),
    ([[-1.0, 1.0], [-1.0, 1.0]], 0.1, 1.0, 0.5, 1.0,
     "negative codes are not active (z > threshold) but count in a_j = mean |z|"),
    ([[0.1, 0.2, 0.05, 0.3], [0.3, 0.1, 0.0, 0.3]], 0.1, 2.0, 0.5, None,
     "z equal to the threshold is not active (strictly greater)"),
    ([[0.9, 0.6, 0.3, 0.2], [0.7, 0.2, 0.1, 0.4]], 0.5, 1.5, 0.375, None, "a custom threshold"),
    ([[0.8] * 8], 0.1, 8.0, 1.0, 3.0, "a dense code over 8 units: 3 bits"),
]


def _stats(submission, z, threshold):
    info = submission.probe("tensor_call", fn="encoding_stats", z=z, threshold=threshold,
                            _where="encoding_stats")
    out = info["out"]
    if not isinstance(out, dict) or set(KEYS) - set(out):
        fail(f"encoding_stats must return a dict with keys {list(KEYS)}")
    for key in KEYS:
        if not isinstance(out[key], float):
            fail(f"encoding_stats['{key}'] must be a Python float (use .item()), got "
                 f"{type(out[key]).__name__}")
    return out, info


def _expect_stats(out, z, threshold, what):
    expected = R.ref.encoding_stats(R.t(z), threshold)
    for key in KEYS:
        hint = ""
        if key == "entropy_bits" and expected[key] > 0 and np.isclose(out[key], expected[key] * np.log(2)):
            hint = " (that is the entropy in nats: use log base 2)"
        if not np.isclose(out[key], expected[key], rtol=1e-6, atol=1e-9):
            expect_scalar_close(out[key], expected[key], f"encoding_stats['{key}'] {what}{hint}",
                                rtol=1e-6, atol=1e-9)


@task("encoding_stats")
def test_encoding_stats_hand_made_codes(submission):
    """encoding_stats on hand-made codes: active units (z > threshold), their fraction, entropy in bits"""
    for z, threshold, mean_active, fraction, bits, what in HAND_MADE:
        z = np.asarray(z, dtype=np.float64)
        out, _ = _stats(submission, z, threshold)
        _expect_stats(out, z, threshold, f"for z = {z.tolist()}, threshold {threshold} ({what})")


@task("encoding_stats")
@given(seed=S.seeds, n=st.integers(1, 6), h=st.integers(1, 10), threshold=st.floats(0.05, 0.6),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_encoding_stats_random_codes(submission, seed, n, h, threshold, dtype):
    """encoding_stats on random codes of either dtype matches the definitions; z untouched"""
    z = S.codes(seed, n, h, dtype)
    z = np.where(np.abs(z - threshold) < 1e-3, z + 2e-3, z).astype(dtype)  # no ties with the threshold
    out, info = _stats(submission, z, threshold)
    _expect_stats(out, z, threshold, f"(seed {seed})")
    R.expect_unmutated(info, z, "encoding_stats")
