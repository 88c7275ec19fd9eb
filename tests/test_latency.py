"""Tests for mlsd.latency: timing, batch sweeps, the request queue, queueing formulas, fan-out."""

from __future__ import annotations

import math
import statistics
import time

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from mlsd import latency


class FakeClock:
    """A nanosecond clock that only moves when a fake workload advances it."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now

    def work(self, ms: float) -> None:
        self.now += round(ms * 1e6)


# --------------------------------------------------------------------------- measurement


def test_measure_latency_records_each_call_after_warmup_exactly():
    """With a fake clock, the recorded latencies are exactly the post-warm-up call durations."""
    clock = FakeClock()
    durations = iter([50.0, 50.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    result = latency.measure_latency(
        lambda: clock.work(next(durations)), n_repeats=5, n_warmup=2, max_seconds=10, clock=clock
    )
    assert result.latency_ms.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert result.n_warmup == 2
    assert not result.capped
    assert result.total_s == pytest.approx(0.115)


def test_measure_latency_counts_calls():
    """The callable runs n_warmup + n_repeats times when the cap is not reached."""
    calls = []
    result = latency.measure_latency(lambda: calls.append(1), n_repeats=17, n_warmup=3)
    assert len(calls) == 20
    assert result.n == 17


def test_measure_latency_stops_at_the_time_cap():
    """A 10 ms call under a 95 ms cap is measured ten times, then the cap stops it."""
    clock = FakeClock()
    result = latency.measure_latency(
        lambda: clock.work(10.0), n_repeats=1000, n_warmup=0, max_seconds=0.095, clock=clock
    )
    assert result.n == 10
    assert result.capped


def test_measure_latency_measures_at_least_once_even_past_the_cap():
    """Warm-up that exhausts the budget still leaves one measured call."""
    clock = FakeClock()
    result = latency.measure_latency(
        lambda: clock.work(100.0), n_repeats=50, n_warmup=5, max_seconds=0.15, clock=clock
    )
    assert result.n == 1
    assert result.latency_ms[0] == 100.0


def test_measure_latency_real_clock_sees_a_sleep():
    """With the real clock, a 2 ms sleep measures at least 2 ms at the median."""
    result = latency.measure_latency(lambda: time.sleep(0.002), n_repeats=5, n_warmup=1)
    assert result.percentile_ms(50) >= 2.0
    assert result.summary()["p99_ms"] >= result.summary()["p50_ms"]


@pytest.mark.parametrize(
    "values",
    [[1.0, 2.0, 3.0, 4.0], [5.0, 0.1, 7.5, 2.2, 9.9, 3.3, 4.4], list(np.linspace(1, 50, 101))],
)
def test_latency_summary_matches_statistics_quantiles(values):
    """Percentiles agree with the standard library's inclusive quantiles."""
    summary = latency.latency_summary(values, percentiles=(50, 90, 95, 99))
    ref = statistics.quantiles(values, n=100, method="inclusive")
    for p in (50, 90, 95, 99):
        assert summary[f"p{p}_ms"] == pytest.approx(ref[p - 1])
    assert summary["max_ms"] == max(values)
    assert summary["mean_ms"] == pytest.approx(statistics.fmean(values))
    assert summary["n"] == len(values)


@pytest.mark.parametrize(
    ("values", "percentiles", "name"),
    [
        ([], (50,), "latency_ms"),
        ([1.0, np.nan], (50,), "latency_ms"),
        ([1.0], (101,), "percentiles"),
    ],
)
def test_latency_summary_rejects_bad_input(values, percentiles, name):
    """Empty or non-finite samples and out-of-range percentiles raise ValueError naming them."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.latency_summary(values, percentiles=percentiles)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_repeats": 0}, "n_repeats"),
        ({"n_repeats": 2.5}, "n_repeats"),
        ({"n_warmup": -1}, "n_warmup"),
        ({"max_seconds": 0}, "max_seconds"),
        ({"max_seconds": float("nan")}, "max_seconds"),
    ],
)
def test_measure_latency_rejects_bad_options(kwargs, name):
    """Out-of-range options raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.measure_latency(lambda: None, **kwargs)


def test_measure_latency_rejects_non_callable():
    """Passing a value instead of a function raises ValueError naming `fn`."""
    with pytest.raises(ValueError, match="`fn`"):
        latency.measure_latency(42)


# --------------------------------------------------------------------------- batch sweep


