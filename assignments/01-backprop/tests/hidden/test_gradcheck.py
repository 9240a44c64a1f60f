"""Hidden tests of the gradient-checking tools: numerical_gradient and relative_error."""
import numpy as np
from hypothesis import given, settings, strategies as st

from autograder.testing import (as_array, expect_close, expect_shape, expect_unchanged, fail,
                                reference, task)
import strategies as S

ref = reference()

contiguous_shapes = st.sampled_from([(), (1,), (7,), (3, 4), (2, 3, 2)])
VIEW_ADVICE = ("for a non-contiguous x (a transposed view, or every other entry of a bigger "
               "array) x.reshape(-1), x.ravel() and x.flatten() return COPIES, so perturbing them "
               "does not change x; loop over np.ndindex(x.shape) (or np.nditer with multi_index) "
               "and write x[idx] directly")


def _numgrad(submission, kind, x, coef, layout="contiguous", **kw):
    r = submission.probe("numgrad", kind=kind, x=x, coef=coef, layout=layout,
                         _where="numerical_gradient", **kw)
    grad = expect_shape(r["grad"], x.shape, f"numerical_gradient for x of shape {x.shape}")
    return r, grad


def _analytic(kind, x, coef):
    if kind == "sin":
        return coef * np.cos(x)
    if kind in ("cube", "closure"):
        return 3 * coef * x ** 2
    v = x.reshape(-1)
    return ((coef + coef.T) @ v).reshape(x.shape)


def _coef(kind, seed, x):
    if kind == "quad":
        return S.normal(seed + 1, (x.size, x.size))
    return S.normal(seed + 1, x.shape)


@task("numgrad")
@given(seed=S.seeds, shape=contiguous_shapes, kind=st.sampled_from(["sin", "quad"]))
def test_numgrad_any_shape(submission, seed, shape, kind):
    """numerical_gradient is right for x of any shape (0-d, 1-d, 2-d, 3-d)"""
    x = S.normal(seed, shape, scale=2.0)
    coef = _coef(kind, seed, x)
    r, grad = _numgrad(submission, kind, x, coef)
    f = "sum(c * sin(x))" if kind == "sin" else "a quadratic form of x"
    expect_close(grad, _analytic(kind, x, coef), f"numerical_gradient of {f}, x of shape {shape}",
                 rtol=1e-6, atol=1e-8, dtype=False)


@task("numgrad")
@given(seed=S.seeds, layout=st.sampled_from(["transposed", "strided"]),
       shape=st.sampled_from([(3, 4), (2, 3, 2), (5,)]), kind=st.sampled_from(["sin", "quad"]))
def test_numgrad_noncontiguous(submission, seed, layout, shape, kind):
    """numerical_gradient works on non-contiguous views (transposed, strided)"""
    if layout == "transposed" and len(shape) < 2:
        shape = (4, 3)
    x = S.normal(seed, shape, scale=2.0)
    coef = _coef(kind, seed, x)
    r, grad = _numgrad(submission, kind, x, coef, layout)
    what = ("a transposed view" if layout == "transposed"
            else "every other entry of a bigger array")
    if not np.any(as_array(grad, "grad")):
        fail(f"numerical_gradient returned all zeros for x = {what}: {VIEW_ADVICE}")
    expect_close(grad, _analytic(kind, x, coef), f"numerical_gradient for x = {what}",
                 rtol=1e-6, atol=1e-8, dtype=False, hint=VIEW_ADVICE)
    if not r["buffer_unchanged"]:
        fail(f"numerical_gradient changed the array that x is {what} of (perturb x[idx] "
             "itself and put back each saved value)")


@task("numgrad")
@given(seed=S.seeds, shape=contiguous_shapes,
       layout=st.sampled_from(["contiguous", "contiguous", "strided"]))
def test_numgrad_closure(submission, seed, shape, layout):
    """numerical_gradient works for an f that reads x through a closure"""
    if layout == "strided" and shape == ():
        shape = (4,)
    x = S.normal(seed, shape)
    coef = S.normal(seed + 1, shape)
    r, grad = _numgrad(submission, "closure", x, coef, layout)
    advice = ("f ignores its argument and reads x itself (like a loss that reads a model's "
              "parameter array): perturb x in place (x[idx] = saved + h), not a copy of it, and "
              "call f(x)")
    if not np.any(as_array(grad, "grad")):
        fail(f"numerical_gradient returned all zeros: {advice}")
    expect_close(grad, _analytic("closure", x, coef), "numerical_gradient of f(_) = "
                 "sum(c * x**3) reading x through a closure", rtol=1e-6, atol=1e-8, dtype=False,
                 hint=advice)


