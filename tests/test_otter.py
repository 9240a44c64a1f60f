"""``otter run -a <zip> <file>.py`` (Otter-Grader 7) through our plugin: the native grader's
results, student code only in the sandboxed worker (never in Otter's process or a kernel), and
the attacks that beat stock Otter 7 (shown here on a stock one-test autograder) fail.

Shares its gradings with tests/test_gradescope.py (harness.course_check).
"""
from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import pytest

from autograder.gradescope import harness
from autograder.gradescope.build import write_zip

pytestmark = pytest.mark.skipif(not harness.has_otter(), reason="otter-grader is not installed")

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ROOT / "tests" / "submissions" / "otter_attacks"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="the sandbox's uid drop and mount namespace "
                                "need root (as on Gradescope and in CI)")
# Stock Otter executes submissions unsandboxed in a Jupyter kernel: these demonstrations run only
# when asked for (`./dev bench` and DLCOURSE_STOCK_OTTER=1), not in CI, although the test
# environment has ipykernel (the notebooks need it).
STOCK_KERNEL = harness.has_kernel() and os.environ.get("DLCOURSE_STOCK_OTTER") == "1"
needs_kernel = pytest.mark.skipif(not STOCK_KERNEL,
                                  reason="stock Otter runs submissions unsandboxed in a Jupyter "
                                  "kernel: opt in with DLCOURSE_STOCK_OTTER=1 (needs ipykernel)")

PROBE = '''
import json, os, sys
print("PROBE " + json.dumps({"uid": os.getuid(), "argv": sys.argv, "pid": os.getpid(),
                              "modules": sorted(m for m in sys.modules
                                                if m.split(".")[0] in ("otter", "ipykernel"))}))
'''


def kernel_zip(check, ex) -> Path:
    """The exercise's zip with the plugin's kernel shim off (Otter's documented events only)."""
    src = check.zips[ex.slug]
    dest = check.work / "kernel-zips" / src.name
    if not dest.exists():
        with zipfile.ZipFile(src) as zf:
            members = [(i.filename, zf.read(i), (i.external_attr >> 16) & 0o777)
                       for i in zf.infolist() if not i.is_dir()]
        config = {"lang": "python", "plugins": [
            {"autograder.gradescope.otter_plugin.DlcourseGrader": {"use_kernel": True}}]}
        members = [(n, json.dumps(config).encode() if n == "otter_config.json" else d, m)
                   for n, d, m in members]
        write_zip(members, dest)
    return dest


@pytest.fixture(scope="module")
def check():
    c = harness.course_check(ROOT)
    first = c.exercises[0]
    task = c.task(first)
    for ex, name in _matrix(c):
        path = c.variants(ex)[name]
        c.native(ex, path, c.task(ex))
        c.otter(ex, path, c.task(ex))
    for name, (text, _) in c.attacks(ATTACKS).items():
        c.otter(first, c.save(first, text, f"attacks/{name}"), task)
        c.native(first, c.save(first, c.honest_part(text), f"honest/{name}"), task)
    c.otter(first, c.save(first, PROBE, "otter-probe"), task)
    if STOCK_KERNEL:
        c.otter(first, c.variants(first)["reference"], task, zip_path=kernel_zip(c, first))
        c.otter(first, c.save(first, PROBE, "otter-probe"), task, zip_path=kernel_zip(c, first))
    yield c
    harness.cancel_pending()


def _matrix(c):
    """reference, stub and buggy of the first exercise; the reference of the others, unless
    DLCOURSE_FULL_MATRIX=1 (torch exercises cost ~6 s a grading)."""
    full = bool(os.environ.get("DLCOURSE_FULL_MATRIX"))
    return [(ex, n) for ex in c.exercises for n in c.variants(ex)
            if full or ex is c.exercises[0] or n == "reference"]


def _cases():
    return [(ex.slug, v) for ex, v in _matrix(harness.course_check(ROOT))]


@pytest.mark.parametrize("slug,variant", _cases())
def test_otter_run_matches_native(check, slug, variant):
    ex = check.exercise(slug)
    path = check.variants(ex)[variant]
    _, nat, _ = check.native(ex, path, check.task(ex)).result()
    _, got, log = check.otter(ex, path, check.task(ex)).result()
    assert got is not None, log[-3000:]
    assert harness.first_difference(got, nat) == "", log[-3000:]
    assert f"Total Score: {nat['score']:.3f} / {nat['max_score']:.3f}" in log


