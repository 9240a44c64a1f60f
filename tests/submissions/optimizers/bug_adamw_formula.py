"""VARIANT bug_adamw_formula: AdamW shrinks p by (1 - weight_decay), without lr (one AdamW formula error; the other optimizers' tests must not pay for it)."""
from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F

import numbers

import numpy as np



def _check(ok: bool, name: str, value, requirement: str) -> None:
    if not ok:
        raise ValueError(f"{name} must be {requirement}, got {value!r}")


def _is_real(value) -> bool:
    return (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
            and value == value)


def _check_lr(lr) -> None:
    _check(_is_real(lr) and lr >= 0, "lr", lr, "a number >= 0")


def _check_nonneg(name, value) -> None:
    _check(_is_real(value) and value >= 0, name, value, "a number >= 0")


def _check_unit(name, value) -> None:
    _check(_is_real(value) and 0 <= value < 1, name, value, "in [0, 1)")


def _check_epoch(epoch) -> None:
    _check(_is_real(epoch) and epoch >= 0, "epoch", epoch, "a number >= 0")


def _new_step_counter() -> torch.Tensor:
    # torch.optim keeps `step` as a 0-d CPU tensor of the default float dtype
    return torch.tensor(0.0)


def _advance(state) -> float:
    """step += 1 (in place, tensor or number); returns the new count as a Python float."""
    state["step"] += 1
    return float(state["step"])


# ----------------------------------------------------------------------------- optimizers
class SGD(torch.optim.Optimizer):
    """g = grad + wd*p; v = momentum*v + g (v = g at step 1); p -= lr * (g + momentum*v if nesterov else v)."""

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        _check_lr(lr)
        _check_unit("momentum", momentum)
        _check_nonneg("weight_decay", weight_decay)
        if nesterov and momentum == 0:
            raise ValueError("nesterov=True requires momentum > 0")
        defaults = dict(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
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
        return loss


class AdaGrad(torch.optim.Optimizer):
    """G += g*g; p -= lr * g / (sqrt(G) + eps)."""

    def __init__(self, params, lr=1e-2, eps=1e-10):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        _check_lr(lr)
        _check_nonneg("eps", eps)
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
        for group in self.param_groups:
            lr, eps = group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                state = self.state[p]
                if len(state) == 0:  # a group added after construction
                    state["step"] = _new_step_counter()
                    state["sum"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                _advance(state)
                state["sum"].addcmul_(g, g, value=1)
                std = state["sum"].sqrt().add_(eps)
                p.addcdiv_(g, std, value=-lr)
        return loss


class RMSProp(torch.optim.Optimizer):
    """s = alpha*s + (1-alpha)*g*g; p -= lr * g / (sqrt(s) + eps)  (eps outside the sqrt)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        _check_lr(lr)
        _check(_is_real(alpha) and 0 <= alpha <= 1, "alpha", alpha, "in [0, 1]")
        _check_nonneg("eps", eps)
        defaults = dict(lr=lr, alpha=alpha, eps=eps)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
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
        return loss


class Adam(torch.optim.Optimizer):
    """m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps).

    Weight decay: coupled (g += wd*p, torch.optim.Adam) or, with decoupled=True,
    p *= 1 - lr*wd before the update (torch.optim.AdamW).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled=False):
        # Validate the arguments here: ValueError naming the argument (see the handout).
        _check_lr(lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        _check_unit("betas[0]", beta1)
        _check_unit("betas[1]", beta2)
        _check_nonneg("eps", eps)
        _check_nonneg("weight_decay", weight_decay)
        betas = (beta1, beta2)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, decoupled=decoupled)
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns closure() (evaluated with grad) or None."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
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
                        p.mul_(1 - wd)
                    else:
                        g = g.add(p, alpha=wd)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)                         # m = b1*m + (1-b1)*g
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)  # v = b2*v + (1-b2)*g^2
                step_size = lr / (1 - beta1 ** t)
                denom = (v.sqrt() / (1 - beta2 ** t) ** 0.5).add_(eps)
                p.addcdiv_(m, denom, value=-step_size)
        return loss


# ----------------------------------------------------------------------------- schedules
def step_decay(lr0, epoch, drop=0.1, every=30) -> float:
    """lr = lr0 * drop ** (epoch // every)."""
    _check_nonneg("lr0", lr0)
    _check_epoch(epoch)
    _check_nonneg("drop", drop)
    _check(_is_real(every) and every > 0, "every", every, "a number > 0")
    return float(lr0 * drop ** (epoch // every))


def exponential_decay(lr0, epoch, k=0.03) -> float:
    """lr = lr0 * exp(-k * epoch)."""
    _check_nonneg("lr0", lr0)
    _check_epoch(epoch)
    _check_nonneg("k", k)
    return float(lr0 * math.exp(-k * epoch))


def cosine_annealing(lr0, epoch, total) -> float:
    """lr = lr0 * (1 + cos(pi * epoch / total)) / 2."""
    _check_nonneg("lr0", lr0)
    _check_epoch(epoch)
    _check(_is_real(total) and total > 0, "total", total, "a number > 0")
    return float(lr0 * (1 + math.cos(math.pi * epoch / total)) / 2)


def warmup_cosine(lr0, epoch, warmup, total) -> float:
    """lr = lr0 * epoch / warmup for epoch <= warmup, else lr0 * (1 + cos(pi * (epoch - warmup) / (total - warmup))) / 2."""
    _check_nonneg("lr0", lr0)
    _check_epoch(epoch)
    _check(_is_real(total) and total > 0, "total", total, "a number > 0")
    _check(_is_real(warmup) and 0 <= warmup <= total, "warmup", warmup, f"in [0, total={total}]")
    if warmup > 0 and epoch <= warmup:
        return float(lr0 * epoch / warmup)
    if total == warmup:  # no annealing epochs left: the schedule has ended
        return 0.0
    return float(lr0 * (1 + math.cos(math.pi * (epoch - warmup) / (total - warmup))) / 2)


# ----------------------------------------------------------------------------- experiments
def _initial_state(model_factory, generator):
    """One model from the factory (global RNG forked and seeded from `generator`), its state copied."""
    if generator is None:
        model = model_factory()
    else:
        seed = int(torch.randint(0, 2 ** 62, (1,), generator=generator, device=generator.device).item())
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = model_factory()
    return copy.deepcopy(model.state_dict())


def _fresh_model(model_factory, init_state, X):
    model = model_factory()
    model.load_state_dict(init_state)
    if X.is_floating_point():
        model.to(device=X.device, dtype=X.dtype)
    else:
        model.to(device=X.device)
    return model


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
    _check(isinstance(steps, int) and not isinstance(steps, bool) and steps >= 0,
           "steps", steps, "an integer >= 0")


def compare_optimizers(model_factory, data, optimizer_factories, *, steps, generator) -> dict:
    """name -> [full-batch F.cross_entropy loss before step 1, ..., before step `steps`]; every
    optimizer trains its own model from the same initial weights. data = (X (N, D), y (N,))."""
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


def lr_sensitivity(model_factory, data, optimizer_factories, lrs, *, steps, generator) -> dict:
    """name -> {lr: full-batch loss after the last of `steps` steps} (inf/nan when a run diverged);
    every run starts from the same initial weights; factories are callable(params, lr)."""
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


def plot_optimizer_comparison(results):
    """matplotlib Figure: one loss curve per optimizer (results of compare_optimizers), log-scale y."""
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
