"""Tests for mlsd.business against hand-worked values, brute force and numerical integration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import integrate, stats

from mlsd import business

COSTS = {"clv_usd": 200.0, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}


def _data(n: int, churn_rate: float, seed: int, *, decimals: int | None = None):
    """Labels and informative churn scores in [0, 1]; rounding the scores creates ties."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < churn_rate).astype(int)
    y[:2] = [0, 1]
    score = 1 / (1 + np.exp(-(1.5 * y + rng.normal(size=n) - 1.5)))
    if decimals is not None:
        score = np.round(score, decimals)
    return y, score


def _brute_profit(y, contacted, *, clv_usd, offer_cost_usd, contact_cost_usd, acceptance_rate):
    """Expected profit summed customer by customer, straight from the cost model."""
    total = 0.0
    for label, chosen in zip(y, contacted, strict=True):
        if not chosen:
            continue
        if label == 1:
            stays = acceptance_rate * (clv_usd - offer_cost_usd - contact_cost_usd)
            leaves = (1 - acceptance_rate) * (-contact_cost_usd)
            total += stays + leaves
        else:
            total += -offer_cost_usd - contact_cost_usd
    return total


def _brute_curve(y, score, **costs):
    """Profit for every candidate threshold (inf, then each distinct score, descending)."""
    thresholds = np.r_[np.inf, np.sort(np.unique(score))[::-1]]
    profits = [_brute_profit(y, score >= t, **costs) for t in thresholds]
    return thresholds, np.array(profits)


def _counts_by_threshold(y, score):
    """Churners and non-churners with score >= t, for every distinct score t, by masking."""
    thresholds = np.unique(score)
    churners = np.array([np.sum((score >= t) & (y == 1)) for t in thresholds])
    stayers = np.array([np.sum((score >= t) & (y == 0)) for t in thresholds])
    return churners, stayers


def _max_profit_per_customer(gamma, counts, n, *, clv_usd, offer_cost_usd, contact_cost_usd):
    """Best per-customer profit over all thresholds, or 0 for contacting nobody, at one gamma."""
    churners, stayers = counts
    value = (
        gamma * (clv_usd - offer_cost_usd) * churners
        - contact_cost_usd * (churners + stayers)
        - offer_cost_usd * stayers
    )
    return max(0.0, float(value.max()) / n)


# --- customer lifetime value and replacement cost ---------------------------------------------


@pytest.mark.parametrize(
    ("fee", "churn", "margin", "expected"),
    [
        (10.0, 0.05, 1.0, 200.0),  # fee x expected lifetime of 20 months
        (12.0, 0.03, 0.5, 200.0),  # half of 12 USD for 1 / 0.03 months
        (10.0, 1.0, 1.0, 10.0),  # leaves after paying once
        (15.99, 0.025, 1.0, 639.6),
    ],
)
def test_clv_hand_values(fee, churn, margin, expected):
    """Without discounting, CLV is margin x fee x 1 / churn, worked by hand."""
    value = business.customer_lifetime_value(fee, monthly_churn_rate=churn, margin=margin)
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("churn", "discount", "horizon"),
    [(0.05, 0.01, None), (0.03, 0.0, 12), (0.1, 0.02, 36), (0.5, 0.0, 1)],
)
def test_clv_matches_month_by_month_sum(churn, discount, horizon):
    """CLV equals the month-by-month sum of survival-weighted, discounted fees."""
    fee, margin = 9.5, 0.7
    months = horizon if horizon is not None else 20_000
    total, alive = 0.0, 1.0
    for t in range(months):
        total += margin * fee * alive / (1 + discount) ** t
        alive *= 1 - churn
    value = business.customer_lifetime_value(
        fee,
        monthly_churn_rate=churn,
        margin=margin,
        monthly_discount_rate=discount,
        horizon_months=horizon,
    )
    assert value == pytest.approx(total, rel=1e-9)


def test_replacement_cost_hand_value():
    """20,000 subscribers losing 3% a month need 7,200 replacements a year at 86.61 USD."""
    cost = business.churn_replacement_cost(
        20_000, monthly_churn_rate=0.03, acquisition_cost_usd=86.61
    )
    assert cost == pytest.approx(7_200 * 86.61, rel=1e-12)


