"""Helpers shared by the project's tests that import course files directly (in-process:
these are our own reference solutions and stubs, never student code)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_module(path: Path, name: str):
    """Import the file at ``path`` as a fresh module called ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_solution(name: str):
    """The reference solution ``solutions/<name>.py``."""
    return load_module(ROOT / "solutions" / f"{name}.py", f"_solution_{name}")

