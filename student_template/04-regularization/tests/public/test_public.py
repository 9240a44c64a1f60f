"""Public tests of regularization.py: a sample of what the grader checks (the hidden tests check more).

Run them with `dlcheck 04-regularization/regularization.py` (add `--task dropout` for one task).
They call your code through the same sandbox as the grader and compare with torch's own
functions (F.batch_norm, nn.BatchNorm1d), which you may use in your own tests. Each mistake the
handout warns about fails one of them.
"""
import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import given

import strategies as S
from autograder.testing import as_array, expect_close, fail, task


@task("dropout")
@given(seed=S.seeds, p=S.drop_rates)
def test_public_dropout_scaling_and_eval(submission, seed, p):
    """dropout: kept entries are x / (1 - p), dropped ones 0; identity with training=False"""
    x = S.values(seed, (30, 20))
    out = as_array(submission.probe("dropout_probe", x=x, p=p, seed=seed, _where="dropout")["out"], "dropout")
    kept = out != 0
    if not np.allclose(out[kept], x[kept] / (1 - p), rtol=1e-12):
        fail(f"dropout(p={p}): kept entries must be x / (1 - p) (inverted dropout)")
    rate = 1 - kept.mean()  # 600 entries: a correct dropout is within 0.14 of p but once in 1e9
    if abs(rate - p) > 0.14:
        fail(f"dropout(p={p}) dropped a fraction {rate:.3f} of the entries; p is the probability "
             "to drop an entry")
    ev = as_array(submission.probe("dropout_probe", x=x, p=p, training=False, _where="dropout")["out"], "dropout")
    if not np.array_equal(ev, x):
        fail("dropout(x, p, training=False) must return x unchanged")


@task("BatchNormFunction")
@given(seed=S.seeds)
def test_public_batchnorm_function_matches_torch(submission, seed):
    """BatchNormFunction: forward equals F.batch_norm (training), backward equals autograd's"""
    x, gamma, beta, dout = S.batchnorm_inputs(seed, 8, 4)
    info = submission.probe("bn_function_probe", x=x, gamma=gamma, beta=beta, eps=1e-5, dout=dout,
                            _where="BatchNormFunction")
    t = [torch.tensor(a, requires_grad=True) for a in (x, gamma, beta)]
    out = F.batch_norm(t[0], None, None, t[1], t[2], training=True, eps=1e-5)
    grads = torch.autograd.grad(out, t, torch.tensor(dout))
    expect_close(info["out"], out.detach().numpy(), "BatchNormFunction output", rtol=1e-9, atol=1e-12)
    if info["autograd_used"] or info["grads"] is None:
        fail("BatchNormFunction.backward must not call autograd; write the gradient by hand")
    for name, g, e in zip(("dx", "dgamma", "dbeta"), info["grads"], grads):
        expect_close(g, e.numpy(), name, rtol=1e-8, atol=1e-10)


@task("BatchNorm1d")
def test_public_batchnorm1d_running_statistics(submission):
    """BatchNorm1d: outputs and running statistics equal torch.nn.BatchNorm1d's (2 train steps, then eval)"""
    batches, douts, eval_batch, weight, bias = S.batchnorm_steps(0, 6, 3, 2)
    info = submission.probe("bn_module_probe", num_features=3, eps=1e-5, momentum=0.1, weight=weight, bias=bias,
                            batches=batches, douts=douts, eval_batch=eval_batch, _where="BatchNorm1d")
    bn = torch.nn.BatchNorm1d(3).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(weight))
        bn.bias.copy_(torch.tensor(bias))
    for t, xb in enumerate(batches):
        out = bn(torch.tensor(xb))
        expect_close(info["steps"][t]["out"], out.detach().numpy(), f"output at step {t + 1}", rtol=1e-9, atol=1e-12)
        for key in ("running_mean", "running_var"):
            expect_close(info["steps"][t][key], getattr(bn, key).numpy(), f"{key} after step {t + 1}",
                         rtol=1e-9, atol=1e-12)
    bn.eval()
    expect_close(info["eval_out"], bn(torch.tensor(eval_batch)).detach().numpy(), "eval-mode output",
                 rtol=1e-9, atol=1e-12)


