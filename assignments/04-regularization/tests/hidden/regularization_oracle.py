"""Parent-side helpers of the regularization exercise's hidden tests (never shipped).

Expected values come from torch itself (F.batch_norm, nn.BatchNorm1d, autograd through the
batch-norm formula) or from plain rules (early stopping, crop windows) computed here; a
submission's outputs arrive as plain data from the probes.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

import strategies as S
from autograder.testing import TensorData, as_array, expect_close, expect_value_error, fail  # noqa: F401 (tests call R.expect_value_error)

torch.set_num_threads(1)

#: Hoeffding: P(|zeros/n - p| >= t) <= 2 exp(-2 n t^2); t chosen so that this is 1e-9 for n draws
FAILURE_PROBABILITY = 1e-9


def hoeffding_tolerance(n: int, failure: float = FAILURE_PROBABILITY) -> float:
    """The deviation t of a Bernoulli mean over n draws with P(|mean - p| >= t) <= failure."""
    return math.sqrt(math.log(2.0 / failure) / (2.0 * n))


def on(device, array):
    a = np.asarray(array)
    return TensorData(a, f"torch.{a.dtype.name}", device)


def arr(value, what):
    return np.asarray(as_array(value, what))


def check_generator_used(info, fn, what):
    """The probe's three calls (seed, seed again, seed + 1) give equal / different ``what``."""
    a, b, c = (arr(info[k], f"{fn} output") for k in ("out", "again", "other"))
    if not np.array_equal(a, b):
        fail(f"{fn} gave different {what} for two generators seeded alike: draw them from "
             "`generator` (e.g. torch.rand(..., generator=generator)), not from the global RNG")
    if np.array_equal(a, c):
        fail(f"{fn} gave the same {what} for generators with different seeds: draw them from `generator`")


# ----------------------------------------------------------------------------- dropout
def check_dropout_values(out, x, p, what):
    """Every entry is 0 or exactly x / (1 - p) (float rounding allowed); returns the kept mask."""
    x = np.asarray(x)
    got = arr(out, what)
    if got.shape != x.shape:
        fail(f"{what} has shape {got.shape}, expected {x.shape}")
    if got.dtype != x.dtype:
        fail(f"{what} has dtype {got.dtype}, expected {x.dtype} (keep the input's dtype)")
    kept = got != 0
    scaled = x / (1.0 - p)
    tol = 1e-6 if x.dtype == np.float32 else 1e-12
    ok = np.abs(got - scaled) <= tol * np.abs(scaled)
    if not np.all(ok[kept]):
        ratio = np.median(got[kept] / x[kept])
        hint = ""
        if abs(ratio - 1.0) < 1e-6:
            hint = ": kept entries are not rescaled; inverted dropout divides them by 1 - p"
        elif abs(ratio - (1.0 - p)) < 1e-6:
            hint = ": kept entries are multiplied by 1 - p; inverted dropout divides by 1 - p"
        elif abs(ratio - 1.0 / p) < 1e-6:
            hint = ": kept entries are divided by p; inverted dropout divides by 1 - p (the keep probability)"
        fail(f"{what}: kept entries must equal x / (1 - p) and dropped ones 0; yours are "
             f"{ratio:.4g} times x{hint}")
    return kept


# ----------------------------------------------------------------------------- batch norm
def bn_formula(x, gamma, beta, eps):
    """The forward formula in torch (autograd flows through it): biased variance."""
    mu = x.mean(0)
    var = ((x - mu) ** 2).mean(0)
    return gamma * (x - mu) / torch.sqrt(var + eps) + beta


def bn_expected(x, gamma, beta, eps, dout):
    """(out, [dx, dgamma, dbeta]) from F.batch_norm and autograd through the formula (float64)."""
    t = [torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in (x, gamma, beta)]
    out = F.batch_norm(t[0], None, None, t[1], t[2], training=True, eps=eps)
    formula = bn_formula(*t, eps)
    grads = torch.autograd.grad(formula, t, torch.tensor(np.asarray(dout, np.float64)))
    return out.detach().numpy(), [g.numpy() for g in grads]


def bn_mistakes(x, gamma, beta, eps, dout):
    """Gradients of recognisable wrong backward passes: name -> (dx, dgamma, dbeta)."""
    x, gamma, beta, dout = (np.asarray(a, np.float64) for a in (x, gamma, beta, dout))
    n = x.shape[0]
    mu, var = x.mean(0), x.var(0)
    inv = 1 / np.sqrt(var + eps)
    xh = (x - mu) * inv
    dxh = dout * gamma
    right = inv / n * (n * dxh - dxh.sum(0) - xh * (dxh * xh).sum(0))
    dg, db = (dout * xh).sum(0), dout.sum(0)
    return {
        "only the direct term dx = gamma * dout / sqrt(var + eps): the mean and the variance "
        "depend on x too": (dxh * inv, dg, db),
        "the term through the variance is missing (- x_hat * sum(dx_hat * x_hat))":
            (inv / n * (n * dxh - dxh.sum(0)), dg, db),
        "the term through the mean is missing (- sum(dx_hat))":
            (inv / n * (n * dxh - xh * (dxh * xh).sum(0)), dg, db),
        "dgamma and dbeta are swapped": (right, db, dg),
        "gamma is missing from dx (dx_hat = dout * gamma)":
            (inv / n * (n * dout - dout.sum(0) - xh * (dout * xh).sum(0)), dg, db),
    }