def test_replacement_cost_matches_monthly_simulation():
    """The cost equals a month-by-month loop that refills the base after each month's churn."""
    base, spend = 5_000.0, 0.0
    for _ in range(18):
        lost = base * 0.041
        spend += lost * 120.0
        base = base - lost + lost
    cost = business.churn_replacement_cost(
        5_000, monthly_churn_rate=0.041, acquisition_cost_usd=120.0, months=18
    )
    assert cost == pytest.approx(spend, rel=1e-12)


# --- campaign profit ---------------------------------------------------------------------------


def test_campaign_profit_hand_value():
    """Two contacted churners (0.3 x 190 - 1 = 56 each) and one non-churner (-11) make 101 USD."""
    y = [1, 1, 0, 0, 1]
    contacted = [1, 0, 1, 0, 1]
    assert business.campaign_profit(y, contacted, acceptance_rate=0.3, **COSTS) == 101.0


@pytest.mark.parametrize("gamma", [0.0, 0.15, 0.3, 1.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_campaign_profit_matches_customer_loop(gamma, seed):
    """Vectorised profit equals summing the cost model over customers one by one."""
    y, score = _data(300, 0.2, seed)
    contacted = score >= np.quantile(score, 0.7)
    costs = {"clv_usd": 150.0, "offer_cost_usd": 7.5, "contact_cost_usd": 2.0}
    expected = _brute_profit(y, contacted, acceptance_rate=gamma, **costs)
    got = business.campaign_profit(y, contacted, acceptance_rate=gamma, **costs)
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_uplift_profit_hand_value():
    """Saving 0.2 + 0.05 churns at 200 USD, minus two contacts at 11 USD, leaves 28 USD."""
    effect = [-0.2, 0.1, -0.05, -0.3]
    contacted = [True, False, True, False]
    assert business.uplift_campaign_profit(effect, contacted, **COSTS) == pytest.approx(28.0)


def test_uplift_profit_loses_on_sleeping_dogs():
    """Contacting only customers the offer pushes away loses more than the contact costs."""
    effect = np.array([0.05, 0.1])
    profit = business.uplift_campaign_profit(effect, [True, True], **COSTS)
    assert profit == pytest.approx(-(0.15 * 200 + 2 * 11))


def test_breakeven_probability_hand_value():
    """With the EMP defaults and a 30% acceptance rate, contacting pays above p = 11 / 67."""
    p = business.breakeven_probability(acceptance_rate=0.3, **COSTS)
    assert p == pytest.approx(11 / 67, rel=1e-12)


@pytest.mark.parametrize("gamma", [0.1, 0.3, 0.8])
def test_breakeven_probability_zeroes_expected_profit(gamma):
    """A customer at the break-even probability has zero expected profit from contact."""
    p = business.breakeven_probability(acceptance_rate=gamma, **COSTS)
    as_churner = _brute_profit([1], [True], acceptance_rate=gamma, **COSTS)
    as_stayer = _brute_profit([0], [True], acceptance_rate=gamma, **COSTS)
    assert p * as_churner + (1 - p) * as_stayer == pytest.approx(0.0, abs=1e-9)


def test_breakeven_probability_when_offer_never_pays():
    """If the offer costs more than a customer is worth and nobody accepts, no p breaks even."""
    p = business.breakeven_probability(
        clv_usd=5.0, offer_cost_usd=0.0, contact_cost_usd=1.0, acceptance_rate=0.0
    )
    assert p == np.inf


# --- profit curve and optimal threshold --------------------------------------------------------


@pytest.mark.parametrize(("seed", "decimals"), [(3, None), (4, 1), (5, 2)])
def test_profit_curve_matches_brute_force(seed, decimals):
    """Every row of the profit curve equals a brute-force profit at that threshold."""
    y, score = _data(250, 0.15, seed, decimals=decimals)
    costs = {**COSTS, "acceptance_rate": 0.25}
    curve = business.profit_curve(y, score, **costs)
    thresholds, profits = _brute_curve(y, score, **costs)
    np.testing.assert_array_equal(curve["threshold"].to_numpy(), thresholds)
    np.testing.assert_allclose(curve["profit_usd"].to_numpy(), profits, rtol=1e-12, atol=1e-9)
    n_contacted = [int(np.sum(score >= t)) for t in thresholds]
    np.testing.assert_array_equal(curve["n_contacted"].to_numpy(), n_contacted)
    np.testing.assert_allclose(curve["share_contacted"].to_numpy(), np.array(n_contacted) / 250)


@pytest.mark.parametrize("seed", [6, 7, 8])
def test_optimal_threshold_is_brute_force_maximum(seed):
    """The optimal threshold reaches the brute-force maximum profit and beats threshold 0.5."""
    y, score = _data(400, 0.1, seed, decimals=3)
    costs = {**COSTS, "acceptance_rate": 0.3}
    best = business.optimal_threshold(y, score, **costs)
    thresholds, profits = _brute_curve(y, score, **costs)
    assert best.profit_usd == pytest.approx(profits.max(), rel=1e-12)
    assert best.threshold == thresholds[np.argmax(profits)]
    assert best.n_contacted == np.sum(score >= best.threshold)
    assert best.profit_usd >= _brute_profit(y, score >= 0.5, **costs)


def test_optimal_threshold_contacts_nobody_when_nothing_pays():
    """When the offer costs more than a saved customer is worth, contacting nobody is best."""
    y, score = _data(100, 0.3, 9)
    best = business.optimal_threshold(
        y, score, clv_usd=5.0, offer_cost_usd=10.0, contact_cost_usd=1.0, acceptance_rate=0.9
    )
    assert best.threshold == np.inf
    assert best.n_contacted == 0
    assert best.profit_usd == 0.0


def test_profit_scorer_with_tuned_threshold_classifier():
    """scikit-learn's TunedThresholdClassifierCV with the scorer finds the brute-force optimum."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import TunedThresholdClassifierCV

    X, y = make_classification(n_samples=600, weights=[0.85], random_state=0)
    model = LogisticRegression().fit(X[:300], y[:300])
    grid = np.linspace(0, 1, 201)
    costs = {**COSTS, "acceptance_rate": 0.3}
    tuned = TunedThresholdClassifierCV(
        model,
        scoring=business.make_profit_scorer(**costs),
        cv="prefit",
        refit=False,
        thresholds=grid,
    ).fit(X[300:], y[300:])
    score = model.predict_proba(X[300:])[:, 1]
    profits = [_brute_profit(y[300:], score >= t, **costs) for t in grid]
    assert tuned.best_score_ == pytest.approx(max(profits), rel=1e-12)
    assert tuned.best_threshold_ == pytest.approx(grid[int(np.argmax(profits))])


def test_profit_scorer_scores_predictions():
    """The scorer returns the brute-force profit of the estimator's predicted churners."""
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(n_samples=300, weights=[0.8], random_state=1)
    model = LogisticRegression().fit(X, y)
    costs = {"clv_usd": 90.0, "offer_cost_usd": 5.0, "contact_cost_usd": 0.5}
    scorer = business.make_profit_scorer(acceptance_rate=0.4, **costs)
    expected = _brute_profit(y, model.predict(X) == 1, acceptance_rate=0.4, **costs)
    assert scorer(model, X, y) == pytest.approx(expected, rel=1e-12)


# --- Expected Maximum Profit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "n", "churn_rate", "decimals", "costs", "shape"),
    [
        (10, 120, 0.2, None, COSTS, (6, 14)),
        (11, 200, 0.1, 2, COSTS, (6, 14)),
        (
            12,
            150,
            0.3,
            1,
            {"clv_usd": 80.0, "offer_cost_usd": 15.0, "contact_cost_usd": 3.0},
            (2, 2),
        ),
        (
            13,
            90,
            0.4,
            None,
            {"clv_usd": 500.0, "offer_cost_usd": 0.0, "contact_cost_usd": 0.0},
            (1, 9),
        ),
    ],
)
def test_emp_matches_numerical_integration(seed, n, churn_rate, decimals, costs, shape):
    """EMP equals quad-integrating the brute-force maximum profit against the Beta density."""
    y, score = _data(n, churn_rate, seed, decimals=decimals)
    a, b = shape

    counts = _counts_by_threshold(y, score)

    def integrand(gamma):
        best = _max_profit_per_customer(gamma, counts, y.size, **costs)
        return best * stats.beta.pdf(gamma, a, b)

    # Integrate on 100 equal pieces so quad never straddles too many kinks at once.
    edges = np.linspace(0, 1, 101)
    expected = sum(
        integrate.quad(integrand, lo, hi, limit=200, epsabs=1e-12, epsrel=1e-10)[0]
        for lo, hi in itertools.pairwise(edges)
    )
    got = business.emp_score(y, score, alpha=a, beta=b, **costs)
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-8)


