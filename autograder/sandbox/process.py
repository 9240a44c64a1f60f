"""Parent side of one worker process: start it in a fresh sandbox folder, talk to it, end it."""
from __future__ import annotations

import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import wire
from ..errors import WorkerLost
from .limits import Limits

HERE = Path(__file__).resolve().parent
WORKER_FILES = (HERE / "worker_main.py", HERE.parent / "wire.py", HERE.parent / "probe_tools.py")
UID_RANGE = (200_000, 260_000)


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


class OutputDrain(threading.Thread):
    """Reads the worker's stdout/stderr; keeps the first ``keep`` bytes and counts the rest."""

    def __init__(self, fd: int, keep: int):
        super().__init__(daemon=True)
        self.fd, self.keep, self.kept, self.dropped = fd, keep, bytearray(), 0

    def run(self):
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            room = self.keep - len(self.kept)
            self.kept += chunk[:max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)
        os.close(self.fd)

    def text(self) -> str:
        out = self.kept.decode("utf-8", "replace")
        if self.dropped:
            out += f"\n... ({self.dropped} more bytes of output dropped)"
        return out


def python_paths() -> list[str]:
    """Folders the worker's Python needs: the interpreter's prefix, the venv, numpy and torch."""
    import importlib.util
    paths = {sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))}
    for name in ("numpy", "torch"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            paths.add(os.path.dirname(list(spec.submodule_search_locations)[0]))
    real = {os.path.realpath(p) for p in paths}
    # keep only the outermost of nested paths
    return sorted(p for p in real if not any(p != q and p.startswith(q + os.sep) for q in real))


def _free_uid() -> int:
    used = set()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                used.add(os.stat(f"/proc/{pid}").st_uid)
            except OSError:
                pass
    while True:
        uid = UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])
        if uid not in used:
            return uid


def kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (fork bombs included): a child that becomes ``uid``
    and calls kill(-1), which signals every process the uid owns, itself last."""
    for _ in range(5):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            try:
                os.setgid(uid)
                os.setuid(uid)
                os.kill(-1, signal.SIGKILL)
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        if not any(_uid_of(p) == uid for p in os.listdir("/proc") if p.isdigit()):
            return


def _uid_of(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


class WorkerProcess:
    """One live worker. ``request`` sends a message and waits for the reply with a timeout."""

    def __init__(self, spec: SandboxSpec):
        self.spec = spec
        self.limits = spec.limits
        self.root = Path(tempfile.mkdtemp(prefix="dlc-sandbox-"))
        self.uid = _free_uid() if os.geteuid() == 0 else None
        self.report: dict = {}
        self._start()

    # ------------------------------------------------------------------ lifecycle
    def _prepare_folder(self) -> dict:
        box = self.root
        for sub in ("submission", "work", "tmp", "home"):
            (box / sub).mkdir()
        for f in WORKER_FILES:
            shutil.copy(f, box / f.name)
        target = box / "submission" / f"{self.spec.module}.py"
        shutil.copy(self.spec.submission, target)
        probes = None
        if self.spec.probes is not None:
            probes = box / "probes.py"
            shutil.copy(self.spec.probes, probes)
        os.chmod(box, 0o755)
        return {"submission": str(target), "module": self.spec.module,
                "probes": str(probes) if probes else None}

    def _env(self) -> dict:
        box = self.root
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
        cfg.update(rfd=to_child_r, wfd=from_child_w, limits=self.limits.as_dict(),
                   hide=list(self.spec.hide), expose=python_paths(), uid=self.uid,
                   root=str(self.root))
        cmd = [self.spec.python, "-I", "-B", "-u", str(self.root / "worker_main.py"), json.dumps(cfg)]
        self.proc = subprocess.Popen(
            cmd, cwd=self.root / "work", env=self._env(), stdin=subprocess.DEVNULL,
            stdout=out_w, stderr=out_w, pass_fds=(to_child_r, from_child_w),
            start_new_session=True)
        for fd in (to_child_r, from_child_w, out_w):
            os.close(fd)
        self.wfd, self.rfd = to_child_w, from_child_r
        self.drain = OutputDrain(out_r, self.limits.output_kb * 1024)
        self.drain.start()
        hello = self._read_reply(self.limits.load_timeout_s, "starting the sandbox")
        if "hello" not in hello:
            self.kill()
            raise WorkerLost("the sandbox did not start properly")
        self.report = hello["hello"]

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.uid is not None:
            kill_uid(self.uid)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self.wfd, self.rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.drain.join(timeout=2)
        shutil.rmtree(self.root, ignore_errors=True)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._write(wire.encode_frame({"op": "exit"}))
                self.proc.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    # ------------------------------------------------------------------ messages
    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view):]

    def _read_exact(self, n: int, deadline: float, where: str) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.rfd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.rfd, min(n - len(buf), 1 << 20))
            if not chunk:
                raise EOFError
            buf += chunk
        return bytes(buf)

    def _read_reply(self, timeout: float, where: str) -> dict:
        deadline = time.monotonic() + timeout
        try:
            (n,) = wire.HEADER.unpack(self._read_exact(wire.HEADER.size, deadline, where))
            if n > self.limits.max_frame_mb * 2**20:
                raise wire.WireError(f"reply of {n} bytes is over the limit")
            return wire.decode_body(self._read_exact(n, deadline, where))
        except TimeoutError:
            self.kill()
            raise WorkerLost(f"timed out after {timeout:g} s in {where}") from None
        except EOFError:
            raise WorkerLost(self._death_message(where)) from None
        except wire.WireError as exc:
            self.kill()
            raise WorkerLost(f"the worker broke the protocol in {where} ({exc})") from None

    def _death_message(self, where: str) -> str:
        try:
            code = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self.kill()
        if code is None:
            return f"the worker closed its channel during {where}"
        if code < 0:
            sig = signal.Signals(-code)
            reason = {
                signal.SIGXCPU: f"CPU time limit ({self.limits.cpu_s} s) exceeded",
                signal.SIGXFSZ: f"file size limit ({self.limits.file_size_mb} MiB) exceeded",
                signal.SIGSEGV: "crashed (segmentation fault; very deep recursion?)",
                signal.SIGKILL: "was killed (memory exhausted?)",
            }.get(sig, f"died from signal {sig.name}")
            return f"the worker {reason} during {where}"
        return f"your code ended the process (exit status {code}) during {where}"

    def request(self, message: dict, timeout: float, where: str) -> dict:
        if not self.alive:
            raise WorkerLost(self._death_message(where))
        nonce = secrets.token_hex(8)
        try:
            self._write(wire.encode_frame({**message, "nonce": nonce}))
        except (BrokenPipeError, OSError):
            raise WorkerLost(self._death_message(where)) from None
        reply = self._read_reply(timeout, where)
        if reply.get("nonce") != nonce:
            self.kill()
            raise WorkerLost(f"the worker broke the protocol in {where} (unexpected reply)")
        return reply
