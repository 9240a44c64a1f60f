"""Public tests of optimizers.py: a sample of what the grader checks (the hidden tests check more).

Run them with `dlcheck 03-optimizers/optimizers.py` (add `--task Adam` for one task). They call
your code through the same sandbox as the grader and compare with torch.optim, which you may
use in your own tests (not in your optimizers).
"""
import math

import numpy as np
import torch
from hypothesis import given

import probes as P
import strategies as S
from autograder.testing import expect_close, fail, task

CASES = {
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "AdaGrad": dict(lr=0.1),
    "RMSProp": dict(lr=0.01, alpha=0.9),
    "Adam": dict(lr=0.01, weight_decay=0.1, decoupled=True),
}
TORCH = {"SGD": torch.optim.SGD, "AdaGrad": torch.optim.Adagrad, "RMSProp": torch.optim.RMSprop,
         "Adam": torch.optim.AdamW}


def _compare(submission, name, seed):
    shapes = [(3, 2), (4,)]
    init, noise, coef = S.problem(seed, shapes, 5)
    groups = [{"params": [0, 1], "overrides": {}}]
    info = submission.probe("run_optimizer", opt_name=name, kwargs=CASES[name], groups=groups,
                            init=init, noise=noise, coef=coef, _where=f"{name}.step")
    params = [torch.tensor(a).requires_grad_(True) for a in init]
    kwargs = {k: v for k, v in CASES[name].items() if k != "decoupled"}
    opt = TORCH[name](params, **kwargs)
    for t, noise_t in enumerate(noise):
        P.set_grads(params, noise_t, coef)
        opt.step()
        for i, p in enumerate(params):
            expect_close(info["trajectory"][t][i], p.detach().numpy(),
                         f"{name}: parameter {i} after step {t + 1}", rtol=1e-9, atol=1e-12)


@task("SGD")
@given(seed=S.seeds)
def test_public_sgd_nesterov(submission, seed):
    """SGD(momentum=0.9, nesterov=True, weight_decay=0.01) equals torch.optim.SGD for 5 steps"""
    _compare(submission, "SGD", seed)


@task("AdaGrad")
@given(seed=S.seeds)
def test_public_adagrad(submission, seed):
    """AdaGrad equals torch.optim.Adagrad for 5 steps"""
    _compare(submission, "AdaGrad", seed)


@task("RMSProp")
@given(seed=S.seeds)
def test_public_rmsprop(submission, seed):
    """RMSProp equals torch.optim.RMSprop for 5 steps"""
    _compare(submission, "RMSProp", seed)


@task("Adam")
@given(seed=S.seeds)
def test_public_adamw(submission, seed):
    """Adam(decoupled=True) equals torch.optim.AdamW for 5 steps"""
    _compare(submission, "Adam", seed)


@task("schedules")
def test_public_schedules_known_values(submission):
    """the four schedules at a few epochs of the chapter's figure"""
    checks = [
        ("step_decay", dict(lr0=0.1, epoch=30), 0.01),
        ("exponential_decay", dict(lr0=0.1, epoch=10), 0.1 * math.exp(-0.3)),
        ("cosine_annealing", dict(lr0=0.1, epoch=50, total=100), 0.05),
        ("warmup_cosine", dict(lr0=0.1, epoch=5, warmup=10, total=100), 0.05),
        ("warmup_cosine", dict(lr0=0.1, epoch=55, warmup=10, total=100), 0.05),
    ]
    for name, kw, expected in checks:
        got = submission.probe("schedule_values", schedule=name, calls=[kw], _where=name)[0]
        if isinstance(got, str) or abs(got - expected) > 1e-12:
            fail(f"{name}({kw}) returned {got!r}, expected {expected}")


@task("compare_optimizers")
def test_public_compare_optimizers_structure(submission):
    """compare_optimizers returns one list of `steps` losses per optimizer, all starting at the initial model's loss"""
    X, y = S.classification_data(0)
    specs = [("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})]
    info = submission.probe("experiment_probe", fn="compare_optimizers", X=X, y=y, specs=specs,
                            steps=5, seed=0, _where="compare_optimizers")
    res = info["result"]
    if not isinstance(res, dict) or set(res) != {"sgd", "adam"}:
        fail("expected a dict with keys 'sgd' and 'adam'")
    if any(len(v) != 5 for v in res.values()):
        fail("expected 5 losses per optimizer")
    if res["sgd"][0] != res["adam"][0]:
        fail("the losses before the first step differ: the models did not start from the same weights")
    if not info["records"]:
        fail("compare_optimizers never called the optimizer factories: build every optimizer "
             "with optimizer_factories[name](model.parameters())")
    # the first loss is the full-batch loss of the model the optimizer factory was given
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 8), torch.nn.Tanh(),
                                torch.nn.Linear(8, int(y.max()) + 1))
    with torch.no_grad():
        for p, a in zip(model.parameters(), info["records"][0]["init"]):
            p.copy_(torch.as_tensor(a.array))
        first = torch.nn.functional.cross_entropy(model(torch.as_tensor(X)), torch.as_tensor(y)).item()
    expect_close(np.array(res["sgd"][0]), np.array(first), "the first loss of 'sgd' (before any step)",
                 rtol=1e-5)
