"""Exercises for the chapter-3 notebook on batch and streaming features.

Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb

Each ``solve`` computes the expected answer by its own route (arithmetic on the context, or,
for the function question, a loop over the checker's own events with Python datetimes), not
through ``mlsd.features``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch03-features"


# ----------------------------------------------------------------------------- q1: work


def _reads_per_touch(*, window_days: float, rerun_hours: float) -> float:
    runs_per_event = window_days * 24.0 / rerun_hours  # runs whose window holds the event
    return runs_per_event / 2.0  # the stream touches each event twice: add, evict


READS_PER_TOUCH = register(
    Question(
        qid=f"{KEY}.reads_per_touch",
        prompt=(
            "A team wants a fresher batch feature and proposes to rerun the batch job every "
            "`rerun_hours` = 6 hours instead of nightly. Each run recomputes the sum over the "
            "last 30 days (`window`), so a play is read again by every run whose window holds "
            "it. The stream processor touches each play twice: once to add it, once to evict "
            "it. Per play, how many batch reads is that for each stream operation? Store it "
            "in `reads_per_touch`."
        ),
        solve=_reads_per_touch,
        hints=(
            "How many runs, `rerun_hours` apart, fall within the 30 days a play spends inside "
            "the window? Mind the units: the window is in days, the interval in hours.",
            "`window / pd.Timedelta(hours=rerun_hours)` counts the runs; divide by the "
            "stream's two operations per play.",
        ),
        solution_text=(
            "```python\nreads_per_touch = window / pd.Timedelta(hours=rerun_hours) / 2\n```\n"
            "120 runs read each play while the stream touches it twice: 60 times the work, "
            "and the batch feature is still up to 6 hours (plus the job's delay) old."
        ),
        rtol=0.01,
        context_keys=("window_days", "rerun_hours"),
        label="q1",
        mistakes=(
            Mistake(
                "That is the number of batch runs that read each play; the question compares "
                "it with the stream's operations per play, and the stream touches each play "
                "twice (add and evict).",
                lambda *, window_days, rerun_hours: window_days * 24.0 / rerun_hours,
            ),
            Mistake(
                "Check the units: the window is 30 *days* and the runs are `rerun_hours` "
                "*hours* apart; convert one into the other before dividing.",
                lambda *, window_days, rerun_hours: window_days / rerun_hours / 2.0,
            ),
            Mistake(
                "That is the ratio for the nightly job (one run a day). The question asks "
                "about a run every `rerun_hours` hours.",
                lambda *, window_days, rerun_hours: window_days / 2.0,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- q2: staleness


def _batch_every_for_target(*, target_hours: float, batch_delay_hours: float) -> float:
    return target_hours - batch_delay_hours  # worst case: every + delay <= target


BATCH_EVERY = register(
    Question(
        qid=f"{KEY}.batch_every_for_target",
        prompt=(
            "The retention team wants the feature the model sees never to be older than "
            "`target_hours` = 8 hours. A batch result is served `batch_delay_hours` after its "
            "cutoff (the notebook's parameter). At most how many hours apart may the batch "
            "cutoffs be? Store the number of hours in `max_batch_every_hours`."
        ),
        solve=_batch_every_for_target,
        hints=(
            "Section 4 measured the staleness at each visit and bounded it: what is the "
            "*largest* staleness for cutoffs `every` hours apart and a delay of "
            "`batch_delay_hours`?",
            "The worst case is a request just before the next result lands: "
            "`every + batch_delay_hours`. Set it equal to the target and solve for `every`.",
        ),
        solution_text="```python\nmax_batch_every_hours = target_hours - batch_delay_hours\n```",
        rtol=0.01,
        atol=0.01,
        context_keys=("target_hours", "batch_delay_hours"),
        label="q2",
        mistakes=(
            Mistake(
                "A result is served `batch_delay_hours` after its cutoff, so just before the "
                "next result lands the feature is `every + batch_delay_hours` old: the delay "
                "counts against the target.",
                lambda *, target_hours, batch_delay_hours: target_hours,
            ),
            Mistake(
                "That holds the *average* staleness (`every / 2 + delay`) to the target; the "
                "team asked that the feature is *never* older, the worst case.",
                lambda *, target_hours, batch_delay_hours: 2.0 * (target_hours - batch_delay_hours),
            ),
            Mistake(
                "The delay makes the feature older, not younger: subtract it from the target.",
                lambda *, target_hours, batch_delay_hours: target_hours + batch_delay_hours,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- q3: 7-day window

_CASE_EPOCH = dt.datetime(2024, 7, 3, tzinfo=dt.UTC)  # a Wednesday


def _case(as_of: dt.datetime, offsets_h: list[tuple[str, float, float]]) -> tuple:
    """An event log of its own: (customer, hours relative to as_of, watch hours) per event."""
    rows = [(c, as_of + dt.timedelta(hours=h), w) for c, h, w in offsets_h]
    frame = pd.DataFrame(
        {
            "customer_id": pd.array([r[0] for r in rows], dtype="string"),
            "ts": pd.to_datetime([r[1] for r in rows], utc=True).as_unit("ns"),
            "event": ["play" if r[2] > 0 else "impression" for r in rows],
            "watch_hours": [r[2] for r in rows],
        }
    ).sort_values("ts", kind="stable", ignore_index=True)
    return (frame, pd.Timestamp(as_of))


def _week_cases() -> list[tuple]:
    week = 7 * 24.0
    edges = [
        ("a", 0.0, 1.5),  # exactly at as_of: inside (t - 7 days, t]
        ("a", -week, 2.0),  # exactly 7 days back: outside
        ("a", -week + 3.0, 0.7),  # 3 hours inside the far edge
        ("b", -100.0, 1.2),  # four days back, before the Monday of this week
        ("b", -30.0, 0.4),
        ("b", -40.0, 0.0),  # an impression, no watch hours
        ("c", -week - 20.0, 3.0),  # only before the window
        ("c", 2.0, 1.0),  # two hours after as_of: not yet
        ("d", -200.0, 0.8),  # eight days back: outside a 7-day window, inside 30 days
        ("d", -1.0, 0.3),
    ]
    mid_day = [
        ("a", -5.0, 0.5),
        ("b", -170.0, 2.5),  # 170 h back: outside (the window is 168 h)
        ("b", -160.0, 1.0),
        ("c", -60.0, 0.9),
        ("d", -400.0, 4.0),  # 400 h back: in 30 days, not in 7
    ]
    return [
        _case(_CASE_EPOCH, edges),
        _case(_CASE_EPOCH + dt.timedelta(days=4, hours=13, minutes=30), mid_day),
    ]


def _reference_last_7d(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Watch hours per customer in (as_of - 7 days, as_of], one event at a time."""
    end = as_of.to_pydatetime()
    start = end - dt.timedelta(days=7)
    totals: dict[str, float] = {}
    for customer, ts, hours in zip(
        events["customer_id"], events["ts"], events["watch_hours"], strict=True
    ):
        if start < ts.to_pydatetime() <= end:
            totals[customer] = totals.get(customer, 0.0) + float(hours)
    return pd.Series(totals, dtype=float)


