"""Labels: natural labels and their delay, hand labels from several annotators, weak labels.

Chapter 4 of *Designing Machine Learning Systems* (Chip Huyen), "Labeling": what a
labelling window misses, how to combine disagreeing annotators, how to turn labelling
functions into training labels, and how to choose which examples to label. Everything is
written in NumPy, so the methods fit on a page and run in milliseconds:

- :func:`window_miss_share`: the true share of churners a labelling window misses, from the
  churn probabilities of :func:`mlsd.simulate.make_customers`.
- :func:`majority_vote`: one label per item from several votes, ties broken at random.
- :func:`dawid_skene`: the Dawid-Skene EM estimate of each annotator's confusion matrix and
  of each item's true class (Dawid and Skene, 1979).
- :func:`label_model`: a label model for labelling functions that each vote for one class or
  abstain (the independent generative model of data programming, Ratner et al., 2016).
- :func:`lf_summary`: each labelling function's polarity, coverage, overlaps and conflicts
  (the definitions of Snorkel's ``LFAnalysis``), and its accuracy when the truth is known.
- :func:`naive_bayes_proba` and :func:`active_learning_curves`: uncertainty sampling against
  random sampling, averaged over repeats.

Labels are integers ``0 .. n_classes - 1``; a missing label or an abstaining labelling
function is ``-1``.

Taught in: notebooks/ch04-training-data/02-labels.ipynb
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from mlsd.validation import check_1d, check_int, check_number, check_seed

__all__ = [
    "ABSTAIN",
    "DawidSkeneResult",
    "LabelModelResult",
    "active_learning_curves",
    "dawid_skene",
    "label_model",
    "lf_summary",
    "majority_vote",
    "naive_bayes_proba",
    "window_miss_share",
]

#: The vote of a labelling function that abstains, and a missing annotator label.
ABSTAIN = -1


def _log_normalise(log_joint: np.ndarray) -> tuple[np.ndarray, float]:
    """Posteriors from log joint probabilities, and the summed log marginal likelihood."""
    top = log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint - top)
    marginal = joint.sum(axis=1, keepdims=True)
    return joint / marginal, float(np.sum(np.log(marginal) + top))


def _label_matrix(name: str, labels: object, n_classes: int) -> np.ndarray:
    """A 2-D integer matrix of labels in [-1, n_classes - 1], or a clear error."""
    array = np.asarray(labels)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(
            f"`{name}` must be a 2-D array (items × annotators or labelling functions), "
            f"got shape {array.shape}"
        )
    if array.dtype.kind not in "iu":
        raise ValueError(
            f"`{name}` must hold integer labels in [-1, {n_classes - 1}], got dtype {array.dtype}"
        )
    if array.min() < -1 or array.max() >= n_classes:
        raise ValueError(
            f"`{name}` must hold integer labels in [-1, {n_classes - 1}] (-1: missing), "
            f"got values from {array.min()} to {array.max()}"
        )
    return array.astype(np.int64)


def window_miss_share(churn_prob_30d: object, *, window_days: int, horizon_days: int = 90) -> float:
    """The true share of churners within ``horizon_days`` whose churn comes after the window.

    :func:`mlsd.simulate.make_customers` draws each customer's day of churn from a constant
    daily hazard ``h = 1 - (1 - p)**(1/30)``, with ``p`` the 30-day churn probability, so
    ``P(day <= d) = 1 - (1 - p)**(d / 30)``. A labelling window of ``window_days`` calls a
    customer who churns later a non-churner; among the customers who churn within
    ``horizon_days``, the expected share it misses is

    ``sum_i [(1 - p_i)**(w/30) - (1 - p_i)**(H/30)] / sum_i [1 - (1 - p_i)**(H/30)]``.

    Args:
        churn_prob_30d: each customer's true 30-day churn probability, in [0, 1].
        window_days: days after the snapshot until the label is read, in [1, horizon_days].
        horizon_days: the observation window of the churn label, in [1, 3650].

    Returns:
        The share, in [0, 1].

    Raises:
        ValueError: naming the argument, for probabilities outside [0, 1] or a window
            outside [1, horizon_days].

    Example:
        >>> round(window_miss_share([0.5], window_days=30, horizon_days=60), 4)
        0.3333

    Taught in: notebooks/ch04-training-data/02-labels.ipynb
    """
    p = check_1d("churn_prob_30d", churn_prob_30d, "[0, 1]")
    horizon = check_int("horizon_days", horizon_days, "[1, 3650]")
    window = check_int("window_days", window_days, f"[1, {horizon}]")
    survive = np.log1p(-np.minimum(p, 1.0 - 1e-15))
    by_window = np.exp(survive * window / 30.0)
    by_horizon = np.exp(survive * horizon / 30.0)
    churners = float(np.sum(1.0 - by_horizon))
    if churners == 0.0:
        return 0.0
    return float(np.sum(by_window - by_horizon) / churners)


def majority_vote(labels: object, *, n_classes: int, seed: int = 0) -> np.ndarray:
    """The most common label of each item; ties broken uniformly at random.

    Args:
        labels: integer matrix, items × voters, ``-1`` where a voter gave no label.
        n_classes: number of classes, at least 2.
        seed: seed of the tie-breaking draws.

    Returns:
        One label per item, ``-1`` where no voter labelled it.

    Raises:
        ValueError: naming the argument, for a label outside [-1, n_classes - 1].

    Example:
        >>> majority_vote([[0, 0, 1], [2, -1, 2], [-1, -1, -1]], n_classes=3).tolist()
        [0, 2, -1]
    """
    k = check_int("n_classes", n_classes, "[2, 1000]")
    seed = check_seed("seed", seed)
    votes = _label_matrix("labels", labels, k)
    counts = np.stack([(votes == c).sum(axis=1) for c in range(k)], axis=1)
    best = counts == counts.max(axis=1, keepdims=True)
    draws = np.random.default_rng(seed).random(counts.shape)
    winner = np.where(best, draws, -1.0).argmax(axis=1)
    return np.where(counts.sum(axis=1) > 0, winner, ABSTAIN)


@dataclass(frozen=True)
class DawidSkeneResult:
    """What :func:`dawid_skene` estimates.

    Attributes:
        posterior: items × classes, each item's probability of each true class.
        confusion: annotators × true class × label, each row summing to 1.
        prior: the class shares.
        n_iter: EM iterations run.
        log_likelihood: the marginal log-likelihood at the estimate.
        converged: whether the relative change fell below ``tol`` before ``max_iter``.
    """

    posterior: np.ndarray
    confusion: np.ndarray
    prior: np.ndarray
    n_iter: int
    log_likelihood: float
    converged: bool

    @property
    def labels(self) -> np.ndarray:
        """The most probable class of each item."""
        return self.posterior.argmax(axis=1)

    @property
    def accuracy(self) -> np.ndarray:
        """Each annotator's estimated accuracy: ``sum_k prior_k * confusion[j, k, k]``."""
        return np.einsum("k,jkk->j", self.prior, self.confusion)


