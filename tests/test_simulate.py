"""Tests for mlsd.simulate: reproducibility, documented rates, and ground truth recovery."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import integrate, special, stats

from mlsd import simulate

# The column contract other modules and notebooks code against (typed out, not imported).
CUSTOMER_COLUMNS = [
    "customer_id", "signup_date", "tenure_months", "plan", "monthly_fee_usd", "region",
    "device", "payment_method", "watch_hours_30d", "watch_trend", "sessions_30d",
    "recs_shown_30d", "quality_plays_30d", "take_rate_30d", "support_tickets_90d",
    "failed_payments_90d", "price_increase_exposed", "discount_active", "churned_30d",
    "days_to_churn", "censored", "churn_reason", "true_churn_prob_30d",
    "true_churn_prob_30d_if_offer", "true_offer_effect", "true_segment",
]  # fmt: skip
EXPERIMENT_COLUMNS = [
    "user_id", "variant", "assignment_day", "recs_shown", "quality_plays", "retained_30d",
    "revenue_usd", "pre_watch_hours", "rec_latency_ms",
]  # fmt: skip


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return simulate.make_customers(20_000, seed=123)


@pytest.fixture(scope="module")
def big_experiment() -> pd.DataFrame:
    return simulate.make_experiment(100_000, seed=11)


def _generate(kind: str, seed: int) -> pd.DataFrame:
    if kind == "customers":
        return simulate.make_customers(500, seed=seed)
    if kind == "activity":
        return simulate.make_activity(simulate.make_customers(100, seed=0), 6, seed=seed)
    if kind == "experiment":
        return simulate.make_experiment(2_000, seed=seed)
    if kind == "experiment_srm":
        return simulate.make_experiment(2_000, seed=seed, srm=True)
    return simulate.make_request_trace(3_600, mean_rate_per_s=3.0, seed=seed)


KINDS = ["customers", "activity", "experiment", "experiment_srm", "trace"]


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_gives_identical_frames(kind):
    """Two calls with the same seed return identical frames, dtypes included."""
    pd.testing.assert_frame_equal(_generate(kind, 5), _generate(kind, 5), check_exact=True)


@pytest.mark.parametrize("kind", KINDS)
def test_different_seed_gives_different_frames(kind):
    """A different seed changes the data."""
    assert not _generate(kind, 5).equals(_generate(kind, 6))


def test_customers_have_the_contract_columns_and_dtypes(customers):
    """make_customers returns exactly the contract's columns with ints, floats, str and dates."""
    assert list(customers.columns) == CUSTOMER_COLUMNS
    assert customers["signup_date"].dtype == "datetime64[ns]"
    for col in ["tenure_months", "sessions_30d", "churned_30d", "days_to_churn", "censored"]:
        assert customers[col].dtype == np.int64, col
    for col in ["plan", "region", "device", "payment_method", "true_segment", "churn_reason"]:
        assert pd.api.types.is_string_dtype(customers[col]), col
    assert customers["customer_id"].is_unique
    assert set(customers["plan"]) == {"basic", "standard", "premium"}
    assert set(customers["device"]) == {"tv", "mobile", "web", "console"}


def test_churn_rate_and_segments_fall_in_documented_bands(customers):
    """30-day churn is a few percent and each uplift segment has its documented share."""
    assert 0.03 <= customers["churned_30d"].mean() <= 0.09
    share = customers["true_segment"].value_counts(normalize=True)
    assert set(share.index) == {"persuadable", "sure_thing", "lost_cause", "sleeping_dog"}
    assert 0.02 <= share["sleeping_dog"] <= 0.10
    assert 0.08 <= share["persuadable"] <= 0.30
    assert share["sure_thing"] > 0.5


def test_churned_30d_is_bernoulli_of_the_true_probability(customers):
    """The observed churn count matches the sum of true probabilities within 4 binomial SDs."""
    p = customers["true_churn_prob_30d"].to_numpy()
    observed = customers["churned_30d"].sum()
    assert abs(observed - p.sum()) < 4 * math.sqrt(np.sum(p * (1 - p)))


def test_days_to_churn_follow_a_constant_daily_hazard(customers):
    """Churn by day 7 and by day 90 match the geometric law implied by the 30-day probability."""
    p = customers["true_churn_prob_30d"].to_numpy()
    hazard = 1 - (1 - p) ** (1 / 30)
    for day in (7, 90):
        expected = stats.geom.cdf(day, hazard)
        churned = ((customers["days_to_churn"] <= day) & (customers["censored"] == 0)).to_numpy()
        sd = math.sqrt(np.sum(expected * (1 - expected)))
        assert abs(churned.sum() - expected.sum()) < 4 * sd, day


def test_labels_censoring_and_reasons_agree(customers):
    """churned_30d, days_to_churn, censored and churn_reason tell one consistent story."""
    c = customers
    assert ((c["churned_30d"] == 1) == ((c["days_to_churn"] <= 30) & (c["censored"] == 0))).all()
    assert (c.loc[c["censored"] == 1, "days_to_churn"] == 90).all()
    assert c.loc[c["censored"] == 1, "churn_reason"].isna().all()
    reasons = set(c.loc[c["censored"] == 0, "churn_reason"])
    assert reasons == {"price", "content", "technical", "payment_failure"}


