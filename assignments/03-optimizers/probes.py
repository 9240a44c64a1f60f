"""Worker-side probes of the optimizers exercise: they run inside the sandbox, next to your module.

A probe builds what cannot cross the boundary as plain data (parameters with gradients,
optimizers, model factories), calls your code and returns what it observed as plain data.
Probes hold no expected values: the tests compute those with torch.optim and compare.

While your optimizers run here, torch.optim's own update code (torch.optim.sgd.sgd,
torch.optim.adam.adam, ..., and the step methods of torch.optim's classes) raises: the
updates must be written with tensor operations.
"""
from __future__ import annotations

import contextlib
import copy
import importlib

import torch
from torch import nn

try:  # in the worker the engine puts probe_tools next to this file
    from probe_tools import check_devices, describe_figure, raised
except ImportError:  # in the parent (tests reuse the model builders below)
    from autograder.probe_tools import check_devices, describe_figure, raised

# ----------------------------------------------------------------------------- helpers
def as_tensor(value, *, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a numpy array or tensor, on ``device``/``dtype`` when given."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    return t.to(device=device if device is not None else t.device,
                dtype=dtype if dtype is not None else t.dtype)


def _plain_state(state_dict):
    """state_dict()["state"] as {index: {key: tensor or number}} (empty entries dropped)."""
    out = {}
    for k, v in state_dict.get("state", {}).items():
        if isinstance(v, dict) and v:
            out[k] = {str(key): (val.detach().clone() if isinstance(val, torch.Tensor) else val)
                      for key, val in v.items()}
    return out


# ----------------------------------------------------------------------------- no torch.optim
_UPDATE_FUNCTIONS = {
    "torch.optim.sgd": ("sgd", "_single_tensor_sgd", "_multi_tensor_sgd", "_fused_sgd"),
    "torch.optim.adam": ("adam", "_single_tensor_adam", "_multi_tensor_adam", "_fused_adam"),
    "torch.optim.adamw": ("adamw", "adam"),
    "torch.optim.adagrad": ("adagrad", "_single_tensor_adagrad", "_multi_tensor_adagrad",
                            "_fused_adagrad"),
    "torch.optim.rmsprop": ("rmsprop", "_single_tensor_rmsprop", "_multi_tensor_rmsprop"),
    "torch.optim._functional": ("sgd", "adam", "adamw", "adagrad", "rmsprop"),
}
_CLASSES = ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop")


class TorchOptimUsed(RuntimeError):
    pass


def _raiser(name):
    def raise_(*args, **kwargs):
        raise TorchOptimUsed(f"your optimizer called torch.optim's own update code ({name}); "
                             "write the update with tensor operations (see the handout)")
    return raise_


@contextlib.contextmanager
def no_torch_optim(sub=None):
    """torch.optim's update functions and class step methods raise while this is active
    (also where your module imported them by name)."""
    saved, originals = [], {}
    for modname, names in _UPDATE_FUNCTIONS.items():
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        for name in names:
            if hasattr(mod, name):
                fn = getattr(mod, name)
                originals[id(fn)] = f"{modname}.{name}"
                saved.append((mod, name, fn))
                setattr(mod, name, _raiser(f"{modname}.{name}"))
    for cname in _CLASSES:
        cls = getattr(torch.optim, cname)
        if "step" in cls.__dict__:
            originals[id(cls.__dict__["step"])] = f"torch.optim.{cname}.step"
            saved.append((cls, "step", cls.__dict__["step"]))
            setattr(cls, "step", _raiser(f"torch.optim.{cname}.step"))
    if sub is not None:
        for name, value in list(vars(sub).items()):
            if id(value) in originals:
                saved.append((sub, name, value))
                setattr(sub, name, _raiser(originals[id(value)]))
    try:
        yield
    finally:
        for obj, name, value in reversed(saved):
            setattr(obj, name, value)


# ----------------------------------------------------------------------------- optimizers
def _make_params(init, dtype, device):
    dt = getattr(torch, dtype) if isinstance(dtype, str) else dtype
    return [as_tensor(a, device=device, dtype=dt).clone().requires_grad_(True) for a in init]


def _param_groups(params, groups):
    return [{"params": [params[i] for i in g["params"]], **g.get("overrides", {})} for g in groups]


