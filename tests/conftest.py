"""Fixtures shared by the project's own tests."""
import pytest


@pytest.fixture
def one_torch_thread():
    """Run the test with torch on one thread (as grading does), then restore the count."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def isolation(tmp_path_factory):
    """How a worker is confined on this machine: "namespaces", "permissions" or "none"."""
    from autograder.sandbox.process import SandboxSpec, WorkerProcess
    path = tmp_path_factory.mktemp("iso") / "m.py"
    path.write_text("")
    worker = WorkerProcess(SandboxSpec(submission=path, module="m"))
    try:
        return worker.report.get("isolation")
    finally:
        worker.close()