def _indicators(labels: np.ndarray, n_outputs: int) -> np.ndarray:
    """items × annotators × outputs, 1 where the annotator gave that output."""
    n, m = labels.shape
    onehot = np.zeros((n, m, n_outputs))
    rows, cols = np.nonzero(labels >= 0)
    onehot[rows, cols, labels[rows, cols]] = 1.0
    return onehot


def dawid_skene(
    labels: object,
    *,
    n_classes: int,
    max_iter: int = 500,
    tol: float = 1e-8,
    smoothing: float = 0.01,
) -> DawidSkeneResult:
    """Estimate annotators' confusion matrices and the items' true classes by EM.

    The model of Dawid and Skene (1979): each item has a true class drawn from ``prior``;
    annotator ``j`` labels an item of true class ``k`` as ``l`` with probability
    ``confusion[j, k, l]``, independently of the other annotators. EM starts from the
    majority vote's shares, then alternates the M-step (class shares and confusion matrices
    from the current posteriors, with ``smoothing`` added to every count) and the E-step
    (each item's posterior by Bayes' rule) until the log-likelihood's relative change is
    below ``tol``. Missing labels (``-1``) are skipped.

    Args:
        labels: integer matrix, items × annotators, in [-1, n_classes - 1].
        n_classes: number of classes, at least 2.
        max_iter: most EM iterations, in [1, 100,000].
        tol: relative change of the log-likelihood that ends EM, in [0, 1].
        smoothing: pseudo-count added to each confusion-matrix cell, in [0, 100].

    Returns:
        A :class:`DawidSkeneResult`.

    Raises:
        ValueError: naming the argument, for a bad label matrix or option.

    Example:
        >>> votes = [[0, 0, 1], [1, 1, 1], [0, 0, 0], [1, 0, 1]]
        >>> dawid_skene(votes, n_classes=2).labels.tolist()
        [0, 1, 0, 1]

    Taught in: notebooks/ch04-training-data/02-labels.ipynb
    """
    k = check_int("n_classes", n_classes, "[2, 1000]")
    max_iter = check_int("max_iter", max_iter, "[1, 100000]")
    tol = check_number("tol", tol, "[0, 1]")
    smoothing = check_number("smoothing", smoothing, "[0, 100]")
    votes = _label_matrix("labels", labels, k)
    onehot = _indicators(votes, k)
    n, m = votes.shape
    flat = onehot.reshape(n, m * k)  # matrix products instead of einsum: several times faster
    counts = onehot.sum(axis=1)
    total = counts.sum(axis=1, keepdims=True)
    posterior = np.where(total > 0, counts / np.maximum(total, 1.0), 1.0 / k)
    previous, converged, n_iter = -np.inf, False, 0
    tiny = 1e-300
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (its last value is reported)
        prior = posterior.mean(axis=0)
        # confusion[j, k, l] = sum_i posterior[i, k] * onehot[i, j, l]
        confusion = (posterior.T @ flat).reshape(k, m, k).transpose(1, 0, 2) + smoothing
        confusion /= np.maximum(confusion.sum(axis=2, keepdims=True), tiny)
        # log_joint[i, k] = log prior[k] + sum_j,l onehot[i, j, l] * log confusion[j, k, l]
        log_conf = np.log(np.maximum(confusion, tiny)).transpose(0, 2, 1).reshape(m * k, k)
        log_joint = np.log(np.maximum(prior, tiny)) + flat @ log_conf
        posterior, log_likelihood = _log_normalise(log_joint)
        if log_likelihood - previous <= tol * abs(log_likelihood):
            converged = True
            break
        previous = log_likelihood
    return DawidSkeneResult(
        posterior=posterior,
        confusion=confusion,
        prior=prior,
        n_iter=n_iter,
        log_likelihood=log_likelihood,
        converged=converged,
    )


