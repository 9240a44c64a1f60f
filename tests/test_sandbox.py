"""Unit tests of the sandbox: the plain-data wire format, the limits, and the worker process
(restarts, remembered load failures, output caps, privilege drop, hidden paths, rlimits,
read-only filesystem, process clean-up, a parent that never blocks on a hostile worker).

Tests marked ``root`` run only as root (CI runs as root); those that need the private
filesystem view skip with the reason when the kernel or container refuses namespaces.
"""
from __future__ import annotations

import base64
import io
import json
import math
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from autograder import wire
from autograder.errors import SubmissionError, WorkerLost
from autograder.sandbox import worker_main
from autograder.sandbox.limits import MIN_WORKER_MB, Limits, resident_mb
from autograder.sandbox.process import (UID_RANGE, SandboxSpec, WorkerProcess, kill_tree,
                                        kill_uid, pids_of_uid, python_paths)
from autograder.sandbox.proxy import SubmissionProxy
from autograder.sandbox.worker_main import ADDRESS_SLACK_MB, SYSTEM_DIRS

REPO = Path(__file__).resolve().parents[1]
IS_ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not IS_ROOT, reason="needs root (the privilege drop)")


def _roundtrip(value):
    frame = wire.encode_frame({"v": wire.to_plain(value)})
    return wire.from_plain(wire.decode_body(frame[wire.HEADER.size:])["v"])


def _b64_npy(array, allow_pickle=False) -> str:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return base64.b64encode(buf.getvalue()).decode()


# ---------------------------------------------------------------------------------- wire

@pytest.mark.parametrize("value", [
    None, True, False, 0, -3, 2**62, 1.5, -0.0, "text", "",
    np.float32(1.5), np.int64(-7), np.bool_(True), np.complex128(1 + 2j),
    np.array(2.5), np.zeros(()), np.zeros((0, 3)), np.arange(6).reshape(2, 3),
    np.ones((3, 4), dtype=np.float32).T, np.arange(10.0)[::3], np.arange(4, dtype=">f8"),
    np.array([True, False]), np.arange(5, dtype=np.uint16), np.ones(3, dtype=np.float16),
    np.ones(2, dtype=np.complex64),
], ids=repr)
def test_wire_roundtrip_keeps_type_dtype_shape_and_values(value):
    got = _roundtrip(value)
    assert type(got) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert got.dtype == value.dtype and got.shape == value.shape
        assert np.array_equal(got, value)
    else:
        assert got == value or (got != got and value != value)


def test_wire_roundtrip_of_containers_and_special_floats():
    value = {"a": [1, 2.5, (3, "x")], 7: (np.arange(3), None), (1, "k"): {"deep": [[1]]},
             np.int64(4): "numpy key"}
    got = _roundtrip(value)
    assert got["a"] == [1, 2.5, (3, "x")] and np.array_equal(got[7][0], np.arange(3))
    assert got[(1, "k")] == {"deep": [[1]]} and got[4] == "numpy key"
    assert math.isnan(_roundtrip(float("nan"))) and _roundtrip(float("-inf")) == -math.inf
    assert _roundtrip(-2**70) == float(-2**70) and _roundtrip(10**400) == math.inf


def test_wire_tensor_data_roundtrip():
    td = wire.TensorData(np.arange(4.0, dtype=np.float32), "torch.float32", "cpu", True)
    got = _roundtrip(td)
    assert type(got) is wire.TensorData and got.dtype == "torch.float32" and got.requires_grad
    assert np.array_equal(got.array, td.array)


class _Hostile:
    def __eq__(self, other):
        return True

    def __array__(self, *args, **kwargs):
        return np.ones(3)

    def __float__(self):
        return 1.0

    def __len__(self):
        return 2

    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("value,name", [
    (object(), "object"), (lambda: 0, "function"), (_Hostile(), "_Hostile"), ({1, 2}, "set"),
    (b"bytes", "bytes"), (np.array([object()]), "ndarray[object]"),
    (np.array(["a"]), "ndarray[<U1]"), (np.zeros(2, dtype="i4,f8"), "ndarray"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "ndarray[datetime64[D]]"),
])
def test_wire_turns_non_data_into_opaque(value, name):
    got = _roundtrip(value)
    assert type(got) is wire.Opaque and got.type_name.startswith(name)


