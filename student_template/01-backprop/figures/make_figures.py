"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The decision-boundary figure trains an MLP with a ``backprop.py``: the course's solution when
this runs in the course repository, otherwise YOUR ``backprop.py`` next to the handout (so you
can redraw it with your own code once ``MLP`` and ``train`` work). The other figures need only
NumPy and Matplotlib.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
EXERCISE = HERE.parent
DPI = 90


def _load_backprop():
    """The course's solution if present (instructors), else backprop.py next to the handout."""
    for path in (EXERCISE.parent.parent / "solutions" / "backprop.py", EXERCISE / "backprop.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("backprop_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no backprop.py found")


def _datasets():
    root = EXERCISE.parent.parent
    if (root / "coursedata").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    if (EXERCISE.parent / "coursedata").is_dir() and str(EXERCISE.parent) not in sys.path:
        sys.path.insert(0, str(EXERCISE.parent))  # the student template's layout
    from coursedata import datasets
    return datasets


def activations(path: Path) -> None:
    """ReLU and sigmoid with their derivatives; the convention ReLU'(0) = 0 marked."""
    x = np.linspace(-6, 6, 601)
    s = np.exp(-np.logaddexp(0, -x))            # a stable sigmoid
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.0))
    ax = axes[0]
    ax.plot(x, np.maximum(x, 0), label="ReLU(x) = max(x, 0)")
    ax.plot(x[x < 0], np.zeros(np.sum(x < 0)), color="C1", label="ReLU'(x)")
    ax.plot(x[x > 0], np.ones(np.sum(x > 0)), color="C1")
    ax.plot([0], [0], "o", color="C1", ms=6)
    ax.plot([0], [1], "o", color="C1", ms=6, mfc="white")
    ax.annotate("ReLU'(0) = 0 (this course)", xy=(0, 0), xytext=(-5.6, 1.7),
                arrowprops=dict(arrowstyle="->", lw=0.8), fontsize=8)
    ax.set_ylim(-0.5, 4)
    ax.set_title("ReLU and its derivative", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    ax = axes[1]
    ax.plot(x, s, label=r"$\sigma(x)$")
    ax.plot(x, s * (1 - s), label=r"$\sigma'(x) = \sigma(x)(1-\sigma(x))$")
    ax.axhline(0.25, color="gray", lw=0.6, ls=":")
    ax.set_title("sigmoid and its derivative (at most 1/4)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.set_xlabel("x")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def finite_differences(path: Path) -> None:
    """Error of forward and central differences against h, in float64 and float32."""
    x0 = 0.7
    exact = np.cos(x0)
    hs = np.logspace(-13, -0.5, 80)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    for dtype, style in ((np.float64, "-"), (np.float32, "--")):
        x = dtype(x0)
        fwd, cen = [], []
        for h in hs:
            h = dtype(h)
            fp, fm, f0 = np.sin(x + h), np.sin(x - h), np.sin(x)
            if (x + h) == x:
                fwd.append(np.nan)
                cen.append(np.nan)
                continue
            fwd.append(abs(float((fp - f0) / h) - exact) / abs(exact))
            cen.append(abs(float((fp - fm) / (2 * h)) - exact) / abs(exact))
        name = np.dtype(dtype).name
        ax.loglog(hs, fwd, style, color="C0", label=f"forward difference, {name}")
        ax.loglog(hs, cen, style, color="C3", label=f"central difference, {name}")
    ax.axvline(1e-5, color="gray", lw=0.6, ls=":")
    ax.text(1.3e-5, 1.5, "h = 1e-5", fontsize=8, color="gray")
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error of d/dx sin(x) at 0.7")
    ax.set_ylim(1e-15, 10)
    ax.set_title("rounding error ~ eps/h, truncation error ~ h (forward) or h^2 (central)",
                 fontsize=9)
    ax.legend(fontsize=7, loc="lower left", ncol=2, framealpha=0.9)
    ax.grid(alpha=0.3, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def spirals(path: Path) -> None:
    """Decision regions of a 2-32-32-2 ReLU MLP trained on two spirals, and its loss curve."""
    bp = _load_backprop()
    ds = _datasets()
    X, y = ds.two_spirals(300, noise=0.2, seed=0)
    Xt, yt = ds.two_spirals(300, noise=0.2, seed=1)
    model = bp.MLP([2, 32, 32, 2], activation="relu", seed=0)
    losses = bp.train(model, X, y, lr=0.1, epochs=200, batch_size=16, seed=0)
    acc = bp.accuracy(model, Xt, yt)
    g = np.linspace(-3.6, 3.6, 200)
    gx, gy = np.meshgrid(g, g)
    scores = model.forward(np.column_stack([gx.ravel(), gy.ravel()]))
    region = scores.argmax(axis=1).reshape(gx.shape)
    fig, axes = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 1.15]})
    ax = axes[0]
    ax.contourf(gx, gy, region, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
    ax.scatter(*X[y == 0].T, s=6, c="#08519c", label="class 0")
    ax.scatter(*X[y == 1].T, s=6, c="#a63603", label="class 1")
    ax.set_aspect("equal")
    ax.set_title(f"decision regions (held-out accuracy {acc:.2f})", fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    ax.semilogy(np.arange(1, len(losses) + 1), losses)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean minibatch loss")
    ax.set_title("train(model, X, y, lr=0.1, epochs=200, batch_size=16)", fontsize=9)
    ax.grid(alpha=0.3, which="both", lw=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def main() -> None:
    activations(HERE / "activations.png")
    finite_differences(HERE / "finite_differences.png")
    spirals(HERE / "spirals.png")
    for name in ("activations.png", "finite_differences.png", "spirals.png"):
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size // 1024} kB)")


if __name__ == "__main__":
    main()
