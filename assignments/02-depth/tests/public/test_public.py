"""Public tests of depth.py: a sample of what the grader checks (the hidden tests check more).

Run them with `dlcheck 02-depth/depth.py` (add `--task make_mlp` for one function). They call
your code through the same sandbox as the grader; inputs come from strategies.py, so a failing
example can be replayed in a notebook with the same seed.
"""
import math

import numpy as np
import torch
from hypothesis import given, strategies as st

import probes as P
import strategies as S
from autograder.testing import (expect_close, expect_no_device_bug, expect_scalar_close,
                                expect_shape, fail, task)


@task("make_mlp")
@given(cfg=S.mlp_configs(), seed=S.seeds)
def test_public_make_mlp_shapes(submission, cfg, seed):
    """make_mlp: nn.Linear shapes input to output and the right (N, out_dim) scores"""
    sizes = S.layer_sizes(cfg["in_dim"], cfg["width"], cfg["depth"], cfg["out_dim"])
    weights = S.mlp_weights(seed, sizes, dtype=np.float32)
    x = S.inputs(seed, 4, cfg["in_dim"], np.float32)
    info = submission.probe("mlp_forward", config=cfg, weights=weights, x=x, _where="make_mlp")
    if not info["is_module"]:
        fail(f"make_mlp returned a {info['type']}, expected an nn.Module")
    expected = [[b, a] for a, b in zip(sizes[:-1], sizes[1:])]
    if info["linear_shapes"] != expected:
        fail(f"nn.Linear weight shapes {info['linear_shapes']}, expected {expected}")
    out = expect_shape(info["out"], (4, cfg["out_dim"]), "scores")
    model = P.build_mlp(sizes, cfg["activation"], cfg["residual"], weights, dtype=torch.float32)
    with torch.no_grad():
        expected = model(torch.as_tensor(x)).numpy()
    expect_close(out, expected, "make_mlp's scores (vs the tests' own MLP with the same weights)",
                 rtol=1e-4, atol=1e-6)


@task("init_weights")
@given(seed=S.seeds)
def test_public_init_he_variance(submission, seed):
    """init_weights("he"): weight variance about 2/fan_in, biases zero"""
    _he_init(submission, seed)


def _he_init(submission, seed):
    """init_probe for He init, with the variance and zero biases checked."""
    sizes = [40, 120, 40]
    info = submission.probe("init_probe", sizes=sizes, scheme="he", seed=seed, _where="init_weights")
    for W, b, fan_in in zip(info["weights"], info["biases"], sizes[:-1]):
        var = float(np.var(W.array, ddof=1))
        if abs(var / (2 / fan_in) - 1) > 0.2:
            fail(f"weight variance {var:.4g} for fan_in={fan_in}; He init gives 2/fan_in")
        if np.any(b.array != 0):
            fail("biases must be zero")
    return info


@task("layer_grad_norms")
@given(seed=S.seeds, residual=st.booleans())
def test_public_layer_grad_norms(submission, seed, residual):
    """layer_grad_norms equals the norms autograd gives, input to output"""
    _grad_norms(submission, seed, residual, stale=True)


