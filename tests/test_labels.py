"""Tests for mlsd.labels against independent references: loops, scikit-learn, known truth."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest
from sklearn.naive_bayes import BernoulliNB

from mlsd import labels


def _simulate_annotators(confusions, prior, n_items, seed):
    """Items with true classes from ``prior``; each annotator labels from their confusion rows."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(prior), size=n_items, p=prior)
    # inverse-CDF draws: each item's label from its true class's row of the matrix
    cdfs = [np.cumsum(np.asarray(c)[y], axis=1) for c in confusions]
    votes = np.column_stack([(rng.random(n_items)[:, None] > cdf).sum(axis=1) for cdf in cdfs])
    return y, votes


def _uniform_confusion(k, accuracy):
    c = np.full((k, k), (1 - accuracy) / (k - 1))
    np.fill_diagonal(c, accuracy)
    return c


CONFUSIONS = [
    _uniform_confusion(3, 0.9),
    _uniform_confusion(3, 0.6),
    np.array([[0.95, 0.025, 0.025], [0.35, 0.6, 0.05], [0.35, 0.05, 0.6]]),  # leans to class 0
]
PRIOR = np.array([0.5, 0.3, 0.2])


@pytest.fixture(scope="module")
def crowd():
    """3,000 items labelled by a good, a weak and a biased annotator with known matrices."""
    return _simulate_annotators(CONFUSIONS, PRIOR, 3_000, seed=1)


# ----------------------------------------------------------------------------- window


@pytest.mark.parametrize("window", [1, 7, 30, 45, 89, 90])
def test_window_miss_share_matches_a_day_by_day_sum(window):
    """The closed form equals summing each customer's geometric delay pmf day by day."""
    p = np.array([0.01, 0.05, 0.2, 0.6, 0.99])
    h = 1 - (1 - p) ** (1 / 30)
    days = np.arange(1, 91)
    pmf = h[:, None] * (1 - h[:, None]) ** (days[None, :] - 1)
    expected = pmf[:, days > window].sum() / pmf.sum()
    assert labels.window_miss_share(p, window_days=window) == pytest.approx(expected, rel=1e-9)


def test_window_miss_share_matches_a_monte_carlo_of_the_simulator():
    """Drawing days to churn as make_customers does gives the same share within noise."""
    rng = np.random.default_rng(3)
    p = rng.uniform(0.01, 0.3, 200_000)
    day = rng.geometric(-np.expm1(np.log1p(-p) / 30.0))
    churned = day <= 90
    observed = np.mean(day[churned] > 30)
    assert labels.window_miss_share(p, window_days=30) == pytest.approx(observed, abs=0.005)


def test_window_miss_share_refuses_a_window_beyond_the_horizon():
    """A window longer than the horizon names the window and the allowed range."""
    with pytest.raises(ValueError, match=r"`window_days` must be an integer in \[1, 90\]"):
        labels.window_miss_share([0.1], window_days=91)


# ----------------------------------------------------------------------------- majority vote


def test_majority_vote_matches_counter_where_there_is_no_tie(crowd):
    """Wherever one class has the most votes, the vote equals collections.Counter's winner."""
    _, votes = crowd
    result = labels.majority_vote(votes, n_classes=3, seed=0)
    for row, got in zip(votes, result, strict=True):
        counts = Counter(row.tolist()).most_common()
        if len(counts) == 1 or counts[0][1] > counts[1][1]:
            assert got == counts[0][0]
        else:
            tied = {c for c, n in counts if n == counts[0][1]}
            assert got in tied


def test_majority_vote_breaks_ties_uniformly():
    """A three-way tie goes to each class about a third of the time over many items."""
    votes = np.tile([0, 1, 2], (30_000, 1))
    shares = np.bincount(labels.majority_vote(votes, n_classes=3, seed=5)) / 30_000
    assert np.allclose(shares, 1 / 3, atol=0.015)


def test_majority_vote_without_votes_is_abstain():
    """An item nobody labelled gets -1; missing labels are not votes."""
    votes = np.array([[-1, -1], [1, -1], [-1, 0]])
    assert labels.majority_vote(votes, n_classes=2).tolist() == [-1, 1, 0]


# ----------------------------------------------------------------------------- Dawid-Skene


def _brute_force_posterior(votes, prior, confusion):
    """Bayes' rule item by item with Python loops."""
    n, m = votes.shape
    k = len(prior)
    out = np.zeros((n, k))
    for i in range(n):
        for c in range(k):
            p = prior[c]
            for j in range(m):
                if votes[i, j] >= 0:
                    p *= confusion[j][c][votes[i, j]]
            out[i, c] = p
        out[i] /= out[i].sum()
    return out


