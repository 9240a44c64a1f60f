"""Resource limits for the worker, read from an exercise's ``[limits]`` table.

Defaults fit Gradescope's ½ vCPU and 768 MB per submission: the worker's heap stays under
512 MiB (numpy + torch need about 260 MiB of it), leaving room for the grader itself. Every key
can be set per exercise in ``exercise.toml``; docs/SECURITY.md has the table.
"""
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0  # wall clock per graded call or probe
    hung_call_timeout_s: float = 2.0  # the same, once a function of the submission has hung
    load_timeout_s: float = 30.0  # starting the sandbox, then importing the submission (and torch)
    total_timeout_s: float = 600.0  # whole grading run; later tests are reported as not run
    cpu_s: int = 900  # RLIMIT_CPU of one worker process (all its threads)
    memory_mb: int = 512  # RLIMIT_DATA (heap + private writable mappings) of the worker
    virtual_mb: int = 0  # RLIMIT_AS; 0: memory_mb + 1024 (none on a GPU machine); -1: none
    file_size_mb: int = 16  # RLIMIT_FSIZE: largest file the worker may write
    disk_mb: int = 64  # size of the worker's private /tmp (its only writable folder, in memory)
    open_files: int = 256  # RLIMIT_NOFILE
    processes: int = 16  # RLIMIT_NPROC for the worker's uid (threads count too)
    network: bool = False  # False: the worker gets an empty network namespace (no network)
    output_kb: int = 64  # student prints kept for feedback; the rest is counted and dropped
    max_frame_mb: int = 64  # largest reply the parent accepts

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in (bool, "bool"):
                if not isinstance(value, bool):
                    raise ValueError(f"[limits] {f.name} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"[limits] {f.name} must be a number")
            elif value < 0 and not (f.name == "virtual_mb" and value == -1):
                raise ValueError(f"[limits] {f.name} must not be negative")

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
