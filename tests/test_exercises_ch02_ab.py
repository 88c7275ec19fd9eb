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
    """The five questions of the notebook are in the registry under the ch02-ab key."""
    ids = set(exercises.all_questions())
    assert {
        "ch02-ab.sample_size_per_arm",
        "ch02-ab.srm_p_value",
        "ch02-ab.take_rate_relative_lift",
        "ch02-ab.days_until_readout",
        "ch02-ab.peeking_decision",
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


def test_sample_size_linear_shortcut_is_named():
    """Doubling the users of a twice-as-large effect (a linear shortcut) gets its own message."""
    q = exercises.get("ch02-ab.sample_size_per_arm")
    ctx = {**SIZE_CTX, "mde_abs": 0.005}
    shortcut = 2 * _right_sample_size(**{**ctx, "mde_abs": 0.01})
    fb = q.check(shortcut, **ctx)
    assert fb.kind == "incorrect"
    assert "1 / effect²" in fb.text
    assert q.check(_right_sample_size(**ctx), **ctx).correct


READOUT_CTXS = [
    {"n_per_arm": 14_750.7, "users_per_day": 2_857.1, "readout_days": 30},
    {"n_per_arm": 59_000.0, "users_per_day": 10_000.0, "readout_days": 30},
]


@pytest.mark.parametrize("ctx", READOUT_CTXS)
def test_days_until_readout_right_answer_and_rounding(ctx):
    """Enrolment days (both arms) plus the 30-day window is right, rounded up or not."""
    q = exercises.get("ch02-ab.days_until_readout")
    days = 2 * ctx["n_per_arm"] / ctx["users_per_day"] + 30
    assert q.check(days, **ctx).correct
    assert q.check(math.ceil(days), **ctx).correct


@pytest.mark.parametrize("ctx", READOUT_CTXS)
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (lambda n, u: 2 * n / u, "read-out window"),
        (lambda n, u: n / u + 30, "twice as long"),
        (lambda n, u: n / u, "Two things are missing"),
    ],
)
def test_days_until_readout_mistakes_are_named(ctx, wrong, says):
    """Forgetting the read-out window, the second arm, or both: each has its own message."""
    q = exercises.get("ch02-ab.days_until_readout")
    fb = q.check(wrong(ctx["n_per_arm"], ctx["users_per_day"]), **ctx)
    assert fb.kind == "incorrect"
    assert says in fb.text


def _take_rate_lift_by_loop(log):
    """The ratio of sums, by a plain loop over the rows (an independent reference)."""
    sums = {"control": [0.0, 0.0], "treatment": [0.0, 0.0]}
    for v, p, s in zip(log["variant"], log["quality_plays"], log["recs_shown"], strict=True):
        sums[str(v)][0] += p
        sums[str(v)][1] += s
    return (sums["treatment"][0] / sums["treatment"][1]) / (
        sums["control"][0] / sums["control"][1]
    ) - 1


def test_take_rate_function_right_answers():
    """A loop over users and the pandas one-liner of the solution are both correct."""
    q = exercises.get("ch02-ab.take_rate_relative_lift")
    assert q.check(_take_rate_lift_by_loop).correct
    namespace = {}
    code = q.solution_text.split("```python\n")[1].split("```")[0]
    exec(code, namespace)
    assert q.check(namespace["take_rate_lift"]).correct


def test_take_rate_function_mistakes_are_named():
    """Plays per user, the mean of per-user rates and the absolute lift each get a message."""
    q = exercises.get("ch02-ab.take_rate_relative_lift")

    def plays_per_user(log):
        m = log.groupby("variant")["quality_plays"].mean()
        return m["treatment"] / m["control"] - 1

    def mean_of_rates(log):
        r = (log["quality_plays"] / log["recs_shown"].where(log["recs_shown"] > 0)).groupby(
            log["variant"]
        )
        return r.mean()["treatment"] / r.mean()["control"] - 1

    def absolute(log):
        s = log.groupby("variant")[["quality_plays", "recs_shown"]].sum()
        t = s["quality_plays"] / s["recs_shown"]
        return t["treatment"] - t["control"]

    assert "ignores how many recommendations" in q.check(plays_per_user).text
    assert "ratio of sums" in q.check(mean_of_rates).text
    assert "absolute lift" in q.check(absolute).text

    def forgot_return(log):
        log.groupby("variant")[["quality_plays", "recs_shown"]].sum()

    assert "returned None" in q.check(forgot_return).text
    assert "different result" in q.check(lambda log: 0.1).text


def test_take_rate_plays_per_user_is_far_from_the_answer_on_the_checkers_cases():
    """The per-user mistake lands well outside the tolerance: the cases differ in recs shown."""
    from mlsd.exercises import ch02_ab

    log = ch02_ab._take_rate_cases()[0][0]
    assert abs(ch02_ab._plays_per_user_lift(log) - _take_rate_lift_by_loop(log)) > 0.05


@pytest.mark.parametrize(
    ("answer", "correct", "says"),
    [
        ("b", True, "one look on the day fixed in advance"),
        ("(B)", True, "sequential"),
        ("a", False, "several times more often than alpha"),
        ("c", False, "one more chance"),
        ("d", False, "compounds"),
        ("ship", False, "one letter"),
    ],
)
def test_peeking_choice_gives_each_options_reason(answer, correct, says):
    """Every option gets its own reason; the right one is accepted in any case."""
    fb = exercises.get("ch02-ab.peeking_decision").check(answer)
    assert fb.correct is correct
    assert says in fb.text


@pytest.mark.parametrize(
    ("qid", "ctx"),
    [
        ("ch02-ab.sample_size_per_arm", SIZE_CTX),
        ("ch02-ab.days_until_readout", READOUT_CTXS[0]),
        ("ch02-ab.srm_p_value", SRM_CTX),
        ("ch02-ab.take_rate_relative_lift", {}),
        ("ch02-ab.peeking_decision", {}),
    ],
)
def test_placeholder_is_not_attempted_and_names_the_question(qid, ctx):
    """The learner placeholder `...` is not attempted, and the hint named is this question's."""
    q = exercises.get(qid)
    fb = q.check(..., **ctx)
    assert fb.kind == "not attempted"
    assert f"{q.label}.hint()" in fb.text


def test_labels_are_q1_to_q5_in_notebook_order():
    """Each question's label is the variable the notebook binds it to."""
    labels = {
        qid: exercises.get(qid).label
        for qid in [
            "ch02-ab.sample_size_per_arm",
            "ch02-ab.days_until_readout",
            "ch02-ab.srm_p_value",
            "ch02-ab.take_rate_relative_lift",
            "ch02-ab.peeking_decision",
        ]
    }
    assert list(labels.values()) == ["q1", "q2", "q3", "q4", "q5"]


@pytest.mark.parametrize(
    "qid",
    [
        "ch02-ab.sample_size_per_arm",
        "ch02-ab.days_until_readout",
        "ch02-ab.srm_p_value",
        "ch02-ab.take_rate_relative_lift",
    ],
)
def test_hints_and_solution_exist(qid):
    """Every question has at least two hints and a solution with code."""
    q = exercises.get(qid)
    assert q.hint(2).kind == "hint"
    assert "```python" in q.solution().text