def test_take_rate_is_plays_over_recommendations(customers):
    """take_rate_30d equals quality_plays_30d / recs_shown_30d to its 4 decimals."""
    shown = customers["recs_shown_30d"].to_numpy()
    plays = customers["quality_plays_30d"].to_numpy()
    ratio = np.divide(plays, shown, out=np.zeros(len(shown)), where=shown > 0)
    np.testing.assert_allclose(customers["take_rate_30d"], ratio, atol=5e-5)


def test_offer_effects_match_their_segments(customers):
    """Persuadables are helped, lost causes untouched, sleeping dogs harmed by the offer."""
    c = customers
    effect = c["true_offer_effect"]
    assert (effect[c["true_segment"] == "persuadable"] < 0).all()
    assert (effect[c["true_segment"] == "lost_cause"] == 0).all()
    assert (effect[c["true_segment"] == "sleeping_dog"] > 0).all()
    assert effect[c["true_segment"] == "sure_thing"].abs().max() < 0.03
    np.testing.assert_allclose(
        effect, c["true_churn_prob_30d_if_offer"] - c["true_churn_prob_30d"], atol=2e-6
    )


def test_targeting_by_uplift_beats_targeting_by_risk(customers):
    """Offering to the top 10 % by true uplift saves at least 30 % more churners than by risk."""
    k = len(customers) // 10
    by_risk = -customers.nlargest(k, "true_churn_prob_30d")["true_offer_effect"].sum()
    by_uplift = -customers.nsmallest(k, "true_offer_effect")["true_offer_effect"].sum()
    assert by_uplift > 1.3 * by_risk > 0


def test_churn_shift_raises_churn(customers):
    """A positive churn_shift raises the churn rate, a negative one lowers it."""
    up = simulate.make_customers(20_000, seed=123, churn_shift=1.0)["churned_30d"].mean()
    down = simulate.make_customers(20_000, seed=123, churn_shift=-1.0)["churned_30d"].mean()
    assert down < customers["churned_30d"].mean() < up


def test_activity_agrees_with_the_snapshot():
    """Period 0 equals the snapshot, periods 0-2 add up to the 90-day counts."""
    customers = simulate.make_customers(400, seed=2)
    panel = simulate.make_activity(customers, 12, seed=3)
    now = panel[panel["months_before_snapshot"] == 0].set_index("customer_id")
    snap = customers.set_index("customer_id").loc[now.index]
    for col in ("watch_hours", "sessions", "recs_shown", "quality_plays"):
        np.testing.assert_array_equal(now[col], snap[f"{col}_30d"])
    recent = (
        panel[panel["months_before_snapshot"].between(0, 2)]
        .groupby("customer_id")
        .sum(numeric_only=True)
    )
    for col in ("support_tickets", "failed_payments"):
        np.testing.assert_array_equal(
            recent[col], customers.set_index("customer_id").loc[recent.index, f"{col}_90d"]
        )
    prev = panel[(panel["months_before_snapshot"] == 1) & (panel["active_days"] == 30)]
    prev = prev.set_index("customer_id")
    expected = snap.loc[prev.index, "watch_hours_30d"] / (1 + snap.loc[prev.index, "watch_trend"])
    np.testing.assert_allclose(prev["watch_hours"], expected, rtol=0.01, atol=0.1)


def test_activity_after_the_snapshot_leaks_churn():
    """After the snapshot, customers who churn within 30 days watch far less than the others."""
    customers = simulate.make_customers(3_000, seed=4)
    panel = simulate.make_activity(customers, 3, seed=4)
    after = panel[panel["after_snapshot"] == 1].merge(customers[["customer_id", "churned_30d"]])
    means = after.groupby("churned_30d")["watch_hours"].mean()
    assert means[1] < 0.5 * means[0]
    assert (panel["period_start"] < panel["period_end"]).all()
    assert (panel.loc[panel["after_snapshot"] == 1, "months_before_snapshot"] == -1).all()


def test_experiment_has_the_contract_columns_and_truth_keys():
    """make_experiment returns the contract columns and records the contract's truth keys."""
    log = simulate.make_experiment(1_000, seed=1)
    assert list(log.columns) == EXPERIMENT_COLUMNS
    truth = log.attrs["truth"]
    for key in [
        "take_rate_control", "take_rate_treatment", "take_rate_abs_lift", "retention_control",
        "retention_abs_lift", "revenue_per_user_lift_usd", "latency_ms_control",
        "latency_ms_treatment", "designed_split", "srm", "n_days", "seed", "n_users",
    ]:  # fmt: skip
        assert key in truth, key
    assert set(log["variant"]) == {"control", "treatment"}
    assert log["assignment_day"].between(0, 13).all()