@pytest.mark.parametrize("as_frame", [False, True])
def test_sweep_batch_sizes_with_a_known_cost_model(as_frame):
    """A batch that costs 1 ms + 0.01 ms per row gives rows/s = b / (1 + 0.01 b) ms exactly."""
    clock = FakeClock()
    X = np.zeros((5000, 2))
    if as_frame:
        X = pd.DataFrame(X, columns=["a", "b"])
    seen = []

    def predict(batch):
        seen.append(len(batch))
        clock.work(1.0 + 0.01 * len(batch))

    sizes = [1, 10, 100, 1000, 5000]
    table = latency.sweep_batch_sizes(
        predict, X, batch_sizes=sizes, n_repeats=4, n_warmup=1, max_seconds=60, clock=clock
    )
    assert table["batch_size"].tolist() == sizes
    assert set(seen) == set(sizes)
    expected_ms = np.array([1.0 + 0.01 * b for b in sizes])
    np.testing.assert_allclose(table["p50_ms"], expected_ms)
    np.testing.assert_allclose(table["rows_per_s"], np.array(sizes) / (expected_ms / 1e3))
    np.testing.assert_allclose(table["ms_per_row"], expected_ms / np.array(sizes))
    assert table["n"].tolist() == [4] * 5


def test_sweep_batch_sizes_interleaved_calls_sizes_in_turn_with_the_same_results():
    """Interleaved, the sizes are called round by round and the known costs come out exactly."""
    clock = FakeClock()
    X = np.zeros((1000, 2))
    seen = []

    def predict(batch):
        seen.append(len(batch))
        clock.work(1.0 + 0.01 * len(batch))

    sizes = [1, 10, 1000]
    table = latency.sweep_batch_sizes(
        predict, X, batch_sizes=sizes, n_repeats=3, n_warmup=0, interleaved=True, clock=clock
    )
    assert sorted(seen) == sorted(sizes * 3)
    np.testing.assert_allclose(table["p50_ms"], [1.01, 1.1, 11.0])
    assert table["n"].tolist() == [3, 3, 3]


def test_sweep_batch_sizes_shares_the_cap():
    """Under a tight cap every size is still measured and the total stays near the cap."""
    clock = FakeClock()
    X = np.zeros((1000, 1))
    table = latency.sweep_batch_sizes(
        lambda b: clock.work(1.0 * len(b)),
        X,
        batch_sizes=[1, 10, 100, 1000],
        n_repeats=1000,
        n_warmup=0,
        max_seconds=2.0,
        clock=clock,
    )
    assert (table["n"] >= 1).all()
    # at most one call beyond each size's share
    assert clock.now / 1e9 <= 2.0 + (1 + 10 + 100 + 1000) / 1e3
    # the leftover from small batches flows to the last one: 1000-row calls take 1 s each
    assert table["n"].iloc[0] > table["n"].iloc[-1]


@pytest.mark.parametrize(
    ("sizes", "match"),
    [
        ([1, 20], "`batch_sizes`.*only 10 rows"),
        ([0, 5], r"`batch_sizes\[0\]`"),
        ([], "`batch_sizes`"),
    ],
)
def test_sweep_batch_sizes_rejects_bad_sizes(sizes, match):
    """Sizes larger than the data, zero, or none at all raise ValueError naming `batch_sizes`."""
    with pytest.raises(ValueError, match=match):
        latency.sweep_batch_sizes(lambda b: None, np.zeros((10, 1)), batch_sizes=sizes)


# --------------------------------------------------------------------------- request queue


def lindley_latency(arrivals, services):
    """Reference: one-server FIFO latency by Lindley's recursion W' = max(0, W + S - A)."""
    wait = 0.0
    out = []
    for k in range(len(arrivals)):
        if k:
            wait = max(0.0, wait + services[k - 1] - (arrivals[k] - arrivals[k - 1]))
        out.append(wait + services[k])
    return np.array(out)


@pytest.mark.parametrize(("gap_s", "service_s"), [(1.0, 0.5), (0.2, 0.199), (3.0, 3.0)])
def test_evenly_spaced_arrivals_slower_than_service_never_wait(gap_s, service_s):
    """Arrivals spaced at least one service time apart wait zero; latency is the service time."""
    n = 50
    arrivals = np.arange(n) * gap_s
    result = latency.simulate_queue(arrivals, service_time_s=service_s)
    np.testing.assert_allclose(result.wait_s, 0.0, atol=1e-12)
    np.testing.assert_allclose(result.latency_s, service_s)
    span = (n - 1) * gap_s + service_s
    assert result.utilisation == pytest.approx(n * service_s / span)
    assert result.throughput_per_s == pytest.approx(n / span)


