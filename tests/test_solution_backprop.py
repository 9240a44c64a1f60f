"""Checks of the reference solution solutions/backprop.py itself (not of student code)."""

import pathlib
import sys
import time
import warnings

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository root, when the package is not installed
    sys.path.insert(0, str(ROOT))

import coursedata as cd  # noqa: E402
from module_loading import load_solution  # noqa: E402


bp = load_solution("backprop")
rel = bp.relative_error


def _num_grad_check(forward, inputs, dout, analytic, tol=1e-7):
    """Compare analytic gradients with numerical ones of sum(forward(*inputs) * dout)."""
    f = lambda _x: np.sum(forward(*inputs) * dout)  # noqa: E731 (inputs perturbed in place)
    for a, g in zip(inputs, analytic):
        assert rel(g, bp.numerical_gradient(f, a)) < tol


def test_layer_backwards_match_numerical_gradients():
    rng = np.random.default_rng(0)
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    dout = rng.standard_normal((4, 3))
    _, cache = bp.affine_forward(x, W, b)
    _num_grad_check(lambda *a: bp.affine_forward(*a)[0], (x, W, b), dout, bp.affine_backward(dout, cache))

    x = rng.standard_normal((6, 7))
    x[np.abs(x) < 0.05] = 0.5                 # keep ReLU inputs away from the kink
    dout = rng.standard_normal(x.shape)
    for fwd, bwd in ((bp.relu_forward, bp.relu_backward), (bp.sigmoid_forward, bp.sigmoid_backward)):
        _, cache = fwd(x)
        _num_grad_check(lambda a: fwd(a)[0], (x,), dout, (bwd(dout, cache),))


def test_losses_match_numerical_gradients_and_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(1)
    logits, y = rng.standard_normal((5, 4)), rng.integers(0, 4, 5)
    loss, dlogits = bp.softmax_cross_entropy(logits, y)
    assert rel(dlogits, bp.numerical_gradient(lambda _: bp.softmax_cross_entropy(logits, y)[0], logits)) < 1e-7
    t = torch.tensor(logits, requires_grad=True)
    ref = F.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert abs(float(loss) - ref.item()) < 1e-12 and rel(dlogits, t.grad.numpy()) < 1e-12

    pred, target = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    loss, dpred = bp.mse_loss(pred, target)
    assert rel(dpred, bp.numerical_gradient(lambda _: bp.mse_loss(pred, target)[0], pred)) < 1e-7
    assert abs(float(loss) - F.mse_loss(torch.tensor(pred), torch.tensor(target)).item()) < 1e-12