def test_emp_matches_monte_carlo():
    """EMP agrees with averaging the maximum profit over 200,000 simulated acceptance rates."""
    y, score = _data(300, 0.15, 14, decimals=2)
    churners, stayers = _counts_by_threshold(y, score)
    gamma = np.random.default_rng(0).beta(6, 14, size=200_000)
    profits = (
        np.outer(gamma, 190.0 * churners) - 1.0 * (churners + stayers) - 10.0 * stayers
    ) / y.size
    best = np.maximum(profits.max(axis=1), 0.0)
    standard_error = best.std() / np.sqrt(best.size)
    got = business.emp_score(y, score)
    assert abs(got - best.mean()) < 4 * standard_error


def test_emp_perfect_classifier_closed_form():
    """A perfect ranking earns churn rate x E[max(0, g (clv - offer) - contact)] per customer."""
    y = np.array([1] * 30 + [0] * 70)
    score = np.where(y == 1, 0.9, 0.1)
    cut = 1.0 / 190.0  # acceptance rate below which even a sure churner is not worth a call
    beta = stats.beta(6, 14)
    tail_mean = stats.beta(7, 14).sf(cut) * 6 / 20  # E[g; g > cut]
    expected = 0.3 * (190.0 * tail_mean - 1.0 * beta.sf(cut))
    assert business.emp_score(y, score) == pytest.approx(expected, rel=1e-10)
    assert business.emp_share_contacted(y, score) == pytest.approx(0.3 * beta.sf(cut), rel=1e-10)


