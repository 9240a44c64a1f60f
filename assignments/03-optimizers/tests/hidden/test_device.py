"""Hidden CPU-only device checks: each optimizer (and the experiments) run once normally and
once with tensors created without device= landing on `meta`, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probes.device_rules). 0-d CPU scalars (e.g. the `step`
counter, as torch.optim keeps it) are allowed. Runs everywhere, no GPU needed.

No points without right values: each test also checks the values on the very input of its
device check (parameters against torch.optim, losses against a torch.optim replay), after the
device check (so a hard-coded device is reported as a device bug)."""
import os
import sys

from autograder.testing import expect_no_device_bug, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

ONE_GROUP = [{"params": [0, 1], "overrides": {}}]


def _optimizer(submission, name, kwargs, seed=0):
    case = S.optimizer_case(name, kwargs, ONE_GROUP, [(3, 2), (4,)], seed, steps=3)
    expect_no_device_bug(submission, name, kwargs=kwargs, init=case.init, noise=case.noise,
                         coef=case.coef)
    R.check_trajectory(R.run_case(submission, case), case)


def _experiment(submission, fn, specs, lrs=None):
    X, Y = S.classification_data(0, n=30)
    case = S.ExperimentCase(specs, 3, 0, 0, X, Y)
    expect_no_device_bug(submission, fn, X=X, y=Y, steps=3, specs=specs, lrs=lrs)
    info = R.run_experiment(submission, fn, case, lrs=lrs)
    if fn == "compare_optimizers":
        R.expect_comparison(info, case)
    else:
        R.expect_sensitivity(info, case, lrs)


@task("SGD")
def test_sgd_device(submission):
    """SGD keeps its update and momentum buffer on the parameters' device"""
    _optimizer(submission, "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))


@task("AdaGrad")
def test_adagrad_device(submission):
    """AdaGrad keeps its update and state on the parameters' device"""
    _optimizer(submission, "AdaGrad", dict(lr=0.1))


@task("RMSProp")
def test_rmsprop_device(submission):
    """RMSProp keeps its update and state on the parameters' device"""
    _optimizer(submission, "RMSProp", dict(lr=0.01, alpha=0.9))


@task("Adam")
def test_adam_device(submission):
    """Adam (and AdamW) keep the update and state on the parameters' device"""
    _optimizer(submission, "Adam", dict(lr=0.01, weight_decay=0.1, decoupled=True))
    _optimizer(submission, "Adam", dict(lr=0.01, weight_decay=0.1), seed=1)


@task("compare_optimizers")
def test_compare_optimizers_device(submission):
    """compare_optimizers puts every model on the data's device and creates nothing elsewhere"""
    _experiment(submission, "compare_optimizers",
                [("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})])


@task("lr_sensitivity")
def test_lr_sensitivity_device(submission):
    """lr_sensitivity puts every model on the data's device and creates nothing elsewhere"""
    _experiment(submission, "lr_sensitivity", [("sgd", "sgd", {})], lrs=[0.01, 0.1])
