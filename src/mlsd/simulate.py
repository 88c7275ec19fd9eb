"""The simulated company: a fictional video-streaming subscription service.

Every notebook in the kit draws on the same business. Subscribers join, watch, get
recommendations (and sometimes play one: the *take-rate*), contact support, see price
changes, have card payments fail, and cancel. The product team runs A/B tests of its
recommender, and the recommender serves requests whose arrivals peak every evening.

Each generator here is a pure function of its sizes and ``seed``: the same arguments give
the same frame, bit for bit. What an analyst would observe is kept apart from the
**ground truth**, which lives in columns named ``true_*`` (customers) or in
``frame.attrs["truth"]`` (experiments and traces), so a notebook can put an estimate next
to the truth and assert that a method recovers it.

Generators:

- :func:`make_customers`: one row per subscriber at a snapshot date, with the churn label,
  days to churn (censored at 90 days), the true churn probability and the true effect of a
  retention offer.
- :func:`make_activity`: the monthly usage panel behind those snapshot features.
- :func:`make_events`: the session-level event log whose last 30 days reproduce the
  snapshot's 30-day columns.
- :func:`make_experiment`: a user-level A/B-test log of a new recommender, optionally with a
  sample-ratio mismatch.
- :func:`make_request_trace`: request arrival times with a daily peak and short bursts.

The churn model
---------------

A customer's 30-day churn probability is ``sigmoid(logit)`` where ``logit`` is a sum of
documented, deliberately non-linear terms (see :data:`CHURN_MODEL`):

- **tenure**: a U-shape. New subscribers are still deciding (``+1.4·exp(-tenure/4)``),
  long-time subscribers drift away after three years (up to +1.0 at five years).
- **discount × tenure**: a promotion about to end (discount in the first 3 months) adds
  risk; a discount later on removes some. The sign flips with tenure.
- **watch trend**: threshold effects. Watching 35 % less than the previous 30 days adds
  risk, watching 60 % less adds more; small wobbles add nothing.
- **watch hours**: under 3 hours a month is a strong warning sign.
- **take-rate**: a recommender that rarely finds something worth playing (take-rate under
  4 %) adds risk, one that often does (over 18 %) removes some.
- **binge-and-leave**: watching 60 % *more* than the previous 30 days also adds risk
  (subscribed for one show), so the watch-trend effect is U-shaped.
- **failed payments × payment method**: a failed gift-card or credit-card payment often ends
  the subscription (involuntary churn); a failed direct debit or app-store payment is
  retried and rarely does.
- **price-increase exposure × plan × discount**: a price increase hurts basic-plan
  subscribers most, premium ones hardly at all, and an active discount cushions it.
- **support tickets × device**: tickets add risk, more so on web and console apps.
- small device and region offsets, and an unobserved customer effect (normal, sd 0.3).

The intercept is chosen so that the average 30-day churn probability is about 6 %.
Days to churn are drawn from a constant daily hazard ``h = 1 - (1 - p)**(1/30)``, so
``churned_30d`` is exactly a Bernoulli draw with probability ``true_churn_prob_30d``.

The retention offer
-------------------

A retention offer (a discount for three months) works only on price-sensitive customers;
the truth columns hold each customer's churn probability with and without it. Segments:

- ``persuadable``: price-sensitive with a 30-day churn probability of at least 3 %; the
  offer cuts their churn probability by 45-85 %.
- ``sleeping_dog``: long-standing, quiet subscribers (12+ months, under 10 hours a month, no
  steep decline); contacting them reminds them that they pay, and raises their churn
  probability by 8-20 points. A few percent of customers.
- ``lost_cause``: not price-sensitive and churn probability of at least 12 %; the offer
  does nothing.
- ``sure_thing``: everyone else, low risk; the offer does (almost) nothing.

Because the customers at highest risk are mostly lost causes (failed payments, collapsing
usage), targeting an offer by true uplift is worth much more than targeting it by risk.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from mlsd.validation import check_1d, check_bool, check_int, check_number

__all__ = [
    "ACTIVITY_COLUMNS",
    "CHURN_MODEL",
    "CHURN_REASONS",
    "CUSTOMER_COLUMNS",
    "CUSTOMER_SCHEMA",
    "DEFAULT_TRUE_EFFECT",
    "EVENT_COLUMNS",
    "EVENT_SNAPSHOT_COLUMNS",
    "EVENT_TYPES",
    "EVENT_UTC_OFFSET_HOURS",
    "EXPERIMENT_COLUMNS",
    "EXPERIMENT_MODEL",
    "LATENCY_FLOOR_MS",
    "SNAPSHOT_DATE",
    "STRING_DTYPE",
    "TRACE_COLUMNS",
    "make_activity",
    "make_cancellation_notes",
    "make_customers",
    "make_events",
    "make_experiment",
    "make_request_trace",
    "trace_rate_per_s",
]


def _string_dtype() -> pd.StringDtype:
    # pandas >= 2.3 (and 3.x's default "str") keep NaN as the missing value; 2.2 has pd.NA.
    try:
        return pd.StringDtype(na_value=np.nan)
    except TypeError:
        return pd.StringDtype()


#: The dtype of every text column: pandas' string dtype, whose missing values stay missing
#: (``astype("str")`` on pandas 2.x turns None into the text "None").
STRING_DTYPE = _string_dtype()

#: The date at which the customers snapshot is taken (features look back, labels forward).
SNAPSHOT_DATE = "2024-06-30"

#: Observation window after the snapshot; customers still subscribed at its end are censored.
HORIZON_DAYS = 90

#: Cap on watch hours in any 30-day period.
MAX_WATCH_HOURS_30D = 200.0

PLANS = ("basic", "standard", "premium")
PLAN_SHARE = (0.35, 0.45, 0.20)
PLAN_FEE_USD = {"basic": 7.99, "standard": 13.99, "premium": 19.99}
#: Monthly price increase for customers exposed to the spring price change.
PRICE_INCREASE_USD = {"basic": 2.00, "standard": 2.00, "premium": 3.00}
DISCOUNT_SHARE_OFF = 0.30

REGIONS = ("north_america", "europe", "latin_america", "asia_pacific")
REGION_SHARE = (0.40, 0.30, 0.15, 0.15)
DEVICES = ("tv", "mobile", "web", "console")
DEVICE_SHARE = (0.40, 0.30, 0.20, 0.10)
PAYMENT_METHODS = ("credit_card", "paypal", "direct_debit", "app_store", "gift_card")
PAYMENT_SHARE = (0.50, 0.20, 0.12, 0.12, 0.06)
#: Expected failed payments per customer in 90 days, by payment method.
FAILED_PAYMENT_RATE_90D = {
    "credit_card": 0.16,
    "paypal": 0.07,
    "direct_debit": 0.10,
    "app_store": 0.05,
    "gift_card": 0.45,
}

#: Coefficients of the churn model (logit scale), documented in the module docstring.
CHURN_MODEL: dict[str, Any] = {
    "intercept": -4.8,
    "early_tenure": 1.4,  # × exp(-tenure_months / 4)
    "early_tenure_scale_months": 4.0,
    "late_tenure": 1.0,  # × clip((tenure_months - 36) / 24, 0, 1)
    "promo_ending": 1.2,  # discount_active × (tenure_months < 3): the promotion runs out
    "discount_otherwise": -0.4,  # discount_active for everyone else
    "watch_hours_under_3": 1.0,
    "watch_trend_under_minus_35pct": 1.3,
    "watch_trend_under_minus_60pct": 0.9,
    "watch_trend_over_plus_60pct": 1.1,  # binge-and-leave: subscribed for one show
    "take_rate_under_4pct": 0.8,
    "take_rate_over_18pct": -0.5,
    "failed_payment_by_method": {
        "credit_card": 1.6,
        "paypal": 0.9,
        "direct_debit": 0.2,
        "app_store": 0.1,
        "gift_card": 2.6,
    },
    "second_failed_payment": 0.5,
    "price_increase_by_plan": {"basic": 1.5, "standard": 0.7, "premium": 0.0},
    "price_increase_discount_cushion": 0.7,  # share of the price effect a discount removes
    "support_ticket": 0.35,  # per ticket, up to 3
    "support_ticket_app_multiplier": {"tv": 1.0, "mobile": 1.0, "web": 1.6, "console": 1.6},
    "device": {"tv": -0.2, "mobile": 0.2, "web": 0.1, "console": -0.1},
    "region": {"north_america": 0.0, "europe": -0.1, "latin_america": 0.2, "asia_pacific": 0.1},
    "unobserved_sd": 0.3,
}

#: The customers table, in column order: each column and its kind ("str", "date", "int" or
#: "float"). The one list of customer columns: the generator, the loader and the manifest use it.
CUSTOMER_SCHEMA: dict[str, str] = {
    "customer_id": "str",
    "signup_date": "date",
    "tenure_months": "int",
    "plan": "str",
    "monthly_fee_usd": "float",
    "region": "str",
    "device": "str",
    "payment_method": "str",
    "watch_hours_30d": "float",
    "watch_trend": "float",
    "sessions_30d": "int",
    "recs_shown_30d": "int",
    "quality_plays_30d": "int",
    "take_rate_30d": "float",
    "support_tickets_90d": "int",
    "failed_payments_90d": "int",
    "price_increase_exposed": "int",
    "discount_active": "int",
    "churned_30d": "int",
    "days_to_churn": "int",
    "censored": "int",
    "churn_reason": "str",
    "true_churn_prob_30d": "float",
    "true_churn_prob_30d_if_offer": "float",
    "true_offer_effect": "float",
    "true_segment": "str",
}
CUSTOMER_COLUMNS = list(CUSTOMER_SCHEMA)

ACTIVITY_COLUMNS = [
    "customer_id",
    "months_before_snapshot",
    "period_start",
    "period_end",
    "after_snapshot",
    "active_days",
    "watch_hours",
    "sessions",
    "recs_shown",
    "quality_plays",
    "support_tickets",
    "failed_payments",
]

EXPERIMENT_COLUMNS = [
    "user_id",
    "variant",
    "assignment_day",
    "recs_shown",
    "quality_plays",
    "retained_30d",
    "revenue_usd",
    "pre_watch_hours",
    "rec_latency_ms",
]

TRACE_COLUMNS = ["request_id", "arrival_s"]


# --------------------------------------------------------------------------- helpers

# Argument checks are mlsd.validation's; these short names keep call sites readable.


def _std_normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _check_customers(customers: object, needed: Any) -> None:
    """Refuse anything but a frame from :func:`make_customers` with the ``needed`` columns."""
    if not isinstance(customers, pd.DataFrame):
        raise ValueError(
            f"`customers` must be a DataFrame from make_customers, got {type(customers).__name__}"
        )
    missing = sorted(set(needed) - set(customers.columns))
    if missing:
        raise ValueError(
            f"`customers` lacks the columns {missing}; pass a frame from make_customers"
        )


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _lookup(values: np.ndarray, table: Mapping[str, float]) -> np.ndarray:
    out = np.zeros(len(values))
    for key, coef in table.items():
        out[values == key] = coef
    return out


# --------------------------------------------------------------------------- customers


def make_customers(
    n_customers: int = 20_000,
    *,
    seed: int,
    snapshot_date: str = SNAPSHOT_DATE,
    churn_shift: float = 0.0,
) -> pd.DataFrame:
    """Simulate one row per subscriber at a snapshot date, with churn labels and truth.

    Features describe the 30 or 90 days before ``snapshot_date``; labels describe the 90
    days after it. See the module docstring for the churn model and the offer segments,
    and ``datasets/customers.md`` for every column with its type and unit.

    Args:
        n_customers: number of subscribers (rows), at least 1.
        seed: seed for ``numpy.random.default_rng``; the same seed gives the same frame.
        snapshot_date: ISO date of the snapshot (features before it, labels after it).
        churn_shift: added to every customer's churn logit; 0 keeps the documented model
            (about 6 % churn in 30 days), +1 roughly doubles churn, for what-if runs.

    Returns:
        A DataFrame with the columns in :data:`CUSTOMER_COLUMNS`: ``customer_id`` (str),
        ``signup_date`` (datetime64), ints, floats and str categoricals; ``churn_reason``
        is missing for customers who did not churn within 90 days.

    Raises:
        ValueError: naming the argument, when ``n_customers``, ``seed``, ``snapshot_date``
            or ``churn_shift`` is invalid.

    Example:
        >>> customers = make_customers(1_000, seed=42)
        >>> customers.shape
        (1000, 26)
        >>> bool(0.02 < customers["churned_30d"].mean() < 0.10)
        True

    Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb
    """
    n = check_int("n_customers", n_customers, "[1, 1e7]")
    seed = check_int("seed", seed, "[0, inf)")
    shift = check_number("churn_shift", churn_shift, "[-5, 5]")
    try:
        snapshot = pd.Timestamp(snapshot_date)
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"`snapshot_date` must be an ISO date like '2024-06-30', got {snapshot_date!r}"
        ) from err
    if pd.isna(snapshot):
        raise ValueError(
            f"`snapshot_date` must be an ISO date like '2024-06-30', got {snapshot_date!r}"
        )
    rng = np.random.default_rng(seed)
    m = CHURN_MODEL

    # Who they are.
    tenure_days = 1 + np.minimum(np.floor(rng.exponential(540.0, n)), 3_000).astype(np.int64)
    tenure_months = (tenure_days // 30).astype(np.int64)
    signup_date = snapshot.normalize() - pd.to_timedelta(tenure_days, unit="D")
    plan = rng.choice(np.array(PLANS, dtype=object), size=n, p=PLAN_SHARE)
    region = rng.choice(np.array(REGIONS, dtype=object), size=n, p=REGION_SHARE)
    device = rng.choice(np.array(DEVICES, dtype=object), size=n, p=DEVICE_SHARE)
    payment = rng.choice(np.array(PAYMENT_METHODS, dtype=object), size=n, p=PAYMENT_SHARE)
    # Promotions target new subscribers; the spring price change reached older ones.
    discount = (rng.random(n) < np.where(tenure_months < 3, 0.30, 0.07)).astype(np.int64)
    exposed = (rng.random(n) < np.where(tenure_months >= 3, 0.32, 0.05)).astype(np.int64)
    fee = _lookup(plan, PLAN_FEE_USD) + exposed * _lookup(plan, PRICE_INCREASE_USD)
    fee = np.round(fee * np.where(discount == 1, 1.0 - DISCOUNT_SHARE_OFF, 1.0), 2)

    # How they use the service. `engagement` is a latent taste for the catalogue.
    engagement = rng.normal(0.0, 1.0, n)
    device_hours = _lookup(device, {"tv": 0.25, "mobile": -0.2, "web": -0.1, "console": 0.1})
    watch_hours = np.exp(np.log(18.0) + 0.8 * engagement + device_hours)
    # Most viewers wobble; 16 % are drifting away, 6 % are binge-watching one new show.
    mood = rng.random(n)
    log_trend = rng.normal(-0.02, 0.22, n) + np.select(
        [mood < 0.16, mood > 0.94], [rng.normal(-0.75, 0.35, n), rng.normal(0.75, 0.25, n)], 0.0
    )
    watch_trend = np.round(np.clip(np.exp(log_trend) - 1.0, -0.95, 3.0), 3)
    watch_hours = watch_hours * (1.0 + watch_trend) / np.exp(log_trend)
    # Nobody watches more than 200 hours in 30 days (about 6.7 hours a day), in this period
    # or the previous one; scaling both keeps the trend.
    previous = watch_hours / (1.0 + watch_trend)
    watch_hours = np.round(
        watch_hours * np.minimum(1.0, MAX_WATCH_HOURS_30D / np.maximum(watch_hours, previous)), 1
    )
    sessions = rng.poisson(1.0 + 0.9 * watch_hours)
    recs_shown = rng.poisson(4.0 + 5.0 * sessions)
    take_p = rng.beta(2.0, 14.0, n) * np.exp(0.15 * engagement)
    take_p = np.clip(take_p, 0.0, 0.95)
    quality_plays = rng.binomial(recs_shown, take_p)
    take_rate = np.round(
        np.divide(quality_plays, recs_shown, out=np.zeros(n), where=recs_shown > 0), 4
    )
    ticket_rate = 0.25 + 0.25 * np.isin(device, ["web", "console"])
    # Tickets and failed payments can only happen while subscribed.
    exposure_90d = np.minimum(tenure_days, 90) / 90.0
    tickets = rng.poisson(ticket_rate * exposure_90d)
    failed = rng.poisson(_lookup(payment, FAILED_PAYMENT_RATE_90D) * exposure_90d)

    # Churn logit: one documented term per line; `terms` also drives the churn reason.
    early = m["early_tenure"] * np.exp(-tenure_months / m["early_tenure_scale_months"])
    late = m["late_tenure"] * np.clip((tenure_months - 36) / 24, 0.0, 1.0)
    promo = np.where(tenure_months < 3, m["promo_ending"], m["discount_otherwise"]) * discount
    content = (
        m["watch_hours_under_3"] * (watch_hours < 3)
        + m["watch_trend_under_minus_35pct"] * (watch_trend < -0.35)
        + m["watch_trend_under_minus_60pct"] * (watch_trend < -0.60)
        + m["watch_trend_over_plus_60pct"] * (watch_trend > 0.60)
        + m["take_rate_under_4pct"] * (take_rate < 0.04)
        + m["take_rate_over_18pct"] * (take_rate > 0.18)
    )
    payment_term = (failed > 0) * _lookup(payment, m["failed_payment_by_method"]) + m[
        "second_failed_payment"
    ] * (failed > 1)
    price_term = (
        exposed
        * _lookup(plan, m["price_increase_by_plan"])
        * (1.0 - m["price_increase_discount_cushion"] * discount)
    )
    technical = (
        m["support_ticket"]
        * np.minimum(tickets, 3)
        * _lookup(device, m["support_ticket_app_multiplier"])
    )
    offsets = _lookup(device, m["device"]) + _lookup(region, m["region"])
    unobserved = rng.normal(0.0, m["unobserved_sd"], n)
    logit = (
        m["intercept"]
        + shift
        + early
        + late
        + promo
        + content
        + payment_term
        + price_term
        + technical
        + offsets
        + unobserved
    )
    p30 = _sigmoid(logit)

    # Time to churn from a constant daily hazard consistent with p30.
    daily_hazard = -np.expm1(np.log1p(-p30) / 30.0)
    day = rng.geometric(daily_hazard)
    churned_30d = (day <= 30).astype(np.int64)
    censored = (day > HORIZON_DAYS).astype(np.int64)
    days_to_churn = np.minimum(day, HORIZON_DAYS).astype(np.int64)

    # Reason: drawn in proportion to each driver's share of the excess risk.
    weights = np.column_stack(
        [
            np.maximum(price_term, 0.0) + 0.3 * (late > 0) + 0.25,
            np.maximum(content, 0.0) + early + 0.35,
            technical + 0.15,
            np.maximum(payment_term, 0.0) * 1.5 + 0.02,
        ]
    )
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    reason_idx = (rng.random(n)[:, None] > cum).sum(axis=1)
    reasons = np.array(["price", "content", "technical", "payment_failure"], dtype=object)
    churn_reason = np.where(censored == 1, None, reasons[np.minimum(reason_idx, 3)])

    # Retention offer: works on price-sensitive customers; backfires on sleeping dogs.
    price_sensitivity = _sigmoid(
        -1.6
        + 1.8 * exposed
        + 0.9 * (plan == "basic")
        + 0.5 * (fee > 15)
        - 0.8 * discount
        + rng.normal(0.0, 0.8, n)
    )
    price_sensitive = rng.random(n) < price_sensitivity
    sleeping_dog = (
        (tenure_months >= 12) & (watch_hours < 10) & (watch_trend > -0.35) & (rng.random(n) < 0.55)
    )
    offer_cut = rng.uniform(0.45, 0.85, n)
    backfire = rng.uniform(0.08, 0.20, n)
    p30_offer = np.where(price_sensitive, p30 * (1.0 - offer_cut), p30)
    p30_offer = np.where(sleeping_dog, np.minimum(p30 + backfire, 1.0), p30_offer)
    segment = np.where(
        sleeping_dog,
        "sleeping_dog",
        np.where(
            price_sensitive & (p30 >= 0.03),
            "persuadable",
            np.where(p30 >= 0.12, "lost_cause", "sure_thing"),
        ),
    ).astype(object)

    p30_r = np.round(p30, 6)
    p30_offer_r = np.round(p30_offer, 6)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(1, n + 1)],
            "signup_date": signup_date,
            "tenure_months": tenure_months,
            "plan": plan,
            "monthly_fee_usd": fee,
            "region": region,
            "device": device,
            "payment_method": payment,
            "watch_hours_30d": watch_hours,
            "watch_trend": watch_trend,
            "sessions_30d": sessions.astype(np.int64),
            "recs_shown_30d": recs_shown.astype(np.int64),
            "quality_plays_30d": quality_plays.astype(np.int64),
            "take_rate_30d": take_rate,
            "support_tickets_90d": tickets.astype(np.int64),
            "failed_payments_90d": failed.astype(np.int64),
            "price_increase_exposed": exposed,
            "discount_active": discount,
            "churned_30d": churned_30d,
            "days_to_churn": days_to_churn,
            "censored": censored,
            "churn_reason": churn_reason,
            "true_churn_prob_30d": p30_r,
            "true_churn_prob_30d_if_offer": p30_offer_r,
            "true_offer_effect": np.round(p30_offer_r - p30_r, 6),
            "true_segment": segment,
        }
    )
    for col in (c for c, kind in CUSTOMER_SCHEMA.items() if kind == "str"):
        frame[col] = frame[col].astype(STRING_DTYPE)
    frame["signup_date"] = frame["signup_date"].astype("datetime64[ns]")
    return frame[CUSTOMER_COLUMNS]


# --------------------------------------------------------------------------- cancellation notes
# make_cancellation_notes: exit notes of cancelling customers and their annotators' labels.

#: The churn reasons of :func:`make_customers`, in the order of every confusion matrix.
CHURN_REASONS = ("price", "content", "technical", "payment_failure")

#: Sentences a cancelling customer writes, by reason: each clearly names its reason. Slots:
#: ``{fee}`` (monthly fee in USD), ``{device}``, ``{payment}`` (payment method, in words).
NOTE_SENTENCES: dict[str, tuple[str, ...]] = {
    "price": (
        "Paying USD {fee} a month is too expensive for us.",
        "The price went up again and I can't justify it.",
        "Too expensive now, cheaper options exist.",
        "Cutting costs, the subscription price is too high.",
        "Not worth the money anymore.",
    ),
    "content": (
        "Nothing left to watch.",
        "Finished the show I subscribed for.",
        "The catalogue has nothing new for me.",
        "Recommendations never find anything I want to watch.",
        "The series I liked was removed.",
    ),
    "technical": (
        "The app on my {device} keeps crashing.",
        "Constant buffering on my {device}.",
        "Could not log in for a week, support did not help.",
        "Playback errors every evening.",
        "The {device} app freezes during every episode.",
    ),
    "payment_failure": (
        "My {payment} payment was declined.",
        "Card expired and the billing did not go through.",
        "Billing problem, the payment failed twice.",
        "Payment did not go through and the account was paused.",
        "Changed banks and the {payment} payment bounced.",
    ),
}

#: Openings that mention another reason only to set it aside ("The price is fine, but ..."):
#: a keyword rule that fires on them is wrong.
DISTRACTOR_OPENINGS: dict[str, tuple[str, ...]] = {
    "price": ("The price is fine, but", "Happy with the price, but"),
    "content": ("I liked the shows, but", "Good catalogue, but"),
    "technical": ("The app works fine, but", "Streaming quality is good, but"),
    "payment_failure": ("Billing was never a problem, but", "My card works fine, but"),
}

#: Sentences that name no reason: a note made only of these is ambiguous.
VAGUE_SENTENCES: tuple[str, ...] = (
    "Cancelling for now.",
    "Might come back later.",
    "Just don't use it enough.",
    "Not for me anymore.",
    "Taking a break.",
    "Thanks for everything.",
)

_PAYMENT_WORDS = {
    "credit_card": "credit card",
    "paypal": "PayPal",
    "direct_debit": "direct debit",
    "app_store": "app store",
    "gift_card": "gift card",
}

#: The annotator profiles, cycled when there are more than three annotators: the accuracy on
#: each reason (the diagonal of the confusion matrix) and where the errors go.
ANNOTATOR_PROFILES: dict[str, dict[str, Any]] = {
    # reads every note: right 92 % of the time, errors spread evenly
    "careful": {"accuracy": 0.92, "pull": None, "pull_share": 0.0},
    # skims: right 62 % of the time, errors spread evenly
    "hurried": {"accuracy": 0.62, "pull": None, "pull_share": 0.0},
    # sees price everywhere: 95 % right on price notes, and a third of the others called price
    "biased": {"accuracy": 0.95, "pull": "price", "pull_share": 0.33},
}


def _confusion_matrix(profile: Mapping[str, Any]) -> np.ndarray:
    """Rows: true reason; columns: the annotator's label (rows sum to 1)."""
    k = len(CHURN_REASONS)
    acc = profile["accuracy"]
    if profile["pull"] is None:
        matrix = np.full((k, k), (1.0 - acc) / (k - 1))
        np.fill_diagonal(matrix, acc)
        return matrix
    pulled = CHURN_REASONS.index(profile["pull"])
    share = profile["pull_share"]
    matrix = np.empty((k, k))
    for i in range(k):
        if i == pulled:
            matrix[i] = (1.0 - acc) / (k - 1)
            matrix[i, i] = acc
        else:
            right = 1.0 - share - 0.06  # the rest of the errors, spread over the other two
            matrix[i] = 0.03
            matrix[i, i] = right
            matrix[i, pulled] = share
    return matrix


