"""Each notebook's parameter-check cell refuses bad values by name, in milliseconds.

The check cell (the code cell after the `parameters` cell) is executed here in-process, with
the parameters cell's defaults and one value changed: no kernel, no heavy cell. Every numeric
parameter with a documented range gets a value just outside each finite end and a value
written as text; each must stop the cell with a ``ParameterError`` (a ``ValueError``) whose
message names the parameter. One end-to-end run per notebook (tests/test_nb_*.py) shows that
a bad value stops the real notebook before any heavy cell.
"""

from __future__ import annotations

import ast
import math

import nbformat
import pytest
from conftest import LESSON_NOTEBOOKS, NOTEBOOK_IDS, refused_in_the_check_cell
from test_param_ranges import parameters_and_check_cell, parse_interval, range_checks

from mlsd.validation import ParameterError


def _setup_source(nb) -> str:
    """The code cells before the parameters cell (imports), without IPython magics."""
    lines = []
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            break
        if cell.cell_type == "code":
            lines += [ln for ln in cell.source.splitlines() if not ln.lstrip().startswith("%")]
    return "\n".join(lines)


def _run_check_cell(path, **changed):
    nb = nbformat.read(path, as_version=4)
    declared, check_source = parameters_and_check_cell(nb)
    namespace = {}
    exec(compile(_setup_source(nb), f"{path.name} setup", "exec"), namespace)
    namespace.update({name: default for name, (_, default) in declared.items()})
    namespace.update(changed)
    exec(compile(check_source, f"{path.name} check cell", "exec"), namespace)


def _outside_values(interval: str, kind: str) -> list:
    low, _, high, _ = parse_interval(interval)
    width = high - low if math.isfinite(high - low) else max(1.0, abs(low), abs(high))
    step = 1 if kind == "int" else max(width * 0.5, 1e-6)
    values = []
    if math.isfinite(low):
        values.append(float(low) - step if kind != "int" else int(low) - 1)
    if math.isfinite(high):
        values.append(high + step if kind != "int" else int(high) + 1)
    return values


def _cases():
    for path, nid in zip(LESSON_NOTEBOOKS, NOTEBOOK_IDS, strict=True):
        declared, source = parameters_and_check_cell(nbformat.read(path, as_version=4))
        for name, interval in range_checks(source).items():
            kind, default = declared.get(name, ("float", None))
            if not interval:
                continue
            for bad in [*_outside_values(interval, kind), str(default)]:
                yield pytest.param(path, name, bad, id=f"{nid}-{name}={bad!r}")


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_defaults_pass_the_check_cell(path):
    """The shipped defaults are inside every documented range."""
    _run_check_cell(path)


@pytest.mark.parametrize(("path", "name", "bad"), list(_cases()))
def test_a_value_outside_the_documented_range_is_refused_by_name(path, name, bad):
    """Just outside either end of a documented range, or written as text: refused, named."""
    with pytest.raises(ParameterError, match=f"`{name}`"):
        _run_check_cell(path, **{name: bad})


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_seeds_beyond_what_scikit_learn_accepts_are_refused(path):
    """Seed -1 and 2**32 are refused with the allowed range, not deep inside numpy or sklearn."""
    declared, _ = parameters_and_check_cell(nbformat.read(path, as_version=4))
    assert "seed" in declared
    for bad in (-1, 2**32):
        with pytest.raises(ParameterError, match=r"`seed` must be an integer in \[0, 4294967295\]"):
            _run_check_cell(path, seed=bad)


def test_a_data_path_that_does_not_exist_is_refused_before_any_loading():
    """The churn notebook names a missing `data_path` in its check cell."""
    churn = next(p for p in LESSON_NOTEBOOKS if p.name == "01-churn-in-dollars.ipynb")
    with pytest.raises(ParameterError, match=r"`data_path` does not exist: '/no/such/churn\.csv'"):
        _run_check_cell(churn, data_path="/no/such/churn.csv")
    with pytest.raises(
        ParameterError, match=r"`data_path` cannot be used: 'x{60}\.\.\. \(5,000 ch"
    ):
        _run_check_cell(churn, data_path="x" * 5000)
    with pytest.raises(ParameterError, match="`data_path` is a folder"):
        _run_check_cell(churn, data_path="notebooks")  # relative: from the kit's root folder


@pytest.mark.notebook
def test_the_refusal_helper_fails_when_a_later_cell_raises_or_nothing_does(notebook_runs):
    """refused_in_the_check_cell fails a run stopped after its check cell, or never stopped."""
    cells = [
        nbformat.v4.new_code_cell("x: int = 1  # a parameter", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("assert x > 0"),
        nbformat.v4.new_code_cell("if x > 1:\n    raise ValueError('too late')"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    with pytest.raises(AssertionError, match="did not raise"):
        refused_in_the_check_cell(notebook_runs.run(nb, label="late-refusal", x=2))
    with pytest.raises(AssertionError, match="ran to the end"):
        refused_in_the_check_cell(notebook_runs.run(nb, label="late-refusal", x=1))
    ename, _ = refused_in_the_check_cell(notebook_runs.run(nb, label="late-refusal", x=0))
    assert ename == "AssertionError"


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_check_cell_is_no_longer_than_the_parameters_cell(path):
    """At most one line of checks per parameter: the check cell has no more lines of code than
    the parameters cell (imports and set-up belong to the cells around it)."""
    nb = nbformat.read(path, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    _, check = parameters_and_check_cell(nb)

    def code_lines(source: str) -> int:
        return sum(
            1 for line in source.splitlines() if line.strip() and not line.lstrip()[0] == "#"
        )

    assert code_lines(check) <= code_lines(nb.cells[index].source), check


@pytest.mark.parametrize("path", LESSON_NOTEBOOKS, ids=NOTEBOOK_IDS)
def test_the_check_cell_displays_no_stray_value(path):
    """A check cell ending in a bare call ends it with `;`, so IPython shows no returned value."""
    from IPython.core.displayhook import DisplayHook

    _, source = parameters_and_check_cell(nbformat.read(path, as_version=4))
    if isinstance(ast.parse(source).body[-1], ast.Expr):
        assert DisplayHook.semicolon_at_end_of_expression(source), path.name
