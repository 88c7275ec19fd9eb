"""Exercises for the chapter-3 notebook on data formats and storage engines ("Row or column?").

Taught in: notebooks/ch03-data-engineering/01-formats-and-engines.ipynb

Each ``solve`` recomputes the expected answer by its own route (plain NumPy counts, dtype
arithmetic, a reference parser), not by reusing the notebook's code. Each question lists the
wrong methods a learner is likely to use as :class:`Mistake` s, so the feedback names the
mistake without giving the answer away.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd

from mlsd import simulate
from mlsd.exercises import (
    ChoiceQuestion,
    FunctionQuestion,
    Mistake,
    Question,
    register,
)

KEY = "ch03-formats"

FLOAT_BYTES = 8  # one float64


# -- q1: how far apart are a column's neighbours in a C-ordered array? ----------------------


def _solve_column_gap(*, n_rows: int, n_cols: int) -> int:
    """Bytes between row i and row i + 1 of one column of a C-ordered float64 array."""
    return FLOAT_BYTES * int(n_cols)  # a whole row of floats lies in between


COLUMN_GAP = register(
    Question(
        qid=f"{KEY}.column_gap_bytes",
        label="q1",
        prompt=(
            "`c_order` is a float64 array of shape `(n_rows, n_cols)` stored in C (row-major) "
            "order, as NumPy stores arrays by default. Two neighbouring values of **one "
            "column** (row `i` and row `i + 1`, same column): how many **bytes** apart are "
            "they in memory? Store the number in `column_gap_bytes`. (A float64 takes 8 "
            "bytes.)"
        ),
        solve=_solve_column_gap,
        hints=(
            "In row-major order a whole row is stored before the next row starts. What lies "
            "between row `i`'s value and row `i + 1`'s value of the same column?",
            "One full row of `n_cols` floats of 8 bytes each; NumPy reports it too, in "
            "`c_order.strides` (bytes to step along each axis).",
        ),
        solution_text="```python\ncolumn_gap_bytes = c_order.strides[0]\n```",
        rtol=0.0,
        atol=0.0,
        context_keys=("n_rows", "n_cols"),
        mistakes=(
            Mistake(
                "8 bytes is the gap between neighbours in a **row** of a C-ordered array (or "
                "in a column of a Fortran-ordered one); `c_order` is row-major.",
                lambda *, n_rows, n_cols: FLOAT_BYTES,
            ),
            Mistake(
                "That is the gap in a column-major (Fortran-ordered) array between neighbours "
                "in a row: a whole column lies in between there. `c_order` is row-major.",
                lambda *, n_rows, n_cols: FLOAT_BYTES * int(n_rows),
            ),
            Mistake(
                "That counts the values in between, not the bytes: each float64 takes 8 bytes.",
                lambda *, n_rows, n_cols: int(n_cols),
            ),
        ),
    )
)


# -- q2: restore the types a CSV file lost ------------------------------------------------


def _reference_restore(frame: pd.DataFrame) -> pd.DataFrame:
    """The event log's types, restored from a frame read by ``pd.read_csv`` with defaults."""
    out = frame.astype({"session_id": "Int64"})
    out["ts"] = pd.to_datetime(out["ts"], format="ISO8601", utc=True).dt.as_unit("ns")
    out["event"] = pd.Categorical(out["event"], categories=list(simulate.EVENT_TYPES))
    return out


def _csv_cases() -> list[tuple[pd.DataFrame]]:
    """Small event logs written to CSV and read back with ``pd.read_csv`` defaults."""
    cases = []
    for seed in (1, 2):
        customers = simulate.make_customers(6, seed=seed)
        customers.loc[0, "sessions_30d"] = 0  # events outside a session: missing session_id
        events = simulate.make_events(customers, seed=seed, history_days=30)
        buffer = io.StringIO()
        events.to_csv(buffer, index=False)
        buffer.seek(0)
        cases.append((pd.read_csv(buffer),))
    return cases


