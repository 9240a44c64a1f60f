"""Hidden tests of the model: MLP, train, accuracy and to_torch."""
import numpy as np
from hypothesis import given, settings, strategies as st

from autograder.testing import (as_array, expect_close, expect_scalar_close, expect_shape,
                                expect_unchanged, fail, reference, task)
from coursedata import two_spirals, xor
import strategies as S

ref = reference()


def _ref_model(sizes, activation, seed, params=None):
    model = ref.MLP(sizes, activation, seed)
    if params is not None:
        model.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    return model


def _keys(sizes):
    return [f"{p}{i}" for i in range(1, len(sizes)) for p in "Wb"]


def _init(submission, sizes, activation, seed):
    r = submission.probe("mlp_init", sizes=sizes, activation=activation, seed=seed,
                         _where="MLP.__init__")
    if r["params_type"] != "dict":
        fail(f"MLP.params must be a dict, got a {r['params_type']}")
    if sorted(r["keys"]) != sorted(_keys(sizes)):
        fail(f"MLP({sizes}).params has keys {r['keys']}, expected {_keys(sizes)}")
    return r["params"]


def _eval(submission, sizes, activation, seed, params, X, y):
    r = submission.probe("mlp_eval", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, y=y, _where="MLP.forward/MLP.loss")
    if "bad_loss" in r:
        fail(f"MLP.loss must return (loss, grads), got a {r['bad_loss']}")
    S.expect_grads_like(r["grads"], params, "MLP.loss's grads")
    return r


# -------------------------------------------------------------------------------------- MLP
@task("mlp")
@given(sizes=S.layer_sizes, activation=S.activations, seed=S.seeds)
def test_mlp_init_shapes(submission, sizes, activation, seed):
    """MLP params: W_i of shape (sizes[i-1], sizes[i]), b_i of shape (sizes[i],), float64, zero biases"""
    params = _init(submission, sizes, activation, seed)
    for i in range(1, len(sizes)):
        W = expect_shape(params[f"W{i}"], (sizes[i - 1], sizes[i]), f"W{i}")
        b = expect_shape(params[f"b{i}"], (sizes[i],), f"b{i}")
        for arr, name in ((W, f"W{i}"), (b, f"b{i}")):
            if arr.dtype != np.float64:
                fail(f"{name} has dtype {arr.dtype}, expected float64")
        if np.any(b != 0):
            fail(f"b{i} must be initialised to zeros")
        if sizes[i - 1] * sizes[i] > 1 and np.all(W == W.reshape(-1)[0]):
            fail(f"W{i} is constant: draw it at random (He initialisation)")


@task("mlp")
@settings(max_examples=2)
@given(seed=S.seeds)
def test_mlp_init_he_variance(submission, seed):
    """MLP weights have mean 0 and He variance 2 / fan_in"""
    sizes = [300, 400, 100]
    params = _init(submission, sizes, "relu", seed)
    for i in range(1, len(sizes)):
        W = as_array(params[f"W{i}"], f"W{i}").astype(np.float64)
        fan_in = sizes[i - 1]
        want = 2.0 / fan_in
        var, mean = float(W.var()), float(W.mean())
        if abs(mean) > 5 * np.sqrt(want / W.size):
            fail(f"W{i} has mean {mean:.3g}; He initialisation draws from N(0, 2 / fan_in)")
        if abs(var / want - 1) > 0.05:
            ratio = var / want
            guess = ""
            if abs(var * fan_in - 1) < 0.05:
                guess = " (that is 1 / fan_in: Xavier/LeCun, not He)"
            elif abs(var * sizes[i] / 2 - 1) < 0.05:
                guess = " (that is 2 / fan_out: use fan_in = sizes[i-1])"
            elif abs(var - 1) < 0.05:
                guess = " (that is 1: did you forget the factor sqrt(2 / fan_in)?)"
            fail(f"W{i} ({fan_in} x {sizes[i]}) has variance {var:.4g}, {ratio:.3g} times "
                 f"2 / fan_in = {want:.4g}{guess}")


