"""Tests for the set-up notebook's exercise: the right share passes, each mistake is named."""

from __future__ import annotations

import numpy as np
import pytest

import mlsd.exercises as ex
from mlsd.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED

QID = "ch00-start.busy_weeks"


def _context(seed: int) -> dict:
    """The notebook's draws for a seed, with its default mean, weeks and threshold."""
    draws = np.random.default_rng(seed).poisson(250.0, size=520)
    return {"draws": draws, "threshold": 270}


def _busy_count(draws, threshold) -> int:
    """Busy weeks counted one by one, independently of numpy's vectorised comparison."""
    return sum(1 for d in draws.tolist() if d > threshold)


@pytest.mark.parametrize("seed", [42, 7])
def test_right_share_is_correct(seed):
    """The share counted week by week is marked correct on two seeds."""
    context = _context(seed)
    share = _busy_count(**context) / len(context["draws"])
    assert ex.get(QID).check(share, **context).kind == CORRECT


@pytest.mark.parametrize("seed", [42, 7])
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda d, t: float(_busy_count(d, t)), "number of busy weeks"),
        (lambda d, t: sum(1 for x in d.tolist() if x >= t) / len(d), "strictly more"),
        (lambda d, t: sum(1 for x in d.tolist() if x <= t) / len(d), "share of quiet weeks"),
        (lambda d, t: 100 * _busy_count(d, t) / len(d), "percent versus fraction"),
    ],
)
def test_each_mistake_gets_its_message(seed, wrong, says):
    """A count, 'at least', the quiet weeks and percent each get their own message."""
    context = _context(seed)
    feedback = ex.get(QID).check(wrong(context["draws"], context["threshold"]), **context)
    assert feedback.kind == INCORRECT
    assert says in feedback.text


def test_placeholder_and_labels():
    """The learner edition's `...` is not attempted and the feedback names q1."""
    feedback = ex.get(QID).check(...)
    assert feedback.kind == NOT_ATTEMPTED
    assert "q1.hint()" in feedback.text
