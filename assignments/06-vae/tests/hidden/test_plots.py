"""Hidden tests of plot_latent_space and plot_samples (with the tests' own linear model)."""
import os
import sys

import numpy as np

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import vae_oracle as R  # noqa: E402


def _figure(info, fn):
    if not info["is_figure"]:
        fail(f"{fn} must return a matplotlib.figure.Figure, got {info['type']} "
             "(e.g. fig = matplotlib.figure.Figure(); ...; return fig)")


@task("plot_latent_space")
def test_plot_latent_space_scatters_the_means(submission):
    """plot_latent_space: a Figure with a scatter of encode(X)'s mu[:, 0] against mu[:, 1], coloured by label"""
    weights = S.stand_in_weights(3, 64, 3)
    X, y = S.images(60, seed=2, dtype=np.float64)
    info = submission.probe("plot_latent_probe", weights=weights, X=X, labels=y, _where="plot_latent_space")
    _figure(info, "plot_latent_space")
    mu = R.encode_stand_in(weights, X)[0][:, :2]
    scatters = [s for ax in info["axes"] for s in ax["scatters"] if len(s["offsets"])]
    if not scatters:
        fail("plot_latent_space draws no scatter plot (ax.scatter(mu[:, 0], mu[:, 1], c=labels))")
    points = np.concatenate([s["offsets"] for s in scatters])
    if points.shape != mu.shape or not np.allclose(np.sort(points, axis=0), np.sort(mu, axis=0), rtol=1e-6, atol=1e-9):
        fail("the scattered points are not the means mu[:, :2] = encode(X)[0][:, :2] of every row "
             "of X (plot the means, not sampled z, and plot each row once)")
    single = len(scatters) == 1 and scatters[0]["array"] is not None and \
        np.array_equal(scatters[0]["array"], y.astype(np.float64))
    per_label = len(scatters) == len(set(y.tolist())) and all(
        any(np.allclose(np.sort(s["offsets"], axis=0), np.sort(mu[y == k], axis=0)) for s in scatters)
        for k in set(y.tolist()))
    if not (single or per_label):
        fail("colour the points by label: ax.scatter(..., c=labels) (or one scatter per label)")


@task("plot_samples")
def test_plot_samples_shows_decoded_tiles(submission):
    """plot_samples (with the course's sample): a Figure with n images, each a decoded sample reshaped row-major to 8x8"""
    weights = S.stand_in_weights(4, 64, 2)
    n = 7
    info = submission.probe("plot_samples_probe", weights=weights, n=n, seed=3, _where="plot_samples")
    _figure(info, "plot_samples")
    images = [im for ax in info["axes"] for im in ax["images"]]
    if len(images) != n:
        fail(f"plot_samples(model, {n}, generator) shows {len(images)} images, expected one per sample ({n})")
    for im in images:
        if im.shape != (8, 8):
            fail(f"a sample is shown with shape {im.shape}: reshape each row of 64 values to 8x8")
        R.recover_latents(weights, im.reshape(1, 64), "a shown image (reshaped row-major)")
