"""Latency and throughput: measure them, simulate a serving queue, and size a fleet.

Four tools, in the order a notebook uses them:

- :func:`measure_latency` times a callable (warm-up, repetitions, a cap on total seconds)
  and :func:`sweep_batch_sizes` does so for a range of batch sizes (latency per batch and
  rows per second);
- :func:`simulate_queue` is a discrete-event simulation of a request queue: arrival times in,
  a service-time model, one-at-a-time or dynamic batching (maximum batch size, maximum wait),
  ``c`` servers; per-request end-to-end latency, throughput and utilisation out;
- :func:`fanout_tail_probability` and :func:`simulate_fanout` for the tail at scale, with
  hedged requests;
- :func:`erlang_c`, :func:`mmc_latency_tail_probability`, :func:`mmc_latency_quantile_s` and
  :func:`servers_needed` for how many servers a request rate and a latency target need (M/M/c).

Measured times are in milliseconds (``latency_ms``); simulated queues work in seconds
(``arrival_s``, ``service_time_s``), like the request trace.

Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
"""

from __future__ import annotations

import bisect
import heapq
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from mlsd.validation import (
    ParameterError,
    check_1d,
    check_bool,
    check_int,
    check_number,
    check_probability,
    describe,
)

__all__ = [
    "FanoutResult",
    "LatencyResult",
    "QueueResult",
    "erlang_c",
    "fanout_tail_probability",
    "latency_summary",
    "max_rate_within_target",
    "md1_mean_time_in_system_s",
    "measure_interleaved",
    "measure_latency",
    "mm1_mean_time_in_system_s",
    "mmc_latency_quantile_s",
    "mmc_latency_tail_probability",
    "percentile_interval_ms",
    "rescale_arrivals",
    "servers_needed",
    "simulate_fanout",
    "simulate_queue",
    "sweep_batch_sizes",
]

DEFAULT_PERCENTILES = (50, 90, 95, 99)


# --------------------------------------------------------------------------- validation

# Argument checks are mlsd.validation's; these short names keep call sites readable.


def _positive_int(name: str, value: Any) -> int:
    return check_int(name, value, "[1, inf)")


def _non_negative_int(name: str, value: Any) -> int:
    return check_int(name, value, "[0, inf)")


def _positive_float(name: str, value: Any) -> float:
    return check_number(name, value, "(0, inf)")


def _non_negative_float(name: str, value: Any) -> float:
    return check_number(name, value, "[0, inf)")


def _probability(name: str, value: Any, *, open_right: bool = False) -> float:
    return check_probability(name, value, "[0, 1)" if open_right else "[0, 1]")


def _percentiles(value: Sequence[float]) -> tuple[float, ...]:
    return tuple(check_1d("percentiles", value, "[0, 100]").tolist())


def _seed(seed: int | np.random.Generator) -> int | np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return check_int("seed", seed, "[0, inf)")


def _number_or_array(name: str, value: Any, interval: str) -> np.ndarray:
    """A number, or an array of numbers of any shape, each inside ``interval``."""
    if np.ndim(value) == 0:
        return np.asarray(check_number(name, value, interval))
    shape = np.shape(value)
    return check_1d(name, np.ravel(value), interval, min_size=0).reshape(shape)


def _pct_key(p: float) -> str:
    return f"p{int(p)}_ms" if float(p).is_integer() else f"p{p:g}_ms"


# --------------------------------------------------------------------------- measurement