@task("numgrad")
@given(seed=S.seeds, shape=contiguous_shapes,
       layout=st.sampled_from(["contiguous", "strided", "transposed"]))
def test_numgrad_restores_x_bitwise(submission, seed, shape, layout):
    """numerical_gradient leaves x bitwise unchanged"""
    if layout != "contiguous" and len(shape) < 2:
        shape = (3, 4)
    x = S.normal(seed, shape, scale=3.0)
    coef = _coef("quad", seed, x)
    r, grad = _numgrad(submission, "quad", x, coef, layout)
    expect_close(grad, _analytic("quad", x, coef), "numerical_gradient of a quadratic form "
                 "(needed before this property counts)", rtol=1e-6, atol=1e-8, dtype=False)
    if not r["x_unchanged"]:
        fail("x is not bitwise unchanged after numerical_gradient: save each entry before "
             "perturbing it and put the saved value back afterwards (x[idx] = saved; "
             "x[idx] += h then x[idx] -= h does not always give back the same float)")
    if not r["buffer_unchanged"]:
        fail("numerical_gradient changed entries of the array around x")


@task("numgrad")
def test_numgrad_rejects_bad_input(submission):
    """numerical_gradient raises ValueError naming x for an integer or read-only x, f for a non-scalar f, h for h <= 0"""
    x = S.normal(0, (2, 3))
    coef = _coef("cube", 0, x)
    _, grad = _numgrad(submission, "cube", x, coef)
    expect_close(grad, _analytic("cube", x, coef), "numerical_gradient of sum(c * x**3) "
                 "(needed before this property counts)", rtol=1e-6, atol=1e-8, dtype=False)
    cases = [("an integer x (np.arange(6).reshape(2, 3): x + h is not representable)",
              np.arange(6).reshape(2, 3), 1e-5, {}, ("x",)),
             ("a read-only x (x.flags.writeable = False)", x, 1e-5, {"read_only": True}, ("x",)),
             ("f(z) = 2 * z, which is not a scalar", x, 1e-5, {"vector_f": True}, ("f",)),
             ("h=0", x, 0.0, {}, ("h",)), ("h=-1e-05", x, -1e-5, {}, ("h",))]
    for what, xx, h, kw, names in cases:
        S.expect_value_error(submission.probe("numgrad_raised", x=xx, h=h, **kw,
                                              _where="numerical_gradient"),
                             f"numerical_gradient with {what}", names)


@task("numgrad")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_numgrad_uses_step_h(submission, seed):
    """numerical_gradient(f, x, h) uses the step h it is given"""
    x = S.normal(seed, (5,))
    coef = S.normal(seed + 1, (5,))
    h = 0.1
    r, grad = _numgrad(submission, "cube", x, coef, h=h)
    # central differences of x**3: ((x + h)**3 - (x - h)**3) / 2h = 3x**2 + h**2 exactly
    expect_close(grad, coef * (3 * x ** 2 + h ** 2), "numerical_gradient(f, x, h=0.1) of "
                 "sum(c * x**3)", rtol=1e-9, atol=1e-12, dtype=False,
                 hint="use the step h you are given: (f(x + h e_i) - f(x - h e_i)) / (2 h)")


@task("numgrad")
@settings(max_examples=3)
@given(seed=S.seeds)
def test_numgrad_keeps_float32(submission, seed):
    """numerical_gradient returns float32 for a float32 x"""
    x = S.normal(seed, (2, 3), np.float32)
    coef = S.normal(seed + 1, (2, 3), np.float32)
    r, grad = _numgrad(submission, "sin", x, coef, h=1e-2)
    expect_close(grad, (coef * np.cos(x)).astype(np.float32), "numerical_gradient of a float32 x "
                 "(h = 1e-2)", rtol=1e-3, atol=1e-4)


