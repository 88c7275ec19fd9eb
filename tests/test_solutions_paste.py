"""Every solution runs where the learner types it, for every question the registry has.

For each lesson notebook the learner edition (`mlsd.student.learner_notebook`) gets each
question's solution code (the one ```python block of `solution_text`) pasted in place of its
placeholder, as a learner would paste it. Then:

- the pasted learner edition's code is the instructor edition's code with the solution
  markers removed (so the instructor notebook's default execution *is* the paste run at the
  default parameters);
- that default execution shows "Correct" for every check;
- in `make test-ranges` (marker `ranges`), the pasted learner edition executed with another
  seed (seed 7, or the notebook test module's ``OTHER_SEED`` values) shows "Correct" for
  every check. `make test` executes the unpasted learner edition with those values
  (`conftest.learner_run`): every Check cell holds there, and only the exercise checks,
  "not attempted", are left to this tier.

A question that no notebook asks fails too: the test follows the registry, not the notebooks.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

import nbformat
import pytest
from conftest import (
    LESSON_NOTEBOOKS,
    NOTEBOOK_IDS,
    check_outcomes,
    exercise_labels,
    other_seed_parameters,
    strip_solution_markers,
)

from mlsd import exercises, paths, student

_CODE_BLOCK = re.compile(r"```python[ \t]*\n(.*?)```", re.S)
_PLACEHOLDER = re.compile(
    r"^\s*(?:[A-Za-z_][\w.]*(?:\[[^\]]*\])?\s*=\s*)?\.\.\.\s*"
    + re.escape(student.PLACEHOLDER_COMMENT)
    + r"\s*$"
)

QUESTIONS = exercises.all_questions()


def _notebook_of_each_question() -> dict[str, Path]:
    where: dict[str, Path] = {}
    for path in LESSON_NOTEBOOKS:
        for qid in exercise_labels(nbformat.read(path, as_version=4)).values():
            where.setdefault(qid, path)
    return where


NOTEBOOK_OF = _notebook_of_each_question()


def _question_id(qid: str) -> str:
    path = NOTEBOOK_OF.get(qid)
    return f"{path.relative_to(paths.NOTEBOOKS).as_posix()}:{qid}" if path else f"unused:{qid}"


QIDS = sorted(QUESTIONS)
Q_IDS = [_question_id(qid) for qid in QIDS]


def solution_code(qid: str) -> str:
    """The one ```python block of the question's solution text (fails the test otherwise)."""
    blocks = _CODE_BLOCK.findall(QUESTIONS[qid].solution_text)
    if len(blocks) != 1:
        pytest.fail(f"{qid}: solution_text has {len(blocks)} ```python blocks, expected one")
    return blocks[0].rstrip("\n")


def instructor_code(nb) -> list[str]:
    """Code cells a learner edition keeps, with the solution markers taken out."""
    return [
        strip_solution_markers(cell.source)
        for cell in nb.cells
        if cell.cell_type == "code" and student.SOLUTION_TAG not in cell.metadata.get("tags", [])
    ]


def paste_one(nb, label: str, code: str) -> str | None:
    """Paste ``code`` in place of question ``label``'s placeholder in ``nb``; None or a problem.

    The placeholder lines are those of the cell that calls ``label.check(`` (above the call),
    or else of the nearest cell above it, down to the cell that asks the question. When the
    solution's first line is also a line of that cell above the placeholder (a ``def`` line,
    a set-up assignment), the paste replaces from that line on.
    """
    asks = re.compile(rf"^\s*{re.escape(label)}\s*=\s*(?:mlsd\.)?exercises\.get\(", re.M)
    checks = re.compile(rf"^[^#\n]*\b{re.escape(label)}\.check\(", re.M)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    start = next((i for i, c in enumerate(code_cells) if asks.search(c.source)), None)
    if start is None:
        return f"no cell asks `{label} = mlsd.exercises.get(...)`"
    calls = [i for i in range(start, len(code_cells)) if checks.search(code_cells[i].source)]
    end = calls[0] if calls else None
    if end is None:
        return f"no `{label}.check(` after the cell that asks the question"
    for index in range(end, start - 1, -1):
        lines = code_cells[index].source.splitlines()
        stop = len(lines)
        if index == end:  # only the lines above this question's check call
            stop = code_cells[index].source[: checks.search(code_cells[index].source).start()]
            stop = stop.count("\n")
        holders = [n for n in range(stop) if _PLACEHOLDER.match(lines[n])]
        if holders:
            break
    else:
        return f"no `...  {student.PLACEHOLDER_COMMENT}` line before `{label}.check(`"
    first, last = holders[0], holders[-1]
    new = code.splitlines()
    same_start = [n for n in range(first) if lines[n].rstrip() == new[0].rstrip()]
    if same_start:
        first = same_start[-1]
    else:
        indent = len(lines[first]) - len(lines[first].lstrip())
        least = min(len(s) - len(s.lstrip()) for s in new if s.strip())
        if least < indent:  # a function body given unindented
            new = [" " * (indent - least) + s if s.strip() else s for s in new]
    lines[first : last + 1] = new
    code_cells[index].source = "\n".join(lines)
    return None


