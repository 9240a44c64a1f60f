"""The ``submission`` object tests use: calls and probes forwarded to a sandboxed worker.

A crash or timeout ends the worker; the next call starts a fresh one. A submission that cannot
be imported (syntax error, exception or hang at import) fails every later call at once with the
same message instead of being re-imported for every test.
"""
from __future__ import annotations

import time

from .. import wire
from ..errors import SubmissionError, WorkerLost
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
        self._output: list[str] = []

    def __repr__(self):
        return "submission"

    # ------------------------------------------------------------------ worker lifecycle
    def _ensure_worker(self) -> WorkerProcess:
        if self._load_failure is not None:
            raise self._load_failure
        if self._worker is not None and self._worker.alive:
            return self._worker
        if self._worker is not None:
            self._retire()
            self.restarts += 1
        try:
            worker = WorkerProcess(self.spec)
            self.sandbox_report = worker.report
            reply = worker.request({"op": "load", "torch": self.spec.uses_torch},
                                   self._timeout(self.limits.load_timeout_s),
                                   f"importing {self.spec.module}.py")
        except WorkerLost as exc:
            self._load_failure = WorkerLost(f"could not import your file: {exc.message}")
            raise self._load_failure from None
        if not reply.get("ok"):
            err = reply.get("error", {})
            self._load_failure = SubmissionError(
                f"importing {self.spec.module}.py", err.get("type", "Error"),
                err.get("message", ""), err.get("traceback", ""))
            worker.close()
            raise self._load_failure
        self.functions = wire.from_plain(reply["value"]).get("functions", [])
        self._worker = worker
        return worker

    def _retire(self):
        if self._worker is not None:
            self._worker.close()
            self._output.append(self._worker.drain.text())
            self._worker = None

    def _timeout(self, limit: float) -> float:
        if self.deadline is None:
            return limit
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise WorkerLost("not run: the grading time limit was reached")
        return min(limit, left)

    def close(self):
        self._retire()

    def output(self) -> str:
        """What the student's code printed (truncated per worker)."""
        texts = list(self._output)
        if self._worker is not None:
            texts.append(self._worker.drain.text())
        return "\n".join(t for t in texts if t)

    # ------------------------------------------------------------------ calls
    def _send(self, message: dict, where: str):
        worker = self._ensure_worker()
        try:
            reply = worker.request(message, self._timeout(self.limits.call_timeout_s), where)
        except WorkerLost:
            self._retire()
            raise
        if not reply.get("ok"):
            err = reply.get("error", {})
            msg = err.get("message", "")
            if err.get("type") == "MemoryError":
                msg = f"memory limit ({self.limits.memory_mb} MiB) exceeded {msg}".strip()
            raise SubmissionError(where, err.get("type", "Error"), msg, err.get("traceback", ""))
        try:
            return wire.from_plain(reply.get("value"))
        except wire.WireError as exc:
            raise SubmissionError(where, "InvalidReturn", str(exc)) from None

    def call(self, name: str, *args, **kwargs):
        """``module.name(*args, **kwargs)`` in the worker; returns plain data."""
        return self._send({"op": "call", "name": name, "args": wire.to_plain(list(args), _torch=_torch()),
                           "kwargs": wire.to_plain(kwargs, _torch=_torch())}, name)

    def probe(self, name: str, **kwargs):
        """``probes.name(module, **kwargs)`` in the worker; returns plain data."""
        where = kwargs.pop("_where", name)
        return self._send({"op": "probe", "name": name,
                           "kwargs": wire.to_plain(kwargs, _torch=_torch())}, where)

    def has(self, name: str) -> bool:
        self._ensure_worker()
        return name in self.functions


def _torch():
    import sys
    return sys.modules.get("torch")
