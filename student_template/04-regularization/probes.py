"""Worker-side probes of the regularization exercise: they run inside the sandbox, next to your module.

A probe builds what cannot cross the boundary as plain data (generators, modules, the
course's stand-in model), calls your code and returns what it observed as plain data. Probes
hold no expected values: the tests compute those (with torch's own functions) and compare.

Course-side stand-ins keep one mistake to one task:
- ``BatchNorm1d`` is tested with ``BatchNormFunction`` replaced by ``CourseBatchNorm`` (torch's
  ``F.batch_norm``), so a wrong hand-written backward costs points only in BatchNormFunction;
- ``augment`` is tested with ``hflip`` and ``random_crop`` replaced by course versions (``standins.py``;
  also in its device and argument tests);
- ``l2_penalty`` and ``EarlyStopping`` get the course's ``StandIn`` model;
- ``regularization_study`` runs with the course's dropout, l2_penalty, augment, EarlyStopping
  (``study_stand_ins()``, from the unreleased ``standins.py``), except in its integration test, which runs your own.
"""
from __future__ import annotations

import contextlib
import inspect

import torch
import torch.nn.functional as F
from torch import nn

try:  # in the worker the engine puts probe_tools next to this file
    from probe_tools import check_devices, describe_figure, raised, replaced, snapshot
except ImportError:  # in the parent (tests reuse the stand-ins below)
    from autograder.probe_tools import check_devices, describe_figure, raised, replaced, snapshot


# ----------------------------------------------------------------------------- helpers
def as_tensor(value, *, device=None, dtype=None) -> torch.Tensor:
    """A tensor from a numpy array or tensor, on ``device``/``dtype`` when given."""
    t = value if isinstance(value, torch.Tensor) else torch.as_tensor(value)
    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    return t.to(device=device if device is not None else t.device,
                dtype=dtype if dtype is not None else t.dtype)


def _gen(seed, device):
    return torch.Generator(device=device).manual_seed(int(seed))


# ----------------------------------------------------------------------------- dropout
def dropout_probe(sub, x, p, training=True, seed=0, generator_device=None):
    """dropout(x, p, training, generator) three times: seed, seed again, seed + 1."""
    x = as_tensor(x)
    before = snapshot(x)
    dev = generator_device or x.device
    outs = [sub.dropout(x, p, training, _gen(s, dev)) for s in (seed, seed, seed + 1)]
    return {"out": outs[0], "again": outs[1], "other": outs[2],
            "x_unchanged": bool(torch.equal(before, x))}


def dropout_count_probe(sub, n, p, seed, dtype="float32"):
    """The number of entries dropout sets to 0 in a tensor of ``n`` ones (one call)."""
    x = torch.ones(n, dtype=getattr(torch, dtype))
    out = sub.dropout(x, p, True, _gen(seed, "cpu"))
    return {"zeros": int((out == 0).sum().item()), "numel": int(out.numel()),
            "kept_values": sorted({float(v) for v in out[out != 0][:1000].tolist()})[:5]}


# ----------------------------------------------------------------------------- BatchNormFunction
class AutogradUsed(RuntimeError):
    pass


_AUTOGRAD_ENTRY_POINTS = [(torch.autograd, "grad"), (torch.autograd, "backward"),
                          (torch.Tensor, "backward"), (torch.autograd.functional, "vjp"),
                          (torch.autograd.functional, "jacobian"), (torch.func, "vjp"),
                          (torch.func, "grad"), (torch.func, "jacrev")]


def _raiser(name, record):
    def raise_(*args, **kwargs):
        record.append(name)
        raise AutogradUsed(f"backward called {name}: write the gradient by hand")
    return raise_


@contextlib.contextmanager
def autograd_forbidden(sub, record):
    """torch.autograd's entry points raise (and are recorded in ``record``) while active, also
    where your module imported them by name."""
    saved, names = [], {}
    for owner, name in _AUTOGRAD_ENTRY_POINTS:
        fn = getattr(owner, name)
        names[id(fn)] = f"{getattr(owner, '__name__', 'torch.Tensor')}.{name}"
        saved.append((owner, name, fn))
        setattr(owner, name, _raiser(names[id(fn)], record))
    for name, value in list(vars(sub).items()):
        if id(value) in names:
            saved.append((sub, name, value))
            setattr(sub, name, _raiser(names[id(value)], record))
    try:
        yield
    finally:
        for owner, name, fn in reversed(saved):
            setattr(owner, name, fn)


