"""Tests for the chapter-1 churn exercises: right answers pass, each known mistake is named."""

from __future__ import annotations

import pytest
from scipy import optimize

import mlsd.exercises as ex
from mlsd.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED

QIDS = [
    "ch01-churn.churn_point_value",
    "ch01-churn.value_of_contact",
    "ch01-churn.breakeven_probability",
    "ch01-churn.deploy_threshold",
    "ch01-churn.breakeven_acceptance",
]

# What the notebook passes at seed 42 (its default) and at seed 7: the company's lifetime value
# and costs, and the churners / stayers that gradient boosting's profit-optimal campaign contacts
# among the test customers (242 and 717 at seed 42; 214 and 506 at seed 7).
CLV = 13.30 / 0.0579
COSTS = {"clv_usd": CLV, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}
CAMPAIGNS = {42: (242, 717), 7: (214, 506)}
SEEDS = sorted(CAMPAIGNS)


def _expected_profit(n_churners, n_stayers, gamma, *, clv_usd, offer_cost_usd, contact_cost_usd):
    """Expected campaign dollars, customer type by customer type (accepting or not)."""
    churner_accepts = clv_usd - offer_cost_usd - contact_cost_usd
    churner_declines = -contact_cost_usd
    per_churner = gamma * churner_accepts + (1 - gamma) * churner_declines
    per_stayer = -offer_cost_usd - contact_cost_usd
    return n_churners * per_churner + n_stayers * per_stayer


def _breakeven_p(gamma, costs=COSTS):
    """The churn probability where one contact's expected value is zero, found by brentq."""
    return optimize.brentq(
        lambda p: (
            p * _expected_profit(1, 0, gamma, **costs)
            + (1 - p) * _expected_profit(0, 1, gamma, **costs)
        ),
        0,
        1,
        xtol=1e-14,
    )


def _acceptance_context(seed):
    n1, n0 = CAMPAIGNS[seed]
    return {**COSTS, "n_churners_contacted": n1, "n_stayers_contacted": n0}


def _point_context(n_customers=20_000, acquisition_cost_usd=86.61):
    return {
        "n_customers": n_customers,
        "acquisition_cost_usd": acquisition_cost_usd,
        "clv_usd": CLV,
        "monthly_churn_rate": 0.0579,
    }


# --- q1: churn_point_value ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_customers", "acquisition_cost_usd", "expected"),
    [(20_000, 86.61, 207_864.0), (1_000, 158.0, 18_960.0)],
)
def test_churn_point_value_right_answer(n_customers, acquisition_cost_usd, expected):
    """One point of monthly churn is n / 100 replacements a month for twelve months."""
    q = ex.get("ch01-churn.churn_point_value")
    context = _point_context(n_customers, acquisition_cost_usd)
    assert q.check(expected, **context).kind == CORRECT


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (20_000 * 0.01 * 86.61, "one month's saving"),
        (20_000 * 0.01 * 12 * CLV, "lifetime value"),
        (20_000 * 0.0579 * 12 * 86.61, "whole yearly replacement bill"),
        (100 * 207_864.0, "percent versus fraction"),
    ],
)
def test_churn_point_value_mistakes(wrong, says):
    """A month, the CLV, the whole churn bill and percent each get their own message."""
    feedback = ex.get("ch01-churn.churn_point_value").check(wrong, **_point_context())
    assert feedback.kind == INCORRECT
    assert says in feedback.text


# --- q2: value_of_contact ----------------------------------------------------------------


def _by_outcome(p_churn, clv, offer_cost_usd, contact_cost_usd, acceptance_rate):
    """Expected value of a contact summed over its three outcomes, each with its probability."""
    outcomes = [
        (p_churn * acceptance_rate, clv - offer_cost_usd - contact_cost_usd),  # kept churner
        (p_churn * (1 - acceptance_rate), -contact_cost_usd),  # churner who leaves anyway
        (1 - p_churn, -offer_cost_usd - contact_cost_usd),  # stayer who takes the offer
    ]
    return sum(probability * value for probability, value in outcomes)


