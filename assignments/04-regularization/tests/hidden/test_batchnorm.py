"""Hidden tests of BatchNormFunction (forward vs F.batch_norm, hand-written backward: gradcheck,
autograd through the formula, directional derivatives, no autograd inside) and BatchNorm1d (vs
torch.nn.BatchNorm1d over training steps and in eval mode, with the course's BatchNormFunction)."""
import os
import sys

import numpy as np
from hypothesis import given, settings, strategies as st

from autograder.testing import expect_close, fail, task

sys.path.insert(0, os.path.dirname(__file__))
import regularization_oracle as R  # noqa: E402
import strategies as S  # noqa: E402

epsilons = st.sampled_from([1e-5, 1e-3, 0.1])


def _forward(submission, x, gamma, beta, eps, what="BatchNormFunction.apply(x, gamma, beta, eps)"):
    """Fail unless the forward equals F.batch_norm in training mode; returns the probe's info."""
    info = submission.probe("bn_function_probe", x=x, gamma=gamma, beta=beta, eps=eps,
                            _where="BatchNormFunction.forward")
    exp, _ = R.bn_expected(x, gamma, beta, eps, np.zeros_like(x, dtype=np.float64))
    got = R.arr(info["out"], what)
    hint = None
    if got.shape == exp.shape and x.shape[0] > 1:
        mu, var = x.mean(0), x.var(0, ddof=1)
        unbiased = gamma * (x - mu) / np.sqrt(var + eps) + beta
        if np.allclose(got, unbiased, rtol=1e-5, atol=1e-6):
            hint = ("you normalise with the unbiased variance (N - 1); batch norm uses the biased "
                    "batch variance (divide by N), as F.batch_norm does in training")
    expect_close(got, exp.astype(x.dtype), what, rtol=1e-9 if x.dtype == np.float64 else 1e-4,
                 atol=1e-12 if x.dtype == np.float64 else 1e-5, hint=hint)
    return info


@task("BatchNormFunction")
@given(seed=S.seeds, n=st.integers(2, 16), d=st.integers(1, 6), eps=epsilons, dtype=S.float_dtypes)
def test_batchnorm_function_forward_matches_torch(submission, seed, n, d, eps, dtype):
    """BatchNormFunction.forward equals F.batch_norm in training mode (biased variance), dtype kept"""
    x, gamma, beta, _ = S.batchnorm_inputs(seed, n, d, dtype)
    _forward(submission, x, gamma, beta, eps)


@task("BatchNormFunction")
@settings(max_examples=4)
@given(seed=S.seeds, n=st.integers(2, 4), d=st.integers(1, 3), eps=epsilons)
def test_batchnorm_function_gradcheck(submission, seed, n, d, eps):
    """BatchNormFunction: the hand-written backward passes torch.autograd.gradcheck (float64, small shapes)"""
    x, gamma, beta, _ = S.batchnorm_inputs(seed, n, d)
    _forward(submission, x, gamma, beta, eps)
    R.gradcheck_remote(submission, x, gamma, beta, eps, f"BatchNormFunction on x of shape {x.shape}")


@task("BatchNormFunction")
@given(seed=S.seeds, n=st.integers(16, 64), d=st.integers(4, 32), eps=epsilons)
def test_batchnorm_function_backward_matches_autograd(submission, seed, n, d, eps):
    """BatchNormFunction.backward: dx, dgamma, dbeta equal autograd through the formula; random directional derivatives agree"""
    x, gamma, beta, dout = S.batchnorm_inputs(seed, n, d)
    _forward(submission, x, gamma, beta, eps)
    r = np.random.default_rng(seed + 1)
    directions = [[r.standard_normal(a.shape) for a in (x, gamma, beta)] for _ in range(2)]
    h = 1e-6
    info = submission.probe("bn_function_probe", x=x, gamma=gamma, beta=beta, eps=eps, dout=dout,
                            directions=directions, h=h, _where="BatchNormFunction.backward")
    what = f"BatchNormFunction backward on x of shape {x.shape}"
    R.check_bn_grads(info, x, gamma, beta, eps, dout, what)
    grads = [R.arr(g, "gradient") for g in info["grads"][:3]]
    for k, (v, (plus, minus)) in enumerate(zip(directions, info["perturbed"])):
        numeric = float(np.sum(dout * (R.arr(plus, "f(+h v)") - R.arr(minus, "f(-h v)")))) / (2 * h)
        analytic = sum(float(np.sum(g * vi)) for g, vi in zip(grads, v))
        if abs(numeric - analytic) > 1e-5 * max(1.0, abs(numeric)):
            fail(f"{what}: directional derivative {k + 1} of sum(dout * y) is {analytic:.6g} from your "
                 f"gradients but {numeric:.6g} by central differences of your forward")


