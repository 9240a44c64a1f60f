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
