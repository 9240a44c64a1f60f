"""Public tests of backprop.py: run them with ``dlcheck backprop.py`` (or ``--task affine``).

They check your code against itself and against mathematics: known small values, shapes, and
analytic gradients against numerical derivatives of your own forward functions. The grader runs
more tests (against a reference, larger and harder inputs, conventions such as dtype and not
modifying inputs); passing these is necessary, not sufficient.
"""
import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import as_array, expect_close, expect_shape, fail, task
import strategies as S


def _directional_check(submission, fn, args, grads, names, dout, seed):
    """Each analytic gradient against 3 numerical directional derivatives of ``fn``."""
    for i, (g, name) in enumerate(zip(grads, names)):
        S.check_layer_gradient(submission, fn, args, i, dout, g, name,
                               S.unit_directions(seed + i, args[i], 3))


# ---------------------------------------------------------------------------------- affine
@task("affine")
def test_affine_forward_small_example(submission):
    """affine_forward on a small example worked by hand"""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
    W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    b = np.array([0.5, -1.0, 2.0])
    result = S.expect_tuple(submission.call("affine_forward", x, W, b), 2, "affine_forward")
    # row 0: [1 + 4, 0 + 2, -1 + 1] + b
    expected = np.array([[5.5, 1.0, 2.0], [11.5, 3.0, 1.0], [0.5, -0.5, 3.25]])
    expect_close(result[0], expected, "affine_forward(x, W, b)[0]")


@task("affine")
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims, m=S.dims)
def test_affine_backward_gradient_check(submission, seed, n, d, m):
    """affine_backward agrees with numerical derivatives of affine_forward"""
    x, W, b = S.affine_inputs(seed, n, d, m)
    dout = S.upstream(seed, (n, m))
    r = submission.probe("layer_roundtrip", layer="affine", inputs=[x, W, b], dout=dout,
                         _where="affine_forward/affine_backward")
    if "bad_forward" in r:
        fail(f"affine_forward must return (out, cache), got a {r['bad_forward']}")
    expect_close(r["out"], x @ W + b, "affine_forward(x, W, b)[0]")
    dx, dW, db = S.expect_tuple(r["grads"], 3, "affine_backward")
    expect_shape(dx, x.shape, "dx")
    expect_shape(dW, W.shape, "dW")
    expect_shape(db, b.shape, "db")
    _directional_check(submission, "affine_forward", [x, W, b], (dx, dW, db),
                       ("dx", "dW", "db"), dout, seed)


# ---------------------------------------------------------------------------- activations
@task("relu")
@given(seed=S.seeds, shape=S.shapes)
def test_relu_forward_backward(submission, seed, shape):
    """relu_forward is max(x, 0) and relu_backward passes dout where x > 0"""
    x = S.relu_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = submission.probe("layer_roundtrip", layer="relu", inputs=[x], dout=dout,
                         _where="relu_forward/relu_backward")
    if "bad_forward" in r:
        fail(f"relu_forward must return (out, cache), got a {r['bad_forward']}")
    expect_close(r["out"], np.maximum(x, 0), "relu_forward(x)[0]")
    expect_shape(r["grads"], shape, "relu_backward(dout, cache)")
    S.check_layer_gradient(submission, "relu_forward", [x], 0, dout, r["grads"], "dx",
                           S.unit_directions(seed, x, 3))


@task("sigmoid")
@given(seed=S.seeds, shape=S.shapes)
def test_sigmoid_forward_backward(submission, seed, shape):
    """sigmoid_forward(0) = 0.5, sigmoid(-x) = 1 - sigmoid(x), and a gradient check"""
    x = S.sigmoid_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = submission.probe("layer_roundtrip", layer="sigmoid", inputs=[np.concatenate(
        [np.zeros(1), x.reshape(-1), -x.reshape(-1)])], dout=np.ones(1 + 2 * x.size),
        _where="sigmoid_forward/sigmoid_backward")
    if "bad_forward" in r:
        fail(f"sigmoid_forward must return (out, cache), got a {r['bad_forward']}")
    out = expect_shape(r["out"], (1 + 2 * x.size,), "sigmoid_forward(x)[0]")
    expect_close(out[0], np.float64(0.5), "sigmoid_forward(0)")
    expect_close(out[1:1 + x.size] + out[1 + x.size:], np.ones(x.size),
                 "sigmoid(x) + sigmoid(-x) (must be 1)", rtol=1e-12)
    expect_close(r["grads"][0], np.float64(0.25), "sigmoid_backward at x = 0 with dout = 1")
    r = submission.probe("layer_roundtrip", layer="sigmoid", inputs=[x], dout=dout,
                         _where="sigmoid_forward/sigmoid_backward")
    S.check_layer_gradient(submission, "sigmoid_forward", [x], 0, dout, r["grads"], "dx",
                           S.unit_directions(seed, x, 3))