def test_experiment_truth_matches_independent_integrals():
    """Recorded truths equal the Beta mean, a quadrature of retention and a lognormal mean."""
    m = simulate.EXPERIMENT_MODEL
    truth = simulate.make_experiment(100, seed=0).attrs["truth"]
    a = m["take_rate_mean"] * m["take_rate_concentration"]
    b = m["take_rate_concentration"] - a
    assert truth["take_rate_control"] == pytest.approx(stats.beta(a, b).mean(), abs=1e-9)
    assert truth["take_rate_abs_lift"] == pytest.approx(0.01, abs=1e-9)

    def retention(z):
        return special.expit(m["retention_logit"] + m["retention_engagement"] * z)

    ret_c, _ = integrate.quad(lambda z: retention(z) * stats.norm.pdf(z), -12, 12)
    assert truth["retention_control"] == pytest.approx(ret_c, abs=1e-8)
    sd = math.hypot(m["latency_log_sd"], m["latency_engagement"])
    lognorm_mean = stats.lognorm(s=sd, scale=m["latency_ms_median"]).mean()
    assert truth["latency_ms_control"] == pytest.approx(lognorm_mean, rel=1e-9)
    assert truth["latency_ms_treatment"] - truth["latency_ms_control"] == pytest.approx(15.0)


@pytest.mark.parametrize(
    ("take_rate_effect", "latency_effect"), [(-0.1, -50.0), (-0.05, -20.0), (0.1, 500.0)]
)
def test_truth_accounts_for_clipping_at_extreme_effects(take_rate_effect, latency_effect):
    """With effects that push users against 0 or the 1 ms floor, the truth is still exact.

    The recorded take-rate truth equals a quadrature of E[clip(p + lift, 0, 1)] under the
    Beta, and the latency truth one of E[max(L + lift, 1)] under the lognormal; a 200,000-user
    experiment's ratio of sums and mean latency lie within 4 standard errors of them. (The
    truth once ignored the clip at 0, recording a take-rate lift of -0.05 where the
    simulated users' lift was about -0.045.)
    """
    m = simulate.EXPERIMENT_MODEL
    effect = {"take_rate": take_rate_effect, "latency_ms": latency_effect}
    log = simulate.make_experiment(200_000, seed=21, true_effect=effect)
    truth = log.attrs["truth"]
    a = m["take_rate_mean"] * m["take_rate_concentration"]
    beta = stats.beta(a, m["take_rate_concentration"] - a)
    take_t, _ = integrate.quad(
        lambda p: min(max(p + take_rate_effect, 0.0), 1.0) * beta.pdf(p), 0, 1, points=[0.1, 0.9]
    )
    assert truth["take_rate_treatment"] == pytest.approx(take_t, abs=1e-8)
    assert truth["take_rate_abs_lift"] == pytest.approx(take_t - beta.mean(), abs=1e-8)
    sd = math.hypot(m["latency_log_sd"], m["latency_engagement"])
    log_median = math.log(m["latency_ms_median"])
    kink = (math.log(max(1.0 - latency_effect, 1e-9)) - log_median) / sd  # z where the floor binds
    lat_t, _ = integrate.quad(
        lambda z: max(math.exp(log_median + sd * z) + latency_effect, 1.0) * stats.norm.pdf(z),
        -12,
        12,
        points=[min(max(kink, -11.0), 11.0)],
    )
    assert truth["latency_ms_treatment"] == pytest.approx(lat_t, rel=1e-7)

    treated = log[log["variant"] == "treatment"]
    plays, shown = treated["quality_plays"].to_numpy(float), treated["recs_shown"].to_numpy(float)
    ratio = plays.sum() / shown.sum()
    se = np.std(plays - ratio * shown, ddof=1) / (shown.mean() * math.sqrt(len(shown)))
    assert abs(ratio - truth["take_rate_treatment"]) < 4 * se
    latency = treated["rec_latency_ms"]
    assert abs(latency.mean() - truth["latency_ms_treatment"]) < 4 * latency.sem()


def test_take_rate_difference_is_within_three_standard_errors(big_experiment):
    """The take-rate lift (weighted least squares, robust SE) lies within 3 SE of the truth."""
    log = big_experiment
    users = log[log["recs_shown"] > 0]
    y = users["quality_plays"] / users["recs_shown"]
    x = sm.add_constant((users["variant"] == "treatment").astype(float))
    fit = sm.WLS(y, x, weights=users["recs_shown"]).fit(cov_type="HC1")
    truth = log.attrs["truth"]["take_rate_abs_lift"]
    assert abs(fit.params.iloc[1] - truth) < 3 * fit.bse.iloc[1]


@pytest.mark.parametrize(
    ("metric", "truth_key"),
    [
        ("retained_30d", "retention_abs_lift"),
        ("revenue_usd", "revenue_per_user_lift_usd"),
        ("rec_latency_ms", "latency_ms_abs_lift"),
    ],
)
def test_difference_in_means_is_within_three_standard_errors(big_experiment, metric, truth_key):
    """For each per-user metric, treatment minus control lies within 3 Welch SEs of the truth."""
    log = big_experiment
    t = log.loc[log["variant"] == "treatment", metric]
    c = log.loc[log["variant"] == "control", metric]
    result = stats.ttest_ind(t, c, equal_var=False)
    diff = t.mean() - c.mean()
    se = diff / result.statistic
    assert abs(diff - log.attrs["truth"][truth_key]) < 3 * se