def check_bn_grads(info, x, gamma, beta, eps, dout, what, rtol=1e-8):
    """The probe's (dx, dgamma, dbeta) against autograd through the forward formula."""
    if info["autograd_used"]:
        fail(f"{what}: BatchNormFunction.backward called {info['autograd_used']}; the exercise is to "
             "write the gradient by hand (no autograd inside backward)")
    grads = info["grads"]
    if grads is None:
        fail(f"{what}: the backward did not return gradients")
    if len(grads) < 3:
        fail(f"{what}: backward must return (dx, dgamma, dbeta, None)")
    _, exp = bn_expected(x, gamma, beta, eps, dout)
    got = [None if g is None else arr(g, "gradient") for g in grads[:3]]
    names = ("dx", "dgamma", "dbeta")
    for name, g in zip(names, got):
        if g is None:
            fail(f"{what}: backward returned None for {name}; return a gradient for x, gamma and beta")
    hint = None
    if not all(g.shape == e.shape and np.allclose(g, e, rtol=rtol, atol=1e-10) for g, e in zip(got, exp)):
        for text, alt in bn_mistakes(x, gamma, beta, eps, dout).items():
            if all(g.shape == a.shape and np.allclose(g, a, rtol=1e-6, atol=1e-9) for g, a in zip(got, alt)):
                hint = f"BatchNormFunction.backward: {text}"
                break
    for name, g, e in zip(names, got, exp):
        expect_close(g, e.astype(g.dtype) if g.dtype != e.dtype else e, f"{what}: {name}",
                     rtol=rtol if g.dtype == np.float64 else 1e-4, atol=1e-10, hint=hint)


class RemoteBatchNorm(torch.autograd.Function):
    """The submission's BatchNormFunction seen from the parent: forward and backward are probe
    calls (plain float64 data both ways), so torch.autograd.gradcheck can run here."""

    @staticmethod
    def forward(ctx, x, gamma, beta, submission, eps):
        ctx.save_for_backward(x, gamma, beta)
        ctx.submission, ctx.eps = submission, eps
        info = submission.probe("bn_function_probe", x=x.numpy(), gamma=gamma.numpy(),
                                beta=beta.numpy(), eps=eps, _where="BatchNormFunction.forward")
        return torch.from_numpy(np.array(arr(info["out"], "BatchNormFunction output"), dtype=np.float64))

    @staticmethod
    def backward(ctx, dout):
        x, gamma, beta = ctx.saved_tensors
        info = ctx.submission.probe("bn_function_probe", x=x.numpy(), gamma=gamma.numpy(),
                                    beta=beta.numpy(), eps=ctx.eps, dout=dout.numpy(),
                                    _where="BatchNormFunction.backward")
        if info["autograd_used"]:
            fail(f"BatchNormFunction.backward called {info['autograd_used']}; the exercise is to write "
                 "the gradient by hand (no autograd inside backward)")
        if info["grads"] is None or len(info["grads"]) < 3 or any(g is None for g in info["grads"][:3]):
            fail("BatchNormFunction.backward must return (dx, dgamma, dbeta, None)")
        return (*(torch.from_numpy(np.array(arr(g, "gradient"), np.float64)) for g in info["grads"][:3]),
                None, None)


def gradcheck_remote(submission, x, gamma, beta, eps, what):
    """torch.autograd.gradcheck (float64, central differences) of the submission's function."""
    inputs = [torch.tensor(np.asarray(a, np.float64), requires_grad=True) for a in (x, gamma, beta)]
    try:
        torch.autograd.gradcheck(lambda a, b, c: RemoteBatchNorm.apply(a, b, c, submission, eps),
                                 inputs, eps=1e-6, atol=1e-6, rtol=1e-5)
    except GradcheckError as exc:
        first = str(exc).splitlines()[0]
        fail(f"{what}: torch.autograd.gradcheck failed ({first[:160]}): the hand-written backward "
             "disagrees with central differences of your forward")


