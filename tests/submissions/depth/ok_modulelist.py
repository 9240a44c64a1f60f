"""VARIANT ok_modulelist: correct, written differently from the reference.

make_mlp is an nn.Module with an nn.ModuleList and a custom forward using functional
activations; init_weights draws torch.randn noise and copies it in; layer_grad_norms uses
torch.autograd.grad (never touches .grad); clip_grad_norm_ takes the square root of a sum of
squares; train_and_measure uses a DataLoader for shuffling and a hand-written SGD update;
the plot uses pyplot.
"""
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

ACTS = {"relu": F.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


class MLP(nn.Module):
    def __init__(self, in_dim, width, depth, out_dim, activation, residual):
        super().__init__()
        self.inp = nn.Linear(in_dim, width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth - 1))
        self.out = nn.Linear(width, out_dim)
        self.act = ACTS[activation]
        self.residual = residual

    def forward(self, x):
        h = self.act(self.inp(x))
        for layer in self.hidden:
            z = self.act(layer(h))
            h = h + z if self.residual else z
        return self.out(h)


def make_mlp(in_dim, width, depth, out_dim, *, activation="relu", residual=False):
    if activation not in ACTS:
        raise ValueError(f"unknown activation {activation}")
    for name, v in (("in_dim", in_dim), ("width", width), ("depth", depth), ("out_dim", out_dim)):
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive int")
    return MLP(in_dim, width, depth, out_dim, activation, residual)


def init_weights(model, scheme, generator=None):
    if scheme not in ("he", "xavier", "small"):
        raise ValueError(f"bad scheme {scheme}")
    for m in model.modules():
        if not isinstance(m, nn.Linear):
            continue
        fan_out, fan_in = m.weight.shape
        var = {"he": 2 / fan_in, "xavier": 2 / (fan_in + fan_out), "small": 1e-4}[scheme]
        noise = torch.randn(m.weight.shape, generator=generator, dtype=m.weight.dtype,
                            device=m.weight.device)
        with torch.no_grad():
            m.weight.copy_(noise * var ** 0.5)
            if m.bias is not None:
                m.bias.zero_()
    return model


def layer_grad_norms(model, X, y, loss_fn):
    weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.enable_grad():
        loss = loss_fn(model(X), y)
        grads = torch.autograd.grad(loss, weights)
    return [float(g.pow(2).sum().sqrt()) for g in grads]


def clip_grad_norm_(parameters, max_norm):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    total = sum(g.double().pow(2).sum() for g in grads).sqrt()
    total_f = float(total)
    if total_f > max_norm:
        scale = max_norm / (total_f + 1e-6)
        for g in grads:
            g.mul_(scale)
    return total_f


def train_and_measure(model, data, *, epochs, lr, batch_size, generator, loss_threshold):
    if not isinstance(data, (tuple, list)) or len(data) != 4:
        raise ValueError("data must hold X_train, y_train, X_test, y_test")
    X_train, y_train, X_test, y_test = data
    if len(y_train) != len(X_train):
        raise ValueError(f"data: {len(y_train)} labels for {len(X_train)} rows")
    if len(X_train) == 0 or len(X_test) == 0:
        raise ValueError("data: the training and test splits must not be empty")
    if epochs < 0 or batch_size < 1 or lr < 0:
        raise ValueError(f"need epochs >= 0, batch_size >= 1, lr >= 0; got epochs={epochs}, "
                         f"batch_size={batch_size}, lr={lr}")
    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=batch_size, shuffle=True,
                        generator=generator)
    curve, norms, first, step, spent = [], [], None, 0, 0.0
    for _ in range(epochs):
        t0 = time.perf_counter()
        losses = []
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            model.zero_grad(set_to_none=True)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= lr * p.grad
            step += 1
            value = loss.item()
            losses.append(value)
            if first is None and value < loss_threshold:
                first = step
        spent += time.perf_counter() - t0
        curve.append(sum(losses) / len(losses))
        norms.append(layer_grad_norms(model, X_train, y_train, F.cross_entropy))
    model.zero_grad(set_to_none=True)
    with torch.no_grad():
        acc = (model(X_test).argmax(1) == y_test).float().mean().item()
    return {"train_time_s": spent, "loss_curve": curve, "steps_to_threshold": first,
            "test_accuracy": acc, "grad_norms": norms}


def depth_study(data, depths=(2, 5, 10, 20), residual=(False, True), *, width=32,
                activation="sigmoid", init="xavier", **train_kwargs):
    gen = train_kwargs.pop("generator")
    seed = gen.initial_seed()
    X_train, y_train, X_test, y_test = data
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    out = []
    for depth in depths:
        for res in residual:
            model = make_mlp(X_train.shape[1], width, depth, n_classes, activation=activation,
                             residual=res)
            init_weights(model, init, torch.Generator().manual_seed(seed))
            model.to(X_train.device, X_train.dtype)
            shuffle = torch.Generator(device=gen.device)
            shuffle.manual_seed(seed)
            run = train_and_measure(model, data, generator=shuffle, **train_kwargs)
            out.append(dict(depth=depth, residual=res, activation=activation, **run))
    return out


def plot_depth_study(results):
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for r in results:
        name = f"{r['depth']}{'R' if r['residual'] else ''}"
        a.plot(r["loss_curve"], label=name)
        b.semilogy(range(1, len(r["grad_norms"][-1]) + 1), r["grad_norms"][-1], label=name)
    a.legend()
    return fig
