"""What an exercise's test files hold, read without running them: each test's name, task and
title (the first docstring line). Used to list valid ``--task`` names and, at release time, to
tell students what the hidden tests check (titles and points only, never code or inputs).

Task names are matched without regard to case; their canonical form is lowercase (see
``autograder.testing.task``).
"""
from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestEntry:
    name: str  # function name, the key in exercise.toml
    task: str | None  # lowercase
    title: str


def canonical_task(name: str | None) -> str | None:
    return None if name is None else name.strip().lower()


def _task_of(fn: ast.FunctionDef) -> str | None:
    for deco in fn.decorator_list:
        if not isinstance(deco, ast.Call) or not deco.args:
            continue
        callee = deco.func.attr if isinstance(deco.func, ast.Attribute) else getattr(deco.func, "id", "")
        arg = deco.args[0]
        if callee == "task" and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return canonical_task(arg.value)
    return None


def tests_in(folder: Path) -> list[TestEntry]:
    """The module-level ``test_*`` functions of ``folder/test_*.py``, in file order."""
    entries = []
    for path in sorted(Path(folder).glob("test_*.py")) if Path(folder).is_dir() else []:
        for node in ast.parse(path.read_text(), str(path)).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
                entries.append(TestEntry(node.name, _task_of(node), doc))
    return entries


def task_names(entries: list[TestEntry]) -> list[str]:
    """The distinct task names, in the order the tests use them."""
    return list(dict.fromkeys(e.task for e in entries if e.task))


def hidden_checks(exercise) -> dict[str, list[dict]]:
    """task -> [{"title", "points"}] of the hidden tests: from the released exercise.toml's
    ``[hidden_summary]``, or read from ``tests/hidden`` in the course repository."""
    if exercise.hidden_summary:
        return exercise.hidden_summary
    summary: dict[str, list[dict]] = {}
    for e in tests_in(exercise.suite_dir("hidden")):
        summary.setdefault(e.task or "hidden", []).append(
            {"title": e.title, "points": exercise.test_config(e.name).points})
    return summary


def hidden_summary_toml(summary: dict[str, list[dict]]) -> str:
    """The ``[hidden_summary]`` table of a released exercise.toml (titles and points only)."""
    lines = ["# ------------------------------------------------------------------ hidden tests",
             "# What the grader's hidden tests check, per task (their titles and points; the",
             "# tests themselves are not shipped). dlcheck prints this after your public score.",
             "[hidden_summary]"]
    for task, checks in summary.items():
        lines.append(f"{json.dumps(task)} = [")
        lines += [f"  {{ title = {json.dumps(c['title'], ensure_ascii=False)}, "
                  f"points = {c['points']:g} }}," for c in checks]
        lines.append("]")
    return "\n".join(lines) + "\n"


def unknown_task(exercise, task: str | None, suites=("public",)) -> str | None:
    """An error message when ``task`` is not a task of the given suites' tests, else None."""
    valid = task_names([e for suite in suites for e in tests_in(exercise.suite_dir(suite))])
    if task is None or canonical_task(task) in valid:
        return None
    return f"no task {task!r} in {exercise.name}; valid tasks (any case): {', '.join(valid)}"
