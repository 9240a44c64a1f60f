"""Hidden tests: float32, skipped parameters, state_dict round trips, no torch.optim update
code, argument checks."""
import os
import sys

import numpy as np
import torch
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

ALL = {
    "SGD": S.sgd_kwargs(nesterov=True, weight_decay=True),
    "AdaGrad": S.adagrad_kwargs(),
    "RMSProp": S.rmsprop_kwargs(),
    "Adam": st.one_of(S.adam_kwargs(weight_decay=True), S.adam_kwargs(weight_decay=True, decoupled=True)),
}


@st.composite
def any_case(draw, n_min=1):
    name = draw(st.sampled_from(S.OPTIMIZERS))
    shapes = draw(S.param_shapes())
    if len(shapes) < n_min:
        shapes = shapes + [(2,)] * (n_min - len(shapes))
    return name, draw(ALL[name]), draw(S.groups(len(shapes), S.lr_overrides())), shapes, draw(S.seeds)


@task("optimizers")
@given(case=any_case())
def test_float32_parameters(submission, case):
    """float32 parameters: a few steps match torch.optim, parameters and state stay float32"""
    name, kwargs, groups, shapes, seed = case
    init, noise, coef = S.problem(seed, shapes, 3, dtype=np.float32)
    info = submission.probe("run_optimizer", opt_name=name, kwargs=kwargs, groups=groups, init=init,
                            noise=noise, coef=coef, dtype="float32", _where=f"{name}.step")
    if any(d != "torch.float32" for d in info["param_dtypes"]):
        fail(f"{name} changed the parameters' dtype to {info['param_dtypes']}; update in place")
    what = R.describe(name, kwargs, groups) + " on float32 parameters"
    exp_state = R.check_trajectory(info, name, kwargs, groups, init, noise, coef,
                                   dtype=torch.float32, rtol=1e-5, atol=1e-6, what=what)
    R.check_state(info, name, exp_state, what, rtol=1e-5, atol=1e-6)


@task("optimizers")
@given(case=any_case(n_min=3))
def test_parameters_without_grad_are_skipped(submission, case):
    """parameters whose grad is None (always or on some steps) get no update and no state change"""
    name, kwargs, groups, shapes, seed = case
    init, noise, coef = S.problem(seed, shapes, 12)
    missing = S.missing_grads(seed, len(shapes), 12)
    info = submission.probe("run_optimizer", opt_name=name, kwargs=kwargs, groups=groups, init=init,
                            noise=noise, coef=coef, missing=missing, _where=f"{name}.step")
    what = R.describe(name, kwargs, groups) + " with some gradients None"
    exp_state = R.check_trajectory(info, name, kwargs, groups, init, noise, coef,
                                   missing=missing, what=what)
    R.check_state(info, name, exp_state, what)


@task("optimizers")
@given(case=any_case(), split=st.integers(1, 9))
def test_state_dict_round_trip(submission, case, split):
    """state_dict() / load_state_dict(): a new optimizer loaded mid-run continues exactly like the original"""
    name, kwargs, groups, shapes, seed = case
    init, noise, coef = S.problem(seed, shapes, 10)
    info = submission.probe("state_dict_round_trip", opt_name=name, kwargs=kwargs, groups=groups,
                            init=init, noise=noise, coef=coef, split=split, _where=f"{name}")
    exp_traj, _ = R.torch_run(name, kwargs, groups, init, noise, coef)
    what = R.describe(name, kwargs, groups)
    for t, (a, b, e) in enumerate(zip(info["continued"], info["reloaded"], exp_traj[split:])):
        for i, (pa, pb, pe) in enumerate(zip(a, b, e)):
            expect_close(pa, pe, f"{what}: parameter {i} at step {split + t + 1} (vs torch.optim)",
                         rtol=1e-9, atol=1e-12,
                         hint="your optimizer already differs from torch.optim without saving and "
                              "loading (the step-for-step tests say how)")
            expect_close(pb, pe, f"{what}: parameter {i} at step {split + t + 1} of an optimizer "
                         f"restored with load_state_dict after step {split}", rtol=1e-9, atol=1e-12,
                         hint="after load_state_dict your optimizer did not continue where the "
                              "saved one left off: keep every piece of state in self.state[p] "
                              "(the base class saves and restores it)")


@task("optimizers")
@given(seed=S.seeds)
def test_updates_do_not_call_torch_optim(submission, seed):
    """the four optimizers update with tensor operations: torch.optim's update functions raise during this test"""
    shapes = [(3, 2), (4,)]
    init, noise, coef = S.problem(seed, shapes, 3)
    groups = [{"params": [0, 1], "overrides": {}}]
    for name, kwargs in (("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
                         ("AdaGrad", dict(lr=0.1)), ("RMSProp", dict(lr=0.01)),
                         ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled=True))):
        info = submission.probe("run_optimizer", opt_name=name, kwargs=kwargs, groups=groups,
                                init=init, noise=noise, coef=coef, _where=f"{name}.step")
        R.check_trajectory(info, name, kwargs, groups, init, noise, coef)


BAD = [
    ("SGD", dict(lr=-0.1), "lr"), ("SGD", dict(lr=0.1, momentum=-0.5), "momentum"),
    ("SGD", dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
    ("AdaGrad", dict(lr=-1.0), "lr"), ("AdaGrad", dict(eps=-1.0), "eps"),
    ("RMSProp", dict(alpha=1.5), "alpha"), ("RMSProp", dict(lr=-0.01), "lr"),
    ("Adam", dict(betas=(1.0, 0.999)), "betas"), ("Adam", dict(betas=(0.9, -0.1)), "betas"),
    ("Adam", dict(lr=-1e-3), "lr"), ("Adam", dict(weight_decay=-0.1), "weight_decay"),
    ("step_decay", dict(lr0=0.1, epoch=-1), "epoch"),
    ("cosine_annealing", dict(lr0=0.1, epoch=3, total=0), "total"),
    ("warmup_cosine", dict(lr0=0.1, epoch=3, warmup=20, total=10), "warmup"),
]


@task("optimizers")
def test_bad_arguments_raise_value_error(submission):
    """bad hyper-parameters (negative lr, momentum, eps, decay; betas outside [0, 1); schedule arguments) raise ValueError naming them"""
    out = submission.probe("value_error_probe", cases=[(n, kw) for n, kw, _ in BAD],
                           _where="the constructors")
    for (name, kw, word), got in zip(BAD, out):
        call = f"{name}({', '.join(f'{k}={v!r}' for k, v in kw.items())})"
        if got["raised"] is None:
            fail(f"{call} should raise ValueError, it returned normally")
        if got["raised"] != "ValueError":
            fail(f"{call} raised {got['raised']}: {got['message'][:200]}; expected ValueError")
        if word not in got["message"]:
            fail(f"{call} raised ValueError, but its message does not name {word!r}")
