"""Worker-side probes of the depth exercise: they run inside the sandbox, next to your module.

A probe builds what cannot cross the boundary as plain data (models, generators, loss
functions), calls your function and returns what it observed as plain data. Probes hold no
expected values: the tests compare what comes back.

Tensors arrive on the device the test asked for; models built here follow the inputs' device
and dtype.
"""
from __future__ import annotations

import contextlib
import time

import torch
import torch.nn.functional as F
from torch import nn

try:  # in the worker the engine puts probe_tools next to this file
    from probe_tools import check_devices, describe_figure, raised
except ImportError:  # in the parent (tests reuse the model builders below)
    from autograder.probe_tools import check_devices, describe_figure, raised

ACTIVATIONS = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


# ----------------------------------------------------------------------------- helpers
def as_tensor(value, *, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a numpy array or tensor, on ``device``/``dtype`` when given."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    return t.to(device=device if device is not None else t.device,
                dtype=dtype if dtype is not None else t.dtype)


class Residual(nn.Module):
    """The tests' own residual block: h + act(linear(h))."""

    def __init__(self, width: int, activation: str):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.activation = activation

    def forward(self, h):
        return h + ACTIVATIONS[self.activation](self.linear(h))


class Act(nn.Module):
    def __init__(self, activation: str):
        super().__init__()
        self.activation = activation

    def forward(self, h):
        return ACTIVATIONS[self.activation](h)


def build_mlp(sizes, activation, residual, weights, *, device="cpu", dtype=torch.float64) -> nn.Module:
    """The tests' own MLP (independent of your make_mlp) with the given weights.

    sizes = (in, width, ..., width, out); weights = [[W, b], ...] one pair per Linear.
    """
    with torch.device("cpu"):  # explicit: also inside the device check
        layers = [nn.Linear(sizes[0], sizes[1]), Act(activation)]
        for _ in range(len(sizes) - 3):
            if residual:
                layers.append(Residual(sizes[1], activation))
            else:
                layers += [nn.Linear(sizes[1], sizes[1]), Act(activation)]
        layers.append(nn.Linear(sizes[-2], sizes[-1]))
        model = nn.Sequential(*layers)
    model = model.to(device=device, dtype=dtype)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for m, (W, b) in zip(linears, weights):
            m.weight.copy_(as_tensor(W))
            m.bias.copy_(as_tensor(b))
    return model


def mse_onehot(scores, y):
    """A second loss function, so that layer_grad_norms must use the loss_fn it is given."""
    target = F.one_hot(y, scores.shape[1]).to(scores.dtype)
    return ((scores - target) ** 2).mean()


LOSSES = {"cross_entropy": F.cross_entropy, "mse": mse_onehot}


def _grad_state(p):
    if p.grad is None:
        return "none"
    return "zero" if not torch.any(p.grad != 0).item() else "nonzero"


def _number(v):
    """A Python float from a number or a one-element tensor; None for anything else."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return float(v.detach().reshape(()).to("cpu").item()) if v.device.type != "meta" else None
    try:
        import numpy as np
        if isinstance(v, np.generic):
            return float(v)
    except ImportError:
        pass
    return None


def _split(data, device=None):
    X_tr, y_tr, X_te, y_te = data
    return (as_tensor(X_tr, device=device), as_tensor(y_tr, device=device),
            as_tensor(X_te, device=device), as_tensor(y_te, device=device))


# ----------------------------------------------------------------------------- make_mlp
def mlp_forward(sub, config, weights, x):
    """Build make_mlp(**config), load ``weights`` into its nn.Linear layers (in module order)
    and run it on ``x`` (the model is moved to x's device)."""
    model = sub.make_mlp(config["in_dim"], config["width"], config["depth"], config["out_dim"],
                         activation=config["activation"], residual=config["residual"])
    info = {"is_module": isinstance(model, nn.Module), "type": type(model).__name__}
    if not info["is_module"]:
        return info
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    params = list(model.parameters())
    info.update(
        linear_shapes=[list(m.weight.shape) for m in linears],
        has_bias=[m.bias is not None for m in linears],
        param_dtypes=sorted({str(p.dtype) for p in params}),
        n_params=sum(p.numel() for p in params),
        n_linear_params=sum(p.numel() for m in linears for p in m.parameters(recurse=False)),
        activation_modules=sum(isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid)) for m in model.modules()),
    )
    if info["linear_shapes"] != [list(W.shape) for W, _ in weights] or not all(info["has_bias"]):
        return info
    x = as_tensor(x)
    model = model.to(device=x.device)
    with torch.no_grad():
        for m, (W, b) in zip(linears, weights):
            m.weight.copy_(as_tensor(W))
            m.bias.copy_(as_tensor(b))
        info["out"] = model(x.to(params[0].dtype)).detach()
    info["param_devices"] = sorted({str(p.device) for p in model.parameters()})
    return info


