"""VARIANT lazy_constants: optimizers whose step does nothing, schedules and experiments that
return constants of the right shape and type (no arithmetic of their own); it must score 0."""
from __future__ import annotations

import torch


class _Idle(torch.optim.Optimizer):
    """Accepts its hyper-parameters and never moves a parameter."""

    def __init__(self, params, lr=1e-3, **defaults):
        super().__init__(params, dict(lr=lr, **defaults))

    @torch.no_grad()
    def step(self, closure=None):
        return None


class SGD(_Idle):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)


class AdaGrad(_Idle):
    def __init__(self, params, lr=1e-2, eps=1e-10):
        super().__init__(params, lr, eps=eps)


class RMSProp(_Idle):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8):
        super().__init__(params, lr, alpha=alpha, eps=eps)


class Adam(_Idle):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled=False):
        super().__init__(params, lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         decoupled=decoupled)


def step_decay(lr0, epoch, drop=0.1, every=30) -> float:
    return 0.1


def exponential_decay(lr0, epoch, k=0.03) -> float:
    return 0.1


def cosine_annealing(lr0, epoch, total) -> float:
    return 0.1


def warmup_cosine(lr0, epoch, warmup, total) -> float:
    return 0.1


def compare_optimizers(model_factory, data, optimizer_factories, *, steps, generator) -> dict:
    return {name: [1.0] * steps for name in optimizer_factories}


def lr_sensitivity(model_factory, data, optimizer_factories, lrs, *, steps, generator) -> dict:
    return {name: {lr: 1.0 for lr in lrs} for name in optimizer_factories}


def plot_optimizer_comparison(results):
    from matplotlib.figure import Figure
    return Figure()
