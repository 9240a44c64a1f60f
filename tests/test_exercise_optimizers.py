"""Exercise 3 (optimizers) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/optimizers/ok_*.py full marks, every buggy variant bug_*.py (and the
convention variant conv_*.py) loses points in exactly the tests listed for it (those aimed at
its bug with a message that points at it, and no others: one mistake, one deduction), and
lazy_constants.py (steps that do nothing, constants elsewhere) scores 0. Buggy variants are graded on the
task that holds their bug (``--task``), the rest in full; all gradings run once, in parallel
(one subprocess each), in a class-scoped fixture (tests/variant_grading.py). Device bugs
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded, None for all; {test that must fail: words its message must
#                 contain}; the exact set of the other tests that fail)
# (each optimizer's public device test checks values on the public case first, so a value bug of
# that optimizer fails it too)
SGD_PROPERTIES = {"test_sgd_bad_arguments_raise_value_error", "test_sgd_device", "test_public_sgd_device",
                  "test_sgd_does_not_call_torch_optim", "test_sgd_keeps_float32",
                  "test_sgd_skips_parameters_without_grad", "test_sgd_state_dict_round_trip",
                  "test_sgd_state_matches_torch"}
ADAM_PROPERTIES = {t.replace("sgd", "adam") for t in SGD_PROPERTIES}
ADAM_BASICS = {"test_public_adamw", "test_adam_device", "test_public_adam_device",
               "test_adam_keeps_float32", "test_adam_skips_parameters_without_grad",
               "test_adam_state_dict_round_trip"}
BUGS = {
    "bug_nesterov_swapped": ("SGD", {
        "test_sgd_nesterov_matches_torch": ("nesterov", "g + momentum * v")},
        {"test_sgd_weight_decay_matches_torch", "test_public_sgd_nesterov"} | SGD_PROPERTIES),
    "bug_sgd_weight_decay_after_step": ("SGD", {
        "test_sgd_weight_decay_matches_torch": ("weight decay", "after the update")},
        {"test_public_sgd_nesterov"} | SGD_PROPERTIES),
    "bug_state_outside_self_state": ("SGD", {
        "test_sgd_state_dict_round_trip": ("load_state_dict", "self.state[p]"),
        "test_public_state_dict_round_trip": ("load_state_dict", "self.state[p]")},
        {"test_sgd_state_matches_torch"}),
    # right parameters at every step, torch's state under another key: only the convention test
    "conv_state_keys_velocity": ("SGD", {
        "test_sgd_state_matches_torch": ("velocity", "momentum_buffer")}, set()),
    "bug_adagrad_eps_inside": ("AdaGrad", {
        "test_adagrad_matches_torch": ("eps", "outside the square root")},
        {"test_public_adagrad", "test_public_adagrad_device", "test_adagrad_keeps_float32",
         "test_adagrad_skips_parameters_without_grad", "test_adagrad_state_dict_round_trip"}),
    "bug_adam_no_bias_correction": ("Adam", {
        "test_adam_matches_torch": ("bias correction", "1 - beta1^t"),
        "test_adam_weight_decay_matches_torch": ("bias correction",),
        "test_adamw_matches_torch": ("bias correction",)}, {"test_public_adamw"} | ADAM_PROPERTIES),
    "bug_adamw_coupled": ("Adam", {
        "test_adamw_matches_torch": ("decoupled=True", "1 - lr * weight_decay", "gradient")},
        ADAM_BASICS),
    # one AdamW formula error: only Adam's task pays (its AdamW cases), no other optimizer's
    "bug_adamw_formula": ("Adam", {
        "test_adamw_matches_torch": ("1 - lr * weight_decay", "left out lr")},
        ADAM_BASICS),
    "bug_delegates_to_torch_optim": ("Adam", {
        "test_adam_does_not_call_torch_optim": ("torch.optim's own update code",
                                                "tensor operations")},
        {"test_public_adamw", "test_adam_matches_torch", "test_adam_weight_decay_matches_torch",
         "test_adamw_matches_torch"} | ADAM_PROPERTIES - {"test_adam_does_not_call_torch_optim"}),
    "bug_step_decay_off_by_one": ("schedules", {
        "test_step_decay": ("step_decay", "one epoch ahead")},
        {"test_schedules_bad_arguments_raise_value_error"}),
    "bug_warmup_cosine_over_total": ("schedules", {
        "test_warmup_cosine": ("total - warmup",)},
        {"test_public_schedules_known_values", "test_schedules_bad_arguments_raise_value_error"}),
    "bug_compare_shared_model": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": (
            "same model", "own fresh model", "shared-model bug"),
        "test_public_compare_optimizers_fresh_models_same_weights": ("same model",
                                                                     "shared-model bug")},
        {"test_compare_optimizers_reproducible_from_generator", "test_compare_optimizers_device",
         "test_compare_optimizers_arguments"}),
    "bug_compare_fresh_init": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": ("same initial weights",),
        "test_compare_optimizers_reproducible_from_generator": ("same initial weights",),
        "test_public_compare_optimizers_fresh_models_same_weights": ("same initial weights",)},
        {"test_public_compare_optimizers_structure", "test_compare_optimizers_device",
         "test_compare_optimizers_arguments"}),
    "bug_lr_sensitivity_best_loss": ("lr_sensitivity", {
        "test_lr_sensitivity_too_large_lr_diverges": ("diverge", "after the last step"),
        "test_public_lr_sensitivity_reports_the_final_loss": ("diverge", "after the last step")},
        {"test_lr_sensitivity_structure_and_values"}),
}
SUITE = VariantSuite("03-optimizers", "optimizers", BUGS, leaks=("optimizers_oracle",),
                     stub_messages=("NotImplementedError", "should raise ValueError"))
# optimizers whose step does nothing, schedules and experiments returning constants of the
# right type: every test with points fails (the GPU parity tests, 0 points, skip without CUDA)
LAZY_MUST = {"test_sgd_device": ("vs torch.optim.SGD",),
             "test_sgd_bad_arguments_raise_value_error": ("vs torch.optim.SGD",),
             "test_compare_optimizers_device": ("optimizer factory",),
             "test_lr_sensitivity_device": ("optimizer factory",)}
BUGS["lazy_constants"] = (None, LAZY_MUST, {t for t in SUITE.titles if not t.endswith("_parity")}
                          - set(LAZY_MUST))


class TestVariants(VariantTests):
    suite = SUITE

    def test_lazy_constants_score_nothing(self, results):
        assert results["lazy_constants"]["score"] == 0

    def test_failing_sets_are_exact(self, results, bug_variant):
        self.suite.check_exact_failures(bug_variant, results[bug_variant])
