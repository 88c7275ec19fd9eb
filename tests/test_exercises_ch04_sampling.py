"""Tests for the sampling-and-imbalance notebook's exercises: right, wrong and placeholder."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.weightstats import DescrStatsW

import mlsd
import mlsd.exercises as exercises

SEEDS = (42, 7)  # the notebook's default seed and the other seed of its tests


def _survey_context(seed: int, n_customers: int = 10_000) -> dict:
    """The q1 context the notebook passes, from a freshly simulated survey."""
    customers = mlsd.simulate.make_customers(n_customers, seed=seed)
    survey = mlsd.simulate.make_survey(customers, seed=seed + 1)
    return {
        "churned": survey["churned_30d"].to_numpy(float),
        "response_prob": survey["true_response_prob"].to_numpy(),
    }


def _strata_context(seed: int, sample_size: int = 500) -> dict:
    """The q2 context: the notebook's risk strata, grouped with pandas."""
    c = mlsd.simulate.make_customers(10_000, seed=seed)
    stratum = (
        4 * (c["failed_payments_90d"] > 0).astype(int)
        + 2 * (c["tenure_months"] < 3).astype(int)
        + (c["watch_trend"] < -0.35).astype(int)
    )
    grouped = c.groupby(stratum)["churned_30d"].agg(["size", "mean"])
    return {
        "stratum_customers": grouped["size"].to_numpy(),
        "stratum_rates": grouped["mean"].to_numpy(),
        "sample_size": sample_size,
    }


def _threshold_context(train_share: float, true_rate: float) -> dict:
    company = mlsd.economics.COMPANY
    breakeven = mlsd.business.breakeven_probability(
        clv_usd=company.lifetime_value_usd,
        offer_cost_usd=company.offer_cost_usd,
        contact_cost_usd=company.contact_cost_usd,
        acceptance_rate=0.3,
    )
    return {"breakeven": breakeven, "train_share": train_share, "true_rate": true_rate}


def test_questions_are_registered():
    """The six questions of the notebook are in the registry under the ch04-sampling key."""
    assert {
        "ch04-sampling.weighted_churn_rate",
        "ch04-sampling.neyman_allocation",
        "ch04-sampling.reservoir_rule",
        "ch04-sampling.resample_before_split",
        "ch04-sampling.prior_correction_function",
        "ch04-sampling.moved_threshold",
    } <= set(exercises.all_questions())


@pytest.mark.parametrize(
    "qid",
    [
        "ch04-sampling.weighted_churn_rate",
        "ch04-sampling.neyman_allocation",
        "ch04-sampling.reservoir_rule",
        "ch04-sampling.resample_before_split",
        "ch04-sampling.prior_correction_function",
        "ch04-sampling.moved_threshold",
    ],
)
def test_placeholder_is_not_attempted(qid):
    """The learner edition's `...` counts as not attempted, whatever the context."""
    assert exercises.get(qid).check(...).kind == "not attempted"


