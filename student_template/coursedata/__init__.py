"""Offline, deterministic datasets of the course (same generator + seed -> same arrays everywhere).

    from coursedata import xor, two_spirals, blobs, images8x8, edge_patches
    X, y = xor(seed=0)
"""

from .datasets import *  # noqa: F403 (the names listed in datasets.__all__)
from .datasets import __all__  # noqa: F401
