"""Hidden tests of the layers: affine, ReLU, sigmoid."""
import numpy as np
from hypothesis import given, settings

from autograder.testing import (as_array, expect_close, expect_shape, expect_unchanged, fail,
                                reference, task)
import strategies as S

ref = reference()

SIGMOID_ADVICE = ("exp(-x) overflows for x < -709; compute exp(-|x|), which is at most 1, and "
                  "build both halves from it (np.where evaluates BOTH branches on every entry, "
                  "so np.where(x >= 0, 1 / (1 + exp(-x)), exp(x) / (1 + exp(x))) still overflows)")


def _roundtrip(submission, layer, inputs, dout):
    r = submission.probe("layer_roundtrip", layer=layer, inputs=inputs, dout=dout,
                         _where=f"{layer}_forward/{layer}_backward")
    if "bad_forward" in r:
        fail(f"{layer}_forward must return (out, cache), got a {r['bad_forward']}")
    return r


def _values_must_be_right(r, layer, inputs, dout):
    """A property (gradient check, no mutation, gradient at 0) earns its points only with right
    values: an all-zero layer would otherwise pass it."""
    out, cache = getattr(ref, f"{layer}_forward")(*inputs)
    expect_close(r["out"], out, f"{layer}_forward's output (needed before this property counts)",
                 dtype=False)
    expected = getattr(ref, f"{layer}_backward")(dout, cache)
    expected = expected if isinstance(expected, tuple) else (expected,)
    names = ("dx", "dW", "db") if layer == "affine" else ("dx",)
    for g, e, name in zip(_grads(r, layer, len(expected)), expected, names):
        expect_close(g, e, f"{name} (needed before this property counts)", dtype=False)


def _grads(r, layer, n):
    if layer == "affine":
        return S.expect_tuple(r["grads"], n, "affine_backward")
    return (r["grads"],)


def _expect_affine_grads(grads, expected, shapes):
    """dx, dW, db against the reference, with pointed hints for the usual mistakes."""
    names = ("dx", "dW", "db")
    ok = []
    for g, e, name in zip(grads, expected, names):
        a = as_array(g, name)
        ok.append(a.shape == e.shape and S.rel_error(a, e) <= 1e-7)
    for g, e, name, good in zip(grads, expected, names, ok):
        if good:
            continue
        a = as_array(g, name)
        hint = None
        if name == "db" and ok[0] and ok[1]:
            hint = ("dx and dW are right but db is not: the bias gradient db is dout summed over "
                    "the batch, dout.sum(axis=0)" + (" (yours is all zeros)" if not np.any(a) else ""))
        elif name == "dW" and a.shape == e.shape[::-1] and np.allclose(a.T, e, rtol=1e-6, atol=1e-9):
            hint = ("your dW is the transpose of the correct one: dW must have W's shape (D, M), "
                    "dW = x.T @ dout")
        elif name == "dx" and a.shape == e.shape[::-1] and np.allclose(a.T, e, rtol=1e-6, atol=1e-9):
            hint = "your dx is the transpose of the correct one: dx = dout @ W.T has x's shape (N, D)"
        if hint and a.shape != e.shape:
            fail(f"{name} has shape {a.shape}, expected {e.shape}: {hint}")
        expect_close(a, e, name, hint=hint)


# ---------------------------------------------------------------------------------- affine
@task("affine")
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims, m=S.dims)
def test_affine_forward_values(submission, seed, n, d, m):
    """affine_forward is right for any batch size and layer size"""
    x, W, b = S.affine_inputs(seed, n, d, m)
    result = S.expect_tuple(submission.call("affine_forward", x, W, b), 2, "affine_forward")
    expect_close(result[0], ref.affine_forward(x, W, b)[0], "affine_forward(x, W, b)[0]")


@task("affine")
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims, m=S.dims)
def test_affine_backward_values(submission, seed, n, d, m):
    """affine_backward returns the right dx, dW and db"""
    x, W, b = S.affine_inputs(seed, n, d, m)
    dout = S.upstream(seed, (n, m))
    r = _roundtrip(submission, "affine", [x, W, b], dout)
    _, cache = ref.affine_forward(x, W, b)
    _expect_affine_grads(_grads(r, "affine", 3), ref.affine_backward(dout, cache),
                         (x.shape, W.shape, b.shape))