def latency_summary(
    latency_ms: Sequence[float] | np.ndarray,
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
) -> dict[str, float]:
    """Summarise a latency sample: percentiles, mean, max and count.

    Percentiles use numpy's default (linear interpolation between order statistics).

    Args:
        latency_ms: latencies in milliseconds.
        percentiles: which percentiles to report, each in [0, 100].

    Returns:
        ``{"n": ..., "mean_ms": ..., "p50_ms": ..., ..., "max_ms": ...}``.

    Raises:
        ValueError: if ``latency_ms`` is empty or not finite, or a percentile is outside [0, 100].

    Example:
        >>> latency_summary([1.0, 2.0, 3.0, 4.0], percentiles=(50,))["p50_ms"]
        2.5

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    values = check_1d("latency_ms", latency_ms)
    pcts = _percentiles(percentiles)
    out: dict[str, float] = {"n": int(values.size), "mean_ms": float(values.mean())}
    for p, v in zip(pcts, np.percentile(values, pcts), strict=True):
        out[_pct_key(p)] = float(v)
    out["max_ms"] = float(values.max())
    return out


@dataclass(frozen=True)
class LatencyResult:
    """Latencies of repeated calls, as measured by :func:`measure_latency`.

    Attributes:
        latency_ms: one latency per measured call, in call order.
        n_warmup: calls made (and discarded) before measuring.
        capped: True when the time cap stopped the measurement before ``n_repeats``.
        total_s: wall time spent, warm-up included.
    """

    latency_ms: np.ndarray
    n_warmup: int
    capped: bool
    total_s: float

    @property
    def n(self) -> int:
        """Number of measured calls."""
        return int(self.latency_ms.size)

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile (0-100) of the measured latencies, in ms."""
        (p,) = _percentiles([q])
        return float(np.percentile(self.latency_ms, p))

    def summary(self, *, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> dict[str, float]:
        """:func:`latency_summary` of the measured latencies."""
        return latency_summary(self.latency_ms, percentiles=percentiles)


def measure_latency(
    fn: Callable[[], Any],
    *,
    n_repeats: int = 200,
    n_warmup: int = 5,
    max_seconds: float = 1.0,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> LatencyResult:
    """Time ``fn()`` repeatedly: warm up, then measure each call with a nanosecond clock.

    The warm-up calls (caches, lazy imports, first-call allocations) are not recorded. The
    whole measurement, warm-up included, stops once ``max_seconds`` have passed, but at least
    one call is always measured, so a slow function costs one call beyond the cap at most.

    Args:
        fn: the callable to time, called with no arguments (wrap arguments in a ``lambda``).
        n_repeats: calls to measure (at most).
        n_warmup: calls to make first and discard.
        max_seconds: cap on total time spent, warm-up included.
        clock: a monotonic clock in integer nanoseconds; ``time.perf_counter_ns`` unless a
            test passes a fake one.

    Returns:
        A :class:`LatencyResult` (``.latency_ms``, ``.summary()``, ``.percentile_ms(99)``).

    Raises:
        ValueError: if ``fn`` is not callable or an option is out of range.

    Example:
        >>> result = measure_latency(lambda: sum(range(1000)), n_repeats=50, max_seconds=0.5)
        >>> result.summary()["p99_ms"] >= result.summary()["p50_ms"]
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    if not callable(fn):
        raise ValueError(f"`fn` must be callable, got {type(fn).__name__}")
    n_repeats = _positive_int("n_repeats", n_repeats)
    n_warmup = _non_negative_int("n_warmup", n_warmup)
    budget_ns = _positive_float("max_seconds", max_seconds) * 1e9
    if not callable(clock):
        raise ValueError(f"`clock` must be callable, got {type(clock).__name__}")

    began = clock()
    for _ in range(n_warmup):
        if clock() - began > budget_ns:
            break
        fn()
    samples: list[int] = []
    capped = False
    while len(samples) < n_repeats:
        if samples and clock() - began > budget_ns:
            capped = True
            break
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    total_s = (clock() - began) / 1e9
    return LatencyResult(
        latency_ms=np.asarray(samples, dtype=float) / 1e6,
        n_warmup=n_warmup,
        capped=capped,
        total_s=total_s,
    )


def measure_interleaved(
    fns: dict[str, Callable[[], Any]],
    *,
    n_rounds: int = 200,
    n_warmup: int = 5,
    max_seconds: float = 1.0,
    min_rounds: int = 1,
    order_seed: int | None = 0,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> dict[str, LatencyResult]:
    """Time several callables in turn, one call of each per round, so they share the conditions.

    Timing ``a`` for a second and then ``b`` for a second compares two different moments of a
    busy machine: a burst of other work during ``b``'s second makes ``b`` look slower. Calling
    ``a, b, b, a, ...`` spreads such bursts over both, so a comparison between them (a ratio
    of medians, a paired difference) is fair even when the absolute numbers are inflated.
    The order within each round is shuffled (from ``order_seed``): on a loaded machine the
    scheduler's time slices fall at places that repeat from round to round, and a fixed order
    would let one function sit at the unlucky place every time.

    Args:
        fns: name -> callable with no arguments.
        n_rounds: rounds to measure (at most); each round calls every callable once.
        n_warmup: rounds to make first and discard.
        max_seconds: cap on total time, warm-up included.
        min_rounds: rounds measured even past the cap (an interval needs a few), at most
            ``n_rounds``.
        order_seed: seed for the order of the calls within each round; ``None`` keeps the
            order of ``fns`` in every round.
        clock: a monotonic clock in integer nanoseconds.

    Returns:
        name -> :class:`LatencyResult`, all with the same number of calls (round ``i`` of
        each is the same moment, so the results can be compared pairwise).

    Raises:
        ValueError: if ``fns`` is empty, holds something not callable, or an option is out
            of range.

    Example:
        >>> results = measure_interleaved({"a": lambda: sum(range(10)), "b": lambda: None},
        ...                               n_rounds=20, max_seconds=0.5)
        >>> results["a"].n == results["b"].n == 20
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    if not isinstance(fns, dict) or not fns:
        raise ValueError(f"`fns` must be a non-empty dict of name -> callable, got {fns!r}")
    for name, fn in fns.items():
        if not callable(fn):
            raise ValueError(f"`fns[{name!r}]` must be callable, got {type(fn).__name__}")
    n_rounds = _positive_int("n_rounds", n_rounds)
    n_warmup = _non_negative_int("n_warmup", n_warmup)
    budget_ns = _positive_float("max_seconds", max_seconds) * 1e9
    min_rounds = min(_positive_int("min_rounds", min_rounds), n_rounds)
    if not callable(clock):
        raise ValueError(f"`clock` must be callable, got {type(clock).__name__}")
    calls = list(fns.items())
    if order_seed is not None:
        order_seed = check_int("order_seed", order_seed, "[0, inf)")
    shuffle = None if order_seed is None else np.random.default_rng(order_seed).permutation
    began = clock()
    for _ in range(n_warmup):
        if clock() - began > budget_ns:
            break
        for _, fn in calls:
            fn()
    samples: dict[str, list[int]] = {name: [] for name in fns}
    rounds, capped = 0, False
    while rounds < n_rounds:
        if rounds >= min_rounds and clock() - began > budget_ns:
            capped = True
            break
        order = range(len(calls)) if shuffle is None else shuffle(len(calls))
        for i in order:
            name, fn = calls[i]
            t0 = clock()
            fn()
            samples[name].append(clock() - t0)
        rounds += 1
    total_s = (clock() - began) / 1e9
    return {
        name: LatencyResult(
            latency_ms=np.asarray(values, dtype=float) / 1e6,
            n_warmup=n_warmup,
            capped=capped,
            total_s=total_s,
        )
        for name, values in samples.items()
    }


def percentile_interval_ms(
    latency_ms: Sequence[float] | np.ndarray,
    q: float,
    *,
    other_ms: Sequence[float] | np.ndarray | None = None,
    confidence: float = 0.95,
    n_resamples: int = 2_000,
    seed: int | np.random.Generator = 0,
) -> tuple[float, float, float]:
    """A percentile of measured latencies, or the difference of two, with a bootstrap interval.

    Uses ``scipy.stats.bootstrap`` (percentile method). With ``other_ms`` the statistic is
    ``percentile(latency_ms, q) - percentile(other_ms, q)``; when both have the same length
    (as :func:`measure_interleaved` returns) the rounds are resampled in pairs.

    Args:
        latency_ms: measured latencies (ms), at least 2.
        q: the percentile, in [0, 100] (50 for the median).
        other_ms: optional second sample to subtract.
        confidence: confidence level of the interval, in (0, 1).
        n_resamples: bootstrap resamples.
        seed: an int seed or a ``numpy.random.Generator``.

    Returns:
        ``(estimate, low, high)`` in ms.

    Raises:
        ValueError: on fewer than 2 samples or an option out of range.

    Example:
        >>> est, low, high = percentile_interval_ms(np.arange(1.0, 101.0), 50)
        >>> low < est < high
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    from scipy import stats

    pct = check_number("q", q, "[0, 100]")
    level = _probability("confidence", confidence, open_right=True)
    if level == 0:
        raise ValueError(f"`confidence` must be in (0, 1), got {confidence!r}")
    n_resamples = _positive_int("n_resamples", n_resamples)
    if not isinstance(seed, np.random.Generator):
        seed = check_int("seed", seed, "[0, inf)")
    a = np.asarray(latency_ms, dtype=float).ravel()
    samples = [a]
    if other_ms is not None:
        samples.append(np.asarray(other_ms, dtype=float).ravel())
    for name, sample in zip(("latency_ms", "other_ms"), samples, strict=False):
        if sample.size < 2 or not np.all(np.isfinite(sample)):
            raise ValueError(f"`{name}` needs at least 2 finite values, got {sample.size}")

    if len(samples) == 1:

        def statistic(x: np.ndarray, axis: int = -1) -> np.ndarray:
            return np.percentile(x, pct, axis=axis)

    else:

        def statistic(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
            return np.percentile(x, pct, axis=axis) - np.percentile(y, pct, axis=axis)

    paired = len(samples) == 2 and samples[0].size == samples[1].size
    estimate = float(statistic(*samples))
    result = stats.bootstrap(
        tuple(samples),
        statistic,
        paired=paired,
        vectorized=True,
        confidence_level=level,
        n_resamples=n_resamples,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return estimate, float(low), float(high)


def _take_rows(X: Any, n: int) -> Any:
    if isinstance(X, pd.DataFrame | pd.Series):
        return X.iloc[:n]
    return X[:n]


def sweep_batch_sizes(
    predict: Callable[[Any], Any],
    X: Any,
    *,
    batch_sizes: Sequence[int],
    n_repeats: int = 30,
    n_warmup: int = 2,
    max_seconds: float = 2.0,
    interleaved: bool = False,
    clock: Callable[[], int] = time.perf_counter_ns,
) -> pd.DataFrame:
    """Time ``predict`` on the first ``b`` rows of ``X`` for each batch size ``b``.

    The time cap is shared: each batch size gets the unspent budget divided by the sizes
    still to go, so fast small batches leave more time for slow large ones. With
    ``interleaved=True`` the sizes are timed in turn instead, one call of each per round
    (:func:`measure_interleaved`, at least 3 rounds), so a busy moment of the machine slows
    every size alike and the ratios between sizes stay fair.

    Args:
        predict: called as ``predict(X[:b])`` (``X.iloc[:b]`` for pandas).
        X: rows to predict on; needs at least ``max(batch_sizes)`` rows.
        batch_sizes: positive integers, measured in the order given.
        n_repeats: calls to measure per batch size (at most).
        n_warmup: calls to discard per batch size.
        max_seconds: cap on total time for the whole sweep.
        interleaved: time the sizes round by round rather than one after another.
        clock: nanosecond clock, as in :func:`measure_latency`.

    Returns:
        One row per batch size: ``batch_size``, ``n`` (calls measured), ``p50_ms``,
        ``p99_ms``, ``mean_ms`` (latency of one batch), ``ms_per_row`` and ``rows_per_s``
        (both from the median).

    Raises:
        ValueError: if a batch size is not a positive integer or exceeds the rows of ``X``.

    Example:
        >>> X = np.ones((1000, 3))
        >>> table = sweep_batch_sizes(lambda xb: xb.sum(axis=1), X, batch_sizes=[1, 1000],
        ...                           max_seconds=0.5)
        >>> list(table["batch_size"])
        [1, 1000]

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    if not callable(predict):
        raise ValueError(f"`predict` must be callable, got {type(predict).__name__}")
    interleaved = check_bool("interleaved", interleaved)
    if isinstance(batch_sizes, str | bytes) or np.ndim(batch_sizes) != 1:
        raise ParameterError(
            f"`batch_sizes` must be a list of positive integers, got {describe(batch_sizes)}"
        )
    sizes = [check_int(f"batch_sizes[{i}]", b, "[1, inf)") for i, b in enumerate(batch_sizes)]
    if not sizes:
        raise ParameterError("`batch_sizes` must hold at least one batch size, got none")
    n_rows = len(X)
    if max(sizes) > n_rows:
        raise ValueError(
            f"`batch_sizes` go up to {max(sizes)} but `X` has only {n_rows} rows; "
            "pass more rows or smaller batches"
        )
    budget = _positive_float("max_seconds", max_seconds)
    n_repeats = _positive_int("n_repeats", n_repeats)
    n_warmup = _non_negative_int("n_warmup", n_warmup)

    if not isinstance(interleaved, bool):
        raise ValueError(f"`interleaved` must be True or False, got {interleaved!r}")
    if interleaved:
        batches = {f"{b}": _take_rows(X, b) for b in sizes}
        together = measure_interleaved(
            {key: (lambda batch=batch: predict(batch)) for key, batch in batches.items()},
            n_rounds=n_repeats,
            n_warmup=n_warmup,
            max_seconds=budget,
            min_rounds=min(3, n_repeats),
            clock=clock,
        )
    rows = []
    began = clock()
    for k, b in enumerate(sizes):
        if interleaved:
            result = together[f"{b}"]
        else:
            spent = (clock() - began) / 1e9
            share = max(budget - spent, 0.0) / (len(sizes) - k)
            batch = _take_rows(X, b)
            result = measure_latency(
                lambda batch=batch: predict(batch),
                n_repeats=n_repeats,
                n_warmup=n_warmup,
                max_seconds=max(share, 1e-9),
                clock=clock,
            )
        p50 = result.percentile_ms(50)
        rows.append(
            {
                "batch_size": b,
                "n": result.n,
                "p50_ms": p50,
                "p99_ms": result.percentile_ms(99),
                "mean_ms": float(result.latency_ms.mean()),
                "ms_per_row": p50 / b,
                "rows_per_s": b / (p50 / 1e3) if p50 > 0 else math.inf,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- request queue


@dataclass(frozen=True)
class QueueResult:
    """What happened to every request in :func:`simulate_queue`.

    Attributes:
        arrival_s: arrival time of each request (as given).
        start_s: when its batch started service.
        finish_s: when its batch finished (the response time is ``finish_s - arrival_s``).
        batch_size: size of the batch each request was served in.
        n_servers: servers in the simulation.
        busy_s: busy time of each server.
        n_batches: batches served.
    """

    arrival_s: np.ndarray
    start_s: np.ndarray
    finish_s: np.ndarray
    batch_size: np.ndarray
    n_servers: int
    busy_s: np.ndarray
    n_batches: int

    @property
    def latency_s(self) -> np.ndarray:
        """End-to-end latency per request (queueing + batching wait + service), in seconds."""
        return self.finish_s - self.arrival_s

    @property
    def wait_s(self) -> np.ndarray:
        """Time each request waited before its batch started, in seconds."""
        return self.start_s - self.arrival_s

    @property
    def span_s(self) -> float:
        """From the first arrival to the last completion."""
        return float(self.finish_s.max() - self.arrival_s.min())

    @property
    def throughput_per_s(self) -> float:
        """Requests completed per second over :attr:`span_s`."""
        return self.arrival_s.size / self.span_s

    @property
    def utilisation(self) -> float:
        """Share of server time spent busy over :attr:`span_s` (0 to 1)."""
        return float(self.busy_s.sum() / (self.n_servers * self.span_s))

    @property
    def mean_batch_size(self) -> float:
        """Average batch size per batch."""
        return self.arrival_s.size / self.n_batches

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile (0-100) of end-to-end latency, in ms."""
        (p,) = _percentiles([q])
        return float(np.percentile(self.latency_s, p) * 1e3)

    def summary(self, *, percentiles: Sequence[float] = (50, 99)) -> dict[str, float]:
        """Latency percentiles (ms), throughput, utilisation and mean batch size."""
        out = latency_summary(self.latency_s * 1e3, percentiles=percentiles)
        out["throughput_per_s"] = self.throughput_per_s
        out["utilisation"] = self.utilisation
        out["mean_batch_size"] = self.mean_batch_size
        return out


def _service_model(
    service_time_s: Any, n: int, max_batch_size: int
) -> tuple[list[float] | None, list[float] | None]:
    """Return (per-batch-size table, per-request list); exactly one is not None."""
    if callable(service_time_s):
        table = [0.0]
        for b in range(1, max_batch_size + 1):
            value = service_time_s(b)
            if isinstance(value, np.ndarray) and value.ndim == 0:  # np.interp and friends
                value = value.item()
            table.append(check_number(f"service_time_s({b})", value, "[0, inf)"))
        return table, None
    if np.ndim(service_time_s) == 0:  # a number, or text or a bool that check_number refuses
        value = _positive_float("service_time_s", service_time_s)
        return [0.0] + [value] * max_batch_size, None
    values = np.asarray(service_time_s, dtype=float)
    if values.ndim != 1 or values.size != n:
        raise ValueError(
            f"`service_time_s` must be a number, a function of batch size, or one value per "
            f"request ({n}); got an array of shape {values.shape}"
        )
    if max_batch_size != 1:
        raise ValueError(
            "`service_time_s` as one value per request needs `max_batch_size` = 1, "
            f"got {max_batch_size}; pass a function of batch size instead"
        )
    return None, check_1d("service_time_s", values, "[0, inf)").tolist()


def _simulate_one_server(
    arrivals: np.ndarray,
    arr: list[float],
    table: list[float] | None,
    per_request: list[float] | None,
    max_batch_size: int,
    max_wait_s: float,
) -> QueueResult:
    """:func:`simulate_queue` for one server: the same steps and arithmetic, without the heap.

    With one server the heap of free times holds one entry, so the server is free when its
    last batch is done; the results are identical to the general loop, about twice as fast.
    """
    n = len(arr)
    start = [0.0] * n
    finish = [0.0] * n
    busy = 0.0
    free_at = arr[0]
    if max_batch_size == 1:
        for i in range(n):
            a = arr[i]
            dispatch = a if a > free_at else free_at  # max(free_at, a), as the heap loop
            service = per_request[i] if per_request is not None else table[1]
            free_at = dispatch + service
            start[i] = dispatch
            finish[i] = free_at
            busy += service
        return QueueResult(
            arrival_s=arrivals,
            start_s=np.asarray(start),
            finish_s=np.asarray(finish),
            batch_size=np.ones(n, dtype=int),
            n_servers=1,
            busy_s=np.asarray([busy]),
            n_batches=n,
        )
    size = [0] * n
    n_batches = 0
    i = 0
    while i < n:
        last = i + max_batch_size - 1
        deadline = arr[i] + max_wait_s
        ready = min(deadline, arr[last]) if last < n else deadline
        dispatch = max(free_at, ready)
        j = bisect.bisect_right(arr, dispatch, i, min(i + max_batch_size, n))
        b = j - i
        service = table[b]
        free_at = dispatch + service
        start[i:j] = [dispatch] * b
        finish[i:j] = [free_at] * b
        size[i:j] = [b] * b
        busy += service
        n_batches += 1
        i = j
    return QueueResult(
        arrival_s=arrivals,
        start_s=np.asarray(start),
        finish_s=np.asarray(finish),
        batch_size=np.asarray(size),
        n_servers=1,
        busy_s=np.asarray([busy]),
        n_batches=n_batches,
    )


def simulate_queue(
    arrival_s: Sequence[float] | np.ndarray,
    *,
    service_time_s: float | Callable[[int], float] | Sequence[float] | np.ndarray,
    n_servers: int = 1,
    max_batch_size: int = 1,
    max_wait_s: float = 0.0,
) -> QueueResult:
    """Simulate a first-come-first-served queue in front of ``n_servers`` model servers.

    One at a time (``max_batch_size=1``) each request is served alone, as soon as a server is
    free. With dynamic batching, a free server takes the oldest waiting request and waits
    until either ``max_batch_size`` requests are queued or that oldest request has waited
    ``max_wait_s``, whichever comes first (if the server was busy for longer, it starts
    at once); it then serves every queued request, up to ``max_batch_size``, as one batch.
    This is the policy of TensorFlow Serving's and Triton's dynamic batchers.

    Args:
        arrival_s: arrival times in seconds, sorted (non-decreasing).
        service_time_s: seconds to serve a batch: a number (the same for every batch), a
            function of the batch size (for example interpolated from measured latencies),
            or one value per request (one-at-a-time only; for random service times).
        n_servers: identical servers (replicas) fed from the one queue.
        max_batch_size: largest batch; 1 means no batching.
        max_wait_s: longest the oldest request waits for a batch to fill.

    Returns:
        A :class:`QueueResult`: per-request ``latency_s``, ``wait_s``, ``batch_size`` and
        ``throughput_per_s``, ``utilisation``, ``summary()``.

    Raises:
        ValueError: on empty, unsorted or non-finite arrivals, or options out of range.

    Example:
        >>> result = simulate_queue([0.0, 0.0, 0.0], service_time_s=1.0)
        >>> result.latency_s.tolist()
        [1.0, 2.0, 3.0]

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    arrivals = check_1d("arrival_s", arrival_s)
    if np.any(np.diff(arrivals) < 0):
        raise ValueError("`arrival_s` must be sorted in non-decreasing order")
    n_servers = _positive_int("n_servers", n_servers)
    max_batch_size = _positive_int("max_batch_size", max_batch_size)
    max_wait_s = _non_negative_float("max_wait_s", max_wait_s)
    n = arrivals.size
    table, per_request = _service_model(service_time_s, n, max_batch_size)

    arr = arrivals.tolist()
    if n_servers == 1:
        return _simulate_one_server(arrivals, arr, table, per_request, max_batch_size, max_wait_s)
    start = [0.0] * n
    finish = [0.0] * n
    size = [0] * n
    busy = [0.0] * n_servers
    servers = [(arr[0], k) for k in range(n_servers)]  # (free at, server id)
    heapq.heapify(servers)
    n_batches = 0
    i = 0
    while i < n:
        free_at, k = heapq.heappop(servers)
        if max_batch_size == 1:
            dispatch = max(free_at, arr[i])
            j = i + 1
        else:
            last = i + max_batch_size - 1
            deadline = arr[i] + max_wait_s
            ready = min(deadline, arr[last]) if last < n else deadline
            dispatch = max(free_at, ready)
            j = bisect.bisect_right(arr, dispatch, i, min(i + max_batch_size, n))
        b = j - i
        service = per_request[i] if per_request is not None else table[b]
        done = dispatch + service
        for r in range(i, j):
            start[r] = dispatch
            finish[r] = done
            size[r] = b
        busy[k] += service
        n_batches += 1
        heapq.heappush(servers, (done, k))
        i = j
    return QueueResult(
        arrival_s=arrivals,
        start_s=np.asarray(start),
        finish_s=np.asarray(finish),
        batch_size=np.asarray(size),
        n_servers=n_servers,
        busy_s=np.asarray(busy),
        n_batches=n_batches,
    )


def rescale_arrivals(arrival_s: Sequence[float] | np.ndarray, *, rate_per_s: float) -> np.ndarray:
    """Stretch or compress a trace in time so that it arrives at ``rate_per_s`` on average.

    The shape of the trace (its bursts and lulls) is kept; only the clock runs faster or
    slower. The result starts at 0.

    Args:
        arrival_s: sorted arrival times in seconds, at least two distinct.
        rate_per_s: target mean arrival rate, requests per second.

    Returns:
        New arrival times, ``(arrival_s - arrival_s[0]) * factor``, with mean rate
        ``(n - 1) / span = rate_per_s``.

    Raises:
        ValueError: if the trace is too short, unsorted, or the rate is not positive.

    Example:
        >>> rescale_arrivals([10.0, 11.0, 13.0], rate_per_s=2.0).tolist()
        [0.0, 0.3333333333333333, 1.0]

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    arrivals = check_1d("arrival_s", arrival_s, min_size=2)
    rate = _positive_float("rate_per_s", rate_per_s)
    if np.any(np.diff(arrivals) < 0):
        raise ValueError("`arrival_s` must be sorted in non-decreasing order")
    span = arrivals[-1] - arrivals[0]
    if span <= 0:
        raise ValueError("`arrival_s` must span a positive time, got all-equal times")
    current_rate = (arrivals.size - 1) / span
    return (arrivals - arrivals[0]) * (current_rate / rate)


# --------------------------------------------------------------------------- queueing formulas


def _rates(rate_per_s: float, service_time_s: float) -> tuple[float, float]:
    lam = _positive_float("rate_per_s", rate_per_s)
    mean_service = _positive_float("service_time_s", service_time_s)
    return lam, 1.0 / mean_service


def mm1_mean_time_in_system_s(rate_per_s: float, *, service_time_s: float) -> float:
    """Mean time in system of an M/M/1 queue, ``1 / (mu - lambda)``.

    Args:
        rate_per_s: Poisson arrival rate lambda.
        service_time_s: mean of the exponential service time, ``1 / mu``.

    Returns:
        Mean end-to-end latency (waiting + service), in seconds.

    Raises:
        ValueError: if the queue is unstable (utilisation ``lambda / mu`` >= 1).

    Example:
        >>> mm1_mean_time_in_system_s(0.5, service_time_s=1.0)
        2.0
    """
    lam, mu = _rates(rate_per_s, service_time_s)
    if lam >= mu:
        raise ValueError(
            f"utilisation `rate_per_s` * `service_time_s` must be < 1, got {lam / mu:.3g}"
        )
    return 1.0 / (mu - lam)


def md1_mean_time_in_system_s(rate_per_s: float, *, service_time_s: float) -> float:
    """Mean time in system of an M/D/1 queue (Pollaczek-Khinchine).

    Waiting time ``rho / (2 mu (1 - rho))`` plus the constant service time ``1 / mu``: half
    the M/M/1 wait, because deterministic service has no variance.

    Args:
        rate_per_s: Poisson arrival rate lambda.
        service_time_s: the constant service time ``1 / mu``.

    Returns:
        Mean end-to-end latency, in seconds.

    Raises:
        ValueError: if the queue is unstable (utilisation >= 1).

    Example:
        >>> md1_mean_time_in_system_s(0.5, service_time_s=1.0)
        1.5

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    lam, mu = _rates(rate_per_s, service_time_s)
    rho = lam / mu
    if rho >= 1:
        raise ValueError(f"utilisation `rate_per_s` * `service_time_s` must be < 1, got {rho:.3g}")
    return rho / (2 * mu * (1 - rho)) + 1.0 / mu


def erlang_c(rate_per_s: float, *, service_time_s: float, n_servers: int) -> float:
    """Probability that a request has to wait in an M/M/c queue (Erlang C).

    Computed through the Erlang B recursion, which is stable for large ``n_servers``.

    Args:
        rate_per_s: Poisson arrival rate.
        service_time_s: mean exponential service time.
        n_servers: servers ``c``.

    Returns:
        P(wait > 0); 1.0 when the offered load is at or above ``n_servers`` (unstable).

    Raises:
        ValueError: on a non-positive rate, service time or server count.

    Example:
        >>> round(erlang_c(0.5, service_time_s=1.0, n_servers=1), 6)
        0.5
    """
    lam, mu = _rates(rate_per_s, service_time_s)
    c = _positive_int("n_servers", n_servers)
    a = lam / mu
    if a >= c:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def _mmc_tail(lam: float, mu: float, c: int, t: float) -> float:
    """P(wait + service > t) in a stable M/M/c queue."""
    wait_prob = erlang_c(lam, service_time_s=1 / mu, n_servers=c)
    theta = c * mu - lam
    service_tail = math.exp(-mu * t)
    if math.isclose(theta, mu, rel_tol=1e-9):
        queued_tail = (1 + mu * t) * math.exp(-mu * t)
    else:
        queued_tail = (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1 - wait_prob) * service_tail + wait_prob * queued_tail


def mmc_latency_tail_probability(
    rate_per_s: float, *, service_time_s: float, n_servers: int, latency_s: float
) -> float:
    """Share of requests slower than ``latency_s`` (wait + service) in an M/M/c queue.

    The wait is 0 with probability ``1 - C`` and exponential with rate ``c mu - lambda``
    otherwise (C from :func:`erlang_c`); the service time is exponential with rate ``mu``.
    The tail of their sum has a closed form.

    Args:
        rate_per_s: Poisson arrival rate.
        service_time_s: mean exponential service time.
        n_servers: servers ``c``.
        latency_s: the latency threshold, for example a service-level objective.

    Returns:
        P(latency > ``latency_s``); 1.0 when the queue is unstable (the queue grows forever).

    Raises:
        ValueError: on arguments out of range.

    Example:
        >>> import math
        >>> p = mmc_latency_tail_probability(0.5, service_time_s=1.0, n_servers=1, latency_s=2.0)
        >>> math.isclose(p, math.exp(-1))
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    lam, mu = _rates(rate_per_s, service_time_s)
    c = _positive_int("n_servers", n_servers)
    t = _non_negative_float("latency_s", latency_s)
    if lam >= c * mu:
        return 1.0
    return float(min(1.0, max(0.0, _mmc_tail(lam, mu, c, t))))


def mmc_latency_quantile_s(
    rate_per_s: float, *, service_time_s: float, n_servers: int, quantile: float = 0.99
) -> float:
    """The ``quantile`` of end-to-end latency (wait + service) in an M/M/c queue.

    Inverts :func:`mmc_latency_tail_probability` by root finding.

    Args:
        rate_per_s: Poisson arrival rate.
        service_time_s: mean exponential service time.
        n_servers: servers ``c``.
        quantile: in (0, 1), for example 0.99 for p99.

    Returns:
        Latency in seconds; ``inf`` when the queue is unstable.

    Raises:
        ValueError: on arguments out of range.

    Example:
        >>> import math
        >>> math.isclose(mmc_latency_quantile_s(0.5, service_time_s=1.0, n_servers=1,
        ...                                     quantile=0.5), 2 * math.log(2))
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    lam, mu = _rates(rate_per_s, service_time_s)
    c = _positive_int("n_servers", n_servers)
    q = check_probability("quantile", quantile, "(0, 1)")
    if lam >= c * mu:
        return math.inf
    target = 1 - q
    hi = 1.0 / min(mu, c * mu - lam)
    while _mmc_tail(lam, mu, c, hi) > target:
        hi *= 2
    return float(
        optimize.brentq(
            lambda t: _mmc_tail(lam, mu, c, t) - target, 0.0, hi, xtol=1e-12, rtol=1e-10
        )
    )


def servers_needed(
    rate_per_s: float | Sequence[float] | np.ndarray,
    *,
    service_time_s: float,
    latency_target_s: float,
    quantile: float = 0.99,
    max_servers: int = 100_000,
) -> int | np.ndarray:
    """Fewest servers that keep the ``quantile`` of latency within ``latency_target_s``.

    Uses the M/M/c model (:func:`mmc_latency_quantile_s`): Poisson arrivals, exponential
    service. Real model servers have steadier service times, so this errs on the side of
    more servers.

    Args:
        rate_per_s: arrival rate, or an array of rates (for example one per hour).
        service_time_s: mean service time of one request on one server.
        latency_target_s: latency objective for the quantile.
        quantile: in (0, 1); 0.99 targets the p99.
        max_servers: give up (ValueError) beyond this many.

    Returns:
        An int, or an int array shaped like ``rate_per_s``; 0 where the rate is 0.

    Raises:
        ValueError: if the target is unreachable (the ``quantile`` of a single request's
            service time alone exceeds it) or an argument is out of range.

    Example:
        >>> servers_needed(50.0, service_time_s=0.01, latency_target_s=0.06)
        2

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    mean_service = _positive_float("service_time_s", service_time_s)
    target = _positive_float("latency_target_s", latency_target_s)
    q = check_probability("quantile", quantile, "(0, 1)")
    cap = _positive_int("max_servers", max_servers)
    floor = -math.log(1 - q) * mean_service  # the quantile of the service time alone
    if floor >= target:
        raise ValueError(
            f"`latency_target_s` = {target:g} is unreachable: the {q:g} quantile of the service "
            f"time alone is {floor:.3g} s"
        )
    rates = _number_or_array("rate_per_s", rate_per_s, "[0, inf)")

    def one(lam: float) -> int:
        if lam == 0:
            return 0
        c = max(1, math.floor(lam * mean_service) + 1)
        while True:
            if c > cap:
                raise ValueError(
                    f"more than `max_servers` = {cap} servers needed for rate {lam:g}/s"
                )
            latency = mmc_latency_quantile_s(
                lam, service_time_s=mean_service, n_servers=c, quantile=q
            )
            if latency <= target:
                return c
            c += 1

    if rates.ndim == 0:
        return one(float(rates))
    return np.array([one(float(r)) for r in rates.ravel()], dtype=int).reshape(rates.shape)


def max_rate_within_target(
    *,
    service_time_s: float,
    n_servers: int,
    latency_target_s: float,
    quantile: float = 0.99,
) -> float:
    """Highest arrival rate that ``n_servers`` serve with the ``quantile`` within the target.

    The inverse of :func:`servers_needed` for a fixed fleet (M/M/c, by bisection on
    :func:`mmc_latency_quantile_s`). A server that sheds load (answers "busy" rather than
    queueing without end) serves up to this rate in time and loses the rest.

    Args:
        service_time_s: mean service time of one request on one server.
        n_servers: servers ``c`` (0 serves nothing).
        latency_target_s: latency objective for the quantile.
        quantile: in (0, 1); 0.99 targets the p99.

    Returns:
        The rate (requests per second); 0.0 when even one request alone misses the target.

    Raises:
        ValueError: on arguments out of range.

    Example:
        >>> import math
        >>> rate = max_rate_within_target(service_time_s=0.01, n_servers=1, latency_target_s=0.1)
        >>> math.isclose(rate, 100 - math.log(100) / 0.1, rel_tol=1e-6)
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    mean_service = _positive_float("service_time_s", service_time_s)
    c = _non_negative_int("n_servers", n_servers)
    target = _positive_float("latency_target_s", latency_target_s)
    q = _probability("quantile", quantile, open_right=True)
    if q == 0:
        raise ValueError(f"`quantile` must be in (0, 1), got {quantile!r}")
    if c == 0 or -math.log(1 - q) * mean_service >= target:
        return 0.0
    mu, limit = 1.0 / mean_service, 1.0 - q
    # the share of requests over the target grows from exp(-mu t) at no traffic to 1 as the
    # rate nears c mu: find where it crosses 1 - q
    upper = c * mu * (1 - 1e-12)
    if _mmc_tail(upper, mu, c, target) <= limit:  # pragma: no cover - numerically at capacity
        return upper
    return float(
        optimize.brentq(
            lambda lam: (
                (_mmc_tail(lam, mu, c, target) if lam > 0 else math.exp(-mu * target)) - limit
            ),
            0.0,
            upper,
            xtol=1e-12,
            rtol=1e-10,
        )
    )


# --------------------------------------------------------------------------- tail at scale


def fanout_tail_probability(
    slow_prob: float | np.ndarray, n_backends: int | np.ndarray
) -> float | np.ndarray:
    """Probability that a request fanned out to ``n_backends`` waits for a slow one.

    Each backend is slow independently with probability ``slow_prob`` (q); the request is
    as slow as its slowest backend, so it is slow with probability ``1 - (1 - q) ** N``.

    Args:
        slow_prob: q, per-backend probability of a slow response, in [0, 1].
        n_backends: N, backends each request waits for (positive integers).

    Returns:
        The probability (an array when either argument is an array).

    Raises:
        ValueError: if q is outside [0, 1] or N is not a positive integer.

    Example:
        >>> round(fanout_tail_probability(0.01, 100), 3)
        0.634

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    q = _number_or_array("slow_prob", slow_prob, "[0, 1]")
    if np.ndim(n_backends) == 0:
        n = np.asarray(check_int("n_backends", n_backends, "[1, inf)"))
    else:
        n = np.asarray(n_backends)
        if not np.issubdtype(n.dtype, np.integer) or np.any(n < 1):
            raise ParameterError(
                f"`n_backends` must be positive integers, got {describe(n_backends)}"
            )
    p = 1.0 - (1.0 - q) ** n
    return float(p) if p.ndim == 0 else p


@dataclass(frozen=True)
class FanoutResult:
    """Simulated fan-out requests, from :func:`simulate_fanout`.

    Attributes:
        latency_ms: per request, the latency of its slowest backend call.
        slow: per request, whether it exceeded ``slow_threshold_ms``.
        slow_threshold_ms: the line between a fast and a slow request.
        extra_calls_share: hedged (duplicate) calls per original call; 0 without hedging.
    """

    latency_ms: np.ndarray
    slow: np.ndarray
    slow_threshold_ms: float
    extra_calls_share: float

    @property
    def slow_share(self) -> float:
        """Share of requests that were slow."""
        return float(self.slow.mean())


def simulate_fanout(
    n_requests: int,
    *,
    n_backends: int,
    slow_prob: float,
    seed: int | np.random.Generator,
    fast_ms: float = 10.0,
    slow_ms: float = 1000.0,
    jitter: float = 0.2,
    hedge_after_ms: float | None = None,
) -> FanoutResult:
    """Simulate requests that each call ``n_backends`` backends and wait for all of them.

    Each backend call takes about ``fast_ms``, or about ``slow_ms`` with probability
    ``slow_prob`` (a garbage-collection pause, a busy neighbour); both are multiplied by a
    log-normal jitter. With hedging, a call that has not answered after ``hedge_after_ms``
    is sent again to another replica and the first answer wins (Dean and Barroso, "The
    Tail at Scale", 2013). A request is counted slow when its latency exceeds the geometric
    mean of ``fast_ms`` and ``slow_ms``.

    Args:
        n_requests: requests to simulate.
        n_backends: N, backends per request.
        slow_prob: q, per-call probability of a slow response.
        seed: an int seed or a ``numpy.random.Generator``.
        fast_ms: typical fast call latency.
        slow_ms: typical slow call latency (greater than ``fast_ms``).
        jitter: sigma of the log-normal jitter (0 for exact latencies).
        hedge_after_ms: send a duplicate call after this long; None for no hedging.

    Returns:
        A :class:`FanoutResult` (``.slow_share``, ``.latency_ms``, ``.extra_calls_share``).

    Raises:
        ValueError: on arguments out of range.

    Example:
        >>> result = simulate_fanout(20_000, n_backends=100, slow_prob=0.01, seed=0)
        >>> abs(result.slow_share - fanout_tail_probability(0.01, 100)) < 0.02
        True

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    n_requests = _positive_int("n_requests", n_requests)
    n_backends = _positive_int("n_backends", n_backends)
    q = _probability("slow_prob", slow_prob)
    fast = _positive_float("fast_ms", fast_ms)
    slow = _positive_float("slow_ms", slow_ms)
    if slow <= fast:
        raise ValueError(f"`slow_ms` must be greater than `fast_ms` = {fast:g}, got {slow:g}")
    sigma = _non_negative_float("jitter", jitter)
    if hedge_after_ms is not None:
        hedge_after_ms = _positive_float("hedge_after_ms", hedge_after_ms)
    rng = np.random.default_rng(_seed(seed))
    shape = (n_requests, n_backends)

    def draw() -> np.ndarray:
        base = np.where(rng.random(shape) < q, slow, fast)
        return base * np.exp(sigma * rng.standard_normal(shape)) if sigma > 0 else base

    calls = draw()
    extra = 0.0
    if hedge_after_ms is not None:
        hedged = calls > hedge_after_ms
        duplicate = hedge_after_ms + draw()
        calls = np.where(hedged, np.minimum(calls, duplicate), calls)
        extra = float(hedged.mean())
    latency = calls.max(axis=1)
    threshold = math.sqrt(fast * slow)
    return FanoutResult(
        latency_ms=latency,
        slow=latency > threshold,
        slow_threshold_ms=threshold,
        extra_calls_share=extra,
    )
