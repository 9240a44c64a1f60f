"""Hidden tests of EarlyStopping, driven by a training loop over the course's stand-in model
(probes.early_stopping_probe): validation losses on a grid, so ties and min_delta are exact."""
import os
import sys

import numpy as np
from hypothesis import given

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _run(submission, case, seed=0):
    patience, min_delta, losses = case
    weights = [S.stand_in_weights(seed + t) for t in range(len(losses))]
    info = submission.probe("early_stopping_probe", patience=patience, min_delta=min_delta,
                            losses=losses, weights=weights, _where="EarlyStopping.step")
    return info, weights


def _check_decisions(info, case):
    patience, min_delta, losses = case
    exp, _ = R.early_stopping_rule(patience, min_delta, losses)
    got = info["decisions"]
    what = f"EarlyStopping(patience={patience}, min_delta={min_delta}) on validation losses {losses}"
    if any(not isinstance(d, bool) for d in got):
        fail(f"{what}: step must return True or False, got {next(d for d in got if not isinstance(d, bool))}")
    if got == exp:
        return
    hint = R.early_stopping_hint(patience, min_delta, losses, got)
    fail(f"{what}: you returned {_fmt(got)}, expected {_fmt(exp)}" + (f": {hint}" if hint else ""))


def _fmt(decisions):
    stops = [i for i, d in enumerate(decisions) if d is True]
    return f"stop at epoch {stops[0]} (0-based)" if stops else f"no stop in {len(decisions)} epochs"


@task("EarlyStopping")
@given(case=S.early_stopping_cases())
def test_early_stopping_stops_after_patience_epochs(submission, case):
    """EarlyStopping.step: True exactly once `patience` epochs in a row brought no val_loss < best_loss - min_delta"""
    info, _ = _run(submission, case)
    _check_decisions(info, case)


@task("EarlyStopping")
@given(case=S.early_stopping_cases())
def test_early_stopping_best_epoch_and_loss(submission, case):
    """EarlyStopping: best_loss and best_epoch (0-based) after every step"""
    info, _ = _run(submission, case)
    _check_decisions(info, case)
    _, exp = R.early_stopping_rule(*case)
    for t, ((got_loss, got_epoch), (loss, epoch)) in enumerate(zip(info["bests"], exp)):
        if got_loss != loss or got_epoch != epoch:
            hint = ": best_epoch counts from 0 (the first step is epoch 0)" if got_epoch == epoch + 1 else ""
            fail(f"after step {t} (0-based) best_loss, best_epoch are {got_loss!r}, {got_epoch!r}; "
                 f"expected {loss!r}, {epoch!r}{hint}")


@task("EarlyStopping")
@given(case=S.early_stopping_cases(), seed=S.seeds)
def test_early_stopping_best_state_is_deep_copy(submission, case, seed):
    """EarlyStopping.best_state: a deep copy of the state_dict at the best epoch; restoring it gives back the best weights"""
    info, weights = _run(submission, case, seed)
    _check_decisions(info, case)
    _, bests = R.early_stopping_rule(*case)
    best_epoch = bests[-1][1]
    if info["best_state_type"] != "dict" and info["best_state_type"] != "OrderedDict":
        fail(f"best_state must be a state dict (copy.deepcopy(model.state_dict())), got {info['best_state_type']}")
    keys = ["fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "conv.weight", "conv.bias", "fc2.weight"]
    state, later = info["best_state"], info["best_state_after_training"]
    if set(state) != set(keys) | {"seen"}:
        fail(f"best_state has keys {sorted(state)}: save the whole model.state_dict() (buffers included)")
    for key, w in zip(keys, weights[best_epoch]):
        g = R.arr(state[key], key)
        if not np.array_equal(g, w):
            last = len(info["decisions"]) - 1
            hint = ""
            if np.array_equal(g, weights[last][keys.index(key)]) and last != best_epoch:
                hint = ("; it holds the LAST epoch's weights: model.state_dict() shares storage with "
                        "the parameters, so save copy.deepcopy(model.state_dict())")
            fail(f"best_state[{key!r}] is not the weights of the best epoch {best_epoch}{hint}")
        if not np.array_equal(R.arr(later[key], key), w):
            fail(f"best_state[{key!r}] changed when training went on after the best epoch: "
                 "model.state_dict() shares storage with the parameters; save "
                 "copy.deepcopy(model.state_dict())")
    if float(np.asarray(R.arr(state["seen"], "seen")).ravel()[0]) != best_epoch:
        fail("best_state's buffers are not those of the best epoch: deep-copy the whole state_dict()")
    if "restore_error" in info:
        fail(f"model.load_state_dict(best_state) failed: {info['restore_error']}")
    for i, (p, w) in enumerate(zip(info["restored"], weights[best_epoch])):
        expect_close(p, w, f"parameter {i} after load_state_dict(best_state) (best validation loss "
                     f"{case[2][best_epoch]})", rtol=0, atol=0)


@task("EarlyStopping")
def test_early_stopping_bad_arguments(submission):
    """EarlyStopping: a negative patience or min_delta raises ValueError naming it"""
    case = (2, 0.0, [2.0, 1.5, 1.5, 1.75, 1.0])
    info, _ = _run(submission, case)
    _check_decisions(info, case)
    for kwargs, word in ((dict(patience=-1), "patience"), (dict(patience=2, min_delta=-0.5), "min_delta")):
        info = submission.probe("value_error_probe", fn="EarlyStopping", kwargs=kwargs, _where="EarlyStopping")
        R.expect_value_error(info, f"EarlyStopping({', '.join(f'{k}={v}' for k, v in kwargs.items())})", word)