def test_emp_uninformative_score_closed_form():
    """With one score for everybody the only choices are nobody or everybody."""
    y = np.array([1] * 40 + [0] * 60)
    score = np.full(100, 0.5)
    costs = {"clv_usd": 100.0, "offer_cost_usd": 5.0, "contact_cost_usd": 1.0}
    # Contacting everyone: g * 95 * 0.4 - 1 - 5 * 0.6 per customer, positive for g > 4 / 38.
    cut = 4.0 / 38.0
    expected = 38.0 * stats.beta(3, 5).sf(cut) * 2 / 7 - 4.0 * stats.beta(2, 5).sf(cut)
    got = business.emp_score(y, score, alpha=2, beta=5, **costs)
    assert got == pytest.approx(expected, rel=1e-10)


def test_emp_depends_only_on_ranking():
    """A monotone transform of the scores leaves EMP unchanged."""
    y, score = _data(200, 0.2, 15)
    assert business.emp_score(y, score**3) == pytest.approx(business.emp_score(y, score), rel=1e-12)


def test_emp_better_ranking_scores_higher():
    """Scores carrying the label beat noise, and noise beats an inverted ranking."""
    y, score = _data(500, 0.2, 16)
    noise = np.random.default_rng(1).random(500)
    good = business.emp_score(y, score)
    random = business.emp_score(y, noise)
    assert good > random
    assert random >= business.emp_score(y, 1 - score)


def test_emp_zero_when_offer_costs_more_than_customer():
    """If the offer costs more than the customer's value, the best campaign is no campaign."""
    y, score = _data(100, 0.3, 17)
    assert business.emp_score(y, score, clv_usd=8.0, offer_cost_usd=10.0) == 0.0
    assert business.emp_share_contacted(y, score, clv_usd=8.0, offer_cost_usd=10.0) == 0.0


