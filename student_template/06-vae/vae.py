"""Exercise 6: a variational autoencoder (torch).

The encoder of a VAE outputs the parameters of a Gaussian ``q(z|x) = N(mu, diag(exp(log_var)))``
instead of a point; a latent code is drawn with the reparameterisation trick
``z = mu + exp(0.5 * log_var) * eps``, ``eps ~ N(0, I)``, so that gradients reach ``mu`` and
``log_var`` (chapter 13.6.4). Training minimises the negative ELBO
``recon + beta * KL(q(z|x) || N(0, I))`` with the KL divergence in closed form, summed over the
latent dimensions and averaged over the batch (the chapter's code averages it over the latent
dimensions too: a bug this exercise fixes).

Conventions (COURSE_SPEC "Conventions" and section 6):
- every function respects the device and dtype of its inputs (nothing hard-coded);
- randomness comes from an explicit ``torch.Generator`` (or explicit noise ``eps``); noise is drawn
  on the generator's device and then moved to the data's device;
- inputs a function cannot handle raise ``ValueError`` naming the argument.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

RECON_LOSSES = ("mse", "bce")


def reparameterize(mu: torch.Tensor, log_var: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + exp(0.5 * log_var) * eps.  mu, log_var, eps (N, L) -> z (N, L)."""
    raise NotImplementedError("reparameterize: your code here")


def kl_divergence(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(log_var)) || N(0, I)) = -0.5 * sum_j (1 + log_var - mu^2 - exp(log_var)).  (N, L) -> (N,)."""
    raise NotImplementedError("kl_divergence: your code here")


def vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse") -> dict:
    """{recon, kl, total}: recon summed over features, KL over latent dims, both batch means; total = recon + beta * kl.

    x, x_recon (N, D) (or (N, ...): every non-batch dimension is a feature); mu, log_var (N, L).
    "mse": sum of squared errors; "bce": binary cross-entropy with x_recon as logits.
    """
    raise NotImplementedError("vae_loss: your code here")


class VAE(nn.Module):
    """x (N, n_in) -> Linear, ReLU -> heads mu, log_var (N, n_latent); z (N, n_latent) -> Linear, ReLU, Linear -> (N, n_in).

    Attributes ``n_in``, ``n_hidden``, ``n_latent`` hold the sizes (``sample`` reads ``n_latent``).
    """

    def __init__(self, n_in: int, n_hidden: int, n_latent: int):
        super().__init__()
        raise NotImplementedError("VAE.__init__: your code here")

    def encode(self, x: torch.Tensor):
        """x (N, n_in) -> (mu, log_var), each (N, n_latent)."""
        raise NotImplementedError("VAE.encode: your code here")

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (N, n_latent) -> x_recon (N, n_in), unbounded (logits for "bce")."""
        raise NotImplementedError("VAE.decode: your code here")

    def forward(self, x, eps=None, generator=None):
        """(x_recon, mu, log_var) with z = reparameterize(mu, log_var, eps); eps ~ N(0, I) drawn with generator when None."""
        raise NotImplementedError("VAE.forward: your code here")


def sample(model, n: int, generator) -> torch.Tensor:
    """model.decode(z) for z ~ N(0, I) of shape (n, model.n_latent), drawn with generator; -> (n, n_in), no graph."""
    raise NotImplementedError("sample: your code here")


def train_vae(X, *, n_latent, beta, epochs, lr, generator, n_hidden=64, batch_size=64):
    """Adam on vae_loss(recon="mse") over minibatches of X (N, D) shuffled with generator -> (VAE, history).

    history maps "total", "recon", "kl" to per-epoch lists (unweighted means of that epoch's
    minibatch values). The model's initial weights, the shuffling and the noise all come from
    ``generator``, so the same seed gives the same run.
    """
    raise NotImplementedError("train_vae: your code here")


def plot_latent_space(model, X, labels):
    """matplotlib Figure: scatter of the means mu[:, 0] vs mu[:, 1] of encode(X), coloured by labels (c=labels)."""
    raise NotImplementedError("plot_latent_space: your code here")


def plot_samples(model, n, generator):
    """matplotlib Figure: the n rows of sample(model, n, generator), each an image (side x side, row-major; n_in = side^2)."""
    raise NotImplementedError("plot_samples: your code here")