# -------------------------------------------------------------------------------- losses
@task("softmax")
@given(seed=S.seeds, n=S.batch_sizes, c=st.integers(2, 6))
def test_softmax_cross_entropy_small(submission, seed, n, c):
    """softmax_cross_entropy: log C for equal scores, rows of dlogits sum to 0, gradient check"""
    y = S.labels(seed, n, c)
    r = submission.probe("loss_roundtrip", fn="softmax_cross_entropy", a=np.full((n, c), 3.0), b=y,
                         _where="softmax_cross_entropy")
    if "bad_result" in r:
        fail(f"softmax_cross_entropy must return (loss, dlogits), got a {r['bad_result']}")
    expect_close(np.asarray(as_array(r["loss"], "loss"), dtype=np.float64).reshape(()),
                 np.float64(np.log(c)), "loss for equal scores (must be log C)", dtype=False)
    logits = S.logits(seed, n, c, scale=2.0)
    r = submission.probe("loss_roundtrip", fn="softmax_cross_entropy", a=logits, b=y,
                         _where="softmax_cross_entropy")
    dlogits = expect_shape(r["grad"], (n, c), "dlogits")
    expect_close(dlogits.sum(axis=1), np.zeros(n), "the row sums of dlogits (must be 0)",
                 atol=1e-12)
    S.check_layer_gradient(submission, "softmax_cross_entropy", [logits, y], 0, None, dlogits,
                           "dlogits", source="your loss")


@task("mse")
@given(seed=S.seeds, shape=S.shapes)
def test_mse_loss_small(submission, seed, shape):
    """mse_loss: a value worked by hand and a gradient check"""
    r = submission.probe("loss_roundtrip", fn="mse_loss", a=np.array([[1.0, 2.0], [3.0, 4.0]]),
                         b=np.array([[1.0, 0.0], [5.0, 4.0]]), _where="mse_loss")
    if "bad_result" in r:
        fail(f"mse_loss must return (loss, dpred), got a {r['bad_result']}")
    # squared errors 0, 4, 4, 0 -> mean 2
    expect_close(np.asarray(as_array(r["loss"], "loss"), dtype=np.float64).reshape(()),
                 np.float64(2.0), "mse_loss on the worked example", dtype=False)
    pred, target = S.mse_inputs(seed, shape)
    r = submission.probe("loss_roundtrip", fn="mse_loss", a=pred, b=target, _where="mse_loss")
    dpred = expect_shape(r["grad"], shape, "dpred")
    S.check_layer_gradient(submission, "mse_loss", [pred, target], 0, None, dpred, "dpred",
                           source="your loss")


# ----------------------------------------------------------------------- gradient checking
@task("numgrad")
@given(seed=S.seeds, shape=S.shapes)
def test_numerical_gradient_of_a_quadratic(submission, seed, shape):
    """numerical_gradient of f(x) = sum(c * x**2) is 2 c x and leaves x unchanged"""
    x = S.normal(seed, shape)
    c = S.normal(seed + 1, shape)
    r = submission.probe("numgrad", kind="quad", x=x, coef=np.diag(c.reshape(-1)),
                         _where="numerical_gradient")
    grad = expect_shape(r["grad"], shape, "numerical_gradient(f, x)")
    expect_close(grad, 2 * c * x, "numerical_gradient(f, x)", rtol=1e-6, atol=1e-8, dtype=False)
    if not r["x_unchanged"]:
        fail("numerical_gradient changed x: put every entry back to its saved value")


@task("relerr")
def test_relative_error_examples(submission):
    """relative_error on examples worked by hand"""
    cases = [  # (a, b, max |a-b| / max(1e-8, |a|+|b|))
        (np.array([1.0, 2.0]), np.array([1.0, 3.0]), 0.2),
        (np.array([[0.0, -1.0]]), np.array([[0.0, 1.0]]), 1.0),
        (np.zeros(3), np.zeros(3), 0.0),
        (np.array([1e-9]), np.array([0.0]), 0.1),
    ]
    for a, b, expected in cases:
        got = submission.call("relative_error", a, b)
        if not isinstance(got, float):
            fail(f"relative_error must return a Python float, got {type(got).__name__}")
        if not abs(got - expected) <= 1e-12 + 1e-9 * expected:
            fail(f"relative_error({a.tolist()}, {b.tolist()}) returned {got!r}, "
                 f"expected {expected!r}")


