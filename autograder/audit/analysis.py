"""Verdicts of the audit from graded results.json dicts (pure functions: no grading here)."""
from __future__ import annotations

import re

from dataclasses import dataclass, field

from .config import TestInfo


@dataclass
class Lost:
    """Points a variant lost in one test."""
    test_id: str
    task: str | None
    points: float
    message: str


def points_lost(results: dict, index: dict[str, TestInfo]) -> list[Lost]:
    out = []
    for t in results.get("tests", []):
        lost = float(t["max_score"]) - float(t["score"])
        failed = t.get("status") == "failed"
        if lost > 0 or failed:
            info = index.get(t["name"])
            test_id = info.test_id if info else t["name"]
            task = info.task if info else t["name"][1:].split("]", 1)[0]
            out.append(Lost(test_id, task, lost, t.get("output", "")))
    if not results.get("tests") and results.get("max_score", 0) == 0 and results.get("score", 0) == 0:
        out.append(Lost("<grading>", None, 0.0, results.get("output", "")))  # could not grade
    return out


@dataclass
class MutantVerdict:
    ident: str
    function: str
    key: str
    description: str
    diff: str
    killed: bool
    equivalent: str | None  # the recorded reason, when judged equivalent
    collateral: list[Lost] = field(default_factory=list)
    carried: bool = False  # killed in an earlier audit (--survivors-of), not graded again

    @property
    def collateral_points(self) -> float:
        return sum(lost.points for lost in self.collateral)


def recorded_reason(equivalent: dict[str, str], key: str) -> str | None:
    """The reason recorded for a mutant key: an exact key, else the first pattern whose ``*``
    (any text) matches the whole key, e.g. ``"*: * = _as_array(*) => pass"``."""
    if key in equivalent:
        return equivalent[key]
    for pattern, reason in equivalent.items():
        if "*" in pattern and re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), key,
                                           re.S):
            return reason
    return None


def judge_mutant(mutant, results: dict, index, own_tasks: set[str], integration: set[str],
                 equivalent: dict[str, str]) -> MutantVerdict:
    """Killed: some test failed. Collateral: points lost outside the mutated function's tasks
    and the documented integration tests."""
    lost = points_lost(results, index)
    killed = bool(lost) or results.get("score", 0) < results.get("max_score", 0)
    collateral = [x for x in lost if x.task not in own_tasks and x.test_id not in integration
                  and x.points > 0]
    return MutantVerdict(mutant.ident, mutant.function, mutant.key, mutant.description,
                         mutant.diff, killed, recorded_reason(equivalent, mutant.key), collateral)


def carried_verdict(mutant, earlier: dict, equivalent: dict[str, str]) -> MutantVerdict:
    """A mutant an earlier audit killed (``earlier``: its audit.json entry), not graded again."""
    return MutantVerdict(mutant.ident, mutant.function, mutant.key, mutant.description,
                         mutant.diff, True, recorded_reason(equivalent, mutant.key),
                         [Lost(**lost) for lost in earlier.get("collateral", [])], carried=True)


def task_points(results: dict, task: str) -> float:
    return sum(float(t["score"]) for t in results.get("tests", [])
               if t["name"].startswith(f"[{task}] "))


@dataclass
class FreePoints:
    function: str
    task: str
    lazy: float  # points the constants earned in the task
    stub: float  # points the task gives without the function at all
    tests: list[str]  # tests passed by the lazy variant but not the stub

    @property
    def free(self) -> float:
        return max(0.0, self.lazy - self.stub)


def judge_lazy(function: str, task: str, lazy: dict, stub: dict) -> FreePoints:
    passed = {t["name"] for t in lazy.get("tests", []) if t.get("status") == "passed"}
    passed -= {t["name"] for t in stub.get("tests", []) if t.get("status") == "passed"}
    return FreePoints(function, task, task_points(lazy, task), task_points(stub, task),
                      sorted(passed))


@dataclass
class FalseFailure:
    variant: str
    seed: int
    test: str
    message: str


def false_failures(variant: str, seed: int, results: dict) -> list[FalseFailure]:
    """A correct submission must pass everything (skips are fine)."""
    fails = [FalseFailure(variant, seed, t["name"], t.get("output", ""))
             for t in results.get("tests", []) if t.get("status") == "failed"]
    if not results.get("tests"):
        fails.append(FalseFailure(variant, seed, "<grading>", results.get("output", "")))
    return fails


@dataclass
class FunctionSummary:
    function: str
    tasks: list[str]
    mutants: int
    killed: int
    equivalent: int
    collateral_points: float

    @property
    def survivors(self) -> int:
        return self.mutants - self.killed - self.equivalent

    @property
    def score(self) -> float | None:
        judged = self.mutants - self.equivalent
        return self.killed / judged if judged else None


def summarize(verdicts: list[MutantVerdict], tasks: dict[str, set[str]]) -> list[FunctionSummary]:
    by_function: dict[str, list[MutantVerdict]] = {}
    for v in verdicts:
        by_function.setdefault(v.function, []).append(v)
    return [FunctionSummary(
        f, sorted(tasks.get(f, ())), len(vs), sum(v.killed for v in vs),
        sum(bool(v.equivalent) and not v.killed for v in vs),
        sum(v.collateral_points for v in vs)) for f, vs in by_function.items()]


def killed_share(verdicts: list[MutantVerdict]) -> float | None:
    """Killed / all mutants (recorded survivors count as not killed)."""
    return sum(v.killed for v in verdicts) / len(verdicts) if verdicts else None


def unrecorded(verdicts: list[MutantVerdict]) -> list[MutantVerdict]:
    """Survivors with no reason in audit.toml: each is a missing test or an unjudged mutant."""
    return [v for v in verdicts if not v.killed and not v.equivalent]


def kill_rate(verdicts: list[MutantVerdict]) -> float | None:
    """Killed / mutants not recorded as equivalent (the classic mutation score)."""
    judged = [v for v in verdicts if v.killed or not v.equivalent]
    return sum(v.killed for v in judged) / len(judged) if judged else None