# ----------------------------------------------------------------------------- init_weights
def _init_model(sizes, dtype, device):
    with torch.device("cpu"):
        layers = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += [nn.Linear(a, b)] + ([nn.ReLU()] if i < len(sizes) - 2 else [])
        model = nn.Sequential(*layers)
    model = model.to(device=device, dtype=dtype)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.bias.fill_(0.5)  # init_weights must zero it
    return model


def init_probe(sub, sizes, scheme, seed, dtype="float64", device="cpu", generator_device=None):
    """init_weights on a fresh Linear stack, three times: seed, seed again, seed + 1.

    The global RNG is reseeded differently before each call, so only the generator can make
    two calls agree.
    """
    dtype = getattr(torch, dtype)
    gdev = generator_device or device
    models = []
    for k, s in enumerate((seed, seed, seed + 1)):
        torch.manual_seed(1000 + 7 * k)
        model = _init_model(sizes, dtype, device)
        returned = sub.init_weights(model, scheme, generator=torch.Generator(device=gdev).manual_seed(s))
        models.append((model, returned is model))
    first = models[0][0]
    lin = [[m for m in mm.modules() if isinstance(m, nn.Linear)] for mm, _ in models]
    return {
        "returned_model": models[0][1],
        "weights": [m.weight.detach() for m in lin[0]],
        "biases": [m.bias.detach() for m in lin[0]],
        "same_seed_equal": all(torch.equal(a.weight, b.weight) for a, b in zip(lin[0], lin[1])),
        "other_seed_differs": any(not torch.equal(a.weight, b.weight) for a, b in zip(lin[0], lin[2])),
        "dtypes": sorted({str(p.dtype) for p in first.parameters()}),
        "devices": sorted({str(p.device) for p in first.parameters()}),
    }


# ----------------------------------------------------------------------------- gradients
def grad_norms_probe(sub, sizes, activation, residual, weights, X, y, loss="cross_entropy",
                     stale=True):
    """layer_grad_norms on the tests' own MLP; with ``stale``, gradients (all ones) are left in
    it beforehand, as after an earlier backward."""
    X = as_tensor(X)
    y = as_tensor(y, device=X.device)
    model = build_mlp(sizes, activation, residual, weights, device=X.device, dtype=X.dtype)
    if stale:
        for p in model.parameters():
            p.grad = torch.ones_like(p)
    before = [p.detach().clone() for p in model.parameters()]
    norms = sub.layer_grad_norms(model, X, y, LOSSES[loss])
    is_seq = isinstance(norms, (list, tuple))
    return {"type": type(norms).__name__,
            "element_types": [type(v).__name__ for v in norms] if is_seq else [],
            "norms": [_number(v) for v in norms] if is_seq else None,
            "grads_after": [_grad_state(p) for p in model.parameters()],
            "params_unchanged": all(torch.equal(a, p) for a, p in zip(before, model.parameters())),
            "param_devices": sorted({str(p.device) for p in model.parameters()})}