@task("affine")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_affine_gradient_check(submission, seed):
    """affine_backward = numerical gradient (elementwise at tiny shapes, directional at 64x100x50)"""
    for (n, d, m), dirs in (((2, 3, 2), None), ((64, 100, 50), 3)):
        x, W, b = S.affine_inputs(seed, n, d, m)
        dout = S.upstream(seed, (n, m))
        r = _roundtrip(submission, "affine", [x, W, b], dout)
        _values_must_be_right(r, "affine", [x, W, b], dout)
        grads = _grads(r, "affine", 3)
        for i, (g, name) in enumerate(zip(grads, ("dx", "dW", "db"))):
            v = None if dirs is None else S.unit_directions(seed + i, [x, W, b][i], dirs)
            S.check_layer_gradient(submission, "affine_forward", [x, W, b], i, dout, g,
                                   f"{name} (shapes N={n}, D={d}, M={m})", v)


@task("affine")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims, m=S.dims)
def test_affine_keeps_float32(submission, seed, n, d, m):
    """affine_forward/backward return float32 for float32 inputs"""
    x, W, b = S.affine_inputs(seed, n, d, m, np.float32)
    dout = S.upstream(seed, (n, m), np.float32)
    r = _roundtrip(submission, "affine", [x, W, b], dout)
    out, cache = ref.affine_forward(x, W, b)
    expect_close(r["out"], out, "out (float32 inputs)")
    for g, e, name in zip(_grads(r, "affine", 3), ref.affine_backward(dout, cache),
                          ("dx", "dW", "db")):
        expect_close(g, e, f"{name} (float32 inputs)")


@task("affine")
@settings(max_examples=5)
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims, m=S.dims)
def test_affine_does_not_modify_inputs(submission, seed, n, d, m):
    """affine_forward/backward leave x, W, b, dout and the cache unchanged"""
    x, W, b = S.affine_inputs(seed, n, d, m)
    dout = S.upstream(seed, (n, m))
    r = _roundtrip(submission, "affine", [x, W, b], dout)
    _values_must_be_right(r, "affine", [x, W, b], dout)
    for before, after, name in zip((x, W, b), r["inputs_after"], ("x", "W", "b")):
        expect_unchanged(before, after, name)
    expect_unchanged(dout, r["dout_after"], "dout")
    for g1, g2, name in zip(_grads(r, "affine", 3), S.expect_tuple(r["grads_again"], 3,
                            "affine_backward"), ("dx", "dW", "db")):
        if not np.array_equal(as_array(g1, name), as_array(g2, name)):
            fail(f"a second affine_backward(dout, cache) gave a different {name}: "
                 "the backward pass must not modify its cache")


@task("affine")
def test_affine_rejects_bad_shapes(submission):
    """affine_forward raises ValueError naming x, W or b for shapes it cannot handle"""
    x, W, b = S.affine_inputs(0, 4, 5, 3)
    expect_close(submission.call("affine_forward", x, W, b)[0], ref.affine_forward(x, W, b)[0],
                 "affine_forward's output on valid inputs (needed before this property counts)")
    cases = [
        ("x of shape (5,) (a single sample must be (1, 5))", [x[0], W, b], ("x",)),
        ("x of shape (4, 5, 1)", [x[..., None], W, b], ("x",)),
        ("W of shape (6, 3) for x of shape (4, 5)", [x, np.ones((6, 3)), b], ("W", "x")),
        ("W of shape (5,)", [x, W[:, 0], b[:1]], ("W",)),
        ("b of shape (4,) for W of shape (5, 3)", [x, W, np.ones(4)], ("b",)),
    ]
    for what, args, names in cases:
        S.expect_value_error(submission.probe("raised", call="affine_forward", args=args,
                                              _where="affine_forward"),
                             f"affine_forward with {what}", names)


def _backward_rejects_bad_dout(submission, layer, inputs, bad_douts):
    """``<layer>_backward`` raises ValueError naming ``dout`` for a ``dout`` whose shape is not
    the forward output's (right values on a good ``dout`` first)."""
    good = S.upstream(0, np.shape(getattr(ref, f"{layer}_forward")(*inputs)[0]))
    _values_must_be_right(_roundtrip(submission, layer, inputs, good), layer, inputs, good)
    for shape in bad_douts:
        report = submission.probe("backward_raised", layer=layer, inputs=inputs,
                                  dout=np.ones(shape), _where=f"{layer}_backward")
        S.expect_value_error(report, f"{layer}_backward with dout of shape {shape} for an "
                                     f"output of shape {good.shape}", ("dout",))


