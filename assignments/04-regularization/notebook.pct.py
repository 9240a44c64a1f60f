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
# # Exercise 4: Regularization
#
# Work in `regularization.py` next to this notebook; the handout (`README.md`) has the formulas
# and every convention. Each section below calls your functions directly (sanity checks and
# plots), then `check("<task>")` runs that task's public tests in the grader's sandbox.
# `load("regularization")` re-imports your file on every call, so edits are picked up without
# restarting the kernel.

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

import strategies as S
from autograder.notebook import check, load

torch.manual_seed(0)
reg = load("regularization")

# %% [markdown]
# ## 1. Dropout
# Inverted dropout keeps each entry with probability $1 - p$ and divides the kept ones by
# $1 - p$, so the mean is unchanged; in evaluation it returns $x$.

# %%
reg = load("regularization")
x = torch.rand(100_000) + 0.5
for p in (0.2, 0.5, 0.8):
    out = reg.dropout(x, p, True, torch.Generator().manual_seed(0))
    print(f"p={p}: dropped {(out == 0).float().mean():.4f}, mean ratio {out.mean() / x.mean():.4f} "
          f"(both should be close to p and 1)")
print("identity in eval:", torch.equal(reg.dropout(x, 0.5, False), x))

# %%
check("dropout")

# %% [markdown]
# ## 2. `BatchNormFunction`: forward and hand-written backward
# Compare with `F.batch_norm` and with autograd, then let `torch.autograd.gradcheck` judge your
# backward in float64.

# %%
reg = load("regularization")
x, gamma, beta, dout = (torch.tensor(a, requires_grad=True) for a in S.batchnorm_inputs(0, 16, 5))
out = reg.BatchNormFunction.apply(x, gamma, beta, 1e-5)
ref = F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)
print("forward max |error|:", (out - ref).abs().max().item())
mine = torch.autograd.grad(out, (x, gamma, beta), dout)
theirs = torch.autograd.grad(ref, (x, gamma, beta), dout)
for name, a, b in zip(("dx", "dgamma", "dbeta"), mine, theirs):
    print(f"{name} relative error: {((a - b).norm() / b.norm()).item():.2e}")
small = [t[:4, :3].detach().clone().requires_grad_(True) for t in (x,)] + \
        [t[:3].detach().clone().requires_grad_(True) for t in (gamma, beta)]
print("gradcheck:", torch.autograd.gradcheck(lambda a, g, b: reg.BatchNormFunction.apply(a, g, b, 1e-3), small))

# %%
check("BatchNormFunction")

# %% [markdown]
# ## 3. `BatchNorm1d`: running statistics
# After a few training steps your running statistics should match `torch.nn.BatchNorm1d`'s
# (unbiased running variance), and so should the eval-mode output.

# %%
reg = load("regularization")
batches, douts, eval_batch, weight, bias = (torch.tensor(a) for a in S.batchnorm_steps(0, 8, 4, 3))
mine, theirs = reg.BatchNorm1d(4).double(), nn.BatchNorm1d(4).double()
for xb in batches:
    mine(xb), theirs(xb)
print("running_var difference:", (mine.running_var - theirs.running_var).abs().max().item())
mine.eval(), theirs.eval()
print("eval output difference:", (mine(eval_batch) - theirs(eval_batch)).abs().max().item())
print("state_dict keys:", list(mine.state_dict()))

# %%
check("BatchNorm1d")

# %% [markdown]
# ## 4. The L2 penalty
# Only weights (`dim() > 1`) are penalised; the gradient is $2\lambda W$.

# %%
reg = load("regularization")
model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
penalty = reg.l2_penalty(model, 0.1)
penalty.backward()
print("penalty:", penalty.item())
print("grad == 2 * lam * W:", torch.allclose(model[0].weight.grad, 0.2 * model[0].weight))
print("bias untouched:", model[0].bias.grad is None or not model[0].bias.grad.any().item())

# %%
check("l2_penalty")

# %% [markdown]
# ## 5. Augmentation
# Four training images, flipped, cropped and augmented with noise.

# %%
reg = load("regularization")
X, y, *_ = (torch.as_tensor(a) for a in S.study_data(0, 8, 0, 0))
rows = {"original": X[:4], "hflip": reg.hflip(X[:4]),
        "random_crop": reg.random_crop(X[:4], 2, torch.Generator().manual_seed(0)),
        "augment": reg.augment(X[:4], torch.Generator().manual_seed(1), noise_std=0.2)}
fig, axes = plt.subplots(4, 4, figsize=(5, 5))
for r, (name, imgs) in enumerate(rows.items()):
    for c in range(4):
        axes[r, c].imshow(imgs[c, 0].numpy(), cmap="gray")
        axes[r, c].axis("off")
    axes[r, 0].set_title(name, fontsize=8, loc="left")
plt.show()
print("hflip twice is the identity:", torch.equal(reg.hflip(reg.hflip(X)), X))
print("window offsets of the crops:", S.window_offsets(rows["random_crop"].numpy(), X[:4].numpy(), 2))

# %%
check("hflip")

# %%
check("random_crop")

# %% [markdown]
# ## 6. Label smoothing and early stopping
# The cross-entropy against smoothed targets equals torch's `label_smoothing`.

# %%
reg = load("regularization")
labels, scores = torch.tensor([0, 2, 1]), torch.randn(3, 3)
targets = reg.smooth_labels(labels, 3, 0.1)
print(targets)
print("loss matches F.cross_entropy(label_smoothing=0.1):",
      torch.allclose(-(targets * scores.log_softmax(1)).sum(1).mean(),
                     F.cross_entropy(scores, labels, label_smoothing=0.1)))

# %%
check("smooth_labels")

# %% [markdown]
# The chapter's simulated curves: the validation loss starts rising after epoch 40.

# %%
reg = load("regularization")
epochs = torch.arange(1, 101, dtype=torch.float64)
noise = torch.Generator().manual_seed(42)
val = 1 / (0.1 * epochs + 1) + 0.1 + 0.05 * (epochs - 40).clamp(min=0) / 60 \
    + 0.005 * torch.randn(100, generator=noise, dtype=torch.float64)
stopper, probe_model = reg.EarlyStopping(patience=10), nn.Linear(1, 1)
for epoch, loss in enumerate(val.tolist()):
    if stopper.step(loss, probe_model):
        break
print(f"stopped at epoch {epoch} (0-based); best epoch {stopper.best_epoch}, best loss {stopper.best_loss:.4f}")
plt.plot(val.numpy(), label="validation loss")
plt.axvline(stopper.best_epoch, color="m", ls=":", label="best epoch")
plt.axvline(epoch, color="g", ls="--", label="stop")
plt.legend()
plt.show()

# %%
check("EarlyStopping")

# %% [markdown]
# ## 7. The study
# Which configuration narrows the gap between training and validation loss, and which one
# improves the validation accuracy?

# %%
reg = load("regularization")
data = tuple(torch.as_tensor(a) for a in S.study_data(0))
configs = dict(S.STUDY_CONFIGS, early_stopping={"early_stopping": 3})
results = reg.regularization_study(data, configs, epochs=20, generator=torch.Generator().manual_seed(0))
for name, r in results.items():
    print(f"{name:15s} epochs {len(r['val_loss']):2d}  gap {r['val_loss'][-1] - r['train_loss'][-1]:.3f}  "
          f"val acc {r['val_acc'][-1]:.2f}  test acc {r['test_acc']:.2f}")
reg.plot_regularization_study(results)

# %%
check("regularization_study")

# %%