def _log_likelihood(votes, prior, confusion):
    """Marginal log-likelihood with Python loops."""
    total = 0.0
    for row in votes:
        total += np.log(
            sum(
                prior[c] * np.prod([confusion[j][c][v] for j, v in enumerate(row) if v >= 0])
                for c in range(len(prior))
            )
        )
    return total


def test_dawid_skene_posterior_is_bayes_rule(crowd):
    """The returned posteriors are Bayes' rule applied to the returned prior and matrices."""
    _, votes = crowd
    fit = labels.dawid_skene(votes[:200], n_classes=3)
    brute = _brute_force_posterior(votes[:200], fit.prior, fit.confusion)
    assert np.allclose(fit.posterior, brute, atol=1e-10)


def test_dawid_skene_is_a_fixed_point_of_the_m_step(crowd):
    """At convergence, re-estimating the matrices from the posteriors (by loops) changes nothing."""
    _, votes = crowd
    fit = labels.dawid_skene(votes, n_classes=3, smoothing=0.01, tol=1e-12, max_iter=5_000)
    assert fit.converged
    counts = np.full((3, 3, 3), 0.01)
    for i, row in enumerate(votes):
        for j, v in enumerate(row):
            counts[j, :, v] += fit.posterior[i]
    expected = counts / counts.sum(axis=2, keepdims=True)
    assert np.allclose(fit.confusion, expected, atol=1e-4)
    assert np.allclose(fit.prior, fit.posterior.mean(axis=0), atol=1e-4)


def test_dawid_skene_recovers_the_annotators(crowd):
    """Each estimated confusion matrix is within 0.05 of the true one, cell by cell."""
    _, votes = crowd
    fit = labels.dawid_skene(votes, n_classes=3)
    for estimated, true in zip(fit.confusion, CONFUSIONS, strict=True):
        assert np.abs(estimated - true).max() < 0.05
    true_accuracy = [PRIOR @ np.diag(c) for c in CONFUSIONS]
    assert np.allclose(fit.accuracy, true_accuracy, atol=0.03)


def test_dawid_skene_beats_majority_vote(crowd):
    """On the simulated crowd, Dawid-Skene labels more items right than the majority vote."""
    y, votes = crowd
    fit = labels.dawid_skene(votes, n_classes=3)
    vote = labels.majority_vote(votes, n_classes=3)
    assert np.mean(fit.labels == y) > np.mean(vote == y) + 0.02


def test_dawid_skene_likelihood_is_at_least_the_truths(crowd):
    """Without smoothing, EM's likelihood is at least the one at the true parameters."""
    _, votes = crowd
    fit = labels.dawid_skene(votes[:500], n_classes=3, smoothing=0.0)
    at_truth = _log_likelihood(votes[:500], PRIOR, CONFUSIONS)
    assert fit.log_likelihood == pytest.approx(
        _log_likelihood(votes[:500], fit.prior, fit.confusion), rel=1e-9
    )
    assert fit.log_likelihood >= at_truth


def test_dawid_skene_item_without_labels_gets_the_prior(crowd):
    """An item nobody labelled has the estimated class shares as its posterior."""
    _, votes = crowd
    with_blank = np.vstack([votes, [-1, -1, -1]])
    fit = labels.dawid_skene(with_blank, n_classes=3)
    assert np.allclose(fit.posterior[-1], fit.prior)


def test_dawid_skene_hand_worked_single_step():
    """One EM step on two items, computed by hand.

    Items: (0, 0) and (0, 1); the start is the vote shares (1, 0) and (0.5, 0.5). M-step
    without smoothing: prior (0.75, 0.25); annotator 0 always says 0; annotator 1 says 0
    with 1/1.5 = 2/3 on class 0 and 0 on class 1, so class 1 gets zero weight for (0, 0).
    """
    fit = labels.dawid_skene([[0, 0], [0, 1]], n_classes=2, max_iter=1, smoothing=0.0)
    assert fit.prior == pytest.approx([0.75, 0.25])
    assert np.allclose(fit.confusion[1], [[2 / 3, 1 / 3], [0.0, 1.0]])
    # item 2: class 0 ∝ 0.75 · 1 · 1/3 = 0.25, class 1 ∝ 0.25 · 1 · 1 = 0.25
    assert fit.posterior[1] == pytest.approx([0.5, 0.5])
    assert fit.posterior[0] == pytest.approx([1.0, 0.0])


