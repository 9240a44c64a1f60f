"""Hidden tests: the learning-rate schedules follow the chapter's formulas at every epoch."""
import os
import sys

from hypothesis import given

from autograder.testing import task

sys.path.insert(0, os.path.dirname(__file__))
import optimizers_oracle as R  # noqa: E402
import strategies as S  # noqa: E402


def _check(submission, name, calls):
    got = submission.probe("schedule_values", schedule=name, calls=calls, _where=name)
    exp = [getattr(R.ref(), name)(**kw) for kw in calls]
    R.check_schedule(name, got, exp, calls)


@task("schedules")
@given(a=S.schedule_args())
def test_step_decay(submission, a):
    """step_decay = lr0 * drop ** (epoch // every) at every epoch 0..3*every+1 (drop boundaries included)"""
    calls = [dict(lr0=a["lr0"], epoch=e, drop=a["drop"], every=a["every"])
             for e in range(3 * a["every"] + 2)]
    _check(submission, "step_decay", calls)


@task("schedules")
@given(a=S.schedule_args())
def test_exponential_decay(submission, a):
    """exponential_decay = lr0 * exp(-k * epoch) at every epoch 0..total"""
    _check(submission, "exponential_decay",
           [dict(lr0=a["lr0"], epoch=e, k=a["k"]) for e in range(a["total"] + 1)])


@task("schedules")
@given(a=S.schedule_args())
def test_cosine_annealing(submission, a):
    """cosine_annealing = lr0 * (1 + cos(pi * epoch / total)) / 2 at every epoch 0..total"""
    _check(submission, "cosine_annealing",
           [dict(lr0=a["lr0"], epoch=e, total=a["total"]) for e in range(a["total"] + 1)])


@task("schedules")
@given(a=S.schedule_args())
def test_warmup_cosine(submission, a):
    """warmup_cosine: linear warm-up to lr0 at epoch == warmup, then cosine over total - warmup epochs (all epochs 0..total)"""
    calls = [dict(lr0=a["lr0"], epoch=e, warmup=a["warmup"], total=a["total"])
             for e in range(a["total"] + 1)]
    got = submission.probe("schedule_values", schedule="warmup_cosine", calls=calls, _where="warmup_cosine")
    exp = [R.ref().warmup_cosine(**kw) for kw in calls]
    ok = all(not isinstance(g, str) and abs(g - e) <= 1e-10 * abs(e) + 1e-15 for g, e in zip(got, exp))
    hint = None if ok else _warmup_hint(got, calls)
    if hint:
        from autograder.testing import fail
        bad = next(k for k, (g, e) in enumerate(zip(got, exp)) if abs(g - e) > 1e-10 * abs(e) + 1e-15)
        fail(f"warmup_cosine({R._kw(calls[bad])}) returned {got[bad]!r}: {hint}")
    R.check_schedule("warmup_cosine", got, exp, calls)


def _warmup_hint(got, calls):
    import math
    if any(isinstance(v, str) for v in got):
        return None
    lr0, w, T = calls[0]["lr0"], calls[0]["warmup"], calls[0]["total"]
    alternatives = {
        "the cosine phase must restart at the end of the warm-up: use (epoch - warmup) / "
        "(total - warmup), not epoch / total":
            lambda e: lr0 * (1 + math.cos(math.pi * e / T)) / 2,
        "the cosine phase lasts total - warmup epochs: divide (epoch - warmup) by (total - warmup), "
        "not by total":
            lambda e: lr0 * (1 + math.cos(math.pi * (e - w) / T)) / 2,
    }
    for text, f in alternatives.items():
        if all(abs(g - f(kw["epoch"])) <= 1e-10 * abs(f(kw["epoch"])) + 1e-15
               for g, kw in zip(got, calls) if kw["epoch"] > w):
            if any(abs(f(kw["epoch"]) - R.ref().warmup_cosine(**kw)) > 1e-9 for kw in calls
                   if kw["epoch"] > w):
                return text
    ramp_plus = all(abs(g - lr0 * (kw["epoch"] + 1) / w) <= 1e-10 * lr0 for g, kw in zip(got, calls)
                    if kw["epoch"] < w)
    if ramp_plus and w > 0:
        return "the warm-up ramp is one epoch ahead: lr0 * epoch / warmup, so 0 at epoch 0"
    return None


BAD = [("step_decay", dict(lr0=0.1, epoch=-1), "epoch"),
       ("exponential_decay", dict(lr0=0.1, epoch=-2), "epoch"),
       ("cosine_annealing", dict(lr0=0.1, epoch=-1, total=10), "epoch"),
       ("cosine_annealing", dict(lr0=0.1, epoch=3, total=0), "total"),
       ("warmup_cosine", dict(lr0=0.1, epoch=-1, warmup=2, total=10), "epoch"),
       ("warmup_cosine", dict(lr0=0.1, epoch=3, warmup=0, total=0), "total"),
       ("warmup_cosine", dict(lr0=0.1, epoch=3, warmup=20, total=10), "warmup"),
       ("warmup_cosine", dict(lr0=0.1, epoch=3, warmup=-1, total=10), "warmup"),
       ("step_decay", dict(lr0=0.1, epoch=3, every=0), "every"),
       ("step_decay", dict(lr0=0.1, epoch=3, every=-2), "every")]
# valid values, boundaries of the valid ranges included: every 1, total 1, warmup 0 (plain
# cosine annealing) and warmup == total (a warm-up alone)
GOOD = {"step_decay": [dict(lr0=0.1, epoch=e, drop=0.5, every=ev) for ev in (3, 1) for e in range(8)],
        "exponential_decay": [dict(lr0=0.1, epoch=e, k=0.2) for e in range(5)],
        "cosine_annealing": [dict(lr0=0.1, epoch=e, total=T) for T in (6, 1) for e in range(T + 1)],
        "warmup_cosine": [dict(lr0=0.1, epoch=e, warmup=w, total=T)
                          for w, T in ((2, 6), (0, 6), (6, 6), (0, 1), (1, 1)) for e in range(T + 1)]}


@task("schedules")
def test_schedules_bad_arguments_raise_value_error(submission):
    """schedules: right values (boundaries included: every 1, total 1, warmup 0 or total), and a negative epoch, every <= 0, total <= 0 or warmup outside [0, total] raise ValueError naming it"""
    for name, calls in GOOD.items():
        _check(submission, name, calls)
    R.expect_value_errors(submission, BAD)
