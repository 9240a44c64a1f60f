# %% [markdown]
# # Exercise 1: Backpropagation from scratch, step by step
#
# This notebook walks through the handout (`README.md`) one task at a time. You write your code
# in **`backprop.py`** (next to this notebook), not here. Each part below
#
# 1. re-loads `backprop.py` (`bp = load("backprop")` picks up your latest edits),
# 2. runs a few sanity checks on your functions and prints what it sees (relative errors of
#    gradient checks, the initial loss, plots), and
# 3. ends with a `check("task")` cell: the task's **public tests**, run in the same sandbox as
#    `dlcheck backprop.py --task task`, with the same feedback.
#
# A cell that calls a function you have not written yet prints `not implemented yet: ...` and
# the notebook goes on, so "Run all" always reaches the end. The grader also runs hidden tests
# (listed in the handout): passing the public tests is necessary, not sufficient.

# %%
import numpy as np
import matplotlib.pyplot as plt

from autograder.notebook import check, load
from coursedata import blobs, two_spirals, xor

bp = load("backprop")


def rel_error(a, b):
    """max |a - b| / max(1e-8, |a| + |b|): below 1e-7 is right, above 1e-2 is a bug."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def num_grad(f, x, dout, h=1e-5):
    """Numerical gradient of sum(f(x) * dout) with respect to x (central differences, float64).
    The notebook's own checker, so the layers can be checked before your numerical_gradient."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + h
        plus = np.sum(f(x) * dout)
        x[idx] = saved - h
        minus = np.sum(f(x) * dout)
        x[idx] = saved
        grad[idx] = (plus - minus) / (2 * h)
    return grad


rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Affine layer: `affine_forward`, `affine_backward`
#
# `out = x @ W + b`. The forward pass on a small example worked by hand, then the three
# gradients against numerical derivatives. Relative errors should be below about `1e-8`.

# %%
bp = load("backprop")
x = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]])
W = np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
b = np.array([0.5, -1.0, 2.0])
out, _ = bp.affine_forward(x, W, b)
expected = np.array([[5.5, 1.0, 2.0], [11.5, 3.0, 1.0], [0.5, -0.5, 3.25]])
print("affine_forward, relative error on the worked example:", rel_error(out, expected))

# %%
bp = load("backprop")
x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
dout = rng.standard_normal((4, 3))
_, cache = bp.affine_forward(x, W, b)
dx, dW, db = bp.affine_backward(dout, cache)
print("dx error:", rel_error(dx, num_grad(lambda v: bp.affine_forward(v, W, b)[0], x, dout)))
print("dW error:", rel_error(dW, num_grad(lambda v: bp.affine_forward(x, v, b)[0], W, dout)))
print("db error:", rel_error(db, num_grad(lambda v: bp.affine_forward(x, W, v)[0], b, dout)))

# %%
check("affine")

# %% [markdown]
# ## 2. ReLU: `relu_forward`, `relu_backward`
#
# Gradient check away from the kink, then the course's convention: the gradient is **0 at
# `x == 0`**. The handout's warning: `relu_backward` must not write into `dout`.

# %%
bp = load("backprop")
x = rng.standard_normal((3, 4))
x[np.abs(x) < 0.1] = 0.5                     # keep away from the kink at 0
dout = rng.standard_normal((3, 4))
_, cache = bp.relu_forward(x)
dx = bp.relu_backward(dout, cache)
print("dx error:", rel_error(dx, num_grad(lambda v: bp.relu_forward(v)[0], x, dout)))

zeros = np.zeros(3)
_, cache = bp.relu_forward(zeros)
dout = np.ones(3)
print("gradient at x == 0 (expect [0. 0. 0.]):", bp.relu_backward(dout, cache))
print("dout left unchanged:", np.array_equal(dout, np.ones(3)))

# %%
check("relu")

