"""Tests for the formats-and-engines notebook's exercises: right, wrong and placeholder answers."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

import mlsd.exercises as exercises
from mlsd import simulate
from mlsd.exercises import ch03_formats

# Two contexts: the notebook's shape, and another.
GAP_CTXS = [{"n_rows": 100_000, "n_cols": 32}, {"n_rows": 5_000, "n_cols": 7}]


def _events(seed: int, n: int = 60, history_days: int = 60) -> pd.DataFrame:
    return simulate.make_events(
        simulate.make_customers(n, seed=seed), seed=seed, history_days=history_days
    )


@pytest.fixture(scope="module")
def event_logs() -> list[pd.DataFrame]:
    """The notebook's kind of event log on two seeds (the notebook's default and another)."""
    return [_events(42), _events(7, n=80, history_days=45)]


def test_questions_are_registered():
    """The five questions of the notebook are in the registry under the ch03-formats key."""
    assert {
        "ch03-formats.column_gap_bytes",
        "ch03-formats.restore_types",
        "ch03-formats.engine_for_the_job",
        "ch03-formats.take_rate_30d",
        "ch03-formats.etl_or_elt",
    } <= set(exercises.all_questions())


# -- q1: column gap --------------------------------------------------------------------------


@pytest.mark.parametrize("ctx", GAP_CTXS)
def test_column_gap_right_answer_is_numpys_stride(ctx):
    """NumPy's own row stride of a C-ordered float64 array is accepted."""
    array = np.zeros((ctx["n_rows"], ctx["n_cols"]))
    q = exercises.get("ch03-formats.column_gap_bytes")
    assert q.check(array.strides[0], **ctx).correct
    assert not q.check(array.strides[0] + 8, **ctx).correct


@pytest.mark.parametrize("ctx", GAP_CTXS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda ctx: np.zeros((ctx["n_rows"], ctx["n_cols"])).strides[1], "in a **row**"),
        (
            lambda ctx: np.asfortranarray(np.zeros((ctx["n_rows"], ctx["n_cols"]))).strides[1],
            "column-major",
        ),
        (lambda ctx: ctx["n_cols"], "each float64 takes 8 bytes"),
    ],
)
def test_column_gap_mistakes_are_named(ctx, wrong, says):
    """The row neighbour's gap, the Fortran-order gap and a count of values each get a message."""
    fb = exercises.get("ch03-formats.column_gap_bytes").check(wrong(ctx), **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_column_gap_placeholder_and_none():
    """The placeholder is not attempted; None has its own message."""
    q = exercises.get("ch03-formats.column_gap_bytes")
    assert q.check(..., **GAP_CTXS[0]).kind == "not attempted"
    assert "None" in q.check(None, **GAP_CTXS[0]).title


# -- q2: restore types -----------------------------------------------------------------------


def _through_csv(events: pd.DataFrame) -> pd.DataFrame:
    buffer = io.StringIO()
    events.to_csv(buffer, index=False)
    buffer.seek(0)
    return pd.read_csv(buffer)


def test_reference_restore_gives_back_the_original_event_log():
    """The checker's reference turns a CSV round trip back into the simulator's exact frame."""
    customers = simulate.make_customers(6, seed=3)
    customers.loc[0, "sessions_30d"] = 0  # some events outside a session
    events = simulate.make_events(customers, seed=3, history_days=30)
    assert events["session_id"].isna().any()
    restored = ch03_formats._reference_restore(_through_csv(events))
    pd.testing.assert_frame_equal(restored, events, check_exact=False, rtol=1e-12)


def _restore_by_dtype_map(frame):
    """A right answer written another way: a dtype mapping and format-guessing parser."""
    kinds = pd.CategoricalDtype(["session", "impression", "click", "play", "cancel_page"])
    out = frame.astype({"event": kinds, "session_id": "Int64"})
    out["ts"] = pd.to_datetime(out["ts"], format="ISO8601").dt.tz_convert("UTC")
    return out


def _restore_in_place(frame):
    """A right answer that changes its argument in place and returns it."""
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["event"] = pd.Categorical(frame["event"], categories=simulate.EVENT_TYPES)
    frame["session_id"] = frame["session_id"].astype("Int64")
    return frame


@pytest.mark.parametrize("right", [_restore_by_dtype_map, _restore_in_place])
def test_restore_types_right_answers(right):
    """Two correct functions, written differently, are accepted."""
    assert exercises.get("ch03-formats.restore_types").check(right).correct


def _naive_times(frame):
    out = _restore_by_dtype_map(frame)
    out["ts"] = out["ts"].dt.tz_localize(None)
    return out


def _forgot_return(frame):
    frame.astype({"session_id": "Int64"})


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (ch03_formats._alphabetical_categories, "sorts the categories alphabetically"),
        (ch03_formats._session_as_read, "`session_id` is still as read"),
        (ch03_formats._ts_as_text, "`ts` is still text as read"),
        (_naive_times, "lost its time zone"),
        (lambda frame: frame.drop(columns="play_delay_s"), "Keep every row and every column"),
        (lambda frame: 42, "should return a DataFrame"),
        (_forgot_return, "forget `return`"),
        ("restore_types", "Expected a function"),
    ],
)
def test_restore_types_mistakes_are_named(wrong, says):
    """Each likely mistake, and a function that returns nothing or no frame, gets its message."""
    fb = exercises.get("ch03-formats.restore_types").check(wrong)
    assert fb.kind == "incorrect"
    assert says in fb.text, fb.text


