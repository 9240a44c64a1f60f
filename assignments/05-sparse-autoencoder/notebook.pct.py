# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exercise 5: dense and sparse codes
#
# Work in `sparse_autoencoder.py` (next to this notebook) and run the cells below after each
# function: a sanity check of your own, then `check("<task>")`, which runs that task's public
# tests in the grader's sandbox. The handout (`README.md`) has the formulas and conventions.
# `load` re-imports your file every time, so edits are picked up without restarting.

# %%
import matplotlib.pyplot as plt
import torch

from autograder.notebook import check, load
from coursedata import edge_patches
sae = load("sparse_autoencoder")  # your sparse_autoencoder.py, read afresh

torch.set_num_threads(1)
X = torch.as_tensor(edge_patches(2000, seed=0))
print("patches:", tuple(X.shape), X.dtype, f"values in [{X.min():.2f}, {X.max():.2f}]")

# %% [markdown]
# ## 1. `SparseAutoencoder`
# `forward(x)` returns `(x_hat, z)`; sigmoid codes lie in (0, 1).

# %%
sae = load("sparse_autoencoder")
model = sae.SparseAutoencoder()
x_hat, z = model(X[:5])
print("x_hat", tuple(x_hat.shape), " z", tuple(z.shape), f" z in ({z.min():.3f}, {z.max():.3f})")
print("encoder", model.encoder, " decoder", model.decoder)

# %%
check("SparseAutoencoder")

# %% [markdown]
# ## 2. Penalties
# The L1 gradient is `lam * sign(z) / N`; the KL gradient is
# `beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / N`. Compare autograd with both.

# %%
sae = load("sparse_autoencoder")
g = torch.Generator().manual_seed(0)
z = torch.rand(6, 5, generator=g, dtype=torch.float64).clamp(0.05, 0.95).requires_grad_(True)


def rel_error(a, b):
    return ((a - b).norm() / max(a.norm(), b.norm())).item()


sae.l1_penalty(z, 0.3).backward()
print("l1 gradient, relative error:", rel_error(z.grad, 0.3 * z.detach().sign() / z.shape[0]))
z.grad = None
rho, beta = 0.05, 3.0
sae.kl_sparsity(z, rho, beta).backward()
rho_hat = z.detach().mean(0)
closed = (beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / z.shape[0]).expand_as(z)
print("kl gradient, relative error:", rel_error(z.grad, closed))
print("KL at rho_hat == rho (should be 0):", sae.kl_sparsity(torch.full((4, 3), rho), rho, beta).item())

# %%
check("l1_penalty")

# %%
check("kl_sparsity")

# %% [markdown]
# ## 3. Hard selection
# `k_sparse` keeps the k largest values per row; the gradient reaches the kept entries only.

# %%
sae = load("sparse_autoencoder")
z = torch.tensor([[0.3, -2.0, 0.9, 0.1], [1.5, 0.2, -0.4, 0.7]], requires_grad=True)
kept = sae.k_sparse(z, 2)
kept.sum().backward()
print("k_sparse(z, 2):\n", kept.detach())
print("gradient (1 on kept entries, 0 elsewhere):\n", z.grad)
print("winner_take_all:\n", sae.winner_take_all(z.detach()))
life = sae.lifetime_sparsity(torch.rand(7, 3, generator=torch.Generator().manual_seed(1)), 0.3)
print("lifetime_sparsity, kept per unit (ceil(0.3 * 7) = 3):", (life != 0).sum(0).tolist())

# %%
check("k_sparse")

# %%
check("lifetime_sparsity")

# %% [markdown]
# ## 4. `sparse_ae_loss` and `encoding_stats`

# %%
sae = load("sparse_autoencoder")
model = sae.SparseAutoencoder()
for method in ("none", "l1", "kl", "k_sparse"):
    losses = sae.sparse_ae_loss(model, X[:200], method=method)
    print(f"{method:9s}", {k: round(v.item(), 4) for k, v in losses.items()})
print("one-hot codes over 4 units (2 bits):", sae.encoding_stats(torch.eye(4) * 0.9))

# %%
check("encoding_stats")

# %% [markdown]
# ## 5. Training, and the KL fix
# The handout's settings: 10 epochs of Adam at lr 1e-2, minibatches of 100, seed 0.
# The mean activation should end within 0.02 of rho = 0.05 (the chapter's run ended at 0.0%).

# %%
sae = load("sparse_autoencoder")
kl_model, history = sae.train_sparse_ae(X, method="kl", epochs=10, lr=1e-2,
                                        generator=torch.Generator().manual_seed(0),
                                        batch_size=100, rho=0.05, beta=3.0)
with torch.no_grad():
    codes = kl_model.encode(X)
print(f"mean activation {codes.mean():.4f} (target 0.05)", sae.encoding_stats(codes))
fig, ax = plt.subplots(figsize=(5, 3))
for key, values in history.items():
    ax.plot(range(1, len(values) + 1), values, label=key)
ax.set(xlabel="epoch", yscale="log", title="KL-sparse autoencoder")
ax.legend()

# %%
check("train_sparse_ae")

# %% [markdown]
# ## 6. Filters

# %%
sae = load("sparse_autoencoder")
k_model, _ = sae.train_sparse_ae(X, method="k_sparse", epochs=10, lr=1e-2,
                                 generator=torch.Generator().manual_seed(0), k=10)
fig = sae.plot_filters(k_model)
fig

# %%
check("plot_filters")
