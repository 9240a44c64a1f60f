"""``dlcourse audit``: mutants, lazy variants, attribution and the report (units), and a fixed
sample of each exercise's audit held to the thresholds (CI; the full audit is one command in the
README)."""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
import textwrap

import numpy as np
import pytest
import torch

from autograder.audit import analysis, lazy, mutants, run_audit, sample_evenly
from autograder.audit.command import killed_verdicts
from autograder.audit.config import AuditConfig, TestInfo, function_tasks
from autograder.audit.report import Thresholds, markdown, problems, write
from autograder.exercise import find_exercise

SOURCE = textwrap.dedent('''\
    import numpy as np


    def _helper(x):
        # BEGIN SOLUTION
        return x.copy()
        # END SOLUTION


    def scale(x, axis=0):
        """out = x / x.sum(axis)."""
        if x.ndim != 2:
            raise ValueError("x must be 2-D")
        # BEGIN SOLUTION
        total = x.sum(axis=0, keepdims=True)
        out = _helper(x) / total
        return out.T.T
        # END SOLUTION


    def untouched(a, b):
        return a - b
    ''')


def _load(source: str, name: str):
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, name, "exec"), module.__dict__)
    return module


# ---------------------------------------------------------------- mutants
def test_mutants_change_only_solution_regions_and_compile():
    made = list(mutants.generate(SOURCE))
    assert {m.function for m in made} == {"_helper", "scale"}, "untouched() and the ValueError check lie outside regions"
    ops = {m.operator for m in made}
    assert {"operator", "axis", "reduction", "dropped-call", "statement"} <= ops
    descriptions = {m.description for m in made}
    assert {"axis=0 -> axis=1", "keepdims=True -> keepdims=False", "sum -> mean", "drop .copy()",
            "drop .T", "/ -> *", "drop the statement"} <= descriptions
    for m in made:
        compile(m.source, m.ident, "exec")
        assert "def untouched(a, b):\n    return a - b" in m.source
        assert m.diff.startswith("--- reference")
    assert len({m.key for m in made}) == len(made), "keys identify mutants"


def test_mutant_keys_survive_moved_lines():
    moved = SOURCE.replace("import numpy as np\n", "import numpy as np\n\n# a comment\n\n\n")
    assert [m.key for m in mutants.generate(SOURCE)] == [m.key for m in mutants.generate(moved)]


def test_a_mutant_behaves_differently():
    made = {m.description: m for m in mutants.generate(SOURCE)}
    x = np.arange(1.0, 7.0).reshape(2, 3)
    good = _load(SOURCE, "audit_good").scale(x)
    bad = _load(made["axis=0 -> axis=1"].source, "audit_bad").scale(x)
    np.testing.assert_allclose(good, x / x.sum(axis=0, keepdims=True))
    np.testing.assert_allclose(bad, x / x.sum(axis=1, keepdims=True))
    # keepdims=False broadcasts the same (1, 3) row: an equivalent mutant the audit must list
    same = _load(made["keepdims=True -> keepdims=False"].source, "audit_same").scale(x)
    np.testing.assert_allclose(same, good)


# ---------------------------------------------------------------- lazy variants
def test_graded_functions_are_the_public_ones_with_regions():
    assert lazy.graded_functions(SOURCE) == ["scale"]


def test_lazy_variant_returns_constants_of_the_right_shape_and_dtype():
    module = _load(lazy.variant(SOURCE, "scale", "lazy").source, "audit_lazy")
    x = np.arange(1.0, 7.0, dtype=np.float32).reshape(2, 3)
    out = module.scale(x.copy())
    assert out.shape == (2, 3) and out.dtype == np.float32 and not out.any()
    stub = _load(lazy.variant(SOURCE, "scale", "stub").source, "audit_stub")
    with pytest.raises(NotImplementedError):
        stub.scale(x)


def test_lazy_optimizer_step_changes_nothing():
    source = textwrap.dedent('''\
        import torch


        class Plain(torch.optim.Optimizer):
            def __init__(self, params, lr):
                super().__init__(params, dict(lr=lr))

            def step(self, closure=None):
                # BEGIN SOLUTION
                for group in self.param_groups:
                    for p in group["params"]:
                        p.data.add_(p.grad, alpha=-group["lr"])
                # END SOLUTION
        ''')
    module = _load(lazy.variant(source, "Plain.step", "lazy").source, "audit_lazy_opt")
    w = torch.nn.Parameter(torch.ones(3))
    w.grad = torch.ones(3)
    module.Plain([w], lr=0.5).step()
    assert torch.equal(w.detach(), torch.ones(3)), "the lazy step does nothing"


