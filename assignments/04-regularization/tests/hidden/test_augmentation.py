"""Hidden tests of hflip, random_crop and augment (augment with the course's hflip and
random_crop in place of yours)."""
import os
import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

image_shapes = st.tuples(st.integers(1, 6), st.integers(1, 3), st.integers(2, 7), st.integers(2, 7))


@task("hflip")
@given(seed=S.seeds, shape=image_shapes, dtype=S.float_dtypes)
def test_hflip_flips_last_axis_and_is_involution(submission, seed, shape, dtype):
    """hflip: mirrors the last axis (W) exactly, hflip(hflip(x)) == x, input not modified"""
    images = S.images(seed, *shape, dtype=dtype)
    info = submission.probe("hflip_probe", images=images, _where="hflip")
    got = R.arr(info["out"], "hflip(images)")
    exp = images[..., ::-1]
    if got.shape != images.shape or got.dtype != images.dtype or not np.array_equal(got, exp):
        hint = ""
        if got.shape == images.shape and shape[2] > 1 and np.array_equal(got, images[:, :, ::-1]):
            hint = ": you flipped the rows (H, axis -2); a horizontal flip mirrors W, the last axis"
        elif got.shape == images.shape and np.array_equal(got, images):
            hint = ": you returned the images unchanged"
        fail(f"hflip of images {shape} ({dtype}) is not the left-right mirror image{hint}")
    if not np.array_equal(R.arr(info["twice"], "hflip(hflip(images))"), images):
        fail("hflip(hflip(images)) must give back the images")
    if not info["images_unchanged"]:
        fail("hflip modified its input: return a new tensor (images.flip(-1))")


@task("hflip")
def test_hflip_rejects_bad_shapes(submission):
    """hflip: images that are not 4-D (N, C, H, W) raise ValueError naming images"""
    images = S.images(0, 3, 2, 4, 5)
    got = R.arr(submission.probe("hflip_probe", images=images, _where="hflip")["out"], "hflip(images)")
    if got.shape != images.shape or not np.array_equal(got, images[..., ::-1]):
        fail("hflip of images (3, 2, 4, 5) is not the left-right mirror image (needed before this "
             "property counts)")
    for bad in (images[0], images[None]):
        info = submission.probe("value_error_probe", fn="hflip", kwargs=dict(images=bad), _where="hflip")
        R.expect_value_error(info, f"hflip(images of shape {bad.shape})", "images")


@st.composite
def crop_cases(draw):
    padding = draw(st.integers(0, 2))
    n = 30 * (2 * padding + 1) ** 2
    return draw(S.seeds), n, draw(st.integers(1, 2)), draw(st.integers(3, 5)), draw(st.integers(3, 5)), padding


def _crop(submission, seed, n, c, h, w, padding, dtype="float32"):
    images = S.images(seed, n, c, h, w, dtype=dtype)
    info = submission.probe("crop_probe", images=images, padding=padding, seed=seed, _where="random_crop")
    hits = R.check_windows(info["out"], images, padding, f"random_crop(images, padding={padding})", flipped=False)
    return images, info, hits


@task("random_crop")
@settings(max_examples=5)
@given(case=crop_cases(), dtype=S.float_dtypes)
def test_random_crop_windows_of_zero_padded_input(submission, case, dtype):
    """random_crop: shape and dtype kept, each image a window of the zero-padded input, every offset 0..2*padding occurs"""
    seed, n, c, h, w, padding = case
    images, info, hits = _crop(submission, seed, n, c, h, w, padding, dtype)
    offsets = {o for o, _ in hits}
    want = {(i, j) for i in range(2 * padding + 1) for j in range(2 * padding + 1)}
    # each of the (2p+1)^2 offsets has probability 1/(2p+1)^2 per image, n = 30 (2p+1)^2 images:
    # one is missing with probability below 25 * (24/25)^750 < 1e-11
    if offsets != want:
        missing = sorted(want - offsets)
        fail(f"random_crop(images, padding={padding}) never used the window offset(s) {missing[:4]} in "
             f"{n} images: draw (i, j) uniformly from 0..2*padding (both ends included), one pair per image")
    if not info["images_unchanged"]:
        fail("random_crop modified its input images")


@task("random_crop")
@given(seed=S.seeds, padding=st.integers(1, 2))
def test_random_crop_reproducible_from_generator(submission, seed, padding):
    """random_crop: generators seeded alike give the same crops, another seed other crops"""
    images, info, _ = _crop(submission, seed, 40, 1, 4, 4, padding)
    R.check_generator_used(info, "random_crop", "crops")


@task("random_crop")
def test_random_crop_bad_arguments(submission):
    """random_crop: a negative padding or images that are not 4-D raise ValueError naming it"""
    _crop(submission, 0, 20, 1, 4, 4, 1)
    images = S.images(0, 2, 1, 4, 4)
    for kwargs, what, word in ((dict(images=images, padding=-1), "images, padding=-1", "padding"),
                               (dict(images=images[0], padding=1), f"images of shape {images[0].shape}, padding=1",
                                "images")):
        info = submission.probe("value_error_probe", fn="random_crop", kwargs=kwargs, _where="random_crop")
        R.expect_value_error(info, f"random_crop({what})", word)


