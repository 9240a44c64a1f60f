"""Every exercise's released notebook, executed cell by cell in a real Jupyter kernel (nbclient).

Found from the exercise folders (each ``assignments/<NN-name>/notebook.pct.py`` is released as
``student_template/<NN-name>/<name>.ipynb``), so a new exercise is covered as soon as it has one.
Per exercise, two copies of the released folder run side by side: one holding the reference
solution (no cell may fail, every ``check`` cell passes) and one holding the untouched stub (every
other cell still runs to the end, unwritten functions printing "not implemented yet", and the
first ``check`` cell reports failing public tests). The stub runs only that one check cell: each
check starts a sandbox (seconds with torch), a check cell does the same thing whatever its task,
and the reference run has already shown that every check cell names a real task.
"""
from __future__ import annotations

import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest

from autograder.exercise import Exercise, exercise_folders
from autograder.notebook import NOT_IMPLEMENTED
from autograder.release.notebook import SOURCE_NAME

ROOT = Path(__file__).resolve().parent.parent
KERNEL = "dlcourse-tests"
CHECK_CELL = re.compile(r"^check\(.*\)\s*;?\s*$", re.M)
EXERCISES = [f for f in exercise_folders(ROOT / "assignments") if (f / SOURCE_NAME).is_file()]


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory):
    """A kernelspec running THIS interpreter (the venv's), and Jupyter/IPython state kept in tmp."""
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "dlcourse tests", "language": "python"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(base / "data"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(base / "runtime"))
        mp.setenv("IPYTHONDIR", str(base / "ipython"))
        mp.setenv("MPLBACKEND", "agg")
        yield


def _released_copy(exercise: Exercise, dest: Path, solution: bool) -> Path:
    """The released folder copied to ``dest``, with the reference as ``<name>.py`` if asked."""
    shutil.copytree(ROOT / "student_template" / exercise.slug, dest)
    if solution:
        shutil.copy(ROOT / "solutions" / f"{exercise.name}.py", dest / f"{exercise.name}.py")
    return dest / f"{exercise.name}.ipynb"


def _is_check(cell) -> bool:
    return cell.cell_type == "code" and bool(CHECK_CELL.search(cell.source))


async def _execute(path: Path, checks: int | None = None):
    """Execute the notebook at ``path`` in its folder, keeping only its first ``checks`` check
    cells (all when None)."""
    nb = nbformat.read(path, as_version=4)
    if checks is not None:
        kept = [i for i, c in enumerate(nb.cells) if _is_check(c)][:checks]
        nb.cells = [c for i, c in enumerate(nb.cells) if not _is_check(c) or i in kept]
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=180, allow_errors=False,
                                     resources={"metadata": {"path": str(path.parent)}})
    await client.async_execute()
    return nb


KINDS = ("reference", "stub")
PARALLEL = 2  # notebooks executing at once (each a kernel plus its sandboxes), one per core


@pytest.fixture(scope="module")
def executed(request, jupyter_env, tmp_path_factory):
    """{(exercise folder name, kind): executed notebook or the exception it raised}, for every
    notebook test selected in this session, all executed up front, PARALLEL at a time (longest
    first), so both cores stay busy whatever the mix of exercises."""
    wanted = sorted({(item.callspec.params["folder"].name, item.callspec.params["kind"])
                     for item in request.session.items
                     if item.originalname == "test_released_notebook" and item.path == request.path},
                    key=lambda job: (job[1] != "reference", job[0]))
    base = tmp_path_factory.mktemp("notebooks")

    async def one(limit, slug, kind):
        exercise = Exercise.load(ROOT / "assignments" / slug)
        path = _released_copy(exercise, base / kind / slug, solution=kind == "reference")
        async with limit:
            return await _execute(path, checks=None if kind == "reference" else 1)

    async def everything():
        limit = asyncio.Semaphore(PARALLEL)
        return await asyncio.gather(*(one(limit, *job) for job in wanted), return_exceptions=True)

    return dict(zip(wanted, asyncio.run(everything())))


def _check_results(nb) -> list[tuple[str, dict, str]]:
    """(cell source, dlcheck metadata, feedback text) for every output of every check cell."""
    found = []
    for cell in nb.cells:
        if _is_check(cell):
            shown = [o for o in cell.outputs if "dlcheck" in o.get("metadata", {})]
            assert len(shown) == 1, f"{cell.source!r}: expected one feedback output, got {shown}"
            found.append((cell.source, shown[0].metadata["dlcheck"],
                          shown[0].data["text/plain"]))
    return found


def _text(nb) -> str:
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs if o.output_type == "stream")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("folder", EXERCISES, ids=[f.name for f in EXERCISES])
def test_released_notebook(folder, kind, executed):
    """Reference: no cell fails, every check passes. Stub: every cell runs, checks report FAIL."""
    nb = executed[folder.name, kind]
    if isinstance(nb, BaseException):  # a cell failed (allow_errors=False), or the kernel died
        raise nb
    checks, printed = _check_results(nb), _text(nb)
    if kind == "reference":
        assert checks, f"{folder.name}/{SOURCE_NAME} has no check(...) cell"
        for source, meta, text in checks:
            assert meta["passed"] and "FAIL" not in text, f"reference: {source} reported\n{text}"
        assert NOT_IMPLEMENTED not in printed
    else:
        assert len(checks) == 1
        for source, meta, text in checks:
            assert not meta["passed"] and "FAIL" in text, f"stub: {source} reported\n{text}"
        assert f"{NOT_IMPLEMENTED}: " in printed, "the stub notebook called no stub function"


