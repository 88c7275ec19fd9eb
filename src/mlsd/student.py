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
import re
from collections.abc import Callable
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
