"""One feature computed two ways: a batch recomputation and a streaming sliding window.

Chapter 3 of *Designing Machine Learning Systems* contrasts **batch features**, recomputed
from all the stored data by a periodic job (a nightly run over the warehouse), with
**streaming features**, kept up to date by a stream processor that updates its state with
every event as it arrives. The same definition, "watch hours in the last 30 days", can be
computed either way, and a model trained on one and served with the other sees a different
feature if the two implementations disagree (train-serve skew). This module holds both
routes and the test that compares them:

- :func:`window_sum`: the batch route, a filter and a group-by over the event log as of a
  cutoff;
- :class:`SlidingWindowSum`: the streaming route, one deque of recent events and one running
  sum per key, updated per event, with old events evicted as time passes;
- :func:`stream_window_sums`: replays an event log in time order through a
  :class:`SlidingWindowSum` and reads every key's value at each checkpoint (batch processing
  is the stream read at a few checkpoints);
- :func:`window_sums_at`: point-in-time lookups, one (key, time) pair at a time, from
  prefix sums (what a feature store answers for a request or a training row);
- :func:`batch_cutoff`: the cutoff of the latest periodic batch whose result is available at
  a given time, so its staleness is ``time - cutoff``;
- :func:`consistency_report`: calls any batch implementation at a list of checkpoints and
  compares it with the streaming route, customer by customer. A learner can pass their own
  function to it.

A window "the last 30 days as of ``t``" is the half-open interval ``(t - 30 days, t]``
(``closed="right"``, pandas' convention for time windows: an event at ``t`` counts) or
``[t - 30 days, t)`` (``closed="left"``: an event at ``t`` does not count yet). Both routes
take the same convention, so they agree exactly, whichever it is.

Timestamps must be time-zone aware: a naive timestamp is the raw material of the local-time
bug the notebook shows, so every function here refuses one.

Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlsd.validation import ParameterError, check_choice, check_number, describe

__all__ = [
    "ConsistencyReport",
    "SlidingWindowSum",
    "batch_cutoff",
    "consistency_report",
    "stream_window_sums",
    "window_sum",
    "window_sums_at",
]

_NS_PER_DAY = 86_400 * 10**9
_NS_PER_HOUR = 3_600 * 10**9
_CLOSED = ("right", "left")


# --------------------------------------------------------------------------- argument checks


def _window_ns(window_days: Any) -> int:
    days = check_number("window_days", window_days, "(0, 3660]")
    return round(days * _NS_PER_DAY)


def _utc(name: str, value: Any) -> pd.Timestamp:
    """``value`` as a UTC ``pd.Timestamp``; a naive or unreadable time is refused by name."""
    stamp = None
    # A number is not a time: pd.Timestamp(5) would silently be 5 ns after 1970.
    if not isinstance(value, bool | int | float | np.number):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            stamp = None
    if stamp is None or pd.isna(stamp):
        raise ParameterError(
            f"`{name}` must be a time-zone-aware time such as '2024-06-30T00:00Z', "
            f"got {describe(value)}"
        )
    if stamp.tzinfo is None:
        raise ParameterError(
            f"`{name}` must be time-zone aware (for example pd.Timestamp('2024-06-30', "
            f"tz='UTC')), got the naive time {stamp}: a naive time is read in no particular "
            f"zone, the root of the local-time bug"
        )
    return stamp.tz_convert("UTC")


def _times_ns(name: str, times: Any) -> np.ndarray:
    """Nanoseconds since the epoch (UTC) of tz-aware times; naive times are refused."""
    try:
        index = pd.DatetimeIndex(times)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            f"`{name}` must hold time-zone-aware timestamps, got {describe(times)}"
        ) from err
    if index.tz is None:
        raise ParameterError(
            f"`{name}` must hold time-zone-aware timestamps (datetime64[ns, UTC]), got naive "
            f"times ({index.dtype}): a naive time is read in no particular zone"
        )
    if index.hasnans:
        raise ParameterError(f"`{name}` must not contain missing times (NaT)")
    return index.tz_convert("UTC").as_unit("ns").asi8


def _check_events(events: Any, key: str, time: str, value: str) -> None:
    if not isinstance(events, pd.DataFrame):
        raise ParameterError(
            f"`events` must be a pandas DataFrame with columns {key!r}, {time!r} and "
            f"{value!r}, got {type(events).__name__}"
        )
    missing = [c for c in (key, time, value) if c not in events.columns]
    if missing:
        raise ParameterError(
            f"`events` must have the columns {key!r}, {time!r} and {value!r}; "
            f"missing {missing}, it has {list(events.columns)[:12]}"
        )
    if not pd.api.types.is_numeric_dtype(events[value]) or pd.api.types.is_bool_dtype(
        events[value]
    ):
        raise ParameterError(
            f"`events[{value!r}]` must be numeric, got dtype {events[value].dtype}"
        )


def _event_arrays(
    events: pd.DataFrame, key: str, time: str, value: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys, UTC nanoseconds and values of the events that carry a value, in time order."""
    _check_events(events, key, time, value)
    t_ns = _times_ns(f"events[{time!r}]", events[time])
    values = events[value].to_numpy(dtype=float, na_value=np.nan)
    keep = ~np.isnan(values)  # events without a value (a click, a visit) add nothing
    order = np.argsort(t_ns[keep], kind="stable")
    keys = events[key].to_numpy(dtype=object)[keep][order]
    return keys, t_ns[keep][order], values[keep][order]


