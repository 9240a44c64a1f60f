"""Worker-side probes of the VAE exercise: they run inside the sandbox, next to your module.

A probe builds what cannot cross the boundary as plain data (models, generators), calls your
function and returns what it observed as plain data. Probes hold no expected values: the tests
compare what comes back. Functions that take a model (``sample``, ``plot_latent_space``,
``plot_samples``) are tested with the tests' own linear model ``StandInVAE``, so a mistake in your
``VAE`` costs points only in the VAE task. Where a function calls other graded functions, the
probe may put the course's versions in place of yours while it runs (``stand_ins=True``, from
the unreleased ``standins.py``): your ``VAE`` with the course's ``reparameterize``,
``plot_samples`` with the course's ``sample``, ``train_vae``'s
device and argument tests with the course's ``VAE``, ``vae_loss``, ``reparameterize`` and
``kl_divergence`` (its integration tests run your own).

Tensors arrive on the device the test asked for; models built here follow the inputs' device
and dtype.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

try:  # in the worker the engine puts probe_tools next to this file
    from probe_tools import check_devices, course_versions, raised, replaced, snapshot
except ImportError:  # in the parent (tests reuse the stand-in model below)
    from autograder.probe_tools import check_devices, course_versions, raised, replaced, snapshot


# ----------------------------------------------------------------------------- helpers
def as_tensor(value, *, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a numpy array or tensor, on ``device``/``dtype`` when given."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    return t.to(device=device if device is not None else t.device,
                dtype=dtype if dtype is not None else t.dtype)


def generator(seed, device="cpu"):
    return torch.Generator(device=device).manual_seed(int(seed))


#: what train_vae calls that is graded (its device and argument tests run the course's)
TRAIN_STAND_INS = ("VAE", "vae_loss", "reparameterize", "kl_divergence")


def _stand_ins(sub, use, names=TRAIN_STAND_INS):
    """A context with the course's ``names`` in place of yours when ``use``, else nothing."""
    return replaced(sub, **course_versions(*names)) if use else contextlib.nullcontext()


class StandInVAE(nn.Module):
    """The tests' own linear VAE (independent of your VAE), weights from
    strategies.stand_in_weights: encode(x) = (x A^T + a, 0.1 (x B^T + b)), decode(z) = z C^T + c."""

    def __init__(self, weights: dict, *, device="cpu", dtype=torch.float64):
        super().__init__()
        for name, value in weights.items():
            self.register_parameter(name, nn.Parameter(as_tensor(value, device=device, dtype=dtype)))
        self.n_in, self.n_latent = self.C.shape
        self.n_hidden = 0

    def encode(self, x):
        return x @ self.A.T + self.a, 0.1 * (x @ self.B.T + self.b)

    def decode(self, z):
        return z @ self.C.T + self.c

    def forward(self, x, eps=None, generator=None):
        mu, log_var = self.encode(x)
        eps = torch.zeros_like(mu) if eps is None else eps
        return self.decode(mu + torch.exp(0.5 * log_var) * eps), mu, log_var


def _grads(output, inputs, upstream):
    """Gradients of sum(upstream * output) with respect to ``inputs`` (None where none flows)."""
    if not isinstance(output, torch.Tensor) or not output.requires_grad:
        return [None] * len(inputs)
    grads = torch.autograd.grad((output * upstream).sum(), inputs, allow_unused=True)
    return [None if g is None else g.detach() for g in grads]


def _gradcheck(fn, inputs) -> str:
    """'' when torch.autograd.gradcheck passes in float64, else what it said."""
    inputs = tuple(t.detach().to(torch.float64).requires_grad_() for t in inputs)
    try:
        torch.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return f"{type(exc).__name__}: {str(exc)[:300]}"
    return ""


def _leaves(*arrays, requires_grad=True):
    return [as_tensor(a).detach().clone().requires_grad_(requires_grad) for a in arrays]


def _unchanged(before, after) -> bool:
    return all(torch.equal(b, a.detach()) for b, a in zip(before, after))