@pytest.mark.parametrize(("k", "n_servers"), [(5, 1), (7, 2), (9, 3), (4, 8)])
def test_burst_waits_in_line(k, n_servers):
    """k simultaneous arrivals on c servers: request i waits floor(i / c) service times."""
    s = 0.25
    result = latency.simulate_queue(np.zeros(k), service_time_s=s, n_servers=n_servers)
    expected_wait = np.array([i // n_servers for i in range(k)]) * s
    np.testing.assert_allclose(result.wait_s, expected_wait)
    np.testing.assert_allclose(result.latency_s, expected_wait + s)


def test_one_at_a_time_matches_lindley_recursion():
    """With random arrivals and service times, one server matches Lindley's recursion."""
    rng = np.random.default_rng(7)
    arrivals = np.cumsum(rng.exponential(1.0, 2000))
    services = rng.gamma(2.0, 0.4, 2000)
    result = latency.simulate_queue(arrivals, service_time_s=services)
    np.testing.assert_allclose(result.latency_s, lindley_latency(arrivals, services))
    assert result.busy_s.sum() == pytest.approx(services.sum())


def test_batching_waits_for_a_full_batch_or_the_deadline():
    """A worked example: the batch fills early, then a lone request leaves at its deadline."""
    arrivals = [0.0, 0.1, 0.2, 1.0, 5.0]
    result = latency.simulate_queue(
        arrivals, service_time_s=lambda b: 0.5, max_batch_size=3, max_wait_s=0.25
    )
    # batch {0, 0.1, 0.2} is full at 0.2; 1.0 waits until its deadline 1.25; 5.0 until 5.25
    np.testing.assert_allclose(result.start_s, [0.2, 0.2, 0.2, 1.25, 5.25])
    np.testing.assert_allclose(result.finish_s, [0.7, 0.7, 0.7, 1.75, 5.75])
    assert result.batch_size.tolist() == [3, 3, 3, 1, 1]
    assert result.n_batches == 3


def test_batching_collects_requests_that_queued_while_busy():
    """Requests arriving during a long service leave together, up to the maximum batch size."""
    arrivals = [0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    result = latency.simulate_queue(
        arrivals, service_time_s=lambda b: 1.0 + 0.1 * b, max_batch_size=4, max_wait_s=0.01
    )
    # first request alone at its deadline 0.01, done at 1.11; then 4 queued requests as one
    # batch at 1.11 (1.4 s), then the last two at 2.51 (1.2 s)
    np.testing.assert_allclose(result.start_s, [0.01, 1.11, 1.11, 1.11, 1.11, 2.51, 2.51])
    np.testing.assert_allclose(result.finish_s, [1.11, 2.51, 2.51, 2.51, 2.51, 3.71, 3.71])
    assert result.mean_batch_size == pytest.approx(7 / 3)


def test_greedy_batching_with_zero_wait_takes_what_is_queued():
    """With max_wait 0 a free server starts at once with whatever has arrived."""
    result = latency.simulate_queue(
        [0.0, 0.0, 0.3, 0.4], service_time_s=lambda b: 1.0, max_batch_size=8, max_wait_s=0.0
    )
    np.testing.assert_allclose(result.start_s, [0.0, 0.0, 1.0, 1.0])


def test_batching_raises_capacity_on_a_burst():
    """100 simultaneous requests, batches of 10 at 2 s each: done at 2, 4, ..., 20 s."""
    result = latency.simulate_queue(
        np.zeros(100), service_time_s=lambda b: 1.0 + 0.1 * b, max_batch_size=10, max_wait_s=1.0
    )
    np.testing.assert_allclose(np.unique(result.finish_s), np.arange(1, 11) * 2.0)
    assert result.throughput_per_s == pytest.approx(5.0)
    assert result.utilisation == pytest.approx(1.0)
    one_at_a_time = latency.simulate_queue(np.zeros(100), service_time_s=1.1)
    assert one_at_a_time.throughput_per_s == pytest.approx(1 / 1.1)


@pytest.mark.parametrize("rho", [0.5, 0.7])
def test_queue_matches_mm1_mean_time_in_system(rho):
    """Poisson arrivals and exponential service: mean latency within 15% of 1 / (mu - lambda)."""
    rng = np.random.default_rng(2024)
    n = 100_000
    arrivals = np.cumsum(rng.exponential(1 / rho, n))
    result = latency.simulate_queue(arrivals, service_time_s=rng.exponential(1.0, n))
    formula = 1.0 / (1.0 - rho)
    assert result.latency_s.mean() == pytest.approx(formula, rel=0.15)
    assert result.utilisation == pytest.approx(rho, rel=0.05)


@pytest.mark.parametrize("rho", [0.5, 0.7])
def test_queue_matches_md1_pollaczek_khinchine(rho):
    """Poisson arrivals and constant service: mean latency within 15% of Pollaczek-Khinchine."""
    rng = np.random.default_rng(99)
    n = 100_000
    s = 0.004
    lam = rho / s
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    result = latency.simulate_queue(arrivals, service_time_s=s)
    # P-K for general service: W = lambda E[S^2] / (2 (1 - rho)), with E[S^2] = s^2
    formula = lam * s**2 / (2 * (1 - rho)) + s
    assert result.latency_s.mean() == pytest.approx(formula, rel=0.15)


def mmc_wait_probability_bruteforce(lam, mu, c, n_states=300):
    """Reference Erlang C: stationary distribution of the truncated M/M/c birth-death chain."""
    q = np.zeros((n_states, n_states))
    for k in range(n_states - 1):
        q[k, k + 1] = lam
        q[k + 1, k] = mu * min(k + 1, c)
    np.fill_diagonal(q, -q.sum(axis=1))
    # pi Q = 0 with sum(pi) = 1: replace one (redundant) balance equation by the normalisation
    a = q.T.copy()
    a[-1] = 1.0
    b = np.zeros(n_states)
    b[-1] = 1.0
    pi = np.linalg.solve(a, b)
    return pi[c:].sum()


def test_queue_with_three_servers_matches_erlang_c_mean_wait():
    """M/M/3 at utilisation 0.7: mean wait within 15% of C / (c mu - lambda), C by brute force."""
    rng = np.random.default_rng(5)
    n, c, mu, lam = 100_000, 3, 1.0, 2.1
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    result = latency.simulate_queue(
        arrivals, service_time_s=rng.exponential(1 / mu, n), n_servers=c
    )
    wait_prob = mmc_wait_probability_bruteforce(lam, mu, c)
    assert result.wait_s.mean() == pytest.approx(wait_prob / (c * mu - lam), rel=0.15)
    assert (result.wait_s > 1e-12).mean() == pytest.approx(wait_prob, abs=0.03)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"arrival_s": [], "service_time_s": 1.0}, "arrival_s"),
        ({"arrival_s": [1.0, 0.0], "service_time_s": 1.0}, "arrival_s"),
        ({"arrival_s": [0.0, np.inf], "service_time_s": 1.0}, "arrival_s"),
        ({"arrival_s": [0.0], "service_time_s": 0.0}, "service_time_s"),
        ({"arrival_s": [0.0], "service_time_s": -1.0}, "service_time_s"),
        ({"arrival_s": [0.0], "service_time_s": lambda b: -1.0}, "service_time_s"),
        ({"arrival_s": [0.0, 1.0], "service_time_s": [1.0]}, "service_time_s"),
        ({"arrival_s": [0.0], "service_time_s": [1.0], "max_batch_size": 4}, "service_time_s"),
        ({"arrival_s": [0.0], "service_time_s": 1.0, "n_servers": 0}, "n_servers"),
        ({"arrival_s": [0.0], "service_time_s": 1.0, "max_batch_size": 0}, "max_batch_size"),
        ({"arrival_s": [0.0], "service_time_s": 1.0, "max_wait_s": -0.1}, "max_wait_s"),
    ],
)
def test_simulate_queue_rejects_bad_arguments(kwargs, name):
    """Bad arrivals, service models and options raise ValueError naming the argument."""
    arrivals = kwargs.pop("arrival_s")
    with pytest.raises(ValueError, match=f"`{name}"):
        latency.simulate_queue(arrivals, **kwargs)


