"""Exercise 2: the effect of depth (torch).

Deep plain networks with saturating activations (sigmoid) suffer from vanishing gradients:
each layer multiplies the backward signal by ``sigma'(z) <= 1/4`` and a weight matrix, so
the gradient reaching the first layer shrinks geometrically with depth (chapter 13.1.4).
Residual connections ``h <- h + act(W h + b)`` add an identity path that carries the
gradient past every block unchanged.

Conventions (COURSE_SPEC "Conventions" and section 2):
- every function respects the device and dtype of its inputs (nothing hard-coded);
- randomness comes from an explicit ``torch.Generator``;
- inputs a function cannot handle raise ``ValueError`` naming the argument.
"""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class ResidualBlock(nn.Module):
    """h -> h + act(linear(h)).  h (N, width) -> (N, width)."""

    def __init__(self, width: int, activation: str = "relu"):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.act = _ACTIVATIONS[activation]()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """out = h + act(h @ W.T + b).  h (N, width) -> (N, width)."""
        raise NotImplementedError("ResidualBlock.forward: your code here")


def make_mlp(in_dim, width, depth, out_dim, *, activation="relu", residual=False) -> nn.Module:
    """MLP with `depth` hidden layers of size `width`: (N, in_dim) -> (N, out_dim) scores.

    Plain: Linear(in, width), act, (Linear(width, width), act) x (depth - 1), Linear(width, out).
    Residual: hidden layers 2..depth are ResidualBlock(width, activation).
    Parameters use PyTorch's default dtype (float32).
    """
    raise NotImplementedError("make_mlp: your code here")


def init_weights(model: nn.Module, scheme: str, generator: torch.Generator | None = None) -> nn.Module:
    """Every nn.Linear: W ~ N(0, s^2), b = 0; s^2 = 2/fan_in ("he"), 2/(fan_in+fan_out) ("xavier"), 0.01^2 ("small")."""
    raise NotImplementedError("init_weights: your code here")


def layer_grad_norms(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn) -> list[float]:
    """||dL/dW_l||_2 for every nn.Linear weight, input to output, L = loss_fn(model(X), y); no grads left behind."""
    raise NotImplementedError("layer_grad_norms: your code here")


def clip_grad_norm_(parameters, max_norm: float) -> float:
    """total = ||concat(p.grad)||_2; if total > max_norm every grad *= max_norm / (total + 1e-6); returns total."""
    raise NotImplementedError("clip_grad_norm_: your code here")


def train_and_measure(model, data, *, epochs, lr, batch_size, generator, loss_threshold) -> dict:
    """Minibatch SGD on F.cross_entropy; data = (X_train (N, D), y_train (N,), X_test, y_test).

    Returns {train_time_s, loss_curve (epochs,), steps_to_threshold (1-based or None),
    test_accuracy, grad_norms (one layer_grad_norms list per epoch, full training split)}.
    """
    raise NotImplementedError("train_and_measure: your code here")


def depth_study(data, depths=(2, 5, 10, 20), residual=(False, True), *, width=32,
                activation="sigmoid", init="xavier", **train_kwargs) -> list[dict]:
    """One train_and_measure run per (depth, residual), depth outer, residual inner.

    Each dict holds depth, residual, activation and every train_and_measure key. Reproducible:
    seed = train_kwargs["generator"].initial_seed(); every run gets a fresh CPU generator seeded
    with it for init_weights (the model is then moved to the data's device and dtype) and a fresh
    generator seeded with it (on the given generator's device) for shuffling, so a run does not
    depend on which runs came before it. A generator of None means torch's default generator.
    """
    raise NotImplementedError("depth_study: your code here")


def plot_depth_study(results):
    """matplotlib Figure: loss curves and first/last-epoch gradient norm per layer (log y axes)."""
    raise NotImplementedError("plot_depth_study: your code here")
