"""Hidden CPU-only device checks: each graded torch function runs once normally and once with
tensors created without device= landing on the `meta` device, .numpy()/.cpu() raising and any
hard-coded CUDA device raising (probes.device_rules). Runs everywhere, no GPU needed.

No points without right values: each test also checks the function's values on the very
input of its device check (as the function's own tests do), after the device check (so a
hard-coded device is reported as a device bug)."""
import os
import sys

import numpy as np

from autograder.testing import expect_no_device_bug, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

NORMS = S.grad_case(dict(in_dim=3, width=6, depth=2, out_dim=2, activation="tanh", residual=True),
                    n=24, loss="cross_entropy", seed=0)
CLIP = S.clip_case([(3, 4), (5,)], missing=[], ratio=0.5, style="list", dtype="float64", seed=2)
TRAIN = S.train_case(dict(in_dim=3, width=6, depth=2, out_dim=2, activation="sigmoid",
                          residual=False), n_train=18, n_test=6, epochs=2, batch_size=5, lr=0.1,
                     seed=0)
INIT_SIZES = [40, 120, 30]


@task("init_weights")
def test_init_weights_device(submission):
    """init_weights keeps every tensor on the parameters' device (no .cpu(), no 'cuda', no device-less tensors)"""
    expect_no_device_bug(submission, "init_weights", sizes=INIT_SIZES, scheme="he", seed=1)
    info = submission.probe("init_probe", sizes=INIT_SIZES, scheme="he", seed=1, _where="init_weights")
    R.check_init(info, "he", INIT_SIZES)


@task("layer_grad_norms")
def test_layer_grad_norms_device(submission):
    """layer_grad_norms works on the model's device (no .numpy(), no .cpu(), no device-less tensors)"""
    expect_no_device_bug(submission, "layer_grad_norms", sizes=list(NORMS.sizes), activation="tanh",
                         residual=True, weights=NORMS.weights, X=NORMS.X, y=NORMS.y)
    R.expect_norms(R.run_norms(submission, NORMS), NORMS)


@task("clip_grad_norm_")
def test_clip_grad_norm_device(submission):
    """clip_grad_norm_ works on the gradients' device (no .cpu(), no .numpy(), no device-less tensors)"""
    expect_no_device_bug(submission, "clip_grad_norm_", grads=CLIP.grads, max_norm=CLIP.max_norm)
    R.expect_clipped(R.run_clip(submission, CLIP), CLIP)


@task("train_and_measure")
def test_train_and_measure_device(submission):
    """train_and_measure works on the data's device (permutation and batches follow the data and generator)"""
    expect_no_device_bug(submission, "train_and_measure", sizes=list(TRAIN.sizes),
                         activation="sigmoid", residual=False, weights=TRAIN.weights,
                         data=TRAIN.data, epochs=2, lr=0.1, batch_size=5, seed=0, loss_threshold=0.6)
    replicas = {mode: R.replica(TRAIN, shuffle=mode) for mode in R.SHUFFLES}
    R.expect_minibatch_values(R.run_train(submission, TRAIN, 0.6)["result"], TRAIN, 0.6, replicas)


@task("depth_study")
def test_depth_study_device(submission):
    """Integration: depth_study builds every model and runs on the data's device"""
    data = tuple(np.asarray(a) for a in S.spirals(60, 48))
    kwargs = dict(depths=(1, 2), width=4, epochs=1, lr=0.1, batch_size=16, loss_threshold=0.5)
    expect_no_device_bug(submission, "depth_study", data=data, seed=0, kwargs=kwargs)
    res = submission.probe("depth_study_probe", data=data, seed=0, **kwargs, _where="depth_study")
    R.check_study(res, (1, 2), (False, True), 1, "sigmoid")
