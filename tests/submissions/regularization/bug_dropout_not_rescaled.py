"""Exercise 4: regularization (torch). VARIANT bug_dropout_not_rescaled: kept entries are not divided by 1 - p.

Six ways to make a network generalise (chapter 13.3): inverted dropout, batch normalisation
with a hand-written backward pass, an L2 penalty on the weights, data augmentation (flips,
crops, noise), label smoothing and early stopping; then a study of what each does to the gap
between training and validation loss on the course's 8x8 images.

Conventions (COURSE_SPEC "Conventions" and section 4):
- every function respects the device and dtype of its inputs (nothing hard-coded);
- randomness comes from an explicit ``torch.Generator`` on the inputs' device;
- inputs a function cannot handle raise ``ValueError`` naming the argument.
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

STUDY_OPTIONS = ("l2", "dropout", "augment", "early_stopping")


# ----------------------------------------------------------------------------- dropout
def dropout(x: torch.Tensor, p: float, training: bool, generator: torch.Generator | None = None) -> torch.Tensor:
    """Inverted dropout: out = x * mask / (1 - p), mask ~ Bernoulli(1 - p).  x (any shape) -> same."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p < 1.0:
        raise ValueError(f"p must be a number in [0, 1), got {p!r}")
    if not training or p == 0:
        return x
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep.to(x.dtype)


# ----------------------------------------------------------------------------- batch norm
class BatchNormFunction(torch.autograd.Function):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta per column; biased batch variance.  x (N, D), gamma/beta (D,)."""

    @staticmethod
    def forward(ctx, x, gamma, beta, eps):
        """x (N, D), gamma (D,), beta (D,), eps float -> y (N, D)."""
        if x.dim() != 2:
            raise ValueError(f"x must be 2-D (N, D), got shape {tuple(x.shape)}")
        if x.shape[0] < 2:
            raise ValueError("x must have at least 2 rows (N > 1): a batch of one has no variance")
        for name, t in (("gamma", gamma), ("beta", beta)):
            if t.shape != (x.shape[1],):
                raise ValueError(f"{name} must have shape ({x.shape[1]},), got {tuple(t.shape)}")
        mu = x.mean(dim=0)
        var = ((x - mu) ** 2).mean(dim=0)
        inv_std = 1.0 / torch.sqrt(var + eps)
        x_hat = (x - mu) * inv_std
        ctx.save_for_backward(x_hat, inv_std, gamma)
        return gamma * x_hat + beta

    @staticmethod
    def backward(ctx, dy):
        """dy (N, D) -> (dx (N, D), dgamma (D,), dbeta (D,), None); written by hand."""
        x_hat, inv_std, gamma = ctx.saved_tensors
        n = dy.shape[0]
        dbeta = dy.sum(dim=0)
        dgamma = (dy * x_hat).sum(dim=0)
        dx_hat = dy * gamma
        dx = inv_std / n * (n * dx_hat - dx_hat.sum(dim=0) - x_hat * (dx_hat * x_hat).sum(dim=0))
        return dx, dgamma, dbeta, None


class BatchNorm1d(nn.Module):
    """Batch normalisation over (N, num_features) with running statistics, like torch.nn.BatchNorm1d."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Train: BatchNormFunction + running = (1 - m) * running + m * batch (unbiased var); eval: running stats."""
        if x.dim() != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"x must have shape (N, {self.num_features}), got {tuple(x.shape)}")
        if not self.training:
            inv_std = 1.0 / torch.sqrt(self.running_var + self.eps)
            return (x - self.running_mean) * inv_std * self.weight + self.bias
        out = BatchNormFunction.apply(x, self.weight, self.bias, self.eps)
        with torch.no_grad():
            batch_var = x.var(dim=0, unbiased=True)
            self.running_mean.mul_(1 - self.momentum).add_(self.momentum * x.mean(dim=0))
            self.running_var.mul_(1 - self.momentum).add_(self.momentum * batch_var)
        return out


