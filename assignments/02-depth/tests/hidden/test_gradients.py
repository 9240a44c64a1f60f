"""Hidden tests of layer_grad_norms and clip_grad_norm_."""
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, expect_scalar_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@st.composite
def grad_cases(draw):
    cfg = draw(S.mlp_configs(max_depth=4, max_width=8))
    n = draw(st.integers(2, 12))
    classes = max(cfg["out_dim"], 2)
    cfg["out_dim"] = classes
    return cfg, n, draw(st.sampled_from(["cross_entropy", "mse"])), draw(S.seeds)


def _probe(submission, cfg, n, loss, seed, stale=True):
    sizes = S.layer_sizes(cfg["in_dim"], cfg["width"], cfg["depth"], cfg["out_dim"])
    weights = S.mlp_weights(seed, sizes, gain=2.0)
    X, y = S.classification(seed + 1, n, cfg["in_dim"], cfg["out_dim"])
    info = submission.probe("grad_norms_probe", sizes=list(sizes), activation=cfg["activation"],
                            residual=cfg["residual"], weights=weights, X=X, y=y, loss=loss,
                            stale=stale, _where="layer_grad_norms")
    return sizes, weights, X, y, info


@task("layer_grad_norms")
@given(case=grad_cases())
def test_layer_grad_norms_match_autograd(submission, case):
    """layer_grad_norms: ||dL/dW|| of every nn.Linear weight, input to output, from the given loss_fn"""
    cfg, n, loss, seed = case
    sizes, weights, X, y, info = _probe(submission, cfg, n, loss, seed)
    if info["type"] not in ("list", "tuple"):
        fail(f"layer_grad_norms must return a list of floats, got {info['type']}")
    norms = info["norms"]
    expected = R.autograd_norms(sizes, cfg["activation"], cfg["residual"], weights, X, y, loss)
    if len(norms) != len(expected["weights"]):
        hint = R.diagnose_norms(norms, expected) if len(norms) == len(expected["all"]) else None
        fail(f"layer_grad_norms returned {len(norms)} values for a model with "
             f"{len(expected['weights'])} nn.Linear layers" + (f": {hint}" if hint else ""))
    if any(v is None for v in norms):
        fail("layer_grad_norms must return numbers (Python floats)")
    expect_close(np.array(norms), np.array(expected["weights"]), "layer_grad_norms(...)",
                 rtol=1e-7, hint=R.diagnose_norms(norms, expected))
    bad = [t for t in info["element_types"] if t != "float"]
    if bad:
        fail(f"layer_grad_norms must return Python floats, got {bad[0]} values (use tensor.item())")


@task("layer_grad_norms")
@given(case=grad_cases())
def test_layer_grad_norms_leaves_no_gradients(submission, case):
    """layer_grad_norms: no gradients left behind in the model, parameters unchanged"""
    cfg, n, loss, seed = case
    *_, info = _probe(submission, cfg, n, loss, seed, stale=False)
    if any(s == "nonzero" for s in info["grads_after"]):
        fail("layer_grad_norms left gradients behind in the model: set every p.grad back to "
             "None (model.zero_grad(set_to_none=True)) before returning")
    if not info["params_unchanged"]:
        fail("layer_grad_norms changed the model's parameters; it only measures gradients")


@st.composite
def clip_cases(draw, below=False):
    shapes = draw(S.param_shapes())
    missing = draw(st.sets(st.integers(0, len(shapes) - 1), max_size=len(shapes) - 1))
    ratio = draw(st.floats(1.2, 5.0) if below else st.floats(0.05, 0.8))
    style = draw(st.sampled_from(["list", "generator"] + (["tensor"] if len(shapes) == 1 else [])))
    if style == "tensor":
        missing = set()
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return shapes, sorted(missing), ratio, style, dtype, draw(S.seeds)


def _clip(submission, case):
    shapes, missing, ratio, style, dtype, seed = case
    grads = S.grad_arrays(seed, shapes, missing, dtype=dtype)
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads if g is not None)))
    max_norm = ratio * total
    info = submission.probe("clip_probe", grads=grads, max_norm=max_norm, style=style,
                            _where="clip_grad_norm_")
    exp_total, exp_grads = R.torch_clip(grads, max_norm)
    return grads, max_norm, info, exp_total, exp_grads, dtype


def _check_total(info, exp_total, dtype):
    if info["total"] is None:
        fail(f"clip_grad_norm_ must return the total norm as a float, got {info['total_type']}")
    tol = 1e-12 if dtype == np.float64 else 1e-5
    expect_scalar_close(info["total"], exp_total, "the returned total norm", rtol=tol)


@task("clip_grad_norm_")
@given(case=clip_cases())
def test_clip_grad_norm_matches_torch(submission, case):
    """clip_grad_norm_ above max_norm: same total norm and scaled gradients as torch.nn.utils.clip_grad_norm_"""
    grads, max_norm, info, exp_total, exp_grads, dtype = _clip(submission, case)
    _check_total(info, exp_total, dtype)
    for i, (g, src) in enumerate(zip(info["grads"], grads)):
        if src is None:
            if g is not None:
                fail("clip_grad_norm_ gave a gradient to a parameter that had none "
                     "(skip parameters whose p.grad is None)")
            continue
        if g is None:
            fail("clip_grad_norm_ removed a gradient; it scales them in place")
        hint = None
        if np.array_equal(g.array, src):
            hint = "the gradients were not scaled although the total norm is above max_norm"
        expected = exp_grads[sum(s is not None for s in grads[:i])]
        expect_close(g, expected, f"gradient {i} after clipping", rtol=1e-5, atol=1e-12, hint=hint)


@task("clip_grad_norm_")
@given(case=clip_cases(below=True))
def test_clip_grad_norm_untouched_below_max_norm(submission, case):
    """clip_grad_norm_ below max_norm: returns the total norm and leaves every gradient untouched"""
    grads, max_norm, info, exp_total, exp_grads, dtype = _clip(submission, case)
    _check_total(info, exp_total, dtype)
    for i, (g, src) in enumerate(zip(info["grads"], grads)):
        if src is None:
            continue
        if g is None or not np.array_equal(g.array, src):
            fail("clip_grad_norm_ changed the gradients although their total norm is below "
                 "max_norm: scale only when total > max_norm (coefficient max_norm / (total + 1e-6) "
                 "clamped to at most 1)")