def test_rescale_arrivals_keeps_the_shape_and_sets_the_rate():
    """Rescaling multiplies every gap by one factor and gives the requested mean rate."""
    rng = np.random.default_rng(3)
    arrivals = 100 + np.cumsum(rng.exponential(2.0, 500))
    out = latency.rescale_arrivals(arrivals, rate_per_s=40.0)
    assert out[0] == 0.0
    assert (len(out) - 1) / out[-1] == pytest.approx(40.0)
    ratios = np.diff(out) / np.diff(arrivals)
    np.testing.assert_allclose(ratios, ratios[0])


@pytest.mark.parametrize(
    ("arrivals", "rate", "name"),
    [([0.0, 1.0], 0.0, "rate_per_s"), ([1.0], 1.0, "arrival_s"), ([2.0, 2.0], 1.0, "arrival_s")],
)
def test_rescale_arrivals_rejects_bad_input(arrivals, rate, name):
    """A zero rate, a single arrival or a zero-length trace raise ValueError naming it."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.rescale_arrivals(arrivals, rate_per_s=rate)


# --------------------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    ("lam", "s", "expected"), [(8.0, 0.1, 0.5), (0.5, 1.0, 2.0), (90, 0.01, 0.1)]
)
def test_mm1_mean_time_in_system_worked_examples(lam, s, expected):
    """Textbook M/M/1 examples: lambda 8/s, mu 10/s gives 0.5 s in system."""
    assert latency.mm1_mean_time_in_system_s(lam, service_time_s=s) == pytest.approx(expected)


@pytest.mark.parametrize(("lam", "s"), [(0.5, 1.0), (80.0, 0.01), (0.9, 1.0)])
def test_md1_is_pollaczek_khinchine_with_zero_service_variance(lam, s):
    """M/D/1 equals the general P-K formula with E[S^2] = s^2 (half the M/M/1 wait)."""
    rho = lam * s
    pk = lam * s**2 / (2 * (1 - rho)) + s
    assert latency.md1_mean_time_in_system_s(lam, service_time_s=s) == pytest.approx(pk)
    mm1_wait = latency.mm1_mean_time_in_system_s(lam, service_time_s=s) - s
    assert pk - s == pytest.approx(mm1_wait / 2)


@pytest.mark.parametrize(
    "fn", [latency.mm1_mean_time_in_system_s, latency.md1_mean_time_in_system_s]
)
def test_mean_time_formulas_reject_unstable_queues(fn):
    """Utilisation of 1 or more has no steady state and raises ValueError."""
    with pytest.raises(ValueError, match="utilisation"):
        fn(10.0, service_time_s=0.1)


@pytest.mark.parametrize(
    ("lam", "s", "c"), [(0.5, 1.0, 1), (2.1, 1.0, 3), (9.0, 1.0, 10), (45, 1, 50)]
)
def test_erlang_c_matches_the_birth_death_chain(lam, s, c):
    """Erlang C equals the stationary probability of c or more in an M/M/c chain."""
    ref = mmc_wait_probability_bruteforce(lam, 1 / s, c)
    assert latency.erlang_c(lam, service_time_s=s, n_servers=c) == pytest.approx(ref, rel=1e-6)


def mmc_tail_by_integration(lam, mu, c, t):
    """Reference: P(wait + service > t) by numerically convolving their distributions."""
    wait_prob = mmc_wait_probability_bruteforce(lam, mu, c)
    theta = c * mu - lam
    # P(W + S > t) for W ~ Exp(theta): service outlasts t - w, or the wait alone exceeds t
    queued = integrate.quad(
        lambda w: theta * math.exp(-theta * w) * math.exp(-mu * (t - w)), 0, t, limit=200
    )[0] + math.exp(-theta * t)
    return (1 - wait_prob) * math.exp(-mu * t) + wait_prob * queued


def mmc_quantile_by_integration(lam, mu, c, q):
    """Reference: the latency quantile by root finding on the integrated tail."""
    theta = c * mu - lam
    return optimize.brentq(
        lambda t: mmc_tail_by_integration(lam, mu, c, t) - (1 - q), 1e-9, 200 / min(mu, theta)
    )


@pytest.mark.parametrize(
    ("lam", "s", "c", "t"),
    [(0.5, 1.0, 1, 2.0), (2.1, 1.0, 3, 1.5), (7.0, 1.0, 8, 0.3), (2.0, 1.0, 3, 4.0)],
)
def test_mmc_tail_probability_matches_numerical_convolution(lam, s, c, t):
    """The closed-form M/M/c latency tail equals a numerically integrated one."""
    got = latency.mmc_latency_tail_probability(lam, service_time_s=s, n_servers=c, latency_s=t)
    assert got == pytest.approx(mmc_tail_by_integration(lam, 1 / s, c, t), rel=1e-6)


def test_mmc_tail_probability_is_one_when_overloaded():
    """An unstable queue misses any finite target for (eventually) every request."""
    assert (
        latency.mmc_latency_tail_probability(20.0, service_time_s=0.1, n_servers=2, latency_s=10.0)
        == 1.0
    )


@pytest.mark.parametrize(
    ("lam", "s", "c", "q"),
    [(0.5, 1.0, 1, 0.99), (2.1, 1.0, 3, 0.9), (7.0, 1.0, 8, 0.99), (3.0, 1.0, 4, 0.5)],
)
def test_mmc_latency_quantile_matches_numerical_convolution(lam, s, c, q):
    """The closed-form M/M/c latency quantile equals a numerically integrated one."""
    got = latency.mmc_latency_quantile_s(lam, service_time_s=s, n_servers=c, quantile=q)
    assert got == pytest.approx(mmc_quantile_by_integration(lam, 1 / s, c, q), rel=1e-4)


def test_mmc_latency_quantile_single_server_is_exponential():
    """For c = 1 latency is exponential with rate mu - lambda: p99 = ln(100) / (mu - lambda)."""
    got = latency.mmc_latency_quantile_s(30.0, service_time_s=0.02, n_servers=1, quantile=0.99)
    assert got == pytest.approx(math.log(100) / (50 - 30))


def test_mmc_latency_quantile_simulated_p99():
    """The M/M/2 p99 formula agrees with the simulator's p99 within 10%."""
    rng = np.random.default_rng(11)
    n, lam = 200_000, 1.4
    arrivals = np.cumsum(rng.exponential(1 / lam, n))
    result = latency.simulate_queue(arrivals, service_time_s=rng.exponential(1.0, n), n_servers=2)
    formula = latency.mmc_latency_quantile_s(lam, service_time_s=1.0, n_servers=2, quantile=0.99)
    assert np.quantile(result.latency_s, 0.99) == pytest.approx(formula, rel=0.1)


