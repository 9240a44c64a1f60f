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
from autograder.testing import (TensorData, as_array, deterministic_torch, expect_close, expect_shape,
                                expect_scalar_close, fail, norm_rel_error, reference)

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


def run_norms(submission, case, stale=True):
    """grad_norms_probe on ``case`` (a strategies.GradCase)."""
    return submission.probe("grad_norms_probe", sizes=list(case.sizes),
                            activation=case.config["activation"], residual=case.config["residual"],
                            weights=case.weights, X=case.X, y=case.y, loss=case.loss, stale=stale,
                            _where="layer_grad_norms")


def expect_norms(info, case):
    """layer_grad_norms' result (grad_norms_probe) equals autograd's norms on ``case`` (a GradCase)."""
    if info["type"] not in ("list", "tuple"):
        fail(f"layer_grad_norms must return a list of floats, got {info['type']}")
    norms = info["norms"]
    expected = autograd_norms(case.sizes, case.config["activation"], case.config["residual"],
                                case.weights, case.X, case.y, case.loss)
    if len(norms) != len(expected["weights"]):
        hint = diagnose_norms(norms, expected) if len(norms) == len(expected["all"]) else None
        fail(f"layer_grad_norms returned {len(norms)} values for a model with "
             f"{len(expected['weights'])} nn.Linear layers" + (f": {hint}" if hint else ""))
    if any(v is None for v in norms):
        fail("layer_grad_norms must return numbers (Python floats)")
    expect_close(np.array(norms), np.array(expected["weights"]), "layer_grad_norms(...)",
                 rtol=1e-7, hint=diagnose_norms(norms, expected))


def run_clip(submission, case):
    """clip_probe on ``case`` (a strategies.ClipCase)."""
    return submission.probe("clip_probe", grads=case.grads, max_norm=case.max_norm,
                            style=case.style, _where="clip_grad_norm_")


def expect_clipped(info, case):
    """clip_grad_norm_'s total and gradients (clip_probe) equal torch's on ``case`` (a ClipCase)."""
    exp_total, exp_grads = torch_clip(case.grads, case.max_norm)
    dtype = next(g.dtype for g in case.grads if g is not None)
    check_total(info, exp_total, dtype)
    below = exp_total <= case.max_norm
    for i, (g, src) in enumerate(zip(info["grads"], case.grads)):
        if src is None:
            if g is not None:
                fail("clip_grad_norm_ gave a gradient to a parameter that had none "
                     "(skip parameters whose p.grad is None)")
            continue
        if g is None:
            fail("clip_grad_norm_ removed a gradient; it scales them in place")
        if below:
            if not np.array_equal(g.array, src):
                fail("clip_grad_norm_ changed the gradients although their total norm is below "
                     "max_norm: scale only when total > max_norm (coefficient max_norm / "
                     "(total + 1e-6) clamped to at most 1)")
            continue
        hint = None
        if np.array_equal(g.array, src):
            hint = "the gradients were not scaled although the total norm is above max_norm"
        expected = exp_grads[sum(s is not None for s in case.grads[:i])]
        expect_close(g, expected, f"gradient {i} after clipping", rtol=1e-5, atol=1e-12, hint=hint)


def check_total(info, exp_total, dtype):
    if info["total"] is None:
        fail(f"clip_grad_norm_ must return the total norm as a float, got {info['total_type']}")
    tol = 1e-12 if dtype == np.float64 else 1e-5
    expect_scalar_close(info["total"], exp_total, "the returned total norm", rtol=tol)


# ----------------------------------------------------------------------------- training
SHUFFLES = ("randperm", "dataloader")


