"""[lazy_constants] Every function returns constants of the right shape and dtype and computes
nothing: it must score 0 (no points without right values).
"""
import numpy as np


def _zeros_like(a):
    a = np.asarray(a)
    return np.zeros(a.shape, dtype=a.dtype if a.dtype.kind == "f" else np.float64)


def affine_forward(x, W, b):
    x, W = np.asarray(x), np.asarray(W)
    return np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype), (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return _zeros_like(x), _zeros_like(W), _zeros_like(b)


def relu_forward(x):
    return _zeros_like(x), (x,)


def relu_backward(dout, cache):
    return _zeros_like(dout)


def sigmoid_forward(x):
    return _zeros_like(x) + np.asarray(0.5, dtype=_zeros_like(x).dtype), (x,)


def sigmoid_backward(dout, cache):
    return _zeros_like(dout)


def softmax_cross_entropy(logits, y):
    return 0.0, _zeros_like(logits)


def mse_loss(pred, target):
    return 0.0, _zeros_like(pred)


def numerical_gradient(f, x, h=1e-5):
    return np.zeros_like(x)


def relative_error(a, b):
    return 0.0


class MLP:
    def __init__(self, layer_sizes, activation="relu", seed=0):
        self.layer_sizes, self.activation = list(layer_sizes), activation
        self.params = {}
        for i in range(1, len(self.layer_sizes)):
            fan_in, fan_out = self.layer_sizes[i - 1], self.layer_sizes[i]
            self.params[f"W{i}"] = np.full((fan_in, fan_out), 0.01)
            self.params[f"b{i}"] = np.zeros(fan_out)

    def forward(self, X):
        return np.zeros((np.shape(X)[0], self.layer_sizes[-1]))

    def loss(self, X, y):
        return 0.0, {k: np.zeros_like(v) for k, v in self.params.items()}


def train(model, X, y, *, lr=0.1, epochs=100, batch_size=32, seed=0):
    return [0.0] * epochs


def accuracy(model, X, y):
    return 0.5


def to_torch(model):
    import torch
    from torch import nn

    layers = []
    n = len(model.params) // 2
    for i in range(1, n + 1):
        fan_in, fan_out = np.shape(model.params[f"W{i}"])
        linear = nn.Linear(fan_in, fan_out, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.zero_()
            linear.bias.zero_()
        layers.append(linear)
        if i < n:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)