def clip_probe(sub, grads, max_norm, style="list", dtype=None, device=None):
    """clip_grad_norm_ on parameters with the given gradients (None: no gradient).

    style: "list" (a list), "generator" (a generator, as model.parameters() gives) or
    "tensor" (a single tensor; grads must hold one array).
    """
    params = []
    for g in grads:
        if g is None:
            params.append(torch.zeros(2, requires_grad=True, dtype=dtype or torch.float64, device=device))
            continue
        gt = as_tensor(g, device=device)
        p = torch.zeros_like(gt, requires_grad=True)
        p.grad = gt.clone()
        params.append(p)
    if style == "tensor":
        arg = params[0]
    elif style == "generator":
        arg = (p for p in params)
    else:
        arg = list(params)
    total = sub.clip_grad_norm_(arg, max_norm)
    return {"total": _number(total),
            "total_type": type(total).__name__,
            "grads": [None if p.grad is None else p.grad.detach() for p in params]}


# ----------------------------------------------------------------------------- training
def _zero_norms(model, X, y, loss_fn):
    """The course's stand-in for layer_grad_norms: one 0.0 per nn.Linear (computes nothing)."""
    return [0.0 for m in model.modules() if isinstance(m, nn.Linear)]


def _norms_list(norms, model) -> bool:
    """A list (or tuple) of one Python number per nn.Linear of ``model``."""
    n_linear = sum(isinstance(m, nn.Linear) for m in model.modules())
    return (isinstance(norms, (list, tuple)) and len(norms) == n_linear
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in norms))


@contextlib.contextmanager
def recorded_grad_norms(sub, calls=None):
    """While active, your train_and_measure / depth_study call your layer_grad_norms through a
    recorder: each call's parameters (before it), number of rows and result go to ``calls``.
    If your layer_grad_norms raises (not written yet, say) or returns something other than one
    Python float per nn.Linear, the recorder returns ``_zero_norms`` instead, so
    train_and_measure is judged on its own."""
    original = getattr(sub, "layer_grad_norms", None)

    def recording(model, X, y, loss_fn):
        params = [p.detach().clone() for p in model.parameters()]
        try:
            norms = original(model, X, y, loss_fn)
        except Exception:  # noqa: BLE001 - layer_grad_norms has its own tests
            norms = None
        if not _norms_list(norms, model):  # the wrong kind of result: also its own tests' job
            norms = _zero_norms(model, X, y, loss_fn)
        if calls is not None:
            calls.append({"params": params, "rows": len(X),
                          "norms": [_number(v) for v in norms] if isinstance(norms, (list, tuple)) else None})
        return norms

    sub.layer_grad_norms = recording
    try:
        yield
    finally:
        sub.layer_grad_norms = original


def train_probe(sub, sizes, activation, residual, weights, data, epochs, lr, batch_size, seed,
                loss_threshold, generator_device="cpu"):
    """train_and_measure on the tests' own MLP (given weights) with a seeded generator (None
    when ``seed`` is None); also what your layer_grad_norms returned when train_and_measure
    called it (recorded_grad_norms) and the call's wall time (wall_s)."""
    X_tr, y_tr, X_te, y_te = _split(data)
    model = build_mlp(sizes, activation, residual, weights, device=X_tr.device, dtype=X_tr.dtype)
    gen = None if seed is None else torch.Generator(device=generator_device).manual_seed(seed)
    calls = []
    with recorded_grad_norms(sub, calls):
        start = time.perf_counter()
        result = sub.train_and_measure(model, (X_tr, y_tr, X_te, y_te), epochs=epochs, lr=lr,
                                       batch_size=batch_size, generator=gen,
                                       loss_threshold=loss_threshold)
        wall_s = time.perf_counter() - start
    return {"result": result, "grad_norm_calls": calls, "wall_s": wall_s,
            "params": [p.detach() for p in model.parameters()],
            "grads_after": [_grad_state(p) for p in model.parameters()],
            "param_devices": sorted({str(p.device) for p in model.parameters()})}