@pytest.mark.parametrize(
    ("rate", "s", "target", "q"),
    [
        (50.0, 0.01, 0.06, 0.99),
        (500.0, 0.01, 0.05, 0.99),
        (3.0, 1.0, 4.0, 0.9),
        (1000.0, 0.002, 0.02, 0.99),
    ],
)
def test_servers_needed_is_the_smallest_c_meeting_the_target(rate, s, target, q):
    """servers_needed returns the first c whose integrated latency quantile meets the target."""
    mu = 1 / s
    c = math.floor(rate * s) + 1
    while mmc_quantile_by_integration(rate, mu, c, q) > target:
        c += 1
    assert latency.servers_needed(rate, service_time_s=s, latency_target_s=target, quantile=q) == c


def test_servers_needed_vectorised_over_hours():
    """An array of rates gives an array of server counts: 0 for no traffic, monotone in rate."""
    rates = np.array([0.0, 10.0, 100.0, 1000.0, 5000.0])
    need = latency.servers_needed(rates, service_time_s=0.01, latency_target_s=0.1)
    assert need.shape == rates.shape
    assert need[0] == 0
    assert np.all(np.diff(need) >= 0)
    assert need[-1] > 5000 * 0.01  # more than the bare load in servers


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"latency_target_s": 0.01}, "latency_target_s"),  # p99 of service alone is 46 ms
        ({"latency_target_s": 0.1, "quantile": 1.0}, "quantile"),
        ({"latency_target_s": 0.1, "service_time_s": 0.0}, "service_time_s"),
    ],
)
def test_servers_needed_rejects_bad_arguments(kwargs, name):
    """An unreachable target or an out-of-range argument raises ValueError naming it."""
    kwargs = {"service_time_s": 0.01, **kwargs}
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.servers_needed(100.0, **kwargs)


