"""Tests for the chapter-2 framing exercises: known right answers, known wrong ones, placeholder."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import mlsd
import mlsd.exercises as ex

TRAIN_POSITIVES = "ch02-framing.train_positives_90d"
LIFT = "ch02-framing.lift_at_k"
OFFER = "ch02-framing.framing_for_offer"
BASE_RATE = "ch02-framing.base_rate_at_horizon"
ALPHA = "ch02-framing.alpha_for_quality_floor"
ALL = (TRAIN_POSITIVES, LIFT, OFFER, BASE_RATE, ALPHA)

# Hand-worked lift example: the top 3 scores are customers 0, 2 and 4, of whom 0 and 2
# churned; the base rate is 3/10, so a random 3 catch 0.9 on average: lift = 2 / 0.9.
HAND_Y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 0])
HAND_SCORE = np.array([0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.05, 0.15, 0.25, 0.0])
HAND_LIFT = 2 / 0.9
HAND_Y_ALL = np.concatenate([HAND_Y, [1, 0, 0, 0, 0]])  # all customers: base rate 4/15
HAND_LIFT_CONTEXT = {"y_true": HAND_Y, "y_score": HAND_SCORE, "budget_k": 3, "y_all": HAND_Y_ALL}

# Hand-worked base rate: observed cancellations on days 5, 30, 31, 60 are within 60 days;
# day 61 is too late, and the censored customer (still subscribed on day 90) never counts.
DAYS = np.array([5, 30, 31, 60, 61, 90, 90])
CENSORED = np.array([0, 0, 0, 0, 0, 0, 1])

# A small alpha sweep: engagement falls and quality rises with alpha.
ALPHAS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
ENGAGEMENT = np.array([0.80, 0.70, 0.55, 0.40, 0.20])
QUALITY = np.array([0.30, 0.45, 0.60, 0.75, 0.85])
ALPHA_CONTEXT = {"alphas": ALPHAS, "engagement": ENGAGEMENT, "quality": QUALITY}


@pytest.fixture(scope="module")
def customers():
    """The shipped customers data set (loaded once for this module)."""
    return mlsd.datasets.load_customers()


def notebook_contexts(customers, seed):
    """The contexts the notebook passes to q1 and q2 for ``seed``, rebuilt the notebook's way."""
    train, test = train_test_split(
        np.arange(len(customers)), test_size=0.3, random_state=seed, stratify=customers.censored
    )
    y = ((customers.censored == 0) & (customers.days_to_churn <= 30)).astype(int).to_numpy()
    # a score that ranks like a real model: the simulator's true risk, plus noise
    rng = np.random.default_rng(seed)
    score = customers.true_churn_prob_30d.to_numpy()[test] * rng.lognormal(0, 0.5, len(test))
    q1 = {"days_to_churn": customers.days_to_churn, "censored": customers.censored, "train": train}
    q2 = {"y_true": y[test], "y_score": score, "budget_k": 500, "y_all": y}
    return q1, q2


def brute_force_lift(y_true, y_score, k):
    """Lift at k with plain Python: sort (score, -index) pairs, highest score first."""
    order = sorted(range(len(y_score)), key=lambda i: (-y_score[i], i))
    caught = sum(int(y_true[i]) for i in order[:k])
    return caught / (k * sum(int(v) for v in y_true) / len(y_true))


def test_questions_are_registered_with_their_notebook_labels():
    """All five framing questions can be fetched by id, labelled q1 to q5 as in the notebook."""
    for number, qid in enumerate(ALL, start=1):
        assert ex.get(qid).qid == qid
        assert ex.get(qid).label == f"q{number}"


# -- q1 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [42, 7])
def test_train_positives_right_and_each_mistake_named(customers, seed):
    """On the notebook's split (two seeds) the count is right and each mistake gets its message."""
    context, _ = notebook_contexts(customers, seed)
    q = ex.get(TRAIN_POSITIVES)
    train_rows = customers.iloc[context["train"]]
    right = int(((train_rows.censored == 0) & (train_rows.days_to_churn <= 90)).sum())
    assert q.expected(**context) == right
    assert q.check(right, **context).correct
    wrong = {
        "never seen to cancel": int((train_rows.days_to_churn <= 90).sum()),
        "all customers": int((customers.censored == 0).sum()),
        "a share": right / len(train_rows),
    }
    for says, answer in wrong.items():
        feedback = q.check(answer, **context)
        assert feedback.kind == ex.INCORRECT, says
        assert says in feedback.text, (says, feedback.text)
        assert str(right) not in feedback.text


