"""Hidden tests of layer_grad_norms and clip_grad_norm_."""
import os
import sys

from hypothesis import given

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@task("layer_grad_norms")
@given(case=S.grad_cases())
def test_layer_grad_norms_match_autograd(submission, case):
    """layer_grad_norms: ||dL/dW|| of every nn.Linear weight, input to output, from the given loss_fn"""
    info = R.run_norms(submission, case)
    R.expect_norms(info, case)
    bad = [t for t in info["element_types"] if t != "float"]
    if bad:
        fail(f"layer_grad_norms must return Python floats, got {bad[0]} values (use tensor.item())")


@task("layer_grad_norms")
@given(case=S.grad_cases())
def test_layer_grad_norms_leaves_no_gradients(submission, case):
    """layer_grad_norms: right norms, no gradients left behind in the model, parameters unchanged"""
    info = R.run_norms(submission, case, stale=False)
    R.expect_norms(info, case)
    if any(s == "nonzero" for s in info["grads_after"]):
        fail("layer_grad_norms left gradients behind in the model: set every p.grad back to "
             "None (model.zero_grad(set_to_none=True)) before returning")
    if not info["params_unchanged"]:
        fail("layer_grad_norms changed the model's parameters; it only measures gradients")


@task("clip_grad_norm_")
@given(case=S.clip_cases())
def test_clip_grad_norm_matches_torch(submission, case):
    """clip_grad_norm_ above max_norm: same total norm and scaled gradients as torch.nn.utils.clip_grad_norm_ (parameters given as a list, a generator or one tensor)"""
    info = R.run_clip(submission, case)
    R.expect_clipped(info, case)
    if case.style != "tensor":  # one tensor, not in a list, whatever the draw
        single = S.clip_case(shapes=[(3, 2)], missing=[], ratio=0.5, style="tensor",
                             dtype="float64", seed=0)
        R.expect_clipped(R.run_clip(submission, single), single)


@task("clip_grad_norm_")
@given(case=S.clip_cases(below=True))
def test_clip_grad_norm_untouched_below_max_norm(submission, case):
    """clip_grad_norm_ below max_norm: returns the total norm and leaves every gradient untouched (0.0 when no parameter has one)"""
    info = R.run_clip(submission, case)
    R.expect_clipped(info, case)
    none = submission.probe("clip_probe", grads=[None, None], max_norm=case.max_norm,
                            _where="clip_grad_norm_")
    if none["total"] != 0.0 or any(g is not None for g in none["grads"]):
        fail(f"clip_grad_norm_ on parameters without gradients returned {none['total']!r}; like "
             "torch, it skips them: the total norm of no gradients is 0.0 and nothing changes")