def test_relu_gradient_is_zero_at_zero():
    _, cache = bp.relu_forward(np.array([-1.0, 0.0, 2.0]))
    assert np.array_equal(bp.relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_1e4(dtype):
    torch = pytest.importorskip("torch")
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3], [3.0, 1.0, 2.0]], dtype=dtype)
    y = np.array([1, 0, 0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        loss, dlogits = bp.softmax_cross_entropy(logits, y)
        x = np.array([-1e4, -60.0, 0.0, 60.0, 1e4], dtype=dtype)
        s, cache = bp.sigmoid_forward(x)
        ds = bp.sigmoid_backward(np.ones_like(x), cache)
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert np.isfinite(loss) and abs(float(loss) - ref.item()) <= 1e-6 * ref.item()
    assert np.all(np.isfinite(dlogits)) and np.max(np.abs(dlogits - t.grad.numpy())) < 1e-6
    assert np.array_equal(s, [0.0, np.exp(dtype(-60.0)) / (1 + np.exp(dtype(-60.0))), 0.5, 1.0, 1.0])
    assert np.all(np.isfinite(ds)) and ds[0] == 0 and ds[-1] == 0 and ds[2] == 0.25
    assert ds[1] > 0 and ds[3] > 0                # no cancellation to 0 at |x| = 60


def test_float32_in_float32_out():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    W = rng.standard_normal((5, 3)).astype(np.float32)
    b = np.zeros(3, np.float32)
    out, cache = bp.affine_forward(x, W, b)
    dout = np.ones_like(out)
    results = [out, *bp.affine_backward(dout, cache)]
    for fwd, bwd in ((bp.relu_forward, bp.relu_backward), (bp.sigmoid_forward, bp.sigmoid_backward)):
        o, c = fwd(x)
        results += [o, bwd(np.ones_like(o), c)]
    results += list(bp.softmax_cross_entropy(out, np.array([0, 1, 2, 0])))
    results += list(bp.mse_loss(out, np.zeros_like(out)))
    results.append(bp.numerical_gradient(lambda v: float(np.sum(v * v)), x.copy()))
    assert all(np.asarray(r).dtype == np.float32 for r in results)


def test_no_input_mutation():
    rng = np.random.default_rng(3)
    x, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    y = np.array([0, 2, 1, 1])
    copies = [a.copy() for a in (x, W, b, y)]
    out, cache = bp.affine_forward(x, W, b)
    dout = rng.standard_normal(out.shape)
    dout0 = dout.copy()
    bp.affine_backward(dout, cache)
    for fwd, bwd in ((bp.relu_forward, bp.relu_backward), (bp.sigmoid_forward, bp.sigmoid_backward)):
        bwd(dout, fwd(out)[1])
    bp.softmax_cross_entropy(out, y)
    bp.mse_loss(out, dout)
    assert all(np.array_equal(a, c) for a, c in zip((x, W, b, y), copies))
    assert np.array_equal(dout, dout0)


def test_numerical_gradient_on_a_non_contiguous_view_through_a_closure():
    A = np.random.default_rng(4).standard_normal((6, 8))
    A0 = A.copy()
    view = A[::2, 1::3]                       # non-contiguous; f reads A, not its argument
    grad = bp.numerical_gradient(lambda _: np.sum(A ** 3), view)
    assert grad.shape == view.shape and grad.dtype == view.dtype
    assert rel(grad, 3 * view ** 2) < 1e-8
    assert np.array_equal(A, A0) and np.array_equal(np.signbit(A), np.signbit(A0))


def test_relative_error():
    assert bp.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert bp.relative_error(np.array([1.0, 0.0]), np.array([3.0, 0.0])) == 0.5
    assert bp.relative_error(np.array([1e-9]), np.array([0.0])) == pytest.approx(0.1)
    assert isinstance(bp.relative_error(np.ones(2), np.ones(2)), float)


def test_mlp_init_and_torch_agreement():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for act in ("relu", "sigmoid"):
        model = bp.MLP([3, 7, 5, 4], activation=act, seed=1)
        init = np.random.default_rng(1)
        for i, (fan_in, fan_out) in enumerate([(3, 7), (7, 5), (5, 4)], start=1):
            assert np.array_equal(model.params[f"W{i}"],
                                  init.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in))
            assert np.array_equal(model.params[f"b{i}"], np.zeros(fan_out))
            model.params[f"b{i}"] += 0.1 * rng.standard_normal(fan_out)   # test the biases too
        X, y = rng.standard_normal((6, 3)), rng.integers(0, 4, 6)
        loss, grads = model.loss(X, y)
        assert isinstance(loss, float) and list(grads) == list(model.params)
        net = bp.to_torch(model)
        Xt = torch.tensor(X)
        scores = net(Xt)
        ref = torch.nn.functional.cross_entropy(scores, torch.tensor(y))
        ref.backward()
        assert rel(model.forward(X), scores.detach().numpy()) < 1e-12
        assert abs(loss - ref.item()) < 1e-12
        linears = [m for m in net if isinstance(m, torch.nn.Linear)]
        assert len(linears) == 3 and all(m.weight.dtype == torch.float64 for m in linears)
        for i, m in enumerate(linears, start=1):
            assert rel(grads[f"W{i}"], m.weight.grad.numpy().T) < 1e-10
            assert rel(grads[f"b{i}"], m.bias.grad.numpy()) < 1e-10
        for name, param in model.params.items():
            assert rel(grads[name], bp.numerical_gradient(lambda _: model.loss(X, y)[0], param)) < 1e-6


@pytest.mark.parametrize("gen,sizes,lr,batch_size,epochs,min_train,min_fresh", [
    (cd.xor, [2, 32, 32, 2], 0.3, 32, 200, 1.0, 0.99),
    (cd.two_spirals, [2, 32, 32, 2], 0.3, 16, 300, 0.98, 0.93),
])
def test_train_reaches_high_accuracy(gen, sizes, lr, batch_size, epochs, min_train, min_fresh):
    X, y = gen(seed=0)
    X_fresh, y_fresh = gen(seed=1000)
    model = bp.MLP(sizes, seed=0)
    start = time.perf_counter()
    history = bp.train(model, X, y, lr=lr, epochs=epochs, batch_size=batch_size, seed=0)
    elapsed = time.perf_counter() - start
    assert len(history) == epochs and all(isinstance(v, float) for v in history)
    assert history[-1] < 0.1 * history[0]
    assert bp.accuracy(model, X, y) >= min_train
    assert bp.accuracy(model, X_fresh, y_fresh) >= min_fresh
    assert elapsed < 3.0


def test_train_mean_of_minibatch_losses_and_partial_batch():
    X, y = cd.xor(n=10, seed=1)
    model, copy = bp.MLP([2, 4, 2], seed=0), bp.MLP([2, 4, 2], seed=0)
    history = bp.train(model, X, y, lr=0.1, epochs=2, batch_size=4, seed=7)
    rng, expected = np.random.default_rng(7), []
    for _ in range(2):
        order, losses = rng.permutation(10), []
        for idx in (order[0:4], order[4:8], order[8:10]):     # the last partial batch is kept
            loss, grads = copy.loss(X[idx], y[idx])
            for k in copy.params:
                copy.params[k] -= 0.1 * grads[k]
            losses.append(loss)
        expected.append(np.mean(losses))
    assert np.allclose(history, expected, rtol=1e-12)
    assert all(np.array_equal(model.params[k], copy.params[k]) for k in model.params)


@pytest.mark.parametrize("call,name", [
    (lambda: bp.affine_forward(np.ones(3), np.ones((3, 2)), np.ones(2)), "x"),
    (lambda: bp.affine_forward(np.ones((2, 3)), np.ones((4, 2)), np.ones(2)), "W"),
    (lambda: bp.softmax_cross_entropy(np.ones((3, 2)), np.array([0, 1])), "y"),
    (lambda: bp.mse_loss(np.ones((3, 2)), np.ones((2, 3))), "target"),
    (lambda: bp.MLP([2]), "layer_sizes"),
    (lambda: bp.MLP([2, 3], activation="tanh"), "activation"),
    (lambda: bp.train(bp.MLP([2, 2]), np.ones((4, 2)), np.zeros(4, int), batch_size=0), "batch_size"),
])
def test_bad_inputs_raise_value_error_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
