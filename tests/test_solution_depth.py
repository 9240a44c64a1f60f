"""Checks of the reference solution solutions/depth.py itself (not of student code)."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from module_loading import load_solution

ROOT = Path(__file__).resolve().parents[1]


D = load_solution("depth")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def _spirals(n, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    t = torch.sqrt(torch.rand(n, generator=g, dtype=torch.float64)) * 3 * math.pi
    sign = 1 - 2 * y.to(torch.float64)
    X = torch.stack([sign * t / math.pi * torch.cos(t), sign * t / math.pi * torch.sin(t)], 1)
    X = X + 0.2 * torch.randn(n, 2, generator=g, dtype=torch.float64)
    return X.to(dtype), y


def _split(X, y, n_train):
    return X[:n_train], y[:n_train], X[n_train:], y[n_train:]


# ----------------------------------------------------------------------------- make_mlp
def test_plain_mlp_layout():
    model = D.make_mlp(3, 8, 3, 2, activation="tanh")
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    shapes = [tuple(m.weight.shape) for m in model.modules() if isinstance(m, nn.Linear)]
    assert shapes == [(8, 3), (8, 8), (8, 8), (2, 8)]
    assert all(p.dtype == torch.get_default_dtype() for p in model.parameters())


def test_residual_mlp_layout_and_linear_order():
    model = D.make_mlp(3, 8, 4, 2, activation="sigmoid", residual=True)
    blocks = [m for m in model.modules() if isinstance(m, D.ResidualBlock)]
    assert len(blocks) == 3
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 5
    assert [tuple(m.weight.shape) for m in linears] == [(8, 3)] + [(8, 8)] * 3 + [(2, 8)]
    assert linears[1:4] == [b.linear for b in blocks]
    assert model(torch.zeros(5, 3)).shape == (5, 2)


def test_residual_block_really_adds_the_input():
    block = D.ResidualBlock(6, "relu")
    h = torch.randn(4, 6, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(block(h), h + torch.relu(block.linear(h)), rtol=0, atol=0)
    with torch.no_grad():
        block.linear.weight.zero_()
        block.linear.bias.zero_()
    torch.testing.assert_close(block(h), h, rtol=0, atol=0)   # relu(0) = 0: identity
    model = D.make_mlp(6, 6, 3, 6, activation="sigmoid", residual=True)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.zero_()
                m.bias.zero_()
        model[0].bias.fill_(1.0)
        out_layer = model[-1]
        out_layer.weight.copy_(torch.eye(6))
    # h1 = sigmoid(1); each of the 2 blocks adds sigmoid(0) = 0.5
    expected = torch.full((2, 6), torch.sigmoid(torch.tensor(1.0)).item() + 1.0)
    torch.testing.assert_close(model(torch.randn(2, 6)), expected)


@pytest.mark.parametrize("kwargs, word", [
    (dict(activation="gelu"), "activation"),
    (dict(depth=0), "depth"),
    (dict(width=0), "width"),
])
def test_make_mlp_rejects_bad_arguments(kwargs, word):
    args = dict(in_dim=2, width=4, depth=2, out_dim=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=word):
        D.make_mlp(args.pop("in_dim"), args.pop("width"), args.pop("depth"), args.pop("out_dim"), **args)


# ----------------------------------------------------------------------------- init_weights
@pytest.mark.parametrize("scheme, var", [
    ("he", 2 / 400), ("xavier", 2 / (400 + 300)), ("small", 1e-4),
])
def test_init_variance_and_zero_bias(scheme, var):
    model = nn.Sequential(nn.Linear(400, 300), nn.ReLU(), nn.Linear(300, 300))
    out = D.init_weights(model, scheme, generator=torch.Generator().manual_seed(1))
    assert out is model
    w = model[0].weight
    assert abs(w.var().item() / var - 1) < 0.03
    assert abs(w.mean().item()) < 4 * math.sqrt(var / w.numel())
    assert torch.count_nonzero(model[0].bias) == 0 and torch.count_nonzero(model[2].bias) == 0
    fan = {"he": 2 / 300, "xavier": 2 / 600, "small": 1e-4}[scheme]
    assert abs(model[2].weight.var().item() / fan - 1) < 0.03


def test_init_reproducible_with_generator_and_rejects_unknown_scheme():
    a = D.init_weights(D.make_mlp(2, 8, 3, 2, residual=True), "he", torch.Generator().manual_seed(5))
    b = D.init_weights(D.make_mlp(2, 8, 3, 2, residual=True), "he", torch.Generator().manual_seed(5))
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="scheme"):
        D.init_weights(a, "lecun")


# ----------------------------------------------------------------------------- gradients
def test_layer_grad_norms_values_and_no_grads_left():
    torch.manual_seed(0)
    model = D.make_mlp(2, 8, 3, 3, activation="tanh", residual=True).double()
    X = torch.randn(20, 2, dtype=torch.float64)
    y = torch.randint(0, 3, (20,))
    for p in model.parameters():          # stale gradients must not leak into the result
        p.grad = torch.ones_like(p)
    norms = D.layer_grad_norms(model, X, y, F.cross_entropy)
    assert all(p.grad is None for p in model.parameters())
    assert len(norms) == 4 and all(type(v) is float for v in norms)
    F.cross_entropy(model(X), y).backward()
    expected = [m.weight.grad.norm().item() for m in model.modules() if isinstance(m, nn.Linear)]
    assert norms == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 1e3])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_clip_grad_norm_matches_torch(max_norm, dtype):
    g = torch.Generator().manual_seed(2)
    params = [torch.zeros(s, dtype=dtype, requires_grad=True) for s in [(3, 4), (5,), (2, 2)]]
    twins = [torch.zeros_like(p, requires_grad=True) for p in params]
    for p, q in zip(params, twins):
        p.grad = torch.randn(p.shape, generator=g, dtype=dtype)
        q.grad = p.grad.clone()
    no_grad = torch.zeros(3, dtype=dtype, requires_grad=True)      # grad None: skipped
    total = D.clip_grad_norm_((p for p in params + [no_grad]), max_norm)  # a generator is accepted
    expected = torch.nn.utils.clip_grad_norm_(twins, max_norm)
    assert type(total) is float
    assert total == expected.item()
    for p, q in zip(params, twins):
        assert torch.equal(p.grad, q.grad)
    assert no_grad.grad is None


def test_clip_grad_norm_single_tensor_and_no_grads():
    p = torch.zeros(4, requires_grad=True)
    p.grad = torch.tensor([3.0, 4.0, 0.0, 0.0])
    assert D.clip_grad_norm_(p, 1.0) == pytest.approx(5.0)
    torch.testing.assert_close(p.grad, torch.tensor([0.6, 0.8, 0.0, 0.0]), rtol=1e-5, atol=0)
    p.grad = torch.tensor([0.3, 0.4, 0.0, 0.0])
    before = p.grad.clone()
    assert D.clip_grad_norm_([p], 1.0) == pytest.approx(0.5)
    assert torch.equal(p.grad, before)                  # below max_norm: untouched
    assert D.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0) == 0.0


# ----------------------------------------------------------------------------- training
def _manual_training(model, data, *, epochs, lr, batch_size, seed):
    X, y, _, _ = data
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    curve, all_losses = [], []
    for _ in range(epochs):
        perm = torch.randperm(len(X), generator=gen)
        losses = []
        for i in range(0, len(X), batch_size):
            idx = perm[i:i + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        curve.append(sum(losses) / len(losses))
        all_losses += losses
    return curve, all_losses


def test_train_and_measure_matches_a_manual_loop():
    X, y = _spirals(100, dtype=torch.float64)
    data = _split(X, y, 70)       # 70 = 4 * 16 + 6: a partial last minibatch
    a = D.init_weights(D.make_mlp(2, 8, 2, 2, activation="tanh").double(), "xavier",
                       torch.Generator().manual_seed(0))
    b = D.init_weights(D.make_mlp(2, 8, 2, 2, activation="tanh").double(), "xavier",
                       torch.Generator().manual_seed(0))
    curve, losses = _manual_training(b, data, epochs=3, lr=0.2, batch_size=16, seed=3)
    threshold = sorted(losses)[len(losses) // 2]
    first = next(i for i, v in enumerate(losses) if v < threshold) + 1
    out = D.train_and_measure(a, data, epochs=3, lr=0.2, batch_size=16,
                              generator=torch.Generator().manual_seed(3), loss_threshold=threshold)
    assert set(out) == {"train_time_s", "loss_curve", "steps_to_threshold", "test_accuracy", "grad_norms"}
    assert out["loss_curve"] == pytest.approx(curve, rel=1e-12)
    assert out["steps_to_threshold"] == first
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)
    assert all(p.grad is None for p in a.parameters())
    assert len(out["grad_norms"]) == 3 and all(len(g) == 3 for g in out["grad_norms"])
    assert out["grad_norms"][-1] == pytest.approx(D.layer_grad_norms(b, data[0], data[1], F.cross_entropy))
    with torch.no_grad():
        acc = (b(data[2]).argmax(1) == data[3]).double().mean().item()
    assert type(out["test_accuracy"]) is float and out["test_accuracy"] == pytest.approx(acc)
    assert type(out["train_time_s"]) is float and out["train_time_s"] >= 0


def test_steps_to_threshold_edge_cases():
    X, y = _spirals(40)
    data = _split(X, y, 30)
    kwargs = dict(epochs=2, lr=0.1, batch_size=8)
    model = D.make_mlp(2, 4, 1, 2)
    out = D.train_and_measure(model, data, generator=torch.Generator().manual_seed(0),
                              loss_threshold=float("inf"), **kwargs)
    assert out["steps_to_threshold"] == 1
    out = D.train_and_measure(model, data, generator=torch.Generator().manual_seed(0),
                              loss_threshold=0.0, **kwargs)
    assert out["steps_to_threshold"] is None and len(out["loss_curve"]) == 2


def test_depth_study_shows_vanishing_gradients_and_the_residual_fix():
    X, y = _spirals(320)
    data = _split(X, y, 256)
    gen = torch.Generator().manual_seed(0)
    res = D.depth_study(data, depths=(2, 12), width=16, epochs=1, lr=0.1, batch_size=64,
                        generator=gen, loss_threshold=0.5)
    assert [(r["depth"], r["residual"]) for r in res] == [(2, False), (2, True), (12, False), (12, True)]
    for r in res:
        assert r["activation"] == "sigmoid"
        assert {"train_time_s", "loss_curve", "steps_to_threshold", "test_accuracy", "grad_norms"} <= set(r)
    first = {(r["depth"], r["residual"]): r["grad_norms"][0][0] for r in res}
    assert first[(12, False)] < 1e-4 * first[(2, False)]      # plain: vanishes with depth
    assert first[(12, True)] > 0.1 * first[(2, True)]         # residual: it does not
    # every run is reproducible on its own, whatever ran before it
    alone = D.depth_study(data, depths=(12,), residual=(True,), width=16, epochs=1, lr=0.1,
                          batch_size=64, generator=torch.Generator().manual_seed(0), loss_threshold=0.5)
    assert alone[0]["loss_curve"] == res[3]["loss_curve"]
    assert alone[0]["grad_norms"] == res[3]["grad_norms"]


def test_plot_depth_study_returns_a_log_scale_figure():
    from matplotlib.figure import Figure

    X, y = _spirals(64)
    res = D.depth_study(_split(X, y, 48), depths=(1, 3), width=4, epochs=2, lr=0.1, batch_size=16,
                        generator=torch.Generator().manual_seed(0), loss_threshold=0.1)
    fig = D.plot_depth_study(res)
    assert isinstance(fig, Figure)
    assert len(fig.axes) >= 2 and all(ax.get_yscale() == "log" for ax in fig.axes)
