"""Resource limits for the worker, read from an exercise's ``[limits]`` table.

Memory is a budget for the whole box (Gradescope: 768 MB per submission, ``box_mb``): the
worker gets what the grading process leaves, ``box_mb`` minus the parent's resident memory
measured when the worker starts (its test modules, reference and torch are loaded by then),
minus the worker's private /tmp and ``reserve_mb`` (see ``worker_memory_mb``). Every key can
be set per exercise in ``exercise.toml``; docs/SECURITY.md has the table and the scheme.
"""
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Limits:
    call_timeout_s: float = 10.0  # wall clock per graded call or probe
    hung_call_timeout_s: float = 2.0  # the same, once a function of the submission has hung
    load_timeout_s: float = 30.0  # starting the sandbox, then importing the submission (and torch)
    total_timeout_s: float = 600.0  # whole grading run; later tests are reported as not run
    cpu_s: int = 900  # RLIMIT_CPU of one worker process (all its threads)
    box_mb: int = 768  # memory of the machine/container one grading runs in (parent + worker)
    reserve_mb: int = 96  # of the box, kept for the parent's growth, kernel and page cache
    memory_mb: int = 0  # the worker's resident memory; 0: derived from box_mb (the rule)
    virtual_mb: int = 0  # RLIMIT_AS; 0: derived (none on a GPU machine); -1: none
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

    def worker_memory_mb(self, parent_mb: float) -> int:
        """Resident memory the worker may hold: ``memory_mb`` when set, else
        box_mb - parent_mb - 1.25 * disk_mb (its /tmp and /dev/shm live in memory) - reserve_mb."""
        if self.memory_mb:
            return int(self.memory_mb)
        return max(MIN_WORKER_MB, int(self.box_mb - parent_mb - 1.25 * self.disk_mb
                                      - self.reserve_mb))


#: resident MB of the grading process when the worker starts (docs/SECURITY.md, "Limits"),
#: rounded up: pytest, hypothesis, tests, reference; torch when the exercise uses it. A student's
#: ``dlcheck`` (or a notebook's ``check``) runs in a process of any size, so its worker gets the
#: budget it would get when graded: the box minus this, not minus the caller's footprint.
NOMINAL_GRADER_MB = {False: 70, True: 260}

#: below this the worker cannot even import numpy; an exercise whose box is that full fails
#: every test with "ran out of memory" (and test_exercise_configs catches it first)
MIN_WORKER_MB = 64


def resident_mb() -> float:
    """This process's resident memory (VmRSS) in MB; its peak (ru_maxrss) without /proc."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    import sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024