def _augment(submission, images, seed, **kwargs):
    return submission.probe("crop_probe", fn="augment", images=images, seed=seed, _where="augment", **kwargs)


@task("augment")
@settings(max_examples=5)
@given(seed=S.seeds, padding=st.integers(0, 2), flip_p=st.sampled_from([0.0, 1.0]), dtype=S.float_dtypes)
def test_augment_flips_and_crops(submission, seed, padding, flip_p, dtype):
    """augment(noise_std=0): every image a zero-padded window of the image (flip_p=0) or of its mirror image (flip_p=1)"""
    images = S.images(seed, 30, 2, 5, 4, dtype=dtype)
    info = _augment(submission, images, seed, padding=padding, flip_p=flip_p, noise_std=0.0)
    R.check_windows(info["out"], images, padding, f"augment(images, flip_p={flip_p}, padding={padding})",
                    flipped=bool(flip_p))
    if not info["images_unchanged"]:
        fail("augment modified its input images")


N_FLIP = 1000


@task("augment")
@settings(max_examples=3)
@given(seed=S.seeds, flip_p=st.sampled_from([0.2, 0.5, 0.7]))
def test_augment_flip_probability(submission, seed, flip_p):
    """augment: each image is mirrored independently with probability flip_p (Hoeffding bound, false alarm < 1e-9)"""
    images = S.images(seed, N_FLIP, 1, 3, 4)
    info = _augment(submission, images, seed, padding=1, flip_p=flip_p, noise_std=0.0)
    hits = R.check_windows(info["out"], images, 1, f"augment(images, flip_p={flip_p}, padding=1)")
    rate = sum(f for _, f in hits) / N_FLIP
    t = R.hoeffding_tolerance(N_FLIP)  # 0.1035 for 1000 images
    if abs(rate - flip_p) >= t:
        fail(f"augment(flip_p={flip_p}) mirrored a fraction {rate:.3f} of {N_FLIP} images; a correct "
             f"augment stays within {t:.3f} of flip_p except with probability 1e-9 (flip each image "
             "independently with probability flip_p)")


@task("augment")
@settings(max_examples=4)
@given(seed=S.seeds, noise_std=st.sampled_from([0.05, 0.3, 1.0]))
def test_augment_adds_gaussian_noise_only_when_asked(submission, seed, noise_std):
    """augment: noise_std > 0 adds independent N(0, noise_std^2) noise per pixel, reproducible from the generator"""
    images = S.images(seed, 20, 2, 5, 5)
    clean = _augment(submission, images, seed, padding=0, flip_p=0.0, noise_std=0.0)
    R.check_windows(clean["out"], images, 0, "augment(images, flip_p=0, padding=0, noise_std=0)", flipped=False)
    info = _augment(submission, images, seed, padding=0, flip_p=0.0, noise_std=noise_std)
    out = R.arr(info["out"], "augment output")
    if out.shape != images.shape or out.dtype != images.dtype:
        fail(f"augment must keep shape and dtype, got {out.shape} {out.dtype}")
    noise = (out.astype(np.float64) - images).ravel()
    m = noise.size  # 1000 values: std within 15 %, mean within 6 standard errors
    if abs(noise.std() / noise_std - 1) > 0.15 or abs(noise.mean()) > 6 * noise_std / np.sqrt(m):
        fail(f"augment(noise_std={noise_std}) added noise with mean {noise.mean():.3g} and std "
             f"{noise.std():.3g}; add noise_std * (standard normal noise of the images' shape)")
    if not np.array_equal(out, R.arr(info["again"], "augment output")):
        fail("augment gave different noise for generators seeded alike: draw it from `generator`")


@task("augment")
def test_augment_bad_arguments(submission):
    """augment: images that are not 4-D, flip_p outside [0, 1] or a negative noise_std raise ValueError naming it"""
    images = S.images(0, 10, 1, 4, 4)
    info = _augment(submission, images, 0, padding=1, flip_p=0.0, noise_std=0.0)
    R.check_windows(info["out"], images, 1, "augment(images, flip_p=0, padding=1)", flipped=False)
    for kwargs, word in ((dict(flip_p=1.5), "flip_p"), (dict(noise_std=-0.1), "noise_std")):
        info = submission.probe("value_error_probe", fn="augment", kwargs=dict(images=images, **kwargs),
                                _where="augment")
        R.expect_value_error(info, f"augment(images, {', '.join(f'{k}={v}' for k, v in kwargs.items())})", word)
    info = submission.probe("value_error_probe", fn="augment", kwargs=dict(images=images[0], padding=1),
                            _where="augment")
    R.expect_value_error(info, f"augment(images of shape {images[0].shape}, padding=1)", "images")