def test_train_positives_off_by_one_is_incorrect(customers):
    """A count off by one is not accepted: the answer is an exact count."""
    context, _ = notebook_contexts(customers, 42)
    right = ex.get(TRAIN_POSITIVES).expected(**context)
    assert ex.get(TRAIN_POSITIVES).check(right + 1, **context).kind == ex.INCORRECT


# -- q2 -----------------------------------------------------------------------------------------


def test_lift_hand_example_is_correct():
    """The hand-worked lift (2 churners in the top 3, 0.9 expected at random) is accepted."""
    assert ex.get(LIFT).check(HAND_LIFT, **HAND_LIFT_CONTEXT).kind == ex.CORRECT


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [1, 17, 250])
def test_lift_matches_brute_force(seed, k):
    """On random data the expected lift equals a plain-Python brute-force count."""
    rng = np.random.default_rng(seed)
    y_true = (rng.random(500) < 0.2).astype(int)
    y_score = rng.random(500) + 0.5 * y_true
    expected = brute_force_lift(y_true.tolist(), y_score.tolist(), k)
    context = {"y_true": y_true, "y_score": y_score, "budget_k": k, "y_all": y_true}
    q = ex.get(LIFT)
    assert q.expected(**context) == pytest.approx(expected)
    assert q.check(expected, **context).correct


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (2 / (3 * 4 / 15), "base rate of all customers"),
        (2 / 3, "precision"),
        (2.0, "number of churners the list reaches"),
        (100 * HAND_LIFT, "factor of 100"),
        ("2.2", "single number"),
    ],
)
def test_lift_wrong_answers_are_rejected(answer, says):
    """Typical wrong lifts are marked incorrect with their own message, never the value."""
    feedback = ex.get(LIFT).check(answer, **HAND_LIFT_CONTEXT)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text
    assert "2.22" not in feedback.text


@pytest.mark.parametrize("seed", [42, 7])
def test_lift_mistakes_land_outside_the_tolerance_on_notebook_data(customers, seed):
    """On the notebook's test set (two seeds) each listed mistake is caught by its own message."""
    _, context = notebook_contexts(customers, seed)
    q = ex.get(LIFT)
    assert q.check(q.expected(**context), **context).correct
    for mistake, wrong in q.mistake_answers(**context):
        feedback = q.check(wrong, **context)
        assert feedback.kind == ex.INCORRECT
        assert feedback.text == mistake.message


@pytest.mark.parametrize("budget_k", [0, 11])
def test_lift_rejects_budget_outside_data(budget_k):
    """A budget of zero or larger than the number of customers raises a ValueError naming it."""
    context = {**HAND_LIFT_CONTEXT, "budget_k": budget_k}
    with pytest.raises(ValueError, match="`budget_k`"):
        ex.get(LIFT).expected(**context)


# -- q3 -----------------------------------------------------------------------------------------


def test_offer_framing_right_letter_and_a_reason_for_every_option():
    """The multiclass option is right (with its reason); each other option gets its own reason."""
    q = ex.get(OFFER)
    right = q.check(" (C) ")
    assert right.correct and "reason decides the offer" in right.text
    texts = set()
    for letter in "abd":
        feedback = q.check(letter)
        assert feedback.kind == ex.INCORRECT
        texts.add(feedback.text)
    assert len(texts) == 3
    assert "one letter" in q.check("multiclass").text


# -- q4 -----------------------------------------------------------------------------------------


def good_base_rate(days_to_churn, censored, horizon_days):
    """A right learner answer."""
    return ((censored == 0) & (days_to_churn <= horizon_days)).mean()