@task("l2_penalty")
def test_public_l2_penalty_weights_only(submission):
    """l2_penalty: lam * sum of squares over the parameters with dim() > 1 only"""
    weights = S.stand_in_weights(0)
    info = submission.probe("l2_probe", weights=weights, lam=0.1, _where="l2_penalty")
    expected = 0.1 * sum(float(np.sum(w ** 2)) for w in weights if w.ndim > 1)
    expect_close(info["value"], np.array(expected), "l2_penalty(model, 0.1)", rtol=1e-9)


@task("hflip")
def test_public_hflip_last_axis(submission):
    """hflip mirrors the last axis (W)"""
    images = S.images(0, 2, 1, 3, 4)
    out = submission.probe("hflip_probe", images=images, _where="hflip")["out"]
    expect_close(out, images[..., ::-1].copy(), "hflip(images)", rtol=0)


@task("random_crop")
def test_public_random_crop_windows(submission):
    """random_crop: each image is a window of the zero-padded image, every offset occurs"""
    images = S.images(1, 200, 2, 4, 4)
    out = as_array(submission.probe("crop_probe", images=images, padding=1, seed=0, _where="random_crop")["out"],
                   "random_crop")
    if out.shape != images.shape:
        fail(f"random_crop must keep the shape {images.shape}, got {out.shape}")
    found = S.window_offsets(out, images, 1)
    if None in found:
        fail(f"random_crop: output image {found.index(None)} is not a window of the zero-padded image")
    if len(set(found)) != 9:  # a correct random_crop misses one of 9 offsets in 200 images < 1e-9
        fail("random_crop(padding=1) must use all 9 offsets (i, j) in {0, 1, 2}^2 (both ends included)")


@task("smooth_labels")
def test_public_smooth_labels_formula(submission):
    """smooth_labels: (1 - eps) * onehot + eps / K"""
    y = np.array([0, 2, 1, 2])
    got = submission.call("smooth_labels", torch.as_tensor(y), 3, 0.3)
    expect_close(got, (0.7 * np.eye(3)[y] + 0.1).astype(np.float32), "smooth_labels(y, 3, 0.3)", rtol=1e-6)


@task("EarlyStopping")
def test_public_early_stopping_patience_and_best_state(submission):
    """EarlyStopping(patience=2): stops at the 2nd epoch in a row without improvement; best_state is the best epoch's"""
    losses = [1.0, 0.5, 0.75, 0.5, 0.25, 0.3, 0.4, 0.1]  # epochs 2 and 3 bring nothing below 0.5
    weights = [S.stand_in_weights(t) for t in range(len(losses))]
    info = submission.probe("early_stopping_probe", patience=2, min_delta=0.0, losses=losses, weights=weights,
                            _where="EarlyStopping")
    if info["decisions"] != [False, False, False, True]:
        fail(f"EarlyStopping(patience=2) on {losses}: step returned {info['decisions']}; expected "
                 "True at epoch 3 (0-based): epochs 2 and 3 brought no loss below 0.5")
    if info["bests"][-1] != [0.5, 1]:
        fail(f"best_loss, best_epoch should be 0.5, 1 (0-based); got {info['bests'][-1]}")
    expect_close(info["best_state_after_training"]["fc1.weight"], weights[1][0],
                 "best_state['fc1.weight'] after training went on", rtol=0)


@task("regularization_study")
def test_public_study_structure(submission):
    """regularization_study: four per-epoch lists per config, test_acc with the best weights"""
    X_tr, y_tr, X_va, y_va, _, _ = S.study_data(0, 24, 24, 24)
    data = (X_tr, y_tr, X_va, y_va, X_va, y_va)  # test split = validation split
    res = submission.probe("study_probe", data=data, configs={"none": {}, "dropout": {"dropout": 0.5}}, epochs=3,
                           seed=0, _where="regularization_study")
    for name in ("none", "dropout"):
        r = res[name]
        if any(len(r[k]) != 3 for k in ("train_loss", "val_loss", "train_acc", "val_acc")):
            fail(f"{name!r}: expected 3 entries per list (one per epoch)")
        if not all(v > 0 for v in r["train_loss"] + r["val_loss"]) or len(set(r["train_loss"])) == 1:
            fail(f"{name!r}: the losses are the epochs' mean cross-entropies (> 0) of a model in "
                 "training (the train loss changes from epoch to epoch)")
        if r["test_acc"] != r["val_acc"][r["val_loss"].index(min(r["val_loss"]))]:
            fail(f"{name!r}: test_acc must be measured with the weights of the epoch with the lowest "
                 "val_loss (here the test split is the validation split)")
