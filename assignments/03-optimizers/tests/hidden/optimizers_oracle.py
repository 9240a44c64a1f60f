"""Parent-side helpers of the optimizers exercise's hidden tests: torch.optim references and
diagnoses of recognisable mistakes (never shipped).

Expected trajectories come from torch.optim itself in float64 on the same gradient rule as the
probe (strategies.problem). When a submission departs from them, float64 numpy replicas of
known mistakes (Adam without bias correction, a wrong Nesterov look-ahead, weight decay applied
after the step, ...) are tried so that the message can name the mistake.
"""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

import probes as P
from autograder.testing import TensorData, as_array, deterministic_torch, expect_close, expect_value_error, fail, norm_rel_error, reference

torch.set_num_threads(1)
deterministic_torch()  # torch.use_deterministic_algorithms(True) without its ~70 MB of imports

TORCH_CLASS = {"SGD": "SGD", "AdaGrad": "Adagrad", "RMSProp": "RMSprop", "Adam": "Adam"}
STATE_KEYS = {"SGD": ("momentum_buffer",), "AdaGrad": ("step", "sum"),
              "RMSProp": ("step", "square_avg"), "Adam": ("step", "exp_avg", "exp_avg_sq")}


def ref():
    return reference()


def torch_class(name, kwargs):
    if name == "Adam" and kwargs.get("decoupled"):
        return torch.optim.AdamW
    return getattr(torch.optim, TORCH_CLASS[name])


def torch_kwargs(name, kwargs):
    kw = {k: v for k, v in kwargs.items() if k != "decoupled"}
    if name == "Adam" and "betas" in kw:
        kw["betas"] = tuple(kw["betas"])
    return kw


def describe(name, kwargs, groups=None):
    args = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v!r}" for k, v in kwargs.items())
    text = f"{name}({args})"
    if groups and len(groups) > 1:
        over = [g.get("overrides") for g in groups]
        text += f" with {len(groups)} parameter groups" + (
            f" (overrides {over})" if any(over) else "")
    return text


# ----------------------------------------------------------------------------- torch.optim
def torch_run(name, kwargs, groups, init, noise, coef, missing=None, dtype=torch.float64):
    """torch.optim on the probe's problem: (trajectory, state) as numpy / floats."""
    params = [torch.tensor(np.asarray(a), dtype=dtype).requires_grad_(True) for a in init]
    pgroups = []
    for g in groups:
        over = dict(g.get("overrides", {}))
        over.pop("decoupled", None)
        if "betas" in over:
            over["betas"] = tuple(over["betas"])
        pgroups.append({"params": [params[i] for i in g["params"]], **over})
    opt = torch_class(name, kwargs)(pgroups, **torch_kwargs(name, kwargs))
    traj = []
    for t, noise_t in enumerate(noise):
        P.set_grads(params, noise_t, coef, missing[t] if missing else ())
        opt.step()
        traj.append([p.detach().numpy().copy() for p in params])
    state = {}
    for i, st in opt.state_dict()["state"].items():
        if st:
            state[i] = {k: (float(v) if k == "step" else v.detach().numpy().copy()) for k, v in st.items()}
    return traj, state


