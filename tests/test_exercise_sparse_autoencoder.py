"""Exercise 5 (sparse autoencoder) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/sparse_autoencoder/ok_*.py full marks, and every buggy variant bug_*.py loses
points in exactly the tests aimed at its bug with a message that points at it. Buggy variants
are graded on the task that holds their bug (``--task``), the rest in full; all gradings run
once, in parallel, in a class-scoped fixture (tests/variant_grading.py). Device bugs
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: none). A device test needs right
# values first, so a value bug also fails its function's device test.
BUGS = {
    "bug_kl_rho_hat_over_units": ("kl_sparsity", {
        "test_public_kl_sparsity_rho_hat_over_batch": ("kl_sparsity",),
        "test_kl_sparsity_value": ("kl_sparsity", "dim=0"),
        "test_kl_sparsity_gradient": ("kl_sparsity",),
        "test_kl_sparsity_device": ("right values first",),
        "test_kl_sparsity_rejects_bad_arguments": ("right values first",)}, set()),
    "bug_l1_summed_over_batch": ("l1_penalty", {
        "test_public_l1_penalty_mean_over_batch": ("l1_penalty", "times the correct"),
        "test_l1_penalty_value": ("summed over the batch",),
        "test_l1_penalty_gradient": ("l1_penalty",),
        "test_l1_penalty_device": ("right values first",),
        "test_l1_penalty_rejects_bad_codes": ("right values first",)}, set()),
    "bug_k_sparse_by_magnitude": ("k_sparse", {
        "test_public_k_sparse_keeps_largest_values": ("k_sparse",),
        "test_public_k_sparse_gradient_only_through_kept": ("gradient",),
        "test_k_sparse_keeps_k_largest": ("largest |z|",),
        "test_k_sparse_gradient": ("largest |z|",),
        "test_k_sparse_device": ("right values first",),
        "test_k_sparse_rejects_bad_arguments": ("right values first",)}, set()),
    "bug_k_sparse_straight_through": ("k_sparse", {
        "test_public_k_sparse_gradient_only_through_kept": ("gradient",),
        "test_k_sparse_gradient": ("dropped entries", "straight-through")}, set()),
    "bug_lifetime_floor": ("lifetime_sparsity", {
        "test_public_lifetime_sparsity_ceil": ("ceil(rate * N)",),
        "test_lifetime_sparsity_values": ("floor(rate * N)",),
        "test_lifetime_sparsity_gradient": ("floor(rate * N)",),
        "test_lifetime_sparsity_device": ("right values first",),
        "test_lifetime_sparsity_rejects_bad_arguments": ("right values first",)}, set()),
    "bug_entropy_in_nats": ("encoding_stats", {
        "test_public_encoding_stats_bits": ("entropy_bits",),
        "test_encoding_stats_hand_made_codes": ("entropy_bits", "nats"),
        "test_encoding_stats_random_codes": ("nats",),
        "test_encoding_stats_device": ("right values first",)}, set()),
    "bug_plot_column_major": ("plot_filters", {
        "test_public_plot_filters_row_major": ("tile 1",),
        "test_plot_filters_tiles_row_major": ("column by column",)}, set()),
    "bug_train_ignores_generator": ("train_sparse_ae", {
        "test_public_train_reproducible": ("generator",),
        "test_train_sparse_ae_reproducible_histories": ("generator", "global RNG"),
        "test_train_sparse_ae_follows_the_handout_recipe": ("recipe",)}, set()),
    "bug_loss_k_sparse_dense_recon": ("sparse_ae_loss", {
        "test_sparse_ae_loss_methods": ("k_sparse", "recon"),
        "test_sparse_ae_loss_defaults": ("k_sparse", "recon"),
        "test_sparse_ae_loss_device": ("k_sparse", "recon")}, set()),
}
SUITE = VariantSuite("05-sparse-autoencoder", "sparse_autoencoder", BUGS, leaks=("sae_oracle",))


class TestVariants(VariantTests):
    suite = SUITE
