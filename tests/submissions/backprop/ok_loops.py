"""[ok_loops] A correct submission written with explicit Python loops (rows, elements, entries)
instead of vectorised NumPy, the way a student new to NumPy might: it must get full marks.
"""
import math

import numpy as np


def _two_d(name, a):
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}")
    return a


def _dout_like(dout, shape):
    dout = np.asarray(dout)
    if dout.shape != tuple(shape):
        raise ValueError(f"dout has shape {dout.shape}, expected {tuple(shape)}")
    return dout


# ------------------------------------------------------------------------------------ layers
def affine_forward(x, W, b):
    """out = x @ W + b.  x (N, D), W (D, M), b (M,) -> out (N, M), cache."""
    x, W, b = _two_d("x", x), _two_d("W", W), np.asarray(b)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W has {W.shape[0]} rows but x has {x.shape[1]} columns")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape ({W.shape[1]},), got {b.shape}")
    N, M = x.shape[0], W.shape[1]
    out = np.empty((N, M), dtype=np.result_type(x, W, b))
    for n in range(N):
        out[n] = x[n] @ W + b
    return out, (x, W, b)


def affine_backward(dout, cache):
    """dx = dout @ W.T, dW = x.T @ dout, db = sum_n dout."""
    x, W, b = cache
    dout = _dout_like(dout, (x.shape[0], W.shape[1]))
    N = x.shape[0]
    dx = np.empty(x.shape, dtype=np.result_type(dout, W))
    dW = np.zeros(W.shape, dtype=np.result_type(dout, x))
    db = np.zeros(b.shape, dtype=dout.dtype)
    for n in range(N):
        dx[n] = W @ dout[n]
        dW += np.outer(x[n], dout[n])
        db += dout[n]
    return dx, dW, db


def relu_forward(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    for i in range(x.shape[0]):          # one row (or entry) at a time
        out[i] = np.maximum(x[i], 0)
    return out, x


def relu_backward(dout, cache):
    x = cache
    dout = _dout_like(dout, x.shape)
    dx = np.empty_like(dout)
    for i in range(x.shape[0]):
        dx[i] = np.where(x[i] > 0, dout[i], 0)
    return dx


def _sigmoid(v):
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)
    return e / (1.0 + e)


def sigmoid_forward(x):
    x = np.asarray(x)
    out = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        out[idx] = _sigmoid(float(x[idx]))
    return out, out.copy()


def sigmoid_backward(dout, cache):
    s = cache
    dout = _dout_like(dout, s.shape)
    dx = np.empty_like(dout)
    for idx in np.ndindex(s.shape):
        dx[idx] = dout[idx] * s[idx] * (1 - s[idx])
    return dx


# ------------------------------------------------------------------------------------ losses
def softmax_cross_entropy(logits, y):
    logits = _two_d("logits", logits)
    y = np.asarray(y)
    N, C = logits.shape
    if y.shape != (N,):
        raise ValueError(f"y must have shape ({N},), got {y.shape}")
    for label in y:
        if not isinstance(label, np.integer) or not 0 <= label < C:
            raise ValueError(f"y must hold integer labels 0..{C - 1}, got {label!r}")
    dlogits = np.empty_like(logits)
    total = 0.0
    for n in range(N):
        row = logits[n]
        m = row.max()
        lse = m + np.log(np.sum(np.exp(row - m)))
        total += float(lse - row[y[n]])
        dlogits[n] = np.exp(row - lse)
        dlogits[n, y[n]] -= 1
    dlogits /= N
    return total / N, dlogits


def mse_loss(pred, target):
    pred, target = np.asarray(pred), np.asarray(target)
    if pred.shape != target.shape:
        raise ValueError(f"target must have pred's shape {pred.shape}, got {target.shape}")
    total = 0.0
    dpred = np.empty_like(pred)
    for idx in np.ndindex(pred.shape):
        d = pred[idx] - target[idx]
        total += float(d) * float(d)
        dpred[idx] = 2 * d / pred.size
    return total / pred.size, dpred


