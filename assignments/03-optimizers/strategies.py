"""Inputs of the optimizers exercise's tests: hypothesis strategies and seeded builders.

Public: a failure message ends with the smallest failing input written as a call of a builder
of this file, e.g. ``optimizer_case(name='Adam', kwargs={...}, groups=[...], shapes=[(2,)],
seed=0, steps=20)``; run the same call (``import strategies as S; S.optimizer_case(...)``) to
get the very parameters and gradients the test used. Every builder is deterministic.

The optimisation problem of the step-for-step tests: the gradient of parameter ``p`` at step
``t`` is ``noise[t][i] + coef * p`` (a quadratic pull towards 0 plus a fixed random push), so
the gradient depends on where the optimizer has taken the parameter.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st

from coursedata import blobs, two_spirals

OPTIMIZERS = ("SGD", "AdaGrad", "RMSProp", "Adam")

#: seeds of ``numpy.random.default_rng``
seeds = st.integers(min_value=0, max_value=2**31 - 1)

lrs = st.sampled_from([0.003, 0.01, 0.03, 0.1, 0.3])
momenta = st.sampled_from([0.5, 0.8, 0.9, 0.95])
decays = st.sampled_from([0.001, 0.01, 0.05, 0.2])
epsilons = st.sampled_from([1e-10, 1e-8, 1e-6, 1e-3])


@st.composite
def param_shapes(draw, max_tensors: int = 4):
    n = draw(st.integers(1, max_tensors))
    return [tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))) for _ in range(n)]


@st.composite
def groups(draw, n_params: int, overrides=st.just({})):
    """Parameter groups: a partition of range(n_params) into 1..3 groups, each with its own
    overrides of the optimizer's defaults (drawn from ``overrides``)."""
    k = draw(st.integers(1, min(3, n_params)))
    owner = [i % k for i in range(n_params)]
    owner = draw(st.permutations(owner))
    return [{"params": [i for i in range(n_params) if owner[i] == g], "overrides": draw(overrides)}
            for g in range(k)]


def sgd_kwargs(momentum=False, nesterov=False, weight_decay=False):
    return st.fixed_dictionaries({
        "lr": lrs,
        "momentum": momenta if (momentum or nesterov) else st.just(0.0),
        "nesterov": st.just(bool(nesterov)),
        "weight_decay": decays if weight_decay else st.just(0.0),
    })


def adagrad_kwargs():
    return st.fixed_dictionaries({"lr": lrs, "eps": epsilons})


def rmsprop_kwargs():
    return st.fixed_dictionaries({"lr": lrs, "alpha": st.sampled_from([0.5, 0.9, 0.99]),
                                  "eps": epsilons})


def adam_kwargs(weight_decay=False, decoupled=False):
    return st.fixed_dictionaries({
        "lr": lrs,
        "betas": st.tuples(st.sampled_from([0.5, 0.8, 0.9]), st.sampled_from([0.9, 0.99, 0.999])),
        "eps": epsilons,
        "weight_decay": decays if weight_decay else st.just(0.0),
        "decoupled": st.just(bool(decoupled)),
    })


def lr_overrides():
    """Per-group overrides: sometimes a group's own learning rate."""
    return st.one_of(st.just({}), st.fixed_dictionaries({"lr": lrs}))


def problem(seed: int, shapes, steps: int, dtype=np.float64):
    """Initial parameters, per-step gradient noise and the pull ``coef`` (see the module doc)."""
    r = np.random.default_rng(seed)
    init = [r.standard_normal(s).astype(dtype) for s in shapes]
    scale = 10.0 ** r.uniform(-1, 1, size=len(shapes))
    noise = [[(scale[i] * r.standard_normal(s)).astype(dtype) for i, s in enumerate(shapes)]
             for _ in range(steps)]
    coef = float(r.uniform(0.0, 1.0))
    return init, noise, coef


def missing_grads(seed: int, n_params: int, steps: int):
    """Per step, the parameter indices whose gradient is None: parameter 0 always has one,
    the last parameter never has one, the others skip some steps."""
    r = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        skip = [i for i in range(1, n_params - 1) if r.random() < 0.3]
        out.append(skip + ([n_params - 1] if n_params > 1 else []))
    return out


def classification_data(seed: int = 0, n: int = 90, dim: int = 2, classes: int = 3):
    """Standardised Gaussian blobs (coursedata.blobs) as float32 features, int64 labels."""
    X, y = blobs(n=n, centers=classes, dim=dim, std=2.5, seed=seed)
    X = (X - X.mean(0)) / X.std(0)
    return X.astype(np.float32), y.astype(np.int64)


@st.composite
def schedule_args(draw):
    """(lr0, total, warmup, drop, every, k) for the four schedules."""
    total = draw(st.integers(4, 60))
    return dict(lr0=draw(st.sampled_from([0.01, 0.1, 0.5, 1.0])), total=total,
                warmup=draw(st.integers(1, total - 1)), drop=draw(st.sampled_from([0.1, 0.3, 0.5])),
                every=draw(st.integers(1, 20)), k=draw(st.sampled_from([0.001, 0.03, 0.2])))


