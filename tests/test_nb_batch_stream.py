"""The batch-vs-stream notebook: its default execution and parameter variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first. The references here are computed from the
simulator with plain NumPy, independently of mlsd.features and of the notebook's code.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import learner_run, refused_in_the_check_cell

import mlsd

NOTEBOOK = "notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb"

pytestmark = pytest.mark.notebook

# Another seed, a batch every 6 hours served after 1 hour, for the learner edition's run
# (`learner_run`, shared with test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "batch_every_hours": 6.0, "batch_delay_hours": 1.0}

CAMPAIGN_DATE = "2024-07-03"
DAY_NS = 86_400 * 10**9


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def _log(seed: int, n_customers: int = 1_000):
    """The notebook's customers and event log, rebuilt from the simulator."""
    customers = mlsd.simulate.make_customers(n_customers, seed=seed, snapshot_date=CAMPAIGN_DATE)
    events = mlsd.simulate.make_events(
        customers, seed=seed, history_days=70, snapshot_date=CAMPAIGN_DATE
    )
    return customers, events


def _visits_and_ages(events, every_h: float, delay_h: float):
    """Cancel-page visits of the last 30 days and their batch ages, with integer arithmetic."""
    as_of = pd.Timestamp(events.attrs["truth"]["as_of"]).value
    t = events["ts"].dt.as_unit("ns").astype("int64").to_numpy()
    visit = (events["event"] == "cancel_page").to_numpy() & (t > as_of - 30 * DAY_NS)
    every, delay = round(every_h * 3600e9), round(delay_h * 3600e9)
    cutoff = (t[visit] - delay) // every * every
    return int(visit.sum()), (t[visit] - cutoff) / 3600e9


def test_default_run_reports_what_the_log_holds(default_nb, stream_text):
    """The visit count, the batch reads and the oldest batch feature match a NumPy recount."""
    text = stream_text(default_nb)
    _, events = _log(42)
    n_visits, ages = _visits_and_ages(events, 24.0, 2.0)
    assert f"{n_visits} cancel-page visits in the last 30 days" in text
    assert f"{ages.max():.1f} h at most (bound: every + delay = 26 h)" in text
    assert 2.0 <= ages.min() and ages.max() < 26.0
    as_of = pd.Timestamp(events.attrs["truth"]["as_of"]).value
    t = events.loc[events["event"] == "play", "ts"].dt.as_unit("ns").astype("int64").to_numpy()
    ends = as_of - DAY_NS * np.arange(31)
    reads = sum(int(((t > end - 30 * DAY_NS) & (t <= end)).sum()) for end in ends)
    assert f"31 nightly runs read {reads:,} plays between them" in text
    held = int(((t > as_of - 30 * DAY_NS) & (t <= as_of)).sum())
    assert f"its state holds {held:,} plays now" in text


def test_default_run_flags_the_bugs_and_passes_the_right_job(default_nb, stream_text):
    """The consistency test passes the 30-day job and flags month-to-date and local time."""
    text = stream_text(default_nb)
    assert "watch_hours_30d: consistent with the stream at all 16 checkpoints" in text
    assert "watch_hours_this_month: INCONSISTENT at" in text
    assert "watch_hours_local_time: INCONSISTENT at" in text
    assert "watch_hours_last_7d: consistent with the stream at all 7 checkpoints" in text


def test_default_run_prices_the_month_to_date_bug(default_nb, stream_text):
    """The yearly cost is the per-1,000 loss times 12 campaigns times 1,000 thousands."""
    text = stream_text(default_nb)
    assert mlsd.economics.COMPANY.summary() in text
    match = re.search(
        r"month to date costs USD ([\d,]+) per 1,000 customers per campaign: for "
        r"1,000,000 subscribers, USD ([\d,]+) a year",
        text,
    )
    assert match, text[-2_000:]
    per_1000, per_year = (float(g.replace(",", "")) for g in match.groups())
    assert per_1000 > 0
    assert per_year == pytest.approx(12 * 1_000 * per_1000, abs=12 * 1_000)


def test_the_stream_at_the_campaign_is_the_snapshot(default_nb):
    """The stream's table at the campaign shows the snapshot's watch hours of its customers."""
    customers, _ = _log(42)
    shown = next(
        cell
        for cell in default_nb.cells
        if cell.cell_type == "code" and cell.source.startswith("checkpoints = ")
    )
    table = shown.outputs[-1]["data"]["text/plain"]
    for cid, hours in customers[["customer_id", "watch_hours_30d"]].head(3).itertuples(False):
        assert re.search(rf"{cid}\s.*\s{hours:.1f}\s*$", table, re.M), (cid, hours, table)


def test_other_seed_and_a_six_hourly_batch_pass_every_check(notebook_runs, stream_text):
    """Seed 7 with a batch every 6 hours served after 1 hour runs top to bottom, every Check."""
    # The learner edition with OTHER_SEED; its exercises' solutions: test_solutions_paste.
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    text = stream_text(nb)
    _, events = _log(7)
    n_visits, ages = _visits_and_ages(events, 6.0, 1.0)
    assert f"{n_visits} cancel-page visits in the last 30 days" in text
    assert f"{ages.max():.1f} h at most (bound: every + delay = 7 h)" in text
    cutoff = pd.Timestamp("2024-07-02 18:00", tz="UTC")  # last 6-hour cutoff served by 00:00
    assert f"has its cutoff at {cutoff} (UTC)" in text


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range parameter stops the notebook in the validation cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, batch_delay_hours=5.0))
    assert ename == "ParameterError"
    assert "`batch_delay_hours` must be a number in [0, 4], got 5.0" in evalue
