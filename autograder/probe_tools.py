"""Helpers for exercise ``probes.py`` files; copied into the sandbox next to the worker.

Runs inside the worker (untrusted side): it may use the standard library, numpy and torch only,
and holds nothing secret. Torch exercises import it; NumPy-only exercises need not.
"""
from __future__ import annotations

import contextlib
import copy
import math

import torch
from torch.overrides import TorchFunctionMode

if __package__:  # the parent: autograder.probe_tools
    from .probe_basics import course_versions, raised, replaced  # noqa: F401 (probes import them here)
else:  # the worker: probe_basics.py lies next to this file
    from probe_basics import course_versions, raised, replaced  # noqa: F401


def snapshot(value):
    """A deep copy of arrays/tensors (and containers of them) to detect input mutation later."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    return copy.deepcopy(value)


@contextlib.contextmanager
def device_guard():
    """Make device bugs visible on a CPU-only machine while a graded call runs.

    - tensors created without ``device=`` land on the ``meta`` device (so mixing them with the
      CPU inputs fails, or the result comes back on ``meta``);
    - ``Tensor.numpy()`` and ``Tensor.cpu()`` raise.
    Inputs stay on the CPU; compare the result's device with the inputs' afterwards.
    """
    def forbidden(name):
        def method(self, *args, **kwargs):
            raise RuntimeError(f"device bug: Tensor.{name}() called inside a graded function "
                               "(keep tensors on their device; use .item() for numbers)")
        return method

    saved = {name: getattr(torch.Tensor, name) for name in ("numpy", "cpu")}
    try:
        for name in saved:
            setattr(torch.Tensor, name, forbidden(name))
        with torch.device("meta"):
            yield
    finally:
        for name, fn in saved.items():
            setattr(torch.Tensor, name, fn)


# ----------------------------------------------------------------------------- device rules
_SCALAR_FACTORIES = {torch.tensor, torch.as_tensor, torch.scalar_tensor}
_SHAPE_FACTORIES = {torch.zeros, torch.ones, torch.empty, torch.full}


def _names_cuda(dev) -> bool:
    if isinstance(dev, torch.device):
        return dev.type == "cuda"
    if isinstance(dev, int) and not isinstance(dev, bool):
        return True  # an ordinal means a CUDA device
    return isinstance(dev, str) and dev.startswith("cuda")


def _scalar_shape(args, kwargs) -> bool:
    size = kwargs.get("size", args[0] if args else None)
    return isinstance(size, (tuple, list, torch.Size)) and len(size) == 0


class _DeviceRules(TorchFunctionMode):
    """Inside probe_tools.device_guard() (defaults on `meta`, no .numpy()/.cpu()):

    - a hard-coded CUDA device (device="cuda", .cuda(), .to("cuda")) raises: the inputs are on
      the CPU, so code that follows them never names CUDA;
    - 0-d scalars created from Python numbers (torch.tensor(0.0), torch.zeros(())) stay on the
      CPU: a 0-d CPU tensor mixes with tensors of any device, as torch.optim's `step` does;
    - a factory given a generator follows the generator's device, as torch does.
    """

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        dev = kwargs.get("device")
        if _names_cuda(dev) or func is torch.Tensor.cuda or (
                func is torch.Tensor.to and any(_names_cuda(a) for a in args[1:]
                                                if isinstance(a, (str, torch.device)))):
            raise RuntimeError("device bug: hard-coded CUDA device ('cuda' / .cuda()) while the "
                               "inputs are on the CPU")
        if dev is None:
            gen = kwargs.get("generator")
            if isinstance(gen, torch.Generator) and not any(
                    isinstance(a, torch.Tensor) for a in list(args) + list(kwargs.values())):
                kwargs["device"] = gen.device
            elif func in _SCALAR_FACTORIES and args and isinstance(args[0], (int, float, bool)):
                kwargs["device"] = "cpu"
            elif func in _SHAPE_FACTORIES and _scalar_shape(args, kwargs):
                kwargs["device"] = "cpu"
        return func(*args, **kwargs)


@contextlib.contextmanager
def device_rules():
    """``device_guard()`` plus ``_DeviceRules`` (see there): the full CPU-only device check."""
    with device_guard(), _DeviceRules():
        yield


def describe_device_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if "Tensor.numpy()" in text:
        return ("calls .numpy() (that only works for CPU tensors and leaves the graph); "
                "keep tensors on their device and use .item() / .tolist() for numbers")
    if "Tensor.cpu()" in text:
        return ("calls .cpu() (a hard-coded device); keep tensors on the inputs' device and use "
                ".item() / .tolist() for numbers")
    if "hard-coded CUDA" in text or "cuda" in text.lower():
        return ("hard-codes the 'cuda' device; use the device of the inputs "
                "(x.device, p.device) instead")
    if "meta" in text:
        return ("creates a tensor without device= (it would be on the CPU while the inputs are "
                "on the GPU); pass device=x.device or use torch.zeros_like / x.new_zeros")
    return ("creates a tensor without device= (it would be on the CPU while the inputs are on "
            "the GPU): pass device=x.device or use torch.zeros_like / x.new_zeros; with such "
            f"tensors on another device it failed with {text[:200]}")


def tensors_in(value, out=None):
    out = [] if out is None else out
    if isinstance(value, torch.Tensor):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            tensors_in(v, out)
    elif isinstance(value, (list, tuple)):
        for v in value:
            tensors_in(v, out)
    return out


def same_result(a, b) -> bool:
    """Equal plain results (tensors compared by value; NaN equals NaN)."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return False
        if a.device != b.device or a.shape != b.shape:
            return False
        return bool(torch.equal(a.nan_to_num(0.0, 0.0, 0.0), b.nan_to_num(0.0, 0.0, 0.0)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_result(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_result(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _device_problem(fn: str, exc: BaseException) -> dict:
    return {"ok": False, "plain_error": False, "problem": f"{fn} {describe_device_error(exc)}"}


def check_devices(fn: str, make_call, *, plain_guard=contextlib.nullcontext,
                  extra_guard=contextlib.nullcontext, what: str = "a result") -> dict:
    """The CPU-only device check of one graded function, run twice on fresh inputs.

    ``make_call()`` builds the inputs (outside any check) and returns ``call``; ``call()`` runs
    the student's function and returns ``finish``; ``finish()`` returns ``(result,
    tensors_that_must_be_on_cpu)``. The first run is plain (under ``plain_guard()``), the second
    under ``device_rules()`` (and ``extra_guard()``); both from ``torch.manual_seed(0)``.
    Returns ``{"ok": True}`` or ``{"ok": False, "problem": text, "plain_error": bool}``.
    """
    try:
        call = make_call()
        torch.manual_seed(0)  # code that (wrongly) uses the global RNG gives the same twice
        with plain_guard():
            plain, _ = call()()
    except Exception as exc:  # noqa: BLE001 - not a device problem: report it as such
        if "cuda" in str(exc).lower():  # e.g. "Torch not compiled with CUDA enabled"
            return _device_problem(fn, exc)
        return {"ok": False, "plain_error": True,
                "problem": f"{fn} raised {type(exc).__name__}: {str(exc)[:300]}"}
    call = make_call()
    torch.manual_seed(0)
    try:
        with extra_guard(), device_rules():
            finish = call()
        guarded, must_be_cpu = finish()
    except Exception as exc:  # noqa: BLE001 - e.g. .item() of a meta tensor
        return _device_problem(fn, exc)
    for t in tensors_in(guarded) + list(must_be_cpu):
        if t.device.type != "cpu":
            return {"ok": False, "plain_error": False,
                    "problem": f"{fn} {describe_device_error(RuntimeError('meta'))} "
                               f"({what} ended up on {t.device.type!r})"}
    if not same_result(plain, guarded):
        return {"ok": False, "plain_error": False,
                "problem": f"{fn} gives different results when tensors created without device= "
                           "do not land on the CPU: " + describe_device_error(RuntimeError("meta"))}
    return {"ok": True}


# ----------------------------------------------------------------------------- figures
def describe_figure(fig):
    """What a test needs to know about a figure, as plain data."""
    from matplotlib.figure import Figure

    info = {"is_figure": isinstance(fig, Figure), "type": type(fig).__name__, "axes": []}
    if info["is_figure"]:
        for ax in fig.axes:
            lines = []
            for line in ax.get_lines():
                try:
                    lines.append([float(v) for v in line.get_ydata()])
                except (TypeError, ValueError):
                    lines.append([])
            info["axes"].append({"yscale": ax.get_yscale(), "xscale": ax.get_xscale(),
                                 "lines": lines})
    try:
        import sys
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
    except Exception:  # noqa: BLE001 - closing is best effort
        pass
    return info
