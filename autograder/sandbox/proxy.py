"""The ``submission`` object tests use: calls and probes forwarded to a sandboxed worker.

A crash or timeout ends the worker; the next call starts a fresh one. A submission that cannot
be imported (syntax error, exception or hang at import) fails every later call at once with the
same message instead of being re-imported for every test. A student function that did not
return is not called again: later calls of it, and probes that reach it, fail at once with the
same message, and once one has hung every later call gets ``hung_call_timeout_s``. The same
holds for a function during which the worker was stopped for holding more memory than its
budget (see docs/DESIGN.md, "Calls that do not return").
"""
from __future__ import annotations

import re
import time

from .. import wire
from ..errors import NotImplementedYet, SubmissionError, WorkerLost
from .process import SandboxSpec, WorkerProcess


class SubmissionProxy:
    def __init__(self, spec: SandboxSpec, deadline: float | None = None):
        self.spec = spec
        self.limits = spec.limits
        self.deadline = deadline  # time.monotonic() after which no more calls are made
        self._worker: WorkerProcess | None = None
        self._load_failure: BaseException | None = None
        self.functions: list[str] = []
        self.sandbox_report: dict = {}
        self.restarts = 0
        self.memory_mb = spec.limits.memory_mb  # the worker's budget (derived at its start)
        #: student function (or probe, when no student function was running) -> why the
        #: grader stopped it (no return in time, too much memory); not called again
        self.stopped: dict[str, str] = {}
        self.any_hung = False  # later calls get hung_call_timeout_s
        self._retired: list[WorkerProcess] = []  # ended workers (their output is kept)

    def __repr__(self):
        return "submission"

    # ------------------------------------------------------------------ worker lifecycle
    def _ensure_worker(self) -> WorkerProcess:
        if self._load_failure is not None:
            raise _load_error(self._load_failure) from None
        if self._worker is not None and self._worker.alive:
            return self._worker
        if self._worker is not None:
            self._retire()
        if self._retired:
            self.restarts += 1
        worker = None
        try:
            self._timeout(self.limits.load_timeout_s)  # "not run" past the grading deadline
            worker = WorkerProcess(self.spec)
            self.sandbox_report, self.memory_mb = worker.report, worker.memory_mb
            timeout = self._timeout(self.limits.load_timeout_s)
            where = f"importing {self.spec.module}.py"
            try:
                reply = worker.request({"op": "load", "torch": self.spec.uses_torch}, timeout,
                                       where)
            except WorkerLost as exc:
                if exc.timed_out and timeout < self.limits.load_timeout_s:
                    raise self._out_of_time(where) from None
                if exc.timed_out:
                    raise WorkerLost(f"{where} did not finish within {timeout:g} s: an "
                                     f"infinite loop at import?") from None
                raise
            if not reply["ok"]:
                err = reply["error"]
                self._load_failure = SubmissionError(
                    f"importing {self.spec.module}.py", err["type"] or "Error",
                    _friendly(err, self.limits, self.memory_mb), err["traceback"])
                raise _load_error(self._load_failure)
            value = wire.from_plain(reply["value"])
            functions = value.get("functions", []) if type(value) is dict else []
            self.functions = [f for f in functions if type(f) is str]
        except WorkerLost as exc:
            if worker is not None:
                self._retired.append(worker)
                worker.kill()
            if exc.message.startswith(("not run:", "stopped:")):
                raise
            self._load_failure = WorkerLost(f"could not import your file: {exc.message}")
            raise _load_error(self._load_failure) from None
        except BaseException as exc:
            if worker is not None:
                self._retired.append(worker)
                worker.kill()
            if isinstance(exc, wire.WireError):
                self._load_failure = WorkerLost(f"could not import your file: the worker broke "
                                                f"the protocol ({exc})")
                raise _load_error(self._load_failure) from None
            raise
        self._worker = worker
        return worker

    def _retire(self):
        if self._worker is not None:
            self._worker.close()
            self._retired.append(self._worker)
            self._worker = None

    def _timeout(self, limit: float) -> float:
        if self.deadline is None:
            return limit
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WorkerLost("not run: the grading time limit was reached")
        return min(limit, left)

    def _out_of_time(self, where: str) -> WorkerLost:
        return WorkerLost(f"stopped: the grading time limit ({self.limits.total_timeout_s:g} s) "
                          f"was reached during {where}")

    def close(self):
        self._retire()
        for worker in self._retired:
            worker.kill()  # idempotent: makes sure nothing any worker started survives

    def output(self) -> str:
        """What the student's code printed (truncated per worker)."""
        workers = self._retired + ([self._worker] if self._worker is not None else [])
        texts = [w.drain.text() for w in workers if w.drain is not None]
        return "\n".join(t for t in texts if t)

    # ------------------------------------------------------------------ calls
    def _call_limit(self, limit: float | None = None) -> float:
        """The wall-clock limit of the next call (``limit``, else a call's): shorter once a
        function has hung."""
        limit = limit or self.limits.call_timeout_s
        if self.any_hung:
            return min(limit, self.limits.hung_call_timeout_s)
        return limit

    def _stop(self, worker: WorkerProcess, where: str, exc: WorkerLost,
              limit: float) -> WorkerLost:
        """Remember the student function that was running (as the worker's mark says, if it
        names one of the module's functions; else the call or probe) and why it was stopped."""
        running = worker.last_running
        name = running if running in self.functions else where
        if exc.over_memory:
            text = (f"{name} ran out of memory (limit {worker.memory_mb} MB): the worker held "
                    "more than that and was stopped")
        else:
            self.any_hung = True
            text = f"{name} did not return within {limit:g} s: an infinite loop?"
            if limit < self.limits.call_timeout_s:
                text += (f" (once a function has not returned, later calls get "
                         f"{limit:g} s instead of {self.limits.call_timeout_s:g} s)")
        self.stopped[name] = text
        return WorkerLost(text, timed_out=exc.timed_out, over_memory=exc.over_memory)

    def _send(self, message: dict, where: str, limit: float | None = None):
        target = message["name"] if message["op"] == "call" else where
        if target in self.stopped:
            raise WorkerLost(self.stopped[target])
        worker = self._ensure_worker()
        limit = self._call_limit(limit)
        timeout = self._timeout(limit)
        if message["op"] == "probe":
            message["stopped"] = sorted(self.stopped)
        try:
            reply = worker.request(message, timeout, where)
        except WorkerLost as exc:
            self._retire()
            if exc.timed_out and timeout < limit:
                raise self._out_of_time(where) from None
            if exc.timed_out or exc.over_memory:
                raise self._stop(worker, where, exc, limit) from None
            raise
        if not reply["ok"]:
            err = reply["error"]
            if err["type"] == "_Stopped" and err["message"] in self.stopped:
                raise WorkerLost(self.stopped[err["message"]])
            if err["type"] == "NotImplementedError":  # a stub: no input would do better
                raise NotImplementedYet(where, err["message"], _raising_function(err["traceback"]))
            raise SubmissionError(where, err["type"] or "Error",
                                  _friendly(err, self.limits, self.memory_mb), err["traceback"])
        try:
            return wire.from_plain(reply["value"])
        except wire.WireError as exc:
            raise SubmissionError(where, "InvalidReturn", str(exc)) from None

    def call(self, name: str, /, *args, **kwargs):
        """``module.name(*args, **kwargs)`` in the worker; returns plain data."""
        return self._send({"op": "call", "name": name, "args": wire.to_plain(list(args), _torch=_torch()),
                           "kwargs": wire.to_plain(kwargs, _torch=_torch())}, name)

    def probe(self, name: str, /, **kwargs):
        """``probes.name(module, **kwargs)`` in the worker; returns plain data. ``_where``: the
        function the test checks (named in messages); ``_loads_library=True``: the probe only
        imports a library (e.g. torch, before a test calls the student's to_torch), so it gets
        the load time limit instead of a call's."""
        where = kwargs.pop("_where", name)
        limit = self.limits.load_timeout_s if kwargs.pop("_loads_library", False) else None
        return self._send({"op": "probe", "name": name,
                           "kwargs": wire.to_plain(kwargs, _torch=_torch())}, where, limit)

    def has(self, name: str) -> bool:
        self._ensure_worker()
        return name in self.functions


