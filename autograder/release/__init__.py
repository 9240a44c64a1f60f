"""``dlcourse release``: build ``student_template/`` from ``solutions/`` + ``assignments/``.

For every exercise: the stub (solution regions replaced by ``raise NotImplementedError``), the
handout, the public tests, the input strategies and probes, an ``exercise.toml`` listing only
the public tests, and the notebook ``<name>.ipynb`` when the exercise has a ``notebook.pct.py``.
Plus the course data helpers. Hidden tests and solutions never go in.
"""
from __future__ import annotations

import filecmp
import re
import shutil
import tempfile
from pathlib import Path

from ..catalog import hidden_checks, hidden_summary_toml
from ..exercise import CONFIG_NAME, Exercise, exercise_folders
from .notebook import build_notebook

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?P<remove> \(remove\))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
DEF = re.compile(r"^(?P<indent>\s*)(?:async\s+)?def\s+(?P<name>\w+)")
CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")
#: text that must never appear in a release
FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "reference()", "tests/hidden")
SHIPPED_FILES = ("README.md", "probes.py", "strategies.py")
SHIPPED_DIRS = ("figures",)


class MarkerError(ValueError):
    pass


def _enclosing_name(lines: list[str], index: int, indent: int) -> str:
    """``Class.method`` or ``function`` that encloses line ``index``."""
    names, level = [], indent
    for line in reversed(lines[:index]):
        m = DEF.match(line) or CLASS.match(line)
        if m and len(m.group("indent")) < level:
            names.append(m.group("name"))
            level = len(m.group("indent"))
            if level == 0:
                break
    return ".".join(reversed(names)) or "this part"


def strip_solutions(source: str, filename: str = "<solution>") -> str:
    """Replace each solution region by ``raise NotImplementedError(...)`` (or nothing)."""
    lines = source.splitlines()
    out, i = [], 0
    while i < len(lines):
        m = BEGIN.match(lines[i])
        if END.match(lines[i]):
            raise MarkerError(f"{filename}:{i + 1}: END SOLUTION without BEGIN")
        if not m:
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not END.match(lines[j]):
            if BEGIN.match(lines[j]):
                raise MarkerError(f"{filename}:{j + 1}: nested BEGIN SOLUTION")
            j += 1
        if j == len(lines):
            raise MarkerError(f"{filename}:{i + 1}: BEGIN SOLUTION without END")
        if not m.group("remove"):
            indent = m.group("indent")
            name = _enclosing_name(lines, i, len(indent))
            out.append(f'{indent}raise NotImplementedError("{name}: your code here")')
        i = j + 1
    text = "\n".join(out) + "\n"
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _public_config(folder: Path) -> str:
    """exercise.toml without the hidden tests' entries."""
    text = (folder / CONFIG_NAME).read_text()
    public = {p.stem: p for p in (folder / "tests" / "public").glob("test_*.py")}
    public_tests = set()
    for path in public.values():
        public_tests |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    kept, skip = [], False
    for line in text.splitlines():
        m = re.match(r"^\[tests\.(\w+)\]", line)
        if m:
            skip = m.group(1) not in public_tests
        elif line.startswith("["):
            skip = False
        if not skip:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n"


def build_exercise(folder: Path, solutions: Path, dest: Path) -> None:
    exercise = Exercise.load(folder)
    dest.mkdir(parents=True)
    for name in SHIPPED_FILES:
        if (folder / name).exists():
            shutil.copy(folder / name, dest / name)
    for name in SHIPPED_DIRS:
        if (folder / name).is_dir():
            shutil.copytree(folder / name, dest / name)
    (dest / CONFIG_NAME).write_text(
        _public_config(folder) + "\n" + hidden_summary_toml(hidden_checks(exercise)))
    public = folder / "tests" / "public"
    if public.is_dir():
        (dest / "tests" / "public").mkdir(parents=True)
        for test in sorted(public.glob("*.py")):
            shutil.copy(test, dest / "tests" / "public" / test.name)
    solution = solutions / f"{exercise.name}.py"
    (dest / solution.name).write_text(strip_solutions(solution.read_text(), str(solution)))
    build_notebook(folder, exercise.name, dest)


STUDENT_README = """# Student template

One folder per exercise. In each: the handout (`README.md`), the file you complete (for example
`01-backprop/backprop.py`), its public tests and the helpers they use.

Check your work (public tests, run in the same sandbox as the grader):

    dlcheck 01-backprop/backprop.py              # all public tests
    dlcheck 01-backprop/backprop.py --task affine  # one task (function) at a time

`dlcheck` comes with the course tools (`pip install` the course package your staff give you).
Submit the single `.py` file. The grader runs more (hidden) tests than these: passing the
public tests is necessary, not sufficient.

The course data generators are in `coursedata/` (`from coursedata import datasets`).

This folder is generated by `dlcourse release`; do not edit it in the course repository.
"""


def build(root: Path, dest: Path) -> None:
    """Write the whole release into ``dest`` (which must not exist)."""
    dest.mkdir(parents=True)
    (dest / "README.md").write_text(STUDENT_README)
    shutil.copytree(root / "coursedata", dest / "coursedata",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for folder in exercise_folders(root / "assignments"):
        build_exercise(folder, root / "solutions", dest / folder.name)
    leaks = find_leaks(dest)
    if leaks:
        raise MarkerError(f"the release would leak solution text: {leaks}")


def find_leaks(tree: Path) -> list[str]:
    found = []
    for path in sorted(tree.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".md", ".toml", ".txt", ".ipynb"):
            text = path.read_text(errors="replace")
            found += [f"{path.relative_to(tree)}: {bad}" for bad in FORBIDDEN if bad in text]
        if "hidden" in path.relative_to(tree).parts:
            found.append(f"{path.relative_to(tree)}: hidden tests")
    return found


def release(root: Path, dest: Path) -> None:
    """Regenerate ``dest`` from scratch (atomically replaced)."""
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        build(root, Path(tmp) / "new")
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(Path(tmp) / "new"), dest)


def differences(root: Path, dest: Path) -> list[str]:
    """Files that differ between a fresh build and ``dest`` (empty when in sync)."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh"
        build(root, fresh)
        return _diff_trees(fresh, dest)


def _diff_trees(a: Path, b: Path) -> list[str]:
    def files(t):
        return {p.relative_to(t) for p in t.rglob("*") if p.is_file()
                and "__pycache__" not in p.parts} if t.exists() else set()
    fa, fb = files(a), files(b)
    diffs = [f"only in fresh build: {p}" for p in sorted(fa - fb)]
    diffs += [f"not in fresh build: {p}" for p in sorted(fb - fa)]
    diffs += [f"differs: {p}" for p in sorted(fa & fb)
              if not filecmp.cmp(a / p, b / p, shallow=False)]
    return diffs
