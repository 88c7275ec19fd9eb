"""Exercises for the chapter-2 notebook on A/B test analysis.

Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes by its
own route (statsmodels, scipy, plain pandas), not through ``mlsd.experiments``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mlsd.exercises import (
    ChoiceQuestion,
    FunctionQuestion,
    Mistake,
    Question,
    compare_numbers,
    register,
)

KEY = "ch02-ab"


def _as_number(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    try:
        return float(answer)
    except (TypeError, ValueError):
        return None


def _close(a: float, b: float, rtol: float) -> bool:
    return math.isclose(a, b, rel_tol=rtol)


# ----------------------------------------------------------------------------- sample size


def _samplesize(*args: Any, **kwargs: Any) -> float:
    # statsmodels is imported on first use: every notebook loads every exercise module.
    from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

    return samplesize_proportions_2indep_onetail(*args, **kwargs)


def _solve_sample_size(*, baseline: float, mde_abs: float, alpha: float, power: float) -> int:
    """Users per arm (rounded up) for a two-sided two-proportion test, 50/50 split."""
    n = _samplesize(mde_abs, baseline, power, ratio=1, alpha=alpha, alternative="two-sided")
    return math.ceil(n)


def _check_sample_size(
    answer: Any, expected: int, *, baseline: float, mde_abs: float, alpha: float, power: float
) -> str | None:
    value = _as_number(answer)
    if value is None:
        return f"Expected a single number of users, got {answer!r}."
    # statsmodels' arcsine (Cohen's h) approximation is within 2%: both count as right
    if _close(value, expected, 0.02):
        return None
    if _close(value, 2 * expected, 0.02):
        return "That is both arms together; the question asks for users per arm."
    one_sided = _samplesize(mde_abs, baseline, power, alpha=alpha, alternative="larger")
    if _close(value, one_sided, 0.02):
        return "That is the size for a one-sided test; the design is two-sided (use alpha / 2)."
    return compare_numbers(value, expected, rtol=0.02, atol=0.0)


SAMPLE_SIZE = register(
    Question(
        qid=f"{KEY}.sample_size_per_arm",
        prompt=(
            "The retention team wants to detect half a point: an **absolute** change of "
            "`mde_half_point` = 0.005 in 30-day retention from `baseline_retention`, with a "
            "two-sided test at `alpha` and power `power`, 50/50 split (the assumptions of "
            "section 2). How many users does **each arm** need, rounded up to a whole user? "
            "Store it in `n_half_point`."
        ),
        solve=_solve_sample_size,
        hints=(
            "This is the formula of the design section, with a smaller effect.",
            "The notebook's `users_needed(mde)` (section 2) gives the users per arm for an "
            "effect `mde`; round up with `math.ceil`.",
        ),
        solution_text="```python\nn_half_point = math.ceil(users_needed(mde_half_point))\n```",
        rtol=0.02,
        checker=_check_sample_size,
        context_keys=("baseline", "mde_abs", "alpha", "power"),
        label="q1",
        mistakes=(
            Mistake(
                "The users needed do not scale in proportion to the effect: they grow with "
                "1 / effect², so halving the effect multiplies them by about four, not two.",
                lambda *, baseline, mde_abs, alpha, power: (
                    2
                    * _solve_sample_size(
                        baseline=baseline, mde_abs=2 * mde_abs, alpha=alpha, power=power
                    )
                ),
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- SRM


def _solve_srm_p(*, counts: Any, designed_shares: Any) -> float:
    """Chi-square goodness-of-fit p-value of ``counts`` against ``designed_shares``."""
    observed = np.asarray(counts, dtype=float)
    shares = np.asarray(designed_shares, dtype=float)
    return float(stats.chisquare(observed, f_exp=observed.sum() * shares).pvalue)


def _check_srm_p(answer: Any, expected: float, *, counts: Any, designed_shares: Any) -> str | None:
    value = _as_number(answer)
    if value is None:
        return f"Expected a single p-value (a number), got {answer!r}."
    if not 0 <= value <= 1:
        return "A p-value is a probability: it must lie between 0 and 1."
    if _close(value, expected, 0.01):
        return None
    observed = np.asarray(counts, dtype=float)
    equal = float(stats.chisquare(observed).pvalue)
    if _close(value, equal, 0.01):
        return (
            "That is the p-value against an equal split; this experiment was designed with "
            "`designed_shares`."
        )
    return compare_numbers(value, expected, rtol=0.01, atol=0.0)


SRM_P = register(
    Question(
        qid=f"{KEY}.srm_p_value",
        prompt=(
            "A cautious launch sends only part of the traffic to the new model: the design "
            "is `designed_shares` (control first). The log shows `counts` users per variant. "
            "What is the p-value of the sample-ratio-mismatch check (chi-square goodness of fit, "
            "as in section 3)? Store it in `srm_p`. Would you read this experiment's results?"
        ),
        solve=_solve_srm_p,
        hints=(
            "The expected counts are the total number of users times each designed share.",
            "`mlsd.experiments.srm_test(counts, designed_shares=designed_shares).p_value`, "
            "or `scipy.stats.chisquare` with `f_exp`.",
        ),
        solution_text=(
            "```python\n"
            "srm_p = mlsd.experiments.srm_test(counts, designed_shares=designed_shares).p_value\n"
            "```\n"
            "Below 0.001 means a mismatch: find the cause before reading any metric."
        ),
        rtol=0.01,
        checker=_check_srm_p,
        context_keys=("counts", "designed_shares"),
        label="q3",
    )
)


# ----------------------------------------------------------------------------- read-out


def _solve_days_until_readout(
    *, n_per_arm: float, users_per_day: float, readout_days: int
) -> float:
    """Days from the start until the last enrolled user's retention can be read."""
    enrolment_days = 2 * n_per_arm / users_per_day  # both arms draw on the same daily traffic
    return enrolment_days + readout_days


