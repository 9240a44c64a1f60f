"""Expected values of the VAE exercise, in NumPy (trusted parent side), and the checks the
tests share. The formulas are the chapter's, with the course's fix (KL summed over latent
dimensions, then averaged over the batch)."""
from __future__ import annotations


import numpy as np
import torch

from autograder.testing import TensorData, expect_close, fail
from autograder.testing import expect_value_error as expect_value_error_report


def on(device, array, dtype=None):
    """TensorData for the worker: ``array`` as a tensor on ``device``."""
    a = np.asarray(array)
    return TensorData(a, dtype or f"torch.{a.dtype}", device)


def reparameterize(mu, log_var, eps):
    return mu + np.exp(0.5 * log_var) * eps


def kl_divergence(mu, log_var):
    return -0.5 * np.sum(1 + log_var - mu ** 2 - np.exp(log_var), axis=1)


def bce_with_logits(logits, x):
    """Elementwise binary cross-entropy of targets x and logits, stable for any logit."""
    return np.maximum(logits, 0) - logits * x + np.log1p(np.exp(-np.abs(logits)))


def vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse"):
    x, x_recon = np.asarray(x, np.float64), np.asarray(x_recon, np.float64)
    per = (x_recon - x) ** 2 if recon == "mse" else bce_with_logits(x_recon, x)
    r = per.reshape(len(x), -1).sum(axis=1).mean()
    k = kl_divergence(np.asarray(mu, np.float64), np.asarray(log_var, np.float64)).mean()
    return {"recon": r, "kl": k, "total": r + beta * k}


def tensor_of(value, what):
    """The TensorData a probe returned for ``what`` (fail if it is not a tensor)."""
    if not isinstance(value, TensorData):
        fail(f"{what}: expected a torch.Tensor, got {type(value).__name__}")
    return value


def expect_tensor_close(got, expected, what, *, rtol=None, atol=0.0, hint=None):
    tensor_of(got, what)
    return expect_close(got, expected, what, rtol=rtol, atol=atol, hint=hint)


def reparameterize_hint(z, mu, log_var, eps):
    z = np.asarray(z, np.float64)
    if z.shape == mu.shape:
        if np.allclose(z, mu + np.exp(log_var) * eps, rtol=1e-4):
            return "z equals mu + exp(log_var) * eps: the standard deviation is exp(0.5 * log_var)"
        if np.allclose(z, mu + 0.5 * np.exp(log_var) * eps, rtol=1e-4):
            return "z equals mu + 0.5 * exp(log_var) * eps: the standard deviation is exp(0.5 * log_var)"
        if np.allclose(z, mu + log_var * eps, rtol=1e-4):
            return "log_var is the log of the variance: the standard deviation is exp(0.5 * log_var)"
    return None


def kl_hint(got, mu, log_var):
    got = np.asarray(got, np.float64)
    expected = kl_divergence(mu, log_var)
    n, latent = mu.shape
    if got.shape == expected.shape and latent > 1 and np.allclose(got, expected / latent, rtol=1e-4):
        return ("kl is the correct value divided by the number of latent dimensions: sum over the "
                "latent dimensions (the chapter's np.mean is the bug), do not average")
    if got.shape == (n, latent):
        return "return one KL per sample, (N,): sum over the latent dimensions"
    if got.size == 1:
        return "return one KL per sample, shape (N,), not a single number"
    return None


