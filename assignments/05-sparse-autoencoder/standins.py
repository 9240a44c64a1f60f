"""Course versions of graded objects of exercise 5, used by the probes as stand-ins so that one
mistake costs one task (sparse_ae_loss runs with the course's penalties and k_sparse,
winner_take_all with the course's k_sparse, train_sparse_ae's non-integration tests with the
course's model and loss).

Solution code: the grader copies this file next to the probes inside the sandbox, and the
release never ships it (probes.py is public, this file is not).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from probes import StandInAutoencoder


def course_l1_penalty(z, lam):
    """The course's l1_penalty: lam * mean_n sum_j |z_nj|."""
    return lam * z.abs().sum(dim=1).mean()


def course_kl_sparsity(z, rho, beta):
    """The course's kl_sparsity: beta * sum_j KL(rho || mean_n z_nj)."""
    q = z.mean(dim=0)
    return beta * (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()


def _keep_largest(z, count, dim):
    """z with all but its ``count`` largest entries along ``dim`` zeroed."""
    top = torch.topk(z, count, dim=dim).indices
    return z * torch.zeros_like(z).scatter(dim, top, 1.0)


def course_k_sparse(z, k):
    """The course's k_sparse: the k largest entries of each row kept."""
    if not 1 <= k <= z.shape[1]:
        raise ValueError(f"k must be in [1, {z.shape[1]}], got {k!r}")
    return _keep_largest(z, k, 1)


class CourseSparseAutoencoder(StandInAutoencoder):
    """The course's SparseAutoencoder: the tests' stand-in model, built with fresh nn.Linear layers."""

    def __init__(self, n_in=64, n_hidden=100, activation="sigmoid"):
        nn.Module.__init__(self)
        self.encoder, self.decoder = nn.Linear(n_in, n_hidden), nn.Linear(n_hidden, n_in)
        self.activation = activation


def course_sparse_ae_loss(model, x, *, method, lam=1e-3, rho=0.05, beta=3.0, k=10):
    """The course's sparse_ae_loss: {total, recon, penalty} for none, l1, kl, k_sparse."""
    z = model.encode(x)
    recon = F.mse_loss(model.decode(course_k_sparse(z, k) if method == "k_sparse" else z), x)
    penalty = (course_l1_penalty(z, lam) if method == "l1" else
               course_kl_sparsity(z, rho, beta) if method == "kl" else recon.new_zeros(()))
    return {"total": recon + penalty, "recon": recon, "penalty": penalty}