@task("BatchNormFunction")
@settings(max_examples=4)
@given(seed=S.seeds, n=st.integers(4, 12), d=st.integers(2, 5))
def test_batchnorm_function_backward_is_hand_written(submission, seed, n, d):
    """BatchNormFunction.backward computes the right gradients without calling autograd"""
    x, gamma, beta, dout = S.batchnorm_inputs(seed, n, d)
    _forward(submission, x, gamma, beta, 1e-5)  # right values first
    info = submission.probe("bn_function_probe", x=x, gamma=gamma, beta=beta, eps=1e-5, dout=dout,
                            _where="BatchNormFunction.backward")
    if not info["needs_grad_fn"]:
        fail("the output of BatchNormFunction.apply has no grad_fn: return it from forward "
             "without detaching it")
    R.check_bn_grads(info, x, gamma, beta, 1e-5, dout, "BatchNormFunction backward")


@task("BatchNormFunction")
@given(seed=S.seeds, n=st.integers(2, 10), d=st.integers(2, 5))
def test_batchnorm_function_constant_columns_and_single_row(submission, seed, n, d):
    """BatchNormFunction: a constant column gives beta and finite gradients as torch does; N = 1 raises ValueError naming x"""
    x, gamma, beta, dout = S.batchnorm_inputs(seed, n, d, constant_columns=(0,))
    _forward(submission, x, gamma, beta, 1e-5, "BatchNormFunction with a constant column 0")
    info = submission.probe("bn_function_probe", x=x, gamma=gamma, beta=beta, eps=1e-5, dout=dout,
                            _where="BatchNormFunction.backward")
    R.check_bn_grads(info, x, gamma, beta, 1e-5, dout, "BatchNormFunction backward with a constant column 0")
    single = submission.probe("value_error_probe", fn="BatchNormFunction",
                              kwargs=dict(x=x[:1], gamma=gamma, beta=beta, eps=1e-5),
                              _where="BatchNormFunction.forward")
    R.expect_value_error(single, "BatchNormFunction.apply(x, ...) with x of shape (1, D)", "x")


@task("BatchNormFunction")
def test_batchnorm_function_bad_shapes(submission):
    """BatchNormFunction: x not 2-D or gamma/beta not (D,) raise ValueError naming the argument"""
    x, gamma, beta, _ = S.batchnorm_inputs(0, 5, 3)
    _forward(submission, x, gamma, beta, 1e-5)
    cases = [(dict(x=x[0], gamma=gamma, beta=beta), "x"), (dict(x=x[None], gamma=gamma, beta=beta), "x"),
             (dict(x=x, gamma=gamma[:2], beta=beta), "gamma"), (dict(x=x, gamma=gamma, beta=beta[:2]), "beta")]
    for kwargs, word in cases:
        info = submission.probe("value_error_probe", fn="BatchNormFunction", kwargs=dict(kwargs, eps=1e-5),
                                _where="BatchNormFunction.forward")
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in kwargs.items())
        R.expect_value_error(info, f"BatchNormFunction.apply with {shapes}", word)


# ----------------------------------------------------------------------------- BatchNorm1d
@st.composite
def bn_schedules(draw):
    return dict(seed=draw(S.seeds), n=draw(st.integers(2, 12)), d=draw(st.integers(1, 6)),
                steps=draw(st.integers(2, 5)), momentum=draw(st.sampled_from([0.1, 0.3, 0.9])),
                eps=draw(epsilons))


def _bn_module(submission, c, device="cpu"):
    batches, douts, eval_batch, weight, bias = S.batchnorm_steps(c["seed"], c["n"], c["d"], c["steps"])
    info = submission.probe("bn_module_probe", num_features=c["d"], eps=c["eps"], momentum=c["momentum"],
                            weight=weight, bias=bias, batches=batches, douts=douts,
                            eval_batch=eval_batch, device=device, _where="BatchNorm1d")
    if not info["is_module"]:
        fail(f"BatchNorm1d(...) must be an nn.Module, got {info['type']}")
    return info, (batches, douts, eval_batch, weight, bias)


