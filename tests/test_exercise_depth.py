"""Exercise 2 (depth) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/depth/ok_*.py full marks, every buggy variant bug_*.py loses points in
exactly the tests listed for it (those aimed at its bug with a message that points at it, and
no others: one mistake, one deduction), and lazy_constants.py (constants of the right shape
everywhere) scores 0. Buggy variants are graded on the task
that holds their bug (``--task``), the rest in full; all gradings run once, in parallel (one
subprocess each), in a class-scoped fixture (tests/variant_grading.py). Device bugs
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded, None for all; {test that must fail: words its message must
#                 contain}; the exact set of the other tests that fail)
BUGS = {
    "bug_residual_no_skip": ("make_mlp", {
        "test_make_mlp_residual_adds_skip": ("skip", "h + act(Linear(h))")},
        {"test_public_make_mlp_shapes"}),
    "bug_output_activation": ("make_mlp", {
        "test_make_mlp_forward": ("output layer", "raw scores"),
        "test_make_mlp_residual_adds_skip": ("output layer",)},
        {"test_public_make_mlp_shapes", "test_make_mlp_layers",
         "test_bad_arguments_raise_value_error"}),  # values first
    "bug_xavier_fan_in": ("init_weights", {
        "test_init_xavier": ("xavier", "variance", "1/fan_in")},
        {"test_init_generator_reproducible"}),
    "bug_init_uniform": ("init_weights", {
        "test_init_he": ("normal", "kurtosis"), "test_init_xavier": ("normal",),
        "test_init_small": ("normal",)},
        {"test_init_generator_reproducible", "test_init_weights_device",
         "test_init_weights_rejects_unknown_scheme"}),  # values first
    "bug_init_ignores_generator": ("init_weights", {
        "test_init_generator_reproducible": ("generator", "global RNG"),
        "test_public_init_draws_from_the_generator": ("generator", "global RNG")}, set()),
    "bug_grads_left_behind": ("layer_grad_norms", {
        "test_layer_grad_norms_leaves_no_gradients": ("left gradients", "None"),
        "test_public_layer_grad_norms_leaves_no_gradients": ("left gradients", "None")}, set()),
    "bug_stale_grads": ("layer_grad_norms", {
        "test_layer_grad_norms_match_autograd": ("stale gradients", "before backward")},
        {"test_public_layer_grad_norms", "test_layer_grad_norms_device"}),
    # one deviation, graded in full: train_and_measure and depth_study must not pay for it
    "bug_grad_norms_reversed": (None, {
        "test_layer_grad_norms_match_autograd": ("output to input",)},
        {"test_public_layer_grad_norms", "test_layer_grad_norms_device",
         "test_layer_grad_norms_leaves_no_gradients", "test_public_layer_grad_norms_device",
         "test_public_layer_grad_norms_leaves_no_gradients"}),
    "bug_clip_always_scales": ("clip_grad_norm_", {
        "test_clip_grad_norm_untouched_below_max_norm": ("below", "max_norm")}, set()),
    "bug_steps_zero_based": ("train_and_measure", {
        "test_train_and_measure_full_batch_values": ("steps_to_threshold", "from 1"),
        "test_train_and_measure_minibatches": ("steps_to_threshold",)},
        {"test_train_and_measure_keys_types_lengths", "test_train_and_measure_device",
         "test_train_and_measure_rejects_bad_arguments"}),
    "bug_weighted_loss_curve": ("train_and_measure", {
        "test_train_and_measure_minibatches": ("loss_curve", "unweighted")},
        {"test_train_and_measure_keys_types_lengths", "test_train_and_measure_device"}),
    "bug_study_shared_generator": ("depth_study", {
        "test_depth_study_runs_are_reproducible": ("alone", "fresh generator"),
        "test_public_depth_study_runs_are_reproducible_alone": ("alone", "fresh")}, set()),
    "bug_plot_linear_scale": ("plot_depth_study", {
        "test_plot_depth_study_log_scale_gradient_axes": ("log-scale",)}, set()),
}
SUITE = VariantSuite("02-depth", "depth", BUGS, leaks=("depth_oracle",))
# every graded function returns constants of the right shape and type: every test with points
# fails (the GPU parity tests, 0 points, skip without CUDA), with a message about the values
LAZY_MUST = {"test_clip_grad_norm_device": ("total norm is wrong",),
             "test_layer_grad_norms_device": ("all zeros",),
             "test_train_and_measure_device": ("loss_curve",),
             "test_depth_study_device": ("finite and positive",)}
BUGS["lazy_constants"] = (None, LAZY_MUST, {t for t in SUITE.titles if not t.endswith("_parity")}
                          - set(LAZY_MUST))


class TestVariants(VariantTests):
    suite = SUITE

    def test_lazy_constants_score_nothing(self, results):
        assert results["lazy_constants"]["score"] == 0

    def test_failing_sets_are_exact(self, results, bug_variant):
        self.suite.check_exact_failures(bug_variant, results[bug_variant])
