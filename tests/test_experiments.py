"""Tests for mlsd.experiments against scipy, statsmodels, published examples and brute force."""

from __future__ import annotations

import re

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportion_effectsize,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from mlsd import experiments as ex

# ----------------------------------------------------------------------------- SRM


def test_srm_kohavi_example():
    """The SRM example of Kohavi, Tang & Xu (ch. 21): 821,588 vs 815,482 at 50/50 is p ≈ 1.8e-6."""
    r = ex.srm_test([821_588, 815_482])
    assert r.srm
    assert r.p_value == pytest.approx(1.8e-6, rel=0.03)
    assert r.counts[1] / r.counts[0] == pytest.approx(0.993, abs=5e-4)  # the book's ratio


@pytest.mark.parametrize(
    ("counts", "shares"),
    [
        ([5_050, 4_950], None),
        ([10_321, 9_679], [0.5, 0.5]),
        ([6_100, 3_900], [0.6, 0.4]),
        ([3_400, 3_300, 3_500], None),
        ([1_000, 2_100, 2_950, 4_000], [0.1, 0.2, 0.3, 0.4]),
    ],
)
def test_srm_matches_scipy_chisquare(counts, shares):
    """The chi-square statistic and p-value equal scipy's goodness-of-fit test."""
    total = sum(counts)
    f_exp = None if shares is None else [total * s for s in shares]
    ref = stats.chisquare(counts, f_exp=f_exp)
    r = ex.srm_test(counts, designed_shares=shares)
    assert r.chi2 == pytest.approx(ref.statistic, rel=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-8)
    assert r.df == len(counts) - 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_srm_random_inputs_match_scipy(seed):
    """On random counts and designed splits the p-value equals scipy's chisquare."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    shares = rng.dirichlet(np.ones(k) * 5)
    counts = rng.multinomial(int(rng.integers(1_000, 100_000)), shares)
    ref = stats.chisquare(counts, f_exp=counts.sum() * shares)
    assert ex.srm_test(counts, designed_shares=shares).p_value == pytest.approx(
        ref.pvalue, rel=1e-8
    )


def test_srm_mapping_and_split_verdicts():
    """A designed 60/40 split observed as 60/40 passes, the same counts against 50/50 fail."""
    counts = {"control": 6_000, "treatment": 4_000}
    assert not ex.srm_test(counts, designed_shares=[0.6, 0.4]).srm
    assert ex.srm_test(counts).srm


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"counts": [100]}, "counts"),
        ({"counts": []}, "counts"),
        ({"counts": [100, -1]}, "counts[1]"),
        ({"counts": [100, 2.5]}, "counts[1]"),
        ({"counts": [0, 0]}, "counts"),
        ({"counts": [10, 10], "designed_shares": [0.7, 0.7]}, "designed_shares"),
        ({"counts": [10, 10], "designed_shares": [1.0, 0.0]}, "designed_shares"),
        ({"counts": [10, 10], "designed_shares": [0.5, 0.3, 0.2]}, "designed_shares"),
        ({"counts": [10, 10], "alpha": 0.0}, "alpha"),
        ({"counts": [10, 10], "alpha": 1.5}, "alpha"),
    ],
)
def test_srm_rejects_bad_arguments(kwargs, name):
    """Bad counts, shares or alpha raise ValueError naming the argument."""
    options = dict(kwargs)
    counts = options.pop("counts")
    with pytest.raises(ValueError, match=re.escape(f"`{name}`")):
        ex.srm_test(counts, **options)


# ----------------------------------------------------------------------------- two proportions


@pytest.mark.parametrize(
    ("sc", "nc", "st", "nt"),
    [(900, 1_000, 930, 1_000), (120, 2_000, 151, 2_100), (4_012, 50_000, 3_890, 49_500)],
)
def test_two_proportion_test_matches_statsmodels(sc, nc, st, nt):
    """z and p equal proportions_ztest; the absolute interval equals the Wald interval."""
    r = ex.two_proportion_test(sc, nc, st, nt)
    z_ref, p_ref = proportions_ztest([st, sc], [nt, nc])
    assert r.z == pytest.approx(z_ref, rel=1e-10)
    assert r.p_value == pytest.approx(p_ref, rel=1e-8)
    lo, hi = confint_proportions_2indep(st, nt, sc, nc, method="wald", compare="diff")
    assert r.abs_ci == pytest.approx((lo, hi), rel=1e-10)
    assert r.abs_lift == pytest.approx(st / nt - sc / nc)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_relative_log_interval_matches_statsmodels(seed):
    """The "log" relative interval equals statsmodels' log ratio interval minus one."""
    rng = np.random.default_rng(seed)
    nc, nt = (int(v) for v in rng.integers(500, 20_000, size=2))
    sc, st = int(rng.binomial(nc, 0.2)), int(rng.binomial(nt, 0.22))
    r = ex.two_proportion_test(sc, nc, st, nt, relative_method="log")
    lo, hi = confint_proportions_2indep(st, nt, sc, nc, method="log", compare="ratio")
    assert r.rel_ci == pytest.approx((lo - 1, hi - 1), rel=1e-9)