@dataclass(frozen=True)
class LabelModelResult:
    """What :func:`label_model` estimates.

    Attributes:
        posterior: items × classes, each item's probability of each class.
        polarity: the class each labelling function votes for.
        fire_if_class: P(the function votes | the item is of its class).
        fire_otherwise: P(the function votes | the item is of another class).
        prior: the class shares.
        n_iter: EM iterations run.
        converged: whether the relative change fell below ``tol`` before ``max_iter``.
    """

    posterior: np.ndarray
    polarity: np.ndarray
    fire_if_class: np.ndarray
    fire_otherwise: np.ndarray
    prior: np.ndarray
    n_iter: int
    converged: bool

    @property
    def labels(self) -> np.ndarray:
        """The most probable class of each item."""
        return self.posterior.argmax(axis=1)

    @property
    def accuracy(self) -> np.ndarray:
        """Each function's estimated accuracy when it votes: P(its class | it votes)."""
        pi = self.prior[self.polarity]
        right = self.fire_if_class * pi
        return right / (right + self.fire_otherwise * (1.0 - pi))


def label_model(
    votes: object,
    *,
    n_classes: int,
    max_iter: int = 500,
    tol: float = 1e-8,
    smoothing: float = 1.0,
) -> LabelModelResult:
    """Combine labelling functions that each vote for one class or abstain, by EM.

    The independent generative model of data programming (Ratner et al., 2016), for
    functions with one polarity each: function ``j`` votes for its class ``c_j`` with
    probability ``fire_if_class[j]`` on items of that class and ``fire_otherwise[j]`` on
    the others, and abstains otherwise, independently of the other functions given the
    true class. Unlike a majority vote, the model learns from the functions' agreements and
    disagreements how much each vote is worth, and what an abstention says. EM starts from
    the majority vote's shares; ``smoothing`` is a pseudo-count on both rates.

    Args:
        votes: integer matrix, items × functions, in [-1, n_classes - 1] (-1: abstain);
            each function votes for one class only.
        n_classes: number of classes, at least 2.
        max_iter: most EM iterations, in [1, 100,000].
        tol: relative change of the log-likelihood that ends EM, in [0, 1].
        smoothing: pseudo-count added to the firing counts, in [0, 100].

    Returns:
        A :class:`LabelModelResult`.

    Raises:
        ValueError: naming the argument, for a bad vote matrix, a function that never votes
            or votes for two classes, or a bad option.

    Example:
        >>> votes = [[0, -1, -1], [0, 1, -1], [-1, 1, 2], [-1, 1, -1], [0, -1, 2]]
        >>> label_model(votes, n_classes=3).polarity.tolist()
        [0, 1, 2]

    Taught in: notebooks/ch04-training-data/02-labels.ipynb
    """
    k = check_int("n_classes", n_classes, "[2, 1000]")
    max_iter = check_int("max_iter", max_iter, "[1, 100000]")
    tol = check_number("tol", tol, "[0, 1]")
    smoothing = check_number("smoothing", smoothing, "[0, 100]")
    matrix = _label_matrix("votes", votes, k)
    polarity = np.empty(matrix.shape[1], dtype=np.int64)
    for j, column in enumerate(matrix.T):
        classes = np.unique(column[column >= 0])
        if len(classes) != 1:
            raise ValueError(
                f"`votes` column {j} must vote for exactly one class (or abstain), got "
                f"{classes.tolist()}; split a function with several classes into one per class"
            )
        polarity[j] = classes[0]
    fires = (matrix >= 0).astype(float)
    quiet = 1.0 - fires
    own = np.eye(k)[polarity]  # functions × classes: 1 at each function's class
    counts = fires @ own
    total = counts.sum(axis=1, keepdims=True)
    posterior = np.where(total > 0, counts / np.maximum(total, 1.0), 1.0 / k)
    previous, converged, n_iter = -np.inf, False, 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (its last value is reported)
        prior = posterior.mean(axis=0)
        mine = posterior[:, polarity]  # P(item is of function j's class)
        alpha = ((mine * fires).sum(axis=0) + smoothing) / (mine.sum(axis=0) + 2 * smoothing)
        beta = (((1 - mine) * fires).sum(axis=0) + smoothing) / (
            (1 - mine).sum(axis=0) + 2 * smoothing
        )
        log_fire = own * np.log(alpha)[:, None] + (1 - own) * np.log(beta)[:, None]
        log_quiet = own * np.log1p(-alpha)[:, None] + (1 - own) * np.log1p(-beta)[:, None]
        log_joint = np.log(np.maximum(prior, 1e-300)) + fires @ log_fire + quiet @ log_quiet
        posterior, log_likelihood = _log_normalise(log_joint)
        if log_likelihood - previous <= tol * abs(log_likelihood):
            converged = True
            break
        previous = log_likelihood
    return LabelModelResult(
        posterior=posterior,
        polarity=polarity,
        fire_if_class=alpha,
        fire_otherwise=beta,
        prior=prior,
        n_iter=n_iter,
        converged=converged,
    )