def test_impressions_are_clustered_by_user():
    """The delta-method variance of the take-rate is over twice the naive binomial one."""
    log = simulate.make_experiment(40_000, seed=8)
    control = log[log["variant"] == "control"]
    x, n = control["quality_plays"].to_numpy(float), control["recs_shown"].to_numpy(float)
    ratio = x.sum() / n.sum()
    naive = ratio * (1 - ratio) / n.sum()
    # Linearisation: the ratio's influence function per user, (x - r n) / mean(n).
    delta = np.var(x - ratio * n, ddof=1) / (n.mean() ** 2 * len(n))
    assert delta > 2 * naive


def test_pre_period_covariate_correlates_with_the_outcome():
    """pre_watch_hours correlates 0.45-0.75 with quality plays (CUPED has something to use)."""
    log = simulate.make_experiment(40_000, seed=9)
    r = stats.pearsonr(log["pre_watch_hours"], log["quality_plays"]).statistic
    assert 0.45 <= r <= 0.75


@pytest.mark.parametrize(("srm", "flagged"), [(True, True), (False, False)])
def test_srm_is_detectable_at_the_shipped_size(srm, flagged):
    """With srm=True a chi-square test flags the split (p < 0.001); without it, it does not."""
    log = simulate.make_experiment(40_000, seed=12, srm=srm)
    counts = log["variant"].value_counts().to_numpy()
    p_value = stats.chisquare(counts).pvalue
    assert bool(p_value < 0.001) is flagged
    lost = log.attrs["truth"]["n_assigned_treatment"] - log.attrs["truth"]["n_logged_treatment"]
    assert bool(lost > 0) is srm


def test_custom_true_effect_is_recorded_and_applied():
    """A custom take-rate effect of zero gives a recorded lift of 0 and a null-looking test."""
    log = simulate.make_experiment(20_000, seed=3, true_effect={"take_rate": 0.0})
    assert log.attrs["truth"]["take_rate_abs_lift"] == 0.0
    assert log.attrs["truth"]["retention_abs_lift"] == pytest.approx(0.005, abs=1e-6)


