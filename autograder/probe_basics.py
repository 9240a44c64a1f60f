"""Probe helpers that need only the standard library; copied into the sandbox next to the worker.

Runs inside the worker (untrusted side) and holds nothing secret. NumPy-only exercises import
these from here (``probe_tools`` imports torch); torch exercises get them from ``probe_tools``.
"""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def replaced(sub, **stand_ins):
    """The student's module ``sub`` with attributes replaced by course stand-ins while active
    (its own functions that call them by module-level name then call the stand-ins)."""
    module_dict = sub.__dict__  # the module's own values (getattr may give the grader's wrapper)
    saved = {name: module_dict[name] for name in stand_ins if name in module_dict}
    for name, value in stand_ins.items():
        setattr(sub, name, value)
    try:
        yield
    finally:
        for name in stand_ins:
            if name in saved:
                setattr(sub, name, saved[name])
            else:
                delattr(sub, name)


def course_versions(*names) -> dict:
    """The student's graded ``names`` -> the course's versions (``course_<name>``, ``Course<Name>``
    for a class) from the exercise's ``standins.py``, which the grader puts next to the probes
    and the release never ships: in a student's released copy there is none ({}), and their own
    functions stand for themselves."""
    try:
        import standins
    except ImportError:
        return {}
    return {name: getattr(standins, f"Course{name}" if name[0].isupper() else f"course_{name}")
            for name in names}


def raised(call, max_chars: int | None = None) -> dict:
    """What ``call()`` raised, as plain data for an argument-check test: ``{"raised": its type
    name, or None when it returned, "message": str(exc)}`` (the first ``max_chars`` only)."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - reported to the test
        return {"raised": type(exc).__name__, "message": str(exc)[:max_chars]}
    return {"raised": None, "message": ""}
