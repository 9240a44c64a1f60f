"""Checks of the reference solution solutions/regularization.py itself (not of student code):
against COURSE_SPEC section 4 and torch's own implementations."""
from __future__ import annotations

import copy
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from module_loading import ROOT, load_solution

R = load_solution("regularization")
sys.path.insert(0, str(ROOT / "assignments" / "04-regularization"))
import strategies as S  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread):
    yield


def _gen(seed):
    return torch.Generator().manual_seed(seed)


# ----------------------------------------------------------------------------- dropout
def test_dropout_inverted_scaling_and_rate():
    x = torch.rand(200_000, dtype=torch.float64) + 0.5
    out = R.dropout(x, 0.3, True, _gen(0))
    kept = out != 0
    assert torch.equal(out[kept], x[kept] / 0.7)
    assert abs((~kept).double().mean().item() - 0.3) < 0.01
    assert abs(out.mean().item() / x.mean().item() - 1) < 0.01
    assert torch.equal(R.dropout(x, 0.3, True, _gen(0)), out)
    assert R.dropout(x, 0.3, False) is x and R.dropout(x, 0.0, True) is x
    assert R.dropout(x.float(), 0.5, True, _gen(1)).dtype == torch.float32


@pytest.mark.parametrize("p", [-0.1, 1.0, 2])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="p"):
        R.dropout(torch.ones(3), p, True)


# ----------------------------------------------------------------------------- batch norm
def test_batchnorm_function_matches_torch_and_gradcheck():
    x, gamma, beta, dout = (torch.tensor(a, requires_grad=True) for a in S.batchnorm_inputs(0, 6, 3))
    out = R.BatchNormFunction.apply(x, gamma, beta, 1e-5)
    ref = F.batch_norm(x, None, None, gamma, beta, training=True, eps=1e-5)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradcheck(lambda a, b, c: R.BatchNormFunction.apply(a, b, c, 1e-3), (x, gamma, beta))
    got = torch.autograd.grad(out, (x, gamma, beta), dout)
    exp = torch.autograd.grad(ref, (x, gamma, beta), dout)
    for g, e in zip(got, exp):
        torch.testing.assert_close(g, e, rtol=1e-10, atol=1e-12)


def test_batchnorm_function_constant_column_and_single_row():
    x, gamma, beta, dout = (torch.tensor(a, requires_grad=True)
                            for a in S.batchnorm_inputs(1, 5, 3, constant_columns=(1,)))
    out = R.BatchNormFunction.apply(x, gamma, beta, 1e-5)
    torch.testing.assert_close(out[:, 1], beta[1].expand(5))
    assert all(torch.isfinite(g).all() for g in torch.autograd.grad(out, (x, gamma, beta), dout))
    with pytest.raises(ValueError, match=r"\bx\b"):
        R.BatchNormFunction.apply(x[:1], gamma, beta, 1e-5)
    with pytest.raises(ValueError):  # torch refuses N = 1 in training too
        F.batch_norm(x[:1], None, None, gamma, beta, training=True)