def test_lazy_model_factory_computes_nothing_with_any_weights():
    """A lazy factory of a model returns the right layers, but its forward gives zeros even
    after a test loads its own weights (the layers alone earn nothing)."""
    source = textwrap.dedent('''\
        import torch


        def make(d):
            # BEGIN SOLUTION
            return torch.nn.Sequential(torch.nn.Linear(d, 2), torch.nn.Tanh())
            # END SOLUTION
        ''')
    model = _load(lazy.variant(source, "make", "lazy").source, "audit_lazy_factory").make(3)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh"]
    with torch.no_grad():
        model[0].weight.fill_(1.0)
    out = model(torch.ones(4, 3))
    assert out.shape == (4, 2) and not out.any()


# ---------------------------------------------------------------- attribution
def test_helpers_inherit_the_tasks_of_their_callers():
    config = AuditConfig(functions={"scale": "scaling"})
    tasks = function_tasks(SOURCE, ["scale"], {"scaling", "other"}, config)
    assert tasks == {"scale": {"scaling"}, "_helper": {"scaling"}}


def _results(*tests):
    return {"score": sum(t[2] for t in tests), "max_score": sum(t[3] for t in tests),
            "tests": [{"name": n, "score": s, "max_score": m, "output": "msg",
                       "status": "passed" if s == m else "failed"} for n, _, s, m in tests]}


INDEX = {"[a] t1": TestInfo("test_a1", "a", "t1"), "[b] t2": TestInfo("test_b2", "b", "t2"),
         "[b] t3": TestInfo("test_b3", "b", "t3")}


def test_collateral_points_are_lost_outside_the_task_and_integration_tests():
    m = next(mutants.generate(SOURCE))
    results = _results(("[a] t1", None, 0, 2), ("[b] t2", None, 0, 3), ("[b] t3", None, 0, 1))
    verdict = analysis.judge_mutant(m, results, INDEX, {"a"}, {"test_b3"}, {})
    assert verdict.killed and verdict.collateral_points == 3
    assert [c.test_id for c in verdict.collateral] == ["test_b2"]
    clean = analysis.judge_mutant(m, _results(("[a] t1", None, 0, 2), ("[b] t2", None, 3, 3)),
                                  INDEX, {"a"}, set(), {})
    assert clean.killed and clean.collateral_points == 0
    survivor = analysis.judge_mutant(m, _results(("[a] t1", None, 2, 2)), INDEX, {"a"}, set(),
                                     {m.key: "same values"})
    assert not survivor.killed and survivor.equivalent == "same values"
    assert analysis.kill_rate([verdict, survivor]) == 1.0  # the equivalent survivor is not counted
    assert analysis.killed_share([verdict, survivor]) == 0.5  # ... but it is not killed either
    assert analysis.unrecorded([verdict, survivor]) == []


def test_audit_toml_has_only_known_tables(tmp_path):
    """A misspelt or retired table (the old [ungraded]) is an error, not silently ignored."""
    from types import SimpleNamespace
    (tmp_path / "audit.toml").write_text('[ungraded]\n"f: x => pass" = "not graded"\n')
    with pytest.raises(ValueError, match=r"unknown table\(s\) \['ungraded'\]"):
        AuditConfig.load(SimpleNamespace(folder=tmp_path, tests={}))
    (tmp_path / "audit.toml").write_text('[equivalent]\n"f: x => pass" = "same values"\n')
    assert AuditConfig.load(SimpleNamespace(folder=tmp_path, tests={})).equivalent == {
        "f: x => pass": "same values"}


def test_equivalent_mutants_are_recorded_by_key_or_pattern():
    table = {"f: x = g(x) => pass": "exact", "*: * = _as_array(*) => pass": "pattern"}
    assert analysis.recorded_reason(table, "f: x = g(x) => pass") == "exact"
    assert analysis.recorded_reason(table, "relu: x = _as_array('x', x) => pass") == "pattern"
    assert analysis.recorded_reason(table, "relu: x = _as_array('x', x) => x = 1") is None
    assert analysis.recorded_reason(table, "f: x = g(x[0]) => pass") is None  # no glob chars


def test_free_points_are_what_constants_earn_beyond_the_stub():
    lazy_r = _results(("[b] t2", None, 3, 3), ("[b] t3", None, 1, 1))
    stub_r = _results(("[b] t2", None, 0, 3), ("[b] t3", None, 1, 1))
    free = analysis.judge_lazy("f", "b", lazy_r, stub_r)
    assert free.free == 3 and free.tests == ["[b] t2"]
    assert analysis.judge_lazy("f", "b", stub_r, stub_r).free == 0


