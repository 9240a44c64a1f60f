"""VARIANT ok_sort_and_loops: correct, written differently: thresholds from torch.sort instead of
topk+scatter, lifetime sparsity through the transpose, explicit loops for the statistics and
the tiles, float64 inside encoding_stats, a penalty of 0 as a Python-number tensor."""
from __future__ import annotations

import math

import torch
from torch import nn

METHODS = ("none", "l1", "kl", "k_sparse")


def _codes(z, name="z"):
    if not isinstance(z, torch.Tensor) or z.ndim != 2 or len(z) == 0:
        raise ValueError(f"{name}: need a non-empty (N, H) tensor")


class SparseAutoencoder(nn.Module):
    def __init__(self, n_in: int = 64, n_hidden: int = 100, activation: str = "sigmoid"):
        super().__init__()
        if activation not in ("sigmoid", "relu"):
            raise ValueError(f"unknown activation {activation}")
        if n_in < 1 or n_hidden < 1:
            raise ValueError("n_in and n_hidden must be positive")
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder = nn.Linear(n_hidden, n_in)
        self.act = nn.Sigmoid() if activation == "sigmoid" else nn.ReLU()

    def encode(self, x):
        return self.act(x @ self.encoder.weight.T + self.encoder.bias)

    def decode(self, z):
        return z @ self.decoder.weight.T + self.decoder.bias

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def l1_penalty(z, lam):
    _codes(z)
    return lam * z.abs().sum() / z.shape[0]


def kl_sparsity(z, rho, beta):
    _codes(z)
    if rho <= 0 or rho >= 1:
        raise ValueError("rho must lie strictly between 0 and 1")
    rho_hat = z.sum(0) / z.shape[0]
    return beta * torch.sum(rho * (math.log(rho) - torch.log(rho_hat))
                            + (1 - rho) * (math.log(1 - rho) - torch.log1p(-rho_hat)))


def k_sparse(z, k):
    _codes(z)
    if k < 1 or k > z.shape[1]:
        raise ValueError(f"k={k} must be between 1 and the width {z.shape[1]}")
    kth = torch.sort(z, dim=1, descending=True).values[:, k - 1:k]
    return z * (z >= kth).to(z.dtype)


def winner_take_all(z):
    _codes(z)
    return z * (z == z.max(dim=1, keepdim=True).values).to(z.dtype)


def lifetime_sparsity(z, rate):
    _codes(z)
    if not (0 < rate <= 1):
        raise ValueError("rate must be in (0, 1]")
    n_keep = -int(-rate * z.shape[0] // 1)  # ceil
    return k_sparse(z.T, min(n_keep, z.shape[0])).T


def sparse_ae_loss(model, x, *, method, lam=1e-3, rho=0.05, beta=3.0, k=10):
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    _codes(x, "x")
    z = model.encode(x)
    code = k_sparse(z, k) if method == "k_sparse" else z
    recon = ((model.decode(code) - x) ** 2).mean()
    if method == "l1":
        penalty = l1_penalty(z, lam)
    elif method == "kl":
        penalty = kl_sparsity(z, rho, beta)
    else:
        penalty = recon.new_tensor(0.0)
    return {"recon": recon, "penalty": penalty, "total": recon + penalty}


def encoding_stats(z, threshold=0.1):
    _codes(z)
    z = z.detach().double()
    n, h = z.shape
    mean_active = sum(int((z[i] > threshold).sum()) for i in range(n)) / n
    a = z.abs().mean(0)
    entropy = 0.0
    if a.sum() > 0:
        for p in (a / a.sum()).tolist():
            if p > 0:
                entropy -= p * math.log(p, 2)
    return {"mean_active": float(mean_active), "fraction_active": mean_active / h,
            "entropy_bits": entropy}


def train_sparse_ae(X, *, method, epochs, lr, generator, n_hidden=100, batch_size=100,
                    **penalty_kwargs):
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {METHODS}")
    _codes(X, "X")
    model = SparseAutoencoder(X.shape[1], n_hidden).to(X.device, X.dtype)
    gdev = generator.device if generator is not None else X.device
    with torch.no_grad():
        for layer in (model.encoder, model.decoder):
            bound = layer.in_features ** -0.5
            layer.weight.copy_(torch.rand(layer.weight.shape, generator=generator, dtype=X.dtype,
                                          device=gdev) * 2 * bound - bound)
            layer.bias.copy_(torch.rand(layer.bias.shape, generator=generator, dtype=X.dtype,
                                        device=gdev) * 2 * bound - bound)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"total": [], "recon": [], "penalty": []}
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator, device=gdev).to(X.device)
        seen = {key: [] for key in history}
        for batch in order.split(batch_size):
            out = sparse_ae_loss(model, X[batch], method=method, **penalty_kwargs)
            opt.zero_grad()
            out["total"].backward()
            opt.step()
            for key in seen:
                seen[key].append(float(out[key]))
        for key in history:
            history[key].append(sum(seen[key]) / len(seen[key]))
    return model, history


def plot_filters(model):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    W = model.encoder.weight.detach().cpu().numpy()
    h = W.shape[0]
    cols = math.ceil(math.sqrt(h))
    rows = math.ceil(h / cols)
    fig = plt.figure(figsize=(cols, rows))
    for j in range(h):
        ax = fig.add_subplot(rows, cols, j + 1)
        tile = W[j].reshape(8, 8)
        ax.imshow((tile - tile.min()) / (tile.max() - tile.min()), cmap="gray")
        ax.axis("off")
    return fig
