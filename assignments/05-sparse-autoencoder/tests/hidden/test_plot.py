"""Hidden test of plot_filters (with the tests' stand-in model, so only plot_filters counts)."""
import math
import os
import sys

import numpy as np

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import sae_oracle as R  # noqa: E402,F401
import strategies as S  # noqa: E402


def _same_picture(image, tile):
    """True if ``image`` is ``tile`` up to a positive affine map (e.g. normalised to [0, 1])."""
    a, b = np.asarray(image, dtype=np.float64).ravel(), tile.ravel()
    if a.shape != b.shape or np.std(a) == 0:
        return False
    return np.corrcoef(a, b)[0, 1] > 0.9999


@task("plot_filters")
def test_plot_filters_tiles_row_major(submission):
    """plot_filters: one 8x8 tile per hidden unit, row j of encoder.weight reshaped row-major, tiles filled row by row"""
    n_hidden = 10
    weights = S.model_weights(7, 64, n_hidden)
    W = weights[0][0]
    info = submission.probe("plot_probe", weights=weights, _where="plot_filters")
    if not info["is_figure"]:
        fail(f"plot_filters must return a matplotlib.figure.Figure, got {info['type']}")
    tiles = [ax for ax in info["axes"] if ax["images"]]
    if len(tiles) != n_hidden or any(len(ax["images"]) != 1 for ax in tiles):
        fail(f"plot_filters: expected one axes with one image (imshow) per hidden unit "
             f"({n_hidden}), found {len(tiles)} axes with images")
    shapes = {tuple(ax["images"][0].shape) for ax in tiles}
    if shapes != {(8, 8)}:
        fail(f"plot_filters: every tile must be an 8x8 image, got shapes {sorted(shapes)}")
    # reading order: rows from the top, then left to right
    tiles.sort(key=lambda ax: (-round(ax["y0"], 3), round(ax["x0"], 3)))
    images = [ax["images"][0].array for ax in tiles]
    rows_major = [W[j].reshape(8, 8) for j in range(n_hidden)]
    if all(_same_picture(im, w) for im, w in zip(images, rows_major)):
        return
    if all(_same_picture(im, w.T) for im, w in zip(images, rows_major)):
        fail("plot_filters: each tile is the transpose of its filter: reshape row j of "
             "encoder.weight row-major (w.reshape(8, 8), C order)")
    cols = math.ceil(math.sqrt(n_hidden))
    rows = math.ceil(n_hidden / cols)
    col_major = sorted(range(n_hidden), key=lambda j: (j % rows, j // rows))
    if all(_same_picture(im, rows_major[j]) for im, j in zip(images, col_major)):
        fail("plot_filters: the tiles are laid out column by column; fill the grid row by row "
             "(unit j at row j // cols, column j % cols)")
    if all(_same_picture(im, w) for im, w in zip(images, [W[:, 8 * j:8 * j + 8] for j in range(8)])):
        fail("plot_filters: the tiles come from columns of the weight; use its rows")
    wrong = sum(not _same_picture(im, w) for im, w in zip(images, rows_major))
    fail(f"plot_filters: {wrong} of {n_hidden} tiles (in reading order) do not show the matching "
         "hidden unit's encoder weights (row j of model.encoder.weight as an 8x8 image)")