def test_servers_needed_rejects_negative_rates():
    """Negative traffic raises ValueError naming `rate_per_s`."""
    with pytest.raises(ValueError, match="`rate_per_s`"):
        latency.servers_needed([-1.0], service_time_s=0.01, latency_target_s=0.1)


# --------------------------------------------------------------------------- fan-out


@pytest.mark.parametrize(
    ("q", "n"), [(0.01, 1), (0.01, 100), (0.001, 2000), (0.2, 5), (0.0, 10), (1.0, 3)]
)
def test_fanout_probability_matches_binomial(q, n):
    """1 - (1 - q)^N is the binomial probability of at least one slow backend."""
    assert latency.fanout_tail_probability(q, n) == pytest.approx(stats.binom.sf(0, n, q))


def test_fanout_probability_book_example():
    """Dean and Barroso's example: 1% slow backends and 100 of them make 63% of requests slow."""
    assert latency.fanout_tail_probability(0.01, 100) == pytest.approx(0.634, abs=0.001)


def test_fanout_probability_is_vectorised():
    """Arrays of N give an array of probabilities, increasing in N."""
    n = np.array([1, 10, 100, 1000])
    p = latency.fanout_tail_probability(0.01, n)
    assert p.shape == (4,)
    np.testing.assert_allclose(p, stats.binom.sf(0, n, 0.01))


@pytest.mark.parametrize(("q", "n"), [(-0.1, 5), (1.5, 5), (0.1, 0), (0.1, 2.5)])
def test_fanout_probability_rejects_bad_arguments(q, n):
    """q outside [0, 1] or a non-integer N raises ValueError naming the argument."""
    with pytest.raises(ValueError, match=r"`slow_prob`|`n_backends`"):
        latency.fanout_tail_probability(q, n)


@pytest.mark.parametrize(("q", "n"), [(0.01, 1), (0.01, 10), (0.01, 100), (0.001, 500), (0.05, 20)])
def test_simulated_fanout_within_two_points_of_formula(q, n):
    """The simulated slow share is within 2 percentage points of the binomial probability."""
    result = latency.simulate_fanout(20_000, n_backends=n, slow_prob=q, seed=1)
    assert abs(result.slow_share - stats.binom.sf(0, n, q)) < 0.02
    assert result.extra_calls_share == 0.0


