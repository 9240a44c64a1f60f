"""Parent-side helpers of the hidden sparse-autoencoder tests: expected values from the
reference, closed-form gradients, and diagnoses of wrong top-k masks. Never shipped."""
from __future__ import annotations

import math

import numpy as np
import torch

from autograder.errors import NotImplementedYet  # noqa: F401 - used by the tests
from autograder.testing import (SubmissionError, TensorData, as_array, expect_close,  # noqa: F401
                                expect_value_error, fail, reference)

ref = reference()


def t(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array))


def on(device, array):
    """TensorData for the worker: ``array`` as a tensor on ``device`` (its own dtype)."""
    a = np.asarray(array)
    return TensorData(a, f"torch.{a.dtype}", device)


def expect_device(got, device, what):
    if not isinstance(got, TensorData):
        fail(f"{what}: expected a tensor, got {type(got).__name__}")
    if got.device.split(":")[0] != device.split(":")[0]:
        fail(f"{what} is on {got.device}, expected the inputs' device {device}")


def expect_tensor(got, what):
    """The returned value must be a tensor (a 0-d one for a loss), not a Python number."""
    if not isinstance(got, TensorData):
        fail(f"{what}: expected a torch tensor (so that it can be backpropagated), got "
             f"{type(got).__name__}")
    return got


def expect_unmutated(info, z, fn):
    if not np.array_equal(as_array(info["z_after"], "z"), z):
        fail(f"{fn} modified its input z in place: work on a new tensor (torch.where, "
             "masked_fill, z * mask) and never write into z")


# ----------------------------------------------------------------------------- closed forms
def l1_grad(z, lam):
    """d/dz [lam * mean_n sum_j |z_nj|] = lam * sign(z) / N."""
    return lam * np.sign(z) / z.shape[0]


def kl_grad(z, rho, beta):
    """d/dz_nj [beta sum_j KL(rho || rho_hat_j)] = beta (-rho/rho_hat_j + (1-rho)/(1-rho_hat_j)) / N."""
    rho_hat = z.mean(axis=0)
    return np.broadcast_to(beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / z.shape[0],
                           z.shape).copy()


def top_mask(z, k, axis, key=lambda v: v, largest=True):
    """Boolean mask of the k entries along ``axis`` with the largest (smallest) ``key``."""
    order = np.argsort(key(z), axis=axis)
    if largest:
        order = np.flip(order, axis=axis)
    idx = np.take(order, np.arange(k), axis=axis)
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=axis)
    return mask


def expect_kept(out, z, k, axis, fn, counts=None):
    """``out`` must keep the ``k`` largest entries of z along ``axis`` (values unchanged) and
    zero the rest; the message says which rule it followed instead."""
    got = as_array(out, f"{fn}'s result")
    if got.shape != z.shape:
        fail(f"{fn}'s result has shape {got.shape}, expected {z.shape} (same as z)")
    kept = got != 0
    right = top_mask(z, k, axis)
    if np.array_equal(kept, right):
        expect_close(got, np.where(right, z, 0).astype(z.dtype), f"{fn}'s kept values",
                     hint="kept entries must keep their values (no rescaling)")
        return
    along = "row (over units)" if axis == 1 else "unit (column, over the batch)"
    n_kept = kept.sum(axis=axis)
    if np.array_equal(kept, top_mask(z, k, axis, key=np.abs)):
        fail(f"{fn} kept the {k} entries of largest |z| in each {along}; keep the largest "
             "values (negative entries are small, not large)")
    if np.array_equal(kept, top_mask(z, k, axis, largest=False)):
        fail(f"{fn} kept the {k} SMALLEST entries of each {along}; keep the largest "
             "(torch.topk sorts descending by default)")
    for name, alt in (counts or {}).items():
        if alt != k and np.all(n_kept == alt) and np.array_equal(kept, top_mask(z, alt, axis)):
            fail(f"{fn} kept {alt} entries per {along}, expected {k}: {name}")
    fail(f"{fn} kept the wrong entries: {int(np.sum(kept != right))} entries differ from "
         f"'the {k} largest of each {along}' (kept per {along}: {sorted(set(n_kept.tolist()))})")


def expect_gradient_through_kept(info, z, mask, dout, fn):
    """dL/dz must be dout on kept entries and 0 on dropped ones; gradcheck must pass."""
    if info["backward_error"]:
        fail(f"{fn}: backward through your result failed: {info['backward_error']}")
    if info["grad"] is None:
        fail(f"{fn}: no gradient reached z (did you detach, or build the result with "
             "torch.no_grad / .data?)")
    grad = as_array(info["grad"], f"{fn} gradient")
    expected = np.where(mask, dout, 0.0)
    if grad.shape == z.shape and np.allclose(grad, dout) and not mask.all():
        fail(f"{fn}: the gradient flows through the dropped entries too (a straight-through "
             "trick such as z - z.detach()?); dropped entries must get gradient 0")
    if grad.shape == z.shape and np.allclose(grad[mask], 0) and mask.any():
        fail(f"{fn}: the kept entries get no gradient (did you detach z before masking?)")
    expect_close(grad, expected, f"{fn} gradient dL/dz", rtol=1e-9, atol=1e-12)
    expect_gradcheck(info, fn)


