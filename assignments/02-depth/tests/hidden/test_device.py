"""Hidden CPU-only device checks: each graded torch function runs once normally and once with
tensors created without device= landing on the `meta` device, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probes.device_rules). Runs everywhere, no GPU needed."""
import numpy as np

from autograder.testing import expect_no_device_bug, task

import strategies as S

SIZES = [3, 6, 6, 2]
WEIGHTS = S.mlp_weights(0, SIZES, gain=2.0)
X, Y = S.classification(1, 24, 3, 2)


@task("init_weights")
def test_init_weights_device(submission):
    """init_weights keeps every tensor on the parameters' device (no .cpu(), no 'cuda', no device-less tensors)"""
    expect_no_device_bug(submission, "init_weights", sizes=[5, 7, 3], scheme="he", seed=1)


@task("layer_grad_norms")
def test_layer_grad_norms_device(submission):
    """layer_grad_norms works on the model's device (no .numpy(), no .cpu(), no device-less tensors)"""
    expect_no_device_bug(submission, "layer_grad_norms", sizes=SIZES, activation="tanh", residual=True,
           weights=WEIGHTS, X=X, y=Y)


@task("clip_grad_norm_")
def test_clip_grad_norm_device(submission):
    """clip_grad_norm_ works on the gradients' device (no .cpu(), no .numpy(), no device-less tensors)"""
    grads = S.grad_arrays(2, [(3, 4), (5,)])
    expect_no_device_bug(submission, "clip_grad_norm_", grads=grads, max_norm=0.5)


@task("train_and_measure")
def test_train_and_measure_device(submission):
    """train_and_measure works on the data's device (permutation and batches follow the data and generator)"""
    data = (X[:18], Y[:18], X[18:], Y[18:])
    expect_no_device_bug(submission, "train_and_measure", sizes=SIZES, activation="sigmoid", residual=False,
           weights=WEIGHTS, data=data, epochs=2, lr=0.1, batch_size=5, seed=0, loss_threshold=0.6)


@task("depth_study")
def test_depth_study_device(submission):
    """depth_study builds every model and runs on the data's device"""
    data = tuple(np.asarray(a) for a in S.spirals(60, 48))
    expect_no_device_bug(submission, "depth_study", data=data, seed=0,
           kwargs=dict(depths=(1, 2), width=4, epochs=1, lr=0.1, batch_size=16, loss_threshold=0.5))
