"""A memory cgroup as a stand-in for Gradescope's container: run a command with its whole
process tree capped at N MB, then read the peak and whether the kernel's OOM killer fired.

cgroup v1 (a ``memory`` hierarchy, as on this CI machine) or v2 (a ``memory`` controller in
the unified hierarchy); needs root. ``MemoryBox.create`` returns None where neither can be made,
and the callers skip with that reason.
"""
from __future__ import annotations

import os
import secrets
import subprocess
import time
from pathlib import Path

V1 = Path("/sys/fs/cgroup/memory")
V2 = Path("/sys/fs/cgroup")


class MemoryBox:
    def __init__(self, path: Path, v2: bool):
        self.path, self.v2 = path, v2

    @classmethod
    def create(cls, mb: int) -> "MemoryBox | None":
        """A fresh cgroup limited to ``mb`` MB of memory (no swap), or None."""
        if os.geteuid() != 0:
            return None
        name = f"dlc-box-{secrets.token_hex(4)}"
        for base, v2 in ((V1, False), (V2, True)):
            if v2 and "memory" not in _read(base / "cgroup.subtree_control"):
                continue
            if not v2 and not (base / "memory.limit_in_bytes").exists():
                continue
            path = base / name
            try:
                path.mkdir()
            except OSError:
                continue
            box = cls(path, v2)
            try:
                box._limit(mb * 2**20)
                return box
            except OSError:
                box.remove()
        return None

    def _limit(self, nbytes: int) -> None:
        if self.v2:
            (self.path / "memory.max").write_text(str(nbytes))
            if (self.path / "memory.swap.max").exists():
                (self.path / "memory.swap.max").write_text("0")
        else:
            (self.path / "memory.limit_in_bytes").write_text(str(nbytes))
            memsw = self.path / "memory.memsw.limit_in_bytes"
            if memsw.exists():
                try:
                    memsw.write_text(str(nbytes))
                except OSError:  # swap accounting off
                    pass

    def run(self, cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
        """``subprocess.run(cmd)`` with the command (and all it starts) inside the box."""
        procs = str(self.path / "cgroup.procs")
        return subprocess.run(["sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "box", *cmd],
                              **kwargs)

    def peak_mb(self) -> float:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        text = _read(self.path / name).strip()
        return int(text) / 2**20 if text.isdigit() else float("nan")

    def oom_kills(self) -> int:
        """Processes the kernel's OOM killer ended in the box."""
        text = _read(self.path / ("memory.events" if self.v2 else "memory.oom_control"))
        for line in text.splitlines():
            if line.startswith("oom_kill "):
                return int(line.split()[1])
        return 0

    def remove(self) -> None:
        for _ in range(50):  # the last processes may still be exiting
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