# --------------------------------------------------------------------------- batch


def window_sum(
    events: pd.DataFrame,
    as_of: Any,
    *,
    window_days: float = 30.0,
    keys: Iterable[Hashable] | None = None,
    closed: str = "right",
    key: str = "customer_id",
    time: str = "ts",
    value: str = "watch_hours",
) -> pd.Series:
    """Batch route: the sum of ``value`` per key over the window that ends at ``as_of``.

    What a nightly job computes from the warehouse: filter the event log to the window,
    group by key, sum. Events whose ``value`` is missing count as nothing.

    Args:
        events: the event log, one row per event, with columns ``key``, ``time`` (time-zone
            aware) and ``value`` (numeric; missing on events that carry no value).
        as_of: the end of the window, a time-zone-aware time (``pd.Timestamp`` or ISO text
            with an offset, such as ``"2024-06-30T00:00Z"``).
        window_days: the window's length in days, in (0, 3660].
        keys: the keys to report, in this order; keys without an event in the window get 0.
            ``None``: the keys that have an event in the window.
        closed: ``"right"`` for ``(as_of - window, as_of]``, ``"left"`` for
            ``[as_of - window, as_of)``.
        key, time, value: the column names.

    Returns:
        A float ``pd.Series`` indexed by key, named ``value``.

    Raises:
        ValueError: (``ParameterError``) naming the argument, on a missing column, a
            non-numeric value column, naive times, or a window or ``closed`` outside what is
            allowed.

    Example:
        >>> events = pd.DataFrame({"customer_id": ["a", "a", "b"],
        ...     "ts": pd.to_datetime(["2024-06-01", "2024-06-29", "2024-06-29"], utc=True),
        ...     "watch_hours": [5.0, 2.0, 1.5]})
        >>> window_sum(events, "2024-06-30T00:00Z", window_days=7).to_dict()
        {'a': 2.0, 'b': 1.5}

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    _check_events(events, key, time, value)
    window = _window_ns(window_days)
    closed = check_choice("closed", closed, _CLOSED)
    end = _utc("as_of", as_of).as_unit("ns").value
    t_ns = _times_ns(f"events[{time!r}]", events[time])
    if closed == "right":
        inside = (t_ns > end - window) & (t_ns <= end)
    else:
        inside = (t_ns >= end - window) & (t_ns < end)
    picked = events.loc[inside, [key, value]]
    sums = picked.groupby(key, sort=True, observed=True)[value].sum(min_count=0).astype(float)
    if keys is not None:
        sums = sums.reindex(pd.Index(list(keys)), fill_value=0.0)
    sums.index.name = key
    return sums.rename(value)


# --------------------------------------------------------------------------- stream


class SlidingWindowSum:
    """Streaming route: a per-key sum over a sliding time window, updated per event.

    The state a stream processor keeps for one feature: for each key, the events still
    inside the window (time and value, oldest first) and their running sum. An update adds
    the new event and evicts those that fell out of the window; reading a key at a later
    time evicts first. Each event is added once and evicted once, so the work per event
    does not grow with the window, unlike a batch job that re-reads the whole window.

    Events must arrive in time order (an event older than the latest one seen is refused:
    a real processor would need a watermark and an allowed lateness for it).

    Args:
        window_days: the window's length in days, in (0, 3660].
        closed: ``"right"``: the value at ``t`` covers ``(t - window, t]``; ``"left"``:
            ``[t - window, t)``.

    Raises:
        ValueError: (``ParameterError``) on a window or ``closed`` outside what is allowed.

    Example:
        >>> agg = SlidingWindowSum(window_days=1)
        >>> agg.update("a", pd.Timestamp("2024-06-01 08:00", tz="UTC"), 2.0)
        2.0
        >>> agg.update("a", pd.Timestamp("2024-06-01 20:00", tz="UTC"), 1.5)
        3.5
        >>> agg.value("a", pd.Timestamp("2024-06-02 12:00", tz="UTC"))  # 08:00 has expired
        1.5

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """

    def __init__(self, window_days: float = 30.0, *, closed: str = "right") -> None:
        self.window_ns = _window_ns(window_days)
        self.closed = check_choice("closed", closed, _CLOSED)
        # Per key: [times (deque of int ns), values (deque of float), running sum].
        self._state: dict[Hashable, list[Any]] = {}
        self._latest_ns: int | None = None

    def __repr__(self) -> str:
        days = self.window_ns / _NS_PER_DAY
        return (
            f"SlidingWindowSum(window_days={days:g}, closed={self.closed!r}: "
            f"{len(self._state):,} keys, {self.n_events_held:,} events held)"
        )

    @property
    def n_events_held(self) -> int:
        """How many events the state holds now (the processor's memory, in events)."""
        return sum(len(state[0]) for state in self._state.values())

    @property
    def keys(self) -> list[Hashable]:
        """The keys seen so far, in order of first appearance."""
        return list(self._state)

    def _ns(self, name: str, when: Any) -> int:
        if isinstance(when, int | np.integer) and not isinstance(when, bool | np.bool_):
            return int(when)  # nanoseconds since the epoch, UTC (the fast path of replays)
        return _utc(name, when).as_unit("ns").value

    def _add(self, key: Hashable, t_ns: int, value: float) -> None:
        """Add one event (times already checked to be in order); evict what left the window."""
        state = self._state.get(key)
        if state is None:
            state = self._state[key] = [deque(), deque(), 0.0]
        self._evict(state, t_ns)
        if value == value:  # NaN adds nothing
            state[0].append(t_ns)
            state[1].append(value)
            state[2] += value

    def _evict(self, state: list[Any], now_ns: int) -> None:
        times, values = state[0], state[1]
        edge = now_ns - self.window_ns
        if self.closed == "right":  # keep (now - window, now]
            while times and times[0] <= edge:
                times.popleft()
                state[2] -= values.popleft()
        else:  # keep [now - window, now)
            while times and times[0] < edge:
                times.popleft()
                state[2] -= values.popleft()
        if not times:  # an empty window is exactly zero: no rounding residue carried on
            state[2] = 0.0

    def _read_at(self, key: Hashable, at_ns: int) -> float:
        """The key's sum as of ``at_ns`` (not earlier than the latest event; unchecked)."""
        state = self._state.get(key)
        if state is None:
            return 0.0
        self._evict(state, at_ns)
        total = state[2]
        if self.closed == "left":  # events at exactly `at` are not inside [at - w, at) yet
            for t_ns, v in zip(reversed(state[0]), reversed(state[1]), strict=True):
                if t_ns < at_ns:
                    break
                total -= v
        return total

    def update(self, key: Hashable, ts: Any, value: float) -> float:
        """Add one event and return the key's sum over the window ending at ``ts``.

        Args:
            key: the entity the event belongs to (a customer id).
            ts: the event's time: a time-zone-aware timestamp, or int nanoseconds since the
                epoch in UTC.
            value: the event's value (watch hours); NaN adds nothing.

        Returns:
            The key's window sum including this event (for ``closed="left"``, the event
            counts from the next instant on, as the window's definition says).

        Raises:
            ValueError: if ``ts`` is earlier than the latest event already seen.
        """
        t_ns = self._ns("ts", ts)
        if self._latest_ns is not None and t_ns < self._latest_ns:
            raise ParameterError(
                f"`ts` must not be earlier than the latest event seen "
                f"({pd.Timestamp(self._latest_ns, tz='UTC')}), got "
                f"{pd.Timestamp(t_ns, tz='UTC')}: feed the events in time order"
            )
        self._latest_ns = t_ns
        self._add(key, t_ns, float(value))
        return self._read_at(key, t_ns)

    def value(self, key: Hashable, as_of: Any) -> float:
        """The key's window sum as of ``as_of`` (0 for a key never seen).

        Args:
            key: the entity.
            as_of: a time-zone-aware time (or int UTC nanoseconds), not earlier than the
                latest event seen: a stream cannot look back.

        Raises:
            ValueError: if ``as_of`` is earlier than the latest event seen.
        """
        return self._read_at(key, self._query_ns(as_of))

    def _query_ns(self, as_of: Any) -> int:
        at_ns = self._ns("as_of", as_of)
        if self._latest_ns is not None and at_ns < self._latest_ns:
            raise ParameterError(
                f"`as_of` must not be earlier than the latest event seen "
                f"({pd.Timestamp(self._latest_ns, tz='UTC')}), got "
                f"{pd.Timestamp(at_ns, tz='UTC')}: the state no longer knows the past"
            )
        return at_ns

    def values(self, as_of: Any, keys: Iterable[Hashable] | None = None) -> pd.Series:
        """Every key's window sum as of ``as_of``, as a float Series (keys never seen: 0)."""
        at_ns = self._query_ns(as_of)
        wanted = self.keys if keys is None else list(keys)
        return pd.Series([self._read_at(k, at_ns) for k in wanted], index=wanted, dtype=float)


def stream_window_sums(
    events: pd.DataFrame,
    checkpoints: Iterable[Any],
    *,
    window_days: float = 30.0,
    keys: Iterable[Hashable] | None = None,
    closed: str = "right",
    key: str = "customer_id",
    time: str = "ts",
    value: str = "watch_hours",
) -> pd.DataFrame:
    """Replay ``events`` in time order through a :class:`SlidingWindowSum`; read it at checkpoints.

    The stream processor's view of the feature: every event updates the state once, and at
    each checkpoint every key's current value is read, as an online feature store would
    serve it. Reading the stream only at a nightly checkpoint is exactly what a nightly batch
    job computes: batch processing is a special case of stream processing.

    Args:
        events: the event log (columns ``key``, time-zone-aware ``time``, numeric ``value``;
            rows with a missing value are skipped). Any row order: it is sorted by time.
        checkpoints: time-zone-aware times at which to read every key.
        window_days: the window's length in days, in (0, 3660].
        keys: the keys (rows) to report; keys without events get 0. ``None``: every key
            that has an event with a value, in order of first appearance.
        closed: ``"right"`` (``(t - window, t]``) or ``"left"`` (``[t - window, t)``).
        key, time, value: the column names.

    Returns:
        A float DataFrame, one row per key and one column per checkpoint (UTC timestamps,
        in the order given).

    Raises:
        ValueError: (``ParameterError``) on a missing column, naive times or an option
            outside what is allowed.

    Example:
        >>> events = pd.DataFrame({"customer_id": ["a", "b", "a"],
        ...     "ts": pd.to_datetime(["2024-06-01", "2024-06-02", "2024-06-05"], utc=True),
        ...     "watch_hours": [1.0, 2.0, 4.0]})
        >>> sums = stream_window_sums(events, ["2024-06-03T00:00Z", "2024-06-07T00:00Z"],
        ...                           window_days=3)
        >>> sums.to_numpy().tolist()
        [[1.0, 4.0], [2.0, 0.0]]

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    window = _window_ns(window_days) / _NS_PER_DAY
    closed = check_choice("closed", closed, _CLOSED)
    ev_keys, ev_ns, ev_values = _event_arrays(events, key, time, value)
    stamps = [_utc("checkpoints", c) for c in checkpoints]
    cp_ns = [s.as_unit("ns").value for s in stamps]
    agg = SlidingWindowSum(window, closed=closed)
    wanted = list(dict.fromkeys(ev_keys.tolist())) if keys is None else list(keys)
    columns: dict[int, list[float]] = {}
    add, read = agg._add, agg._read_at
    pending = sorted(range(len(cp_ns)), key=cp_ns.__getitem__)
    j = 0
    for k, t_ns, v in zip(ev_keys.tolist(), ev_ns.tolist(), ev_values.tolist(), strict=True):
        # "right": an event at a checkpoint counts in it; "left": it does not.
        while j < len(pending) and (
            cp_ns[pending[j]] < t_ns if closed == "right" else cp_ns[pending[j]] <= t_ns
        ):
            at = cp_ns[pending[j]]
            columns[pending[j]] = [read(w, at) for w in wanted]
            j += 1
        add(k, t_ns, v)  # events are sorted: the unchecked internal path
    for i in pending[j:]:
        columns[i] = [read(w, cp_ns[i]) for w in wanted]
    frame = pd.DataFrame(
        {stamps[i]: columns[i] for i in range(len(cp_ns))}, index=pd.Index(wanted, name=key)
    )
    return frame.astype(float)


def window_sums_at(
    events: pd.DataFrame,
    keys: Iterable[Hashable],
    times: Any,
    *,
    window_days: float = 30.0,
    closed: str = "right",
    key: str = "customer_id",
    time: str = "ts",
    value: str = "watch_hours",
) -> np.ndarray:
    """Point-in-time lookups: each (key, time) pair's window sum, as of that time.

    What a feature store answers when asked "what was this customer's feature at that
    moment?" (to serve a request, or to build training rows without peeking into the
    future). Computed from sorted prefix sums, one binary search per edge, so it does not
    share code with either route above.

    Args:
        events: the event log (columns ``key``, time-zone-aware ``time``, numeric ``value``;
            rows with a missing value are skipped).
        keys: one key per lookup.
        times: one time-zone-aware time per lookup (same length as ``keys``).
        window_days: the window's length in days, in (0, 3660].
        closed: ``"right"`` (``(t - window, t]``) or ``"left"`` (``[t - window, t)``).
        key, time, value: the column names.

    Returns:
        A float array, one window sum per lookup (0 for a key without events).

    Raises:
        ValueError: (``ParameterError``) on naive times, lengths that differ, a missing
            column or an option outside what is allowed.

    Example:
        >>> events = pd.DataFrame({"customer_id": ["a", "b", "a"],
        ...     "ts": pd.to_datetime(["2024-06-01", "2024-06-02", "2024-06-05"], utc=True),
        ...     "watch_hours": [1.0, 2.0, 4.0]})
        >>> at = pd.to_datetime(["2024-06-03", "2024-06-06", "2024-06-06"], utc=True)
        >>> window_sums_at(events, ["a", "a", "c"], at, window_days=3).tolist()
        [1.0, 4.0, 0.0]

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    window = _window_ns(window_days)
    closed = check_choice("closed", closed, _CLOSED)
    ev_keys, ev_ns, ev_values = _event_arrays(events, key, time, value)
    q_ns = _times_ns("times", times)
    q_keys = list(keys)
    if len(q_keys) != len(q_ns):
        raise ParameterError(
            f"`keys` and `times` must have the same length, got {len(q_keys):,} and {len(q_ns):,}"
        )
    codes, uniques = pd.factorize(pd.Series(ev_keys, dtype=object))
    order = np.lexsort((ev_ns, codes))  # by key, then time
    t_sorted, c_sorted = ev_ns[order], codes[order]
    prefix = np.concatenate([[0.0], np.cumsum(ev_values[order])])
    bounds = np.searchsorted(c_sorted, np.arange(len(uniques) + 1))
    q_codes = pd.Index(uniques).get_indexer(pd.Series(q_keys, dtype=object))
    side = "right" if closed == "right" else "left"
    out = np.zeros(len(q_ns))
    for i, (code, t_ns) in enumerate(zip(q_codes.tolist(), q_ns.tolist(), strict=True)):
        if code < 0:
            continue
        lo, hi = bounds[code], bounds[code + 1]
        segment = t_sorted[lo:hi]
        first = lo + np.searchsorted(segment, t_ns - window, side=side)
        last = lo + np.searchsorted(segment, t_ns, side=side)
        out[i] = prefix[last] - prefix[first]
    return out


