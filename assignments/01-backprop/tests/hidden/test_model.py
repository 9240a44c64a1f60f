"""Hidden tests of the model: MLP, train, accuracy and to_torch.

One mistake, one task: MLP.forward/MLP.loss are graded on their own logic: they run with the
course's layer functions in place of yours (probes' ``course_layers``, standins.py), so a
layer's bug costs points in that layer's task only; train, accuracy and to_torch get course-side stand-ins
(probes.CourseModel, GivenScores, GivenMLP), never your MLP. The integration tests (the MLP
built from your layers, trained by your train) are named so in the handout and carry 1 point.
"""
import math

import numpy as np
from hypothesis import example, given, settings, strategies as st

from autograder.testing import (as_array, expect_close, expect_scalar_close,
                                expect_shape, expect_unchanged, fail, reference, task)
from coursedata import two_spirals, xor
import probes
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


def _loss(submission, sizes, activation, seed, params, X, y, course_layers=False):
    r = submission.probe("mlp_loss", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, y=y, course_layers=course_layers, _where="MLP.loss")
    if "bad_loss" in r:
        fail(f"MLP.loss must return (loss, grads), got a {r['bad_loss']}")
    return r


def _expect_mlp_loss(r, sizes, activation, seed, params, X, y):
    """MLP.loss's result ``r`` (run with the course's layers) is the reference's."""
    what = f"MLP({sizes}, {activation!r}).loss(X, y)"
    loss, grads = _ref_model(sizes, activation, seed, params).loss(X, y)
    expect_scalar_close(r["loss"], loss, f"{what}[0]", rtol=1e-7, atol=1e-12)
    S.expect_grads_like(r["grads"], grads, f"{what}'s grads")
    for k in grads:
        expect_close(r["grads"][k], grads[k], f"{what}'s grads[{k!r}]")


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
    X, _ = S.mlp_data(seed, n, sizes[0], sizes[-1])
    r = submission.probe("mlp_forward", sizes=sizes, activation=activation, seed=seed,
                         params=params, X=X, course_layers=True, _where="MLP.forward")
    expect_close(r["scores"], _ref_model(sizes, activation, seed, params).forward(X),
                 f"MLP({sizes}, {activation!r}).forward(X)")


@task("mlp")
@given(sizes=S.layer_sizes, activation=S.activations, seed=S.seeds, n=S.batch_sizes)
def test_mlp_loss_values(submission, sizes, activation, seed, n):
    """MLP.loss returns the right loss and gradients"""
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
    r = _loss(submission, sizes, activation, seed, params, X, y, course_layers=True)
    _expect_mlp_loss(r, sizes, activation, seed, params, X, y)


@task("mlp")
@settings(max_examples=3)
@given(seed=S.seeds)
def test_mlp_loss_gradient_check(submission, seed):
    """Integration: the MLP built from your layers: its loss is right and MLP.loss's gradients are its numerical derivatives"""
    for activation in ("sigmoid", "relu"):
        for sizes, n, ndirs in (([3, 4, 3], 5, None), ([10, 32, 32, 4], 32, 3)):
            params = S.mlp_params(seed, sizes)
            X, y = S.mlp_data(seed, n, sizes[0], sizes[-1])
            r = _loss(submission, sizes, activation, seed, params, X, y)
            what = f"MLP({sizes}, {activation!r}).loss"
            expect_scalar_close(r["loss"], _ref_model(sizes, activation, seed, params).loss(X, y)[0],
                                f"{what}(X, y)[0] (needed before this check counts)", rtol=1e-7,
                                atol=1e-12)
            S.expect_grads_like(r["grads"], params, f"{what}'s grads")
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
            what = f"{what} gradients"
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
    """MLP.loss leaves X, y and the params unchanged"""
    sizes = [4, 5, 3]
    params = S.mlp_params(seed, sizes)
    X, y = S.mlp_data(seed, 6, sizes[0], sizes[-1])
    r = _loss(submission, sizes, activation, seed, params, X, y, course_layers=True)
    _expect_mlp_loss(r, sizes, activation, seed, params, X, y)
    expect_unchanged(X, r["X_after"], "X")
    expect_unchanged(y, r["y_after"], "y")
    for k, v in params.items():
        expect_unchanged(v, r["params_after"].get(k), f"params[{k!r}]")


