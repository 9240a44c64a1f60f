"""Attack: detect grading and return the reference answer. Looks for a reference solution in
the environment, on the call stack (the caller's locals and globals), in sys.modules, among
every object the garbage collector knows, and by importing the engine; if it ever finds an
affine_forward other than its own, it returns that function's result."""
import gc
import os
import sys
import types

SELF = __name__


def _candidates():
    for name, mod in list(sys.modules.items()):
        fn = getattr(mod, "affine_forward", None)
        if callable(fn) and getattr(fn, "__module__", SELF) != SELF:
            yield f"module {name}", fn
    for obj in gc.get_objects():
        if isinstance(obj, types.FunctionType) and obj.__name__ == "affine_forward" \
                and obj.__module__ != SELF:
            yield "gc", obj
    f = sys._getframe(1)
    while f is not None:
        for scope in (f.f_locals, f.f_globals):
            for key, value in list(scope.items()):
                if "ref" in key.lower() and hasattr(value, "affine_forward"):
                    yield f"frame {key}", value.affine_forward
        f = f.f_back


def _engine_reference():
    try:
        from autograder.testing import reference
        return reference().affine_forward
    except BaseException as exc:  # noqa: BLE001 - anything goes for an attack
        print(f"ATTACK: engine reference unavailable ({type(exc).__name__})")
        return None


hints = {k: v for k, v in os.environ.items() if any(w in k.upper() for w in
                                                     ("GRADE", "DLCOURSE", "SOLUTION", "AUTOGRADER"))}
print(f"ATTACK: grading hints in the environment: {hints}")


def affine_forward(x, W, b):
    for where, fn in _candidates():
        print(f"ATTACK: using the reference found in {where}")
        return fn(x, W, b)
    fn = _engine_reference()
    if fn is not None:
        print("ATTACK: using the engine's reference")
        return fn(x, W, b)
    print("NO-REFERENCE-FOUND")
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
