"""Hidden CPU-only device checks: each optimizer (and the experiments) run once normally and
once with tensors created without device= landing on `meta`, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probes.device_rules). 0-d CPU scalars (e.g. the `step`
counter, as torch.optim keeps it) are allowed. Runs everywhere, no GPU needed."""
import strategies as S
from autograder.testing import expect_no_device_bug, task

X, Y = S.classification_data(0, n=30)


@task("SGD")
def test_sgd_device(submission):
    """SGD keeps its update and momentum buffer on the parameters' device"""
    expect_no_device_bug(submission, "SGD", kwargs=dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01))


@task("AdaGrad")
def test_adagrad_device(submission):
    """AdaGrad keeps its update and state on the parameters' device"""
    expect_no_device_bug(submission, "AdaGrad", kwargs=dict(lr=0.1))


@task("RMSProp")
def test_rmsprop_device(submission):
    """RMSProp keeps its update and state on the parameters' device"""
    expect_no_device_bug(submission, "RMSProp", kwargs=dict(lr=0.01, alpha=0.9))


@task("Adam")
def test_adam_device(submission):
    """Adam (and AdamW) keep the update and state on the parameters' device"""
    expect_no_device_bug(submission, "Adam", kwargs=dict(lr=0.01, weight_decay=0.1, decoupled=True))
    expect_no_device_bug(submission, "Adam", kwargs=dict(lr=0.01, weight_decay=0.1), seed=1)


@task("compare_optimizers")
def test_compare_optimizers_device(submission):
    """compare_optimizers puts every model on the data's device and creates nothing elsewhere"""
    expect_no_device_bug(submission, "compare_optimizers", X=X, y=Y, steps=3,
           specs=[("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})])


@task("lr_sensitivity")
def test_lr_sensitivity_device(submission):
    """lr_sensitivity puts every model on the data's device and creates nothing elsewhere"""
    expect_no_device_bug(submission, "lr_sensitivity", X=X, y=Y, steps=3, lrs=[0.01, 0.1],
           specs=[("sgd", "sgd", {})])
