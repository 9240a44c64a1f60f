"""Hidden CPU-only device checks: each graded torch function runs once normally and once with
tensors created without device= landing on the `meta` device, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probe_tools.device_rules). Runs everywhere, no GPU needed.
Each first requires the function's values to be right on a small input."""
import os
import sys

import numpy as np

from autograder.testing import expect_no_device_bug, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import test_functions as F  # noqa: E402
import test_model as M  # noqa: E402
import vae_oracle as R  # noqa: E402

MU, LOG_VAR, EPS = S.latents(0, 4, 3)
LOSS_ARGS = S.loss_inputs(1, 4, 5, 3, "bce")
CONFIG = dict(n_in=5, n_hidden=4, n_latent=3)


@task("reparameterize")
def test_reparameterize_device(submission):
    """reparameterize keeps its result and gradients on the inputs' device"""
    F._reparameterize(submission, 0, 4, 3, np.float64)
    expect_no_device_bug(submission, "reparameterize", args=[MU, LOG_VAR, EPS])


@task("kl_divergence")
def test_kl_divergence_device(submission):
    """kl_divergence keeps its result and gradients on the inputs' device"""
    F._kl(submission, 0, 4, 3, np.float64)
    expect_no_device_bug(submission, "kl_divergence", args=[MU, LOG_VAR])


@task("vae_loss")
def test_vae_loss_device(submission):
    """vae_loss keeps every value and gradient on the inputs' device (no torch.tensor(0.) without device=)"""
    F._loss(submission, 1, 4, 5, 3, "bce", 0.5)
    expect_no_device_bug(submission, "vae_loss", args=list(LOSS_ARGS), kwargs=dict(beta=0.5, recon="bce"))


@task("VAE")
def test_vae_forward_device(submission):
    """VAE.forward draws its noise on the generator's device and keeps everything on the input's device"""
    info = submission.probe("vae_probe", config=CONFIG, x=S.inputs(0, 4, 5), seed=0, eps=S.inputs(1, 4, 3),
                            _where="VAE")
    M._encoded(info, CONFIG, 4)
    R.expect_forward(info)
    expect_no_device_bug(submission, "VAE.forward", config=CONFIG, x=S.inputs(0, 4, 5), seed=2)


@task("sample")
def test_sample_device(submission):
    """sample draws z on the generator's device and returns samples on the model's device"""
    weights = S.stand_in_weights(0, 5, 2)
    runs = M._sample_runs(submission, weights, 2000, 0)
    R.expect_standard_normal(R.recover_latents(weights, runs[0], "sample(...)"), "sample(...)")
    expect_no_device_bug(submission, "sample", weights=weights, n=6, seed=1)


@task("train_vae")
def test_train_vae_device(submission):
    """train_vae (with the course's VAE and loss) builds its model, permutations and noise for the data's device"""
    X, _ = S.images(48, seed=3)
    kwargs = dict(n_latent=2, beta=0.5, epochs=2, lr=1e-2)
    info = submission.probe("train_probe", X=X, seed=0, repeat=False, **kwargs, stand_ins=True,
                            _where="train_vae")
    from test_training import _history
    _history(info, 2, kwargs["beta"])  # right values first
    expect_no_device_bug(submission, "train_vae", X=X, seed=0, kwargs=kwargs, stand_ins=True)
