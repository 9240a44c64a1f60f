"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The experiments run a ``sparse_autoencoder.py``: the course's solution when this runs in the
course repository, otherwise YOUR ``sparse_autoencoder.py`` next to the handout (so you can
redraw every figure with your own code once it works). Data: ``coursedata.edge_patches``
(offline, deterministic). Runs in well under a minute on one CPU thread.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from coursedata import edge_patches  # noqa: E402

HERE = Path(__file__).resolve().parent
EXERCISE = HERE.parent
DPI = 80
#: the handout's runs (section 7): 2000 patches, 20 epochs of Adam, minibatches of 100, seed 0
RUN = dict(epochs=20, lr=1e-2, batch_size=100)
METHODS = {"none": {}, "l1": {"lam": 1e-3}, "kl": {"rho": 0.05, "beta": 3.0}, "k_sparse": {"k": 10}}


def _load():
    """The course's solution if present (instructors), else sparse_autoencoder.py next to the handout."""
    for path in (EXERCISE.parent.parent / "solutions" / "sparse_autoencoder.py",
                 EXERCISE / "sparse_autoencoder.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("sae_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no sparse_autoencoder.py found")


def train_all(sae, X):
    """One trained model per method, each from torch.Generator().manual_seed(0)."""
    return {m: sae.train_sparse_ae(X, method=m, generator=torch.Generator().manual_seed(0),
                                   **RUN, **kw) for m, kw in METHODS.items()}


def codes(sae, model, X, method):
    with torch.no_grad():
        z = model.encode(X)
        return sae.k_sparse(z, METHODS["k_sparse"]["k"]) if method == "k_sparse" else z


def patches_figure(X):
    fig, axes = plt.subplots(2, 8, figsize=(8, 2.2))
    for ax, x in zip(axes.flat, X[:16]):
        ax.imshow(x.reshape(8, 8), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
    fig.suptitle("coursedata.edge_patches: 16 of the 8x8 training patches")
    fig.savefig(HERE / "patches.png", dpi=DPI)
    plt.close(fig)


def filters_figures(sae, runs):
    for method in METHODS:
        fig = sae.plot_filters(runs[method][0])
        fig.suptitle(f"encoder filters, method={method!r}")
        fig.savefig(HERE / f"filters_{method}.png", dpi=DPI)
        plt.close(fig)


def histograms_figure(sae, runs, X):
    fig, axes = plt.subplots(2, 4, figsize=(14, 6))
    for col, (method, (model, _)) in enumerate(runs.items()):
        z = codes(sae, model, X, method)
        stats = sae.encoding_stats(z)
        ax = axes[0, col]
        ax.hist(z.flatten().numpy(), bins=50, range=(0, 1), color=f"C{col}")
        ax.set_yscale("log")
        ax.set_title(f"{method}: all activations z_nj\nmean {z.mean():.3f}, "
                     f"{stats['mean_active']:.1f} of {z.shape[1]} units > 0.1")
        ax.set_xlabel("activation")
        ax = axes[1, col]
        ax.hist(z.mean(0).numpy(), bins=30, range=(0, 1), color=f"C{col}")
        ax.axvline(0.05, color="k", ls="--", lw=1)
        ax.set_title(f"per-unit mean activation rho_hat_j\nentropy {stats['entropy_bits']:.2f} bits")
        ax.set_xlabel("rho_hat_j (dashed: rho = 0.05)")
    fig.tight_layout()
    fig.savefig(HERE / "sparsity_histograms.png", dpi=DPI)
    plt.close(fig)


def curves_figure(runs):
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for method, (_, history) in runs.items():
        epochs = range(1, len(history["recon"]) + 1)
        axes[0].plot(epochs, history["recon"], label=method)
        axes[1].plot(epochs, history["penalty"], label=method)
    axes[0].set(xlabel="epoch", ylabel="recon (MSE)", yscale="log", title="reconstruction")
    axes[1].set(xlabel="epoch", ylabel="penalty", title="sparsity penalty (0 for none, k_sparse)")
    axes[0].legend()
    fig.tight_layout()
    fig.savefig(HERE / "training_curves.png", dpi=DPI)
    plt.close(fig)


def main():
    torch.set_num_threads(1)
    sae = _load()
    X = torch.as_tensor(edge_patches(2000, seed=0))
    patches_figure(X.numpy())
    runs = train_all(sae, X)
    filters_figures(sae, runs)
    histograms_figure(sae, runs, X)
    curves_figure(runs)
    for method, (model, history) in runs.items():
        z = codes(sae, model, X, method)
        print(f"{method:9s} recon {history['recon'][-1]:.4f}  mean activation {z.mean():.4f}  "
              f"{sae.encoding_stats(z)}")


if __name__ == "__main__":
    main()
