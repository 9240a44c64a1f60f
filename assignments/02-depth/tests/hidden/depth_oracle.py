"""Parent-side helpers of the depth exercise's hidden tests: expected values and diagnoses.

Runs in the trusted parent only (never shipped). Expected values come from the reference
solution or from torch/autograd directly; diagnoses recompute recognisable mistakes so that a
failure can say which one the submission made, without printing expected arrays.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import probes as P
from autograder.testing import TensorData, as_array, deterministic_torch, fail, norm_rel_error, reference

torch.set_num_threads(1)
deterministic_torch()  # torch.use_deterministic_algorithms(True) without its ~70 MB of imports

ACT_NP = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
}


def ref():
    return reference()


# ----------------------------------------------------------------------------- make_mlp
def forward_np(weights, x, activation, residual, *, skip=True, act_after_add=False,
               output_act=None, hidden_act=True):
    """The MLP forward in float64 numpy, with switches for recognisable mistakes."""
    act = ACT_NP[activation]
    ident = (lambda z: z)
    h = np.asarray(x, dtype=np.float64)
    n = len(weights)
    for i, (W, b) in enumerate(weights):
        z = h @ np.asarray(W, np.float64).T + np.asarray(b, np.float64)
        a = act if hidden_act else ident
        if i == n - 1:
            h = ACT_NP[output_act](z) if output_act else z
        elif residual and i >= 1:
            if not skip:
                h = a(z)
            elif act_after_add:
                h = a(h + z)
            else:
                h = h + a(z)
        else:
            h = a(z)
    return h


def diagnose_forward(out, weights, x, cfg) -> str | None:
    """Which recognisable mistake reproduces ``out``."""
    got = np.asarray(out, dtype=np.float64)
    act, res = cfg["activation"], cfg["residual"]

    def close(alt):
        return alt.shape == got.shape and norm_rel_error(got, alt) < 1e-4

    if res and cfg["depth"] >= 2:
        if close(forward_np(weights, x, act, True, skip=False)):
            return ("the residual blocks do not add the skip connection: a block computes "
                    "h + act(Linear(h)), not act(Linear(h))")
        if close(forward_np(weights, x, act, True, act_after_add=True)):
            return ("the activation is applied after the addition: a residual block computes "
                    "h + act(Linear(h)), not act(h + Linear(h))")
    if not res and cfg["depth"] >= 2 and close(forward_np(weights, x, act, True)):
        return "residual=False but your network adds skip connections"
    for other in ACT_NP:
        if close(forward_np(weights, x, act, res, output_act=other)):
            return (f"the output layer is followed by an activation ({other}): make_mlp returns "
                    "raw scores, the last Linear has no activation after it")
        if other != act and close(forward_np(weights, x, other, res)):
            return f"your hidden layers use {other} where activation={act!r} asks for {act}"
    if close(forward_np(weights, x, act, res, hidden_act=False)):
        return "there is no activation between the Linear layers"
    return None


def check_mlp_info(info, cfg, sizes):
    """Structure checks on what mlp_forward observed."""
    what = "make_mlp({in_dim}, {width}, {depth}, {out_dim}, activation={activation!r}, residual={residual})".format(**cfg)
    if not info.get("is_module"):
        fail(f"{what} returned a {info.get('type')}, expected an nn.Module")
    shapes = [tuple(s) for s in info["linear_shapes"]]
    expected = [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]
    if len(shapes) != len(expected):
        fail(f"{what} has {len(shapes)} nn.Linear layers, expected {len(expected)} "
             f"(depth={cfg['depth']} hidden layers plus the output layer)")
    if shapes != expected:
        i = next(k for k, (s, e) in enumerate(zip(shapes, expected)) if s != e)
        fail(f"{what}: nn.Linear number {i + 1} (in module order, input to output) has weight "
             f"shape {shapes[i]}, expected {expected[i]} (out_features, in_features)")
    if not all(info["has_bias"]):
        fail(f"{what}: every nn.Linear must have a bias")
    if info["param_dtypes"] != ["torch.float32"]:
        fail(f"{what}: parameters have dtype {info['param_dtypes']}, expected torch.float32 "
             "(PyTorch's default: do not convert the model)")
    if info["n_params"] != info["n_linear_params"]:
        fail(f"{what} has {info['n_params'] - info['n_linear_params']} parameters outside its "
             "nn.Linear layers; the MLP has only Linear layers and activations")
    return what


# ----------------------------------------------------------------------------- init_weights
def target_variance(scheme, fan_in, fan_out):
    return {"he": 2.0 / fan_in, "xavier": 2.0 / (fan_in + fan_out), "small": 1e-4}[scheme]


def _variance_hint(var, fan_in, fan_out):
    candidates = {
        "2/fan_in (He)": 2.0 / fan_in, "1/fan_in": 1.0 / fan_in,
        "2/(fan_in + fan_out) (Xavier)": 2.0 / (fan_in + fan_out),
        "1/(fan_in + fan_out)": 1.0 / (fan_in + fan_out), "2/fan_out": 2.0 / fan_out,
        "1/fan_out": 1.0 / fan_out, "0.01 (0.1 as the std)": 0.01, "1e-4 (0.01 as the std)": 1e-4,
        "1e-8 (0.01^2 used as the std)": 1e-8, "(2/fan_in)^2 (the variance used as the std)": (2.0 / fan_in) ** 2,
        "(2/(fan_in + fan_out))^2 (the variance used as the std)": (2.0 / (fan_in + fan_out)) ** 2,
        "1": 1.0,
    }
    best = min(candidates, key=lambda k: abs(math.log(var / candidates[k])))
    if abs(math.log(var / candidates[best])) < 0.1:
        return f"; that matches a variance of {best}"
    return ""


def check_init(info, scheme, sizes):
    """Sample statistics of each weight matrix against N(0, target) with size-derived bounds."""
    if not info["returned_model"]:
        fail("init_weights must return the model it was given (the same object)")
    if info["dtypes"] != ["torch.float64"]:
        fail(f"init_weights changed the parameters' dtype to {info['dtypes']}; "
             "keep the model's dtype (initialise in place)")
    for i, b in enumerate(info["biases"]):
        b = as_array(b, "bias")
        if np.any(b != 0):
            fail(f"init_weights: the bias of nn.Linear number {i + 1} is not zero "
                 "(every bias starts at 0)")
    for i, (W, (fan_in, fan_out)) in enumerate(zip(info["weights"], zip(sizes[:-1], sizes[1:]))):
        w = as_array(W, "weight").astype(np.float64).ravel()
        n = w.size
        target = target_variance(scheme, fan_in, fan_out)
        where = f"nn.Linear({fan_in}, {fan_out}) (fan_in={fan_in}, fan_out={fan_out})"
        if not np.all(np.isfinite(w)):
            fail(f"init_weights: the weights of {where} contain NaN/inf")
        mean, var = float(w.mean()), float(w.var(ddof=1))
        if var == 0:
            fail(f"init_weights: the weights of {where} are all equal")
        tol = 6.0 * math.sqrt(2.0 / (n - 1))  # 6 standard deviations of the sample variance
        if abs(var / target - 1.0) > tol:
            fail(f"init_weights(scheme={scheme!r}): the weights of {where} have sample variance "
                 f"{var:.4g}, expected {target:.4g} within {100 * tol:.0f}% "
                 f"({n} samples){_variance_hint(var, fan_in, fan_out)}")
        if abs(mean) > 6.0 * math.sqrt(target / n):
            fail(f"init_weights(scheme={scheme!r}): the weights of {where} have mean {mean:.3g}; "
                 "they should be centred at 0")
        kurt = float(np.mean((w - mean) ** 4) / (np.mean((w - mean) ** 2) ** 2))
        if abs(kurt - 3.0) > 6.0 * math.sqrt(24.0 / n):
            fail(f"init_weights(scheme={scheme!r}): the weights of {where} do not look normally "
                 f"distributed (kurtosis {kurt:.2f}, a normal distribution has 3; a uniform one "
                 "1.8): draw from N(0, s^2), e.g. nn.init.normal_")


# ----------------------------------------------------------------------------- gradients
def autograd_norms(sizes, activation, residual, weights, X, y, loss):
    model = P.build_mlp(sizes, activation, residual, weights, dtype=torch.float64)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    P.LOSSES[loss](model(Xt), yt).backward()
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return {
        "weights": [m.weight.grad.norm().item() for m in linears],
        "stale": [(m.weight.grad + 1).norm().item() for m in linears],
        "with_bias": [math.hypot(m.weight.grad.norm().item(), m.bias.grad.norm().item()) for m in linears],
        "all": [p.grad.norm().item() for p in model.parameters()],
        "squared": [m.weight.grad.norm().item() ** 2 for m in linears],
        "params": [m.weight.norm().item() for m in linears],
    }


def diagnose_norms(got, exp) -> str | None:
    g = np.asarray(got, dtype=np.float64)

    def close(v):
        v = np.asarray(v, dtype=np.float64)
        return v.shape == g.shape and norm_rel_error(g, v) < 1e-6

    if close(exp["weights"][::-1]):
        return "your list runs from output to input; the spec orders it input to output"
    if close(exp["stale"]):
        return ("the stale gradients already in the model were added to the new ones: set every "
                "p.grad to None (or zero it) before backward")
    if close(exp["with_bias"]):
        return "you included the bias gradients; measure each nn.Linear weight's gradient only"
    if close(exp["all"]):
        return "you returned one norm per parameter tensor (biases included); one per nn.Linear weight"
    if close(exp["squared"]):
        return "you returned squared norms; the L2 norm is the square root"
    if close(exp["params"]):
        return "you returned the norms of the weights themselves, not of their gradients"
    return None


def torch_clip(grads, max_norm):
    """torch.nn.utils.clip_grad_norm_ on copies: (total, clipped grads)."""
    params = []
    for g in grads:
        if g is None:
            continue
        p = torch.zeros(g.shape, dtype=torch.as_tensor(g).dtype, requires_grad=True)
        p.grad = torch.as_tensor(g).clone()
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm)
    return total.item(), [p.grad.numpy() for p in params]


# ----------------------------------------------------------------------------- training
SHUFFLES = ("randperm", "dataloader")


def train_replica(sizes, activation, residual, weights, data, *, epochs, lr, batch_size, seed,
                  weighted=False, drop_last=False, shuffle="randperm"):
    """The training loop of the spec in the parent: per-step losses and per-epoch curve.

    shuffle: "randperm" (torch.randperm(N, generator=generator) each epoch, the handout's
    recipe) or "dataloader" (DataLoader(TensorDataset(X, y), batch_size, shuffle=True,
    generator=generator), which also draws a base seed from the generator each epoch).
    """
    X, y = torch.as_tensor(data[0]), torch.as_tensor(data[1])
    model = P.build_mlp(sizes, activation, residual, weights, dtype=X.dtype)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    n = len(X)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=batch_size,
                                         shuffle=True, generator=gen)

    def batches():
        if shuffle == "dataloader":
            yield from loader
            return
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = perm[start:start + batch_size]
            yield X[idx], y[idx]

    steps, curve = [], []
    for _ in range(epochs):
        losses, sizes_ = [], []
        for xb, yb in batches():
            if drop_last and len(xb) < batch_size:
                continue
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            sizes_.append(len(xb))
        steps += losses
        if weighted:
            curve.append(float(np.dot(losses, sizes_) / sum(sizes_)))
        else:
            curve.append(float(np.mean(losses)))
    return steps, curve


def threshold_between(step_losses, k):
    """A threshold strictly below step k's loss (0-based index) and above every earlier one,
    with a margin; None when step k is not separated from the earlier steps."""
    target = step_losses[k]
    earlier = min(step_losses[:k]) if k else math.inf
    if not target < earlier:
        return None
    hi = min(earlier, target * 1.2 + 1e-3) if k else target * 1.2 + 1e-3
    thr = 0.5 * (target + hi)
    if thr - target < 1e-6 * max(1.0, abs(target)) or hi - thr < 1e-6 * max(1.0, abs(target)):
        return None
    return thr


def number_list(value, what, length=None):
    """A list of Python floats (ints allowed), or a failure that says what it is instead."""
    if isinstance(value, TensorData):
        fail(f"{what} is a tensor; return a list of Python floats (e.g. [t.item() for ...])")
    if not isinstance(value, list):
        fail(f"{what} must be a list, got {type(value).__name__}")
    for v in value:
        if isinstance(v, TensorData):
            fail(f"{what} holds tensors; use Python floats (tensor.item())")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fail(f"{what} must hold Python floats, got {type(v).__name__}")
    if length is not None and len(value) != length:
        fail(f"{what} has {len(value)} entries, expected {length}")
    return [float(v) for v in value]


TRAIN_KEYS = ("train_time_s", "loss_curve", "steps_to_threshold", "test_accuracy", "grad_norms")


def check_train_result(res, *, epochs, n_layers):
    """Keys, types and lengths of train_and_measure's dict."""
    if not isinstance(res, dict):
        fail(f"train_and_measure must return a dict, got {type(res).__name__}")
    missing = [k for k in TRAIN_KEYS if k not in res]
    if missing:
        fail(f"train_and_measure's dict lacks the key(s) {missing}")
    t = res["train_time_s"]
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not t >= 0:
        fail(f"train_time_s must be a non-negative Python float, got {t!r}")
    number_list(res["loss_curve"], "loss_curve", epochs)
    s = res["steps_to_threshold"]
    if s is not None and (isinstance(s, bool) or not isinstance(s, int)):
        fail(f"steps_to_threshold must be a Python int or None, got {type(s).__name__}")
    if s is not None and s < 1:
        fail(f"steps_to_threshold is {s}; it counts optimizer steps from 1 (None if never reached)")
    a = res["test_accuracy"]
    if isinstance(a, bool) or not isinstance(a, (int, float)) or not 0 <= a <= 1:
        fail(f"test_accuracy must be a Python float in [0, 1], got {a!r}")
    g = res["grad_norms"]
    if not isinstance(g, list) or len(g) != epochs:
        fail(f"grad_norms must be a list with one entry per epoch ({epochs}), got "
             f"{len(g) if isinstance(g, list) else type(g).__name__}")
    for e, row in enumerate(g):
        number_list(row, f"grad_norms[{e}]", n_layers)


# ----------------------------------------------------------------------------- parity


def on(device, array, dtype=None):
    """TensorData for the worker: ``array`` as a tensor on ``device``."""
    a = np.asarray(array)
    if dtype is None:
        dtype = {np.dtype(np.float64): "torch.float64", np.dtype(np.float32): "torch.float32",
                 np.dtype(np.int64): "torch.int64"}[a.dtype]
    return TensorData(a, dtype, device)


def expect_device(got, device, what):
    if not isinstance(got, TensorData):
        fail(f"{what}: expected a tensor, got {type(got).__name__}")
    if got.device.split(":")[0] != device.split(":")[0]:
        fail(f"{what} is on {got.device}, expected the inputs' device {device}")
