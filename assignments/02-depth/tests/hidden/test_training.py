"""Hidden tests of train_and_measure and depth_study.

train_and_measure trains the tests' own model (probes.build_mlp) and its grad_norms are judged
against the reference or against your own layer_grad_norms on the same model states, so it is
judged on its own. The depth_study tests are the exercise's integration tests: they run your
make_mlp, init_weights and train_and_measure together (few points).
"""
import os
import sys

import numpy as np
from hypothesis import given

from autograder.testing import fail, task

sys.path.insert(0, os.path.dirname(__file__))
import depth_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


@task("train_and_measure")
@given(case=S.train_cases())
def test_train_and_measure_keys_types_lengths(submission, case):
    """train_and_measure: right loss curve, the five keys, Python types, one loss and one grad-norm list per epoch"""
    replicas = {mode: R.replica(case, shuffle=mode) for mode in R.SHUFFLES}
    threshold, _ = R.pick_threshold(replicas["randperm"][0], case.seed + 1)
    info = R.run_train(submission, case, threshold)
    R.expect_minibatch_values(info["result"], case, threshold, replicas)
    if any(s == "nonzero" for s in info["grads_after"]):
        fail("train_and_measure left gradients in the model after training "
             "(zero them at the end, as layer_grad_norms does)")


@task("train_and_measure")
@given(case=S.train_cases(full_batch=True))
def test_train_and_measure_full_batch_values(submission, case):
    """train_and_measure (one batch per epoch): loss curve, steps_to_threshold, accuracy, grad norms and weights"""
    steps, _ = R.replica(case)
    threshold, _ = R.pick_threshold(steps, case.seed)
    info = R.run_train(submission, case, threshold)
    R.expect_train_values(info, case, threshold)


@task("train_and_measure")
@given(case=S.train_cases())
def test_train_and_measure_minibatches(submission, case):
    """train_and_measure: shuffled minibatches from the generator, a partial last minibatch, unweighted mean"""
    replicas = {mode: R.replica(case, shuffle=mode) for mode in R.SHUFFLES}
    threshold, _ = R.pick_threshold(replicas["randperm"][0], case.seed + 1)
    info = R.run_train(submission, case, threshold)
    R.expect_minibatch_values(info["result"], case, threshold, replicas)
# ----------------------------------------------------------------------------- depth_study
SPIRALS = S.spirals()
STUDY = dict(width=32, activation="sigmoid", init="xavier", epochs=10, lr=0.1, batch_size=64,
             loss_threshold=0.6)


def _study(submission, seed, depths, epochs, **kw):
    """depth_study on SPIRALS, checked (structure, finite losses, plain gradients vanishing
    with depth); returns {(depth, residual): smallest per-layer gradient norm after the last
    epoch} (the first layer's in a right run; the smallest, so that the order of
    layer_grad_norms' list does not matter here)."""
    res = submission.probe("depth_study_probe", data=SPIRALS, seed=seed, depths=depths,
                           **dict(STUDY, epochs=epochs, **kw), _where="depth_study")
    smallest = R.check_study(res, depths, kw.get("residual", (False, True)), epochs, "sigmoid")
    plain = [smallest[(d, False)] for d in depths if (d, False) in smallest]
    desc = ", ".join(f"{g:.2g}" for g in plain)
    for (d0, g0), (d1, g1) in zip(zip(depths, plain), zip(depths[1:], plain[1:])):
        if not g1 < 0.1 * g0:
            fail(f"without residual connections the first layer's gradient norm should fall by "
                 f"more than 10x from depth {d0} to {d1}; your depth_study gives {desc} for depths "
                 f"{'/'.join(map(str, depths))} (this integration test runs your make_mlp, "
                 "init_weights('xavier') and train_and_measure: check their own tests first)")
    return res, smallest


@task("depth_study")
def test_depth_study_shows_vanishing_gradients_and_the_residual_fix(submission):
    """Integration: depth_study (sigmoid, 2/5/10/20 layers): plain first-layer gradient vanishes with depth, residual does not"""
    depths = (2, 5, 10, 20)
    _, smallest = _study(submission, 0, depths, STUDY["epochs"])
    plain = [smallest[(d, False)] for d in depths]
    resid = [smallest[(d, True)] for d in depths]
    if not min(resid) > 0.1 * resid[0]:
        fail("with residual connections the first layer's gradient norm should stay within 10x of "
             "depth 2's; your depth_study gives " + ", ".join(f"{g:.2g}" for g in resid)
             + " for depths 2/5/10/20 (do the residual blocks add the skip?)")
    if not resid[-1] > 1e3 * plain[-1]:
        fail("at depth 20 the residual network's first-layer gradient should be more than 1000x "
             "the plain network's")


@task("depth_study")
def test_depth_study_runs_are_reproducible(submission):
    """Integration: depth_study gives right-looking runs, each reproducible on its own (init and shuffling seeded from the generator's seed)"""
    seed, epochs = 3, 2
    full, _ = _study(submission, seed, (2, 5), epochs)
    alone = submission.probe("depth_study_probe", data=SPIRALS, seed=seed, depths=(5,),
                             residual=(True,), **dict(STUDY, epochs=epochs), _where="depth_study")
    try:
        a, b = alone[0], full[3]
        same = a["loss_curve"] == b["loss_curve"] and a["grad_norms"] == b["grad_norms"]
    except (TypeError, KeyError, IndexError):
        fail("depth_study(depths=(5,), residual=(True,)) must return one dict, with loss_curve "
             "and grad_norms")
    if not same:
        fail("the run (depth 5, residual) gave different results alone than after other runs: "
             "seed a fresh generator for init_weights and one for shuffling from "
             "generator.initial_seed() for every run")
    other = submission.probe("depth_study_probe", data=SPIRALS, seed=seed + 1, depths=(5,),
                             residual=(True,), **dict(STUDY, epochs=epochs), _where="depth_study")
    if isinstance(other, list) and other and isinstance(other[0], dict) \
            and other[0].get("loss_curve") == a["loss_curve"]:
        fail(f"depth_study gave the same run for the generator seeds {seed} and {seed + 1}: seed "
             "each run's generators from generator.initial_seed(), not from a constant")


@task("depth_study")
def test_depth_study_run_is_the_handouts_composition(submission):
    """Integration: on float64 data, a depth_study run equals make_mlp + init_weights + train_and_measure composed as the handout says"""
    info = submission.probe("study_parts_probe", data=SPIRALS, seed=5, depth=3, residual=True,
                            **dict(STUDY, epochs=2), _where="depth_study")
    study = info["study"]
    R.check_study(study, (3,), (True,), 2, "sigmoid")
    run = study[0]
    for order in ("after", "before"):
        R.check_train_result(info[order], epochs=2, n_layers=4)
        if all(np.allclose(np.array(run[k], dtype=float), np.array(info[order][k], dtype=float),
                           rtol=1e-9, atol=0) for k in ("loss_curve", "test_accuracy", "grad_norms")):
            return
    fail("depth_study(depths=(3,), residual=(True,)) on float64 data differs from the same run "
         "built by hand: make_mlp(D, width, 3, n_classes, ...) with n_classes = largest label + 1, "
         "init_weights(model, init, generator=torch.Generator().manual_seed(seed)), the model "
         "moved to the data's device AND dtype, and train_and_measure with a fresh generator "
         "seeded the same (seed = generator.initial_seed())")