def test_sample_spreads_over_functions():
    items = [("f", i) for i in range(10)] + [("g", i) for i in range(2)]
    picked = sample_evenly(items, 4, key=lambda x: x[0])
    assert len(picked) == 4 and {f for f, _ in picked} == {"f", "g"}
    assert sample_evenly(items, None, key=lambda x: x[0]) == items


def test_report_and_thresholds(tmp_path):
    from autograder.audit import Audit

    m = next(mutants.generate(SOURCE))
    survivor = analysis.judge_mutant(m, _results(("[a] t1", None, 2, 2)), INDEX, {"a"}, set(), {})
    audit = Audit("toy", {"scale": {"a"}}, mutants=[survivor],
                  free=[analysis.FreePoints("scale", "a", 2, 0, ["[a] t1"])],
                  false=[analysis.FalseFailure("reference", 3, "[a] t1", "boom")],
                  false_checked=["reference@3"], seconds=1.0, gradings=3)
    missed = problems(audit, Thresholds())
    assert len(missed) == 4 and "0.0% of the mutants killed (0 of 1)" in missed[0]
    assert "1 surviving mutants have no reason in audit.toml" in missed[1]
    write(audit, Thresholds(), tmp_path)
    page = (tmp_path / "audit.html").read_text()
    assert "<table>" in page and 'src="mutation_score.png"' in page and m.key.split(":")[0] in page
    assert (tmp_path / "mutation_score.png").read_bytes()[:4] == b"\x89PNG"
    data = json.loads((tmp_path / "audit.json").read_text())
    assert data["kill_rate"] == 0.0 and data["killed_share"] == 0.0 and len(data["problems"]) == 4
    # --survivors-of reads back the mutants killed (not the survivors) and carries them over
    killed = analysis.judge_mutant(m, _results(("[a] t1", None, 0, 2)), INDEX, {"a"}, set(), {})
    assert killed.killed
    audit.mutants.append(dataclasses.replace(killed, key="other"))
    write(audit, Thresholds(), tmp_path)
    earlier = killed_verdicts([tmp_path / "audit.json"])
    assert set(earlier) == {"other"} and m.key not in earlier
    carried = analysis.carried_verdict(dataclasses.replace(m, key="other"), earlier["other"], {})
    assert carried.killed and carried.carried and carried.collateral == killed.collateral


def test_survivors_of_grades_only_what_earlier_audits_left_alive(tmp_path, monkeypatch):
    """run_audit(carried=...) grades the other mutants and reports the carried ones as killed."""
    import autograder.audit as audit_pkg
    from autograder.exercise import find_exercise
    graded = []

    def fake_grade_all(exercise, jobs, *args, **kwargs):
        graded.extend(j.ident for j in jobs)
        return {j.ident: _results(("[x] t", None, 0, 1)) for j in jobs}

    monkeypatch.setattr(audit_pkg, "grade_all", fake_grade_all)
    monkeypatch.setattr(audit_pkg, "grade_job", lambda *a, **k: {"score": 1, "max_score": 1,
                                                                 "tests": [{}]})
    exercise = find_exercise("backprop")
    source = audit_pkg.solution_path(exercise, audit_pkg.course_root()).read_text()
    every = [m for m in mutants.generate(source) if m.function == "relu_forward"]
    earlier = {every[0].key: {"killed": True, "collateral": []}}
    audit = audit_pkg.run_audit(exercise, tmp_path, functions={"relu_forward"}, carried=earlier,
                                parts=("mutants",), progress=False)
    assert len(audit.mutants) == len(every) and len(graded) == len(every) - 1
    assert [v.key for v in audit.mutants if v.carried] == [every[0].key]


# ---------------------------------------------------------------- the exercises, sampled
# (exercise, graded functions sampled, mutants sampled): CI's fixed sample, a few minutes of
# gradings in all; `dlcourse audit EXERCISE` audits everything.
SAMPLES = {
    "backprop": ("affine_backward,relu_backward,softmax_cross_entropy,MLP.loss", 4),
    "depth": ("layer_grad_norms,clip_grad_norm_", 2),
    "optimizers": ("Adam.step,SGD.step,warmup_cosine", 3),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_audit_sample_meets_the_thresholds(name, tmp_path):
    functions, n = SAMPLES[name]
    audit = run_audit(find_exercise(name), tmp_path, sample=n, functions=set(functions.split(",")),
                      seeds=(7,), workers=2, progress=False)
    assert len(audit.mutants) == n and len(audit.free) == len(functions.split(","))
    assert audit.false_checked, "the reference and correct variants are graded under seed 7"
    assert problems(audit, Thresholds()) == [], markdown(audit, Thresholds())
