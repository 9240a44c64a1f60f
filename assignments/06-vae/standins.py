"""Course versions of graded objects of exercise 6, used by the probes as stand-ins so that one
mistake costs one task (train_vae's device and argument tests run with the course's VAE and
loss; plot_samples with the course's sample).

Solution code: the grader copies this file next to the probes inside the sandbox, and the
release never ships it (probes.py is public, this file is not).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _course_noise(shape, generator, like):
    """N(0, I) of ``shape`` drawn on the generator's device, then in ``like``'s dtype and device."""
    device = generator.device if generator is not None else like.device
    return torch.randn(shape, generator=generator, device=device, dtype=like.dtype).to(like.device)


def course_reparameterize(mu, log_var, eps):
    """The course's reparameterize: mu + exp(0.5 log_var) eps."""
    return mu + torch.exp(0.5 * log_var) * eps


def course_kl_divergence(mu, log_var):
    """The course's kl_divergence: one KL per row, (N,)."""
    return -0.5 * (1 + log_var - mu * mu - torch.exp(log_var)).sum(dim=1)


def course_vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse"):
    """The course's vae_loss: per-sample sums over features and latent dimensions, batch means."""
    if recon == "mse":
        per_sample = ((x_recon - x) ** 2).flatten(1).sum(dim=1)
    else:
        per_sample = F.binary_cross_entropy_with_logits(x_recon, x, reduction="none").flatten(1).sum(dim=1)
    rec, kl = per_sample.mean(), course_kl_divergence(mu, log_var).mean()
    return {"recon": rec, "kl": kl, "total": rec + beta * kl}


class CourseVAE(nn.Module):
    """The course's VAE: Linear+ReLU encoder, heads fc_mu and fc_log_var, Linear+ReLU+Linear decoder."""

    def __init__(self, n_in, n_hidden, n_latent):
        super().__init__()
        self.n_in, self.n_hidden, self.n_latent = n_in, n_hidden, n_latent
        self.encoder = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU())
        self.fc_mu, self.fc_log_var = nn.Linear(n_hidden, n_latent), nn.Linear(n_hidden, n_latent)
        self.decoder = nn.Sequential(nn.Linear(n_latent, n_hidden), nn.ReLU(), nn.Linear(n_hidden, n_in))

    def encode(self, x):
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_log_var(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x, eps=None, generator=None):
        mu, log_var = self.encode(x)
        eps = _course_noise(mu.shape, generator, mu) if eps is None else eps
        return self.decode(course_reparameterize(mu, log_var, eps)), mu, log_var


def course_sample(model, n, generator):
    """The course's sample: decode(z), z = randn((n, n_latent)) from the generator, no graph."""
    with torch.no_grad():
        return model.decode(_course_noise((n, model.n_latent), generator, next(model.parameters())))
