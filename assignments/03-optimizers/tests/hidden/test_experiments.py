"""Hidden tests: compare_optimizers, lr_sensitivity and the comparison plot."""
import math
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import probes as P  # noqa: E402
import strategies as S  # noqa: E402

XS, YS = S.spirals_data(0)


@task("compare_optimizers")
@given(case=S.experiment_cases())
def test_compare_optimizers_fresh_models_identical_weights(submission, case):
    """compare_optimizers: every optimizer trains its own fresh model, all from identical initial weights; losses match a replay"""
    R.expect_comparison(R.run_experiment(submission, "compare_optimizers", case), case)


@task("compare_optimizers")
@given(case=S.experiment_cases(), other=st.integers(1001, 2000))
def test_compare_optimizers_reproducible_from_generator(submission, case, other):
    """compare_optimizers: right losses, and the same generator seed gives the same initial weights and losses, whatever the global RNG"""
    a = R.run_experiment(submission, "compare_optimizers", case)
    R.expect_comparison(a, case)
    b = R.run_experiment(submission, "compare_optimizers", case._replace(global_seed=other))
    same_init = all(np.array_equal(p.array, q.array)
                    for p, q in zip(a["records"][0]["init"], b["records"][0]["init"]))
    if not same_init or a["result"] != b["result"]:
        fail("two calls with generators seeded alike gave different initial weights or losses: "
             "the model factory draws from the global RNG, so seed it from `generator` (see the "
             "handout: torch.random.fork_rng() + torch.manual_seed(seed drawn from generator))")


LRS = [0.003, 0.03, 0.3]


@task("lr_sensitivity")
@given(case=S.experiment_cases(sensitivity=True))
def test_lr_sensitivity_structure_and_values(submission, case):
    """lr_sensitivity: {name: {lr: loss after the last step}}, every run a fresh model from the same weights"""
    R.expect_sensitivity(R.run_experiment(submission, "lr_sensitivity", case, lrs=LRS), case, LRS)


@task("lr_sensitivity")
@given(seed=S.seeds)
def test_lr_sensitivity_too_large_lr_diverges(submission, seed):
    """lr_sensitivity: SGD with a far too large learning rate ends above its initial loss (or inf/nan), a small one below"""
    info = submission.probe("experiment_probe", fn="lr_sensitivity", X=XS, y=YS,
                            specs=[("sgd", "sgd", {})], steps=20, seed=seed, lrs=[0.05, 1e4],
                            _where="lr_sensitivity")
    res = info["result"]
    try:
        init = info["records"][0]["init"]
        big, small = res["sgd"][1e4], res["sgd"][0.05]
    except (KeyError, TypeError, IndexError):
        fail("lr_sensitivity must return {name: {lr: float}} for every optimizer and learning rate")
    start, small_exp = R.losses_from(init, XS, YS, "sgd", {}, 20, lr=0.05, after_last="both")
    start = start[0]
    expect_close(np.array(small), np.array(small_exp), "the final loss of 'sgd' at lr=0.05 after "
                 "20 steps", rtol=1e-4, atol=1e-7)
    if math.isfinite(big) and big <= start:
        fail(f"SGD at lr=1e4 should diverge: your final loss {big:.4g} is not above the initial "
             f"{start:.4g} (report the full-batch loss after the last step, inf/nan allowed, "
             "not the best loss seen)")
    if not small < start:
        fail(f"SGD at lr=0.05 should improve on the initial loss {start:.4g}; yours is {small:.4g}")


ARGUMENT_SPECS = [("sgd", "sgd", {"lr": 0.1}), ("adam", "adam", {"lr": 0.01})]
BAD_EXPERIMENT = [("steps=-1", {"steps": -1}, "steps"), ("steps=2.5", {"steps": 2.5}, "steps")] + [
    (f"data = (X, y) with {form}", {"data_form": form}, "data") for form in P.DATA_FORMS if form != "pair"]


def _experiment_arguments(submission, fn):
    """Right values for steps = 0, float64 data and generator=None; then each BAD_EXPERIMENT
    call raises ValueError naming the argument."""
    sensitivity = fn == "lr_sensitivity"
    specs = [(n, k, {kk: v for kk, v in kw.items() if not (sensitivity and kk == "lr")})
             for n, k, kw in ARGUMENT_SPECS]
    case = S.experiment_case(specs, steps=3, seed=7)
    lrs = LRS[:2] if sensitivity else None
    for valid in (case._replace(steps=0), case._replace(X=case.X.astype(np.float64)),
                  case._replace(seed=None)):
        info = R.run_experiment(submission, fn, valid, lrs=lrs)
        if sensitivity:
            R.expect_sensitivity(info, valid, lrs)
        else:
            R.expect_comparison(info, valid)
    for what, kwargs, word in BAD_EXPERIMENT:
        call = dict(X=case.X, y=case.y, specs=specs, steps=case.steps, seed=case.seed, lrs=lrs)
        info = submission.probe("experiment_raised", fn=fn, **{**call, **kwargs}, _where=fn)
        R.expect_value_error(info, f"{fn} with {what}", word)


@task("compare_optimizers")
def test_compare_optimizers_arguments(submission):
    """compare_optimizers: right losses for steps = 0, float64 data (the model follows X's dtype) and generator=None; steps not an integer >= 0 or data not (X, y) with matching rows raise ValueError naming it"""
    _experiment_arguments(submission, "compare_optimizers")


@task("lr_sensitivity")
def test_lr_sensitivity_arguments(submission):
    """lr_sensitivity: right losses for steps = 0, float64 data (the model follows X's dtype) and generator=None; steps not an integer >= 0 or data not (X, y) with matching rows raise ValueError naming it"""
    _experiment_arguments(submission, "lr_sensitivity")


@task("plot_optimizer_comparison")
def test_plot_optimizer_comparison(submission):
    """plot_optimizer_comparison: a Figure with one log-scale loss curve per optimizer"""
    results = {"sgd": [1.2, 0.9, 0.7, 0.6], "adam": [1.2, 0.5, 0.3, 0.2], "rmsprop": [1.2, 0.8, 0.4, 0.35]}
    info = submission.probe("plot_probe", results=results, _where="plot_optimizer_comparison")
    if not info["is_figure"]:
        fail(f"plot_optimizer_comparison must return a matplotlib.figure.Figure, got {info['type']}")
    for name, losses in results.items():
        axes = [ax for ax in info["axes"] if any(len(l) == len(losses) and np.allclose(l, losses)
                                                 for l in ax["lines"])]
        if not axes:
            fail(f"plot_optimizer_comparison: no line shows the losses of {name!r}")
        if any(ax["yscale"] != "log" for ax in axes):
            fail("plot_optimizer_comparison: put the losses on a log-scale y axis (ax.set_yscale('log'))")