def expect_gradcheck(info, fn):
    if info["gradcheck"] is not True:
        fail(f"{fn}: torch.autograd.gradcheck in float64 fails: your autograd gradient differs "
             f"from central differences ({info['gradcheck']})")


def lifetime_count(rate, n):
    return math.ceil(rate * n)


# ----------------------------------------------------------------------------- values first
CODE_FUNCTIONS = ("l1_penalty", "kl_sparsity", "k_sparse", "lifetime_sparsity", "encoding_stats")


def expect_right_values(submission, fn, **kw):
    """Before a property (device) test counts, ``fn``'s values must be right on its input."""
    try:
        _check_values(submission, fn, kw)
    except AssertionError as exc:
        fail(f"{fn}: this check needs right values first: {exc}")


def _check_values(submission, fn, kw):
    if fn in CODE_FUNCTIONS:
        args = {k: v for k, v in kw.items() if k != "z"}
        out = submission.probe("tensor_call", fn=fn, _where=fn, **kw)["out"]
        expected = getattr(ref, fn)(t(kw["z"]), **args)
        if fn == "encoding_stats":
            if not isinstance(out, dict):
                fail("expected a dict")
            for key, value in expected.items():
                if not np.isclose(float(out.get(key, np.nan)), value, rtol=1e-6, atol=1e-9):
                    fail(f"encoding_stats['{key}'] is wrong")
            return
        expect_close(out, expected.numpy(), fn)
    elif fn == "sparse_ae_loss":
        from probes import StandInAutoencoder
        info = submission.probe("loss_probe", _where=fn, **kw)
        args = {k: v for k, v in kw.items() if k not in ("weights", "x")}
        expected = ref.sparse_ae_loss(StandInAutoencoder(kw["weights"]), t(kw["x"]), **args)
        if not isinstance(info["losses"], dict):
            fail("expected a dict")
        for key, value in expected.items():
            got = as_array(info["losses"].get(key), f"['{key}']")
            if got.size != 1 or not np.isclose(float(got.reshape(())), value.item(), rtol=1e-9, atol=1e-15):
                fail(f"sparse_ae_loss(method={kw['method']!r})['{key}'] is wrong")
    elif fn == "SparseAutoencoder":
        n_in = np.shape(kw["x"])[1]
        from strategies import model_weights
        weights = model_weights(0, n_in, kw["n_hidden"])
        info = submission.probe("model_probe", n_in=n_in, n_hidden=kw["n_hidden"],
                                activation=kw["activation"], weights=weights, x=kw["x"],
                                z=np.zeros((np.shape(kw["x"])[0], kw["n_hidden"])), _where=fn)
        model = ref.SparseAutoencoder(n_in, kw["n_hidden"], kw["activation"]).double()
        with torch.no_grad():
            for layer, (W, b) in zip((model.encoder, model.decoder), weights):
                layer.weight.copy_(t(W))
                layer.bias.copy_(t(b))
            x_hat, z = model(t(kw["x"]))
        if "forward" not in info:
            fail("expected encoder and decoder nn.Linear layers")
        expect_close(info["forward"][0], x_hat.numpy(), "forward(x)[0]")
        expect_close(info["forward"][1], z.numpy(), "forward(x)[1]")
    elif fn == "train_sparse_ae":
        args = {k: v for k, v in kw.items() if k not in ("X", "seed")}
        run = submission.probe("train_probe", X=kw["X"], seeds=[kw["seed"]], _where=fn, **args)[0]
        history = run.get("history")
        if not run.get("is_module") or not isinstance(history, dict):
            fail("expected (model, history)")
        for key in ("total", "recon", "penalty"):
            values = history.get(key)
            if not isinstance(values, list) or len(values) != kw["epochs"] or \
                    not all(isinstance(v, float) and np.isfinite(v) for v in values):
                fail(f"history['{key}'] must hold one finite float per epoch")
        if not np.allclose(history["total"], np.add(history["recon"], history["penalty"]), rtol=1e-9):
            fail("history['total'] must be recon + penalty")
        if not np.all(np.array(history["recon"]) > 0):  # (the penalty is your penalties' business)
            fail("history['recon'] must hold the epochs' mean squared errors (> 0)")



# ----------------------------------------------------------------------------- bad arguments
def expect_value_errors(submission, fn, cases):
    """Each ``(kwargs, word)`` in ``cases``: ``fn(**kwargs)`` must raise ValueError whose message
    names the argument ``word`` (call this after the values on a valid input were checked)."""
    for kwargs, word in cases:
        info = submission.probe("value_error_probe", fn=fn, kwargs=kwargs, _where=fn)
        shown = ", ".join(f"{k}={'array of shape ' + str(np.shape(v)) if isinstance(v, np.ndarray) else repr(v)}"
                          for k, v in kwargs.items() if k != "model_weights")
        expect_value_error(info, f"{fn}({shown})", word)
