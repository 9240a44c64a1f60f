"""Exercise 4, written differently but correctly: bernoulli masks, a chain-rule backward in
float64 inside, loops for crops, scatter for labels, a counter-style EarlyStopping and another
model and optimizer in the study (SGD with momentum, full-width hidden layer, batches of 16)."""

import torch
import torch.nn.functional as F
from torch import nn


def dropout(x, p, training, generator=None):
    if not (0 <= p < 1):
        raise ValueError("p must lie in [0, 1)")
    if training and p > 0:
        mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
        return mask * x / (1 - p)
    return x


class BatchNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma, beta, eps):
        if x.ndim != 2 or len(x) < 2:
            raise ValueError("x must be (N, D) with N >= 2")
        if gamma.shape != x.shape[1:]:
            raise ValueError("gamma has the wrong shape")
        if beta.shape != x.shape[1:]:
            raise ValueError("beta has the wrong shape")
        xd = x.double()
        centred = xd - xd.mean(0, keepdim=True)
        var = centred.pow(2).sum(0) / len(x)
        ctx.save_for_backward(centred, var, gamma)
        ctx.eps = eps
        return (centred / (var + eps).sqrt() * gamma.double() + beta.double()).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        centred, var, gamma = ctx.saved_tensors
        n, g = len(centred), grad.double()
        std = (var + ctx.eps).sqrt()
        dxhat = g * gamma.double()
        dvar = (dxhat * centred).sum(0) * -0.5 * std ** -3
        dmu = -(dxhat / std).sum(0) - 2 * dvar * centred.mean(0)
        dx = dxhat / std + dvar * 2 * centred / n + dmu / n
        dgamma = (g * centred / std).sum(0)
        return dx.to(grad.dtype), dgamma.to(gamma.dtype), g.sum(0).to(gamma.dtype), None


class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        if num_features < 1:
            raise ValueError("num_features must be positive")
        if momentum < 0 or momentum > 1:
            raise ValueError("momentum must be in [0, 1]")
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0))

    def forward(self, x):
        if x.dim() != 2 or x.size(1) != self.weight.numel():
            raise ValueError(f"x must be (N, {self.weight.numel()})")
        if self.training:
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * x.detach().mean(0)
            self.running_var = (1 - m) * self.running_var + m * x.detach().var(0) * 1.0
            self.num_batches_tracked += 1
            return BatchNormFunction.apply(x, self.weight, self.bias, self.eps)
        return self.weight * (x - self.running_mean) / torch.sqrt(self.running_var + self.eps) + self.bias


def l2_penalty(model, lam):
    if lam < 0:
        raise ValueError("lam must be >= 0")
    total = torch.zeros((), dtype=next(model.parameters()).dtype, device=next(model.parameters()).device)
    for name, w in model.named_parameters():
        if w.ndim >= 2:
            total = total + w.pow(2).sum()
    return total * lam


def hflip(images):
    if images.ndim != 4:
        raise ValueError("images must be (N, C, H, W)")
    return torch.flip(images, dims=[3])


def random_crop(images, padding, generator=None):
    if padding < 0:
        raise ValueError("padding must be >= 0")
    if images.ndim != 4:
        raise ValueError("images must be (N, C, H, W)")
    N, C, H, W = images.shape
    big = images.new_zeros(N, C, H + 2 * padding, W + 2 * padding)
    big[:, :, padding:padding + H, padding:padding + W] = images
    out = torch.empty_like(images)
    for k in range(N):
        i, j = torch.randint(2 * padding + 1, (2,), generator=generator, device=images.device).tolist()
        out[k] = big[k, :, i:i + H, j:j + W]
    return out


def augment(images, generator=None, flip_p=0.5, padding=2, noise_std=0.0):
    if images.ndim != 4:
        raise ValueError("images must be (N, C, H, W)")
    if not 0 <= flip_p <= 1:
        raise ValueError("flip_p must be in [0, 1]")
    if noise_std < 0:
        raise ValueError("noise_std must be >= 0")
    out = random_crop(images, padding, generator)
    flips = torch.rand(len(images), generator=generator, device=images.device) < flip_p
    out[flips] = hflip(out[flips])
    if noise_std > 0:
        out = out + torch.randn(out.shape, generator=generator, device=out.device, dtype=out.dtype) * noise_std
    return out


def smooth_labels(y, num_classes, eps):
    if not 0 <= eps <= 1:
        raise ValueError("eps must be in [0, 1]")
    if num_classes < 1 or (len(y) and int(y.max()) >= num_classes):
        raise ValueError("num_classes must exceed every label")
    t = torch.full((len(y), num_classes), eps / num_classes, device=y.device)
    return t.scatter_add(1, y[:, None], torch.full((len(y), 1), 1 - eps, device=y.device))


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        if patience < 0:
            raise ValueError("patience must be >= 0")
        if min_delta < 0:
            raise ValueError("min_delta must be >= 0")
        self.patience, self.min_delta = patience, min_delta
        self.history = []
        self.best_loss, self.best_epoch, self.best_state = float("inf"), -1, None

    def step(self, val_loss, model):
        self.history.append(float(val_loss))
        if self.history[-1] < self.best_loss - self.min_delta:
            self.best_loss = self.history[-1]
            self.best_epoch = len(self.history) - 1
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return len(self.history) - 1 - self.best_epoch >= self.patience


class _Drop(nn.Module):
    def __init__(self, p, gen):
        super().__init__()
        self.p, self.gen = p, gen

    def forward(self, h):
        return dropout(h, self.p, self.training, self.gen)


def regularization_study(data, configs, *, epochs, generator):
    for cfg in configs.values():
        for key in cfg:
            if key not in ("l2", "dropout", "augment", "early_stopping"):
                raise ValueError(f"unknown option {key}")
    Xtr, ytr, Xva, yva, Xte, yte = data
    dev = Xtr.device
    results = {}
    for name, cfg in configs.items():
        seed = int(torch.randint(2**31, (1,), generator=generator, device=generator.device))
        gen = torch.Generator(device=dev).manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = nn.Sequential(nn.Flatten(), nn.Linear(Xtr[0].numel(), 96), nn.ReLU(),
                                  _Drop(cfg.get("dropout", 0.0), gen), nn.Linear(96, 4))
        model.to(dev, Xtr.dtype)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        stopper = EarlyStopping(cfg.get("early_stopping", 10**9))
        curves = {k: [] for k in ("train_loss", "val_loss", "train_acc", "val_acc")}
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(Xtr), generator=gen, device=dev)
            for b in order.split(16):
                xb = augment(Xtr[b], gen, padding=1) if cfg.get("augment") else Xtr[b]
                loss = F.cross_entropy(model(xb), ytr[b]) + l2_penalty(model, cfg.get("l2", 0.0))
                opt.zero_grad()
                loss.backward()
                opt.step()
            model.eval()
            with torch.no_grad():
                for split, X, y in (("train", Xtr, ytr), ("val", Xva, yva)):
                    s = model(X)
                    curves[f"{split}_loss"].append(float(F.cross_entropy(s, y)))
                    curves[f"{split}_acc"].append(float((s.argmax(1) == y).float().mean()))
            if stopper.step(curves["val_loss"][-1], model):
                break
        model.load_state_dict(stopper.best_state)
        model.eval()
        with torch.no_grad():
            curves["test_acc"] = float((model(Xte).argmax(1) == yte).float().mean())
        results[name] = curves
    return results


def plot_regularization_study(results):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    for name, r in results.items():
        ax.plot(r["train_loss"], label=f"{name} train")
        ax.plot(r["val_loss"], "--", label=f"{name} val")
    ax.legend()
    return fig
