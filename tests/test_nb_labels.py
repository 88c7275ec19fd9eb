"""The labels notebook (chapter 4): its default execution and parameter variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import learner_run, refused_in_the_check_cell

import mlsd

NOTEBOOK = "notebooks/ch04-training-data/02-labels.ipynb"

pytestmark = pytest.mark.notebook

# A new company: another seed and fewer customers, for the learner edition's run
# (`learner_run`, shared with test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "n_customers": 12_000}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def _geometric_missed_share(p30, window_days, horizon_days=90):
    """Share of churners within the horizon who churn after the window, day by day."""
    h = 1 - (1 - np.asarray(p30, dtype=float)) ** (1 / 30)
    days = np.arange(1, horizon_days + 1)
    pmf = h[:, None] * (1 - h[:, None]) ** (days[None, :] - 1)  # P(churn on day d)
    return pmf[:, days > window_days].sum() / pmf.sum()


def test_default_run_counts_the_shipped_customers(default_nb, stream_text):
    """With the defaults the notebook's churners are the shipped snapshot's."""
    shipped = mlsd.datasets.load_customers()
    churners = shipped[shipped["censored"] == 0]
    text = stream_text(default_nb)
    assert f"20,000 customers, {len(churners):,} cancel within 90 days" in text
    missed = np.mean(churners["days_to_churn"] > 30)
    assert f"a 30-day window misses {missed:.1%} of the 90-day churners" in text


def test_true_missed_share_matches_a_day_by_day_sum(default_nb, stream_text):
    """The printed true tail equals the geometric delay summed day by day over 90 days."""
    shipped = mlsd.datasets.load_customers()
    share = _geometric_missed_share(shipped["true_churn_prob_30d"], 30)
    assert f"the simulator's delay distribution says {share:.1%}" in stream_text(default_nb)


def test_default_run_prices_the_hand_labels(default_nb, stream_text):
    """Three labels per note at USD 0.25 each: the printed cost is notes × 3 × 0.25."""
    shipped = mlsd.datasets.load_customers()
    n_notes = int((shipped["censored"] == 0).sum())
    expected = f"{n_notes:,} notes × 3 annotators cost USD {n_notes * 3 * 0.25:,.0f}"
    assert expected in stream_text(default_nb)


def test_default_run_shows_the_methods_beating_the_votes(default_nb, stream_text):
    """Dawid-Skene and the label model each print a higher accuracy than their majority vote."""
    text = stream_text(default_nb)
    ds, mv = map(
        float, re.search(r"Dawid-Skene ([\d.]+)% right, majority vote ([\d.]+)%", text).groups()
    )
    lm, lf_mv = map(
        float,
        re.search(
            r"label model ([\d.]+)% right, majority vote of the functions ([\d.]+)%", text
        ).groups(),
    )
    assert ds > mv and lm > lf_mv
    needed, budget = map(int, re.search(r"with (\d+) labels instead of (\d+)", text).groups())
    assert needed <= 0.75 * budget


def test_another_company_passes_every_check(notebook_runs, stream_text):
    """Seed 7 with 12,000 customers runs top to bottom with every Check passing, on new data."""
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    customers = mlsd.simulate.make_customers(12_000, seed=7)
    n_churners = int((customers["censored"] == 0).sum())
    assert f"12,000 customers, {n_churners:,} cancel within 90 days" in stream_text(nb)


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range window stops the notebook in the validation cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, window_days=90))
    assert ename == "ParameterError"
    assert "`window_days` must be an integer in [7, 60], got 90" in evalue
