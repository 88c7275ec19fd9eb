"""Tests for the chapter-1 latency exercises: known right answers, known wrong ones, placeholder."""

from __future__ import annotations

import math

import pytest
from scipy import optimize, stats

import mlsd.exercises as ex

BACKENDS = "ch01-latency.max_backends"
RATE = "ch01-latency.max_rate_md1"
BREAKEVEN = "ch01-latency.breakeven_latency_ms"


def test_questions_are_registered_with_hints_and_solutions():
    """All three latency questions can be fetched by id and have hints and a solution."""
    for qid in (BACKENDS, RATE, BREAKEVEN):
        q = ex.get(qid)
        assert q.qid == qid
        assert q.hints and q.solution_text


@pytest.mark.parametrize(
    ("qid", "context"),
    [
        (BACKENDS, {"slow_prob": 0.01, "max_slow_share": 0.1}),
        (RATE, {"service_time_ms": 5.0, "target_ms": 10.0}),
        (
            BREAKEVEN,
            {
                "profit_gain_usd": 100.0,
                "revenue_usd": 1e4,
                "page_latency_ms": 300.0,
                "conversion_loss_per_30pct": 0.005,
            },
        ),
    ],
)
def test_placeholder_is_not_attempted(qid, context):
    """The learner edition's `...` is reported as not attempted."""
    assert ex.get(qid).check(..., **context).kind == ex.NOT_ATTEMPTED


# --------------------------------------------------------------------------- max_backends


def brute_force_max_backends(q, limit):
    """Largest N with binomial P(at least one slow of N) <= limit, by scipy's binomial."""
    n = 0
    while stats.binom.sf(0, n + 1, q) <= limit + 1e-12:
        n += 1
    return n


@pytest.mark.parametrize(("q", "limit"), [(0.01, 0.1), (0.001, 0.5), (0.05, 0.01), (0.2, 0.5)])
def test_max_backends_right_answer(q, limit):
    """The binomial brute-force answer is correct; one more or one fewer is not."""
    expected = brute_force_max_backends(q, limit)
    question = ex.get(BACKENDS)
    assert question.check(expected, slow_prob=q, max_slow_share=limit).correct
    too_many = question.check(expected + 1, slow_prob=q, max_slow_share=limit)
    assert too_many.kind == ex.INCORRECT and "more than" in too_many.text
    if expected > 0:
        too_few = question.check(expected - 1, slow_prob=q, max_slow_share=limit)
        assert too_few.kind == ex.INCORRECT and "larger fan-out" in too_few.text


def test_max_backends_known_value():
    """1% slow backends, at most 10% slow requests: N = 10 (1 - 0.99^10 = 9.6%, ^11 = 10.5%)."""
    assert ex.get(BACKENDS).expected(slow_prob=0.01, max_slow_share=0.1) == 10


def test_max_backends_zero_when_one_backend_is_too_slow():
    """When q alone exceeds the limit the answer is 0."""
    assert ex.get(BACKENDS).expected(slow_prob=0.2, max_slow_share=0.1) == 0


@pytest.mark.parametrize("answer", [10.5, "ten", [10], -1])
def test_max_backends_rejects_non_counts(answer):
    """Fractions, text, lists and negative numbers are incorrect, with a message."""
    feedback = ex.get(BACKENDS).check(answer, slow_prob=0.01, max_slow_share=0.1)
    assert feedback.kind == ex.INCORRECT
    assert "10" not in feedback.text.replace(repr(answer), "")


# --------------------------------------------------------------------------- max_rate_md1


def pk_mean_latency_s(rate, s):
    """Reference Pollaczek-Khinchine mean latency for constant service s (seconds)."""
    rho = rate * s
    return s + rate * s**2 / (2 * (1 - rho))