def loss_hint(key, got, x, x_recon, mu, log_var, beta, recon):
    """A recognisable mistake behind a wrong vae_loss value ``key``, or None."""
    got = float(np.asarray(got, np.float64).reshape(-1)[0]) if np.size(got) == 1 else None
    if got is None:
        return "every value of the dict must be a single number (a 0-d tensor)"
    n = len(x)
    d = int(np.prod(x.shape[1:]))
    e = vae_loss(x, x_recon, mu, log_var, beta, recon)
    close = lambda a, b: abs(a - b) <= 1e-4 * max(abs(b), 1e-12)  # noqa: E731
    if key in ("kl", "total"):
        k_sum = kl_divergence(mu, log_var).sum()
        k_mean_all = e["kl"] / mu.shape[1]
        if close(got, k_sum if key == "kl" else e["recon"] + beta * k_sum) and n > 1:
            return "the KL term is summed over the batch: average it over the batch (N)"
        if close(got, k_mean_all if key == "kl" else e["recon"] + beta * k_mean_all) and mu.shape[1] > 1:
            return ("the KL term is averaged over the latent dimensions (the chapter's bug): sum it "
                    "over the latent dimensions, then average over the batch")
    if key in ("recon", "total"):
        r_mean = e["recon"] / d
        if close(got, r_mean if key == "recon" else r_mean + beta * e["kl"]) and d > 1:
            return ("the reconstruction term is averaged over the features: sum it over the features "
                    "of each sample, then average over the batch")
        if recon == "bce":
            p = 1 / (1 + np.exp(-np.asarray(x_recon, np.float64)))
            with np.errstate(all="ignore"):
                probs = -(x * np.maximum(np.log(p), -100) + (1 - x) * np.maximum(np.log1p(-p), -100))
            probs_r = probs.reshape(n, -1).sum(axis=1).mean()
            if close(got, probs_r if key == "recon" else probs_r + beta * e["kl"]) or not np.isfinite(got):
                return ("x_recon are logits: compute the cross-entropy from the logits with a stable "
                        "formula (F.binary_cross_entropy_with_logits); sigmoid first saturates for "
                        "large logits")
    if key == "total" and close(got, beta * e["recon"] + e["kl"]) and beta != 1:
        return "total must be recon + beta * kl (beta weighs the KL term, not the reconstruction)"
    return None


def own_kl_mean(info, n):
    """The batch mean of your own kl_divergence on the same inputs (None if unusable)."""
    own = info.get("own_kl")
    if not isinstance(own, TensorData) or own.array.shape != (n,) or not np.all(np.isfinite(own.array)):
        return None
    return float(np.mean(own.array.astype(np.float64)))


def expect_loss_values(info, x, x_recon, mu, log_var, beta, recon, dtype):
    """vae_loss's dict (from loss_probe) equals the formulas: keys, 0-d tensors of x's dtype.

    The KL term may also be the batch mean of your own kl_divergence (a mistake there costs
    points in kl_divergence's task, not here). Returns True when the KL is the formula's."""
    if info.get("type") != "dict" or not {"recon", "kl", "total"} <= set(info["keys"]):
        fail(f"vae_loss must return a dict with keys 'recon', 'kl', 'total', got "
             f"{info.get('keys', info.get('type'))}")
    expected = vae_loss(x, x_recon, mu, log_var, beta, recon)
    own = own_kl_mean(info, len(x))
    got_kl = info["values"]["kl"]
    tol = 1e-4 if dtype == np.float32 else 1e-9
    if own is not None and isinstance(got_kl, TensorData) and got_kl.array.size == 1 and \
            abs(own - expected["kl"]) > tol * abs(expected["kl"]) and \
            abs(float(got_kl.array.reshape(())) - own) <= tol * max(abs(own), 1e-12):
        expected = dict(expected, kl=own, total=expected["recon"] + beta * own)
    formula_kl = expected["kl"] == kl_divergence(np.asarray(mu, np.float64), np.asarray(log_var, np.float64)).mean()
    for key in ("recon", "kl", "total"):
        got = tensor_of(info["values"][key], f"vae_loss(...)[{key!r}]")
        if got.array.shape != ():
            fail(f"vae_loss(...)[{key!r}] must be a 0-d tensor (a batch mean), got shape {got.array.shape}")
        hint = loss_hint(key, got.array, x, x_recon, mu, log_var, beta, recon)
        expect_close(got, np.asarray(expected[key], dtype=dtype), f"vae_loss(..., recon={recon!r}, "
                     f"beta={beta})[{key!r}]", rtol=tol, hint=hint)
    return formula_kl


