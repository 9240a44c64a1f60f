"""Parent side of one worker process: start it in a fresh sandbox folder, talk to it, end it.

Nothing here trusts the worker: every read and write has a deadline, every reply is checked
before use, and ending a worker kills every process it may have started (as root: every process
of its private uid; otherwise: its process group and its descendants).
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import select
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import wire
from ..errors import WorkerLost
from .limits import Limits, resident_mb

HERE = Path(__file__).resolve().parent
WORKER_FILES = (HERE / "worker_main.py", HERE.parent / "wire.py", HERE.parent / "probe_tools.py",
                HERE.parent / "probe_basics.py")
STANDINS = "standins.py"
UID_RANGE = (200_000, 260_000)
#: packages the worker may import besides the Python installation (found where the parent has them)
PACKAGES = ("numpy", "torch", "matplotlib", "coursedata")
MAX_SUBMISSION_BYTES = 4_000_000
#: size of the "running" mark: the worker writes there the name of the student function it is in
MARK_BYTES = 256
#: how often the parent checks the worker's resident memory while it waits for a reply
WATCH_S = 0.05


@dataclass
class SandboxSpec:
    """What a worker needs: the student's file, the module name, probes, limits, paths to hide."""

    submission: Path
    module: str
    probes: Path | None = None
    limits: Limits = field(default_factory=Limits)
    hide: tuple[str, ...] = ()
    uses_torch: bool = False
    python: str = sys.executable
    #: the grader's footprint the memory budget assumes (None: measure this process now)
    grader_mb: float | None = None
    #: build the private filesystem view when root (False: test the permission-only fallback)
    isolate: bool = True


class OutputDrain(threading.Thread):
    """Reads the worker's stdout/stderr; keeps the first ``keep`` bytes and counts the rest.

    A chunk is read and counted under ``lock``, so ``settle`` can tell "everything written so
    far is counted" (the pipe is empty while it holds the lock) from "a chunk is in flight"."""

    def __init__(self, fd: int, keep: int):
        super().__init__(daemon=True)
        self.fd, self.keep, self.kept, self.dropped = fd, keep, bytearray(), 0
        self.lock = threading.Lock()

    def run(self):
        poller = select.poll()
        poller.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            poller.poll()  # blocks outside the lock until there is data or the writer is gone
            with self.lock:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except OSError:
                    chunk = b""
                if not chunk:
                    os.close(self.fd)
                    self.fd = -1  # under the lock: settle never asks a reused descriptor
                    return
                room = max(self.keep - len(self.kept), 0)
                self.kept += chunk[:room]
                self.dropped += max(len(chunk) - room, 0)

    def settle(self, timeout_s: float = 2.0) -> None:
        """Wait (at most ``timeout_s``) until what the worker has written so far is counted:
        a reply can overtake the last 64 KiB of output still in the pipe."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.lock:
                if self.fd < 0:  # the worker's end is closed and everything is counted
                    return
                try:
                    pending = struct.unpack("i", fcntl.ioctl(self.fd, termios.FIONREAD,
                                                             b"\0\0\0\0"))[0]
                except OSError:
                    return
            if pending == 0:
                return
            time.sleep(0.005)

    def text(self) -> str:
        self.settle()
        out = bytes(self.kept).decode("utf-8", "replace")
        if self.dropped:  # said first: whoever shows the output may cut its end
            out = (f"[{len(self.kept) + self.dropped} bytes printed; the first {len(self.kept)} "
                   f"are kept, {self.dropped} more bytes of output dropped]\n" + out)
        return out


def python_paths() -> list[str]:
    """Folders the worker's Python needs: the interpreter's prefix, the venv, site-packages,
    and the folder of each of ``PACKAGES`` installed elsewhere (an editable install exposes
    its package folder only, never the checkout around it)."""
    import importlib.util
    import site
    paths = {sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))}
    try:
        paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    except AttributeError:  # pragma: no cover - old virtualenv's site module
        pass
    for name in PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = os.path.realpath(list(spec.submodule_search_locations)[0])
        parent = os.path.dirname(folder)
        paths.add(parent if os.path.basename(parent) in ("site-packages", "dist-packages")
                  else folder)
    real = {os.path.realpath(p) for p in paths if p}
    # keep only the outermost of nested paths
    return sorted(p for p in real if not any(p != q and p.startswith(q.rstrip(os.sep) + os.sep)
                                             for q in real))


# ------------------------------------------------------------------------------ processes

def _status_uid(pid: str) -> int | None:
    """Real uid of a live (not zombie) process, from /proc/PID/status; None if gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            uid = None
            for line in fh:
                if line.startswith("State:") and line.split()[1] in ("Z", "X"):
                    return None
                if line.startswith("Uid:"):
                    uid = int(line.split()[1])
                    break
            return uid
    except (OSError, ValueError, IndexError):
        return None


