"""The chapter-2 notebook on framing ML problems: its default execution and parameter variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import pytest
from conftest import learner_run, refused_in_the_check_cell

NOTEBOOK = "notebooks/ch02-ml-systems-design/01-framing-ml-problems.ipynb"

pytestmark = pytest.mark.notebook

# Another seed, horizon, budget and catalogue, for the learner edition's run (`learner_run`,
# shared with test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "horizon_days": 14, "budget_k": 300, "n_titles": 30}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def test_default_run_uses_the_30_day_horizon(default_nb):
    """With the defaults the binary label is 30-day churn."""
    assert "30-day churn: base rate" in _text_outputs(default_nb)


def _text_outputs(nb) -> str:
    """All stream and plain-text outputs of an executed notebook, joined."""
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(output["text"])
            elif "text/plain" in output.get("data", {}):
                parts.append(output["data"]["text/plain"])
    return "\n".join(parts)


@pytest.mark.notebook
def test_checks_hold_for_another_seed_horizon_and_budget(notebook_runs):
    """With another seed, a 14-day horizon and 300 calls, every check cell still passes."""
    # The learner edition with OTHER_SEED: the Check cells must hold away from the default
    # horizon, budget and catalogue.
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    text = _text_outputs(nb)
    assert "14-day churn: base rate" in text
    assert "the catalogue has 31" in text
    assert "flagged: ['days_since_last_login']" in text


@pytest.mark.notebook
@pytest.mark.parametrize(
    ("name", "value"),
    [("horizon_days", 120)],
)
def test_bad_parameter_is_rejected_with_a_clear_error(notebook_runs, name, value):
    """A horizon beyond the 90-day label window stops the run with a ValueError naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, **{name: value}))
    assert ename == "ParameterError"
    assert f"`{name}`" in evalue
    assert str(value) in evalue
