"""VARIANT ok_alternative: correct, written differently from the reference.

SGD clones the gradient explicitly and keeps an explicit buffer; AdaGrad/RMSProp use
out-of-place arithmetic copied back into the state; Adam uses mul_/add_ (not lerp_) and an
int step counter; the experiments copy a template model with copy.deepcopy; the plot uses
pyplot. Differences from torch.optim are rounding only.
"""
import copy
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def _need(ok, name):
    if not ok:
        raise ValueError(f"invalid {name}")


class SGD(torch.optim.Optimizer):
    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        _need(lr >= 0, "lr")
        _need(0 <= momentum < 1, "momentum")
        _need(weight_decay >= 0, "weight_decay")
        _need(not nesterov or momentum > 0, "nesterov (it needs momentum > 0)")
        super().__init__(params, dict(lr=lr, momentum=momentum, nesterov=nesterov,
                                      weight_decay=weight_decay))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = torch.clone(p.grad).detach()
                if group["weight_decay"]:
                    d_p = d_p + group["weight_decay"] * p
                if group["momentum"]:
                    st = self.state[p]
                    if "momentum_buffer" not in st:
                        st["momentum_buffer"] = torch.clone(d_p).detach()
                    else:
                        st["momentum_buffer"].mul_(group["momentum"]).add_(d_p)
                    buf = st["momentum_buffer"]
                    d_p = d_p + group["momentum"] * buf if group["nesterov"] else buf
                p.sub_(group["lr"] * d_p)
        return loss


class AdaGrad(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, eps=1e-10):
        _need(lr >= 0, "lr")
        _need(eps >= 0, "eps")
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
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                st["step"] += 1
                st["sum"].copy_(st["sum"] + p.grad * p.grad)
                p.copy_(p - group["lr"] * p.grad / (torch.sqrt(st["sum"]) + group["eps"]))
        return loss


class RMSProp(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8):
        _need(lr >= 0, "lr")
        _need(0 <= alpha <= 1, "alpha")
        _need(eps >= 0, "eps")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            a = group["alpha"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["step"] = 0
                    st["square_avg"] = torch.zeros_like(p)
                st["step"] += 1
                st["square_avg"] = a * st["square_avg"] + (1 - a) * p.grad ** 2
                p -= group["lr"] * p.grad / (st["square_avg"].sqrt() + group["eps"])
        return loss


class Adam(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled=False):
        _need(lr >= 0, "lr")
        _need(0 <= betas[0] < 1 and 0 <= betas[1] < 1, "betas")
        _need(eps >= 0, "eps")
        _need(weight_decay >= 0, "weight_decay")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled=decoupled))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            b1, b2 = group["betas"]
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                st = self.state[p]
                if len(st) == 0:
                    st["step"] = 0
                    st["exp_avg"] = torch.zeros_like(p)
                    st["exp_avg_sq"] = torch.zeros_like(p)
                st["step"] += 1
                t = st["step"]
                if wd:
                    if group["decoupled"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g + wd * p
                st["exp_avg"].mul_(b1).add_(g, alpha=1 - b1)
                st["exp_avg_sq"].mul_(b2).add_(g * g, alpha=1 - b2)
                m_hat = st["exp_avg"] / (1 - b1 ** t)
                v_hat = st["exp_avg_sq"] / (1 - b2 ** t)
                p.sub_(lr * m_hat / (v_hat.sqrt() + group["eps"]))
        return loss


def _check_epoch(epoch):
    _need(epoch >= 0, "epoch")


def step_decay(lr0, epoch, drop=0.1, every=30):
    _check_epoch(epoch)
    _need(every > 0, "every")
    return lr0 * drop ** math.floor(epoch / every)


def exponential_decay(lr0, epoch, k=0.03):
    _check_epoch(epoch)
    return lr0 * math.exp(-k * epoch)


def cosine_annealing(lr0, epoch, total):
    _check_epoch(epoch)
    _need(total > 0, "total")
    return 0.5 * lr0 * (1.0 + math.cos(math.pi * epoch / total))


def warmup_cosine(lr0, epoch, warmup, total):
    _check_epoch(epoch)
    _need(total > 0, "total")
    _need(0 <= warmup <= total, "warmup")
    if epoch <= warmup and warmup > 0:
        return lr0 * epoch / warmup
    return cosine_annealing(lr0, epoch - warmup, total - warmup) if total > warmup else 0.0


def _template(model_factory, generator):
    if generator is None:
        seed = int(torch.randint(0, 2 ** 31, (1,)))
    else:
        seed = int(torch.randint(0, 2 ** 31, (1,), generator=generator, device=generator.device))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return model_factory()


def _unpack(data, steps):
    _need(isinstance(steps, int) and steps >= 0, "steps (an integer >= 0)")
    _need(isinstance(data, (tuple, list)) and len(data) == 2, "data (a pair (X, y))")
    X, y = data
    _need(y.ndim == 1 and len(X) == len(y), "data (X and y with the same number of rows)")
    return X, y


def compare_optimizers(model_factory, data, optimizer_factories, *, steps, generator):
    X, y = _unpack(data, steps)
    template = _template(model_factory, generator)
    out = {}
    for name, factory in optimizer_factories.items():
        model = copy.deepcopy(template).to(device=X.device, dtype=X.dtype)
        opt = factory(model.parameters())
        losses = []
        for _ in range(steps):
            loss = F.cross_entropy(model(X), y)
            losses.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
        out[name] = losses
    return out


def lr_sensitivity(model_factory, data, optimizer_factories, lrs, *, steps, generator):
    X, y = _unpack(data, steps)
    template = _template(model_factory, generator)
    out = {}
    for name, factory in optimizer_factories.items():
        out[name] = {}
        for lr in lrs:
            model = copy.deepcopy(template).to(device=X.device, dtype=X.dtype)
            opt = factory(model.parameters(), lr)
            for _ in range(steps):
                opt.zero_grad()
                F.cross_entropy(model(X), y).backward()
                opt.step()
            with torch.no_grad():
                out[name][lr] = F.cross_entropy(model(X), y).item()
    return out


def plot_optimizer_comparison(results):
    fig, ax = plt.subplots()
    for name, losses in results.items():
        ax.semilogy(losses, label=name)
    ax.legend()
    return fig
