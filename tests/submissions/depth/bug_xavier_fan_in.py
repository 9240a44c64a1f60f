"""VARIANT bug_xavier_fan_in: Xavier uses fan_in only: N(0, 1/fan_in)."""
from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class ResidualBlock(nn.Module):
    """h -> h + act(linear(h)).  h (N, width) -> (N, width)."""

    def __init__(self, width: int, activation: str = "relu"):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.act = _ACTIVATIONS[activation]()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        """out = h + act(h @ W.T + b).  h (N, width) -> (N, width)."""
        return h + self.act(self.linear(h))


def make_mlp(in_dim, width, depth, out_dim, *, activation="relu", residual=False) -> nn.Module:
    """MLP with `depth` hidden layers of size `width`: (N, in_dim) -> (N, out_dim) scores.

    Plain: Linear(in, width), act, (Linear(width, width), act) x (depth - 1), Linear(width, out).
    Residual: hidden layers 2..depth are ResidualBlock(width, activation).
    Parameters use PyTorch's default dtype (float32).
    """
    for name, value in (("in_dim", in_dim), ("width", width), ("out_dim", out_dim)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth must be an integer >= 1, got {depth!r}")
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
    act = _ACTIVATIONS[activation]
    layers: list[nn.Module] = [nn.Linear(in_dim, width), act()]
    for _ in range(depth - 1):
        if residual:
            layers.append(ResidualBlock(width, activation))
        else:
            layers += [nn.Linear(width, width), act()]
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


def init_weights(model: nn.Module, scheme: str, generator: torch.Generator | None = None) -> nn.Module:
    """Every nn.Linear: W ~ N(0, s^2), b = 0; s^2 = 2/fan_in ("he"), 2/(fan_in+fan_out) ("xavier"), 0.01^2 ("small")."""
    if scheme not in ("he", "xavier", "small"):
        raise ValueError(f"scheme must be 'he', 'xavier' or 'small', got {scheme!r}")
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                fan_out, fan_in = m.weight.shape
                if scheme == "he":
                    std = (2.0 / fan_in) ** 0.5
                elif scheme == "xavier":
                    std = (1.0 / fan_in) ** 0.5
                else:
                    std = 0.01
                nn.init.normal_(m.weight, 0.0, std, generator=generator)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    return model


def layer_grad_norms(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn) -> list[float]:
    """||dL/dW_l||_2 for every nn.Linear weight, input to output, L = loss_fn(model(X), y); no grads left behind."""
    params = list(model.parameters())
    for p in params:
        p.grad = None
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    try:
        with torch.enable_grad():
            loss = loss_fn(model(X), y)
            loss.backward()
        norms = []
        for m in linears:
            g = m.weight.grad
            norms.append(0.0 if g is None else torch.linalg.vector_norm(g).item())
    finally:
        for p in params:
            p.grad = None
    return norms


def clip_grad_norm_(parameters, max_norm: float) -> float:
    """total = ||concat(p.grad)||_2; if total > max_norm every grad *= max_norm / (total + 1e-6); returns total."""
    if max_norm != max_norm or max_norm < 0:
        raise ValueError(f"max_norm must be a non-negative number, got {max_norm!r}")
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    with torch.no_grad():
        first_device = grads[0].device
        norms = [torch.linalg.vector_norm(g).to(first_device) for g in grads]
        total = torch.linalg.vector_norm(torch.stack(norms))
        coef = max_norm / (total + 1e-6)
        if coef < 1:  # same test as torch's clamp(coef, max=1): scale only when it shrinks
            for g in grads:
                g.mul_(coef.to(g.device))
    return total.item()


def train_and_measure(model, data, *, epochs, lr, batch_size, generator, loss_threshold) -> dict:
    """Minibatch SGD on F.cross_entropy; data = (X_train (N, D), y_train (N,), X_test, y_test).

    Returns {train_time_s, loss_curve (epochs,), steps_to_threshold (1-based or None),
    test_accuracy, grad_norms (one layer_grad_norms list per epoch, full training split)}.
    """
    try:
        X_train, y_train, X_test, y_test = data
    except (TypeError, ValueError):
        raise ValueError("data must be (X_train, y_train, X_test, y_test)") from None
    if X_train.dim() != 2 or y_train.shape != X_train.shape[:1]:
        raise ValueError(f"data: X_train must be (N, D) and y_train (N,), got "
                         f"{tuple(X_train.shape)} and {tuple(y_train.shape)}")
    if X_train.shape[0] == 0 or X_test.shape[0] == 0:
        raise ValueError(f"data: empty split ({X_train.shape[0]} training rows, "
                         f"{X_test.shape[0]} test rows)")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not lr >= 0:
        raise ValueError(f"lr must be >= 0, got {lr!r}")

    was_training = model.training
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    n = X_train.shape[0]
    # The permutation is drawn on the generator's device, then moved to the data's device.
    perm_device = generator.device if generator is not None else X_train.device

    loss_curve: list[float] = []
    grad_norms: list[list[float]] = []
    steps_to_threshold = None
    step = 0
    train_time = 0.0
    for _ in range(epochs):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=generator, device=perm_device).to(X_train.device)
        batch_losses = []
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            loss = F.cross_entropy(model(X_train[idx]), y_train[idx])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.detach())
        values = torch.stack(batch_losses).tolist()  # one host sync per epoch
        train_time += time.perf_counter() - t0
        loss_curve.append(sum(values) / len(values))
        if steps_to_threshold is None and loss_threshold is not None:
            for i, v in enumerate(values):
                if v < loss_threshold:
                    steps_to_threshold = step + i + 1
                    break
        step += len(values)
        grad_norms.append(layer_grad_norms(model, X_train, y_train, F.cross_entropy))

    optimizer.zero_grad(set_to_none=True)
    model.eval()
    with torch.no_grad():
        if X_test.shape[0] > 0:
            pred = model(X_test).argmax(dim=1)
            test_accuracy = (pred == y_test).sum().item() / y_test.shape[0]
        else:
            test_accuracy = float("nan")
    model.train(was_training)
    return {
        "train_time_s": float(train_time),
        "loss_curve": loss_curve,
        "steps_to_threshold": steps_to_threshold,
        "test_accuracy": float(test_accuracy),
        "grad_norms": grad_norms,
    }