def test_wire_subclasses_cross_as_their_plain_base():
    class Sub(np.ndarray):
        def __eq__(self, other):
            return True
    got = _roundtrip(np.zeros(3).view(Sub))
    assert type(got) is np.ndarray and not np.array_equal(got, np.ones(3))


def test_wire_refuses_pickles_and_object_arrays():
    ran = []

    class Boom:
        def __reduce__(self):
            return (ran.append, ("unpickled",))
    with pytest.raises(wire.WireError):
        wire.from_plain({"__ndarray__": _b64_npy(np.array([Boom()], dtype=object),
                                                 allow_pickle=True)})
    raw = base64.b64encode(pickle.dumps(Boom())).decode()
    for tag in ("__ndarray__", "__scalar__", "__tensor__"):
        with pytest.raises(wire.WireError):
            wire.from_plain({tag: raw})
    with pytest.raises(wire.WireError):
        wire.from_plain({"__ndarray__": _b64_npy(np.zeros(2, dtype="U3"))})
    assert ran == []


@pytest.mark.parametrize("obj", [
    [1, 2], {}, {"__list__": 5}, {"__tuple__": {"a": 1}}, {"__dict__": "x"},
    {"__dict__": [[1]]}, {"__dict__": [[{"__list__": []}, 1]]},
    {"__dict__": [[{"__tuple__": [{"__list__": []}]}, 1]]},
    {"__dict__": [[{"__ndarray__": _b64_npy(np.arange(3))}, 1]]},
    {"__float__": 5}, {"__float__": "1" * 100}, {"__float__": "nope"},
    {"__tensor__": _b64_npy(np.zeros(2)), "dtype": 5},
    {"__scalar__": _b64_npy(np.zeros(2))}, {"__ndarray__": "not base64!"},
    {"__ndarray__": 12}, {"__opaque__": ["x"]}, {"__unknown__": 1}, 10**30,
    "x" * (wire.MAX_STR + 1), {"__list__": ["ok", "y" * (wire.MAX_STR + 1)]},
], ids=lambda v: repr(v)[:60])
def test_wire_from_plain_rejects_malformed_values(obj):
    with pytest.raises(wire.WireError):
        wire.from_plain(obj)


def test_wire_rejects_deep_nesting_and_huge_frames():
    deep = None
    for _ in range(100):
        deep = {"__list__": [deep]}
    with pytest.raises(wire.WireError):
        wire.from_plain(deep)
    many = json.dumps({"v": [0] * (wire.MAX_VALUES + 2)}).encode()
    with pytest.raises(wire.WireError, match="values"):
        wire.decode_body(many)
    for body in (b"\xff\xfe", b"[1, 2]", b"{", b"[" * 100000):
        with pytest.raises(wire.WireError):
            wire.decode_body(body)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from(["__list__", "__ndarray__", "AAAA", _b64_npy(np.zeros(2))]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["__list__", "__tuple__", "__dict__", "__ndarray__", "__scalar__",
                         "__float__", "__tensor__", "__opaque__", "dtype", "x"]),
        inner, max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_json)
def test_wire_from_plain_raises_only_wire_errors(obj):
    try:
        wire.from_plain(obj)
    except wire.WireError:
        pass


# -------------------------------------------------------------------------------- limits

def test_limits_validation_and_defaults():
    d = Limits()
    assert d.box_mb == 768 and d.memory_mb == 0 and d.total_timeout_s <= 600 and not d.network
    # the worker gets what the box leaves: box - parent - 1.25 * disk (/tmp in memory) - reserve
    assert d.worker_memory_mb(parent_mb=100) == 768 - 100 - 1.25 * 64 - 96
    assert Limits(box_mb=2048).worker_memory_mb(parent_mb=100) == 2048 - 100 - 80 - 96
    assert Limits(memory_mb=300).worker_memory_mb(parent_mb=700) == 300  # an override
    assert d.worker_memory_mb(parent_mb=760) == MIN_WORKER_MB
    assert Limits.from_table({"memory_mb": 256, "network": True}).network
    for bad in ({"nope": 1}, {"memory_mb": -1}, {"network": 1}, {"call_timeout_s": "10"},
                {"processes": True}):
        with pytest.raises(ValueError):
            Limits.from_table(bad)
    assert Limits.from_table({"virtual_mb": -1}).virtual_mb == -1


# ------------------------------------------------------------------------------ processes

LIMITS = dict(call_timeout_s=5, load_timeout_s=30, total_timeout_s=120, output_kb=4,
              memory_mb=512, processes=8, disk_mb=8, file_size_mb=2, max_frame_mb=4)


