"""Public tests of the mistakes the handout warns about (run them with ``dlcheck backprop.py``).

Each one first checks your values on its input (computed here from the formulas in the
handout), then the property the warning is about: dout left unchanged, gradient 0 at x == 0,
no overflow for huge inputs, He variance, a private seeded RNG in train, a strided x.
"""
import numpy as np
from hypothesis import given, settings

from autograder.testing import (as_array, expect_close, expect_scalar_close, expect_shape,
                                expect_unchanged, fail, task)
import strategies as S


def _relu_roundtrip(submission, x, dout):
    r = submission.probe("layer_roundtrip", layer="relu", inputs=[x], dout=dout,
                         _where="relu_forward/relu_backward")
    if "bad_forward" in r:
        fail(f"relu_forward must return (out, cache), got a {r['bad_forward']}")
    expect_close(r["out"], np.maximum(x, 0), "relu_forward(x)[0]")
    return r


# ------------------------------------------------------------------------------- ReLU
@task("relu")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_relu_backward_leaves_dout_unchanged(submission, seed, shape):
    """relu_backward does not write into dout (dx = dout then dx[mask] = 0 would)"""
    x = S.relu_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = _relu_roundtrip(submission, x, dout)
    expect_close(r["grads"], np.where(x > 0, dout, 0.0), "relu_backward(dout, cache)")
    if not np.array_equal(as_array(r["dout_after"], "dout"), dout):
        fail("relu_backward modified its argument dout: `dx = dout` makes dx another name for "
             "the caller's array, so `dx[x <= 0] = 0` writes into it; use dx = dout.copy() "
             "or np.where(x > 0, dout, 0)")
    expect_unchanged(x, r["inputs_after"][0], "x")


@task("relu")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_relu_gradient_zero_at_zero(submission, seed, shape):
    """relu_backward gives gradient 0 where x == 0 (the course's convention: mask x > 0)"""
    x = S.relu_inputs_with_zeros(seed, shape)
    dout = S.upstream(seed, shape)
    r = _relu_roundtrip(submission, x, dout)
    dx = expect_shape(r["grads"], shape, "relu_backward(dout, cache)")
    expect_close(dx[x != 0], np.where(x > 0, dout, 0.0)[x != 0], "relu_backward where x != 0")
    if np.any(dx[x == 0] != 0):
        fail("relu_backward passes dout where x == 0: the course fixes the gradient at x == 0 "
             "to 0, so mask with x > 0 (not x >= 0)")


# ----------------------------------------------------------------------------- sigmoid
HUGE = np.array([-1e4, -1000.0, -710.0, -50.0, -1.0, 0.0, 1.0, 50.0, 710.0, 1000.0, 1e4])


def _stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


@task("sigmoid")
def test_sigmoid_huge_inputs(submission):
    """sigmoid_forward/backward: no overflow warning, NaN or inf for |x| up to 1e4"""
    r = submission.probe("layer_roundtrip", layer="sigmoid", inputs=[HUGE],
                         dout=np.ones_like(HUGE), _where="sigmoid_forward/sigmoid_backward")
    if "bad_forward" in r:
        fail(f"sigmoid_forward must return (out, cache), got a {r['bad_forward']}")
    S.expect_no_warnings(r["warnings"], "sigmoid_forward/backward for |x| up to 1e4",
                         "np.exp(-x) overflows for x = -1000 (and np.where evaluates both "
                         "branches): use z = exp(-|x|), then 1/(1+z) or z/(1+z) (handout §2)")
    out = expect_shape(r["out"], HUGE.shape, "sigmoid_forward(x)[0]")
    if not np.all(np.isfinite(out)):
        fail("sigmoid_forward returned NaN/inf for |x| up to 1e4: use z = exp(-|x|)")
    s = _stable_sigmoid(HUGE)
    expect_close(out, s, "sigmoid_forward(x)[0] for |x| up to 1e4")
    expect_close(r["grads"], s * (1 - s), "sigmoid_backward(1, cache) for |x| up to 1e4",
                 atol=1e-12)


# ----------------------------------------------------------------------------- softmax
#: rows whose softmax overflows without the max shift (1000, 1e4) or whose label's probability
#: underflows to 0 (log 0 = -inf); labels pick those classes
HUGE_LOGITS = np.array([[0.0, -2000.0, 5.0], [1000.0, 0.0, -1000.0], [1e4, 1e4 - 1.0, 0.0],
                        [-3.0, 2.0, 1.0]])
HUGE_LABELS = np.array([1, 0, 1, 2])


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


