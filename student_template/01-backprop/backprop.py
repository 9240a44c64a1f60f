"""Backpropagation from scratch: layers, losses, gradient checking and a small MLP (NumPy only).

Every layer is a pair: ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``, where
``dout`` is the gradient of the loss with respect to ``out`` and the backward pass returns the
gradients with respect to the forward pass's inputs. Batch first: ``x`` is ``(N, D)``.
Functions keep their input's dtype (float32 in, float32 out), never modify their inputs, and
raise ``ValueError`` naming the argument for inputs they cannot handle.
torch is used only inside ``to_torch``.
"""

import numpy as np


# ------------------------------------------------------------------------------------ layers
def affine_forward(x, W, b):
    """out = x @ W + b.  x (N, D), W (D, M), b (M,) -> out (N, M), cache."""
    raise NotImplementedError("affine_forward: your code here")


def affine_backward(dout, cache):
    """dx = dout @ W.T, dW = x.T @ dout, db = sum_n dout.  dout (N, M) -> dx (N, D), dW (D, M), db (M,)."""
    raise NotImplementedError("affine_backward: your code here")


def relu_forward(x):
    """out = max(x, 0) elementwise.  x (any shape) -> out (same shape), cache."""
    raise NotImplementedError("relu_forward: your code here")


def relu_backward(dout, cache):
    """dx = dout * [x > 0] (gradient 0 at x == 0).  dout (shape of x) -> dx (shape of x)."""
    raise NotImplementedError("relu_backward: your code here")


def sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)) elementwise, without overflow.  x (any shape) -> out, cache."""
    raise NotImplementedError("sigmoid_forward: your code here")


def sigmoid_backward(dout, cache):
    """dx = dout * s * (1 - s) with s = sigmoid(x).  dout (shape of x) -> dx (shape of x)."""
    raise NotImplementedError("sigmoid_backward: your code here")


# ------------------------------------------------------------------------------------ losses
def softmax_cross_entropy(logits, y):
    """loss = -mean_n log softmax(logits)[n, y_n].  logits (N, C), y (N,) int -> loss, dlogits (N, C)."""
    raise NotImplementedError("softmax_cross_entropy: your code here")


def mse_loss(pred, target):
    """loss = mean((pred - target)^2) over all elements.  pred, target (same shape) -> loss, dpred."""
    raise NotImplementedError("mse_loss: your code here")


# ------------------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, h=1e-5):
    """grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), perturbing x in place.  x (any shape) -> grad (shape of x)."""
    raise NotImplementedError("numerical_gradient: your code here")


def relative_error(a, b):
    """max over elements of |a - b| / max(1e-8, |a| + |b|), as a Python float."""
    raise NotImplementedError("relative_error: your code here")


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
        raise NotImplementedError("MLP.__init__: your code here")


    def forward(self, X):
        """Raw class scores (no softmax).  X (N, D) -> scores (N, C)."""
        raise NotImplementedError("MLP.forward: your code here")

    def loss(self, X, y):
        """Mean softmax cross-entropy and its gradients.  X (N, D), y (N,) int -> (float, grads keyed like params)."""
        raise NotImplementedError("MLP.loss: your code here")


# --------------------------------------------------------------------------------- training
def train(model, X, y, *, lr=0.1, epochs=100, batch_size=32, seed=0):
    """Minibatch SGD on model.params in place (reshuffled every epoch) -> mean minibatch loss per epoch."""
    raise NotImplementedError("train: your code here")


def accuracy(model, X, y):
    """Fraction of rows whose highest score is the label.  X (N, D), y (N,) -> float in [0, 1]."""
    raise NotImplementedError("accuracy: your code here")


def to_torch(model):
    """torch.nn.Sequential of nn.Linear (weight = W.T, bias = b) and nn.ReLU / nn.Sigmoid, float64."""
    import torch
    from torch import nn

    raise NotImplementedError("to_torch: your code here")
