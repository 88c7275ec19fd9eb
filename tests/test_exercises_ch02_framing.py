"""Tests for the chapter-2 framing exercises: known right answers, known wrong ones, placeholder."""

from __future__ import annotations

import numpy as np
import pytest

import mlsd.exercises as ex

LIFT = "ch02-framing.lift_at_k"
BASE_RATE = "ch02-framing.base_rate_at_horizon"
ALPHA = "ch02-framing.alpha_for_quality_floor"

# Hand-worked lift example: the top 3 scores are customers 0, 2 and 4, of whom 0 and 2
# churned; the base rate is 3/10, so a random 3 catch 0.9 on average: lift = 2 / 0.9.
HAND_Y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
HAND_SCORE = np.array([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.05, 0.15, 0.25, 0.0])
HAND_LIFT = 2 / 0.9

# Hand-worked base rate: observed cancellations on days 5, 30, 31, 60 are within 60 days;
# day 61 is too late, and the censored customer (still subscribed on day 90) never counts.
DAYS = np.array([5, 30, 31, 60, 61, 90, 90])
CENSORED = np.array([0, 0, 0, 0, 0, 0, 1])

# A small alpha sweep: engagement falls and quality rises with alpha.
ALPHAS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
ENGAGEMENT = np.array([0.80, 0.70, 0.55, 0.40, 0.20])
QUALITY = np.array([0.30, 0.45, 0.60, 0.75, 0.85])
ALPHA_CONTEXT = {"alphas": ALPHAS, "engagement": ENGAGEMENT, "quality": QUALITY}


def brute_force_lift(y_true, y_score, k):
    """Lift at k with plain Python: sort (score, -index) pairs, highest score first."""
    order = sorted(range(len(y_score)), key=lambda i: (-y_score[i], i))
    caught = sum(int(y_true[i]) for i in order[:k])
    return caught / (k * sum(int(v) for v in y_true) / len(y_true))


def test_questions_are_registered():
    """All three chapter-2 framing questions can be fetched by id."""
    for qid in (LIFT, BASE_RATE, ALPHA):
        assert ex.get(qid).qid == qid


def test_lift_hand_example_is_correct():
    """The hand-worked lift (2 churners in the top 3, 0.9 expected at random) is accepted."""
    feedback = ex.get(LIFT).check(HAND_LIFT, y_true=HAND_Y, y_score=HAND_SCORE, budget_k=3)
    assert feedback.kind == ex.CORRECT


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 17, 250])
def test_lift_matches_brute_force(seed, k):
    """On random data the expected lift equals a plain-Python brute-force count."""
    rng = np.random.default_rng(seed)
    y_true = (rng.random(500) < 0.2).astype(int)
    y_score = rng.random(500) + 0.5 * y_true
    expected = brute_force_lift(y_true.tolist(), y_score.tolist(), k)
    q = ex.get(LIFT)
    assert q.expected(y_true=y_true, y_score=y_score, budget_k=k) == pytest.approx(expected)
    assert q.check(expected, y_true=y_true, y_score=y_score, budget_k=k).correct


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (2.0, "too low"),  # churners caught, not the lift
        (100 * HAND_LIFT, "factor of 100"),  # percent instead of a ratio
        (2 / 3, "too low"),  # precision in the top 3, not the lift
        ("2.2", "single number"),
    ],
)
def test_lift_wrong_answers_are_rejected(answer, says):
    """Typical wrong lifts are marked incorrect with a message that does not reveal the value."""
    feedback = ex.get(LIFT).check(answer, y_true=HAND_Y, y_score=HAND_SCORE, budget_k=3)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text
    assert "2.22" not in feedback.text


@pytest.mark.parametrize("budget_k", [0, 11])
def test_lift_rejects_budget_outside_data(budget_k):
    """A budget of zero or larger than the number of customers raises a ValueError naming it."""
    with pytest.raises(ValueError, match="`budget_k`"):
        ex.get(LIFT).expected(y_true=HAND_Y, y_score=HAND_SCORE, budget_k=budget_k)


