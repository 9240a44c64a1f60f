"""Hidden CPU-only device checks: each graded function runs once normally and once with tensors
created without device= landing on `meta`, .numpy()/.cpu() raising and any hard-coded CUDA device
raising (probe_tools.device_rules). Random draws use generator=None here, so a draw without
device= is caught too. Runs everywhere, no GPU needed. Each first requires the function's values
to be right on a small input (no points for constants on the right device)."""
import os
import sys

import strategies as S
from autograder.testing import expect_no_device_bug, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
from test_augmentation import _augment, _crop  # noqa: E402
from test_batchnorm import _bn_module, _check_module_against_torch, _forward  # noqa: E402
from test_dropout import _scaled  # noqa: E402
from test_penalty_and_labels import _l2, _smooth  # noqa: E402
from test_study import _study  # noqa: E402

BN = S.batchnorm_inputs(0, 6, 3)


@task("dropout")
def test_dropout_device(submission):
    """dropout draws its mask on x's device (no device-less tensors, no .cpu(), no 'cuda')"""
    _scaled(submission, 0, (6, 5), 0.4, "float32")
    expect_no_device_bug(submission, "dropout", x=S.values(0, (6, 5), "float32"), p=0.4)


@task("BatchNormFunction")
def test_batchnorm_function_device(submission):
    """BatchNormFunction: forward and backward stay on x's device"""
    x, gamma, beta, _ = S.batchnorm_inputs(0, 3, 2)
    _forward(submission, x, gamma, beta, 1e-5)
    R.gradcheck_remote(submission, x, gamma, beta, 1e-5, f"BatchNormFunction on x of shape {x.shape}")
    expect_no_device_bug(submission, "BatchNormFunction", inputs=BN)


@task("BatchNorm1d")
def test_batchnorm1d_device(submission):
    """BatchNorm1d: outputs and running statistics stay on the input's device (buffers registered)"""
    c = dict(seed=1, n=5, d=3, steps=2, momentum=0.1, eps=1e-5)
    info, inputs = _bn_module(submission, c)
    _check_module_against_torch(info, c, inputs)
    batches, _, _, _, _ = S.batchnorm_steps(1, 5, 3, 2)
    expect_no_device_bug(submission, "BatchNorm1d", batches=list(batches))


@task("l2_penalty")
def test_l2_penalty_device(submission):
    """l2_penalty stays on the parameters' device"""
    _l2(submission, 0, 0.1)
    expect_no_device_bug(submission, "l2_penalty", weights=S.stand_in_weights(0), lam=0.1)


@task("random_crop")
def test_random_crop_device(submission):
    """random_crop draws offsets and builds windows on the images' device"""
    _crop(submission, 0, 6, 2, 4, 4, 1)
    expect_no_device_bug(submission, "random_crop", images=S.images(0, 6, 2, 4, 4), padding=1)


@task("augment")
def test_augment_device(submission):
    """augment draws flips, crops and noise on the images' device"""
    images = S.images(0, 6, 2, 4, 4)
    info = _augment(submission, images, 0, padding=1, flip_p=0.0, noise_std=0.0)
    R.check_windows(info["out"], images, 1, "augment(images, flip_p=0, padding=1)", flipped=False)
    expect_no_device_bug(submission, "augment", images=S.images(0, 6, 2, 4, 4), padding=1, noise_std=0.1)


@task("smooth_labels")
def test_smooth_labels_device(submission):
    """smooth_labels builds the targets on y's device"""
    _smooth(submission, S.labels(0, 7, 3), 3, 0.1)
    expect_no_device_bug(submission, "smooth_labels", y=S.labels(0, 7, 3), num_classes=3, eps=0.1)


@task("regularization_study")
def test_regularization_study_device(submission):
    """regularization_study builds every model and runs on the data's device"""
    data = S.study_data(0, 16, 16, 16)
    configs = {"none": {}, "all": {"l2": 0.01, "dropout": 0.3, "augment": True, "early_stopping": 1}}
    _study(submission, data, configs, 2, 0)  # right values first
    expect_no_device_bug(submission, "regularization_study", data=list(data), epochs=2,
                         configs=configs)