@task("mlp")
def test_mlp_rejects_bad_activation(submission):
    """MLP raises ValueError naming activation or layer_sizes for an unknown activation or fewer than 2 sizes or a size < 1"""
    cases = [([3, 4, 2], "tanh", "activation"), ([3, 4, 2], "softmax", "activation"),
             ([3], "relu", "layer_sizes"), ([3, 0, 2], "relu", "layer_sizes")]
    for sizes, activation, name in cases:
        report = submission.probe("raised", call="MLP", args=[sizes],
                                  kwargs={"activation": activation, "seed": 0}, then="forward",
                                  course_layers=True, _where="MLP")
        S.expect_value_error(report, f"MLP({sizes}, activation={activation!r})", (name,))


# ------------------------------------------------------------------------------------ train
def _epoch_losses(losses, epochs) -> np.ndarray:
    """train's return value: a list of ``epochs`` single numbers."""
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
    return np.array(values)


def _train(submission, sizes, activation, model_seed, X, y, **kw):
    """Integration: train YOUR MLP with your train (and measure it with your accuracy)."""
    r = submission.probe("mlp_train", sizes=sizes, activation=activation, model_seed=model_seed,
                         X=X, y=y, _where="train", **kw)
    return r, _epoch_losses(r["losses"], kw.get("epochs", 100))


def _train_course_model(submission, params, X, y, **kw):
    r = submission.probe("train_course_model", params=params, X=X, y=y, _where="train", **kw)
    return r, _epoch_losses(r["losses"], kw["epochs"])


def _expect_minibatch_sgd(r, losses, params, X, y, *, lr, epochs, batch_size, seed):
    """train's minibatches (whatever their order) split each epoch's permutation of the rows
    into batches of batch_size (last partial one kept); the losses and final params are those
    of SGD on exactly these minibatches, and X and y are unchanged."""
    n = X.shape[0]
    per_epoch = math.ceil(n / batch_size)
    batches = r["batches"]
    where = f"(N={n}, batch_size={batch_size}, epochs={epochs})"
    if len(batches) != epochs * per_epoch:
        fail(f"train called model.loss {len(batches)} times {where}: expected {per_epoch} "
             "minibatches per epoch, order[k:k + batch_size] for k = 0, batch_size, ... (the "
             "last partial one kept)")
    sizes = [batch_size] * (per_epoch - 1) + [n - batch_size * (per_epoch - 1)]
    for e in range(epochs):
        chunk = batches[e * per_epoch:(e + 1) * per_epoch]
        if any(i is None for b in chunk for i in b):
            fail("train passed model.loss rows that are not rows of X: pass X[idx], y[idx]")
        if [len(b) for b in chunk] != sizes or sorted(i for b in chunk for i in b) != list(range(n)):
            fail(f"train's minibatches of epoch {e + 1} {where} have sizes {[len(b) for b in chunk]}"
                 f" or do not hold every row once: expected sizes {sizes}, the minibatches "
                 "order[k:k + batch_size] of one permutation order of the N rows")
    model = probes.CourseModel(params)
    expected, weighted = [], []
    for e in range(epochs):
        seen = []
        for idx in batches[e * per_epoch:(e + 1) * per_epoch]:
            loss, grads = model.loss(X[idx], y[idx])
            for k in model.params:
                model.params[k] -= lr * grads[k]
            seen.append(loss)
        expected.append(float(np.mean(seen)))
        weighted.append(float(np.dot(seen, sizes) / n))
    if S.rel_error(losses, expected) > 1e-6:
        hint = ("an epoch's loss is the UNWEIGHTED mean of its minibatch losses, each computed "
                "before that minibatch's SGD step")
        if S.rel_error(expected, weighted) > 1e-6 and S.rel_error(losses, weighted) <= 1e-6:
            hint = ("you weight the minibatch losses by their size: " + hint)
        fail(f"train's epoch losses are not those of its own minibatches {where}: relative error "
             f"{S.rel_error(losses, expected):.3g}; {hint}")
    for k, v in model.params.items():
        expect_close(r["params"].get(k), v, f"params[{k!r}] after training",
                     rtol=1e-6, hint="one SGD step params -= lr * grads after each minibatch")
    expect_unchanged(X, r["X_after"], "X")
    expect_unchanged(y, r["y_after"], "y")


