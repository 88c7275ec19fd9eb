"""Churn in dollars: customer lifetime value, retention-campaign profit, profit curves, EMP.

The cost model is the one of Verbraken, Verbeke and Baesens (2013), "A Novel Profit Maximizing
Metric for Measuring Classification Performance of Customer Churn Prediction Models", IEEE
Transactions on Knowledge and Data Engineering 25(5). A retention campaign contacts a set of
customers (``contact_cost_usd`` each) and offers them an incentive (``offer_cost_usd``):

- a contacted **churner** accepts the offer with probability ``acceptance_rate`` and stays,
  which is worth ``clv_usd - offer_cost_usd``; otherwise they leave anyway;
- a contacted **non-churner** would have stayed anyway, but takes the offer (a wasted
  ``offer_cost_usd``).

So the expected profit of contacting ``n_churners`` churners and ``n_stayers`` non-churners is::

    acceptance_rate * (clv_usd - offer_cost_usd) * n_churners
        - contact_cost_usd * (n_churners + n_stayers) - offer_cost_usd * n_stayers

``y_true`` is 1 for a churner and 0 otherwise; ``y_score`` is a churn probability in [0, 1]
and a customer is contacted when ``y_score >= threshold`` (scikit-learn's convention).

Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from mlsd.validation import (
    ParameterError,
    check_1d,
    check_int,
    check_number,
    check_probability,
)

__all__ = [
    "AucDifference",
    "ProfitDifference",
    "ProfitOptimum",
    "auc_difference_interval",
    "breakeven_probability",
    "campaign_profit",
    "churn_replacement_cost",
    "customer_lifetime_value",
    "emp_score",
    "emp_share_contacted",
    "make_profit_scorer",
    "optimal_threshold",
    "profit_curve",
    "profit_difference_interval",
    "uplift_campaign_profit",
]


class ProfitOptimum(NamedTuple):
    """The most profitable campaign on a profit curve.

    Attributes:
        threshold: contact customers with ``y_score >= threshold`` (``inf``: contact nobody).
        profit_usd: expected campaign profit at that threshold (USD, total).
        n_contacted: customers contacted.
        share_contacted: ``n_contacted`` over all customers.
    """

    threshold: float
    profit_usd: float
    n_contacted: int
    share_contacted: float


class ProfitDifference(NamedTuple):
    """The profit difference between two campaigns on the same customers, with an interval.

    Attributes:
        difference_usd: profit of campaign A minus profit of campaign B (USD, total).
        low_usd: lower end of the bootstrap confidence interval (USD).
        high_usd: upper end of the bootstrap confidence interval (USD).
        confidence_level: e.g. 0.95.
    """

    difference_usd: float
    low_usd: float
    high_usd: float
    confidence_level: float

    @property
    def spans_zero(self) -> bool:
        """True when the interval contains 0: the data cannot tell which campaign earns more."""
        return self.low_usd <= 0.0 <= self.high_usd


class AucDifference(NamedTuple):
    """The ROC AUC difference between two scores of the same customers, with an interval.

    Attributes:
        difference: ROC AUC of score A minus ROC AUC of score B.
        low: lower end of the confidence interval (DeLong's, normal).
        high: upper end of the confidence interval.
        confidence_level: e.g. 0.95.
    """

    difference: float
    low: float
    high: float
    confidence_level: float

    @property
    def spans_zero(self) -> bool:
        """True when the interval contains 0: the data cannot tell which score ranks better."""
        return self.low <= 0.0 <= self.high


# ---------------------------------------------------------------------------------------------
# Validation helpers: one-line names for mlsd.validation's checks (one message format).


def _check_nonnegative(name: str, value: Any) -> float:
    return check_number(name, value, "[0, inf)")


def _check_positive(name: str, value: Any) -> float:
    return check_number(name, value, "(0, inf)")


def _check_unit(name: str, value: Any) -> float:
    return check_probability(name, value)


def _check_costs(
    clv_usd: Any, offer_cost_usd: Any, contact_cost_usd: Any
) -> tuple[float, float, float]:
    return (
        _check_positive("clv_usd", clv_usd),
        _check_nonnegative("offer_cost_usd", offer_cost_usd),
        _check_nonnegative("contact_cost_usd", contact_cost_usd),
    )


def _check_y_true(y_true: Any, *, both_classes: bool) -> np.ndarray:
    y = np.asarray(y_true)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"`y_true` must be a non-empty 1-D array, got shape {y.shape}")
    if y.dtype.kind in "USO" and any(isinstance(v, str | bytes) for v in y.tolist()):
        raise ParameterError(f"`y_true` must hold 0/1 labels (1 = churner), got text {y[:5]!r}")
    if y.dtype == bool:
        y = y.astype(int)
    try:
        y_float = y.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"`y_true` must hold 0/1 labels (1 = churner), got {y[:5]!r}") from None
    bad = ~np.isin(y_float, (0.0, 1.0))
    if bad.any():
        raise ValueError(
            f"`y_true` must hold 0/1 labels (1 = churner), got {y[bad][0]!r} "
            f"({int(bad.sum())} bad values)"
        )
    y_int = y_float.astype(int)
    if both_classes and np.unique(y_int).size < 2:
        raise ValueError(
            f"`y_true` must contain both churners (1) and non-churners (0), got only {y_int[0]}"
        )
    return y_int


def _check_scores(y_score: Any, n: int) -> np.ndarray:
    s = check_1d("y_score", y_score, "[0, 1]")
    if s.size != n:
        raise ParameterError(f"`y_score` must have {n} values (like y_true), got {s.size}")
    return s


def _check_mask(name: str, mask: Any, n: int) -> np.ndarray:
    m = np.asarray(mask)
    if m.ndim != 1 or m.size != n:
        raise ValueError(f"`{name}` must be a 1-D array of length {n}, got shape {m.shape}")
    if m.dtype != bool:
        if not np.isin(m, (0, 1)).all():
            raise ValueError(f"`{name}` must be boolean or 0/1, got values {np.unique(m)[:5]}")
        m = m.astype(bool)
    return m


# ---------------------------------------------------------------------------------------------
# The business


def customer_lifetime_value(
    monthly_fee_usd: float,
    *,
    monthly_churn_rate: float,
    margin: float = 1.0,
    monthly_discount_rate: float = 0.0,
    horizon_months: int | None = None,
) -> float:
    """Expected value of a subscriber: the margin they pay, month after month, until they churn.

    The subscriber pays at the start of each month they are subscribed and leaves at the end of
    a month with probability ``monthly_churn_rate``, so they are still there in month ``t`` with
    probability ``(1 - monthly_churn_rate) ** t``::

        CLV = sum_{t=0}^{horizon-1} margin * fee * (1 - churn) ** t / (1 + discount) ** t

    With no horizon and no discount this is ``margin * fee / churn``: fee times the expected
    lifetime of ``1 / churn`` months.

    Args:
        monthly_fee_usd: what the subscriber pays per month (USD).
        monthly_churn_rate: probability of cancelling in a given month, in (0, 1].
        margin: share of the fee that is profit, in (0, 1].
        monthly_discount_rate: monthly discount rate for money later (>= 0).
        horizon_months: count only this many months (``None``: forever).

    Returns:
        The customer lifetime value in USD.

    Raises:
        ValueError: on a negative fee, a churn rate outside (0, 1], a margin outside (0, 1],
            a negative discount rate or a horizon below 1.

    Example:
        >>> customer_lifetime_value(10.0, monthly_churn_rate=0.05)
        200.0

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    fee = _check_nonnegative("monthly_fee_usd", monthly_fee_usd)
    churn = check_probability("monthly_churn_rate", monthly_churn_rate, "(0, 1]")
    m = check_number("margin", margin, "(0, 1]")
    discount = _check_nonnegative("monthly_discount_rate", monthly_discount_rate)
    if horizon_months is not None:
        horizon_months = check_int("horizon_months", horizon_months, "[1, inf)")
    ratio = (1 - churn) / (1 + discount)
    # 1 / (1 - ratio), written so that the no-discount case is exactly fee / churn
    forever = m * fee * (1 + discount) / (discount + churn)
    if horizon_months is None:
        return float(forever)
    return float(forever * (1 - ratio**horizon_months))


def churn_replacement_cost(
    n_customers: int,
    *,
    monthly_churn_rate: float,
    acquisition_cost_usd: float = 86.61,
    months: int = 12,
) -> float:
    """What it costs to replace every churner with a newly acquired customer.

    A company that keeps its base at ``n_customers`` must acquire one new customer for every
    one it loses: ``n_customers * monthly_churn_rate`` a month, each at
    ``acquisition_cost_usd``.

    Args:
        n_customers: size of the subscriber base (kept constant).
        monthly_churn_rate: share of the base cancelling each month, in [0, 1].
        acquisition_cost_usd: cost of acquiring one customer (USD; the book quotes 86.61 for an
            app user who makes an in-app purchase, 2019).
        months: length of the period (12 for a year).

    Returns:
        The acquisition spend in USD over ``months`` months.

    Raises:
        ValueError: on a negative size or cost, a churn rate outside [0, 1] or ``months < 1``.

    Example:
        >>> round(churn_replacement_cost(1_000, monthly_churn_rate=0.02), 2)
        20786.4

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    n = check_int("n_customers", n_customers, "[0, inf)")
    churn = _check_unit("monthly_churn_rate", monthly_churn_rate)
    cost = _check_nonnegative("acquisition_cost_usd", acquisition_cost_usd)
    months = check_int("months", months, "[1, inf)")
    return float(n * churn * months * cost)


def breakeven_probability(
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
) -> float:
    """The churn probability above which contacting a customer is expected to pay off.

    Contacting a customer with churn probability ``p`` is worth
    ``p * acceptance_rate * (clv_usd - offer_cost_usd) - (1 - p) * offer_cost_usd
    - contact_cost_usd``, which is zero at::

        p* = (offer_cost_usd + contact_cost_usd)
             / (acceptance_rate * (clv_usd - offer_cost_usd) + offer_cost_usd)

    For calibrated probabilities this is the profit-optimal threshold in theory; above 1 means
    no customer is worth contacting.

    Args:
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        acceptance_rate: share of contacted churners who accept the offer and stay, in [0, 1].

    Returns:
        The break-even churn probability (``inf`` when contacting can never pay).

    Raises:
        ValueError: on a non-positive CLV, negative costs or an acceptance rate outside [0, 1].

    Example:
        >>> round(breakeven_probability(), 4)
        0.1642

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    gamma = _check_unit("acceptance_rate", acceptance_rate)
    denominator = gamma * (clv - offer) + offer
    if denominator <= 0:
        return math.inf if offer + contact > 0 else 0.0
    return float((offer + contact) / denominator)


# ---------------------------------------------------------------------------------------------
# Campaign profit


def campaign_profit(
    y_true: Any,
    contacted: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
) -> float:
    """Expected profit of a retention campaign that contacts the customers in ``contacted``.

    Each contacted churner is worth ``acceptance_rate * (clv_usd - offer_cost_usd) -
    contact_cost_usd``; each contacted non-churner costs ``offer_cost_usd + contact_cost_usd``.
    The signature ``(y_true, y_pred, **costs)`` makes it a scikit-learn metric: see
    :func:`make_profit_scorer`.

    Args:
        y_true: 1 for a churner, 0 otherwise.
        contacted: boolean (or 0/1) per customer: True if the campaign contacts them.
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        acceptance_rate: share of contacted churners who accept and stay, in [0, 1].

    Returns:
        The expected campaign profit in USD (total over the customers given).

    Raises:
        ValueError: on labels other than 0/1, mismatched lengths, a non-positive CLV,
            negative costs or an acceptance rate outside [0, 1].

    Example:
        >>> campaign_profit([1, 1, 0, 0], [True, False, True, False])
        45.0

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    y = _check_y_true(y_true, both_classes=False)
    mask = _check_mask("contacted", contacted, y.size)
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    gamma = _check_unit("acceptance_rate", acceptance_rate)
    n_churners = int(y[mask].sum())
    n_stayers = int(mask.sum()) - n_churners
    return _profit(n_churners, n_stayers, clv, offer, contact, gamma)


def profit_difference_interval(
    y_true: Any,
    contacted_a: Any,
    contacted_b: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
    confidence_level: float = 0.95,
    n_resamples: int = 2_000,
    seed: int = 0,
) -> ProfitDifference:
    """Profit of campaign A minus campaign B on the same customers, with a paired bootstrap.

    Both campaigns are priced with :func:`campaign_profit` on the same customers. The
    interval resamples *customers* with replacement and prices both campaigns on each
    resample (a paired bootstrap, percentile method), so it
    reflects how much the difference depends on which customers happened to be in the sample.
    A difference that rests on a few dozen contacted customers gets a wide interval.

    Args:
        y_true: 1 for a churner, 0 otherwise.
        contacted_a: boolean (or 0/1) per customer: whom campaign A contacts.
        contacted_b: the same for campaign B.
        clv_usd, offer_cost_usd, contact_cost_usd, acceptance_rate: as :func:`campaign_profit`.
        confidence_level: of the interval, in (0, 1).
        n_resamples: bootstrap resamples, at least 100.
        seed: seed of the resampling.

    Returns:
        A :class:`ProfitDifference` (difference_usd, low_usd, high_usd, confidence_level).

    Example:
        >>> d = profit_difference_interval([1, 0, 1, 0], [1, 0, 1, 0], [0, 0, 0, 0])
        >>> d.difference_usd  # two churners, each 0.3 x (200 - 10) - 1 = 56 USD
        112.0

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    from mlsd.validation import check_int, check_number, check_seed

    y = _check_y_true(y_true, both_classes=False)
    a = _check_mask("contacted_a", contacted_a, y.size)
    b = _check_mask("contacted_b", contacted_b, y.size)
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    gamma = _check_unit("acceptance_rate", acceptance_rate)
    level = check_number("confidence_level", confidence_level, "(0, 1)")
    resamples = check_int("n_resamples", n_resamples, "[100, 1000000]")
    check_seed("seed", seed)
    # What each customer adds to a campaign that contacts them: the profit is a sum over them.
    per_customer = np.where(y == 1, gamma * (clv - offer) - contact, -(offer + contact))
    difference = per_customer * (a.astype(float) - b.astype(float))
    total = float(difference.sum())
    if not difference.any():  # the two campaigns are priced the same on every customer
        return ProfitDifference(total, total, total, level)
    # Resampling n customers with replacement only matters through the customers whose
    # difference is not zero: how many draws land on them is Binomial(n, k / n), and those
    # draws are uniform among them. Summing just those draws is the same bootstrap, exactly,
    # at a fraction of the cost of drawing all n customers each time.
    rng = np.random.default_rng(seed)
    nonzero = difference[difference != 0]
    hits = rng.binomial(y.size, nonzero.size / y.size, size=resamples)
    draws = nonzero[rng.integers(nonzero.size, size=int(hits.sum()))]
    sums = np.bincount(np.repeat(np.arange(resamples), hits), weights=draws, minlength=resamples)
    low, high = np.quantile(sums, [(1 - level) / 2, (1 + level) / 2])
    return ProfitDifference(total, float(low), float(high), level)


def _midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    new_group = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    starts = np.flatnonzero(new_group)
    ends = np.r_[starts[1:], values.size]
    average = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(values.size)
    ranks[order] = average[np.cumsum(new_group) - 1]
    return ranks


def _delong_components(y: np.ndarray, score: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong's structural components: one per positive, one per negative."""
    pos, neg = score[y == 1], score[y == 0]
    m, n = pos.size, neg.size
    all_ranks = _midranks(np.r_[pos, neg])
    v10 = (all_ranks[:m] - _midranks(pos)) / n  # share of negatives below each positive
    v01 = 1.0 - (all_ranks[m:] - _midranks(neg)) / m  # share of positives above each negative
    return float(v10.mean()), v10, v01


def auc_difference_interval(
    y_true: Any,
    score_a: Any,
    score_b: Any,
    *,
    confidence_level: float = 0.95,
) -> AucDifference:
    """ROC AUC of score A minus score B on the same customers, with DeLong's interval.

    DeLong, DeLong and Clarke-Pearson (1988) give the variance of the difference of two
    correlated AUCs measured on the same customers (a paired comparison) from each positive's
    and each negative's share of correctly ordered pairs; the interval is normal. Ties count
    one half, as in ``sklearn.metrics.roc_auc_score``.

    Args:
        y_true: 1 for a churner, 0 otherwise; both classes must be present (two of each).
        score_a: the first model's scores (any real numbers; only their order matters).
        score_b: the second model's scores, for the same customers.
        confidence_level: of the interval, in (0, 1).

    Returns:
        An :class:`AucDifference` (difference, low, high, confidence_level).

    Example:
        >>> d = auc_difference_interval([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9], [0.9, 0.1, 0.2, 0.8])
        >>> d.difference
        0.5

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    from scipy import stats

    from mlsd.validation import check_number

    y = _check_y_true(y_true, both_classes=True)
    if min(int(y.sum()), int(y.size - y.sum())) < 2:
        raise ValueError("`y_true` must hold at least two churners and two non-churners")
    a = np.asarray(score_a, dtype=float)
    b = np.asarray(score_b, dtype=float)
    for name, score in (("score_a", a), ("score_b", b)):
        if score.shape != y.shape or not np.isfinite(score).all():
            raise ValueError(f"`{name}` must be {y.size} finite numbers (one per customer)")
    level = check_number("confidence_level", confidence_level, "(0, 1)")
    auc_a, v10_a, v01_a = _delong_components(y, a)
    auc_b, v10_b, v01_b = _delong_components(y, b)
    s10 = np.cov(np.vstack([v10_a, v10_b]))
    s01 = np.cov(np.vstack([v01_a, v01_b]))
    cov = s10 / v10_a.size + s01 / v01_a.size
    variance = max(float(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]), 0.0)
    half = stats.norm.ppf((1 + level) / 2) * math.sqrt(variance)
    difference = auc_a - auc_b
    return AucDifference(
        float(difference), float(difference - half), float(difference + half), level
    )


def _profit(n_churners, n_stayers, clv, offer, contact, gamma):
    """Expected profit for counts (scalars or arrays) of contacted churners and non-churners."""
    value = gamma * (clv - offer) * n_churners - contact * (n_churners + n_stayers)
    value = value - offer * n_stayers
    return float(value) if np.ndim(value) == 0 else value


def uplift_campaign_profit(
    offer_effect: Any,
    contacted: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
) -> float:
    """Expected profit of a campaign when each customer's true offer effect is known.

    ``offer_effect`` is the change in a customer's churn probability when they get the offer
    (negative: the offer helps), as the simulator records it in ``true_offer_effect``. Every
    contacted customer costs ``contact_cost_usd + offer_cost_usd`` and is worth
    ``-offer_effect * clv_usd`` in expectation, so contacting a "sleeping dog" (positive effect)
    loses money twice.

    Args:
        offer_effect: per customer, churn probability with the offer minus without, in [-1, 1].
        contacted: boolean (or 0/1) per customer: True if the campaign contacts them.
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).

    Returns:
        The expected campaign profit in USD.

    Raises:
        ValueError: on effects outside [-1, 1], mismatched lengths or bad costs.

    Example:
        >>> uplift_campaign_profit([-0.2, 0.0, 0.1], [True, True, False])
        18.0

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    effect = check_1d("offer_effect", offer_effect, "[-1, 1]")
    mask = _check_mask("contacted", contacted, effect.size)
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    saved = -effect[mask].sum()
    return float(saved * clv - (offer + contact) * mask.sum())


def make_profit_scorer(
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
):
    """A scikit-learn scorer returning :func:`campaign_profit` of the predicted churners.

    Use it with :class:`sklearn.model_selection.TunedThresholdClassifierCV` to let
    scikit-learn find the profit-optimal threshold, or with ``cross_val_score``.

    Args:
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        acceptance_rate: share of contacted churners who accept and stay, in [0, 1].

    Returns:
        A scorer ``scorer(estimator, X, y) -> profit in USD`` (higher is better).

    Raises:
        ValueError: on bad costs or acceptance rate (checked now, not at scoring time).

    Example:
        >>> from sklearn.model_selection import TunedThresholdClassifierCV
        >>> tuned = TunedThresholdClassifierCV(model, scoring=make_profit_scorer(), cv=3)
        ... # doctest: +SKIP

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    from sklearn.metrics import make_scorer

    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    gamma = _check_unit("acceptance_rate", acceptance_rate)
    return make_scorer(
        campaign_profit,
        response_method="predict",
        clv_usd=clv,
        offer_cost_usd=offer,
        contact_cost_usd=contact,
        acceptance_rate=gamma,
    )


# ---------------------------------------------------------------------------------------------
# Profit curve


def _cumulative_counts(y: np.ndarray, s: np.ndarray):
    """Thresholds (descending, first ``inf``) and churners / non-churners with score >= each."""
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    last_of_tie = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    churners = np.cumsum(y_sorted)[last_of_tie]
    contacted = np.flatnonzero(last_of_tie) + 1
    thresholds = np.r_[np.inf, s_sorted[last_of_tie]]
    return thresholds, np.r_[0, churners], np.r_[0, contacted - churners]


def profit_curve(
    y_true: Any,
    y_score: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
) -> pd.DataFrame:
    """Expected campaign profit for every threshold on ``y_score``.

    One row per distinct score, plus a first row with ``threshold = inf`` (contact nobody,
    profit 0). Contacting ``y_score >= threshold`` for each threshold gives the curve of profit
    against the share of customers contacted.

    Args:
        y_true: 1 for a churner, 0 otherwise; both classes must be present.
        y_score: churn probabilities in [0, 1] (higher = more likely to churn).
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        acceptance_rate: share of contacted churners who accept and stay, in [0, 1].

    Returns:
        A DataFrame with columns ``threshold``, ``n_contacted``, ``share_contacted``,
        ``n_churners_contacted``, ``profit_usd`` and ``profit_per_customer_usd``, thresholds
        in decreasing order.

    Raises:
        ValueError: on labels other than 0/1 or a single class, scores outside [0, 1] or of
            the wrong length, bad costs or acceptance rate.

    Example:
        >>> profit_curve([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])["profit_usd"].tolist()
        [0.0, 56.0, 45.0, 101.0, 90.0]

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    y = _check_y_true(y_true, both_classes=True)
    s = _check_scores(y_score, y.size)
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    gamma = _check_unit("acceptance_rate", acceptance_rate)
    thresholds, churners, stayers = _cumulative_counts(y, s)
    profit = _profit(churners, stayers, clv, offer, contact, gamma)
    n_contacted = churners + stayers
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "n_contacted": n_contacted,
            "share_contacted": n_contacted / y.size,
            "n_churners_contacted": churners,
            "profit_usd": profit,
            "profit_per_customer_usd": profit / y.size,
        }
    )


