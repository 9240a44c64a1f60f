"""Exercise 6 (vae) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/vae/ok_*.py full marks, and every buggy variant bug_*.py fails exactly the
tests aimed at its bug with a message that points at it. Buggy variants are graded on the task
that holds their bug (``--task``), the rest in full; all gradings run once, in parallel (one
subprocess each), in a class-scoped fixture (tests/variant_grading.py). The device bug
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

LOSS_VALUE_TESTS = ("test_public_vae_loss_mse", "test_public_vae_loss_bce_large_logits",
                    "test_vae_loss_device", "test_vae_loss_mse", "test_vae_loss_bce_logits",
                    "test_vae_loss_bce_stable_for_large_logits", "test_vae_loss_beta_scales_the_kl",
                    "test_vae_loss_is_a_batch_average", "test_vae_loss_gradients")


def _all(tests, *words):
    return {t: words for t in tests}


# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: none)
BUGS = {
    "bug_std_exp_log_var": ("reparameterize", {
        "test_public_reparameterize": ("exp(0.5 * log_var)", "exp(log_var)"),
        "test_reparameterize_values": ("exp(0.5 * log_var)", "exp(log_var)"),
        "test_reparameterize_gradients": ("exp(0.5 * log_var)",),
        "test_reparameterize_leaves_inputs_unchanged": ("exp(0.5 * log_var)",),
        "test_reparameterize_device": ("exp(0.5 * log_var)",),
        "test_reparameterize_shape_mismatch_raises": ("exp(0.5 * log_var)",)}, set()),
    "bug_reparameterize_in_place": ("reparameterize", {
        "test_public_reparameterize": ("modified", "eps"),
        "test_reparameterize_leaves_inputs_unchanged": ("modified", "eps")}, set()),
    "bug_kl_mean_over_latent": ("kl_divergence", {
        "test_public_kl_divergence_per_sample": ("times the correct one",),
        "test_kl_divergence_closed_form_per_sample": ("sum over the latent dimensions",),
        "test_kl_divergence_matches_monte_carlo": ("monte-carlo", "sum over the latent dimensions"),
        "test_kl_divergence_gradients": ("sum over the latent dimensions",),
        "test_kl_divergence_device": ("sum over the latent dimensions",),
        "test_kl_divergence_shape_mismatch_raises": ("sum over the latent dimensions",)}, set()),
    "bug_kl_summed_over_batch": ("vae_loss", {
        **_all(LOSS_VALUE_TESTS[:2], "kl", "averaged over the batch"),
        **_all(LOSS_VALUE_TESTS[2:7], "summed over the batch"),
        "test_vae_loss_is_a_batch_average": ("average over samples, never sum",),
        "test_vae_loss_gradients": ("summed over the batch",)},
        {"test_vae_loss_bad_arguments_raise_value_error"}),
    "bug_recon_mean_over_features": ("vae_loss", {
        **_all(LOSS_VALUE_TESTS[:2], "summed over features"),
        **_all(LOSS_VALUE_TESTS[2:], "averaged over the features")},
        {"test_vae_loss_bad_arguments_raise_value_error"}),
    "bug_bce_on_probabilities": ("vae_loss", {
        "test_public_vae_loss_bce_large_logits": ("recon",),
        "test_vae_loss_bce_stable_for_large_logits": ("logits", "binary_cross_entropy_with_logits")},
        set()),
    "bug_beta_on_recon": ("vae_loss", {
        "test_public_vae_loss_mse": ("recon + beta * kl",),
        **_all(("test_vae_loss_device", "test_vae_loss_beta_scales_the_kl",
                "test_vae_loss_is_a_batch_average", "test_vae_loss_gradients"),
               "beta weighs the kl term")}, set()),
    "bug_forward_ignores_eps": ("VAE", {
        "test_public_forward_uses_eps": ("forward(x, eps)",),
        "test_vae_forward_with_eps_is_deterministic": ("use the eps it is given",),
        "test_vae_gradients_reach_every_parameter": ("use the eps it is given",),
        "test_vae_forward_generator_reproducible": ("use the eps it is given",),
        "test_vae_forward_device": ("use the eps it is given",),
        "test_vae_forward_noise_convention": ("use the eps it is given",)}, set()),
    "bug_sample_global_rng": ("sample", {
        "test_public_sample_reproducible": ("global RNG",),
        "test_sample_reproducible_from_generator": ("global RNG",),
        "test_sample_noise_convention": ("generator=generator",)}, set()),
    "bug_train_init_global_rng": ("train_vae", {
        "test_public_train_vae_reproducible": ("initial weights", "global RNG"),
        "test_train_vae_reproducible_from_generator": ("initial weights", "global RNG")}, set()),
    "bug_plot_latent_samples_z": ("plot_latent_space", {
        "test_public_plot_latent_space_means": ("means",),
        "test_plot_latent_space_scatters_the_means": ("means", "not sampled z")}, set()),
}
SUITE = VariantSuite("06-vae", "vae", BUGS, leaks=("vae_oracle",))


class TestVariants(VariantTests):
    suite = SUITE
