"""Hidden tests of train_and_measure and depth_study."""
import os
import sys

import numpy as np
import torch
from hypothesis import given, strategies as st

from autograder.testing import expect_close, expect_scalar_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@st.composite
def train_cases(draw, full_batch=False):
    cfg = draw(S.mlp_configs(max_depth=3, max_width=8))
    cfg["out_dim"] = draw(st.integers(2, 3))
    n_train = draw(st.integers(10, 40))
    n_test = draw(st.integers(1, 12))
    epochs = draw(st.integers(1, 4))
    if full_batch:
        batch_size = draw(st.integers(n_train, n_train + 5))
    else:
        batch_size = draw(st.integers(3, max(3, n_train // 2)).filter(lambda b: n_train % b != 0))
    lr = draw(st.sampled_from([0.05, 0.2, 0.5]))
    return cfg, n_train, n_test, epochs, batch_size, lr, draw(S.seeds)


def _setup(case):
    cfg, n_train, n_test, epochs, batch_size, lr, seed = case
    sizes = S.layer_sizes(cfg["in_dim"], cfg["width"], cfg["depth"], cfg["out_dim"])
    weights = S.mlp_weights(seed, sizes, gain=2.0)
    X, y = S.classification(seed + 1, n_train + n_test, cfg["in_dim"], cfg["out_dim"])
    data = (X[:n_train], y[:n_train], X[n_train:], y[n_train:])
    return cfg, sizes, weights, data, epochs, batch_size, lr, seed


def _run(submission, cfg, sizes, weights, data, epochs, batch_size, lr, seed, threshold):
    return submission.probe("train_probe", sizes=list(sizes), activation=cfg["activation"],
                            residual=cfg["residual"], weights=weights, data=data, epochs=epochs,
                            lr=lr, batch_size=batch_size, seed=seed, loss_threshold=threshold,
                            _where="train_and_measure")


def _reference(cfg, sizes, weights, data, epochs, batch_size, lr, seed, threshold):
    import probes as P
    model = P.build_mlp(sizes, cfg["activation"], cfg["residual"], weights)
    tdata = tuple(torch.as_tensor(a) for a in data)
    res = R.ref().train_and_measure(model, tdata, epochs=epochs, lr=lr, batch_size=batch_size,
                                    generator=torch.Generator().manual_seed(seed),
                                    loss_threshold=threshold)
    return res, [p.detach().numpy() for p in model.parameters()]


@task("train_and_measure")
@given(case=train_cases())
def test_train_and_measure_keys_types_lengths(submission, case):
    """train_and_measure: the five keys, Python types, one loss and one grad-norm list per epoch"""
    cfg, sizes, weights, data, epochs, batch_size, lr, seed = _setup(case)
    info = _run(submission, cfg, sizes, weights, data, epochs, batch_size, lr, seed, 0.5)
    R.check_train_result(info["result"], epochs=epochs, n_layers=len(sizes) - 1)
    if any(s == "nonzero" for s in info["grads_after"]):
        fail("train_and_measure left gradients in the model after training "
             "(zero them at the end, as layer_grad_norms does)")


def _pick_threshold(steps, seed):
    """A threshold that the run first crosses at a well separated step, or never crosses."""
    r = np.random.default_rng(seed)
    candidates = [k for k in range(len(steps)) if R.threshold_between(steps, k) is not None]
    pick = int(r.integers(len(candidates) + 1))
    if pick == len(candidates):
        return 0.5 * min(steps), None
    k = candidates[pick]
    return R.threshold_between(steps, k), k + 1


@task("train_and_measure")
@given(case=train_cases(full_batch=True))
def test_train_and_measure_full_batch_values(submission, case):
    """train_and_measure (one batch per epoch): loss curve, steps_to_threshold, accuracy, grad norms and weights"""
    cfg, sizes, weights, data, epochs, batch_size, lr, seed = _setup(case)
    steps, _ = R.train_replica(sizes, cfg["activation"], cfg["residual"], weights, data,
                               epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    threshold, first = _pick_threshold(steps, seed)
    info = _run(submission, cfg, sizes, weights, data, epochs, batch_size, lr, seed, threshold)
    res = info["result"]
    R.check_train_result(res, epochs=epochs, n_layers=len(sizes) - 1)
    exp, params = _reference(cfg, sizes, weights, data, epochs, batch_size, lr, seed, threshold)
    expect_close(np.array(res["loss_curve"]), np.array(exp["loss_curve"]), "loss_curve", rtol=1e-6)
    _check_steps(res["steps_to_threshold"], exp["steps_to_threshold"])
    expect_scalar_close(res["test_accuracy"], exp["test_accuracy"], "test_accuracy", rtol=1e-6)
    expect_close(np.array(res["grad_norms"]), np.array(exp["grad_norms"]),
                 "grad_norms (full training split, end of each epoch)", rtol=1e-5, atol=1e-12)
    for i, (p, e) in enumerate(zip(info["params"], params)):
        expect_close(p, e, f"parameter {i} after training", rtol=1e-6, atol=1e-12)


def _check_steps(got, exp):
    if got == exp:
        return
    if exp is not None and got == exp - 1:
        fail(f"steps_to_threshold is {got}, one less than it should be: it is the 1-based index "
             "of the first optimizer step whose minibatch loss (before the update) is below the "
             "threshold")
    if exp is not None and got == exp + 1:
        fail(f"steps_to_threshold is {got}, one more than it should be: use the loss computed in "
             "that step, before the update, and count steps from 1")
    fail(f"steps_to_threshold is {got!r}; " + ("expected None (never below the threshold)"
                                                 if exp is None else "it should be the 1-based index of the first step "
                                                 "whose minibatch loss is strictly below loss_threshold"))


@task("train_and_measure")
@given(case=train_cases())
def test_train_and_measure_minibatches(submission, case):
    """train_and_measure: shuffled minibatches from the generator, a partial last minibatch, unweighted mean"""
    cfg, sizes, weights, data, epochs, batch_size, lr, seed = _setup(case)
    run = dict(epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)
    replicas = {mode: R.train_replica(sizes, cfg["activation"], cfg["residual"], weights, data,
                                      shuffle=mode, **run) for mode in R.SHUFFLES}
    steps = replicas["randperm"][0]
    threshold, _ = _pick_threshold(steps, seed + 1)
    info = _run(submission, cfg, sizes, weights, data, epochs, batch_size, lr, seed, threshold)
    res = info["result"]
    R.check_train_result(res, epochs=epochs, n_layers=len(sizes) - 1)
    got = np.array(res["loss_curve"])
    matched = [m for m in R.SHUFFLES if R.norm_rel_error(got, replicas[m][1]) < 1e-6]
    if not matched:
        hint = ("shuffle each epoch with perm = torch.randperm(N, generator=generator) and take "
                "minibatches perm[i:i + batch_size] in order (or use DataLoader(..., shuffle=True, "
                "generator=generator))")
        for mode in R.SHUFFLES:
            for kw, text in ((dict(weighted=True), "you weighted minibatches by their size; the "
                              "curve is the plain (unweighted) mean of the epoch's minibatch losses"),
                             (dict(drop_last=True), "you dropped the last, partial minibatch; train "
                              "on it and include its loss")):
                _, alt = R.train_replica(sizes, cfg["activation"], cfg["residual"], weights, data,
                                         shuffle=mode, **run, **kw)
                if R.norm_rel_error(got, alt) < 1e-6:
                    hint = text
        expect_close(got, np.array(replicas["randperm"][1]), "loss_curve", rtol=1e-6, hint=hint)
    steps = replicas[matched[0]][0]
    if any(abs(v - threshold) <= 1e-9 * abs(threshold) for v in steps):
        return  # too close to call
    first = next((k + 1 for k, v in enumerate(steps) if v < threshold), None)
    _check_steps(res["steps_to_threshold"], first)


# ----------------------------------------------------------------------------- depth_study
SPIRALS = S.spirals()
STUDY = dict(width=32, activation="sigmoid", init="xavier", epochs=10, lr=0.1, batch_size=64,
             loss_threshold=0.6)


@task("depth_study")
def test_depth_study_shows_vanishing_gradients_and_the_residual_fix(submission):
    """depth_study (sigmoid, 2/5/10/20 layers): plain first-layer gradient vanishes with depth, residual does not"""
    res = submission.probe("depth_study_probe", data=SPIRALS, seed=0, **STUDY, _where="depth_study")
    if not isinstance(res, list) or not all(isinstance(r, dict) for r in res):
        fail(f"depth_study must return a list of dicts, got {type(res).__name__}")
    pairs = [(r.get("depth"), r.get("residual")) for r in res]
    expected_pairs = [(d, b) for d in (2, 5, 10, 20) for b in (False, True)]
    if pairs != expected_pairs:
        fail(f"depth_study returned the (depth, residual) pairs {pairs}; expected one run per "
             "pair, depth in the outer loop and residual in the inner one")
    first = {}
    for r in res:
        missing = [k for k in ("depth", "residual", "activation") + R.TRAIN_KEYS if k not in r]
        if missing:
            fail(f"each depth_study dict holds depth, residual, activation and every "
                 f"train_and_measure key; missing {missing}")
        if r["activation"] != "sigmoid":
            fail(f"depth_study's 'activation' entry is {r['activation']!r}, expected 'sigmoid'")
        R.check_train_result({k: r[k] for k in R.TRAIN_KEYS}, epochs=STUDY["epochs"],
                             n_layers=r["depth"] + 1)
        first[(r["depth"], r["residual"])] = r["grad_norms"][-1][0]
    plain = [first[(d, False)] for d in (2, 5, 10, 20)]
    resid = [first[(d, True)] for d in (2, 5, 10, 20)]
    desc = ", ".join(f"{g:.2g}" for g in plain)
    for (d0, g0), (d1, g1) in zip(zip((2, 5, 10), plain), zip((5, 10, 20), plain[1:])):
        if not g1 < 0.1 * g0:
            fail(f"without residual connections the first layer's gradient norm should fall by "
                 f"more than 10x from depth {d0} to {d1}; your depth_study gives {desc} for depths "
                 "2/5/10/20 (check make_mlp, init_weights('xavier') and layer_grad_norms)")
    if not min(resid) > 0.1 * resid[0]:
        fail("with residual connections the first layer's gradient norm should stay within 10x of "
             "depth 2's; your depth_study gives " + ", ".join(f"{g:.2g}" for g in resid)
             + " for depths 2/5/10/20 (do the residual blocks add the skip?)")
    if not resid[-1] > 1e3 * plain[-1]:
        fail("at depth 20 the residual network's first-layer gradient should be more than 1000x "
             "the plain network's")


@task("depth_study")
def test_depth_study_runs_are_reproducible(submission):
    """depth_study: every run is reproducible on its own (init and shuffling seeded from the generator's seed)"""
    kw, seed = dict(STUDY, epochs=2), 3
    full = submission.probe("depth_study_probe", data=SPIRALS, seed=seed, depths=(2, 5),
                            **kw, _where="depth_study")
    alone = submission.probe("depth_study_probe", data=SPIRALS, seed=seed, depths=(5,),
                             residual=(True,), **kw, _where="depth_study")
    try:
        a, b = alone[0], full[3]
        same = a["loss_curve"] == b["loss_curve"] and a["grad_norms"] == b["grad_norms"]
    except (TypeError, KeyError, IndexError):
        fail("depth_study(depths=(2, 5)) must return 4 dicts and depth_study(depths=(5,), "
             "residual=(True,)) one, with loss_curve and grad_norms")
    if not same:
        fail("the run (depth 5, residual) gave different results alone than after other runs: "
             "seed a fresh generator for init_weights and one for shuffling from "
             "generator.initial_seed() for every run")