# -------------------------------------------------------------------------- relative_error
def _alternatives(a, b):
    """Common wrong formulas, for pointed hints."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    d = np.abs(a - b)
    out = []
    with np.errstate(all="ignore"):
        den = np.maximum(1e-8, np.abs(a) + np.abs(b))
        out.append((float(np.mean(d / den)), "the MEAN over elements; take the max"))
        out.append((float(np.max(d / np.maximum(1e-8, np.maximum(np.abs(a), np.abs(b))))),
                    "max(|a|, |b|) in the denominator; use |a| + |b|"))
        out.append((float(np.max(d / np.maximum(1e-8, np.abs(a + b)))),
                    "|a + b| in the denominator; use |a| + |b|"))
        out.append((float(np.max(d / (np.abs(a) + np.abs(b) + 1e-8))),
                    "|a| + |b| + 1e-8 in the denominator; use max(1e-8, |a| + |b|)"))
    return out


@task("relerr")
@given(seed=S.seeds, shape=st.sampled_from([(), (1,), (6,), (3, 4)]),
       scale=st.sampled_from([1e-10, 1.0, 1e6]), eps=st.sampled_from([0.0, 1e-9, 1e-4, 1.0]))
def test_relative_error_values(submission, seed, shape, scale, eps):
    """relative_error = max |a - b| / max(1e-8, |a| + |b|) for any shapes and scales"""
    a = S.normal(seed, shape, scale=scale)
    b = a + S.normal(seed + 1, shape, scale=scale * eps)
    if a.size > 2:
        a.reshape(-1)[0] = b.reshape(-1)[0] = 0.0
    got = submission.call("relative_error", a, b)
    if not isinstance(got, float):
        fail(f"relative_error must return a Python float, got {type(got).__name__}")
    expected = ref.relative_error(a, b)
    if not abs(got - expected) <= 1e-9 * abs(expected) + 1e-300:
        hint = next((text for value, text in _alternatives(a, b)
                     if abs(value - expected) > 1e-9 * abs(expected) and
                     abs(got - value) <= 1e-9 * abs(value) + 1e-300), None)
        fail(f"relative_error returned {got!r}, which is wrong for a of shape {shape} "
             f"(scale {scale:g})" + (f": you computed {hint}" if hint else ""))


@task("relerr")
def test_relative_error_special_cases(submission):
    """relative_error: 0 for equal or zero arrays, symmetric, float for float32 input, inputs unchanged"""
    checks = [("two zero arrays", np.zeros(4), np.zeros(4), 0.0),
              ("two equal arrays", np.arange(5.0), np.arange(5.0), 0.0),
              ("0-d arrays 1 and 3", np.array(1.0), np.array(3.0), 0.5),
              ("float32 arrays", np.array([1, 2], np.float32), np.array([1, 3], np.float32), 0.2)]
    for what, a, b, expected in checks:
        for x, y in ((a, b), (b, a)):
            r = submission.probe("call_with_inputs", fn="relative_error", args=[x, y],
                                 _where="relative_error")
            got = r["result"]
            expect_unchanged(x, r["args_after"][0], "a")
            expect_unchanged(y, r["args_after"][1], "b")
            if not isinstance(got, float):
                fail(f"relative_error must return a Python float, got {type(got).__name__} "
                     f"for {what}")
            if not np.isfinite(got) or abs(got - expected) > 1e-7 * expected + 1e-12:
                fail(f"relative_error for {what} returned {got!r}, expected {expected!r}")


@task("relerr")
def test_relative_error_rejects_different_shapes(submission):
    """relative_error raises ValueError naming a or b when their shapes differ (no broadcasting)"""
    a = S.normal(0, (3, 4))
    b = a + S.normal(1, (3, 4), scale=1e-3)
    got = submission.call("relative_error", a, b)
    if not isinstance(got, float) or not abs(got - ref.relative_error(a, b)) <= 1e-9 * ref.relative_error(a, b):
        fail(f"relative_error of two (3, 4) arrays returned {got!r}, which is wrong "
             "(needed before this property counts)")
    for other in ((4,), (3, 1), (1, 4), (4, 3)):
        S.expect_value_error(submission.probe("raised", call="relative_error",
                                              args=[a, np.ones(other)], _where="relative_error"),
                             f"relative_error(a, b) with a of shape (3, 4) and b of shape {other}",
                             ("a", "b"))