def test_request_trace_has_a_daily_peak_and_the_requested_mean():
    """A one-day trace averages the requested rate and its busiest hour is 4-12x its quietest."""
    trace = simulate.make_request_trace(86_400, mean_rate_per_s=5.0, seed=3)
    assert list(trace.columns) == ["request_id", "arrival_s"]
    assert trace["arrival_s"].is_monotonic_increasing
    assert trace["arrival_s"].between(0, 86_400).all()
    assert np.allclose(trace["arrival_s"], trace["arrival_s"].round(3))
    expected = 5.0 * 86_400
    assert abs(len(trace) - expected) < 4 * math.sqrt(expected)
    hourly = np.bincount((trace["arrival_s"] // 3_600).astype(int), minlength=24)
    assert 4 <= hourly.max() / hourly.min() <= 12
    assert 18 <= int(np.argmax(hourly)) <= 22


def test_trace_rate_integrates_to_the_mean_rate():
    """The true rate curve integrates to mean_rate_per_s × duration (scipy quadrature)."""
    trace = simulate.make_request_trace(86_400, mean_rate_per_s=2.0, seed=7)
    truth = trace.attrs["truth"]
    edges = sorted({0.0, 86_400.0, *(b for burst in truth["bursts"] for b in burst[:2])})
    total = sum(
        integrate.quad(lambda t: simulate.trace_rate_per_s(t, truth=truth)[0], lo, hi)[0]
        for lo, hi in itertools.pairwise(edges)
    )
    assert total / 86_400 == pytest.approx(2.0, rel=1e-3)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: simulate.make_customers(0, seed=1), "n_customers"),
        (lambda: simulate.make_customers(10.5, seed=1), "n_customers"),
        (lambda: simulate.make_customers(10, seed=-1), "seed"),
        (lambda: simulate.make_customers(10, seed=1.5), "seed"),
        (lambda: simulate.make_customers(10, seed=1, churn_shift=float("nan")), "churn_shift"),
        (lambda: simulate.make_customers(10, seed=1, snapshot_date="someday"), "snapshot_date"),
        (lambda: simulate.make_activity("customers", 12, seed=1), "customers"),
        (lambda: simulate.make_activity(pd.DataFrame({"a": [1]}), 12, seed=1), "customers"),
        (lambda: simulate.make_activity(simulate.make_customers(5, seed=1), 0, seed=1), "n_months"),
        (lambda: simulate.make_experiment(5, seed=1), "n_users"),
        (lambda: simulate.make_experiment(100, seed=1, true_effect={"ctr": 0.1}), "true_effect"),
        (
            lambda: simulate.make_experiment(100, seed=1, true_effect={"take_rate": 2.0}),
            "true_effect['take_rate']",
        ),
        (lambda: simulate.make_experiment(100, seed=1, designed_split=1.5), "designed_split"),
        (lambda: simulate.make_experiment(100, seed=1, srm="yes"), "srm"),
        (lambda: simulate.make_experiment(100, seed=1, n_days=0), "n_days"),
        (lambda: simulate.make_request_trace(0, seed=1), "duration_s"),
        (lambda: simulate.make_request_trace(60, mean_rate_per_s=0, seed=1), "mean_rate_per_s"),
        (lambda: simulate.make_request_trace(60, seed=1, peak_to_trough=0.5), "peak_to_trough"),
        (lambda: simulate.make_request_trace(60, seed=1, peak_hour=25), "peak_hour"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(call, argument):
    """Each invalid argument raises ValueError whose message names that argument."""
    with pytest.raises(ValueError, match=f"`{argument}`" if "[" not in argument else "take_rate"):
        call()


# --------------------------------------------------------------------------- make_events


def _window_aggregates(events: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """The snapshot's 30-day columns recomputed from the events with plain pandas."""
    as_of = pd.Timestamp(simulate.SNAPSHOT_DATE, tz="UTC")
    window = events[(events["ts"] > as_of - pd.Timedelta(days=30)) & (events["ts"] <= as_of)]
    counts = pd.crosstab(window["customer_id"], window["event"].astype(str))
    hours = window.groupby("customer_id")["watch_hours"].sum()
    out = pd.DataFrame(index=pd.Index(customers["customer_id"], name="customer_id"))
    for col, kind in (
        ("sessions_30d", "session"),
        ("recs_shown_30d", "impression"),
        ("quality_plays_30d", "click"),
    ):
        out[col] = counts[kind].reindex(out.index, fill_value=0).to_numpy()
    out["watch_hours_30d"] = hours.reindex(out.index, fill_value=0.0).round(1).to_numpy()
    shown = out["recs_shown_30d"].to_numpy()
    plays = out["quality_plays_30d"].to_numpy()
    out["take_rate_30d"] = [
        round(q / r, 4) if r else 0.0 for q, r in zip(plays, shown, strict=True)
    ]
    return out


@pytest.mark.parametrize("source", ["shipped", "fresh"])
def test_events_reproduce_the_snapshot_30d_columns(source):
    """Per customer, the last 30 days of events give the snapshot's 30-day columns exactly."""
    if source == "shipped":
        from mlsd import datasets

        customers = datasets.load_customers().iloc[:1_500]
    else:
        customers = simulate.make_customers(1_500, seed=77)
    events = simulate.make_events(customers, seed=5)
    got = _window_aggregates(events, customers)
    snap = customers.set_index("customer_id")
    for col in ("sessions_30d", "recs_shown_30d", "quality_plays_30d", "take_rate_30d"):
        np.testing.assert_array_equal(got[col].to_numpy(), snap[col].to_numpy(), err_msg=col)
    np.testing.assert_array_equal(
        got["watch_hours_30d"].to_numpy(), snap["watch_hours_30d"].to_numpy()
    )


def test_events_have_the_documented_columns_dtypes_and_truth():
    """Columns, dtypes, time order, the window and the truth keys are as documented."""
    customers = simulate.make_customers(300, seed=8)
    events = simulate.make_events(customers, seed=8, history_days=45)
    assert list(events.columns) == [
        "customer_id", "ts", "event", "session_id", "watch_hours", "play_delay_s",
    ]  # fmt: skip
    assert isinstance(events["ts"].dtype, pd.DatetimeTZDtype)
    assert str(events["ts"].dt.tz) == "UTC"
    assert list(events["event"].cat.categories) == [
        "session", "impression", "click", "play", "cancel_page",
    ]  # fmt: skip
    assert str(events["session_id"].dtype) == "Int64"
    assert pd.api.types.is_string_dtype(events["customer_id"])
    assert events["ts"].is_monotonic_increasing
    truth = events.attrs["truth"]
    assert set(truth) >= {
        "as_of", "window_days", "history_days", "start", "event_types", "utc_offset_hours",
        "snapshot_columns", "n_customers", "seed",
    }  # fmt: skip
    as_of = pd.Timestamp(truth["as_of"])
    assert as_of == pd.Timestamp("2024-06-30", tz="UTC")
    assert pd.Timestamp(truth["start"]) == as_of - pd.Timedelta(days=45)
    assert truth["window_days"] == 30 and truth["history_days"] == 45
    assert events["ts"].min() > as_of - pd.Timedelta(days=45)
    assert events["ts"].max() <= as_of
    assert json.loads(json.dumps(truth)) == truth  # plain JSON, so Parquet keeps it
    # No event before the customer signed up.
    signup = events["customer_id"].map(customers.set_index("customer_id")["signup_date"])
    assert (events["ts"].dt.tz_localize(None) > signup).all()
    # Watch hours and play delays only on plays, and positive there.
    is_play = (events["event"] == "play").to_numpy()
    assert (events.loc[is_play, "watch_hours"] > 0).all()
    assert (events.loc[~is_play, "watch_hours"] == 0).all()
    assert events.loc[is_play, "play_delay_s"].gt(0).all()
    assert events.loc[~is_play, "play_delay_s"].isna().all()


def test_sessions_group_their_events():
    """Each session id has one session event, one customer, and no event before its start."""
    customers = simulate.make_customers(300, seed=9)
    events = simulate.make_events(customers, seed=9)
    inside = events[events["session_id"].notna()]
    starts = inside[inside["event"] == "session"]
    assert starts["session_id"].is_unique
    assert (starts["session_id"].to_numpy() == np.arange(1, len(starts) + 1)).all()
    per_session = inside.groupby("session_id")
    assert (per_session["customer_id"].nunique() == 1).all()
    first = per_session["ts"].transform("min")
    assert (
        inside.loc[inside["event"] == "session", "ts"] == first[inside["event"] == "session"]
    ).all()
    assert set(inside["session_id"]) == set(starts["session_id"])
    # Events outside a session belong to customer-blocks without sessions.
    outside = events[events["session_id"].isna()]
    assert not (outside["event"] == "session").any()


def test_previous_30_days_hold_the_watch_trend():
    """Days 31-60 before the snapshot sum to watch_hours_30d / (1 + watch_trend), rounded."""
    customers = simulate.make_customers(800, seed=10)
    events = simulate.make_events(customers, seed=10)
    as_of = pd.Timestamp(simulate.SNAPSHOT_DATE, tz="UTC")
    old = events[(events["ts"] <= as_of - pd.Timedelta(days=30))]
    hours = old.groupby("customer_id")["watch_hours"].sum().round(1)
    full = customers[
        customers["signup_date"] <= pd.Timestamp(simulate.SNAPSHOT_DATE) - pd.Timedelta(days=60)
    ]
    expected = np.round(
        np.minimum(full["watch_hours_30d"] / (1 + full["watch_trend"]), 200.0), 1
    ).to_numpy()
    got = hours.reindex(full["customer_id"], fill_value=0.0).to_numpy()
    np.testing.assert_allclose(got, expected, atol=0.1 + 1e-9)
    assert np.mean(got == expected) > 0.95


def test_visits_peak_in_the_local_evening():
    """Sessions cluster in the local evening; in UTC the peak hour differs between regions."""
    customers = simulate.make_customers(1_500, seed=11)
    events = simulate.make_events(customers, seed=11, history_days=30)
    sessions = events[events["event"] == "session"].merge(customers[["customer_id", "region"]])
    offsets = sessions["region"].map(simulate.EVENT_UTC_OFFSET_HOURS)
    local_hour = (sessions["ts"].dt.hour + sessions["ts"].dt.minute / 60 + offsets) % 24
    assert ((local_hour >= 18) & (local_hour < 23.5)).mean() > 0.6
    utc_peak = sessions.groupby("region")["ts"].agg(lambda t: t.dt.hour.mode().iloc[0])
    assert utc_peak["asia_pacific"] != utc_peak["north_america"]


def test_cancel_page_visits_rise_with_true_churn_risk():
    """Customers in the top decile of true churn risk visit the cancel page far more often."""
    customers = simulate.make_customers(4_000, seed=12)
    events = simulate.make_events(customers, seed=12, history_days=30)
    visits = events[events["event"] == "cancel_page"].groupby("customer_id").size()
    per_customer = visits.reindex(customers["customer_id"], fill_value=0).to_numpy()
    risk = customers["true_churn_prob_30d"].to_numpy()
    top = risk >= np.quantile(risk, 0.9)
    assert per_customer[top].mean() > 3 * per_customer[~top].mean()


def test_events_are_reproducible_and_subsettable():
    """Same seed, same log; another seed, another log; n_customers equals passing the head."""
    customers = simulate.make_customers(200, seed=13)
    a = simulate.make_events(customers, seed=3)
    pd.testing.assert_frame_equal(a, simulate.make_events(customers, seed=3))
    assert not a.equals(simulate.make_events(customers, seed=4))
    pd.testing.assert_frame_equal(
        simulate.make_events(customers, seed=3, n_customers=50),
        simulate.make_events(customers.head(50), seed=3),
    )


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: simulate.make_events("customers", seed=1), "customers"),
        (lambda: simulate.make_events(pd.DataFrame({"a": [1]}), seed=1), "customers"),
        (lambda: simulate.make_events(simulate.make_customers(5, seed=1), seed=-1), "seed"),
        (
            lambda: simulate.make_events(
                simulate.make_customers(5, seed=1), seed=1, history_days=7
            ),
            "history_days",
        ),
        (
            lambda: simulate.make_events(
                simulate.make_customers(5, seed=1), seed=1, snapshot_date="someday"
            ),
            "snapshot_date",
        ),
    ],
)
def test_make_events_refuses_bad_arguments_by_name(call, argument):
    """Each invalid argument of make_events raises ValueError naming it."""
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call()