def _probe(results: dict) -> dict:
    text = results["output"]
    assert "PROBE " in text, text[-2000:]
    return json.loads(text.split("PROBE ", 1)[1].splitlines()[0])


def test_student_code_never_runs_in_otters_process(check):
    ex = check.exercises[0]
    _, res, log = check.otter(ex, check.save(ex, PROBE, "otter-probe"), check.task(ex)).result()
    report = _probe(res)
    assert Path(report["argv"][0]).name == "worker_main.py"
    assert report["modules"] == []  # neither Otter nor a kernel in the process that ran it
    if IS_ROOT:
        assert report["uid"] != 0
    assert "dlcourse:" in log and "never ran in this process" in log


@needs_kernel
def test_documented_events_alone_without_the_kernel_shim(check):
    """use_kernel: Otter starts its kernel, which executes the empty notebook that
    before_execution returned: same results, and the student's code still ran only in the
    worker."""
    ex = check.exercises[0]
    task = check.task(ex)
    kz = kernel_zip(check, ex)
    ref = check.variants(ex)["reference"]
    _, nat, _ = check.native(ex, ref, task).result()
    _, got, log = check.otter(ex, ref, task, zip_path=kz).result()
    assert got is not None, log[-3000:]
    assert harness.first_difference(got, nat) == ""
    _, res, log = check.otter(ex, check.save(ex, PROBE, "otter-probe"), task, zip_path=kz).result()
    report = _probe(res)
    assert Path(report["argv"][0]).name == "worker_main.py" and report["modules"] == []


def _attack_ids():
    return sorted(p.stem for p in ATTACKS.glob("*.py"))


@needs_root
@pytest.mark.parametrize("attack", _attack_ids())
def test_stock_otter_attack_fails_through_otter_run(check, attack):
    ex = check.exercises[0]
    task = check.task(ex)
    text, expect = check.attacks(ATTACKS)[attack]
    _, res, log = check.otter(ex, check.save(ex, text, f"attacks/{attack}"), task).result()
    _, honest, _ = check.native(ex, check.save(ex, check.honest_part(text), f"honest/{attack}"),
                                task).result()
    assert res is not None, log[-3000:]
    assert res["score"] == (honest["score"] if expect == "honest" else 0), res["output"][-3000:]
    assert res["max_score"] == honest["max_score"]
    everything = json.dumps(res) + log
    assert "FORGED" not in everything
    leaked = [line for line in check.secret_lines(ex) if line in everything]
    assert not leaked, leaked[:5]


# ---------------------------------------- the same attacks beat stock Otter (why the plugin)

@pytest.fixture(scope="module")
def stock(check, tmp_path_factory):
    """Each attack on stock Otter, one at a time and only once nothing else runs: unconfined,
    these attacks reach whatever root can (other gradings' files included)."""
    harness.wait_all()
    tmp = tmp_path_factory.mktemp("stock")
    zip_path = harness.stock_autograder(tmp / "stock.zip")
    ex = check.exercises[0]
    attacks = check.attacks(ATTACKS)
    texts = {name: text for name, (text, _) in attacks.items()}
    texts["honest"] = check.honest_part(attacks["patch_numpy_testing"][0])
    runs = {}
    for name, text in texts.items():
        sub = check.save(ex, text.replace("__AG_ROOT__", "/autograder"), f"stock/{name}")
        runs[name] = harness.otter_run(zip_path, sub, tmp / f"out-{name}")
        if name == "rewrite_results_at_exit":
            time.sleep(6)  # let its detached forger finish before the next run
    return runs


def _q1(results):
    return next(t["score"] for t in results["tests"] if t["name"] == "q1")


@needs_kernel
@pytest.mark.parametrize("attack", _attack_ids())
def test_the_attack_beats_stock_otter(stock, attack):
    _, honest, _ = stock["honest"]
    assert _q1(honest) == 0  # a wrong answer fails stock Otter's test...
    _, res, log = stock[attack]
    if attack == "exit_at_import":  # ...os._exit loses every result
        assert res is None and "DeadKernelError" in log
    elif attack == "leak_hidden_source":  # ...the hidden case's source reaches the student
        assert harness.STOCK_SECRET in json.dumps(res) + log
    elif attack == "rewrite_results_at_exit":  # ...the results are forged, one way or another
        assert "FORGED" in json.dumps(res) or _q1(res) == 1.0, json.dumps(res)[:2000]
    else:  # ...and each of these turns it into full marks
        assert _q1(res) == 1.0, json.dumps(res)[:2000]