# ---------------------------------------------------------------------------------- model
@task("mlp")
@given(seed=S.seeds, activation=S.activations)
def test_mlp_init_and_loss_gradient(submission, seed, activation):
    """Integration: MLP params shapes, float64, zero biases; loss log C at zero weights; loss gradients agree with numerical derivatives"""
    sizes = [4, 6, 5, 3]
    init = submission.probe("mlp_init", sizes=sizes, activation=activation, seed=seed,
                            _where="MLP.__init__")
    if init["params_type"] != "dict":
        fail(f"MLP.params must be a dict, got a {init['params_type']}")
    want = [f"{p}{i}" for i in range(1, len(sizes)) for p in "Wb"]
    if sorted(init["keys"]) != sorted(want):
        fail(f"MLP.params keys are {init['keys']}, expected {want}")
    for i in range(1, len(sizes)):
        W = expect_shape(init["params"][f"W{i}"], (sizes[i - 1], sizes[i]), f"W{i}")
        b = expect_shape(init["params"][f"b{i}"], (sizes[i],), f"b{i}")
        if W.dtype != np.float64 or b.dtype != np.float64:
            fail(f"W{i} and b{i} must be float64, got {W.dtype} and {b.dtype}")
        if np.any(b != 0):
            fail(f"b{i} must start at zero")
    X, y = S.mlp_data(seed, 7, sizes[0], sizes[-1])
    zeros = {k: np.zeros_like(v) for k, v in S.mlp_params(seed, sizes).items()}
    r = submission.probe("mlp_loss", sizes=sizes, activation=activation, seed=seed,
                         params=zeros, X=X, y=y, _where="MLP.loss")
    if "bad_loss" in r:
        fail(f"MLP.loss must return (loss, grads), got a {r['bad_loss']}")
    # all weights and biases 0: every score is 0, so every class has probability 1/C
    expect_close(np.asarray(as_array(r["loss"], "loss"), dtype=np.float64).reshape(()),
                 np.float64(np.log(sizes[-1])), "MLP.loss with all parameters 0 (must be log C)",
                 dtype=False)
    params = S.mlp_params(seed, sizes)
    r = submission.probe("mlp_loss", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, y=y, _where="MLP.loss")
    grads = S.expect_grads_like(r["grads"], params, "MLP.loss's grads")
    dirs = S.unit_directions(seed, params, 3)
    sets = []
    for v in dirs:
        sets += [{k: params[k] + S.H * v[k] for k in params},
                 {k: params[k] - S.H * v[k] for k in params}]
    losses = submission.probe("mlp_losses", sizes=sizes, activation=activation, seed=seed,
                              X=X, y=y, param_sets=sets, _where="MLP.loss")
    numeric = [S.central_difference(losses[2 * k], losses[2 * k + 1]) for k in range(len(dirs))]
    S.expect_gradient(S.directional(grads, dirs), numeric, "MLP.loss gradients",
                      along=" along random directions", source="your MLP.loss")


@task("train")
def test_train_xor(submission):
    """Integration: your MLP trained by your train on XOR: one loss per epoch, the loss goes down, accuracy at least 0.9"""
    from coursedata import xor
    X, y = xor(200, noise=0.1, seed=0)
    r = submission.probe("mlp_train", sizes=[2, 8, 2], activation="relu", model_seed=0, X=X, y=y,
                         lr=0.1, epochs=50, batch_size=16, seed=0, _where="MLP/train/accuracy")
    losses = r["losses"]
    if not isinstance(losses, list) or len(losses) != 50:
        fail("train(..., epochs=50) must return a list of 50 losses (one per epoch), got "
             + (f"a list of {len(losses)}" if isinstance(losses, list) else type(losses).__name__))
    if not all(np.isfinite(float(v)) for v in losses):
        fail("train returned NaN/inf losses")
    if not float(losses[-1]) < 0.5 * float(losses[0]):
        fail(f"the loss did not go down enough: epoch 1 {float(losses[0]):.4g}, "
             f"epoch 50 {float(losses[-1]):.4g}")
    if not float(r["accuracy"]) >= 0.9:
        fail(f"accuracy after training on XOR is {float(r['accuracy']):.3f}, expected >= 0.9")


def _mlp_scores(params, activation, X):
    """scores = affine_L(act(... act(affine_1(X)))) for params W1, b1, ..., WL, bL."""
    L = len(params) // 2
    h = X
    for i in range(1, L + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < L:
            h = np.maximum(h, 0) if activation == "relu" else 1 / (1 + np.exp(-h))
    return h


@task("torch")
@given(seed=S.seeds, activation=S.activations)
def test_to_torch_agrees_with_mlp(submission, seed, activation):
    """to_torch: nn.Linear weights are W.T, the scores are the MLP's, every parameter gets a gradient"""
    sizes = [3, 5, 4, 2]
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, 6, sizes[0], sizes[-1])
    # to_torch gets a model with these params (see probes.torch_model)
    submission.probe("import_torch", _where="loading torch", _loads_library=True)
    r = submission.probe("torch_model", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, y=y, _where="to_torch")
    if not r["is_module"]:
        fail(f"to_torch must return a torch.nn.Module (nn.Sequential), got {r['type']}")
    if "forward_error" in r:
        fail(f"running the torch model on float64 inputs failed: {r['forward_error']}")
    for k, value in params.items():
        if k not in r["weights"]:
            fail(f"the torch model has fewer nn.Linear layers than the MLP (no {k})")
        expect_close(r["weights"][k], value, f"the torch model's {k} (nn.Linear stores W.T "
                     "as its weight)")
    expect_close(r["scores"], _mlp_scores(params, activation, X), "the torch model's scores")
    for k in params:
        if k not in r["grads"]:
            fail(f"no autograd gradient for {k} (is every nn.Linear in the model?)")
        expect_shape(r["grads"][k], params[k].shape, f"the autograd gradient of {k}")
