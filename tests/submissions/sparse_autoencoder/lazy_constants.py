"""[lazy_constants] Every graded function and method returns constants of the right shape, dtype
and type and computes nothing: it must score 0 (no points without right values)."""
import torch
from matplotlib.figure import Figure
from torch import nn


class SparseAutoencoder(nn.Module):
    def __init__(self, n_in=64, n_hidden=100, activation="sigmoid"):
        super().__init__()
        self.activation = activation
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder = nn.Linear(n_hidden, n_in)

    def encode(self, x):
        return x.new_zeros((x.shape[0], self.encoder.out_features))

    def decode(self, z):
        return z.new_zeros((z.shape[0], self.decoder.out_features))

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def l1_penalty(z, lam):
    return z.new_zeros(())


def kl_sparsity(z, rho, beta):
    return z.new_zeros(())


def k_sparse(z, k):
    return torch.zeros_like(z)


def winner_take_all(z):
    return torch.zeros_like(z)


def lifetime_sparsity(z, rate):
    return torch.zeros_like(z)


def sparse_ae_loss(model, x, *, method, lam=1e-3, rho=0.05, beta=3.0, k=10):
    zero = x.new_zeros(())
    return {"total": zero, "recon": zero, "penalty": zero}


def encoding_stats(z, threshold=0.1):
    return {"mean_active": 0.0, "fraction_active": 0.0, "entropy_bits": 0.0}


def train_sparse_ae(X, *, method, epochs, lr, generator, n_hidden=100, batch_size=100,
                    **penalty_kwargs):
    model = SparseAutoencoder(X.shape[1], n_hidden).to(device=X.device, dtype=X.dtype)
    return model, {"total": [0.0] * epochs, "recon": [0.0] * epochs, "penalty": [0.0] * epochs}


def plot_filters(model):
    return Figure()
