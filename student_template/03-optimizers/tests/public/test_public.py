"""Public tests of optimizers.py: a sample of what the grader checks (the hidden tests check more).

Run them with `dlcheck 03-optimizers/optimizers.py` (add `--task adam` for one task). They call
your code through the same sandbox as the grader and compare with torch.optim, which you may
use in your own tests (not in your optimizers).
"""
import math

import numpy as np
import torch
from hypothesis import given

import probes as P
import strategies as S
from autograder.testing import expect_close, expect_no_device_bug, fail, task

CASES = {
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "AdaGrad": dict(lr=0.1),
    "RMSProp": dict(lr=0.01, alpha=0.9),
    "Adam": dict(lr=0.01, weight_decay=0.1, decoupled=True),
}
TORCH = {"SGD": torch.optim.SGD, "AdaGrad": torch.optim.Adagrad, "RMSProp": torch.optim.RMSprop,
         "Adam": torch.optim.AdamW}


ONE_GROUP = [{"params": [0, 1], "overrides": {}}]


def _torch_trajectory(name, kwargs, groups, init, noise, coef):
    """torch.optim's parameters after every step, on the same problem."""
    params = [torch.tensor(a).requires_grad_(True) for a in init]
    kwargs = {k: v for k, v in kwargs.items() if k != "decoupled"}
    opt = TORCH[name](P._param_groups(params, groups), **kwargs)
    trajectory = []
    for noise_t in noise:
        P.set_grads(params, noise_t, coef)
        opt.step()
        trajectory.append([p.detach().numpy().copy() for p in params])
    return trajectory


def _compare(submission, name, seed, kwargs=None, groups=ONE_GROUP, what=None):
    kwargs = CASES[name] if kwargs is None else kwargs
    init, noise, coef = S.problem(seed, [(3, 2), (4,)], 5)
    info = submission.probe("run_optimizer", opt_name=name, kwargs=kwargs, groups=groups,
                            init=init, noise=noise, coef=coef, _where=f"{name}.step")
    expected = _torch_trajectory(name, kwargs, groups, init, noise, coef)
    for t, step in enumerate(expected):
        for i, p in enumerate(step):
            expect_close(info["trajectory"][t][i], p,
                         f"{what or name}: parameter {i} after step {t + 1}", rtol=1e-9, atol=1e-12)


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


# ------------------------------------------------- the mistakes the handout warns about
@task("SGD")
def test_public_sgd_parameter_groups(submission):
    """SGD reads lr and momentum from each parameter group, not from the constructor's arguments"""
    groups = [{"params": [0], "overrides": {"lr": 0.02, "momentum": 0.5}}, {"params": [1], "overrides": {}}]
    _compare(submission, "SGD", 7, kwargs=dict(lr=0.1, momentum=0.9), groups=groups,
             what="SGD with two parameter groups (read lr etc. from `group`)")


@task("SGD")
def test_public_state_dict_round_trip(submission):
    """an optimizer restored with load_state_dict mid-run continues exactly (state in self.state[p])"""
    kwargs = dict(lr=0.05, momentum=0.9)
    init, noise, coef = S.problem(8, [(3, 2), (4,)], 5)
    info = submission.probe("state_dict_round_trip", opt_name="SGD", kwargs=kwargs, groups=ONE_GROUP,
                            init=init, noise=noise, coef=coef, split=2, _where="SGD")
    expected = _torch_trajectory("SGD", kwargs, ONE_GROUP, init, noise, coef)[2:]
    for t, (a, b, e) in enumerate(zip(info["continued"], info["reloaded"], expected)):
        for i, (pa, pb, pe) in enumerate(zip(a, b, e)):
            expect_close(pa, pe, f"SGD(momentum=0.9): parameter {i} at step {t + 3}", rtol=1e-9,
                         atol=1e-12)
            expect_close(pb, pe, f"SGD(momentum=0.9) restored with load_state_dict after step 2: "
                         f"parameter {i} at step {t + 3}", rtol=1e-9, atol=1e-12,
                         hint="keep every piece of per-parameter state (the momentum buffer) in "
                              "self.state[p]: only that is saved by state_dict()")