# ----------------------------------------------------------------------------- functions
def reparameterize_probe(sub, mu, log_var, eps, upstream, gradcheck=False):
    """reparameterize(mu, log_var, eps), the gradients of sum(upstream * z) with respect to mu
    and log_var, whether the inputs were left unchanged, and (float64) gradcheck's verdict."""
    mu, log_var = _leaves(mu, log_var)
    eps = as_tensor(eps)
    given = eps.clone()
    before = [snapshot(t) for t in (mu, log_var, given)]
    z = sub.reparameterize(mu, log_var, given)
    out = {"z": z.detach().clone() if isinstance(z, torch.Tensor) else z,
           "unchanged": _unchanged(before, (mu, log_var, given))}
    out["grad_mu"], out["grad_log_var"] = _grads(z, (mu, log_var), as_tensor(upstream))
    if gradcheck:
        eps64 = eps.to(torch.float64)
        out["gradcheck"] = _gradcheck(lambda m, l: sub.reparameterize(m, l, eps64.clone()),
                                      (mu, log_var))
    return out


def kl_probe(sub, mu, log_var, upstream, gradcheck=False):
    """kl_divergence(mu, log_var), gradients of sum(upstream * kl), inputs unchanged, gradcheck."""
    mu, log_var = _leaves(mu, log_var)
    before = [snapshot(t) for t in (mu, log_var)]
    kl = sub.kl_divergence(mu, log_var)
    out = {"kl": kl.detach() if isinstance(kl, torch.Tensor) else kl,
           "unchanged": _unchanged(before, (mu, log_var))}
    out["grad_mu"], out["grad_log_var"] = _grads(kl, (mu, log_var), as_tensor(upstream))
    if gradcheck:
        out["gradcheck"] = _gradcheck(sub.kl_divergence, (mu, log_var))
    return out


def loss_probe(sub, x, x_recon, mu, log_var, beta=1.0, recon="mse", gradcheck=False):
    """vae_loss(...) as plain numbers/tensors, gradients of total with respect to x_recon, mu and
    log_var, inputs unchanged, and gradcheck of total as a function of (x_recon, mu, log_var)."""
    x = as_tensor(x)
    x_recon, mu, log_var = _leaves(x_recon, mu, log_var)
    before = [snapshot(t) for t in (x, x_recon, mu, log_var)]
    res = sub.vae_loss(x, x_recon, mu, log_var, beta=beta, recon=recon)
    if not isinstance(res, dict):
        return {"type": type(res).__name__}
    out = {"type": "dict", "keys": sorted(res),
           "values": {k: v.detach() if isinstance(v, torch.Tensor) else v for k, v in res.items()},
           "unchanged": _unchanged(before, (x, x_recon, mu, log_var))}
    try:  # vae_loss may reuse your kl_divergence: its mistakes are not vae_loss's
        own_kl = sub.kl_divergence(mu.detach(), log_var.detach())
        out["own_kl"] = own_kl.detach() if isinstance(own_kl, torch.Tensor) else None
    except Exception:  # noqa: BLE001 - then only the formula counts
        out["own_kl"] = None
    total = res.get("total")
    out["grads"] = _grads(total, (x_recon, mu, log_var), torch.ones((), dtype=x.dtype, device=x.device)) \
        if isinstance(total, torch.Tensor) and total.dim() == 0 else [None, None, None]
    if gradcheck:
        out["gradcheck"] = _gradcheck(
            lambda r, m, l: sub.vae_loss(x.to(torch.float64), r, m, l, beta=beta, recon=recon)["total"],
            (x_recon, mu, log_var))
    return out