def train_replica(sizes, activation, residual, weights, data, *, epochs, lr, batch_size, seed,
                  weighted=False, drop_last=False, shuffle="randperm", states=None):
    """The training loop of the spec in the parent: per-step losses and per-epoch curve
    (and, into the list ``states`` when given, [[W, b], ...] at the end of every epoch).

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
        if states is not None:
            linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
            states.append([[m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()]
                           for m in linears])
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


def replica(case, **kw):
    """train_replica on ``case`` (a strategies.TrainCase)."""
    return train_replica(case.sizes, case.config["activation"], case.config["residual"],
                         case.weights, case.data, epochs=case.epochs, lr=case.lr,
                         batch_size=case.batch_size, seed=case.seed, **kw)


def run_train(submission, case, threshold, generator=True):
    """train_probe on ``case`` (a strategies.TrainCase) with ``loss_threshold=threshold``
    (``generator=False``: a generator of None)."""
    return submission.probe("train_probe", sizes=list(case.sizes),
                            activation=case.config["activation"], residual=case.config["residual"],
                            weights=case.weights, data=case.data, epochs=case.epochs, lr=case.lr,
                            batch_size=case.batch_size, seed=case.seed if generator else None,
                            loss_threshold=threshold, _where="train_and_measure")


def pick_threshold(steps, seed):
    """A threshold that the run first crosses at a well separated step, or never crosses."""
    r = np.random.default_rng(seed)
    candidates = [k for k in range(len(steps)) if threshold_between(steps, k) is not None]
    pick = int(r.integers(len(candidates) + 1))
    if pick == len(candidates):
        return 0.5 * min(steps), None
    k = candidates[pick]
    return threshold_between(steps, k), k + 1


def check_steps(got, exp):
    if got == exp:
        return
    if exp is not None and got == exp - 1:
        fail(f"steps_to_threshold is {got}, one less than it should be: it is the 1-based index "
             "of the first optimizer step whose minibatch loss (before the update) is below the "
             "threshold")
    if exp is not None and got == exp + 1:
        fail(f"steps_to_threshold is {got}, one more than it should be: use the loss computed in "
             "that step, before the update, and count steps from 1")
    fail(f"steps_to_threshold is {got!r}; " + ("expected None (never below the threshold)"
                                                 if exp is None else "it should be the 1-based index of the first step "
                                                 "whose minibatch loss is strictly below loss_threshold"))


def expect_grad_norms(info, exp, states, n_train):
    """grad_norms equals the reference's, or what your own layer_grad_norms returned when your
    train_and_measure called it on the full training split at the end of every epoch (the
    model's parameters then equal ``states``): train_and_measure is judged on its own, whatever
    layer_grad_norms does."""
    got = info["result"]["grad_norms"]
    g, e = np.array(got, dtype=np.float64), np.array(exp, dtype=np.float64)
    if g.shape == e.shape and np.all(np.abs(g - e) <= 1e-12 + 1e-5 * np.abs(e)):
        return
    at_end = [c for c in info["grad_norm_calls"]
              if c["rows"] == n_train and any(_same_params(c["params"], s) for s in states)]
    if len(at_end) == len(states) and [c["norms"] for c in at_end] == got and all(
            _same_params(c["params"], s) for c, s in zip(at_end, states)):
        return  # your own layer_grad_norms' values, measured at the right moments
    expect_close(g, e, "grad_norms (full training split, end of each epoch)", rtol=1e-5,
                 atol=1e-12, hint="measure each epoch's norms after its last update, on the whole "
                                  "training split, with layer_grad_norms")


def _same_params(params, state):
    flat = [a for pair in state for a in pair]
    return len(params) == len(flat) and all(
        np.allclose(as_array(p, "parameter"), a, rtol=1e-6, atol=1e-12) for p, a in zip(params, flat))


def expect_train_values(info, case, threshold):
    """One batch per epoch: loss curve, steps_to_threshold, accuracy, grad norms and weights of
    train_probe's ``info`` equal the reference's on ``case``."""
    res = info["result"]
    check_train_result(res, epochs=case.epochs, n_layers=len(case.sizes) - 1)
    model = P.build_mlp(case.sizes, case.config["activation"], case.config["residual"], case.weights)
    exp = ref().train_and_measure(model, tuple(torch.as_tensor(a) for a in case.data),
                                  epochs=case.epochs, lr=case.lr, batch_size=case.batch_size,
                                  generator=torch.Generator().manual_seed(case.seed),
                                  loss_threshold=threshold)
    expect_close(np.array(res["loss_curve"]), np.array(exp["loss_curve"]), "loss_curve", rtol=1e-6)
    check_steps(res["steps_to_threshold"], exp["steps_to_threshold"])
    expect_scalar_close(res["test_accuracy"], exp["test_accuracy"], "test_accuracy", rtol=1e-6)
    states = []
    replica(case, states=states)
    expect_grad_norms(info, exp["grad_norms"], states, len(case.data[0]))
    for i, (p, e) in enumerate(zip(info["params"], model.parameters())):
        expect_close(p, e.detach().numpy(), f"parameter {i} after training", rtol=1e-6, atol=1e-12)
    t = res["train_time_s"]
    if case.epochs > 0 and not 0 < t <= info["wall_s"]:
        fail(f"train_time_s is {t!r}, but the call took {info['wall_s']:.4f} s in all: time the "
             "training loop with time.perf_counter() and add up each epoch's seconds")


def expect_minibatch_values(res, case, threshold, replicas):
    """Minibatches: the loss curve follows the generator's shuffles (randperm or DataLoader),
    steps_to_threshold the matching run."""
    check_train_result(res, epochs=case.epochs, n_layers=len(case.sizes) - 1)
    got = np.array(res["loss_curve"])
    matched = [m for m in SHUFFLES if norm_rel_error(got, replicas[m][1]) < 1e-6]
    if not matched:
        hint = ("shuffle each epoch with perm = torch.randperm(N, generator=generator) and take "
                "minibatches perm[i:i + batch_size] in order (or use DataLoader(..., shuffle=True, "
                "generator=generator))")
        for mode in SHUFFLES:
            for kw, text in ((dict(weighted=True), "you weighted minibatches by their size; the "
                              "curve is the plain (unweighted) mean of the epoch's minibatch losses"),
                             (dict(drop_last=True), "you dropped the last, partial minibatch; train "
                              "on it and include its loss")):
                if norm_rel_error(got, replica(case, shuffle=mode, **kw)[1]) < 1e-6:
                    hint = text
        expect_close(got, np.array(replicas["randperm"][1]), "loss_curve", rtol=1e-6, hint=hint)
    steps = replicas[matched[0]][0]
    if any(abs(v - threshold) <= 1e-9 * abs(threshold) for v in steps):
        return  # too close to call
    check_steps(res["steps_to_threshold"], next((k + 1 for k, v in enumerate(steps) if v < threshold), None))


def check_study(res, depths, residuals, epochs, activation):
    """depth_study's list: one dict per (depth, residual) in order, every key, finite positive
    losses; returns {(depth, residual): smallest per-layer gradient norm after the last epoch}."""
    if not isinstance(res, list) or not all(isinstance(r, dict) for r in res):
        fail(f"depth_study must return a list of dicts, got {type(res).__name__}")
    pairs = [(r.get("depth"), r.get("residual")) for r in res]
    expected_pairs = [(d, b) for d in depths for b in residuals]
    if pairs != expected_pairs:
        fail(f"depth_study returned the (depth, residual) pairs {pairs}; expected one run per "
             "pair, depth in the outer loop and residual in the inner one")
    smallest = {}
    for r in res:
        missing = [k for k in ("depth", "residual", "activation") + TRAIN_KEYS if k not in r]
        if missing:
            fail(f"each depth_study dict holds depth, residual, activation and every "
                 f"train_and_measure key; missing {missing}")
        if r["activation"] != activation:
            fail(f"depth_study's 'activation' entry is {r['activation']!r}, expected {activation!r}")
        check_train_result({k: r[k] for k in TRAIN_KEYS}, epochs=epochs, n_layers=r["depth"] + 1)
        if not all(0 < v < math.inf for v in r["loss_curve"]):
            fail(f"depth_study: the run (depth {r['depth']}, residual={r['residual']}) has the loss "
                 f"curve {r['loss_curve']}; cross-entropy losses are finite and positive")
        smallest[(r["depth"], r["residual"])] = min(r["grad_norms"][-1])
    return smallest


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


# ---------------------------------------------------------------- make_mlp (shared by tests)
def run_make_mlp(submission, case, n):
    """make_mlp(**case.config) with case.weights loaded, on case.x: (description, scores)."""
    info = submission.probe("mlp_forward", config=case.config, weights=case.weights, x=case.x,
                            _where="make_mlp")
    what = check_mlp_info(info, case.config, case.sizes)
    return what, expect_shape(info["out"], (n, case.config["out_dim"]), f"{what}(x)")


def expect_make_mlp_forward(submission, case):
    what, out = run_make_mlp(submission, case, len(case.x))
    cfg = case.config
    expected = forward_np(case.weights, case.x, cfg["activation"], cfg["residual"]).astype(np.float32)
    expect_close(out, expected, f"{what}(x)", rtol=1e-4, atol=1e-6,
                 hint=diagnose_forward(out, case.weights, case.x, cfg))
