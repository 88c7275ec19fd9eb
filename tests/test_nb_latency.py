"""Parameter variants of the latency-vs-throughput notebook, executed with papermill."""

from __future__ import annotations

import pytest
from papermill.exceptions import PapermillExecutionError

NOTEBOOK = "notebooks/ch01-overview/02-latency-vs-throughput.ipynb"

pytestmark = pytest.mark.notebook


def test_other_seed_and_small_measurement_cap_pass_every_check(run_notebook, stream_text):
    """Seed 7, a 1.5 s measurement cap and a short queue run top to bottom, every Check passing."""
    nb = run_notebook(
        NOTEBOOK,
        seed=7,
        max_measure_s=1.5,
        n_queue_requests=4_000,
        fanout_backends=30,
        autoscaler_lag_hours=2,
    )
    text = stream_text(nb)
    assert "q = 1.0% per backend, N = 30: 26.0% of requests are slow" in text
    assert "By expected profit, choose:" in text
    assert "servers needed by hour:" in text
    outputs = [
        out.get("data", {}).get("text/plain", "")
        for cell in nb.cells
        for out in cell.get("outputs", [])
    ]
    assert sum("[Correct]" in o for o in outputs) == 3  # the three exercises' solutions


def test_bad_parameter_is_rejected_with_a_clear_message(run_notebook):
    """An out-of-range parameter stops the notebook in the validation cell, naming it."""
    with pytest.raises(PapermillExecutionError) as info:
        run_notebook(NOTEBOOK, max_measure_s=0.0)
    assert info.value.ename == "ValueError"
    assert "`max_measure_s` must be in (0, 600] seconds, got 0.0" in info.value.evalue
