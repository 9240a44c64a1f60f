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
from autograder.testing import expect_close, expect_scalar_close, expect_shape, fail, task


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
    sizes = [40, 120, 40]
    info = submission.probe("init_probe", sizes=sizes, scheme="he", seed=seed, _where="init_weights")
    for W, b, fan_in in zip(info["weights"], info["biases"], sizes[:-1]):
        var = float(np.var(W.array, ddof=1))
        if abs(var / (2 / fan_in) - 1) > 0.2:
            fail(f"weight variance {var:.4g} for fan_in={fan_in}; He init gives 2/fan_in")
        if np.any(b.array != 0):
            fail("biases must be zero")


@task("layer_grad_norms")
@given(seed=S.seeds, residual=st.booleans())
def test_public_layer_grad_norms(submission, seed, residual):
    """layer_grad_norms equals the norms autograd gives, input to output"""
    sizes = [2, 6, 6, 6, 3]
    weights = S.mlp_weights(seed, sizes, gain=2.0)
    X, y = S.classification(seed, 16, 2, 3)
    info = submission.probe("grad_norms_probe", sizes=sizes, activation="tanh", residual=residual,
                            weights=weights, X=X, y=y, _where="layer_grad_norms")
    model = P.build_mlp(sizes, "tanh", residual, weights)
    torch.nn.functional.cross_entropy(model(torch.as_tensor(X)), torch.as_tensor(y)).backward()
    expected = [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, torch.nn.Linear)]
    if info["norms"] is None or len(info["norms"]) != len(expected):
        fail(f"expected one norm per nn.Linear ({len(expected)})")
    expect_close(np.array(info["norms"]), np.array(expected), "layer_grad_norms", rtol=1e-7)


@task("clip_grad_norm_")
@given(seed=S.seeds, ratio=st.floats(0.1, 0.9))
def test_public_clip_grad_norm(submission, seed, ratio):
    """clip_grad_norm_ returns the total norm and scales like torch.nn.utils.clip_grad_norm_"""
    grads = S.grad_arrays(seed, [(3, 4), (5,)])
    total = math.sqrt(sum(float(np.sum(g ** 2)) for g in grads))
    info = submission.probe("clip_probe", grads=grads, max_norm=ratio * total, _where="clip_grad_norm_")
    expect_scalar_close(info["total"], total, "total norm", rtol=1e-9)
    for g, src in zip(info["grads"], grads):
        expect_close(g, src * (ratio * total) / (total + 1e-6), "clipped gradient", rtol=1e-5)


@task("train_and_measure")
def test_public_train_and_measure_keys(submission):
    """train_and_measure returns the five keys with one entry per epoch, positive losses and norms"""
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
    if not all(v > 0 for row in res["grad_norms"] for v in row):
        fail("grad_norms must hold the (positive) gradient norm of every nn.Linear weight")