@pytest.fixture
def sandbox(tmp_path):
    """make(source, **limits) -> SubmissionProxy for a module ``mod`` holding ``source``."""
    made = []

    def make(source, hide=(), isolate=True, probes=None, **limits):
        path = tmp_path / f"mod{len(made)}.py"
        path.write_text(textwrap.dedent(source))
        probes_path = None
        if probes is not None:
            probes_path = tmp_path / f"probes{len(made)}.py"
            probes_path.write_text(textwrap.dedent(probes))
        spec = SandboxSpec(submission=path, module="mod", hide=tuple(hide), isolate=isolate,
                           probes=probes_path, limits=Limits(**{**LIMITS, **limits}))
        proxy = SubmissionProxy(spec)
        made.append(proxy)
        return proxy
    yield make
    for proxy in made:
        proxy.close()


@pytest.fixture
def namespaces(isolation):
    if isolation != "namespaces":
        pytest.skip(f"no private filesystem view here (isolation: {isolation})")


def test_calls_return_plain_data_only(sandbox):
    sub = sandbox("""
        import numpy as np
        def f(x, scale=1):
            return x * scale, {"k": [1, 2.5]}, object(), np.array([object()])
    """)
    out, d, opaque, objarr = sub.call("f", np.arange(3), scale=2)
    assert np.array_equal(out, [0, 2, 4]) and d == {"k": [1, 2.5]}
    assert isinstance(opaque, wire.Opaque) and isinstance(objarr, wire.Opaque)


def test_student_exceptions_arrive_as_submission_errors_with_own_traceback(sandbox):
    sub = sandbox("""
        import sys
        def f():
            raise ValueError("x must be 2-D")
        def g():
            sys.exit(3)
        def h():
            raise KeyboardInterrupt
    """)
    with pytest.raises(SubmissionError) as info:
        sub.call("f")
    assert info.value.type_name == "ValueError" and "x must be 2-D" in info.value.message
    assert "line 4, in f" in info.value.student_traceback
    assert "worker_main" not in info.value.describe()
    for name, kind in (("g", "SystemExit"), ("h", "KeyboardInterrupt")):
        with pytest.raises(SubmissionError, match=kind):
            sub.call(name)
    assert sub.restarts == 0


def test_timeout_kills_and_restarts_the_worker(sandbox):
    sub = sandbox("""
        import os
        def spin():
            while True:
                pass
        def pid():
            return os.getpid()
    """, call_timeout_s=1)
    first = sub.call("pid")
    start = time.monotonic()
    with pytest.raises(WorkerLost, match=r"^spin did not return within 1 s: an infinite loop\?$"):
        sub.call("spin")
    assert time.monotonic() - start < 10
    assert sub.call("pid") != first and sub.restarts == 1


def test_a_function_that_hung_is_not_called_again(sandbox):
    sub = sandbox("""
        def spin():
            while True:
                pass
        def spin_too():
            while True:
                pass
        def ok():
            return 1
    """, call_timeout_s=2, hung_call_timeout_s=0.5)
    with pytest.raises(WorkerLost) as first:
        sub.call("spin")
    start = time.monotonic()
    with pytest.raises(WorkerLost) as again:
        sub.call("spin")
    assert again.value.message == first.value.message and time.monotonic() - start < 0.2
    assert sub.call("ok") == 1 and sub.restarts == 1
    start = time.monotonic()  # once one function hung, later calls get the shorter limit
    with pytest.raises(WorkerLost, match=r"^spin_too did not return within 0.5 s: an infinite "
                                         r"loop\? \(once a function has not returned"):
        sub.call("spin_too")
    assert time.monotonic() - start < 2


