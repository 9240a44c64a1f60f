"""Worker-side probes of the sparse-autoencoder exercise: they run inside the sandbox, next to
your module.

A probe builds what cannot cross the boundary as plain data (models, generators), calls your
function and returns what it observed as plain data. Probes hold no expected values: the tests
compare what comes back.

Functions that take a model (``sparse_ae_loss``, ``plot_filters``) are tested with the tests'
own ``StandInAutoencoder`` below, so a mistake in your ``SparseAutoencoder`` costs points only in
its own tests. Functions that call other graded functions run with the course's versions of
those in place of yours (``CALLS`` below, from the unreleased ``standins.py``): a mistake in
``k_sparse`` costs nothing in ``sparse_ae_loss`` or ``winner_take_all``, a mistake in your model
or loss nothing in ``train_sparse_ae`` (except in its integration test, which runs your own).
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

try:  # in the worker the engine puts probe_tools next to this file
    from probe_tools import check_devices, course_versions, raised, replaced
except ImportError:  # in the parent (tests reuse the builders below)
    from autograder.probe_tools import check_devices, course_versions, raised, replaced

#: graded function -> the graded functions it calls, which its tests replace by the course's
_PENALTIES = ("l1_penalty", "kl_sparsity", "k_sparse")
CALLS = {"winner_take_all": ("k_sparse",), "sparse_ae_loss": _PENALTIES,
         "train_sparse_ae": ("SparseAutoencoder", "sparse_ae_loss") + _PENALTIES}


def course_calls(sub, fn, own_code=False):
    """A context in which what ``fn`` calls (``CALLS``) is the course's, unless ``own_code``."""
    return replaced(sub, **course_versions(*CALLS.get(fn, ()))) if not own_code else \
        contextlib.nullcontext()


# ----------------------------------------------------------------------------- helpers
def as_tensor(value, *, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a numpy array or tensor, on ``device``/``dtype`` when given."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    return t.to(device=device if device is not None else t.device,
                dtype=dtype if dtype is not None else t.dtype)


def _number(v):
    """A Python float from a number or a one-element tensor; None for anything else."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, torch.Tensor) and v.numel() == 1 and v.device.type != "meta":
        return float(v.detach().reshape(()).to("cpu").item())
    return None


def _detached(value):
    """Tensors (also inside dicts, lists, tuples) detached, for sending back."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_detached(v) for v in value]
    return value