@pytest.mark.parametrize(("service_ms", "target_ms"), [(5.0, 10.0), (2.0, 3.0), (40.0, 200.0)])
def test_max_rate_matches_root_finding(service_ms, target_ms):
    """The expected rate is where P-K mean latency meets the target (scipy brentq)."""
    s, target = service_ms / 1e3, target_ms / 1e3
    ref = optimize.brentq(lambda r: pk_mean_latency_s(r, s) - target, 0.0, (1 - 1e-12) / s)
    question = ex.get(RATE)
    assert question.expected(service_time_ms=service_ms, target_ms=target_ms) == pytest.approx(ref)
    assert question.check(ref, service_time_ms=service_ms, target_ms=target_ms).correct


def test_max_rate_worked_example():
    """Mean latency twice the service time allows utilisation 2/3: 5 ms gives 133.3 requests/s."""
    question = ex.get(RATE)
    assert question.check(400 / 3, service_time_ms=5.0, target_ms=10.0).correct


@pytest.mark.parametrize(
    ("answer", "says"),
    [(200.0, "too high"), (100.0, "too low"), (0.1333, "too low"), ("fast", "single number")],
)
def test_max_rate_wrong_answers(answer, says):
    """The capacity 1/s (200/s), M/M/1's answer (100/s) and a per-ms rate are all incorrect."""
    feedback = ex.get(RATE).check(answer, service_time_ms=5.0, target_ms=10.0)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text


def test_max_rate_rejects_unreachable_target():
    """A target below the service time itself is a clear error naming `target_ms`."""
    with pytest.raises(ValueError, match="`target_ms`"):
        ex.get(RATE).expected(service_time_ms=5.0, target_ms=4.0)


# --------------------------------------------------------------------------- breakeven


def brute_force_breakeven_ms(gain, revenue, page_ms, loss_per_30):
    """Scan extra latency in 0.001 ms steps until the conversion loss exceeds the gain."""
    step = 0.001
    extra = 0.0
    while revenue * loss_per_30 * (extra / page_ms) / 0.3 < gain:
        extra += step
    return extra


@pytest.mark.parametrize(
    ("gain", "revenue", "page_ms", "loss"),
    [(100.0, 1e4, 300.0, 0.005), (2500.0, 2.6e5, 400.0, 0.005), (50.0, 1e5, 200.0, 0.01)],
)
def test_breakeven_matches_a_scan(gain, revenue, page_ms, loss):
    """The expected break-even equals a brute-force scan of extra latency."""
    ref = brute_force_breakeven_ms(gain, revenue, page_ms, loss)
    context = {
        "profit_gain_usd": gain,
        "revenue_usd": revenue,
        "page_latency_ms": page_ms,
        "conversion_loss_per_30pct": loss,
    }
    question = ex.get(BREAKEVEN)
    assert question.expected(**context) == pytest.approx(ref, abs=0.002)
    assert question.check(ref, **context).correct
    assert question.check(ref * 100, **context).kind == ex.INCORRECT
    assert "factor of 100" in question.check(ref * 100, **context).text


def test_breakeven_worked_example():
    """$100 gain, $10,000 revenue, 300 ms page, 0.5% per 30% (90 ms): 1 ms costs $5/9: 180 ms."""
    context = {
        "profit_gain_usd": 100.0,
        "revenue_usd": 1e4,
        "page_latency_ms": 300.0,
        "conversion_loss_per_30pct": 0.005,
    }
    question = ex.get(BREAKEVEN)
    assert question.check(180.0, **context).correct
    assert question.check(600.0, **context).kind == ex.INCORRECT  # forgot the 30% step


def test_breakeven_is_zero_without_a_gain():
    """If the accurate model earns nothing extra, no extra latency is worth it."""
    context = {
        "profit_gain_usd": -5.0,
        "revenue_usd": 1e4,
        "page_latency_ms": 300.0,
        "conversion_loss_per_30pct": 0.005,
    }
    assert ex.get(BREAKEVEN).expected(**context) == 0.0
    assert math.isinf(
        ex.get(BREAKEVEN).expected(
            **{**context, "profit_gain_usd": 1.0, "conversion_loss_per_30pct": 0.0}
        )
    )
