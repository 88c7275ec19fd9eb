"""The churn-in-dollars notebook: its default execution, real data, other seed and costs, bad input.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import os

import pytest
from conftest import learner_run, refused_in_the_check_cell

from mlsd import paths

NOTEBOOK = "notebooks/ch01-overview/01-churn-in-dollars.ipynb"

pytestmark = pytest.mark.notebook

# Another seed and cost model, for the learner edition's run (`learner_run`, shared with
# test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {
    "seed": 7,
    "acquisition_cost_usd": 158.0,
    "contact_cost_usd": 2.0,
    "offer_cost_usd": 15.0,
    "acceptance_rate": 0.4,
    "emp_alpha": 4.0,
    "emp_beta": 6.0,
}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def test_default_run_uses_the_simulated_truth(default_nb, stream_text):
    """On the shipped customers the ground-truth campaigns run and nothing is skipped."""
    out = stream_text(default_nb)
    assert "Contacting the" in out
    assert "Skipped: this section needs" not in out


@pytest.mark.ranges
@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("fixture", "target", "file_name", "relative"),
    [
        ("telco_csv", "Churn", "Telco-Customer-Churn.csv", False),
        ("pmlb_churn_tsv", "target", "churn.tsv.gz", True),
    ],
)
def test_runs_unchanged_on_real_data(
    request, notebook_runs, stream_text, fixture, target, file_name, relative
):
    """On a real churn file the notebook runs, prints the loader's report and skips the truth."""
    # Own runs: the loader and the "no ground truth" branches only run on a user's file.
    path = request.getfixturevalue(fixture)
    # A relative data_path is read from the kit's root, whatever the kernel's working directory.
    data_path = os.path.relpath(path, paths.ROOT) if relative else str(path)
    out = stream_text(notebook_runs.run(NOTEBOOK, data_path=data_path, target=target).ok())
    assert f"Loaded {file_name}" in out
    assert "Fixes" in out
    assert "Fallback rule: contact the riskier side of one question" in out
    assert "Skipped: this section needs each customer's true offer effect" in out
    assert "Contacting the" not in out  # the ground-truth campaigns did not run


def test_runs_with_another_seed_and_costs(notebook_runs, stream_text):
    """A different seed and cost model runs through every check and uses the new costs."""
    # The learner edition with OTHER_SEED: the Check cells must hold for another seed, and the
    # costs must reach the numbers.
    out = stream_text(learner_run(notebook_runs, NOTEBOOK).ok())
    # 158 / (15 + 2) = 9.29: the costs reached the computation
    assert (
        "One retention attempt costs USD 17.00; acquisition costs 9.3 attempts (USD 158.00)." in out
    )
    assert "Contacting the" in out  # the ground-truth section ran on simulated data


def test_bad_parameter_stops_the_run_in_the_check_cell(notebook_runs):
    """An out-of-range parameter stops the real notebook in its check cell, naming it."""
    # One end-to-end run: the error must be raised before any heavy cell. The messages of
    # every parameter are unit-tested in milliseconds in tests/test_param_checks.py.
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, acceptance_rate=1.5))
    assert ename == "ParameterError"
    assert "`acceptance_rate` must be a probability in [0.01, 1], got 1.5" in evalue