# ----------------------------------------------------------------------------- survey sample
# Tests for make_survey and survey_response_prob (chapter 4, sampling notebook).


def _engagement_index_by_hand(customers):
    """The documented engagement index, recomputed with scipy.stats.zscore and scipy's logit."""
    usage = (
        stats.zscore(np.log1p(customers["watch_hours_30d"].to_numpy(float)))
        + stats.zscore(customers["watch_trend"].clip(-1, 1).to_numpy(float))
        + stats.zscore(customers["take_rate_30d"].to_numpy(float))
    )
    risk = stats.zscore(special.logit(customers["true_churn_prob_30d"].to_numpy(float)))
    return np.clip(stats.zscore(stats.zscore(usage) - risk), -2.0, 2.0)


def test_survey_response_prob_matches_the_documented_model():
    """The probabilities are sigmoid(a + effect·index) with a found by scipy's brentq."""
    from scipy import optimize

    customers = simulate.make_customers(3_000, seed=11)
    index = _engagement_index_by_hand(customers)
    a = optimize.brentq(lambda a: special.expit(a + 1.3 * index).mean() - 0.15, -40, 40)
    p = simulate.survey_response_prob(customers, response_rate=0.15, engagement_effect=1.3)
    np.testing.assert_allclose(p, special.expit(a + 1.3 * index), rtol=1e-9, atol=1e-12)
    assert p.mean() == pytest.approx(0.15, abs=1e-9)