def train_raised(sub, sizes, activation, residual, weights, data, kwargs, split="four"):
    """The exception train_and_measure raises (None if none) on the tests' own MLP, with
    ``data`` passed whole (``split="four"``) or as ``(X_train, y_train)`` only (``"two"``)."""
    X_tr, y_tr, X_te, y_te = _split(data)
    model = build_mlp(sizes, activation, residual, weights, device=X_tr.device, dtype=X_tr.dtype)
    gen = torch.Generator().manual_seed(0)
    return raised(lambda: sub.train_and_measure(
        model, (X_tr, y_tr, X_te, y_te) if split == "four" else (X_tr, y_tr), generator=gen,
        **kwargs))


def depth_study_probe(sub, data, seed, generator_device="cpu", **kwargs):
    """depth_study(data, generator=torch.Generator().manual_seed(seed), **kwargs), your
    layer_grad_norms called through recorded_grad_norms."""
    data = _split(data)
    gen = torch.Generator(device=generator_device).manual_seed(seed)
    with recorded_grad_norms(sub):
        return sub.depth_study(data, generator=gen, **kwargs)


def study_parts_probe(sub, data, seed, depth, residual, width, activation, init, **train_kwargs):
    """On ``data`` in float64: your depth_study's run (depth, residual), and the same run
    composed from your make_mlp, init_weights and train_and_measure as the handout says
    (n_classes = largest label + 1; init with a fresh CPU generator seeded ``seed``; the model
    moved to the data's device and dtype after init ("after") or before it ("before"); a fresh
    generator seeded ``seed`` to shuffle)."""
    data = tuple(t.double() if t.is_floating_point() else t for t in _split(data))
    X_tr, y_tr, X_te, y_te = data
    n_classes = int(torch.cat([y_tr, y_te]).max().item()) + 1

    def composed(move_first):
        model = sub.make_mlp(X_tr.shape[1], width, depth, n_classes, activation=activation,
                             residual=residual)
        if move_first:
            model = model.to(device=X_tr.device, dtype=X_tr.dtype)
        returned = sub.init_weights(model, init, generator=torch.Generator().manual_seed(seed))
        model = (returned if isinstance(returned, nn.Module) else model).to(
            device=X_tr.device, dtype=X_tr.dtype)
        return sub.train_and_measure(model, data, generator=torch.Generator().manual_seed(seed),
                                     **train_kwargs)

    with recorded_grad_norms(sub):
        study = sub.depth_study(data, depths=(depth,), residual=(residual,), width=width,
                                activation=activation, init=init,
                                generator=torch.Generator().manual_seed(seed), **train_kwargs)
        return {"study": study, "after": composed(False), "before": composed(True)}


# ----------------------------------------------------------------------------- plots
def plot_probe(sub, results):
    """plot_depth_study(results) described as plain data."""
    return describe_figure(sub.plot_depth_study(results))