def spirals_data(seed: int = 0, n: int = 90):
    """Two spirals (coursedata.two_spirals) scaled to unit variance: float32 features, int64
    labels. A small MLP cannot separate them, so a far too large learning rate blows the loss up."""
    X, y = two_spirals(n, seed=seed)
    return (X / X.std(0)).astype(np.float32), y.astype(np.int64)


# ----------------------------------------------------------------------------- test cases
class OptimizerCase(NamedTuple):
    """One optimizer run: ``name(groups, **kwargs)`` (groups: indices into ``init`` with
    per-group overrides), one step per entry of ``noise``; the gradient of parameter i at step
    t is ``noise[t][i] + coef * p`` (None for the indices in ``missing[t]``)."""
    name: str
    kwargs: dict
    groups: list
    init: list
    noise: list
    coef: float
    missing: list | None
    dtype: str

    def __repr__(self):  # not Python syntax on purpose: hypothesis then prints the builder call
        return f"<OptimizerCase {self.name}>"


def optimizer_case(name: str, kwargs: dict, groups: list, shapes, seed: int, steps: int,
                   dtype: str = "float64", with_missing: bool = False) -> OptimizerCase:
    """problem(seed, shapes, steps, dtype) (and, ``with_missing``, missing_grads(seed, ...))."""
    init, noise, coef = problem(seed, shapes, steps, dtype=np.dtype(dtype))
    missing = missing_grads(seed, len(shapes), steps) if with_missing else None
    return OptimizerCase(name, kwargs, groups, init, noise, coef, missing, dtype)


def optimizer_kwargs(name: str):
    """Hyper-parameters of ``name`` (every option drawn, AdamW included)."""
    return {"SGD": sgd_kwargs(nesterov=True, weight_decay=True),
            "AdaGrad": adagrad_kwargs(),
            "RMSProp": rmsprop_kwargs(),
            "Adam": st.one_of(adam_kwargs(weight_decay=True),
                              adam_kwargs(weight_decay=True, decoupled=True))}[name]


@st.composite
def optimizer_cases(draw, name: str, kwargs=None, overrides=None, steps: int = 20,
                    dtype: str = "float64", min_params: int = 1, with_missing: bool = False):
    """OptimizerCase for ``name`` with hyper-parameters drawn from ``kwargs`` (default:
    optimizer_kwargs(name)) and per-group ``overrides`` (default: lr_overrides())."""
    shapes = draw(param_shapes())
    shapes = shapes + [(2,)] * max(0, min_params - len(shapes))
    return draw(st.builds(
        optimizer_case, name=st.just(name),
        kwargs=kwargs if kwargs is not None else optimizer_kwargs(name),
        groups=groups(len(shapes), overrides if overrides is not None else lr_overrides()),
        shapes=st.just(shapes), seed=seeds, steps=st.just(steps), dtype=st.just(dtype),
        with_missing=st.just(with_missing)))


class ExperimentCase(NamedTuple):
    """compare_optimizers / lr_sensitivity on (X, y) = classification_data(0) with the model
    factory of probes.experiment_probe (torch.manual_seed(global_seed) first) and, per spec
    (name, kind, kwargs), torch.optim's optimizer of that kind; generator seeded with ``seed``."""
    specs: list
    steps: int
    seed: int
    global_seed: int
    X: np.ndarray
    y: np.ndarray

    def __repr__(self):  # not Python syntax on purpose: hypothesis then prints the builder call
        return "<ExperimentCase>"


def experiment_case(specs, steps: int, seed: int, global_seed: int = 0) -> ExperimentCase:
    X, y = classification_data(0)
    return ExperimentCase(specs, steps, seed, global_seed, X, y)


#: (name, kind, kwargs) of the optimizers the experiments compare (kind: torch.optim's class)
EXPERIMENT_OPTIMIZERS = [
    ("sgd", "sgd", {"lr": 0.1}),
    ("sgd again", "sgd", {"lr": 0.1}),
    ("momentum", "sgd", {"lr": 0.05, "momentum": 0.9}),
    ("adam", "adam", {"lr": 0.01}),
    ("rmsprop", "rmsprop", {"lr": 0.01}),
]


def experiment_cases(sensitivity: bool = False):
    """ExperimentCase with 2..4 of EXPERIMENT_OPTIMIZERS (lr_sensitivity: 1..3, without their lr)."""
    if sensitivity:
        choices = [(n, k, {kk: v for kk, v in kw.items() if kk != "lr"})
                   for n, k, kw in EXPERIMENT_OPTIMIZERS if n != "sgd again"]
        specs = st.lists(st.sampled_from(choices), min_size=1, max_size=3, unique_by=lambda c: c[0])
        return st.builds(experiment_case, specs=specs, steps=st.integers(3, 10), seed=seeds,
                         global_seed=st.just(0))
    specs = st.lists(st.sampled_from(EXPERIMENT_OPTIMIZERS), min_size=2, max_size=4,
                     unique_by=lambda c: c[0])
    return st.builds(experiment_case, specs=specs, steps=st.integers(5, 15), seed=seeds,
                     global_seed=st.integers(0, 1000))
