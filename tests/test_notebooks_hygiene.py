"""House rules every lesson notebook under notebooks/ must follow (fast: no kernels)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from mlsd import paths

NOTEBOOKS = sorted(
    p for p in paths.NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)
IDS = [p.relative_to(paths.NOTEBOOKS).as_posix() for p in NOTEBOOKS]
PARAM_LINE = re.compile(
    r"^(?P<name>[a-z_][a-z0-9_]*): (?P<type>int|float|str|bool) = (?P<value>.+?)  # (?P<help>\S.*)$"
)


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks():
    """The kit has lesson notebooks, starting with the set-up check."""
    assert paths.NOTEBOOKS / "ch00-start-here" / "00-setup-check.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_path_follows_chapter_and_number_pattern(path):
    """Notebooks live at notebooks/chNN-slug/NN-slug.ipynb."""
    rel = path.relative_to(paths.NOTEBOOKS).as_posix()
    assert re.fullmatch(r"ch\d\d-[a-z0-9]+(-[a-z0-9]+)*/\d\d-[a-z0-9]+(-[a-z0-9]+)*\.ipynb", rel), (
        rel
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs_or_execution_counts(path):
    """Sources are stripped: no outputs, no execution counts (nbstripout)."""
    for index, cell in enumerate(load(path).cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs"
            assert cell.execution_count is None, f"cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_kernelspec_is_python3(path):
    """Every notebook runs on the `python3` kernel of the current environment."""
    assert load(path).metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_one_parameters_cell_with_typed_literals_help_and_seed(path):
    """Exactly one `parameters` cell; each line is `name: type = literal  # help`; it has `seed`."""
    cells = [c for c in load(path).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"{len(cells)} cells tagged parameters"
    assert cells[0].cell_type == "code"
    names = []
    for line in cells[0].source.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PARAM_LINE.match(line)
        assert match, f"not `name: type = value  # help`: {line!r}"
        value = ast.literal_eval(match["value"])
        expected = {"int": int, "float": float, "str": str, "bool": bool}[match["type"]]
        assert type(value) is expected, f"{match['name']}: {value!r} is not {match['type']}"
        names.append(match["name"])
    assert "seed" in names
    # papermill must read the same names (it skips lines it cannot parse, e.g. "=" in help).
    import papermill as pm

    assert list(pm.inspect_notebook(str(path))) == names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_lesson_shape_title_summary_and_no_star_imports(path):
    """A title first, a `## Summary`, no star imports, no MPLBACKEND tricks."""
    nb = load(path)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.search(r"^## (\d+\. )?Summary", markdown, re.M)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "import *" not in code
    assert "MPLBACKEND" not in code
    assert "%matplotlib inline" in code


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_notebook_is_linked_from_the_session_plan(path):
    """chapters/README.md links every notebook, so facilitators can find it."""
    rel = path.relative_to(paths.ROOT).as_posix()
    assert f"../{rel}" in (paths.CHAPTERS / "README.md").read_text(), rel