# ------------------------------------------------------------------ the pieces, without a kernel
def test_released_notebooks_are_clean_and_one_per_notebook_source():
    for folder in exercise_folders(ROOT / "assignments"):
        exercise = Exercise.load(folder)
        released = ROOT / "student_template" / folder.name / f"{exercise.name}.ipynb"
        assert released.exists() == (folder / SOURCE_NAME).is_file(), released
        if not released.exists():
            continue
        nb = nbformat.read(released, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code)
        assert f'load("{exercise.name}")' in code[0].source, "the first code cell loads the module"
        assert nb.metadata.kernelspec.name == "python3"


def test_notebook_json_is_the_same_on_every_build(tmp_path):
    from autograder.release.notebook import notebook_json

    source = tmp_path / SOURCE_NAME
    source.write_text("# %% [markdown]\n# # Title\n\n# %%\nx = 1\n\n# %%\nprint(x)\n")
    text = notebook_json(source)
    assert text == notebook_json(source)
    nb = nbformat.reads(text, as_version=4)
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1", "cell-2"]
    assert [c.source for c in nb.cells] == ["# Title", "x = 1", "print(x)"]


def test_load_reads_the_file_again_on_every_call(tmp_path):
    from autograder.notebook import load

    path = tmp_path / "mymod.py"
    path.write_text("VALUE = 1\n")
    first = load("mymod", tmp_path)
    path.write_text("VALUE = 2\n")  # same size, same second: a bytecode cache would miss it
    second = load("mymod", tmp_path)
    assert (first.VALUE, second.VALUE) == (1, 2)
    assert sys.modules["mymod"] is second and second.__file__ == str(path)
    del sys.modules["mymod"]
    with pytest.raises(FileNotFoundError, match="no other.py"):
        load("other", tmp_path)


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A plain IPython shell (no kernel) with the notebook's handler, leaving no history behind."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from autograder.notebook import install_handler

    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    config = Config()
    config.HistoryManager.enabled = False
    sh = InteractiveShell.instance(config=config)
    assert install_handler(sh)
    yield sh
    InteractiveShell.clear_instance()


def test_not_implemented_prints_one_line_and_the_cell_counts_as_run(shell, capsys):
    result = shell.run_cell("def f():\n    raise NotImplementedError('f: your code here')\nf()\n")
    assert result.success
    out = capsys.readouterr().out
    assert f"{NOT_IMPLEMENTED}: f: your code here" in out and "Traceback" not in out


def test_other_errors_still_fail_the_cell(shell, capsys):
    result = shell.run_cell("raise ValueError('a real bug')")
    assert not result.success and isinstance(result.error_in_exec, ValueError)
    assert NOT_IMPLEMENTED not in capsys.readouterr().out


def test_check_shows_exactly_what_dlcheck_prints(tmp_path, monkeypatch, capsys):
    import subprocess

    from autograder.notebook import check

    exercise = Exercise.load(EXERCISES[0])
    folder = tmp_path / exercise.slug
    shutil.copytree(ROOT / "student_template" / exercise.slug, folder)
    task = re.search(r'^check\("(\w+)"\)', (EXERCISES[0] / SOURCE_NAME).read_text(), re.M)[1]
    cli = subprocess.run([sys.executable, "-m", "autograder", "check", "--task", task],
                         cwd=folder, capture_output=True, text=True, timeout=120)
    monkeypatch.chdir(folder)
    outcome = check(task)
    assert not outcome.passed and cli.returncode != 0
    assert outcome.text == cli.stdout.rstrip("\n")
    assert outcome.text in capsys.readouterr().out  # outside IPython: printed
    assert "FAIL" in outcome._repr_html_() and outcome.task == task


def test_a_check_is_shown_once_per_cell_and_again_when_asked(shell, capsys):
    setup = ("from autograder.notebook import CheckOutcome, _display\n"
             "outcome = CheckOutcome('relu', False, 'FAIL  [relu] shown')\n")
    shell.run_cell(setup + "_display(outcome)\noutcome\n", store_history=True)
    assert capsys.readouterr().out.count("FAIL  [relu] shown") == 1  # no echo of the result
    shell.run_cell("outcome\n", store_history=True)
    assert capsys.readouterr().out.count("FAIL  [relu] shown") == 1  # a later cell shows it


def test_check_reports_a_usage_error_as_its_feedback(tmp_path, monkeypatch):
    from autograder.notebook import check

    monkeypatch.chdir(tmp_path)  # no exercise.toml here or above
    outcome = check("affine")
    assert not outcome.passed and "exercise.toml" in outcome.text


@pytest.mark.parametrize("folder", EXERCISES, ids=[f.name for f in EXERCISES])
def test_every_check_cell_names_a_task_with_public_tests(folder):
    """check("x") on a task without public tests reports "Score: 0 / 0": caught here without a
    kernel."""
    public = set()
    for path in (folder / "tests" / "public").rglob("test_*.py"):
        public |= set(re.findall(r'@task\("([^"]+)"\)', path.read_text()))
    checked = re.findall(r'^check\("([^"]+)"\)', (folder / SOURCE_NAME).read_text(), re.M)
    assert checked and set(checked) <= public, sorted(set(checked) - public)