def test_a_probe_that_hangs_is_charged_to_the_student_function_running(sandbox):
    sub = sandbox("""
        def fast(x):
            return x + 1
        def slow(x):
            while True:
                pass
        class Model:
            def run(self):
                while True:
                    pass
    """, probes="""
        def both(sub, x):
            return sub.fast(x), sub.slow(x)
        def catches(sub, x):
            try:
                return sub.slow(x)
            except Exception:
                return "caught"
        def fast_only(sub, x):
            return sub.fast(x)
        def method(sub):
            return sub.Model().run()
    """, call_timeout_s=1)
    with pytest.raises(WorkerLost, match=r"^slow did not return within 1 s"):
        sub.probe("both", x=1)
    start = time.monotonic()
    for ask in (lambda: sub.probe("catches", x=1), lambda: sub.call("slow", 1)):
        with pytest.raises(WorkerLost, match=r"^slow did not return within 1 s"):
            ask()
    assert time.monotonic() - start < 1
    assert sub.probe("fast_only", x=1) == 2 and sub.call("fast", 2) == 3
    # a method is no module function: the probe (or its ``_where``) is charged
    with pytest.raises(WorkerLost, match=r"^Model.run did not return within"):
        sub.probe("method", _where="Model.run")
    assert set(sub.stopped) == {"slow", "Model.run"}


def test_crash_restarts_the_worker(sandbox):
    sub = sandbox("""
        import os
        def die():
            os._exit(7)
        def ok():
            return 1
    """)
    with pytest.raises(WorkerLost, match=r"exit status 7\) during die"):
        sub.call("die")
    assert sub.call("ok") == 1 and sub.restarts == 1


def test_load_failures_are_remembered(sandbox, monkeypatch):
    sub = sandbox("raise RuntimeError('broken at import')\n")
    with pytest.raises(SubmissionError, match="broken at import") as first:
        sub.call("f")
    started = []
    monkeypatch.setattr(WorkerProcess, "_start", lambda self: started.append(self))
    with pytest.raises(SubmissionError) as second:
        sub.call("g")
    # the same failure, without starting a worker; a fresh exception each time (hypothesis
    # attaches a test's falsifying example to the exception it raised)
    assert str(second.value) == str(first.value) and second.value is not first.value
    assert started == []


def test_import_hang_is_remembered_and_reported(sandbox):
    sub = sandbox("while True:\n    pass\n", load_timeout_s=2)
    with pytest.raises(WorkerLost, match=r"could not import your file: importing mod.py did "
                                         r"not finish within 2 s: an infinite loop at import"):
        sub.call("f")
    start = time.monotonic()
    with pytest.raises(WorkerLost, match="could not import your file"):
        sub.call("f")
    assert time.monotonic() - start < 0.5


def test_output_is_drained_and_capped(sandbox):
    sub = sandbox("""
        import sys
        print("first line")
        sys.stdout.write("x" * 2_000_000)
        def f():
            sys.stderr.write("y" * 100_000)
            return 1
    """, output_kb=4)
    assert sub.call("f") == 1
    out = sub.output()
    assert out.splitlines()[0] == ("[2100011 bytes printed; the first 4096 are kept, 2095915 "
                                   "more bytes of output dropped]")
    assert out.splitlines()[1] == "first line" and len(out) < 4096 + 100


def test_output_read_at_once_counts_what_is_still_in_the_pipe():
    """A reply can overtake the worker's last output: reading the output right after a call
    must wait for the pipe to be drained, not report a partial count."""
    from autograder.sandbox.process import OutputDrain
    read_end, write_end = os.pipe()
    os.write(write_end, b"z" * 60_000)  # fits the pipe: written before anyone reads
    drain = OutputDrain(read_end, keep=100)
    drain.start()
    assert drain.text().splitlines()[0] == ("[60000 bytes printed; the first 100 are kept, "
                                            "59900 more bytes of output dropped]")
    os.close(write_end)
    drain.join(timeout=2)
    assert not drain.is_alive() and drain.text().count("[60000 bytes printed") == 1


def test_grading_deadline_stops_calls(sandbox):
    sub = sandbox("""
        def spin():
            while True:
                pass
    """, call_timeout_s=30)
    sub.deadline = time.monotonic() + 4  # time to start the worker, then cut the call short
    with pytest.raises(WorkerLost, match=r"stopped: the grading time limit .* during spin"):
        sub.call("spin")
    with pytest.raises(WorkerLost, match="not run: the grading time limit was reached"):
        sub.call("spin")