@task("affine")
def test_affine_backward_rejects_bad_dout(submission):
    """affine_backward raises ValueError naming dout when dout's shape is not the output's"""
    _backward_rejects_bad_dout(submission, "affine", list(S.affine_inputs(0, 4, 5, 3)),
                               [(4, 2), (3, 3), (4, 1), (12,)])


# --------------------------------------------------------------- elementwise layers (shared)
def _elementwise_values(submission, layer, make_inputs, seed, shape):
    """``<layer>_forward`` and ``_backward`` equal the reference's on inputs of any shape."""
    x = make_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = _roundtrip(submission, layer, [x], dout)
    out, cache = getattr(ref, f"{layer}_forward")(x)
    expect_close(r["out"], out, f"{layer}_forward(x)[0]")
    expect_close(r["grads"], getattr(ref, f"{layer}_backward")(dout, cache),
                 f"{layer}_backward(dout, cache)")


def _elementwise_gradient_check(submission, layer, make_inputs, seed):
    """``<layer>_backward`` = numerical gradient: elementwise at 3x4, directional at 64x100."""
    for shape, dirs in (((3, 4), None), ((64, 100), 3)):
        x = make_inputs(seed, shape)
        dout = S.upstream(seed, shape)
        r = _roundtrip(submission, layer, [x], dout)
        _values_must_be_right(r, layer, [x], dout)
        v = None if dirs is None else S.unit_directions(seed, x, dirs)
        S.check_layer_gradient(submission, f"{layer}_forward", [x], 0, dout, r["grads"],
                               f"{layer} dx (shape {shape})", v)


# ------------------------------------------------------------------------------------ ReLU
@task("relu")
@given(seed=S.seeds, shape=S.shapes)
def test_relu_values(submission, seed, shape):
    """relu_forward/backward are right for 1-D to 3-D inputs"""
    _elementwise_values(submission, "relu", S.relu_inputs, seed, shape)


@task("relu")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_relu_gradient_check(submission, seed):
    """relu_backward = numerical gradient (elementwise 3x4, directional at 64x100)"""
    _elementwise_gradient_check(submission, "relu", S.relu_inputs, seed)


@task("relu")
@given(seed=S.seeds, shape=S.shapes)
def test_relu_gradient_is_zero_at_zero(submission, seed, shape):
    """relu_backward gives gradient 0 where x == 0"""
    x = S.relu_inputs_with_zeros(seed, shape)
    dout = S.upstream(seed, shape)
    r = _roundtrip(submission, "relu", [x], dout)
    dx = expect_shape(r["grads"], shape, "relu_backward(dout, cache)")
    zero = x == 0
    if np.any(dx[zero] != 0):
        fail(f"relu_backward passes the gradient through at {int(np.sum(dx[zero] != 0))} "
             "entries where x == 0: by this course's convention the gradient of max(x, 0) is 0 "
             "at x == 0 (use the mask x > 0, not x >= 0)")
    expect_close(dx, ref.relu_backward(dout, ref.relu_forward(x)[1]),
                 "relu_backward(dout, cache) with some x == 0")


@task("relu")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_relu_keeps_float32(submission, seed, shape):
    """relu_forward/backward return float32 for float32 inputs"""
    x = S.relu_inputs(seed, shape, np.float32)
    dout = S.upstream(seed, shape, np.float32)
    r = _roundtrip(submission, "relu", [x], dout)
    out, cache = ref.relu_forward(x)
    expect_close(r["out"], out, "out (float32 input)")
    expect_close(r["grads"], ref.relu_backward(dout, cache), "dx (float32 inputs)")


@task("relu")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_relu_does_not_modify_inputs(submission, seed, shape):
    """relu_forward/backward leave x, dout and the cache unchanged"""
    x = S.relu_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = _roundtrip(submission, "relu", [x], dout)
    _values_must_be_right(r, "relu", [x], dout)
    expect_unchanged(x, r["inputs_after"][0], "x")
    expect_unchanged(dout, r["dout_after"], "dout")
    if not np.array_equal(as_array(r["grads"], "dx"), as_array(r["grads_again"], "dx")):
        fail("a second relu_backward(dout, cache) gave a different dx: the backward pass must "
             "not modify its cache")


