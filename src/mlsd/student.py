"""``mlsd student``: learner editions of the notebooks, with the solutions taken out.

Solutions are marked in the source notebooks in two ways:

- a code line ending in ``# SOLUTION`` of the form ``name = expression  # SOLUTION``
  becomes ``name = ...  # your answer here`` (``...`` is the placeholder that
  ``Question.check`` reports as "not attempted");
- a whole cell tagged ``solution`` is dropped.

Outputs and execution counts are cleared. The same sources give byte-identical copies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat

from mlsd import paths

SOLUTION_TAG = "solution"
_MARKED = re.compile(r"#\s*SOLUTION\s*$")
_ASSIGNMENT = re.compile(
    r"^(?P<indent>\s*)(?P<target>[A-Za-z_][\w.]*(?:\[[^\]]*\])?)\s*(?::[^=]+)?=(?!=)"
)
PLACEHOLDER_COMMENT = "# your answer here"


def learner_source(source: str, *, where: str = "cell") -> str:
    """Replace each ``# SOLUTION`` line of ``source`` with a placeholder assignment.

    Raises:
        ValueError: a marked line is not a simple assignment (so it cannot be replaced
            by a placeholder safely).
    """
    out = []
    for number, line in enumerate(source.splitlines(), start=1):
        if _MARKED.search(line):
            match = _ASSIGNMENT.match(line)
            if not match:
                raise ValueError(
                    f"{where}, line {number}: a `# SOLUTION` line must be `name = expression  "
                    f"# SOLUTION`, got {line.strip()!r}"
                )
            line = f"{match['indent']}{match['target']} = ...  {PLACEHOLDER_COMMENT}"
        out.append(line)
    return "\n".join(out)


def learner_notebook(
    nb: nbformat.NotebookNode, *, where: str = "notebook"
) -> nbformat.NotebookNode:
    """Return a learner copy of ``nb``: solution cells dropped, marked lines replaced."""
    copy = nbformat.from_dict(nb)
    cells = []
    for index, cell in enumerate(copy.cells):
        if SOLUTION_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.source = learner_source(cell.source, where=f"{where} cell {index}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    copy.cells = cells
    copy.metadata.setdefault("mlsd", {})["edition"] = "learner"
    return copy


#: The learner workspace: learner editions that JupyterLab opens (`make learn`), git-ignored.
LEARN_DIR_NAME = "learn"


def learner_workspace() -> Path:
    """The default folder of ``mlsd student`` and ``make learn``: ``learn/`` at the kit root."""
    return paths.ROOT / LEARN_DIR_NAME


def write_learner_editions(
    out_dir: Path | None = None,
    *,
    source_root: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write a learner copy of every notebook under ``source_root`` into ``out_dir``.

    Every edition is made in memory first, so a bad source stops the command before any
    file is written. Then each file is written atomically, and never over a copy its
    learner changed: such a copy is kept and the new edition goes beside it as
    ``NAME.new.ipynb`` (see :func:`mlsd.outputs.sync_copies`). A notebook that cannot be
    read (an empty ``Untitled.ipynb``) is skipped with a message naming it.

    Raises:
        UsageError: ``out_dir`` is a folder ``mlsd`` did not make, the kit itself, or lies
            inside the source notebooks.

    Returns:
        The notebook paths written in this call.
    """
    from mlsd import outputs, runner

    notify = notify or outputs._notify_stderr
    source_root = (source_root or paths.NOTEBOOKS).resolve()
    out_dir = outputs.check_output_folder(
        out_dir or learner_workspace(), kind="learner", sources=source_root
    )
    editions: dict[str, bytes] = {}
    for src in runner.notebook_files(source_root):
        rel = src.relative_to(source_root)
        try:
            nb = runner.read_notebook(src)
        except runner.UnreadableNotebook as exc:
            notify(f"skipped {exc}")
            continue
        text = nbformat.writes(learner_notebook(nb, where=f"notebooks/{rel.as_posix()}"))
        editions[rel.as_posix()] = (text if text.endswith("\n") else text + "\n").encode()
    return outputs.sync_copies(out_dir, editions, kind="learner", notify=notify)
