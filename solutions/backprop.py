"""Backpropagation from scratch: layers, losses, gradient checking and a small MLP (NumPy only).

Every layer is a pair: ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``, where
``dout`` is the gradient of the loss with respect to ``out`` and the backward pass returns the
gradients with respect to the forward pass's inputs. Batch first: ``x`` is ``(N, D)``.
Functions keep their input's dtype (float32 in, float32 out), never modify their inputs, and
raise ``ValueError`` naming the argument for inputs they cannot handle.
torch is used only inside ``to_torch``.
"""

import numpy as np


# BEGIN SOLUTION (remove)
def _as_array(name, a):
    """np.asarray(a) (no copy for arrays); ValueError naming the argument if that fails."""
    try:
        return np.asarray(a)
    except Exception as exc:  # e.g. ragged nested lists
        raise ValueError(f"{name} must be array-like: {exc}") from None


def _check_2d(name, a):
    a = _as_array(name, a)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {a.shape}")
    return a


def _check_dout(dout, shape):
    dout = _as_array("dout", dout)
    if dout.shape != shape:
        raise ValueError(f"dout must have the forward output's shape {shape}, got {dout.shape}")
    return dout
# END SOLUTION


# ------------------------------------------------------------------------------------ layers
def affine_forward(x, W, b):
    """out = x @ W + b.  x (N, D), W (D, M), b (M,) -> out (N, M), cache."""
    # BEGIN SOLUTION
    x = _check_2d("x", x)
    W = _check_2d("W", W)
    b = _as_array("b", b)
    if W.shape[0] != x.shape[1]:
        raise ValueError(f"W must have shape (D, M) with D = x.shape[1] = {x.shape[1]}, "
                         f"got W {W.shape} for x {x.shape}")
    if b.shape != (W.shape[1],):
        raise ValueError(f"b must have shape (M,) = ({W.shape[1]},), got {b.shape}")
    out = x @ W + b
    return out, (x, W, b)
    # END SOLUTION


def affine_backward(dout, cache):
    """dx = dout @ W.T, dW = x.T @ dout, db = sum_n dout.  dout (N, M) -> dx (N, D), dW (D, M), db (M,)."""
    # BEGIN SOLUTION
    x, W, _b = cache
    dout = _check_dout(dout, (x.shape[0], W.shape[1]))
    dx = dout @ W.T
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dW, db
    # END SOLUTION


def relu_forward(x):
    """out = max(x, 0) elementwise.  x (any shape) -> out (same shape), cache."""
    # BEGIN SOLUTION
    x = _as_array("x", x)
    out = np.maximum(x, 0)
    return out, (x,)
    # END SOLUTION


def relu_backward(dout, cache):
    """dx = dout * [x > 0] (gradient 0 at x == 0).  dout (shape of x) -> dx (shape of x)."""
    # BEGIN SOLUTION
    (x,) = cache
    dout = _check_dout(dout, x.shape)
    return np.where(x > 0, dout, 0)
    # END SOLUTION


def sigmoid_forward(x):
    """out = 1 / (1 + exp(-x)) elementwise, without overflow.  x (any shape) -> out, cache."""
    # BEGIN SOLUTION
    x = _as_array("x", x)
    with np.errstate(under="ignore"):      # exp(-1e4) = 0 is fine
        z = np.exp(-np.abs(x))              # in (0, 1]: never overflows
        big = 1 / (1 + z)                   # sigmoid(|x|)
        small = z / (1 + z)                 # sigmoid(-|x|) = 1 - sigmoid(|x|), accurate when tiny
    pos = x >= 0
    out = np.where(pos, big, small)
    out_neg = np.where(pos, small, big)     # sigmoid(-x) = 1 - out, without cancellation
    return out, (out, out_neg)
    # END SOLUTION


def sigmoid_backward(dout, cache):
    """dx = dout * s * (1 - s) with s = sigmoid(x).  dout (shape of x) -> dx (shape of x)."""
    # BEGIN SOLUTION
    out, out_neg = cache
    dout = _check_dout(dout, out.shape)
    with np.errstate(under="ignore"):
        return dout * (out * out_neg)
    # END SOLUTION


# ------------------------------------------------------------------------------------ losses
def softmax_cross_entropy(logits, y):
    """loss = -mean_n log softmax(logits)[n, y_n].  logits (N, C), y (N,) int -> loss, dlogits (N, C)."""
    # BEGIN SOLUTION
    logits = _check_2d("logits", logits)
    N, C = logits.shape
    y = _as_array("y", y)
    if y.shape != (N,):
        raise ValueError(f"y must have shape (N,) = ({N},), got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    if np.any(y < 0) or np.any(y >= C):
        raise ValueError(f"y must hold labels in [0, {C}), got min {y.min()} max {y.max()}")
    shifted = logits - logits.max(axis=1, keepdims=True)          # <= 0: exp cannot overflow
    with np.errstate(under="ignore"):
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log-softmax
        dlogits = np.exp(log_probs)                                # softmax
    rows = np.arange(N)
    loss = -log_probs[rows, y].mean()
    dlogits[rows, y] -= 1
    dlogits /= N
    return loss, dlogits
    # END SOLUTION


def mse_loss(pred, target):
    """loss = mean((pred - target)^2) over all elements.  pred, target (same shape) -> loss, dpred."""
    # BEGIN SOLUTION
    pred = _as_array("pred", pred)
    target = _as_array("target", target)
    if target.shape != pred.shape:
        raise ValueError(f"target must have pred's shape {pred.shape}, got {target.shape}")
    diff = pred - target
    loss = (diff * diff).mean()
    dpred = diff * (2 / pred.size)
    return loss, dpred
    # END SOLUTION


# ------------------------------------------------------------------------- gradient checking
def numerical_gradient(f, x, h=1e-5):
    """grad[i] = (f(x + h e_i) - f(x - h e_i)) / (2 h), perturbing x in place.  x (any shape) -> grad (shape of x)."""
    # BEGIN SOLUTION
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError("x must be a floating-point NumPy array (it is perturbed in place)")
    if not x.flags.writeable:
        raise ValueError("x must be writeable (it is perturbed in place)")
    h = float(h)
    if not h > 0 or not np.isfinite(h):
        raise ValueError(f"h must be a finite number > 0, got {h!r}")

    def value(v):
        v = np.asarray(v)
        if v.size != 1:
            raise ValueError(f"f must return a scalar, got an array of shape {v.shape}")
        return float(v.reshape(()))

    grad = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):     # works for any strides (non-contiguous views too)
        saved = x[idx].copy()           # a NumPy scalar: put back bit for bit
        try:
            x[idx] = saved + h
            f_plus = value(f(x))
            x[idx] = saved - h
            f_minus = value(f(x))
        finally:
            x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad
    # END SOLUTION