def _frame_problem(got: Any, want: pd.DataFrame) -> str | None:
    """What is wrong with ``got`` as a restored event log, or None when it is right."""
    if not isinstance(got, pd.DataFrame):
        return f"Your function should return a DataFrame, it returned a {type(got).__name__}."
    if list(got.columns) != list(want.columns) or len(got) != len(want):
        return "Keep every row and every column, in order: only the types should change."
    ts = got["ts"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        if pd.api.types.is_datetime64_dtype(ts):
            return "`ts` lost its time zone: the log's times are in UTC (`utc=True`)."
        return "`ts` is still text: parse it into date-times with `pd.to_datetime`."
    if str(ts.dt.tz) != "UTC" or not (ts.dt.as_unit("ns") == want["ts"]).all():
        return "`ts` holds other instants than the log: keep them in UTC."
    event = got["event"]
    if not isinstance(event.dtype, pd.CategoricalDtype):
        return "`event` is still text: make it a categorical column."
    if list(event.cat.categories) != list(want["event"].cat.categories):
        return (
            "`event` has other categories, or the same ones in another order: use the log's "
            "own list, `truth['event_types']`."
        )
    if not (event.astype(str) == want["event"].astype(str)).all():
        return "`event` holds other values than the log."
    session = got["session_id"]
    if str(session.dtype) != "Int64":
        return (
            "`session_id` should be a whole number with missing values allowed: pandas' "
            "nullable `'Int64'`, not float (where a missing id became NaN) or int64."
        )
    if not session.equals(want["session_id"]):
        return "`session_id` holds other ids than the log, or misses others."
    for col in ("customer_id", "watch_hours", "play_delay_s"):
        left, right = got[col], want[col]
        if col == "customer_id":
            same = (left.astype(str) == right.astype(str)).all()
        else:
            same = np.allclose(left.to_numpy(float), right.to_numpy(float), equal_nan=True)
        if not same:
            return f"`{col}` changed: it came through the CSV file right, leave it as it is."
    return None


class _FrameFunctionQuestion(FunctionQuestion):
    """A function question whose function returns a DataFrame, compared column by column."""

    def _compare(self, answer: Any, expected: Any, **context: Any) -> str | None:
        if not callable(answer):
            return f"Expected a function (define it with `def`), got a {type(answer).__name__}."
        for args, want in expected:
            try:
                got = answer(*(a.copy() for a in args))  # a copy: the cases stay as read
            except Exception as exc:
                return f"Your function raised {type(exc).__name__}: {exc}."
            if got is None:
                return "Your function returned None: did you forget `return`?"
            problem = _frame_problem(got, want)
            if problem is not None:
                return problem
        return None

    def _known_mistake(self, answer: Any, expected: Any, **context: Any) -> str | None:
        # A mistake matches when the learner's frames equal the wrong method's, type for type.
        if not callable(answer):
            return None
        for mistake in self.mistakes:
            try:
                for args, _ in expected:
                    pd.testing.assert_frame_equal(
                        answer(*(a.copy() for a in args)),
                        mistake.solve(*(a.copy() for a in args)),
                        check_exact=False,
                        rtol=1e-12,
                    )
            except Exception:  # not this mistake (or the function cannot run)
                continue
            return mistake.message
        return None


def _alphabetical_categories(frame: pd.DataFrame) -> pd.DataFrame:
    out = _reference_restore(frame)
    out["event"] = frame["event"].astype("category")
    return out


def _session_as_read(frame: pd.DataFrame) -> pd.DataFrame:
    out = _reference_restore(frame)
    out["session_id"] = frame["session_id"]
    return out


def _ts_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = _reference_restore(frame)
    out["ts"] = frame["ts"]
    return out


RESTORE_TYPES = register(
    _FrameFunctionQuestion(
        qid=f"{KEY}.restore_types",
        label="q2",
        prompt=(
            "A CSV file keeps the values but not the types. Write `restore_types(frame)`: "
            "given an event log read back with `pd.read_csv(path)` (defaults), return it with "
            "the types `events` has: `ts` as date-times in UTC (any resolution), `event` as a "
            "categorical with the log's categories in the log's order (`truth['event_types']`), "
            "and `session_id` as pandas' nullable integer `'Int64'` (missing outside a "
            "session); the other columns as they are, every row and column in place. The "
            "checker writes small event logs of its own to CSV, reads them back and calls "
            "your function on them."
        ),
        solve=_reference_restore,
        cases=lambda **_: _csv_cases(),
        hints=(
            "Compare `events.dtypes` with `from_csv.dtypes` (section 2): three columns "
            "changed type.",
            "`pd.to_datetime(..., format='ISO8601', utc=True)`, "
            "`pd.Categorical(..., categories=...)` and "
            "`.astype('Int64')`; work on a copy of `frame`.",
        ),
        solution_text=(
            "```python\n"
            "def restore_types(frame):\n"
            "    out = frame.copy()\n"
            '    out["ts"] = pd.to_datetime(out["ts"], format="ISO8601", utc=True)\n'
            '    out["event"] = pd.Categorical(out["event"], categories=truth["event_types"])\n'
            '    out["session_id"] = out["session_id"].astype("Int64")\n'
            "    return out\n"
            "```"
        ),
        mistakes=(
            Mistake(
                "`astype('category')` sorts the categories alphabetically; the log's "
                "categories follow a visit (session, impression, click, play, cancel page): "
                "pass them with `pd.Categorical(..., categories=truth['event_types'])`.",
                _alphabetical_categories,
            ),
            Mistake(
                "`session_id` is still as read: a column of whole numbers with gaps comes back "
                "from CSV as float, its missing ids as NaN. Make it `'Int64'`.",
                _session_as_read,
            ),
            Mistake(
                "`ts` is still text as read from the file: parse it with "
                "`pd.to_datetime(..., format='ISO8601', utc=True)`.",
                _ts_as_text,
            ),
        ),
    )
)


# -- q3: which engine for which question ---------------------------------------------------

ENGINE_CHOICE = register(
    ChoiceQuestion(
        qid=f"{KEY}.engine_for_the_job",
        label="q3",
        prompt=(
            "Two requests reach the data team. (1) The support app must show, while a customer "
            "is on the phone, that customer's events of the last week, in a few milliseconds. "
            "(2) Finance wants, every night, the total watch hours per region over all events "
            "of the last 30 days. Which storage serves them? Store the letter in "
            "`engine_answer`."
        ),
        solve=lambda: "b",
        hints=(
            "Section 4 timed both kinds of question on both stores.",
            "Which store finds one customer's rows without reading the others, and which "
            "reads two columns of every row without touching the rest?",
        ),
        solution_text='```python\nengine_answer = "b"\n```',
        options={
            "a": "Both from the Parquet files and the columnar engine: one copy is simpler.",
            "b": "(1) from a row store with an index on the customer (SQLite, Postgres); (2) "
            "from columnar files read by a columnar engine; the events are written to both.",
            "c": "(1) from the Parquet files; (2) from the row store with its index.",
            "d": "Both from CSV files: every tool opens them.",
        },
        reasons={
            "a": "The point lookup must scan every block of rows of the Parquet file (section 4 "
            "measured it many times slower than the index), and it grows with the log: "
            "millions of events is too slow for a phone call.",
            "b": "Right: an indexed row store jumps to one customer's rows (transactional "
            "processing, OLTP); a columnar engine reads only the columns a nightly aggregate "
            "needs (analytical processing, OLAP). Keeping both in step is the price.",
            "c": "That is each store on the job it is worst at: the columnar file scans "
            "everything to find one customer, and the row store reads every column of every "
            "row to sum one.",
            "d": "A CSV file must be parsed in full for either question, it is several times "
            "larger than Parquet (section 2) and it loses the types on the way.",
        },
    )
)


# -- q4: the company's take-rate over the snapshot's window, from the events ----------------


def _window(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Event types and customer ids of the events in (as_of - 30 days, as_of]."""
    as_of = pd.Timestamp(events.attrs["truth"]["as_of"])
    days = events.attrs["truth"]["window_days"]
    ts = events["ts"]
    inside = ((ts > as_of - pd.Timedelta(days=days)) & (ts <= as_of)).to_numpy()
    kind = events["event"].astype(str).to_numpy()[inside]
    who = events["customer_id"].astype(str).to_numpy()[inside]
    return kind, who


def _solve_take_rate(*, events: pd.DataFrame) -> float:
    kind, _ = _window(events)
    return float(np.sum(kind == "click") / np.sum(kind == "impression"))


def _take_rate_all_history(*, events: pd.DataFrame) -> float:
    kind = events["event"].astype(str).to_numpy()
    return float(np.sum(kind == "click") / np.sum(kind == "impression"))


def _take_rate_with_plays(*, events: pd.DataFrame) -> float:
    kind, _ = _window(events)
    return float(np.sum(kind == "play") / np.sum(kind == "impression"))


def _mean_of_customer_rates(*, events: pd.DataFrame) -> float:
    kind, who = _window(events)
    frame = pd.DataFrame({"click": kind == "click", "impression": kind == "impression"})
    sums = frame.groupby(who).sum()
    sums = sums[sums["impression"] > 0]
    return float((sums["click"] / sums["impression"]).mean())


TAKE_RATE = register(
    Question(
        qid=f"{KEY}.take_rate_30d",
        label="q4",
        prompt=(
            "The snapshot's take-rate counts, over the 30 days up to the snapshot "
            "(`as_of - 30 days < ts <= as_of`), the quality plays (one `click` event each) per "
            "recommendation shown (one `impression` event each). What is the take-rate of all "
            "the customers in `events` together over that window: all their quality plays "
            "divided by all their impressions? Store it in `take_rate_30d` (a fraction)."
        ),
        solve=_solve_take_rate,
        hints=(
            "First keep the events of the window, `events[events['ts'] > as_of - "
            "pd.Timedelta(days=30)]`, then count each event type with `value_counts()`.",
            "A ratio of sums over everybody, not the mean of each customer's ratio; and "
            "`click` events are the quality plays (a `play` can also come from search).",
        ),
        solution_text=(
            "```python\n"
            'recent = events[events["ts"] > as_of - pd.Timedelta(days=30)]\n'
            'counts = recent["event"].value_counts()\n'
            'take_rate_30d = counts["click"] / counts["impression"]\n'
            "```"
        ),
        rtol=1e-9,
        atol=0.0,
        context_keys=("events",),
        mistakes=(
            Mistake(
                "That is the take-rate over the whole log; the snapshot's window is the last "
                "30 days before `as_of`.",
                _take_rate_all_history,
            ),
            Mistake(
                "You counted every `play`; plays found by search have no recommendation "
                "behind them. Quality plays are the `click` events.",
                _take_rate_with_plays,
            ),
            Mistake(
                "That is the mean of each customer's own take-rate, which weighs a customer "
                "shown 5 recommendations like one shown 500. Divide the totals.",
                _mean_of_customer_rates,
            ),
        ),
    )
)


# -- q5: what ETL threw away ---------------------------------------------------------------

ETL_CHOICE = register(
    ChoiceQuestion(
        qid=f"{KEY}.etl_or_elt",
        label="q5",
        prompt=(
            "Six months after launch the churn team wants a new feature: each customer's "
            "**median play delay** over the last 30 days (slow starts may drive "
            "cancellations), and six months of it to train on. So far the pipeline was ETL: "
            "every night it computed the snapshot's features (section 5's `features` table) "
            "and loaded only those into the warehouse; the raw events were deleted after a "
            "week. What can the team do? Store the letter in `pipeline_answer`."
        ),
        solve=lambda: "c",
        hints=(
            "Which table still holds a play's delay, and for how long?",
            "A median needs the individual values; counts and sums do not give it back.",
        ),
        solution_text='```python\npipeline_answer = "c"\n```',
        options={
            "a": "Compute it for the past six months from the warehouse's features table.",
            "b": "Approximate it by watch hours: customers with slow starts watch less.",
            "c": "Start keeping the raw play events (or computing the new feature) now, and "
            "wait for the history to build up; next time, load raw events first (ELT).",
            "d": "Recompute it from the last week of raw events and use it for all six months.",
        },
        reasons={
            "a": "The features table holds counts and sums (sessions, impressions, clicks, "
            "watch hours); a median of play delays cannot be recovered from them: ETL threw "
            "the delays away when it transformed before loading.",
            "b": "Watch hours depend on much more than delays (taste, time, the catalogue); a "
            "proxy would teach the model something else and hide the effect being asked about.",
            "c": "Right: what was not stored cannot be back-filled. An ELT pipeline loads raw "
            "events first (a data lake, Parquet files) and transforms later, so a new feature "
            "can be computed over the past; the price is storage and discipline.",
            "d": "One week describes one week: the delays six months ago (another app version, "
            "other titles) are gone, and a feature computed on today's data for past labels "
            "leaks the present into the past.",
        },
    )
)