@task("mlp")
@settings(max_examples=5)
@given(sizes=S.layer_sizes, seed=st.integers(0, 2**31 - 2))
def test_mlp_init_seeded(submission, sizes, seed):
    """MLP(sizes, seed=s) is reproducible and draws W1, W2, ... in order from default_rng(s)"""
    first = _init(submission, sizes, "relu", seed)
    again = _init(submission, sizes, "relu", seed)
    for k in first:
        if not np.array_equal(as_array(first[k], k), as_array(again[k], k)):
            fail(f"two MLPs built with seed={seed} have different {k}: draw only from "
                 "np.random.default_rng(seed), never from the global np.random state")
    other = _init(submission, sizes, "relu", seed + 1)
    if sum(sizes[i - 1] * sizes[i] for i in range(1, len(sizes))) > 2 and all(
            np.array_equal(first[f"W{i}"], other[f"W{i}"]) for i in range(1, len(sizes))):
        fail("MLPs built with different seeds have the same weights: use the seed argument")
    expected = ref.MLP(sizes, "relu", seed).params
    for k in expected:
        expect_close(first[k], expected[k], f"{k} for seed={seed}", rtol=1e-10,
                     hint="with one rng = np.random.default_rng(seed), draw for i = 1..L in "
                          "order W_i = rng.standard_normal((fan_in, fan_out)) * sqrt(2 / fan_in)")


@task("mlp")
@given(sizes=S.layer_sizes, activation=S.activations, seed=S.seeds, n=S.batch_sizes)
def test_mlp_forward_values(submission, sizes, activation, seed, n):
    """MLP.forward is right (raw scores, activation after every hidden layer only)"""
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
    r = _eval(submission, sizes, activation, seed, params, X, y)
    expected = _ref_model(sizes, activation, seed, params).forward(X)
    expect_close(r["scores"], expected, f"MLP({sizes}, {activation!r}).forward(X)")


@task("mlp")
@given(sizes=S.layer_sizes, activation=S.activations, seed=S.seeds, n=S.batch_sizes)
def test_mlp_loss_values(submission, sizes, activation, seed, n):
    """MLP.loss returns the right loss and gradients"""
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
    r = _eval(submission, sizes, activation, seed, params, X, y)
    loss, grads = _ref_model(sizes, activation, seed, params).loss(X, y)
    expect_scalar_close(r["loss"], loss, f"MLP({sizes}, {activation!r}).loss(X, y)[0]",
                        rtol=1e-7, atol=1e-12)
    for k in _keys(sizes):
        expect_close(r["grads"][k], grads[k], f"grads[{k!r}]")


@task("mlp")
@settings(max_examples=3)
@given(seed=S.seeds)
def test_mlp_loss_gradient_check(submission, seed):
    """MLP.loss gradients = numerical derivatives of MLP.loss (elementwise 3-4-3, directional 10-32-32-4)"""
    for activation in ("sigmoid", "relu"):
        for sizes, n, ndirs in (([3, 4, 3], 5, None), ([10, 32, 32, 4], 32, 3)):
            params = S.mlp_params(seed, sizes)
            X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
            r = _eval(submission, sizes, activation, seed, params, X, y)
            if ndirs is None:
                steps = []
                for k in _keys(sizes):
                    for idx in np.ndindex(params[k].shape):
                        e = {name: np.zeros_like(v) for name, v in params.items()}
                        e[k][idx] = 1.0
                        steps.append((k, idx, e))
                dirs = [e for _, _, e in steps]
            else:
                dirs = S.unit_directions(seed, params, ndirs)
            sets = []
            for v in dirs:
                sets += [{k: params[k] + S.H * v[k] for k in params},
                         {k: params[k] - S.H * v[k] for k in params}]
            losses = submission.probe("mlp_losses", sizes=sizes, activation=activation,
                                      seed=seed, X=X, y=y, param_sets=sets, _where="MLP.loss")
            numeric = np.array([S.central_difference(losses[2 * j], losses[2 * j + 1])
                                for j in range(len(dirs))])
            what = f"MLP({sizes}, {activation!r}).loss gradients"
            if ndirs is None:
                for k in _keys(sizes):
                    num_k = np.array([numeric[j] for j, (name, _, _) in enumerate(steps)
                                      if name == k]).reshape(params[k].shape)
                    S.expect_gradient(r["grads"][k], num_k, f"{what}: grads[{k!r}]",
                                      tol=1e-5, source="your MLP.loss")
            else:
                S.expect_gradient(S.directional(r["grads"], dirs), numeric, what, tol=1e-5,
                                  along=" along random directions", source="your MLP.loss")


