"""Sampling and class imbalance: reservoir sampling, importance weighting, prior correction.

Three small tools from chapter 4 of *Designing Machine Learning Systems* ("Training Data"):

- :func:`reservoir_sample`: keep a uniform random sample of ``k`` items from a stream of
  unknown length in one pass (Vitter's Algorithm R);
- :func:`weighted_mean`: the importance-weighted (Hájek) estimate of a population mean from a
  sample whose units were included with known probabilities, with its standard error;
- :func:`prior_correction`: move probabilities from a model trained on resampled data (say
  50 % churners) back to the class balance of the population it will score.

Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from mlsd.validation import check_1d, check_int, check_probability

__all__ = ["WeightedMean", "prior_correction", "reservoir_sample", "weighted_mean"]


def reservoir_sample(stream: Iterable[Any], k: int, *, seed: int) -> list[Any]:
    """A uniform random sample of ``k`` items from ``stream``, read once (Algorithm R).

    The first ``k`` items fill the reservoir; the ``i``-th item after them (1-based position
    ``i > k``) replaces a uniformly chosen reservoir slot with probability ``k / i``. After
    ``n`` items every item is in the reservoir with probability ``k / n``, whatever ``n`` is,
    and the stream is never stored.

    Args:
        stream: any iterable (a generator of events, a file's lines, a list).
        k: reservoir size, a count >= 1.
        seed: seed for ``numpy.random.default_rng``.

    Returns:
        A list of ``min(k, n)`` items, in reservoir-slot order.

    Raises:
        ValueError: naming the argument, for a bad ``k`` or ``seed``.

    Example:
        >>> sample = reservoir_sample(range(1_000), 5, seed=0)
        >>> len(sample), all(0 <= x < 1_000 for x in sample)
        (5, True)

    Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
    """
    k = check_int("k", k, "[1, inf)")
    seed = check_int("seed", seed, "[0, inf)")
    rng = np.random.default_rng(seed)
    reservoir: list[Any] = []
    for i, item in enumerate(stream, start=1):
        if i <= k:
            reservoir.append(item)
            continue
        j = int(rng.integers(i))  # uniform on 0 .. i-1: keep the item with probability k / i
        if j < k:
            reservoir[j] = item
    return reservoir


class WeightedMean(NamedTuple):
    """An importance-weighted estimate of a population mean.

    Attributes:
        estimate: the weighted mean, ``sum(y / p) / sum(1 / p)``.
        se: its standard error (linearisation, independent inclusions).
        n: units in the sample.
        effective_n: Kish's effective sample size, ``sum(w) ** 2 / sum(w ** 2)``.
    """

    estimate: float
    se: float
    n: int
    effective_n: float

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        """The normal interval ``estimate ± z · se`` (95 % for the default ``z``)."""
        return self.estimate - z * self.se, self.estimate + z * self.se


def weighted_mean(values: Any, inclusion_prob: Any) -> WeightedMean:
    """Estimate a population mean from a sample whose units had known inclusion probabilities.

    Each sampled unit stands for ``1 / p`` units of the population (importance weighting, the
    Hájek estimator). The standard error is the linearisation one for independent (Poisson)
    inclusions, ``sqrt(sum((1 - p) * w**2 * (y - estimate)**2)) / sum(w)`` with ``w = 1 / p``.

    Args:
        values: the sampled units' values (for a rate, 0/1).
        inclusion_prob: each unit's probability of having been sampled, in (0, 1].

    Returns:
        A :class:`WeightedMean`.

    Raises:
        ValueError: naming the argument, for non-numbers, probabilities outside (0, 1] or
            arrays of different lengths.

    Example:
        >>> est = weighted_mean([1, 0, 0, 1], [0.5, 0.5, 0.25, 0.25])
        >>> round(est.estimate, 4)
        0.5

    Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
    """
    y = check_1d("values", values)
    p = check_1d("inclusion_prob", inclusion_prob, "(0, 1]")
    if y.size != p.size:
        raise ValueError(
            f"`inclusion_prob` must have one value per value, got {p.size} for {y.size} values"
        )
    w = 1.0 / p
    estimate = float(np.sum(w * y) / np.sum(w))
    se = float(math.sqrt(np.sum((1.0 - p) * w**2 * (y - estimate) ** 2)) / np.sum(w))
    return WeightedMean(estimate, se, int(y.size), float(np.sum(w) ** 2 / np.sum(w**2)))


def prior_correction(y_score: Any, *, train_rate: float, true_rate: float) -> np.ndarray:
    """Move probabilities learnt at one class balance to another (Bayes' rule on the odds).

    A model fitted on data with a share ``train_rate`` of positives (after over- or
    under-sampling) predicts odds that are too high by the factor
    ``odds(train_rate) / odds(true_rate)``; dividing the odds by it gives probabilities for
    a population with a share ``true_rate`` (Elkan 2001; Saerens, Latinne and Decaestecker
    2002). Only the classes' shares changed, so the ranking does not: ROC AUC is the same.

    Args:
        y_score: probabilities from the resampled model, in [0, 1].
        train_rate: share of positives in the data the model was trained on, in (0, 1).
        true_rate: share of positives in the population it will score, in (0, 1).

    Returns:
        The corrected probabilities, an array of the same length.

    Raises:
        ValueError: naming the argument, for scores outside [0, 1] or rates outside (0, 1).

    Example:
        >>> prior_correction([0.5], train_rate=0.5, true_rate=0.1).round(4)
        array([0.1])

    Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb
    """
    p = check_1d("y_score", y_score, "[0, 1]")
    train = check_probability("train_rate", train_rate, "(0, 1)")
    true = check_probability("true_rate", true_rate, "(0, 1)")
    ratio = (true / (1.0 - true)) / (train / (1.0 - train))
    positive = p * ratio
    return positive / (positive + (1.0 - p))