# ----------------------------------------------------------------------------- known mistakes
MISTAKES = {
    "SGD": {
        "nesterov_ignored": "with nesterov=True your update equals plain momentum; Nesterov steps "
                            "along the look-ahead g + momentum * v (v: the updated buffer)",
        "nesterov_swapped": "your Nesterov look-ahead is v + momentum * g; it is g + momentum * v "
                            "(v: the updated buffer)",
        "nesterov_stale": "your Nesterov look-ahead uses the momentum buffer from before this "
                          "step; update v first, then step along g + momentum * v",
        "dampening": "your momentum buffer is an average v = momentum * v + (1 - momentum) * g; "
                     "torch's SGD adds the whole gradient: v = momentum * v + g",
        "wd_after": "your weight decay is applied after the update; add weight_decay * p to the "
                    "gradient before the momentum buffer and the step",
        "wd_outside": "your weight decay bypasses the momentum buffer; add weight_decay * p to "
                      "the gradient first, then update the buffer",
        "wd_ignored": "weight_decay has no effect in your update; add weight_decay * p to the "
                      "gradient",
        "no_momentum": "your update ignores momentum",
    },
    "AdaGrad": {
        "eps_inside": "eps belongs outside the square root: p -= lr * g / (sqrt(G) + eps)",
        "no_accumulation": "G must accumulate every squared gradient (G += g * g), not just the "
                           "current one",
    },
    "RMSProp": {
        "eps_inside": "eps belongs outside the square root: p -= lr * g / (sqrt(s) + eps)",
        "alpha_swapped": "alpha weighs the old average: s = alpha * s + (1 - alpha) * g * g",
    },
    "Adam": {
        "no_bias_correction": "your Adam has no bias correction: divide m by (1 - beta1^t) and "
                              "v by (1 - beta2^t), t counting this parameter's steps from 1",
        "eps_inside": "eps belongs outside the square root: sqrt(v_hat) + eps",
        "coupled_for_adamw": "with decoupled=True (AdamW) the decay must not go through the "
                             "gradient: shrink p *= 1 - lr * weight_decay before the Adam update "
                             "(you added weight_decay * p to the gradient, as plain Adam does)",
        "decoupled_for_adam": "with decoupled=False (plain Adam) weight decay is L2: add "
                              "weight_decay * p to the gradient (you shrank p directly, as AdamW does)",
        "decay_without_lr": "AdamW shrinks p *= 1 - lr * weight_decay (you left out lr)",
        "decay_after_update": "AdamW shrinks p before the Adam update, not after it",
        "wd_ignored": "weight_decay has no effect in your update",
        "betas_swapped": "beta1/beta2 weigh the old averages: m = beta1 * m + (1 - beta1) * g",
    },
}


def _sgd(p, g, st, hp, mistake):
    lr, m, nest, wd = hp["lr"], hp.get("momentum", 0.0), hp.get("nesterov", False), hp.get("weight_decay", 0.0)
    if wd and mistake not in ("wd_after", "wd_outside", "wd_ignored"):
        g = g + wd * p
    if m and mistake != "no_momentum":
        prev = st.get("buf")
        if mistake == "dampening":
            buf = m * (prev if prev is not None else 0.0) + (1 - m) * g
        else:
            buf = g.copy() if prev is None else m * prev + g
        st["buf"] = buf
        if nest:
            if mistake == "nesterov_ignored":
                upd = buf
            elif mistake == "nesterov_swapped":
                upd = buf + m * g
            elif mistake == "nesterov_stale":
                upd = g + m * (prev if prev is not None else 0.0)
            else:
                upd = g + m * buf
        else:
            upd = buf
    else:
        upd = g
    if mistake == "wd_outside" and wd:
        upd = upd + wd * p
    p = p - lr * upd
    if mistake == "wd_after" and wd:
        p = p - lr * wd * p
    return p


def _adagrad(p, g, st, hp, mistake):
    s = g * g if mistake == "no_accumulation" else st.get("sum", 0.0) + g * g
    st["sum"] = s
    den = np.sqrt(s + hp.get("eps", 1e-10)) if mistake == "eps_inside" else np.sqrt(s) + hp.get("eps", 1e-10)
    return p - hp["lr"] * g / den


def _rmsprop(p, g, st, hp, mistake):
    a, eps = hp.get("alpha", 0.99), hp.get("eps", 1e-8)
    s = st.get("sq", 0.0)
    s = (1 - a) * s + a * g * g if mistake == "alpha_swapped" else a * s + (1 - a) * g * g
    st["sq"] = s
    den = np.sqrt(s + eps) if mistake == "eps_inside" else np.sqrt(s) + eps
    return p - hp["lr"] * g / den


