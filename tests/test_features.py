"""Tests for mlsd.features: batch and streaming window sums, batch cutoffs, the consistency test.

The reference is a brute force written with Python's own datetime objects: for every key and
every checkpoint, loop over all events and add those inside the window. It shares no code
with the module (no nanoseconds, no pandas filtering, no deques).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from mlsd import features

UTC = dt.UTC
START = dt.datetime(2024, 5, 1, tzinfo=UTC)


def _events(seed: int, n: int = 400, n_keys: int = 7, grid_hours: int = 6) -> pd.DataFrame:
    """Random events on a coarse time grid (so events fall exactly on window edges), some NaN."""
    rng = np.random.default_rng(seed)
    hours = rng.integers(0, 24 * 60 // grid_hours, n) * grid_hours
    times = [START + dt.timedelta(hours=int(h)) for h in hours]
    values = np.round(rng.exponential(1.3, n), 1)
    values[rng.random(n) < 0.15] = np.nan  # events that carry no watch hours (clicks, visits)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{k}" for k in rng.integers(0, n_keys, n)],
            "ts": pd.to_datetime(times, utc=True),
            "event": "play",
            "watch_hours": values,
        }
    )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # any row order


def _rows(events: pd.DataFrame) -> list[tuple]:
    """The events as plain Python tuples (key, datetime, float)."""
    times = [ts.to_pydatetime() for ts in events["ts"]]
    return list(zip(events["customer_id"], times, events["watch_hours"], strict=True))


def _brute(rows: list[tuple], key, as_of: dt.datetime, days: float, closed: str) -> float:
    """Sum of watch hours for `key` in the window ending at `as_of`, one event at a time."""
    start = as_of - dt.timedelta(days=days)
    total = 0.0
    for k, t, v in rows:
        inside = (start < t <= as_of) if closed == "right" else (start <= t < as_of)
        if k == key and inside and not math.isnan(v):
            total += v
    return total


CHECKPOINTS = [
    START + dt.timedelta(days=d, hours=h) for d in (0, 3, 10, 31, 45, 60) for h in (0, 6)
]


@pytest.mark.parametrize("closed", ["right", "left"])
@pytest.mark.parametrize(("seed", "days"), [(0, 30), (1, 7), (2, 1.5)])
def test_batch_window_sum_matches_brute_force(seed, days, closed):
    """The batch route sums exactly the events inside the window, edges as `closed` says."""
    events = _events(seed)
    keys = [*sorted(set(events["customer_id"])), "nobody"]
    rows = _rows(events)
    for as_of in CHECKPOINTS:
        got = features.window_sum(events, as_of, window_days=days, keys=keys, closed=closed)
        want = [_brute(rows, k, as_of, days, closed) for k in keys]
        np.testing.assert_allclose(got.to_numpy(), want, rtol=0, atol=1e-9)
        assert list(got.index) == keys


@pytest.mark.parametrize("closed", ["right", "left"])
@pytest.mark.parametrize(("seed", "days"), [(3, 30), (4, 7), (5, 0.25)])
def test_stream_matches_brute_force_at_every_checkpoint(seed, days, closed):
    """Replaying the events through the sliding window gives the brute-force sum everywhere."""
    events = _events(seed)
    keys = sorted(set(events["customer_id"]))
    rows = _rows(events)
    table = features.stream_window_sums(
        events, CHECKPOINTS, window_days=days, keys=keys, closed=closed
    )
    for as_of, column in zip(CHECKPOINTS, table.columns, strict=True):
        assert column == pd.Timestamp(as_of)
        want = [_brute(rows, k, as_of, days, closed) for k in keys]
        np.testing.assert_allclose(table[column].to_numpy(), want, rtol=0, atol=1e-9)


@pytest.mark.parametrize("closed", ["right", "left"])
def test_per_event_updates_equal_brute_force_at_the_event_time(closed):
    """Each update returns the window sum as of that event's time, the event itself per `closed`."""
    events = _events(6, n=150, n_keys=3).sort_values("ts", kind="stable")
    agg = features.SlidingWindowSum(window_days=5, closed=closed)
    rows = _rows(events)
    for i, (key, t, v) in enumerate(rows):
        got = agg.update(key, pd.Timestamp(t), v)
        want = _brute(rows[: i + 1], key, t, 5, closed)
        assert math.isclose(got, want, abs_tol=1e-9), (i, got, want)


def test_state_evicts_what_left_the_window():
    """After a quiet spell longer than the window the state holds nothing and reads zero."""
    agg = features.SlidingWindowSum(window_days=2)
    agg.update("a", pd.Timestamp("2024-06-01 10:00", tz="UTC"), 3.0)
    agg.update("a", pd.Timestamp("2024-06-02 10:00", tz="UTC"), 0.1)
    assert agg.n_events_held == 2
    assert agg.value("a", pd.Timestamp("2024-06-03 10:00", tz="UTC")) == pytest.approx(0.1)
    assert agg.value("a", pd.Timestamp("2024-06-05", tz="UTC")) == 0.0
    assert agg.n_events_held == 0
    assert agg.value("never-seen", "2024-06-05T00:00Z") == 0.0


