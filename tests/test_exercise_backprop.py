"""Exercise 1 (backprop) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant in
tests/submissions/backprop/ok_*.py full marks, and every buggy variant bug_*.py loses points in
the tests aimed at its bug, with a message that points at it. All gradings run once, in parallel
(one subprocess each), in a class-scoped fixture (tests/variant_grading.py).
"""
from variant_grading import VariantSuite, VariantTests

# bug variant -> (task graded: None = all, {test that must fail: words its message must contain},
#                 the other tests it fails): together the EXACT set of failing tests. Each bug
#                 fails tests of its own task and, at most, integration tests (the MLP built
#                 from the student's layers; `integration = true` in exercise.toml, 1 point each)
MLP_INTEGRATION = {"test_mlp_init_and_loss_gradient", "test_mlp_loss_gradient_check"}
TRAIN_INTEGRATION = {"test_train_xor", "test_train_lowers_the_loss", "test_train_xor_accuracy",
                     "test_train_spirals_accuracy"}
AFFINE_PROPERTIES = {"test_affine_keeps_float32", "test_affine_does_not_modify_inputs",
                     "test_affine_backward_rejects_bad_dout"}  # each needs right values first
BUGS = {
    "bug_dx_aliases_dout": (None, {
        "test_relu_does_not_modify_inputs": ("dout", "modified", "dx = dout.copy()"),
        "test_relu_backward_leaves_dout_unchanged": ("relu_backward", "dout", "dout.copy()")},
        set()),
    "bug_relu_grad_at_zero": (None, {
        "test_relu_gradient_is_zero_at_zero": ("x == 0", "x > 0"),
        "test_relu_gradient_zero_at_zero": ("relu_backward", "x == 0", "x > 0")}, set()),
    "bug_softmax_log_underflow": (None, {
        "test_softmax_large_logits": ("NaN", "1e4", "log-sum-exp"),
        "test_softmax_large_logits_are_finite": ("NaN", "log of a probability")}, set()),
    "bug_float64_for_float32": (None, {
        "test_relu_keeps_float32": ("dtype float64", "float32")}, set()),
    "bug_missing_bias_grad": (None, {
        "test_affine_backward_values": ("db", "bias", "dx and dW are right"),
        "test_affine_gradient_check": ("db",),
        "test_affine_backward_gradient_check": ("db",)},
        AFFINE_PROPERTIES | MLP_INTEGRATION | TRAIN_INTEGRATION),
    "bug_transposed_dW": (None, {
        "test_affine_backward_values": ("dW", "transpose"),
        "test_affine_gradient_check": ("dW", "transpose"),
        "test_mlp_loss_gradient_check": ("transpose",)},
        {"test_affine_backward_gradient_check"} | AFFINE_PROPERTIES | MLP_INTEGRATION
        | TRAIN_INTEGRATION),
    "bug_grad_scale_N": (None, {
        "test_softmax_values": ("dlogits", "times", "1/N"),
        "test_softmax_gradient_check": ("times",),
        "test_softmax_cross_entropy_small": ("times",),
        "test_mlp_loss_gradient_check": ("times",)},
        {"test_softmax_large_logits", "test_softmax_keeps_float32",
         "test_softmax_does_not_modify_inputs", "test_softmax_large_logits_are_finite",
         "test_softmax_rejects_bad_input", "test_mlp_init_and_loss_gradient",
         "test_train_spirals_accuracy"}),
    "bug_numgrad_no_restore": (None, {
        "test_numgrad_restores_x_bitwise": ("bitwise", "saved"),
        "test_numerical_gradient_of_a_quadratic": ("changed x",)},
        {"test_numgrad_any_shape", "test_numgrad_noncontiguous",
         "test_numerical_gradient_of_a_strided_view"}),
    # single deviations that used to cascade into other tasks (issue 10)
    "bug_db_mean": (None, {
        "test_affine_backward_values": ("db", "summed over the batch", "dx and dW are right")},
        {"test_affine_backward_gradient_check", "test_affine_gradient_check"}
        | AFFINE_PROPERTIES | MLP_INTEGRATION
        | {"test_train_lowers_the_loss", "test_train_spirals_accuracy"}),
    # a layer that raises costs nothing in mlp: MLP.forward/loss run with the course's layers
    "bug_affine_backward_raises": (None, {
        "test_affine_backward_values": ("affine_backward", "NameError"),
        "test_affine_backward_gradient_check": ("affine_backward", "NameError")},
        {"test_affine_gradient_check"} | AFFINE_PROPERTIES | MLP_INTEGRATION
        | TRAIN_INTEGRATION),
    "bug_init_other_call": (None, {
        "test_mlp_init_seeded": ("W1", "default_rng(seed)", "in order")}, set()),
    "stub_mlp_loss": (None, {
        "test_mlp_loss_values": ("MLP.loss is not implemented yet",),
        "test_mlp_loss_does_not_modify_inputs": ("MLP.loss is not implemented yet",),
        "test_train_xor_accuracy": ("MLP.loss is not implemented yet", "checking train")},
        MLP_INTEGRATION | TRAIN_INTEGRATION),
    # four of the most common mistakes in real CS231n code: each is caught by a public test too
    "bug_cs231n_four": (None, {
        "test_relu_backward_leaves_dout_unchanged": ("relu_backward", "dout"),
        "test_relu_does_not_modify_inputs": ("dout",),
        "test_softmax_large_logits_are_finite": ("NaN", "max"),
        "test_softmax_large_logits": ("NaN",),
        "test_mlp_init_he_variance_public": ("variance", "square root"),
        "test_mlp_init_he_variance": ("variance",),
        "test_mlp_init_seeded": (),
        "test_train_uses_its_own_seeded_rng": ("global", "default_rng"),
        "test_train_follows_the_seeded_order": ("order", "default_rng(seed)")}, set()),
}
# what must never reach a student: test source, the reference, internals of the checks, and
# expected values (a list of five or more floats)
SUITE = VariantSuite(
    "01-backprop", "backprop", BUGS,
    leaks=("ref.", "reference", "expect_", "import ", "array(", "probes.py"),
    leak_patterns=(r"\[\s*-?\d+\.\d+(?:e-?\d+)?(?:,\s*-?\d+\.\d+(?:e-?\d+)?){4,}",))


class TestVariants(VariantTests):
    suite = SUITE

    def test_failures_name_a_replayable_input(self, results):
        """Failing hypothesis tests say which input failed (students replay it with strategies.py)."""
        got = SUITE.outcomes(results["bug_relu_grad_at_zero"])
        entry = got["test_relu_gradient_is_zero_at_zero"]
        assert "Smallest failing input: test_relu_gradient_is_zero_at_zero(seed=" in entry["output"]
