"""Tests for the batch-vs-stream notebook's exercises: right, wrong and placeholder answers."""

from __future__ import annotations

import pandas as pd
import pytest

import mlsd.exercises as exercises
from mlsd.exercises import ch03_features

KEY = "ch03-features"

# The notebook's default context and another one (another facilitator's parameters).
WORK_CTXS = [{"window_days": 30, "rerun_hours": 6}, {"window_days": 30, "rerun_hours": 4}]
STALE_CTXS = [
    {"target_hours": 8, "batch_delay_hours": 2.0},
    {"target_hours": 8, "batch_delay_hours": 1.0},
    {"target_hours": 8, "batch_delay_hours": 0.5},
]


def test_questions_are_registered():
    """The five questions of the notebook are in the registry under the ch03-features key."""
    assert {
        f"{KEY}.reads_per_touch",
        f"{KEY}.batch_every_for_target",
        f"{KEY}.watch_hours_last_7d",
        f"{KEY}.shared_bug",
        f"{KEY}.skew_fix",
    } <= set(exercises.all_questions())


@pytest.mark.parametrize("label", ["q1", "q2", "q3", "q4", "q5"])
def test_the_placeholder_is_not_attempted(label):
    """`...` (what a learner edition holds) is "not attempted", naming the question's label."""
    question = next(
        q for q in exercises.all_questions().values() if q.label == label and KEY in q.qid
    )
    feedback = question.check(...)
    assert feedback.kind == "not attempted"
    assert f"{label}.hint()" in feedback.text


# ----------------------------------------------------------------------------- q1


@pytest.mark.parametrize("ctx", WORK_CTXS)
def test_reads_per_touch_right_answer(ctx):
    """Runs per window (30 days of hours over the interval) divided by two stream operations."""
    q = exercises.get(f"{KEY}.reads_per_touch")
    runs = ctx["window_days"] * 24 / ctx["rerun_hours"]  # 6 h: 120 runs read each play
    assert q.check(runs / 2, **ctx).correct
    window = pd.Timedelta(days=ctx["window_days"])  # the notebook's solution, as written
    assert q.check(window / pd.Timedelta(hours=ctx["rerun_hours"]) / 2, **ctx).correct


@pytest.mark.parametrize("ctx", WORK_CTXS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda d, h: d * 24 / h, "twice"),
        (lambda d, h: d / h / 2, "units"),
        (lambda d, h: d / 2, "nightly"),
    ],
)
def test_reads_per_touch_mistakes_are_named(ctx, wrong, says):
    """Forgetting the stream's two operations, mixing days and hours, or the nightly ratio."""
    q = exercises.get(f"{KEY}.reads_per_touch")
    fb = q.check(wrong(ctx["window_days"], ctx["rerun_hours"]), **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text


# ----------------------------------------------------------------------------- q2


@pytest.mark.parametrize("ctx", STALE_CTXS)
def test_batch_every_right_answer(ctx):
    """The cutoffs may be target minus delay hours apart (worst case every + delay = target)."""
    q = exercises.get(f"{KEY}.batch_every_for_target")
    assert q.check(8 - ctx["batch_delay_hours"], **ctx).correct


@pytest.mark.parametrize("ctx", STALE_CTXS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda t, d: t, "counts against"),
        (lambda t, d: 2 * (t - d), "average"),
        (lambda t, d: t + d, "subtract"),
    ],
)
def test_batch_every_mistakes_are_named(ctx, wrong, says):
    """Ignoring the delay, holding the average to the target, or adding the delay."""
    q = exercises.get(f"{KEY}.batch_every_for_target")
    fb = q.check(wrong(ctx["target_hours"], ctx["batch_delay_hours"]), **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_batch_every_without_delay_is_simply_the_target():
    """With no delay, answering the target itself is right (that mistake cannot apply)."""
    q = exercises.get(f"{KEY}.batch_every_for_target")
    assert q.check(8, target_hours=8, batch_delay_hours=0.0).correct


# ----------------------------------------------------------------------------- q3


def right_7d(events, as_of):
    """The notebook's solution, as a learner would type it."""
    inside = (events["ts"] > as_of - pd.Timedelta(days=7)) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def right_7d_with_zeros(events, as_of):
    """Right too: every customer of the log listed, with 0 for those who did not watch."""
    start = as_of - pd.Timedelta(days=7)
    hours = events["watch_hours"].where((events["ts"] > start) & (events["ts"] <= as_of), 0.0)
    return hours.groupby(events["customer_id"]).sum()


def test_watch_hours_last_7d_right_answers():
    """A group-by sum over (as_of - 7 days, as_of], with or without zero rows, is correct."""
    q = exercises.get(f"{KEY}.watch_hours_last_7d")
    assert q.check(right_7d).correct
    assert q.check(right_7d_with_zeros).correct


def test_the_reference_agrees_with_a_hand_count():
    """On the checker's first case the 7-day sums are the ones counted by hand."""
    events, as_of = ch03_features._week_cases()[0]
    got = ch03_features._reference_last_7d(events, as_of)
    assert got.to_dict() == pytest.approx({"a": 1.5 + 0.7, "b": 1.2 + 0.4 + 0.0, "d": 0.3})


def last_30d(events, as_of):
    inside = (events["ts"] > as_of - pd.Timedelta(days=30)) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def calendar_week(events, as_of):
    monday = as_of.normalize() - pd.Timedelta(days=as_of.day_of_week)
    inside = (events["ts"] >= monday) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def swapped_edges(events, as_of):
    inside = (events["ts"] >= as_of - pd.Timedelta(days=7)) & (events["ts"] < as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def new_york_time(events, as_of):
    local = events["ts"].dt.tz_convert("America/New_York").dt.tz_localize(None)
    end = as_of.tz_localize(None)
    inside = (local > end - pd.Timedelta(days=7)) & (local <= end)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (last_30d, "last 30 days"),
        (calendar_week, "calendar week"),
        (swapped_edges, "edges are swapped"),
        (new_york_time, "New York"),
    ],
)
def test_watch_hours_last_7d_mistakes_are_named(wrong, says):
    """The 30-day copy, the calendar week, swapped edges and local time get their messages."""
    fb = exercises.get(f"{KEY}.watch_hours_last_7d").check(wrong)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_watch_hours_last_7d_other_answers():
    """No return, a number, a crash: each gets a message that does not give the answer."""
    q = exercises.get(f"{KEY}.watch_hours_last_7d")

    def forgot(events, as_of):
        events.groupby("customer_id")["watch_hours"].sum()

    assert "forget `return`" in q.check(forgot).text
    assert "pandas Series" in q.check(lambda events, as_of: 3.0).text
    assert "raised KeyError" in q.check(lambda events, as_of: events["hours"]).text
    assert "Expected a function" in q.check(4).text

    def mutates(events, as_of):
        events.drop(events.index, inplace=True)
        return right_7d(events, as_of)

    q.check(mutates)  # a learner's function cannot spoil the checker's own cases
    assert q.check(right_7d).correct