# ----------------------------------------------------------------------------- weight decay
def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """lam * sum of w**2 over every parameter with dim() > 1 (weights, not biases or norm scales) -> 0-d tensor."""
    if not lam >= 0:
        raise ValueError(f"lam must be >= 0, got {lam!r}")
    weights = [p for p in model.parameters() if p.dim() > 1]
    if not weights:
        params = list(model.parameters())
        return params[0].new_zeros(()) if params else torch.zeros(())
    return lam * sum((w * w).sum() for w in weights)


# ----------------------------------------------------------------------------- augmentation
def _check_images(images):
    if images.dim() != 4:
        raise ValueError(f"images must be 4-D (N, C, H, W), got shape {tuple(images.shape)}")


def hflip(images: torch.Tensor) -> torch.Tensor:
    """Mirror every image left-right (the last axis, W).  (N, C, H, W) -> (N, C, H, W)."""
    _check_images(images)
    return images.flip(-1)


def random_crop(images: torch.Tensor, padding: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero-pad by `padding`, take an H x W window at offsets (i, j) ~ U{0..2*padding}^2 per image.  (N, C, H, W) -> same."""
    _check_images(images)
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be an integer >= 0, got {padding!r}")
    n, _, h, w = images.shape
    if padding == 0:
        return images.clone()
    padded = F.pad(images, (padding, padding, padding, padding))
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator, device=images.device)
    rows = offsets[:, 0, None] + torch.arange(h, device=images.device)          # (N, H)
    cols = offsets[:, 1, None] + torch.arange(w, device=images.device)          # (N, W)
    batch = torch.arange(n, device=images.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (N, H, W, C)
    return out.permute(0, 3, 1, 2).contiguous()


def augment(images: torch.Tensor, generator: torch.Generator | None = None, flip_p: float = 0.5,
            padding: int = 2, noise_std: float = 0.0) -> torch.Tensor:
    """hflip each image with probability flip_p, random_crop(padding), then + N(0, noise_std^2) if noise_std > 0."""
    _check_images(images)
    if not 0.0 <= flip_p <= 1.0:
        raise ValueError(f"flip_p must be in [0, 1], got {flip_p!r}")
    if not noise_std >= 0:
        raise ValueError(f"noise_std must be >= 0, got {noise_std!r}")
    flip = torch.rand(images.shape[0], generator=generator, device=images.device) < flip_p
    out = torch.where(flip[:, None, None, None], hflip(images), images)
    out = random_crop(out, padding, generator)
    if noise_std > 0:
        out = out + noise_std * torch.randn(out.shape, generator=generator, device=out.device,
                                            dtype=out.dtype)
    return out


# ----------------------------------------------------------------------------- label smoothing
def smooth_labels(y: torch.Tensor, num_classes: int, eps: float) -> torch.Tensor:
    """(1 - eps) * onehot(y) + eps / K.  y (N,) integer -> (N, K) in torch's default float dtype."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"eps must be in [0, 1], got {eps!r}")
    if y.dim() != 1:
        raise ValueError(f"y must be 1-D (N,), got shape {tuple(y.shape)}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"labels in y must lie in [0, num_classes={num_classes})")
    onehot = F.one_hot(y.long(), num_classes).to(torch.get_default_dtype())
    return (1.0 - eps) * onehot + eps / num_classes


# ----------------------------------------------------------------------------- early stopping
class EarlyStopping:
    """step(val_loss, model) -> True once `patience` epochs in a row brought no val_loss < best_loss - min_delta."""

    def __init__(self, patience: int, min_delta: float = 0.0):
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.patience, self.min_delta = patience, float(min_delta)
        self.best_loss = math.inf
        self.best_epoch = -1
        self.best_state = None
        self.epoch = -1
        self.bad_epochs = 0

    def step(self, val_loss, model: nn.Module) -> bool:
        """Record one epoch's validation loss; True when training should stop."""
        self.epoch += 1
        val_loss = float(val_loss)
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience


# ----------------------------------------------------------------------------- study
class _Dropout(nn.Module):
    """Your dropout as a layer (its own generator, so a run is reproducible)."""

    def __init__(self, p, generator):
        super().__init__()
        self.p, self.generator = p, generator

    def forward(self, h):
        return dropout(h, self.p, self.training, self.generator)


def _make_model(in_dim, classes, p, generator):
    layers = [nn.Flatten(), nn.Linear(in_dim, 128), nn.ReLU()]
    if p:
        layers.append(_Dropout(p, generator))
    layers.append(nn.Linear(128, classes))
    return nn.Sequential(*layers)


def _evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        scores = model(X)
        return F.cross_entropy(scores, y).item(), (scores.argmax(1) == y).double().mean().item()


def _seed_from(generator):
    return int(torch.randint(0, 2**62, (1,), generator=generator,
                             device=generator.device if generator is not None else "cpu").item())


def _train_config(config, data, epochs, init_seed, run_seed):
    X_tr, y_tr, X_va, y_va, X_te, y_te = data
    device = X_tr.device
    gen = torch.Generator(device=device).manual_seed(run_seed)
    classes = int(max(y_tr.max().item(), y_va.max().item(), y_te.max().item())) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(init_seed)
        model = _make_model(X_tr[0].numel(), classes, config.get("dropout", 0.0), gen)
    model = model.to(device=device, dtype=X_tr.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    lam = config.get("l2", 0.0)
    stopper = EarlyStopping(config["early_stopping"]) if "early_stopping" in config else None
    history = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    best_loss, best_state = math.inf, None
    n, batch = X_tr.shape[0], 32
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen, device=device)
        for start in range(0, n, batch):
            idx = perm[start:start + batch]
            xb, yb = X_tr[idx], y_tr[idx]
            if config.get("augment"):
                xb = augment(xb, gen, flip_p=0.5, padding=1)
            loss = F.cross_entropy(model(xb), yb)
            if lam:
                loss = loss + l2_penalty(model, lam)
            opt.zero_grad()
            loss.backward()
            opt.step()
        for split, (X, y) in (("train", (X_tr, y_tr)), ("val", (X_va, y_va))):
            loss_value, acc = _evaluate(model, X, y)
            history[f"{split}_loss"].append(loss_value)
            history[f"{split}_acc"].append(acc)
        if history["val_loss"][-1] < best_loss:
            best_loss, best_state = history["val_loss"][-1], copy.deepcopy(model.state_dict())
        if stopper is not None and stopper.step(history["val_loss"][-1], model):
            break
    model.load_state_dict(stopper.best_state if stopper is not None else best_state)
    history["test_acc"] = _evaluate(model, X_te, y_te)[1]
    return history


def regularization_study(data, configs, *, epochs, generator) -> dict:
    """Train one model per config on 8x8 images; name -> {train_loss, val_loss, train_acc, val_acc: per-epoch lists, test_acc}."""
    if len(data) != 6:
        raise ValueError("data must be (X_train, y_train, X_val, y_val, X_test, y_test)")
    if data[0].dim() != 4:
        raise ValueError(f"data: images must be (N, C, H, W), got shape {tuple(data[0].shape)}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    for name, config in configs.items():
        unknown = sorted(set(config) - set(STUDY_OPTIONS))
        if unknown:
            raise ValueError(f"configs[{name!r}]: unknown option(s) {unknown}; "
                             f"known: {list(STUDY_OPTIONS)}")
    init_seed = _seed_from(generator)
    return {name: _train_config(config, data, epochs, init_seed, _seed_from(generator))
            for name, config in configs.items()}


def plot_regularization_study(results):
    """matplotlib Figure: one axis per config with its train and validation loss curves."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4 * max(len(results), 1), 3.2))
    axes = fig.subplots(1, max(len(results), 1), squeeze=False)[0]
    for ax, (name, res) in zip(axes, results.items()):
        epochs = range(1, len(res["train_loss"]) + 1)
        ax.plot(epochs, res["train_loss"], label="train")
        ax.plot(epochs, res["val_loss"], label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy")
        ax.legend()
    fig.tight_layout()
    return fig