@pytest.mark.parametrize(
    ("votes", "says"),
    [([[0, 3]], "[-1, 2]"), ([[0.5, 1.0]], "integer labels"), ([0, 1], "2-D")],
)
def test_dawid_skene_refuses_bad_labels(votes, says):
    """Labels outside the classes, float labels or a 1-D array are refused, naming `labels`."""
    with pytest.raises(ValueError, match=r"`labels`") as info:
        labels.dawid_skene(votes, n_classes=3)
    assert says in str(info.value)


# ----------------------------------------------------------------------------- label model


def _simulate_lfs(n_items, seed):
    """Items of 3 classes and six one-class functions with known firing rates."""
    rng = np.random.default_rng(seed)
    y = rng.choice(3, size=n_items, p=[0.5, 0.3, 0.2])
    polarity = np.array([0, 0, 1, 1, 2, 2])
    alpha = np.array([0.6, 0.5, 0.7, 0.4, 0.6, 0.5])  # P(fire | own class)
    beta = np.array([0.05, 0.3, 0.05, 0.25, 0.03, 0.2])  # P(fire | other class)
    rate = np.where(y[:, None] == polarity[None, :], alpha, beta)
    votes = np.where(rng.random(rate.shape) < rate, polarity, -1)
    return y, votes, alpha, beta


def test_label_model_recovers_the_firing_rates():
    """On 10,000 simulated items the estimated rates are within 0.05 of the true ones."""
    _, votes, alpha, beta = _simulate_lfs(10_000, seed=2)
    fit = labels.label_model(votes, n_classes=3)
    assert np.abs(fit.fire_if_class - alpha).max() < 0.05
    assert np.abs(fit.fire_otherwise - beta).max() < 0.05


def test_label_model_beats_majority_vote_of_the_functions():
    """Weighing the functions by their learned rates labels more covered items right."""
    y, votes, _, _ = _simulate_lfs(5_000, seed=4)
    fit = labels.label_model(votes, n_classes=3)
    vote = labels.majority_vote(votes, n_classes=3)
    covered = (votes >= 0).any(axis=1)
    assert np.mean((fit.labels == y)[covered]) > np.mean((vote == y)[covered]) + 0.02


def test_label_model_posterior_is_bayes_rule():
    """The posteriors follow from the returned rates by Bayes' rule, computed with loops."""
    _, votes, _, _ = _simulate_lfs(300, seed=6)
    fit = labels.label_model(votes, n_classes=3)
    for i in range(0, 300, 37):
        weights = []
        for c in range(3):
            w = fit.prior[c]
            for j, v in enumerate(votes[i]):
                rate = fit.fire_if_class[j] if fit.polarity[j] == c else fit.fire_otherwise[j]
                w *= rate if v >= 0 else 1 - rate
            weights.append(w)
        assert fit.posterior[i] == pytest.approx(np.array(weights) / sum(weights), abs=1e-9)


def test_label_model_accuracy_is_the_share_right_when_voting():
    """Estimated accuracy P(own class | votes) is close to the measured one."""
    y, votes, _, _ = _simulate_lfs(5_000, seed=8)
    fit = labels.label_model(votes, n_classes=3)
    measured = [np.mean(y[votes[:, j] >= 0] == fit.polarity[j]) for j in range(votes.shape[1])]
    assert np.allclose(fit.accuracy, measured, atol=0.05)


def test_label_model_refuses_a_function_with_two_classes():
    """A column voting for two classes is refused with a pointer to split it."""
    with pytest.raises(ValueError, match=r"`votes` column 1 must vote for exactly one class"):
        labels.label_model([[0, 1], [0, 2], [-1, -1]], n_classes=3)


# ----------------------------------------------------------------------------- LF summary


def test_lf_summary_hand_worked():
    """Coverage, overlaps, conflicts and accuracy on a 5 × 3 matrix worked out by hand."""
    votes = np.array([[0, 0, -1], [0, 1, -1], [-1, -1, -1], [2, -1, 2], [-1, 1, 2]])
    y = np.array([0, 1, 2, 2, 1])
    table = labels.lf_summary(votes, names=["a", "b", "c"], y_true=y, n_classes=3)
    assert table["coverage"].tolist() == pytest.approx([3 / 5, 3 / 5, 2 / 5])
    assert table["overlaps"].tolist() == pytest.approx([3 / 5, 3 / 5, 2 / 5])
    # a conflicts on row 1 (0 vs 1); b on rows 1 and 4 (1 vs 2); c on row 4
    assert table["conflicts"].tolist() == pytest.approx([1 / 5, 2 / 5, 1 / 5])
    # a is right on rows 0 and 3 of its 3; b on rows 0, 1 and 4; c on row 3 but not row 4
    assert table["accuracy"].tolist() == pytest.approx([2 / 3, 1.0, 0.5])
    assert table["polarity"].tolist() == [[0, 2], [0, 1], [2]]


