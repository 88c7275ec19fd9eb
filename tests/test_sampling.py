"""Tests for mlsd.sampling against independent references (scipy, statsmodels, simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats
from sklearn.linear_model import LogisticRegression
from statsmodels.stats.weightstats import DescrStatsW

from mlsd import sampling


def test_reservoir_inclusion_is_uniform_by_chi_square():
    """Over 3,000 runs each of 30 items lands in a 6-item reservoir equally often (chi-square)."""
    n, k, runs = 30, 6, 3_000
    counts = np.zeros(n)
    for seed in range(runs):
        counts[sampling.reservoir_sample(iter(range(n)), k, seed=seed)] += 1
    assert counts.sum() == runs * k
    assert stats.chisquare(counts).pvalue > 1e-3
    # The chi-square test has power here: keeping the first k items is refused outright.
    first_k = np.r_[np.full(k, runs), np.zeros(n - k)]
    assert stats.chisquare(first_k + 1).pvalue < 1e-12


def test_reservoir_short_stream_and_distinct_items():
    """A stream shorter than k comes back whole; a sample never repeats an item."""
    assert sampling.reservoir_sample("abc", 5, seed=1) == ["a", "b", "c"]
    sample = sampling.reservoir_sample(range(10_000), 50, seed=3)
    assert len(set(sample)) == 50


def test_reservoir_is_reproducible():
    """The same seed gives the same reservoir."""
    assert sampling.reservoir_sample(range(500), 7, seed=9) == sampling.reservoir_sample(
        range(500), 7, seed=9
    )


def test_weighted_mean_matches_statsmodels_and_kish():
    """The estimate is statsmodels' weighted mean with weights 1/p; effective n is Kish's."""
    rng = np.random.default_rng(0)
    y = rng.binomial(1, 0.3, 400).astype(float)
    p = rng.uniform(0.05, 0.9, 400)
    est = sampling.weighted_mean(y, p)
    assert est.estimate == pytest.approx(DescrStatsW(y, weights=1 / p).mean, rel=1e-12)
    w = 1 / p
    assert est.effective_n == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert est.n == 400
    low, high = est.interval()
    assert low < est.estimate < high


def test_weighted_mean_standard_error_matches_repeated_sampling():
    """Across 2,000 Poisson samples of one population the SE is the estimates' spread (±10%)."""
    rng = np.random.default_rng(1)
    n_pop = 5_000
    x = rng.normal(size=n_pop)
    y = (rng.random(n_pop) < special.expit(-2 + x)).astype(float)
    p = special.expit(-1.5 + 0.8 * x)  # units likelier to be positive are likelier included
    estimates, ses = [], []
    for _ in range(2_000):
        taken = rng.random(n_pop) < p
        est = sampling.weighted_mean(y[taken], p[taken])
        estimates.append(est.estimate)
        ses.append(est.se)
    assert np.mean(ses) == pytest.approx(np.std(estimates), rel=0.10)
    assert abs(np.mean(estimates) - y.mean()) < 4 * np.std(estimates) / np.sqrt(2_000)


@pytest.mark.parametrize(("train_rate", "true_rate"), [(0.5, 0.06), (0.2, 0.05), (0.1, 0.3)])
def test_prior_correction_is_the_logit_shift(train_rate, true_rate):
    """The correction adds log(odds(true) / odds(train)) to each logit (scipy's logit)."""
    p = np.array([0.0, 1e-6, 0.1, 0.5, 0.9, 1.0])
    shift = special.logit(true_rate) - special.logit(train_rate)
    inner = special.expit(special.logit(p[1:-1]) + shift)
    got = sampling.prior_correction(p, train_rate=train_rate, true_rate=true_rate)
    np.testing.assert_allclose(got[1:-1], inner, rtol=1e-10)
    assert got[0] == 0.0 and got[-1] == 1.0


def test_prior_correction_recovers_true_probabilities_after_undersampling():
    """A logistic model fitted on 50/50 undersampled data, corrected, matches the true model."""
    rng = np.random.default_rng(4)
    n = 200_000
    x = rng.normal(size=(n, 2))
    true_p = special.expit(-3.0 + x @ np.array([1.0, -0.7]))
    y = (rng.random(n) < true_p).astype(int)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    keep = np.r_[pos, rng.choice(neg, pos.size, replace=False)]
    model = LogisticRegression(C=1e6).fit(x[keep], y[keep])
    fitted = model.predict_proba(x)[:, 1]
    corrected = sampling.prior_correction(fitted, train_rate=0.5, true_rate=y.mean())
    assert fitted.mean() > 0.3  # the balanced model is far off the population's rate
    assert abs(corrected.mean() - true_p.mean()) < 0.005
    assert np.abs(corrected - true_p).mean() < 0.01


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: sampling.reservoir_sample(range(5), 0, seed=1), "k"),
        (lambda: sampling.reservoir_sample(range(5), 2.0, seed=1), "k"),
        (lambda: sampling.reservoir_sample(range(5), 2, seed=-1), "seed"),
        (lambda: sampling.weighted_mean([1, 0], [0.5, 0.0]), "inclusion_prob"),
        (lambda: sampling.weighted_mean([1, 0], [0.5]), "inclusion_prob"),
        (lambda: sampling.weighted_mean(["a"], [0.5]), "values"),
        (lambda: sampling.prior_correction([1.2], train_rate=0.5, true_rate=0.1), "y_score"),
        (lambda: sampling.prior_correction([0.2], train_rate=1.0, true_rate=0.1), "train_rate"),
        (lambda: sampling.prior_correction([0.2], train_rate=0.5, true_rate="0.1"), "true_rate"),
    ],
)
def test_bad_arguments_name_the_argument(call, argument):
    """Each invalid argument raises ValueError naming it."""
    with pytest.raises(ValueError, match=f"`{argument}`"):
        call()