@pytest.mark.parametrize(
    ("horizon_days", "expected"),
    [(60, 4 / 7), (30, 2 / 7), (4, 0.0), (90, 6 / 7)],
)
def test_base_rate_hand_examples(horizon_days, expected):
    """Base rates counted by hand (observed cancellations on or before the horizon) are accepted."""
    q = ex.get(BASE_RATE)
    context = {"days_to_churn": DAYS, "censored": CENSORED, "horizon_days": horizon_days}
    assert q.expected(**context) == pytest.approx(expected)
    if expected > 0:
        assert q.check(expected, **context).correct


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (4, "too high"),  # a count, not a share
        (100 * 4 / 7, "factor of 100"),  # percent
        (5 / 7, "too high"),  # includes the day-61 cancellation
        (4 / 6, "too high"),  # drops the censored customer from the denominator
    ],
)
def test_base_rate_wrong_answers_are_rejected(answer, says):
    """Counting, percent, an off-by-one horizon and a wrong denominator are all marked incorrect."""
    context = {"days_to_churn": DAYS, "censored": CENSORED, "horizon_days": 60}
    feedback = ex.get(BASE_RATE).check(answer, **context)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text


@pytest.mark.parametrize(
    ("quality_floor", "expected"),
    [(0.30, 0.0), (0.50, 0.5), (0.60, 0.5), (0.61, 0.75), (0.85, 1.0)],
)
def test_alpha_for_floor_hand_examples(quality_floor, expected):
    """The smallest-alpha feed meeting the floor (most engaging, here) is the accepted answer."""
    q = ex.get(ALPHA)
    assert q.expected(**ALPHA_CONTEXT, quality_floor=quality_floor) == expected
    assert q.check(expected, **ALPHA_CONTEXT, quality_floor=quality_floor).correct


def test_alpha_for_floor_non_monotone_sweep():
    """When a larger alpha is also more engaging, the answer is that alpha, not the first one."""
    engagement = np.array([0.80, 0.50, 0.60, 0.40, 0.20])  # alpha 0.5 beats alpha 0.25
    context = {"alphas": ALPHAS, "engagement": engagement, "quality": QUALITY}
    q = ex.get(ALPHA)
    assert q.expected(**context, quality_floor=0.45) == 0.5
    assert q.check(0.25, **context, quality_floor=0.45).kind == ex.INCORRECT


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (0.3, "not one of the alphas"),
        (0.25, "misses the quality floor"),
        (1.0, "another alpha that also meets it engages more"),
        ("half", "single alpha"),
    ],
)
def test_alpha_wrong_answers_are_rejected(answer, says):
    """Off-grid, below-floor and less-engaging alphas are marked incorrect, each with its reason."""
    feedback = ex.get(ALPHA).check(answer, **ALPHA_CONTEXT, quality_floor=0.5)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text
    assert "0.5" not in feedback.text


def test_alpha_impossible_floor_raises():
    """A floor no alpha reaches raises a ValueError naming `quality_floor`."""
    with pytest.raises(ValueError, match="`quality_floor`"):
        ex.get(ALPHA).expected(**ALPHA_CONTEXT, quality_floor=0.9)


@pytest.mark.parametrize(
    ("qid", "context"),
    [
        (LIFT, {"y_true": HAND_Y, "y_score": HAND_SCORE, "budget_k": 3}),
        (BASE_RATE, {"days_to_churn": DAYS, "censored": CENSORED, "horizon_days": 60}),
        (ALPHA, {**ALPHA_CONTEXT, "quality_floor": 0.5}),
    ],
)
def test_placeholder_is_not_attempted(qid, context):
    """The learner placeholder `...` is reported as not attempted, for every question."""
    assert ex.get(qid).check(..., **context).kind == ex.NOT_ATTEMPTED


@pytest.mark.parametrize("qid", [LIFT, BASE_RATE, ALPHA])
def test_hints_and_solution_exist(qid):
    """Every question has at least two hints and a solution with a code block."""
    q = ex.get(qid)
    assert q.hint(2).kind == "hint"
    assert "```python" in q.solution().text