def test_value_of_contact_right_function():
    """A function written outcome by outcome is marked correct on the checker's cases."""
    assert ex.get("ch01-churn.value_of_contact").check(_by_outcome).kind == CORRECT


def _stayer_without_contact(p, clv, d, f, g):
    return p * (g * (clv - d) - f) - (1 - p) * d


def _stayer_without_offer(p, clv, d, f, g):
    return p * (g * (clv - d) - f) - (1 - p) * f


def _full_clv(p, clv, d, f, g):
    return p * (g * clv - f) - (1 - p) * (d + f)


def _everyone_accepts(p, clv, d, f, g):
    return p * (clv - d - f) - (1 - p) * (d + f)


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (_stayer_without_contact, "costs the contact too"),
        (_stayer_without_offer, "still takes the offer"),
        (_full_clv, "minus the offer they take"),
        (_everyone_accepts, "only a share `acceptance_rate` accepts"),
    ],
)
def test_value_of_contact_mistakes(wrong, says):
    """Each wrong function is recognised on the checker's own cases with its own message."""
    feedback = ex.get("ch01-churn.value_of_contact").check(wrong)
    assert feedback.kind == INCORRECT
    assert says in feedback.text


def test_value_of_contact_forgotten_return_and_stub():
    """A body without return gets the None message; the learner edition's stub is not attempted."""
    q = ex.get("ch01-churn.value_of_contact")

    def no_return(p_churn, clv, offer_cost_usd, contact_cost_usd, acceptance_rate):
        _by_outcome(p_churn, clv, offer_cost_usd, contact_cost_usd, acceptance_rate)

    def stub(p_churn, clv, offer_cost_usd, contact_cost_usd, acceptance_rate): ...

    assert "forget `return`" in q.check(no_return).text
    assert q.check(stub).kind == NOT_ATTEMPTED


# --- q3: breakeven_probability -----------------------------------------------------------


@pytest.mark.parametrize("acceptance_rate", [0.1, 0.3, 0.75, 1.0])
def test_breakeven_probability_right_answer(acceptance_rate):
    """The root of the expected value of one contact, found by brentq, is marked correct."""
    q = ex.get("ch01-churn.breakeven_probability")
    root = _breakeven_p(acceptance_rate)
    assert q.check(root, **COSTS, acceptance_rate=acceptance_rate).kind == CORRECT


def test_breakeven_probability_hand_value():
    """With CLV 200, offer 10, contact 1 and 30% acceptance the answer is 11 / 67."""
    q = ex.get("ch01-churn.breakeven_probability")
    context = {"clv_usd": 200.0, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}
    assert q.check(11 / 67, **context, acceptance_rate=0.3).kind == CORRECT


@pytest.mark.parametrize("acceptance_rate", [0.3, 0.4])
@pytest.mark.parametrize(
    ("wrong_method", "says"),
    [
        # the clv_usd parameter (0 by default) in place of the notebook's clv
        (
            lambda g: _breakeven_p(g, {**COSTS, "clv_usd": 0.0}) if g >= 1 else 11 / (10 - 10 * g),
            "parameter `clv_usd`",
        ),
        (lambda g: _breakeven_p(1.0), "only a share `acceptance_rate` accepts"),
        (lambda g: 10 / (10 + g * (CLV - 10) - 1), "costs the contact too"),
        (lambda g: 100 * _breakeven_p(g), "percent versus fraction"),
    ],
)
def test_breakeven_probability_mistakes(acceptance_rate, wrong_method, says):
    """The CLV parameter, everyone accepting, the stayers' contact and percent are each named."""
    q = ex.get("ch01-churn.breakeven_probability")
    feedback = q.check(wrong_method(acceptance_rate), **COSTS, acceptance_rate=acceptance_rate)
    assert feedback.kind == INCORRECT
    assert says in feedback.text


def test_breakeven_probability_mistakes_without_an_answer_do_not_crash():
    """At acceptance 1 the clv_usd=0 mistake has no root; checking still works."""
    q = ex.get("ch01-churn.breakeven_probability")
    assert q.check(0.5, **COSTS, acceptance_rate=1.0).kind == INCORRECT
    assert q.check(_breakeven_p(1.0), **COSTS, acceptance_rate=1.0).kind == CORRECT


