"""Hidden CPU-only device checks: each graded function runs once normally and once with tensors
created without device= landing on `meta`, .numpy()/.cpu() raising and any hard-coded CUDA device
raising (probe_tools.device_rules). Random draws use generator=None here, so a draw without
device= is caught too. Runs everywhere, no GPU needed."""
import strategies as S
from autograder.testing import expect_no_device_bug, task

BN = S.batchnorm_inputs(0, 6, 3)


@task("dropout")
def test_dropout_device(submission):
    """dropout draws its mask on x's device (no device-less tensors, no .cpu(), no 'cuda')"""
    expect_no_device_bug(submission, "dropout", x=S.values(0, (6, 5), "float32"), p=0.4)


@task("BatchNormFunction")
def test_batchnorm_function_device(submission):
    """BatchNormFunction: forward and backward stay on x's device"""
    expect_no_device_bug(submission, "BatchNormFunction", inputs=BN)


@task("BatchNorm1d")
def test_batchnorm1d_device(submission):
    """BatchNorm1d: outputs and running statistics stay on the input's device (buffers registered)"""
    batches, _, _, _, _ = S.batchnorm_steps(1, 5, 3, 2)
    expect_no_device_bug(submission, "BatchNorm1d", batches=list(batches))


@task("l2_penalty")
def test_l2_penalty_device(submission):
    """l2_penalty stays on the parameters' device"""
    expect_no_device_bug(submission, "l2_penalty", weights=S.stand_in_weights(0), lam=0.1)


@task("random_crop")
def test_random_crop_device(submission):
    """random_crop draws offsets and builds windows on the images' device"""
    expect_no_device_bug(submission, "random_crop", images=S.images(0, 6, 2, 4, 4), padding=1)


@task("augment")
def test_augment_device(submission):
    """augment draws flips, crops and noise on the images' device"""
    expect_no_device_bug(submission, "augment", images=S.images(0, 6, 2, 4, 4), padding=1, noise_std=0.1)


@task("smooth_labels")
def test_smooth_labels_device(submission):
    """smooth_labels builds the targets on y's device"""
    expect_no_device_bug(submission, "smooth_labels", y=S.labels(0, 7, 3), num_classes=3, eps=0.1)


@task("regularization_study")
def test_regularization_study_device(submission):
    """regularization_study builds every model and runs on the data's device"""
    data = S.study_data(0, 16, 16, 16)
    expect_no_device_bug(submission, "regularization_study", data=list(data), epochs=2,
                         configs={"none": {}, "all": {"l2": 0.01, "dropout": 0.3, "augment": True,
                                                      "early_stopping": 1}})
