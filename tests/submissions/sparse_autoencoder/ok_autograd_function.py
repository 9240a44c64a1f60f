"""VARIANT ok_autograd_function: correct, with the top-k selections as a hand-written
torch.autograd.Function (backward = mask * grad), winner_take_all via k_sparse, float32 inside
the statistics, subplots without squeeze."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class _KeepTop(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z, k, dim):
        threshold = z.topk(k, dim=dim).values.narrow(dim, k - 1, 1)
        mask = z >= threshold
        ctx.save_for_backward(mask)
        return z.masked_fill(~mask, 0.0)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None


def _need_2d(z, name="z"):
    if z.dim() != 2:
        raise ValueError(f"{name} must be 2-D, got shape {tuple(z.shape)}")


class SparseAutoencoder(nn.Module):
    def __init__(self, n_in=64, n_hidden=100, activation="sigmoid"):
        super().__init__()
        if activation not in ("sigmoid", "relu"):
            raise ValueError(f"activation {activation!r} not supported")
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder = nn.Linear(n_hidden, n_in)
        self.activation = activation

    def encode(self, x):
        return getattr(torch, self.activation)(self.encoder(x))

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def l1_penalty(z, lam):
    _need_2d(z)
    return lam * torch.linalg.vector_norm(z, ord=1, dim=1).mean()


def kl_sparsity(z, rho, beta):
    _need_2d(z)
    if not 0.0 < rho < 1.0:
        raise ValueError(f"rho={rho} outside (0, 1)")
    rho_hat = z.mean(0)
    target = torch.full_like(rho_hat, rho)
    # KL between Bernoulli(rho) and Bernoulli(rho_hat), via binary cross-entropies
    kl = F.binary_cross_entropy(rho_hat, target, reduction="none") \
        - F.binary_cross_entropy(target, target, reduction="none")
    return beta * kl.sum()


def k_sparse(z, k):
    _need_2d(z)
    if not 1 <= k <= z.shape[1]:
        raise ValueError(f"k={k} exceeds the code width {z.shape[1]} (or is < 1)")
    return _KeepTop.apply(z, k, 1)


def winner_take_all(z):
    return k_sparse(z, 1)


def lifetime_sparsity(z, rate):
    _need_2d(z)
    if not 0 < rate <= 1:
        raise ValueError(f"rate={rate} outside (0, 1]")
    return _KeepTop.apply(z, min(z.shape[0], math.ceil(rate * z.shape[0])), 0)


def sparse_ae_loss(model, x, *, method, lam=1e-3, rho=0.05, beta=3.0, k=10):
    if method not in ("none", "l1", "kl", "k_sparse"):
        raise ValueError(f"unknown method {method!r}")
    _need_2d(x, "x")
    z = model.encode(x)
    if method == "k_sparse":
        recon = F.mse_loss(model.decode(k_sparse(z, k)), x)
    else:
        recon = F.mse_loss(model.decode(z), x)
    penalty = {"l1": lambda: l1_penalty(z, lam), "kl": lambda: kl_sparsity(z, rho, beta)}.get(
        method, lambda: torch.zeros((), dtype=x.dtype, device=x.device))()
    return {"total": recon + penalty, "recon": recon, "penalty": penalty}


def encoding_stats(z, threshold=0.1):
    _need_2d(z)
    with torch.no_grad():
        mean_active = (z > threshold).double().sum(1).mean().item()
        a = z.abs().double().mean(0)
        p = a / a.sum() if a.sum() > 0 else a
        entropy = -(torch.special.xlogy(p, p).sum() / math.log(2)).item()
    return {"mean_active": mean_active, "fraction_active": mean_active / z.shape[1],
            "entropy_bits": entropy + 0.0}


def train_sparse_ae(X, *, method, epochs, lr, generator, n_hidden=100, batch_size=100,
                    **penalty_kwargs):
    if method not in ("none", "l1", "kl", "k_sparse"):
        raise ValueError(f"unknown method {method!r}")
    _need_2d(X, "X")
    model = SparseAutoencoder(X.shape[1], n_hidden).to(device=X.device, dtype=X.dtype)
    gen_device = generator.device if generator is not None else X.device
    with torch.no_grad():
        for layer in (model.encoder, model.decoder):
            bound = 1 / math.sqrt(layer.in_features)
            for p in (layer.weight, layer.bias):
                u = torch.rand(p.shape, generator=generator, dtype=p.dtype, device=gen_device)
                p.copy_(bound * (2 * u - 1))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"total": [], "recon": [], "penalty": []}
    n = X.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator, device=gen_device).to(X.device)
        sums, batches = [0.0, 0.0, 0.0], 0
        for i in range(0, n, batch_size):
            losses = sparse_ae_loss(model, X[perm[i:i + batch_size]], method=method, **penalty_kwargs)
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            sums = [s + losses[k].item() for s, k in zip(sums, ("total", "recon", "penalty"))]
            batches += 1
        for key, value in zip(("total", "recon", "penalty"), sums):
            history[key].append(value / batches)
    return model, history


def plot_filters(model):
    from matplotlib.figure import Figure

    W = model.encoder.weight.detach().to("cpu")
    h = W.shape[0]
    cols = math.ceil(math.sqrt(h))
    rows = -(-h // cols)
    fig = Figure()
    axes = fig.subplots(rows, cols)
    axes = [axes] if rows * cols == 1 else list(getattr(axes, "flat", axes))
    for j, ax in enumerate(axes):
        ax.axis("off")
        if j < h:
            ax.imshow(W[j].reshape(8, 8).numpy(), cmap="RdBu")
    return fig