def test_lf_summary_matches_brute_force_definitions():
    """On random votes, every column equals the Snorkel definitions evaluated with loops."""
    rng = np.random.default_rng(9)
    votes = rng.integers(0, 3, (120, 4))
    votes[rng.random(votes.shape) < 0.5] = -1
    table = labels.lf_summary(votes, n_classes=3)
    for j in range(4):
        cov = ovl = con = 0
        for row in votes:
            if row[j] < 0:
                continue
            cov += 1
            others = [v for i, v in enumerate(row) if i != j and v >= 0]
            ovl += bool(others)
            con += any(v != row[j] for v in others)
        assert table.iloc[j][["coverage", "overlaps", "conflicts"]].tolist() == pytest.approx(
            [cov / 120, ovl / 120, con / 120]
        )


# ----------------------------------------------------------------------------- naive Bayes


def test_naive_bayes_matches_scikit_learn():
    """Probabilities equal BernoulliNB's with the same smoothing and the same class prior."""
    rng = np.random.default_rng(10)
    X = rng.integers(0, 2, (60, 8))
    y = rng.integers(0, 3, 60)
    X_new = rng.integers(0, 2, (15, 8))
    n_k = np.bincount(y, minlength=3)
    reference = BernoulliNB(alpha=0.5, class_prior=(n_k + 1) / (n_k.sum() + 3)).fit(X, y)
    ours = labels.naive_bayes_proba(X, y, X_new, n_classes=3, alpha=0.5)
    assert np.allclose(ours, reference.predict_proba(X_new), atol=1e-10)


# ----------------------------------------------------------------------------- active learning


def _text_like_task(seed):
    """Items whose class shows in one of several indicator words, plus noise words."""
    rng = np.random.default_rng(seed)
    n, k = 1_200, 3
    y = rng.integers(0, k, n)
    X = (rng.random((n, 30)) < 0.1).astype(int)
    word = rng.integers(0, 6, n)  # which of the class's 6 words the item uses
    X[np.arange(n), y * 6 + word] = 1
    return X, y


def test_active_learning_curves_start_together_and_repeat():
    """Both strategies share the random start; the same seed gives the same curves."""
    X, y = _text_like_task(0)
    kwargs = dict(X_test=X[:300], y_test=y[:300], n_classes=3, n_batches=5, n_repeats=2, seed=3)
    first = labels.active_learning_curves(X[300:], y[300:], **kwargs)
    again = labels.active_learning_curves(X[300:], y[300:], **kwargs)
    assert first.equals(again)
    assert first["random"].iloc[0] == first["uncertainty"].iloc[0]
    assert first["n_labels"].tolist() == [8, 16, 24, 32, 40, 48]


def test_uncertainty_sampling_is_no_worse_than_random_at_the_end():
    """On a task with rare indicator words, uncertainty sampling ends at least as accurate."""
    X, y = _text_like_task(1)
    curves = labels.active_learning_curves(
        X[300:], y[300:], X_test=X[:300], y_test=y[:300], n_classes=3, n_batches=6, seed=1
    )
    assert curves["uncertainty"].iloc[-1] >= curves["random"].iloc[-1] - 0.01


def test_active_learning_refuses_a_budget_beyond_the_pool():
    """Asking for more labels than the pool holds is refused before any work."""
    X, y = _text_like_task(2)
    with pytest.raises(ValueError, match=r"`n_batches` × `batch_size` \+ `n_initial`"):
        labels.active_learning_curves(
            X[:20], y[:20], X_test=X, y_test=y, n_classes=3, n_batches=5, batch_size=4
        )


def test_every_pattern_of_two_binary_annotators_is_bayes_rule():
    """All four label patterns of two annotators get the brute-force posterior."""
    patterns = np.array(list(itertools.product([0, 1], repeat=2)) * 5)
    fit = labels.dawid_skene(patterns, n_classes=2, max_iter=3)
    brute = _brute_force_posterior(patterns, fit.prior, fit.confusion)
    assert np.allclose(fit.posterior, brute, atol=1e-12)
