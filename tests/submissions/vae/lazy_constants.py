"""[lazy_constants] Every graded function and method returns constants of the right shape, dtype
and type and computes nothing: it must score 0 (no points without right values)."""
import torch
from matplotlib.figure import Figure
from torch import nn


def reparameterize(mu, log_var, eps):
    return torch.zeros_like(mu)


def kl_divergence(mu, log_var):
    return mu.new_zeros(mu.shape[0])


def vae_loss(x, x_recon, mu, log_var, beta=1.0, recon="mse"):
    zero = x.new_zeros(())
    return {"recon": zero, "kl": zero, "total": zero}


class VAE(nn.Module):
    def __init__(self, n_in, n_hidden, n_latent):
        super().__init__()
        self.n_in, self.n_hidden, self.n_latent = n_in, n_hidden, n_latent
        self.encoder = nn.Sequential(nn.Linear(n_in, n_hidden), nn.ReLU())
        self.fc_mu = nn.Linear(n_hidden, n_latent)
        self.fc_log_var = nn.Linear(n_hidden, n_latent)
        self.decoder = nn.Sequential(nn.Linear(n_latent, n_hidden), nn.ReLU(),
                                     nn.Linear(n_hidden, n_in))

    def encode(self, x):
        zeros = x.new_zeros((x.shape[0], self.n_latent))
        return zeros, zeros.clone()

    def decode(self, z):
        return z.new_zeros((z.shape[0], self.n_in))

    def forward(self, x, eps=None, generator=None):
        mu, log_var = self.encode(x)
        return self.decode(mu), mu, log_var


def sample(model, n, generator):
    param = next(model.parameters())
    return param.new_zeros((n, model.n_in))


def train_vae(X, *, n_latent, beta, epochs, lr, generator, n_hidden=64, batch_size=64):
    model = VAE(X.shape[1], n_hidden, n_latent).to(device=X.device, dtype=X.dtype)
    return model, {"total": [0.0] * epochs, "recon": [0.0] * epochs, "kl": [0.0] * epochs}


def plot_latent_space(model, X, labels):
    return Figure()


def plot_samples(model, n, generator):
    return Figure()