def _adam(p, g, st, hp, mistake):
    lr, (b1, b2), eps = hp["lr"], tuple(hp.get("betas", (0.9, 0.999))), hp.get("eps", 1e-8)
    wd, dec = hp.get("weight_decay", 0.0), hp.get("decoupled", False)
    t = st["t"] = st.get("t", 0) + 1
    decoupled_now = dec
    if mistake == "coupled_for_adamw":
        decoupled_now = False
    if mistake == "decoupled_for_adam":
        decoupled_now = True
    if wd and mistake != "wd_ignored":
        if decoupled_now and mistake not in ("decay_after_update",):
            p = p * (1 - (wd if mistake == "decay_without_lr" else lr * wd))
        elif not decoupled_now:
            g = g + wd * p
    if mistake == "betas_swapped":
        m = (1 - b1) * st.get("m", 0.0) + b1 * g
        v = (1 - b2) * st.get("v", 0.0) + b2 * g * g
    else:
        m = b1 * st.get("m", 0.0) + (1 - b1) * g
        v = b2 * st.get("v", 0.0) + (1 - b2) * g * g
    st["m"], st["v"] = m, v
    if mistake == "no_bias_correction":
        upd = lr * m / (np.sqrt(v) + eps)
    elif mistake == "eps_inside":
        upd = lr / (1 - b1 ** t) * m / np.sqrt(v / (1 - b2 ** t) + eps)
    else:
        upd = lr / (1 - b1 ** t) * m / (np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps)
    p = p - upd
    if mistake == "decay_after_update" and wd and dec:
        p = p * (1 - lr * wd)
    return p


_STEP = {"SGD": _sgd, "AdaGrad": _adagrad, "RMSProp": _rmsprop, "Adam": _adam}


def simulate(name, kwargs, groups, init, noise, coef, mistake=None, missing=None):
    """float64 numpy replica of the optimizer (with one ``mistake``): the trajectory."""
    params = [np.asarray(a, dtype=np.float64).copy() for a in init]
    states = [dict() for _ in params]
    traj = []
    for t, noise_t in enumerate(noise):
        skip = set(missing[t]) if missing else set()
        grads = [None if i in skip else np.asarray(noise_t[i], np.float64) + coef * params[i]
                 for i in range(len(params))]
        for g in groups:
            hp = {**kwargs, **g.get("overrides", {})}
            for i in g["params"]:
                if grads[i] is not None:
                    params[i] = _STEP[name](params[i], grads[i], states[i], hp, mistake)
        traj.append([p.copy() for p in params])
    return traj


def diagnose(name, kwargs, groups, init, noise, coef, got_traj, missing=None) -> str | None:
    """The known mistake whose replica reproduces ``got_traj`` (much better than the correct
    replica does: within 1e-7, or, for float32 runs, 10x closer and within 1e-4)."""
    flat = np.concatenate([np.asarray(as_array(a, "parameter"), np.float64).ravel()
                           for step in got_traj for a in step])
    exp = simulate(name, kwargs, groups, init, noise, coef, None, missing)
    exp_flat = np.concatenate([a.ravel() for step in exp for a in step])
    err_correct = norm_rel_error(flat, exp_flat) if exp_flat.shape == flat.shape else np.inf
    for mistake, text in MISTAKES[name].items():
        with np.errstate(all="ignore"):
            alt = simulate(name, kwargs, groups, init, noise, coef, mistake, missing)
        alt_flat = np.concatenate([a.ravel() for step in alt for a in step])
        if alt_flat.shape != flat.shape or not np.all(np.isfinite(alt_flat)):
            continue
        if norm_rel_error(alt_flat, exp_flat) < 1e-12:
            continue  # the mistake makes no difference for these hyper-parameters
        err = norm_rel_error(flat, alt_flat)
        if err < 0.1 * err_correct and (err < 1e-7 or err < 1e-4):
            return text
    return None


