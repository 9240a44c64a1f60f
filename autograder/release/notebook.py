"""An exercise's notebook: ``assignments/<NN-name>/notebook.pct.py`` (jupytext "percent" format, so it
diffs well) becomes ``<name>.ipynb`` in the release, with no outputs and the same bytes on every
build (cell ids numbered, no jupytext metadata)."""
from __future__ import annotations

from pathlib import Path

SOURCE_NAME = "notebook.pct.py"  # not notebook.py: the exercise folder is on sys.path while
# grading, and a notebook.py there shadows the Jupyter package `notebook` (jupytext imports it)
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebook_json(source: Path) -> str:
    """The .ipynb text of the percent-format ``source``: empty outputs, ids ``cell-<i>``."""
    try:
        import jupytext
        import nbformat
    except ImportError as exc:
        raise ImportError(f"building {source} needs jupytext: pip install 'dlcourse[notebooks]' "
                          "(or the pins in requirements-dev.txt)") from exc

    nb = jupytext.read(source, fmt="py:percent")
    nb.metadata = nbformat.from_dict({"kernelspec": KERNELSPEC,
                                      "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"
        cell.metadata = nbformat.from_dict({})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def build_notebook(folder: Path, module_name: str, dest: Path) -> Path | None:
    """Write ``dest/<module_name>.ipynb`` from ``folder/notebook.pct.py`` when there is one."""
    source = folder / SOURCE_NAME
    if not source.is_file():
        return None
    target = dest / f"{module_name}.ipynb"
    target.write_text(notebook_json(source), encoding="utf-8")
    return target
