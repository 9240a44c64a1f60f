"""Offline, deterministic datasets of the course (same generator + seed -> same arrays everywhere).

    from coursedata import xor, two_spirals, blobs, images8x8, edge_patches
    X, y = xor(seed=0)
"""

from .datasets import (
    IMAGE_CLASSES,
    blobs,
    edge_patches,
    images8x8,
    to_torch,
    train_test_split,
    two_spirals,
    xor,
)

__all__ = [
    "xor",
    "two_spirals",
    "blobs",
    "images8x8",
    "IMAGE_CLASSES",
    "edge_patches",
    "train_test_split",
    "to_torch",
]