def test_restore_types_stub_is_not_attempted():
    """A function whose body is still the learner edition's `...` counts as not attempted."""

    def restore_types(frame): ...

    assert exercises.get("ch03-formats.restore_types").check(restore_types).kind == (
        "not attempted"
    )


# -- q3 and q5: choices ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qid", "right"),
    [("ch03-formats.engine_for_the_job", "b"), ("ch03-formats.etl_or_elt", "c")],
)
def test_choices_right_letter_and_a_reason_for_every_wrong_one(qid, right):
    """The right letter is correct; each wrong letter is refused with its own reason."""
    q = exercises.get(qid)
    assert q.check(right.upper()).correct
    messages = set()
    for letter in q.options:
        if letter != right:
            fb = q.check(letter)
            assert fb.kind == "incorrect"
            assert fb.text == q.reasons[letter]
            messages.add(fb.text)
    assert len(messages) == len(q.options) - 1
    assert q.check(...).kind == "not attempted"
    assert "one letter" in q.check("bc").text


# -- q4: take-rate over the window ------------------------------------------------------------


def _take_rate_by_loop(events: pd.DataFrame) -> float:
    """Clicks over impressions in (as_of - 30 days, as_of], counted in a plain loop."""
    as_of = pd.Timestamp(events.attrs["truth"]["as_of"])
    start = as_of - pd.Timedelta(days=30)
    clicks = impressions = 0
    for when, kind in zip(events["ts"], events["event"], strict=True):
        if start < when <= as_of:
            clicks += kind == "click"
            impressions += kind == "impression"
    return clicks / impressions


def test_take_rate_right_answer_on_two_logs(event_logs):
    """A loop's count of clicks over impressions in the window is correct on both logs."""
    q = exercises.get("ch03-formats.take_rate_30d")
    for events in event_logs:
        assert q.check(_take_rate_by_loop(events), events=events).correct
        assert q.check(..., events=events).kind == "not attempted"


def test_take_rate_equals_the_snapshots_ratio_of_sums(event_logs):
    """The expected answer is the snapshot's own 30-day columns, summed, divided."""
    events = event_logs[0]
    customers = simulate.make_customers(60, seed=42)
    want = customers["quality_plays_30d"].sum() / customers["recs_shown_30d"].sum()
    assert ch03_formats._solve_take_rate(events=events) == pytest.approx(want, rel=1e-12)


def _whole_log(events):
    counts = events["event"].value_counts()
    return counts["click"] / counts["impression"]


def _plays(events):
    recent = events[
        events["ts"] > pd.Timestamp(events.attrs["truth"]["as_of"]) - pd.Timedelta(days=30)
    ]
    counts = recent["event"].value_counts()
    return counts["play"] / counts["impression"]


def _per_customer_mean(events):
    recent = events[
        events["ts"] > pd.Timestamp(events.attrs["truth"]["as_of"]) - pd.Timedelta(days=30)
    ]
    table = pd.crosstab(recent["customer_id"], recent["event"].astype(str))
    table = table[table["impression"] > 0]
    return (table["click"] / table["impression"]).mean()


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (_whole_log, "over the whole log"),
        (_plays, "You counted every `play`"),
        (_per_customer_mean, "mean of each customer's own take-rate"),
    ],
)
def test_take_rate_mistakes_are_named_and_outside_the_tolerance(event_logs, wrong, says):
    """Each wrong method, computed independently, gets its own message on both logs."""
    q = exercises.get("ch03-formats.take_rate_30d")
    for events in event_logs:
        answer = wrong(events)
        assert abs(answer / q.expected(events=events) - 1) > 100 * q.rtol
        fb = q.check(answer, events=events)
        assert fb.kind == "incorrect"
        assert says in fb.text
