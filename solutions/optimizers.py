"""Exercise 3: optimizers and learning-rate schedules (torch).

Each optimizer is a ``torch.optim.Optimizer`` subclass whose ``step`` is written from plain
tensor operations and reproduces the ``torch.optim`` class of the same semantics step for step:
the same parameters AND the same per-parameter state (same key names), so ``state_dict()`` /
``load_state_dict()`` work through the base class.

State (``self.state[p]``), as in torch.optim:
- SGD: ``momentum_buffer`` (only when momentum != 0; created on the first step as a copy of the
  gradient, weight decay included);
- AdaGrad: ``sum`` (running sum of squared gradients) and ``step``;
- RMSProp: ``square_avg`` and ``step``;
- Adam: ``exp_avg``, ``exp_avg_sq`` and ``step``.
``step`` counts the updates that parameter received. Like torch.optim it is stored as a 0-d CPU
tensor of the default float dtype (``torch.tensor(0.0)``), so state dicts look like torch's.

Parameters whose ``grad`` is None are skipped (no update, no state change).
"""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

# BEGIN SOLUTION (remove)
def _check(ok: bool, name: str, value, requirement: str) -> None:
    """ValueError naming the argument unless ``ok`` (written as torch.optim's checks, so NaN fails)."""
    if not ok:
        raise ValueError(f"{name} must be {requirement}, got {value!r}")


def _new_step_counter() -> torch.Tensor:
    # torch.optim keeps `step` as a 0-d CPU tensor of the default float dtype
    return torch.tensor(0.0)


def _advance(state) -> float:
    """step += 1 (in place, tensor or number); returns the new count as a Python float."""
    state["step"] += 1
    return float(state["step"])
# END SOLUTION


# ----------------------------------------------------------------------------- optimizers
class SGD(torch.optim.Optimizer):
    """g = grad + wd*p; v = momentum*v + g (v = g at step 1); p -= lr * (g + momentum*v if nesterov else v)."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        # BEGIN SOLUTION (remove)
        _check(0.0 <= lr, "lr", lr, ">= 0")
        _check(0.0 <= momentum < 1.0, "momentum", momentum, "in [0, 1)")
        _check(0.0 <= weight_decay, "weight_decay", weight_decay, ">= 0")
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True requires momentum > 0")
        # END SOLUTION
        defaults = dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            nesterov, wd = group["nesterov"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                if wd != 0:
                    g = g.add(p, alpha=wd)
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = g.detach().clone()
                        state["momentum_buffer"] = buf
                    else:
                        buf.mul_(momentum).add_(g)
                    g = g.add(buf, alpha=momentum) if nesterov else buf
                p.add_(g, alpha=-lr)
        # END SOLUTION
        return loss


class AdaGrad(torch.optim.Optimizer):
    """G += g*g; p -= lr * g / (sqrt(G) + eps)."""

    def __init__(self, params, lr=1e-2, eps=1e-10):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        # BEGIN SOLUTION (remove)
        _check(0.0 <= lr, "lr", lr, ">= 0")
        _check(0.0 <= eps, "eps", eps, ">= 0")
        # END SOLUTION
        defaults = dict(lr=lr, eps=eps)
        super().__init__(params, defaults)
        # As torch.optim.Adagrad, the state is created up front for every parameter.
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = torch.tensor(0.0)
                state["sum"] = torch.zeros_like(p, memory_format=torch.preserve_format)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                _advance(state)
                state["sum"].addcmul_(g, g, value=1)
                std = state["sum"].sqrt().add_(eps)
                p.addcdiv_(g, std, value=-lr)
        # END SOLUTION
        return loss


class RMSProp(torch.optim.Optimizer):
    """s = alpha*s + (1-alpha)*g*g; p -= lr * g / (sqrt(s) + eps)  (eps outside the sqrt)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        # BEGIN SOLUTION (remove)
        _check(0.0 <= lr, "lr", lr, ">= 0")
        _check(0.0 <= alpha <= 1.0, "alpha", alpha, "in [0, 1]")
        _check(0.0 <= eps, "eps", eps, ">= 0")
        # END SOLUTION
        defaults = dict(lr=lr, alpha=alpha, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step_counter()
                    state["square_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                _advance(state)
                square_avg = state["square_avg"]
                square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                avg = square_avg.sqrt().add_(eps)
                p.addcdiv_(g, avg, value=-lr)
        # END SOLUTION
        return loss


class Adam(torch.optim.Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).

    Weight decay: coupled (g += wd*p, torch.optim.Adam) or, with decoupled=True,
    p *= 1 - lr*wd before the update (torch.optim.AdamW).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled=False):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        # BEGIN SOLUTION (remove)
        _check(0.0 <= lr, "lr", lr, ">= 0")
        _check(0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0, "betas", betas, "two numbers in [0, 1)")
        _check(0.0 <= eps, "eps", eps, ">= 0")
        _check(0.0 <= weight_decay, "weight_decay", weight_decay, ">= 0")
        # END SOLUTION
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled=decoupled)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        # BEGIN SOLUTION
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, decoupled = group["weight_decay"], group["decoupled"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _new_step_counter()
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                t = _advance(state)
                if wd != 0:
                    if decoupled:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g.add(p, alpha=wd)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)                         # m = b1*m + (1-b1)*g
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)  # v = b2*v + (1-b2)*g^2
                step_size = lr / (1 - beta1 ** t)
                denom = (v.sqrt() / (1 - beta2 ** t) ** 0.5).add_(eps)
                p.addcdiv_(m, denom, value=-step_size)
        # END SOLUTION
        return loss


