"""Exercise 4: regularization (torch).

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
    raise NotImplementedError("dropout: your code here")


# ----------------------------------------------------------------------------- batch norm
class BatchNormFunction(torch.autograd.Function):
    """y = gamma * (x - mu) / sqrt(var + eps) + beta per column; biased batch variance.  x (N, D), gamma/beta (D,)."""

    @staticmethod
    def forward(ctx, x, gamma, beta, eps):
        """x (N, D), gamma (D,), beta (D,), eps float -> y (N, D)."""
        raise NotImplementedError("BatchNormFunction.forward: your code here")

    @staticmethod
    def backward(ctx, dy):
        """dy (N, D) -> (dx (N, D), dgamma (D,), dbeta (D,), None); written by hand."""
        raise NotImplementedError("BatchNormFunction.backward: your code here")


class BatchNorm1d(nn.Module):
    """Batch normalisation over (N, num_features) with running statistics, like torch.nn.BatchNorm1d."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        raise NotImplementedError("BatchNorm1d.__init__: your code here")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Train: BatchNormFunction + running = (1 - m) * running + m * batch (unbiased var); eval: running stats."""
        raise NotImplementedError("BatchNorm1d.forward: your code here")


# ----------------------------------------------------------------------------- weight decay
def l2_penalty(model: nn.Module, lam: float) -> torch.Tensor:
    """lam * sum of w**2 over every parameter with dim() > 1 (weights, not biases or norm scales) -> 0-d tensor."""
    raise NotImplementedError("l2_penalty: your code here")


# ----------------------------------------------------------------------------- augmentation
def _check_images(images):
    if images.dim() != 4:
        raise ValueError(f"images must be 4-D (N, C, H, W), got shape {tuple(images.shape)}")


def hflip(images: torch.Tensor) -> torch.Tensor:
    """Mirror every image left-right (the last axis, W).  (N, C, H, W) -> (N, C, H, W)."""
    raise NotImplementedError("hflip: your code here")


def random_crop(images: torch.Tensor, padding: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero-pad by `padding`, take an H x W window at offsets (i, j) ~ U{0..2*padding}^2 per image.  (N, C, H, W) -> same."""
    raise NotImplementedError("random_crop: your code here")


def augment(images: torch.Tensor, generator: torch.Generator | None = None, flip_p: float = 0.5,
            padding: int = 2, noise_std: float = 0.0) -> torch.Tensor:
    """hflip each image with probability flip_p, random_crop(padding), then + N(0, noise_std^2) if noise_std > 0."""
    raise NotImplementedError("augment: your code here")


# ----------------------------------------------------------------------------- label smoothing
def smooth_labels(y: torch.Tensor, num_classes: int, eps: float) -> torch.Tensor:
    """(1 - eps) * onehot(y) + eps / K.  y (N,) integer -> (N, K) in torch's default float dtype."""
    raise NotImplementedError("smooth_labels: your code here")


# ----------------------------------------------------------------------------- early stopping
class EarlyStopping:
    """step(val_loss, model) -> True once `patience` epochs in a row brought no val_loss < best_loss - min_delta."""

    def __init__(self, patience: int, min_delta: float = 0.0):
        raise NotImplementedError("EarlyStopping.__init__: your code here")

    def step(self, val_loss, model: nn.Module) -> bool:
        """Record one epoch's validation loss; True when training should stop."""
        raise NotImplementedError("EarlyStopping.step: your code here")


# ----------------------------------------------------------------------------- study


def regularization_study(data, configs, *, epochs, generator) -> dict:
    """Train one model per config on 8x8 images; name -> {train_loss, val_loss, train_acc, val_acc: per-epoch lists, test_acc}."""
    raise NotImplementedError("regularization_study: your code here")


def plot_regularization_study(results):
    """matplotlib Figure: one axis per config with its train and validation loss curves."""
    raise NotImplementedError("plot_regularization_study: your code here")