def set_grads(params, noise_t, coef, missing=(), in_place=False):
    """p.grad = noise_t[i] + coef * p (None for the indices in ``missing``); with ``in_place``
    written into the existing p.grad, as a training loop with zero_grad(set_to_none=False) does."""
    for i, p in enumerate(params):
        if i in missing:
            p.grad = None
            continue
        grad = as_tensor(noise_t[i], device=p.device, dtype=p.dtype) + coef * p.detach()
        if in_place and p.grad is not None:
            p.grad.copy_(grad)
        else:
            p.grad = grad


def run_optimizer(sub, opt_name, kwargs, groups, init, noise, coef, dtype="float64", device="cpu",
                  missing=None, patch=True, in_place_grads=False):
    """Your ``opt_name`` optimizer on the parameter groups, one step per entry of ``noise``
    (gradients written into the existing p.grad with ``in_place_grads``).

    Returns the parameters after every step and the final state_dict()["state"].
    """
    params = _make_params(init, dtype, device)
    with (no_torch_optim(sub) if patch else contextlib.nullcontext()):
        opt = getattr(sub, opt_name)(_param_groups(params, groups), **kwargs)
        trajectory = []
        for t, noise_t in enumerate(noise):
            set_grads(params, noise_t, coef, missing[t] if missing else (), in_place_grads)
            opt.step()
            trajectory.append([p.detach().clone() for p in params])
    return {"trajectory": trajectory, "state": _plain_state(opt.state_dict()),
            "param_dtypes": [str(p.dtype) for p in params]}


def state_dict_round_trip(sub, opt_name, kwargs, groups, init, noise, coef, split):
    """Run ``split`` steps, save state_dict(), build a NEW optimizer on copies of the
    parameters, load_state_dict() into it and continue both for the remaining steps."""
    params = _make_params(init, "float64", "cpu")
    with no_torch_optim(sub):
        cls = getattr(sub, opt_name)
        first = cls(_param_groups(params, groups), **kwargs)
        for noise_t in noise[:split]:
            set_grads(params, noise_t, coef)
            first.step()
        saved = copy.deepcopy(first.state_dict())
        copies = [p.detach().clone().requires_grad_(True) for p in params]
        second = cls(_param_groups(copies, groups), **kwargs)
        second.load_state_dict(saved)
        a_traj, b_traj = [], []
        for noise_t in noise[split:]:
            set_grads(params, noise_t, coef)
            first.step()
            set_grads(copies, noise_t, coef)
            second.step()
            a_traj.append([p.detach().clone() for p in params])
            b_traj.append([p.detach().clone() for p in copies])
    return {"continued": a_traj, "reloaded": b_traj}


def value_error_probe(sub, cases):
    """Each case (class name, kwargs): construct it; report what was raised."""
    def call(name, kwargs):
        if name in ("SGD", "AdaGrad", "RMSProp", "Adam"):
            return lambda: getattr(sub, name)([torch.zeros(2, requires_grad=True)], **kwargs)
        return lambda: getattr(sub, name)(**kwargs)
    return [raised(call(name, kwargs), 300) for name, kwargs in cases]


# ----------------------------------------------------------------------------- schedules
def schedule_values(sub, schedule, calls):
    """[schedule(**kwargs) for kwargs in calls]; non-numbers come back as their type name."""
    fn = getattr(sub, schedule)
    out = []
    for kw in calls:
        v = fn(**kw)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            try:
                import numpy as np
                if isinstance(v, np.floating):
                    v = float(v)
            except ImportError:
                pass
        out.append(v if isinstance(v, (int, float)) and not isinstance(v, bool) else type(v).__name__)
    return out


# ----------------------------------------------------------------------------- experiments
_KINDS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
_STUDENT_KINDS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSProp", "adagrad": "AdaGrad"}