def expect_forward(info, what="forward(x, eps)'s x_recon"):
    """forward(x, eps)'s x_recon is decode(mu + exp(0.5 log_var) eps) from the model's own encode
    and decode (or decode of your own reparameterize: its mistakes are not forward's)."""
    out = info["forward"]
    if not isinstance(out, list) or len(out) != 3:
        fail("forward must return the tuple (x_recon, mu, log_var)")
    got = np.asarray(tensor_of(out[0], what).array)
    via = info.get("own_via_reparameterize")
    if isinstance(via, TensorData) and via.array.shape == got.shape and np.allclose(got, via.array, rtol=1e-10, atol=1e-12):
        return
    hint = None
    if got.shape == info["decoded_mu"].array.shape and np.allclose(got, info["decoded_mu"].array):
        hint = "forward returned decode(mu): use z = mu + exp(0.5 * log_var) * eps with the given eps"
    elif not info["same_twice"]:
        hint = "forward gave different results for the same eps: use the eps it is given, draw noise only when eps is None"
    expect_close(out[0], info["own"].array, f"{what} (decode of mu + exp(0.5 * log_var) * eps, from "
                 "your own encode and decode)", rtol=1e-10, hint=hint)


def stream(seed, shape, dtype=torch.float64) -> np.ndarray:
    """The course's noise convention: torch.randn(shape, generator=Generator().manual_seed(seed))."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype).numpy()


def decode_stand_in(weights, z):
    return z @ weights["C"].T + weights["c"]


def encode_stand_in(weights, x):
    return x @ weights["A"].T + weights["a"], 0.1 * (x @ weights["B"].T + weights["b"])


def recover_latents(weights, out, what):
    """z with out = decode(z) for the stand-in's affine decoder; fail if out is not decoded."""
    out = np.asarray(out, np.float64)
    z, *_ = np.linalg.lstsq(weights["C"], (out - weights["c"]).T, rcond=None)
    z = z.T
    if np.linalg.norm(decode_stand_in(weights, z) - out) > 1e-6 * max(1.0, np.linalg.norm(out)):
        fail(f"{what} is not model.decode(z) of any z: return model.decode(z) for the drawn z")
    return z


def expect_standard_normal(z, what):
    """z (n, L) looks like N(0, I) draws: mean within 5 standard errors, variances within
    0.15 of 1 and correlations below 0.15 (n >= 2000)."""
    n, latent = z.shape
    mean, cov = z.mean(axis=0), np.cov(z, rowvar=False).reshape(latent, latent)
    if np.any(np.abs(mean) > 5 / np.sqrt(n)):
        fail(f"{what}: the latent draws have mean {np.round(mean, 3).tolist()}, expected 0 "
             "(draw z ~ N(0, I) with torch.randn)")
    if np.any(np.abs(np.diag(cov) - 1) > 0.15):
        fail(f"{what}: the latent draws have variances {np.round(np.diag(cov), 3).tolist()}, "
             "expected 1 (draw z ~ N(0, I) with torch.randn)")
    off = cov - np.diag(np.diag(cov))
    if np.any(np.abs(off) > 0.15):
        fail(f"{what}: the latent dimensions of the draws are correlated; draw them independently")


def expect_value_error(submission, fn, args, kwargs, word, stand_ins=False):
    """Calling ``fn`` with bad arguments raises ValueError whose message names ``word``
    (``stand_ins``: with the course's VAE and loss functions in place of the student's)."""
    info = submission.probe("value_error_probe", fn=fn, args=args, kwargs=kwargs,
                            stand_ins=stand_ins, _where=fn)
    expect_value_error_report(info, f"{fn}({word}=<bad>)", word)
