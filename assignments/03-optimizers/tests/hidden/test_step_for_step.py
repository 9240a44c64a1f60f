"""Hidden tests: every optimizer equals its torch.optim counterpart step for step (parameters
and state), for hypothesis-drawn hyper-parameters, shapes and parameter groups."""
import os
import sys

from hypothesis import given, strategies as st

from autograder.testing import task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

STEPS = 20


@st.composite
def cases(draw, kwargs, overrides=None):
    shapes = draw(S.param_shapes())
    groups = draw(S.groups(len(shapes), overrides if overrides is not None else S.lr_overrides()))
    return draw(kwargs), groups, shapes, draw(S.seeds)


def _check(submission, name, case):
    kwargs, groups, shapes, seed = case
    init, noise, coef = S.problem(seed, shapes, STEPS)
    info = submission.probe("run_optimizer", opt_name=name, kwargs=kwargs, groups=groups, init=init,
                            noise=noise, coef=coef, _where=f"{name}.step")
    what = R.describe(name, kwargs, groups)
    exp_state = R.check_trajectory(info, name, kwargs, groups, init, noise, coef, what=what)
    R.check_state(info, name, exp_state, what)


@task("SGD")
@given(case=cases(S.sgd_kwargs()))
def test_sgd_matches_torch(submission, case):
    """SGD (plain) equals torch.optim.SGD step for step, parameter groups included"""
    _check(submission, "SGD", case)


@task("SGD")
@given(case=cases(S.sgd_kwargs(momentum=True),
                  st.one_of(st.just({}), st.fixed_dictionaries({"momentum": S.momenta}))))
def test_sgd_momentum_matches_torch(submission, case):
    """SGD with momentum equals torch.optim.SGD step for step (parameters and momentum_buffer)"""
    _check(submission, "SGD", case)


@task("SGD")
@given(case=cases(S.sgd_kwargs(nesterov=True)))
def test_sgd_nesterov_matches_torch(submission, case):
    """SGD with nesterov=True equals torch.optim.SGD(nesterov=True) step for step"""
    _check(submission, "SGD", case)


@task("SGD")
@given(case=cases(st.one_of(S.sgd_kwargs(weight_decay=True),
                            S.sgd_kwargs(momentum=True, weight_decay=True),
                            S.sgd_kwargs(nesterov=True, weight_decay=True)),
                  st.one_of(st.just({}), st.fixed_dictionaries({"weight_decay": S.decays}))))
def test_sgd_weight_decay_matches_torch(submission, case):
    """SGD with weight_decay (with and without momentum) equals torch.optim.SGD step for step"""
    _check(submission, "SGD", case)


@task("AdaGrad")
@given(case=cases(S.adagrad_kwargs()))
def test_adagrad_matches_torch(submission, case):
    """AdaGrad equals torch.optim.Adagrad step for step (parameters, sum and step)"""
    _check(submission, "AdaGrad", case)


@task("RMSProp")
@given(case=cases(S.rmsprop_kwargs()))
def test_rmsprop_matches_torch(submission, case):
    """RMSProp equals torch.optim.RMSprop step for step (parameters, square_avg and step)"""
    _check(submission, "RMSProp", case)


@task("Adam")
@given(case=cases(S.adam_kwargs(), st.one_of(
    st.just({}), st.fixed_dictionaries({"betas": st.just((0.7, 0.95))}))))
def test_adam_matches_torch(submission, case):
    """Adam equals torch.optim.Adam step for step (parameters, exp_avg, exp_avg_sq and step)"""
    _check(submission, "Adam", case)


@task("Adam")
@given(case=cases(S.adam_kwargs(weight_decay=True)))
def test_adam_weight_decay_matches_torch(submission, case):
    """Adam with weight_decay (L2 through the gradient) equals torch.optim.Adam step for step"""
    _check(submission, "Adam", case)


@task("Adam")
@given(case=cases(S.adam_kwargs(weight_decay=True, decoupled=True),
                  st.one_of(st.just({}), st.fixed_dictionaries({"weight_decay": S.decays}))))
def test_adamw_matches_torch(submission, case):
    """Adam(decoupled=True) equals torch.optim.AdamW step for step"""
    _check(submission, "Adam", case)
