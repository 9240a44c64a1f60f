# %% [markdown]
# # Exercise 2: The effect of depth, step by step
#
# This notebook follows the handout (`README.md`). You write your code in **`depth.py`** (next
# to this notebook). Each part re-loads it (`D = load("depth")` picks up your latest edits), looks
# at what your functions do (shapes, variances, gradient norms per layer, plots), and ends with a
# `check("task")` cell: the task's **public tests**, run in the same sandbox as
# `dlcheck depth.py --task task`, with the same feedback.
#
# A cell that calls a function you have not written yet prints `not implemented yet: ...` and
# the notebook goes on. The grader also runs hidden tests (listed in the handout).

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from IPython.display import display

from autograder.notebook import check, load
from coursedata import two_spirals

torch.set_num_threads(1)
D = load("depth")

X, y = two_spirals(640, noise=0.2, seed=0)
X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
data = (X[:512], y[:512], X[512:], y[512:])      # train, then test


def linears(model):
    """The model's nn.Linear layers, input to output."""
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)]


# %% [markdown]
# ## 1. Plain and residual MLPs: `make_mlp`
#
# `depth` hidden layers of size `width`; a residual network replaces hidden layers 2..depth by
# blocks `h = h + act(Linear(h))`. Both have the same `nn.Linear` shapes.

# %%
D = load("depth")
for residual in (False, True):
    model = D.make_mlp(2, 16, 3, 2, activation="tanh", residual=residual)
    shapes = [tuple(m.weight.shape) for m in linears(model)]
    print(f"residual={residual}: Linear weights {shapes}, scores {tuple(model(X[:5]).shape)}")
print(D.make_mlp(2, 16, 3, 2, activation="tanh", residual=True))

# %%
check("make_mlp")

# %% [markdown]
# ## 2. Initialisation: `init_weights`
#
# The sample standard deviation of each weight matrix against the scheme's formula, then the
# activations' scale through 20 layers: "small" makes the signal vanish, He keeps a ReLU
# network's signal at a constant scale, Xavier a tanh network's.

# %%
D = load("depth")
model = D.make_mlp(64, 128, 2, 10)
for scheme in ("he", "xavier", "small"):
    D.init_weights(model, scheme, generator=torch.Generator().manual_seed(0))
    for layer in linears(model):
        fan_out, fan_in = layer.weight.shape
        target = {"he": 2 / fan_in, "xavier": 2 / (fan_in + fan_out), "small": 1e-4}[scheme]
        print(f"{scheme:6s} {fan_in:3d} -> {fan_out:3d}: std {layer.weight.std().item():.4f} "
              f"(formula {math.sqrt(target):.4f}), biases all zero: {bool((layer.bias == 0).all())}")

# %%
D = load("depth")
x = torch.randn(256, 64, generator=torch.Generator().manual_seed(0))
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), sharey=True)
for ax, activation in zip(axes, ("relu", "tanh")):
    for scheme in ("he", "xavier", "small"):
        model = D.init_weights(D.make_mlp(64, 64, 20, 2, activation=activation), scheme,
                               generator=torch.Generator().manual_seed(0))
        scales, h = [], x
        with torch.no_grad():
            for layer in linears(model)[:-1]:
                h = {"relu": torch.relu, "tanh": torch.tanh}[activation](layer(h))
                scales.append(h.std().item())
        ax.semilogy(range(1, len(scales) + 1), scales, marker=".", label=scheme)
    ax.set(title=f"{activation}: activation std per layer", xlabel="hidden layer")
    ax.grid(True, which="both", alpha=0.3)
axes[0].legend()
plt.show()

# %%
check("init_weights")

# %% [markdown]
# ## 3. Gradient norms per layer: `layer_grad_norms`
#
# The heart of the exercise. For sigmoid networks of growing depth (Xavier initialisation), the
# norm of each layer's weight gradient, input to output, on a log scale: without residual
# connections the first layers' gradient **vanishes** geometrically with depth; with them it
# stays. The function must leave no gradient behind in the model.