@task("mlp")
@settings(max_examples=4)
@given(activation=S.activations, seed=S.seeds)
def test_mlp_loss_does_not_modify_inputs(submission, activation, seed):
    """MLP.forward/loss leave X, y and the params unchanged"""
    sizes = [4, 5, 3]
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, 6, sizes[0], sizes[-1])
    r = _eval(submission, sizes, activation, seed, params, X, y)
    expect_unchanged(X, r["X_after"], "X")
    expect_unchanged(y, r["y_after"], "y")
    for k, v in params.items():
        expect_unchanged(v, r["params_after"].get(k), f"params[{k!r}]")


@task("mlp")
def test_mlp_rejects_bad_activation(submission):
    """MLP raises ValueError naming activation for an unknown activation"""
    for bad in ("tanh", "softmax"):
        report = submission.probe("raised", call="MLP", args=[[3, 4, 2]],
                                  kwargs={"activation": bad, "seed": 0}, then="forward",
                                  _where="MLP")
        S.expect_value_error(report, f"MLP([3, 4, 2], activation={bad!r})", ("activation",))


# ------------------------------------------------------------------------------------ train
def _train(submission, sizes, activation, model_seed, X, y, **kw):
    r = submission.probe("mlp_train", sizes=sizes, activation=activation, model_seed=model_seed,
                         X=X, y=y, _where="train", **kw)
    losses = r["losses"]
    epochs = kw.get("epochs", 100)
    if not isinstance(losses, (list, tuple)) or len(losses) != epochs:
        fail(f"train(..., epochs={epochs}) must return a list of {epochs} floats (one per "
             "epoch), got " + (f"{len(losses)} values" if isinstance(losses, (list, tuple))
                               else f"a {type(losses).__name__}"))
    values = []
    for v in losses:
        a = np.asarray(as_array(v, "each epoch's loss"), dtype=np.float64)
        if a.size != 1:
            fail(f"each epoch's loss must be a single number, got shape {a.shape}")
        values.append(float(a.reshape(())))
    return r, np.array(values)


