"""Tests for the chapter-1 latency exercises: right answers, each known mistake, placeholder."""

from __future__ import annotations

import math

import pytest
from scipy import optimize

import mlsd.exercises as ex
from mlsd.economics import COMPANY

BATCH = "ch01-latency.batch_choice"
RATE = "ch01-latency.max_rate_md1"
FIGURE = "ch01-latency.read_queue_figure"
FANOUT = "ch01-latency.p_slow_page"
BREAKEVEN = "ch01-latency.breakeven_mobile_ms"

# Two notebook contexts: the default run and another seed (the measured service time and the
# profit gain differ from run to run; these are typical values).
RATE_CONTEXTS = [
    {"service_s_one": 0.00093, "target_s": 0.00186},
    {"service_s_one": 0.031, "target_s": 0.062},
]
BREAKEVEN_CONTEXTS = [
    {
        "profit_gain_usd": 385.0,
        "lost_subscriber_usd": COMPANY.lost_subscriber_usd,
        "monthly_fee_usd": COMPANY.monthly_fee_usd,
        "page_latency_ms": 300.0,
        "conversion_loss_per_30pct": 0.005,
    },
    {
        "profit_gain_usd": 290.0,
        "lost_subscriber_usd": COMPANY.lost_subscriber_usd,
        "monthly_fee_usd": COMPANY.monthly_fee_usd,
        "page_latency_ms": 300.0,
        "conversion_loss_per_30pct": 0.005,
    },
]


def test_five_questions_with_labels_hints_and_one_python_block():
    """Each question is registered with its notebook label, hints and one python block."""
    for qid, label in [(BATCH, "q1"), (RATE, "q2"), (FIGURE, "q3"), (FANOUT, "q4")]:
        q = ex.get(qid)
        assert q.label == label and q.hints
        assert q.solution_text.count("```python") == 1
    assert ex.get(BREAKEVEN).label == "q5"


@pytest.mark.parametrize(
    ("qid", "context"),
    [
        (BATCH, {}),
        (RATE, RATE_CONTEXTS[0]),
        (FIGURE, {}),
        (FANOUT, {}),
        (BREAKEVEN, BREAKEVEN_CONTEXTS[0]),
    ],
)
def test_placeholder_is_not_attempted_and_names_the_question(qid, context):
    """The learner edition's `...` is "not attempted", and the feedback names q1..q5."""
    q = ex.get(qid)
    feedback = q.check(..., **context)
    assert feedback.kind == ex.NOT_ATTEMPTED
    assert f"{q.label}.hint()" in feedback.text


def test_unattempted_function_body_is_not_attempted():
    """A `p_slow_page` whose body is still `...` is not attempted, not wrong."""

    def p_slow_page(p_slow_call, n_calls): ...

    assert ex.get(FANOUT).check(p_slow_page).kind == ex.NOT_ATTEMPTED


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize("qid", [BATCH, FIGURE])
def test_choice_right_letter_and_each_wrong_letter_gets_its_own_reason(qid):
    """ "b" is right (with its reason); every other option gets its own, distinct reason."""
    q = ex.get(qid)
    right = q.check("b")
    assert right.correct and right.text == q.reasons["b"]
    texts = set()
    for letter in "acd":
        feedback = q.check(letter)
        assert feedback.kind == ex.INCORRECT and feedback.text == q.reasons[letter]
        texts.add(feedback.text)
    assert len(texts) == 3
    assert q.check("(B) ").correct
    assert "one letter" in q.check("e").text


# --------------------------------------------------------------------------- M/D/1 rate


def pk_mean_latency_s(rate, s):
    """Reference Pollaczek-Khinchine mean time in system for constant service s (seconds)."""
    return s + rate * s**2 / (2 * (1 - rate * s))


@pytest.mark.parametrize("context", RATE_CONTEXTS)
def test_max_rate_right_answer_is_where_pk_meets_the_target(context):
    """The rate where P-K meets the target (scipy brentq) is correct, in both contexts."""
    s, target = context["service_s_one"], context["target_s"]
    ref = optimize.brentq(lambda r: pk_mean_latency_s(r, s) - target, 0.0, (1 - 1e-12) / s)
    q = ex.get(RATE)
    assert q.expected(**context) == pytest.approx(ref)
    assert q.check(ref, **context).correct
    # the notebook's pasted solution, evaluated with the notebook's names
    service_s_one, target_s = s, target
    rho_max = 2 * (target_s - service_s_one) / (2 * target_s - service_s_one)
    pasted = rho_max / service_s_one
    assert q.check(pasted, **context).correct


@pytest.mark.parametrize("context", RATE_CONTEXTS)
def test_max_rate_each_mistake_gets_its_own_message(context):
    """M/M/1, the bare capacity and a per-millisecond rate each get their own message."""
    s, target = context["service_s_one"], context["target_s"]
    q = ex.get(RATE)
    right = q.expected(**context)
    wrong = {
        "M/M/1": (1 - s / target) / s,
        "capacity, 1 / s": 1 / s,
        "per millisecond": right / 1e3,
    }
    messages = set()
    for key, answer in wrong.items():
        feedback = q.check(answer, **context)
        assert feedback.kind == ex.INCORRECT
        assert key in feedback.text
        messages.add(feedback.text)
    assert len(messages) == 3
    assert "too high" in q.check(1.2 * right, **context).text


