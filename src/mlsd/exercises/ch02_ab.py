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
from statsmodels.stats.proportion import samplesize_proportions_2indep_onetail

from mlsd.exercises import Question, compare_numbers, register

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


def _solve_sample_size(*, baseline: float, mde_abs: float, alpha: float, power: float) -> int:
    """Users per arm (rounded up) for a two-sided two-proportion test, 50/50 split."""
    n = samplesize_proportions_2indep_onetail(
        mde_abs, baseline, power, ratio=1, alpha=alpha, alternative="two-sided"
    )
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
    one_sided = samplesize_proportions_2indep_onetail(
        mde_abs, baseline, power, alpha=alpha, alternative="larger"
    )
    if _close(value, one_sided, 0.02):
        return "That is the size for a one-sided test; the design is two-sided (use alpha / 2)."
    return compare_numbers(value, expected, rtol=0.02, atol=0.0)


SAMPLE_SIZE = register(
    Question(
        qid=f"{KEY}.sample_size_per_arm",
        prompt=(
            "The retention team wants its own test: detect an **absolute** change of `mde_abs` "
            "in 30-day retention from a baseline of `baseline`, two-sided, at significance "
            "`alpha` and power `power`, with a 50/50 split. How many users does **each arm** "
            "need (round up to a whole user)?\n\n"
            "Context: `baseline`, `mde_abs`, `alpha`, `power`."
        ),
        solve=_solve_sample_size,
        hints=(
            "This is the formula of the design section, with a different baseline and effect.",
            "`math.ceil(mlsd.experiments.sample_size_two_proportions(baseline, mde_abs, "
            "alpha=alpha, power=power))`",
        ),
        solution_text=(
            "```python\n"
            "n_per_arm = math.ceil(\n"
            "    mlsd.experiments.sample_size_two_proportions(\n"
            "        baseline, mde_abs, alpha=alpha, power=power\n"
            "    )\n"
            ")\n"
            "```"
        ),
        rtol=0.02,
        checker=_check_sample_size,
        context_keys=("baseline", "mde_abs", "alpha", "power"),
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
            "What is the p-value of the sample-ratio-mismatch check? Would you read this "
            "experiment's results?\n\n"
            "Context: `counts`, `designed_shares`."
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
    )
)


# ----------------------------------------------------------------------------- take-rate


def _take_rates(variant: Any, quality_plays: Any, recs_shown: Any) -> dict[str, float]:
    frame = pd.DataFrame(
        {
            "variant": np.asarray(variant).astype(str),
            "plays": np.asarray(quality_plays, dtype=float),
            "shown": np.asarray(recs_shown, dtype=float),
        }
    )
    sums = frame.groupby("variant")[["plays", "shown"]].sum()
    return {str(v): float(sums.loc[v, "plays"] / sums.loc[v, "shown"]) for v in sums.index}


def _solve_rel_lift(*, variant: Any, quality_plays: Any, recs_shown: Any) -> float:
    """Relative lift of take-rate (sum of plays / sum of recommendations), treatment vs control."""
    rates = _take_rates(variant, quality_plays, recs_shown)
    return rates["treatment"] / rates["control"] - 1


def _check_rel_lift(
    answer: Any, expected: float, *, variant: Any, quality_plays: Any, recs_shown: Any
) -> str | None:
    value = _as_number(answer)
    if value is None:
        return f"Expected a single number (a fraction, e.g. 0.05 for +5%), got {answer!r}."
    if _close(value, expected, 0.005):
        return None
    rates = _take_rates(variant, quality_plays, recs_shown)
    absolute = rates["treatment"] - rates["control"]
    if _close(value, absolute, 0.005):
        return "That is the absolute lift; divide by the control take-rate for the relative one."
    v = np.asarray(variant).astype(str)
    plays = np.asarray(quality_plays, dtype=float)
    shown = np.asarray(recs_shown, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_user = np.where(shown > 0, plays / shown, np.nan)
    mean_of_ratios = np.nanmean(per_user[v == "treatment"]) / np.nanmean(per_user[v == "control"])
    if _close(value, mean_of_ratios - 1, 0.005):
        return (
            "That averages each user's take-rate; take-rate is a ratio of sums: all quality "
            "plays over all recommendations shown, per arm."
        )
    return compare_numbers(value, expected, rtol=0.005, atol=0.0)


TAKE_RATE_LIFT = register(
    Question(
        qid=f"{KEY}.take_rate_relative_lift",
        prompt=(
            "From the raw log of the clean experiment, compute the **relative** lift in "
            "take-rate, treatment over control, as a fraction (0.05 = +5%). Take-rate is "
            "quality plays divided by recommendations shown, summed over the arm's users.\n\n"
            "Context: `variant`, `quality_plays`, `recs_shown` (one entry per user)."
        ),
        solve=_solve_rel_lift,
        hints=(
            "Group by `variant` and sum `quality_plays` and `recs_shown`; divide the sums.",
            "Relative lift = treatment take-rate / control take-rate - 1.",
        ),
        solution_text=(
            "```python\n"
            "sums = clean.groupby('variant')[['quality_plays', 'recs_shown']].sum()\n"
            "take = sums.quality_plays / sums.recs_shown\n"
            "rel_lift = take['treatment'] / take['control'] - 1\n"
            "```"
        ),
        rtol=0.005,
        checker=_check_rel_lift,
        context_keys=("variant", "quality_plays", "recs_shown"),
    )
)
