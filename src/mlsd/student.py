"""``mlsd student``: learner editions of the notebooks, with the solutions taken out.

Solutions are marked in the source notebooks in two ways:

- a code line ending in ``# SOLUTION`` of the form ``name = expression  # SOLUTION``
  becomes ``name = ...  # your answer here`` (``...`` is the placeholder that
  ``Question.check`` reports as "not attempted");
- a whole cell tagged ``solution`` is dropped.

Outputs and execution counts are cleared. The same sources give byte-identical copies.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
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


def write_learner_editions(
    out_dir: Path | None = None, *, source_root: Path | None = None
) -> list[Path]:
    """Write a learner copy of every notebook under ``source_root`` into ``out_dir``.

    The copies are written to a temporary folder first and moved into place only when all
    of them were made, so a failure leaves an earlier edition untouched.

    Returns:
        The written notebook paths.
    """
    source_root = (source_root or paths.NOTEBOOKS).resolve()
    out_dir = (out_dir or paths.RUNS / "learner").resolve()
    if out_dir == source_root or source_root in out_dir.parents:
        raise ValueError(f"`--out` {out_dir} is inside the source notebooks {source_root}")
    sources = sorted(p for p in source_root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".learner-", dir=out_dir.parent))
    try:
        for src in sources:
            rel = src.relative_to(source_root)
            nb = nbformat.read(src, as_version=4)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(learner_notebook(nb, where=f"notebooks/{rel.as_posix()}"), target)
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=".learner-old-", dir=out_dir.parent))
            os.replace(out_dir, old / "x")
            os.replace(staging, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return [out_dir / p.relative_to(source_root) for p in sources]