def _orders(n, epochs, seed, variant=None):
    """Each epoch's order of the rows: the course's convention (one default_rng(seed) per call,
    rng.permutation(N) each epoch), its accepted reading ``shuffle_in_place`` (one index array
    shuffled in place by rng.shuffle), or a common deviation (for hints)."""
    rng, order, out = np.random.default_rng(seed), np.arange(n), []
    for _ in range(epochs):
        if variant == "rng_per_epoch":
            rng = np.random.default_rng(seed)
        if variant == "shuffle_in_place":
            rng.shuffle(order)
        elif variant != "no_shuffle":
            order = rng.permutation(n)
        out.append([int(i) for i in order])
    return out


ORDER_HINTS = {
    "rng_per_epoch": "you make a new rng every epoch: make ONE rng = np.random.default_rng(seed) "
                     "per call of train and draw rng.permutation(N) from it at every epoch",
    "no_shuffle": "you do not shuffle: draw order = rng.permutation(N) at every epoch",
}


def _course_params(seed, d=3, c=3):
    return S.mlp_params(seed, [d, c])


@task("train")
@settings(max_examples=8)
@given(seed=S.seeds, n=st.integers(5, 30), batch_size=st.integers(1, 12),
       epochs=st.integers(1, 4))
@example(seed=0, n=1, batch_size=4, epochs=2)  # one sample is a valid training set
@example(seed=1, n=6, batch_size=4, epochs=0)  # no epoch: an empty list
def test_train_returns_epoch_losses(submission, seed, n, batch_size, epochs):
    """train does minibatch SGD and returns each epoch's mean minibatch loss (whatever the order)"""
    X, y = S.mlp_data(seed, n, 3, 3)
    params = _course_params(seed)
    kw = dict(lr=0.1, epochs=epochs, batch_size=batch_size, seed=seed)
    r, losses = _train_course_model(submission, params, X, y, **kw)
    _expect_minibatch_sgd(r, losses, params, X, y, **kw)


@task("train")
@settings(max_examples=5)
@given(seed=S.seeds, n=st.integers(5, 30), batch_size=st.integers(1, 12),
       epochs=st.integers(1, 4))
def test_train_follows_the_seeded_order(submission, seed, n, batch_size, epochs):
    """train shuffles with the course's convention (one default_rng(seed), rng.permutation(N) each epoch)"""
    X, y = S.mlp_data(seed, n, 3, 3)
    params = _course_params(seed)
    kw = dict(lr=0.1, epochs=epochs, batch_size=batch_size, seed=seed)
    r, losses = _train_course_model(submission, params, X, y, **kw)
    _expect_minibatch_sgd(r, losses, params, X, y, **kw)
    per_epoch = math.ceil(n / batch_size)
    got = [[i for b in r["batches"][e * per_epoch:(e + 1) * per_epoch] for i in b]
           for e in range(epochs)]
    model = probes.CourseModel(params, X)
    ref.train(model, X, y, **kw)
    expected = [[i for b in model.batches[e * per_epoch:(e + 1) * per_epoch] for i in b]
                for e in range(epochs)]
    if got in (expected, _orders(n, epochs, seed, "shuffle_in_place")):
        return
    hint = next((text for variant, text in ORDER_HINTS.items()
                 if got == _orders(n, epochs, seed, variant) != expected), None)
    fail(f"train visits the rows in another order than the course's convention (N={n}, "
         f"batch_size={batch_size}, epochs={epochs}, seed={seed}): "
         + (hint or "one rng = np.random.default_rng(seed) per call of train, order = "
            "rng.permutation(N) at every epoch, minibatches order[k:k + batch_size]"))


@task("train")
def test_train_lowers_the_loss(submission):
    """Integration: your MLP trained by your train: the loss at least halves (sigmoid MLP on XOR)"""
    X, y = xor(120, noise=0.1, seed=3)
    _, losses = _train(submission, [2, 8, 2], "sigmoid", 1, X, y, lr=0.5, epochs=60,
                       batch_size=16, seed=1, measure=False)
    if not losses[-1] < 0.5 * losses[0]:
        fail(f"the loss went from {losses[0]:.4g} (epoch 1) to {losses[-1]:.4g} (epoch 60): "
             "expected it to at least halve")