@pytest.mark.parametrize("seed", [18, 19])
def test_emp_share_matches_numerical_integration(seed):
    """EMP's expected share contacted equals integrating the argmax share over the Beta density."""
    y, score = _data(150, 0.2, seed, decimals=2)
    churners, stayers = _counts_by_threshold(y, score)
    shares = (churners + stayers) / y.size

    def best_share(gamma):
        value = gamma * 190.0 * churners - (churners + stayers) - 10.0 * stayers
        return shares[np.argmax(value)] if value.max() > 0 else 0.0

    expected, _ = integrate.quad(
        lambda g: best_share(g) * stats.beta.pdf(g, 6, 14), 0, 1, limit=400, epsabs=1e-9
    )
    assert business.emp_share_contacted(y, score) == pytest.approx(expected, rel=1e-5)


# --- bad arguments -----------------------------------------------------------------------------

Y = np.array([0, 1, 0, 1])
S = np.array([0.1, 0.8, 0.3, 0.6])


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: business.emp_score(Y, [0.1, 1.2, 0.3, 0.6]), "y_score"),
        (lambda: business.emp_score(Y, [0.1, -0.2, 0.3, 0.6]), "y_score"),
        (lambda: business.emp_score(Y, [0.1, np.nan, 0.3, 0.6]), "y_score"),
        (lambda: business.emp_score(Y, S[:3]), "y_score"),
        (lambda: business.emp_score([1, 1, 1, 1], S), "y_true"),
        (lambda: business.emp_score([0, 0, 0, 0], S), "y_true"),
        (lambda: business.emp_score([0, 2, 0, 1], S), "y_true"),
        (lambda: business.emp_score(Y, S, offer_cost_usd=-1), "offer_cost_usd"),
        (lambda: business.emp_score(Y, S, contact_cost_usd=-0.5), "contact_cost_usd"),
        (lambda: business.emp_score(Y, S, clv_usd=0), "clv_usd"),
        (lambda: business.emp_score(Y, S, alpha=0), "alpha"),
        (lambda: business.emp_score(Y, S, beta=-2), "beta"),
        (lambda: business.emp_share_contacted([1, 1, 1, 1], S), "y_true"),
        (lambda: business.profit_curve(Y, S * 2), "y_score"),
        (lambda: business.profit_curve([1, 1, 1, 1], S), "y_true"),
        (lambda: business.profit_curve(Y, S, acceptance_rate=1.3), "acceptance_rate"),
        (lambda: business.optimal_threshold(Y, S, offer_cost_usd=-10), "offer_cost_usd"),
        (lambda: business.campaign_profit(Y, [1, 0, 1], acceptance_rate=0.3), "contacted"),
        (lambda: business.campaign_profit(Y, [1, 0, 2, 0]), "contacted"),
        (
            lambda: business.campaign_profit(Y, [1, 0, 1, 0], acceptance_rate=-0.1),
            "acceptance_rate",
        ),
        (lambda: business.campaign_profit(["a", "b", "a", "b"], [1, 0, 1, 0]), "y_true"),
        (lambda: business.uplift_campaign_profit([-2.0, 0.1], [1, 1]), "offer_effect"),
        (lambda: business.make_profit_scorer(contact_cost_usd=-1), "contact_cost_usd"),
        (lambda: business.make_profit_scorer(acceptance_rate=2), "acceptance_rate"),
        (lambda: business.breakeven_probability(clv_usd=-5), "clv_usd"),
        (lambda: business.customer_lifetime_value(-1, monthly_churn_rate=0.1), "monthly_fee_usd"),
        (lambda: business.customer_lifetime_value(10, monthly_churn_rate=0), "monthly_churn_rate"),
        (
            lambda: business.customer_lifetime_value(10, monthly_churn_rate=0.1, margin=1.5),
            "margin",
        ),
        (
            lambda: business.customer_lifetime_value(10, monthly_churn_rate=0.1, horizon_months=0),
            "horizon_months",
        ),
        (
            lambda: business.customer_lifetime_value(
                10, monthly_churn_rate=0.1, monthly_discount_rate=-0.01
            ),
            "monthly_discount_rate",
        ),
        (
            lambda: business.churn_replacement_cost(10, monthly_churn_rate=1.5),
            "monthly_churn_rate",
        ),
        (
            lambda: business.churn_replacement_cost(
                10, monthly_churn_rate=0.1, acquisition_cost_usd=-86.61
            ),
            "acquisition_cost_usd",
        ),
        (lambda: business.churn_replacement_cost(10, monthly_churn_rate=0.1, months=0), "months"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(call, name):
    """Bad inputs raise ValueError whose message names the offending argument."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        call()


# ---------------------------------------------------------------------------------------------
# profit_difference_interval: a paired bootstrap of the profit difference of two campaigns


def _two_campaigns(seed: int = 3, n: int = 3_000):
    """Labels and two overlapping campaigns, each contacting a few percent of customers."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.08).astype(int)
    score = np.clip(0.3 * y + rng.random(n), 0, 1)
    return y, score > 0.9, score > 0.95


def test_profit_difference_point_estimate_is_the_difference_of_profits():
    """The difference is campaign_profit(A) - campaign_profit(B) on the same customers."""
    y, a, b = _two_campaigns()
    costs = {"clv_usd": 229.7, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}
    result = business.profit_difference_interval(y, a, b, **costs)
    want = business.campaign_profit(y, a, **costs) - business.campaign_profit(y, b, **costs)
    assert result.difference_usd == pytest.approx(want, rel=1e-12)
    assert result.low_usd < result.difference_usd < result.high_usd


def test_profit_difference_interval_matches_scipy_bootstrap_over_all_customers():
    """The shortcut bootstrap agrees with scipy's bootstrap that resamples every customer."""
    y, a, b = _two_campaigns()
    costs = {"clv_usd": 229.7, "offer_cost_usd": 10.0, "contact_cost_usd": 1.0}

    def difference(idx):
        return business.campaign_profit(y[idx], a[idx], **costs) - business.campaign_profit(
            y[idx], b[idx], **costs
        )

    reference = stats.bootstrap(
        (np.arange(y.size),),
        lambda idx: difference(idx.astype(int)),
        vectorized=False,
        n_resamples=2_000,
        method="percentile",
        rng=np.random.default_rng(11),
    ).confidence_interval
    ours = business.profit_difference_interval(y, a, b, **costs, n_resamples=4_000, seed=5)
    width = reference.high - reference.low
    assert ours.low_usd == pytest.approx(reference.low, abs=0.1 * width)
    assert ours.high_usd == pytest.approx(reference.high, abs=0.1 * width)


def test_profit_difference_of_identical_campaigns_is_exactly_zero():
    """Two identical campaigns differ by 0 with a zero-width interval on every resample."""
    y, a, _ = _two_campaigns()
    result = business.profit_difference_interval(y, a, a.copy())
    assert (result.difference_usd, result.low_usd, result.high_usd) == (0.0, 0.0, 0.0)
    assert result.spans_zero


def test_profit_difference_on_few_contacts_spans_zero():
    """A difference resting on a handful of contacted customers has an interval around zero."""
    y = np.zeros(2_000, dtype=int)
    y[:3] = 1
    a = np.zeros(2_000, dtype=bool)
    a[:3] = True  # three churners
    a[3:40] = True  # and 37 who would have stayed
    result = business.profit_difference_interval(y, a, np.zeros(2_000, dtype=bool), seed=1)
    assert result.spans_zero


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_resamples": 10}, "`n_resamples` must be an integer in [100, 1000000], got 10"),
        ({"confidence_level": 1.0}, "`confidence_level` must be a number in (0, 1), got 1.0"),
        ({"seed": -1}, "`seed` must be an integer in [0, 4294967295], got -1"),
    ],
)
def test_profit_difference_bad_arguments(kwargs, message):
    """Bad bootstrap settings are refused with a message naming the argument and the value."""
    y, a, b = _two_campaigns()
    with pytest.raises(ValueError) as info:
        business.profit_difference_interval(y, a, b, **kwargs)
    assert message in str(info.value)