def _pids() -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()] if os.path.isdir("/proc") else []


def pids_of_uid(uid: int) -> list[int]:
    """Live processes whose real uid is ``uid`` (zombies excluded)."""
    return [int(p) for p in _pids() if _status_uid(p) == uid]


def _used_uids() -> set[int]:
    return {u for u in (_status_uid(p) for p in _pids()) if u is not None}


def _free_uid() -> int:
    used = _used_uids()
    while True:
        uid = UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])
        if uid not in used:
            return uid


def kill_uid(uid: int, timeout: float = 5.0) -> bool:
    """SIGKILL every process of ``uid`` (fork bombs included); True when none is left.

    A forked child becomes ``uid`` and calls kill(-1, SIGKILL), which signals every process
    the uid owns in one sweep (the kernel holds the task list while it does, so a fork bomb
    cannot outrun it), the child itself last. Needs root; does nothing otherwise.
    """
    if os.geteuid() != 0 or not UID_RANGE[0] <= uid < UID_RANGE[1]:
        return not pids_of_uid(uid)
    end = time.monotonic() + timeout
    while True:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not pids_of_uid(uid):
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.02)


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    if not os.path.isdir("/proc"):  # macOS: the process group kill is all there is
        return children
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(p))
    return children


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its descendants (best effort: for workers that are not root, whose
    processes cannot be told apart from the user's by uid). Stops them first so that none can
    fork while the tree is walked."""
    for _ in range(3):
        tree, todo, children = [], [pid], _children_map()
        while todo:
            p = todo.pop()
            tree.append(p)
            todo.extend(children.get(p, []))
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for p in tree:
                try:
                    os.kill(p, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        if len(tree) == 1:
            return


def _open_submission(path: Path) -> bytes:
    """The submission's bytes: a regular file, not followed through a link at its last
    component (a link to the reference solution must not be graded as the student's)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WorkerLost("your file is a symbolic link: submit the file itself") from None
        raise WorkerLost(f"your file could not be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise WorkerLost("your file is not a regular file")
        data = fh.read(MAX_SUBMISSION_BYTES + 1)
    if len(data) > MAX_SUBMISSION_BYTES:
        raise WorkerLost(f"your file is larger than {MAX_SUBMISSION_BYTES // 1_000_000} MB")
    return data


def _mark_file() -> int:
    """A MARK_BYTES file shared with the worker (memfd, sealed against resizing; a deleted
    temporary file where memfd is missing): the worker records in it which student function
    is running, so that the parent can name the function when a call does not return."""
    try:
        fd = os.memfd_create("dlc-running", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    except (AttributeError, OSError):  # pragma: no cover - macOS
        with tempfile.TemporaryFile() as fh:
            fd = os.dup(fh.fileno())
    os.ftruncate(fd, MARK_BYTES)
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS,
                    fcntl.F_SEAL_GROW | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_SEAL)
    except (AttributeError, OSError, ImportError):  # pragma: no cover - no sealing
        pass
    return fd


# ------------------------------------------------------------------------------ the worker

class WorkerProcess:
    """One live worker. ``request`` sends a message and waits for the reply with a timeout."""

    def __init__(self, spec: SandboxSpec):
        self.spec = spec
        self.limits = spec.limits
        self.uid = _free_uid() if os.geteuid() == 0 else None
        #: the worker's memory budget, from the box and this process's footprint now
        self.parent_mb = spec.grader_mb if spec.grader_mb is not None else resident_mb()
        self.memory_mb = self.limits.worker_memory_mb(self.parent_mb)
        #: watched only where its address space is limited too (not on a GPU machine, where
        #: a CUDA context alone holds hundreds of MB; docs/SECURITY.md)
        self.watch_memory = self.limits.virtual_mb == 0 and not os.path.exists("/dev/nvidiactl")
        self.report: dict = {}
        self.proc = None
        self.wfd = self.rfd = -1
        self.mark_fd = -1
        self.last_running = ""  # the student function that was running when the worker ended
        self.drain = None
        self.root = Path(tempfile.mkdtemp(prefix="dlc-sandbox-"))
        try:
            self._start()
        except BaseException:
            self.kill()
            raise

    # ------------------------------------------------------------------ lifecycle
    def _prepare_folder(self) -> dict:
        """root/ (0755, root-owned, read-only for the worker): the worker's code, probes and
        submission/<module>.py; fs/ (mount point of its private root) and rw/ (its writable
        folder when no private root can be built)."""
        box = self.root
        source = _open_submission(Path(self.spec.submission))
        for sub in ("submission", "fs", "rw"):
            (box / sub).mkdir()
        for f in WORKER_FILES:
            shutil.copyfile(f, box / f.name)
        target = box / "submission" / f"{self.spec.module}.py"
        target.write_bytes(source)
        probes = None
        if self.spec.probes is not None:
            probes = box / "probes.py"
            shutil.copyfile(self.spec.probes, probes)
            # course versions of graded functions that probes use as stand-ins: next to the
            # probes in the worker, but never released (they are solution code)
            standins = Path(self.spec.probes).with_name(STANDINS)
            if standins.exists():
                shutil.copyfile(standins, box / STANDINS)
        for dirpath, dirnames, filenames in os.walk(box):
            os.chmod(dirpath, 0o755)
            for name in filenames:
                os.chmod(os.path.join(dirpath, name), 0o644)
        return {"submission": str(target), "module": self.spec.module,
                "probes": str(probes) if probes else None}

    def _env(self) -> dict:
        box = self.root / "rw"  # the worker points these at its private /tmp when it has one
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(box / "home"),
            "TMPDIR": str(box / "tmp"),
            "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": str(box / "home"),
            "CUBLAS_WORKSPACE_CONFIG": ":4096:8",
            "PYTHONHASHSEED": "0",
        }
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
            env[var] = "1"
        for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "CUDA_VISIBLE_DEVICES"):
            if var in os.environ:
                env[var] = os.environ[var]
        return env

    def _start(self):
        cfg = self._prepare_folder()
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        out_r, out_w = os.pipe()
        self.wfd, self.rfd = to_child_w, from_child_r
        self.mark_fd = _mark_file()
        cfg.update(rfd=to_child_r, wfd=from_child_w, mark_fd=self.mark_fd,
                   limits=self.limits.as_dict(), memory_mb=self.memory_mb,
                   hide=list(self.spec.hide), expose=python_paths(), uid=self.uid,
                   root=str(self.root), ppid=os.getpid(), isolate=bool(self.spec.isolate))
        cmd = [self.spec.python, "-I", "-B", "-u", str(self.root / "worker_main.py"),
               json.dumps(cfg)]
        try:
            self.proc = subprocess.Popen(
                cmd, cwd=self.root, env=self._env(), stdin=subprocess.DEVNULL,
                stdout=out_w, stderr=out_w, pass_fds=(to_child_r, from_child_w, self.mark_fd),
                start_new_session=True)
        finally:
            for fd in (to_child_r, from_child_w, out_w):
                os.close(fd)
        os.set_blocking(self.wfd, False)
        self.drain = OutputDrain(out_r, self.limits.output_kb * 1024)
        self.drain.start()
        hello = self._read_reply(self.limits.load_timeout_s, "starting the sandbox")
        report = hello.get("hello")
        if type(report) is not dict:
            raise WorkerLost("the sandbox did not start properly")
        if report.get("fatal"):
            sys.stderr.write(f"sandbox: {report['fatal']}\n{self.drain.text()}\n")
            raise WorkerLost("the sandbox could not start (an autograder problem, not yours: "
                             f"{str(report['fatal'])[:300]}); please tell the course staff")
        self.report = report

    def kill(self) -> None:
        """End the worker and everything it started; remove its folder. Idempotent."""
        if self.proc is not None:
            if self.uid is None and self.proc.poll() is None:
                kill_tree(self.proc.pid)  # before the worker dies: its children get reparented
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.uid is not None:
                kill_uid(self.uid)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
                pass
        if self.mark_fd >= 0:
            self.last_running = self.running()
        for fd in (self.wfd, self.rfd, self.mark_fd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.wfd = self.rfd = self.mark_fd = -1
        if self.drain is not None:
            self.drain.join(timeout=2)
        shutil.rmtree(self.root, ignore_errors=True)

    def close(self) -> None:
        if self.alive:
            try:
                self._write(wire.encode_frame({"op": "exit"}), time.monotonic() + 1)
                self.proc.wait(timeout=2)
            except (OSError, TimeoutError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def _over_budget(self) -> bool:
        """Whether the worker holds more memory than its budget (anonymous + shared memory:
        what the box cannot reclaim; its file pages are mostly the libraries the parent maps
        too). The heap and address-space limits stop most growth inside the worker; this
        catches what they let through (shared mappings fit in the address-space slack)."""
        if not self.watch_memory:
            return False
        held = 0
        try:
            with open(f"/proc/{self.proc.pid}/status") as fh:
                for line in fh:
                    if line.startswith(("RssAnon:", "RssShmem:")):
                        held += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            return False
        return held > self.memory_mb * 1024

    def running(self) -> str:
        """The student function the worker says it is in ("" outside one; the worker
        controls this text, so callers check it against the module's function names)."""
        try:
            raw = os.pread(self.mark_fd, MARK_BYTES, 0)
        except OSError:
            return self.last_running
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.wfd >= 0

    # ------------------------------------------------------------------ messages
    def _write(self, data: bytes, deadline: float) -> None:
        """Write all of ``data`` before ``deadline`` (a worker that stops reading cannot
        block the parent on a full pipe)."""
        view = memoryview(data)
        poller = select.poll()
        poller.register(self.wfd, select.POLLOUT)
        while view:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if not poller.poll(left * 1000):
                continue
            try:
                view = view[os.write(self.wfd, view):]
            except BlockingIOError:
                continue

    def _read_exact(self, n: int, deadline: float) -> bytes:
        buf = bytearray()
        poller = select.poll()
        poller.register(self.rfd, select.POLLIN)
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if not poller.poll(min(left, WATCH_S) * 1000):
                if self._over_budget():
                    raise MemoryError
                continue
            chunk = os.read(self.rfd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def _read_reply(self, timeout: float, where: str, deadline: float | None = None) -> dict:
        deadline = deadline if deadline is not None else time.monotonic() + timeout
        try:
            (n,) = wire.HEADER.unpack(self._read_exact(wire.HEADER.size, deadline))
            if n > self.limits.max_frame_mb * 2**20:
                raise wire.WireError(f"a reply of {n / 2**20:.0f} MiB, over the limit of "
                                     f"{self.limits.max_frame_mb} MiB")
            return wire.decode_body(self._read_exact(n, deadline))
        except TimeoutError:
            self.kill()
            raise WorkerLost(f"timed out after {timeout:g} s in {where}", timed_out=True) from None
        except MemoryError:
            self.kill()
            raise WorkerLost(f"ran out of memory (limit {self.memory_mb} MB) during {where}: "
                             "the worker held more than that and was stopped",
                             over_memory=True) from None
        except (EOFError, OSError):
            raise WorkerLost(self._death_message(where)) from None
        except wire.WireError as exc:
            self.kill()
            raise WorkerLost(f"the worker broke the protocol in {where} ({exc})") from None

    def _death_message(self, where: str) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if where == "starting the sandbox":
            sys.stderr.write(f"sandbox: the worker ended (status {code}) before it started:\n"
                             f"{self.drain.text() if self.drain else ''}\n")
            return ("the sandbox could not start (an autograder problem, not yours); "
                    "please tell the course staff")
        if code is None:
            return f"the worker closed its channel to the grader during {where}"
        if code < 0:
            try:
                sig = signal.Signals(-code)
            except ValueError:
                return f"the worker died from signal {-code} during {where}"
            reason = {
                signal.SIGXCPU: f"CPU time limit ({self.limits.cpu_s} s) exceeded",
                signal.SIGXFSZ: f"file size limit ({self.limits.file_size_mb} MiB) exceeded",
                signal.SIGSEGV: "crashed (segmentation fault; very deep recursion?)",
                signal.SIGKILL: (f"was killed (ran out of memory (limit {self.memory_mb} MB), "
                                 "or your code killed its own process?)"),
            }.get(sig, f"died from signal {sig.name}")
            return f"the worker {reason} during {where}"
        return f"your code ended the process (exit status {code}) during {where}"

    def request(self, message: dict, timeout: float, where: str) -> dict:
        """Send ``message``; return the checked reply ``{"ok": True, "value": ...}`` or
        ``{"ok": False, "error": {"type", "message", "traceback"}}`` (all strings)."""
        if not self.alive:
            raise WorkerLost(self._death_message(where))
        nonce = secrets.token_hex(16)
        deadline = time.monotonic() + timeout
        try:
            self._write(wire.encode_frame({**message, "nonce": nonce}), deadline)
        except TimeoutError:
            self.kill()
            raise WorkerLost(f"timed out after {timeout:g} s in {where}", timed_out=True) from None
        except OSError:
            raise WorkerLost(self._death_message(where)) from None
        reply = self._read_reply(timeout, where, deadline)
        checked = _checked_reply(reply, nonce)
        if checked is None:
            self.kill()
            raise WorkerLost(f"the worker broke the protocol in {where} (unexpected reply)")
        return checked


def _checked_reply(reply: dict, nonce: str) -> dict | None:
    """The reply reduced to the fields the parent uses, or None when it is malformed."""
    if reply.get("nonce") != nonce or type(reply.get("ok")) is not bool:
        return None
    if reply["ok"]:
        return {"ok": True, "value": reply.get("value")}
    err = reply.get("error")
    if type(err) is not dict:
        return None
    fields = {}
    for key, cap in (("type", 80), ("message", 2000), ("traceback", 4000)):
        value = err.get(key, "")
        if type(value) is not str:
            return None
        fields[key] = value[:cap]
    return {"ok": False, "error": fields}