# ----------------------------------------------------------------------------- checks
def run_case(submission, case, **kw):
    """run_optimizer on ``case`` (a strategies.OptimizerCase)."""
    return submission.probe("run_optimizer", opt_name=case.name, kwargs=case.kwargs,
                            groups=case.groups, init=case.init, noise=case.noise, coef=case.coef,
                            dtype=case.dtype, missing=case.missing, _where=f"{case.name}.step", **kw)


def describe_case(case):
    what = describe(case.name, case.kwargs, case.groups)
    if case.dtype != "float64":
        what += f" on {case.dtype} parameters"
    if case.missing:
        what += " with some gradients None"
    return what


def check_trajectory(info, case, hint=None):
    """Parameters after every step equal torch.optim's on ``case`` (float64: rtol 1e-9,
    float32: rtol 1e-5); returns torch's final state. ``hint`` names the likely mistake when no
    known one reproduces the trajectory."""
    extra_hint = hint
    name, kwargs, groups, missing = case.name, case.kwargs, case.groups, case.missing
    init, noise, coef = case.init, case.noise, case.coef
    rtol, atol = (1e-9, 1e-12) if case.dtype == "float64" else (1e-5, 1e-6)
    exp_traj, exp_state = torch_run(name, kwargs, groups, init, noise, coef, missing,
                                    getattr(torch, case.dtype))
    got_traj = info["trajectory"]
    what = describe_case(case)
    if len(got_traj) != len(exp_traj):
        fail(f"{what}: expected {len(exp_traj)} steps, the probe recorded {len(got_traj)}")
    for t, (got_step, exp_step) in enumerate(zip(got_traj, exp_traj)):
        for i, (g, e) in enumerate(zip(got_step, exp_step)):
            arr = as_array(g, "parameter")
            if arr.shape == e.shape and np.all(np.abs(arr - e) <= atol + rtol * np.abs(e)):
                continue
            hint = diagnose(name, kwargs, groups, init, noise, coef, got_traj, missing) or extra_hint
            if hint is None and missing and t > 0 and any(i in m for m in missing[:t + 1]):
                hint = ("parameters whose grad is None must be skipped: no update and no change "
                        "to their state (step counts included)")
            expect_close(g, e, f"{what}: parameter {i} after step {t + 1} (vs torch.optim."
                         f"{torch_class(name, kwargs).__name__})", rtol=rtol, atol=atol, hint=hint)
    return exp_state


def check_state(info, name, exp_state, what, *, rtol=1e-9, atol=1e-12):
    """state_dict()["state"]: same parameters, same keys, same values as torch.optim's."""
    got = info["state"]
    if set(got) != set(exp_state):
        fail(f"{what}: state_dict()['state'] holds entries for parameters {sorted(got)}, "
             f"torch.optim's for {sorted(exp_state)} (keep state in self.state[p], only for "
             "parameters that need it)")
    for i, exp in exp_state.items():
        keys = set(got[i])
        if keys != set(exp):
            fail(f"{what}: the state of parameter {i} has keys {sorted(keys)}; torch.optim's "
                 f"has {sorted(exp)} (use the names of the handout: {', '.join(STATE_KEYS[name])})")
        for key, e in exp.items():
            g = got[i][key]
            if key == "step":
                value = float(as_array(g, "step").reshape(())) if not isinstance(g, (int, float)) else float(g)
                if value != e:
                    fail(f"{what}: state 'step' of parameter {i} is {value:g}, expected {e:g} "
                         "(the number of updates this parameter received)")
                continue
            if isinstance(g, TensorData) and g.dtype != f"torch.{np.dtype(e.dtype).name}":
                fail(f"{what}: state {key!r} of parameter {i} has dtype {g.dtype}; state tensors "
                     "have the parameter's dtype (torch.zeros_like(p))")
            expect_close(g, e, f"{what}: state {key!r} of parameter {i}", rtol=rtol, atol=atol)