# %% [markdown]
# ## 3. Sigmoid: `sigmoid_forward`, `sigmoid_backward`
#
# The stable formula must give no overflow warning, NaN or inf up to `|x| = 1e4`.

# %%
bp = load("backprop")
x = rng.standard_normal((3, 4))
dout = rng.standard_normal((3, 4))
_, cache = bp.sigmoid_forward(x)
dx = bp.sigmoid_backward(dout, cache)
print("dx error:", rel_error(dx, num_grad(lambda v: bp.sigmoid_forward(v)[0], x, dout)))
with np.errstate(all="raise"):               # any overflow becomes an error here
    extreme, _ = bp.sigmoid_forward(np.array([-1e4, -50.0, 0.0, 50.0, 1e4]))
print("sigmoid at -1e4, -50, 0, 50, 1e4:", extreme)

# %%
check("sigmoid")

# %% [markdown]
# ## 4. Softmax cross-entropy: `softmax_cross_entropy`
#
# With small random scores every class is about equally likely, so the loss should be close to
# **log C** (the first thing to check on a new classifier). Then a gradient check, and logits of
# `1e4` must give a finite loss.

# %%
bp = load("backprop")
C = 10
scores = 1e-3 * rng.standard_normal((50, C))
labels = rng.integers(0, C, 50)
loss, dscores = bp.softmax_cross_entropy(scores, labels)
print(f"loss {float(loss):.4f}, log C = {np.log(C):.4f}")

scores = rng.standard_normal((5, 4))
labels = rng.integers(0, 4, 5)
_, dscores = bp.softmax_cross_entropy(scores, labels)
numeric = num_grad(lambda v: bp.softmax_cross_entropy(v, labels)[0], scores, 1.0)
print("dlogits error:", rel_error(dscores, numeric))
big, _ = bp.softmax_cross_entropy(np.array([[1e4, 0.0, -1e4]]), np.array([2]))
print("loss for logits (1e4, 0, -1e4), label 2 (expect 2e4):", float(big))

# %%
check("softmax")

# %% [markdown]
# ## 5. Mean squared error: `mse_loss`

# %%
bp = load("backprop")
pred, target = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
loss, dpred = bp.mse_loss(pred, target)
print(f"loss {float(loss):.6f}, expected {np.mean((pred - target) ** 2):.6f}")
print("dpred error:", rel_error(dpred, num_grad(lambda v: bp.mse_loss(v, target)[0], pred, 1.0)))

# %%
check("mse")

# %% [markdown]
# ## 6. Your own gradient checker: `numerical_gradient`, `relative_error`
#
# From here on the notebook uses *your* checker. On `f(x) = sum(c * x**2)` the gradient is
# `2 c x`; `x` must be bitwise unchanged afterwards, also when it is a non-contiguous view.

# %%
bp = load("backprop")
c = rng.standard_normal((3, 4))
x = rng.standard_normal((4, 3)).T            # a non-contiguous view
x_before = x.copy()
grad = bp.numerical_gradient(lambda v: np.sum(c * v ** 2), x)
print("numerical_gradient error against 2 c x:", rel_error(grad, 2 * c * x))
print("x unchanged:", np.array_equal(x, x_before))

# %%
check("numgrad")

# %%
bp = load("backprop")
print(bp.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])), "(expect 0.0)")
print(bp.relative_error(np.array([1.0, 0.0]), np.array([3.0, 0.0])), "(expect 0.5)")

# %%
check("relerr")

# %% [markdown]
# ## 7. The MLP: `MLP(layer_sizes, activation, seed)`
#
# He initialisation, zero biases. Scale the last layer down and the scores are near 0, so the
# initial loss is **log C** again. Then every gradient of `MLP.loss` against your
# `numerical_gradient`, in float64.

