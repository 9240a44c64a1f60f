"""Attack: patch everything a checker could use so that comparisons "pass", then return
made-up values. numpy.testing, np.allclose/isclose/array_equal, math.isclose,
builtins (AssertionError, isinstance, abs), json, and the worker's own wire module (its
serialisation) are all replaced. None of it reaches the grader: comparisons run in the grader's
process, on plain data."""
import builtins
import json
import math
import sys

import numpy as np
import numpy.testing


def _yes(*args, **kwargs):
    return True


def _nothing(*args, **kwargs):
    return None


np.allclose = np.isclose = np.array_equal = np.array_equiv = _yes
for _name in ("assert_allclose", "assert_array_equal", "assert_almost_equal", "assert_equal",
              "assert_array_almost_equal"):
    setattr(numpy.testing, _name, _nothing)
math.isclose = _yes
builtins.AssertionError = type("AssertionError", (Exception,), {})
_real_isinstance = builtins.isinstance
builtins.abs = lambda x: 0
# the worker's serialisation: every value leaves as the string "PASSED", and any JSON the
# worker writes says so too
_wire = sys.modules.get("wire")
if _wire is not None:
    _real_to_plain = _wire.to_plain
    _wire.to_plain = lambda value, **kw: _real_to_plain("PASSED", **kw)
_real_dumps = json.dumps
json.dumps = lambda obj, *a, **kw: _real_dumps(
    {**obj, "ok": True, "value": "PASSED"} if _real_isinstance(obj, dict) and "nonce" in obj
    else obj, *a, **kw)
print("ATTACK: checkers patched")


def affine_forward(x, W, b):
    return np.full((np.shape(x)[0], np.shape(W)[1]), 7.0), (x, W, b)


def affine_backward(dout, cache):
    x, W, b = cache
    return np.full(np.shape(x), 7.0), np.full(np.shape(W), 7.0), np.full(np.shape(b), 7.0)