def expect_value_errors(submission, cases):
    """Each (class or function name, kwargs, word): constructing/calling it raises ValueError
    whose message names ``word``."""
    out = submission.probe("value_error_probe", cases=[(n, kw) for n, kw, _ in cases],
                           _where="the argument checks")
    for (name, kw, word), got in zip(cases, out):
        expect_value_error(got, f"{name}({_kw(kw)})", word)


# ----------------------------------------------------------------------------- schedules
def check_schedule(name, got, exp, calls):
    """Compare schedule values; name the mistake when they are shifted or mis-shaped."""
    for v, kw in zip(got, calls):
        if isinstance(v, str):
            fail(f"{name}({_kw(kw)}) returned a {v}; return a Python float")
    g, e = np.array(got, dtype=np.float64), np.array(exp, dtype=np.float64)
    bad = np.flatnonzero(~np.isclose(g, e, rtol=1e-10, atol=1e-15))
    if not len(bad):
        return
    hint = ""
    if len(g) > 2 and np.allclose(g[:-1], e[1:], rtol=1e-10, atol=1e-15):
        hint = "; your values are one epoch ahead (they give the rate of epoch + 1): epochs count from 0"
    elif len(g) > 2 and np.allclose(g[1:], e[:-1], rtol=1e-10, atol=1e-15):
        hint = "; your values are one epoch behind (they give the rate of epoch - 1): epochs count from 0"
    k = int(bad[0])
    fail(f"{name}({_kw(calls[k])}) returned {got[k]!r}, which does not follow the formula of the "
         f"handout ({len(bad)} of {len(g)} epochs differ){hint}")


def _kw(kw):
    return ", ".join(f"{k}={v!r}" for k, v in kw.items())


# ----------------------------------------------------------------------------- experiments
def losses_from(init, X, y, kind, kw, steps, hidden=8, lr=None, after_last=False):
    """Replay one run from the recorded initial weights with torch.optim: the full-batch loss
    before each step (or, with ``after_last``, the loss after the last step; with
    ``after_last="both"``, the pair (losses before each step, loss after the last))."""
    Xt, yt = torch.as_tensor(np.asarray(X)), torch.as_tensor(np.asarray(y))
    d, k = Xt.shape[1], int(yt.max()) + 1
    model = torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, k))
    with torch.no_grad():
        for p, a in zip(model.parameters(), init):
            p.copy_(torch.as_tensor(as_array(a, "initial weights")))
    model.to(dtype=Xt.dtype)
    cls = getattr(torch.optim, P._KINDS[kind])
    opt = cls(model.parameters(), **(dict(kw, lr=lr) if lr is not None else kw))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(Xt), yt)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    if after_last:
        with torch.no_grad():
            final = F.cross_entropy(model(Xt), yt).item()
        return (losses, final) if after_last == "both" else final
    return losses


def check_records(records, names, *, per_name=1):
    """Each optimizer factory was called ``per_name`` times, on its own model, all models
    starting from the same weights."""
    for rec in records:
        if rec["shared_with"]:
            fail(f"optimizers {rec['shared_with'][0]!r} and {rec['name']!r} were given the same "
                 "model's parameters: every optimizer must train its own fresh model (the "
                 "chapter's compare_optimizers builds every optimizer on the first model: the "
                 "shared-model bug this exercise fixes)")
    for name in names:
        n = sum(r["name"] == name for r in records)
        if n != per_name:
            fail(f"the optimizer factory {name!r} was called {n} time(s), expected {per_name}")
    first = records[0]["init"]
    for rec in records[1:]:
        if len(rec["init"]) != len(first) or not all(
                np.array_equal(as_array(a, "w"), as_array(b, "w")) for a, b in zip(rec["init"], first)):
            fail(f"the model given to {rec['name']!r} did not start from the same initial weights "
                 f"as {records[0]['name']!r}: build one model, then give every optimizer a fresh "
                 "model with a copy of its weights (load_state_dict(copy.deepcopy(state)))")