def experiment_probe(sub, fn, X, y, specs, steps, seed, global_seed=0, hidden=8, lrs=None,
                     use_student=False, data_form="pair"):
    """compare_optimizers / lr_sensitivity with a recording model factory and optimizer factories.

    ``seed`` None passes ``generator=None``; ``data_form`` (a key of DATA_FORMS) says how
    (X, y) is passed as ``data``.

    ``specs``: [(name, kind, kwargs)]; kind in sgd/adam/rmsprop/adagrad builds torch.optim's
    class (or, with ``use_student``, yours). The model factory builds a small MLP with
    PyTorch's default random init from the global RNG (seeded with ``global_seed`` first).
    Each optimizer factory records the parameters it was given: their values, whether they
    are the very tensors an earlier factory call got, and their device.
    """
    X, y = as_tensor(X), as_tensor(y)
    d, k = X.shape[1], int(y.max().item()) + 1
    calls = {"model_factory": 0}

    def model_factory():
        calls["model_factory"] += 1
        with torch.device("cpu"):
            return nn.Sequential(nn.Linear(d, hidden), nn.Tanh(), nn.Linear(hidden, k))

    records, seen = [], []

    def factory_for(name, kind, kw):
        cls = getattr(sub, _STUDENT_KINDS[kind]) if use_student else getattr(torch.optim, _KINDS[kind])

        def make(params, lr=None):
            params = list(params)
            shared = sorted({r_name for r_name, ps in seen if any(p is q for p in params for q in ps)})
            seen.append((name, params))
            records.append({"name": name, "lr": lr, "shared_with": shared,
                            "init": [p.detach().clone() for p in params],
                            "devices": sorted({str(p.device) for p in params})})
            return cls(params, **(dict(kw, lr=lr) if lr is not None else kw))
        return make

    factories = {name: factory_for(name, kind, kw) for name, kind, kw in specs}
    torch.manual_seed(global_seed)
    gen = None if seed is None else torch.Generator().manual_seed(seed)
    data = DATA_FORMS[data_form](X, y)
    if fn == "compare_optimizers":
        result = sub.compare_optimizers(model_factory, data, factories, steps=steps, generator=gen)
    else:
        result = sub.lr_sensitivity(model_factory, data, factories, list(lrs), steps=steps,
                                    generator=gen)
    return {"result": result, "records": records, "factory_calls": calls["model_factory"]}


#: how experiment_probe passes (X, y) as ``data``: the valid pair and malformed variants
DATA_FORMS = {"pair": lambda X, y: (X, y), "X alone in a tuple": lambda X, y: (X,),
              "y one label short": lambda X, y: (X, y[:-1]),
              "y of shape (N, 1)": lambda X, y: (X, y[:, None])}


def experiment_raised(sub, fn, **kw):
    """What experiment_probe(sub, fn, **kw) raised: {"raised": type name or None, "message"}."""
    return raised(lambda: experiment_probe(sub, fn, **kw), 300)


def plot_probe(sub, results):
    return describe_figure(sub.plot_optimizer_comparison(results))


# ----------------------------------------------------------------------------- device check
def _optimizer_case(sub, name, kwargs, init, noise, coef):
    """Parameters (made outside the check) and a call that builds your optimizer and takes one
    step per entry of ``noise`` (gradients as in run_optimizer)."""
    params = _make_params(init, "float64", "cpu")
    grads = [[as_tensor(g, dtype=torch.float64) for g in step] for step in noise]

    def call():
        opt = getattr(sub, name)(params, **kwargs)
        for step_grads in grads:
            for p, g in zip(params, step_grads):
                p.grad = g + coef * p.detach()
            opt.step()

        def finish():
            state = _plain_state(opt.state_dict())
            tensors = [v for s in state.values() for v in s.values()
                       if isinstance(v, torch.Tensor) and v.dim() > 0]
            return [[p.detach().clone() for p in params], state], list(params) + tensors
        return finish
    return call


def _experiment_case(sub, fn, kw):
    X, y = as_tensor(kw["X"]), as_tensor(kw["y"])

    def call():
        out = experiment_probe(sub, fn, X, y, kw["specs"], kw["steps"], 0, lrs=kw.get("lrs"))

        def finish():
            return out["result"], []
        return finish
    return call


def device_probe(sub, fn, **kw):
    """Run ``fn`` once normally and once under the device check; report device bugs.

    Returns {"ok": True} or {"ok": False, "problem": text, "plain_error": bool}.
    """
    experiment = fn in ("compare_optimizers", "lr_sensitivity")

    def case():
        if experiment:
            return _experiment_case(sub, fn, kw)
        return _optimizer_case(sub, fn, kw["kwargs"], kw["init"], kw["noise"], kw["coef"])

    return check_devices(fn, case, what="a parameter or state tensor",
                         plain_guard=contextlib.nullcontext if experiment
                         else (lambda: no_torch_optim(sub)))
