"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The experiments use an ``optimizers.py``: the course's solution when this runs in the course
repository, otherwise YOUR ``optimizers.py`` next to the handout (so you can redraw every
figure with your own code). Data: ``coursedata.two_spirals`` (offline, deterministic). Runs in
a few seconds on one CPU thread.
"""
from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

HERE = Path(__file__).resolve().parent
EXERCISE = HERE.parent
DPI = 80


def _load_optimizers():
    """The course's solution if present (instructors), else optimizers.py next to the handout."""
    for path in (EXERCISE.parent.parent / "solutions" / "optimizers.py", EXERCISE / "optimizers.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("optimizers_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no optimizers.py found")


def _spirals(n=400):
    for root in (EXERCISE.parent.parent, EXERCISE.parent):  # course repo / student template
        if (root / "coursedata").is_dir() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    from coursedata import two_spirals
    X, y = two_spirals(n, noise=0.1, seed=0)
    X = (X - X.mean(0)) / X.std(0)
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)


def _model_factory():
    return nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))


def comparison(O, path: Path) -> None:
    """compare_optimizers on two spirals: every optimizer from the same initial weights."""
    factories = {
        "SGD (lr 0.1)": lambda ps: O.SGD(ps, lr=0.1),
        "SGD + momentum 0.9": lambda ps: O.SGD(ps, lr=0.1, momentum=0.9),
        "Nesterov 0.9": lambda ps: O.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
        "AdaGrad (lr 0.05)": lambda ps: O.AdaGrad(ps, lr=0.05),
        "RMSProp (lr 0.003)": lambda ps: O.RMSProp(ps, lr=0.003),
        "Adam (lr 0.01)": lambda ps: O.Adam(ps, lr=0.01),
        "AdamW (lr 0.01, wd 0.1)": lambda ps: O.Adam(ps, lr=0.01, weight_decay=0.1, decoupled=True),
    }
    results = O.compare_optimizers(_model_factory, _spirals(), factories, steps=300,
                                   generator=torch.Generator().manual_seed(0))
    fig = O.plot_optimizer_comparison(results)
    fig.savefig(path, dpi=DPI)
    for name, losses in results.items():
        print(f"{name:26s} loss {losses[0]:.3f} -> {losses[-1]:.3f}")


def sensitivity(O, path: Path) -> None:
    """lr_sensitivity: final loss after 200 full-batch steps against the learning rate."""
    lrs = [float(v) for v in np.logspace(-4, 1, 11)]
    factories = {
        "SGD": lambda ps, lr: O.SGD(ps, lr=lr),
        "SGD + momentum 0.9": lambda ps, lr: O.SGD(ps, lr=lr, momentum=0.9),
        "RMSProp": lambda ps, lr: O.RMSProp(ps, lr=lr),
        "Adam": lambda ps, lr: O.Adam(ps, lr=lr),
    }
    res = O.lr_sensitivity(_model_factory, _spirals(), factories, lrs, steps=200,
                           generator=torch.Generator().manual_seed(0))
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for name, per_lr in res.items():
        vals = np.array([per_lr[lr] for lr in lrs])
        vals = np.where(np.isfinite(vals), vals, np.nan)
        ax.loglog(lrs, vals, marker="o", label=name)
    ax.axhline(math.log(2), color="gray", ls=":", lw=1, label="ln 2 (guessing)")
    ax.set(xlabel="learning rate", ylabel="loss after 200 steps",
           title="Learning-rate sensitivity (same initial weights)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def schedules(O, path: Path) -> None:
    """The chapter's figure of learning-rate schedules (epochs 0..100)."""
    epochs = list(range(0, 101))  # Python ints (the reference rejects numpy integers)
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(epochs, [0.1] * len(epochs), label="constant")
    ax.plot(epochs, [O.step_decay(0.1, e) for e in epochs], label="step decay (x0.1 every 30)")
    ax.plot(epochs, [O.exponential_decay(0.1, e) for e in epochs], label="exponential (k = 0.03)")
    ax.plot(epochs, [O.cosine_annealing(0.1, e, 100) for e in epochs], label="cosine (total 100)")
    ax.plot(epochs, [O.warmup_cosine(0.1, e, 10, 100) for e in epochs],
            label="warm-up 10 + cosine")
    ax.set(xlabel="epoch", ylabel="learning rate", title="Learning-rate schedules", yscale="log",
           ylim=(1e-4, 0.2))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def ravine(O, path: Path) -> None:
    """Paths on the chapter's ill-conditioned quadratic f = 0.01 x^2 + 5 y^2 (13.2.4)."""
    xs, ys = np.meshgrid(np.linspace(-11, 11, 200), np.linspace(-2.5, 2.5, 200))
    fig, ax = plt.subplots(figsize=(8, 3.6))
    ax.contour(xs, ys, 0.01 * xs ** 2 + 5 * ys ** 2, levels=np.logspace(-2, 1.6, 12), cmap="Greys",
               linewidths=0.6)
    runs = {
        "SGD lr 0.19": lambda p: O.SGD(p, lr=0.19),
        "momentum 0.9, lr 0.02": lambda p: O.SGD(p, lr=0.02, momentum=0.9),
        "Nesterov 0.9, lr 0.02": lambda p: O.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
        "RMSProp lr 0.3": lambda p: O.RMSProp(p, lr=0.3),
        "Adam lr 0.5": lambda p: O.Adam(p, lr=0.5),
    }
    for name, make in runs.items():
        p = torch.tensor([10.0, 2.0], dtype=torch.float64, requires_grad=True)
        opt = make([p])
        path_xy = [p.detach().clone().numpy()]
        for _ in range(60):
            opt.zero_grad()
            (0.01 * p[0] ** 2 + 5 * p[1] ** 2).backward()
            opt.step()
            path_xy.append(p.detach().clone().numpy())
        path_xy = np.array(path_xy)
        ax.plot(path_xy[:, 0], path_xy[:, 1], ".-", ms=3, lw=1, label=name)
    ax.set(xlabel="x", ylabel="y", xlim=(-11, 11), ylim=(-2.5, 2.5),
           title="60 steps on f(x, y) = 0.01 x² + 5 y² from (10, 2)")
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def main() -> None:
    torch.set_num_threads(1)
    O = _load_optimizers()
    schedules(O, HERE / "schedules.png")
    ravine(O, HERE / "ravine.png")
    comparison(O, HERE / "comparison.png")
    sensitivity(O, HERE / "sensitivity.png")
    for p in sorted(HERE.glob("*.png")):
        print(f"{p.name}: {p.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
