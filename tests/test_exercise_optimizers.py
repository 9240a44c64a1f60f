"""Exercise 3 (optimizers) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant
tests/submissions/optimizers/ok_*.py full marks, and every buggy variant bug_*.py loses points
in the tests aimed at its bug with a message that points at it. Buggy variants are graded on the
task that holds their bug (``--task``), the rest in full; all gradings run once, in parallel
(one subprocess each), in a class-scoped fixture (tests/variant_grading.py). Device bugs
(device_*.py) and the GPU parity tests are covered by tests/test_device_parity.py.
"""
from __future__ import annotations

from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded, {test that must fail: words its message must contain},
#                 other tests of that task allowed to fail: None = any)
BUGS = {
    "bug_nesterov_swapped": ("SGD", {
        "test_sgd_nesterov_matches_torch": ("nesterov", "g + momentum * v")},
        {"test_sgd_weight_decay_matches_torch", "test_public_sgd_nesterov"}),
    "bug_sgd_weight_decay_after_step": ("SGD", {
        "test_sgd_weight_decay_matches_torch": ("weight decay", "after the update")},
        {"test_public_sgd_nesterov"}),
    "bug_adagrad_eps_inside": ("AdaGrad", {
        "test_adagrad_matches_torch": ("eps", "outside the square root")},
        {"test_public_adagrad"}),
    "bug_adam_no_bias_correction": ("Adam", {
        "test_adam_matches_torch": ("bias correction", "1 - beta1^t"),
        "test_adam_weight_decay_matches_torch": ("bias correction",),
        "test_adamw_matches_torch": ("bias correction",)}, {"test_public_adamw"}),
    "bug_adamw_coupled": ("Adam", {
        "test_adamw_matches_torch": ("decoupled=True", "1 - lr * weight_decay", "gradient")},
        {"test_public_adamw"}),
    "bug_state_outside_self_state": ("optimizers", {
        "test_state_dict_round_trip": ("load_state_dict", "self.state[p]"),
        "test_public_state_dict_round_trip": ("load_state_dict", "self.state[p]")}, None),
    "bug_delegates_to_torch_optim": ("optimizers", {
        "test_updates_do_not_call_torch_optim": ("torch.optim's own update code",
                                                 "tensor operations")}, None),
    "bug_step_decay_off_by_one": ("schedules", {
        "test_step_decay": ("step_decay", "one epoch ahead")}, set()),
    "bug_warmup_cosine_over_total": ("schedules", {
        "test_warmup_cosine": ("total - warmup",)}, {"test_public_schedules_known_values"}),
    "bug_compare_shared_model": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": (
            "same model", "own fresh model", "shared-model bug"),
        "test_public_compare_optimizers_fresh_models_same_weights": ("same model",
                                                                     "shared-model bug")}, set()),
    "bug_compare_fresh_init": ("compare_optimizers", {
        "test_compare_optimizers_fresh_models_identical_weights": ("same initial weights",),
        "test_compare_optimizers_reproducible_from_generator": ("generator",),
        "test_public_compare_optimizers_fresh_models_same_weights": ("same initial weights",)},
        {"test_public_compare_optimizers_structure"}),
    "bug_lr_sensitivity_best_loss": ("lr_sensitivity", {
        "test_lr_sensitivity_too_large_lr_diverges": ("diverge", "after the last step"),
        "test_public_lr_sensitivity_reports_the_final_loss": ("diverge", "after the last step")},
        {"test_lr_sensitivity_structure_and_values"}),
}
SUITE = VariantSuite("03-optimizers", "optimizers", BUGS, leaks=("optimizers_oracle",), stub_messages=("NotImplementedError", "should raise ValueError"))


class TestVariants(VariantTests):
    suite = SUITE