@pytest.mark.parametrize(("q", "n"), [(0.01, 100), (0.05, 50)])
def test_hedging_makes_a_call_slow_only_when_both_copies_are(q, n):
    """Hedging after 50 ms: slow share near 1 - (1 - q^2)^N, at the price of about q extra calls."""
    result = latency.simulate_fanout(20_000, n_backends=n, slow_prob=q, seed=2, hedge_after_ms=50)
    assert abs(result.slow_share - stats.binom.sf(0, n, q**2)) < 0.02
    assert result.extra_calls_share == pytest.approx(q, abs=0.005)
    plain = latency.simulate_fanout(20_000, n_backends=n, slow_prob=q, seed=2)
    assert result.slow_share < plain.slow_share


def test_fanout_without_jitter_has_exact_latencies():
    """With no jitter a request takes fast_ms unless a backend was slow, then slow_ms."""
    result = latency.simulate_fanout(1000, n_backends=3, slow_prob=0.3, seed=0, jitter=0.0)
    assert set(np.unique(result.latency_ms)) <= {10.0, 1000.0}
    np.testing.assert_array_equal(result.slow, result.latency_ms == 1000.0)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_backends": 0}, "n_backends"),
        ({"slow_prob": 2.0}, "slow_prob"),
        ({"slow_ms": 5.0}, "slow_ms"),
        ({"hedge_after_ms": -1.0}, "hedge_after_ms"),
        ({"jitter": -0.1}, "jitter"),
    ],
)
def test_simulate_fanout_rejects_bad_arguments(kwargs, name):
    """Out-of-range fan-out arguments raise ValueError naming the argument."""
    base = {"n_backends": 10, "slow_prob": 0.01, "seed": 0}
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.simulate_fanout(100, **{**base, **kwargs})


# --------------------------------------------------------------------------- interleaved timing


def test_measure_interleaved_calls_each_function_once_per_round_in_turn():
    """Round i calls every function once, in the order given; all results have the same n."""
    order = []
    results = latency.measure_interleaved(
        {"a": lambda: order.append("a"), "b": lambda: order.append("b")},
        n_rounds=7,
        n_warmup=2,
        max_seconds=10.0,
        order_seed=None,
    )
    assert order == ["a", "b"] * 9  # 2 warm-up rounds + 7 measured
    assert results["a"].n == results["b"].n == 7


def test_measure_interleaved_shuffles_the_order_within_each_round():
    """With an order seed every round still calls each function once, in varying order."""
    order = []
    fns = {name: (lambda name=name: order.append(name)) for name in "abcd"}
    latency.measure_interleaved(fns, n_rounds=50, n_warmup=0, max_seconds=10.0, order_seed=3)
    rounds = [tuple(order[i : i + 4]) for i in range(0, len(order), 4)]
    assert len(rounds) == 50 and all(sorted(r) == list("abcd") for r in rounds)
    firsts = {r[0] for r in rounds}
    assert firsts == set("abcd")  # each function is sometimes first


def test_measure_interleaved_stops_at_the_cap_but_measures_one_round():
    """A fake clock that advances 1 s per reading stops after the first round."""
    ticks = iter(range(0, 10**12, 10**9))
    results = latency.measure_interleaved(
        {"a": lambda: None, "b": lambda: None},
        n_rounds=100,
        n_warmup=0,
        max_seconds=0.5,
        clock=lambda: next(ticks),
    )
    assert results["a"].n == results["b"].n == 1
    assert results["a"].capped and results["a"].latency_ms[0] == pytest.approx(1000.0)


def test_measure_interleaved_measures_min_rounds_past_the_cap():
    """With a 1 s-per-reading clock and a 0.5 s cap, `min_rounds` rounds are still measured."""
    ticks = iter(range(0, 10**12, 10**9))
    results = latency.measure_interleaved(
        {"a": lambda: None},
        n_rounds=100,
        n_warmup=0,
        max_seconds=0.5,
        min_rounds=4,
        clock=lambda: next(ticks),
    )
    assert results["a"].n == 4 and results["a"].capped


def test_measure_interleaved_real_clock_sees_a_sleep():
    """A 2 ms sleep measures at least 2 ms; a no-op far less, in the same rounds."""
    results = latency.measure_interleaved(
        {"sleep": lambda: time.sleep(0.002), "noop": lambda: None}, n_rounds=5, n_warmup=0
    )
    assert results["sleep"].latency_ms.min() >= 2.0
    assert np.median(results["noop"].latency_ms) < 1.0


@pytest.mark.parametrize(
    ("fns", "kwargs", "name"),
    [({}, {}, "fns"), ({"a": 1}, {}, "fns"), ({"a": print}, {"n_rounds": 0}, "n_rounds")],
)
def test_measure_interleaved_rejects_bad_input(fns, kwargs, name):
    """Empty dicts, non-callables and bad options are refused, naming the argument."""
    with pytest.raises(ValueError, match=f"`{name}"):
        latency.measure_interleaved(fns, **kwargs)


