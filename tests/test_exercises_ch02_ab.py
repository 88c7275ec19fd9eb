"""Tests for the A/B-test notebook's exercises: right, wrong and placeholder answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import mlsd.exercises as exercises

SIZE_CTX = {"baseline": 0.80, "mde_abs": 0.01, "alpha": 0.05, "power": 0.8}
SRM_CTX = {"counts": [20_400, 79_600], "designed_shares": [0.2, 0.8]}


def _right_sample_size(baseline, mde_abs, alpha, power):
    """Fleiss's formula written out by hand (pooled null, unpooled alternative), rounded up."""
    p1, p2 = baseline, baseline + mde_abs
    pbar = (p1 + p2) / 2
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n = z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(n**2 / mde_abs**2)


def _log(seed=0, n=4_000):
    """A small experiment log with a known take-rate in each arm."""
    rng = np.random.default_rng(seed)
    variant = np.where(rng.random(n) < 0.5, "control", "treatment")
    shown = rng.poisson(20, size=n) + 1
    rate = np.where(variant == "treatment", 0.24, 0.20)
    plays = rng.binomial(shown, rng.beta(rate * 10, (1 - rate) * 10))
    return {"variant": variant, "quality_plays": plays, "recs_shown": shown}


def test_questions_are_registered():
    """The three questions of the notebook are in the registry under the ch02-ab key."""
    ids = set(exercises.all_questions())
    assert {
        "ch02-ab.sample_size_per_arm",
        "ch02-ab.srm_p_value",
        "ch02-ab.take_rate_relative_lift",
    } <= ids


def test_sample_size_right_answer():
    """The hand-written Fleiss formula (rounded up) is accepted."""
    q = exercises.get("ch02-ab.sample_size_per_arm")
    assert q.check(_right_sample_size(**SIZE_CTX), **SIZE_CTX).correct


@pytest.mark.parametrize(
    ("transform", "says"),
    [
        (lambda n: 2 * n, "both arms"),
        (lambda n: n * 0.79, "one-sided"),
        (lambda n: n * 1.5, "too high"),
        (lambda n: "many", "single number"),
    ],
)
def test_sample_size_wrong_answers(transform, says):
    """Both arms, a one-sided size, a far-off number or text are rejected with a reason."""
    q = exercises.get("ch02-ab.sample_size_per_arm")
    fb = q.check(transform(_right_sample_size(**SIZE_CTX)), **SIZE_CTX)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_sample_size_one_sided_is_recognised_exactly():
    """A one-sided size computed by hand (z at 1 - alpha) gets the one-sided message."""
    p1, p2 = 0.80, 0.81
    pbar = (p1 + p2) / 2
    z_a, z_b = 1.6448536269514722, 0.8416212335729143
    n = z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    fb = exercises.get("ch02-ab.sample_size_per_arm").check(math.ceil(n**2 / 0.01**2), **SIZE_CTX)
    assert not fb.correct
    assert "one-sided" in fb.text


def test_srm_right_answer():
    """The chi-square p-value computed by hand from the statistic is accepted."""
    counts = np.array(SRM_CTX["counts"], dtype=float)
    expected = counts.sum() * np.array(SRM_CTX["designed_shares"])
    chi2 = ((counts - expected) ** 2 / expected).sum()
    p = math.erfc(math.sqrt(chi2 / 2))  # chi-square with 1 df: P(Z² > chi2)
    assert exercises.get("ch02-ab.srm_p_value").check(p, **SRM_CTX).correct


def test_srm_equal_split_answer_is_explained():
    """The p-value against 50/50 instead of the designed split is called out."""
    counts = np.array(SRM_CTX["counts"], dtype=float)
    chi2 = ((counts - counts.mean()) ** 2 / counts.mean()).sum()
    p_equal = math.erfc(math.sqrt(chi2 / 2))
    fb = exercises.get("ch02-ab.srm_p_value").check(p_equal, **SRM_CTX)
    assert fb.kind == "incorrect"
    assert "equal split" in fb.text


@pytest.mark.parametrize(("answer", "says"), [(1.7, "between 0 and 1"), (0.5, "too high")])
def test_srm_wrong_answers(answer, says):
    """A number outside [0, 1] or a far-off p-value is rejected with a reason."""
    fb = exercises.get("ch02-ab.srm_p_value").check(answer, **SRM_CTX)
    assert fb.kind == "incorrect"
    assert says in fb.text


def test_take_rate_right_answer():
    """Ratio of sums by a plain loop over users is accepted."""
    ctx = _log()
    sums = {"control": [0.0, 0.0], "treatment": [0.0, 0.0]}
    for v, p, s in zip(ctx["variant"], ctx["quality_plays"], ctx["recs_shown"], strict=True):
        sums[str(v)][0] += p
        sums[str(v)][1] += s
    rel = (sums["treatment"][0] / sums["treatment"][1]) / (sums["control"][0] / sums["control"][1])
    assert exercises.get("ch02-ab.take_rate_relative_lift").check(rel - 1, **ctx).correct


def test_take_rate_wrong_answers_are_explained():
    """Absolute lift, mean of per-user ratios and a percent are each called out."""
    ctx = _log()
    q = exercises.get("ch02-ab.take_rate_relative_lift")
    v, p, s = ctx["variant"], ctx["quality_plays"], ctx["recs_shown"]
    tc = p[v == "control"].sum() / s[v == "control"].sum()
    tt = p[v == "treatment"].sum() / s[v == "treatment"].sum()
    assert "absolute" in q.check(tt - tc, **ctx).text
    per_user = p / s
    mean_ratio = per_user[v == "treatment"].mean() / per_user[v == "control"].mean() - 1
    assert "ratio of sums" in q.check(mean_ratio, **ctx).text
    assert "factor of 100" in q.check(100 * (tt / tc - 1), **ctx).text


@pytest.mark.parametrize(
    ("qid", "ctx"),
    [
        ("ch02-ab.sample_size_per_arm", SIZE_CTX),
        ("ch02-ab.srm_p_value", SRM_CTX),
        ("ch02-ab.take_rate_relative_lift", _log()),
    ],
)
def test_placeholder_is_not_attempted(qid, ctx):
    """The learner placeholder `...` is reported as not attempted, without an error."""
    fb = exercises.get(qid).check(..., **ctx)
    assert fb.kind == "not attempted"


@pytest.mark.parametrize(
    "qid", ["ch02-ab.sample_size_per_arm", "ch02-ab.srm_p_value", "ch02-ab.take_rate_relative_lift"]
)
def test_hints_and_solution_exist(qid):
    """Every question has at least two hints and a solution with code."""
    q = exercises.get(qid)
    assert q.hint(2).kind == "hint"
    assert "```" in q.solution().text