@pytest.mark.parametrize(("c", "vc", "t", "vt"), [(0.1, 1e-5, 0.12, 2e-5), (5.0, 0.04, 4.6, 0.09)])
def test_relative_delta_se_matches_numerical_gradient(c, vc, t, vt):
    """The delta-method se of t/c - 1 equals the one from a finite-difference gradient."""
    r = ex.lift_confidence_interval(c, vc, t, vt, alpha=0.05)
    h = 1e-6
    d_dt = ((t + h) / c - (t - h) / c) / (2 * h)
    d_dc = (t / (c + h) - t / (c - h)) / (2 * h)
    se = np.sqrt(d_dt**2 * vt + d_dc**2 * vc)
    z = stats.norm.ppf(0.975)
    assert r.rel_ci == pytest.approx((t / c - 1 - z * se, t / c - 1 + z * se), rel=1e-6)


@pytest.mark.parametrize("relative_method", ["delta", "log"])
def test_intervals_cover_at_nominal_rate(relative_method):
    """Over 2,000 simulated experiments the 95% intervals cover the true lifts ~95% of the time."""
    rng = np.random.default_rng(11)
    p_c, p_t, n = 0.3, 0.33, 3_000
    sc = rng.binomial(n, p_c, size=2_000)
    st = rng.binomial(n, p_t, size=2_000)
    abs_cover, rel_cover = [], []
    for a, b in zip(sc, st, strict=True):
        r = ex.two_proportion_test(int(a), n, int(b), n, relative_method=relative_method)
        abs_cover.append(r.abs_ci[0] <= p_t - p_c <= r.abs_ci[1])
        rel_cover.append(r.rel_ci[0] <= p_t / p_c - 1 <= r.rel_ci[1])
    se = np.sqrt(0.95 * 0.05 / 2_000)
    assert np.mean(abs_cover) == pytest.approx(0.95, abs=4 * se)
    assert np.mean(rel_cover) == pytest.approx(0.95, abs=4 * se)


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((-1, 100, 5, 100), {}, "successes_control"),
        ((5, 0, 5, 100), {}, "n_control"),
        ((5, 100, 101, 100), {}, "successes_treatment"),
        ((5, 100, 5, -100), {}, "n_treatment"),
        ((5, 100.5, 5, 100), {}, "n_control"),
        ((5, 100, 5, 100), {"alpha": 1.0}, "alpha"),
        ((5, 100, 5, 100), {"relative_method": "fieller"}, "relative_method"),
    ],
)
def test_two_proportion_rejects_bad_arguments(args, kwargs, name):
    """Negative counts, empty arms, too many successes or a bad alpha raise ValueError."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        ex.two_proportion_test(*args, **kwargs)


def test_lift_rejects_bad_variances():
    """A negative variance or a zero control raises ValueError naming it."""
    with pytest.raises(ValueError, match="`var_control`"):
        ex.lift_confidence_interval(0.1, -1e-4, 0.1, 1e-4)
    with pytest.raises(ValueError, match="`control`"):
        ex.lift_confidence_interval(0.0, 1e-4, 0.1, 1e-4)


# ----------------------------------------------------------------------------- ratio metrics


def _clustered_users(rng, n_users, *, base=0.2, spread=8.0):
    """Users with their own take-rate (Beta) and Poisson-many recommendations."""
    shown = rng.poisson(30, size=n_users) + 1
    own_rate = rng.beta(base * spread, (1 - base) * spread, size=n_users)
    plays = rng.binomial(shown, own_rate)
    return plays, shown


def test_ratio_metric_with_unit_denominators_is_a_mean():
    """With all denominators 1 the delta variance is the variance of the mean, var(x)/n."""
    x = np.random.default_rng(0).gamma(2.0, 3.0, size=500)
    m = ex.ratio_metric(x, np.ones_like(x))
    assert m.value == pytest.approx(x.mean())
    assert m.variance == pytest.approx(np.var(x, ddof=1) / x.size, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ratio_variance_matches_user_bootstrap(seed):
    """The delta-method variance is within 12% of a 2,000-draw user-level bootstrap."""
    rng = np.random.default_rng(seed)
    plays, shown = _clustered_users(rng, 2_000)
    m = ex.ratio_metric(plays, shown)
    idx = rng.integers(0, plays.size, size=(2_000, plays.size))
    boot = plays[idx].sum(axis=1) / shown[idx].sum(axis=1)
    assert m.variance == pytest.approx(boot.var(ddof=1), rel=0.12)


def test_ratio_variance_matches_monte_carlo():
    """Across 2,000 simulated experiments the spread of the ratio matches the delta variance."""
    rng = np.random.default_rng(7)
    ratios, variances = [], []
    for _ in range(2_000):
        plays, shown = _clustered_users(rng, 400)
        m = ex.ratio_metric(plays, shown)
        ratios.append(m.value)
        variances.append(m.variance)
    assert np.mean(variances) == pytest.approx(np.var(ratios, ddof=1), rel=0.08)


def test_naive_variance_understates_clustered_ratio():
    """Correlated plays within users make the delta variance several times the binomial one."""
    plays, shown = _clustered_users(np.random.default_rng(1), 5_000)
    m = ex.ratio_metric(plays, shown)
    naive = m.value * (1 - m.value) / shown.sum()
    assert m.variance > 2 * naive


def test_ratio_variance_equals_binomial_without_clustering():
    """With one shared rate and equal exposure per user, delta and binomial variances agree."""
    rng = np.random.default_rng(2)
    shown = np.full(20_000, 25)
    plays = rng.binomial(shown, 0.2)
    m = ex.ratio_metric(plays, shown)
    assert m.variance == pytest.approx(m.value * (1 - m.value) / shown.sum(), rel=0.05)


def test_ratio_lift_covers_true_difference():
    """ratio_lift's 95% interval covers the true take-rate difference about 95% of the time."""
    rng = np.random.default_rng(5)
    hits = []
    for _ in range(1_000):
        pc, sc = _clustered_users(rng, 500, base=0.20)
        pt, st = _clustered_users(rng, 500, base=0.22)
        r = ex.ratio_lift(pc, sc, pt, st)
        hits.append(r.abs_ci[0] <= 0.02 <= r.abs_ci[1])
    assert np.mean(hits) == pytest.approx(0.95, abs=4 * np.sqrt(0.95 * 0.05 / 1_000))