def optimal_threshold(
    y_true: Any,
    y_score: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    acceptance_rate: float = 0.3,
) -> ProfitOptimum:
    """The threshold on ``y_score`` that maximises expected campaign profit on these customers.

    The maximum of :func:`profit_curve`; among equally profitable thresholds the one that
    contacts the fewest customers. Chosen on the data it is evaluated on, so it is optimistic:
    pick it on training data (or with ``TunedThresholdClassifierCV``) and report it on held-out
    data.

    Args:
        y_true: 1 for a churner, 0 otherwise; both classes must be present.
        y_score: churn probabilities in [0, 1].
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        acceptance_rate: share of contacted churners who accept and stay, in [0, 1].

    Returns:
        A :class:`ProfitOptimum` (threshold, profit_usd, n_contacted, share_contacted);
        ``threshold`` is ``inf`` when contacting nobody is best.

    Raises:
        ValueError: as :func:`profit_curve`.

    Example:
        >>> optimal_threshold([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1]).threshold
        0.3

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    curve = profit_curve(
        y_true,
        y_score,
        clv_usd=clv_usd,
        offer_cost_usd=offer_cost_usd,
        contact_cost_usd=contact_cost_usd,
        acceptance_rate=acceptance_rate,
    )
    best = int(np.argmax(curve["profit_usd"].to_numpy()))
    row = curve.iloc[best]
    return ProfitOptimum(
        threshold=float(row["threshold"]),
        profit_usd=float(row["profit_usd"]),
        n_contacted=int(row["n_contacted"]),
        share_contacted=float(row["share_contacted"]),
    )


# ---------------------------------------------------------------------------------------------
# Expected Maximum Profit (EMP) for customer churn


def _upper_hull(fpr: np.ndarray, tpr: np.ndarray) -> np.ndarray:
    """Indices of the ROC points on the upper convex hull, left to right (monotone chain)."""
    # On a ROC curve (both rates non-decreasing) a point reached by a step to the right only
    # lies on or below the segment from its left neighbour to any higher point, and a point
    # left by a step up only lies below its upper neighbour: neither is a hull vertex, so the
    # chain skips them (most points of a curve with few positives).
    inner = np.arange(1, fpr.size - 1)
    corner = (tpr[inner] > tpr[inner - 1]) & (fpr[inner + 1] > fpr[inner])
    candidates = np.r_[0, inner[corner], fpr.size - 1] if fpr.size > 1 else np.arange(fpr.size)
    hull: list[int] = []
    for i in candidates.tolist():
        while len(hull) >= 2:
            o, a = hull[-2], hull[-1]
            cross = (fpr[a] - fpr[o]) * (tpr[i] - tpr[o]) - (tpr[a] - tpr[o]) * (fpr[i] - fpr[o])
            if cross >= 0:  # a lies on or below the segment o -> i: not a hull vertex
                hull.pop()
            else:
                break
        hull.append(i)
    return np.asarray(hull)


def _emp_pieces(y_true, y_score, clv_usd, offer_cost_usd, contact_cost_usd, alpha, beta):
    """Hull points and, for each, the Beta probability mass and profit integral where it wins."""
    y = _check_y_true(y_true, both_classes=True)
    s = _check_scores(y_score, y.size)
    clv, offer, contact = _check_costs(clv_usd, offer_cost_usd, contact_cost_usd)
    a = _check_positive("alpha", alpha)
    b = _check_positive("beta", beta)
    _, churners, stayers = _cumulative_counts(y, s)
    pi1 = y.mean()  # churn rate
    tpr = churners / churners[-1]
    fpr = stayers / stayers[-1]
    hull = _upper_hull(fpr, tpr)
    tpr, fpr = tpr[hull], fpr[hull]
    # Per-customer profit at hull point k, linear in the acceptance rate g:
    #   g * slope_k + intercept_k
    slope = (clv - offer) * pi1 * tpr
    intercept = -contact * pi1 * tpr - (offer + contact) * (1 - pi1) * fpr
    # Point k+1 beats point k when g exceeds the crossing of their profit lines. On the upper
    # hull the slopes dT/dF decrease, so the crossings increase: each point wins on one interval.
    d_slope = np.diff(slope)
    d_intercept = np.diff(intercept)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(d_slope > 0, -d_intercept / d_slope, np.inf)
    crossing = np.maximum.accumulate(np.clip(crossing, 0.0, 1.0))
    edges = np.r_[0.0, crossing, 1.0]
    mass = np.diff(special.betainc(a, b, edges))
    # E[g; g in interval] = mean * P_{Beta(a+1, b)}(interval)
    first_moment = a / (a + b) * np.diff(special.betainc(a + 1, b, edges))
    share = pi1 * tpr + (1 - pi1) * fpr
    return slope, intercept, mass, first_moment, share


def emp_score(
    y_true: Any,
    y_score: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    alpha: float = 6.0,
    beta: float = 14.0,
) -> float:
    """Expected Maximum Profit per customer for churn (EMPC; Verbraken, Verbeke, Baesens 2013).

    The acceptance rate ``g`` of the retention offer is uncertain, ``g ~ Beta(alpha, beta)``
    (the published defaults have mean 0.3). For each ``g`` the campaign contacts the most
    profitable share of customers, so EMP is the expected value of the *maximum* profit::

        EMP = integral_0^1  max_t P(t; g) h(g) dg
        P(t; g) = g (clv - offer) pi1 TPR(t) - contact pi1 TPR(t) - (offer + contact) pi0 FPR(t)

    with ``pi1`` the churn rate, ``pi0 = 1 - pi1``, ``TPR(t)`` / ``FPR(t)`` the shares of
    churners / non-churners with ``y_score >= t``, and ``h`` the Beta density. The maximum is
    reached on the ROC convex hull; each hull point wins on an interval of ``g``, and the
    integral over each interval has a closed form through the incomplete Beta function.

    Args:
        y_true: 1 for a churner, 0 otherwise; both classes must be present.
        y_score: churn probabilities in [0, 1] (only their order matters).
        clv_usd: value of a retained customer (USD, > 0).
        offer_cost_usd: cost of the retention offer (USD, >= 0).
        contact_cost_usd: cost of contacting one customer (USD, >= 0).
        alpha: first shape parameter of the Beta acceptance-rate distribution (> 0).
        beta: second shape parameter (> 0).

    Returns:
        EMP in USD per customer in the base (multiply by the number of customers for a total).

    Raises:
        ValueError: on labels other than 0/1 or a single class, scores outside [0, 1], a
            non-positive CLV, negative costs or non-positive ``alpha`` / ``beta``.

    Example:
        >>> round(emp_score([1, 0, 1, 0, 0], [0.9, 0.2, 0.7, 0.4, 0.1]), 2)
        22.4

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    slope, intercept, mass, first_moment, _ = _emp_pieces(
        y_true, y_score, clv_usd, offer_cost_usd, contact_cost_usd, alpha, beta
    )
    return float(np.sum(slope * first_moment + intercept * mass))


def emp_share_contacted(
    y_true: Any,
    y_score: Any,
    *,
    clv_usd: float = 200.0,
    offer_cost_usd: float = 10.0,
    contact_cost_usd: float = 1.0,
    alpha: float = 6.0,
    beta: float = 14.0,
) -> float:
    """Expected share of customers contacted by the EMP-optimal campaign (EMP's "fraction").

    Arguments, errors and model as :func:`emp_score`.

    Returns:
        The expected share of the customer base contacted, in [0, 1].

    Example:
        >>> round(emp_share_contacted([1, 0, 1, 0, 0], [0.9, 0.2, 0.7, 0.4, 0.1]), 2)
        0.4

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    _, _, mass, _, share = _emp_pieces(
        y_true, y_score, clv_usd, offer_cost_usd, contact_cost_usd, alpha, beta
    )
    return float(np.sum(share * mass))