def test_integer_nanoseconds_and_timestamps_agree():
    """The fast path (int UTC nanoseconds) reads the same as tz-aware timestamps in any zone."""
    t = pd.Timestamp("2024-06-01 12:00", tz="America/New_York")
    a, b = features.SlidingWindowSum(1), features.SlidingWindowSum(1)
    a.update("x", t, 1.0)
    b.update("x", t.tz_convert("UTC").value, 1.0)
    later = pd.Timestamp("2024-06-02 15:00", tz="UTC")  # 11:00 New York: 23 h after
    assert a.value("x", later) == b.value("x", later.value) == 1.0


def test_out_of_order_events_and_reading_the_past_are_refused():
    """A stream processor without lateness handling refuses an older event and a past read."""
    agg = features.SlidingWindowSum(1)
    agg.update("a", pd.Timestamp("2024-06-02", tz="UTC"), 1.0)
    with pytest.raises(ValueError, match="`ts` must not be earlier"):
        agg.update("a", pd.Timestamp("2024-06-01", tz="UTC"), 1.0)
    with pytest.raises(ValueError, match="`as_of` must not be earlier"):
        agg.value("a", pd.Timestamp("2024-06-01", tz="UTC"))


def test_naive_times_are_refused_by_name():
    """Naive timestamps, numbers and text that is no time are refused, naming the argument."""
    events = _events(7, n=20)
    with pytest.raises(ValueError, match="`as_of` must be time-zone aware"):
        features.window_sum(events, pd.Timestamp("2024-06-01"))
    with pytest.raises(ValueError, match="`as_of` must be a time-zone-aware time"):
        features.window_sum(events, 1_717_200_000)
    with pytest.raises(ValueError, match="`as_of` must be a time-zone-aware time"):
        features.window_sum(events, "yesterday")
    naive = events.assign(ts=events["ts"].dt.tz_localize(None))
    with pytest.raises(ValueError, match=r"`events\['ts'\]` must hold time-zone-aware"):
        features.stream_window_sums(naive, ["2024-06-01T00:00Z"])
    with pytest.raises(ValueError, match="`times` must hold time-zone-aware"):
        features.batch_cutoff(naive["ts"])


def test_missing_columns_and_bad_options_are_refused():
    """A missing column, a non-numeric value column, a bad window or `closed` name the culprit."""
    events = _events(8, n=20)
    with pytest.raises(ValueError, match="missing \\['watch_hours'\\]"):
        features.window_sum(events.drop(columns="watch_hours"), "2024-06-01T00:00Z")
    with pytest.raises(ValueError, match="`events\\['event'\\]` must be numeric"):
        features.window_sum(events, "2024-06-01T00:00Z", value="event")
    with pytest.raises(ValueError, match="`window_days` must be a number in"):
        features.SlidingWindowSum(0)
    with pytest.raises(ValueError, match="`closed`"):
        features.window_sum(events, "2024-06-01T00:00Z", closed="both")


@pytest.mark.parametrize("closed", ["right", "left"])
@pytest.mark.parametrize(("seed", "days"), [(13, 30), (14, 2)])
def test_point_in_time_lookups_match_brute_force(seed, days, closed):
    """Each (key, time) lookup is the brute-force window sum of that key as of that time."""
    events = _events(seed)
    rows = _rows(events)
    rng = np.random.default_rng(seed)
    keys = [f"C{k}" for k in rng.integers(0, 8, 60)]  # C7 has no events
    times = [rows[i][1] for i in rng.integers(0, len(rows), 30)]  # exactly on event times
    times += [START + dt.timedelta(hours=int(h)) for h in rng.integers(0, 24 * 65, 30)]
    got = features.window_sums_at(
        events, keys, pd.to_datetime(times, utc=True), window_days=days, closed=closed
    )
    want = [_brute(rows, k, t, days, closed) for k, t in zip(keys, times, strict=True)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_point_in_time_lookups_need_one_time_per_key():
    """Keys and times of different lengths are refused, with both lengths."""
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        features.window_sums_at(
            _events(15, n=20), ["C1", "C2"], pd.to_datetime(["2024-06-01"], utc=True)
        )


# --------------------------------------------------------------------------- batch cutoffs


@pytest.mark.parametrize(("every", "delay"), [(24, 2), (24, 0), (6, 0.5), (168, 30)])
def test_batch_cutoff_is_the_latest_run_already_delivered(every, delay):
    """The served cutoff is the latest multiple of `every` at least `delay` before each time."""
    rng = np.random.default_rng(every)
    times = [START + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 60 * 24 * 40, 300)]
    times += [START + dt.timedelta(hours=delay), START + dt.timedelta(hours=every + delay)]
    got = features.batch_cutoff(
        pd.Series(pd.to_datetime(times, utc=True)), every_hours=every, delay_hours=delay
    )
    epoch = dt.datetime(1970, 1, 1, tzinfo=UTC)
    for t, cut in zip(times, got, strict=True):
        runs = (t - dt.timedelta(hours=delay) - epoch) // dt.timedelta(hours=every)
        want = epoch + runs * dt.timedelta(hours=every)
        assert cut.to_pydatetime() == want
        staleness = t - want
        assert dt.timedelta(hours=delay) <= staleness < dt.timedelta(hours=every + delay)


