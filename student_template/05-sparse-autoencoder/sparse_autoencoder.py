"""Exercise 5: dense and sparse codes (torch).

An autoencoder ``x -> z = act(W1 x + b1) -> x_hat = W2 z + b2`` learns a code ``z`` of its input.
With more hidden units than inputs (64 -> 100) nothing forces the code to be informative unless
we ask for sparsity: an L1 penalty, a KL penalty on each unit's mean activation, or hard top-k
selection (chapter 13.6.3).

Conventions (COURSE_SPEC "Conventions" and section 5):
- every function keeps the device and dtype of its inputs (nothing hard-coded);
- randomness comes from an explicit ``torch.Generator``;
- inputs a function cannot handle raise ``ValueError`` naming the argument.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

METHODS = ("none", "l1", "kl", "k_sparse")
ACTIVATIONS = ("sigmoid", "relu")


class SparseAutoencoder(nn.Module):
    """x (N, n_in) -> z = act(encoder(x)) (N, n_hidden) -> x_hat = decoder(z) (N, n_in).

    ``encoder = nn.Linear(n_in, n_hidden)``, ``decoder = nn.Linear(n_hidden, n_in)`` (a linear
    decoder: no activation on x_hat); ``activation`` is "sigmoid" or "relu".
    """

    def __init__(self, n_in: int = 64, n_hidden: int = 100, activation: str = "sigmoid"):
        super().__init__()
        raise NotImplementedError("SparseAutoencoder.__init__: your code here")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """z = act(x @ W1.T + b1).  x (N, n_in) -> z (N, n_hidden)."""
        raise NotImplementedError("SparseAutoencoder.encode: your code here")

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = z @ W2.T + b2.  z (N, n_hidden) -> x_hat (N, n_in)."""
        raise NotImplementedError("SparseAutoencoder.decode: your code here")

    def forward(self, x: torch.Tensor):
        """(x_hat, z) = (decode(encode(x)), encode(x))."""
        raise NotImplementedError("SparseAutoencoder.forward: your code here")


def l1_penalty(z: torch.Tensor, lam: float) -> torch.Tensor:
    """lam * mean_n sum_j |z_nj|.  z (N, H) -> 0-d tensor."""
    raise NotImplementedError("l1_penalty: your code here")


def kl_sparsity(z: torch.Tensor, rho: float, beta: float) -> torch.Tensor:
    """beta * sum_j [rho log(rho/rho_hat_j) + (1-rho) log((1-rho)/(1-rho_hat_j))], rho_hat = mean_n z.  z (N, H) in (0, 1) -> 0-d."""
    raise NotImplementedError("kl_sparsity: your code here")


def k_sparse(z: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest entries (by value) of each row of z, zero the rest.  z (N, H) -> (N, H)."""
    raise NotImplementedError("k_sparse: your code here")


def winner_take_all(z: torch.Tensor) -> torch.Tensor:
    """k_sparse(z, 1): only each row's largest entry survives.  z (N, H) -> (N, H)."""
    raise NotImplementedError("winner_take_all: your code here")


def lifetime_sparsity(z: torch.Tensor, rate: float) -> torch.Tensor:
    """Per unit (column), keep its ceil(rate * N) largest activations over the batch, zero the rest."""
    raise NotImplementedError("lifetime_sparsity: your code here")


def sparse_ae_loss(model, x: torch.Tensor, *, method: str, lam: float = 1e-3, rho: float = 0.05,
                   beta: float = 3.0, k: int = 10) -> dict:
    """{"total", "recon", "penalty"} (0-d tensors): recon = mean (x_hat - x)^2, total = recon + penalty.

    none: penalty 0; l1: l1_penalty(z, lam); kl: kl_sparsity(z, rho, beta);
    k_sparse: x_hat = decode(k_sparse(encode(x), k)), penalty 0.
    """
    raise NotImplementedError("sparse_ae_loss: your code here")


def encoding_stats(z: torch.Tensor, threshold: float = 0.1) -> dict:
    """{"mean_active", "fraction_active", "entropy_bits"} as floats; entropy of p_j = a_j / sum_k a_k, a = mean_n |z|."""
    raise NotImplementedError("encoding_stats: your code here")


def train_sparse_ae(X: torch.Tensor, *, method: str, epochs: int, lr: float, generator,
                    n_hidden: int = 100, batch_size: int = 100, **penalty_kwargs):
    """Adam on sparse_ae_loss over minibatches; returns (model, {"total", "recon", "penalty": per-epoch lists}).

    Model: SparseAutoencoder(X.shape[1], n_hidden, "sigmoid") in X's dtype/device; encoder then
    decoder, weight then bias, re-drawn ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from ``generator``
    (handout section 7); each epoch one torch.randperm(N, generator) (drawn on the generator's
    device) orders the minibatches (a last partial one is kept); history values are the
    unweighted means of that epoch's minibatch values.
    """
    raise NotImplementedError("train_sparse_ae: your code here")


def plot_filters(model):
    """Figure with one 8x8 tile (imshow) per hidden unit: row j of model.encoder.weight, reshaped row-major.

    Tiles fill a grid of ceil(sqrt(H)) columns row by row (unit j at row j // cols, column j % cols).
    """
    raise NotImplementedError("plot_filters: your code here")
