# %% [markdown]
# # Exercise 6: a variational autoencoder
#
# Work through `vae.py` function by function; the handout (`README.md`) has the formulas and
# the choices the grader expects. Each section below first runs a sanity check that calls your
# functions directly, then `check(...)`, which runs that task's public tests in the grader's
# sandbox. `load("vae")` re-imports `./vae.py` every time, so re-run a cell after editing.

# %%

import matplotlib.pyplot as plt
import torch

from autograder.notebook import check, load
from coursedata import images8x8

torch.set_num_threads(1)
vae = load("vae")

# %% [markdown]
# ## 1. `reparameterize`: z = mu + exp(0.5 * log_var) * eps
# With `log_var = log(4)` the standard deviation is 2, so `z - mu` should be `2 * eps`.

# %%
vae = load("vae")
mu = torch.tensor([[1.0, -1.0]])
log_var = torch.log(torch.tensor([[4.0, 4.0]]))
eps = torch.tensor([[0.5, -0.25]])
print("z - mu =", (vae.reparameterize(mu, log_var, eps) - mu).tolist(), "(expected [[1.0, -0.5]])")

# %%
check("reparameterize")

# %% [markdown]
# ## 2. `kl_divergence`: closed form, summed over latent dimensions
# Compare with a Monte-Carlo estimate of E_q[log q(z) - log p(z)]. The KL of the prior itself
# (mu = 0, log_var = 0) is 0.

# %%
vae = load("vae")
g = torch.Generator().manual_seed(0)
mu = torch.randn(3, 4, generator=g, dtype=torch.float64)
log_var = torch.rand(3, 4, generator=g, dtype=torch.float64) * 2 - 1
e = torch.randn(100_000, 3, 4, generator=g, dtype=torch.float64)
z = mu + torch.exp(0.5 * log_var) * e
mc = (-0.5 * log_var - 0.5 * e ** 2 + 0.5 * z ** 2).sum(-1).mean(0)
print("closed form :", vae.kl_divergence(mu, log_var).tolist())
print("Monte Carlo :", mc.tolist())
print("KL of the prior:", vae.kl_divergence(torch.zeros(2, 3), torch.zeros(2, 3)).tolist())

# %%
check("kl_divergence")

# %% [markdown]
# ## 3. `vae_loss`: recon summed over features, KL over latent dims, both batch means
# The same batch repeated twice must give the same loss; large logits must stay finite; and
# `torch.autograd.gradcheck` verifies the gradients numerically in float64.

# %%
vae = load("vae")
x = torch.rand(4, 6, generator=g, dtype=torch.float64)
logits = 40 * torch.randn(4, 6, generator=g, dtype=torch.float64)
mu = torch.randn(4, 2, generator=g, dtype=torch.float64)
log_var = torch.rand(4, 2, generator=g, dtype=torch.float64) - 0.5
one = vae.vae_loss(x, logits, mu, log_var, beta=0.5, recon="bce")
two = vae.vae_loss(x.repeat(2, 1), logits.repeat(2, 1), mu.repeat(2, 1), log_var.repeat(2, 1), beta=0.5, recon="bce")
print({k: round(v.item(), 6) for k, v in one.items()})
print("repeated batch:", {k: round(v.item(), 6) for k, v in two.items()})
ok = torch.autograd.gradcheck(
    lambda r, m, l: vae.vae_loss(x, r, m, l, beta=0.5, recon="bce")["total"],
    (logits.clone().div(10).requires_grad_(), mu.clone().requires_grad_(), log_var.clone().requires_grad_()))
print("gradcheck:", ok)

# %%
check("vae_loss")

# %% [markdown]
# ## 4. The `VAE` and `sample`

# %%
vae = load("vae")
model = vae.VAE(64, 32, 2)
xb = torch.randn(5, 64)
x_recon, mu_b, log_var_b = model(xb, eps=torch.zeros(5, 2))
print("shapes:", tuple(x_recon.shape), tuple(mu_b.shape), tuple(log_var_b.shape))
print("eps = 0 decodes the means:", torch.allclose(x_recon, model.decode(mu_b)))
s1 = vae.sample(model, 3, torch.Generator().manual_seed(0))
s2 = vae.sample(model, 3, torch.Generator().manual_seed(0))
print("sample reproducible from the generator:", torch.equal(s1, s2), tuple(s1.shape))

# %%
check("VAE")

# %%
check("sample")

# %% [markdown]
# ## 5. Training on the 8x8 images, and the effect of beta
# With beta = 1 the KL term wins and the posterior collapses (KL near 0); beta = 0.1 keeps
# informative codes (handout, section 7).

# %%
vae = load("vae")
X, y = images8x8(600, classes=4, noise=0.1, seed=0)
X, y = torch.as_tensor(X.reshape(600, 64)), torch.as_tensor(y)
histories = {}
for beta in (1.0, 0.1):
    model, histories[beta] = vae.train_vae(X, n_latent=2, beta=beta, epochs=30, lr=5e-3,
                                           generator=torch.Generator().manual_seed(0))
    print(f"beta={beta}: recon {histories[beta]['recon'][-1]:.3f}, kl {histories[beta]['kl'][-1]:.3f}")
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
for beta, h in histories.items():
    axes[0].plot(h["recon"], label=f"beta={beta}")
    axes[1].plot(h["kl"], label=f"beta={beta}")
axes[0].set_title("recon")
axes[1].set_title("kl")
axes[1].legend()
plt.show()

# %% [markdown]
# ## 6. The latent space and samples from the prior (model trained with beta = 0.1)

# %%
vae = load("vae")
X, y = images8x8(600, classes=4, noise=0.1, seed=0)
X, y = torch.as_tensor(X.reshape(600, 64)), torch.as_tensor(y)
model, _ = vae.train_vae(X, n_latent=2, beta=0.1, epochs=30, lr=5e-3,
                         generator=torch.Generator().manual_seed(0))
fig = vae.plot_latent_space(model, X, y)
fig

# %%
vae = load("vae")
X = torch.as_tensor(images8x8(600, classes=4, noise=0.1, seed=0)[0].reshape(600, 64))
model, _ = vae.train_vae(X, n_latent=2, beta=0.1, epochs=30, lr=5e-3,
                         generator=torch.Generator().manual_seed(0))
fig = vae.plot_samples(model, 16, torch.Generator().manual_seed(1))
fig

# %%
check("train_vae")

# %%
check("plot_latent_space")
