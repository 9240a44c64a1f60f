"""Checks of the reference solution solutions/optimizers.py itself (not of student code)."""
from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from module_loading import load_solution

ROOT = Path(__file__).resolve().parents[1]


O = load_solution("optimizers")


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


# ----------------------------------------------------------------------------- optimizers
CASES = [
    ("SGD", lambda g, **k: O.SGD(g, **k), torch.optim.SGD, dict(lr=0.05)),
    ("SGD momentum", lambda g, **k: O.SGD(g, **k), torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("SGD nesterov wd", lambda g, **k: O.SGD(g, **k), torch.optim.SGD,
     dict(lr=0.03, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("SGD wd", lambda g, **k: O.SGD(g, **k), torch.optim.SGD, dict(lr=0.03, weight_decay=0.1)),
    ("AdaGrad", lambda g, **k: O.AdaGrad(g, **k), torch.optim.Adagrad, dict(lr=0.1, eps=1e-6)),
    ("RMSProp", lambda g, **k: O.RMSProp(g, **k), torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("Adam", lambda g, **k: O.Adam(g, **k), torch.optim.Adam, dict(lr=0.02)),
    ("Adam wd", lambda g, **k: O.Adam(g, **k), torch.optim.Adam,
     dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05)),
    ("AdamW", lambda g, **k: O.Adam(g, decoupled=True, **k), torch.optim.AdamW,
     dict(lr=0.02, betas=(0.7, 0.95), weight_decay=0.3)),
]
SHAPES = [(5, 3), (3,), (4, 4), (2,), (6,)]


def _params(seed, dtype):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g, dtype=dtype).requires_grad_() for s in SHAPES]


def _loss(ps, t):
    """Non-quadratic objective; ps[4] is unused, so its grad stays None (the step must skip it)."""
    x = torch.linspace(-1, 1, 3, dtype=ps[0].dtype)
    return ((ps[0] @ x).tanh().sum() * ps[1].sum() + 0.3 * (ps[2] ** 2).sum()
            + ((t + 1) * ps[2].sin()).sum() + 0.1 * (ps[3] ** 4).sum())


def _groups(ps, lr):
    return [{"params": ps[:2]}, {"params": ps[2:4], "lr": lr * 0.5}, {"params": ps[4:]}]


def _train(opt, ps, steps, start=0):
    for t in range(start, start + steps):
        opt.zero_grad()
        _loss(ps, t).backward()
        opt.step()


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name, mine, theirs, kwargs", CASES, ids=[c[0] for c in CASES])
def test_step_for_step_equal_to_torch_optim(name, mine, theirs, kwargs, dtype):
    pa = _params(0, dtype)
    pb = [p.detach().clone().requires_grad_() for p in pa]
    oa = mine(_groups(pa, kwargs["lr"]), **kwargs)
    ob = theirs(_groups(pb, kwargs["lr"]), **kwargs)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == torch.float64 else dict(rtol=1e-5, atol=1e-6)
    for t in range(40):
        _train(oa, pa, 1, start=t)
        _train(ob, pb, 1, start=t)
        for a, b in zip(pa, pb):
            torch.testing.assert_close(a, b, **tol)
    assert pa[4].grad is None and torch.equal(pa[4], pb[4])
    sa, sb = oa.state_dict()["state"], ob.state_dict()["state"]
    assert sa.keys() == sb.keys()
    for i in sb:
        assert sa[i].keys() == sb[i].keys()
        for key in sb[i]:
            if key == "step":
                assert float(sa[i][key]) == float(sb[i][key])
            else:
                assert sa[i][key].dtype == sb[i][key].dtype
                torch.testing.assert_close(sa[i][key], sb[i][key], **tol)


@pytest.mark.parametrize("name, mine, theirs, kwargs", CASES[1::2], ids=[c[0] for c in CASES[1::2]])
def test_state_dict_round_trip(name, mine, theirs, kwargs):
    pa = _params(1, torch.float64)
    pb = [p.detach().clone().requires_grad_() for p in pa]
    oa = mine(_groups(pa, kwargs["lr"]), **kwargs)
    ob = mine(_groups(pb, kwargs["lr"]), **kwargs)
    _train(oa, pa, 10)
    _train(ob, pb, 10)
    saved = copy.deepcopy(ob.state_dict())
    ob = mine(_groups(pb, kwargs["lr"]), **kwargs)
    ob.load_state_dict(saved)
    _train(oa, pa, 10, start=10)
    _train(ob, pb, 10, start=10)
    for a, b in zip(pa, pb):
        assert torch.equal(a, b)


def test_first_momentum_buffer_is_a_copy_of_the_gradient():
    p = torch.tensor([1.0, -2.0], requires_grad=True)
    opt = O.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    p.grad = torch.tensor([0.2, 0.4])
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    torch.testing.assert_close(buf, torch.tensor([0.7, -0.6]))    # g + wd * p
    assert buf.data_ptr() != p.grad.data_ptr()
    torch.testing.assert_close(p.detach(), torch.tensor([0.93, -1.94]))


@pytest.mark.parametrize("make, word", [
    (lambda ps: O.SGD(ps, lr=-0.1), "lr"),
    (lambda ps: O.SGD(ps, lr=0.1, momentum=1.0), "momentum"),
    (lambda ps: O.SGD(ps, lr=0.1, momentum=-0.1), "momentum"),
    (lambda ps: O.SGD(ps, lr=0.1, nesterov=True), "nesterov"),
    (lambda ps: O.SGD(ps, lr=0.1, weight_decay=-1.0), "weight_decay"),
    (lambda ps: O.AdaGrad(ps, lr=-1.0), "lr"),
    (lambda ps: O.AdaGrad(ps, eps=-1.0), "eps"),
    (lambda ps: O.RMSProp(ps, alpha=1.5), "alpha"),
    (lambda ps: O.Adam(ps, betas=(1.0, 0.999)), "betas"),
    (lambda ps: O.Adam(ps, betas=(0.9, -0.1)), "betas"),
    (lambda ps: O.Adam(ps, lr=-1e-3), "lr"),
])
def test_bad_hyperparameters_raise_value_error(make, word):
    with pytest.raises(ValueError, match=word):
        make([torch.zeros(2, requires_grad=True)])


# ----------------------------------------------------------------------------- schedules
def test_schedule_values_at_known_epochs():
    assert O.step_decay(0.1, 0) == 0.1 and O.step_decay(0.1, 29) == 0.1
    assert O.step_decay(0.1, 30) == pytest.approx(0.01) and O.step_decay(0.1, 65) == pytest.approx(1e-3)
    assert O.step_decay(1.0, 10, drop=0.5, every=5) == 0.25
    assert O.exponential_decay(0.1, 0) == 0.1
    assert O.exponential_decay(0.1, 10) == pytest.approx(0.1 * math.exp(-0.3))
    assert O.exponential_decay(2.0, 4, k=0.5) == pytest.approx(2 * math.exp(-2))
    assert O.cosine_annealing(1.0, 0, 100) == 1.0
    assert O.cosine_annealing(1.0, 50, 100) == pytest.approx(0.5)
    assert O.cosine_annealing(1.0, 100, 100) == pytest.approx(0.0, abs=1e-15)
    assert O.warmup_cosine(0.1, 0, 10, 100) == 0.0
    assert O.warmup_cosine(0.1, 5, 10, 100) == pytest.approx(0.05)
    assert O.warmup_cosine(0.1, 10, 10, 100) == pytest.approx(0.1)
    assert O.warmup_cosine(0.1, 11, 10, 100) == pytest.approx(0.05 * (1 + math.cos(math.pi / 90)))
    assert O.warmup_cosine(0.1, 55, 10, 100) == pytest.approx(0.05)
    assert O.warmup_cosine(0.1, 100, 10, 100) == pytest.approx(0.0, abs=1e-15)
    assert O.warmup_cosine(0.1, 0, 0, 100) == 0.1          # no warmup: plain cosine
    assert O.warmup_cosine(0.1, 4, 4, 4) == 0.1            # warmup == total: a warm-up alone
    assert O.cosine_annealing(1.0, 1, 1) == pytest.approx(0.0, abs=1e-15)
    for value in (O.step_decay(1, 3), O.exponential_decay(1, 3), O.cosine_annealing(1, 3, 10),
                  O.warmup_cosine(1, 3, 5, 10)):
        assert type(value) is float


@pytest.mark.parametrize("call, word", [
    (lambda: O.step_decay(0.1, 3, every=0), "every"),
    (lambda: O.step_decay(0.1, -1), "epoch"),
    (lambda: O.exponential_decay(0.1, -2), "epoch"),
    (lambda: O.cosine_annealing(0.1, 3, 0), "total"),
    (lambda: O.cosine_annealing(0.1, -1, 10), "epoch"),
    (lambda: O.warmup_cosine(0.1, 3, 20, 10), "warmup"),
    (lambda: O.warmup_cosine(0.1, 3, 2, 0), "total"),
    (lambda: O.warmup_cosine(0.1, -3, 2, 10), "epoch"),
])
def test_schedules_reject_bad_inputs(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ----------------------------------------------------------------------------- experiments
def _data(dtype=torch.float32):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(60, 4, generator=g, dtype=dtype)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long() + (X[:, 2] > 1).long()
    return X, y


def _factory():
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def test_compare_optimizers_fresh_models_from_identical_weights():
    X, y = _data()
    factories = {"sgd": lambda ps: O.SGD(ps, lr=0.1), "sgd again": lambda ps: O.SGD(ps, lr=0.1),
                 "adam": lambda ps: O.Adam(ps, lr=0.01)}
    res = O.compare_optimizers(_factory, (X, y), factories, steps=15, generator=torch.Generator().manual_seed(3))
    assert list(res) == list(factories) and all(len(v) == 15 for v in res.values())
    assert all(type(v) is float for v in res["adam"])
    assert res["sgd"] == res["sgd again"]          # the chapter's shared-model bug would break this
    assert res["sgd"][0] == res["adam"][0]         # loss before the first step: same initial weights
    again = O.compare_optimizers(_factory, (X, y), factories, steps=15, generator=torch.Generator().manual_seed(3))
    assert again == res                            # the generator fixes the initial weights
    # the same run by hand (the model factory seeded the way compare_optimizers seeds it)
    seed = int(torch.randint(0, 2 ** 62, (1,), generator=torch.Generator().manual_seed(3)).item())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = _factory()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    manual = []
    for _ in range(15):
        opt.zero_grad()
        loss = F.cross_entropy(model(X), y)
        manual.append(loss.item())
        loss.backward()
        opt.step()
    assert res["sgd"] == pytest.approx(manual, rel=1e-6)


def test_lr_sensitivity_final_losses_and_divergence():
    X, y = _data(torch.float64)

    def seeded_factory():
        torch.manual_seed(11)
        return _factory()

    factories = {"sgd": lambda ps, lr: O.SGD(ps, lr=lr), "rmsprop": lambda ps, lr: O.RMSProp(ps, lr=lr)}
    lrs = [1e-3, 0.1, 1e6]
    res = O.lr_sensitivity(seeded_factory, (X, y), factories, lrs, steps=10, generator=torch.Generator().manual_seed(0))
    assert list(res) == ["sgd", "rmsprop"] and all(list(v) == lrs for v in res.values())
    curve = O.compare_optimizers(seeded_factory, (X, y), {"sgd": lambda ps: O.SGD(ps, lr=0.1)}, steps=11,
                                 generator=torch.Generator().manual_seed(0))["sgd"]
    assert res["sgd"][0.1] == pytest.approx(curve[-1], rel=1e-12)   # loss after step 10
    assert not math.isfinite(res["sgd"][1e6]) or res["sgd"][1e6] > curve[0]
    assert all(type(v) is float for d in res.values() for v in d.values())


def test_plot_optimizer_comparison_log_scale():
    from matplotlib.figure import Figure

    fig = O.plot_optimizer_comparison({"a": [1.0, 0.5, 0.25], "b": [1.0, 0.9, 0.8]})
    assert isinstance(fig, Figure) and fig.axes[0].get_yscale() == "log"
    assert len(fig.axes[0].get_lines()) == 2


def test_schedules_accept_numpy_integer_epochs():
    """The chapter feeds np.arange epochs to the schedules."""
    import numpy as np
    assert O.step_decay(0.1, np.int64(30)) == pytest.approx(0.01)
    assert O.cosine_annealing(0.1, np.int64(0), 10) == pytest.approx(0.1)