def make_cancellation_notes(
    customers: pd.DataFrame,
    *,
    seed: int,
    n_annotators: int = 3,
    clear_share: float = 0.8,
    distractor_share: float = 0.2,
) -> pd.DataFrame:
    """Simulate the exit notes of customers who cancel, with labels from several annotators.

    One row per customer of ``customers`` who cancels within the 90-day window (those with
    a ``churn_reason``), in the customers' order. A note is one to three short sentences:

    - with probability ``clear_share`` one sentence from :data:`NOTE_SENTENCES` for the true
      reason (it names the reason; price notes quote the customer's fee, technical notes
      the device, payment notes the payment method), otherwise one vague sentence from
      :data:`VAGUE_SENTENCES` that names no reason;
    - with probability ``distractor_share`` an opening from :data:`DISTRACTOR_OPENINGS` that
      mentions another reason only to set it aside ("The price is fine, but nothing left to
      watch.");
    - with probability 0.3 a closing vague sentence.

    Each annotator labels every note with one of :data:`CHURN_REASONS`, drawn from their
    confusion matrix given the **true** reason (rows: true reason, columns: label). Their
    errors therefore depend only on the true reason, not on the wording: exactly the
    assumption of the Dawid-Skene model. Annotators follow :data:`ANNOTATOR_PROFILES` in
    turn: ``careful`` (right 92 % of the time), ``hurried`` (62 %) and ``biased`` (calls a
    third of the non-price notes "price"); a fourth is ``careful_2``, and so on.

    Args:
        customers: a frame from :func:`make_customers` (or a subset of its rows).
        seed: seed for ``numpy.random.default_rng``.
        n_annotators: annotators who label every note, in [1, 9].
        clear_share: share of notes whose main sentence names the reason, in [0, 1].
        distractor_share: share of notes that also mention another reason, in [0, 1].

    Returns:
        A DataFrame with ``customer_id``, ``days_to_churn`` (the day of the cancellation,
        1-90), ``note`` (str) and one ``label_<annotator>`` column (str) per annotator.
        ``frame.attrs["truth"]`` holds ``reasons`` (the class order), ``true_reason`` (one
        per row), ``note_is_clear`` (one bool per row), ``annotators`` (names),
        ``confusion`` (name -> matrix as nested lists, rows summing to 1), ``accuracy``
        (name -> expected accuracy on these notes: the diagonal weighted by the true
        reasons' shares) and the arguments.

    Raises:
        ValueError: naming the argument, when ``customers`` lacks a needed column or an
            option is out of range.

    Example:
        >>> notes = make_cancellation_notes(make_customers(2_000, seed=1), seed=1)
        >>> list(notes.columns)
        ['customer_id', 'days_to_churn', 'note', 'label_careful', 'label_hurried', 'label_biased']
        >>> notes.attrs["truth"]["confusion"]["careful"][0][0]
        0.92

    Taught in: notebooks/ch04-training-data/02-labels.ipynb
    """
    needed = {
        "customer_id",
        "churn_reason",
        "days_to_churn",
        "monthly_fee_usd",
        "device",
        "payment_method",
    }
    _check_customers(customers, needed)
    seed = check_int("seed", seed, "[0, inf)")
    n_annotators = check_int("n_annotators", n_annotators, "[1, 9]")
    clear_share = check_number("clear_share", clear_share, "[0, 1]")
    distractor_share = check_number("distractor_share", distractor_share, "[0, 1]")
    reasons_seen = set(customers["churn_reason"].dropna().unique())
    unknown = sorted(reasons_seen - set(CHURN_REASONS))
    if unknown:
        raise ValueError(f"`customers` has churn reasons {unknown}; allowed: {list(CHURN_REASONS)}")
    rng = np.random.default_rng(seed)

    leaving = customers.loc[customers["churn_reason"].notna()]
    n = len(leaving)
    k = len(CHURN_REASONS)
    true_idx = np.array([CHURN_REASONS.index(r) for r in leaving["churn_reason"]], dtype=np.int64)
    fee = leaving["monthly_fee_usd"].to_numpy(dtype=float)
    device = leaving["device"].to_numpy(dtype=object)
    payment = leaving["payment_method"].to_numpy(dtype=object)

    clear = rng.random(n) < clear_share
    distract = rng.random(n) < distractor_share
    closing = rng.random(n) < 0.3
    other = (true_idx + rng.integers(1, k, n)) % k  # any reason but the true one
    main_pick = rng.integers(0, 5, n)
    other_pick = rng.integers(0, 2, n)
    vague_pick = rng.integers(0, len(VAGUE_SENTENCES), n)
    closing_pick = rng.integers(0, len(VAGUE_SENTENCES), n)

    notes = []
    for i in range(n):
        slots = {
            "fee": f"{fee[i]:.2f}",
            "device": str(device[i]),
            "payment": _PAYMENT_WORDS.get(str(payment[i]), str(payment[i])),
        }
        if clear[i]:
            main = NOTE_SENTENCES[CHURN_REASONS[true_idx[i]]][main_pick[i]].format(**slots)
        else:
            main = VAGUE_SENTENCES[vague_pick[i]]
        if distract[i]:
            opening = DISTRACTOR_OPENINGS[CHURN_REASONS[other[i]]][other_pick[i]]
            main = f"{opening} {main[0].lower()}{main[1:]}"
        parts = [main]
        if closing[i] and VAGUE_SENTENCES[closing_pick[i]] != main:
            parts.append(VAGUE_SENTENCES[closing_pick[i]])
        notes.append(" ".join(parts))

    names, matrices = [], {}
    profiles = list(ANNOTATOR_PROFILES)
    for j in range(n_annotators):
        profile = profiles[j % len(profiles)]
        name = profile if j < len(profiles) else f"{profile}_{j // len(profiles) + 1}"
        names.append(name)
        matrices[name] = _confusion_matrix(ANNOTATOR_PROFILES[profile])

    frame = pd.DataFrame(
        {
            "customer_id": leaving["customer_id"].to_numpy(),
            "days_to_churn": leaving["days_to_churn"].to_numpy().astype(np.int64),
            "note": notes,
        }
    )
    reasons = np.array(CHURN_REASONS, dtype=object)
    for name in names:
        cum = np.cumsum(matrices[name][true_idx], axis=1)
        label_idx = (rng.random(n)[:, None] > cum).sum(axis=1)
        frame[f"label_{name}"] = reasons[np.minimum(label_idx, k - 1)]
    for col in frame.columns.drop("days_to_churn"):
        frame[col] = frame[col].astype(STRING_DTYPE)

    shares = np.bincount(true_idx, minlength=k) / max(n, 1)
    frame.attrs["truth"] = {
        "reasons": list(CHURN_REASONS),
        "true_reason": [CHURN_REASONS[i] for i in true_idx],
        "note_is_clear": [bool(c) for c in clear],
        "annotators": names,
        "confusion": {name: np.round(m, 10).tolist() for name, m in matrices.items()},
        "accuracy": {
            name: round(float(np.dot(shares, np.diag(m))), 10) for name, m in matrices.items()
        },
        "seed": seed,
        "n_annotators": n_annotators,
        "clear_share": clear_share,
        "distractor_share": distractor_share,
    }
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------- activity