def test_watch_hours_last_7d_without_the_customer_index_is_named():
    """A result indexed 0, 1, 2 (reset_index, or no group-by) is told to keep `customer_id`."""
    q = exercises.get(f"{KEY}.watch_hours_last_7d")

    def positions(events, as_of):
        return right_7d(events, as_of).reset_index(drop=True)

    def per_play(events, as_of):
        inside = (events["ts"] > as_of - pd.Timedelta(days=7)) & (events["ts"] <= as_of)
        return events.loc[inside, "watch_hours"]

    for wrong in (positions, per_play):
        fb = q.check(wrong)
        assert fb.kind == "incorrect"
        assert "not indexed by `customer_id`" in fb.text


# ----------------------------------------------------------------------------- q4, q5


@pytest.mark.parametrize(("qid", "right"), [(f"{KEY}.shared_bug", "c"), (f"{KEY}.skew_fix", "b")])
def test_choice_questions_give_a_reason_for_every_option(qid, right):
    """The right letter is correct with its reason; each wrong letter gets its own reason."""
    q = exercises.get(qid)
    assert q.check(right).correct and q.check(f" ({right.upper()}) ").correct
    reasons = set()
    for letter in q.options:
        if letter != right:
            fb = q.check(letter)
            assert fb.kind == "incorrect"
            reasons.add(fb.text)
    assert len(reasons) == len(q.options) - 1
    assert q.check("e").kind == "incorrect"


def test_watch_hours_last_7d_hint_names_the_section_that_writes_the_pattern():
    """The first hint's section number is the notebook section that defines `watch_hours_30d`."""
    import json
    import re
    from pathlib import Path

    notebook = Path(__file__).parents[1] / "notebooks/ch03-data-engineering"
    cells = json.loads((notebook / "02-batch-vs-stream-features.ipynb").read_text())["cells"]
    section = None
    for cell in cells:
        text = "".join(cell["source"])
        heading = re.match(r"## (\d+)\. ", text)
        if cell["cell_type"] == "markdown" and heading:
            section = heading.group(1)
        if cell["cell_type"] == "code" and "def watch_hours_30d(" in text:
            break
    first = exercises.get(f"{KEY}.watch_hours_last_7d").hints[0]
    assert first.startswith(f"Section {section}'s `watch_hours_30d`"), (section, first)
