"""Exercise 2 (depth) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/depth/ok_*.py full marks, and every buggy variant bug_*.py loses points in the
tests aimed at its bug with a message that points at it. Buggy variants are graded on the task
that holds their bug (``--task``), the rest in full; all gradings run once, in parallel (one
subprocess each), in a class-scoped fixture (tests/variant_grading.py). Device bugs
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: None = any)
BUGS = {
    "bug_residual_no_skip": ("make_mlp", {
        "test_make_mlp_residual_adds_skip": ("skip", "h + act(Linear(h))")}, set()),
    "bug_output_activation": ("make_mlp", {
        "test_make_mlp_forward": ("output layer", "raw scores"),
        "test_make_mlp_residual_adds_skip": ("output layer",)}, {"test_public_make_mlp_shapes"}),
    "bug_xavier_fan_in": ("init_weights", {
        "test_init_xavier": ("xavier", "variance", "1/fan_in")}, set()),
    "bug_init_uniform": ("init_weights", {
        "test_init_he": ("normal", "kurtosis"), "test_init_xavier": ("normal",),
        "test_init_small": ("normal",)}, set()),
    "bug_init_ignores_generator": ("init_weights", {
        "test_init_generator_reproducible": ("generator", "global RNG"),
        "test_public_init_draws_from_the_generator": ("generator", "global RNG")}, set()),
    "bug_grads_left_behind": ("layer_grad_norms", {
        "test_layer_grad_norms_leaves_no_gradients": ("left gradients", "None"),
        "test_public_layer_grad_norms_leaves_no_gradients": ("left gradients", "None")}, set()),
    "bug_stale_grads": ("layer_grad_norms", {
        "test_layer_grad_norms_match_autograd": ("stale gradients", "before backward")},
        {"test_public_layer_grad_norms"}),
    "bug_clip_always_scales": ("clip_grad_norm_", {
        "test_clip_grad_norm_untouched_below_max_norm": ("below", "max_norm")}, set()),
    "bug_steps_zero_based": ("train_and_measure", {
        "test_train_and_measure_full_batch_values": ("steps_to_threshold", "from 1"),
        "test_train_and_measure_minibatches": ("steps_to_threshold",)},
        {"test_train_and_measure_keys_types_lengths"}),
    "bug_weighted_loss_curve": ("train_and_measure", {
        "test_train_and_measure_minibatches": ("loss_curve", "unweighted")}, set()),
    "bug_study_shared_generator": ("depth_study", {
        "test_depth_study_runs_are_reproducible": ("alone", "fresh generator"),
        "test_public_depth_study_runs_are_reproducible_alone": ("alone", "fresh")}, set()),
    "bug_plot_linear_scale": ("plot_depth_study", {
        "test_plot_depth_study_log_scale_gradient_axes": ("log-scale",)}, set()),
}
SUITE = VariantSuite("02-depth", "depth", BUGS, leaks=("depth_oracle",))


class TestVariants(VariantTests):
    suite = SUITE