def test_max_rate_rejects_unreachable_target():
    """A target below the service time itself is a clear error naming `target_s`."""
    with pytest.raises(ValueError, match="`target_s`"):
        ex.get(RATE).expected(service_s_one=0.005, target_s=0.004)


# --------------------------------------------------------------------------- fan-out function


def test_p_slow_page_right_function_is_correct():
    """The complement of "every call fast" is correct; so is a binomial-survival version."""
    q = ex.get(FANOUT)

    def p_slow_page(p_slow_call, n_calls):
        return 1 - (1 - p_slow_call) ** n_calls

    def by_binomial(p_slow_call, n_calls):
        from scipy import stats

        return float(stats.binom.sf(0, n_calls, p_slow_call))

    assert q.check(p_slow_page).correct
    assert q.check(by_binomial).correct


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda p, n: n * p, "linear shortcut"),
        (lambda p, n: min(1.0, n * p), "linear shortcut"),
        (lambda p, n: p**n, "every call is slow"),
        (lambda p, n: (1 - p) ** n, "page is fast"),
    ],
)
def test_p_slow_page_each_mistake_gets_its_own_message(wrong, says):
    """n * p (capped or not), p ** n and the complement are each recognised."""
    feedback = ex.get(FANOUT).check(wrong)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text


def test_p_slow_page_forgotten_return_and_errors():
    """A function without `return` is told so; one that raises is quoted with its case."""
    q = ex.get(FANOUT)

    def forgot(p_slow_call, n_calls):
        1 - (1 - p_slow_call) ** n_calls

    assert "forget `return`" in q.check(forgot).text
    assert "raised ZeroDivisionError" in q.check(lambda p, n: 1 / 0).text
    assert "Expected a function" in q.check(0.63).text


# --------------------------------------------------------------------------- break-even


def scan_breakeven_ms(gain, clv, page_ms, loss_per_30, sensitivity):
    """Scan extra latency in 0.001 ms steps until the lost subscribers' value exceeds the gain."""
    extra = 0.0
    while 1_000 * clv * sensitivity * loss_per_30 * extra / (0.3 * page_ms) < gain:
        extra += 0.001
    return extra


@pytest.mark.parametrize("context", BREAKEVEN_CONTEXTS)
def test_breakeven_right_answer_matches_a_scan(context):
    """The expected break-even equals a brute-force scan, and the notebook's solution is right."""
    ref = scan_breakeven_ms(
        context["profit_gain_usd"],
        context["lost_subscriber_usd"],
        context["page_latency_ms"],
        context["conversion_loss_per_30pct"],
        2.0,
    )
    q = ex.get(BREAKEVEN)
    assert q.expected(**context) == pytest.approx(ref, abs=0.002)
    usd_per_ms = (
        1_000
        * context["conversion_loss_per_30pct"]
        * context["lost_subscriber_usd"]
        / (0.3 * context["page_latency_ms"])
    )
    profit_gain_usd = context["profit_gain_usd"]
    breakeven_mobile_ms = profit_gain_usd / (2 * usd_per_ms)  # the solution, pasted
    assert q.check(breakeven_mobile_ms, **context).correct


def test_breakeven_default_is_about_15_ms():
    """With the company's lifetime value and a USD 385 gain, mobile break-even is about 15 ms."""
    q = ex.get(BREAKEVEN)
    assert q.expected(**BREAKEVEN_CONTEXTS[0]) == pytest.approx(15.0, abs=1.0)


@pytest.mark.parametrize("context", BREAKEVEN_CONTEXTS)
def test_breakeven_each_mistake_gets_its_own_message(context):
    """No factor 2, a factor 2 the wrong way, and the fee instead of CLV each get a message."""
    q = ex.get(BREAKEVEN)
    right = q.expected(**context)
    fee_ratio = context["lost_subscriber_usd"] / context["monthly_fee_usd"]
    wrong = {
        "double sensitivity is missing": 2 * right,
        "multiplied where you should divide": 4 * right,
        "one month's fee": fee_ratio * right,
    }
    messages = set()
    for says, answer in wrong.items():
        feedback = q.check(answer, **context)
        assert feedback.kind == ex.INCORRECT and says in feedback.text
        messages.add(feedback.text)
    assert len(messages) == 3
    assert "factor of 1,000" in q.check(right / 1e3, **context).text


def test_breakeven_is_zero_without_a_gain_and_infinite_without_a_loss():
    """No gain: no extra latency is worth it; no conversion loss: any latency is."""
    q = ex.get(BREAKEVEN)
    assert q.expected(**{**BREAKEVEN_CONTEXTS[0], "profit_gain_usd": -5.0}) == 0.0
    assert math.isinf(q.expected(**{**BREAKEVEN_CONTEXTS[0], "conversion_loss_per_30pct": 0.0}))
