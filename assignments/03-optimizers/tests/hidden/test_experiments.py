"""Hidden tests: compare_optimizers, lr_sensitivity and the comparison plot."""
import math
import os
import sys

import numpy as np
from hypothesis import given, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

X, Y = S.classification_data(0)
XS, YS = S.spirals_data(0)
CHOICES = [
    ("sgd", "sgd", {"lr": 0.1}),
    ("sgd again", "sgd", {"lr": 0.1}),
    ("momentum", "sgd", {"lr": 0.05, "momentum": 0.9}),
    ("adam", "adam", {"lr": 0.01}),
    ("rmsprop", "rmsprop", {"lr": 0.01}),
]


@st.composite
def specs(draw):
    chosen = draw(st.lists(st.sampled_from(CHOICES), min_size=2, max_size=4, unique_by=lambda c: c[0]))
    return chosen, draw(st.integers(5, 15)), draw(S.seeds), draw(st.integers(0, 1000))


def _compare(submission, chosen, steps, seed, global_seed):
    info = submission.probe("experiment_probe", fn="compare_optimizers", X=X, y=Y, specs=chosen,
                            steps=steps, seed=seed, global_seed=global_seed,
                            _where="compare_optimizers")
    res = info["result"]
    names = [c[0] for c in chosen]
    if not isinstance(res, dict) or set(res) != set(names):
        fail(f"compare_optimizers must return a dict with one entry per optimizer name {names}, got "
             f"{sorted(res) if isinstance(res, dict) else type(res).__name__}")
    return info, res, names


@task("compare_optimizers")
@given(case=specs())
def test_compare_optimizers_fresh_models_identical_weights(submission, case):
    """compare_optimizers: every optimizer trains its own fresh model, all from identical initial weights; losses match a replay"""
    chosen, steps, seed, global_seed = case
    info, res, names = _compare(submission, chosen, steps, seed, global_seed)
    R.check_records(info["records"], names)
    init = info["records"][0]["init"]
    for name, kind, kw in chosen:
        got = R.number_list(res[name], f"compare_optimizers(...)[{name!r}]", steps)
        exp = np.array(R.losses_from(init, X, Y, kind, kw, steps))
        hint = None
        if steps > 1 and np.all(got == got[0]) and not np.all(exp == exp[0]):
            hint = ("your losses never change: the optimizer is not updating the model you "
                    "evaluate (the chapter's shared-model bug)")
        expect_close(got, exp, f"the losses of {name!r} (full-batch cross-entropy before each step)",
                     rtol=1e-5, atol=1e-7, hint=hint)


@task("compare_optimizers")
@given(case=specs(), other=st.integers(1001, 2000))
def test_compare_optimizers_reproducible_from_generator(submission, case, other):
    """compare_optimizers: the same generator seed gives the same initial weights and losses, whatever the global RNG"""
    chosen, steps, seed, global_seed = case
    a, res_a, _ = _compare(submission, chosen, steps, seed, global_seed)
    b, res_b, _ = _compare(submission, chosen, steps, seed, other)
    same_init = all(np.array_equal(p.array, q.array)
                    for p, q in zip(a["records"][0]["init"], b["records"][0]["init"]))
    if not same_init or res_a != res_b:
        fail("two calls with generators seeded alike gave different initial weights or losses: "
             "the model factory draws from the global RNG, so seed it from `generator` (see the "
             "handout: torch.random.fork_rng() + torch.manual_seed(seed drawn from generator))")


LRS = [0.003, 0.03, 0.3]


@st.composite
def sens_specs(draw):
    chosen = draw(st.lists(st.sampled_from([c for c in CHOICES if c[0] != "sgd again"]),
                           min_size=1, max_size=3, unique_by=lambda c: c[0]))
    return chosen, draw(st.integers(3, 10)), draw(S.seeds)


@task("lr_sensitivity")
@given(case=sens_specs())
def test_lr_sensitivity_structure_and_values(submission, case):
    """lr_sensitivity: {name: {lr: loss after the last step}}, every run a fresh model from the same weights"""
    chosen, steps, seed = case
    chosen = [(n, k, {kk: vv for kk, vv in kw.items() if kk != "lr"}) for n, k, kw in chosen]
    info = submission.probe("experiment_probe", fn="lr_sensitivity", X=X, y=Y, specs=chosen,
                            steps=steps, seed=seed, lrs=LRS, _where="lr_sensitivity")
    res, names = info["result"], [c[0] for c in chosen]
    if not isinstance(res, dict) or set(res) != set(names):
        fail(f"lr_sensitivity must return a dict with one entry per optimizer name {names}")
    for name in names:
        if not isinstance(res[name], dict) or set(res[name]) != set(LRS):
            fail(f"lr_sensitivity(...)[{name!r}] must map every learning rate {LRS} to a loss")
    R.check_records(info["records"], names, per_name=len(LRS))
    init = info["records"][0]["init"]
    for name, kind, kw in chosen:
        for lr in LRS:
            got = res[name][lr]
            if isinstance(got, bool) or not isinstance(got, (int, float)):
                fail(f"lr_sensitivity(...)[{name!r}][{lr}] must be a Python float, got {type(got).__name__}")
            before, exp = R.losses_from(init, X, Y, kind, kw, steps, lr=lr, after_last="both")
            hint = None
            best = min(before + [exp])
            if abs(got - best) <= 1e-4 * abs(best) and abs(exp - best) > 1e-3 * abs(best):
                hint = "you reported the best loss of the run; report the loss after the last step"
            elif before and abs(got - before[-1]) <= 1e-4 * abs(before[-1]) and abs(exp - before[-1]) > 1e-4 * abs(exp):
                hint = ("you reported the loss before the last step; evaluate the full-batch loss "
                        "once more after it")
            expect_close(np.array(got), np.array(exp), f"the final loss of {name!r} at lr={lr} "
                         f"after {steps} steps", rtol=1e-4, atol=1e-7, hint=hint)


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
    start = R.losses_from(init, XS, YS, "sgd", {}, 1, lr=0.05)[0]
    if math.isfinite(big) and big <= start:
        fail(f"SGD at lr=1e4 should diverge: your final loss {big:.4g} is not above the initial "
             f"{start:.4g} (report the full-batch loss after the last step, inf/nan allowed, "
             "not the best loss seen)")
    if not small < start:
        fail(f"SGD at lr=0.05 should improve on the initial loss {start:.4g}; yours is {small:.4g}")


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
