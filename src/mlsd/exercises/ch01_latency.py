"""Exercises for the chapter-1 notebook on latency and throughput.

Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb

Five exercises, each right after the section it practises: a choice of batching (section 4),
the M/D/1 arrival rate for a latency target and a reading of the queue figure (section 5),
a fan-out function the checker calls on its own cases (section 6), and the break-even
latency for more sensitive users (section 7). Each ``solve`` recomputes the expected answer
from the context the notebook passes, by its own route (bisection, plain arithmetic), not by
calling :mod:`mlsd.latency`. Solutions use the notebook's own variable names.
"""

from __future__ import annotations

import math

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch01-latency"

# --------------------------------------------------------------------------- batching (section 4)

BATCH_CHOICE = register(
    ChoiceQuestion(
        qid=f"{KEY}.batch_choice",
        label="q1",
        prompt=(
            "The same gradient-boosting model serves two jobs. **Nightly**, a job scores all "
            "20,000 subscribers for tomorrow's retention campaign; nobody waits for it, it "
            "only has to finish before morning. **On the home page**, one subscriber's churn "
            "score must arrive while the page loads, with a p99 well under 100 ms; at quiet "
            "hours a request arrives every few tens of milliseconds. With the batch sweep of "
            "this section in mind, which batching do you choose? Put the letter in "
            "`batch_choice`."
        ),
        options={
            "a": "Batches of 4,096 rows for both jobs: the largest batch has the highest "
            "throughput.",
            "b": "Batches of thousands of rows for the nightly job; for the home page, one "
            "request at a time, or dynamic batching whose maximum wait is a few milliseconds.",
            "c": "One row at a time for both jobs: the lowest latency is always best.",
            "d": "Batches of 64 rows for both jobs, a compromise between the two.",
        },
        reasons={
            "a": "Nightly, yes. On the home page a user waits for the batch to fill and then "
            "for the whole batch to be served: at quiet hours 4,096 requests take minutes to "
            "arrive, far beyond any latency target.",
            "b": "Throughput where nobody waits, latency where a user waits. The nightly job "
            "gets the sweep's best rows per second; the home page gets a single row's latency "
            "(dynamic batching caps the extra wait at `max_wait_ms`, section 5).",
            "c": "On the home page, yes. But nobody waits for the nightly job: one row at a "
            "time throws away the throughput factor the sweep printed (hundreds of times on "
            "a quiet machine), and the job takes that much longer and costs that much more.",
            "d": "A compromise that serves neither: nightly it leaves most of the throughput "
            "unused, and on the home page the first request of a batch still waits for 63 "
            "others to arrive, which at quiet hours takes seconds.",
        },
        solve=lambda **_: "b",
        hints=(
            "Ask of each job: does a person wait for the answer?",
            "A batch's latency includes the time to fill it: how long do 4,096 home-page "
            "requests take to arrive when one comes every few tens of milliseconds?",
        ),
        solution_text='```python\nbatch_choice = "b"\n```',
    )
)


# --------------------------------------------------------------------------- queueing (section 5)


def _solve_max_rate(*, service_s_one: float, target_s: float) -> float:
    """Highest Poisson rate (per second) with M/D/1 mean time in system <= target, by bisection."""
    s, target = float(service_s_one), float(target_s)
    if not s > 0:
        raise ValueError(f"`service_s_one` must be positive, got {service_s_one!r}")
    if not target > s:
        raise ValueError(
            f"`target_s` must exceed `service_s_one` = {service_s_one!r}, got {target_s!r}"
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
        label="q2",
        prompt=(
            "One server takes a constant `service_s_one` seconds per request (the "
            "gradient-boosting model, one request at a time) and requests arrive at random "
            "(Poisson): the M/D/1 queue of this section. What is the **highest arrival rate, "
            "in requests per second**, at which the **mean** time in system (wait plus "
            "service) stays at or below `target_s` seconds? Assume the Pollaczek-Khinchine "
            "formula above holds exactly. Put it in `max_rate_per_s`."
        ),
        solve=_solve_max_rate,
        hints=(
            "Mean time in system = s + rho * s / (2 * (1 - rho)), with rho = rate * s. Set it "
            "equal to `target_s` and solve for rho; the rate is rho / s.",
            "With d = target_s - service_s_one (the mean wait you can afford): "
            "rho * s / (2 * (1 - rho)) = d gives rho = 2 * d / (s + 2 * d).",
        ),
        solution_text=(
            "```python\n"
            "rho_max = 2 * (target_s - service_s_one) / (2 * target_s - service_s_one)\n"
            "max_rate_per_s = rho_max / service_s_one\n"
            "```"
        ),
        rtol=0.01,
        context_keys=("service_s_one", "target_s"),
        mistakes=(
            Mistake(
                "That is the M/M/1 answer (mean time s / (1 - rho)), which assumes random "
                "service times. Here every request takes the same time: use the "
                "Pollaczek-Khinchine formula for constant service.",
                lambda *, service_s_one, target_s: (1 - service_s_one / target_s) / service_s_one,
            ),
            Mistake(
                "That is the server's capacity, 1 / s: at that rate the queue grows without "
                "end. The mean latency reaches the target well before it.",
                lambda *, service_s_one, target_s: 1 / service_s_one,
            ),
            Mistake(
                "That looks like a rate per millisecond: the question asks for requests per "
                "second (1,000 times larger).",
                lambda *, service_s_one, target_s: (
                    _solve_max_rate(service_s_one=service_s_one, target_s=target_s) / 1e3
                ),
            ),
        ),
    )
)


