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


# --- Money is "USD 86.61", never a dollar sign before a digit -------------------------------
# JupyterLab typesets `$...$` as math in Markdown cells, in Markdown and HTML outputs (a
# pandas table), and ignores a backslash before the dollar: "\$86.61 (2019) ... \$158" shows
# as italic run-together math. A formula such as `$c$` or `$\alpha = 0.05$` is fine.

_CODE_SPANS = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.S)
_HTML_CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S | re.I)
_DELIMITER = re.compile(r"\$\$|\$")  # JupyterLab pairs these, backslash or not
_PROSE = re.compile(r"(?<![\\{A-Za-z])[A-Za-z]{2,}")  # a word, not a \command or {arg}


def dollars_before_digits(text: str, *, html: bool = False) -> list[str]:
    """Snippets of ``text`` where a `$` before a digit is money, not the start of a formula.

    Dollars pair up as JupyterLab pairs them. A `$` followed by a digit is money when it has
    no partner, or when the text up to its partner holds a word (``$86.61 for an app user ...
    $158``, ``<td>$11</td><td>$230``); ``$1-\\alpha$`` and ``$1/h$`` are formulas. Code spans
    and ``<pre>``/``<code>`` are skipped.
    """
    text = (_HTML_CODE if html else _CODE_SPANS).sub(" ", text)
    marks = [m for m in _DELIMITER.finditer(text) if m[0] == "$"]
    problems = []
    for n in range(0, len(marks), 2):
        opening = marks[n]
        if not text[opening.end() : opening.end() + 1].isdigit():
            continue
        closing = marks[n + 1].start() if n + 1 < len(marks) else None
        if closing is None or _PROSE.search(text[opening.end() : closing]):
            problems.append(text[max(0, opening.start() - 25) : opening.end() + 15])
    return problems


def markdown_dollar_problems(nb) -> list[str]:
    """`$` before a digit in the Markdown cells of ``nb``, as "cell N: ...snippet..."."""
    return [
        f"cell {index}: ...{snippet}..."
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for snippet in dollars_before_digits(cell.source)
    ]


def output_dollar_problems(nb) -> list[str]:
    """`$` before a digit in the HTML and Markdown outputs (tables, displayed Markdown)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            for mime, html in (("text/html", True), ("text/markdown", False)):
                text = data.get(mime, "")
                text = "".join(text) if isinstance(text, list) else text
                for snippet in dollars_before_digits(text, html=html):
                    problems.append(f"cell {index} {mime}: ...{snippet}...")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_dollar_before_a_digit_in_markdown(path):
    """Markdown cells write money as "USD 86.61": `$86.61` and `\\$86.61` render as math."""
    assert markdown_dollar_problems(load(path)) == []


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_dollar_before_a_digit_in_displayed_tables_or_markdown(notebook_runs, path):
    """The default execution's HTML tables and Markdown outputs write money as "USD 86.61"."""
    assert output_dollar_problems(notebook_runs.run(path).ok()) == []


def test_no_dollar_before_a_digit_in_exercise_texts():
    """Exercise prompts, hints and solutions (shown as Markdown) write money as "USD 86.61"."""
    import mlsd.exercises

    problems = [
        f"{qid}: ...{snippet}..."
        for qid, q in mlsd.exercises.all_questions().items()
        for text in (q.prompt, *q.hints, q.solution_text)
        for snippet in dollars_before_digits(text)
    ]
    assert problems == []


@pytest.mark.parametrize("planted", ["It costs $5 a month.", r"It costs \$5 a month."])
def test_the_dollar_check_fails_on_a_planted_amount(tmp_path, planted):
    """A `$5` (with or without a backslash) planted in a copy of a notebook is caught."""
    source = paths.NOTEBOOKS / "ch00-start-here" / "00-setup-check.ipynb"
    nb = load(source)
    before = len(markdown_dollar_problems(nb))
    planted_cell = f"A formula $c$ and $\\alpha = 0.05$. {planted}"
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(planted_cell))
    copy = tmp_path / source.name
    nbformat.write(nb, copy)
    problems = markdown_dollar_problems(load(copy))
    assert len(problems) == before + 1, problems
    (found,) = [p for p in problems if p.startswith("cell 1:")]
    assert planted.removeprefix("It ").rstrip(".") in found, found  # "costs $5 a month"


def test_the_dollar_check_fails_on_a_planted_table_cell():
    """A pandas-style HTML table with `$230` in a cell's output is caught; code is not."""
    table = "<table><tr><th>cost</th></tr><tr><td>$230</td></tr></table>"
    cell = nbformat.v4.new_code_cell(
        "df",
        outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": table}),
            nbformat.v4.new_output("display_data", data={"text/html": "<code>$5</code>"}),
        ],
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    assert output_dollar_problems(nb) == [
        "cell 0 text/html: ...th>cost</th></tr><tr><td>$230</td></tr></..."
    ]


def test_the_dollar_check_passes_formulas_and_code():
    """Formulas, currency written as USD and dollars inside code are not flagged."""
    text = "Cost $c$, $\\alpha = 0.05$, $1-\\alpha$, $1/h$, USD 86.61, `'$5'` and\n```\n$5\n```"
    assert dollars_before_digits(text) == []


# --- `\_` inside `\text{...}` shows literally in JupyterLab's MathJax 3 (no textmacros) ------
TEXT_WITH_ESCAPED_UNDERSCORE = re.compile(r"\\text\{[^}]*\\_[^}]*\}")


def test_no_escaped_underscore_inside_text_in_notebooks_or_guides():
    """No Markdown writes `\\text{as\\_of}`; a code span or `\\mathit{...}` renders everywhere."""
    assert TEXT_WITH_ESCAPED_UNDERSCORE.search(r"$(\text{as\_of} - 30\text{ days}]$")
    found = []
    for path in NOTEBOOKS:
        for i, cell in enumerate(load(path).cells):
            if cell.cell_type == "markdown" and TEXT_WITH_ESCAPED_UNDERSCORE.search(cell.source):
                found.append(f"{path.name} cell {i}")
    for guide in sorted((paths.ROOT / "chapters").glob("*.md")):
        if TEXT_WITH_ESCAPED_UNDERSCORE.search(guide.read_text(encoding="utf-8")):
            found.append(guide.name)
    assert found == []