_GRAD = torch.autograd.grad  # the probe's own backward call, taken before any patching


def bn_function_probe(sub, x, gamma, beta, eps, dout=None, directions=(), h=1e-6):
    """BatchNormFunction.apply(x, gamma, beta, eps); with ``dout`` also its backward (autograd's
    entry points raise meanwhile) and, for every direction (vx, vgamma, vbeta), the forward at
    inputs +- h * direction."""
    x, gamma, beta = (as_tensor(a).detach().requires_grad_(dout is not None) for a in (x, gamma, beta))
    inputs = (x, gamma, beta)
    before = [snapshot(a) for a in inputs]
    out = sub.BatchNormFunction.apply(x, gamma, beta, eps)
    info = {"out": out.detach(), "out_type": type(out).__name__}
    if dout is not None:
        used = []
        with autograd_forbidden(sub, used):
            try:
                grads = _GRAD(out, inputs, as_tensor(dout, device=x.device), allow_unused=True)
            except Exception:  # noqa: BLE001 - AutogradUsed, possibly wrapped by the engine
                if not used:
                    raise
                grads = None
        info["autograd_used"] = used[0] if used else None
        info["grads"] = None if grads is None else [None if g is None else g.detach() for g in grads]
        info["needs_grad_fn"] = out.grad_fn is not None
    pairs = []
    with torch.no_grad():
        for v in directions:
            v = [as_tensor(a, device=x.device) for a in v]
            plus = sub.BatchNormFunction.apply(*(a + h * d for a, d in zip(inputs, v)), eps)
            minus = sub.BatchNormFunction.apply(*(a - h * d for a, d in zip(inputs, v)), eps)
            pairs.append([plus.detach(), minus.detach()])
    info["perturbed"] = pairs
    info["inputs_unchanged"] = all(torch.equal(b, a.detach()) for b, a in zip(before, inputs))
    return info


# ----------------------------------------------------------------------------- BatchNorm1d
class CourseBatchNorm:
    """The course's stand-in for your BatchNormFunction while BatchNorm1d is tested: torch's
    batch norm in training mode (no running statistics); it counts its calls."""
    calls = 0

    @staticmethod
    def apply(x, gamma, beta, eps):
        CourseBatchNorm.calls += 1
        return F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)


def _snapshot_bn(bn):
    return {"running_mean": bn.running_mean.detach().clone(),
            "running_var": bn.running_var.detach().clone()}


def bn_module_probe(sub, num_features, eps, momentum, weight, bias, batches, douts, eval_batch,
                    dtype="float64", device="cpu"):
    """Your BatchNorm1d (moved to ``dtype``/``device``, weight and bias set) trained on each
    batch (output, input/weight/bias gradients and running statistics after each step), then in
    eval mode on ``eval_batch``. BatchNormFunction is the course's stand-in meanwhile."""
    dt = getattr(torch, dtype)
    with replaced(sub, BatchNormFunction=CourseBatchNorm):
        bn = sub.BatchNorm1d(num_features, eps=eps, momentum=momentum)
        info = {"is_module": isinstance(bn, nn.Module), "type": type(bn).__name__}
        if not info["is_module"]:
            return info
        info["parameters"] = sorted(name for name, _ in bn.named_parameters())
        info["buffers"] = sorted(name for name, _ in bn.named_buffers())
        info["state_keys"] = sorted(bn.state_dict())
        info["initial"] = {k: v.detach().clone() for k, v in bn.state_dict().items()
                           if k in ("weight", "bias", "running_mean", "running_var")}
        bn = bn.to(device=device, dtype=dt)
        with torch.no_grad():
            bn.weight.copy_(as_tensor(weight))
            bn.bias.copy_(as_tensor(bias))
        bn.train()
        steps = []
        CourseBatchNorm.calls = 0
        for xb, db in zip(batches, douts):
            x = as_tensor(xb, device=device, dtype=dt).requires_grad_(True)
            bn.weight.grad = bn.bias.grad = None
            out = bn(x)
            out.backward(as_tensor(db, device=device, dtype=dt))
            steps.append({"out": out.detach(), "dx": x.grad,
                          "dweight": bn.weight.grad, "dbias": bn.bias.grad, **_snapshot_bn(bn)})
        info["calls_in_training"] = CourseBatchNorm.calls
        info["steps"] = steps
        bn.eval()
        CourseBatchNorm.calls = 0
        with torch.no_grad():
            info["eval_out"] = bn(as_tensor(eval_batch, device=device, dtype=dt)).detach()
        info["eval_running"] = _snapshot_bn(bn)
        info["calls_in_eval"] = CourseBatchNorm.calls
        info["devices"] = sorted({str(t.device) for t in bn.state_dict().values()})
    return info