# ----------------------------------------------------------------------------- device check
def _device_case(sub, fn, kw):
    """Inputs for one run of ``fn`` (made here, outside the check) and the call itself.

    Returns ``call``; ``call()`` runs the student's function and returns ``finish``, which
    (outside the check) gives (observed result, tensors that must be on the CPU).
    """
    if fn == "init_weights":
        model = _init_model(kw["sizes"], torch.float64, "cpu")
        gen = torch.Generator().manual_seed(kw["seed"])

        def call():
            sub.init_weights(model, kw["scheme"], generator=gen)
            return lambda: ([p.detach().clone() for p in model.parameters()], list(model.parameters()))
        return call
    if fn == "layer_grad_norms":
        X, y = as_tensor(kw["X"]), as_tensor(kw["y"])
        model = build_mlp(kw["sizes"], kw["activation"], kw["residual"], kw["weights"], dtype=X.dtype)

        def call():
            norms = sub.layer_grad_norms(model, X, y, F.cross_entropy)
            return lambda: (list(norms) if isinstance(norms, (list, tuple)) else norms,
                            [p for p in model.parameters()] + [p.grad for p in model.parameters()
                                                              if p.grad is not None])
        return call
    if fn == "clip_grad_norm_":
        params = []
        for g in kw["grads"]:
            p = torch.zeros(tuple(g.shape), dtype=torch.float64, device="cpu", requires_grad=True)
            p.grad = as_tensor(g).clone()
            params.append(p)

        def call():
            total = sub.clip_grad_norm_(params, kw["max_norm"])
            return lambda: ([_number(total) if not isinstance(total, torch.Tensor) or
                             total.device.type != "meta" else total,
                             [p.grad.clone() for p in params]], [p.grad for p in params])
        return call
    if fn == "train_and_measure":
        X_tr, y_tr, X_te, y_te = _split(kw["data"])
        model = build_mlp(kw["sizes"], kw["activation"], kw["residual"], kw["weights"], dtype=X_tr.dtype)
        gen = torch.Generator().manual_seed(kw["seed"])

        def call():  # layer_grad_norms has its own device test: the stand-in replaces it here
            original, sub.layer_grad_norms = getattr(sub, "layer_grad_norms", None), _zero_norms
            try:
                res = sub.train_and_measure(model, (X_tr, y_tr, X_te, y_te), epochs=kw["epochs"],
                                            lr=kw["lr"], batch_size=kw["batch_size"],
                                            generator=gen, loss_threshold=kw["loss_threshold"])
            finally:
                sub.layer_grad_norms = original

            def finish():
                r = {k: v for k, v in res.items() if k != "train_time_s"} if isinstance(res, dict) else res
                return [r, [p.detach().clone() for p in model.parameters()]], list(model.parameters())
            return finish
        return call
    if fn == "depth_study":
        data = _split(kw["data"])
        gen = torch.Generator().manual_seed(kw["seed"])

        def call():  # layer_grad_norms has its own device test: the stand-in replaces it here
            original, sub.layer_grad_norms = getattr(sub, "layer_grad_norms", None), _zero_norms
            try:
                res = sub.depth_study(data, generator=gen, **kw["kwargs"])
            finally:
                sub.layer_grad_norms = original

            def finish():
                if isinstance(res, list):
                    return [{k: v for k, v in r.items() if k != "train_time_s"}
                            if isinstance(r, dict) else r for r in res], []
                return res, []
            return finish
        return call
    raise ValueError(f"unknown function {fn}")


@contextlib.contextmanager
def _linear_on_cpu():
    """Models built by your code (nn.Linear) are made on the CPU also inside the device check:
    building a model on the default device is what make_mlp should do."""
    original = nn.Linear.__init__

    def init(self, *args, **kwargs):
        with torch.device("cpu"):
            original(self, *args, **kwargs)

    nn.Linear.__init__ = init
    try:
        yield
    finally:
        nn.Linear.__init__ = original


def device_probe(sub, fn, **kw):
    """Run ``fn`` once normally and once under the device check; report device bugs.

    Returns {"ok": True} or {"ok": False, "problem": text, "plain_error": bool}.
    """
    return check_devices(fn, lambda: _device_case(sub, fn, kw), extra_guard=_linear_on_cpu,
                         what="a result or gradient")


# ----------------------------------------------------------------------------- argument checks
def value_error_probe(sub, fn, kwargs):
    """Call ``fn`` with bad arguments; report what it raised."""
    if fn == "init_weights":
        return raised(lambda: sub.init_weights(_init_model([3, 4, 2], torch.float32, "cpu"),
                                                **kwargs))
    return raised(lambda: getattr(sub, fn)(**kwargs))