# ----------------------------------------------------------------------------- BatchNorm1d
def torch_bn_run(num_features, eps, momentum, weight, bias, batches, douts, eval_batch):
    """torch.nn.BatchNorm1d (float64) on the probe's schedule: per-step dicts and the eval output."""
    bn = torch.nn.BatchNorm1d(num_features, eps=eps, momentum=momentum).double()
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(weight))
        bn.bias.copy_(torch.tensor(bias))
    steps = []
    for xb, db in zip(batches, douts):
        x = torch.tensor(xb, requires_grad=True)
        bn.weight.grad = bn.bias.grad = None
        out = bn(x)
        out.backward(torch.tensor(db))
        steps.append({"out": out.detach().numpy(), "dx": x.grad.numpy(),
                      "dweight": bn.weight.grad.numpy().copy(), "dbias": bn.bias.grad.numpy().copy(),
                      "running_mean": bn.running_mean.numpy().copy(),
                      "running_var": bn.running_var.numpy().copy()})
    bn.eval()
    with torch.no_grad():
        eval_out = bn(torch.tensor(eval_batch)).numpy()
    return steps, eval_out


def running_hint(got_var, batches, momentum, t):
    """Name the mistake when the running variance follows the biased batch variance or an
    inverted momentum."""
    def run(biased=False, inverted=False):
        rv = np.ones(batches.shape[2])
        for xb in batches[:t + 1]:
            v = xb.var(0, ddof=0 if biased else 1)
            m = 1 - momentum if inverted else momentum
            rv = (1 - m) * rv + m * v
        return rv
    g = arr(got_var, "running_var")
    if np.allclose(g, run(biased=True), rtol=1e-9):
        return ("running_var follows the biased batch variance; torch's running variance uses the "
                "unbiased one (divide by N - 1), while the normalisation uses the biased one")
    if np.allclose(g, run(inverted=True), rtol=1e-9):
        return "momentum weighs the new batch: running = (1 - momentum) * running + momentum * batch"
    return None


# ----------------------------------------------------------------------------- early stopping
def early_stopping_rule(patience, min_delta, losses, mistake=None):
    """(decisions, [(best_loss, best_epoch) after each step]) of the handout's rule, or of a
    rule with one ``mistake`` (a key of EARLY_STOPPING_MISTAKES)."""
    best, best_epoch, bad = math.inf, -1, 0
    decisions, bests = [], []
    delta = 0.0 if mistake == "min_delta_ignored" else min_delta
    for t, v in enumerate(losses):
        better = v <= best - delta if mistake == "ties" else v < best - delta
        if better:
            best, best_epoch, bad = v, t, 0
        else:
            bad += 1
        stop = bad > patience if mistake == "late" else bad >= max(patience - 1, 0) if mistake == "early" \
            else bad >= patience
        decisions.append(stop)
        bests.append((best, best_epoch))
        if stop:
            break
    return decisions, bests


EARLY_STOPPING_MISTAKES = {
    "late": "you stop one epoch late (stop as soon as `patience` epochs in a row brought no improvement)",
    "early": "you stop one epoch early (count the epochs without improvement, then compare with patience)",
    "ties": "an equal loss is no improvement (improvement: val_loss < best_loss - min_delta, strictly)",
    "min_delta_ignored": "min_delta is ignored (improvement: val_loss < best_loss - min_delta)",
}


def early_stopping_hint(patience, min_delta, losses, got):
    """The known mistakes whose rule reproduces the decisions ``got`` (joined with 'or')."""
    exp, _ = early_stopping_rule(patience, min_delta, losses)
    hits = [text for key, text in EARLY_STOPPING_MISTAKES.items()
            if early_stopping_rule(patience, min_delta, losses, key)[0] == got != exp]
    return "; ".join(hits) if len(hits) < 2 else "either " + ", or ".join(hits)


# ----------------------------------------------------------------------------- crops
def check_windows(out, images, padding, what, flipped=None):
    """Each output image is a window of the zero-padded image; returns [(offset, flipped)].

    ``flipped``: None (either orientation may match), False or True (only that one)."""
    got = arr(out, what)
    images = np.asarray(images)
    if got.shape != images.shape:
        fail(f"{what} has shape {got.shape}, expected {images.shape} (the input's shape)")
    if got.dtype != images.dtype:
        fail(f"{what} has dtype {got.dtype}, expected {images.dtype}")
    options = [False, True] if flipped is None else [flipped]
    found = {f: S.window_offsets(got, images, padding, flipped=f) for f in options}
    result = []
    for k in range(got.shape[0]):
        hit = next(((found[f][k], f) for f in options if found[f][k] is not None), None)
        if hit is None:
            kind = {None: "the image or its mirror image", False: "the image", True: "the mirrored image"}[flipped]
            fail(f"{what}: output image {k} is not an H x W window of {kind} zero-padded by "
                 f"{padding} on every side (offsets 0..{2 * padding} in both directions, the same "
                 "for every channel)")
        result.append(hit)
    return result
