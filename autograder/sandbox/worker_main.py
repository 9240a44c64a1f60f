"""The sandboxed worker: confines itself, imports the submission, answers calls as plain data.

Run by the parent as ``python -I -B -u worker_main.py CONFIG_JSON`` from a fresh sandbox folder.
Everything before ``_serve`` is trusted set-up that runs before any student code:

- resource limits (heap, address space, file size, open files, CPU time), a lower CPU priority
  and the highest OOM-killer score, so that the grader survives whatever the worker does;
- when started as root: private mount, IPC and network namespaces, in which the worker's whole
  filesystem is rebuilt from an allow-list (the system's /usr, /lib*, /bin, /sbin, /etc, the
  Python installation and its packages, /dev, /sys, a /proc that shows only its own processes,
  its own code read-only at /sandbox, and a size-limited private /tmp: the only writable place),
  then a drop to a fresh unprivileged uid with no capabilities and ``no_new_privs``. The course
  folders (solutions, tests, configs) are simply not in that view;
- when the namespaces are refused (e.g. a container without CAP_SYS_ADMIN): the secret folders
  lose all access for "others" (chmod o-rwx), which the unprivileged uid is;
- when not root: limits only (see docs/SECURITY.md for what that leaves open).

Only this file and ``wire.py`` are needed; they import the standard library and numpy (torch
when the exercise uses it).
"""
import ctypes
import functools
import importlib.util
import json
import mmap
import os
import resource
import signal
import sys
import time
import traceback
import types

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
#: top-level folders of the system shown (read-only) to the worker
SYSTEM_DIRS = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
BOX = "/sandbox"  # the worker's own files, inside its private root


def _libc():
    return ctypes.CDLL(None, use_errno=True)


LIBC = _libc()


def _mount(source, target, fstype, flags, data=None):
    enc = (lambda s: None if s is None else os.fsencode(s))
    if LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source} on {target}: {os.strerror(err)}")


def _kernel_at_least(major, minor):
    try:
        parts = os.uname().release.split(".")
        return (int(parts[0]), int("".join(c for c in parts[1] if c.isdigit()) or 0)) >= (
            major, minor)
    except (ValueError, IndexError):
        return False


# ------------------------------------------------------------------------ limits and priority

def _setrlimit(res, value, hard=None):
    """Set a limit, never above the current hard limit (what an unprivileged process may do)."""
    hard = value if hard is None else hard
    _, cur_hard = resource.getrlimit(res)
    if cur_hard != resource.RLIM_INFINITY and os.geteuid() != 0:
        value, hard = min(value, cur_hard), min(hard, cur_hard)
    try:
        resource.setrlimit(res, (value, hard))
    except (ValueError, OSError):  # e.g. a limit macOS does not support
        if os.geteuid() == 0:
            raise


#: address space the worker keeps beyond its memory budget once loaded (thread stacks, files
#: mapped by later imports); shared mappings, which RLIMIT_DATA does not count, fit only in it
ADDRESS_SLACK_MB = 256


def _limit_resources(cfg, report):
    lim = cfg["limits"]
    mem = int(cfg["memory_mb"]) * 2**20
    # first caps, for the trusted imports; _cap_growth lowers them before the student's file
    _setrlimit(resource.RLIMIT_DATA, mem + 2**30)
    virtual = int(lim.get("virtual_mb", 0))
    if virtual == 0 and os.path.exists("/dev/nvidiactl"):
        virtual = -1  # CUDA reserves address ranges far beyond any sensible limit
        report["warnings"].append("GPU present: no address-space limit (heap limit only)")
    if virtual >= 0:
        virtual = virtual * 2**20 if virtual else mem + 2**30
        _setrlimit(resource.RLIMIT_AS, virtual)
    _setrlimit(resource.RLIMIT_FSIZE, int(lim["file_size_mb"]) * 2**20)
    cpu = int(lim["cpu_s"])
    _setrlimit(resource.RLIMIT_CPU, cpu, cpu + 5)
    _setrlimit(resource.RLIMIT_CORE, 0)
    _setrlimit(resource.RLIMIT_NOFILE, int(lim.get("open_files", 256)))
    try:  # the grader first: student code gets the CPU the grader leaves, and dies first on OOM
        os.setpriority(os.PRIO_PROCESS, 0, max(10, os.getpriority(os.PRIO_PROCESS, 0)))
        with open("/proc/self/oom_score_adj", "w") as fh:
            fh.write("1000")
    except OSError as exc:
        report["warnings"].append(f"could not lower the worker's priority ({exc})")