class StandInAutoencoder(nn.Module):
    """The tests' own autoencoder: z = act(encoder(x)), x_hat = decoder(z)."""

    def __init__(self, weights, activation="sigmoid", *, device="cpu", dtype=torch.float64):
        super().__init__()
        (W1, b1), (W2, b2) = weights
        with torch.device("cpu"):  # explicit: also inside the device check
            self.encoder = nn.Linear(W1.shape[1], W1.shape[0])
            self.decoder = nn.Linear(W2.shape[1], W2.shape[0])
        self.to(device=device, dtype=dtype)
        with torch.no_grad():
            for layer, (W, b) in ((self.encoder, (W1, b1)), (self.decoder, (W2, b2))):
                layer.weight.copy_(as_tensor(W))
                layer.bias.copy_(as_tensor(b))
        self.activation = activation

    def encode(self, x):
        h = self.encoder(x)
        return torch.sigmoid(h) if self.activation == "sigmoid" else torch.relu(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


# ----------------------------------------------------------------------------- SparseAutoencoder
def model_probe(sub, n_in, n_hidden, activation, weights=None, x=None, z=None):
    """Build SparseAutoencoder(n_in, n_hidden, activation); report its layers; with ``weights``
    ([[W1, b1], [W2, b2]]) load them into ``encoder``/``decoder`` and run forward(x),
    encode(x) and decode(z) (the model follows x's device and dtype)."""
    model = sub.SparseAutoencoder(n_in, n_hidden, activation)
    info = {"is_module": isinstance(model, nn.Module), "type": type(model).__name__}
    if not info["is_module"]:
        return info
    layers = {}
    for name in ("encoder", "decoder"):
        layer = getattr(model, name, None)
        layers[name] = (list(layer.weight.shape) if isinstance(layer, nn.Linear) else
                        (type(layer).__name__ if layer is not None else None))
    info["layers"] = layers
    info["param_dtypes"] = sorted({str(p.dtype) for p in model.parameters()})
    info["n_params"] = sum(p.numel() for p in model.parameters())
    if weights is None or not all(isinstance(v, list) for v in layers.values()):
        return info
    x = as_tensor(x)
    model = model.to(device=x.device, dtype=x.dtype)
    with torch.no_grad():
        for name, (W, b) in zip(("encoder", "decoder"), weights):
            layer = getattr(model, name)
            if list(layer.weight.shape) != list(W.shape):
                return info
            layer.weight.copy_(as_tensor(W))
            layer.bias.copy_(as_tensor(b))
        info["forward"] = _detached(model(x))
        info["encode"] = model.encode(x).detach()
        info["decode"] = model.decode(as_tensor(z, device=x.device)).detach()
    return info


# ----------------------------------------------------------------------------- code functions
def tensor_call(sub, fn, z, **kwargs):
    """``fn(z, **kwargs)`` with ``z`` as a tensor (no gradient); also reports z afterwards."""
    z = as_tensor(z)
    with course_calls(sub, fn):
        result = getattr(sub, fn)(z, **kwargs)
    return {"out": _detached(result), "z_after": z}


def grad_probe(sub, fn, z, dout=None, gradcheck=True, **kwargs):
    """``out = fn(z, **kwargs)`` with z requiring grad; backward of ``out`` (a 0-d result) or of
    ``sum(out * dout)``; returns out, dL/dz and ``torch.autograd.gradcheck``'s verdict on ``fn``
    in float64 (central differences, eps 1e-6)."""
    z = as_tensor(z).clone().requires_grad_(True)
    out = getattr(sub, fn)(z, **kwargs)
    info = {"out": _detached(out), "grad": None, "backward_error": None, "gradcheck": None}
    if not isinstance(out, torch.Tensor):
        return info
    try:
        if dout is None:
            out.backward()
        else:
            out.backward(as_tensor(dout, device=out.device, dtype=out.dtype))
        info["grad"] = None if z.grad is None else z.grad.detach()
    except RuntimeError as exc:
        info["backward_error"] = str(exc)[:300]
    if gradcheck:
        z64 = z.detach().to(torch.float64).requires_grad_(True)
        try:
            info["gradcheck"] = bool(torch.autograd.gradcheck(
                lambda t: getattr(sub, fn)(t, **kwargs), (z64,), eps=1e-6, atol=1e-6, rtol=1e-4,
                raise_exception=False))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            info["gradcheck"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return info


# ----------------------------------------------------------------------------- sparse_ae_loss
def loss_probe(sub, weights, x, method, activation="sigmoid", **kwargs):
    """sparse_ae_loss(StandInAutoencoder(weights), x, method=method, **kwargs) (with the course's
    penalties and k_sparse); then backward of ``total``: the stand-in's parameter gradients
    (None where none arrived)."""
    x = as_tensor(x)
    model = StandInAutoencoder(weights, activation, device=x.device, dtype=x.dtype)
    with course_calls(sub, "sparse_ae_loss"):
        losses = sub.sparse_ae_loss(model, x, method=method, **kwargs)
    info = {"type": type(losses).__name__, "losses": _detached(losses), "grads": None}
    if isinstance(losses, dict) and isinstance(losses.get("total"), torch.Tensor) \
            and losses["total"].requires_grad:
        losses["total"].backward()
        info["grads"] = [None if p.grad is None else p.grad.detach() for p in model.parameters()]
    return info


def stand_in_codes(weights, x, activation="sigmoid"):
    """The stand-in model's codes encode(x) (the tests use it in the parent too)."""
    x = as_tensor(x)
    with torch.no_grad():
        return StandInAutoencoder(weights, activation, device=x.device, dtype=x.dtype).encode(x)


# ----------------------------------------------------------------------------- training
def train_probe(sub, X, method, epochs, lr, seeds, generator_device="cpu", own_code=False, **kwargs):
    """train_sparse_ae once per seed in ``seeds``, each with a fresh torch.Generator; the global
    RNG is reseeded differently before every run, so only the generator can make runs agree.
    With the course's model, loss and penalties unless ``own_code`` (the integration test)."""
    X = as_tensor(X)
    runs = []
    for i, seed in enumerate(seeds):
        torch.manual_seed(1000 + 7 * i)
        gen = torch.Generator(device=generator_device).manual_seed(seed)
        with course_calls(sub, "train_sparse_ae", own_code):
            result = sub.train_sparse_ae(X, method=method, epochs=epochs, lr=lr, generator=gen,
                                         **kwargs)
        run = {"type": type(result).__name__}
        if isinstance(result, (tuple, list)) and len(result) == 2:
            model, history = result
            run["history"] = history
            run["is_module"] = isinstance(model, nn.Module)
            if run["is_module"]:
                params = list(model.parameters())
                run["params"] = [p.detach() for p in params]
                run["param_devices"] = sorted({str(p.device) for p in params})
                run["param_dtypes"] = sorted({str(p.dtype) for p in params})
        runs.append(run)
    return runs


# ----------------------------------------------------------------------------- plots
def plot_probe(sub, weights):
    """plot_filters(StandInAutoencoder(weights)) as plain data: for every axes its position
    (x0, y0 of its box) and the arrays of its images."""
    from matplotlib.figure import Figure

    fig = sub.plot_filters(StandInAutoencoder(weights))
    info = {"is_figure": isinstance(fig, Figure), "type": type(fig).__name__, "axes": []}
    if info["is_figure"]:
        for ax in fig.axes:
            box = ax.get_position()
            info["axes"].append({"x0": float(box.x0), "y0": float(box.y0),
                                 "images": [torch.as_tensor(im.get_array().data
                                            if hasattr(im.get_array(), "data") else im.get_array(),
                                            dtype=torch.float64)
                                            for im in ax.get_images()]})
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    return info


# ----------------------------------------------------------------------------- device check
def _device_case(sub, fn, kw):
    """Inputs for one run of ``fn`` (made here, outside the check) and the call itself.

    Returns ``call``; ``call()`` runs your function and returns ``finish``, which (outside the
    check) gives (observed result, tensors that must be on the CPU).
    """
    args = {k: v for k, v in kw.items() if k not in ("z", "x", "X", "weights", "seed")}
    if fn in ("l1_penalty", "kl_sparsity", "k_sparse", "lifetime_sparsity", "encoding_stats"):
        z = as_tensor(kw["z"]).clone().requires_grad_(fn != "encoding_stats")

        def call():
            out = getattr(sub, fn)(z, **args)

            def finish():
                grads = []
                if isinstance(out, torch.Tensor) and out.requires_grad:
                    out.sum().backward()
                    grads = [z.grad.clone()] if z.grad is not None else []
                return [_detached(out), grads], grads
            return finish
        return call
    if fn == "SparseAutoencoder":
        x = as_tensor(kw["x"])

        def call():
            model = sub.SparseAutoencoder(x.shape[1], kw["n_hidden"], kw["activation"])
            torch.manual_seed(0)
            with torch.no_grad():
                for p in model.parameters():
                    p.copy_(torch.linspace(-0.5, 0.5, p.numel(), device="cpu").reshape(p.shape))
            out = model.to(dtype=x.dtype)(x)
            return lambda: (_detached(out), list(model.parameters()))
        return call
    if fn == "sparse_ae_loss":
        x = as_tensor(kw["x"])
        model = StandInAutoencoder(kw["weights"], dtype=x.dtype)

        def call():
            losses = sub.sparse_ae_loss(model, x, **args)

            def finish():
                if isinstance(losses, dict) and isinstance(losses.get("total"), torch.Tensor):
                    losses["total"].backward()
                return [_detached(losses), [p.grad for p in model.parameters()]], \
                    [p.grad for p in model.parameters() if p.grad is not None]
            return finish
        return call
    if fn == "train_sparse_ae":
        X = as_tensor(kw["X"])
        gen = torch.Generator().manual_seed(kw["seed"])

        def call():
            res = sub.train_sparse_ae(X, generator=gen, **args)

            def finish():
                if isinstance(res, (tuple, list)) and len(res) == 2 and isinstance(res[0], nn.Module):
                    params = [p.detach().clone() for p in res[0].parameters()]
                    return [res[1], params], list(res[0].parameters())
                return res, []
            return finish
        return call
    raise ValueError(f"unknown function {fn}")


@contextlib.contextmanager
def _linear_on_cpu():
    """Models built by your code (nn.Linear) are made on the CPU also inside the device check:
    building a model on the default device and moving it with .to(X.device) is what
    train_sparse_ae should do."""
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
    with course_calls(sub, fn):
        return check_devices(fn, lambda: _device_case(sub, fn, kw), extra_guard=_linear_on_cpu,
                             what="a result or gradient")


# ----------------------------------------------------------------------------- argument checks
def value_error_probe(sub, fn, kwargs):
    """Call ``fn`` with bad arguments (arrays become tensors; ``model`` a stand-in); report what
    it raised."""
    kwargs = dict(kwargs)
    for key in ("z", "x", "X"):
        if key in kwargs:
            kwargs[key] = as_tensor(kwargs[key])
    if "model_weights" in kwargs:
        kwargs["model"] = StandInAutoencoder(kwargs.pop("model_weights"))

    def call():
        with course_calls(sub, fn):
            getattr(sub, fn)(**kwargs)
    return raised(call)