def reference_bootstrap(a, b, q, n, seed):
    """A plain-loop percentile bootstrap (paired rounds when b is given)."""
    rng = np.random.default_rng(seed)
    stats_ = []
    for _ in range(n):
        idx = rng.integers(0, len(a), len(a))
        value = np.percentile(a[idx], q)
        if b is not None:
            value -= np.percentile(b[idx], q)
        stats_.append(value)
    return np.percentile(stats_, [2.5, 97.5])


@pytest.mark.parametrize("paired", [False, True])
def test_percentile_interval_agrees_with_a_plain_bootstrap(paired):
    """scipy's bootstrap interval matches a hand-written resampling loop to within noise."""
    rng = np.random.default_rng(1)
    a = rng.lognormal(0.0, 0.5, 400)
    b = a * 0.8 + rng.normal(0, 0.05, 400) if paired else None
    est, low, high = latency.percentile_interval_ms(a, 50, other_ms=b, n_resamples=4000, seed=2)
    ref_low, ref_high = reference_bootstrap(a, b, 50, 4000, 3)
    expected = np.percentile(a, 50) - (np.percentile(b, 50) if paired else 0.0)
    assert est == pytest.approx(expected)
    width = ref_high - ref_low
    assert low == pytest.approx(ref_low, abs=0.1 * width)
    assert high == pytest.approx(ref_high, abs=0.1 * width)
    assert low < est < high


def test_percentile_interval_covers_the_true_median_about_95_percent_of_the_time():
    """Over 200 samples the 95% interval holds the true median 88-99% of the time.

    The window is for the 200 samples: with a true coverage of 95%, 93% or 96%, the chance
    of a count outside [176, 198] is 0.04%, 0.4% or 0.3% (binomial), while a 80% interval or
    one that always covers passes with chance 0.2% or 1.8%. Each interval uses 500 bootstrap
    resamples instead of the default 2,000 (a quarter of the time): that only makes the
    endpoints' Monte-Carlo noise larger, which moves the coverage of a percentile interval by
    O(1/500) (Hall 1986), far inside the window.
    """
    rng = np.random.default_rng(5)
    true_median = math.log(2)
    hits = 0
    for i in range(200):
        sample = rng.exponential(1.0, 300)
        _, low, high = latency.percentile_interval_ms(sample, 50, seed=i, n_resamples=500)
        hits += low <= true_median <= high
    assert 176 <= hits <= 198


@pytest.mark.parametrize(
    ("values", "kwargs", "name"),
    [([1.0], {}, "latency_ms"), ([1.0, np.nan], {}, "latency_ms"), ([1.0, 2.0], {"q": 120}, "q")],
)
def test_percentile_interval_rejects_bad_input(values, kwargs, name):
    """Too few or non-finite samples and a percentile outside [0, 100] are refused."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        latency.percentile_interval_ms(values, kwargs.get("q", 50))


# --------------------------------------------------------------------------- fleet capacity


@pytest.mark.parametrize(("s", "target"), [(0.01, 0.1), (0.005, 0.2), (0.03, 0.5)])
def test_max_rate_within_target_single_server_closed_form(s, target):
    """For one server the latency is exponential with rate mu - lambda: rate = mu - ln(100)/t."""
    rate = latency.max_rate_within_target(service_time_s=s, n_servers=1, latency_target_s=target)
    assert rate == pytest.approx(1 / s - math.log(100) / target, rel=1e-6)


@pytest.mark.parametrize(("s", "c", "target"), [(0.01, 3, 0.1), (0.005, 12, 0.2), (0.03, 40, 0.5)])
def test_max_rate_within_target_is_where_the_p99_meets_the_target(s, c, target):
    """At the returned rate the M/M/c p99 (numerical convolution) equals the target."""
    rate = latency.max_rate_within_target(service_time_s=s, n_servers=c, latency_target_s=target)
    assert 0 < rate < c / s
    # numerical integration is accurate to about 1% here; 2% more traffic is clearly over
    assert mmc_tail_by_integration(rate, 1 / s, c, target) == pytest.approx(0.01, rel=0.015)
    assert mmc_tail_by_integration(1.02 * rate, 1 / s, c, target) > 0.0103


def test_max_rate_within_target_zero_when_unreachable_or_no_servers():
    """No servers, or a target below one request's own p99, serve nothing in time."""
    assert (
        latency.max_rate_within_target(service_time_s=0.01, n_servers=0, latency_target_s=0.1)
        == 0.0
    )
    assert (
        latency.max_rate_within_target(service_time_s=0.1, n_servers=5, latency_target_s=0.2) == 0.0
    )