def _ref_history(sizes, activation, model_seed, X, y, *, lr, epochs, batch_size, seed,
                 variant=None):
    """(epoch losses, final params) of the reference, or of a common deviation (for hints).

    ``variant="shuffle_in_place"`` is an accepted reading of the spec: one index array
    shuffled in place by ``rng.shuffle`` every epoch (instead of a fresh ``rng.permutation(N)``).
    """
    model = _ref_model(sizes, activation, model_seed)
    if variant is None:
        history = ref.train(model, X, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=seed)
        return np.array(history), model.params
    N = X.shape[0]
    rng = np.random.default_rng(seed)
    order = np.arange(N)
    history = []
    for _ in range(epochs):
        if variant == "rng_per_epoch":
            rng = np.random.default_rng(seed)
        if variant == "shuffle_in_place":
            rng.shuffle(order)
        elif variant != "no_shuffle":
            order = rng.permutation(N)
        stop = N - N % batch_size if variant == "drop_last" and N >= batch_size else N
        losses, sizes_seen = [], []
        for start in range(0, stop, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = model.loss(X[idx], y[idx])
            for k in model.params:
                model.params[k] -= lr * grads[k]
            losses.append(loss)
            sizes_seen.append(len(idx))
        if variant == "weighted":
            history.append(float(np.dot(losses, sizes_seen) / sum(sizes_seen)))
        else:
            history.append(float(np.mean(losses)))
    return np.array(history), model.params


TRAIN_HINTS = {
    "rng_per_epoch": "you make a new rng every epoch: make ONE rng = np.random.default_rng(seed) "
                     "per call of train and draw rng.permutation(N) from it at every epoch",
    "no_shuffle": "you do not shuffle: draw order = rng.permutation(N) at every epoch",
    "drop_last": "you drop the last partial minibatch: keep it (order[start:start + batch_size])",
    "weighted": "you weight the minibatch losses by their size: an epoch's loss is the "
                "UNWEIGHTED mean of its minibatch losses",
}


@task("train")
@settings(max_examples=3)
@given(seed=S.seeds, epochs=st.integers(1, 6))
def test_train_returns_epoch_losses(submission, seed, epochs):
    """train returns one finite float per epoch"""
    X, y = S.mlp_data(seed, 20, 3, 2)
    _, losses = _train(submission, [3, 4, 2], "relu", seed, X, y, lr=0.05, epochs=epochs,
                       batch_size=8, seed=seed)
    if not np.all(np.isfinite(losses)):
        fail("train returned NaN/inf losses")


@task("train")
def test_train_lowers_the_loss(submission):
    """train lowers the loss (sigmoid MLP on XOR)"""
    X, y = xor(120, noise=0.1, seed=3)
    _, losses = _train(submission, [2, 8, 2], "sigmoid", 1, X, y, lr=0.5, epochs=60,
                       batch_size=16, seed=1)
    if not losses[-1] < 0.5 * losses[0]:
        fail(f"the loss went from {losses[0]:.4g} (epoch 1) to {losses[-1]:.4g} (epoch 60): "
             "expected it to at least halve")


@task("train")
def test_train_xor_accuracy(submission):
    """train reaches at least 95% held-out accuracy on XOR (2-8-2 ReLU MLP, 50 epochs)"""
    X, y = xor(200, noise=0.1, seed=0)
    Xt, yt = xor(200, noise=0.1, seed=1)
    r, losses = _train(submission, [2, 8, 2], "relu", 0, X, y, lr=0.1, epochs=50,
                       batch_size=16, seed=0, eval_X=Xt, eval_y=yt)
    acc = float(np.asarray(r["accuracy"]).reshape(()))
    if not acc >= 0.95:
        fail(f"held-out accuracy on XOR after training is {acc:.3f}, expected >= 0.95 "
             f"(training loss went from {losses[0]:.3g} to {losses[-1]:.3g})")


@task("train")
def test_train_spirals_accuracy(submission):
    """train reaches at least 85% held-out accuracy on two spirals (2-32-32-2 ReLU, 200 epochs)"""
    X, y = two_spirals(300, noise=0.2, seed=0)
    Xt, yt = two_spirals(300, noise=0.2, seed=1)
    r, losses = _train(submission, [2, 32, 32, 2], "relu", 0, X, y, lr=0.1, epochs=200,
                       batch_size=16, seed=0, eval_X=Xt, eval_y=yt)
    acc = float(np.asarray(r["accuracy"]).reshape(()))
    if not acc >= 0.85:
        fail(f"held-out accuracy on two spirals after training is {acc:.3f}, expected >= 0.85 "
             f"(training loss went from {losses[0]:.3g} to {losses[-1]:.3g})")


@task("train")
@settings(max_examples=8)
@given(seed=S.seeds, n=st.integers(5, 40), batch_size=st.integers(1, 16),
       epochs=st.integers(1, 4), activation=S.activations)
def test_train_follows_the_seeded_order(submission, seed, n, batch_size, epochs, activation):
    """train gives the expected losses and parameters for given seeds (shuffling convention)"""
    sizes = [3, 6, 3]
    X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
    kw = dict(lr=0.1, epochs=epochs, batch_size=batch_size, seed=seed)
    r, losses = _train(submission, sizes, activation, seed, X, y, **kw)
    expected, params = _ref_history(sizes, activation, seed, X, y, **kw)
    if S.rel_error(losses, expected) > 1e-6:
        accepted, accepted_params = _ref_history(sizes, activation, seed, X, y,
                                                 variant="shuffle_in_place", **kw)
        if S.rel_error(losses, accepted) <= 1e-6:
            expected, params = accepted, accepted_params
    if S.rel_error(losses, expected) > 1e-6:
        hint = None
        for variant, text in TRAIN_HINTS.items():
            alt, _ = _ref_history(sizes, activation, seed, X, y, variant=variant, **kw)
            if S.rel_error(alt, expected) > 1e-6 and S.rel_error(losses, alt) <= 1e-6:
                hint = text
                break
        fail(f"train's epoch losses are not the expected ones (N={n}, batch_size={batch_size}, "
             f"epochs={epochs}): relative error {S.rel_error(losses, expected):.3g}; "
             + (hint or "one rng = np.random.default_rng(seed) per call, order = "
                "rng.permutation(N) each epoch, minibatches order[k:k + batch_size] (last "
                "partial one kept), SGD step params -= lr * grads after each minibatch, epoch "
                "loss = unweighted mean of its minibatch losses"))
    for k, v in params.items():
        expect_close(r["params"].get(k), v, f"params[{k!r}] after training", rtol=1e-6)
    expect_unchanged(X, r["X_after"], "X")
    expect_unchanged(y, r["y_after"], "y")


@task("train")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, c=st.integers(2, 4))
def test_accuracy_values(submission, seed, n, c):
    """accuracy is the fraction of rows whose highest score is the label"""
    sizes = [3, 5, c]
    params = S.mlp_params(seed, sizes, scale=3.0)
    X, y = S.mlp_data(seed, n, 3, c)
    got = submission.probe("mlp_accuracy", sizes=sizes, activation="relu", seed=seed,
                           params=params, X=X, y=y, _where="accuracy")
    expected = ref.accuracy(_ref_model(sizes, "relu", seed, params), X, y)
    expect_scalar_close(got, expected, "accuracy(model, X, y)", rtol=1e-12, atol=1e-12)