def test_batchnorm1d_matches_torch_in_train_and_eval():
    batches, douts, eval_batch, weight, bias = (torch.tensor(a) for a in S.batchnorm_steps(2, 8, 4, 4))
    mine, ref = R.BatchNorm1d(4, momentum=0.3).double(), nn.BatchNorm1d(4, momentum=0.3).double()
    for m in (mine, ref):
        with torch.no_grad():
            m.weight.copy_(weight)
            m.bias.copy_(bias)
    for xb, db in zip(batches, douts):
        outs = []
        for m in (mine, ref):
            xr = xb.clone().requires_grad_(True)
            out = m(xr)
            out.backward(db)
            outs.append((out, xr.grad))
        torch.testing.assert_close(outs[0], outs[1], rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(mine.running_var, ref.running_var, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(mine.running_mean, ref.running_mean, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(mine.weight.grad, ref.weight.grad)
    mine.eval(), ref.eval()
    torch.testing.assert_close(mine(eval_batch), ref(eval_batch), rtol=1e-10, atol=1e-12)
    assert set(mine.state_dict()) == {"weight", "bias", "running_mean", "running_var"}


# ----------------------------------------------------------------------------- l2, labels
def test_l2_penalty_covers_weights_only():
    model = nn.Sequential(nn.Linear(3, 4), nn.LayerNorm(4), nn.Linear(4, 2, bias=False))
    pen = R.l2_penalty(model, 0.5)
    pen.backward()
    assert pen.item() == pytest.approx(0.5 * (model[0].weight.pow(2).sum() + model[2].weight.pow(2).sum()).item())
    torch.testing.assert_close(model[0].weight.grad, model[0].weight.detach())
    assert model[0].bias.grad is None and model[1].weight.grad is None


def test_smooth_labels_give_torchs_label_smoothing_loss():
    y, scores = torch.tensor([0, 2, 1, 2]), torch.randn(4, 3, generator=_gen(0))
    targets = R.smooth_labels(y, 3, 0.2)
    torch.testing.assert_close(targets.sum(1), torch.ones(4))
    loss = -(targets * scores.log_softmax(1)).sum(1).mean()
    torch.testing.assert_close(loss, F.cross_entropy(scores, y, label_smoothing=0.2))
    assert torch.equal(R.smooth_labels(y, 3, 0.0), F.one_hot(y, 3).float())


# ----------------------------------------------------------------------------- augmentation
def test_augmentation_windows_and_flips():
    images = torch.as_tensor(S.images(0, 200, 2, 4, 5))
    assert torch.equal(R.hflip(R.hflip(images)), images)
    crops = R.random_crop(images, 1, _gen(0))
    offsets = S.window_offsets(crops.numpy(), images.numpy(), 1)
    assert None not in offsets and len(set(offsets)) == 9
    flipped = R.augment(images, _gen(1), flip_p=1.0, padding=1)
    assert None not in S.window_offsets(flipped.numpy(), images.numpy(), 1, flipped=True)
    noisy = R.augment(images, _gen(2), flip_p=0.0, padding=0, noise_std=0.5)
    assert abs((noisy - images).std().item() - 0.5) < 0.05


# ----------------------------------------------------------------------------- early stopping
def test_early_stopping_rule_and_deep_copy():
    model = nn.Linear(2, 1)
    stopper = R.EarlyStopping(patience=2, min_delta=0.1)
    decisions = []
    for t, loss in enumerate([1.0, 0.8, 0.75, 0.5, 0.45, 0.41]):
        with torch.no_grad():
            model.weight.fill_(t)
        decisions.append(stopper.step(loss, model))
        if decisions[-1]:
            break
    assert decisions == [False, False, False, False, False, True]
    assert (stopper.best_loss, stopper.best_epoch) == (0.5, 3)
    assert torch.all(stopper.best_state["weight"] == 3)
    saved = copy.deepcopy(stopper.best_state)
    model.weight.data.add_(1)
    assert torch.equal(stopper.best_state["weight"], saved["weight"])


# ----------------------------------------------------------------------------- study
def test_study_gap_and_best_weights():
    """A few of the 20 seeds the hidden gap test's bounds were measured on (see its comment)."""
    for seed in (0, 7):
        data = tuple(torch.as_tensor(a) for a in S.study_data(seed))
        res = R.regularization_study(data, S.STUDY_CONFIGS, epochs=15, generator=_gen(seed))
        gap = {k: r["val_loss"][-1] - r["train_loss"][-1] for k, r in res.items()}
        assert gap["l2"] < 0.75 * gap["none"] and gap["augment"] < 0.3 * gap["none"]
        assert np.mean([gap[k] for k in ("l2", "dropout", "augment")]) < 0.6 * gap["none"]
    X_tr, y_tr, X_va, y_va, _, _ = (torch.as_tensor(a) for a in S.study_data(3))
    res = R.regularization_study((X_tr, y_tr, X_va, y_va, X_va, y_va), {"es": {"early_stopping": 2}},
                                 epochs=30, generator=_gen(3))["es"]
    assert len(res["val_loss"]) < 30
    assert res["test_acc"] == res["val_acc"][int(np.argmin(res["val_loss"]))]
    fig = R.plot_regularization_study({"es": res})
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 2


# ----------------------------------------------------------------------------- notebook
def test_notebook_cells_run_against_the_reference(monkeypatch, tmp_path):
    """Every cell of assignments/04-regularization/notebook.pct.py but the check(...) calls runs
    against the reference as a plain script (load() gives the reference, check() is a no-op)."""
    import types

    import matplotlib
    matplotlib.use("Agg")
    fake = types.ModuleType("autograder.notebook")
    fake.load = lambda name: R
    fake.check = lambda task: None
    monkeypatch.setitem(sys.modules, "autograder.notebook", fake)
    monkeypatch.chdir(tmp_path)
    # the notebook imports this exercise's strategies.py (in the release it sits next to it);
    # another exercise's, left by an earlier test in this process, must not answer
    monkeypatch.syspath_prepend(str(ROOT / "assignments" / "04-regularization"))
    monkeypatch.delitem(sys.modules, "strategies", raising=False)
    source = (ROOT / "assignments" / "04-regularization" / "notebook.pct.py").read_text()
    assert source.count('check("') >= 9  # one per task with public tests (tests/test_notebooks.py checks the names)
    exec(compile(source, "notebook.pct.py", "exec"), {"__name__": "__notebook__"})
    import matplotlib.pyplot as plt
    plt.close("all")
