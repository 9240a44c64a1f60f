"""Hidden tests: every optimizer equals its torch.optim counterpart step for step (the
parameters after every step), for hypothesis-drawn hyper-parameters, shapes and parameter
groups."""
import os
import sys

from hypothesis import given, strategies as st

from autograder.testing import task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

STEPS = 20


def cases(name, kwargs, overrides=None):
    return S.optimizer_cases(name, kwargs, overrides, steps=STEPS)


def _check(submission, case):
    """Parameters after every step equal torch.optim's (the state's key names have their own
    test, test_<optimizer>_state_matches_torch)."""
    info = R.run_case(submission, case)
    R.check_trajectory(info, case)


@task("SGD")
@given(case=cases("SGD", S.sgd_kwargs()))
def test_sgd_matches_torch(submission, case):
    """SGD (plain) equals torch.optim.SGD step for step, parameter groups included"""
    _check(submission, case)


@task("SGD")
@given(case=cases("SGD", S.sgd_kwargs(momentum=True),
                  st.one_of(st.just({}), st.fixed_dictionaries({"momentum": S.momenta}))))
def test_sgd_momentum_matches_torch(submission, case):
    """SGD with momentum equals torch.optim.SGD step for step"""
    _check(submission, case)


@task("SGD")
@given(case=cases("SGD", S.sgd_kwargs(nesterov=True)))
def test_sgd_nesterov_matches_torch(submission, case):
    """SGD with nesterov=True equals torch.optim.SGD(nesterov=True) step for step"""
    _check(submission, case)


@task("SGD")
@given(case=cases("SGD", st.one_of(S.sgd_kwargs(weight_decay=True),
                            S.sgd_kwargs(momentum=True, weight_decay=True),
                            S.sgd_kwargs(nesterov=True, weight_decay=True)),
                  st.one_of(st.just({}), st.fixed_dictionaries({"weight_decay": S.decays}))))
def test_sgd_weight_decay_matches_torch(submission, case):
    """SGD with weight_decay (with and without momentum) equals torch.optim.SGD step for step"""
    _check(submission, case)


@task("AdaGrad")
@given(case=cases("AdaGrad", S.adagrad_kwargs()))
def test_adagrad_matches_torch(submission, case):
    """AdaGrad equals torch.optim.Adagrad step for step"""
    _check(submission, case)


@task("RMSProp")
@given(case=cases("RMSProp", S.rmsprop_kwargs()))
def test_rmsprop_matches_torch(submission, case):
    """RMSProp equals torch.optim.RMSprop step for step"""
    _check(submission, case)


@task("Adam")
@given(case=cases("Adam", S.adam_kwargs(), st.one_of(
    st.just({}), st.fixed_dictionaries({"betas": st.just((0.7, 0.95))}))))
def test_adam_matches_torch(submission, case):
    """Adam equals torch.optim.Adam step for step"""
    _check(submission, case)


@task("Adam")
@given(case=cases("Adam", S.adam_kwargs(weight_decay=True)))
def test_adam_weight_decay_matches_torch(submission, case):
    """Adam with weight_decay (L2 through the gradient) equals torch.optim.Adam step for step"""
    _check(submission, case)


@task("Adam")
@given(case=cases("Adam", S.adam_kwargs(weight_decay=True, decoupled=True),
                  st.one_of(st.just({}), st.fixed_dictionaries({"weight_decay": S.decays}))))
def test_adamw_matches_torch(submission, case):
    """Adam(decoupled=True) equals torch.optim.AdamW step for step"""
    _check(submission, case)
