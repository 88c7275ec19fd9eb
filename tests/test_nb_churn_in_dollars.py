"""Papermill runs of the churn-in-dollars notebook: real data, other seed and costs, bad input."""

from __future__ import annotations

import os

import pytest

from mlsd import paths

NOTEBOOK = "notebooks/ch01-overview/01-churn-in-dollars.ipynb"

pytestmark = pytest.mark.notebook


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("fixture", "target", "file_name", "relative"),
    [
        ("telco_csv", "Churn", "Telco-Customer-Churn.csv", False),
        ("pmlb_churn_tsv", "target", "churn.tsv.gz", True),
    ],
)
def test_runs_unchanged_on_real_data(
    request, run_notebook, stream_text, fixture, target, file_name, relative
):
    """On a real churn file the notebook runs, prints the loader's report and skips the truth."""
    path = request.getfixturevalue(fixture)
    # A relative data_path is read from the kit's root, whatever the kernel's working directory.
    data_path = os.path.relpath(path, paths.ROOT) if relative else str(path)
    out = stream_text(run_notebook(NOTEBOOK, data_path=data_path, target=target))
    assert f"Loaded {file_name}" in out
    assert "Fixes" in out
    assert "Fallback rule: contact the riskier side of one question" in out
    assert "Skipped: this section needs each customer's true offer effect" in out
    assert "Contacting the" not in out  # the ground-truth campaigns did not run


def test_runs_with_another_seed_and_costs(run_notebook, stream_text):
    """A different seed and cost model runs through every check and uses the new costs."""
    out = stream_text(
        run_notebook(
            NOTEBOOK,
            seed=7,
            acquisition_cost_usd=158.0,
            contact_cost_usd=2.0,
            offer_cost_usd=15.0,
            acceptance_rate=0.4,
            emp_alpha=4.0,
            emp_beta=6.0,
        )
    )
    # 158 / (15 + 2) = 9.29: the costs reached the computation
    assert "costs 9.3 times a retention attempt ($158.00 vs $17.00)" in out
    assert "Contacting the" in out  # the ground-truth section ran on simulated data


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"acceptance_rate": 1.5}, "`acceptance_rate` must be in [0, 1], got 1.5"),
        ({"offer_cost_usd": -10.0}, "`offer_cost_usd` must be >= 0, got -10.0"),
        ({"data_path": "/no/such/churn.csv"}, "`data_path` must be empty or an existing file"),
    ],
)
def test_bad_parameter_fails_with_clear_value_error(run_notebook, parameters, message):
    """An out-of-range parameter stops the run in the validation cell with a ValueError."""
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as info:
        run_notebook(NOTEBOOK, **parameters)
    assert info.value.ename == "ValueError"
    assert message in info.value.evalue