def _grad_norms(submission, seed, residual, stale):
    """grad_norms_probe on a 2-6-6-6-3 tanh MLP, its norms checked against autograd."""
    sizes = [2, 6, 6, 6, 3]
    weights = S.mlp_weights(seed, sizes, gain=2.0)
    X, y = S.classification(seed, 16, 2, 3)
    info = submission.probe("grad_norms_probe", sizes=sizes, activation="tanh", residual=residual,
                            weights=weights, X=X, y=y, stale=stale, _where="layer_grad_norms")
    model = P.build_mlp(sizes, "tanh", residual, weights)
    torch.nn.functional.cross_entropy(model(torch.as_tensor(X)), torch.as_tensor(y)).backward()
    expected = [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if info["norms"] is None or len(info["norms"]) != len(expected):
        fail(f"expected one norm per nn.Linear ({len(expected)})")
    expect_close(np.array(info["norms"]), np.array(expected), "layer_grad_norms", rtol=1e-7)
    return info


@task("clip_grad_norm_")
@given(seed=S.seeds, ratio=st.floats(0.1, 0.9))
def test_public_clip_grad_norm(submission, seed, ratio):
    """clip_grad_norm_ returns the total norm and scales like torch.nn.utils.clip_grad_norm_"""
    _clip(submission, seed, ratio)


def _clip(submission, seed, ratio):
    grads = S.grad_arrays(seed, [(3, 4), (5,)])
    total = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    info = submission.probe("clip_probe", grads=grads, max_norm=ratio * total, _where="clip_grad_norm_")
    expect_scalar_close(info["total"], total, "total norm", rtol=1e-9)
    for g, src in zip(info["grads"], grads):
        expect_close(g, src * (ratio * total) / (total + 1e-6), "clipped gradient", rtol=1e-5)


@task("train_and_measure")
def test_public_train_and_measure_keys(submission):
    """train_and_measure returns the five keys with one entry per epoch and positive losses"""
    _train_keys(submission)


def _train_keys(submission):
    sizes = [2, 8, 8, 2]
    X, y = S.classification(0, 40, 2, 2)
    info = submission.probe("train_probe", sizes=sizes, activation="relu", residual=False,
                            weights=S.mlp_weights(0, sizes), data=(X[:30], y[:30], X[30:], y[30:]),
                            epochs=3, lr=0.1, batch_size=8, seed=0, loss_threshold=0.5,
                            _where="train_and_measure")
    res = info["result"]
    keys = {"train_time_s", "loss_curve", "steps_to_threshold", "test_accuracy", "grad_norms"}
    if not isinstance(res, dict) or not keys <= set(res):
        fail(f"expected a dict with keys {sorted(keys)}")
    if len(res["loss_curve"]) != 3 or len(res["grad_norms"]) != 3:
        fail("loss_curve and grad_norms need one entry per epoch")
    if not all(0 < v < 10 for v in res["loss_curve"]):
        fail(f"loss_curve {res['loss_curve']}: a cross-entropy of two classes starts near log 2")
    # (the norms themselves come from your layer_grad_norms: its own tests judge them)


# ------------------------------------------------- the mistakes the handout warns about
@task("init_weights")
def test_public_init_draws_from_the_generator(submission):
    """init_weights draws from `generator`: the same seed gives the same weights whatever the global RNG"""
    info = _he_init(submission, 5)
    if not info["same_seed_equal"]:
        fail("init_weights: two calls with generators seeded alike gave different weights: draw "
             "from `generator` (e.g. nn.init.normal_(w, 0, s, generator=generator)), not the "
             "global RNG")
    if not info["other_seed_differs"]:
        fail("init_weights: generators with different seeds gave the same weights")


@task("layer_grad_norms")
def test_public_layer_grad_norms_leaves_no_gradients(submission):
    """layer_grad_norms leaves no gradients behind in the model (every p.grad is None)"""
    info = _grad_norms(submission, 3, residual=False, stale=False)
    if any(state == "nonzero" for state in info["grads_after"]):
        fail("layer_grad_norms left gradients behind in the model: set every p.grad back to None "
             "(model.zero_grad(set_to_none=True)) before returning, or use torch.autograd.grad")


@task("depth_study")
def test_public_depth_study_runs_are_reproducible_alone(submission):
    """Integration: depth_study: the run (depth 3, residual) alone gives what it gave inside the whole study"""
    data = S.spirals(120, 96)
    kw = dict(width=8, activation="sigmoid", init="xavier", epochs=2, lr=0.1, batch_size=16,
              loss_threshold=0.6)
    full = submission.probe("depth_study_probe", data=data, seed=4, depths=(1, 3), **kw,
                            _where="depth_study")
    pairs = [(r.get("depth"), r.get("residual")) for r in full] if isinstance(full, list) else full
    if pairs != [(1, False), (1, True), (3, False), (3, True)]:
        fail(f"depth_study(depths=(1, 3)) returned the (depth, residual) pairs {pairs}; expected "
             "depth in the outer loop, residual (False, True) in the inner one")
    curves = [r.get("loss_curve") for r in full]
    if any(not isinstance(c, list) or len(c) != 2 or not all(np.isfinite(c)) for c in curves):
        fail("every depth_study run needs a finite loss_curve with one entry per epoch")
    if not all(0.1 < c[0] < 5 for c in curves):
        fail(f"depth_study's first-epoch losses {[c[0] for c in curves]}: a cross-entropy of two "
             "classes starts near log 2 = 0.69")
    alone = submission.probe("depth_study_probe", data=data, seed=4, depths=(3,),
                             residual=(True,), **kw, _where="depth_study")
    if [alone[0]["loss_curve"], alone[0]["grad_norms"]] != [curves[3], full[3]["grad_norms"]]:
        fail("depth_study: the run (depth 3, residual) gave different results alone than after "
             "other runs: give every run a fresh torch.Generator().manual_seed(seed) for "
             "init_weights and one for shuffling, seed = generator.initial_seed()")


DEVICE_SIZES = [3, 6, 6, 2]


@task("init_weights")
def test_public_init_weights_device(submission):
    """init_weights creates nothing off the parameters' device (no .cpu(), no 'cuda')"""
    expect_no_device_bug(submission, "init_weights", sizes=[5, 7, 3], scheme="xavier", seed=2)


@task("layer_grad_norms")
def test_public_layer_grad_norms_device(submission):
    """layer_grad_norms works on the model's device (no .numpy(), no .cpu())"""
    X, y = S.classification(2, 12, 3, 2)
    expect_no_device_bug(submission, "layer_grad_norms", sizes=DEVICE_SIZES, activation="relu",
                         residual=False, weights=S.mlp_weights(1, DEVICE_SIZES), X=X, y=y)
    _grad_norms(submission, 2, residual=False, stale=False)  # and right values


@task("clip_grad_norm_")
def test_public_clip_grad_norm_device(submission):
    """clip_grad_norm_ works on the gradients' device (no .cpu(), no .numpy())"""
    expect_no_device_bug(submission, "clip_grad_norm_", grads=S.grad_arrays(3, [(2, 3), (4,)]),
                         max_norm=0.3)
    _clip(submission, 3, 0.5)  # and right values


@task("train_and_measure")
def test_public_train_and_measure_device(submission):
    """train_and_measure keeps batches and permutations on the data's device"""
    X, y = S.classification(4, 20, 3, 2)
    expect_no_device_bug(submission, "train_and_measure", sizes=DEVICE_SIZES, activation="relu",
                         residual=True, weights=S.mlp_weights(2, DEVICE_SIZES),
                         data=(X[:14], y[:14], X[14:], y[14:]), epochs=1, lr=0.1, batch_size=4,
                         seed=1, loss_threshold=0.5)
    _train_keys(submission)  # and right-looking values
