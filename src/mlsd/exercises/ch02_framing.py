"""Exercises for the chapter-2 notebook on framing ML problems.

Taught in: notebooks/ch02-ml-systems-design/01-framing-ml-problems.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (pandas selections, plain loops), not by reusing the notebook's code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlsd.exercises import Question, register

KEY = "ch02-framing"


def _solve_lift_at_k(*, y_true: Any, y_score: Any, budget_k: int) -> float:
    """Churners caught in the top ``budget_k`` by score, over the random expectation."""
    frame = pd.DataFrame({"y": np.asarray(y_true, dtype=float), "s": np.asarray(y_score)})
    if not 1 <= int(budget_k) <= len(frame):
        raise ValueError(f"`budget_k` must be in [1, {len(frame)}], got {budget_k}")
    top = frame.nlargest(int(budget_k), "s", keep="first")
    expected_random = int(budget_k) * frame["y"].mean()
    return float(top["y"].sum() / expected_random)


def _solve_base_rate(*, days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    """Share of customers whose cancellation was observed within ``horizon_days``."""
    days = pd.Series(np.asarray(days_to_churn, dtype=float))
    still_subscribed = pd.Series(np.asarray(censored, dtype=int)) == 1
    churned = [(not c) and d <= horizon_days for d, c in zip(days, still_subscribed, strict=True)]
    return float(np.mean(churned))


def _solve_alpha_for_floor(
    *, alphas: Any, engagement: Any, quality: Any, quality_floor: float
) -> float:
    """The evaluated alpha with the most engagement among those meeting the quality floor."""
    best_alpha, best_engagement = None, -np.inf
    for a, e, q in zip(alphas, engagement, quality, strict=True):
        if q >= quality_floor and e > best_engagement:
            best_alpha, best_engagement = float(a), float(e)
    if best_alpha is None:
        raise ValueError(f"no alpha reaches `quality_floor` = {quality_floor}")
    return best_alpha


def _check_alpha(
    answer: Any,
    expected: float,
    *,
    alphas: Any,
    engagement: Any,
    quality: Any,
    quality_floor: float,
) -> str | None:
    """Say what is wrong with a chosen alpha without naming the right one."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return f"Expected a single alpha (a number), got {answer!r}."
    matches = [i for i, a in enumerate(alphas) if np.isclose(float(a), value, atol=1e-9)]
    if not matches:
        return "That is not one of the alphas you evaluated; pick a value from `alphas`."
    i = matches[0]
    if quality[i] < quality_floor:
        return "The feed at that alpha misses the quality floor; look at larger alphas."
    if not np.isclose(value, expected, atol=1e-9):
        return "That alpha meets the floor, but another alpha that also meets it engages more."
    return None


LIFT_AT_K = register(
    Question(
        qid=f"{KEY}.lift_at_k",
        prompt=(
            "The retention team can call `budget_k` customers. How many times more churners "
            "does the model's top `budget_k` catch than `budget_k` customers picked at random? "
            "Compute the **lift**: churners caught in the top `budget_k` by `y_score`, divided by "
            "the churners a random pick catches on average (`budget_k` × the base rate).\n\n"
            "Context: `y_true`, `y_score`, `budget_k`."
        ),
        solve=_solve_lift_at_k,
        hints=(
            "Sort customers by score, highest first, and keep the first `budget_k`.",
            "A random pick of `budget_k` catches on average `budget_k * y_true.mean()` churners.",
        ),
        solution_text=(
            "```python\n"
            "top = np.argsort(-y_score)[:budget_k]\n"
            "lift_at_k = y_true[top].sum() / (budget_k * y_true.mean())\n"
            "```"
        ),
        rtol=0.01,
        context_keys=("y_true", "y_score", "budget_k"),
    )
)

BASE_RATE = register(
    Question(
        qid=f"{KEY}.base_rate_at_horizon",
        prompt=(
            "Marketing asks for a **60-day** churn label. What share of customers (a fraction, "
            "not a percent) would be positive? A customer is positive when the cancellation was "
            "observed (`censored == 0`) within `horizon_days` days of the snapshot.\n\n"
            "Context: `days_to_churn`, `censored`, `horizon_days`."
        ),
        solve=_solve_base_rate,
        hints=(
            "Combine two conditions: the churn was observed, and it happened soon enough.",
            "`((customers.censored == 0) & (customers.days_to_churn <= 60)).mean()`, roughly.",
        ),
        solution_text=(
            "```python\n"
            "base_rate_60 = ((customers.censored == 0)\n"
            "                & (customers.days_to_churn <= 60)).mean()\n"
            "```"
        ),
        rtol=0.001,
        context_keys=("days_to_churn", "censored", "horizon_days"),
    )
)

ALPHA_FOR_FLOOR = register(
    Question(
        qid=f"{KEY}.alpha_for_quality_floor",
        prompt=(
            "The content team sets a floor: a feed's mean true quality must be at least "
            "`quality_floor`. Among the `alphas` you evaluated, which one gives the **most "
            "engagement** while meeting the floor? No retraining needed: read it off the sweep.\n\n"
            "Context: `alphas`, `engagement`, `quality`, `quality_floor` (aligned arrays)."
        ),
        solve=_solve_alpha_for_floor,
        hints=(
            "First keep only the alphas whose feed quality is at least the floor.",
            "Among those, take the one with the largest engagement.",
        ),
        solution_text=(
            "```python\n"
            "ok = sweep.quality >= quality_floor\n"
            "best_alpha = sweep.loc[ok, 'engagement'].idxmax()  # sweep indexed by alpha\n"
            "```"
        ),
        checker=_check_alpha,
        context_keys=("alphas", "engagement", "quality", "quality_floor"),
    )
)