@functools.cache
def pasted(path: Path) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """The learner edition of ``path`` with every solution pasted, and problems by question."""
    nb = student.learner_notebook(nbformat.read(path, as_version=4))
    problems = {}
    for label, qid in exercise_labels(nbformat.read(path, as_version=4)).items():
        if qid not in QUESTIONS:
            problems[qid] = f"`{label}` asks {qid!r}, which the registry does not have"
            continue
        blocks = _CODE_BLOCK.findall(QUESTIONS[qid].solution_text)
        if len(blocks) != 1:
            problems[qid] = f"solution_text has {len(blocks)} ```python blocks, expected one"
            continue
        problem = paste_one(nb, label, blocks[0].rstrip("\n"))
        if problem:
            problems[qid] = problem
    return nb, problems


def outcome_of(run, qid: str) -> list[dict]:
    return [o for o in check_outcomes(run.nb) if o["qid"] == qid]


@pytest.mark.parametrize("qid", QIDS, ids=Q_IDS)
def test_solution_pastes_in_place_of_its_placeholder(qid):
    """A notebook asks the question and its one code block replaces the learner's placeholder."""
    assert qid in NOTEBOOK_OF, f"{qid}: no lesson notebook asks this question"
    solution_code(qid)
    _, problems = pasted(NOTEBOOK_OF[qid])
    assert qid not in problems, problems[qid]


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_pasted_learner_edition_is_the_instructor_code(path):
    """With every solution pasted, the learner edition's code is the instructor's, markers out."""
    nb, _ = pasted(path)
    got = [c.source for c in nb.cells if c.cell_type == "code"]
    want = instructor_code(nbformat.read(path, as_version=4))
    assert len(got) == len(want), "the learner edition has a different number of code cells"
    for number, (a, b) in enumerate(zip(got, want, strict=True)):
        diff = "\n".join(difflib.unified_diff(b.splitlines(), a.splitlines(), lineterm=""))
        assert a == b, f"code cell {number}, instructor (-) vs pasted learner (+):\n{diff}"


@pytest.mark.notebook
@pytest.mark.parametrize("qid", QIDS, ids=Q_IDS)
def test_instructor_default_run_marks_the_solution_correct(notebook_runs, qid):
    """In the instructor notebook's default execution the question's check says "Correct"."""
    assert qid in NOTEBOOK_OF, f"{qid}: no lesson notebook asks this question"
    run = notebook_runs.run(NOTEBOOK_OF[qid])
    outcomes = outcome_of(run, qid)
    assert outcomes, f"{qid}: its check did not run ({run.error or 'no check call found'})"
    assert [o["outcome"] for o in outcomes] == ["correct"] * len(outcomes), outcomes