def make_activity(
    customers: pd.DataFrame,
    n_months: int = 12,
    *,
    seed: int,
    n_months_after: int = 1,
    snapshot_date: str = SNAPSHOT_DATE,
) -> pd.DataFrame:
    """Simulate the monthly usage panel behind the customers' snapshot features.

    One row per customer and 30-day period in which the customer was subscribed.
    ``months_before_snapshot`` counts periods back from the snapshot: 0 is the 30 days
    ending at ``snapshot_date`` (its ``watch_hours``, ``sessions``, ``recs_shown`` and
    ``quality_plays`` equal the snapshot's ``*_30d`` columns), 1 the 30 days before that
    (its ``watch_hours`` is ``watch_hours_30d / (1 + watch_trend)``, up to rounding), and
    the periods 0-2 add up to the snapshot's ``support_tickets_90d`` and
    ``failed_payments_90d``. Negative values (``after_snapshot == 1``) are periods *after*
    the snapshot: there, customers about to cancel watch less and stop before their
    cancellation day, so a feature built from them leaks the label. They exist for the
    leakage lesson; a model predicting churn at the snapshot must not use them.

    Args:
        customers: a frame from :func:`make_customers` (or a subset of its rows).
        n_months: 30-day periods up to and including the snapshot, in [3, 60] (the
            three most recent hold the snapshot's 90-day counts).
        seed: seed for ``numpy.random.default_rng``.
        n_months_after: 30-day periods after the snapshot, in [0, 3].
        snapshot_date: the snapshot date ``customers`` was generated with.

    Returns:
        A DataFrame with the columns in :data:`ACTIVITY_COLUMNS`, ordered by customer and
        then by time.

    Raises:
        ValueError: naming the argument, when ``customers`` lacks a needed column or an
            option is out of range.

    Example:
        >>> customers = make_customers(200, seed=1)
        >>> panel = make_activity(customers, 6, seed=1)
        >>> int(panel["months_before_snapshot"].max())
        5
    """
    needed = {
        "customer_id",
        "signup_date",
        "watch_hours_30d",
        "watch_trend",
        "sessions_30d",
        "recs_shown_30d",
        "quality_plays_30d",
        "take_rate_30d",
        "support_tickets_90d",
        "failed_payments_90d",
        "payment_method",
        "device",
        "days_to_churn",
        "censored",
    }
    _check_customers(customers, needed)
    n_before = check_int("n_months", n_months, "[3, 60]")
    n_after = check_int("n_months_after", n_months_after, "[0, 3]")
    seed = check_int("seed", seed, "[0, inf)")
    snapshot = pd.Timestamp(snapshot_date).normalize()
    rng = np.random.default_rng(seed)

    n = len(customers)
    ks = np.arange(n_before - 1, -n_after - 1, -1)  # chronological: oldest period first
    n_k = len(ks)
    period_end = snapshot - pd.to_timedelta(30 * ks, unit="D")
    period_start = period_end - pd.Timedelta(days=30)
    signup = customers["signup_date"].to_numpy(dtype="datetime64[ns]")
    end_days = (
        period_end.to_numpy(dtype="datetime64[ns]")[None, :] - signup[:, None]
    ) / np.timedelta64(1, "D")
    active_days = np.clip(end_days, 0, 30)
    days_to_churn = customers["days_to_churn"].to_numpy()
    churns = customers["censored"].to_numpy() == 0
    # After the snapshot: active until the cancellation day (period -1 covers days 1-30).
    for j, k in enumerate(ks):
        if k < 0:
            days_into = days_to_churn - 30 * (-k - 1)
            active_days[:, j] = np.where(churns, np.clip(days_into - 1, 0, 30), 30)
    exists = active_days > 0
    if n_after:
        exists[:, ks < 0] = np.where(churns[:, None], active_days[:, ks < 0] > 0, True)
    frac = active_days / 30.0

    w0 = customers["watch_hours_30d"].to_numpy(dtype=float)
    trend = customers["watch_trend"].to_numpy(dtype=float)
    w1 = w0 / (1.0 + trend)
    # Going back in time from period 1, log watch hours follow a random walk.
    steps = rng.normal(0.0, 0.18, (n, n_k))
    watch = np.empty((n, n_k))
    for j, k in enumerate(ks):
        if k == 0:
            watch[:, j] = w0
        elif k == 1:
            watch[:, j] = w1
    back = [j for j, k in enumerate(ks) if k >= 2][::-1]  # from period 2 backwards
    level = np.log(np.maximum(w1, 0.05))
    for j in back:
        level = level + steps[:, j]
        watch[:, j] = np.exp(level)
    # Customers about to cancel stop watching: the leak.
    for j, k in enumerate(ks):
        if k < 0:
            slump = np.where(churns & (days_to_churn <= 30 * (-k)), 0.35, 1.0)
            watch[:, j] = w0 * np.exp(steps[:, j]) * slump
    hist = ks != 0
    watch[:, hist] = watch[:, hist] * frac[:, hist]
    watch = np.round(np.minimum(watch, MAX_WATCH_HOURS_30D), 1)

    take = customers["take_rate_30d"].to_numpy(dtype=float)
    take_p = np.clip(
        (take * customers["recs_shown_30d"].to_numpy() + 1.0)
        / (customers["recs_shown_30d"].to_numpy() + 8.0),
        0.0,
        0.95,
    )
    sessions = rng.poisson(frac * 1.0 + 0.9 * watch)
    recs = rng.poisson(frac * 4.0 + 5.0 * sessions)
    plays = rng.binomial(recs, np.broadcast_to(take_p[:, None], recs.shape))
    j0 = int(np.flatnonzero(ks == 0)[0])
    sessions[:, j0] = customers["sessions_30d"].to_numpy()
    recs[:, j0] = customers["recs_shown_30d"].to_numpy()
    plays[:, j0] = customers["quality_plays_30d"].to_numpy()

    ticket_rate = np.where(customers["device"].isin(["web", "console"]).to_numpy(), 0.5, 0.25) / 3
    fail_rate = (
        _lookup(customers["payment_method"].to_numpy(dtype=object), FAILED_PAYMENT_RATE_90D) / 3
    )
    tickets = rng.poisson(ticket_rate[:, None] * frac)
    failed = rng.poisson(fail_rate[:, None] * frac)
    recent = [j for j, k in enumerate(ks) if 0 <= k <= 2]
    # The snapshot's 90-day counts are split over the three most recent periods.
    for counts, col in ((tickets, "support_tickets_90d"), (failed, "failed_payments_90d")):
        weight = frac[:, recent] + 1e-12
        split = rng.multinomial(
            customers[col].to_numpy(), weight / weight.sum(axis=1, keepdims=True)
        )
        counts[:, recent] = split

    rows, cols = np.nonzero(exists)
    frame = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy()[rows],
            "months_before_snapshot": ks[cols].astype(np.int64),
            "period_start": period_start.to_numpy()[cols],
            "period_end": period_end.to_numpy()[cols],
            "after_snapshot": (ks[cols] < 0).astype(np.int64),
            "active_days": np.round(active_days[rows, cols]).astype(np.int64),
            "watch_hours": watch[rows, cols],
            "sessions": sessions[rows, cols].astype(np.int64),
            "recs_shown": recs[rows, cols].astype(np.int64),
            "quality_plays": plays[rows, cols].astype(np.int64),
            "support_tickets": tickets[rows, cols].astype(np.int64),
            "failed_payments": failed[rows, cols].astype(np.int64),
        }
    )
    frame["customer_id"] = frame["customer_id"].astype(STRING_DTYPE)
    for col in ("period_start", "period_end"):
        frame[col] = frame[col].astype("datetime64[ns]")
    return frame[ACTIVITY_COLUMNS]


