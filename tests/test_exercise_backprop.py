"""Exercise 1 (backprop) end to end, through the CLI as the grader runs it.

The reference gets full marks, the released stub 0 (without crashing), every correct variant in
tests/submissions/backprop/ok_*.py full marks, and every buggy variant bug_*.py loses points in
the tests aimed at its bug, with a message that points at it. All gradings run once, in parallel
(one subprocess each), in a module-scoped fixture.
"""
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from variant_grading import grade

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ROOT / "tests" / "submissions" / "backprop"
STUB = ROOT / "student_template" / "01-backprop" / "backprop.py"
REFERENCE = ROOT / "solutions" / "backprop.py"

# bug variant -> (tests that must fail, words their message must contain (case-insensitive),
#                 tests allowed to fail: None = any, else exactly the must-fail set plus these)
BUGS = {
    "bug_dx_aliases_dout": (
        {"test_relu_does_not_modify_inputs": ("dout", "modified", "dx = dout.copy()")},
        set()),
    "bug_relu_grad_at_zero": (
        {"test_relu_gradient_is_zero_at_zero": ("x == 0", "x > 0")},
        set()),
    "bug_softmax_log_underflow": (
        {"test_softmax_large_logits": ("NaN", "1e4", "log-sum-exp")},
        set()),
    "bug_float64_for_float32": (
        {"test_relu_keeps_float32": ("dtype float64", "float32")},
        set()),
    "bug_missing_bias_grad": (
        {"test_affine_backward_values": ("db", "bias", "dx and dW are right"),
         "test_affine_gradient_check": ("db",),
         "test_affine_backward_gradient_check": ("db",),
         "test_mlp_loss_values": ("b1",)},
        None),
    "bug_transposed_dW": (
        {"test_affine_backward_values": ("dW", "transpose"),
         "test_affine_gradient_check": ("dW", "transpose"),
         "test_mlp_loss_values": ("transpose",)},
        None),
    "bug_grad_scale_N": (
        {"test_softmax_values": ("dlogits", "times", "1/N"),
         "test_softmax_gradient_check": ("times",),
         "test_softmax_cross_entropy_small": ("times",),
         "test_mlp_loss_gradient_check": ("times",)},
        None),
    "bug_numgrad_no_restore": (
        {"test_numgrad_restores_x_bitwise": ("bitwise", "saved"),
         "test_numerical_gradient_of_a_quadratic": ("changed x",)},
        {"test_numgrad_any_shape", "test_numgrad_noncontiguous", "test_numgrad_closure"}),
}
OKS = sorted(p.stem for p in VARIANTS.glob("ok_*.py"))

# what must never reach a student: test source, the reference, internals of the checks
LEAKS = ("ref.", "reference", "expect_", "def test_", "assert ", "import ", "array(",
         "probes.py", "Traceback (most recent call last)")
LONG_FLOAT_LIST = re.compile(r"\[\s*-?\d+\.\d+(?:e-?\d+)?(?:,\s*-?\d+\.\d+(?:e-?\d+)?){4,}")


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("backprop_results")
    jobs = {"reference": REFERENCE, "stub": STUB}
    jobs.update({name: VARIANTS / f"{name}.py" for name in [*BUGS, *OKS]})
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(grade, "backprop", name, path, out_dir) for name, path in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def _test_names():
    """test function name -> its title line as it appears in results.json names."""
    import ast
    names = {}
    for path in (ROOT / "assignments" / "01-backprop" / "tests").rglob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names[node.name] = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
    return names


TITLES = _test_names()


def _entry(result: dict, test: str) -> dict:
    title = TITLES[test]
    found = [t for t in result["tests"] if t["name"].endswith("] " + title)]
    assert len(found) == 1, f"{test} ({title!r}) not found exactly once in results"
    return found[0]


def _failed(result: dict) -> set:
    by_title = {v: k for k, v in TITLES.items()}
    return {by_title[t["name"].split("] ", 1)[1]] for t in result["tests"]
            if t.get("status") != "passed"}


def test_titles_are_unique():
    assert len(set(TITLES.values())) == len(TITLES)


def test_reference_gets_full_marks(results):
    r = results["reference"]
    assert r["score"] == r["max_score"] > 0, [t for t in r["tests"] if t.get("status") != "passed"]
    assert len(r["tests"]) == len(TITLES)


def test_stub_scores_zero_without_crashing(results):
    r = results["stub"]
    assert r["score"] == 0 and r["max_score"] == results["reference"]["max_score"]
    assert len(r["tests"]) == len(TITLES), "every test must run (and fail) on the stub"
    for t in r["tests"]:
        assert "NotImplementedError" in t["output"], t
        assert "autograder problem" not in t["output"], t


@pytest.mark.parametrize("name", OKS)
def test_correct_variant_gets_full_marks(results, name):
    r = results[name]
    assert r["score"] == r["max_score"], [(t["name"], t["output"]) for t in r["tests"]
                                          if t.get("status") != "passed"]


@pytest.mark.parametrize("name", sorted(BUGS))
def test_buggy_variant_loses_points_with_a_pointed_message(results, name):
    must_fail, may_fail = BUGS[name]
    r = results[name]
    assert r["score"] < r["max_score"]
    failed = _failed(r)
    for test, words in must_fail.items():
        entry = _entry(r, test)
        assert entry.get("status") == "failed", f"{name}: {test} passed"
        for word in words:
            assert word.lower() in entry["output"].lower(), (
                f"{name}: {test}'s message lacks {word!r}:\n{entry['output']}")
    if may_fail is not None:
        extra = failed - set(must_fail) - may_fail
        assert not extra, f"{name}: unexpected failures {sorted(extra)}"


def test_results_never_leak_test_source_or_expected_values(results):
    for name, r in results.items():
        for t in r["tests"]:
            text = t["output"]
            for bad in LEAKS:
                assert bad not in text, f"{name}: {t['name']}: {bad!r} in\n{text}"
            assert not LONG_FLOAT_LIST.search(text), f"{name}: {t['name']}: numbers in\n{text}"
        assert "reference" not in r["output"] and "expect_" not in r["output"]


def test_failures_name_a_replayable_input(results):
    """Failing hypothesis tests say which input failed (students replay it with strategies.py)."""
    entry = _entry(results["bug_relu_grad_at_zero"], "test_relu_gradient_is_zero_at_zero")
    assert "Smallest failing input: test_relu_gradient_is_zero_at_zero(seed=" in entry["output"]
