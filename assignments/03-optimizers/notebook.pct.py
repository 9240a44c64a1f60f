# %% [markdown]
# # Exercise 3: Optimizers and learning-rate schedules, step by step
#
# This notebook follows the handout (`README.md`). You write your code in **`optimizers.py`**
# (next to this notebook). Each part re-loads it (`O = load("optimizers")` picks up your latest
# edits), compares your optimizers with `torch.optim` step by step, plots schedules and loss
# curves, and ends with a `check("task")` cell: the task's **public tests**, run in the same
# sandbox as `dlcheck optimizers.py --task task`, with the same feedback.
#
# A cell that calls something you have not written yet prints `not implemented yet: ...` and
# the notebook goes on. The grader also runs hidden tests (listed in the handout).

# %%
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import display
from torch import nn

from autograder.notebook import check, load
from coursedata import two_spirals

torch.set_num_threads(1)
O = load("optimizers")

X, y = two_spirals(300, noise=0.1, seed=0)
X = (X - X.mean(0)) / X.std(0)
X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)


def model_factory():
    """The handout's 2-32-32-2 tanh MLP (initial weights from torch's global RNG)."""
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))


def max_difference(mine, reference_class, steps=10, **kwargs):
    """Largest parameter difference between your optimizer and torch.optim's after `steps`
    full-batch steps from the same initial weights, in float64."""
    torch.manual_seed(0)
    a = model_factory().double()
    b = model_factory().double()
    b.load_state_dict(a.state_dict())
    opts = [mine(a.parameters(), **kwargs), reference_class(b.parameters(), **kwargs)]
    for _ in range(steps):
        for model, opt in zip((a, b), opts):
            opt.zero_grad()
            F.cross_entropy(model(X.double()), y).backward()
            opt.step()
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


# %% [markdown]
# ## 1. SGD with momentum, Nesterov and weight decay: `SGD`
#
# Your optimizer against `torch.optim.SGD` after 10 steps from the same weights: the
# differences should be at rounding level (about `1e-15`).

# %%
O = load("optimizers")
for kwargs in (dict(lr=0.1), dict(lr=0.1, momentum=0.9),
               dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)):
    print(f"SGD {kwargs}: max difference {max_difference(O.SGD, torch.optim.SGD, **kwargs):.1e}")

# %%
check("SGD")

# %% [markdown]
# ## 2. Adaptive methods: `AdaGrad`, `RMSProp`, `Adam` (and AdamW)

# %%
O = load("optimizers")
print(f"AdaGrad: {max_difference(O.AdaGrad, torch.optim.Adagrad, lr=0.1):.1e}")

# %%
check("AdaGrad")

# %%
O = load("optimizers")
print(f"RMSProp: {max_difference(O.RMSProp, torch.optim.RMSprop, lr=0.01, alpha=0.9):.1e}")

# %%
check("RMSProp")

# %%
O = load("optimizers")
print(f"Adam:  {max_difference(O.Adam, torch.optim.Adam, lr=0.01, weight_decay=0.1):.1e}")
adamw = lambda params, **kw: O.Adam(params, decoupled=True, **kw)  # noqa: E731
print(f"AdamW: {max_difference(adamw, torch.optim.AdamW, lr=0.01, weight_decay=0.1):.1e}")

# %%
check("Adam")

# %% [markdown]
# ## 3. Learning-rate schedules: `step_decay`, `exponential_decay`, `cosine_annealing`, `warmup_cosine`
#
# The chapter's four schedules over 100 epochs. The warm-up reaches `lr0` exactly at
# `epoch == warmup`, then the cosine restarts from `lr0`.

# %%
O = load("optimizers")
epochs = range(101)
schedules = {
    "step_decay(every=30)": [O.step_decay(0.1, e, drop=0.1, every=30) for e in epochs],
    "exponential_decay(k=0.03)": [O.exponential_decay(0.1, e, k=0.03) for e in epochs],
    "cosine_annealing(total=100)": [O.cosine_annealing(0.1, e, 100) for e in epochs],
    "warmup_cosine(warmup=10)": [O.warmup_cosine(0.1, e, 10, 100) for e in epochs],
}
fig, ax = plt.subplots(figsize=(7, 3.2))
for name, values in schedules.items():
    ax.plot(epochs, values, label=name)
ax.set(xlabel="epoch", ylabel="learning rate", title="schedules, lr0 = 0.1")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %%
check("schedules")

# %% [markdown]
# ## 4. A fair comparison: `compare_optimizers`, `plot_optimizer_comparison`
#
# Every optimizer trains its own model from the same initial weights, so all curves start at the
# same loss (the chapter's version trains the first model only). 60 full-batch steps here; the
# handout's figure runs 300.

# %%
O = load("optimizers")
factories = {
    "SGD (lr 0.1)": lambda ps: O.SGD(ps, lr=0.1),
    "SGD + momentum 0.9": lambda ps: O.SGD(ps, lr=0.1, momentum=0.9),
    "RMSProp (lr 0.003)": lambda ps: O.RMSProp(ps, lr=0.003),
    "Adam (lr 0.01)": lambda ps: O.Adam(ps, lr=0.01),
}
results = O.compare_optimizers(model_factory, (X, y), factories, steps=60,
                               generator=torch.Generator().manual_seed(0))
for name, losses in results.items():
    print(f"{name:20s} loss {losses[0]:.3f} -> {losses[-1]:.3f}")
fig = O.plot_optimizer_comparison(results)
plt.close(fig)  # shown once, by display
display(fig)

# %%
check("compare_optimizers")

# %% [markdown]
# ## 5. Sensitivity to the learning rate: `lr_sensitivity`
#
# The loss after a few steps against the learning rate (no public test: the hidden tests check
# it). Far too large a rate diverges: that shows as a huge loss, `inf` or `nan`.

# %%
O = load("optimizers")
lrs = [1e-3, 1e-2, 1e-1, 1.0]
sensitivity = O.lr_sensitivity(model_factory, (X, y),
                               {"SGD": lambda ps, lr: O.SGD(ps, lr=lr),
                                "Adam": lambda ps, lr: O.Adam(ps, lr=lr)},
                               lrs, steps=30, generator=torch.Generator().manual_seed(0))
fig, ax = plt.subplots(figsize=(6, 3.2))
for name, by_lr in sensitivity.items():
    ax.loglog(list(by_lr), list(by_lr.values()), marker="o", label=name)
ax.set(xlabel="learning rate", ylabel="loss after 30 steps")
ax.legend()
ax.grid(alpha=0.3, which="both")
plt.show()

# %% [markdown]
# ## All public tests
#
# `check()` with no task runs every public test, like `dlcheck optimizers.py`. Then submit
# `optimizers.py` (only that file).