# --- q4: deploy_threshold ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "kind", "says"),
    [
        ("c", CORRECT, "chosen without the test customers"),
        (" C ", CORRECT, "chosen without the test customers"),
        ("a", INCORRECT, "ignores the costs"),
        ("b", INCORRECT, "flattered by hindsight"),
        ("d", INCORRECT, "Accuracy weighs"),
        ("e", INCORRECT, "one letter"),
        (3, INCORRECT, "one letter"),
    ],
)
def test_deploy_threshold_choices(answer, kind, says):
    """The cross-validated threshold is right; every other option gets its own reason."""
    feedback = ex.get("ch01-churn.deploy_threshold").check(answer)
    assert feedback.kind == kind
    assert says in feedback.text


# --- q5: breakeven_acceptance ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_breakeven_acceptance_right_answer(seed):
    """The acceptance rate where brute-force expected profit is zero is marked correct."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    n1, n0 = CAMPAIGNS[seed]
    root = optimize.brentq(lambda g: _expected_profit(n1, n0, g, **COSTS), 0, 1, xtol=1e-14)
    assert q.check(root, **_acceptance_context(seed)).kind == CORRECT


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("wrong_method", "says"),
    [
        (lambda n1, n0: (n1 + n0 + 10 * n0) / (-10 * n1), "parameter `clv_usd`"),
        (lambda n1, n0: (n1 + n0) / ((CLV - 10) * n1), "take the offer too"),
        (lambda n1, n0: (n1 + n0 + 10 * n0) / (CLV * n1), "minus the offer they take"),
        (lambda n1, n0: 100 * (n1 + n0 + 10 * n0) / ((CLV - 10) * n1), "percent versus"),
    ],
)
def test_breakeven_acceptance_mistakes(seed, wrong_method, says):
    """The CLV parameter, the stayers' offer, the full CLV and percent are each named."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    feedback = q.check(wrong_method(*CAMPAIGNS[seed]), **_acceptance_context(seed))
    assert feedback.kind == INCORRECT
    assert says in feedback.text


def test_breakeven_acceptance_without_churners_is_an_error():
    """A campaign that contacts no churner has no break-even rate: the check says why."""
    q = ex.get("ch01-churn.breakeven_acceptance")
    context = {**COSTS, "n_churners_contacted": 0, "n_stayers_contacted": 10}
    with pytest.raises(ValueError, match="no churners"):
        q.check(0.1, **context)


# --- every question ----------------------------------------------------------------------


@pytest.mark.parametrize("qid", QIDS)
def test_placeholder_is_not_attempted_and_names_the_label(qid):
    """The learner edition's `...` is not attempted, and the feedback names q1 ... q5."""
    q = ex.get(qid)
    feedback = q.check(...)
    assert feedback.kind == NOT_ATTEMPTED
    assert f"{q.label}.hint()" in feedback.text
    assert q.label == f"q{QIDS.index(qid) + 1}"


@pytest.mark.parametrize("qid", [q for q in QIDS if q.endswith(("value", "probability", "ance"))])
def test_missing_context_names_it(qid):
    """Checking a numeric question without its context raises ValueError naming it."""
    with pytest.raises(ValueError, match="needs context"):
        ex.get(qid).check(0.5)


@pytest.mark.parametrize("qid", QIDS)
def test_none_has_its_own_message(qid):
    """An answer of None is told it is None, not 'not attempted'."""
    feedback = ex.get(qid).check(None)
    assert feedback.kind == INCORRECT
    assert "None" in feedback.text


@pytest.mark.parametrize("qid", QIDS)
def test_hints_and_solution_use_the_notebooks_clv(qid):
    """Every question has a hint and one python solution block that never uses `clv_usd`."""
    q = ex.get(qid)
    assert q.hint(1).kind == "hint"
    text = q.solution().text
    assert text.count("```python") == 1
    code = text.split("```python\n")[1].split("```")[0]
    assert "clv_usd" not in code