@task("compare_optimizers")
def test_public_compare_optimizers_fresh_models_same_weights(submission):
    """compare_optimizers gives every optimizer its own fresh model, all with the same initial weights"""
    X, y = S.classification_data(1)
    specs = [("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})]
    runs = [submission.probe("experiment_probe", fn="compare_optimizers", X=X, y=y, specs=specs,
                             steps=4, seed=2, global_seed=g, _where="compare_optimizers")
            for g in (0, 1)]
    records, res = runs[0]["records"], runs[0]["result"]
    if not isinstance(res, dict) or set(res) != {"sgd", "adam"}:
        fail("expected a dict with keys 'sgd' and 'adam'")
    if any(r["shared_with"] for r in records):
        fail("compare_optimizers gave two optimizers the same model's parameters: every optimizer "
             "must train its own fresh model (the chapter's shared-model bug)")
    if len(records) != 2 or not all(np.array_equal(a.array, b.array)
                                    for a, b in zip(records[0]["init"], records[1]["init"])):
        fail("the optimizers' models did not start from the same initial weights: build one "
             "model, then give every optimizer a fresh model with a copy of its weights")
    if any(len(v) != 4 or v[-1] == v[0] for v in res.values()):
        fail("expected 4 losses per optimizer, changing as the model trains")
    if runs[1]["result"] != res:
        fail("compare_optimizers gave other results after a different torch.manual_seed: seed the "
             "model factory from `generator` inside torch.random.fork_rng() (handout §5)")


@task("lr_sensitivity")
def test_public_lr_sensitivity_reports_the_final_loss(submission):
    """lr_sensitivity reports the loss after the last step: SGD at lr=1e4 diverges, lr=0.05 improves"""
    X, y = S.spirals_data(0)
    info = submission.probe("experiment_probe", fn="lr_sensitivity", X=X, y=y,
                            specs=[("sgd", "sgd", {})], steps=20, seed=1, lrs=[0.05, 1e4],
                            _where="lr_sensitivity")
    try:
        big, small = info["result"]["sgd"][1e4], info["result"]["sgd"][0.05]
        init = [torch.as_tensor(a.array) for a in info["records"][0]["init"]]
    except (KeyError, TypeError, IndexError, AttributeError):
        fail("lr_sensitivity must return {name: {lr: float}} for every optimizer and learning rate")
    W1, b1, W2, b2 = init
    scores = torch.tanh(torch.as_tensor(X) @ W1.T + b1) @ W2.T + b2
    start = torch.nn.functional.cross_entropy(scores, torch.as_tensor(y)).item()
    if math.isfinite(big) and big <= start:
        fail(f"SGD at lr=1e4 should diverge: your final loss {big:.4g} is not above the initial "
             f"{start:.4g}; report the full-batch loss after the last step (inf/nan allowed), "
             "not the best loss seen")
    if not small < start:
        fail(f"SGD at lr=0.05 should improve on the initial loss {start:.4g}; yours is {small:.4g}")


def _expect_no_device_bug_in(submission, name, kwargs):
    """The device check on a public case (strategies.optimizer_case, seed 3, three steps), and
    right values (no points for a step that does nothing)."""
    case = S.optimizer_case(name, kwargs, ONE_GROUP, [(3, 2), (4,)], 3, steps=3)
    expect_no_device_bug(submission, name, kwargs=kwargs, init=case.init, noise=case.noise,
                         coef=case.coef)
    _compare(submission, name, 3)


@task("SGD")
def test_public_sgd_device(submission):
    """SGD keeps its momentum buffer on the parameters' device (torch.zeros_like(p))"""
    _expect_no_device_bug_in(submission, "SGD", dict(lr=0.1, momentum=0.9))


@task("AdaGrad")
def test_public_adagrad_device(submission):
    """AdaGrad keeps its state on the parameters' device (torch.zeros_like(p))"""
    _expect_no_device_bug_in(submission, "AdaGrad", dict(lr=0.1))


@task("RMSProp")
def test_public_rmsprop_device(submission):
    """RMSProp keeps its state on the parameters' device (torch.zeros_like(p))"""
    _expect_no_device_bug_in(submission, "RMSProp", dict(lr=0.01))


@task("Adam")
def test_public_adam_device(submission):
    """Adam keeps its moments on the parameters' device (torch.zeros_like(p))"""
    _expect_no_device_bug_in(submission, "Adam", dict(lr=0.01))