# %%
D = load("depth")
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
for ax, residual in zip(axes, (False, True)):
    for depth in (2, 5, 10, 20):
        model = D.init_weights(D.make_mlp(2, 32, depth, 2, activation="sigmoid", residual=residual),
                               "xavier", generator=torch.Generator().manual_seed(0))
        norms = D.layer_grad_norms(model, data[0], data[1], F.cross_entropy)
        ax.semilogy(range(1, len(norms) + 1), norms, marker=".", label=f"depth {depth}")
        if depth == 20:
            left = [p for p in model.parameters() if p.grad is not None]
            print(f"residual={residual}: first layer {norms[0]:.2g}, last {norms[-1]:.2g}; "
                  f"gradients left in the model: {len(left)}")
    ax.set(title="residual" if residual else "plain", xlabel="layer (input to output)")
    ax.grid(True, which="both", alpha=0.3)
axes[0].set_ylabel("||dL/dW|| (log)")
axes[1].legend(fontsize=8)
plt.show()

# %%
check("layer_grad_norms")

# %% [markdown]
# ## 4. Gradient clipping: `clip_grad_norm_`
#
# Against `torch.nn.utils.clip_grad_norm_` on the same gradients: same total norm, same clipped
# gradients, and nothing changes when the norm is already below `max_norm`.

# %%
D = load("depth")
gen = torch.Generator().manual_seed(0)
for max_norm in (1.0, 100.0):
    mine = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
    ref = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
    for a, b in zip(mine, ref):
        a.grad = 3 * torch.randn(a.shape, generator=gen)
        b.grad = a.grad.clone()
    total = D.clip_grad_norm_(mine, max_norm)
    expected = torch.nn.utils.clip_grad_norm_(ref, max_norm).item()
    same = all(torch.allclose(a.grad, b.grad) for a, b in zip(mine, ref))
    print(f"max_norm {max_norm:5.1f}: total {total:.6f} (torch {expected:.6f}), "
          f"same gradients as torch: {same}")

# %%
check("clip_grad_norm_")

# %% [markdown]
# ## 5. One measured training run: `train_and_measure`
#
# A 2-layer ReLU network, 10 epochs of minibatch SGD: the loss per epoch, the first step whose
# minibatch loss is below 0.6, the test accuracy, and the first layer's gradient after each epoch.

# %%
D = load("depth")
model = D.init_weights(D.make_mlp(2, 32, 2, 2, activation="relu"), "he",
                       generator=torch.Generator().manual_seed(0))
run = D.train_and_measure(model, data, epochs=10, lr=0.3, batch_size=64,
                          generator=torch.Generator().manual_seed(0), loss_threshold=0.6)
print("loss per epoch:", [round(v, 3) for v in run["loss_curve"]])
print("steps to loss < 0.6:", run["steps_to_threshold"], " test accuracy:", run["test_accuracy"])
print("first layer's gradient norm per epoch:", [f"{g[0]:.2g}" for g in run["grad_norms"]])

# %%
check("train_and_measure")

# %% [markdown]
# ## 6. The chapter's experiment: `depth_study`, `plot_depth_study`
#
# A short version (3 epochs; the handout's figure uses 10): plain and residual sigmoid networks
# of depth 2, 5 and 10. These two functions have no public tests: the hidden tests check the
# finding (plain: the first layer's gradient more than 10x smaller at each step of depth;
# residual: it stays). Train longer, try `activation="relu", init="he"`, and compare.

# %%
D = load("depth")
results = D.depth_study(data, depths=(2, 5, 10), generator=torch.Generator().manual_seed(0),
                        width=32, activation="sigmoid", init="xavier", epochs=3, lr=0.1,
                        batch_size=64, loss_threshold=0.6)
for r in results:
    print(f"depth {r['depth']:2d} residual={r['residual']!s:5}  first-layer gradient "
          f"{r['grad_norms'][-1][0]:.2g}  test accuracy {r['test_accuracy']:.2f}")
fig = D.plot_depth_study(results)
plt.close(fig)  # shown once, by display
display(fig)

# %% [markdown]
# ## All public tests
#
# `check()` with no task runs every public test, like `dlcheck depth.py`. Then submit `depth.py`
# (only that file).