# --------------------------------------------------------------------------- staleness


def batch_cutoff(times: Any, *, every_hours: float = 24.0, delay_hours: float = 2.0) -> pd.Series:
    """The cutoff of the latest periodic batch run whose result is available at each time.

    A batch job runs every ``every_hours`` hours, on cutoffs aligned to midnight UTC (the
    nightly job computes "as of 00:00" for ``every_hours=24``), and its result lands in the
    feature store ``delay_hours`` after its cutoff. At a time ``t`` the store therefore
    serves the run with the latest cutoff ``c <= t - delay``; the feature is ``t - c`` old,
    which is at least ``delay`` and less than ``every + delay``.

    Args:
        times: time-zone-aware times (a Series, an index, a list).
        every_hours: hours between batch cutoffs, in (0, 8784]; cutoffs fall on multiples of
            it counted from 1970-01-01 00:00 UTC (whole days for 24).
        delay_hours: hours from a cutoff until its result is served, in [0, 8784].

    Returns:
        A Series of UTC cutoffs, one per time (with the index of ``times`` if it has one).

    Raises:
        ValueError: (``ParameterError``) on naive times or an interval or delay outside
            the ranges above.

    Example:
        >>> t = pd.Series(pd.to_datetime(["2024-06-30 01:00", "2024-06-30 09:00"], utc=True))
        >>> batch_cutoff(t, every_hours=24, delay_hours=2).dt.strftime("%m-%d %H:%M").tolist()
        ['06-29 00:00', '06-30 00:00']

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    every = round(check_number("every_hours", every_hours, "(0, 8784]") * _NS_PER_HOUR)
    delay = round(check_number("delay_hours", delay_hours, "[0, 8784]") * _NS_PER_HOUR)
    t_ns = _times_ns("times", times)
    cut = ((t_ns - delay) // every) * every
    index = times.index if isinstance(times, pd.Series) else None
    return pd.Series(pd.to_datetime(cut, unit="ns", utc=True), index=index, name="cutoff")


# --------------------------------------------------------------------------- consistency


@dataclass(frozen=True)
class ConsistencyReport:
    """How a batch implementation compares with the streaming route, checkpoint by checkpoint.

    ``table`` has one row per checkpoint: ``keys`` compared, ``mismatched`` keys (those
    differing by more than ``atol``), ``max_abs_diff`` and ``mean_diff`` (batch minus
    stream, over all keys). ``ok`` is True when no key differs anywhere.
    """

    table: pd.DataFrame
    atol: float
    name: str = "batch"

    @property
    def ok(self) -> bool:
        """True when every key agrees within ``atol`` at every checkpoint."""
        return bool((self.table["mismatched"] == 0).all())

    @property
    def n_mismatched(self) -> int:
        """Key-checkpoint pairs that differ by more than ``atol``."""
        return int(self.table["mismatched"].sum())

    def __str__(self) -> str:
        n_cp = len(self.table)
        keys = int(self.table["keys"].max()) if n_cp else 0
        if self.ok:
            return (
                f"{self.name}: consistent with the stream at all {n_cp} checkpoints "
                f"({keys:,} keys each, tolerance {self.atol:g})"
            )
        bad = self.table[self.table["mismatched"] > 0]
        worst = self.table["max_abs_diff"].idxmax()
        return (
            f"{self.name}: INCONSISTENT at {len(bad)} of {n_cp} checkpoints; "
            f"{self.n_mismatched:,} key values differ, first at {bad.index[0]}, the largest "
            f"by {self.table['max_abs_diff'].max():.3g} (at {worst})"
        )

    def __repr__(self) -> str:
        return str(self)


def consistency_report(
    batch_fn: Callable[[pd.DataFrame, pd.Timestamp], Any],
    events: pd.DataFrame,
    checkpoints: Iterable[Any],
    *,
    window_days: float = 30.0,
    keys: Iterable[Hashable] | None = None,
    atol: float = 1e-6,
    closed: str = "right",
    reference: pd.DataFrame | None = None,
    key: str = "customer_id",
    time: str = "ts",
    value: str = "watch_hours",
) -> ConsistencyReport:
    """Test a batch implementation of a window sum against the streaming route.

    Calls ``batch_fn(events, as_of)`` at every checkpoint and compares its result, key by
    key, with what :func:`stream_window_sums` reads from the same events at that moment.
    The two routes share nothing but the definition (a window of ``window_days`` ending at
    the checkpoint), so a calendar-month window, a naive local-time cutoff or an off-by-one
    edge in either one shows up as a mismatch. A bug both routes share does not: compare
    one of them with the definition too (for the simulated company, its snapshot's column).

    Args:
        batch_fn: ``batch_fn(events, as_of) -> Series`` of values indexed by key (keys it
            leaves out count as 0); ``as_of`` is a UTC ``pd.Timestamp``.
        events: the event log (columns ``key``, time-zone-aware ``time``, numeric ``value``).
        checkpoints: time-zone-aware times to compare at (at least one).
        window_days: the window's length in days, in (0, 3660].
        keys: the keys to compare (missing ones count as 0 on both sides). ``None``: every
            key with a value in ``events``.
        atol: largest absolute difference still counted as equal, in [0, inf).
        closed: the window convention of the definition, ``"right"`` or ``"left"``.
        reference: the stream's table for these checkpoints, as :func:`stream_window_sums`
            returns it (to test several batch functions against one replay); ``None``:
            replay the events here.
        key, time, value: the column names.

    Returns:
        A :class:`ConsistencyReport`; ``print`` it, or test ``report.ok``.

    Raises:
        ValueError: (``ParameterError``) on a bad argument, before any work;
        TypeError: if ``batch_fn`` returns something that is not a Series of numbers.

    Example:
        >>> events = pd.DataFrame({"customer_id": ["a", "b", "a"],
        ...     "ts": pd.to_datetime(["2024-05-20", "2024-06-02", "2024-06-05"], utc=True),
        ...     "watch_hours": [1.0, 2.0, 4.0]})
        >>> def month_to_date(events, as_of):
        ...     in_month = events["ts"] >= as_of.replace(day=1)
        ...     return events[in_month & (events["ts"] <= as_of)].groupby("customer_id")[
        ...         "watch_hours"].sum()
        >>> consistency_report(month_to_date, events, ["2024-06-10T00:00Z"]).ok
        False

    Taught in: notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    if not callable(batch_fn):
        raise ParameterError(
            f"`batch_fn` must be a function (events, as_of), got {describe(batch_fn)}"
        )
    tol = check_number("atol", atol, "[0, inf)")
    stamps = [_utc("checkpoints", c) for c in checkpoints]
    if not stamps:
        raise ParameterError("`checkpoints` must hold at least one time, got none")
    if reference is None:
        reference = stream_window_sums(
            events,
            stamps,
            window_days=window_days,
            keys=keys,
            closed=closed,
            key=key,
            time=time,
            value=value,
        )
    elif not isinstance(reference, pd.DataFrame) or any(s not in reference for s in stamps):
        raise ParameterError(
            "`reference` must be the table stream_window_sums returns for these checkpoints "
            f"(one column per checkpoint), got {describe(reference)}"
        )
    name = getattr(batch_fn, "__name__", "batch")
    rows = []
    for stamp in stamps:
        got = batch_fn(events, stamp)
        if got is None:
            raise TypeError(
                f"`{name}` returned None at {stamp}: did you forget `return`? It must "
                f"return a Series of values indexed by {key!r}"
            )
        if isinstance(got, pd.DataFrame) and got.shape[1] == 1:
            got = got.iloc[:, 0]
        if not isinstance(got, pd.Series) or not pd.api.types.is_numeric_dtype(got):
            raise TypeError(
                f"`{name}` must return a numeric pandas Series indexed by {key!r}, "
                f"got {type(got).__name__} at {stamp}"
            )
        want = reference[stamp]
        mine = got.reindex(want.index).fillna(0.0).to_numpy(dtype=float)
        diff = mine - want.to_numpy()
        unknown = want.index.get_indexer(got.index) < 0  # (isin is slow on Arrow strings)
        extra = unknown & (got.abs() > tol).to_numpy()  # values for keys not compared
        rows.append(
            {
                "checkpoint": stamp,
                "keys": len(want),
                "mismatched": int((np.abs(diff) > tol).sum() + extra.sum()),
                "max_abs_diff": float(np.abs(diff).max()) if len(diff) else 0.0,
                "mean_diff": float(diff.mean()) if len(diff) else 0.0,
            }
        )
    table = pd.DataFrame(rows).set_index("checkpoint")
    return ConsistencyReport(table=table, atol=tol, name=name)
