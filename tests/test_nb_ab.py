"""Parameter variants of the A/B-test notebook, executed with papermill."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

import mlsd

NOTEBOOK = "notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb"

pytestmark = pytest.mark.notebook


def test_fresh_experiment_from_another_seed_passes_every_check(run_notebook, stream_text):
    """A freshly simulated experiment (seed 7) runs top to bottom with all Check cells passing."""
    nb = run_notebook(NOTEBOOK, seed=7, data_source="simulate", n_users=30_000)
    text = stream_text(nb)
    shipped = mlsd.datasets.load_experiment("clean")["variant"].value_counts()
    shipped_counts = f"counts [{shipped['control']}, {shipped['treatment']}]"
    assert "SRM check: counts [" in text
    assert shipped_counts not in text  # the analysis ran on the new data, not the snapshot
    assert "15,000 users per arm the test detects" in text  # 30,000 users, 50/50
    assert "-> SHIP" in text or "-> DON'T" in text  # a recommendation was computed


def test_bad_parameter_is_rejected_with_a_clear_message(run_notebook):
    """An out-of-range parameter stops the notebook in the validation cell, naming it."""
    with pytest.raises(PapermillExecutionError) as info:
        run_notebook(NOTEBOOK, mde_retention=0.5)
    assert info.value.ename == "ValueError"
    assert "`mde_retention` must be in (0, 1 - baseline_retention" in info.value.evalue
