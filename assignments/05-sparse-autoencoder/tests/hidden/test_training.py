"""Hidden tests of train_sparse_ae (kept tiny: the KL target-rate run on the course's patches is
checked on the reference by the project's own tests, with the settings the handout states)."""
import os
import sys

import numpy as np
import torch
from hypothesis import given, settings, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

X = S.patches(48, seed=1).astype(np.float64)
TINY = dict(epochs=3, lr=1e-2, n_hidden=6, batch_size=16)


def _check_run(run, epochs, what):
    if run["type"] not in ("tuple", "list") or "history" not in run:
        fail(f"train_sparse_ae must return (model, history), got {run['type']}")
    if not run["is_module"]:
        fail("train_sparse_ae's first result must be the trained nn.Module")
    history = run["history"]
    if not isinstance(history, dict) or set(history) != {"total", "recon", "penalty"}:
        fail("history must be a dict with exactly the keys 'total', 'recon', 'penalty'")
    for key, values in history.items():
        if not isinstance(values, list) or len(values) != epochs:
            fail(f"history['{key}'] must be a list with one value per epoch ({epochs}) {what}")
        if not all(isinstance(v, float) and np.isfinite(v) for v in values):
            fail(f"history['{key}'] must hold finite Python floats (use .item())")
    total, recon, penalty = (np.array(history[k]) for k in ("total", "recon", "penalty"))
    expect_close(total, recon + penalty, f"history['total'] (recon + penalty per epoch) {what}",
                 rtol=1e-9, atol=1e-12)


@task("train_sparse_ae")
@given(method=st.sampled_from(["kl", "l1"]))
@settings(max_examples=2)
def test_train_sparse_ae_reproducible_histories(submission, method):
    """train_sparse_ae: per-epoch histories of the right length, the loss goes down, the same generator seed gives the same run"""
    runs = submission.probe("train_probe", X=X, method=method, seeds=[5, 5, 6],
                            _where="train_sparse_ae", **TINY)
    for run in runs:
        _check_run(run, TINY["epochs"], f"(method={method!r})")
    recon = runs[0]["history"]["recon"]
    if not recon[-1] < recon[0]:
        fail(f"history['recon'] does not go down over {TINY['epochs']} epochs of Adam at lr 1e-2 "
             f"({recon[0]:.4g} -> {recon[-1]:.4g}): is the model trained (zero_grad, backward, step)?")
    a, b, c = runs
    same = a["history"] == b["history"] and len(a["params"]) == len(b["params"]) and all(
        np.array_equal(p.array, q.array) for p, q in zip(a["params"], b["params"]))
    if not same:
        fail("two runs with generators of the same seed differ (the global RNG was reseeded in "
             "between): draw the initial weights AND every epoch's permutation from `generator`")
    if all(np.array_equal(p.array, q.array) for p, q in zip(a["params"], c["params"])):
        fail("runs with generators of different seeds give the same weights: the initial "
             "weights must be drawn from `generator`")


@task("train_sparse_ae")
def test_train_sparse_ae_follows_the_handout_recipe(submission):
    """Integration: train_sparse_ae (and your SparseAutoencoder, penalties and sparse_ae_loss) follows the handout's recipe (init draws, one randperm per epoch, Adam) for every method"""
    Xs = X[:20]
    kwargs = dict(epochs=2, lr=5e-3, n_hidden=5, batch_size=8)
    for method, extra in (("none", {}), ("l1", {"lam": 0.05}), ("kl", {"rho": 0.1, "beta": 1.0}),
                          ("k_sparse", {"k": 2})):
        run = submission.probe("train_probe", X=Xs, method=method, seeds=[11], own_code=True,
                               _where="train_sparse_ae", **kwargs, **extra)[0]
        _check_run(run, kwargs["epochs"], f"(method={method!r})")
        model, history = R.ref.train_sparse_ae(R.t(Xs), method=method,
                                               generator=torch.Generator().manual_seed(11),
                                               **kwargs, **extra)
        for key in ("total", "recon", "penalty"):
            expect_close(np.array(run["history"][key]), np.array(history[key]),
                         f"history['{key}'] (method={method!r})", rtol=1e-6, atol=1e-12,
                         hint="follow the handout's recipe exactly: the init draws (weight then "
                              "bias, encoder then decoder), one torch.randperm per epoch from "
                              "the generator, minibatches in that order, Adam(lr)")


@task("train_sparse_ae")
def test_train_sparse_ae_rejects_bad_arguments(submission):
    """train_sparse_ae raises ValueError naming method for an unknown method and naming X for data that is not 2-D"""
    Xs = S.inputs(4, 12, 6)
    R.expect_right_values(submission, "train_sparse_ae", X=Xs, seed=0, method="none", epochs=1,
                          lr=1e-2, n_hidden=3, batch_size=8)
    bad = dict(epochs=1, lr=0.1, generator=None, n_hidden=3)
    R.expect_value_errors(submission, "train_sparse_ae", [(dict(X=Xs, method="l2", **bad), "method"),
                                                          (dict(X=Xs[0], method="none", **bad), "X"),
                                                          (dict(X=Xs[None], method="none", **bad), "X")])