# --------------------------------------------------------------------------- events
# make_events: the session-level event log behind the snapshot's 30-day columns.

#: The event log's columns, in order.
EVENT_COLUMNS = ["customer_id", "ts", "event", "session_id", "watch_hours", "play_delay_s"]

#: Event types, in the order of the ``event`` column's categories (and of ties in time).
EVENT_TYPES = ("session", "impression", "click", "play", "cancel_page")

#: Each region's UTC offset in hours (summer time, fixed for the simulated weeks): the
#: evening peak of viewing is in local time.
EVENT_UTC_OFFSET_HOURS: dict[str, float] = {
    "north_america": -5.0,
    "europe": 2.0,
    "latin_america": -3.0,
    "asia_pacific": 8.0,
}

#: How each snapshot column is computed from the events in (as_of - 30 days, as_of].
EVENT_SNAPSHOT_COLUMNS: dict[str, str] = {
    "sessions_30d": "number of events 'session'",
    "recs_shown_30d": "number of events 'impression'",
    "quality_plays_30d": "number of events 'click' (each click starts a play)",
    "watch_hours_30d": "sum of watch_hours, rounded to 0.1",
    "take_rate_30d": "quality_plays_30d / recs_shown_30d rounded to 4 places (0 if no impression)",
}

_EVENT_BLOCK_DAYS = 30
_EVENT_MAX_ROWS = 40_000_000


def _local_second_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    # Viewing peaks in the local evening; a quarter of visits spread over the waking day.
    evening = np.mod(rng.normal(20.5, 1.8, n), 24.0)
    daytime = rng.uniform(7.0, 24.0, n)
    return np.floor(np.where(rng.random(n) < 0.75, evening, daytime) * 3_600.0)