def test_rlimits_are_applied(sandbox):
    sub = sandbox("""
        import os, resource
        def limits():
            names = ("RLIMIT_DATA", "RLIMIT_AS", "RLIMIT_FSIZE", "RLIMIT_CPU", "RLIMIT_CORE",
                     "RLIMIT_NOFILE", "RLIMIT_NPROC")
            out = {n: resource.getrlimit(getattr(resource, n)) for n in names}
            out["nice"] = os.getpriority(os.PRIO_PROCESS, 0)
            out["oom"] = int(open("/proc/self/oom_score_adj").read())
            out["vm"] = {line.split(":")[0]: int(line.split()[1]) * 1024
                         for line in open("/proc/self/status")
                         if line.startswith(("Vm", "Rss"))}
            return out
    """, memory_mb=300, file_size_mb=3, cpu_s=40, open_files=100)
    got = sub.call("limits")
    # the worker may grow by its budget minus what it held when the student's file was loaded
    vm, mb = got["vm"], 2**20
    room = 300 * mb - vm["RssAnon"] - vm["RssShmem"]  # the memory it holds: not its file pages
    assert got["RLIMIT_DATA"][0] == got["RLIMIT_DATA"][1]
    assert abs(got["RLIMIT_DATA"][0] - vm["VmData"] - room) < 8 * mb
    assert abs(got["RLIMIT_AS"][0] - vm["VmSize"] - room - ADDRESS_SLACK_MB * mb) < 8 * mb
    explicit = sandbox("import resource\ndef f():\n    return resource.getrlimit("
                       "resource.RLIMIT_AS)\n", virtual_mb=1500)
    assert explicit.call("f") == [1500 * mb] * 2 or explicit.call("f") == (1500 * mb,) * 2
    assert got["RLIMIT_FSIZE"] == (3 * 2**20,) * 2 and got["RLIMIT_CPU"] == (40, 45)
    assert got["RLIMIT_CORE"] == (0, 0) and got["RLIMIT_NOFILE"] == (100, 100)
    assert got["nice"] >= 10 and got["oom"] == 1000
    if IS_ROOT:
        assert got["RLIMIT_NPROC"] == (8, 8)


def test_memory_limit_gives_a_clear_message(sandbox):
    sub = sandbox("""
        import numpy as np
        def big():
            return np.ones(2**31, dtype=np.uint8)
    """, memory_mb=256)
    with pytest.raises(SubmissionError, match=r"ran out of memory \(limit 256 MB\)"):
        sub.call("big")


def test_memory_beyond_the_budget_is_stopped_once(sandbox):
    """A shared mapping (not heap) within the address-space slack but over the budget: the
    parent stops the worker, names the function, and does not call it again."""
    sub = sandbox("""
        import mmap
        import numpy as np
        def hog():
            m = mmap.mmap(-1, 300 * 2**20)
            np.frombuffer(m, dtype=np.uint8).fill(1)
            return len(m)
        def ok():
            return 1
    """, memory_mb=160, call_timeout_s=60)
    with pytest.raises(WorkerLost, match=r"^hog ran out of memory \(limit 160 MB\)"):
        sub.call("hog")
    start = time.monotonic()
    with pytest.raises(WorkerLost, match=r"^hog ran out of memory"):
        sub.call("hog")
    assert time.monotonic() - start < 0.2 and sub.call("ok") == 1


def test_the_worker_gets_what_the_box_leaves(sandbox):
    sub = sandbox("def f():\n    return 1\n", memory_mb=0, box_mb=900, reserve_mb=50,
                  disk_mb=8)
    assert sub.call("f") == 1
    parent = resident_mb()
    assert abs(sub.memory_mb - (900 - parent - 10 - 50)) < 16


def test_reply_size_is_limited(sandbox):
    sub = sandbox("""
        import numpy as np
        def big():
            return np.zeros(2**20)
    """, max_frame_mb=1)
    with pytest.raises(WorkerLost, match=r"over the limit of 1 MiB"):
        sub.call("big")


def test_forged_replies_are_rejected(sandbox):
    sub = sandbox("""
        import json, os, sys, time
        WFD = int(json.loads(sys.argv[1])["wfd"])
        def _send(msg):
            body = json.dumps(msg).encode()
            os.write(WFD, len(body).to_bytes(8, "big") + body)
        def _nonce():
            f = sys._getframe(1)
            while f is not None and not isinstance(f.f_locals.get("msg"), dict):
                f = f.f_back
            return f.f_locals["msg"]["nonce"]
        def wrong_nonce():
            _send({"ok": True, "value": "PASSED", "nonce": "guess"})
            time.sleep(60)
        def bad_error():
            _send({"ok": False, "error": 5, "nonce": _nonce()})
            time.sleep(60)
        def bad_ok():
            _send({"ok": "yes", "value": 1, "nonce": _nonce()})
            time.sleep(60)
        def bad_value():
            _send({"ok": True, "value": {"__list__": 3}, "nonce": _nonce()})
            time.sleep(60)
    """)
    for name in ("wrong_nonce", "bad_error", "bad_ok"):
        with pytest.raises(WorkerLost, match="broke the protocol"):
            sub.call(name)
    with pytest.raises(SubmissionError, match="InvalidReturn"):
        sub.call("bad_value")