def lf_summary(
    votes: object,
    *,
    names: list[str] | None = None,
    y_true: object = None,
    n_classes: int | None = None,
) -> pd.DataFrame:
    """Each labelling function's polarity, coverage, overlaps and conflicts.

    The definitions of Snorkel's ``LFAnalysis``: **coverage** is the share of items the
    function votes on; **overlaps** the share it votes on together with at least one other
    function; **conflicts** the share it votes on while at least one other function votes
    for a different class. With ``y_true``, also the function's accuracy where it votes.

    Args:
        votes: integer matrix, items × functions, ``-1`` where a function abstains.
        names: one name per function (default ``lf_0``, ``lf_1``, ...).
        y_true: the true class of each item, optional.
        n_classes: number of classes (default: one more than the largest label seen).

    Returns:
        A DataFrame indexed by name with ``polarity`` (the classes voted for), ``coverage``,
        ``overlaps``, ``conflicts`` and, with ``y_true``, ``accuracy``.

    Raises:
        ValueError: naming the argument, for a bad vote matrix, names or truth.

    Example:
        >>> table = lf_summary([[0, 0], [0, 1], [-1, 1], [-1, -1]])
        >>> table[["coverage", "conflicts"]].to_numpy().tolist()
        [[0.5, 0.25], [0.75, 0.25]]
    """
    raw = np.asarray(votes)
    if n_classes is None:
        n_classes = int(raw.max()) + 1 if raw.size and raw.dtype.kind in "iu" else 2
    k = check_int("n_classes", n_classes, "[2, 1000]")
    matrix = _label_matrix("votes", votes, max(k, 2))
    n, m = matrix.shape
    if names is None:
        names = [f"lf_{j}" for j in range(m)]
    if len(names) != m:
        raise ValueError(f"`names` must name each of the {m} functions, got {len(names)} names")
    fires = matrix >= 0
    others = fires.sum(axis=1, keepdims=True) - fires
    table = pd.DataFrame(
        {
            "polarity": [sorted(set(col[col >= 0].tolist())) for col in matrix.T],
            "coverage": fires.mean(axis=0),
            "overlaps": (fires & (others > 0)).mean(axis=0),
        },
        index=pd.Index(names, name="function"),
    )
    conflicts = np.zeros(m)
    for j in range(m):
        differs = fires & (matrix != matrix[:, [j]])
        conflicts[j] = (fires[:, j] & np.delete(differs, j, axis=1).any(axis=1)).mean()
    table["conflicts"] = conflicts
    if y_true is not None:
        truth = check_1d("y_true", y_true, f"[0, {k - 1}]")
        if len(truth) != n:
            raise ValueError(f"`y_true` must have one class per item ({n}), got {len(truth)}")
        right = (matrix == truth.astype(np.int64)[:, None]) & fires
        with np.errstate(invalid="ignore", divide="ignore"):
            table["accuracy"] = right.sum(axis=0) / fires.sum(axis=0)
    return table