@pytest.mark.parametrize("take_rate_effect", [0.01, -0.1])
def test_ratio_lift_covers_the_simulators_truth(take_rate_effect):
    """Across 200 simulated experiments the 95% interval misses the recorded truth 2-20 times.

    End to end: mlsd.simulate's recorded take-rate lift against ratio_lift on its logs.
    With exact 95% coverage, 200 experiments miss between 2 and 20 times with probability
    0.996. A wrong truth (the lift of -0.1 once recorded as -0.1 where users moved by about
    -0.076) or a variance that ignored correlation within users lands far outside.
    """
    from mlsd import simulate

    misses = 0
    for seed in range(200):
        log = simulate.make_experiment(
            2_000, seed=seed, true_effect={"take_rate": take_rate_effect}
        )
        treated = (log["variant"] == "treatment").to_numpy()
        plays, shown = log["quality_plays"].to_numpy(), log["recs_shown"].to_numpy()
        r = ex.ratio_lift(plays[~treated], shown[~treated], plays[treated], shown[treated])
        truth = log.attrs["truth"]["take_rate_abs_lift"]
        misses += not r.abs_ci[0] <= truth <= r.abs_ci[1]
    assert stats.binom.cdf(1, 200, 0.05) + stats.binom.sf(20, 200, 0.05) < 0.005
    assert 2 <= misses <= 20, misses