# ----------------------------------------------------------------------------- schedules
def step_decay(lr0, epoch, drop=0.1, every=30) -> float:
    """lr = lr0 * drop ** (epoch // every)."""
    # BEGIN SOLUTION
    _check(0 <= epoch, "epoch", epoch, ">= 0")
    _check(0 < every, "every", every, "> 0")
    return float(lr0 * drop ** (epoch // every))
    # END SOLUTION


def exponential_decay(lr0, epoch, k=0.03) -> float:
    """lr = lr0 * exp(-k * epoch)."""
    # BEGIN SOLUTION
    _check(0 <= epoch, "epoch", epoch, ">= 0")
    return float(lr0 * math.exp(-k * epoch))
    # END SOLUTION


def cosine_annealing(lr0, epoch, total) -> float:
    """lr = lr0 * (1 + cos(pi * epoch / total)) / 2."""
    # BEGIN SOLUTION
    _check(0 <= epoch, "epoch", epoch, ">= 0")
    _check(0 < total, "total", total, "> 0")
    return float(lr0 * (1 + math.cos(math.pi * epoch / total)) / 2)
    # END SOLUTION


def warmup_cosine(lr0, epoch, warmup, total) -> float:
    """lr = lr0 * epoch / warmup for epoch <= warmup, else lr0 * (1 + cos(pi * (epoch - warmup) / (total - warmup))) / 2."""
    # BEGIN SOLUTION
    _check(0 <= epoch, "epoch", epoch, ">= 0")
    _check(0 < total, "total", total, "> 0")
    _check(0 <= warmup <= total, "warmup", warmup, f"in [0, total={total}]")
    if warmup > 0 and epoch <= warmup:
        return float(lr0 * epoch / warmup)
    return float(lr0 * (1 + math.cos(math.pi * (epoch - warmup) / (total - warmup))) / 2)
    # END SOLUTION


# ----------------------------------------------------------------------------- experiments
# BEGIN SOLUTION (remove)
def _initial_state(model_factory, generator):
    """One model from the factory (global RNG forked and seeded from `generator`), its state copied."""
    generator = torch.default_generator if generator is None else generator
    seed = int(torch.randint(0, 2 ** 62, (1,), generator=generator, device=generator.device).item())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_factory()
    return copy.deepcopy(model.state_dict())


def _fresh_model(model_factory, init_state, X):
    model = model_factory()
    model.load_state_dict(init_state)
    return model.to(device=X.device, dtype=X.dtype)


def _full_batch_loss(model, X, y):
    return F.cross_entropy(model(X), y)


def _check_data(data):
    try:
        X, y = data
    except (TypeError, ValueError):
        raise ValueError("data must be a pair (X, y)") from None
    if y.dim() != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"data: X must be (N, ...) and y (N,), got {tuple(X.shape)} and {tuple(y.shape)}")
    return X, y


def _check_steps(steps):
    _check(isinstance(steps, int) and steps >= 0, "steps", steps, "an integer >= 0")
# END SOLUTION


def compare_optimizers(model_factory, data, optimizer_factories, *, steps, generator) -> dict:
    """name -> [full-batch F.cross_entropy loss before step 1, ..., before step `steps`]; every
    optimizer trains its own model from the same initial weights. data = (X (N, D), y (N,))."""
    # BEGIN SOLUTION
    X, y = _check_data(data)
    _check_steps(steps)
    init_state = _initial_state(model_factory, generator)
    results = {}
    for name, make_optimizer in optimizer_factories.items():
        model = _fresh_model(model_factory, init_state, X)
        optimizer = make_optimizer(model.parameters())
        losses = []
        for _ in range(steps):
            optimizer.zero_grad(set_to_none=True)
            loss = _full_batch_loss(model, X, y)
            losses.append(loss.detach())
            loss.backward()
            optimizer.step()
        results[name] = torch.stack(losses).tolist() if losses else []
    return results
    # END SOLUTION


def lr_sensitivity(model_factory, data, optimizer_factories, lrs, *, steps, generator) -> dict:
    """name -> {lr: full-batch loss after the last of `steps` steps} (inf/nan when a run diverged);
    every run starts from the same initial weights; factories are callable(params, lr)."""
    # BEGIN SOLUTION
    X, y = _check_data(data)
    _check_steps(steps)
    init_state = _initial_state(model_factory, generator)
    results = {}
    for name, make_optimizer in optimizer_factories.items():
        per_lr = {}
        for lr in lrs:
            model = _fresh_model(model_factory, init_state, X)
            optimizer = make_optimizer(model.parameters(), lr)
            for _ in range(steps):
                optimizer.zero_grad(set_to_none=True)
                loss = _full_batch_loss(model, X, y)
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                per_lr[lr] = float(_full_batch_loss(model, X, y).item())
        results[name] = per_lr
    return results
    # END SOLUTION


def plot_optimizer_comparison(results):
    """matplotlib Figure: one loss curve per optimizer (results of compare_optimizers), log-scale y."""
    # BEGIN SOLUTION
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    for name, losses in results.items():
        ax.plot(range(len(losses)), losses, label=str(name))
    ax.set(xlabel="step", ylabel="full-batch cross-entropy loss", yscale="log",
           title="Optimizer convergence (same initial weights)")
    ax.grid(True, which="both", alpha=0.3)
    if results:
        ax.legend()
    fig.tight_layout()
    return fig
    # END SOLUTION
