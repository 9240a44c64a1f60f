"""VARIANT lazy_constants: every graded function returns constants of the right shape and type
(no arithmetic of its own); it must score 0."""
from __future__ import annotations

import torch
from torch import nn


class _Zeros(nn.Module):
    """The right nn.Linear layers, but the forward pass returns zeros (N, out_dim)."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.out_dim = sizes[-1]

    def forward(self, x):
        return torch.zeros(x.shape[0], self.out_dim, dtype=x.dtype, device=x.device)


def make_mlp(in_dim, width, depth, out_dim, *, activation="relu", residual=False) -> nn.Module:
    return _Zeros([in_dim] + [width] * depth + [out_dim])


def init_weights(model, scheme, generator=None):
    return model


def _n_linear(model):
    return sum(isinstance(m, nn.Linear) for m in model.modules())


def layer_grad_norms(model, X, y, loss_fn) -> list[float]:
    return [0.0] * _n_linear(model)


def clip_grad_norm_(parameters, max_norm) -> float:
    return 0.0


def train_and_measure(model, data, *, epochs, lr, batch_size, generator, loss_threshold) -> dict:
    return {"train_time_s": 0.0, "loss_curve": [0.0] * epochs, "steps_to_threshold": None,
            "test_accuracy": 0.0, "grad_norms": [[0.0] * _n_linear(model) for _ in range(epochs)]}


def depth_study(data, depths=(2, 5, 10, 20), residual=(False, True), *, width=32,
                activation="sigmoid", init="xavier", **train_kwargs) -> list[dict]:
    epochs = train_kwargs.get("epochs", 1)
    return [{"depth": d, "residual": r, "activation": activation, "train_time_s": 0.0,
             "loss_curve": [0.0] * epochs, "steps_to_threshold": None, "test_accuracy": 0.0,
             "grad_norms": [[0.0] * (d + 1) for _ in range(epochs)]}
            for d in depths for r in residual]


def plot_depth_study(results):
    from matplotlib.figure import Figure
    return Figure()