def relative_error(a, b):
    """max over elements of |a - b| / max(1e-8, |a| + |b|), as a Python float."""
    # BEGIN SOLUTION
    a = _as_array("a", a)
    b = _as_array("b", b)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    err = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(err.max())
    # END SOLUTION


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
        # BEGIN SOLUTION
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError("layer_sizes must be a list of at least 2 positive integers "
                             f"[D, H1, ..., C], got {layer_sizes!r}")
        if activation not in ("relu", "sigmoid"):
            raise ValueError(f'activation must be "relu" or "sigmoid", got {activation!r}')
        self.layer_sizes = sizes
        self.activation = activation
        self.num_layers = len(sizes) - 1
        rng = np.random.default_rng(seed)
        self.params = {}
        for i in range(1, len(sizes)):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            self.params[f"W{i}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
            self.params[f"b{i}"] = np.zeros(fan_out)
        # END SOLUTION

    # BEGIN SOLUTION (remove)
    def _forward(self, X):
        """scores and the per-layer caches for the backward pass."""
        X = _check_2d("X", X)
        if X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have {self.layer_sizes[0]} columns, got shape {X.shape}")
        act_forward = relu_forward if self.activation == "relu" else sigmoid_forward
        caches = []
        h = X
        for i in range(1, self.num_layers + 1):
            h, affine_cache = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            act_cache = None
            if i < self.num_layers:
                h, act_cache = act_forward(h)
            caches.append((affine_cache, act_cache))
        return h, caches
    # END SOLUTION

    def forward(self, X):
        """Raw class scores (no softmax).  X (N, D) -> scores (N, C)."""
        # BEGIN SOLUTION
        return self._forward(X)[0]
        # END SOLUTION

    def loss(self, X, y):
        """Mean softmax cross-entropy and its gradients.  X (N, D), y (N,) int -> (float, grads keyed like params)."""
        # BEGIN SOLUTION
        scores, caches = self._forward(X)
        loss, dh = softmax_cross_entropy(scores, y)
        act_backward = relu_backward if self.activation == "relu" else sigmoid_backward
        grads = {}
        for i in range(self.num_layers, 0, -1):
            affine_cache, act_cache = caches[i - 1]
            if act_cache is not None:
                dh = act_backward(dh, act_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, affine_cache)
        return float(loss), {k: grads[k] for k in self.params}
        # END SOLUTION


# --------------------------------------------------------------------------------- training
def train(model, X, y, *, lr=0.1, epochs=100, batch_size=32, seed=0):
    """Minibatch SGD on model.params in place (reshuffled every epoch) -> mean minibatch loss per epoch."""
    # BEGIN SOLUTION
    X = _check_2d("X", X)
    y = _as_array("y", y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({X.shape[0]},), got {y.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.integer, np.floating)) \
            or not np.isfinite(lr):
        raise ValueError(f"lr must be a finite number, got {lr!r}")
    N = X.shape[0]
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        losses = []
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, grads = model.loss(X[idx], y[idx])
            for name, param in model.params.items():
                param -= lr * grads[name]           # in place: same arrays
            losses.append(float(loss))
        history.append(sum(losses) / len(losses))
    return history
    # END SOLUTION


def accuracy(model, X, y):
    """Fraction of rows whose highest score is the label.  X (N, D), y (N,) -> float in [0, 1]."""
    # BEGIN SOLUTION
    scores = np.asarray(model.forward(X))
    y = _as_array("y", y)
    if y.shape != (scores.shape[0],):
        raise ValueError(f"y must have shape (N,) = ({scores.shape[0]},), got {y.shape}")
    return float((scores.argmax(axis=1) == y).mean())
    # END SOLUTION


def to_torch(model):
    """torch.nn.Sequential of nn.Linear (weight = W.T, bias = b) and nn.ReLU / nn.Sigmoid, float64."""
    import torch
    from torch import nn

    # BEGIN SOLUTION
    L = 0
    while f"W{L + 1}" in model.params:
        L += 1
    activation = getattr(model, "activation", "relu")
    layers = []
    for i in range(1, L + 1):
        W = np.asarray(model.params[f"W{i}"], dtype=np.float64)
        b = np.asarray(model.params[f"b{i}"], dtype=np.float64)
        # skip_init: no random initialisation, so the global torch RNG is left untouched
        linear = nn.utils.skip_init(nn.Linear, W.shape[0], W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(linear)
        if i < L:
            layers.append(nn.ReLU() if activation == "relu" else nn.Sigmoid())
    return nn.Sequential(*layers)
    # END SOLUTION