def _window_wrong(days: float, *, left: bool = False, local: str | None = None):
    def wrong(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
        ts, end = events["ts"], as_of
        if local is not None:  # wall-clock time of the head office, no zone
            ts = ts.dt.tz_convert(local).dt.tz_localize(None)
            end = as_of.tz_localize(None)
        start = end - pd.Timedelta(days=days)
        inside = (ts >= start) & (ts < end) if left else (ts > start) & (ts <= end)
        return events[inside].groupby("customer_id")["watch_hours"].sum()

    return wrong


def _calendar_week(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    monday = as_of.normalize() - pd.Timedelta(days=as_of.weekday())
    inside = (events["ts"] >= monday) & (events["ts"] <= as_of)
    return events[inside].groupby("customer_id")["watch_hours"].sum()


def _as_series(value: Any) -> pd.Series | None:
    if isinstance(value, pd.DataFrame) and value.shape[1] == 1:
        value = value.iloc[:, 0]
    if isinstance(value, dict):
        value = pd.Series(value, dtype=float)
    if not isinstance(value, pd.Series) or not pd.api.types.is_numeric_dtype(value):
        return None
    return value.astype(float)


class _SeriesFunctionQuestion(FunctionQuestion):
    """A function question whose answers are Series by customer: compared key by key.

    A customer missing from one side counts as 0 on it, so a function that lists customers
    without watching (with 0) and one that leaves them out are both right.
    """

    def _compare(self, answer: Any, expected: Any, **context: Any) -> str | None:
        if not callable(answer):
            return f"Expected a function (define it with `def`), got a {type(answer).__name__}."
        for args, want in expected:
            try:
                got = answer(*(a.copy() if isinstance(a, pd.DataFrame) else a for a in args))
            except Exception as exc:
                return f"Your function raised {type(exc).__name__}: {exc}."
            if got is None:
                return "Your function returned None: did you forget `return`?"
            mine = _as_series(got)
            if mine is None:
                return (
                    "Your function must return a pandas Series of watch hours indexed by "
                    f"`customer_id` (a group-by sum), got a {type(got).__name__}."
                )
            customers = set(args[0]["customer_id"])
            strangers = [key for key in mine.index if key not in customers]
            if strangers:
                return (
                    "Your function's result is not indexed by `customer_id`: its index holds "
                    f"{strangers[0]!r}, which is not a customer of the checker's events. Return "
                    "the group-by sum with the customers as its index (no `reset_index`)."
                )
            keys = mine.index.union(want.index)
            a = mine.groupby(level=0).sum().reindex(keys, fill_value=0.0).to_numpy()
            b = want.reindex(keys, fill_value=0.0).to_numpy()
            if not np.allclose(a, b, rtol=0.0, atol=1e-9):
                as_of = args[1]
                return (
                    f"Your function gives different watch hours on the checker's events as of "
                    f"{as_of:%Y-%m-%d %H:%M} UTC. Look at the events near the window's edges."
                )
        return None


LAST_7D = register(
    _SeriesFunctionQuestion(
        qid=f"{KEY}.watch_hours_last_7d",
        prompt=(
            "The model's next version wants a shorter memory too. Write the batch function "
            "`watch_hours_last_7d(events, as_of)`: given an event log with the columns "
            "`customer_id`, `ts` (time-zone aware, UTC) and `watch_hours`, and a UTC "
            "timestamp `as_of`, return each customer's watch hours in the 7 days up to "
            "`as_of`, the window `(as_of - 7 days, as_of]` (an event exactly at `as_of` counts, "
            "one exactly 7 days earlier does not), as a Series indexed by `customer_id`. "
            "Customers without watching may be left out. The checker calls your function on "
            "event logs of its own, with events on the window's edges, and `as_of` on a "
            "Wednesday."
        ),
        solve=_reference_last_7d,
        cases=_week_cases,
        hints=(
            "Section 3's `watch_hours_30d` is the pattern: keep the events inside the window, "
            "group by customer, sum.",
            "Compare `events['ts']` with `as_of - pd.Timedelta(days=7)` (strictly greater) and "
            "with `as_of` (less or equal), both in UTC.",
        ),
        solution_text=(
            "```python\n"
            "def watch_hours_last_7d(events, as_of):\n"
            '    inside = (events["ts"] > as_of - pd.Timedelta(days=7)) & (events["ts"] <= as_of)\n'
            '    return events[inside].groupby("customer_id")["watch_hours"].sum()\n'
            "```"
        ),
        label="q3",
        mistakes=(
            Mistake(
                "Your function sums the last 30 days: the question asks for 7.",
                _window_wrong(30.0),
            ),
            Mistake(
                "Your function sums the calendar week (since Monday); the feature is the 7 "
                "days up to `as_of`, whatever the weekday, the same bug as section 5's "
                "calendar month.",
                _calendar_week,
            ),
            Mistake(
                "Your window's edges are swapped: it counts the event exactly 7 days back and "
                "leaves out the one exactly at `as_of`. The window is `(as_of - 7 days, "
                "as_of]`: `>` at the start, `<=` at the end.",
                _window_wrong(7.0, left=True),
            ),
            Mistake(
                "Your function compares wall-clock times of New York with a UTC cutoff, "
                "section 5's local-time bug: keep both in UTC.",
                _window_wrong(7.0, local="America/New_York"),
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- q4: blind spot

SHARED_BUG = register(
    ChoiceQuestion(
        qid=f"{KEY}.shared_bug",
        prompt=(
            "Section 5's consistency test compares the batch job with the stream processor "
            "at every checkpoint. Which of these bugs would it **not** catch? Store the letter "
            "in `blind_spot`."
        ),
        solve=lambda: "c",
        hints=(
            "The test compares two implementations with each other. What if both are wrong "
            "in the same way?",
            "Section 2 compared the batch feature with something else as well: the snapshot's "
            "column, computed from the definition.",
        ),
        solution_text='```python\nblind_spot = "c"\n```',
        options={
            "a": "The batch job sums the calendar month so far instead of the last 30 days.",
            "b": "The batch job reads event times in New York's wall-clock time; the stream "
            "uses UTC.",
            "c": "Both pipelines call one shared helper that also counts autoplay trailers as "
            "watch hours.",
            "d": "The stream processor evicts a play 30 days after the customer's first play "
            "instead of 30 days after the play itself.",
        },
        reasons={
            "a": "The test catches it: month to date and the last 30 days differ at almost "
            "every checkpoint, most on the first days of a month (section 5's figure).",
            "b": "The test catches it: the local-time window is shifted by four hours, so "
            "every customer who watched near the edges differs.",
            "c": "Right: both pipelines compute the same wrong number, so they agree and the "
            "test passes. Only a comparison with the definition itself (section 2's check "
            "against the snapshot, a hand-computed example, a unit test on known events) "
            "finds a bug the two implementations share.",
            "d": "The test catches it: the stream then keeps or drops the wrong plays and "
            "disagrees with the batch recomputation at the next checkpoints.",
        },
        label="q4",
    )
)


# ----------------------------------------------------------------------------- q5: the fix

SKEW_FIX = register(
    ChoiceQuestion(
        qid=f"{KEY}.skew_fix",
        prompt=(
            "The model was trained on correct 30-day features, but for a year it has been "
            "served the month-to-date feature of section 5. Which change removes this kind of "
            "train-serve skew for good, rather than for this bug? Store the letter in "
            "`skew_fix`."
        ),
        solve=lambda: "b",
        hints=(
            "Skew comes from two implementations of one feature drifting apart. Which option "
            "leaves one implementation, and keeps checking it?",
        ),
        solution_text='```python\nskew_fix = "b"\n```',
        options={
            "a": "Retrain the model on month-to-date features, so that training matches serving.",
            "b": "Compute the feature once for both: serve the stream's value, log what the "
            "model was served and train on those logs, and run the consistency test on every "
            "change to either pipeline.",
            "c": "Run the batch job every hour instead of every night.",
            "d": "Watch the model's accuracy and retrain it when accuracy drops.",
        },
        reasons={
            "a": "It makes training and serving agree today, but the feature then means "
            "something different on the 3rd of a month than on the 28th, and the two pipelines "
            "can drift apart again with the next change: the cause, two implementations, "
            "stays.",
            "b": "Right: one definition computed in one place, with the values the model was "
            "actually served logged as its training data, leaves nothing to drift apart; the "
            "consistency test guards what remains (the book's advice against train-serve "
            "skew).",
            "c": "An hourly job is fresher, but month to date is wrong whatever the schedule: "
            "section 5's bug does not depend on how often the job runs.",
            "d": "The labels arrive 30 days after each decision, so the money is lost before "
            "accuracy can move, and section 6 shows that the damage is in the decisions "
            "near the threshold, which an overall accuracy hardly registers.",
        },
        label="q5",
    )
)
