"""Attack: every function of the exercise (and every method of its class) loops forever,
with the usual signals ignored: a student whose shared helper never returns. Each function may
cost one call timeout, and only the first gets the full one; the rest of the grading goes on."""
import signal

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)

import numpy as np


# ------------------------------------------------------------------------------------ layers
def affine_forward(x, W, b):
    """out = x @ W + b.  x (N, D), W (D, M), b (M,) -> out (N, M), cache."""
    while True:  # hangs, signals ignored
        pass


def affine_backward(dout, cache):
    """dx = dout @ W.T, dW = x.T @ dout, db = sum_n dout.  dout (N, M) -> dx (N, D), dW (D, M), db (M,)."""
    while True:  # hangs, signals ignored
        pass


def relu_forward(x):
    """out = max(x, 0) elementwise.  x (any shape) -> out (same shape), cache."""
    while True:  # hangs, signals ignored
        pass


def relu_backward(dout, cache):
    """dx = dout * [x > 0] (gradient 0 at x == 0).  dout (shape of x) -> dx (shape of x)."""
    while True:  # hangs, signals ignored
        pass


def sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)) elementwise, without overflow.  x (any shape) -> out, cache."""
    while True:  # hangs, signals ignored
        pass


def sigmoid_backward(dout, cache):
    """dx = dout * s * (1 - s) with s = sigmoid(x).  dout (shape of x) -> dx (shape of x)."""
    while True:  # hangs, signals ignored
        pass


# ------------------------------------------------------------------------------------ losses
def softmax_cross_entropy(logits, y):
    """loss = -mean_n log softmax(logits)[n, y_n].  logits (N, C), y (N,) int -> loss, dlogits (N, C)."""
    while True:  # hangs, signals ignored
        pass


def mse_loss(pred, target):
    """loss = mean((pred - target)^2) over all elements.  pred, target (same shape) -> loss, dpred."""
    while True:  # hangs, signals ignored
        pass


# ------------------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, h=1e-5):
    """grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), perturbing x in place.  x (any shape) -> grad (shape of x)."""
    while True:  # hangs, signals ignored
        pass


def relative_error(a, b):
    """max over elements of |a - b| / max(1e-8, |a| + |b|), as a Python float."""
    while True:  # hangs, signals ignored
        pass


# ------------------------------------------------------------------------------------ model
class MLP:
    """scores = affine_L(act(... act(affine_1(X)))): (affine, activation) per hidden layer, a plain affine last.

    ``params`` holds ``W1, b1, ..., WL, bL`` (float64), ``W_i`` of shape
    ``(layer_sizes[i-1], layer_sizes[i])``; He initialisation: for i = 1..L in order,
    ``W_i = rng.standard_normal((fan_in, fan_out)) * sqrt(2 / fan_in)`` with one
    ``rng = np.random.default_rng(seed)``; biases zero.
    """

    def __init__(self, layer_sizes, activation="relu", seed=0):
        """layer_sizes [D, H1, ..., C] (at least 2 entries); activation "relu" or "sigmoid"."""
        while True:  # hangs, signals ignored
            pass


    def forward(self, X):
        """Raw class scores (no softmax).  X (N, D) -> scores (N, C)."""
        while True:  # hangs, signals ignored
            pass

    def loss(self, X, y):
        """Mean softmax cross-entropy and its gradients.  X (N, D), y (N,) int -> (float, grads keyed like params)."""
        while True:  # hangs, signals ignored
            pass


# --------------------------------------------------------------------------------- training
def train(model, X, y, *, lr=0.1, epochs=100, batch_size=32, seed=0):
    """Minibatch SGD on model.params in place (reshuffled every epoch) -> mean minibatch loss per epoch."""
    while True:  # hangs, signals ignored
        pass


def accuracy(model, X, y):
    """Fraction of rows whose highest score is the label.  X (N, D), y (N,) -> float in [0, 1]."""
    while True:  # hangs, signals ignored
        pass


def to_torch(model):
    """torch.nn.Sequential of nn.Linear (weight = W.T, bias = b) and nn.ReLU / nn.Sigmoid, float64."""
    import torch
    from torch import nn

    while True:  # hangs, signals ignored

        pass
