"""Hidden tests of l2_penalty (on the course's stand-in model) and smooth_labels."""
import os
import sys

import numpy as np
import torch
from hypothesis import given, strategies as st

from autograder.testing import expect_close, expect_scalar_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

lams = st.sampled_from([1e-4, 1e-2, 0.5, 3.0])


def _l2(submission, seed, lam, dtype="float64"):
    """Fail unless l2_penalty's value and gradient are right on the stand-in model."""
    weights = S.stand_in_weights(seed, dtype)
    info = submission.probe("l2_probe", weights=weights, lam=lam, _where="l2_penalty")
    if info["type"] != "Tensor":
        fail(f"l2_penalty must return a 0-d tensor (so that it can be added to the loss and "
             f"backpropagated), got {info['type']}")
    value = R.arr(info["value"], "l2_penalty")
    if value.dtype != np.dtype(dtype):
        fail(f"l2_penalty has dtype {value.dtype} for {dtype} parameters; keep the parameters' dtype")
    penalised = [w.ndim > 1 for w in weights]
    exp = lam * sum(float(np.sum(w.astype(np.float64) ** 2)) for w, m in zip(weights, penalised) if m)
    everything = lam * sum(float(np.sum(w.astype(np.float64) ** 2)) for w in weights)
    got = float(value.reshape(()))
    if abs(got - everything) <= 1e-6 * everything and abs(exp - everything) > 1e-3 * everything:
        fail("l2_penalty sums over every parameter; it covers only parameters with dim() > 1 "
             "(weight matrices and kernels, not biases or normalisation scales)")
    expect_scalar_close(value, exp, f"l2_penalty(model, lam={lam})", rtol=1e-9 if dtype == "float64" else 1e-5)
    if not info["requires_grad"]:
        fail("l2_penalty's result does not require grad: build it from the parameters with "
             "tensor operations (no .item(), no .detach(), no torch.no_grad())")
    for i, (g, w, m) in enumerate(zip(info["grads"], weights, penalised)):
        if m:
            expect_close(g, 2 * lam * w, f"gradient of l2_penalty w.r.t. parameter {i} (shape {w.shape})",
                         rtol=1e-9 if dtype == "float64" else 1e-5)
        elif g is not None and np.any(R.arr(g, "gradient")):
            fail(f"l2_penalty gives parameter {i} (shape {w.shape}, dim() == 1) a gradient; "
                 "only parameters with dim() > 1 are penalised")
    if not info["params_unchanged"]:
        fail("l2_penalty modified the model's parameters")


@task("l2_penalty")
@given(seed=S.seeds, lam=lams, dtype=S.float_dtypes)
def test_l2_penalty_value_and_gradient(submission, seed, lam, dtype):
    """l2_penalty: lam * sum(w**2) over exactly the parameters with dim() > 1; its gradient is 2 * lam * W"""
    _l2(submission, seed, lam, dtype)


@task("l2_penalty")
def test_l2_penalty_bad_lam(submission):
    """l2_penalty: a negative lam raises ValueError naming lam"""
    _l2(submission, 0, 0.1)
    info = submission.probe("value_error_probe", fn="l2_penalty", kwargs=dict(lam=-0.1), _where="l2_penalty")
    R.expect_value_error(info, "l2_penalty(model, lam=-0.1)", "lam")


# ----------------------------------------------------------------------------- smooth_labels
def _smooth(submission, y, k, eps):
    got = submission.call("smooth_labels", torch.as_tensor(y), k, eps)
    onehot = np.eye(k)[y]
    exp = ((1 - eps) * onehot + eps / k).astype(np.float32)
    arr = R.arr(got, f"smooth_labels(y, num_classes={k}, eps={eps})")
    hint = None
    if arr.shape == exp.shape and k > 1:
        if np.allclose(arr, (1 - eps) * onehot + eps / (k - 1) * (1 - onehot), rtol=1e-6):
            hint = "you spread eps over the K - 1 other classes; the formula adds eps / K to every class"
        elif np.allclose(arr, onehot * (1 - eps) + eps / k * (1 - onehot), rtol=1e-6):
            hint = "the true class also gets eps / K: (1 - eps) * onehot + eps / K"
    expect_close(arr, exp, f"smooth_labels(y, num_classes={k}, eps={eps})", rtol=1e-6, atol=1e-7, hint=hint)
    sums = arr.sum(1)
    if not np.allclose(sums, 1.0, atol=1e-6):
        fail("the rows of smooth_labels must sum to 1")
    return arr


@task("smooth_labels")
@given(seed=S.seeds, n=st.integers(1, 30), k=st.integers(2, 10), eps=st.sampled_from([0.05, 0.1, 0.3, 0.9]))
def test_smooth_labels_formula(submission, seed, n, k, eps):
    """smooth_labels: (1 - eps) * onehot + eps / K exactly, rows sum to 1, torch's default float dtype"""
    _smooth(submission, S.labels(seed, n, k), k, eps)


@task("smooth_labels")
@given(seed=S.seeds, n=st.integers(1, 30), k=st.integers(2, 10))
def test_smooth_labels_eps_zero_is_one_hot(submission, seed, n, k):
    """smooth_labels: eps = 0 gives exactly the one-hot targets"""
    y = S.labels(seed, n, k)
    _smooth(submission, y, k, 0.1)
    arr = _smooth(submission, y, k, 0.0)
    if not np.array_equal(arr, np.eye(k, dtype=np.float32)[y]):
        fail("smooth_labels(y, K, eps=0) must be exactly one-hot")


@task("smooth_labels")
def test_smooth_labels_bad_arguments(submission):
    """smooth_labels: eps outside [0, 1], num_classes < 1 or a label >= num_classes raise ValueError naming it"""
    _smooth(submission, S.labels(0, 6, 3), 3, 0.2)
    y = S.labels(1, 5, 3)
    for kwargs, word in ((dict(y=y, num_classes=3, eps=1.5), "eps"), (dict(y=y, num_classes=3, eps=-0.1), "eps"),
                         (dict(y=y, num_classes=0, eps=0.1), "num_classes"),
                         (dict(y=np.array([0, 3]), num_classes=3, eps=0.1), "num_classes")):
        info = submission.probe("value_error_probe", fn="smooth_labels", kwargs=kwargs, _where="smooth_labels")
        R.expect_value_error(info, f"smooth_labels(y={kwargs['y'].tolist()}, num_classes={kwargs['num_classes']}, "
                             f"eps={kwargs['eps']})", word)