def _check_module_against_torch(info, c, inputs):
    batches, douts, eval_batch, weight, bias = inputs
    steps, eval_out = R.torch_bn_run(c["d"], c["eps"], c["momentum"], weight, bias, batches, douts, eval_batch)
    what = f"BatchNorm1d({c['d']}, eps={c['eps']}, momentum={c['momentum']})"
    if len(info["steps"]) != len(steps):
        fail(f"{what}: the probe recorded {len(info['steps'])} of {len(steps)} steps")
    for t, (got, exp) in enumerate(zip(info["steps"], steps)):
        for key in ("out", "dx", "dweight", "dbias", "running_mean", "running_var"):
            if got[key] is None:
                fail(f"{what}: no gradient reached {key[1:]} at step {t + 1} (weight and bias must be "
                     "nn.Parameters used in forward)")
            hint = R.running_hint(got[key], batches, c["momentum"], t) if key == "running_var" else None
            expect_close(got[key], exp[key], f"{what}: {key} after training step {t + 1} (vs "
                         "torch.nn.BatchNorm1d)", rtol=1e-9, atol=1e-12, hint=hint)
    batch_stats, _ = R.bn_expected(eval_batch, weight, bias, c["eps"], np.zeros_like(eval_batch))
    got = R.arr(info["eval_out"], "eval output")
    hint = None
    if got.shape == batch_stats.shape and np.allclose(got, batch_stats, rtol=1e-9):
        hint = "in eval mode, normalise with running_mean and running_var, not the batch statistics"
    expect_close(got, eval_out, f"{what}: output in eval mode (vs torch.nn.BatchNorm1d)",
                 rtol=1e-9, atol=1e-12, hint=hint)


@task("BatchNorm1d")
@given(c=bn_schedules())
def test_batchnorm1d_matches_torch_over_training_steps(submission, c):
    """BatchNorm1d: outputs, gradients and running statistics equal torch.nn.BatchNorm1d's over several train steps, then in eval mode"""
    info, inputs = _bn_module(submission, c)
    _check_module_against_torch(info, c, inputs)


@task("BatchNorm1d")
def test_batchnorm1d_parameters_and_buffers(submission):
    """BatchNorm1d: parameters weight (ones) and bias (zeros), buffers running_mean (zeros) and running_var (ones) in state_dict()"""
    c = dict(seed=3, n=6, d=4, steps=2, momentum=0.1, eps=1e-5)
    info, inputs = _bn_module(submission, c)
    _check_module_against_torch(info, c, inputs)
    if info["parameters"] != ["bias", "weight"]:
        fail(f"BatchNorm1d's parameters are {info['parameters']}; expected exactly weight and bias "
             "(nn.Parameter), as torch.nn.BatchNorm1d")
    missing = {"running_mean", "running_var"} - set(info["buffers"])
    if missing:
        fail(f"BatchNorm1d has no buffer {sorted(missing)[0]!r}: register the running statistics "
             "with self.register_buffer so that they are in state_dict() and follow .to(device)")
    for key, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
        got = R.arr(info["initial"][key], key)
        if got.shape != (4,) or not np.all(got == value):
            fail(f"a new BatchNorm1d(4) must start with {key} = {value} everywhere, shape (4,)")


@task("BatchNorm1d")
def test_batchnorm1d_trains_with_batchnorm_function(submission):
    """BatchNorm1d: training mode goes through BatchNormFunction.apply, eval mode does not"""
    c = dict(seed=5, n=5, d=3, steps=3, momentum=0.1, eps=1e-5)
    info, inputs = _bn_module(submission, c)
    _check_module_against_torch(info, c, inputs)
    if info["calls_in_training"] < c["steps"]:
        fail("BatchNorm1d in training mode must compute its output with BatchNormFunction.apply "
             f"(it was called {info['calls_in_training']} times in {c['steps']} steps)")
    if info["calls_in_eval"]:
        fail("BatchNorm1d in eval mode must use the running statistics, not BatchNormFunction")


@task("BatchNorm1d")
def test_batchnorm1d_bad_arguments(submission):
    """BatchNorm1d: num_features < 1, momentum outside [0, 1] or input of the wrong width raise ValueError naming it"""
    c = dict(seed=1, n=4, d=3, steps=2, momentum=0.1, eps=1e-5)
    info, inputs = _bn_module(submission, c)
    _check_module_against_torch(info, c, inputs)
    x = S.values(0, (4, 5))
    for fn, kwargs, word, call in (
            ("BatchNorm1d", dict(num_features=0), "num_features", "BatchNorm1d(0)"),
            ("BatchNorm1d", dict(num_features=3, momentum=1.5), "momentum", "BatchNorm1d(3, momentum=1.5)"),
            ("BatchNorm1d.forward", dict(num_features=3, x=x), "x", "BatchNorm1d(3)(x of shape (4, 5))")):
        info = submission.probe("value_error_probe", fn=fn, kwargs=kwargs, _where="BatchNorm1d")
        R.expect_value_error(info, call, word)