def depth_study(data, depths=(2, 5, 10, 20), residual=(False, True), *, width=32,
                activation="sigmoid", init="xavier", **train_kwargs) -> list[dict]:
    """One train_and_measure run per (depth, residual), depth outer, residual inner.

    Each dict holds depth, residual, activation and every train_and_measure key. Reproducible:
    seed = train_kwargs["generator"].initial_seed(); every run gets a fresh CPU generator seeded
    with it for init_weights (the model is then moved to the data's device and dtype) and a fresh
    generator seeded with it (on the given generator's device) for shuffling, so a run does not
    depend on which runs came before it. Without a generator the seed is 0.
    """
    try:
        X_train, y_train, X_test, y_test = data
    except (TypeError, ValueError):
        raise ValueError("data must be (X_train, y_train, X_test, y_test)") from None
    gen = train_kwargs.pop("generator", None)
    seed = gen.initial_seed() if gen is not None else 0
    in_dim = X_train.shape[1]
    labels = torch.cat([y_train.reshape(-1), y_test.reshape(-1)])
    out_dim = int(labels.max().item()) + 1
    results = []
    for depth in depths:
        for res in residual:
            model = make_mlp(in_dim, width, depth, out_dim, activation=activation, residual=res)
            init_weights(model, init, generator=torch.Generator().manual_seed(seed))
            model = model.to(device=X_train.device, dtype=X_train.dtype)
            run_gen = (torch.Generator(device=gen.device) if gen is not None
                       else torch.Generator()).manual_seed(seed)
            out = train_and_measure(model, data, generator=run_gen, **train_kwargs)
            results.append({"depth": depth, "residual": bool(res), "activation": activation, **out})
    return results


def plot_depth_study(results):
    """matplotlib Figure: loss curves and first/last-epoch gradient norm per layer (log y axes)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4.5))
    ax_loss, ax_first, ax_last = fig.subplots(1, 3)
    depths = sorted({r["depth"] for r in results})
    colors = {d: f"C{i % 10}" for i, d in enumerate(depths)}
    for r in results:
        style = "--" if r["residual"] else "-"
        label = f"depth {r['depth']}" + (" + residual" if r["residual"] else "")
        epochs = range(1, len(r["loss_curve"]) + 1)
        ax_loss.plot(epochs, r["loss_curve"], style, color=colors[r["depth"]], label=label)
        if r["grad_norms"]:
            for ax, norms in ((ax_first, r["grad_norms"][0]), (ax_last, r["grad_norms"][-1])):
                ax.plot(range(1, len(norms) + 1), norms, style, marker=".",
                        color=colors[r["depth"]], label=label)
    ax_loss.set(xlabel="epoch", ylabel="training loss (mean over minibatches)", yscale="log",
                title="Loss curves")
    ax_first.set(xlabel="layer (input -> output)", ylabel="||dL/dW||", yscale="log",
                 title="Gradient norm per layer, after epoch 1")
    ax_last.set(xlabel="layer (input -> output)", ylabel="||dL/dW||", yscale="log",
                title="Gradient norm per layer, after the last epoch")
    for ax in (ax_loss, ax_first, ax_last):
        ax.grid(True, which="both", alpha=0.3)
    if results:
        ax_loss.legend(fontsize="small")
    fig.tight_layout()
    return fig