# %%
bp = load("backprop")
X3, y3 = blobs(40, centers=3, seed=0)
X3 = (X3 - X3.mean(axis=0)) / X3.std(axis=0)     # standardised inputs
model = bp.MLP([2, 10, 10, 3], activation="relu", seed=0)
for name, value in model.params.items():
    print(f"{name}: shape {value.shape}, std {value.std():.3f}")
model.params["W3"] *= 1e-3
loss, _ = model.loss(X3, y3)
print(f"initial loss {float(loss):.4f}, log C = {np.log(3):.4f}")

# %%
bp = load("backprop")
Xs, ys = X3[:6], y3[:6]
for activation in ("relu", "sigmoid"):
    model = bp.MLP([2, 5, 4, 3], activation=activation, seed=2)
    _, grads = model.loss(Xs, ys)
    for name in model.params:
        numeric = bp.numerical_gradient(lambda _: model.loss(Xs, ys)[0], model.params[name])
        print(f"{activation:8s} {name}: relative error {bp.relative_error(grads[name], numeric):.2e}")

# %%
check("mlp")

# %% [markdown]
# ## 8. Training: `train`, `accuracy`
#
# XOR first (a 2-8-2 network solves it in a few epochs), then two spirals: the loss curve and
# the decision regions of a 2-32-32-2 ReLU network.

# %%
bp = load("backprop")
X, y = xor(200, seed=0)
model = bp.MLP([2, 8, 2], seed=0)
history = bp.train(model, X, y, lr=0.5, epochs=30, batch_size=32, seed=0)
print(f"XOR: loss {history[0]:.3f} -> {history[-1]:.3f}, accuracy {bp.accuracy(model, X, y):.2f}")

# %%
bp = load("backprop")
X, y = two_spirals(300, noise=0.2, seed=0)
X_test, y_test = two_spirals(300, noise=0.2, seed=1)
model = bp.MLP([2, 32, 32, 2], activation="relu", seed=0)
history = bp.train(model, X, y, lr=0.1, epochs=100, batch_size=16, seed=0)
print(f"spirals: held-out accuracy {bp.accuracy(model, X_test, y_test):.2f}")

grid = np.linspace(-3.6, 3.6, 150)
gx, gy = np.meshgrid(grid, grid)
region = model.forward(np.column_stack([gx.ravel(), gy.ravel()])).argmax(axis=1)
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.contourf(gx, gy, region.reshape(gx.shape), levels=[-0.5, 0.5, 1.5],
              colors=["#c6dbef", "#fdd0a2"])
left.scatter(*X.T, c=y, s=6, cmap="coolwarm")
left.set_aspect("equal")
left.set_title("decision regions")
right.semilogy(np.arange(1, len(history) + 1), history)
right.set_xlabel("epoch")
right.set_ylabel("mean minibatch loss")
right.set_title("training loss")
plt.show()

# %%
check("train")

# %% [markdown]
# ## 9. The same network in PyTorch: `to_torch`
#
# autograd is an independent check of your whole backward pass: the scores and the gradients of
# `F.cross_entropy` must equal `MLP.forward` and `MLP.loss` (to about `1e-12`).

# %%
bp = load("backprop")
import torch
import torch.nn.functional as F

model = bp.MLP([2, 6, 5, 3], activation="sigmoid", seed=2)
net = bp.to_torch(model)
Xt, yt = torch.from_numpy(X3), torch.from_numpy(y3)
scores = net(Xt)
F.cross_entropy(scores, yt).backward()
_, grads = model.loss(X3, y3)
print("scores error:", rel_error(scores.detach().numpy(), model.forward(X3)))
linears = [m for m in net if isinstance(m, torch.nn.Linear)]
for i, layer in enumerate(linears, start=1):
    print(f"W{i} error:", rel_error(layer.weight.grad.numpy().T, grads[f"W{i}"]))

# %%
check("torch")

# %% [markdown]
# ## All public tests
#
# `check()` with no task runs every public test, like `dlcheck backprop.py`. Then submit
# `backprop.py` (only that file).
