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


# BEGIN SOLUTION (remove)
def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _same_shape(name, got, other_name, other):
    if got.shape != other.shape:
        raise ValueError(f"{name} must have the shape of {other_name} {tuple(other.shape)}, "
                         f"got {tuple(got.shape)}")


def _standard_normal(shape, generator, like):
    """N(0, I) noise of ``shape`` drawn with ``generator`` on the generator's device, then
    moved to ``like``'s device in ``like``'s dtype (a CPU generator thus works for CUDA data)."""
    device = generator.device if generator is not None else like.device
    z = torch.randn(shape, generator=generator, device=device, dtype=like.dtype)
    return z.to(like.device)
# END SOLUTION


def reparameterize(mu: torch.Tensor, log_var: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mu + exp(0.5 * log_var) * eps.  mu, log_var, eps (N, L) -> z (N, L)."""
    # BEGIN SOLUTION
    _same_shape("log_var", log_var, "mu", mu)
    _same_shape("eps", eps, "mu", mu)
    return mu + torch.exp(0.5 * log_var) * eps
    # END SOLUTION


def kl_divergence(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(log_var)) || N(0, I)) = -0.5 * sum_j (1 + log_var - mu^2 - exp(log_var)).  (N, L) -> (N,)."""
    # BEGIN SOLUTION
    if mu.dim() != 2:
        raise ValueError(f"mu must be (N, L), got shape {tuple(mu.shape)}")
    _same_shape("log_var", log_var, "mu", mu)
    return -0.5 * (1 + log_var - mu.pow(2) - log_var.exp()).sum(dim=1)
    # END SOLUTION


def vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse") -> dict:
    """{recon, kl, total}: recon summed over features, KL over latent dims, both batch means; total = recon + beta * kl.

    x, x_recon (N, D) (or (N, ...): every non-batch dimension is a feature); mu, log_var (N, L).
    "mse": sum of squared errors; "bce": binary cross-entropy with x_recon as logits.
    """
    # BEGIN SOLUTION
    if recon not in RECON_LOSSES:
        raise ValueError(f"recon must be one of {RECON_LOSSES}, got {recon!r}")
    if x.dim() < 2:
        raise ValueError(f"x must be (N, D), got shape {tuple(x.shape)}")
    _same_shape("x_recon", x_recon, "x", x)
    if mu.dim() != 2 or mu.shape[0] != x.shape[0]:
        raise ValueError(f"mu must be (N, L) with N = {x.shape[0]} rows like x, got shape "
                         f"{tuple(mu.shape)}")
    _same_shape("log_var", log_var, "mu", mu)  # here too, not only in kl_divergence
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    if recon == "mse":
        per_element = (x_recon - x).pow(2)
    else:
        per_element = F.binary_cross_entropy_with_logits(x_recon, x, reduction="none")
    recon_loss = per_element.flatten(1).sum(dim=1).mean()
    kl = kl_divergence(mu, log_var).mean()
    return {"recon": recon_loss, "kl": kl, "total": recon_loss + beta * kl}
    # END SOLUTION


class VAE(nn.Module):
    """x (N, n_in) -> Linear, ReLU -> heads mu, log_var (N, n_latent); z (N, n_latent) -> Linear, ReLU, Linear -> (N, n_in).

    Attributes ``n_in``, ``n_hidden``, ``n_latent`` hold the sizes (``sample`` reads ``n_latent``).
    """

    def __init__(self, n_in: int, n_hidden: int, n_latent: int):
        super().__init__()
        # BEGIN SOLUTION
        for name, value in (("n_in", n_in), ("n_hidden", n_hidden), ("n_latent", n_latent)):
            _positive_int(name, value)
        self.n_in, self.n_hidden, self.n_latent = n_in, n_hidden, n_latent
        self.encoder = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU())
        self.fc_mu = nn.Linear(n_hidden, n_latent)
        self.fc_log_var = nn.Linear(n_hidden, n_latent)
        self.decoder = nn.Sequential(nn.Linear(n_latent, n_hidden), nn.ReLU(),
                                     nn.Linear(n_hidden, n_in))
        # END SOLUTION

    def encode(self, x: torch.Tensor):
        """x (N, n_in) -> (mu, log_var), each (N, n_latent)."""
        # BEGIN SOLUTION
        h = self.encoder(x)
        return self.fc_mu(h), self.fc_log_var(h)
        # END SOLUTION

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """z (N, n_latent) -> x_recon (N, n_in), unbounded (logits for "bce")."""
        # BEGIN SOLUTION
        return self.decoder(z)
        # END SOLUTION

    def forward(self, x, eps=None, generator=None):
        """(x_recon, mu, log_var) with z = reparameterize(mu, log_var, eps); eps ~ N(0, I) drawn with generator when None."""
        # BEGIN SOLUTION
        mu, log_var = self.encode(x)
        if eps is None:
            eps = _standard_normal(mu.shape, generator, mu)
        return self.decode(reparameterize(mu, log_var, eps)), mu, log_var
        # END SOLUTION


