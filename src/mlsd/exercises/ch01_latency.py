"""Exercises for the chapter-1 notebook on latency and throughput.

Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (plain loops, bisection), not by calling :mod:`mlsd.latency`.
"""

from __future__ import annotations

import math
from typing import Any

from mlsd.exercises import Question, register

KEY = "ch01-latency"


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# --------------------------------------------------------------------------- fan-out


def _solve_max_backends(*, slow_prob: float, max_slow_share: float) -> int:
    """Largest N whose share of slow requests stays within ``max_slow_share``, by counting up."""
    q, limit = float(slow_prob), float(max_slow_share)
    if not 0 < q < 1:
        raise ValueError(f"`slow_prob` must be in (0, 1), got {slow_prob!r}")
    if not 0 <= limit < 1:
        raise ValueError(f"`max_slow_share` must be in [0, 1), got {max_slow_share!r}")
    all_fast = 1.0  # probability that every one of n backends answers fast
    for n in range(10_000_000):
        all_fast *= 1 - q
        if 1 - all_fast > limit + 1e-12:
            return n
    raise ValueError(f"`slow_prob` = {slow_prob!r} is too small to reach the limit by counting")


def _check_max_backends(
    answer: Any, expected: int, *, slow_prob: float, max_slow_share: float
) -> str | None:
    value = _as_number(answer)
    if value is None or not float(value).is_integer():
        return f"Expected a whole number of backends, got {answer!r}."
    n = int(value)
    if n == expected:
        return None
    if n < 0:
        return "A number of backends cannot be negative."
    if n > expected:
        return (
            "With that many backends more than `max_slow_share` of requests would wait "
            "for a slow one."
        )
    return "That many backends meets the limit, but a larger fan-out still does."


MAX_BACKENDS = register(
    Question(
        qid=f"{KEY}.max_backends",
        prompt=(
            "Each backend answers slowly with probability `slow_prob`, independently. Product "
            "wants at most `max_slow_share` of user requests to be slow. What is the **largest "
            "number of backends** a request may fan out to (and wait for)? Answer 0 if even one "
            "backend is too many.\n\n"
            "Context: `slow_prob`, `max_slow_share`."
        ),
        solve=_solve_max_backends,
        hints=(
            "A request is fast only when all N backends are fast: probability (1 - q) ** N.",
            "Solve 1 - (1 - q) ** N <= limit for N and round **down**: "
            "N <= log(1 - limit) / log(1 - q).",
        ),
        solution_text=(
            "```python\n"
            "max_backends = math.floor(math.log(1 - max_slow_share) / math.log(1 - slow_prob))\n"
            "```\n"
            "or count up with `mlsd.latency.fanout_tail_probability(slow_prob, n)` until it "
            "exceeds the limit."
        ),
        checker=_check_max_backends,
        context_keys=("slow_prob", "max_slow_share"),
    )
)


# --------------------------------------------------------------------------- queueing


def _solve_max_rate(*, service_time_ms: float, target_ms: float) -> float:
    """Highest Poisson rate (per second) with M/D/1 mean latency <= target, by bisection."""
    s = float(service_time_ms) / 1e3
    target = float(target_ms) / 1e3
    if not s > 0:
        raise ValueError(f"`service_time_ms` must be positive, got {service_time_ms!r}")
    if not target > s:
        raise ValueError(
            f"`target_ms` must exceed `service_time_ms` = {service_time_ms!r}, got {target_ms!r}"
        )

    def mean_latency(rate: float) -> float:
        # Pollaczek-Khinchine with E[S^2] = s^2: wait = rate s^2 / (2 (1 - rate s))
        return rate * s * s / (2 * (1 - rate * s)) + s

    lo, hi = 0.0, 1.0 / s  # mean latency grows without bound as the rate approaches 1 / s
    for _ in range(200):
        mid = (lo + hi) / 2
        if mean_latency(mid) <= target:
            lo = mid
        else:
            hi = mid
    return lo


MAX_RATE = register(
    Question(
        qid=f"{KEY}.max_rate_md1",
        prompt=(
            "One server takes a constant `service_time_ms` per request and requests arrive at "
            "random (Poisson): an M/D/1 queue. What is the **highest arrival rate, in requests "
            "per second**, at which the **mean** end-to-end latency stays at or below "
            "`target_ms`?\n\n"
            "Context: `service_time_ms`, `target_ms`."
        ),
        solve=_solve_max_rate,
        hints=(
            "Pollaczek-Khinchine: mean latency = s + rho * s / (2 * (1 - rho)), rho = rate * s. "
            "Work in seconds.",
            "Set it equal to the target and solve for rho, or search: "
            "`mlsd.latency.md1_mean_time_in_system_s(rate, service_time_s=s)` grows with the "
            "rate; `scipy.optimize.brentq` finds where it crosses the target.",
        ),
        solution_text=(
            "With d = target - s (seconds): rho * s / (2 (1 - rho)) = d gives "
            "rho = 2 d / (s + 2 d).\n"
            "```python\n"
            "s, d = service_time_ms / 1e3, (target_ms - service_time_ms) / 1e3\n"
            "max_rate_per_s = (2 * d / (s + 2 * d)) / s\n"
            "```"
        ),
        rtol=0.01,
        context_keys=("service_time_ms", "target_ms"),
    )
)


# --------------------------------------------------------------------------- latency in dollars


def _solve_breakeven_ms(
    *,
    profit_gain_usd: float,
    revenue_usd: float,
    page_latency_ms: float,
    conversion_loss_per_30pct: float,
) -> float:
    """Extra model latency (ms) at which conversion loss eats the accurate model's gain."""
    gain = float(profit_gain_usd)
    if gain <= 0:
        return 0.0
    # dollars lost per extra millisecond: revenue x (relative loss per 30% more latency)
    # spread over the 30% of the page's latency that causes it
    usd_per_ms = float(revenue_usd) * float(conversion_loss_per_30pct) / (0.3 * page_latency_ms)
    if usd_per_ms <= 0:
        return math.inf
    return gain / usd_per_ms


BREAKEVEN_MS = register(
    Question(
        qid=f"{KEY}.breakeven_latency_ms",
        prompt=(
            "The accurate model earns `profit_gain_usd` more per month than the fast one, but "
            "every extra millisecond on a page of `page_latency_ms` costs conversions: each 30% "
            "more latency loses a share `conversion_loss_per_30pct` of `revenue_usd` (the "
            "monthly revenue at stake). **How many extra milliseconds** can the accurate model "
            "take before it stops paying for itself?\n\n"
            "Context: `profit_gain_usd`, `revenue_usd`, `page_latency_ms`, "
            "`conversion_loss_per_30pct`."
        ),
        solve=_solve_breakeven_ms,
        hints=(
            "30% more latency is `0.3 * page_latency_ms` milliseconds. How many dollars does "
            "one millisecond cost?",
            "Divide the profit gain by the dollars lost per millisecond.",
        ),
        solution_text=(
            "```python\n"
            "usd_per_ms = revenue_usd * conversion_loss_per_30pct / (0.3 * page_latency_ms)\n"
            "breakeven_ms = profit_gain_usd / usd_per_ms\n"
            "```"
        ),
        rtol=0.01,
        context_keys=(
            "profit_gain_usd",
            "revenue_usd",
            "page_latency_ms",
            "conversion_loss_per_30pct",
        ),
    )
)
