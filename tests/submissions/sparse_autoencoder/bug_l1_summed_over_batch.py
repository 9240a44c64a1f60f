"""VARIANT bug_l1_summed_over_batch: the L1 penalty sums over the batch instead of averaging."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

METHODS = ("none", "l1", "kl", "k_sparse")
ACTIVATIONS = ("sigmoid", "relu")


def _check_codes(z, name: str = "z") -> None:
    """ValueError unless ``z`` is a 2-D tensor (N, n_hidden) with N >= 1."""
    if not isinstance(z, torch.Tensor) or z.dim() != 2 or z.shape[0] < 1:
        shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(f"{name} must be a 2-D tensor (N, n_hidden) with N >= 1, got {shape}")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _keep_top(z: torch.Tensor, k: int, dim: int) -> torch.Tensor:
    """z with all but the k largest entries along ``dim`` set to 0 (gradient through kept ones)."""
    idx = torch.topk(z, k, dim=dim).indices
    keep = torch.zeros_like(z, dtype=torch.bool).scatter_(dim, idx, True)
    return torch.where(keep, z, torch.zeros_like(z))


def _init_uniform_(model: nn.Module, generator) -> None:
    """Every nn.Linear weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch's default
    range), drawn in module order (weight, then bias) on the generator's device, then copied."""
    gen_device = generator.device if generator is not None else None
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                for p in (m.weight, m.bias):
                    u = torch.rand(p.shape, generator=generator, dtype=p.dtype,
                                   device=gen_device if gen_device is not None else p.device)
                    p.copy_((2 * u - 1) * bound)