# ----------------------------------------------------------------------------- l2_penalty
class StandIn(nn.Module):
    """The course's stand-in model: Linear(4, 5), LayerNorm(5), Conv1d(1, 2, 3),
    Linear(5, 3, bias=False) and a buffer; parameters in strategies.STAND_IN_SHAPES order."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 5)
        self.norm = nn.LayerNorm(5)
        self.conv = nn.Conv1d(1, 2, 3)
        self.fc2 = nn.Linear(5, 3, bias=False)
        self.register_buffer("seen", torch.zeros(2))


def stand_in(weights, *, device="cpu", dtype=None) -> StandIn:
    with torch.device("cpu"):
        model = StandIn()
    model = model.to(device=device, dtype=getattr(torch, dtype) if isinstance(dtype, str)
                     else dtype or as_tensor(weights[0]).dtype)
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(as_tensor(w))
    return model


def l2_probe(sub, weights, lam, device="cpu"):
    """l2_penalty(StandIn with ``weights``, lam), then its backward: the gradient of every
    parameter (None where the penalty does not reach it)."""
    model = stand_in(weights, device=device)
    before = [snapshot(p) for p in model.parameters()]
    penalty = sub.l2_penalty(model, lam)
    info = {"type": type(penalty).__name__}
    if not isinstance(penalty, torch.Tensor):
        return info
    info.update(value=penalty.detach(), requires_grad=penalty.requires_grad)
    if penalty.requires_grad and penalty.numel() == 1:
        penalty.reshape(()).backward()
    info["grads"] = [None if p.grad is None else p.grad.detach() for p in model.parameters()]
    info["params_unchanged"] = all(torch.equal(b, p.detach()) for b, p in zip(before, model.parameters()))
    return info


# ----------------------------------------------------------------------------- augmentation
def hflip_probe(sub, images):
    """hflip(images) and hflip(hflip(images))."""
    imgs = as_tensor(images)
    before = snapshot(imgs)
    out = sub.hflip(imgs)
    twice = sub.hflip(out) if isinstance(out, torch.Tensor) else None
    return {"out": out, "twice": twice, "images_unchanged": bool(torch.equal(before, imgs))}


def crop_probe(sub, images, padding, seed, fn="random_crop", generator_device=None, **kwargs):
    """``fn`` (random_crop or augment) three times: seed, seed again, seed + 1. For augment,
    your hflip and random_crop are replaced by the course's (crop_like_course below)."""
    imgs = as_tensor(images)
    before = snapshot(imgs)
    dev = generator_device or imgs.device
    with replaced(sub, **(augment_stand_ins() if fn == "augment" else {})):
        if fn == "augment":
            outs = [sub.augment(imgs, _gen(s, dev), padding=padding, **kwargs) for s in (seed, seed, seed + 1)]
        else:
            outs = [sub.random_crop(imgs, padding, _gen(s, dev)) for s in (seed, seed, seed + 1)]
    return {"out": outs[0], "again": outs[1], "other": outs[2],
            "images_unchanged": bool(torch.equal(before, imgs))}


