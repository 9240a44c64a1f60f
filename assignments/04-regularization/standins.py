"""Course versions of graded functions of exercise 4, used by the probes as stand-ins so that
one mistake costs one task (e.g. regularization_study runs with the course's dropout).

Solution code: the grader copies this file next to the probes inside the sandbox, and the
release never ships it (probes.py is public, this file is not).
"""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F


def course_hflip(images):
    """The course's hflip (stand-in while augment is tested)."""
    return images.flip(-1)


def course_random_crop(images, padding, generator=None):
    """The course's random_crop (stand-in while augment is tested): one window per image."""
    n, _, h, w = images.shape
    padded = F.pad(images, (padding,) * 4)
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=generator, device=images.device)
    return torch.stack([padded[k, :, i:i + h, j:j + w] for k, (i, j) in enumerate(offsets.tolist())])


class CourseEarlyStopping:
    """The course's EarlyStopping (stand-in while regularization_study is tested)."""

    def __init__(self, patience, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.best_state = float("inf"), -1, None
        self._epoch, self._bad = -1, 0

    def step(self, val_loss, model):
        self._epoch += 1
        if float(val_loss) < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self._bad = float(val_loss), self._epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self._bad += 1
        return self._bad >= self.patience


def course_dropout(x, p, training, generator=None):
    """The course's dropout (stand-in while regularization_study is tested)."""
    if not training or p == 0:
        return x
    return x * torch.bernoulli(torch.full_like(x, 1 - p), generator=generator) / (1 - p)


def course_l2_penalty(model, lam):
    """The course's l2_penalty (stand-in while regularization_study is tested)."""
    return lam * sum(((w * w).sum() for w in model.parameters() if w.dim() > 1),
                     next(model.parameters()).new_zeros(()))


def course_augment(images, generator=None, flip_p=0.5, padding=2, noise_std=0.0):
    """The course's augment (stand-in while regularization_study is tested)."""
    flip = torch.rand(images.shape[0], generator=generator, device=images.device) < flip_p
    out = course_random_crop(torch.where(flip[:, None, None, None], images.flip(-1), images), padding, generator)
    if noise_std > 0:
        out = out + noise_std * torch.randn(out.shape, generator=generator, device=out.device, dtype=out.dtype)
    return out


def course_smooth_labels(y, num_classes, eps):
    """The course's smooth_labels (stand-in while regularization_study is tested)."""
    return (1 - eps) * F.one_hot(y, num_classes).to(torch.get_default_dtype()) + eps / num_classes