def test_profit_difference_mismatched_lengths():
    """Campaign masks of another length than the labels are refused, naming the mask."""
    y, a, _ = _two_campaigns()
    with pytest.raises(ValueError, match="`contacted_b` must be a 1-D array of length"):
        business.profit_difference_interval(y, a, a[:-1])


# ---------------------------------------------------------------------------------------------
# auc_difference_interval: DeLong's interval for the AUC difference of two scores


def _two_scores(seed: int = 4, n: int = 2_000):
    """Labels and two correlated scores, one with ties (rounded), like a model and a rival."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.1).astype(int)
    shared = rng.normal(size=n)
    a = np.round(shared + 1.0 * y + rng.normal(size=n), 1)
    b = shared + 0.6 * y + rng.normal(size=n)
    return y, a, b


def test_auc_difference_is_the_difference_of_sklearn_aucs():
    """The point estimate is roc_auc_score(A) - roc_auc_score(B), ties included."""
    from sklearn.metrics import roc_auc_score

    y, a, b = _two_scores()
    result = business.auc_difference_interval(y, a, b)
    assert result.difference == pytest.approx(roc_auc_score(y, a) - roc_auc_score(y, b), abs=1e-12)


def test_auc_difference_components_match_pair_counting():
    """DeLong's components equal the share of correctly ordered pairs, counted pair by pair."""
    y, a, _ = _two_scores(n=300)
    auc, v10, v01 = business._delong_components(y, a)
    pos, neg = a[y == 1], a[y == 0]
    pairs = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    np.testing.assert_allclose(v10, pairs.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(v01, pairs.mean(axis=0), atol=1e-12)
    assert auc == pytest.approx(pairs.mean(), abs=1e-12)


def test_auc_difference_interval_agrees_with_a_paired_bootstrap():
    """The analytic interval's half-width is close to a paired bootstrap's, done with sklearn.

    The 400 resamples' AUCs come from the Mann-Whitney rank identity (scipy's average ranks
    count a tie as one half), all at once; the first resample's pair is checked against
    sklearn's roc_auc_score, which gives the same numbers one call at a time (3 s here).
    """
    from scipy.stats import rankdata
    from sklearn.metrics import roc_auc_score

    y, a, b = _two_scores()
    rng = np.random.default_rng(9)
    idx = rng.integers(y.size, size=(400, y.size))
    labels = y[idx]
    positives = labels.sum(axis=1)
    pairs = positives * (y.size - positives)

    def aucs(score):
        rank_sum = (rankdata(score[idx], axis=1) * labels).sum(axis=1)
        return (rank_sum - positives * (positives + 1) / 2) / pairs

    diffs = aucs(a) - aucs(b)
    first = roc_auc_score(labels[0], a[idx[0]]) - roc_auc_score(labels[0], b[idx[0]])
    assert diffs[0] == pytest.approx(first, abs=1e-12)
    low, high = np.quantile(diffs, [0.025, 0.975])
    result = business.auc_difference_interval(y, a, b)
    assert (result.high - result.low) == pytest.approx(high - low, rel=0.2)
    assert result.low == pytest.approx(low, abs=0.2 * (high - low))


def test_auc_difference_of_a_score_with_itself_is_zero():
    """A score compared with itself differs by 0 with a zero-width interval."""
    y, a, _ = _two_scores()
    result = business.auc_difference_interval(y, a, a)
    assert (result.difference, result.low, result.high) == (0.0, 0.0, 0.0)


def test_auc_difference_bad_input():
    """Scores of another length and a single class are refused with a clear message."""
    y, a, b = _two_scores()
    with pytest.raises(ValueError, match="`score_b` must be 2000 finite numbers"):
        business.auc_difference_interval(y, a, b[:-1])
    with pytest.raises(ValueError, match="both churners"):
        business.auc_difference_interval(np.zeros(5), np.arange(5.0), np.arange(5.0))
