"""VARIANT ok_functional: correct but written differently: KL from torch.distributions, a hand-written
stable BCE, std via log_var.mul(0.5).exp(), an nn.ModuleDict model with other layer names, batches of
32, minibatch losses collected as Python floats, figures built with subplots and one scatter per label."""
from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence as _kl


def reparameterize(mu, log_var, eps):
    if log_var.shape != mu.shape or eps.shape != mu.shape:
        bad = "log_var" if log_var.shape != mu.shape else "eps"
        raise ValueError(f"{bad} must match mu's shape")
    return torch.addcmul(mu, log_var.mul(0.5).exp(), eps)


def kl_divergence(mu, log_var):
    if log_var.shape != mu.shape:
        raise ValueError("log_var must match mu's shape")
    q = Normal(mu, torch.exp(0.5 * log_var))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return _kl(q, p).sum(-1)


def vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse"):
    if x_recon.shape != x.shape:
        raise ValueError("x_recon must have x's shape")
    if recon == "mse":
        err = (x - x_recon) ** 2
    elif recon == "bce":
        err = x_recon.clamp(min=0) - x_recon * x + torch.log1p(torch.exp(-x_recon.abs()))
    else:
        raise ValueError(f"unknown recon {recon!r}")
    n = x.shape[0]
    rec = err.reshape(n, -1).sum() / n
    kl = kl_divergence(mu, log_var).sum() / n
    return {"total": rec + beta * kl, "recon": rec, "kl": kl}


class VAE(nn.Module):
    def __init__(self, n_in, n_hidden, n_latent):
        super().__init__()
        if min(n_in, n_hidden, n_latent) < 1:
            bad = [k for k, v in (("n_in", n_in), ("n_hidden", n_hidden), ("n_latent", n_latent)) if v < 1]
            raise ValueError(f"{bad[0]} must be >= 1")
        self.n_in, self.n_hidden, self.n_latent = n_in, n_hidden, n_latent
        self.layers = nn.ModuleDict({
            "enc": nn.Linear(n_in, n_hidden), "head": nn.Linear(n_hidden, 2 * n_latent),
            "dec1": nn.Linear(n_latent, n_hidden), "dec2": nn.Linear(n_hidden, n_in)})

    def encode(self, x):
        out = self.layers["head"](torch.relu(self.layers["enc"](x)))
        return out[:, :self.n_latent], out[:, self.n_latent:]

    def decode(self, z):
        return self.layers["dec2"](torch.relu(self.layers["dec1"](z)))

    def forward(self, x, eps=None, generator=None):
        mu, log_var = self.encode(x)
        if eps is None:
            dev = generator.device if generator is not None else mu.device
            eps = torch.randn(mu.shape, generator=generator, device=dev, dtype=mu.dtype).to(mu.device)
        return self.decode(reparameterize(mu, log_var, eps)), mu, log_var


def sample(model, n, generator):
    if n < 1:
        raise ValueError("n must be >= 1")
    w = next(iter(model.parameters()))
    dev = generator.device if generator is not None else w.device
    z = torch.randn((n, model.n_latent), generator=generator, device=dev, dtype=w.dtype).to(w.device)
    with torch.no_grad():
        return model.decode(z)


def train_vae(X, *, n_latent, beta, epochs, lr, generator):
    if X.dim() != 2:
        raise ValueError("X must be (N, D)")
    if epochs < 0:
        raise ValueError("epochs must be >= 0")
    gdev = generator.device
    model = VAE(X.shape[1], 32, n_latent)
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p.shape[1] if p.dim() == 2 else None
            if fan_in is None:
                continue
            p.copy_(torch.randn(p.shape, generator=generator, device=gdev) * math.sqrt(1.0 / fan_in))
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.zero_()
    model = model.to(device=X.device, dtype=X.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"total": [], "recon": [], "kl": []}
    for _ in range(epochs):
        order = torch.randperm(X.shape[0], generator=generator, device=gdev).to(X.device)
        sums = {k: [] for k in history}
        for idx in order.split(32):
            xb = X[idx]
            x_recon, mu, log_var = model(xb, generator=generator)
            losses = vae_loss(xb, x_recon, mu, log_var, beta=beta)
            opt.zero_grad()
            losses["total"].backward()
            opt.step()
            for k in history:
                sums[k].append(losses[k].item())
        for k in history:
            history[k].append(sum(sums[k]) / len(sums[k]))
    return model, history


def plot_latent_space(model, X, labels):
    with torch.no_grad():
        mu = model.encode(X)[0][:, :2].detach().to("cpu").numpy()
    labels = labels.to("cpu").numpy() if isinstance(labels, torch.Tensor) else labels
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for k in sorted(set(labels.tolist())):
        ax.scatter(mu[labels == k, 0], mu[labels == k, 1], s=6, label=str(k))
    ax.legend()
    return fig


def plot_samples(model, n, generator):
    x = sample(model, n, generator).to("cpu").numpy()
    side = int(round(math.sqrt(model.n_in)))
    from matplotlib.figure import Figure
    fig = Figure()
    axes = fig.subplots(1, n, squeeze=False)
    for i in range(n):
        axes[0, i].imshow(x[i].reshape(side, side))
        axes[0, i].axis("off")
    return fig
