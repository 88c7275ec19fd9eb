"""Learner editions: solutions removed, identical on every regeneration, and still runnable."""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import LESSON_NOTEBOOKS, NOTEBOOK_IDS, check_outcomes, exercise_labels

from mlsd import paths, student

SOURCES = sorted(p for p in paths.NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def marked_lines(nb) -> list[str]:
    return [
        line.strip()
        for c in nb.cells
        if c.cell_type == "code"
        for line in c.source.splitlines()
        if re.search(r"#\s*SOLUTION\s*$", line)
    ]


def solution_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if "solution" in c.metadata.get("tags", [])]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = a / b  # SOLUTION", "x = ...  # your answer here"),
        ("    share: float = (d > t).mean()  #SOLUTION", "    share = ...  # your answer here"),
        (
            "print(1)\nans = 2 * 3  # SOLUTION\nq.check(ans)",
            "print(1)\nans = ...  # your answer here\nq.check(ans)",
        ),
        ("y == 3  # not a marker", "y == 3  # not a marker"),
    ],
)
def test_marked_lines_become_placeholders(source, expected):
    """A `# SOLUTION` assignment keeps its name and loses its expression."""
    assert student.learner_source(source) == expected


def test_a_marked_line_that_is_not_an_assignment_is_refused():
    """A marker on a line that is not `name = ...` fails loudly instead of leaking the answer."""
    with pytest.raises(ValueError, match="must be `name = expression"):
        student.learner_source("print(secret)  # SOLUTION", where="nb cell 3")


def test_solution_cells_are_dropped_and_outputs_cleared():
    """Cells tagged `solution` disappear; outputs and counts are cleared."""
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# T"),
            nbformat.v4.new_code_cell("secret_model = fit()", metadata={"tags": ["solution"]}),
            nbformat.v4.new_code_cell(
                "x = 1", execution_count=3, outputs=[nbformat.v4.new_output("stream", text="1")]
            ),
        ]
    )
    learner = student.learner_notebook(nb)
    assert [c.source for c in learner.cells] == ["# T", "x = 1"]
    assert learner.cells[1].outputs == [] and learner.cells[1].execution_count is None


def test_kit_notebooks_mark_their_solutions():
    """Every notebook with an exercise marks at least one solution line."""
    for path in SOURCES:
        nb = nbformat.read(path, as_version=4)
        if "mlsd.exercises.get(" in "".join(c.source for c in nb.cells):
            assert marked_lines(nb) or solution_cells(nb), path


def test_learner_editions_hold_no_solution_and_regenerate_identically(tmp_path):
    """No marked line or solution cell survives, and two generations are byte-identical."""
    first = student.write_learner_editions(tmp_path / "a")
    second = student.write_learner_editions(tmp_path / "b")
    assert len(first) == len(SOURCES) > 0
    for a, b, src in zip(first, second, SOURCES, strict=True):
        assert a.read_bytes() == b.read_bytes()
        source_nb = nbformat.read(src, as_version=4)
        text = a.read_text()
        learner_nb = nbformat.read(a, as_version=4)
        learner_code = "\n".join(c.source for c in learner_nb.cells)
        for line in marked_lines(source_nb):
            assert line not in learner_code, (src, line)
        for cell in solution_cells(source_nb):
            assert cell not in learner_code, src
        assert "# SOLUTION" not in text


def test_rewriting_keeps_earlier_edition_when_a_source_is_bad(tmp_path):
    """A failed regeneration leaves the earlier learner edition in place."""
    good_root = tmp_path / "notebooks" / "ch90-x"
    good_root.mkdir(parents=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1  # SOLUTION")])
    nbformat.write(nb, good_root / "01-x.ipynb")
    out = tmp_path / "learner"
    student.write_learner_editions(out, source_root=tmp_path / "notebooks")
    before = (out / "ch90-x" / "01-x.ipynb").read_bytes()
    nb.cells[0].source = "print(a)  # SOLUTION"
    nbformat.write(nb, good_root / "01-x.ipynb")
    with pytest.raises(ValueError):
        student.write_learner_editions(out, source_root=tmp_path / "notebooks")
    assert (out / "ch90-x" / "01-x.ipynb").read_bytes() == before


@pytest.mark.notebook
@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_learner_edition_runs_top_to_bottom_with_checks_not_attempted(notebook_runs, path):
    """The learner edition executes without error and every check says "not attempted"."""
    source = nbformat.read(path, as_version=4)
    learner = student.learner_notebook(source)
    executed = notebook_runs.run(learner, label=f"learner {path.name}").ok()
    outcomes = check_outcomes(executed)
    asked = set(exercise_labels(source).values())
    assert {o["qid"] for o in outcomes} == asked  # every question's check ran
    not_attempted = [o for o in outcomes if o["outcome"] != "not attempted"]
    assert not_attempted == []
