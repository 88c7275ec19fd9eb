"""The latency-vs-throughput notebook: its default execution and parameter variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import pytest
from conftest import learner_run, refused_in_the_check_cell

NOTEBOOK = "notebooks/ch01-overview/02-latency-vs-throughput.ipynb"

pytestmark = pytest.mark.notebook

# Another seed, the smallest measurement cap and a short queue, for the learner edition's run
# (`learner_run`, shared with test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {
    "seed": 7,
    "max_measure_s": 0.5,
    "n_queue_requests": 4_000,
    "fanout_backends": 30,
    "autoscaler_lag_hours": 2,
}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def test_default_run_reaches_the_model_choice(default_nb, stream_text):
    """With the defaults the notebook gets as far as choosing a model by expected profit."""
    assert "By expected profit, choose:" in stream_text(default_nb)


def test_other_seed_and_small_measurement_cap_pass_every_check(notebook_runs, stream_text):
    """Seed 7, the 0.5 s measuring cap and a short queue run top to bottom, every Check passing."""
    # The learner edition with OTHER_SEED: the timing Checks must hold with little measuring
    # time and another seed; the exercises' solutions there: test_solutions_paste.
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    text = stream_text(nb)
    assert "q = 1.0% per backend, N = 30: 26.0% of requests are slow" in text
    assert "By expected profit, choose:" in text
    assert "servers needed by hour:" in text


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range parameter stops the notebook in the validation cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, max_measure_s=0.0))
    assert ename == "ParameterError"
    assert "`max_measure_s` must be a number in " in evalue
    assert "got 0.0" in evalue
