"""Probes: small drivers that run INSIDE the sandbox, next to your backprop.py.

The tests (in the grader's process) cannot hold your objects (caches, models, callables), so
each probe does one round trip on your module ``sub`` and returns plain data: arrays, numbers,
strings, lists and dicts. Probes hold no expected values; the tests compare what they return.

The tests of MLP.forward and MLP.loss (not the integration tests) run your MLP with your layer
functions replaced by the course's (``course_layers=True``, from the unreleased ``standins.py``),
so that a mistake in a layer costs points in that layer's task only.
"""
from __future__ import annotations

import contextlib
import time
import warnings

import numpy as np

try:  # in the worker the engine puts probe_basics next to this file
    from probe_basics import course_versions, replaced
except ImportError:  # in the parent (tests may reuse the probes)
    from autograder.probe_basics import course_versions, replaced


# ----------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _watch():
    """Record the RuntimeWarnings raised inside (numpy's default error handling made explicit:
    overflow, division by zero and invalid operations warn; underflow to 0 is fine)."""
    record = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            try:
                yield record
            finally:
                record += [f"{w.category.__name__}: {w.message}" for w in caught
                           if issubclass(w.category, RuntimeWarning)][:10]


def _copy(value):
    """A detached copy of plain data (arrays copied; lists/tuples/dicts recursively)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _array(value):
    """An array when the value is array-like numbers, else the value itself (reported as is)."""
    if isinstance(value, np.ndarray):
        return value
    try:
        a = np.asarray(value)
    except Exception:
        return value
    return a if a.dtype.kind in "biuf" else value


#: the layer functions the course's versions replace in the tests of MLP.forward and MLP.loss
LAYERS = ("affine_forward", "affine_backward", "relu_forward", "relu_backward",
          "sigmoid_forward", "sigmoid_backward", "softmax_cross_entropy")


def _layers(sub, course_layers):
    """A context in which your MLP uses the course's layers (``course_layers``) or your own."""
    return replaced(sub, **course_versions(*LAYERS)) if course_layers else contextlib.nullcontext()


