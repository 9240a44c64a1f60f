"""What an exercise's Jupyter notebook imports: ``load`` the student's module, ``check`` a task.

    from autograder.notebook import load, check
    bp = load("backprop")     # ./backprop.py, imported afresh on every call (edits are picked up)
    check("affine")           # that task's public tests, in dlcheck's sandbox, with its feedback

Importing this module inside IPython also installs a handler for ``NotImplementedError``: a cell
that calls a function the student has not written yet prints one "not implemented yet" line
instead of a traceback, and counts as a cell that ran (so "Run all" goes on to the end and the
check cells report what is missing).
"""
from __future__ import annotations

import argparse
import contextlib
import html
import io
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["load", "check", "CheckOutcome"]


def load(name: str, folder: str | Path | None = None) -> types.ModuleType:
    """Execute ``<folder>/<name>.py`` (default: the current folder) as a new module ``name``.

    The source is compiled from the file on every call (no bytecode cache, no reload of a stale
    module), and the module is registered in ``sys.modules`` under ``name``.
    """
    path = Path(folder or Path.cwd()) / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no {path.name} in {path.parent}: open the notebook next to it")
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@dataclass
class CheckOutcome:
    """What ``check`` found: ``passed`` (dlcheck's exit status was 0) and its feedback ``text``."""

    task: str | None
    passed: bool
    text: str
    _shown_in: int | None = field(default=None, repr=False, compare=False)  # cell counter

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        lines = []
        for line in html.escape(self.text).splitlines():
            colour = {"PASS": "#1a7f37", "FAIL": "#cf222e", "SKIP": "#6e7781"}.get(line[:4])
            lines.append(f'<span style="color:{colour}">{line}</span>' if colour else line)
        what = f"task {html.escape(self.task)}" if self.task else "all tasks"
        verdict = "public tests pass" if self.passed else "public tests do not pass yet"
        return (f"<b>dlcheck, {what}: {verdict}</b>"
                f"<pre style=\"margin-top:0.3em\">{chr(10).join(lines)}</pre>")

    def _ipython_display_(self) -> None:
        shell = _shell()
        if shell is not None and self._shown_in == shell.execution_count:
            return  # check() showed it in this cell already: this is the cell's echo of it
        _display(self)


def _shell():
    """The running IPython shell, or None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _display(outcome: CheckOutcome) -> None:
    shell = _shell()
    if shell is None:
        print(outcome.text)
        return
    from IPython.display import display
    display({"text/plain": outcome.text, "text/html": outcome._repr_html_()}, raw=True,
            metadata={"dlcheck": {"task": outcome.task, "passed": outcome.passed}})
    outcome._shown_in = shell.execution_count


def run_dlcheck(argv: list[str]) -> tuple[int, str, str]:
    """Run ``dlcheck ARGV`` in this process: its exit status, what it printed, its warnings."""
    from .check import command

    parser = argparse.ArgumentParser(prog="dlcheck")
    command.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = command.main(parser.parse_args(argv))
        except SystemExit as exc:  # a usage error, an unknown task, no exercise folder
            if exc.code is not None and not isinstance(exc.code, int):
                print(exc.code)
                status = 2
            else:
                status = exc.code or 0
    return int(status or 0), out.getvalue().rstrip("\n"), err.getvalue()


def check(task: str | None = None, *, submission: str | Path | None = None) -> CheckOutcome:
    """Run the public tests of ``task`` (all tasks when None) exactly as ``dlcheck`` does, on
    ``submission`` (default: the exercise's file in the current folder); show and return them."""
    argv = [str(submission)] if submission else []
    argv += ["--task", task] if task else []
    status, text, warnings = run_dlcheck(argv)
    if not text:  # a usage error (an unknown task, say) is all on stderr
        text, warnings = warnings.rstrip("\n"), ""
    if warnings:
        print(warnings, end="", file=sys.stderr)
    outcome = CheckOutcome(task=task, passed=status == 0, text=text)
    _display(outcome)
    return outcome


# ------------------------------------------------------------------ "not implemented yet" cells
NOT_IMPLEMENTED = "not implemented yet"


def _not_implemented(shell, etype, value, tb, tb_offset=None):
    """IPython custom exception handler: one line instead of a traceback."""
    where = ""
    frames = traceback.extract_tb(tb)
    if frames:
        last = frames[-1]
        where = f" ({Path(last.filename).name}, line {last.lineno})"
    message = str(value) or etype.__name__
    print(f"{NOT_IMPLEMENTED}: {message}{where}. Write it, then run this cell again.")
    return None


def _forgive_not_implemented(result) -> None:
    """post_run_cell hook: a cell stopped by NotImplementedError still counts as run."""
    if result is not None and isinstance(result.error_in_exec, NotImplementedError):
        result.error_in_exec = None


def install_handler(shell=None) -> bool:
    """Make ``shell`` (default: the running IPython, if any) report NotImplementedError in one
    line and keep "Run all" going. Returns whether a shell was found."""
    shell = shell or _shell()
    if shell is None:
        return False
    shell.set_custom_exc((NotImplementedError,), _not_implemented)
    if _forgive_not_implemented not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", _forgive_not_implemented)
    return True


install_handler()