def naive_bayes_proba(
    X_train: object, y_train: object, X: object, *, n_classes: int, alpha: float = 0.5
) -> np.ndarray:
    """Class probabilities of a Bernoulli naive Bayes model, in closed form.

    Each word is present in an item of class ``k`` with probability
    ``(count + alpha) / (n_k + 2 alpha)``; the class prior is smoothed with one pseudo-count
    per class, ``(n_k + 1) / (n + n_classes)``, so a class without labelled items keeps a
    small probability (scikit-learn's ``BernoulliNB`` with that ``class_prior`` gives the
    same numbers). Fitting is a matrix product, which is what lets
    :func:`active_learning_curves` refit it hundreds of times in well under a second.

    Args:
        X_train: binary matrix, labelled items × features.
        y_train: their classes, in [0, n_classes - 1].
        X: binary matrix, items to score × features.
        n_classes: number of classes, at least 2.
        alpha: smoothing pseudo-count, in (0, 100].

    Returns:
        Items × classes probabilities.

    Example:
        >>> p = naive_bayes_proba([[1, 0], [0, 1]], [0, 1], [[1, 0]], n_classes=2)
        >>> bool(p[0, 0] > 0.5)
        True
    """
    k = check_int("n_classes", n_classes, "[2, 1000]")
    alpha = check_number("alpha", alpha, "(0, 100]")
    x_train = np.asarray(X_train, dtype=float)
    x = np.asarray(X, dtype=float)
    y = check_1d("y_train", y_train, f"[0, {k - 1}]", min_size=0).astype(np.int64)
    if x_train.ndim != 2 or x.ndim != 2 or x_train.shape[1] != x.shape[1] or len(y) != len(x_train):
        raise ValueError(
            "`X_train` and `X` must be 2-D with the same columns, and `y_train` must have one "
            f"class per row of `X_train`; got shapes {x_train.shape}, {x.shape} and {y.shape}"
        )
    return _nb_proba(x_train, y, x, k, alpha)


def _nb_proba(
    x_train: np.ndarray, y: np.ndarray, x: np.ndarray, k: int, alpha: float = 0.5
) -> np.ndarray:
    """:func:`naive_bayes_proba` without the argument checks (the active-learning loop)."""
    onehot = np.zeros((len(y), k))
    onehot[np.arange(len(y)), y] = 1.0
    n_k = onehot.sum(axis=0)
    theta = (onehot.T @ x_train + alpha) / (n_k[:, None] + 2.0 * alpha)
    log_present, log_absent = np.log(theta), np.log1p(-theta)
    log_prior = np.log((n_k + 1.0) / (n_k.sum() + k))
    scores = x @ (log_present - log_absent).T + (log_absent.sum(axis=1) + log_prior)
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


