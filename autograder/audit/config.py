"""What the audit needs to know about an exercise, from ``assignments/<NN-name>/audit.toml``.

```toml
[functions]            # graded function -> its task, where the names differ
relative_error = "relerr"
[equivalent]           # surviving mutants judged equivalent: mutant key -> one-line reason
"relu_forward: out = np.maximum(x, 0) => ..." = "why no input can tell them apart"
"*: * = _as_array(*) => pass" = "a key with * (any text) records every mutant it matches"
```
A recorded survivor behaves like the reference on every input the contract (COURSE_SPEC and
the handout) grades: the same values, or a difference only where the spec leaves the choice
free (a figure's cosmetics, which RNG stream seeds a model). Behaviour the handout promises is
never recorded: a survivor that changes it is a missing test.
Integration tests (which may depend on any graded function) are the tests marked
``integration = true`` in ``exercise.toml``. A graded function whose task is not listed is graded by the task of the same name (case
ignored), a method by its class's task; a private helper belongs to the tasks of the functions
that call it.
"""
from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..exercise import Exercise

CONFIG = "audit.toml"
TABLES = {"functions", "equivalent"}


@dataclass
class AuditConfig:
    functions: dict[str, str] = field(default_factory=dict)
    integration: set[str] = field(default_factory=set)
    equivalent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, exercise: Exercise) -> "AuditConfig":
        path = exercise.folder / CONFIG
        data = tomllib.loads(path.read_text()) if path.exists() else {}
        if set(data) - TABLES:
            raise ValueError(f"{path}: unknown table(s) {sorted(set(data) - TABLES)}; "
                             f"the tables are {sorted(TABLES)}")
        return cls(functions=dict(data.get("functions", {})),
                   integration={name for name, t in exercise.tests.items() if t.integration},
                   equivalent=dict(data.get("equivalent", {})))


@dataclass(frozen=True)
class TestInfo:
    __test__ = False  # not a pytest class
    test_id: str
    task: str | None
    title: str
    suite: str = "hidden"
    file: str = ""


def read_tests(exercise: Exercise) -> list[TestInfo]:
    """Every test function of the exercise, in file order: its name, task (lower case; task
    names match in any case), title (first docstring line, as results.json shows it), suite
    and file. The one parser of test files: the audit and the project's tests use it."""
    found = []
    for path in sorted((exercise.folder / "tests").rglob("test_*.py")):
        suite = "hidden" if "hidden" in path.parts else "public"
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                title = (ast.get_docstring(node) or node.name).strip().splitlines()[0]
                task = next((d.args[0].value for d in node.decorator_list
                             if isinstance(d, ast.Call) and getattr(d.func, "id", None) == "task"
                             and d.args and isinstance(d.args[0], ast.Constant)), None)
                found.append(TestInfo(node.name, task.lower() if task else None, title, suite,
                                      path.name))
    return found


def test_index(exercise: Exercise) -> dict[str, TestInfo]:
    """results.json test name ("[task] title") -> the test."""
    return {f"[{i.task or i.suite}] {i.title}": i for i in read_tests(exercise)}


def _references(source: str) -> dict[str, set[str]]:
    """Qualified definition name -> names it mentions (functions, ``self.method``)."""
    tree = ast.parse(source)
    refs: dict[str, set[str]] = {}

    def visit(node, prefix):
        for item in node.body:
            if isinstance(item, ast.ClassDef):
                visit(item, f"{prefix}{item.name}.")
            elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = {n.id for n in ast.walk(item) if isinstance(n, ast.Name)}
                names |= {f"{prefix}{n.attr}" for n in ast.walk(item)
                          if isinstance(n, ast.Attribute) and prefix}
                refs[f"{prefix}{item.name}"] = names
    visit(tree, "")
    return refs


def function_tasks(source: str, graded: list[str], tasks: set[str],
                   config: AuditConfig) -> dict[str, set[str]]:
    """Every definition of the solution -> the tasks whose tests grade it."""
    by_lower = {t.lower(): t for t in tasks}
    result: dict[str, set[str]] = {}
    refs = _references(source)
    for name in refs:
        owner = name.split(".")[0]
        explicit = (config.functions.get(name) or config.functions.get(owner) or "").lower()
        guess = by_lower.get(name.lower()) or by_lower.get(owner.lower())
        if explicit or (guess and (name in graded or "." in name)):
            result[name] = {explicit or guess}
    changed = True
    while changed:  # helpers inherit the tasks of their callers
        changed = False
        for name, mentioned in refs.items():
            for helper in mentioned & set(refs):
                if helper != name and helper not in graded and result.get(name):
                    before = len(result.setdefault(helper, set()))
                    result[helper] |= result[name]
                    changed |= len(result[helper]) > before
    return result
