"""Lazy and stubbed variants of a reference solution, one pair per graded function.

The lazy variant of F returns constants of the right shape and dtype (it runs the reference on
deep copies of the arguments to learn the shapes, then returns zeros; it changes nothing it was
given: an optimizer ``step`` that does nothing, a ``clip_grad_norm_`` that clips nothing). The
stubbed variant of F raises ``NotImplementedError`` like the released stub. Graded on F's task,
``points(lazy) - points(stub)`` are the points the constants earn: the audit's free points.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from .mutants import solution_lines

PATCHER = '''

# ---- appended by `dlcourse audit`: {kind} variant of {qualname}
def _audit_constant(value):
    import numpy as _np
    try:
        import torch as _torch
    except ImportError:
        _torch = None
    if isinstance(value, _np.ndarray):
        return _np.zeros_like(value)
    if isinstance(value, _np.generic):
        return value.dtype.type(0)
    if _torch is not None and isinstance(value, _torch.Tensor):
        out = _torch.zeros_like(value.detach())
        return out.requires_grad_(value.requires_grad) if out.is_floating_point() else out
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return type(value)(0)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_audit_constant(v) for v in value)
    if isinstance(value, list):
        return [_audit_constant(v) for v in value]
    if isinstance(value, dict):
        return {{k: _audit_constant(v) for k, v in value.items()}}
    if _torch is not None and isinstance(value, _torch.nn.Module):
        with _torch.no_grad():
            for tensor in [*value.parameters(), *value.buffers()]:
                if tensor.is_floating_point():
                    tensor.zero_()
        # the right layers are not a lazy model's merit: its forward returns zeros too, whatever
        # weights a test loads into it
        forward = type(value).forward
        value.forward = lambda *a, **k: _audit_constant(forward(value, *a, **k))
        return value
    if type(value).__name__ == "Figure":
        from matplotlib.figure import Figure
        return Figure()
    return value


def _audit_lazy(fn):
    import copy, functools

    @functools.wraps(fn)
    def lazy(*args, **kwargs):
        memo = {{}}
        try:
            args, kwargs = copy.deepcopy((args, kwargs), memo)
        except Exception:
            pass
        else:  # deepcopy drops a Parameter's .grad: give the copies theirs
            originals = {{id(v): v for v in memo.get(id(memo), [])}}
            for key, new in list(memo.items()):
                old = originals.get(key)
                if getattr(old, "grad", None) is not None and hasattr(new, "grad"):
                    new.grad = old.grad.clone()
        return _audit_constant(fn(*args, **kwargs))
    return lazy


def _audit_stub(fn):
    import functools

    @functools.wraps(fn)
    def stub(*args, **kwargs):
        raise NotImplementedError({qualname!r})
    return stub


def _audit_patch(owner, name, wrap):
    import inspect
    static = isinstance(inspect.getattr_static(owner, name), staticmethod)
    new = wrap(getattr(owner, name))
    setattr(owner, name, staticmethod(new) if static else new)


_audit_patch({owner}, {name!r}, _audit_{kind})
'''


@dataclass(frozen=True)
class Variant:
    ident: str  # lazy:affine_forward / stub:affine_forward
    kind: str  # lazy | stub
    function: str
    source: str


def graded_functions(source: str) -> list[str]:
    """Qualified names of the public functions and methods (not ``__init__``) that hold a
    solution region: what students write and tests grade."""
    tree = ast.parse(source)
    lines = solution_lines(source)

    def has_region(node):
        return any(n in lines for n in range(node.lineno, node.end_lineno + 1))

    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and has_region(node):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            names += [f"{node.name}.{item.name}" for item in node.body
                      if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
                      and has_region(item)]
    return names


def variant(source: str, qualname: str, kind: str) -> Variant:
    owner, _, name = qualname.rpartition(".")
    code = PATCHER.format(kind=kind, qualname=qualname, name=name,
                          owner=owner or "__import__('sys').modules[__name__]")
    return Variant(f"{kind}:{qualname}", kind, qualname, source.rstrip("\n") + "\n" + code)


def variants(source: str) -> list[Variant]:
    return [variant(source, f, kind) for f in graded_functions(source) for kind in ("lazy", "stub")]