def make_events(
    customers: pd.DataFrame,
    *,
    seed: int,
    history_days: int = 60,
    n_customers: int | None = None,
    snapshot_date: str = SNAPSHOT_DATE,
) -> pd.DataFrame:
    """Simulate the session-level event log behind the customers' 30-day snapshot columns.

    One row per event, sorted by time: app sessions, recommendation impressions, clicks on a
    recommendation (each starts a *quality play*), plays with the seconds until the video
    started and the hours watched, and visits to the cancel page. The snapshot instant is
    ``as_of = snapshot_date`` 00:00 UTC; the snapshot's 30-day window is
    ``(as_of - 30 days, as_of]``. Over that window, per customer, the events reproduce the
    snapshot exactly (see :data:`EVENT_SNAPSHOT_COLUMNS`): ``sessions_30d`` counts
    ``session`` events, ``recs_shown_30d`` ``impression`` events, ``quality_plays_30d``
    ``click`` events, ``watch_hours_30d`` is the sum of ``watch_hours`` rounded to 0.1 and
    ``take_rate_30d`` their ratio. The 30 days before that hold the watch hours
    ``watch_hours_30d / (1 + watch_trend)`` (rounded to 0.1) of customers subscribed all
    that time; earlier 30-day blocks follow a random walk, as in :func:`make_activity`.
    No event precedes a customer's ``signup_date``.

    Visits happen mostly in the local evening; local time is UTC plus the customer's
    region's offset in :data:`EVENT_UTC_OFFSET_HOURS`. Events of a customer with no
    session in a 30-day block (a recommendation e-mail, a play from the TV's home screen)
    have no ``session_id``. Customers with a high true churn probability visit the cancel
    page more often.

    Args:
        customers: a frame from :func:`make_customers` or the shipped snapshot (or a subset
            of its rows).
        seed: seed for ``numpy.random.default_rng``.
        history_days: days of history before ``as_of``, in [30, 365]; 30-day blocks count
            back from ``as_of``, the oldest may be shorter.
        n_customers: use only the first ``n_customers`` rows of ``customers``, in
            [1, 10,000,000]; ``None`` (default) uses all.
        snapshot_date: the snapshot date ``customers`` was generated with.

    Returns:
        A DataFrame with the columns :data:`EVENT_COLUMNS`: ``customer_id`` (str), ``ts``
        (datetime64[ns, UTC], millisecond resolution), ``event`` (categorical with the
        categories :data:`EVENT_TYPES`), ``session_id`` (nullable Int64, numbered from 1 in
        order of the session start; missing outside a session), ``watch_hours`` (float,
        positive on ``play`` events, 0 elsewhere) and ``play_delay_s`` (float, seconds from
        the request to the first frame on ``play`` events, missing elsewhere), sorted by
        ``ts`` (ties: in the order of :data:`EVENT_TYPES`, then by customer).
        ``frame.attrs["truth"]`` holds, as plain JSON types (so Parquet keeps them),
        ``as_of`` (ISO text, ``"2024-06-30T00:00:00+00:00"``: ``pd.Timestamp(as_of)``),
        ``window_days`` (30), ``history_days``, ``start`` (ISO text: events are after it),
        ``event_types``, ``utc_offset_hours`` (by region), ``snapshot_columns`` (as
        :data:`EVENT_SNAPSHOT_COLUMNS`), ``n_customers`` and ``seed``.

    Raises:
        ValueError: naming the argument, when ``customers`` lacks a needed column, an option
            is out of range, or the log would exceed 40,000,000 events.

    Example:
        >>> customers = make_customers(50, seed=1)
        >>> events = make_events(customers, seed=1)
        >>> as_of = pd.Timestamp(events.attrs["truth"]["as_of"])
        >>> last_30 = events[events["ts"] > as_of - pd.Timedelta(days=30)]
        >>> sessions = (last_30["event"] == "session").groupby(last_30["customer_id"]).sum()
        >>> bool((sessions == customers.set_index("customer_id")["sessions_30d"]).all())
        True

    Taught in: notebooks/ch03-data-engineering/01-formats-and-engines.ipynb,
    notebooks/ch03-data-engineering/02-batch-vs-stream-features.ipynb
    """
    needed = {
        "customer_id",
        "signup_date",
        "region",
        "watch_hours_30d",
        "watch_trend",
        "sessions_30d",
        "recs_shown_30d",
        "quality_plays_30d",
        "take_rate_30d",
        "true_churn_prob_30d",
    }
    _check_customers(customers, needed)
    seed = check_int("seed", seed, "[0, inf)")
    history = check_int("history_days", history_days, "[30, 365]")
    if n_customers is not None:
        customers = customers.iloc[: check_int("n_customers", n_customers, "[1, 1e7]")]
    if len(customers) == 0:
        raise ValueError("`customers` must have at least one row, got an empty frame")
    try:
        as_of = pd.Timestamp(snapshot_date).normalize()
    except (ValueError, TypeError) as err:
        raise ValueError(
            f"`snapshot_date` must be an ISO date like '2024-06-30', got {snapshot_date!r}"
        ) from err
    if pd.isna(as_of):
        raise ValueError(
            f"`snapshot_date` must be an ISO date like '2024-06-30', got {snapshot_date!r}"
        )
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    rng = np.random.default_rng(seed)
    day_s = 86_400
    n = len(customers)

    # Per customer and 30-day block (k = 0 ends at as_of), the available whole days.
    n_blocks = -(-history // _EVENT_BLOCK_DAYS)
    ks = np.arange(n_blocks)
    signup = customers["signup_date"].to_numpy(dtype="datetime64[ns]")
    signup_day = (signup - as_of.tz_localize(None).to_datetime64()) // np.timedelta64(1, "D")
    signup_day = signup_day.astype(np.int64)  # days relative to as_of (negative)
    end_day = -_EVENT_BLOCK_DAYS * ks
    start_day = np.maximum(
        np.maximum(end_day - _EVENT_BLOCK_DAYS, -history)[None, :], signup_day[:, None]
    )
    avail = np.maximum(end_day[None, :] - start_day, 0)  # (n, n_blocks) whole days
    frac = avail / _EVENT_BLOCK_DAYS

    # Counts per block: block 0 is the snapshot; earlier blocks as in make_activity.
    w0 = customers["watch_hours_30d"].to_numpy(dtype=float)
    w1 = w0 / (1.0 + customers["watch_trend"].to_numpy(dtype=float))
    watch = np.empty((n, n_blocks))
    watch[:, 0] = w0
    level = np.log(np.maximum(w1, 0.05))
    steps = rng.normal(0.0, 0.18, (n, n_blocks))
    for k in range(1, n_blocks):
        if k == 1:
            watch[:, k] = w1
        else:
            level = level + steps[:, k]
            watch[:, k] = np.exp(level)
    watch[:, 1:] = np.round(np.minimum(watch[:, 1:] * frac[:, 1:], MAX_WATCH_HOURS_30D), 1)
    recs0 = customers["recs_shown_30d"].to_numpy(dtype=np.int64)
    take_p = np.clip(
        (customers["take_rate_30d"].to_numpy(dtype=float) * recs0 + 1.0) / (recs0 + 8.0),
        0.0,
        0.95,
    )
    sessions = rng.poisson(frac + 0.9 * watch)
    recs = rng.poisson(4.0 * frac + 5.0 * sessions)
    clicks = rng.binomial(recs, np.broadcast_to(take_p[:, None], recs.shape))
    sessions[:, 0] = customers["sessions_30d"].to_numpy(dtype=np.int64)
    recs[:, 0] = recs0
    clicks[:, 0] = customers["quality_plays_30d"].to_numpy(dtype=np.int64)
    milli = np.round(watch * 1_000.0).astype(np.int64)  # watch time in thousandths of an hour
    other_plays = np.where(milli > 0, rng.poisson(0.4 * sessions), 0)
    other_plays = np.where((milli > 0) & (clicks + other_plays == 0), 1, other_plays)
    p30 = customers["true_churn_prob_30d"].to_numpy(dtype=float)
    cancels = rng.poisson(frac * (0.01 + 2.0 * p30[:, None]))
    plays = clicks + other_plays
    total = int((sessions + recs + clicks + plays + cancels).sum())
    if total > _EVENT_MAX_ROWS:
        raise ValueError(
            f"the event log would hold {total:,} events, more than {_EVENT_MAX_ROWS:,}; "
            "pass fewer customers (`n_customers`) or a shorter `history_days`"
        )

    # Cells (customer, block), flattened; visits: the sessions, or one hidden visit.
    cell_sessions = sessions.ravel()
    cell_other = (recs + cancels + other_plays + clicks).ravel()
    cell_visits = np.where(cell_sessions > 0, cell_sessions, (cell_other > 0).astype(np.int64))
    n_cells = n * n_blocks
    cell_cust = np.repeat(np.arange(n), n_blocks)
    cell_start_s = (start_day.ravel() * day_s).astype(np.int64)
    cell_len_s = (avail.ravel() * day_s).astype(np.int64)
    first_visit = np.concatenate([[0], np.cumsum(cell_visits)[:-1]])
    n_visits = int(cell_visits.sum())
    visit_cell = np.repeat(np.arange(n_cells), cell_visits)
    visit_shown = cell_sessions[visit_cell] > 0
    visit_dur = np.clip(rng.lognormal(np.log(2_400.0), 0.8, n_visits), 60.0, 4 * 3_600.0)

    def place(cell_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Spread each cell's events over its visits; return (visit, seconds into the visit).
        cells = np.repeat(np.arange(n_cells), cell_counts)
        visit = first_visit[cells] + np.floor(rng.random(len(cells)) * cell_visits[cells]).astype(
            np.int64
        )
        return visit, 1.0 + rng.random(len(cells)) * visit_dur[visit]

    imp_visit, imp_delta = place(recs.ravel())
    # Clicks: the first ones of each cell's impressions (whose visits and times are random,
    # so this is a random subset), a few seconds after them.
    imp_cell = visit_cell[imp_visit]
    imp_rank = (
        np.arange(len(imp_cell)) - np.concatenate([[0], np.cumsum(recs.ravel())[:-1]])[imp_cell]
    )
    clicked = imp_rank < clicks.ravel()[imp_cell]
    click_visit = imp_visit[clicked]
    click_delta = imp_delta[clicked] + rng.uniform(2.0, 30.0, int(clicked.sum()))
    click_delay = rng.lognormal(np.log(1.5), 0.5, len(click_visit))
    other_visit, other_delta = place(other_plays.ravel())
    other_delay = rng.lognormal(np.log(1.5), 0.5, len(other_visit))
    cancel_visit, cancel_delta = place(cancels.ravel())
    session_visit = np.flatnonzero(visit_shown)

    play_visit = np.concatenate([click_visit, other_visit])
    play_delay = np.concatenate([click_delay, other_delay])
    play_delta = np.concatenate([click_delta + click_delay, other_delta + other_delay])
    # Watch time: each cell's thousandths of an hour split over its plays, at least 1 each.
    play_cell = visit_cell[play_visit]
    order = np.argsort(play_cell, kind="stable")
    play_visit, play_delay, play_delta, play_cell = (
        a[order] for a in (play_visit, play_delay, play_delta, play_cell)
    )
    cell_plays = np.bincount(play_cell, minlength=n_cells)
    cell_milli = np.maximum(milli.ravel(), cell_plays)
    weight = rng.gamma(0.8, 1.0, len(play_cell)) + 1e-9
    weight_sum = np.bincount(play_cell, weights=weight, minlength=n_cells)
    spare = (cell_milli - cell_plays)[play_cell]
    share = 1 + np.floor(spare * weight / weight_sum[play_cell]).astype(np.int64)
    left = cell_milli - np.bincount(play_cell, weights=share, minlength=n_cells).astype(np.int64)
    play_first = np.concatenate([[0], np.cumsum(cell_plays)[:-1]])
    has_play = cell_plays > 0
    share[play_first[has_play]] += left[has_play]
    play_hours = share / 1_000.0

    kinds = np.concatenate(
        [
            np.zeros(len(session_visit), np.int8),
            np.ones(len(imp_visit), np.int8),
            np.full(len(click_visit), 2, np.int8),
            np.full(len(play_visit), 3, np.int8),
            np.full(len(cancel_visit), 4, np.int8),
        ]
    )
    ev_visit = np.concatenate([session_visit, imp_visit, click_visit, play_visit, cancel_visit])
    ev_delta = np.concatenate(
        [np.zeros(len(session_visit)), imp_delta, click_delta, play_delta, cancel_delta]
    )
    n_play = len(play_visit)
    ev_hours = np.zeros(len(kinds))
    ev_delay = np.full(len(kinds), np.nan)
    at_play = len(session_visit) + len(imp_visit) + len(click_visit)
    ev_hours[at_play : at_play + n_play] = play_hours
    ev_delay[at_play : at_play + n_play] = play_delay

    # Visit starts: a local time of day on a random day, kept inside the cell's days.
    span = np.zeros(n_visits)
    np.maximum.at(span, ev_visit, ev_delta)
    offset_h = _lookup(customers["region"].to_numpy(dtype=object), EVENT_UTC_OFFSET_HOURS)[
        cell_cust[visit_cell]
    ]
    len_s = cell_len_s[visit_cell]
    local = np.floor(rng.random(n_visits) * len_s / day_s) * day_s
    local = local + _local_second_of_day(rng, n_visits) - offset_h * 3_600.0
    start = np.mod(local, np.maximum(len_s, 1))
    start = np.maximum(np.minimum(start, len_s - 1.0 - np.ceil(span)), 0.0)
    visit_s = cell_start_s[visit_cell] + start + 1.0
    ev_ms = np.round((visit_s[ev_visit] + ev_delta) * 1_000.0).astype(np.int64)

    # Session ids in order of the session start.
    session_order = np.lexsort((visit_cell[session_visit], visit_s[session_visit]))
    visit_id = np.zeros(n_visits, dtype=np.int64)
    visit_id[session_visit[session_order]] = np.arange(1, len(session_visit) + 1)
    # Sort by time, then event type, then customer; the rare full ties by position (a fast
    # sort, then a stable fix of the tied runs, so every platform gives the same order).
    ev_cust = cell_cust[visit_cell[ev_visit]]
    key = ((ev_ms - ev_ms.min()) * len(EVENT_TYPES) + kinds) * n + ev_cust
    sort = np.argsort(key)
    sorted_key = key[sort]
    tied = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    if len(tied):
        pos = np.unique(np.concatenate([tied, tied + 1]))
        sort[pos] = sort[pos][np.lexsort((sort[pos], sorted_key[pos]))]
    ev_visit = ev_visit[sort]
    ids = customers["customer_id"].astype(STRING_DTYPE).array
    frame = pd.DataFrame(
        {
            "customer_id": ids.take(ev_cust[sort]),
            "ts": pd.to_datetime(as_of.value + ev_ms[sort] * 1_000_000, unit="ns", utc=True),
            "event": pd.Categorical.from_codes(kinds[sort], categories=list(EVENT_TYPES)),
            "session_id": pd.arrays.IntegerArray(visit_id[ev_visit], ~visit_shown[ev_visit]),
            "watch_hours": ev_hours[sort],
            "play_delay_s": np.round(ev_delay[sort], 3),
        }
    )
    frame["ts"] = frame["ts"].astype("datetime64[ns, UTC]")
    # Plain JSON types only, so a Parquet file keeps them (pandas stores attrs as JSON).
    frame.attrs["truth"] = {
        "as_of": as_of.isoformat(),
        "window_days": _EVENT_BLOCK_DAYS,
        "history_days": history,
        "start": (as_of - pd.Timedelta(days=history)).isoformat(),
        "event_types": list(EVENT_TYPES),
        "utc_offset_hours": dict(EVENT_UTC_OFFSET_HOURS),
        "snapshot_columns": dict(EVENT_SNAPSHOT_COLUMNS),
        "n_customers": n,
        "seed": seed,
    }
    return frame[EVENT_COLUMNS]


# --------------------------------------------------------------------------- experiment

#: Default true effects of the new recommender (treatment minus control).
DEFAULT_TRUE_EFFECT: dict[str, float] = {
    "take_rate": 0.010,  # absolute: +1.0 point of quality plays per recommendation shown
    "retention": 0.005,  # absolute: +0.5 point of users still subscribed after 30 days
    "latency_ms": 15.0,  # the new model is slower: +15 ms per recommendation request
}

#: Population parameters of the experiment's users (control arm).
EXPERIMENT_MODEL: dict[str, float] = {
    "take_rate_mean": 0.12,  # mean of the per-user Beta take probability = control take-rate
    "take_rate_concentration": 12.0,  # a + b of that Beta: lower = more heterogeneous users
    "recs_per_user": 40.0,  # recommendations shown per user in 14 days, at median engagement
    "pre_watch_hours_median": 12.0,  # watch hours in the 14 days before the test
    "retention_logit": 2.2,  # retention = sigmoid(2.2 + 0.6·engagement)
    "retention_engagement": 0.6,
    "latency_ms_median": 95.0,  # per-user typical recommendation latency, control
    "latency_log_sd": 0.35,
    "latency_engagement": -0.10,  # less engaged users have slower devices and networks
}


#: No recommendation request is faster than this, even with a large negative latency effect.
LATENCY_FLOOR_MS = 1.0


def _take_rate_truth(mean: float, concentration: float, lift: float) -> float:
    """E[clip(p + lift, 0, 1)] for p ~ Beta(mean·c, (1 - mean)·c), computed exactly.

    The simulator clips every user's take probability to [0, 1] after adding the lift, so
    a negative lift cannot take a user below 0 and a positive one cannot take them above 1.
    The mean of the clipped probability is ``mean + lift`` plus what the floor adds back
    minus what the ceiling cuts off, both Beta partial expectations. Because a user's take
    probability is independent of how many recommendations they are shown, this mean is
    also the population take-rate E[sum of plays] / E[sum of recommendations].
    """
    from scipy.special import betainc

    if lift >= 1.0:
        return 1.0
    if lift <= -1.0:
        return 0.0
    a, b = mean * concentration, (1.0 - mean) * concentration
    value = mean + lift
    cut = 1.0 - lift  # p above this would exceed 1 after the lift
    if cut < 1.0:
        # E[(p - cut)+] = E[p]·(1 - I_cut(a+1, b)) - cut·(1 - I_cut(a, b))
        excess = mean * (1.0 - betainc(a + 1.0, b, cut)) - cut * (1.0 - betainc(a, b, cut))
        value -= excess
    floor = -lift  # p below this would fall under 0 after the lift
    if floor > 0.0:
        # E[(floor - p)+] = floor·I_floor(a, b) - E[p]·I_floor(a+1, b)
        shortfall = floor * betainc(a, b, floor) - mean * betainc(a + 1.0, b, floor)
        value += shortfall
    return float(value)


def _latency_truth(median_ms: float, log_sd: float, lift_ms: float, floor_ms: float) -> float:
    """E[max(L + lift_ms, floor_ms)] for L lognormal with ``median_ms`` and ``log_sd``.

    The simulator floors every user's latency at ``floor_ms`` after adding the treatment's
    shift, which matters only for a large negative shift. The floor adds back the
    lognormal partial expectation E[(c - L)+] = c·Φ(d) - E[L]·Φ(d - σ), with
    c = floor_ms - lift_ms and d = (log c - log median_ms) / σ.
    """
    mean = median_ms * math.exp(log_sd**2 / 2.0)
    cut = floor_ms - lift_ms  # L below this would end under the floor
    if cut <= 0.0:
        return mean + lift_ms
    d = (math.log(cut) - math.log(median_ms)) / log_sd
    return mean + lift_ms + cut * _std_normal_cdf(d) - mean * _std_normal_cdf(d - log_sd)


@functools.lru_cache(maxsize=1)
def _gauss_hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of Gauss-Hermite quadrature for exp(-z²/2), computed once."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(n_nodes)
    nodes.flags.writeable = False  # shared by every call: keep the cached arrays intact
    weights.flags.writeable = False
    return nodes, weights


def _retention_truth(logit: float, slope: float, lift: float) -> float:
    """E[min(sigmoid(logit + slope·z) + lift, 1)] for z ~ N(0, 1), by Gauss-Hermite."""
    nodes, weights = _gauss_hermite(120)
    r = _sigmoid(logit + slope * nodes)
    return float(np.sum(weights * np.clip(r + lift, 0.0, 1.0)) / np.sqrt(2.0 * np.pi))


def make_experiment(
    n_users: int = 40_000,
    *,
    seed: int,
    true_effect: Mapping[str, float] | None = None,
    srm: bool = False,
    n_days: int = 14,
    designed_split: float = 0.5,
    timeout_ms: float = 180.0,
) -> pd.DataFrame:
    """Simulate the user-level log of an A/B test of a new recommender.

    Users arrive over ``n_days`` and are assigned to ``"treatment"`` with probability
    ``designed_split``. Each user has a typical engagement (hidden); it drives how many
    recommendations they are shown (Poisson), their pre-experiment watch hours (the CUPED
    covariate, correlated about 0.6 with quality plays), their 30-day retention and their
    recommendation latency. Each user also has their own take probability, drawn from a
    Beta distribution, so impressions of one user are correlated: a per-impression variance
    understates the uncertainty of the take-rate, and the delta method fixes that.

    The treatment adds ``true_effect["take_rate"]`` to every user's take probability,
    ``true_effect["retention"]`` to their retention probability and
    ``true_effect["latency_ms"]`` to their latency (defaults in
    :data:`DEFAULT_TRUE_EFFECT`); probabilities are then clipped to [0, 1] and latencies
    floored at :data:`LATENCY_FLOOR_MS`. Revenue is one month's fee for users retained at
    day 30. Users are independent: nothing is drawn once per experiment or per assignment
    day (``assignment_day`` is recorded but drives no outcome).

    The recorded truth is each arm's population value, computed from the model (in closed
    form, or by quadrature for retention) rather than estimated from a sample: the
    take-rate is E[sum of plays] / E[sum of recommendations], which equals the mean clipped
    take probability because a user's take probability is independent of their engagement,
    and so of how many recommendations they see; retention is the mean clipped retention
    probability; latency the mean floored latency. With a large negative effect the
    clipping and the floor bind for some users, so the true lift is smaller in size than
    ``true_effect`` (a take-rate effect of -0.05 moves the take-rate by about -0.045). The
    truth describes all assigned users: with ``srm=True`` the logged users are a biased
    sample of them, which is the point.

    With ``srm=True``, treatment users whose recommendation latency exceeds ``timeout_ms``
    are lost from the log (the page timed out before the exposure event fired): about 7 %
    of the treatment arm at the defaults, and not at random, since slow users are less
    engaged. The sample-ratio mismatch is then unmistakable at 40,000 users.

    Args:
        n_users: users assigned (before any SRM loss), at least 10.
        seed: seed for ``numpy.random.default_rng``.
        true_effect: per-metric true effects; keys among ``"take_rate"`` (absolute, in
            [-0.1, 0.1]), ``"retention"`` (absolute, in [-0.1, 0.1]) and ``"latency_ms"``
            (in [-50, 500]); missing keys take their default.
        srm: inject a sample-ratio mismatch by losing slow treatment users.
        n_days: length of the assignment period in days, in [1, 90].
        designed_split: designed share of users in treatment, in [0.05, 0.95].
        timeout_ms: the latency above which a treatment user is lost when ``srm`` is true.

    Returns:
        A DataFrame with the columns in :data:`EXPERIMENT_COLUMNS`, one row per logged user.
        ``frame.attrs["truth"]`` holds the true population values, with the keys that
        :func:`mlsd.datasets.experiment_truth` returns.

    Raises:
        ValueError: naming the argument, for a bad size, seed, effect key or value, split
            or timeout.

    Example:
        >>> log = make_experiment(2_000, seed=3)
        >>> sorted(log["variant"].unique())
        ['control', 'treatment']
        >>> log.attrs["truth"]["take_rate_abs_lift"]
        0.01

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    n = check_int("n_users", n_users, "[10, 1e7]")
    seed = check_int("seed", seed, "[0, inf)")
    n_days = check_int("n_days", n_days, "[1, 90]")
    split = check_number("designed_split", designed_split, "[0.05, 0.95]")
    timeout = check_number("timeout_ms", timeout_ms, "[1, 60000]")
    srm = check_bool("srm", srm)
    effect = dict(DEFAULT_TRUE_EFFECT)
    if true_effect is not None:
        if not isinstance(true_effect, Mapping):
            raise ValueError(
                f"`true_effect` must be a dict with keys among {sorted(DEFAULT_TRUE_EFFECT)}, "
                f"got {true_effect!r}"
            )
        unknown = sorted(set(true_effect) - set(DEFAULT_TRUE_EFFECT))
        if unknown:
            raise ValueError(
                f"`true_effect` has unknown keys {unknown}; allowed: {sorted(DEFAULT_TRUE_EFFECT)}"
            )
        effect.update(true_effect)
    for key, interval in {
        "take_rate": "[-0.1, 0.1]",
        "retention": "[-0.1, 0.1]",
        "latency_ms": "[-50, 500]",
    }.items():
        effect[key] = check_number(f"true_effect['{key}']", effect[key], interval)

    m = EXPERIMENT_MODEL
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < split
    assignment_day = rng.integers(0, n_days, n)
    engagement = rng.normal(0.0, 1.0, n)
    pre_watch = np.round(
        np.exp(np.log(m["pre_watch_hours_median"]) + 0.7 * engagement + rng.normal(0.0, 0.25, n)),
        1,
    )
    recs = rng.poisson(m["recs_per_user"] * np.exp(0.7 * engagement))
    a = m["take_rate_mean"] * m["take_rate_concentration"]
    b = (1.0 - m["take_rate_mean"]) * m["take_rate_concentration"]
    take_p = rng.beta(a, b, n)
    take_p = np.clip(take_p + effect["take_rate"] * treated, 0.0, 1.0)
    plays = rng.binomial(recs, take_p)
    retain_p = _sigmoid(m["retention_logit"] + m["retention_engagement"] * engagement)
    retain_p = np.clip(retain_p + effect["retention"] * treated, 0.0, 1.0)
    retained = (rng.random(n) < retain_p).astype(np.int64)
    fee = rng.choice(np.array([PLAN_FEE_USD[p] for p in PLANS]), size=n, p=PLAN_SHARE)
    revenue = np.round(retained * fee, 2)
    latency = np.exp(
        np.log(m["latency_ms_median"])
        + m["latency_engagement"] * engagement
        + rng.normal(0.0, m["latency_log_sd"], n)
    )
    latency = np.round(np.maximum(latency + effect["latency_ms"] * treated, LATENCY_FLOOR_MS), 1)

    keep = np.ones(n, dtype=bool)
    if srm:
        keep = ~(treated & (latency > timeout))

    frame = pd.DataFrame(
        {
            "user_id": [f"U{i:06d}" for i in range(1, n + 1)],
            "variant": np.where(treated, "treatment", "control"),
            "assignment_day": assignment_day.astype(np.int64),
            "recs_shown": recs.astype(np.int64),
            "quality_plays": plays.astype(np.int64),
            "retained_30d": retained,
            "revenue_usd": revenue,
            "pre_watch_hours": pre_watch,
            "rec_latency_ms": latency,
        }
    )
    frame = frame.loc[keep].reset_index(drop=True)
    frame["user_id"] = frame["user_id"].astype(STRING_DTYPE)
    frame["variant"] = frame["variant"].astype(STRING_DTYPE)

    mean_fee = float(np.dot([PLAN_FEE_USD[p] for p in PLANS], PLAN_SHARE))
    tr_c = _take_rate_truth(m["take_rate_mean"], m["take_rate_concentration"], 0.0)
    tr_t = _take_rate_truth(m["take_rate_mean"], m["take_rate_concentration"], effect["take_rate"])
    ret_c = _retention_truth(m["retention_logit"], m["retention_engagement"], 0.0)
    ret_t = _retention_truth(m["retention_logit"], m["retention_engagement"], effect["retention"])
    log_sd = math.hypot(m["latency_log_sd"], m["latency_engagement"])
    lat_c = m["latency_ms_median"] * math.exp(log_sd**2 / 2.0)
    lat_t = _latency_truth(m["latency_ms_median"], log_sd, effect["latency_ms"], LATENCY_FLOOR_MS)
    n_treat = int(treated.sum())
    truth = {
        "take_rate_control": round(tr_c, 10),
        "take_rate_treatment": round(tr_t, 10),
        "take_rate_abs_lift": round(tr_t - tr_c, 10),
        "retention_control": round(ret_c, 10),
        "retention_treatment": round(ret_t, 10),
        "retention_abs_lift": round(ret_t - ret_c, 10),
        "revenue_per_user_control_usd": round(mean_fee * ret_c, 10),
        "revenue_per_user_lift_usd": round(mean_fee * (ret_t - ret_c), 10),
        "latency_ms_control": round(lat_c, 10),
        "latency_ms_treatment": round(lat_t, 10),
        "latency_ms_abs_lift": round(lat_t - lat_c, 10),
        "designed_split": split,
        "srm": bool(srm),
        "timeout_ms": timeout if srm else None,
        "n_days": n_days,
        "n_users": n,
        "n_assigned_control": n - n_treat,
        "n_assigned_treatment": n_treat,
        "n_logged_control": int((~treated & keep).sum()),
        "n_logged_treatment": int((treated & keep).sum()),
        "seed": seed,
        "true_effect": {k: float(v) for k, v in effect.items()},
    }
    frame.attrs["truth"] = truth
    return frame[EXPERIMENT_COLUMNS]


# --------------------------------------------------------------------------- request trace


def trace_rate_per_s(t_s: np.ndarray | float, *, truth: Mapping[str, Any]) -> np.ndarray:
    """The true arrival rate (requests per second) of a trace at times ``t_s``.

    Args:
        t_s: seconds from the trace start.
        truth: ``frame.attrs["truth"]`` of a frame from :func:`make_request_trace`.

    Returns:
        An array of rates, the daily sinusoid times any burst multiplier.

    Example:
        >>> trace = make_request_trace(3_600, mean_rate_per_s=1.0, seed=0)
        >>> float(trace_rate_per_s(0.0, truth=trace.attrs["truth"])[0]) > 0
        True
    """
    if np.ndim(t_s) == 0:
        t = np.atleast_1d(check_number("t_s", t_s, "[0, inf)"))
    else:
        t = check_1d("t_s", t_s, "[0, inf)", min_size=0)
    ratio = truth["peak_to_trough"]
    amplitude = (ratio - 1.0) / (ratio + 1.0)
    hour = truth["start_hour"] + t / 3_600.0
    rate = truth["base_rate_per_s"] * (
        1.0 + amplitude * np.cos(2.0 * np.pi * (hour - truth["peak_hour"]) / 24.0)
    )
    for start, end, multiplier in truth["bursts"]:
        rate = np.where((t >= start) & (t < end), rate * multiplier, rate)
    return rate


def make_request_trace(
    duration_s: float = 86_400.0,
    *,
    mean_rate_per_s: float = 2.0,
    seed: int,
    peak_to_trough: float = 7.0,
    peak_hour: float = 20.5,
    start_hour: float = 0.0,
    bursts_per_day: float = 8.0,
    burst_multiplier: float = 4.0,
    burst_duration_s: float = 120.0,
) -> pd.DataFrame:
    """Simulate recommendation-request arrivals with a daily peak and short bursts.

    Arrivals follow a non-homogeneous Poisson process (simulated by thinning) whose rate
    is a daily sinusoid, peaking at ``peak_hour`` (evening viewing) with a peak-to-trough
    ratio of ``peak_to_trough``, multiplied by ``burst_multiplier`` during short bursts (a
    push notification, a new season's release). Bursts start as a Poisson process of
    ``bursts_per_day`` and last between half and one and a half ``burst_duration_s``. The
    rate is scaled so the expected mean over the trace is ``mean_rate_per_s``.

    Args:
        duration_s: length of the trace in seconds, in [1, 2,592,000] (30 days).
        mean_rate_per_s: expected mean arrival rate, in (0, 10,000].
        seed: seed for ``numpy.random.default_rng``.
        peak_to_trough: ratio of the daily peak rate to the nightly trough, in [1, 100].
        peak_hour: hour of day of the peak, in [0, 24].
        start_hour: hour of day at which the trace starts, in [0, 24].
        bursts_per_day: expected number of bursts per day, in [0, 1,000].
        burst_multiplier: rate multiplier during a burst, in [1, 100].
        burst_duration_s: typical burst length in seconds, in [1, 86,400].

    Returns:
        A DataFrame with ``request_id`` (int, from 1 in arrival order) and ``arrival_s``
        (float, seconds from the trace start, rounded to the millisecond).
        ``frame.attrs["truth"]`` holds the rate parameters and the burst windows; pass it
        to :func:`trace_rate_per_s` for the true rate curve.

    Raises:
        ValueError: naming the argument, for any option out of its range.

    Example:
        >>> trace = make_request_trace(600, mean_rate_per_s=5.0, seed=1)
        >>> list(trace.columns)
        ['request_id', 'arrival_s']

    Taught in: notebooks/ch01-overview/02-latency-vs-throughput.ipynb
    """
    duration = check_number("duration_s", duration_s, "[1, 2592000]")
    mean_rate = check_number("mean_rate_per_s", mean_rate_per_s, "(0, 10000]")
    seed = check_int("seed", seed, "[0, inf)")
    ratio = check_number("peak_to_trough", peak_to_trough, "[1, 100]")
    peak_hour = check_number("peak_hour", peak_hour, "[0, 24]")
    start_hour = check_number("start_hour", start_hour, "[0, 24]")
    bursts_per_day = check_number("bursts_per_day", bursts_per_day, "[0, 1000]")
    multiplier = check_number("burst_multiplier", burst_multiplier, "[1, 100]")
    burst_len = check_number("burst_duration_s", burst_duration_s, "[1, 86400]")
    if mean_rate * duration > 50_000_000:
        raise ValueError(
            f"`mean_rate_per_s` × `duration_s` must be at most 50,000,000 requests, "
            f"got {mean_rate * duration:,.0f}"
        )
    rng = np.random.default_rng(seed)

    n_bursts = rng.poisson(bursts_per_day * duration / 86_400.0)
    starts = np.sort(rng.uniform(0.0, duration, n_bursts))
    lengths = burst_len * rng.uniform(0.5, 1.5, n_bursts)
    bursts = [
        [round(float(s), 3), round(float(min(s + w, duration)), 3), multiplier]
        for s, w in zip(starts, lengths, strict=True)
    ]
    shape = {
        "base_rate_per_s": 1.0,
        "peak_to_trough": ratio,
        "peak_hour": peak_hour,
        "start_hour": start_hour,
        "bursts": bursts,
    }
    # Scale so the expected mean is mean_rate_per_s: integrate the shape on a fine grid.
    step = min(1.0, duration / 1_000.0)
    grid = (np.arange(int(np.ceil(duration / step))) + 0.5) * step
    weights = np.minimum(step, duration - (grid - 0.5 * step))
    mean_shape = float(np.sum(trace_rate_per_s(grid, truth=shape) * weights) / duration)
    base = mean_rate / mean_shape
    truth = dict(shape, base_rate_per_s=base, mean_rate_per_s=mean_rate, duration_s=duration)

    amplitude = (ratio - 1.0) / (ratio + 1.0)
    rate_max = base * (1.0 + amplitude) * (multiplier if n_bursts else 1.0)
    n_candidates = rng.poisson(rate_max * duration)
    candidates = np.sort(rng.uniform(0.0, duration, n_candidates))
    accept = rng.random(n_candidates) * rate_max < trace_rate_per_s(candidates, truth=truth)
    arrivals = np.round(candidates[accept], 3)
    frame = pd.DataFrame(
        {"request_id": np.arange(1, len(arrivals) + 1, dtype=np.int64), "arrival_s": arrivals}
    )
    truth["n_requests"] = len(arrivals)
    truth["seed"] = seed
    frame.attrs["truth"] = truth
    return frame


# --------------------------------------------------------------------------- survey sample
# Section added for notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb:
# survey_response_prob, make_survey (a convenience sample whose inclusion depends on
# engagement, with the true inclusion probabilities recorded).

__all__ += ["make_survey", "survey_response_prob"]

#: The engagement index is cut at this many standard deviations, so no respondent stands for
#: more than about a hundred customers at the default response rate.
SURVEY_ENGAGEMENT_CLIP = 2.0

_SURVEY_NEEDED = (
    "customer_id",
    "watch_hours_30d",
    "watch_trend",
    "take_rate_30d",
    "true_churn_prob_30d",
)


def _standardise(values: np.ndarray) -> np.ndarray:
    sd = float(values.std())
    return (values - values.mean()) / sd if sd > 0 else np.zeros_like(values)


def _check_survey_customers(customers: Any) -> pd.DataFrame:
    _check_customers(customers, set(_SURVEY_NEEDED))
    if len(customers) == 0:
        raise ValueError("`customers` must have at least one row, got an empty frame")
    return customers


def survey_response_prob(
    customers: pd.DataFrame, *, response_rate: float = 0.1, engagement_effect: float = 1.0
) -> np.ndarray:
    """The true probability that each customer answers a satisfaction survey.

    Engaged customers answer; customers on their way out do not. The engagement index is
    the standardised sum of two standardised parts: *usage* (log watch hours, the watch
    trend cut to [-1, 1], and the take-rate, each standardised and summed) and minus the
    customer's true churn logit (a customer about to cancel ignores the company's e-mail).
    The index is cut to ±:data:`SURVEY_ENGAGEMENT_CLIP` and the response probability is
    ``sigmoid(a + engagement_effect * index)``, with the intercept ``a`` solved so that the
    probabilities average ``response_rate`` over ``customers``.

    Args:
        customers: a frame from :func:`make_customers` (or a subset of its rows).
        response_rate: the mean response probability, in (0, 1).
        engagement_effect: log-odds of answering per standard deviation of engagement, in
            [0, 5]; 0 gives a simple random sample with ``response_rate``.

    Returns:
        An array of probabilities in (0, 1), one per row of ``customers``, whose mean is
        ``response_rate``.

    Raises:
        ValueError: naming the argument, when ``customers`` lacks a needed column or is empty,
            or an option is out of its range.

    Example:
        >>> customers = make_customers(2_000, seed=1)
        >>> p = survey_response_prob(customers, response_rate=0.2)
        >>> round(float(p.mean()), 6)
        0.2

    Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
    """
    frame = _check_survey_customers(customers)
    rate = check_number("response_rate", response_rate, "(0, 1)")
    effect = check_number("engagement_effect", engagement_effect, "[0, 5]")
    usage = (
        _standardise(np.log1p(frame["watch_hours_30d"].to_numpy(float)))
        + _standardise(np.clip(frame["watch_trend"].to_numpy(float), -1.0, 1.0))
        + _standardise(frame["take_rate_30d"].to_numpy(float))
    )
    p_churn = np.clip(frame["true_churn_prob_30d"].to_numpy(float), 1e-9, 1 - 1e-9)
    risk = _standardise(np.log(p_churn) - np.log1p(-p_churn))
    index = np.clip(
        _standardise(_standardise(usage) - risk), -SURVEY_ENGAGEMENT_CLIP, SURVEY_ENGAGEMENT_CLIP
    )
    # Solve sigmoid(a + effect * index).mean() == rate by bisection on a (monotone in a).
    low, high = -40.0, 40.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if _sigmoid(mid + effect * index).mean() < rate:
            low = mid
        else:
            high = mid
    return _sigmoid(0.5 * (low + high) + effect * index)


def make_survey(
    customers: pd.DataFrame,
    *,
    seed: int,
    response_rate: float = 0.1,
    engagement_effect: float = 1.0,
) -> pd.DataFrame:
    """Simulate who answers a survey e-mailed to every customer: a convenience sample.

    Each customer answers independently with the probability of
    :func:`survey_response_prob`: engaged customers answer, customers about to cancel
    rarely do, so the respondents churn less than the customer base. The true response
    probabilities are kept, so a notebook can weight each respondent by ``1 / p`` (importance
    weighting) and compare both estimates with the base's true churn rate.

    Args:
        customers: a frame from :func:`make_customers` (or a subset of its rows).
        seed: seed for ``numpy.random.default_rng``.
        response_rate: the mean response probability, in (0, 1).
        engagement_effect: log-odds of answering per standard deviation of engagement, in
            [0, 5]; 0 makes the survey a simple random sample.

    Returns:
        The respondents: the rows of ``customers`` who answered (in their original order,
        with the original index), plus ``true_response_prob`` (float). ``attrs["truth"]``
        holds ``response_rate``, ``engagement_effect``, ``seed``, ``n_invited``,
        ``n_responded`` and the invited base's ``churn_rate_30d`` (share of ``churned_30d``)
        and ``mean_true_churn_prob_30d``.

    Raises:
        ValueError: naming the argument, as :func:`survey_response_prob`, or for a bad seed.

    Example:
        >>> customers = make_customers(5_000, seed=2)
        >>> survey = make_survey(customers, seed=3)
        >>> truth = survey.attrs["truth"]
        >>> bool(survey["churned_30d"].mean() < truth["churn_rate_30d"])
        True

    Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
    """
    seed = check_int("seed", seed, "[0, inf)")
    p = survey_response_prob(
        customers, response_rate=response_rate, engagement_effect=engagement_effect
    )
    rng = np.random.default_rng(seed)
    answered = rng.random(len(customers)) < p
    survey = customers.loc[answered].copy()
    survey["true_response_prob"] = p[answered]
    truth: dict[str, Any] = {
        "response_rate": float(response_rate),
        "engagement_effect": float(engagement_effect),
        "seed": seed,
        "n_invited": len(customers),
        "n_responded": int(answered.sum()),
    }
    if "churned_30d" in customers.columns:
        truth["churn_rate_30d"] = float(customers["churned_30d"].mean())
    truth["mean_true_churn_prob_30d"] = float(customers["true_churn_prob_30d"].mean())
    survey.attrs["truth"] = truth
    return survey
