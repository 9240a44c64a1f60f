"""Hidden tests of the VAE class and of sample (sample is tested with the tests' own linear
model, probes.StandInVAE, so that it does not depend on your VAE)."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import strategies as S  # noqa: E402
import vae_oracle as R  # noqa: E402


def _encoded(info, config, n):
    """Fail unless your VAE encodes to two (N, n_latent) tensors and decodes to (N, n_in)."""
    if not info["is_module"]:
        fail("VAE(...) must be an nn.Module")
    latent = config["n_latent"]
    for key in ("mu", "log_var"):
        got = R.tensor_of(info[key], f"encode(x)'s {key}")
        if got.array.shape != (n, latent):
            fail(f"encode(x) must return (mu, log_var), each (N, n_latent) = {(n, latent)}; "
                 f"{key} has shape {got.array.shape}")
    got = R.tensor_of(info["decoded_mu"], "decode(mu)")
    if got.array.shape != (n, config["n_in"]):
        fail(f"decode(z) must return (N, n_in) = {(n, config['n_in'])}, got {got.array.shape}")
    # the layers are free, so no expected values; but the random weights the test loaded
    # (biases included) never give exact zeros: an all-zero result was not computed
    for key, what in (("mu", "encode(x)'s mu"), ("log_var", "encode(x)'s log_var"),
                      ("decoded_mu", "decode(mu)")):
        if not np.any(np.asarray(info[key].array)):
            fail(f"{what} is zero for every row of x, with random weights and biases loaded: it "
                 "must be computed from its input by the model's layers")


@task("VAE")
@given(seed=S.seeds)
def test_vae_sizes_and_attributes(submission, seed):
    """VAE: encode gives (mu, log_var) of shape (N, n_latent), decode (N, n_in); float32 parameters; attributes n_in, n_hidden, n_latent"""
    config = S.vae_config(seed)
    info = submission.probe("vae_probe", config=config, x=S.inputs(seed, 5, config["n_in"]), seed=seed,
                            _where="VAE")
    _encoded(info, config, 5)
    if info["param_dtypes"] != ["torch.float32"]:
        fail(f"VAE parameters have dtypes {info['param_dtypes']}; keep PyTorch's default float32")
    if info["sizes"] != [config["n_in"], config["n_hidden"], config["n_latent"]]:
        fail(f"VAE(n_in, n_hidden, n_latent) must keep its sizes as attributes n_in, n_hidden, "
             f"n_latent (sample reads model.n_latent); got {info['sizes']}")


@task("VAE")
@given(seed=S.seeds, n=st.integers(1, 6))
def test_vae_forward_with_eps_is_deterministic(submission, seed, n):
    """VAE.forward(x, eps): (decode(mu + exp(0.5 * log_var) * eps), mu, log_var) with (mu, log_var) = encode(x), the same every call"""
    config = S.vae_config(seed)
    x = S.inputs(seed, n, config["n_in"])
    eps = S.inputs(seed + 1, n, config["n_latent"])
    info = submission.probe("vae_probe", config=config, x=x, seed=seed, eps=eps, _where="VAE")
    _encoded(info, config, n)
    R.expect_forward(info)
    out = info["forward"]
    expect_close(out[1], info["mu"].array, "forward's mu (it must be encode(x)'s mu)", rtol=1e-12)
    expect_close(out[2], info["log_var"].array, "forward's log_var (it must be encode(x)'s log_var)",
                 rtol=1e-12)
    if not info["same_twice"]:
        fail("forward(x, eps) gave different results on two calls with the same eps")


@task("VAE")
@given(seed=S.seeds)
def test_vae_forward_generator_reproducible(submission, seed):
    """VAE.forward(x, generator=g): noise drawn with g (the same seed gives the same x_recon whatever the global RNG; another seed another one)"""
    config = S.vae_config(seed)
    x = S.inputs(seed, 6, config["n_in"])
    info = submission.probe("vae_probe", config=config, x=x, seed=seed, noise_seed=seed % 1000,
                            eps=S.inputs(seed + 1, 6, config["n_latent"]), _where="VAE")
    _encoded(info, config, 6)
    R.expect_forward(info)  # right values first (with explicit noise)
    a, b, c = (np.asarray(R.tensor_of(t, "forward(x, generator=g)'s x_recon").array) for t in info["noise_runs"])
    if a.shape != (6, config["n_in"]):
        fail(f"forward(x, generator=g)'s x_recon has shape {a.shape}, expected {(6, config['n_in'])}")
    if np.array_equal(a, np.asarray(info["decoded_mu"].array)):
        fail("forward(x, generator=g) added no noise (it returned decode(mu)): draw eps ~ N(0, I) "
             "with the generator when eps is None")
    if not np.array_equal(a, b):
        fail("forward(x, generator=g) with two generators of the same seed gave different results: "
             "draw the noise with the generator (torch.randn(..., generator=generator)), never "
             "from the global RNG")
    if np.array_equal(a, c):
        fail("forward(x, generator=g) gave the same result for two different seeds: draw the noise "
             "with the generator")


@task("VAE")
def test_vae_forward_noise_convention(submission):
    """VAE.forward convention: eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype), drawn on the generator's device"""
    config = dict(n_in=5, n_hidden=4, n_latent=3)
    info = submission.probe("vae_probe", config=config, x=S.inputs(3, 4, 5), seed=3, noise_seed=11,
                            eps=S.inputs(4, 4, 3), _where="VAE")
    _encoded(info, config, 4)
    R.expect_forward(info)  # right values first (with explicit noise)
    expect_close(R.tensor_of(info["noise_runs"][0], "x_recon"), info["stream"].array,
                 "forward(x, generator=g)'s x_recon", rtol=1e-12,
                 hint="draw eps = torch.randn(mu.shape, generator=generator, device=generator.device, "
                      "dtype=mu.dtype) (one call, nothing drawn before it), then move it to mu's device")