def _load_error(failure: BaseException) -> BaseException:
    """A fresh exception for the stored import failure, marked ``load_failure``: every test
    gets its own (hypothesis attaches a test's falsifying example to the exception it raised,
    so re-raising one object would carry the first test's example into all later ones), and
    the runner shows no failing input for it (no input matters when the file does not import)."""
    if isinstance(failure, SubmissionError):
        fresh = SubmissionError(failure.where, failure.type_name, failure.message,
                                failure.student_traceback)
    else:
        fresh = WorkerLost(failure.message)
    fresh.load_failure = True
    return fresh


def _raising_function(student_traceback: str) -> str | None:
    """The qualified name of the student's function that raised: the last frame of the student
    traceback (``  line 12, in MLP.loss: ...``), None when no frame is the student's."""
    names = re.findall(r"^  line \d+, in ([\w.<>]+):", student_traceback, flags=re.M)
    return names[-1] if names else None


def _torch():
    import sys
    return sys.modules.get("torch")


def _friendly(err: dict, limits, memory_mb: int) -> str:
    """The error message, prefixed with the limit it hit when it is a limit."""
    msg, kind = err["message"], err["type"]
    if kind == "MemoryError" or (kind == "OSError" and msg.startswith("[Errno 12]")):
        return f"ran out of memory (limit {memory_mb} MB) {msg}".strip()
    if msg.startswith("[Errno 27]"):
        return f"file size limit ({limits.file_size_mb} MiB) exceeded: {msg}"
    if msg.startswith("[Errno 28]"):
        return f"disk limit ({limits.disk_mb} MiB in /tmp) exceeded: {msg}"
    if msg.startswith("[Errno 11]") and kind in ("BlockingIOError", "OSError"):
        return f"process limit ({limits.processes} processes/threads) reached: {msg}"
    if msg.startswith("[Errno 30]"):
        return f"{msg} (your code may write only in the current folder and /tmp)"
    return msg