# ----------------------------------------------------------------------------- early stopping
def early_stopping_probe(sub, patience, min_delta, losses, weights):
    """A training loop with the StandIn model: at epoch t its parameters become ``weights[t]``
    (in place, as an optimizer does) and its buffer t, then ``step(losses[t], model)``; the loop
    stops when step returns True. Afterwards the best state is loaded back into the model."""
    model = stand_in(weights[0])
    stopper = sub.EarlyStopping(patience, min_delta=min_delta)
    decisions, bests = [], []
    for t, (loss, w) in enumerate(zip(losses, weights)):
        with torch.no_grad():
            for p, v in zip(model.parameters(), w):
                p.copy_(as_tensor(v))
            model.seen.fill_(t)
        stop = stopper.step(loss, model)
        decisions.append(stop if isinstance(stop, bool) else repr(stop))
        bests.append([_plain_number(stopper.best_loss), stopper.best_epoch])
        if stop is True:
            break
    state = stopper.best_state
    info = {"decisions": decisions, "bests": bests, "best_state_type": type(state).__name__}
    if isinstance(state, dict):
        info["best_state"] = {k: v.detach().clone() for k, v in state.items() if isinstance(v, torch.Tensor)}
        # training goes on after the best epoch: the saved state must not follow the model
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
        info["best_state_after_training"] = {k: v.detach().clone() for k, v in state.items()
                                             if isinstance(v, torch.Tensor)}
        try:
            model.load_state_dict(state)
            info["restored"] = [p.detach().clone() for p in model.parameters()]
        except Exception as exc:  # noqa: BLE001 - reported to the test
            info["restore_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    return info


def _plain_number(v):
    if isinstance(v, torch.Tensor) and v.numel() == 1:
        return float(v.item())
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    return repr(v)


# ----------------------------------------------------------------------------- study
def _data(data, device=None):
    return tuple(as_tensor(a, device=device) for a in data)


def study_stand_ins() -> dict:
    """Your graded building blocks -> the course's versions (regularization_study tests). The
    course versions live in ``standins.py``, which the grader puts next to this file in the
    sandbox and which is never released: in a student's released copy (``dlcheck``) there is
    none, and your own functions stand for themselves."""
    try:
        import standins
    except ImportError:
        return {}

    return dict(dropout=standins.course_dropout, l2_penalty=standins.course_l2_penalty,
                augment=standins.course_augment, hflip=standins.course_hflip,
                random_crop=standins.course_random_crop, EarlyStopping=standins.CourseEarlyStopping,
                smooth_labels=standins.course_smooth_labels, BatchNormFunction=CourseBatchNorm,
                BatchNorm1d=nn.BatchNorm1d)


def augment_stand_ins() -> dict:
    """What augment calls that is graded (hflip, random_crop) -> the course's versions."""
    return {k: v for k, v in study_stand_ins().items() if k in ("hflip", "random_crop")}


def study_probe(sub, data, configs, epochs, seed, global_seed=0, generator_device="cpu", own_code=False):
    """regularization_study(data, configs, epochs=epochs, generator=Generator().manual_seed(seed))
    after seeding the global RNG with ``global_seed`` (only the generator may matter). Your
    dropout, l2_penalty, augment, EarlyStopping, ... are replaced by the course's unless
    ``own_code`` (the integration test)."""
    torch.manual_seed(global_seed)
    with (contextlib.nullcontext() if own_code else replaced(sub, **study_stand_ins())):
        return sub.regularization_study(_data(data), configs, epochs=epochs,
                                        generator=_gen(seed, generator_device))


def plot_probe(sub, results):
    """plot_regularization_study(results) described as plain data."""
    return describe_figure(sub.plot_regularization_study(results))


# ----------------------------------------------------------------------------- argument checks
def value_error_probe(sub, fn, kwargs):
    """Call ``fn`` with bad arguments (tensors given as arrays); report what it raised."""
    kwargs = {k: as_tensor(v) if hasattr(v, "shape") else v for k, v in kwargs.items()}
    if fn in ("random_crop", "augment"):
        kwargs.setdefault("generator", _gen(0, "cpu"))

    def call():
        if fn == "BatchNormFunction":
            sub.BatchNormFunction.apply(kwargs["x"], kwargs["gamma"], kwargs["beta"], kwargs["eps"])
        elif fn == "BatchNorm1d.forward":
            sub.BatchNorm1d(kwargs.pop("num_features"))(kwargs["x"])
        elif fn == "l2_penalty":
            sub.l2_penalty(stand_in([torch.zeros(s) for s in _stand_in_shapes()]), **kwargs)
        elif fn == "regularization_study":
            sub.regularization_study(_data(kwargs["data"]), kwargs["configs"], epochs=kwargs["epochs"],
                                     generator=_gen(0, "cpu"))
        else:
            with replaced(sub, **(augment_stand_ins() if fn == "augment" else {})):
                getattr(sub, fn)(**kwargs)
    return raised(call)


def _stand_in_shapes():
    with torch.device("cpu"):
        return [tuple(p.shape) for p in StandIn().parameters()]


# ----------------------------------------------------------------------------- device check
@contextlib.contextmanager
def _modules_on_cpu(sub):
    """Modules built inside the device check (torch.nn's and your own classes) are made on the
    CPU: building a module on the default device and moving it is what PyTorch code does."""
    classes = {c for c in vars(nn).values() if inspect.isclass(c) and issubclass(c, nn.Module)}
    classes |= {c for c in vars(sub).values() if inspect.isclass(c) and issubclass(c, nn.Module)}
    saved = []
    for cls in classes:
        if "__init__" in cls.__dict__:
            original = cls.__dict__["__init__"]

            def init(self, *args, _original=original, **kwargs):
                with torch.device("cpu"):
                    _original(self, *args, **kwargs)
            saved.append((cls, original))
            cls.__init__ = init
    try:
        yield
    finally:
        for cls, original in saved:
            cls.__init__ = original


def _device_case(sub, fn, kw):
    """Inputs for one run of ``fn`` (made here, outside the check) and the call itself;
    ``call()`` returns ``finish``, which gives (result, tensors that must be on the CPU)."""
    if fn == "dropout":
        x = as_tensor(kw["x"])

        def call():
            out = sub.dropout(x, kw["p"], True, None)
            return lambda: (out, [out])
        return call
    if fn == "BatchNormFunction":
        x, gamma, beta = (as_tensor(a).detach().requires_grad_(True) for a in kw["inputs"][:3])
        dout = as_tensor(kw["inputs"][3])

        def call():
            out = sub.BatchNormFunction.apply(x, gamma, beta, 1e-5)
            grads = torch.autograd.grad(out, (x, gamma, beta), dout)
            return lambda: ([out.detach(), *grads], [out, *grads])
        return call
    if fn == "BatchNorm1d":
        batches = [as_tensor(b) for b in kw["batches"]]
        with replaced(sub, BatchNormFunction=CourseBatchNorm):
            bn = sub.BatchNorm1d(batches[0].shape[1]).to(batches[0].dtype)

        def call():
            with replaced(sub, BatchNormFunction=CourseBatchNorm):
                outs = [bn(b).detach() for b in batches]
                bn.eval()
                outs.append(bn(batches[0]).detach())
            return lambda: (outs + [bn.running_mean.clone(), bn.running_var.clone()],
                            list(bn.state_dict().values()))
        return call
    if fn == "l2_penalty":
        model = stand_in(kw["weights"])

        def call():
            value = sub.l2_penalty(model, kw["lam"])
            return lambda: (value.detach() if isinstance(value, torch.Tensor) else value,
                            [value] if isinstance(value, torch.Tensor) else [])
        return call
    if fn in ("random_crop", "augment"):
        imgs = as_tensor(kw["images"])

        def call():
            out = (sub.random_crop(imgs, kw["padding"], None) if fn == "random_crop"
                   else sub.augment(imgs, None, padding=kw["padding"], noise_std=kw.get("noise_std", 0.0)))
            return lambda: (out, [out])
        return call
    if fn == "smooth_labels":
        y = as_tensor(kw["y"])

        def call():
            out = sub.smooth_labels(y, kw["num_classes"], kw["eps"])
            return lambda: (out, [out])
        return call
    if fn == "regularization_study":
        data = _data(kw["data"])

        def call():
            with replaced(sub, **study_stand_ins()):
                res = sub.regularization_study(data, kw["configs"], epochs=kw["epochs"],
                                               generator=_gen(kw.get("seed", 0), "cpu"))
            return lambda: (res, [])
        return call
    raise ValueError(f"unknown function {fn}")


def device_probe(sub, fn, **kw):
    """Run ``fn`` once normally and once under the device check; report device bugs.

    Returns {"ok": True} or {"ok": False, "problem": text, "plain_error": bool}.
    """
    with replaced(sub, **(augment_stand_ins() if fn == "augment" else {})):
        return check_devices(fn, lambda: _device_case(sub, fn, kw),
                             extra_guard=lambda: _modules_on_cpu(sub), what="a result or buffer")