@task("train")
def test_train_rejects_bad_input(submission):
    """train raises ValueError naming batch_size or y for bad arguments"""
    X, y = S.mlp_data(0, 10, 3, 2)
    model = ([3, 4, 2], "relu", 0)
    cases = [("batch_size=0", [X, y], {"batch_size": 0, "epochs": 1}, ("batch_size",)),
             ("batch_size=-4", [X, y], {"batch_size": -4, "epochs": 1}, ("batch_size",)),
             ("y of length 9 for 10 rows of X", [X, y[:9]], {"epochs": 1}, ("y",))]
    for what, args, kwargs, names in cases:
        S.expect_value_error(submission.probe("raised", call="train", args=args, kwargs=kwargs,
                                              model=model, _where="train"),
                             f"train with {what}", names)


# ------------------------------------------------------------------------------------ torch
def _torch(submission, sizes, activation, seed, params, X, y):
    r = submission.probe("torch_model", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, y=y, _where="to_torch")
    if not r["is_module"]:
        fail(f"to_torch must return a torch.nn.Sequential, got {r['type']}")
    return r


@task("torch")
@settings(max_examples=4)
@given(activation=S.activations, seed=S.seeds)
def test_to_torch_layers(submission, activation, seed):
    """to_torch: nn.Sequential of nn.Linear and the activation, float64, weights = W.T"""
    sizes = [4, 6, 5, 3]
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, 5, sizes[0], sizes[-1])
    r = _torch(submission, sizes, activation, seed, params, X, y)
    if not r["is_sequential"]:
        fail(f"to_torch must return a torch.nn.Sequential, got {r['type']}")
    act = "ReLU" if activation == "relu" else "Sigmoid"
    want = ["Linear", act, "Linear", act, "Linear"]
    if r["layers"] != want:
        fail(f"to_torch(MLP({sizes}, {activation!r})) has layers {r['layers']}, expected {want}")
    if r["dtypes"] != ["torch.float64"]:
        fail(f"the torch model's parameters have dtypes {r['dtypes']}, expected torch.float64 "
             "only (nn.Linear(..., dtype=torch.float64))")
    for k, v in params.items():
        expect_close(r["weights"].get(k), v, f"the torch model's {k}",
                     hint="nn.Linear computes x @ weight.T + bias: its weight is W.T")


@task("torch")
@settings(max_examples=6)
@given(sizes=S.layer_sizes, activation=S.activations, seed=S.seeds, n=S.batch_sizes)
def test_to_torch_scores_and_gradients(submission, sizes, activation, seed, n):
    """to_torch gives the right scores, and autograd gradients equal to the right MLP.loss gradients"""
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
    r = _torch(submission, sizes, activation, seed, params, X, y)
    if "forward_error" in r:
        fail(f"running the torch model on float64 inputs failed: {r['forward_error']}")
    model = _ref_model(sizes, activation, seed, params)
    expect_close(r["scores"], model.forward(X), "the torch model's scores")
    _, grads = model.loss(X, y)
    for k in _keys(sizes):
        if k not in r["grads"]:
            fail(f"no autograd gradient for {k}: every nn.Linear needs requires_grad parameters")
        expect_close(r["grads"][k], grads[k], f"torch autograd gradient of {k}")
