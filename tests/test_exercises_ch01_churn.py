"""Tests for the chapter-1 churn exercises: right answers pass, wrong ones say what is wrong."""

from __future__ import annotations

import pytest
from scipy import optimize

import mlsd.exercises as ex
from mlsd.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED

QIDS = [
    "ch01-churn.breakeven_probability",
    "ch01-churn.breakeven_acceptance",
    "ch01-churn.churn_point_value",
]
COSTS = {"clv_usd": 222.59, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}


def _expected_profit(n_churners, n_stayers, gamma, *, clv_usd, offer_cost_usd, contact_cost_usd):
    """Expected campaign dollars, customer type by customer type (accepting or not)."""
    churner_accepts = clv_usd - offer_cost_usd - contact_cost_usd
    churner_declines = -contact_cost_usd
    per_churner = gamma * churner_accepts + (1 - gamma) * churner_declines
    per_stayer = -offer_cost_usd - contact_cost_usd
    return n_churners * per_churner + n_stayers * per_stayer


def _probability_context(acceptance_rate: float) -> dict:
    return {**COSTS, "acceptance_rate": acceptance_rate}


@pytest.mark.parametrize("acceptance_rate", [0.1, 0.3, 0.75])
def test_breakeven_probability_right_answer(acceptance_rate):
    """The root of the expected value of one contact, found by brentq, is marked correct."""
    q = ex.get("ch01-churn.breakeven_probability")
    context = _probability_context(acceptance_rate)
    root = optimize.brentq(
        lambda p: (
            p * _expected_profit(1, 0, acceptance_rate, **COSTS)
            + (1 - p) * _expected_profit(0, 1, acceptance_rate, **COSTS)
        ),
        0,
        1,
        xtol=1e-14,
    )
    assert q.check(root, **context).kind == CORRECT


def test_breakeven_probability_hand_value():
    """With CLV 200, offer 10, contact 1 and 30% acceptance the answer is 11 / 67."""
    q = ex.get("ch01-churn.breakeven_probability")
    context = {"clv_usd": 200.0, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}
    assert q.check(11 / 67, **context, acceptance_rate=0.3).kind == CORRECT


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (0.5, "too high"),  # the default threshold, the usual wrong guess
        (0.02, "too low"),
        (100 * 11 / (0.3 * 212.59 + 10), "factor of 100"),  # a percent instead of a fraction
        ("0.15", "single number"),
        ([0.15], "single number"),
    ],
)
def test_breakeven_probability_wrong_answers(answer, says):
    """Wrong answers are marked incorrect with a message that gives no value away."""
    q = ex.get("ch01-churn.breakeven_probability")
    feedback = q.check(answer, **_probability_context(0.3))
    assert feedback.kind == INCORRECT
    assert says in feedback.text
    assert "0.14" not in feedback.text


@pytest.mark.parametrize(("n_churners", "n_stayers"), [(400, 600), (90, 1000), (50, 0)])
def test_breakeven_acceptance_right_answer(n_churners, n_stayers):
    """The acceptance rate where brute-force expected profit is zero is marked correct."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    root = optimize.brentq(
        lambda g: _expected_profit(n_churners, n_stayers, g, **COSTS), 0, 1, xtol=1e-14
    )
    context = {**COSTS, "n_churners_contacted": n_churners, "n_stayers_contacted": n_stayers}
    assert q.check(root, **context).kind == CORRECT


@pytest.mark.parametrize(
    ("answer", "says"),
    [(0.3, "too high"), (0.001, "too low"), (-0.07, "too low")],
)
def test_breakeven_acceptance_wrong_answers(answer, says):
    """An acceptance rate far from break-even is incorrect and says in which direction."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    # 400 churners and 600 others: (1,000 + 6,000) / (212.59 x 400) = 0.0823
    context = {**COSTS, "n_churners_contacted": 400, "n_stayers_contacted": 600}
    assert q.check(0.0823, **context).kind == CORRECT
    feedback = q.check(answer, **context)
    assert feedback.kind == INCORRECT
    assert says in feedback.text


def test_breakeven_acceptance_without_churners_is_an_error():
    """A campaign that contacts no churner has no break-even rate: the check says why."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    context = {**COSTS, "n_churners_contacted": 0, "n_stayers_contacted": 10}
    with pytest.raises(ValueError, match="no churners"):
        q.check(0.1, **context)


@pytest.mark.parametrize(
    ("n_customers", "acquisition_cost_usd", "expected"),
    [(20_000, 86.61, 207_864.0), (1_000, 158.0, 18_960.0)],
)
def test_churn_point_value_right_answer(n_customers, acquisition_cost_usd, expected):
    """One point of monthly churn is n / 100 replacements a month for twelve months."""
    q = ex.get("ch01-churn.churn_point_value")
    context = {"n_customers": n_customers, "acquisition_cost_usd": acquisition_cost_usd}
    assert q.check(expected, **context).kind == CORRECT
    assert q.check(expected / 12, **context).kind == INCORRECT  # one month, not a year
    assert q.check(expected * 100, **context).kind == INCORRECT


@pytest.mark.parametrize("qid", QIDS)
def test_placeholder_is_not_attempted(qid):
    """The learner edition's `...` is reported as not attempted, without needing context."""
    assert ex.get(qid).check(...).kind == NOT_ATTEMPTED


@pytest.mark.parametrize("qid", QIDS)
def test_missing_context_names_it(qid):
    """Checking without the context the question needs raises ValueError naming it."""
    with pytest.raises(ValueError, match="needs context"):
        ex.get(qid).check(0.5)


@pytest.mark.parametrize("qid", QIDS)
def test_hints_and_solution_exist(qid):
    """Every question has two hints and a solution with code."""
    q = ex.get(qid)
    assert q.hint(1).kind == "hint"
    assert q.hint(2).kind == "hint"
    assert "```python" in q.solution().text
