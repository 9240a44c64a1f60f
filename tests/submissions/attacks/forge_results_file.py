"""Attack: write a full-marks results.json wherever a grader might read one (the current
folder, /autograder/results, the grader's -o path read from its command line, /tmp, the
sandbox folder), at import and again at exit (atexit), and try every other writable-looking
place. Only the worker's private /tmp (and /dev/shm) may be writable."""
import atexit
import json
import os

FORGED = {"score": 1000.0, "max_score": 1000.0, "output": "FORGED-RESULTS all tests passed",
          "tests": [], "stdout_visibility": "visible"}
TARGETS = ["results.json", "/autograder/results/results.json", "/tmp/results.json",
           "/results.json", "/sandbox/results.json", "/sandbox/submission/results.json",
           "/usr/results.json", "/etc/results.json", "/work/results.json", "/root/results.json",
           "/var/tmp/results.json", "/dev/shm/results.json"]


def _grader_paths():
    """Paths on the grader's command line (readable only if /proc shows the grader)."""
    out = []
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as fh:
            args = fh.read().split(b"\0")
        out += [a.decode() for a in args if a.endswith(b".json")]
    except OSError as exc:
        print(f"ATTACK: grader command line unreadable ({exc.strerror})")
    return out


def forge(when):
    for path in TARGETS + _grader_paths():
        try:
            with open(path, "w") as fh:
                json.dump(FORGED, fh)
            print(f"WROTE:{path} ({when})")
        except OSError as exc:
            print(f"BLOCKED:{path} ({exc.strerror})")


forge("import")
atexit.register(forge, "exit")


def affine_forward(x, W, b):
    forge("call")
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