@pytest.mark.parametrize(
    ("num", "den", "match"),
    [
        ([1, 2, 3], [1, 2], "same length"),
        ([1], [2], "at least two"),
        ([1, 2], [0, 0], "sum to 0"),
        ([1, np.nan], [1, 2], "`numerators`.*nan"),
    ],
)
def test_ratio_metric_rejects_bad_inputs(num, den, match):
    """Mismatched lengths, a single user, zero denominators or NaN raise ValueError."""
    with pytest.raises(ValueError, match=match):
        ex.ratio_metric(num, den)


# ----------------------------------------------------------------------------- sample size


def test_sample_size_r_power_prop_test_example():
    """R's documented example power.prop.test(p1 = .50, p2 = .75, power = .90) gives n = 76.7."""
    assert ex.sample_size_two_proportions(0.5, 0.25, power=0.9) == pytest.approx(76.7, abs=0.05)


def test_power_r_power_prop_test_example():
    """R's documented example power.prop.test(n = 50, p1 = .5, p2 = .75) gives power = 0.74."""
    assert ex.power_two_proportions(0.5, 0.25, 50) == pytest.approx(0.74, abs=0.005)


@pytest.mark.parametrize(
    ("baseline", "mde", "alpha", "power", "ratio", "two_sided"),
    [
        (0.10, 0.01, 0.05, 0.80, 1.0, True),
        (0.25, -0.02, 0.01, 0.90, 1.0, True),
        (0.80, 0.015, 0.05, 0.80, 2.0, True),
        (0.03, 0.005, 0.10, 0.95, 0.5, False),
        (0.50, 0.10, 0.05, 0.80, 1.0, False),
    ],
)
def test_sample_size_matches_statsmodels(baseline, mde, alpha, power, ratio, two_sided):
    """n equals statsmodels' samplesize_proportions_2indep_onetail (pooled null, unpooled alt)."""
    # statsmodels' sample 1 is our control; its ratio is nobs2 / nobs1 = treatment / control
    ref = samplesize_proportions_2indep_onetail(
        -mde,
        baseline + mde,
        power,
        ratio=ratio,
        alpha=alpha,
        alternative="two-sided" if two_sided else ("smaller" if mde > 0 else "larger"),
    )
    n = ex.sample_size_two_proportions(
        baseline, mde, alpha=alpha, power=power, ratio=ratio, two_sided=two_sided
    )
    assert n == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize(("baseline", "mde", "n"), [(0.1, 0.01, 10_000), (0.4, -0.05, 800)])
def test_power_matches_statsmodels(baseline, mde, n):
    """Power equals statsmodels' power_proportions_2indep (up to its negligible far tail)."""
    ref = power_proportions_2indep(-mde, baseline + mde, n, alpha=0.05).power
    assert ex.power_two_proportions(baseline, mde, n) == pytest.approx(ref, abs=1e-4)


@pytest.mark.parametrize(("baseline", "mde"), [(0.1, 0.01), (0.3, 0.03), (0.6, -0.04)])
def test_sample_size_close_to_cohens_h(baseline, mde):
    """The arcsine (Cohen's h) NormalIndPower answer differs by under 2% for small effects."""
    h = proportion_effectsize(baseline + mde, baseline)
    ref = NormalIndPower().solve_power(effect_size=h, power=0.8, alpha=0.05)
    assert ex.sample_size_two_proportions(baseline, mde) == pytest.approx(ref, rel=0.02)


