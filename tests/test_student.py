"""Learner editions: solutions removed, identical on every regeneration, and still runnable."""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import (
    LESSON_NOTEBOOKS,
    NOTEBOOK_IDS,
    check_outcomes,
    exercise_labels,
    learner_run,
)

from mlsd import paths, student
from mlsd.runner import UsageError

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
    with pytest.raises(ValueError, match="must be one complete assignment"):
        student.learner_source("print(secret)  # SOLUTION", where="nb cell 3")


@pytest.mark.parametrize("marker", ["# solution", "# Solution", "#SOLUTION", "#  SoLuTiOn"])
def test_markers_match_in_any_case(marker):
    """`# solution` in any case is a marker: the answer never reaches the learner edition."""
    out = student.learner_source(f"answer = 6 * 7  {marker}")
    assert out == "answer = ...  # your answer here"


@pytest.mark.parametrize(
    "source, line",
    [
        ("answer = (\n    6 * 7\n)  # SOLUTION", 3),  # the closing line of a long statement
        ("answer = (  # SOLUTION\n    6 * 7\n)", 1),  # the first line of a long statement
        ("total = f(\n    x = 3  # SOLUTION\n)", 2),  # an assignment-looking keyword argument
        ("answer = 42  # SOLUTION: the meaning", 1),  # the marker does not end the line
    ],
)
def test_a_marker_on_part_of_a_statement_is_refused_with_its_line(source, line):
    """A marker that is not on one whole assignment is refused, naming the cell and line."""
    with pytest.raises(ValueError, match=rf"nb cell 4, line {line}:"):
        student.learner_source(source, where="nb cell 4")


def test_a_solution_block_becomes_one_placeholder_line_at_its_indentation():
    """`# BEGIN SOLUTION` ... `# END SOLUTION` inside a function leaves `...` as its body."""
    source = (
        "def churn_rate(days, censored):\n"
        "    # BEGIN SOLUTION\n"
        "    known = ~censored\n"
        "    return (days[known] <= 60).mean()\n"
        "    # END SOLUTION\n"
        "q4.check(churn_rate)"
    )
    out = student.learner_source(source)
    assert out == (
        "def churn_rate(days, censored):\n    ...  # your answer here\nq4.check(churn_rate)"
    )
    compile(out, "learner", "exec")  # the learner edition is valid Python


@pytest.mark.parametrize("source", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION"])
def test_an_unbalanced_solution_block_is_refused(source):
    """A BEGIN without END (or the reverse) is refused rather than guessed."""
    with pytest.raises(ValueError, match="SOLUTION"):
        student.learner_source(source)


@pytest.mark.parametrize("tag", ["solution", "Solution", "SOLUTION"])
def test_solution_tags_match_in_any_case(tag):
    """A cell tagged `Solution` is dropped like one tagged `solution`."""
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("secret = 42", metadata={"tags": [tag]})]
    )
    assert student.learner_notebook(nb).cells == []


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
    """The learner edition (other seed) executes without error; each check: "not attempted"."""
    source = nbformat.read(path, as_version=4)
    executed = learner_run(notebook_runs, path).ok()
    outcomes = check_outcomes(executed)
    asked = set(exercise_labels(source).values())
    assert {o["qid"] for o in outcomes} == asked  # every question's check ran
    not_attempted = [o for o in outcomes if o["outcome"] != "not attempted"]
    assert not_attempted == []


def make_sources(root, answer: str = "a = 1  # SOLUTION"):
    """A notebooks folder with one exercise notebook and one plain notebook."""
    for name, source in (("01-x.ipynb", answer), ("02-y.ipynb", "print('y')")):
        folder = root / "notebooks" / "ch90-x"
        folder.mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nbformat.write(nb, folder / name)
    return root / "notebooks"


def test_a_learners_changed_copy_survives_regeneration(tmp_path):
    """An edited learner copy is kept; the new edition goes beside it with a one-line message."""
    sources = make_sources(tmp_path)
    out = tmp_path / "learn"
    student.write_learner_editions(out, source_root=sources)
    mine = out / "ch90-x" / "01-x.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells[0].source = "a = 42  # my answer"
    nbformat.write(nb, mine)
    edited = mine.read_bytes()
    untouched = (out / "ch90-x" / "02-y.ipynb").read_bytes()

    messages: list[str] = []
    assert student.write_learner_editions(out, source_root=sources, notify=messages.append) == []
    assert mine.read_bytes() == edited and messages == []  # nothing new to offer

    make_sources(tmp_path, answer="b = 2  # SOLUTION")  # the source changes
    nbformat.write(
        nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('z')")]),
        sources / "ch90-x" / "02-y.ipynb",
    )
    written = student.write_learner_editions(out, source_root=sources, notify=messages.append)
    assert mine.read_bytes() == edited
    beside = out / "ch90-x" / "01-x.new.ipynb"
    assert "b = ..." in beside.read_text()
    assert messages == [f"kept your changed {mine}; the new version is 01-x.new.ipynb"]
    refreshed = out / "ch90-x" / "02-y.ipynb"  # unchanged by its learner: brought up to date
    assert refreshed.read_bytes() != untouched and "print('z')" in refreshed.read_text()
    assert sorted(p.name for p in written) == ["01-x.new.ipynb", "02-y.ipynb"]


def test_an_unreadable_source_is_skipped_and_named(tmp_path):
    """An empty notebook among the sources is reported by name; the others are written."""
    sources = make_sources(tmp_path)
    (sources / "ch90-x" / "Untitled.ipynb").write_text("")
    messages: list[str] = []
    written = student.write_learner_editions(
        tmp_path / "learn", source_root=sources, notify=messages.append
    )
    assert [p.name for p in written] == ["01-x.ipynb", "02-y.ipynb"]
    assert (
        len(messages) == 1
        and "Untitled.ipynb: not a readable notebook (empty file)" in (messages[0])
    )


def test_a_folder_mlsd_did_not_make_is_refused(tmp_path):
    """A non-empty folder without the marker is refused and left exactly as it was."""
    sources = make_sources(tmp_path)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty and was not made by mlsd"):
        student.write_learner_editions(out, source_root=sources)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
