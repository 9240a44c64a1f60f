"""Resource limits for the worker, read from an exercise's ``[limits]`` table.

Defaults fit Gradescope's ½ vCPU and 768 MB per submission.
"""
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0  # wall clock per graded call or probe
    load_timeout_s: float = 30.0  # importing the submission (and torch)
    total_timeout_s: float = 600.0  # whole grading run; later tests are reported as not run
    cpu_s: int = 900  # RLIMIT_CPU of one worker process
    memory_mb: int = 1024  # RLIMIT_DATA (heap + anonymous mappings) of the worker
    file_size_mb: int = 16  # RLIMIT_FSIZE: largest file the worker may write
    processes: int = 16  # RLIMIT_NPROC for the worker's uid (threads count too)
    output_kb: int = 64  # student prints kept for feedback; the rest is counted and dropped
    max_frame_mb: int = 256  # largest reply the parent accepts

    @classmethod
    def from_table(cls, table: dict | None) -> "Limits":
        table = dict(table or {})
        known = {f.name for f in fields(cls)}
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"unknown [limits] keys: {sorted(unknown)}")
        return cls(**table)

    def as_dict(self) -> dict:
        return asdict(self)