# --------------------------------------------------------------------------------- sigmoid
@task("sigmoid")
@given(seed=S.seeds, shape=S.shapes)
def test_sigmoid_values(submission, seed, shape):
    """sigmoid_forward/backward are right for 1-D to 3-D inputs"""
    _elementwise_values(submission, "sigmoid", S.sigmoid_inputs, seed, shape)


@task("sigmoid")
@settings(max_examples=4)
@given(seed=S.seeds)
def test_sigmoid_gradient_check(submission, seed):
    """sigmoid_backward = numerical gradient (elementwise 3x4, directional at 64x100)"""
    _elementwise_gradient_check(submission, "sigmoid", S.sigmoid_inputs, seed)


@task("sigmoid")
@settings(max_examples=8)
@given(seed=S.seeds, n=S.batch_sizes, d=S.dims)
def test_sigmoid_extreme_inputs(submission, seed, n, d):
    """sigmoid: no overflow warning, NaN or inf for |x| up to 1e4, and accurate values"""
    x = S.extreme_inputs(seed, (n, d + 1))
    dout = S.upstream(seed, x.shape)
    r = _roundtrip(submission, "sigmoid", [x], dout)
    S.expect_no_warnings(r["warnings"], "sigmoid_forward/backward for |x| up to 1e4",
                         SIGMOID_ADVICE)
    out = as_array(r["out"], "sigmoid_forward(x)[0]")
    if not np.all(np.isfinite(out)):
        fail(f"sigmoid_forward returned NaN/inf for |x| up to 1e4: {SIGMOID_ADVICE}")
    if np.any(out < 0) or np.any(out > 1):
        fail("sigmoid_forward returned values outside [0, 1] for |x| up to 1e4")
    expected, cache = ref.sigmoid_forward(x)
    expect_close(out, expected, "sigmoid_forward(x)[0] for |x| up to 1e4")
    dx = as_array(r["grads"], "sigmoid_backward(dout, cache)")
    if not np.all(np.isfinite(dx)):
        fail("sigmoid_backward returned NaN/inf for |x| up to 1e4 (compute it from the "
             "cached sigmoid output s: dx = dout * s * (1 - s))")
    expect_close(dx, ref.sigmoid_backward(dout, cache),
                 "sigmoid_backward(dout, cache) for |x| up to 1e4", atol=1e-12)


@task("sigmoid")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_sigmoid_keeps_float32(submission, seed, shape):
    """sigmoid_forward/backward return float32 for float32 inputs"""
    x = S.sigmoid_inputs(seed, shape, np.float32)
    dout = S.upstream(seed, shape, np.float32)
    r = _roundtrip(submission, "sigmoid", [x], dout)
    out, cache = ref.sigmoid_forward(x)
    expect_close(r["out"], out, "out (float32 input)")
    expect_close(r["grads"], ref.sigmoid_backward(dout, cache), "dx (float32 inputs)")


@task("sigmoid")
@settings(max_examples=5)
@given(seed=S.seeds, shape=S.shapes)
def test_sigmoid_does_not_modify_inputs(submission, seed, shape):
    """sigmoid_forward/backward leave x, dout and the cache unchanged"""
    x = S.sigmoid_inputs(seed, shape)
    dout = S.upstream(seed, shape)
    r = _roundtrip(submission, "sigmoid", [x], dout)
    _values_must_be_right(r, "sigmoid", [x], dout)
    expect_unchanged(x, r["inputs_after"][0], "x")
    expect_unchanged(dout, r["dout_after"], "dout")
    if not np.array_equal(as_array(r["grads"], "dx"), as_array(r["grads_again"], "dx")):
        fail("a second sigmoid_backward(dout, cache) gave a different dx: the backward pass "
             "must not modify its cache")


@task("relu")
def test_relu_backward_rejects_bad_dout(submission):
    """relu_backward raises ValueError naming dout when dout's shape is not the output's (no broadcasting)"""
    _backward_rejects_bad_dout(submission, "relu", [S.relu_inputs(0, (3, 4))],
                               [(3, 1), (1, 4), (4, 3), (12,), (3, 4, 1)])


@task("sigmoid")
def test_sigmoid_backward_rejects_bad_dout(submission):
    """sigmoid_backward raises ValueError naming dout when dout's shape is not the output's (no broadcasting)"""
    _backward_rejects_bad_dout(submission, "sigmoid", [S.sigmoid_inputs(0, (3, 4))],
                               [(3, 1), (1, 4), (4, 3), (12,), (3, 4, 1)])
