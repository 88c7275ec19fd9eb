"""The A/B-test notebook: its default execution and parameter variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import pytest
from conftest import learner_run, refused_in_the_check_cell

import mlsd

NOTEBOOK = "notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb"

pytestmark = pytest.mark.notebook

# A freshly simulated experiment, for the learner edition's run (`learner_run`, shared with
# test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "data_source": "simulate", "n_users": 30_000}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def test_default_run_analyses_the_shipped_snapshot(default_nb, stream_text):
    """With the defaults the SRM check counts the users of the shipped experiment."""
    shipped = mlsd.datasets.load_experiment("clean")["variant"].value_counts()
    shipped_counts = f"counts [{shipped['control']}, {shipped['treatment']}]"
    assert f"SRM check: {shipped_counts}" in stream_text(default_nb)


def test_fresh_experiment_from_another_seed_passes_every_check(notebook_runs, stream_text):
    """A freshly simulated experiment (seed 7) runs top to bottom with all Check cells passing."""
    # The learner edition with OTHER_SEED: the default reads the shipped snapshot; this
    # simulates a new experiment.
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    text = stream_text(nb)
    shipped = mlsd.datasets.load_experiment("clean")["variant"].value_counts()
    shipped_counts = f"counts [{shipped['control']}, {shipped['treatment']}]"
    assert "SRM check: counts [" in text
    assert shipped_counts not in text  # the analysis ran on the new data, not the snapshot
    assert "15,000 users per arm the test detects" in text  # 30,000 users, 50/50
    assert "-> SHIP" in text or "-> DON'T" in text  # a recommendation was computed


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range parameter stops the notebook in the validation cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, mde_retention=0.5))
    assert ename == "ParameterError"
    assert "`mde_retention` must be a probability in [0.002, 0.04], got 0.5" in evalue
