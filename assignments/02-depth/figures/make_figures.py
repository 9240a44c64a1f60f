"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The experiments run a ``depth.py``: the course's solution when this runs in the course
repository, otherwise YOUR ``depth.py`` next to the handout (so you can redraw every figure
with your own code once it works). Data: ``coursedata.two_spirals`` (offline, deterministic).
Runs in about ten seconds on one CPU thread.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
EXERCISE = HERE.parent
DPI = 80
STUDY = dict(width=32, activation="sigmoid", init="xavier", epochs=10, lr=0.1, batch_size=64,
             loss_threshold=0.6)


def _load_depth():
    """The course's solution if present (instructors), else depth.py next to the handout."""
    for path in (EXERCISE.parent.parent / "solutions" / "depth.py", EXERCISE / "depth.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("depth_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no depth.py found")


def _spirals(n=640, n_train=512):
    for root in (EXERCISE.parent.parent, EXERCISE.parent):  # course repo / student template
        if (root / "coursedata").is_dir() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    from coursedata import two_spirals
    X, y = two_spirals(n, noise=0.2, seed=0)
    X, y = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


def gradient_scaling(path: Path) -> None:
    """The chapter's picture (13.1.4): a product of d factors shrinks or grows geometrically."""
    d = np.arange(1, 21)
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.semilogy(d, 0.25 ** d, "b-", label=r"vanishing: $(\max \sigma')^d = 0.25^d$ (sigmoid)")
    ax.semilogy(d, 1.5 ** d, "r-", label=r"exploding: $1.5^d$ (weights too large)")
    ax.semilogy(d, np.full(d.shape, 0.1), "g--", label="stable (init, residuals, normalisation)")
    ax.set(xlabel="depth d (layers the gradient passes through)", ylabel="gradient scale (log)",
           title="Vanishing and exploding gradients")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def init_signal(D, path: Path) -> None:
    """Standard deviation of the activations through a 20-layer MLP, per init scheme."""
    torch.manual_seed(0)
    x = torch.randn(512, 64)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
    for ax, act in zip(axes, ("relu", "tanh")):
        for scheme, color in (("he", "C0"), ("xavier", "C1"), ("small", "C2")):
            model = D.init_weights(D.make_mlp(64, 64, 20, 2, activation=act), scheme,
                                   generator=torch.Generator().manual_seed(0))
            stds, h = [], x
            with torch.no_grad():
                for m in model:
                    h = m(h)
                    if not isinstance(m, torch.nn.Linear):
                        stds.append(h.std().item())
            ax.semilogy(range(1, len(stds) + 1), stds, color=color, marker=".", label=scheme)
        ax.set(xlabel="hidden layer", title=f"{act}: activation scale through depth")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("std of the activations (log)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def depth_study(D, path_study: Path, path_first: Path) -> None:
    """The chapter's exercise: 2/5/10/20 sigmoid layers, with and without residual connections."""
    torch.set_num_threads(1)
    results = D.depth_study(_spirals(), generator=torch.Generator().manual_seed(0), **STUDY)
    fig = D.plot_depth_study(results)
    fig.savefig(path_study, dpi=DPI)
    depths = sorted({r["depth"] for r in results})
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    for res, style in ((False, "o-"), (True, "s--")):
        runs = [r for r in results if r["residual"] is res]
        label = "residual" if res else "plain"
        axes[0].semilogy(depths, [r["grad_norms"][-1][0] for r in runs], style, label=label)
        axes[1].plot(depths, [r["test_accuracy"] for r in runs], style, label=label)
    axes[0].set(xlabel="depth (hidden layers)", ylabel="||dL/dW_1|| after the last epoch",
                title="First layer's gradient")
    axes[1].set(xlabel="depth (hidden layers)", ylabel="test accuracy", ylim=(0.4, 1.0),
                title="After 10 epochs of SGD")
    for ax in axes:
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path_first, dpi=DPI)
    plt.close(fig)
    for r in results:
        print(f"depth {r['depth']:2d} residual={r['residual']!s:5}  first-layer grad "
              f"{r['grad_norms'][-1][0]:.2g}  test acc {r['test_accuracy']:.2f}  "
              f"steps to 0.6: {r['steps_to_threshold']}  time {r['train_time_s']:.2f}s")


def main() -> None:
    D = _load_depth()
    gradient_scaling(HERE / "gradient_scaling.png")
    init_signal(D, HERE / "init_signal.png")
    depth_study(D, HERE / "depth_study.png", HERE / "first_layer_gradient.png")
    for p in sorted(HERE.glob("*.png")):
        print(f"{p.name}: {p.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