def test_survey_without_engagement_effect_is_a_simple_random_sample():
    """With engagement_effect 0 every customer answers with the same probability."""
    customers = simulate.make_customers(1_000, seed=2)
    p = simulate.survey_response_prob(customers, response_rate=0.3, engagement_effect=0.0)
    np.testing.assert_allclose(p, 0.3)


def test_survey_is_reproducible_and_keeps_customer_rows():
    """The same seed gives the same respondents, each a row of the customers plus its p."""
    customers = simulate.make_customers(4_000, seed=5)
    a = simulate.make_survey(customers, seed=9)
    b = simulate.make_survey(customers, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [*customers.columns, "true_response_prob"]
    pd.testing.assert_frame_equal(a[customers.columns], customers.loc[a.index])
    p = simulate.survey_response_prob(customers)
    np.testing.assert_allclose(a["true_response_prob"], p[a.index.to_numpy()])
    truth = a.attrs["truth"]
    assert truth["n_responded"] == len(a) and truth["n_invited"] == 4_000
    assert truth["churn_rate_30d"] == customers["churned_30d"].mean()


def test_survey_response_count_and_bias_match_the_recorded_probabilities():
    """Respondents number sum(p) within 4 binomial SDs; they churn less than the base."""
    customers = simulate.make_customers(20_000, seed=3)
    survey = simulate.make_survey(customers, seed=4, response_rate=0.2)
    p = simulate.survey_response_prob(customers, response_rate=0.2)
    assert abs(len(survey) - p.sum()) < 4 * math.sqrt((p * (1 - p)).sum())
    base = customers["churned_30d"].mean()
    se = math.sqrt(base * (1 - base) / len(survey))
    assert survey["churned_30d"].mean() < base - 3 * se
    # Horvitz-Thompson with the recorded probabilities estimates the base's churn count.
    ht = (survey["churned_30d"] / survey["true_response_prob"]).sum()
    var = ((1 - survey["true_response_prob"]) / survey["true_response_prob"] ** 2).sum()
    assert abs(ht - customers["churned_30d"].sum()) < 4 * math.sqrt(var)


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda c: simulate.make_survey("c", seed=1), "customers"),
        (lambda c: simulate.make_survey(c[["customer_id"]], seed=1), "customers"),
        (lambda c: simulate.make_survey(c.iloc[:0], seed=1), "customers"),
        (lambda c: simulate.make_survey(c, seed=-1), "seed"),
        (lambda c: simulate.make_survey(c, seed=1, response_rate=1.0), "response_rate"),
        (lambda c: simulate.make_survey(c, seed=1, engagement_effect=-1), "engagement_effect"),
        (lambda c: simulate.survey_response_prob(c, response_rate="0.1"), "response_rate"),
    ],
)
def test_survey_bad_arguments_name_the_argument(call, argument):
    """Each invalid argument of the survey generator raises ValueError naming it."""
    customers = simulate.make_customers(50, seed=1)
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call(customers)


# --------------------------------------------------------------------------- cancellation notes
# make_cancellation_notes: notes from the true reason, annotators with known confusion matrices.


@pytest.fixture(scope="module")
def notes_world():
    """40,000 customers and their cancellation notes (about 5,600 notes)."""
    customers = simulate.make_customers(40_000, seed=21)
    return customers, simulate.make_cancellation_notes(customers, seed=21)


def test_notes_one_row_per_cancelling_customer(notes_world):
    """One note per customer with a churn reason, in the customers' order, with their day."""
    customers, notes = notes_world
    leaving = customers[customers["churn_reason"].notna()]
    assert notes["customer_id"].tolist() == leaving["customer_id"].tolist()
    assert notes["days_to_churn"].tolist() == leaving["days_to_churn"].tolist()
    assert notes.attrs["truth"]["true_reason"] == leaving["churn_reason"].tolist()
    assert list(notes.columns) == [
        "customer_id", "days_to_churn", "note", "label_careful", "label_hurried", "label_biased",
    ]  # fmt: skip


