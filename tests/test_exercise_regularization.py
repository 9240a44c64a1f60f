"""Exercise 4 (regularization) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/regularization/ok_*.py full marks, and every buggy variant bug_*.py loses points
in exactly the tests listed for it (graded on the task that holds its bug, ``--task``) with a
message that points at the mistake. All gradings run once, in parallel, in a class-scoped
fixture (tests/variant_grading.py). Device bugs (device_*.py) and the GPU parity tests are
covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

DROPOUT_VALUES = {"test_dropout_inverted_scaling", "test_dropout_identity_when_not_training_or_p_zero",
                  "test_dropout_same_generator_same_mask", "test_dropout_drop_rate_matches_p",
                  "test_dropout_bad_p", "test_public_dropout_scaling_and_eval"}
BN_BACKWARD = {"test_batchnorm_function_gradcheck", "test_batchnorm_function_backward_matches_autograd",
               "test_batchnorm_function_backward_is_hand_written",
               "test_batchnorm_function_constant_columns_and_single_row",
               "test_public_batchnorm_function_matches_torch"}
BN1D = {"test_batchnorm1d_matches_torch_over_training_steps", "test_batchnorm1d_parameters_and_buffers",
        "test_batchnorm1d_trains_with_batchnorm_function", "test_batchnorm1d_bad_arguments",
        "test_public_batchnorm1d_running_statistics"}
EARLY_STOPPING = {"test_early_stopping_stops_after_patience_epochs", "test_early_stopping_best_epoch_and_loss",
                  "test_early_stopping_best_state_is_deep_copy", "test_early_stopping_bad_arguments",
                  "test_public_early_stopping_patience_and_best_state"}


def _all(tests: set, words: tuple, **overrides) -> dict:
    """Every test of ``tests`` must fail with ``words`` in its message (``overrides``: other words)."""
    return {t: overrides.get(t, words) for t in tests}


# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: set() = none)
BUGS = {
    "bug_dropout_not_rescaled": ("dropout", _all(DROPOUT_VALUES, ("dropout", "not rescaled"),
                                                 test_public_dropout_scaling_and_eval=("x / (1 - p)",)), {"test_dropout_device"}),
    "bug_dropout_scaled_by_keep_prob": ("dropout", _all(DROPOUT_VALUES, ("multiplied by 1 - p",),
                                                        test_public_dropout_scaling_and_eval=("x / (1 - p)",)), {"test_dropout_device"}),
    "bug_dropout_in_eval": ("dropout", {
        "test_dropout_identity_when_not_training_or_p_zero": ("training=False", "still drop entries"),
        "test_public_dropout_scaling_and_eval": ("training=False",)}, set()),
    "bug_batchnorm_unbiased_variance": ("BatchNormFunction", _all(
        BN_BACKWARD | {"test_batchnorm_function_forward_matches_torch", "test_batchnorm_function_bad_shapes"},
        ("unbiased variance", "biased batch variance"),
        test_public_batchnorm_function_matches_torch=("output",)), {"test_batchnorm_function_device"}),
    "bug_batchnorm_backward_missing_variance_term": ("BatchNormFunction", _all(
        BN_BACKWARD, ("term through the variance",),
        test_batchnorm_function_gradcheck=("gradcheck", "central differences"),
        test_public_batchnorm_function_matches_torch=("dx",)), {"test_batchnorm_function_device"}),
    "bug_batchnorm_backward_calls_autograd": ("BatchNormFunction", _all(
        BN_BACKWARD, ("called torch.autograd.grad", "by hand"),
        test_public_batchnorm_function_matches_torch=("must not call autograd",)), {"test_batchnorm_function_device"}),
    "bug_running_var_biased": ("BatchNorm1d", _all(
        BN1D, ("running_var", "biased batch variance", "unbiased"),
        test_public_batchnorm1d_running_statistics=("running_var",)), {"test_batchnorm1d_device"}),
    "bug_l2_includes_biases": ("l2_penalty", {
        "test_l2_penalty_value_and_gradient": ("every parameter", "dim() > 1"),
        "test_l2_penalty_bad_lam": ("every parameter",),
        "test_public_l2_penalty_weights_only": ("l2_penalty",)}, {"test_l2_penalty_device"}),
    "bug_hflip_wrong_axis": ("hflip", {
        "test_hflip_flips_last_axis_and_is_involution": ("flipped the rows", "last axis"),
        "test_public_hflip_last_axis": ("hflip",),
        "test_hflip_rejects_bad_shapes": ("mirror image", "needed before")}, set()),
    "bug_random_crop_offsets_exclusive": ("random_crop", {
        "test_random_crop_windows_of_zero_padded_input": ("never used the window offset", "both ends included"),
        "test_public_random_crop_windows": ("all 9 offsets",)}, set()),
    "bug_smooth_labels_other_classes": ("smooth_labels", _all(
        {"test_smooth_labels_formula", "test_smooth_labels_eps_zero_is_one_hot", "test_smooth_labels_bad_arguments",
         "test_public_smooth_labels_formula"}, ("K - 1 other classes",),
        test_public_smooth_labels_formula=("smooth_labels",)), {"test_smooth_labels_device"}),
    "bug_early_stopping_off_by_one": ("EarlyStopping", _all(
        EARLY_STOPPING, ("one epoch late",),
        test_public_early_stopping_patience_and_best_state=("expected True at epoch 3",)), set()),
    "bug_best_state_not_copied": ("EarlyStopping", {
        "test_early_stopping_best_state_is_deep_copy": ("copy.deepcopy(model.state_dict())",),
        "test_public_early_stopping_patience_and_best_state": ("best_state",)}, set()),
    "bug_study_last_weights": ("regularization_study", {
        "test_study_test_acc_uses_best_weights": ("lowest val_loss", "last weights"),
        "test_public_study_structure": ("lowest val_loss",)}, set()),
}
SUITE = VariantSuite("04-regularization", "regularization", BUGS, leaks=("regularization_oracle",))


class TestVariants(VariantTests):
    suite = SUITE
