"""Make the handout's figures (PNG, next to this file).

    python figures/make_figures.py            # from the exercise folder

The experiments run a ``vae.py``: the course's solution when this runs in the course
repository, otherwise YOUR ``vae.py`` next to the handout (so you can redraw every figure with
your own code once it works). Data: ``coursedata.images8x8`` (offline, deterministic), flattened
to 64 features. Runs in about fifteen seconds on one CPU thread.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from coursedata import images8x8  # noqa: E402

HERE = Path(__file__).resolve().parent
EXERCISE = HERE.parent
DPI = 80
#: the handout's run: 600 images (4 classes, pixel noise 0.1), 2 latent dimensions
DATA = dict(n=600, classes=4, noise=0.1, seed=0)
RUN = dict(n_latent=2, epochs=60, lr=5e-3)


def _load_vae():
    """The course's solution if present (instructors), else vae.py next to the handout."""
    for path in (EXERCISE.parent.parent / "solutions" / "vae.py", EXERCISE / "vae.py"):
        if path.exists():
            spec = importlib.util.spec_from_file_location("vae_for_figures", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError("no vae.py found")


def images():
    X, y = images8x8(**DATA)
    return torch.as_tensor(X.reshape(len(X), 64)), torch.as_tensor(y)


def main():
    torch.set_num_threads(1)
    V = _load_vae()
    X, y = images()
    runs = {beta: V.train_vae(X, beta=beta, generator=torch.Generator().manual_seed(0), **RUN)
            for beta in (1.0, 0.1)}
    model, _ = runs[0.1]

    fig = V.plot_latent_space(model, X, y)
    fig.savefig(HERE / "latent_space.png", dpi=DPI)
    fig = V.plot_samples(model, 16, torch.Generator().manual_seed(1))
    fig.savefig(HERE / "samples.png", dpi=DPI)

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for beta, (_, history) in runs.items():
        epochs = range(1, len(history["total"]) + 1)
        axes[0].plot(epochs, history["recon"], label=f"beta = {beta}")
        axes[1].plot(epochs, history["kl"], label=f"beta = {beta}")
    axes[0].set(xlabel="epoch", ylabel="recon (sum over 64 pixels)", title="Reconstruction term")
    axes[1].set(xlabel="epoch", ylabel="KL (sum over latent dims)", title="KL term")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(HERE / "beta_histories.png", dpi=DPI)
    plt.close("all")
    for beta, (_, h) in runs.items():
        print(f"beta={beta}: total {h['total'][-1]:.3f}, recon {h['recon'][-1]:.3f}, kl {h['kl'][-1]:.3f}")


if __name__ == "__main__":
    main()