def test_notes_same_seed_same_frame_other_seed_other_labels():
    """The same seed gives identical notes and labels; another seed changes them."""
    customers = simulate.make_customers(3_000, seed=2)
    a = simulate.make_cancellation_notes(customers, seed=4)
    b = simulate.make_cancellation_notes(customers, seed=4)
    c = simulate.make_cancellation_notes(customers, seed=5)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.attrs["truth"] == b.attrs["truth"]
    assert not a["label_hurried"].equals(c["label_hurried"])


def test_clear_notes_name_their_reason_and_vague_ones_none(notes_world):
    """A clear note holds a sentence of its true reason; a vague note holds no reason sentence."""
    _, notes = notes_world
    truth = notes.attrs["truth"]
    # each template as a regex: slots match any text, the first letter either case
    patterns = {
        reason: [
            re.compile(f"(?i:{re.escape(t[0])})" + re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t[1:])))
            for t in templates
        ]
        for reason, templates in simulate.NOTE_SENTENCES.items()
    }
    for note, reason, clear in zip(
        notes["note"], truth["true_reason"], truth["note_is_clear"], strict=True
    ):
        found = {r for r, ps in patterns.items() if any(p.search(note) for p in ps)}
        if clear:
            assert reason in found, (note, reason)
        else:
            assert not found, (note, found)


def test_annotators_label_with_their_confusion_matrices(notes_world):
    """Each annotator's observed label shares per true reason fit their matrix (chi-square)."""
    _, notes = notes_world
    truth = notes.attrs["truth"]
    reasons = truth["reasons"]
    true = np.array(truth["true_reason"], dtype=object)
    for name in truth["annotators"]:
        matrix = np.array(truth["confusion"][name])
        assert np.allclose(matrix.sum(axis=1), 1.0)
        labels = notes[f"label_{name}"].to_numpy(dtype=object)
        for k, reason in enumerate(reasons):
            rows = labels[true == reason]
            observed = np.array([np.sum(rows == r) for r in reasons])
            expected = matrix[k] * len(rows)
            p = stats.chisquare(observed, expected).pvalue
            assert p > 1e-4, (name, reason, observed, expected)


def test_recorded_accuracy_is_the_diagonal_weighted_by_the_reasons(notes_world):
    """The truth's accuracy is sum over reasons of share × diagonal, computed here by hand."""
    _, notes = notes_world
    truth = notes.attrs["truth"]
    shares = pd.Series(truth["true_reason"]).value_counts(normalize=True)
    for name in truth["annotators"]:
        matrix = truth["confusion"][name]
        by_hand = sum(shares[r] * matrix[k][k] for k, r in enumerate(truth["reasons"]))
        assert truth["accuracy"][name] == pytest.approx(by_hand, abs=1e-9)
        realised = np.mean(notes[f"label_{name}"].to_numpy(dtype=object) == truth["true_reason"])
        assert realised == pytest.approx(by_hand, abs=0.03)


def test_biased_annotator_pulls_toward_price(notes_world):
    """The biased annotator calls about a third of the other reasons' notes price."""
    _, notes = notes_world
    true = np.array(notes.attrs["truth"]["true_reason"], dtype=object)
    labels = notes["label_biased"].to_numpy(dtype=object)
    assert np.mean(labels[true != "price"] == "price") == pytest.approx(0.33, abs=0.03)
    assert np.mean(labels[true == "price"] == "price") == pytest.approx(0.95, abs=0.03)


def test_notes_options_change_the_notes():
    """No clear notes at clear_share=0, an opening on every note at distractor_share=1."""
    customers = simulate.make_customers(3_000, seed=8)
    vague = simulate.make_cancellation_notes(customers, seed=1, clear_share=0.0)
    assert not any(vague.attrs["truth"]["note_is_clear"])
    openings = [o for os in simulate.DISTRACTOR_OPENINGS.values() for o in os]
    framed = simulate.make_cancellation_notes(customers, seed=1, distractor_share=1.0)
    assert all(any(n.startswith(o) for o in openings) for n in framed["note"])
    five = simulate.make_cancellation_notes(customers, seed=1, n_annotators=5)
    assert five.attrs["truth"]["annotators"] == [
        "careful", "hurried", "biased", "careful_2", "hurried_2",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"n_annotators": 0}, "n_annotators"),
        ({"n_annotators": 10}, "n_annotators"),
        ({"n_annotators": 2.0}, "n_annotators"),
        ({"clear_share": 1.5}, "clear_share"),
        ({"distractor_share": -0.1}, "distractor_share"),
        ({"seed": -1}, "seed"),
    ],
)
def test_notes_bad_arguments_name_the_argument(kwargs, argument):
    """Each invalid option raises ValueError naming it."""
    customers = simulate.make_customers(200, seed=1)
    with pytest.raises(ValueError, match=f"`{argument}`"):
        simulate.make_cancellation_notes(customers, **{"seed": 1, **kwargs})


def test_notes_refuse_a_frame_without_reasons():
    """A frame without the churn reason is refused, naming the missing column."""
    customers = simulate.make_customers(200, seed=1).drop(columns="churn_reason")
    with pytest.raises(ValueError, match=r"`customers` lacks the columns \['churn_reason'\]"):
        simulate.make_cancellation_notes(customers, seed=1)