@task("softmax")
def test_softmax_large_logits_are_finite(submission):
    """softmax_cross_entropy is finite and right for logits like 1000 or -2000 (max shift)"""
    r = submission.probe("loss_roundtrip", fn="softmax_cross_entropy", a=HUGE_LOGITS,
                         b=HUGE_LABELS, _where="softmax_cross_entropy")
    if "bad_result" in r:
        fail(f"softmax_cross_entropy must return (loss, dlogits), got a {r['bad_result']}")
    loss = np.asarray(as_array(r["loss"], "loss"), dtype=np.float64).reshape(-1)
    dlogits = as_array(r["grad"], "dlogits")
    advice = ("subtract each row's max before exp (exp(1000) is inf) and never take the log of "
              "a probability (exp(-2000) is 0): log-softmax = (z - m) - log(sum(exp(z - m))), "
              "handout §3")
    if loss.size != 1 or not np.isfinite(loss[0]) or not np.all(np.isfinite(dlogits)):
        fail(f"softmax_cross_entropy gave NaN/inf (loss {loss.tolist()}) for logits such as "
             f"1000 and -2000: {advice}")
    log_probs = _log_softmax(HUGE_LOGITS)
    rows = np.arange(len(HUGE_LABELS))
    expect_scalar_close(loss[0], float(-log_probs[rows, HUGE_LABELS].mean()),
                        "the loss for large logits")
    onehot = np.eye(3)[HUGE_LABELS]
    expect_close(dlogits, (np.exp(log_probs) - onehot) / len(HUGE_LABELS),
                 "dlogits for large logits", atol=1e-15)


# --------------------------------------------------------------------------------- MLP
@task("mlp")
def test_mlp_init_he_variance_public(submission):
    """MLP draws W_i with variance 2 / fan_in (He): std = sqrt(2 / fan_in)"""
    sizes = [300, 400, 100]
    init = submission.probe("mlp_init", sizes=sizes, activation="relu", seed=1,
                            _where="MLP.__init__")
    for i in range(1, len(sizes)):
        W = expect_shape(init["params"].get(f"W{i}"), (sizes[i - 1], sizes[i]), f"W{i}")
        fan_in, want = sizes[i - 1], 2.0 / sizes[i - 1]
        var = float(np.var(W.astype(np.float64)))
        if abs(var / want - 1) > 0.05:
            if abs(var / want ** 2 - 1) < 0.05:
                guess = (": that is (2 / fan_in)**2, you multiplied by the variance 2 / fan_in; "
                         "multiply by its square root, np.sqrt(2 / fan_in)")
            elif abs(var * fan_in - 1) < 0.05:
                guess = ": that is 1 / fan_in (Xavier/LeCun), He uses 2 / fan_in"
            elif abs(var - 1) < 0.05:
                guess = ": that is 1, the factor np.sqrt(2 / fan_in) is missing"
            else:
                guess = ""
            fail(f"MLP: W{i} ({fan_in} x {sizes[i]}) has variance {var:.3g}, expected "
                 f"2 / fan_in = {want:.3g}{guess}")


# ------------------------------------------------------------------------------- train
@task("train")
def test_train_uses_its_own_seeded_rng(submission):
    """train shuffles with np.random.default_rng(seed), not the global np.random"""
    from coursedata import xor
    X, y = xor(64, noise=0.1, seed=1)
    params = {"W1": np.zeros((2, 2)), "b1": np.zeros(2)}  # probes.CourseModel's parameters
    runs = submission.probe("train_twice", params=params, X=X, y=y, lr=0.1, epochs=6,
                            batch_size=16, seed=3, _where="train")
    first = runs[0]["losses"]
    if not isinstance(first, list) or len(first) != 6:
        fail("train(..., epochs=6) must return a list of 6 losses")
    first = np.array([float(v) for v in first])
    if not np.all(np.isfinite(first)) or not first[-1] < first[0]:
        fail(f"train's loss did not go down (a course model with a quadratic loss on XOR): "
             f"epoch 1 {first[0]:.4g}, epoch 6 {first[-1]:.4g}")
    if any(run["used_global_rng"] for run in runs):
        fail("train used the global NumPy RNG (np.random.shuffle/permutation/seed/...): "
             "draw from one rng = np.random.default_rng(seed) per call, "
             "order = rng.permutation(N) each epoch (handout §6)")
    second = np.array([float(v) for v in runs[1]["losses"]])
    if not np.array_equal(first, second):
        fail("two calls of train with the same seed on the same model gave different losses: "
             "shuffle with np.random.default_rng(seed)")


# ------------------------------------------------------------------- gradient checking
@task("numgrad")
@settings(max_examples=5)
@given(seed=S.seeds)
def test_numerical_gradient_of_a_strided_view(submission, seed):
    """numerical_gradient works on a non-contiguous x (a transposed view) and restores it"""
    x = S.normal(seed, (3, 4))
    c = S.normal(seed + 1, (3, 4))
    r = submission.probe("numgrad", kind="quad", x=x, coef=np.diag(c.reshape(-1)),
                         layout="transposed", _where="numerical_gradient")
    grad = expect_shape(r["grad"], x.shape, "numerical_gradient(f, x) for a transposed view x")
    expect_close(grad, 2 * c * x, "numerical_gradient(f, x) for a transposed view x",
                 rtol=1e-6, atol=1e-8, dtype=False,
                 hint="x.reshape(-1)/ravel()/flatten() copy a non-contiguous x, so perturbing "
                      "the copy changes nothing: loop over np.ndindex(x.shape) and write x[idx]")
    if not (r["x_unchanged"] and r["buffer_unchanged"]):
        fail("numerical_gradient changed x: put every entry back to its saved value")