DAYS_UNTIL_READOUT = register(
    Question(
        qid=f"{KEY}.days_until_readout",
        prompt=(
            "The design of section 2 needs `n_per_arm` users in each of two arms, and "
            "`users_per_day` new users enter the test each day, split 50/50. A user's 30-day "
            "retention can be read `readout_days` = 30 days after they enrol. How many days "
            "after the test starts can its retention result be read (the day the last user's "
            "30 days are over; a fraction of a day is fine)? Store it in "
            "`days_until_readout`."
        ),
        solve=_solve_days_until_readout,
        hints=(
            "Two steps: how many days it takes to enrol everybody, then how long the last "
            "user enrolled must be watched.",
            "Enrolment takes `2 * n_per_arm / users_per_day` days (both arms share the daily "
            "traffic); add `readout_days`.",
        ),
        solution_text=(
            "```python\ndays_until_readout = 2 * n_per_arm / users_per_day + readout_days\n```"
        ),
        rtol=0.0,
        atol=1.0,
        context_keys=("n_per_arm", "users_per_day", "readout_days"),
        label="q2",
        mistakes=(
            Mistake(
                "That is only the enrolment time. The last user enrolled must still be watched "
                "for the whole read-out window before their 30-day retention exists.",
                lambda *, n_per_arm, users_per_day, readout_days: 2 * n_per_arm / users_per_day,
            ),
            Mistake(
                "The daily traffic is shared by both arms: filling two arms of `n_per_arm` "
                "takes twice as long as filling one.",
                lambda *, n_per_arm, users_per_day, readout_days: (
                    n_per_arm / users_per_day + readout_days
                ),
            ),
            Mistake(
                "Two things are missing: both arms share the traffic, and the last user must "
                "be watched for the read-out window.",
                lambda *, n_per_arm, users_per_day, readout_days: n_per_arm / users_per_day,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- take-rate


def _reference_take_rate_lift(log: pd.DataFrame) -> float:
    """Relative lift of take-rate (ratio of sums per arm), written with plain NumPy."""
    variant = log["variant"].to_numpy().astype(str)
    plays = log["quality_plays"].to_numpy(dtype=float)
    shown = log["recs_shown"].to_numpy(dtype=float)
    rate = {
        v: plays[variant == v].sum() / shown[variant == v].sum() for v in ("control", "treatment")
    }
    return rate["treatment"] / rate["control"] - 1


def _plays_per_user_lift(log: pd.DataFrame) -> float:
    means = log.groupby("variant")["quality_plays"].mean()
    return means["treatment"] / means["control"] - 1


def _mean_of_user_rates_lift(log: pd.DataFrame) -> float:
    shown = log["recs_shown"].where(log["recs_shown"] > 0)
    per_user = (log["quality_plays"] / shown).groupby(log["variant"]).mean()
    return per_user["treatment"] / per_user["control"] - 1


def _absolute_take_rate_lift(log: pd.DataFrame) -> float:
    sums = log.groupby("variant")[["quality_plays", "recs_shown"]].sum()
    rate = sums["quality_plays"] / sums["recs_shown"]
    return rate["treatment"] - rate["control"]


def _make_log(
    seed: int, n: int, *, rate_c: float, rate_t: float, shown_c: float, shown_t: float
) -> pd.DataFrame:
    """A small experiment log in which the arms can differ in recommendations shown too."""
    rng = np.random.default_rng(seed)
    variant = np.where(rng.random(n) < 0.5, "control", "treatment")
    is_t = variant == "treatment"
    shown = rng.poisson(np.where(is_t, shown_t, shown_c))
    taste = rng.beta(2, 2, n) * 2  # users differ: heavy users play more of what they see
    rate = np.clip(np.where(is_t, rate_t, rate_c) * taste, 0, 1)
    plays = rng.binomial(shown, rate)
    return pd.DataFrame({"variant": variant, "quality_plays": plays, "recs_shown": shown})


def _take_rate_cases() -> list[tuple]:
    return [
        # the new recommender also shows 30% more recommendations: plays per user mislead
        (_make_log(1, 3_000, rate_c=0.12, rate_t=0.13, shown_c=20, shown_t=26),),
        # same number shown, a loss in take-rate
        (_make_log(2, 2_000, rate_c=0.20, rate_t=0.18, shown_c=15, shown_t=15),),
        # few recommendations per user: mean of per-user rates is far from the ratio of sums
        (_make_log(3, 4_000, rate_c=0.10, rate_t=0.12, shown_c=3, shown_t=2),),
    ]


TAKE_RATE_LIFT = register(
    FunctionQuestion(
        qid=f"{KEY}.take_rate_relative_lift",
        prompt=(
            "Write `take_rate_lift(log)`: given an experiment log with one row per user and "
            'the columns `variant` (`"control"` or `"treatment"`), `quality_plays` and '
            "`recs_shown`, return the **relative** lift in take-rate, treatment over control, "
            "as a fraction (0.05 = +5%). Take-rate is an arm's quality plays divided by its "
            "recommendations shown, both summed over the arm's users (section 4). The checker "
            "calls your function on logs of its own, including one in which the new "
            "recommender also shows more recommendations per user."
        ),
        solve=_reference_take_rate_lift,
        cases=_take_rate_cases,
        hints=(
            "Group the log by `variant` and **sum** `quality_plays` and `recs_shown`; divide "
            "the sums to get each arm's take-rate.",
            "Relative lift = treatment take-rate / control take-rate - 1. Plays per user are "
            "not enough: an arm that shows more recommendations gets more plays for free.",
        ),
        solution_text=(
            "```python\n"
            "def take_rate_lift(log):\n"
            '    sums = log.groupby("variant")[["quality_plays", "recs_shown"]].sum()\n'
            '    take = sums["quality_plays"] / sums["recs_shown"]\n'
            '    return take["treatment"] / take["control"] - 1\n'
            "```"
        ),
        rtol=1e-9,
        atol=1e-12,
        label="q4",
        mistakes=(
            Mistake(
                "Your function compares quality plays per user and ignores how many "
                "recommendations each arm showed: take-rate divides plays by recommendations.",
                _plays_per_user_lift,
            ),
            Mistake(
                "Your function averages each user's own take-rate; take-rate is a ratio of "
                "sums: all quality plays over all recommendations shown, per arm (users who see "
                "few recommendations would otherwise weigh as much as heavy users).",
                _mean_of_user_rates_lift,
            ),
            Mistake(
                "Your function returns the absolute lift (a difference of take-rates); divide "
                "by the control take-rate for the relative one.",
                _absolute_take_rate_lift,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- peeking

PEEKING_DECISION = register(
    ChoiceQuestion(
        qid=f"{KEY}.peeking_decision",
        prompt=(
            "A new test was designed (section 2) to be read once, after 14 days. On day 4 the "
            "dashboard shows take-rate up with p = 0.03, and the product manager wants to ship "
            "now. What do you recommend? Store the letter in `peeking_answer`."
        ),
        solve=lambda: "b",
        hints=(
            "Look at section 6's figure: what happens to the false-positive rate of an analyst "
            "who stops at the first significant daily look?",
            "A p-value means what it says only at the one look that was fixed in advance.",
        ),
        solution_text='```python\npeeking_answer = "b"\n```',
        options={
            "a": "Ship now: p = 0.03 is below alpha = 0.05, so the effect is real.",
            "b": "Keep the test running and read it once on day 14, as designed.",
            "c": "Wait one more day and ship if p is still below 0.05 tomorrow.",
            "d": "Lower alpha to 0.01 from today on and ship the first day p drops below it.",
        },
        reasons={
            "a": "Only at the one look fixed in advance does p < 0.05 mean a 5% false-positive "
            "rate. Section 6 showed that stopping at the first significant daily look makes "
            "an A/A test look like a win several times more often than alpha.",
            "b": "Right: the 5% error rate holds for one look on the day fixed in advance. If "
            "the team must monitor daily, it needs a sequential method built for it "
            "(group-sequential boundaries, always-valid p-values).",
            "c": "Each extra look is one more chance for noise to cross the line; requiring two "
            "looks in a row still inflates the false-positive rate well above alpha.",
            "d": "A stricter alpha at every daily look still compounds over the looks; only a "
            "correction for all planned looks (Bonferroni over 14, or a sequential boundary) "
            "holds the error rate, and at the price of power.",
        },
        label="q5",
    )
)