@task("VAE")
def test_vae_gradients_reach_every_parameter(submission):
    """VAE: a loss on forward(x, eps) sends a gradient to every parameter (nothing detached)"""
    config = dict(n_in=6, n_hidden=5, n_latent=2)
    x = S.inputs(0, 8, 6)
    info = submission.probe("vae_probe", config=config, x=x, seed=1, eps=S.inputs(2, 8, 2), _where="VAE")
    _encoded(info, config, 8)
    R.expect_forward(info)
    grads = submission.probe("vae_grad_probe", config=config, x=x, eps=S.inputs(2, 8, 2), seed=1,
                             _where="VAE")
    if grads["no_grad"]:
        fail(f"no gradient reached the parameters {grads['no_grad']}: forward must not detach "
             "anything or go through NumPy")


@task("VAE")
def test_vae_bad_sizes_raise_value_error(submission):
    """VAE: a size below 1 raises ValueError naming it"""
    R.expect_value_error(submission, "VAE", [], dict(n_in=0, n_hidden=4, n_latent=2), "n_in")
    R.expect_value_error(submission, "VAE", [], dict(n_in=4, n_hidden=4, n_latent=0), "n_latent")


# ----------------------------------------------------------------------------- sample
def _sample_runs(submission, weights, n, seed, what="sample(model, n, generator)"):
    info = submission.probe("sample_probe", weights=weights, n=n, seed=seed, _where="sample")
    runs = [np.asarray(R.tensor_of(r, what).array) for r in info["runs"]]
    n_in = weights["C"].shape[0]
    if runs[0].shape != (n, n_in):
        fail(f"{what} has shape {runs[0].shape}, expected (n, n_in) = {(n, n_in)}")
    if runs[0].dtype != np.float64:
        fail(f"{what} has dtype {runs[0].dtype} for a float64 model: draw z in the dtype of the "
             "model's parameters")
    return runs


@task("sample")
@given(seed=S.seeds, latent=st.integers(1, 3))
def test_sample_decodes_standard_normal_draws(submission, seed, latent):
    """sample: model.decode(z) for n draws z ~ N(0, I) of shape (n, model.n_latent), in the model's dtype"""
    weights = S.stand_in_weights(seed, 6, latent)
    runs = _sample_runs(submission, weights, 3000, seed % 1000)
    z = R.recover_latents(weights, runs[0], "sample(model, n, generator)")
    R.expect_standard_normal(z, "sample(model, n, generator)")


@task("sample")
@given(seed=S.seeds)
def test_sample_reproducible_from_generator(submission, seed):
    """sample: the same generator seed gives the same samples whatever the global RNG; another seed other samples"""
    weights = S.stand_in_weights(seed, 5, 2)
    a, b, c = _sample_runs(submission, weights, 2000, seed % 1000)
    R.expect_standard_normal(R.recover_latents(weights, a, "sample(...)"), "sample(...)")
    if not np.array_equal(a, b):
        fail("sample with two generators of the same seed gave different samples: draw z with the "
             "generator (torch.randn(..., generator=generator)), never from the global RNG")
    if np.array_equal(a, c):
        fail("sample gave the same samples for two different generator seeds: draw z with the generator")


@task("sample")
def test_sample_noise_convention(submission):
    """sample convention: z = torch.randn((n, model.n_latent), generator=generator, dtype=<the model's dtype>) on the generator's device"""
    weights = S.stand_in_weights(4, 6, 3)
    runs = _sample_runs(submission, weights, 10, 21)
    expected = R.decode_stand_in(weights, R.stream(21, (10, 3)))
    expect_close(runs[0], expected, "sample(model, 10, generator)", rtol=1e-12,
                 hint="draw z = torch.randn((n, model.n_latent), generator=generator, "
                      "device=generator.device, dtype=<model dtype>) once, then decode it")


@task("sample")
def test_sample_bad_n_raises_value_error(submission):
    """sample: n below 1 raises ValueError naming n"""
    weights = S.stand_in_weights(0, 4, 2)  # right values first
    runs = _sample_runs(submission, weights, 2000, 0)
    R.expect_standard_normal(R.recover_latents(weights, runs[0], "sample(...)"), "sample(...)")
    R.expect_value_error(submission, "sample", [], dict(weights=S.stand_in_weights(0, 4, 2), n=0,
                                                        generator=None), "n")
