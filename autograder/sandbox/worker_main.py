"""The sandboxed worker: confines itself, imports the submission, answers calls as plain data.

Run by the parent as ``python -I -B worker_main.py CONFIG_JSON`` from a fresh sandbox folder.
Everything before ``_serve`` is trusted set-up that runs before any student code: resource
limits, a private mount namespace that hides the course's secret folders, and (when started as
root) a drop to an unprivileged uid. Only this file and ``wire.py`` are needed; they import the
standard library and numpy (torch when the exercise uses it).
"""
import ctypes
import importlib.util
import json
import os
import resource
import signal
import sys
import time
import traceback

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
MNT_DETACH = 2
WRITABLE = ("submission", "work", "tmp", "home")  # sandbox sub-folders the uid owns


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _blocked_ancestor(path):
    """The topmost folder above ``path`` that others may not traverse (e.g. /root), or None."""
    parts = os.path.abspath(path).split(os.sep)[1:]
    for i in range(1, len(parts)):
        folder = os.sep + os.sep.join(parts[:i])
        if not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def _expose_paths(paths, stage, report):
    """Make ``paths`` (the Python installation) reachable for the unprivileged uid.

    For a folder like /root that others cannot enter, the worker's own view gets an empty
    tmpfs over it holding bind mounts of just these paths: everything else in it disappears.
    """
    libc = _libc()
    groups = {}
    for path in paths:
        top = _blocked_ancestor(path)
        if top is not None:
            groups.setdefault(top, []).append(path)
    for top, inner in groups.items():
        staged = []
        for path in inner:
            place = os.path.join(stage, str(len(os.listdir(stage))))
            os.mkdir(place)
            if libc.mount(os.fsencode(path), os.fsencode(place), None, MS_BIND | MS_REC, None):
                report["warnings"].append(f"could not expose {path}")
                continue
            staged.append((path, place))
        libc.mount(b"tmpfs", os.fsencode(top), b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755")
        for path, place in staged:
            os.makedirs(path, mode=0o755, exist_ok=True)
            libc.mount(os.fsencode(place), os.fsencode(path), None, MS_BIND | MS_REC, None)
            libc.umount2(os.fsencode(place), MNT_DETACH)
        report["exposed"] = report.get("exposed", []) + [top]


def _private_mounts(cfg, report):
    """Private mount namespace; an empty read-only tmpfs (or /dev/null) over each secret path."""
    libc = _libc()
    if libc.unshare(CLONE_NEWNS) != 0:
        report["warnings"].append(f"no mount namespace (errno {ctypes.get_errno()}): "
                                  "secret folders are protected by file permissions only")
        return
    libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None)
    stage = os.path.join(cfg["root"], "stage")
    os.mkdir(stage, 0o700)
    _expose_paths(cfg["expose"], stage, report)
    for path in cfg["hide"]:
        if not os.path.exists(path):
            continue
        p = os.fsencode(path)
        if os.path.isdir(path):
            rc = libc.mount(b"tmpfs", p, b"tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                            b"size=4k,mode=000")
        else:
            rc = libc.mount(b"/dev/null", p, None, MS_BIND, None)
        if rc == 0:
            report["hidden"].append(path)
        else:
            report["warnings"].append(f"could not hide {path} (errno {ctypes.get_errno()})")


def _chown_tree(root, uid, gid):
    for dirpath, dirnames, filenames in os.walk(root):
        os.chown(dirpath, uid, gid)
        for name in filenames:
            os.lchown(os.path.join(dirpath, name), uid, gid)


def _count_processes(uid):
    n = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


def _confine(cfg):
    """Apply limits and drop privileges. Returns a report for the parent."""
    report = {"uid": os.getuid(), "hidden": [], "warnings": []}
    libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    lim = cfg["limits"]
    mem = int(lim["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (mem, mem))
    resource.setrlimit(resource.RLIMIT_AS, (mem + 2**31, mem + 2**31))
    fsize = int(lim["file_size_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    cpu = int(lim["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if os.geteuid() == 0:
        _private_mounts(cfg, report)
        uid = gid = int(cfg["uid"])
        for sub in WRITABLE:
            _chown_tree(os.path.join(cfg["root"], sub), uid, gid)
        nproc = int(lim["processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        report["uid"] = uid
    else:
        report["warnings"].append("not started as root: running as the calling user")
        nproc = _count_processes(os.getuid()) + int(lim["processes"])
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard == resource.RLIM_INFINITY or nproc < hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, hard))
    libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    return report


# ---------------------------------------------------------------------------- serving

class _Channel:
    def __init__(self, rfd, wfd, wire):
        self.rfd, self.wfd, self.wire = rfd, wfd, wire

    def _read_exact(self, n):
        chunks = []
        while n:
            b = os.read(self.rfd, min(n, 1 << 20))
            if not b:
                raise EOFError
            chunks.append(b)
            n -= len(b)
        return b"".join(chunks)

    def recv(self):
        (n,) = self.wire.HEADER.unpack(self._read_exact(self.wire.HEADER.size))
        return self.wire.decode_body(self._read_exact(n))

    def send(self, msg):
        data = self.wire.encode_frame(msg)
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view):]


def _student_traceback(exc, filename):
    """Only the frames from the student's own file (never engine or test code)."""
    lines = []
    for fs in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(fs.filename) == filename:
            lines.append(f'  line {fs.lineno}, in {fs.name}: {(fs.line or "").strip()}'[:300])
    return "\n".join(lines[-8:])


def _describe(exc, filename):
    try:
        message = str(exc)
    except BaseException:
        message = "<str() of the exception failed>"
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno})"
    return {"type": type(exc).__name__[:80], "message": message[:2000],
            "traceback": _student_traceback(exc, filename)}


class _Worker:
    def __init__(self, cfg, wire):
        self.cfg, self.wire = cfg, wire
        self.module = self.probes = self.torch = None
        self.filename = os.path.abspath(cfg["submission"])

    def _tensor(self, td):
        t = self.torch.from_numpy(td.array.copy())
        dtype = getattr(self.torch, td.dtype.replace("torch.", ""), None)
        t = t.to(device=td.device, dtype=dtype)
        return t.requires_grad_(td.requires_grad)

    def _args(self, plain):
        factory = self._tensor if self.torch is not None else None
        return self.wire.from_plain(plain, tensor_factory=factory)

    def _result(self, value):
        return self.wire.to_plain(value, _torch=self.torch)

    def _setup_torch(self):
        import torch
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.use_deterministic_algorithms(True)
        self.torch = torch

    def load(self, msg):
        if msg.get("torch"):
            self._setup_torch()
        if self.cfg.get("probes"):
            spec = importlib.util.spec_from_file_location("_probes", self.cfg["probes"])
            self.probes = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.probes)
        name = self.cfg["module"]
        spec = importlib.util.spec_from_file_location(name, self.filename)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        self.module = module
        if self.torch is None and "torch" in sys.modules:
            self._setup_torch()
        return {"functions": sorted(k for k, v in vars(module).items() if callable(v))[:200]}

    def call(self, msg):
        fn = getattr(self.module, msg["name"], None)
        if fn is None or not callable(fn):
            raise AttributeError(f"your file defines no function `{msg['name']}`")
        return fn(*self._args(msg["args"]), **self._args(msg["kwargs"]))

    def probe(self, msg):
        if self.torch is None and "torch" in sys.modules:
            self._setup_torch()
        fn = getattr(self.probes, msg["name"])
        return fn(self.module, **self._args(msg["kwargs"]))

    def handle(self, msg):
        op = msg.get("op")
        start = time.perf_counter()
        try:
            value = getattr(self, op)(msg) if op in ("load", "call", "probe") else None
            out = {"ok": True, "value": self._result(value)}
        except BaseException as exc:  # student code may raise anything, SystemExit included
            out = {"ok": False, "error": _describe(exc, self.filename)}
        out["nonce"] = msg.get("nonce")
        out["seconds"] = time.perf_counter() - start
        return out


def main():
    cfg = json.loads(sys.argv[1])
    report = _confine(cfg)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import wire  # noqa: E402  (copied next to this file)
    import probe_tools  # noqa: E402,F401  (importable by exercise probes)
    sys.path.pop(0)
    sys.path.insert(0, os.path.dirname(os.path.abspath(cfg["submission"])))
    sys.dont_write_bytecode = True
    channel = _Channel(int(cfg["rfd"]), int(cfg["wfd"]), wire)
    worker = _Worker(cfg, wire)
    channel.send({"hello": report})
    while True:
        try:
            msg = channel.recv()
        except EOFError:
            return
        if msg.get("op") == "exit":
            return
        channel.send(worker.handle(msg))


if __name__ == "__main__":
    main()
