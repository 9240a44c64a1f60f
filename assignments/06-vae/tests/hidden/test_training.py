"""Hidden tests of train_vae on the course's 8x8 images (flattened to 64 features)."""
import os
import sys

import numpy as np

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import vae_oracle as R  # noqa: E402

X, LABELS = S.images(192, seed=1)
RUN = dict(n_latent=2, beta=0.1, epochs=12, lr=5e-3)


def _history(info, epochs, beta=None):
    """The history's structure and values (recon > 0, kl >= 0; with ``beta``, an integration
    test's, also total = recon + beta * kl, which depends on your vae_loss)."""
    if not info["shape_ok"]:
        fail(f"train_vae must return (model, history), got {info['type']}")
    h = info["history"]
    if not isinstance(h, dict) or set(h) != {"total", "recon", "kl"}:
        fail(f"history must be a dict with keys 'total', 'recon', 'kl', got "
             f"{sorted(h) if isinstance(h, dict) else type(h).__name__}")
    for key in ("total", "recon", "kl"):
        values = h[key]
        if not isinstance(values, list) or len(values) != epochs:
            fail(f"history[{key!r}] must be a list with one value per epoch ({epochs})")
        if not all(isinstance(v, float) and np.isfinite(v) for v in values):
            fail(f"history[{key!r}] must hold finite Python floats (use .item())")
    h = {k: np.array(v) for k, v in h.items()}
    if not np.all(h["recon"] > 0) or not np.all(h["kl"] >= 0):
        fail("history['recon'] must hold the epochs' mean reconstruction losses (sums of squared "
             f"errors, > 0) and history['kl'] their KL divergences (>= 0); got {h['recon']}, {h['kl']}")
    if beta is not None and not np.allclose(h["total"], h["recon"] + beta * h["kl"], rtol=1e-6, atol=1e-12):
        fail(f"history['total'] must be history['recon'] + beta * history['kl'] (beta={beta}) per epoch")
    return h


def _course_loss(outputs):
    """The course's loss (recon="mse", KL, beta) of a model from its encode(X) and decode(mu)."""
    return R.vae_loss(X, outputs["x_recon"].array, outputs["mu"].array, outputs["log_var"].array,
                      RUN["beta"])["total"]


@task("train_vae")
def test_train_vae_lowers_the_loss(submission):
    """Integration: train_vae with your VAE, vae_loss and reparameterize: per-epoch histories falling; on X the trained model's loss is well below an untrained one's (epochs=0)"""
    info = submission.probe("train_probe", X=X, seed=0, repeat=False, **RUN, _where="train_vae")
    h = _history(info, RUN["epochs"], RUN["beta"])
    if not info["is_module"]:
        fail("train_vae must return the trained VAE (an nn.Module) first")
    if not h["total"][-1] < 0.8 * h["total"][0]:
        fail(f"train_vae did not lower the loss: history['total'] went from {h['total'][0]:.4g} to "
             f"{h['total'][-1]:.4g} in {RUN['epochs']} epochs (Adam, lr={RUN['lr']})")
    mu = R.tensor_of(info["mu"], "the trained model's encode(X) mu").array
    if mu.shape != (len(X), RUN["n_latent"]):
        fail(f"the trained model's encode(X) gives mu of shape {mu.shape}, expected {(len(X), RUN['n_latent'])}")
    if "untrained" not in info:
        fail("train_vae(X, epochs=0, ...) must return (model, history) with the untrained model")
    trained, untrained = _course_loss(info), _course_loss(info["untrained"])
    if not trained < 0.8 * untrained:
        fail(f"on X the returned model's loss (recon='mse', decoding the means) is {trained:.4g}, "
             f"not well below the untrained model's {untrained:.4g}: return the trained model")


@task("train_vae")
def test_train_vae_reproducible_from_generator(submission):
    """Integration: train_vae with your VAE: the same generator seed gives the same history and weights whatever the global RNG; another seed another run"""
    run = dict(RUN, epochs=3)
    info = submission.probe("train_probe", X=X[:96], seed=5, repeat=True, **run, _where="train_vae")
    _history(info, 3, run["beta"])
    a, b, c = info["histories"]
    if a != b or not info["same_weights"]:
        fail("two train_vae runs from generators of the same seed differ: draw the initial weights, "
             "the shuffling and the noise from the generator, never from the global RNG")
    if a == c or info["other_seed_same_weights"]:
        fail("train_vae gave the same run for two different generator seeds: use the generator")


@task("train_vae")
def test_train_vae_bad_arguments_raise_value_error(submission):
    """train_vae (with the course's VAE and loss): X that is not (N, D) or a negative number of epochs raise ValueError naming it"""
    info = submission.probe("train_probe", X=X[:32], seed=0, repeat=False, **dict(RUN, epochs=1),
                            stand_ins=True, _where="train_vae")
    _history(info, 1, RUN["beta"])  # right values first
    R.expect_value_error(submission, "train_vae", [X.reshape(-1, 1, 8, 8)], dict(RUN, generator=None),
                         "X", stand_ins=True)
    R.expect_value_error(submission, "train_vae", [X], dict(RUN, epochs=-1, generator=None), "epochs",
                         stand_ins=True)