def test_parent_never_blocks_on_a_worker_that_stops_reading(sandbox):
    sub = sandbox("""
        import gc, time
        def stop_reading():
            for obj in gc.get_objects():
                if type(obj).__name__ == "_Channel":
                    obj.recv = lambda: time.sleep(3600)
            return "ok"
        def f(x):
            return 0
    """, call_timeout_s=2)
    assert sub.call("stop_reading") == "ok"
    start = time.monotonic()
    with pytest.raises(WorkerLost, match="f did not return within 2 s"):
        sub.call("f", np.zeros(4 * 2**20))  # 32 MB: far more than a pipe holds
    assert time.monotonic() - start < 10


def test_symlinked_submission_is_refused(tmp_path):
    secret = tmp_path / "solution.py"
    secret.write_text("def f():\n    return 'the reference'\n")
    link = tmp_path / "mod.py"
    link.symlink_to(secret)
    sub = SubmissionProxy(SandboxSpec(submission=link, module="mod", limits=Limits(**LIMITS)))
    try:
        with pytest.raises(WorkerLost, match="symbolic link"):
            sub.call("f")
    finally:
        sub.close()


def test_python_paths_expose_packages_not_checkouts():
    paths = python_paths()
    assert all(os.path.isabs(p) for p in paths)
    import numpy
    assert any(numpy.__file__.startswith(p + os.sep) for p in paths)
    root = str(Path(__file__).resolve().parent.parent)
    assert root not in paths  # an editable install exposes its package folders only


# ------------------------------------------------------------------------ root and isolation

@root_only
def test_privileges_are_dropped(sandbox):
    sub = sandbox("""
        import ctypes, os
        def who():
            status = dict(l.split(":", 1) for l in open("/proc/self/status") if ":" in l)
            sig = ctypes.c_int()
            ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG
            return (os.getresuid(), os.getresgid(), os.getgroups(), status["CapEff"].strip(),
                    status["CapPrm"].strip(), status["NoNewPrivs"].strip(), sig.value)
    """)
    (ruid, euid, suid), gids, groups, cap_eff, cap_prm, nnp, pdeathsig = sub.call("who")
    assert UID_RANGE[0] <= ruid < UID_RANGE[1] and ruid == euid == suid
    assert set(gids) == {ruid} and groups == []
    assert int(cap_eff, 16) == 0 and int(cap_prm, 16) == 0 and nnp == "1"
    assert pdeathsig == signal.SIGKILL
    assert sub.sandbox_report["uid"] == ruid


@root_only
def test_worker_cannot_signal_the_grader(sandbox):
    sub = sandbox("""
        import os, signal
        def attack():
            out = []
            for target in (os.getppid(), 1, -1):
                try:
                    os.kill(target, signal.SIGKILL if target != -1 else 0)
                    out.append("sent")
                except OSError as exc:
                    out.append(exc.strerror)
            return out
    """)
    got = sub.call("attack")
    assert got[:2] == ["Operation not permitted"] * 2
    assert os.getpid() > 0  # still here


@root_only
def test_secret_paths_are_unreadable(sandbox, tmp_path, isolation):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (course / "solutions" / "mod.py").write_text("TOKEN-solution")
    (course / "notes.txt").write_text("TOKEN-public")
    for p in (tmp_path, course, course / "solutions"):
        os.chmod(p, 0o755)
    sub = sandbox("""
        def read(path):
            try:
                return open(path).read()
            except OSError as exc:
                return type(exc).__name__
    """, hide=[str(course / "solutions")])
    assert sub.call("read", str(course / "solutions" / "mod.py")) != "TOKEN-solution"
    assert str(course / "solutions") in sub.sandbox_report["hidden"]
    if isolation == "namespaces":  # nothing outside the allow-list exists in the worker's view
        assert sub.call("read", str(course / "notes.txt")) == "FileNotFoundError"


