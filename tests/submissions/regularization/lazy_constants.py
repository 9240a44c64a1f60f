"""[lazy_constants] Every graded function and method returns constants of the right shape, dtype
and type and computes nothing: it must score 0 (no points without right values)."""
import math

import torch
from matplotlib.figure import Figure
from torch import nn


def dropout(x, p, training, generator=None):
    return torch.zeros_like(x)


class BatchNormFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, gamma, beta, eps):
        return torch.zeros_like(x)

    @staticmethod
    def backward(ctx, dy):
        d = dy.shape[1]
        return torch.zeros_like(dy), dy.new_zeros(d), dy.new_zeros(d), None


class BatchNorm1d(nn.Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x):
        return torch.zeros_like(x)


def l2_penalty(model, lam):
    return next(model.parameters()).new_zeros(())


def hflip(images):
    return torch.zeros_like(images)


def random_crop(images, padding, generator=None):
    return torch.zeros_like(images)


def augment(images, generator=None, flip_p=0.5, padding=2, noise_std=0.0):
    return torch.zeros_like(images)


def smooth_labels(y, num_classes, eps):
    return torch.zeros((y.shape[0], num_classes), device=y.device)


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.best_state = math.inf, -1, None

    def step(self, val_loss, model):
        return False


def regularization_study(data, configs, *, epochs, generator):
    zeros = [0.0] * epochs
    return {name: {"train_loss": list(zeros), "val_loss": list(zeros), "train_acc": list(zeros),
                   "val_acc": list(zeros), "test_acc": 0.0} for name in configs}


def plot_regularization_study(results):
    return Figure()