# ------------------------------------------------------------------------------ isolation

def _bind(source, target, recursive=True):
    if os.path.isdir(source):
        os.makedirs(target, mode=0o755, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        open(target, "a").close()
    _mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))


def _mounts():
    """(mount point, per-mount options) of every mount in this namespace."""
    out = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")  # \040 for spaces, etc.
            out.append((point, fields[5].split(",")))
    return out


def _under(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _remount_readonly(new, writable, report):
    """Every mount under ``new`` read-only, nosuid (and nodev outside /dev), except the
    ``writable`` ones and /proc."""
    failed = []
    for point, opts in _mounts():
        if not _under(point, new) or point in writable or _under(point, new + "/proc"):
            continue
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID
        if not _under(point, new + "/dev") or "nodev" in opts:
            flags |= MS_NODEV
        if "noexec" in opts:
            flags |= MS_NOEXEC
        try:
            _mount(None, point, None, flags)
        except OSError:
            failed.append(point[len(new):] or "/")
    if failed:
        report["warnings"].append(f"could not make read-only: {failed[:10]}")


def _build_root(cfg, uid, report):
    """Populate the worker's private root (a tmpfs at <sandbox>/fs) from the allow-list."""
    new = os.path.join(cfg["root"], "fs")
    lim = cfg["limits"]
    _mount("tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    shown = []
    for name in SYSTEM_DIRS:
        src = "/" + name
        if os.path.islink(src):
            os.symlink(os.readlink(src), os.path.join(new, name))
        elif os.path.isdir(src):
            _bind(src, os.path.join(new, name))
            shown.append(src)
    # the only writable place: a private, size-limited /tmp (gone when the worker ends)
    tmp = os.path.join(new, "tmp")
    os.mkdir(tmp)
    _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={int(lim['disk_mb'])}m,nr_inodes=65536,mode=1777")
    for sub in ("work", "home"):
        os.mkdir(os.path.join(tmp, sub), 0o700)
        os.chown(os.path.join(tmp, sub), uid, uid)
    # the Python installation and the packages, at their own paths
    for path in cfg["expose"]:
        if any(_under(path, s) for s in shown) or not os.path.exists(path):
            continue
        _bind(path, new + path)
    _bind(cfg["root"], new + BOX, recursive=False)
    _bind("/dev", os.path.join(new, "dev"))
    shm = os.path.join(new, "dev", "shm")
    if os.path.isdir(shm):
        _mount("tmpfs", shm, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={max(1, int(lim['disk_mb']) // 4)}m,mode=1777")
    proc = os.path.join(new, "proc")
    os.mkdir(proc)
    try:  # since Linux 5.8 each proc mount has its own options: show only our own processes
        if not _kernel_at_least(5, 8):
            raise OSError("old kernel")
        _mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=invisible")
        report["proc"] = "private"
    except OSError:
        _bind("/proc", proc)
        report["proc"] = "shared"
    if os.path.isdir("/sys"):
        _bind("/sys", os.path.join(new, "sys"))
    _remount_readonly(new, {tmp, shm}, report)
    return new


def _enter_root(new, report):
    """Make ``new`` the root: pivot_root (the old root is then detached), else chroot."""
    os.chdir(new)
    nr = SYS_PIVOT_ROOT.get(os.uname().machine)
    if nr is not None and LIBC.syscall(nr, b".", b".") == 0:
        if LIBC.umount2(b".", MNT_DETACH) != 0:
            raise OSError(ctypes.get_errno(), "could not detach the old root")
        report["root"] = "pivot_root"
    else:
        if LIBC.chroot(b".") != 0:
            raise OSError(ctypes.get_errno(), "chroot failed")
        report["root"] = "chroot"
    os.chdir("/")


def _hide(paths, report):
    """Cover what is left of the secret paths in this view (normally nothing)."""
    for path in paths:
        if not os.path.lexists(path):
            continue
        try:
            if os.path.isdir(path):
                _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                       "size=4k,mode=000")
            else:
                _mount("/dev/null", path, None, MS_BIND)
            report["hidden"].append(path)
        except OSError as exc:
            report["warnings"].append(f"could not hide {path} ({exc.strerror})")


def _isolate(cfg, uid, report):
    """Private namespaces and filesystem view. False (and nothing changed outside this
    process) when the kernel or the container refuses them."""
    flags = CLONE_NEWNS | CLONE_NEWIPC
    if not cfg["limits"].get("network"):
        flags |= CLONE_NEWNET
    if LIBC.unshare(flags) != 0:
        err = ctypes.get_errno()
        if LIBC.unshare(CLONE_NEWNS) != 0:
            report["warnings"].append(f"no mount namespace ({os.strerror(err)})")
            return False
        report["warnings"].append(f"no IPC/network namespace ({os.strerror(err)})")
        flags = CLONE_NEWNS
    report["namespaces"] = [n for n, f in (("mount", CLONE_NEWNS), ("ipc", CLONE_NEWIPC),
                                           ("network", CLONE_NEWNET)) if flags & f]
    try:
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    except OSError as exc:
        report["warnings"].append(f"no private mounts ({exc})")
        return False
    # first cover the secret paths in this namespace's view of the whole filesystem, so that
    # they stay covered even for a process that got out of the new root (not possible after
    # pivot_root, which detaches the old root; a defence in depth for the chroot fallback)
    _hide(cfg["hide"], report)
    try:
        new = _build_root(cfg, uid, report)
        _enter_root(new, report)
    except OSError as exc:
        report["warnings"].append(f"no private filesystem view ({exc})")
        return False
    report["isolation"] = "namespaces"
    return True


def _protect_by_permissions(paths, report):
    """Fallback without namespaces: the worker's uid is "other" to every file; take all
    access from "other" on the secret folders (only their top level: it blocks the path)."""
    for path in paths:
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if st.st_mode & 0o007:
            os.chmod(path, st.st_mode & 0o7770)
        report["hidden"].append(path)
    report["isolation"] = "permissions"
    report["warnings"].append("secret folders are protected by file permissions only "
                              "(made o-rwx); the rest of the filesystem is visible")


def _vm_mb():
    """{"RssAnon", "RssShmem", "VmData", "VmSize"} of this process in MB (empty without /proc)."""
    out = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in ("RssAnon", "RssShmem", "VmData", "VmSize"):
                    out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


def _cap_growth(cfg):
    """Before the student's file runs: let the worker grow by what is left of its budget
    (memory_mb minus the memory it holds now, anonymous + shared, with numpy/torch/probes
    loaded). Its heap limit becomes VmData + that, its address space (when derived) VmSize +
    that + ADDRESS_SLACK_MB."""
    vm = _vm_mb()
    if len(vm) < 4:
        return
    growth = max(0.0, int(cfg["memory_mb"]) - vm["RssAnon"] - vm["RssShmem"])
    _setrlimit(resource.RLIMIT_DATA, int((vm["VmData"] + growth) * 2**20))
    if int(cfg["limits"].get("virtual_mb", 0)) == 0 and not os.path.exists("/dev/nvidiactl"):
        _setrlimit(resource.RLIMIT_AS, int((vm["VmSize"] + growth + ADDRESS_SLACK_MB) * 2**20))


def _confine(cfg):
    """Apply limits, isolate, drop privileges. Returns (report for the parent, paths)."""
    report = {"uid": os.getuid(), "isolation": "none", "hidden": [], "warnings": []}
    lim = cfg["limits"]
    root = cfg["root"]
    rw = os.path.join(root, "rw")
    paths = {"code": root, "submission": cfg["submission"], "probes": cfg["probes"],
             "tmp": os.path.join(rw, "tmp"), "home": os.path.join(rw, "home"),
             "work": os.path.join(rw, "work")}
    _limit_resources(cfg, report)
    if os.geteuid() == 0:
        uid = gid = int(cfg["uid"])
        if cfg.get("isolate", True) and _isolate(cfg, uid, report):
            rel = os.path.relpath
            paths = {"code": BOX,
                     "submission": os.path.join(BOX, rel(cfg["submission"], root)),
                     "probes": cfg["probes"] and os.path.join(BOX, rel(cfg["probes"], root)),
                     "tmp": "/tmp", "home": "/tmp/home", "work": "/tmp/work"}
        else:
            _protect_by_permissions(cfg["hide"], report)
            for sub in ("tmp", "home", "work"):
                os.mkdir(paths[sub], 0o700)
                os.chown(paths[sub], uid, gid)
        nproc = int(lim["processes"])
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getuid() != uid or os.geteuid() != uid:  # pragma: no cover - paranoia
            raise OSError("could not drop privileges")
        report["uid"] = uid
    else:
        report["warnings"].append("not started as root: running as the calling user "
                                  "(limits only; no isolation)")
        for sub in ("tmp", "home", "work"):
            os.mkdir(paths[sub], 0o700)
        nproc = _count_processes(os.getuid()) + int(lim["processes"])
        soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
        if hard == resource.RLIM_INFINITY or nproc < hard:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, hard))
    prctl = getattr(LIBC, "prctl", None)  # Linux only
    if prctl is not None:
        # after the uid change, which clears it: die with the grader
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != int(cfg.get("ppid", os.getppid())):
            os._exit(1)  # the grader is already gone
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    os.chdir(paths["work"])
    os.environ.update(HOME=paths["home"], TMPDIR=paths["tmp"], MPLCONFIGDIR=paths["home"])
    return report, paths


def _count_processes(uid):
    n = 0
    if not os.path.isdir("/proc"):  # macOS (a student's dlcheck)
        return 64
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                if os.stat(f"/proc/{pid}").st_uid == uid:
                    n += 1
            except OSError:
                pass
    return n


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
    """Only the frames from the student's own file (never engine or test code), each named by
    its qualified name (``MLP.loss``): the last one is the function that raised."""
    lines = []
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    for frame, fs in zip(frames, traceback.extract_tb(exc.__traceback__)):
        if os.path.abspath(fs.filename) == filename:
            name = getattr(frame.f_code, "co_qualname", fs.name)
            lines.append(f'  line {fs.lineno}, in {name}: {(fs.line or "").strip()}'[:300])
    return "\n".join(lines[-8:])


def _describe(exc, filename):
    try:
        message = str(exc)
    except BaseException:
        message = "<str() of the exception failed>"
    if isinstance(exc, SyntaxError):
        message = f"{exc.msg} (line {exc.lineno})"
    return {"type": str(type(exc).__name__)[:80], "message": str(message)[:2000],
            "traceback": _student_traceback(exc, filename)}


class _Stopped(BaseException):
    """A probe reached a student function the grader stopped earlier in this grading (no
    return in time, too much memory; a BaseException: probes catch Exception to report what
    a function raised)."""


class _Tracked:
    """The student's module as probes see it: calling one of its functions records the
    function's name in the "running" mark (the parent reads it when a call does not return)
    and refuses functions the grader stopped before. Classes and other attributes pass
    through unchanged; setting an attribute sets it on the module."""

    __slots__ = ("_dlc_module", "_dlc_worker")  # no instance dict: every name is the module's

    def __init__(self, module, worker):
        object.__setattr__(self, "_dlc_module", module)
        object.__setattr__(self, "_dlc_worker", worker)

    def __getattr__(self, name):
        value = getattr(self._dlc_module, name)
        if isinstance(value, types.FunctionType):
            return self._dlc_worker.tracked(name, value)
        return value

    def __setattr__(self, name, value):
        setattr(self._dlc_module, name, value)

    def __delattr__(self, name):
        delattr(self._dlc_module, name)

    def __dir__(self):
        return dir(self._dlc_module)


class _Worker:
    def __init__(self, cfg, paths, wire):
        self.cfg, self.wire = cfg, wire
        self.module = self.probes = self.torch = None
        self.filename = os.path.abspath(paths["submission"])
        self.probes_file = paths["probes"]
        self.running, self.stopped, self.refused = "", set(), None
        self.mark = None
        if cfg.get("mark_fd") is not None:
            self.mark = mmap.mmap(int(cfg["mark_fd"]), 0)
            os.close(int(cfg["mark_fd"]))

    def _run_as(self, name):
        """Record ``name`` as the running student function; returns the previous one."""
        outer, self.running = self.running, name
        if self.mark is not None:
            self.mark[:] = name.encode("utf-8", "replace")[:len(self.mark) - 1].ljust(
                len(self.mark), b"\0")
        return outer

    def tracked(self, name, fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if name in self.stopped:
                self.refused = name
                raise _Stopped(name)
            outer = self._run_as(name)
            try:
                return fn(*args, **kwargs)
            finally:
                self._run_as(outer)
        return run

    def _tensor(self, td):
        t = self.torch.from_numpy(td.array.copy())
        dtype = getattr(self.torch, td.dtype.replace("torch.", ""), None)
        t = t.to(device=td.device, dtype=dtype)
        return t.requires_grad_(td.requires_grad)

    def _args(self, plain):
        factory = self._tensor if self.torch is not None else None
        return self.wire.from_plain(plain, tensor_factory=factory)

    def _result(self, value):
        if self.torch is None and "torch" in sys.modules:  # imported during this call
            self._setup_torch()
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
        # = torch.use_deterministic_algorithms(True) for eager code, without importing the
        # compiler stack (~70 MB of the box; see autograder.devices.deterministic_torch)
        torch._C._set_deterministic_algorithms(True, warn_only=False)
        self.torch = torch

    def load(self, msg):
        if msg.get("torch"):
            self._setup_torch()
        if self.probes_file:
            spec = importlib.util.spec_from_file_location("_probes", self.probes_file)
            self.probes = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(self.probes)
        _cap_growth(self.cfg)
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
        args, kwargs = self._args(msg["args"]), self._args(msg["kwargs"])
        outer = self._run_as(str(msg["name"]))
        try:
            return fn(*args, **kwargs)
        finally:
            self._run_as(outer)

    def probe(self, msg):
        if self.torch is None and "torch" in sys.modules:
            self._setup_torch()
        fn = getattr(self.probes, msg["name"])
        self.stopped = {h for h in msg.get("stopped", ()) if type(h) is str}
        return fn(_Tracked(self.module, self), **self._args(msg["kwargs"]))

    def handle(self, msg):
        op = msg.get("op")
        start = time.perf_counter()
        self.refused = None
        try:
            value = getattr(self, op)(msg) if op in ("load", "call", "probe") else None
            out = {"ok": True, "value": self._result(value)}
        except BaseException as exc:  # student code may raise anything, SystemExit included
            out = {"ok": False, "error": _describe(exc, self.filename)}
        if self.refused is not None:  # whatever the probe made of it
            out = {"ok": False, "error": {"type": "_Stopped", "message": self.refused,
                                          "traceback": ""}}
        out["nonce"] = msg.get("nonce")
        out["seconds"] = time.perf_counter() - start
        return out


def _fatal(cfg, report, message):
    """Tell the parent that the sandbox itself is broken (not the student's doing)."""
    report["fatal"] = message
    body = json.dumps({"hello": report}).encode()
    os.write(int(cfg["wfd"]), len(body).to_bytes(8, "big") + body)
    os._exit(3)


def main():
    cfg = json.loads(sys.argv[1])
    report, paths = _confine(cfg)
    try:
        sys.path.insert(0, paths["code"])
        import wire  # noqa: E402  (copied next to this file; imports numpy)
        sys.path.append(sys.path.pop(0))  # probes may import probe_tools from there too
    except BaseException as exc:
        _fatal(cfg, report, f"the worker cannot import numpy/wire after confinement: "
                            f"{type(exc).__name__}: {exc}")
    sys.path.insert(0, os.path.dirname(os.path.abspath(paths["submission"])))
    sys.dont_write_bytecode = True
    channel = _Channel(int(cfg["rfd"]), int(cfg["wfd"]), wire)
    worker = _Worker(cfg, paths, wire)
    channel.send({"hello": report})
    while True:
        try:
            msg = channel.recv()
        except EOFError:
            break
        if msg.get("op") == "exit":
            break
        channel.send(worker.handle(msg))
    os._exit(0)  # without waiting for threads the student may have left running


if __name__ == "__main__":
    main()
