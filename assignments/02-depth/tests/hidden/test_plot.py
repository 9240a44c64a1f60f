"""Hidden test of plot_depth_study."""
import numpy as np

from autograder.testing import fail, task


def _results(seed=0):
    r = np.random.default_rng(seed)
    out = []
    for depth in (2, 4):
        for residual in (False, True):
            out.append({
                "depth": depth, "residual": residual, "activation": "sigmoid",
                "train_time_s": 0.1, "steps_to_threshold": None, "test_accuracy": 0.5,
                "loss_curve": [float(v) for v in np.sort(r.uniform(0.3, 0.9, 3))[::-1]],
                "grad_norms": [[float(v) for v in 10.0 ** r.uniform(-9, -2, depth + 1)]
                               for _ in range(3)],
            })
    return out


def _matches(line, values):
    return len(line) > 0 and all(any(abs(v - w) <= 1e-9 * abs(w) for w in values) for v in line)


@task("plot_depth_study")
def test_plot_depth_study_log_scale_gradient_axes(submission):
    """plot_depth_study: a Figure with the loss curves and the per-layer gradient norms on log-scale axes"""
    results = _results()
    info = submission.probe("plot_probe", results=results, _where="plot_depth_study")
    if not info["is_figure"]:
        fail(f"plot_depth_study must return a matplotlib.figure.Figure, got {info['type']} "
             "(e.g. fig = plt.figure() or matplotlib.figure.Figure(); return fig)")
    losses = [v for r in results for v in r["loss_curve"]]
    grads = [v for r in results for row in r["grad_norms"] for v in row]
    grad_axes = [ax for ax in info["axes"] if any(_matches(l, grads) for l in ax["lines"])]
    loss_axes = [ax for ax in info["axes"] if any(_matches(l, losses) for l in ax["lines"])]
    if not loss_axes:
        fail("plot_depth_study: no axes shows the loss curves (plot each run's loss_curve)")
    if not grad_axes:
        fail("plot_depth_study: no axes shows per-layer gradient norms (plot grad_norms[epoch] "
             "against the layer index for each run)")
    if any(ax["yscale"] != "log" for ax in grad_axes):
        fail("plot_depth_study: gradient norms span many orders of magnitude; put them on a "
             "log-scale y axis (ax.set_yscale('log'))")
