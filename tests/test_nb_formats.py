"""The formats-and-engines notebook ("Row or column?"): its default execution and another seed.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import learner_run, refused_in_the_check_cell

import mlsd

NOTEBOOK = "notebooks/ch03-data-engineering/01-formats-and-engines.ipynb"

pytestmark = pytest.mark.notebook

# Another event log, for the learner edition's run (`learner_run`, shared with test_student)
# and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "n_customers": 80}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def _reference(seed: int, n_customers: int, history_days: int = 60):
    """The notebook's event log rebuilt here, and its cancel-page visitors counted with pandas."""
    customers = mlsd.datasets.load_customers()
    events = mlsd.simulate.make_events(
        customers, seed=seed, n_customers=n_customers, history_days=history_days
    )
    as_of = pd.Timestamp("2024-06-30", tz="UTC")
    recent = events[events["ts"] > as_of - pd.Timedelta(days=30)]
    visitors = recent.loc[recent["event"] == "cancel_page", "customer_id"].nunique()
    return events, visitors


def _check_printed_log(text: str, seed: int, n_customers: int) -> None:
    events, visitors = _reference(seed, n_customers)
    assert f"{len(events):,} events of {n_customers:,} customers, 2024-05-01 to 2024-06-30" in text
    assert f"{visitors} of {n_customers} customers visited the cancel page" in text
    assert f"ETL loaded {n_customers} rows of" in text


def test_default_run_prints_the_log_it_was_given(default_nb, stream_text):
    """The default run describes the event log of 60 customers and its cancel-page visitors."""
    _check_printed_log(stream_text(default_nb), seed=42, n_customers=60)


def test_default_run_prices_with_the_company_economics(default_nb, stream_text):
    """The company's economics line appears once, where the notebook first prices something."""
    line = mlsd.economics.COMPANY.summary()
    assert stream_text(default_nb).count(line) == 1


def test_measured_sizes_and_layout_are_the_ones_printed(default_nb, stream_text):
    """The printed strides are NumPy's, and CSV is printed as at least 3 times Parquet's bytes."""
    text = stream_text(default_nb)
    assert "C order (256, 8), F order (8, 800000)" in text  # 100,000 x 32 float64
    match = re.search(
        r"bytes to read: Parquet ([\d.]+) MB of its ([\d.]+) MB, CSV all ([\d.]+)", text
    )
    assert match, text
    two, parquet, csv = map(float, match.groups())
    assert two <= parquet and 3 * parquet < csv


def test_another_seed_passes_every_check(notebook_runs, stream_text):
    """Another seed and size (seed 7, 80 customers) runs top to bottom with every Check passing."""
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    _check_printed_log(stream_text(nb), seed=7, n_customers=80)


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range size stops the notebook in the validation cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, n_customers=5))
    assert ename == "ParameterError"
    assert "`n_customers` must be an integer in [40, 400], got 5" in evalue