@pytest.mark.parametrize(
    ("horizon_days", "expected"),
    [(60, 4 / 7), (30, 2 / 7), (4, 0.0), (90, 6 / 7)],
)
def test_base_rate_reference_matches_hand_counts(horizon_days, expected):
    """The reference function gives the base rates counted by hand on the seven customers."""
    assert ex.get(BASE_RATE).solve(DAYS, CENSORED, horizon_days) == pytest.approx(expected)


def test_base_rate_right_function_is_correct():
    """A function that combines `censored == 0` with the horizon is marked correct."""
    assert ex.get(BASE_RATE).check(good_base_rate).correct


def test_base_rate_cases_include_a_horizon_on_the_last_day_observed():
    """The checker's cases put the horizon on the censoring day, where ignoring censoring shows."""
    cases = ex.get(BASE_RATE).cases()
    assert any(np.any((censored == 1) & (days == h)) for days, censored, h in cases)
    assert any(
        np.asarray(days)[np.asarray(censored) == 1].max() == 60 for days, censored, _ in cases
    )


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda d, c, h: (d <= h).mean(), "Use `censored` too"),
        (lambda d, c, h: ((c == 1) | (d <= h)).mean(), "every censored customer as a churner"),
        (lambda d, c, h: (d[c == 0] <= h).mean(), "share of all customers"),
        (lambda d, c, h: ((c == 0) & (d < h)).mean(), "day `horizon_days` itself"),
        (lambda d, c, h: ((c == 0) & (d <= h)).sum(), "different result"),
    ],
)
def test_base_rate_wrong_functions_get_their_own_message(wrong, says):
    """Censoring ignored, censored as churners, the wrong denominator, `<`: each is named."""
    feedback = ex.get(BASE_RATE).check(wrong)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text, feedback.text


def test_base_rate_function_without_return_is_told_so():
    """A function that computes but does not return gets the "forget `return`" message."""

    def forgot(days_to_churn, censored, horizon_days):
        ((censored == 0) & (days_to_churn <= horizon_days)).mean()

    assert "forget `return`" in ex.get(BASE_RATE).check(forgot).text


# -- q5 -----------------------------------------------------------------------------------------


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
        (0.0, "misses the quality floor"),  # the most engaging feed, floor ignored
        (1.0, "another alpha that also meets it engages more"),  # the best quality
        ("half", "single alpha"),
    ],
)
def test_alpha_wrong_answers_are_rejected(answer, says):
    """Off-grid, floor-ignoring and quality-maximising alphas are wrong, each with its reason."""
    feedback = ex.get(ALPHA).check(answer, **ALPHA_CONTEXT, quality_floor=0.5)
    assert feedback.kind == ex.INCORRECT
    assert says in feedback.text
    assert "0.5" not in feedback.text


def test_alpha_impossible_floor_raises():
    """A floor no alpha reaches raises a ValueError naming `quality_floor`."""
    with pytest.raises(ValueError, match="`quality_floor`"):
        ex.get(ALPHA).expected(**ALPHA_CONTEXT, quality_floor=0.9)


# -- all ----------------------------------------------------------------------------------------


def _stub(days_to_churn, censored, horizon_days): ...


@pytest.mark.parametrize(
    ("qid", "placeholder", "context"),
    [
        (TRAIN_POSITIVES, ..., {"days_to_churn": DAYS, "censored": CENSORED, "train": [0, 1]}),
        (LIFT, ..., HAND_LIFT_CONTEXT),
        (OFFER, ..., {}),
        (BASE_RATE, _stub, {}),
        (ALPHA, ..., {**ALPHA_CONTEXT, "quality_floor": 0.5}),
    ],
)
def test_placeholder_is_not_attempted_and_names_the_question(qid, placeholder, context):
    """The learner placeholder (`...`, or a function whose body is `...`) is not attempted."""
    feedback = ex.get(qid).check(placeholder, **context)
    assert feedback.kind == ex.NOT_ATTEMPTED
    assert f"{ex.get(qid).label}.hint()" in feedback.text


@pytest.mark.parametrize("qid", ALL)
def test_hints_and_solution_exist(qid):
    """Every question has a hint and a solution with exactly one python code block."""
    q = ex.get(qid)
    assert q.hint(1).kind == "hint"
    assert q.solution().text.count("```python") == 1