def test_relative_mde_is_a_share_of_baseline():
    """A 5% relative MDE at a 20% baseline needs the users of a 1-point absolute MDE."""
    rel = ex.sample_size_two_proportions(0.2, 0.05, relative=True)
    ref = samplesize_proportions_2indep_onetail(-0.01, 0.21, 0.8)
    assert rel == pytest.approx(ref, rel=1e-9)


def test_sample_size_achieves_power_by_simulation():
    """Experiments of the computed size reject about `power` of the time (Monte Carlo)."""
    n = int(np.ceil(ex.sample_size_two_proportions(0.2, 0.02, power=0.8)))
    rng = np.random.default_rng(3)
    sc = rng.binomial(n, 0.2, size=4_000)
    st = rng.binomial(n, 0.22, size=4_000)
    pooled = (sc + st) / (2 * n)
    z = (st - sc) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    assert np.mean(np.abs(z) > stats.norm.ppf(0.975)) == pytest.approx(0.8, abs=0.025)


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((0.0, 0.01), {}, "baseline"),
        ((1.0, 0.01), {}, "baseline"),
        ((1.2, 0.01), {}, "baseline"),
        ((0.1, 0.0), {}, "mde"),
        ((0.1, 0.95), {}, "mde"),
        ((0.5, 1.5), {"relative": True}, "mde"),
        ((0.1, 0.01), {"alpha": 0.0}, "alpha"),
        ((0.1, 0.01), {"alpha": 1.0}, "alpha"),
        ((0.1, 0.01), {"power": 1.0}, "power"),
        ((0.1, 0.01), {"power": -0.2}, "power"),
        ((0.1, 0.01), {"ratio": 0}, "ratio"),
    ],
)
def test_sample_size_rejects_bad_arguments(args, kwargs, name):
    """Rates, alpha or power outside (0, 1), a zero MDE or a bad ratio raise ValueError."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        ex.sample_size_two_proportions(*args, **kwargs)


def test_power_rejects_bad_n():
    """A non-positive n_control raises ValueError naming it."""
    with pytest.raises(ValueError, match="`n_control`"):
        ex.power_two_proportions(0.1, 0.01, 0)


# ----------------------------------------------------------------------------- CUPED


def test_cuped_theta_is_the_ols_slope():
    """theta equals the slope of an OLS regression of y on x (statsmodels)."""
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 5.0, size=3_000)
    y = 0.4 * x + rng.normal(0, 3, size=x.size)
    r = ex.cuped_adjust(y, x)
    slope = sm.OLS(y, sm.add_constant(x)).fit().params[1]
    assert r.theta == pytest.approx(slope, rel=1e-10)
    assert r.adjusted.mean() == pytest.approx(y.mean())


@pytest.mark.parametrize("noise", [1.0, 3.0, 10.0])
def test_cuped_variance_reduction_is_squared_correlation(noise):
    """The variance falls by exactly corr(y, x)² (numpy corrcoef) when theta is estimated."""
    rng = np.random.default_rng(1)
    x = rng.normal(10, 2, size=2_000)
    y = x + rng.normal(0, noise, size=x.size)
    r = ex.cuped_adjust(y, x)
    rho = np.corrcoef(y, x)[0, 1]
    assert r.correlation == pytest.approx(rho, rel=1e-10)
    assert r.variance_reduction == pytest.approx(rho**2, rel=1e-9)
    assert np.var(r.adjusted, ddof=1) == pytest.approx(np.var(y, ddof=1) * (1 - rho**2), rel=1e-9)


def test_cuped_effect_is_unbiased_and_tighter_by_monte_carlo():
    """Over 1,000 simulated experiments the CUPED effect is unbiased with variance × (1 - ρ²)."""
    rng = np.random.default_rng(2)
    n, effect = 1_000, 0.5
    plain, adjusted, rhos = [], [], []
    for _ in range(1_000):
        x = rng.gamma(3.0, 2.0, size=2 * n)
        treat = np.repeat([0, 1], n)
        y = 0.8 * x + rng.normal(0, 3, size=2 * n) + effect * treat
        r = ex.cuped_adjust(y, x)
        plain.append(y[treat == 1].mean() - y[treat == 0].mean())
        adjusted.append(r.adjusted[treat == 1].mean() - r.adjusted[treat == 0].mean())
        rhos.append(r.correlation)
    assert np.mean(adjusted) == pytest.approx(effect, abs=0.01)
    ratio = np.var(adjusted) / np.var(plain)
    assert ratio == pytest.approx(1 - np.mean(rhos) ** 2, rel=0.1)


@pytest.mark.parametrize(
    ("y", "x", "match"),
    [
        ([1, 2, 3], [1, 2], "same length"),
        ([1.0], [2.0], "at least two"),
        ([1, 2, 3], [5, 5, 5], "constant"),
        ([1, np.nan, 3], [1, 2, 3], "`y`.*nan"),
    ],
)
def test_cuped_rejects_bad_inputs(y, x, match):
    """Mismatched lengths, one user, a constant covariate or NaN raise ValueError."""
    with pytest.raises(ValueError, match=match):
        ex.cuped_adjust(y, x)


# ----------------------------------------------------------------------------- peeking

# Armitage, McPherson & Rowe (1969), reproduced in Pocock (1983, Table 10.1): overall type I
# error of repeated two-sided tests at nominal 5% after K equally spaced looks.
ARMITAGE = {1: 0.05, 2: 0.083, 3: 0.107, 5: 0.142, 10: 0.193, 20: 0.248}


@pytest.fixture(scope="module")
def peeking():
    return ex.simulate_aa_peeking(
        n_experiments=20_000, n_looks=20, users_per_look=2_000, rate=0.3, seed=123
    )


@pytest.mark.parametrize(("looks", "expected"), sorted(ARMITAGE.items()))
def test_peeking_matches_armitage(peeking, looks, expected):
    """The false-positive rate after K looks matches the published repeated-testing values."""
    row = peeking[peeking.look == looks].iloc[0]
    assert row.fpr_peeking == pytest.approx(expected, abs=4 * row.se_peeking + 0.003)


def test_fixed_horizon_keeps_nominal_level(peeking):
    """Looking once, at any single horizon, is wrong about alpha of the time."""
    se = np.sqrt(0.05 * 0.95 / 20_000)
    assert peeking.fpr_fixed_horizon.to_numpy() == pytest.approx(np.full(20, 0.05), abs=4 * se)


def test_bonferroni_boundary_stays_below_alpha():
    """With alpha / K at each look the overall false-positive rate stays at or below alpha."""
    df = ex.simulate_aa_peeking(n_experiments=10_000, n_looks=10, boundary="bonferroni", seed=4)
    assert df.fpr_peeking.iloc[-1] <= 0.05 + 3 * df.se_peeking.iloc[-1]
    assert df.fpr_peeking.iloc[-1] < 0.193 / 2


def test_peeking_is_reproducible():
    """The same seed gives the same simulation; another seed a different one."""
    a = ex.simulate_aa_peeking(n_experiments=300, n_looks=5, seed=9)
    b = ex.simulate_aa_peeking(n_experiments=300, n_looks=5, seed=9)
    c = ex.simulate_aa_peeking(n_experiments=300, n_looks=5, seed=10)
    assert a.equals(b)
    assert not a.equals(c)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_experiments": 0}, "n_experiments"),
        ({"n_looks": -3}, "n_looks"),
        ({"users_per_look": 1.5}, "users_per_look"),
        ({"rate": 1.0}, "rate"),
        ({"alpha": 0.0}, "alpha"),
        ({"boundary": "pocock"}, "boundary"),
    ],
)
def test_peeking_rejects_bad_arguments(kwargs, name):
    """Bad sizes, rates, alpha or boundary raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=f"`{name}`"):
        ex.simulate_aa_peeking(**kwargs)
