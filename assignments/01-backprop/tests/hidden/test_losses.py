"""Hidden tests of the losses: softmax cross-entropy and mean squared error."""
import numpy as np
from hypothesis import example, given, settings, strategies as st

from autograder.testing import (as_array, expect_close, expect_scalar_close, expect_unchanged,
                                fail, reference, task)
import strategies as S

ref = reference()

classes = st.integers(min_value=2, max_value=7)
LSE_ADVICE = ("compute log-softmax directly: shift each row by its max, then "
              "log_probs = shifted - log(sum(exp(shifted))) (log-sum-exp); never take the log of a "
              "softmax probability, which underflows to 0 (log 0 = -inf)")


def _loss(submission, fn, a, b):
    r = submission.probe("loss_roundtrip", fn=fn, a=a, b=b, _where=fn)
    if "bad_result" in r:
        fail(f"{fn} must return (loss, gradient), got a {r['bad_result']}")
    return r


def _values_must_be_right(r, fn, a, b, names):
    """A property (gradient check, no mutation) earns its points only with right values: a
    loss returning 0 and a zero gradient would otherwise pass it."""
    loss, grad = getattr(ref, fn)(a, b)
    expect_scalar_close(r["loss"], float(loss), f"{fn}'s loss (needed before this property "
                        "counts)", rtol=1e-7, atol=1e-12)
    expect_close(r["grad"], grad, f"{names} (needed before this property counts)", dtype=False)


def _scale_hint(got, expected, n):
    """Point at a missing or extra 1/N (the loss is a mean over the batch)."""
    g, e = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if g.shape != e.shape or n <= 1 or not np.any(e):
        return None
    for factor, text in ((n, "forgot the 1/N of the batch mean"), (1 / n, "divided by N twice")):
        if np.allclose(g, factor * e, rtol=1e-6, atol=1e-12):
            return (f"your dlogits is {factor:g} times the correct one with N = {n}: the loss is "
                    f"the mean over the batch, so its gradient carries one factor 1/N (you {text}?)")
    return None


# ---------------------------------------------------------------------- softmax cross-entropy
@task("softmax")
@given(seed=S.seeds, n=S.batch_sizes, c=classes, scale=st.sampled_from([0.1, 1.0, 5.0]))
@example(seed=0, n=3, c=1, scale=1.0)  # one class: loss 0, dlogits 0 (no error)
def test_softmax_values(submission, seed, n, c, scale):
    """softmax_cross_entropy returns the right loss and dlogits"""
    logits = S.logits(seed, n, c, scale=scale)
    y = S.labels(seed, n, c)
    r = _loss(submission, "softmax_cross_entropy", logits, y)
    loss, dlogits = ref.softmax_cross_entropy(logits, y)
    expect_scalar_close(r["loss"], float(loss), "loss", rtol=1e-7, atol=1e-12)
    expect_close(r["grad"], dlogits, "dlogits", hint=_scale_hint(as_array(r["grad"], "dlogits"),
                                                                 dlogits, n))


@task("softmax")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_softmax_gradient_check(submission, seed):
    """softmax_cross_entropy's dlogits = numerical gradient of its loss (4x3 and 64x10)"""
    for (n, c), dirs in (((4, 3), None), ((64, 10), 3)):
        logits = S.logits(seed, n, c, scale=2.0)
        y = S.labels(seed, n, c)
        r = _loss(submission, "softmax_cross_entropy", logits, y)
        _values_must_be_right(r, "softmax_cross_entropy", logits, y, "dlogits")
        v = None if dirs is None else S.unit_directions(seed, logits, dirs)
        S.check_layer_gradient(submission, "softmax_cross_entropy", [logits, y], 0, None,
                               r["grad"], f"dlogits (N={n}, C={c})", v, source="your loss")


@task("softmax")
@settings(max_examples=8)
@given(seed=S.seeds, n=S.batch_sizes, c=classes)
def test_softmax_large_logits(submission, seed, n, c):
    """softmax_cross_entropy is finite and accurate for logits up to 1e4 in magnitude"""
    logits = S.large_logits(seed, n, c)
    y = S.labels(seed, n, c)
    r = _loss(submission, "softmax_cross_entropy", logits, y)
    loss = np.asarray(as_array(r["loss"], "loss"), dtype=np.float64)
    if loss.size != 1:
        fail(f"the loss must be a single number, got shape {loss.shape}")
    if not np.isfinite(loss.reshape(())):
        fail(f"the loss is {float(loss.reshape(()))} (NaN or inf) for logits up to 1e4 in "
             f"magnitude: {LSE_ADVICE}")
    dlogits = as_array(r["grad"], "dlogits")
    if not np.all(np.isfinite(dlogits)):
        fail("dlogits contains NaN or inf for logits up to 1e4 in magnitude: subtract each "
             "row's max before exp (exp(1000) overflows to inf, and inf / inf is NaN)")
    expected_loss, expected_grad = ref.softmax_cross_entropy(logits, y)
    expect_scalar_close(loss, float(expected_loss), "loss for logits up to 1e4", rtol=1e-7)
    expect_close(dlogits, expected_grad, "dlogits for logits up to 1e4", atol=1e-15)


