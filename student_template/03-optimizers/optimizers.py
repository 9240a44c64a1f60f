"""Exercise 3: optimizers and learning-rate schedules (torch).

Each optimizer is a ``torch.optim.Optimizer`` subclass whose ``step`` is written from plain
tensor operations and reproduces the ``torch.optim`` class of the same semantics step for step:
the same parameters AND the same per-parameter state (same key names), so ``state_dict()`` /
``load_state_dict()`` work through the base class.

State (``self.state[p]``), as in torch.optim:
- SGD: ``momentum_buffer`` (only when momentum != 0; created on the first step as a copy of the
  gradient, weight decay included);
- AdaGrad: ``sum`` (running sum of squared gradients) and ``step``;
- RMSProp: ``square_avg`` and ``step``;
- Adam: ``exp_avg``, ``exp_avg_sq`` and ``step``.
``step`` counts the updates that parameter received. Like torch.optim it is stored as a 0-d CPU
tensor of the default float dtype (``torch.tensor(0.0)``), so state dicts look like torch's.

Parameters whose ``grad`` is None are skipped (no update, no state change).
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F


# ----------------------------------------------------------------------------- optimizers
class SGD(torch.optim.Optimizer):
    """g = grad + wd*p; v = momentum*v + g (v = g at step 1); p -= lr * (g + momentum*v if nesterov else v)."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        defaults = dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        raise NotImplementedError("SGD.step: your code here")
        return loss


class AdaGrad(torch.optim.Optimizer):
    """G += g*g; p -= lr * g / (sqrt(G) + eps)."""

    def __init__(self, params, lr=1e-2, eps=1e-10):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        defaults = dict(lr=lr, eps=eps)
        super().__init__(params, defaults)
        # As torch.optim.Adagrad, the state is created up front for every parameter.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.tensor(0.0)
                state["sum"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        raise NotImplementedError("AdaGrad.step: your code here")
        return loss


class RMSProp(torch.optim.Optimizer):
    """s = alpha*s + (1-alpha)*g*g; p -= lr * g / (sqrt(s) + eps)  (eps outside the sqrt)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        defaults = dict(lr=lr, alpha=alpha, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        raise NotImplementedError("RMSProp.step: your code here")
        return loss


class Adam(torch.optim.Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).

    Weight decay: coupled (g += wd*p, torch.optim.Adam) or, with decoupled=True,
    p *= 1 - lr*wd before the update (torch.optim.AdamW).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled=False):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled=decoupled)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        raise NotImplementedError("Adam.step: your code here")
        return loss


# ----------------------------------------------------------------------------- schedules
def step_decay(lr0, epoch, drop=0.1, every=30) -> float:
    """lr = lr0 * drop ** (epoch // every)."""
    raise NotImplementedError("step_decay: your code here")


def exponential_decay(lr0, epoch, k=0.03) -> float:
    """lr = lr0 * exp(-k * epoch)."""
    raise NotImplementedError("exponential_decay: your code here")


def cosine_annealing(lr0, epoch, total) -> float:
    """lr = lr0 * (1 + cos(pi * epoch / total)) / 2."""
    raise NotImplementedError("cosine_annealing: your code here")


def warmup_cosine(lr0, epoch, warmup, total) -> float:
    """lr = lr0 * epoch / warmup for epoch <= warmup, else lr0 * (1 + cos(pi * (epoch - warmup) / (total - warmup))) / 2."""
    raise NotImplementedError("warmup_cosine: your code here")


# ----------------------------------------------------------------------------- experiments


def compare_optimizers(model_factory, data, optimizer_factories, *, steps, generator) -> dict:
    """name -> [full-batch F.cross_entropy loss before step 1, ..., before step `steps`]; every
    optimizer trains its own model from the same initial weights. data = (X (N, D), y (N,))."""
    raise NotImplementedError("compare_optimizers: your code here")


def lr_sensitivity(model_factory, data, optimizer_factories, lrs, *, steps, generator) -> dict:
    """name -> {lr: full-batch loss after the last of `steps` steps} (inf/nan when a run diverged);
    every run starts from the same initial weights; factories are callable(params, lr)."""
    raise NotImplementedError("lr_sensitivity: your code here")


def plot_optimizer_comparison(results):
    """matplotlib Figure: one loss curve per optimizer (results of compare_optimizers), log-scale y."""
    raise NotImplementedError("plot_optimizer_comparison: your code here")