@pytest.mark.ranges
@pytest.mark.notebook
@pytest.mark.parametrize("qid", QIDS, ids=Q_IDS)
def test_pasted_solution_is_correct_with_another_seed(notebook_runs, qid):
    """The learner edition with the solutions pasted, run with another seed, says "Correct"."""
    assert qid in NOTEBOOK_OF, f"{qid}: no lesson notebook asks this question"
    path = NOTEBOOK_OF[qid]
    nb, problems = pasted(path)
    run = notebook_runs.run(nb, label=f"pasted {path.name}", **other_seed_parameters(path))
    outcomes = outcome_of(run, qid)
    context = f"(paste: {problems.get(qid, 'ok')}; run: {run.error or 'ok'})"
    assert outcomes, f"{qid}: its check did not run {context}"
    assert [o["outcome"] for o in outcomes] == ["correct"] * len(outcomes), (outcomes, context)


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_other_seed_is_not_the_default_seed(path):
    """The variant runs (learner edition, pasted edition) use a seed other than the default."""
    (cell,) = [
        c
        for c in nbformat.read(path, as_version=4).cells
        if "parameters" in c.metadata.get("tags", [])
    ]
    default_seed = int(re.search(r"^seed: int = (\d+)", cell.source, re.M)[1])
    parameters = other_seed_parameters(path)
    assert parameters["seed"] != default_seed, f"{parameters} is not another seed"


@pytest.mark.ranges
@pytest.mark.notebook
@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_pasted_learner_edition_runs_with_another_seed(notebook_runs, path):
    """The pasted learner edition executes top to bottom with another seed, Checks passing."""
    nb, _ = pasted(path)
    notebook_runs.run(nb, label=f"pasted {path.name}", **other_seed_parameters(path)).ok()


# --- the paste itself, on small notebooks (fast) --------------------------------------------


def _learner(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


@pytest.mark.parametrize(
    ("cells", "code", "expected"),
    [
        (  # assignments: the placeholder lines, first to last, become the solution
            ['q1 = mlsd.exercises.get("a.b")', "x = ...  # your answer here\nq1.check(x)"],
            "x = 2 * y",
            "x = 2 * y\nq1.check(x)",
        ),
        (  # a set-up line the solution repeats is replaced too, not doubled
            ['q1 = mlsd.exercises.get("a.b")', "m = 5\nn = ...  # your answer here\nq1.check(n)"],
            "m = 5\nn = m + 1",
            "m = 5\nn = m + 1\nq1.check(n)",
        ),
        (  # a function: from its `def` line through the body's placeholder
            [
                'q2 = mlsd.exercises.get("a.c")',
                "def f(x):\n    ...  # your answer here\n\n\nq2.check(f)",
            ],
            "def f(x):\n    return 2 * x",
            "def f(x):\n    return 2 * x\n\n\nq2.check(f)",
        ),
        (  # a body given without its `def` is indented to the placeholder
            [
                'q2 = mlsd.exercises.get("a.c")',
                "def f(x):\n    ...  # your answer here\n\n\nq2.check(f)",
            ],
            "y = 2 * x\nreturn y",
            "def f(x):\n    y = 2 * x\n    return y\n\n\nq2.check(f)",
        ),
        (  # the answer typed in the cell above the check
            ['q3 = mlsd.exercises.get("a.d")', "z = ...  # your answer here", "q3.check(z)"],
            "z = 1",
            None,
        ),
    ],
)
def test_paste_replaces_the_placeholder_like_a_learner(cells, code, expected):
    """The solution replaces the placeholder lines (or the function from its `def` line)."""
    nb = _learner(*cells)
    label = re.match(r"(\w+) =", cells[0])[1]
    assert paste_one(nb, label, code) is None
    if expected is None:
        assert [c.source for c in nb.cells[1:]] == ["z = 1", "q3.check(z)"]
    else:
        assert nb.cells[1].source == expected


def test_paste_reports_a_missing_placeholder_or_check():
    """A question without placeholder, check call or asking cell gets a message, not a guess."""
    no_holder = _learner('q1 = mlsd.exercises.get("a.b")', "x = 3\nq1.check(x)")
    assert "no `...  # your answer here` line" in paste_one(no_holder, "q1", "x = 1")
    no_check = _learner('q1 = mlsd.exercises.get("a.b")', "x = ...  # your answer here")
    assert "no `q1.check(`" in paste_one(no_check, "q1", "x = 1")
    assert "no cell asks" in paste_one(_learner("x = 1"), "q9", "x = 1")
