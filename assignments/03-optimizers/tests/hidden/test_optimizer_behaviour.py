"""Hidden tests of the generic optimizer properties, per optimizer (each in that optimizer's
task): float32, parameters without a gradient, state_dict round trips, no torch.optim update
code, argument checks, and the state's key names (a convention, tested on its own).

Every property test first checks the optimizer's parameters against torch.optim on its input:
an optimizer that does not update earns nothing here."""
import os
import sys

from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

# fixed cases: every option that keeps state switched on, two parameter groups
FIXED = {
    "SGD": dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "AdaGrad": dict(lr=0.1, eps=1e-10),
    "RMSProp": dict(lr=0.01, alpha=0.9, eps=1e-8),
    "Adam": dict(lr=0.01, betas=(0.8, 0.99), eps=1e-8, weight_decay=0.1),
}
GROUPS = [{"params": [0], "overrides": {"lr": 0.03}}, {"params": [1], "overrides": {}}]
BAD = {  # every error the handout lists, per optimizer
    "SGD": [(dict(lr=-0.1), "lr"), (dict(lr=0.1, momentum=-0.5), "momentum"),
            (dict(lr=0.1, momentum=1.0), "momentum"),
            (dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
            (dict(lr=0.1, nesterov=True), "nesterov")],
    "AdaGrad": [(dict(lr=-1.0), "lr"), (dict(eps=-1.0), "eps")],
    "RMSProp": [(dict(alpha=1.5), "alpha"), (dict(alpha=-0.1), "alpha"), (dict(lr=-0.01), "lr"),
                (dict(eps=-1e-8), "eps")],
    "Adam": [(dict(betas=(1.0, 0.999)), "betas"), (dict(betas=(0.9, -0.1)), "betas"),
             (dict(betas=(-0.1, 0.999)), "betas"), (dict(betas=(0.9, 1.0)), "betas"),
             (dict(lr=-1e-3), "lr"), (dict(eps=-1e-8), "eps"),
             (dict(weight_decay=-0.1), "weight_decay")],
}


GOOD = {  # boundary values of the valid ranges: valid, and the same steps as torch.optim
    "SGD": [dict(lr=0.0, momentum=0.9), dict(lr=0.1, weight_decay=1.0),
            dict(lr=0.1, momentum=0.5, weight_decay=1.0)],
    "AdaGrad": [dict(lr=0.0), dict(eps=0.0)],
    "RMSProp": [dict(lr=0.0), dict(alpha=0.0), dict(alpha=1.0, eps=0.1), dict(eps=0.0)],
    "Adam": [dict(lr=0.0), dict(weight_decay=1.0), dict(eps=0.0), dict(betas=(0.0, 0.999)),
             dict(betas=(0.9, 0.0))],
}


def fixed_case(name, seed=0, steps=6, kwargs=None):
    return S.optimizer_case(name, FIXED[name] if kwargs is None else kwargs, GROUPS,
                            [(3, 2), (4,)], seed, steps)


def _values(submission, case):
    """Run ``case``; the parameters must follow torch.optim (returns the probe's info and
    torch's final state)."""
    info = R.run_case(submission, case)
    return info, R.check_trajectory(info, case)


def _float32(submission, case):
    info, _ = _values(submission, case)
    if any(d != "torch.float32" for d in info["param_dtypes"]):
        fail(f"{case.name} changed the parameters' dtype to {info['param_dtypes']}; update in place")
    for i, entry in info["state"].items():
        for key, value in entry.items():
            if getattr(value, "dtype", "torch.float32") not in ("torch.float32",) and key != "step":
                fail(f"{R.describe_case(case)}: state {key!r} of parameter {i} has dtype "
                     f"{value.dtype}; state tensors have the parameter's dtype (torch.zeros_like(p))")


def _round_trip(submission, case, split):
    info = submission.probe("state_dict_round_trip", opt_name=case.name, kwargs=case.kwargs,
                            groups=case.groups, init=case.init, noise=case.noise, coef=case.coef,
                            split=split, _where=case.name)
    exp_traj, _ = R.torch_run(case.name, case.kwargs, case.groups, case.init, case.noise, case.coef)
    what = R.describe_case(case)
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


def _no_torch_optim(submission, name):
    _values(submission, fixed_case(name, seed=1, steps=3))  # torch.optim's update code raises here


def _bad_arguments(submission, name):
    for kwargs in [FIXED[name]] + GOOD[name]:
        _values(submission, fixed_case(name, steps=3, kwargs=kwargs))
    R.expect_value_errors(submission, [(name, kw, word) for kw, word in BAD[name]])


def _state(submission, name):
    # SGD without momentum keeps no state at all (torch.optim.SGD stores no momentum_buffer)
    extra = [dict(lr=0.1, weight_decay=0.01)] if name == "SGD" else []
    for kwargs in [FIXED[name]] + extra:
        case = fixed_case(name, kwargs=kwargs)
        info, exp_state = _values(submission, case)
        R.check_state(info, name, exp_state, R.describe_case(case))


def float32_cases(name):
    return S.optimizer_cases(name, steps=3, dtype="float32")


def missing_cases(name):
    return S.optimizer_cases(name, steps=12, min_params=3, with_missing=True)


def round_trip_cases(name):
    return S.optimizer_cases(name, steps=10)


splits = st.integers(1, 9)


# ----------------------------------------------------------------------------- SGD
@task("SGD")
@given(case=float32_cases("SGD"))
def test_sgd_keeps_float32(submission, case):
    """SGD on float32 parameters: a few steps match torch.optim, parameters and state stay float32"""
    _float32(submission, case)


@task("SGD")
@given(case=missing_cases("SGD"))
def test_sgd_skips_parameters_without_grad(submission, case):
    """SGD: parameters whose grad is None (always or on some steps) get no update and no state change"""
    R.check_trajectory(R.run_case(submission, case), case)


@task("SGD")
@given(case=round_trip_cases("SGD"), split=splits)
def test_sgd_state_dict_round_trip(submission, case, split):
    """SGD state_dict() / load_state_dict(): a new optimizer loaded mid-run continues exactly like the original"""
    _round_trip(submission, case, split)


@task("SGD")
def test_sgd_does_not_call_torch_optim(submission):
    """SGD updates with tensor operations: torch.optim's update functions raise during this test"""
    _no_torch_optim(submission, "SGD")


@task("SGD")
def test_sgd_bad_arguments_raise_value_error(submission):
    """SGD: boundary values (lr 0, weight_decay 1) match torch.optim; negative lr or weight_decay, momentum outside [0, 1), nesterov without momentum raise ValueError naming the argument"""
    _bad_arguments(submission, "SGD")


@task("SGD")
def test_sgd_momentum_buffer_is_a_copy(submission):
    """SGD with momentum equals torch.optim.SGD when gradients are written into p.grad in place (zero_grad(set_to_none=False)): the buffer is a copy of the gradient"""
    case = fixed_case("SGD", kwargs=dict(lr=0.1, momentum=0.9))
    _values(submission, case)
    # torch's buffer is a copy, so its trajectory does not depend on how p.grad is refilled
    R.check_trajectory(R.run_case(submission, case, in_place_grads=True), case,
                       hint="with gradients written into p.grad in place (zero_grad(set_to_none="
                            "False), then backward) your steps change: the momentum buffer must "
                            "be a copy of the gradient, not the gradient itself (g.clone())")


@task("SGD")
def test_sgd_state_matches_torch(submission):
    """SGD's state uses torch.optim's key (momentum_buffer) and values, and is empty without momentum (a convention)"""
    _state(submission, "SGD")


# ----------------------------------------------------------------------------- AdaGrad
@task("AdaGrad")
@given(case=float32_cases("AdaGrad"))
def test_adagrad_keeps_float32(submission, case):
    """AdaGrad on float32 parameters: a few steps match torch.optim, parameters and state stay float32"""
    _float32(submission, case)


@task("AdaGrad")
@given(case=missing_cases("AdaGrad"))
def test_adagrad_skips_parameters_without_grad(submission, case):
    """AdaGrad: parameters whose grad is None (always or on some steps) get no update and no state change"""
    R.check_trajectory(R.run_case(submission, case), case)


@task("AdaGrad")
@given(case=round_trip_cases("AdaGrad"), split=splits)
def test_adagrad_state_dict_round_trip(submission, case, split):
    """AdaGrad state_dict() / load_state_dict(): a new optimizer loaded mid-run continues exactly like the original"""
    _round_trip(submission, case, split)


@task("AdaGrad")
def test_adagrad_does_not_call_torch_optim(submission):
    """AdaGrad updates with tensor operations: torch.optim's update functions raise during this test"""
    _no_torch_optim(submission, "AdaGrad")


@task("AdaGrad")
def test_adagrad_bad_arguments_raise_value_error(submission):
    """AdaGrad: boundary values (lr 0, eps 0) match torch.optim; negative lr or eps raise ValueError naming the argument"""
    _bad_arguments(submission, "AdaGrad")


@task("AdaGrad")
def test_adagrad_state_matches_torch(submission):
    """AdaGrad's state uses torch.optim's keys (step, sum) and values (a convention)"""
    _state(submission, "AdaGrad")


# ----------------------------------------------------------------------------- RMSProp
@task("RMSProp")
@given(case=float32_cases("RMSProp"))
def test_rmsprop_keeps_float32(submission, case):
    """RMSProp on float32 parameters: a few steps match torch.optim, parameters and state stay float32"""
    _float32(submission, case)


@task("RMSProp")
@given(case=missing_cases("RMSProp"))
def test_rmsprop_skips_parameters_without_grad(submission, case):
    """RMSProp: parameters whose grad is None (always or on some steps) get no update and no state change"""
    R.check_trajectory(R.run_case(submission, case), case)


@task("RMSProp")
@given(case=round_trip_cases("RMSProp"), split=splits)
def test_rmsprop_state_dict_round_trip(submission, case, split):
    """RMSProp state_dict() / load_state_dict(): a new optimizer loaded mid-run continues exactly like the original"""
    _round_trip(submission, case, split)


@task("RMSProp")
def test_rmsprop_does_not_call_torch_optim(submission):
    """RMSProp updates with tensor operations: torch.optim's update functions raise during this test"""
    _no_torch_optim(submission, "RMSProp")


@task("RMSProp")
def test_rmsprop_bad_arguments_raise_value_error(submission):
    """RMSProp: boundary values (lr 0, alpha 0 and 1, eps 0) match torch.optim; alpha outside [0, 1], a negative lr or eps raise ValueError naming the argument"""
    _bad_arguments(submission, "RMSProp")


@task("RMSProp")
def test_rmsprop_state_matches_torch(submission):
    """RMSProp's state uses torch.optim's keys (step, square_avg) and values (a convention)"""
    _state(submission, "RMSProp")


# ----------------------------------------------------------------------------- Adam
@task("Adam")
@given(case=float32_cases("Adam"))
def test_adam_keeps_float32(submission, case):
    """Adam/AdamW on float32 parameters: a few steps match torch.optim, parameters and state stay float32"""
    _float32(submission, case)


@task("Adam")
@given(case=missing_cases("Adam"))
def test_adam_skips_parameters_without_grad(submission, case):
    """Adam/AdamW: parameters whose grad is None (always or on some steps) get no update and no state change"""
    R.check_trajectory(R.run_case(submission, case), case)


@task("Adam")
@given(case=round_trip_cases("Adam"), split=splits)
def test_adam_state_dict_round_trip(submission, case, split):
    """Adam/AdamW state_dict() / load_state_dict(): a new optimizer loaded mid-run continues exactly like the original"""
    _round_trip(submission, case, split)


@task("Adam")
def test_adam_does_not_call_torch_optim(submission):
    """Adam updates with tensor operations: torch.optim's update functions raise during this test"""
    _no_torch_optim(submission, "Adam")


@task("Adam")
def test_adam_bad_arguments_raise_value_error(submission):
    """Adam: boundary values (lr 0, weight_decay 1, eps 0, betas 0) match torch.optim; betas outside [0, 1), a negative lr, eps or weight_decay raise ValueError naming the argument"""
    _bad_arguments(submission, "Adam")


@task("Adam")
def test_adam_state_matches_torch(submission):
    """Adam's state uses torch.optim's keys (step, exp_avg, exp_avg_sq) and values (a convention)"""
    _state(submission, "Adam")