@task("softmax")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, c=classes)
def test_softmax_keeps_float32(submission, seed, n, c):
    """softmax_cross_entropy returns float32 dlogits for float32 logits"""
    logits = S.logits(seed, n, c, np.float32, scale=2.0)
    y = S.labels(seed, n, c)
    r = _loss(submission, "softmax_cross_entropy", logits, y)
    loss, dlogits = ref.softmax_cross_entropy(logits, y)
    expect_close(r["grad"], dlogits, "dlogits (float32 logits)")
    expect_scalar_close(r["loss"], float(loss), "loss (float32 logits)", rtol=1e-4, atol=1e-6)


@task("softmax")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, c=classes)
def test_softmax_does_not_modify_inputs(submission, seed, n, c):
    """softmax_cross_entropy leaves logits and y unchanged"""
    logits = S.logits(seed, n, c, scale=2.0)
    y = S.labels(seed, n, c)
    r = _loss(submission, "softmax_cross_entropy", logits, y)
    _values_must_be_right(r, "softmax_cross_entropy", logits, y, "dlogits")
    expect_unchanged(logits, r["a_after"], "logits")
    expect_unchanged(y, r["b_after"], "y")


@task("softmax")
def test_softmax_rejects_bad_input(submission):
    """softmax_cross_entropy raises ValueError naming logits or y for bad shapes and labels"""
    logits = S.logits(0, 4, 3)
    y = S.labels(0, 4, 3)
    _values_must_be_right(_loss(submission, "softmax_cross_entropy", logits, y),
                          "softmax_cross_entropy", logits, y, "dlogits")
    cases = [("logits of shape (3,)", [logits[0], y[:1]], ("logits",)),
             ("y of length 5 for 4 rows of logits", [logits, np.zeros(5, dtype=np.int64)], ("y",)),
             ("y of length 3 for 4 rows of logits", [logits, y[:3]], ("y",)),
             ("the label 3 in y for 3 classes", [logits, np.array([0, 1, 3, 2])], ("y",)),
             ("the label -1 in y (a negative index would wrap)", [logits, np.array([0, -1, 1, 2])],
              ("y",)),
             ("float labels y", [logits, y.astype(np.float64)], ("y",))]
    for what, args, names in cases:
        S.expect_value_error(submission.probe("raised", call="softmax_cross_entropy", args=args,
                                              _where="softmax_cross_entropy"),
                             f"softmax_cross_entropy with {what}", names)


# ------------------------------------------------------------------------------------- MSE
@task("mse")
@given(seed=S.seeds, shape=S.shapes)
def test_mse_values(submission, seed, shape):
    """mse_loss returns the right loss (mean over all elements) and dpred"""
    pred, target = S.mse_inputs(seed, shape)
    r = _loss(submission, "mse_loss", pred, target)
    loss, dpred = ref.mse_loss(pred, target)
    expect_scalar_close(r["loss"], float(loss), "loss", rtol=1e-7, atol=1e-15)
    expect_close(r["grad"], dpred, "dpred")


@task("mse")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_mse_gradient_check(submission, seed):
    """mse_loss's dpred = numerical gradient of its loss (3x4 and 64x10)"""
    for shape, dirs in (((3, 4), None), ((64, 10), 3)):
        pred, target = S.mse_inputs(seed, shape)
        r = _loss(submission, "mse_loss", pred, target)
        _values_must_be_right(r, "mse_loss", pred, target, "dpred")
        v = None if dirs is None else S.unit_directions(seed, pred, dirs)
        S.check_layer_gradient(submission, "mse_loss", [pred, target], 0, None, r["grad"],
                               f"dpred (shape {shape})", v, source="your loss")


@task("mse")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_mse_keeps_float32(submission, seed, shape):
    """mse_loss returns float32 dpred for float32 inputs"""
    pred, target = S.mse_inputs(seed, shape, np.float32)
    r = _loss(submission, "mse_loss", pred, target)
    loss, dpred = ref.mse_loss(pred, target)
    expect_close(r["grad"], dpred, "dpred (float32 inputs)")
    expect_scalar_close(r["loss"], float(loss), "loss (float32 inputs)", rtol=1e-4, atol=1e-6)


@task("mse")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_mse_does_not_modify_inputs(submission, seed, shape):
    """mse_loss leaves pred and target unchanged"""
    pred, target = S.mse_inputs(seed, shape)
    r = _loss(submission, "mse_loss", pred, target)
    _values_must_be_right(r, "mse_loss", pred, target, "dpred")
    expect_unchanged(pred, r["a_after"], "pred")
    expect_unchanged(target, r["b_after"], "target")


@task("mse")
def test_mse_rejects_bad_shapes(submission):
    """mse_loss raises ValueError naming pred or target when their shapes differ"""
    pred, target = S.mse_inputs(0, (4, 3))
    _values_must_be_right(_loss(submission, "mse_loss", pred, target), "mse_loss", pred, target,
                          "dpred")
    for what, args in (("target of shape (4, 1) for pred (4, 3) (no broadcasting)",
                        [pred, target[:, :1]]),
                       ("target of shape (3, 4) for pred (4, 3)", [pred, target.T.copy()])):
        S.expect_value_error(submission.probe("raised", call="mse_loss", args=args,
                                              _where="mse_loss"),
                             f"mse_loss with {what}", ("target", "pred"))