QUEUE_FIGURE = register(
    ChoiceQuestion(
        qid=f"{KEY}.read_queue_figure",
        label="q3",
        prompt=(
            "Read the figure above at an offered load of half the one-at-a-time capacity "
            "(utilisation 0.5; the table's `p99_ms` columns give the numbers). The bursty "
            "trace served one at a time has a p99 several times that of random (Poisson) "
            "arrivals, although both bring the same number of requests per second on "
            "average and the same service time. Why? Put the letter in `queue_reason`."
        ),
        options={
            "a": "The trace's requests take longer to serve than the Poisson ones.",
            "b": "During a burst, arrivals outpace the server for a while although the "
            "average does not; the backlog the burst leaves makes the requests behind it wait.",
            "c": "The simulation is noisy: with more requests the two curves would meet.",
            "d": "Requests in the trace wait for a batch to fill.",
        },
        reasons={
            "a": "Both servers use the same service time for a request; only the arrival "
            "times differ.",
            "b": "Averages hide bursts: a queue reacts to the arrival rate of the moment, and "
            "the p99 is set by the few minutes when it exceeds capacity.",
            "c": "The Poisson simulation agrees with the formula to a few percent, and the "
            "gap is several-fold at every load below capacity: noise does not explain it.",
            "d": "Only the orange curve (trace, batching) waits for a batch; the blue one "
            "serves each request alone as soon as the server is free.",
        },
        solve=lambda **_: "b",
        hints=(
            "What is the same for the grey and the blue curves, and what differs?",
            "The trace holds the busiest minute of the day: what is the arrival rate inside "
            "that minute compared with the average?",
        ),
        solution_text='```python\nqueue_reason = "b"\n```',
    )
)


# --------------------------------------------------------------------------- fan-out (section 6)


def _p_slow_page(p_slow_call: float, n_calls: int) -> float:
    """Reference: the page is fast only if every call is fast (a product, term by term)."""
    all_fast = 1.0
    for _ in range(int(n_calls)):
        all_fast *= 1.0 - p_slow_call
    return 1.0 - all_fast


P_SLOW_PAGE = register(
    FunctionQuestion(
        qid=f"{KEY}.p_slow_page",
        label="q4",
        prompt=(
            "Write `p_slow_page(p_slow_call, n_calls)`: the probability that a page which "
            "waits for `n_calls` backend calls is slow, when each call is slow with "
            "probability `p_slow_call`, independently of the others, and the page is slow "
            "when at least one of its calls is. The checker calls your function on cases of "
            "its own (`n_calls` from 1 to 1,000)."
        ),
        solve=_p_slow_page,
        cases=lambda **_: [(0.01, 100), (0.001, 300), (0.2, 3), (0.05, 10), (0.5, 1)],
        hints=(
            "It is easier to compute the opposite first: the probability that the page is "
            "fast, that is, that every one of the `n_calls` calls is fast.",
            "Each call is fast with probability `1 - p_slow_call`; independent events multiply.",
        ),
        solution_text="```python\n    return 1 - (1 - p_slow_call) ** n_calls\n```",
        rtol=1e-6,
        mistakes=(
            Mistake(
                "Your function adds the calls' probabilities (n * p). That linear shortcut "
                "counts a page with two slow calls twice; it is close only while n * p is "
                "small, and it exceeds 1 for a large fan-out.",
                lambda p_slow_call, n_calls: n_calls * p_slow_call,
            ),
            Mistake(
                "Your function gives the probability that every call is slow. The page waits "
                "for its slowest call: one slow call is enough.",
                lambda p_slow_call, n_calls: p_slow_call**n_calls,
            ),
            Mistake(
                "Your function gives the probability that the page is fast (every call "
                "fast). The question asks for the opposite.",
                lambda p_slow_call, n_calls: (1 - p_slow_call) ** n_calls,
            ),
        ),
    )
)