# ------------------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, h=1e-5):
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"x must hold floats, got {x.dtype}")
    if h <= 0:
        raise ValueError(f"h must be > 0, got {h}")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        fxph = f(x)
        x[ix] = old - h
        fxmh = f(x)
        x[ix] = old
        if np.ndim(fxph) != 0:
            raise ValueError(f"f must return a scalar, got shape {np.shape(fxph)}")
        grad[ix] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


def relative_error(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a has shape {a.shape} but b has shape {b.shape}")
    worst = 0.0
    for u, v in zip(a.reshape(-1), b.reshape(-1)):
        worst = max(worst, abs(u - v) / max(1e-8, abs(u) + abs(v)))
    return float(worst)


# ------------------------------------------------------------------------------------ model
class MLP:
    def __init__(self, layer_sizes, activation="relu", seed=0):
        if activation not in ("relu", "sigmoid"):
            raise ValueError(f"activation must be 'relu' or 'sigmoid', not {activation!r}")
        self.sizes = list(layer_sizes)
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"layer_sizes needs 2 or more sizes >= 1, got {self.sizes}")
        self.activation = activation
        rng = np.random.default_rng(seed)
        self.params = {}
        for i in range(1, len(self.sizes)):
            fan_in, fan_out = self.sizes[i - 1], self.sizes[i]
            self.params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)
            self.params[f"b{i}"] = np.zeros(fan_out)

    def _layers(self):
        return len(self.sizes) - 1

    def _run(self, X):
        fwd = relu_forward if self.activation == "relu" else sigmoid_forward
        caches = []
        h = X
        for i in range(1, self._layers() + 1):
            h, c1 = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            c2 = None
            if i < self._layers():
                h, c2 = fwd(h)
            caches.append((c1, c2))
        return h, caches

    def forward(self, X):
        return self._run(X)[0]

    def loss(self, X, y):
        scores, caches = self._run(X)
        loss, d = softmax_cross_entropy(scores, y)
        bwd = relu_backward if self.activation == "relu" else sigmoid_backward
        grads = {}
        for i in range(self._layers(), 0, -1):
            c1, c2 = caches[i - 1]
            if c2 is not None:
                d = bwd(d, c2)
            d, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(d, c1)
        return loss, grads


# --------------------------------------------------------------------------------- training
def train(model, X, y, *, lr=0.1, epochs=100, batch_size=32, seed=0):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    if not math.isfinite(lr):
        raise ValueError(f"lr must be finite, got {lr}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    if len(y) != len(X):
        raise ValueError(f"y has {len(y)} labels for {len(X)} rows of X")
    rng = np.random.default_rng(seed)
    history = []
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        batch_losses = []
        for start in range(0, len(X), batch_size):
            idx = order[start:start + batch_size]
            loss, grads = model.loss(X[idx], y[idx])
            for name in model.params:
                model.params[name] -= lr * grads[name]
            batch_losses.append(loss)
        history.append(sum(batch_losses) / len(batch_losses))
    return history


def accuracy(model, X, y):
    scores = model.forward(X)
    if len(y) != len(scores):
        raise ValueError(f"y has {len(y)} labels for {len(scores)} rows")
    right = 0
    for n in range(len(y)):
        if np.argmax(scores[n]) == y[n]:
            right += 1
    return right / len(y)


def to_torch(model):
    import torch
    from torch import nn

    layers = []
    L = len(model.sizes) - 1
    for i in range(1, L + 1):
        W, b = model.params[f"W{i}"], model.params[f"b{i}"]
        lin = nn.Linear(W.shape[0], W.shape[1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W.T))
            lin.bias.copy_(torch.tensor(b))
        layers.append(lin)
        if i < L:
            layers.append(nn.ReLU() if model.activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)
