"""Hidden tests: inputs a function cannot handle raise ValueError naming the argument, each in
the function's own task and only after the function's values are right (no points without
right values)."""
import os
import sys

from autograder.testing import expect_value_error, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

MAKE_MLP_CASES = [
    (dict(in_dim=2, width=4, depth=0, out_dim=2), "depth"),
    (dict(in_dim=2, width=4, depth=2, out_dim=2, activation="gelu"), "activation"),
    (dict(in_dim=2, width=0, depth=2, out_dim=2), "width"),
]
INIT_SIZES = (40, 120, 30)


def _expect_value_error(submission, fn, kwargs, word):
    """``fn(**kwargs)`` (init_weights on a small model) raises ValueError naming ``word``."""
    info = submission.probe("value_error_probe", fn=fn, kwargs=kwargs, _where=fn)
    expect_value_error(info, f"{fn}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())})", word)


@task("make_mlp")
def test_bad_arguments_raise_value_error(submission):
    """make_mlp: bad depth, width or activation raise ValueError naming it"""
    R.expect_make_mlp_forward(submission, S.mlp_case(
        dict(in_dim=3, width=4, depth=2, out_dim=2, activation="tanh", residual=False), 0, 3))
    for kwargs, word in MAKE_MLP_CASES:
        _expect_value_error(submission, "make_mlp", kwargs, word)


@task("init_weights")
def test_init_weights_rejects_unknown_scheme(submission):
    """init_weights: an unknown scheme raises ValueError naming scheme"""
    R.check_init(submission.probe("init_probe", sizes=list(INIT_SIZES), scheme="he", seed=0,
                                  _where="init_weights"), "he", INIT_SIZES)
    _expect_value_error(submission, "init_weights", dict(scheme="lecun"), "scheme")


@task("train_and_measure")
def test_train_and_measure_rejects_bad_arguments(submission):
    """train_and_measure raises ValueError naming data, epochs, batch_size or lr for bad arguments (epochs=0, batch_size=1, one training row, lr=0 and a generator of None are valid)"""
    case = S.train_case(dict(in_dim=3, width=5, depth=2, out_dim=2, activation="tanh",
                             residual=False), n_train=12, n_test=4, epochs=2, batch_size=12,
                        lr=0.2, seed=0)
    _expect_train_values(submission, case)
    none = R.run_train(submission, case._replace(epochs=0), 0.0)["result"]
    R.check_train_result(none, epochs=0, n_layers=len(case.sizes) - 1)
    single = R.run_train(submission, case._replace(epochs=1, batch_size=1), 0.0)["result"]
    R.check_train_result(single, epochs=1, n_layers=len(case.sizes) - 1)
    X_tr, y_tr, X_te, y_te = case.data
    _expect_train_values(submission, case._replace(data=(X_tr[:1], y_tr[:1], X_te, y_te),
                                                   batch_size=1))
    _expect_train_values(submission, case, generator=False)  # one batch: the order is free
    # lr=0: the weights never move. One epoch of one batch of 16 rows: the step's loss is
    # loss_curve[0] exactly (a size-weighted mean too), whatever order the rows come in
    frozen = S.train_case(dict(case.config), n_train=16, n_test=4, epochs=1, batch_size=16,
                          lr=0.0, seed=1)
    first = _expect_train_values(submission, frozen)["result"]["loss_curve"][0]
    _expect_strictly_below(submission, frozen, first)
    good = dict(epochs=1, lr=0.1, batch_size=4, loss_threshold=0.0)
    cases = [("data=(X_train, y_train), without the test split", case.data, {}, "two", "data"),
             ("y_train of 11 labels for 12 rows of X_train", (X_tr, y_tr[:11], X_te, y_te), {},
              "four", "data"),
             ("an empty training split", (X_tr[:0], y_tr[:0], X_te, y_te), {}, "four", "data"),
             ("an empty test split", (X_tr, y_tr, X_te[:0], y_te[:0]), {}, "four", "data"),
             ("epochs=-1", case.data, {"epochs": -1}, "four", "epochs"),
             ("batch_size=0", case.data, {"batch_size": 0}, "four", "batch_size"),
             ("lr=-0.1", case.data, {"lr": -0.1}, "four", "lr")]
    for what, data, kwargs, split, word in cases:
        info = submission.probe("train_raised", sizes=list(case.sizes), activation="tanh",
                                residual=False, weights=case.weights, data=data,
                                kwargs={**good, **kwargs}, split=split, _where="train_and_measure")
        expect_value_error(info, f"train_and_measure with {what}", word)


def _expect_train_values(submission, case, generator=True):
    """train_and_measure's values on ``case`` (one batch per epoch, or batches of one row);
    returns the probe's report."""
    steps, _ = R.replica(case)
    threshold, _ = R.pick_threshold(steps, case.seed)
    info = R.run_train(submission, case, threshold, generator)
    R.expect_train_values(info, case, threshold)
    return info


def _expect_strictly_below(submission, case, first):
    """A one-step run whose loss is ``first`` (your own run's loss_curve[0]): a threshold of
    exactly that is not strictly undercut."""
    got = R.run_train(submission, case, first)["result"]["steps_to_threshold"]
    if got is not None:
        fail(f"train_and_measure (one step) with loss_threshold equal to that step's loss "
             f"{first!r} gave steps_to_threshold={got!r}; a step counts only when its loss is "
             "strictly below the threshold (use <, not <=), so it should be None")