@root_only
def test_filesystem_is_read_only_outside_private_tmp(sandbox, namespaces):
    sub = sandbox("""
        import os, sys
        def write(path, size=10):
            try:
                with open(path, "wb") as fh:
                    fh.write(b"x" * size)
                return "ok"
            except OSError as exc:
                return exc.strerror
        def view():
            return sorted(os.listdir("/")), os.getcwd(), os.environ["HOME"], os.environ["TMPDIR"]
        def exists(path):
            return os.path.exists(path)
    """, disk_mb=8, file_size_mb=4)
    top, cwd, home, tmp = sub.call("view")
    if os.uname().machine in ("x86_64", "aarch64"):
        assert sub.sandbox_report["root"] == "pivot_root"  # the old root is detached
    assert set(sub.sandbox_report["namespaces"]) >= {"mount", "ipc"}
    # the root holds the system folders, the worker's own ones, and the top folder of each
    # place the Python installation lives (CI checks out under /check, so never a fixed list)
    python_tops = {p.split(os.sep)[1] for p in python_paths()}
    assert set(top) <= set(SYSTEM_DIRS) | {"tmp", "dev", "proc", "sys", "sandbox"} | python_tops
    for secret in ("tests", "solutions", "assignments"):  # the checkout around the venv is not
        assert sub.call("exists", str(REPO / secret)) is False, secret
    assert cwd == "/tmp/work" and home == "/tmp/home" and tmp == "/tmp"
    for path in ("/x", "/usr/x", "/etc/x", "/sandbox/x", "/sandbox/submission/mod.py",
                 os.path.join(sys.prefix, "x"), "/proc/x"):
        assert sub.call("write", path) != "ok", path
    assert sub.call("write", "/tmp/work/a") == "ok" and sub.call("write", "/dev/shm/a") == "ok"
    assert sub.call("write", "/tmp/work/b", 5 * 2**20) == "File too large"
    for i in range(2):
        sub.call("write", f"/tmp/work/c{i}", 3 * 2**20)
    assert sub.call("write", "/tmp/work/d", 3 * 2**20) == "No space left on device"


@root_only
def test_grader_is_invisible_and_network_is_off(sandbox, namespaces):
    sub = sandbox("""
        import os, socket
        def look():
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
            try:
                socket.create_connection(("1.1.1.1", 53), timeout=1).close()
                net = "open"
            except OSError as exc:
                net = exc.strerror
            return pids, os.path.exists(f"/proc/{os.getppid()}"), net
    """)
    pids, parent_visible, net = sub.call("look")
    assert len(pids) == 1 and not parent_visible
    if "network" in sub.sandbox_report.get("namespaces", []):
        assert net == "Network is unreachable"


@root_only
def test_fork_bomb_leaves_no_process_behind(sandbox):
    sub = sandbox("""
        import os, time
        def bomb():
            while True:
                try:
                    if os.fork() == 0:
                        os.setsid()
                        if os.fork() != 0:
                            os._exit(0)
                except OSError:
                    pass
    """, call_timeout_s=2, processes=8)
    with pytest.raises(WorkerLost, match="bomb did not return within 2 s"):
        sub.call("bomb")
    uid = sub.sandbox_report["uid"]
    sub.close()
    assert pids_of_uid(uid) == []


@root_only
def test_threads_left_running_do_not_keep_the_worker(sandbox):
    sub = sandbox("""
        import os, threading
        def spin():
            while True:
                pass
        for _ in range(4):
            threading.Thread(target=spin).start()
        def ok():
            return os.getuid()
    """)
    uid = sub.call("ok")
    start = time.monotonic()
    sub.close()
    assert time.monotonic() - start < 8 and pids_of_uid(uid) == []


@root_only
def test_kill_uid_kills_every_process_of_the_uid():
    uid = UID_RANGE[1] - 7
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            os.setsid()
            os.setgid(uid)
            os.setuid(uid)
            time.sleep(60)
            os._exit(0)
        children.append(pid)
    time.sleep(0.3)
    assert kill_uid(uid) and pids_of_uid(uid) == []
    for pid in children:
        os.waitpid(pid, 0)