# ----------------------------------------------------------------------------- the VAE
def _vae(sub, config, seed, like):
    """sub.VAE(**config) with every parameter set to 0.5 * N(0, 1) draws from ``seed`` (in
    parameter order), on ``like``'s device and dtype."""
    model = sub.VAE(config["n_in"], config["n_hidden"], config["n_latent"])
    g = generator(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.data = (0.5 * torch.randn(tuple(p.shape), generator=g, dtype=torch.float64)).to(
                device=like.device, dtype=like.dtype)
    return model


def vae_probe(sub, config, x, seed=0, eps=None, noise_seed=None, generator_device="cpu"):
    """``_vae_report`` with the course's reparameterize in place of yours (forward may call it)."""
    with _stand_ins(sub, True, ("reparameterize",)):
        return _vae_report(sub, config, x, seed, eps, noise_seed, generator_device)


def _vae_report(sub, config, x, seed, eps, noise_seed, generator_device):
    """Build your VAE (weights from ``seed``), then report what it does on ``x``.

    Always: attributes, encode/decode outputs, parameter dtypes on a fresh VAE. With ``eps``:
    forward(x, eps) twice and decode(mu + exp(0.5 log_var) eps) from your own encode/decode.
    With ``noise_seed``: forward(x, generator=...) twice from that seed (the global RNG reseeded
    differently before each), once from noise_seed + 1, and forward with the noise
    torch.randn(mu.shape, generator=<same seed>, dtype=mu.dtype) drawn on the generator's device.
    """
    x = as_tensor(x)
    fresh = sub.VAE(config["n_in"], config["n_hidden"], config["n_latent"])
    info = {"is_module": isinstance(fresh, nn.Module),
            "sizes": [getattr(fresh, k, None) for k in ("n_in", "n_hidden", "n_latent")],
            "param_dtypes": sorted({str(p.dtype) for p in fresh.parameters()}),
            "n_params": sum(p.numel() for p in fresh.parameters())}
    model = _vae(sub, config, seed, x)
    with torch.no_grad():
        mu, log_var = model.encode(x)
        info["mu"], info["log_var"] = mu.detach(), log_var.detach()
        info["decoded_mu"] = model.decode(mu).detach()
        if eps is not None:
            eps = as_tensor(eps)
            first = model(x, eps=eps.clone())
            second = model(x, eps=eps.clone())
            info["forward"] = [t.detach() for t in first]
            info["same_twice"] = all(torch.equal(a, b) for a, b in zip(first, second))
            info["own"] = model.decode(mu + torch.exp(0.5 * log_var) * eps).detach()
            try:  # forward may reuse your reparameterize: its mistakes are not forward's
                info["own_via_reparameterize"] = model.decode(
                    sub.reparameterize(mu, log_var, eps.clone())).detach()
            except Exception:  # noqa: BLE001 - then only the formula counts
                info["own_via_reparameterize"] = None
        if noise_seed is not None:
            runs = []
            for k, s in enumerate((noise_seed, noise_seed, noise_seed + 1)):
                torch.manual_seed(100 + k)
                runs.append(model(x, generator=generator(s, generator_device))[0].detach())
            info["noise_runs"] = runs
            z = torch.randn(tuple(mu.shape), generator=generator(noise_seed, generator_device),
                            device=generator_device, dtype=mu.dtype).to(mu.device)
            info["stream"] = model(x, eps=z)[0].detach()
    return info


def vae_grad_probe(sub, config, x, eps, seed=0):
    """Does a loss on forward(x, eps) (with the course's reparameterize) reach every parameter of
    your VAE? -> names without grad."""
    x, eps = as_tensor(x), as_tensor(eps)
    model = _vae(sub, config, seed, x)
    with _stand_ins(sub, True, ("reparameterize",)):
        x_recon, mu, log_var = model(x, eps=eps)
    ((x_recon ** 2).sum() + (mu ** 2).sum() + log_var.exp().sum()).backward()
    return {"no_grad": [n for n, p in model.named_parameters()
                        if p.grad is None or not torch.any(p.grad != 0).item()]}


# ----------------------------------------------------------------------------- sample
def sample_probe(sub, weights, n, seed, device="cpu", dtype="float64", generator_device="cpu"):
    """sample(StandInVAE(weights), n, generator) from ``seed`` twice (the global RNG reseeded
    differently before each) and once from seed + 1."""
    model = StandInVAE(weights, device=device, dtype=getattr(torch, dtype))
    runs = []
    for k, s in enumerate((seed, seed, seed + 1)):
        torch.manual_seed(200 + k)
        out = sub.sample(model, n, generator(s, generator_device))
        runs.append(out.detach() if isinstance(out, torch.Tensor) else out)
    return {"runs": runs}


# ----------------------------------------------------------------------------- training
def train_probe(sub, X, n_latent, beta, epochs, lr, seed, generator_device="cpu", repeat=True,
                stand_ins=False):
    """train_vae from ``seed``; with ``repeat`` again from seed (global RNG reseeded differently)
    and from seed + 1. Reports the histories, whether the weights agree, and the trained model's
    encode(X) and decode(mu) (the tests compute the loss from them). ``stand_ins``: with the
    course's VAE, vae_loss, reparameterize and kl_divergence in place of yours."""
    with _stand_ins(sub, stand_ins):
        return _train_runs(sub, as_tensor(X), n_latent, beta, epochs, lr, seed, generator_device,
                           repeat)


def _train_runs(sub, X, n_latent, beta, epochs, lr, seed, generator_device, repeat):
    info = {}
    if not repeat:  # an untrained model (epochs=0) to compare the trained one with
        untrained = sub.train_vae(X, n_latent=n_latent, beta=beta, epochs=0, lr=lr,
                                  generator=generator(seed, generator_device))
        if isinstance(untrained, tuple) and len(untrained) == 2 and isinstance(untrained[0], nn.Module):
            with torch.no_grad():
                mu, log_var = untrained[0].encode(X)
                info["untrained"] = {"mu": mu.detach(), "log_var": log_var.detach(),
                                     "x_recon": untrained[0].decode(mu).detach()}
    runs = []
    for k, s in enumerate((seed, seed, seed + 1) if repeat else (seed,)):
        torch.manual_seed(300 + k)
        runs.append(sub.train_vae(X, n_latent=n_latent, beta=beta, epochs=epochs, lr=lr,
                                  generator=generator(s, generator_device)))
    if not (isinstance(runs[0], tuple) and len(runs[0]) == 2):
        return {"shape_ok": False, "type": type(runs[0]).__name__}
    model, history = runs[0]
    info.update(shape_ok=True, history=history, is_module=isinstance(model, nn.Module))
    params = [[p.detach() for p in m.parameters()] for m, _ in runs]
    info["param_devices"] = sorted({str(p.device) for p in params[0]})
    if repeat:
        info["histories"] = [h for _, h in runs]
        info["same_weights"] = len(params[0]) == len(params[1]) and all(
            torch.equal(a, b) for a, b in zip(params[0], params[1]))
        info["other_seed_same_weights"] = len(params[0]) == len(params[2]) and all(
            torch.equal(a, b) for a, b in zip(params[0], params[2]))
    if info["is_module"]:
        with torch.no_grad():
            mu, log_var = model.encode(X)
            info["mu"], info["log_var"] = mu.detach(), log_var.detach()
            info["x_recon"] = model.decode(mu).detach()
    return info


# ----------------------------------------------------------------------------- plots
def describe_plot(fig) -> dict:
    """Axes of a figure as plain data: line y-data, scatter offsets and colour arrays, images."""
    from matplotlib.figure import Figure
    import numpy as np

    info = {"is_figure": isinstance(fig, Figure), "type": type(fig).__name__, "axes": []}
    if not info["is_figure"]:
        return info
    for ax in fig.axes:
        scatters = []
        for c in ax.collections:
            offsets = np.asarray(c.get_offsets(), dtype=np.float64)
            array = c.get_array()
            scatters.append({"offsets": offsets.reshape(-1, 2) if offsets.size else
                             np.zeros((0, 2)),
                             "array": None if array is None else np.asarray(array, dtype=np.float64)})
        info["axes"].append({
            "scatters": scatters,
            "images": [np.asarray(im.get_array(), dtype=np.float64) for im in ax.get_images()],
            "xlabel": ax.get_xlabel(), "ylabel": ax.get_ylabel()})
    return info


def plot_latent_probe(sub, weights, X, labels):
    """plot_latent_space(StandInVAE(weights), X, labels) described as plain data."""
    X = as_tensor(X)
    model = StandInVAE(weights, device=X.device, dtype=X.dtype)
    return describe_plot(sub.plot_latent_space(model, X, as_tensor(labels)))


def plot_samples_probe(sub, weights, n, seed):
    """plot_samples(StandInVAE(weights), n, generator from seed) described as plain data, with
    the course's sample in place of yours."""
    model = StandInVAE(weights)
    with _stand_ins(sub, True, ("sample",)):
        return describe_plot(sub.plot_samples(model, n, generator(seed)))


# ----------------------------------------------------------------------------- device check
def _device_case(sub, fn, kw):
    """Inputs for one run of ``fn`` (made here, outside the check) and the call itself; see
    probe_tools.check_devices."""
    if fn in ("reparameterize", "kl_divergence", "vae_loss"):
        first_grad = 1 if fn == "vae_loss" else 0  # x and eps need no gradient
        args = [as_tensor(a).clone().requires_grad_(i >= first_grad and (fn != "reparameterize" or i < 2))
                for i, a in enumerate(kw["args"])]

        def call():
            out = getattr(sub, fn)(*args, **kw.get("kwargs", {}))
            value = out["total"] if isinstance(out, dict) else out
            value.sum().backward()
            return lambda: ([out, [a.grad for a in args]], [a.grad for a in args if a.grad is not None])
        return call
    if fn == "VAE.forward":
        x = as_tensor(kw["x"])
        model = _vae(sub, kw["config"], 0, x)
        gen = generator(kw["seed"])

        def call():
            out = model(x, generator=gen)
            return lambda: (list(out), list(model.parameters()))
        return call
    if fn == "sample":
        model = StandInVAE(kw["weights"])
        gen = generator(kw["seed"])

        def call():
            out = sub.sample(model, kw["n"], gen)
            return lambda: (out, [])
        return call
    if fn == "train_vae":
        X = as_tensor(kw["X"])
        gen = generator(kw["seed"])

        def call():
            model, history = sub.train_vae(X, generator=gen, **kw["kwargs"])
            return lambda: ([history, [p.detach().clone() for p in model.parameters()]],
                            list(model.parameters()))
        return call
    raise ValueError(f"unknown function {fn}")


@contextlib.contextmanager
def _modules_on_cpu():
    """Models built by your code (nn.Linear) are made on the CPU also inside the device check:
    building a model on the default device and moving it to the data is what train_vae should do."""
    original = nn.Linear.__init__

    def init(self, *args, **kwargs):
        with torch.device("cpu"):
            original(self, *args, **kwargs)

    nn.Linear.__init__ = init
    try:
        yield
    finally:
        nn.Linear.__init__ = original


def device_probe(sub, fn, stand_ins=False, **kw):
    """Run ``fn`` once normally and once under the device check; report device bugs.
    ``stand_ins`` (train_vae): with the course's VAE and loss functions in place of yours;
    VAE.forward always runs with the course's reparameterize."""
    with _stand_ins(sub, stand_ins or fn == "VAE.forward",
                    ("reparameterize",) if fn == "VAE.forward" else TRAIN_STAND_INS):
        return check_devices(fn, lambda: _device_case(sub, fn, kw), extra_guard=_modules_on_cpu,
                             what="a result or gradient")


# ----------------------------------------------------------------------------- argument checks
def value_error_probe(sub, fn, args=(), kwargs=None, stand_ins=False):
    """Call ``fn`` (a module-level name, or "sample" with a stand-in model) with bad arguments
    (``stand_ins``: with the course's VAE and loss functions in place of yours); report what it
    raised."""
    kwargs = dict(kwargs or {})

    def call():
        with _stand_ins(sub, stand_ins):
            if fn == "sample":
                sub.sample(StandInVAE(kwargs.pop("weights")), **kwargs)
            else:
                getattr(sub, fn)(*[as_tensor(a) for a in args], **kwargs)
    return raised(call)