def sample(model, n: int, generator) -> torch.Tensor:
    """model.decode(z) for z ~ N(0, I) of shape (n, model.n_latent), drawn with generator; -> (n, n_in), no graph."""
    # BEGIN SOLUTION
    _positive_int("n", n)
    param = next(model.parameters())
    with torch.no_grad():
        z = _standard_normal((n, model.n_latent), generator, param)
        return model.decode(z)
    # END SOLUTION


def train_vae(X, *, n_latent, beta, epochs, lr, generator, n_hidden=64, batch_size=64):
    """Adam on vae_loss(recon="mse") over minibatches of X (N, D) shuffled with generator -> (VAE, history).

    history maps "total", "recon", "kl" to per-epoch lists (unweighted means of that epoch's
    minibatch values). The model's initial weights, the shuffling and the noise all come from
    ``generator``, so the same seed gives the same run.
    """
    # BEGIN SOLUTION
    if not isinstance(X, torch.Tensor) or X.dim() != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty (N, D) tensor, got {getattr(X, 'shape', type(X))}")
    _positive_int("n_latent", n_latent)
    _positive_int("n_hidden", n_hidden)
    _positive_int("batch_size", batch_size)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta!r}")
    if not lr > 0:
        raise ValueError(f"lr must be > 0, got {lr!r}")
    n, d = X.shape
    model = VAE(d, n_hidden, n_latent).to(dtype=X.dtype)
    if generator is not None:  # PyTorch's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from generator
        with torch.no_grad():
            for module in model.modules():
                if isinstance(module, nn.Linear):
                    bound = 1.0 / math.sqrt(module.in_features)
                    for p in (module.weight, module.bias):
                        u = torch.rand(p.shape, generator=generator, device=generator.device,
                                       dtype=p.dtype)
                        p.copy_((2 * u - 1) * bound)
    model = model.to(device=X.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    perm_device = generator.device if generator is not None else X.device
    history = {"total": [], "recon": [], "kl": []}
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator, device=perm_device).to(X.device)
        values = []
        for start in range(0, n, batch_size):
            xb = X[perm[start:start + batch_size]]
            eps = _standard_normal((xb.shape[0], n_latent), generator, xb)
            x_recon, mu, log_var = model(xb, eps=eps)
            losses = vae_loss(xb, x_recon, mu, log_var, beta=beta, recon="mse")
            optimizer.zero_grad(set_to_none=True)
            losses["total"].backward()
            optimizer.step()
            values.append(torch.stack([losses[k].detach() for k in ("total", "recon", "kl")]))
        means = torch.stack(values).mean(dim=0).tolist()  # one host sync per epoch
        for key, value in zip(("total", "recon", "kl"), means):
            history[key].append(value)
    optimizer.zero_grad(set_to_none=True)
    model.eval()
    return model, history
    # END SOLUTION


def plot_latent_space(model, X, labels):
    """matplotlib Figure: scatter of the means mu[:, 0] vs mu[:, 1] of encode(X), coloured by labels (c=labels)."""
    # BEGIN SOLUTION
    import numpy as np
    from matplotlib.figure import Figure

    if model.n_latent < 2:
        raise ValueError(f"model: plot_latent_space needs n_latent >= 2, got {model.n_latent}")
    labels = np.asarray(labels.tolist() if isinstance(labels, torch.Tensor) else labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got shape "
                         f"{labels.shape}")
    with torch.no_grad():
        mu, _ = model.encode(X)
    mu = np.asarray(mu[:, :2].tolist())
    fig = Figure(figsize=(5.5, 5))
    ax = fig.subplots()
    points = ax.scatter(mu[:, 0], mu[:, 1], c=labels, cmap="tab10", s=10, alpha=0.8)
    ax.legend(*points.legend_elements(), title="label", fontsize="small")
    ax.set(xlabel=r"$\mu_1$", ylabel=r"$\mu_2$", title="Latent means of the data", aspect="equal")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig
    # END SOLUTION


def plot_samples(model, n, generator):
    """matplotlib Figure: the n rows of sample(model, n, generator), each an image (side x side, row-major; n_in = side^2)."""
    # BEGIN SOLUTION
    import numpy as np
    from matplotlib.figure import Figure

    side = math.isqrt(model.n_in)
    if side * side != model.n_in:
        raise ValueError(f"model: n_in must be a square number of pixels, got {model.n_in}")
    images = np.asarray(sample(model, n, generator).tolist())
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(1.2 * cols, 1.2 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for i, ax in enumerate(axes):
        if i < n:
            ax.imshow(images[i].reshape(side, side), cmap="gray")
        ax.set_axis_off()
    fig.suptitle("Samples: decode(z), z ~ N(0, I)")
    return fig
    # END SOLUTION