def test_kill_uid_needs_root(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked without root"))
    assert kill_uid(UID_RANGE[0] + 5) is True  # nothing runs as that uid


def test_kill_tree_kills_escaped_descendants():
    script = textwrap.dedent("""
        import os, sys, time
        for _ in range(3):
            if os.fork() == 0:
                os.setsid()
                os.fork()  # child and grandchild both sleep
                time.sleep(60)
                os._exit(0)
        time.sleep(0.5)
        print("ready", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    from autograder.sandbox.process import _children_map
    tree, todo, children = [], [proc.pid], _children_map()
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    assert len(tree) == 7
    kill_tree(proc.pid)
    proc.wait(timeout=5)
    time.sleep(0.2)
    alive = [p for p in tree[1:] if os.path.exists(f"/proc/{p}") and
             open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"]
    assert alive == []


@root_only
def test_permission_fallback_takes_access_from_others(tmp_path):
    secret = tmp_path / "solutions"
    secret.mkdir()
    (secret / "s.py").write_text("secret")
    os.chmod(tmp_path, 0o755)
    os.chmod(secret, 0o755)
    report = {"hidden": [], "warnings": []}
    worker_main._protect_by_permissions([str(secret), str(tmp_path / "missing")], report)
    assert secret.stat().st_mode & 0o777 == 0o750 and report["isolation"] == "permissions"
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.setgroups([])
        os.setgid(UID_RANGE[0] + 3)
        os.setuid(UID_RANGE[0] + 3)
        try:
            open(secret / "s.py").read()
            os.write(w, b"read")
        except PermissionError:
            os.write(w, b"denied")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(r, 10) == b"denied"


@root_only
def test_parent_death_kills_the_worker(tmp_path):
    (tmp_path / "mod.py").write_text("import os\ndef pid():\n    return os.getpid()\n")
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from autograder.sandbox.process import SandboxSpec
        from autograder.sandbox.proxy import SubmissionProxy
        sub = SubmissionProxy(SandboxSpec(submission=Path({str(tmp_path / "mod.py")!r}),
                                          module="mod"))
        print(sub.call("pid"), sub._worker.root, flush=True)
        os._exit(0)  # the grader dies without cleaning up
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    pid, folder = out.stdout.split()
    pid = int(pid)
    import shutil
    shutil.rmtree(folder, ignore_errors=True)
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")


NOT_ROOT_SCRIPT = """
import json, os, sys, time
from pathlib import Path
from autograder.errors import WorkerLost
from autograder.sandbox.limits import MIN_WORKER_MB, Limits, resident_mb
from autograder.sandbox.process import SandboxSpec
from autograder.sandbox.proxy import SubmissionProxy
folder = Path(sys.argv[1])
(folder / "mod.py").write_text('''
import os, time
def spawn():
    pids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            os.setsid()
            time.sleep(60)
            os._exit(0)
        pids.append(pid)
    return pids
def spin():
    while True:
        pass
def who():
    return os.getuid()
''')
sub = SubmissionProxy(SandboxSpec(submission=folder / "mod.py", module="mod",
                                  limits=Limits(call_timeout_s=2, processes=8)))
out = {"uid": sub.call("who"), "children": sub.call("spawn")}
try:
    sub.call("spin")
except WorkerLost as exc:
    out["lost"] = exc.message
sub.close()
time.sleep(0.3)
out["alive"] = [p for p in out["children"] if os.path.exists(f"/proc/{p}")
                and open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] not in "ZX"]
out["warnings"] = sub.sandbox_report.get("warnings", [])
print(json.dumps(out))
"""


@root_only
def test_not_started_as_root_limits_only_and_children_are_killed():
    """The documented non-root mode: the worker runs as the calling user (no isolation), but
    timeouts and the clean-up of its processes (even in new sessions) still work."""
    nobody = 65534
    try:
        usable = subprocess.run([sys.executable, "-c", "import numpy, autograder"], user=nobody,
                                group=nobody, extra_groups=[], capture_output=True,
                                cwd="/").returncode == 0
    except OSError:
        usable = False
    if not usable:
        pytest.skip("this Python cannot be run by another user (e.g. it lives under /root)")
    import tempfile
    folder = tempfile.mkdtemp(prefix="dlc-nonroot-")  # tmp_path's parents are root-only
    os.chmod(folder, 0o777)
    try:
        proc = subprocess.run([sys.executable, "-c", NOT_ROOT_SCRIPT, folder], user=nobody,
                              group=nobody, extra_groups=[], capture_output=True, text=True,
                              timeout=120, cwd=folder)
    finally:
        import shutil
        shutil.rmtree(folder, ignore_errors=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["uid"] == nobody and len(out["children"]) == 3
    assert out["lost"] == "spin did not return within 2 s: an infinite loop?"
    assert out["alive"] == []
    assert any("not started as root" in w for w in out["warnings"])