def active_learning_curves(
    X: object,
    y: object,
    *,
    X_test: object,
    y_test: object,
    n_classes: int,
    n_initial: int = 8,
    batch_size: int = 8,
    n_batches: int = 15,
    n_repeats: int = 5,
    seed: int = 0,
) -> pd.DataFrame:
    """Test accuracy against labels bought, for uncertainty sampling and random sampling.

    Each repeat starts from the same ``n_initial`` random items of the pool ``X`` for both
    strategies, then buys ``batch_size`` labels at a time, ``n_batches`` times:
    **random** sampling picks unlabelled items at random; **uncertainty** sampling picks the
    items whose two most probable classes are closest (the smallest margin) under the model
    trained so far. The model is :func:`naive_bayes_proba`; the oracle's labels are ``y``.

    Args:
        X: binary matrix, pool items × features.
        y: the pool's classes (what a labeller would answer).
        X_test: binary matrix of held-out items.
        y_test: their classes.
        n_classes: number of classes, at least 2.
        n_initial: random labels before the first model, in [1, len(X)].
        batch_size: labels bought per round, in [1, 10,000].
        n_batches: rounds, in [0, 10,000]; at most the pool size in labels.
        n_repeats: repeats averaged, each with its own random start, in [1, 1,000].
        seed: seed of the random starts and of random sampling.

    Returns:
        A DataFrame with ``n_labels`` and the mean test accuracy of ``random`` and
        ``uncertainty`` after each round (``n_batches + 1`` rows).

    Raises:
        ValueError: naming the argument, for sizes that do not fit the pool.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = rng.integers(0, 2, 200)
        >>> X = np.column_stack([y, 1 - y, rng.integers(0, 2, 200)])
        >>> curves = active_learning_curves(X, y, X_test=X, y_test=y, n_classes=2,
        ...                                 n_initial=4, batch_size=2, n_batches=3)
        >>> list(curves.columns)
        ['n_labels', 'random', 'uncertainty']
    """
    k = check_int("n_classes", n_classes, "[2, 1000]")
    pool_x = np.asarray(X, dtype=float)
    pool_y = np.asarray(y, dtype=np.int64)
    test_x = np.asarray(X_test, dtype=float)
    test_y = np.asarray(y_test, dtype=np.int64)
    n = len(pool_x)
    n_initial = check_int("n_initial", n_initial, f"[1, {max(n, 1)}]")
    batch_size = check_int("batch_size", batch_size, "[1, 10000]")
    n_batches = check_int("n_batches", n_batches, "[0, 10000]")
    n_repeats = check_int("n_repeats", n_repeats, "[1, 1000]")
    seed = check_seed("seed", seed)
    if n_initial + batch_size * n_batches > n:
        raise ValueError(
            f"`n_batches` × `batch_size` + `n_initial` must fit the pool of {n} items, got "
            f"{n_initial + batch_size * n_batches}"
        )
    if len(pool_y) != n or len(test_y) != len(test_x):
        raise ValueError("`y` and `y_test` must have one class per row of `X` and `X_test`")
    rng = np.random.default_rng(seed)
    accuracy = np.zeros((2, n_batches + 1))
    both = np.vstack([test_x, pool_x])
    # Hundreds of tiny matrix products: BLAS threads only fight over a busy machine's cores.
    with threadpool_limits(limits=1, user_api="blas"):
        for _ in range(n_repeats):
            _one_repeat(pool_x, pool_y, both, test_y, k, n_initial, batch_size, rng, accuracy)
    accuracy /= n_repeats
    return pd.DataFrame(
        {
            "n_labels": n_initial + batch_size * np.arange(n_batches + 1),
            "random": accuracy[0],
            "uncertainty": accuracy[1],
        }
    )


def _one_repeat(
    pool_x: np.ndarray,
    pool_y: np.ndarray,
    both: np.ndarray,
    test_y: np.ndarray,
    k: int,
    n_initial: int,
    batch_size: int,
    rng: np.random.Generator,
    accuracy: np.ndarray,
) -> None:
    """Add one repeat's accuracies (both strategies, same random start) to ``accuracy``."""
    n, n_test, n_batches = len(pool_x), len(test_y), accuracy.shape[1] - 1
    start = rng.choice(n, n_initial, replace=False)
    for s, strategy in enumerate(("random", "uncertainty")):
        labelled = np.zeros(n, dtype=bool)
        labelled[start] = True
        for b in range(n_batches + 1):
            # random sampling needs the model's view of the test items only
            scored = both if strategy == "uncertainty" else both[:n_test]
            proba = _nb_proba(pool_x[labelled], pool_y[labelled], scored, k)
            accuracy[s, b] += np.mean(proba[:n_test].argmax(axis=1) == test_y)
            if b == n_batches:
                break
            candidates = np.flatnonzero(~labelled)
            if strategy == "random":
                chosen = rng.choice(candidates, batch_size, replace=False)
            else:
                top2 = np.sort(proba[n_test:][candidates], axis=1)[:, -2:]
                order = np.argsort(top2[:, 1] - top2[:, 0], kind="stable")
                chosen = candidates[order[:batch_size]]
            labelled[chosen] = True
