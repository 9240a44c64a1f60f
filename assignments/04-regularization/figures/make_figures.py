"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The experiments run a ``regularization.py``: the course's solution when this runs in the course
repository, otherwise YOUR ``regularization.py`` next to the handout (so you can redraw every
figure with your own code once it works). Data: ``coursedata.images8x8`` (offline,
deterministic). Runs in a few seconds on one CPU thread.
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


def _load():
    """The course's solution if present (instructors), else regularization.py next to the handout."""
    for root in (EXERCISE.parent.parent, EXERCISE.parent):  # course repo / student template
        if (root / "coursedata").is_dir() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
    sys.path.insert(0, str(EXERCISE))
    for path in (EXERCISE.parent.parent / "solutions" / "regularization.py", EXERCISE / "regularization.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("regularization_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no regularization.py found")


def dropout_masks(M, path: Path) -> None:
    """The chapter's dropout figure: the same activations after inverted dropout at four rates."""
    acts = torch.rand(50, generator=torch.Generator().manual_seed(0)) * 0.6 + 0.2
    fig, axes = plt.subplots(4, 1, figsize=(7, 5.5), sharex=True)
    for ax, p in zip(axes, (0.0, 0.3, 0.5, 0.7)):
        out = M.dropout(acts, p, True, torch.Generator().manual_seed(1))
        ax.bar(range(50), out.numpy(), color="tab:blue", alpha=0.8)
        ax.plot(range(50), acts.numpy(), "k_", ms=5)
        ax.set_ylim(0, 2.8)
        ax.set_title(f"p = {p}: {int((out == 0).sum())} of 50 dropped, kept ones x 1/(1-p) = {1 / (1 - p):.2f}",
                     fontsize=9)
    axes[-1].set_xlabel("unit (black: activation before dropout)")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def batchnorm_hist(M, path: Path) -> None:
    """The chapter's batch-norm figure: badly scaled features before and after BatchNormFunction."""
    g = torch.Generator().manual_seed(42)
    acts = torch.randn(100, 5, generator=g) * torch.tensor([1.0, 4, 10, 2, 6]) + torch.tensor([5.0, -8, 15, 0, 3])
    out = M.BatchNormFunction.apply(acts, torch.ones(5), torch.zeros(5), 1e-5)
    fig, axes = plt.subplots(2, 1, figsize=(7, 5))
    for i in range(5):
        axes[0].hist(acts[:, i].numpy(), bins=20, alpha=0.4, label=f"feature {i + 1}")
        axes[1].hist(out[:, i].numpy(), bins=20, alpha=0.4)
    axes[0].set_title("before batch normalisation")
    axes[1].set_title("after: every column has mean 0 and (biased) variance 1")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def augmentation(M, path: Path) -> None:
    """One 8x8 image of each class, flipped, cropped and noised by augment."""
    from coursedata import images8x8
    X, y = images8x8(n=40, classes=4, noise=0.1, seed=3)
    X = torch.as_tensor(X)
    picks = torch.stack([X[int(np.flatnonzero(y == k)[0])] for k in range(4)])
    rows = [("original", picks), ("hflip", M.hflip(picks)),
            ("random_crop(padding=2)", M.random_crop(picks, 2, torch.Generator().manual_seed(0))),
            ("augment(noise_std=0.2)", M.augment(picks, torch.Generator().manual_seed(1), noise_std=0.2))]
    fig, axes = plt.subplots(4, 4, figsize=(6, 6.2))
    for r, (name, imgs) in enumerate(rows):
        for c in range(4):
            axes[r, c].imshow(imgs[c, 0].numpy(), cmap="gray", vmin=-0.3, vmax=1.2)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
        axes[r, 0].set_ylabel(name, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def study(M, path: Path) -> None:
    """regularization_study on 48 training images: train vs validation loss per configuration."""
    import strategies as S
    data = tuple(torch.as_tensor(a) for a in S.study_data(0))
    configs = dict(S.STUDY_CONFIGS, early_stopping={"early_stopping": 3})
    res = M.regularization_study(data, configs, epochs=30, generator=torch.Generator().manual_seed(0))
    fig = M.plot_regularization_study(res)
    fig.savefig(path, dpi=DPI)
    for name, r in res.items():
        print(f"{name:15s} epochs {len(r['val_loss']):2d}  final gap {r['val_loss'][-1] - r['train_loss'][-1]:.3f}"
              f"  train acc {r['train_acc'][-1]:.2f}  val acc {r['val_acc'][-1]:.2f}  test acc {r['test_acc']:.2f}")


def main() -> None:
    torch.set_num_threads(1)
    M = _load()
    dropout_masks(M, HERE / "dropout.png")
    batchnorm_hist(M, HERE / "batchnorm.png")
    augmentation(M, HERE / "augmentation.png")
    study(M, HERE / "study.png")


if __name__ == "__main__":
    main()