# --------------------------------------------------------------------------- dollars (section 7)

SUBSCRIBERS = 1_000  # the notebook prices everything per 1,000 subscribers per month


def _usd_per_ms(lost_subscriber_usd, page_latency_ms, conversion_loss_per_30pct):
    # 30% more latency, that is 0.3 * page_latency_ms, loses a share of the subscribers,
    # each worth the lifetime value; linear in between
    lost_per_30pct_usd = SUBSCRIBERS * conversion_loss_per_30pct * lost_subscriber_usd
    return lost_per_30pct_usd / (0.3 * page_latency_ms)


def _solve_breakeven_ms(
    *,
    profit_gain_usd: float,
    lost_subscriber_usd: float,
    monthly_fee_usd: float,
    page_latency_ms: float,
    conversion_loss_per_30pct: float,
    sensitivity: float = 2.0,
) -> float:
    """Extra model latency (ms) at which lost conversions eat the accurate model's gain."""
    del monthly_fee_usd  # only the fee-instead-of-CLV mistake needs it
    gain = float(profit_gain_usd)
    if gain <= 0:
        return 0.0
    per_ms = sensitivity * _usd_per_ms(
        lost_subscriber_usd, page_latency_ms, conversion_loss_per_30pct
    )
    return gain / per_ms if per_ms > 0 else math.inf


def _breakeven_mistake(changes):
    def wrong(**context):
        return _solve_breakeven_ms(**{**context, **changes(context)})

    return wrong


BREAKEVEN_MOBILE = register(
    Question(
        qid=f"{KEY}.breakeven_mobile_ms",
        label="q5",
        prompt=(
            "Mobile users are more impatient than Booking.com's average visitor (Google, "
            "2016: more than half leave a page that takes over 3 seconds). Suppose they are "
            "**twice as sensitive**: the same extra latency loses twice the share of "
            "conversions, and everything else is as in this section (a lost conversion is a "
            "lost subscriber worth the lifetime value; the loss grows in proportion to the "
            "added milliseconds). **How many extra milliseconds** may the accurate model "
            "take before its gain `profit_gain_usd` is gone? Put it in "
            "`breakeven_mobile_ms`."
        ),
        solve=_solve_breakeven_ms,
        hints=(
            "This section computed `usd_per_ms`, what one extra millisecond costs per 1,000 "
            "subscribers a month, and `breakeven_ms = profit_gain_usd / usd_per_ms`.",
            "Twice as sensitive: each millisecond costs twice `usd_per_ms`.",
        ),
        solution_text=("```python\nbreakeven_mobile_ms = profit_gain_usd / (2 * usd_per_ms)\n```"),
        rtol=0.01,
        context_keys=(
            "profit_gain_usd",
            "lost_subscriber_usd",
            "monthly_fee_usd",
            "page_latency_ms",
            "conversion_loss_per_30pct",
        ),
        mistakes=(
            Mistake(
                "That is the break-even for Booking.com's visitors: the mobile users' double "
                "sensitivity is missing.",
                _breakeven_mistake(lambda c: {"sensitivity": 1.0}),
            ),
            Mistake(
                "Twice as sensitive makes each millisecond cost more, so the break-even is "
                "shorter, not longer: you multiplied where you should divide.",
                _breakeven_mistake(lambda c: {"sensitivity": 0.5}),
            ),
            Mistake(
                "You priced a lost conversion at one month's fee. A visitor who does not "
                "subscribe takes the whole lifetime value with them (the company's economics "
                "printed in this section).",
                _breakeven_mistake(lambda c: {"lost_subscriber_usd": c["monthly_fee_usd"]}),
            ),
        ),
    )
)