# ----------------------------------------------------------------------------- q1


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_rate_right_answer(seed):
    """statsmodels' weighted mean with weights 1/p is accepted on two seeds' surveys."""
    ctx = _survey_context(seed)
    right = DescrStatsW(ctx["churned"], weights=1 / ctx["response_prob"]).mean
    assert exercises.get("ch04-sampling.weighted_churn_rate").check(right, **ctx).correct


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda y, p: y.mean(), "respondents' own churn rate"),
        (lambda y, p: (y * p).sum() / p.sum(), "its inverse"),
        (lambda y, p: (y / p).sum() / len(y), "number of respondents"),
    ],
)
def test_weighted_rate_mistakes_are_named(seed, wrong, says):
    """The unweighted rate, weights p, and the wrong denominator each get their own message."""
    ctx = _survey_context(seed)
    q = exercises.get("ch04-sampling.weighted_churn_rate")
    fb = q.check(wrong(ctx["churned"], ctx["response_prob"]), **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text


@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_rate_mistakes_are_outside_the_tolerance(seed):
    """No listed wrong method lands within the tolerance of the right answer."""
    ctx = _survey_context(seed)
    q = exercises.get("ch04-sampling.weighted_churn_rate")
    right = q.expected(**ctx)
    for _, wrong in q.mistake_answers(**ctx):
        assert not math.isclose(wrong, right, rel_tol=3 * q.rtol)


# ----------------------------------------------------------------------------- q2


def _neyman_by_hand(ctx: dict) -> float:
    n_h, p_h = ctx["stratum_customers"], ctx["stratum_rates"]
    top = int(np.argmax(p_h))
    s_h = [math.sqrt(p * (1 - p)) for p in p_h]
    total = sum(n * s for n, s in zip(n_h, s_h, strict=True))
    return ctx["sample_size"] * n_h[top] * s_h[top] / total


@pytest.mark.parametrize("seed", SEEDS)
def test_neyman_right_answer(seed):
    """The Neyman share written with plain Python is accepted at two sample sizes."""
    ctx = _strata_context(seed)
    q = exercises.get("ch04-sampling.neyman_allocation")
    assert q.check(_neyman_by_hand(ctx), **ctx).correct
    big = _strata_context(seed, sample_size=2_000)
    assert q.check(_neyman_by_hand(big), **big).correct


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    ("weight", "says"),
    [
        (lambda n, p: n, "proportional allocation"),
        (lambda n, p: n * p * (1 - p), "variance"),
        (lambda n, p: n * p, "churn rate p"),
    ],
)
def test_neyman_mistakes_are_named(seed, weight, says):
    """Proportional allocation, variance weights and rate weights each get their own message."""
    ctx = _strata_context(seed)
    n_h, p_h = ctx["stratum_customers"].astype(float), ctx["stratum_rates"]
    w = weight(n_h, p_h)
    answer = ctx["sample_size"] * w[int(np.argmax(p_h))] / w.sum()
    fb = exercises.get("ch04-sampling.neyman_allocation").check(answer, **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text
    assert not math.isclose(answer, _neyman_by_hand(ctx), rel_tol=0.06)


@pytest.mark.parametrize("seed", SEEDS)
def test_neyman_read_from_the_table_is_named(seed):
    """The table's rounded `neyman` value (at least two per stratum) gets its own message."""
    ctx = _strata_context(seed)
    from_table = max(2, round(_neyman_by_hand(ctx)))
    fb = exercises.get("ch04-sampling.neyman_allocation").check(from_table, **ctx)
    assert fb.kind == "incorrect"
    assert "table's `neyman` column" in fb.text
    assert "unrounded" in fb.text


# ----------------------------------------------------------------------------- q3, q4


@pytest.mark.parametrize(
    ("qid", "right"),
    [("ch04-sampling.reservoir_rule", "b"), ("ch04-sampling.resample_before_split", "c")],
)
def test_choice_questions_give_a_reason_for_every_option(qid, right):
    """The right letter is correct (with its reason); every other letter gets its own reason."""
    q = exercises.get(qid)
    assert q.check(f" ({right.upper()}) ").correct
    reasons = set()
    for letter in q.options:
        if letter == right:
            continue
        fb = q.check(letter)
        assert fb.kind == "incorrect"
        reasons.add(fb.text)
    assert len(reasons) == len(q.options) - 1
    assert "one letter" in q.check("e").text


# ----------------------------------------------------------------------------- q5


def _correct_prior(p, train_rate, true_rate):
    """The prior correction by Bayes' rule on the classes' shares (no odds)."""
    up = p * true_rate / train_rate
    down = (1 - p) * (1 - true_rate) / (1 - train_rate)
    return up / (up + down)


def test_prior_correction_function_right_answer():
    """Bayes' rule on the shares, a different route from the odds, is accepted."""
    q = exercises.get("ch04-sampling.prior_correction_function")
    assert q.check(_correct_prior).correct


@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda p, tr, t: p * t / tr, "linear shortcut"),
        (lambda p, tr, t: _correct_prior(p, t, tr), "wrong way"),
        (lambda p, tr, t: p / (1 - p) * (t / (1 - t)) / (tr / (1 - tr)), "corrected odds"),
    ],
)
def test_prior_correction_function_mistakes_are_named(wrong, says):
    """Scaling probabilities, the reversed correction and returning odds are each named."""
    fb = exercises.get("ch04-sampling.prior_correction_function").check(wrong)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_prior_correction_function_without_return():
    """A function that computes but does not return is told about `return`."""

    def forgot(p, train_rate, true_rate):
        _ = _correct_prior(p, train_rate, true_rate)

    fb = exercises.get("ch04-sampling.prior_correction_function").check(forgot)
    assert "forget `return`" in fb.text


# ----------------------------------------------------------------------------- q6

THRESHOLD_CTXS = [(0.5, 0.058), (0.2, 0.05), (0.3, 0.061)]


def _moved_by_hand(breakeven, train_share, true_rate):
    up = breakeven * train_share / true_rate
    down = (1 - breakeven) * (1 - train_share) / (1 - true_rate)
    return up / (up + down)


@pytest.mark.parametrize(("train_share", "true_rate"), THRESHOLD_CTXS)
def test_moved_threshold_right_answer(train_share, true_rate):
    """Bayes' rule on the shares, moving the break-even probability, is accepted."""
    ctx = _threshold_context(train_share, true_rate)
    right = _moved_by_hand(ctx["breakeven"], train_share, true_rate)
    assert exercises.get("ch04-sampling.moved_threshold").check(right, **ctx).correct


@pytest.mark.parametrize(("train_share", "true_rate"), THRESHOLD_CTXS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda b, s, t: b, "break-even probability itself"),
        (lambda b, s, t: b * s / t, "linear"),
        (lambda b, s, t: _moved_by_hand(b, t, s), "wrong way"),
        (lambda b, s, t: b / (1 - b) * (s / (1 - s)) / (t / (1 - t)), "still odds"),
    ],
)
def test_moved_threshold_mistakes_are_named(train_share, true_rate, wrong, says):
    """The unmoved threshold, a linear scaling, the reversed move and odds get their message."""
    ctx = _threshold_context(train_share, true_rate)
    fb = exercises.get("ch04-sampling.moved_threshold").check(
        wrong(ctx["breakeven"], train_share, true_rate), **ctx
    )
    assert fb.kind == "incorrect"
    assert says in fb.text
