"""Attack: find and print hidden material. Guessed paths of the course (solutions, hidden
tests, exercise.toml) under the usual roots, the grader's environment, command line, working
folder and memory through /proc, every process's command line, then a bounded walk of the
whole filesystem for files holding solution or test text. Prints FOUND-SECRET for anything it
could read that looks like hidden material (the test asserts it never does)."""
import os
import re
import sys
import time

MARKERS = (b"BEGIN SOLUTION", b"SECRET-CANARY", b"ref = reference()", b"autograder.testing")
ROOTS = ["/work/main", "/autograder/source", "/autograder", "/course", "/srv/course", "/root",
         "/home", os.path.expanduser("~"), "/tmp", "/var/tmp"]
RELATIVE = ["solutions/backprop.py", "assignments/01-backprop/exercise.toml",
            "assignments/01-backprop/tests/hidden/test_layers.py",
            "assignments/01-backprop/tests/hidden/test_smoke.py", "tests", ".git/HEAD"]
found = []
tried = 0


SELF = os.path.realpath(__file__)


def report(path, data):
    if os.path.realpath(path) == SELF or path.startswith("/proc/self/"):
        return  # this file holds the markers it looks for
    if "/site-packages/" in path or "/dist-packages/" in path:
        return  # public installed packages (otter's own source mentions BEGIN SOLUTION)
    if any(m in data for m in MARKERS):
        found.append(path)
        print(f"FOUND-SECRET:{path}:{data[:300]!r}")


def try_read(path, limit=1 << 20):
    global tried
    tried += 1
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit)
    except OSError:
        return None
    report(path, data)
    return data


# 1. guessed paths
for root in ROOTS:
    for rel in RELATIVE:
        try_read(os.path.join(root, rel))
# 2. the grader through /proc: environment (DLCOURSE_ROOT...), command line, cwd, memory
ppid = os.getppid()
for name in ("environ", "cmdline", "maps", "status"):
    data = try_read(f"/proc/{ppid}/{name}")
    if data:
        for path in re.findall(rb"(/[\w./-]+)", data):
            p = path.decode()
            if os.path.isdir(p):
                for rel in RELATIVE:
                    try_read(os.path.join(p, rel))
for link in ("cwd", "root", "exe"):
    try:
        target = os.readlink(f"/proc/{ppid}/{link}")
        print(f"ATTACK: grader {link} -> {target}")
        for rel in RELATIVE:
            try_read(os.path.join(f"/proc/{ppid}/{link}", rel))
    except OSError as exc:
        print(f"ATTACK: /proc/{ppid}/{link} unreadable ({exc.strerror})")
try:
    with open(f"/proc/{ppid}/mem", "rb") as mem:
        mem.seek(0x400000)
        report("grader memory", mem.read(1 << 16))
except (OSError, ValueError, OverflowError) as exc:
    print(f"ATTACK: grader memory unreadable ({exc})")
visible = [p for p in os.listdir("/proc") if p.isdigit()]
print(f"ATTACK: {len(visible)} processes visible")
for pid in visible:
    data = try_read(f"/proc/{pid}/cmdline")
    if data and pid != str(os.getpid()):
        print(f"ATTACK: process {pid}: {data[:200]!r}")
# 3. a bounded walk of everything else
deadline = time.monotonic() + 3.0
skip = ("/proc", "/sys", "/dev")
for dirpath, dirnames, filenames in os.walk("/"):
    if dirpath.startswith(skip) or time.monotonic() > deadline:
        dirnames[:] = []
        continue
    for name in filenames:
        if name.endswith((".py", ".toml", ".txt", ".json", ".md")) and tried < 200000:
            path = os.path.join(dirpath, name)
            try:
                if os.path.getsize(path) < 300_000:
                    try_read(path)
            except OSError:
                pass
print(f"ATTACK: searched {tried} files, found {len(found)} secrets")
print("ATTACK: environment " + " ".join(sorted(os.environ)))


def affine_forward(x, W, b):
    raise NotImplementedError("affine_forward")


def affine_backward(dout, cache):
    raise NotImplementedError("affine_backward")