def test_nightly_cutoffs_fall_on_midnight_utc():
    """A 24-hour batch serves midnight-UTC cutoffs: before 02:00 the day before's, then today's."""
    t = pd.Series(
        pd.to_datetime(["2024-06-30 01:59", "2024-06-30 02:00", "2024-06-30 23:00"], utc=True)
    )
    got = features.batch_cutoff(t, every_hours=24, delay_hours=2)
    assert [c.isoformat() for c in got] == [
        "2024-06-29T00:00:00+00:00",
        "2024-06-30T00:00:00+00:00",
        "2024-06-30T00:00:00+00:00",
    ]


# --------------------------------------------------------------------------- consistency


def _right_batch(events, as_of):
    """A correct batch implementation written with plain pandas comparisons."""
    inside = (events["ts"] > as_of - pd.Timedelta(days=30)) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def _month_to_date(events, as_of):
    """The calendar-month bug: from the first of the month, not 30 days back."""
    first = as_of.normalize().replace(day=1)
    inside = (events["ts"] >= first) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def _local_midnight(events, as_of):
    """The local-time bug: event times read in New York's wall clock against a UTC cutoff."""
    local = events["ts"].dt.tz_convert("America/New_York").dt.tz_localize(None)
    end = as_of.tz_localize(None)
    inside = (local > end - pd.Timedelta(days=30)) & (local <= end)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


DAILY = [pd.Timestamp("2024-06-01", tz="UTC") + pd.Timedelta(days=d) for d in range(30)]


def test_consistency_report_passes_a_correct_batch_job():
    """A correct batch job agrees with the stream at every checkpoint."""
    report = features.consistency_report(_right_batch, _events(9), DAILY)
    assert report.ok, report
    assert report.n_mismatched == 0
    assert "consistent with the stream at all 30 checkpoints" in str(report)


@pytest.mark.parametrize("bug", [_month_to_date, _local_midnight])
def test_consistency_report_catches_the_calendar_month_and_local_time_bugs(bug):
    """Month-to-date and local-time windows disagree with the stream, and the report says where."""
    events = _events(10, n=800, grid_hours=1)
    report = features.consistency_report(bug, events, DAILY)
    assert not report.ok
    assert report.n_mismatched > 0
    assert "INCONSISTENT" in str(report) and bug.__name__ in str(report)
    # independent count of the mismatches at one checkpoint, by brute force
    as_of = DAILY[5].to_pydatetime()
    keys = sorted(set(events["customer_id"]))
    got = bug(events, DAILY[5]).reindex(keys).fillna(0.0)
    rows = _rows(events)
    want = np.array([_brute(rows, k, as_of, 30, "right") for k in keys])
    assert report.table["mismatched"].iloc[5] == int((abs(got.to_numpy() - want) > 1e-6).sum())


def test_a_shared_reference_gives_the_same_report():
    """Passing the stream's table in gives the report a fresh replay gives."""
    events = _events(16, n=300, grid_hours=1)
    table = features.stream_window_sums(events, DAILY)
    for fn in (_right_batch, _month_to_date):
        shared = features.consistency_report(fn, events, DAILY, reference=table)
        fresh = features.consistency_report(fn, events, DAILY)
        pd.testing.assert_frame_equal(shared.table, fresh.table)
    with pytest.raises(ValueError, match="`reference` must be the table"):
        features.consistency_report(_right_batch, events, DAILY, reference=table.iloc[:, :3])


def test_consistency_report_catches_an_off_by_one_edge():
    """A window that counts the event exactly 30 days back differs where events sit on the edge."""

    def closed_both(events, as_of):
        inside = (events["ts"] >= as_of - pd.Timedelta(days=30)) & (events["ts"] <= as_of)
        return events[inside].groupby("customer_id")["watch_hours"].sum()

    report = features.consistency_report(closed_both, _events(11, grid_hours=24), DAILY)
    assert not report.ok


def test_consistency_report_refuses_a_function_that_returns_nothing():
    """A batch function without `return` is told so, naming it."""

    def forgot(events, as_of):
        events.groupby("customer_id")["watch_hours"].sum()

    with pytest.raises(TypeError, match=r"`forgot` returned None.*forget `return`"):
        features.consistency_report(forgot, _events(12, n=30), DAILY[:2])
    with pytest.raises(ValueError, match="`atol` must be a number"):
        features.consistency_report(_right_batch, _events(12, n=30), DAILY[:2], atol=-1)
