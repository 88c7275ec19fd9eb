"""``mlsd student``: learner editions of the notebooks, with the solutions taken out.

Solutions are marked in the source notebooks in three ways (markers and tags in any case):

- a code line ending in ``# SOLUTION`` that is one complete assignment,
  ``name = expression  # SOLUTION``, becomes ``name = ...  # your answer here`` (``...`` is
  the placeholder that ``Question.check`` reports as "not attempted");
- the lines between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` (for a function's body)
  become one line ``...  # your answer here`` at the indentation of the first of them;
- a whole cell tagged ``solution`` is dropped.

A marker anywhere else (on the first line of a statement that spans several lines, inside a
call, on a line that is not an assignment) is refused with the notebook, cell and line, so a
learner edition never leaks a solution or comes out as a SyntaxError. Outputs and execution
counts are cleared. The same sources give byte-identical copies.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from mlsd import paths

SOLUTION_TAG = "solution"
_MARKED = re.compile(r"#\s*SOLUTION\s*$", re.IGNORECASE)
_BEGIN = re.compile(r"^\s*#\s*BEGIN\s+SOLUTION\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*#\s*END\s+SOLUTION\s*$", re.IGNORECASE)
_ANY_MARKER = re.compile(r"#.*\bSOLUTION\b", re.IGNORECASE)
_ASSIGNMENT = re.compile(
    r"^(?P<indent>\s*)(?P<target>[A-Za-z_][\w.]*(?:\[[^\]]*\])?)\s*(?::[^=]+)?=(?!=)"
)
PLACEHOLDER_COMMENT = "# your answer here"


class SolutionMarkerError(ValueError):
    """A solution marker the learner edition cannot replace safely."""


def _single_line_statements(source: str) -> set[int] | None:
    """Line numbers holding a whole assignment statement on one line; None if unparsable."""
    code = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    return {
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
        and node.lineno == node.end_lineno
    }


def learner_source(source: str, *, where: str = "cell") -> str:
    r"""Replace the solutions marked in ``source`` with placeholders.

    Raises:
        SolutionMarkerError: (a ``ValueError``) a marker that cannot be replaced safely,
            naming ``where`` and the line.

    Example:
        >>> print(learner_source("x = 2 * y  # SOLUTION\nq1.check(x)"))
        x = ...  # your answer here
        q1.check(x)
    """
    lines = source.splitlines()
    whole = _single_line_statements(source)
    out: list[str] = []
    block_start: int | None = None
    for number, line in enumerate(lines, start=1):
        if block_start is not None:
            if _END.match(line):
                block_start = None
            elif _BEGIN.match(line):
                raise SolutionMarkerError(
                    f"{where}, line {number}: `# BEGIN SOLUTION` inside a block"
                )
            continue
        if _BEGIN.match(line):
            following = [ln for ln in lines[number:] if ln.strip() and not _END.match(ln)]
            indent = re.match(r"\s*", following[0] if following else line).group()
            out.append(f"{indent}...  {PLACEHOLDER_COMMENT}")
            block_start = number
            continue
        if _END.match(line):
            raise SolutionMarkerError(f"{where}, line {number}: `# END SOLUTION` without a BEGIN")
        if _MARKED.search(line):
            match = _ASSIGNMENT.match(line)
            if not match or (whole is not None and number not in whole):
                raise SolutionMarkerError(
                    f"{where}, line {number}: a `# SOLUTION` line must be one complete "
                    f"assignment `name = expression  # SOLUTION`, got {line.strip()[:80]!r}; "
                    "mark a longer solution with `# BEGIN SOLUTION` / `# END SOLUTION`"
                )
            line = f"{match['indent']}{match['target']} = ...  {PLACEHOLDER_COMMENT}"
        elif _ANY_MARKER.search(line) and re.search(r"#\s*solution\b", line, re.IGNORECASE):
            raise SolutionMarkerError(
                f"{where}, line {number}: a solution marker must end the line "
                f"(`# SOLUTION`), got {line.strip()[:80]!r}"
            )
        out.append(line)
    if block_start is not None:
        raise SolutionMarkerError(f"{where}, line {block_start}: `# BEGIN SOLUTION` is never ended")
    return "\n".join(out)


def _is_solution_cell(cell: nbformat.NotebookNode) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return any(str(tag).lower() == SOLUTION_TAG for tag in tags)


def learner_notebook(
    nb: nbformat.NotebookNode, *, where: str = "notebook"
) -> nbformat.NotebookNode:
    """Return a learner copy of ``nb``: solution cells dropped, marked lines replaced."""
    copy = nbformat.from_dict(nb)
    cells = []
    for index, cell in enumerate(copy.cells):
        if _is_solution_cell(cell):
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