def number_list(value, what, length):
    if not isinstance(value, list):
        fail(f"{what} must be a list of floats, got {type(value).__name__}")
    if len(value) != length:
        fail(f"{what} has {len(value)} entries, expected {length} (one per step)")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            fail(f"{what} must hold Python floats (loss.item()), got {type(v).__name__}")
    return np.array(value, dtype=np.float64)


def run_experiment(submission, fn, case, lrs=None):
    """experiment_probe: ``fn`` on ``case`` (a strategies.ExperimentCase)."""
    return submission.probe("experiment_probe", fn=fn, X=case.X, y=case.y, specs=case.specs,
                            steps=case.steps, seed=case.seed, global_seed=case.global_seed,
                            lrs=lrs, _where=fn)


def expect_comparison(info, case):
    """compare_optimizers: one fresh model per optimizer from identical weights, and each
    optimizer's losses equal a torch.optim replay from those weights."""
    res, names, steps = info["result"], [c[0] for c in case.specs], case.steps
    if not isinstance(res, dict) or set(res) != set(names):
        fail(f"compare_optimizers must return a dict with one entry per optimizer name {names}, got "
             f"{sorted(res) if isinstance(res, dict) else type(res).__name__}")
    check_records(info["records"], names)
    init = info["records"][0]["init"]
    for name, kind, kw in case.specs:
        got = number_list(res[name], f"compare_optimizers(...)[{name!r}]", steps)
        exp = np.array(losses_from(init, case.X, case.y, kind, kw, steps))
        hint = None
        if steps > 1 and np.all(got == got[0]) and not np.all(exp == exp[0]):
            hint = ("your losses never change: the optimizer is not updating the model you "
                    "evaluate (the chapter's shared-model bug)")
        expect_close(got, exp, f"the losses of {name!r} (full-batch cross-entropy before each step)",
                     rtol=1e-5, atol=1e-7, hint=hint)


def expect_sensitivity(info, case, lrs):
    """lr_sensitivity: {name: {lr: loss after the last step}}, each equal to a torch.optim replay
    from the recorded initial weights (every run a fresh model from the same weights)."""
    res, names, steps = info["result"], [c[0] for c in case.specs], case.steps
    if not isinstance(res, dict) or set(res) != set(names):
        fail(f"lr_sensitivity must return a dict with one entry per optimizer name {names}")
    for name in names:
        if not isinstance(res[name], dict) or set(res[name]) != set(lrs):
            fail(f"lr_sensitivity(...)[{name!r}] must map every learning rate {lrs} to a loss")
    check_records(info["records"], names, per_name=len(lrs))
    init = info["records"][0]["init"]
    for name, kind, kw in case.specs:
        for lr in lrs:
            got = res[name][lr]
            if isinstance(got, bool) or not isinstance(got, (int, float)):
                fail(f"lr_sensitivity(...)[{name!r}][{lr}] must be a Python float, got {type(got).__name__}")
            before, exp = losses_from(init, case.X, case.y, kind, kw, steps, lr=lr, after_last="both")
            hint = None
            best = min(before + [exp])
            if abs(got - best) <= 1e-4 * abs(best) and abs(exp - best) > 1e-3 * abs(best):
                hint = "you reported the best loss of the run; report the loss after the last step"
            elif before and abs(got - before[-1]) <= 1e-4 * abs(before[-1]) and abs(exp - before[-1]) > 1e-4 * abs(exp):
                hint = ("you reported the loss before the last step; evaluate the full-batch loss "
                        "once more after it")
            expect_close(np.array(got), np.array(exp), f"the final loss of {name!r} at lr={lr} "
                         f"after {steps} steps", rtol=1e-4, atol=1e-7, hint=hint)


# ----------------------------------------------------------------------------- parity


def on(device, array):
    a = np.asarray(array)
    dtype = {np.dtype(np.float64): "torch.float64", np.dtype(np.float32): "torch.float32",
             np.dtype(np.int64): "torch.int64"}[a.dtype]
    return TensorData(a, dtype, device)