@task("train")
def test_train_xor_accuracy(submission):
    """Integration: your MLP trained by your train reaches 95% held-out accuracy on XOR (2-8-2 ReLU, 50 epochs)"""
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
    """Integration: your MLP trained by your train reaches 85% held-out accuracy on two spirals (2-32-32-2 ReLU, 200 epochs)"""
    X, y = two_spirals(300, noise=0.2, seed=0)
    Xt, yt = two_spirals(300, noise=0.2, seed=1)
    r, losses = _train(submission, [2, 32, 32, 2], "relu", 0, X, y, lr=0.1, epochs=200,
                       batch_size=16, seed=0, eval_X=Xt, eval_y=yt)
    acc = float(np.asarray(r["accuracy"]).reshape(()))
    if not acc >= 0.85:
        fail(f"held-out accuracy on two spirals after training is {acc:.3f}, expected >= 0.85 "
             f"(training loss went from {losses[0]:.3g} to {losses[-1]:.3g})")


@task("train")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, c=st.integers(2, 4))
def test_accuracy_values(submission, seed, n, c):
    """accuracy is the fraction of rows whose highest score is the label"""
    scores = S.logits(seed, n, c, scale=3.0)
    X, y = S.mlp_data(seed, n, 3, c)
    got = submission.probe("accuracy_of_scores", scores=scores, X=X, y=y, _where="accuracy")
    expected = ref.accuracy(probes.GivenScores(scores), X, y)
    expect_scalar_close(got, expected, "accuracy(model, X, y)", rtol=1e-12, atol=1e-12)


@task("train")
def test_accuracy_rejects_bad_labels(submission):
    """accuracy raises ValueError naming y when y's length is not the number of rows"""
    scores = S.logits(0, 5, 3, scale=3.0)
    X, y = S.mlp_data(0, 5, 3, 3)
    got = submission.probe("accuracy_of_scores", scores=scores, X=X, y=y, _where="accuracy")
    expect_scalar_close(got, ref.accuracy(probes.GivenScores(scores), X, y),
                        "accuracy(model, X, y) (needed before this property counts)",
                        rtol=1e-12, atol=1e-12)
    for bad in (y[:4], np.zeros(6, dtype=np.int64)):
        S.expect_value_error(submission.probe("accuracy_raised", scores=scores, X=X, y=bad,
                                              _where="accuracy"),
                             f"accuracy with y of length {len(bad)} for 5 rows of X", ("y",))


@task("train")
def test_train_rejects_bad_input(submission):
    """train raises ValueError naming X, y, lr, epochs or batch_size for bad arguments"""
    X, y = S.mlp_data(0, 10, 3, 3)
    params = _course_params(0)
    kw = dict(lr=0.1, epochs=2, batch_size=4, seed=0)  # right values first, then the errors
    _expect_minibatch_sgd(*_train_course_model(submission, params, X, y, **kw), params, X, y, **kw)
    cases = [("batch_size=0", [X, y], {"batch_size": 0, "epochs": 1}, ("batch_size",)),
             ("batch_size=-4", [X, y], {"batch_size": -4, "epochs": 1}, ("batch_size",)),
             ("y of length 9 for 10 rows of X", [X, y[:9]], {"epochs": 1}, ("y",)),
             ("epochs=-1", [X, y], {"epochs": -1}, ("epochs",)),
             ("X of shape (10,) (one feature must be (10, 1))", [X[:, 0], y], {"epochs": 1},
              ("X",)),
             ("lr=nan", [X, y], {"lr": float("nan"), "epochs": 1}, ("lr",)),
             ("lr=inf", [X, y], {"lr": float("inf"), "epochs": 1}, ("lr",))]
    for what, args, kwargs, names in cases:
        S.expect_value_error(submission.probe("raised", call="train", args=args, kwargs=kwargs,
                                              course_model=params, _where="train"),
                             f"train with {what}", names)


# ------------------------------------------------------------------------------------ torch
def _torch(submission, sizes, activation, seed, params, X, y):
    """to_torch of a course-side model with the given params (probes.GivenMLP; your MLP only
    when your to_torch needs its attributes, and never its forward or loss)."""
    submission.probe("import_torch", _where="loading torch", _loads_library=True)
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