class SparseAutoencoder(nn.Module):
    """x (N, n_in) -> z = act(encoder(x)) (N, n_hidden) -> x_hat = decoder(z) (N, n_in).

    ``encoder = nn.Linear(n_in, n_hidden)``, ``decoder = nn.Linear(n_hidden, n_in)`` (a linear
    decoder: no activation on x_hat); ``activation`` is "sigmoid" or "relu".
    """

    def __init__(self, n_in: int = 64, n_hidden: int = 100, activation: str = "sigmoid"):
        super().__init__()
        for name, value in (("n_in", n_in), ("n_hidden", n_hidden)):
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        self.activation = activation
        self.encoder = nn.Linear(n_in, n_hidden)
        self.decoder = nn.Linear(n_hidden, n_in)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """z = act(x @ W1.T + b1).  x (N, n_in) -> z (N, n_hidden)."""
        h = self.encoder(x)
        return torch.sigmoid(h) if self.activation == "sigmoid" else torch.relu(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_hat = z @ W2.T + b2.  z (N, n_hidden) -> x_hat (N, n_in)."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor):
        """(x_hat, z) = (decode(encode(x)), encode(x))."""
        z = self.encode(x)
        return self.decode(z), z


def l1_penalty(z: torch.Tensor, lam: float) -> torch.Tensor:
    """lam * mean_n sum_j |z_nj|.  z (N, H) -> 0-d tensor."""
    _check_codes(z)
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    return lam * z.abs().sum()


def kl_sparsity(z: torch.Tensor, rho: float, beta: float) -> torch.Tensor:
    """beta * sum_j [rho log(rho/rho_hat_j) + (1-rho) log((1-rho)/(1-rho_hat_j))], rho_hat = mean_n z.  z (N, H) in (0, 1) -> 0-d."""
    _check_codes(z)
    if not 0 < rho < 1:
        raise ValueError(f"rho must be in (0, 1), got {rho!r}")
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    rho_hat = z.mean(dim=0)
    kl = rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
    return beta * kl.sum()


def k_sparse(z: torch.Tensor, k: int) -> torch.Tensor:
    """Keep the k largest entries (by value) of each row of z, zero the rest.  z (N, H) -> (N, H)."""
    _check_codes(z)
    if not _is_int(k) or not 1 <= k <= z.shape[1]:
        raise ValueError(f"k must be an integer in [1, {z.shape[1]}] (the code width), got {k!r}")
    return _keep_top(z, k, dim=1)


def winner_take_all(z: torch.Tensor) -> torch.Tensor:
    """k_sparse(z, 1): only each row's largest entry survives.  z (N, H) -> (N, H)."""
    return k_sparse(z, 1)


def lifetime_sparsity(z: torch.Tensor, rate: float) -> torch.Tensor:
    """Per unit (column), keep its ceil(rate * N) largest activations over the batch, zero the rest."""
    _check_codes(z)
    if isinstance(rate, bool) or not 0 < rate <= 1:
        raise ValueError(f"rate must be in (0, 1], got {rate!r}")
    keep = min(z.shape[0], math.ceil(rate * z.shape[0]))
    return _keep_top(z, keep, dim=0)


def sparse_ae_loss(model, x: torch.Tensor, *, method: str, lam: float = 1e-3, rho: float = 0.05,
                   beta: float = 3.0, k: int = 10) -> dict:
    """{"total", "recon", "penalty"} (0-d tensors): recon = mean (x_hat - x)^2, total = recon + penalty.

    none: penalty 0; l1: l1_penalty(z, lam); kl: kl_sparsity(z, rho, beta);
    k_sparse: x_hat = decode(k_sparse(encode(x), k)), penalty 0.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    _check_codes(x, "x")
    z = model.encode(x)
    if method == "k_sparse":
        z = k_sparse(z, k)
    recon = F.mse_loss(model.decode(z), x)
    if method == "l1":
        penalty = l1_penalty(z, lam)
    elif method == "kl":
        penalty = kl_sparsity(z, rho, beta)
    else:
        penalty = torch.zeros((), dtype=recon.dtype, device=recon.device)
    return {"total": recon + penalty, "recon": recon, "penalty": penalty}


def encoding_stats(z: torch.Tensor, threshold: float = 0.1) -> dict:
    """{"mean_active", "fraction_active", "entropy_bits"} as floats; entropy of p_j = a_j / sum_k a_k, a = mean_n |z|."""
    _check_codes(z)
    with torch.no_grad():
        active = (z > threshold).sum(dim=1).to(torch.float64)
        mean_active = active.mean().item()
        a = z.abs().to(torch.float64).mean(dim=0)
        total = a.sum()
        if total.item() == 0:
            entropy = 0.0
        else:
            p = a / total
            terms = torch.where(p > 0, p * torch.log2(torch.where(p > 0, p, torch.ones_like(p))),
                                torch.zeros_like(p))
            entropy = -terms.sum().item()
    return {"mean_active": mean_active, "fraction_active": mean_active / z.shape[1],
            "entropy_bits": float(entropy)}


def train_sparse_ae(X: torch.Tensor, *, method: str, epochs: int, lr: float, generator,
                    n_hidden: int = 100, batch_size: int = 100, **penalty_kwargs):
    """Adam on sparse_ae_loss over minibatches; returns (model, {"total", "recon", "penalty": per-epoch lists}).

    Model: SparseAutoencoder(X.shape[1], n_hidden, "sigmoid") in X's dtype/device; encoder then
    decoder, weight then bias, re-drawn ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from ``generator``
    (handout section 7); each epoch one torch.randperm(N, generator) (drawn on the generator's
    device) orders the minibatches (a last partial one is kept); history values are the
    unweighted means of that epoch's minibatch values.
    """
    _check_codes(X, "X")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not _is_int(epochs) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    model = SparseAutoencoder(X.shape[1], n_hidden, "sigmoid").to(device=X.device, dtype=X.dtype)
    _init_uniform_(model, generator)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = X.shape[0]
    history = {"total": [], "recon": [], "penalty": []}
    for _ in range(epochs):
        perm_device = generator.device if generator is not None else X.device
        perm = torch.randperm(n, generator=generator, device=perm_device).to(X.device)
        sums = {key: 0.0 for key in history}
        n_batches = 0
        for start in range(0, n, batch_size):
            losses = sparse_ae_loss(model, X[perm[start:start + batch_size]], method=method,
                                    **penalty_kwargs)
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            for key in history:
                sums[key] += losses[key].item()
            n_batches += 1
        for key in history:
            history[key].append(sums[key] / n_batches)
    return model, history


def plot_filters(model):
    """Figure with one 8x8 tile (imshow) per hidden unit: row j of model.encoder.weight, reshaped row-major.

    Tiles fill a grid of ceil(sqrt(H)) columns row by row (unit j at row j // cols, column j % cols).
    """
    from matplotlib.figure import Figure

    W = model.encoder.weight.detach()
    n_hidden, n_in = W.shape
    side = math.isqrt(n_in)
    if side * side != n_in:
        raise ValueError(f"model: the encoder's input size {n_in} is not a square number of pixels")
    cols = math.ceil(math.sqrt(n_hidden))
    rows = math.ceil(n_hidden / cols)
    fig = Figure(figsize=(cols * 0.8, rows * 0.8))
    axes = fig.subplots(rows, cols, squeeze=False)
    tiles = W.reshape(n_hidden, side, side).to("cpu", torch.float64).numpy()
    for j, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if j < n_hidden:
            ax.imshow(tiles[j], cmap="gray", interpolation="nearest")
    fig.suptitle("Encoder filters (one 8x8 tile per hidden unit)")
    return fig