# ------------------------------------------------------------------------------ layers
def layer_roundtrip(sub, layer, inputs, dout):
    """``{layer}_forward(*inputs)`` then ``{layer}_backward(dout, cache)`` twice.

    Returns the output, the gradients (as returned), the gradients of the second backward
    call (same dout, same cache), copies of every input after the calls, and the warnings.
    """
    forward = getattr(sub, f"{layer}_forward")
    backward = getattr(sub, f"{layer}_backward")
    inputs = [np.array(a) for a in inputs]
    dout = np.array(dout)
    dout_again = dout.copy()
    with _watch() as caught:
        result = forward(*inputs)
        if not isinstance(result, tuple) or len(result) != 2:
            return {"bad_forward": type(result).__name__ + (
                f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")}
        out, cache = result
        out_copy = _copy(out)
        grads = _copy(backward(dout, cache))
        grads_again = backward(dout_again, cache)
    return {"out": out_copy, "grads": grads, "grads_again": grads_again,
            "inputs_after": inputs, "dout_after": dout, "warnings": caught}


def forward_outputs(sub, fn, args, replacements):
    """For each ``(i, value)``: the first output of ``fn(*args)`` with ``args[i] = value``.

    (The tests turn these into numerical derivatives: ``(f(x + h v) - f(x - h v)) / 2h``.)
    """
    fn = getattr(sub, fn)
    outs = []
    for i, value in replacements:
        a = [np.array(x) for x in args]
        a[i] = np.array(value)
        result = fn(*a)
        outs.append(_array(result[0] if isinstance(result, (tuple, list)) else result))
    return outs


def loss_roundtrip(sub, fn, a, b):
    """``fn(a, b) -> (loss, grad)`` with warnings recorded and copies of the inputs after."""
    a, b = np.array(a), np.array(b)
    with _watch() as caught:
        result = getattr(sub, fn)(a, b)
    if not isinstance(result, tuple) or len(result) != 2:
        return {"bad_result": type(result).__name__}
    loss, grad = result
    return {"loss": _array(loss), "grad": grad, "a_after": a, "b_after": b, "warnings": caught}


def call_with_inputs(sub, fn, args):
    """``fn(*args)`` and copies of the arguments after the call (to detect mutation)."""
    args = [np.array(a) for a in args]
    result = getattr(sub, fn)(*args)
    return {"result": result, "args_after": args}


def elementwise_forward(sub, layer, x):
    """``{layer}_forward(x)[0]`` with warnings recorded."""
    x = np.array(x)
    with _watch() as caught:
        out = getattr(sub, f"{layer}_forward")(x)[0]
    return {"out": out, "warnings": caught}


# ---------------------------------------------------------------------------- errors
def backward_raised(sub, layer, inputs, dout):
    """``{layer}_forward(*inputs)``, then the exception ``{layer}_backward(dout, cache)`` raises
    (None if none): the report of ``raised``."""
    _, cache = getattr(sub, f"{layer}_forward")(*[np.array(a) for a in inputs])
    return raised(sub, f"{layer}_backward", args=(np.array(dout), cache))


def raised(sub, call, args=(), kwargs=None, course_model=None, then=None, course_layers=False):
    """Call ``sub.<call>(*args, **kwargs)`` and report the exception it raises (None if none).

    ``course_model=params`` passes ``CourseModel(params)`` as the first argument (the tests of
    ``train`` never depend on your MLP). ``then="forward"`` or ``"loss"``: for ``call="MLP"``,
    also use the model built (a bad argument may be rejected there instead of in ``__init__``);
    ``course_layers``: with the course's layer functions in place of yours.
    """
    args = list(args)
    if course_model is not None:
        args.insert(0, CourseModel(course_model))
    try:
        with _layers(sub, course_layers):
            obj = getattr(sub, call)(*args, **(kwargs or {}))
            if then == "forward":
                obj.forward(np.ones((2, int(args[0][0]))))
            elif then == "loss":
                obj.loss(np.ones((2, int(args[0][0]))), np.zeros(2, dtype=np.int64))
    except Exception as exc:
        return {"type": type(exc).__name__, "value_error": isinstance(exc, ValueError),
                "message": str(exc)[:400]}
    return None


# ------------------------------------------------------------------- gradient checking
def _layout(x, layout):
    """An array holding the values of ``x`` in the given memory layout, and its base buffer."""
    x = np.asarray(x)
    if layout == "transposed":                 # an F-ordered view (2-D+)
        base = np.ascontiguousarray(np.swapaxes(x, 0, -1))
        return np.swapaxes(base, 0, -1), base
    if layout == "strided":                    # every other entry of a bigger buffer
        base = np.full(x.shape[:-1] + (2 * x.shape[-1],), 7.25, dtype=x.dtype)
        view = base[..., ::2]
        view[...] = x
        return view, base
    arr = np.array(x)                          # contiguous (0-d, 1-d, 3-d, ...)
    return arr, arr


def numgrad(sub, kind, x, coef, layout="contiguous", h=None):
    """``numerical_gradient(f, x)`` for an ``f`` built here from plain data.

    kind: ``"sin"``: f(z) = sum(coef * sin(z)); ``"cube"``: f(z) = sum(coef * z**3); ``"quad"``: f(z) = v @ coef @ v with v the
    entries of z in C order; ``"closure"``: f(_) = sum(coef * x**3) reading ``x`` itself
    through the closure (it ignores its argument, like a loss that reads a model's parameters)
    and returning a Python float.
    Returns the gradient, whether ``x`` (and the buffer it lives in) is bitwise unchanged,
    the number of calls of ``f`` and whether every call received ``x`` itself.
    """
    coef = np.asarray(coef)
    arr, base = _layout(x, layout)
    before, base_before = arr.copy(), base.copy()
    calls = []

    def f_sin(z):
        calls.append(z is arr)
        return np.sum(coef * np.sin(z))

    def f_cube(z):
        calls.append(z is arr)
        return np.sum(coef * z ** 3)

    def f_quad(z):
        calls.append(z is arr)
        v = np.asarray(z, dtype=np.float64).reshape(-1)
        return v @ coef @ v

    def f_closure(z):
        calls.append(z is arr)
        return float(np.sum(coef * arr ** 3))  # a Python float, like most losses

    f = {"sin": f_sin, "cube": f_cube, "quad": f_quad, "closure": f_closure}[kind]
    grad = sub.numerical_gradient(f, arr) if h is None else sub.numerical_gradient(f, arr, h=h)
    same = before.tobytes() == np.ascontiguousarray(arr).tobytes()
    base_same = base_before.tobytes() == base.tobytes()
    return {"grad": grad, "x_unchanged": bool(same), "buffer_unchanged": bool(base_same),
            "calls": len(calls), "got_x_itself": bool(calls) and all(calls)}


# ---------------------------------------------------------------------------------- MLP
def _set_params(model, params):
    """Put the given values into ``model.params`` (in place when the shapes agree)."""
    for name, value in params.items():
        current = model.params.get(name) if isinstance(model.params, dict) else None
        if isinstance(current, np.ndarray) and current.shape == np.shape(value) \
                and current.dtype == np.float64 and current.flags.writeable:
            current[...] = value
        else:
            model.params[name] = np.array(value, dtype=np.float64)


def _model(sub, sizes, activation, seed, params=None):
    model = sub.MLP(list(sizes), activation=activation, seed=seed)
    if params is not None:
        _set_params(model, params)
    return model


def _params_of(model):
    p = getattr(model, "params", None)
    if not isinstance(p, dict):
        return {"__type__": type(p).__name__}
    return {str(k): _copy(v) for k, v in p.items()}


def mlp_init(sub, sizes, activation="relu", seed=0):
    """``MLP(sizes, activation, seed).params`` (copies) and the type of ``params``."""
    model = sub.MLP(list(sizes), activation=activation, seed=seed)
    p = getattr(model, "params", None)
    return {"params_type": type(p).__name__, "keys": [str(k) for k in p] if isinstance(p, dict)
            else [], "params": _params_of(model)}


def mlp_forward(sub, sizes, activation, seed, params, X, course_layers=False):
    """With the given params: ``forward(X)`` only (MLP.forward's tests never call MLP.loss);
    ``course_layers``: with the course's layer functions in place of yours."""
    model = _model(sub, sizes, activation, seed, params)
    with _layers(sub, course_layers):
        return {"scores": model.forward(np.array(X))}


def mlp_loss(sub, sizes, activation, seed, params, X, y, course_layers=False):
    """With the given params: ``loss(X, y)``, the warnings, and X, y and the params after;
    ``course_layers``: with the course's layer functions in place of yours."""
    model = _model(sub, sizes, activation, seed, params)
    X, y = np.array(X), np.array(y)
    with _watch() as caught, _layers(sub, course_layers):
        result = model.loss(X, y)
    if not isinstance(result, tuple) or len(result) != 2:
        return {"bad_loss": type(result).__name__}
    loss, grads = result
    return {"loss": _array(loss), "grads": grads, "X_after": X, "y_after": y,
            "params_after": _params_of(model), "warnings": caught}


def mlp_losses(sub, sizes, activation, seed, X, y, param_sets):
    """``model.loss(X, y)[0]`` for each full set of parameters (numerical derivatives)."""
    model = _model(sub, sizes, activation, seed)
    X, y = np.array(X), np.array(y)
    out = []
    for params in param_sets:
        _set_params(model, params)
        out.append(_array(model.loss(X, y)[0]))
    return out


def mlp_train(sub, sizes, activation, model_seed, X, y, params=None, eval_X=None, eval_y=None,
              measure=True, **train_kwargs):
    """``train(MLP(sizes, activation, model_seed), X, y, **train_kwargs)`` (integration tests:
    your MLP, train and accuracy together).

    Returns the losses as returned, the final params, the accuracy on (eval_X, eval_y) (or on
    the training data; None without ``measure``), the training time and the inputs after.
    """
    model = _model(sub, sizes, activation, model_seed, params)
    X, y = np.array(X), np.array(y)
    start = time.perf_counter()
    losses = sub.train(model, X, y, **train_kwargs)
    seconds = time.perf_counter() - start
    if eval_X is None:
        eval_X, eval_y = X.copy(), y.copy()
    acc = sub.accuracy(model, np.array(eval_X), np.array(eval_y)) if measure else None
    return {"losses": losses, "params": _params_of(model), "accuracy": acc,
            "seconds": seconds, "X_after": X, "y_after": y}


# ------------------------------------------------- course-side stand-ins for your MLP
# The tests of train, accuracy and to_torch hand them these small models instead of your MLP,
# so that a mistake in MLP (or in a layer it uses) costs points in MLP's tests only.
class CourseModel:
    """A model with a closed-form loss, for the tests of ``train``: ``params`` W1 (D, C) and
    b1 (C,); for a minibatch with mean row m and label frequencies q,
    ``loss = (|W1 - outer(m, q)|^2 + |b1 - q|^2) / 2``. Records the rows of X it is given."""

    def __init__(self, params, X=None):
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self._rows = {} if X is None else {np.asarray(r).tobytes(): i
                                           for i, r in enumerate(np.asarray(X))}
        self.batches = []  # row indices of each minibatch (None for a row not of X)

    def loss(self, X, y):
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y)
        self.batches.append([self._rows.get(r.tobytes()) for r in X])
        C = self.params["b1"].shape[0]
        q = np.bincount(y.astype(np.int64), minlength=C)[:C] / max(len(y), 1)
        dW = self.params["W1"] - np.outer(X.mean(axis=0), q)
        db = self.params["b1"] - q
        return float((np.sum(dW * dW) + np.sum(db * db)) / 2), {"W1": dW, "b1": db}


class GivenScores:
    """A model whose ``forward`` returns the given scores, for the tests of ``accuracy``."""

    def __init__(self, scores):
        self.scores = np.array(scores, dtype=np.float64)

    def forward(self, X):
        return self.scores.copy()


class GivenMLP:
    """An MLP's attributes with the given params (W1, b1, ...) and activation, for the tests of
    ``to_torch``: ``params``, ``activation``, ``layer_sizes``, ``num_layers``."""

    def __init__(self, params, activation):
        self.params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
        self.activation = activation
        self.num_layers = len(self.params) // 2
        self.layer_sizes = [self.params["W1"].shape[0]] + [
            self.params[f"W{i}"].shape[1] for i in range(1, self.num_layers + 1)]


def train_course_model(sub, params, X, y, **train_kwargs):
    """``train(CourseModel(params), X, y, **train_kwargs)``: the losses as returned, the final
    params, the row indices of every minibatch in order, and X, y after."""
    X, y = np.array(X), np.array(y)
    model = CourseModel(params, X)
    losses = sub.train(model, X, y, **train_kwargs)
    return {"losses": losses, "params": _params_of(model), "batches": model.batches,
            "X_after": X, "y_after": y}


def accuracy_raised(sub, scores, X, y):
    """The exception ``accuracy(GivenScores(scores), X, y)`` raises (None if none)."""
    return raised(sub, "accuracy", args=(GivenScores(scores), np.array(X), np.array(y)))


def numgrad_raised(sub, x, h, read_only=False, vector_f=False):
    """The exception ``numerical_gradient(f, x, h)`` raises (None if none) for f(z) = sum(z**2),
    or f(z) = 2 z (``vector_f``: not a scalar); ``read_only``: x is not writeable."""
    x = np.array(x)
    x.flags.writeable = not read_only

    def f(z):
        z = np.asarray(z, dtype=np.float64)
        return 2 * z if vector_f else float(np.sum(z ** 2))
    return raised(sub, "numerical_gradient", args=(f, x, h))


def accuracy_of_scores(sub, scores, X, y):
    """``accuracy(GivenScores(scores), X, y)``."""
    return sub.accuracy(GivenScores(scores), np.array(X), np.array(y))


def import_torch(sub):
    """Import torch before a test calls your to_torch, so that the call's time limit is spent
    on your code, not on loading torch (several seconds on a busy machine)."""
    import torch
    torch.set_num_threads(1)
    return str(torch.__version__)


def _global_rng_state():
    """The global NumPy RNG's position (np.random.seed/shuffle/permutation/... move it)."""
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return keys.tobytes(), pos, has_gauss, cached


def train_twice(sub, params, X, y, **train_kwargs):
    """``train`` twice, each time on a fresh ``CourseModel(params)`` (not your MLP: this tests
    train alone) with the same arguments: the losses of each run and whether the run moved the
    global NumPy RNG."""
    runs = []
    for _ in range(2):
        model = CourseModel(params, X)
        before = _global_rng_state()
        losses = sub.train(model, np.array(X), np.array(y), **train_kwargs)
        runs.append({"losses": _copy(losses), "used_global_rng": _global_rng_state() != before})
    return runs


def torch_model(sub, sizes, activation, seed, params, X, y):
    """``to_torch(GivenMLP(params, activation))`` (or, when your to_torch needs attributes of
    your own MLP, ``to_torch`` of ``MLP(sizes, activation, seed)`` with the given params; its
    forward and loss are never called): its layers, their dtypes, the scores on X and the
    autograd gradients of ``F.cross_entropy`` in the layout of ``MLP.loss``'s grads
    (``W = weight.T``)."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    try:
        net = sub.to_torch(GivenMLP(params, activation))
    except AttributeError:  # your to_torch reads an attribute only your MLP has
        net = sub.to_torch(_model(sub, sizes, activation, seed, params))
    info = {"type": type(net).__name__, "is_module": isinstance(net, torch.nn.Module),
            "is_sequential": isinstance(net, torch.nn.Sequential)}
    if not info["is_module"]:
        return info
    modules = list(net.children()) if info["is_sequential"] else list(net.modules())[1:]
    info["layers"] = [type(m).__name__ for m in modules]
    info["dtypes"] = sorted({str(p.dtype) for p in net.parameters()})
    linears = [m for m in modules if isinstance(m, torch.nn.Linear)]
    info["weights"] = {}
    for i, lin in enumerate(linears, start=1):
        info["weights"][f"W{i}"] = lin.weight.detach().numpy().T.copy()
        info["weights"][f"b{i}"] = (lin.bias.detach().numpy().copy() if lin.bias is not None
                                    else np.zeros(0))
    Xt = torch.from_numpy(np.array(X, dtype=np.float64))
    yt = torch.from_numpy(np.array(y, dtype=np.int64))
    try:
        net.zero_grad(set_to_none=True)
        scores = net(Xt)
        loss = F.cross_entropy(scores, yt)
        loss.backward()
    except Exception as exc:  # e.g. a float32 net fed float64 inputs
        info["forward_error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
        return info
    info["scores"] = scores.detach().numpy().copy()
    info["loss"] = float(loss.detach())
    grads = {}
    for i, lin in enumerate(linears, start=1):
        if lin.weight.grad is not None:
            grads[f"W{i}"] = lin.weight.grad.numpy().T.copy()
        if lin.bias is not None and lin.bias.grad is not None:
            grads[f"b{i}"] = lin.bias.grad.numpy().copy()
    info["grads"] = grads
    return info
