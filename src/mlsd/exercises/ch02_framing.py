"""Exercises for the chapter-2 notebook on framing ML problems.

Taught in: notebooks/ch02-ml-systems-design/01-framing-ml-problems.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (pandas selections, plain loops), not by reusing the notebook's code. Each
question lists the wrong methods a learner is likely to use as :class:`Mistake` s, so the
feedback names the mistake without giving the answer away.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch02-framing"

# -- q1: positives to train on under the 90-day label ----------------------------------------

LONGEST_HORIZON_DAYS = 90  # the label window of the customers data set


def _observed_within(days_to_churn: Any, censored: Any, horizon_days: int) -> np.ndarray:
    """1 where a cancellation was observed on or before ``horizon_days``, by a plain loop."""
    days = np.asarray(days_to_churn, dtype=float)
    still_subscribed = np.asarray(censored, dtype=int) == 1
    return np.array(
        [(not c) and d <= horizon_days for d, c in zip(days, still_subscribed, strict=True)],
        dtype=int,
    )


def _solve_train_positives(*, days_to_churn: Any, censored: Any, train: Any) -> int:
    """Training customers whose cancellation was observed within 90 days."""
    positive = _observed_within(days_to_churn, censored, LONGEST_HORIZON_DAYS)
    return int(sum(positive[i] for i in np.asarray(train)))


def _days_at_most_90_in_train(*, days_to_churn: Any, censored: Any, train: Any) -> int:
    days = pd.Series(np.asarray(days_to_churn, dtype=float))
    return int((days.iloc[np.asarray(train)] <= LONGEST_HORIZON_DAYS).sum())


def _positives_among_all(*, days_to_churn: Any, censored: Any, train: Any) -> int:
    return int(_observed_within(days_to_churn, censored, LONGEST_HORIZON_DAYS).sum())


def _share_of_train(*, days_to_churn: Any, censored: Any, train: Any) -> float:
    positives = _solve_train_positives(days_to_churn=days_to_churn, censored=censored, train=train)
    return positives / len(np.asarray(train))


TRAIN_POSITIVES = register(
    Question(
        qid=f"{KEY}.train_positives_90d",
        label="q1",
        prompt=(
            "Marketing asks for the longest label our data allows: *cancels within 90 days of "
            "the snapshot*. How many customers **of the training set** would be positive, that "
            "is, how many positive examples would a model learn from? Answer with a count.\n\n"
            "Assumptions the checker uses: the training customers are the rows `train` of "
            "`customers` (positions, as `customers.iloc[train]` reads them); a customer is "
            "positive when the cancellation was observed (`censored == 0`) on or before day 90; "
            "`days_to_churn` holds 90 for a customer still subscribed on day 90.\n\n"
            "Context: `days_to_churn`, `censored`, `train`."
        ),
        solve=_solve_train_positives,
        hints=(
            "Two conditions make a positive: the cancellation was observed, and it came soon "
            "enough. The notebook's `churned_within` combines both.",
            "Select the training customers first with `customers.iloc[train]`, then count.",
        ),
        solution_text=(
            "```python\ntrain_positives_90d = churned_within(customers.iloc[train], 90).sum()\n```"
        ),
        rtol=0.0,
        atol=0.5,
        context_keys=("days_to_churn", "censored", "train"),
        mistakes=(
            Mistake(
                "You counted every training customer with `days_to_churn <= 90`. Customers "
                "still subscribed on day 90 (`censored == 1`) also store 90 there: they were "
                "never seen to cancel. Use `censored` as well.",
                _days_at_most_90_in_train,
            ),
            Mistake(
                "That counts the positives among all customers; the question asks about the "
                "training set only (`customers.iloc[train]`).",
                _positives_among_all,
            ),
            Mistake(
                "That is a share of the training set; the question asks how many customers "
                "(a count).",
                _share_of_train,
            ),
        ),
    )
)

# -- q2: lift of the call list -----------------------------------------------------------------


def _caught_in_top(y_true: Any, y_score: Any, budget_k: int) -> float:
    frame = pd.DataFrame({"y": np.asarray(y_true, dtype=float), "s": np.asarray(y_score)})
    if not 1 <= int(budget_k) <= len(frame):
        raise ValueError(f"`budget_k` must be in [1, {len(frame)}], got {budget_k}")
    return float(frame.nlargest(int(budget_k), "s", keep="first")["y"].sum())


def _solve_lift_at_k(*, y_true: Any, y_score: Any, budget_k: int, **_: Any) -> float:
    """Churners caught in the top ``budget_k`` by score, over the random expectation."""
    expected_random = int(budget_k) * np.asarray(y_true, dtype=float).mean()
    return _caught_in_top(y_true, y_score, budget_k) / expected_random


def _lift_all_customers(*, y_true: Any, y_score: Any, budget_k: int, y_all: Any) -> float:
    base_rate = np.asarray(y_all, dtype=float).mean()
    return _caught_in_top(y_true, y_score, budget_k) / (int(budget_k) * base_rate)


def _precision_at_k(*, y_true: Any, y_score: Any, budget_k: int, **_: Any) -> float:
    return _caught_in_top(y_true, y_score, budget_k) / int(budget_k)


def _churners_caught(*, y_true: Any, y_score: Any, budget_k: int, **_: Any) -> float:
    return _caught_in_top(y_true, y_score, budget_k)


LIFT_AT_K = register(
    Question(
        qid=f"{KEY}.lift_at_k",
        label="q2",
        prompt=(
            "The retention team can call `budget_k` customers. How many times more churners "
            "does the model's top `budget_k` catch than `budget_k` customers picked at random "
            "from the same test set? Compute the **lift**: churners caught in the top "
            "`budget_k` by `y_score`, divided by the churners a random pick catches on average "
            "(`budget_k` × the base rate **of the test set**).\n\n"
            "Assumptions the checker uses: the test customers' labels are `y_true` (the "
            "notebook's `y_test`) and their scores `y_score` (the notebook's `risk`); ties in "
            "the score keep the customers' order. The answer is a ratio, not a percent.\n\n"
            "Context: `y_true`, `y_score`, `budget_k`, `y_all` (every customer's label, for "
            "the feedback)."
        ),
        solve=_solve_lift_at_k,
        hints=(
            "`model_order` already lists the test customers by risk, highest first: the "
            "first `budget_k` are the ones the team calls.",
            "A random pick of `budget_k` test customers catches on average "
            "`budget_k * y_test.mean()` churners.",
        ),
        solution_text=(
            "```python\n"
            "lift_at_k = y_test[model_order[:budget_k]].sum() / (budget_k * y_test.mean())\n"
            "```"
        ),
        rtol=0.001,
        context_keys=("y_true", "y_score", "budget_k", "y_all"),
        mistakes=(
            Mistake(
                "You divided by the base rate of all customers. The random list is drawn "
                "from the test set, so its expected churners use the test set's base rate "
                "(`y_test.mean()`).",
                _lift_all_customers,
            ),
            Mistake(
                "That is the share of called customers who churn (the precision of the "
                "list). The lift compares it with what a random list catches.",
                _precision_at_k,
            ),
            Mistake(
                "That is the number of churners the list reaches. The lift divides it by "
                "the number a random list of the same length reaches on average.",
                _churners_caught,
            ),
        ),
    )
)

# -- q3: which framing decides the offer --------------------------------------------------------

OFFER_FRAMING = register(
    ChoiceQuestion(
        qid=f"{KEY}.framing_for_offer",
        label="q3",
        prompt=(
            "The retention team has chosen whom to call. Now it asks: *which offer should each "
            "caller make*: three months at a discount, curated picks, a call from support, or "
            "a reminder to update the card? Which framing answers **that** question?"
        ),
        solve=lambda **_: "c",
        options={
            "a": "Binary classification on the `horizon_days` label, judged by ROC AUC.",
            "b": "Ranking under the budget, judged by the churners the calls reach.",
            "c": "Multiclass classification on the churn reason, judged by recall per reason.",
            "d": "Regression on the days until cancellation, judged by the error in days.",
        },
        reasons={
            "a": "A churn probability says *who* is likely to leave, not *why*: every caller "
            "would still make the same offer.",
            "b": "Ranking decides whom to call, which the team has already done; it says "
            "nothing about which offer fits each customer.",
            "c": "The reason decides the offer, and recall per reason says how often each kind "
            "of churner gets the offer that fits. It is applied to the customers the ranking "
            "puts at the top.",
            "d": "Days until cancellation say *when* a customer may leave (and censoring biases "
            "them); the timing does not tell which offer fits.",
        },
        hints=(
            "Each offer fits one reason for leaving: a discount fits price, a card reminder "
            "fits a failed payment.",
        ),
        solution_text='```python\nframing_for_offer = "c"\n```',
    )
)

# -- q4: a base-rate function that respects censoring -----------------------------------------


def _reference_base_rate(days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    """Share of all customers whose cancellation was observed within ``horizon_days``."""
    return float(np.mean(_observed_within(days_to_churn, censored, horizon_days)))


def _base_rate_cases(**_: Any) -> list[tuple]:
    """Hand-made and simulated cases, some with a horizon equal to the last day observed."""
    hand_days = np.array([5, 30, 31, 60, 61, 90, 90])
    hand_censored = np.array([0, 0, 0, 0, 0, 0, 1])
    rng = np.random.default_rng(20240630)
    cases: list[tuple] = [
        (hand_days, hand_censored, 60),
        (hand_days, hand_censored, 90),
        (hand_days, hand_censored, 30),
    ]
    for window, horizons in ((90, (7, 30, 90)), (60, (14, 60))):
        cancel_day = rng.geometric(1 / 200, size=400)  # about 14 % cancel within 30 days
        censored = (cancel_day > window).astype(int)
        days = np.minimum(cancel_day, window)  # observation stops at the end of the window
        cases += [(days, censored, h) for h in horizons]
    return cases


def _ignores_censoring(days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    return float(np.mean(np.asarray(days_to_churn) <= horizon_days))


def _censored_as_churners(days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    days, censored = np.asarray(days_to_churn), np.asarray(censored)
    return float(np.mean((censored == 1) | (days <= horizon_days)))


def _churners_only_denominator(days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    days, censored = np.asarray(days_to_churn), np.asarray(censored)
    return float(np.mean(days[censored == 0] <= horizon_days))


def _horizon_day_left_out(days_to_churn: Any, censored: Any, horizon_days: int) -> float:
    days, censored = np.asarray(days_to_churn), np.asarray(censored)
    return float(np.mean((censored == 0) & (days < horizon_days)))


BASE_RATE = register(
    FunctionQuestion(
        qid=f"{KEY}.base_rate_at_horizon",
        label="q4",
        prompt=(
            "Write `base_rate(days_to_churn, censored, horizon_days)`: the share of customers "
            "(a fraction) whose cancellation was **observed** on or before day "
            "`horizon_days`.\n\n"
            "Assumptions the checker uses: `days_to_churn` and `censored` are NumPy arrays of "
            "the same length, as in `customers`; `censored == 1` means the customer was still "
            "subscribed when observation stopped, and `days_to_churn` then holds the day it "
            "stopped (90 in our data; the checker also tries data observed for only 60 days). "
            "The checker asks only for horizons up to the last day observed, so every "
            "customer's label is known and every customer counts in the denominator. It calls "
            "your function on cases of its own, one with the horizon on the last day observed."
        ),
        solve=_reference_base_rate,
        cases=_base_rate_cases,
        hints=(
            "A customer counts when two things hold: `censored == 0`, and `days_to_churn` is at "
            "most `horizon_days`.",
            "Combine the two boolean arrays with `&`; the mean of a boolean array is the share "
            "of `True`.",
        ),
        solution_text=(
            "```python\n"
            "def base_rate(days_to_churn, censored, horizon_days):\n"
            "    observed_in_time = (censored == 0) & (days_to_churn <= horizon_days)\n"
            "    return observed_in_time.mean()\n"
            "```"
        ),
        rtol=1e-9,
        mistakes=(
            Mistake(
                "Your function counts customers still subscribed when observation stopped as "
                "churners whenever the horizon reaches that day: their `days_to_churn` is the "
                "day observation stopped, not a cancellation. Use `censored` too.",
                _ignores_censoring,
            ),
            Mistake(
                "Your function counts every censored customer as a churner; censored means we "
                "never saw them cancel.",
                _censored_as_churners,
            ),
            Mistake(
                "Your function divides by the customers whose cancellation was observed; the "
                "base rate is a share of all customers.",
                _churners_only_denominator,
            ),
            Mistake(
                "Your function leaves out cancellations on day `horizon_days` itself; "
                '"within 30 days" includes day 30.',
                _horizon_day_left_out,
            ),
        ),
    )
)

# -- q5: alpha for a quality floor ----------------------------------------------------------------


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
        return (
            "The feed at that alpha misses the quality floor: the floor comes first, "
            "engagement only counts among the feeds that meet it."
        )
    if not np.isclose(value, expected, atol=1e-9):
        return (
            "That alpha meets the floor, but another alpha that also meets it engages more: "
            "the floor is a constraint, not the thing to maximise."
        )
    return None


ALPHA_FOR_FLOOR = register(
    Question(
        qid=f"{KEY}.alpha_for_quality_floor",
        label="q5",
        prompt=(
            "The content team sets a floor: a feed's mean true quality must be at least "
            "`quality_floor`. Among the `alphas` you evaluated, which one gives the **most "
            "engagement** while meeting the floor? No retraining needed: read it off the sweep.\n\n"
            "Assumptions the checker uses: `sweep` is indexed by alpha, with the columns "
            "`engagement` and `quality`; a feed meets the floor when its quality is at least "
            "(>=) `quality_floor`.\n\n"
            "Context: `alphas`, `engagement`, `quality`, `quality_floor` (aligned arrays)."
        ),
        solve=_solve_alpha_for_floor,
        hints=(
            "First keep only the rows of `sweep` whose quality is at least `quality_floor`.",
            "Among those, take the alpha (the index) with the largest engagement: `.idxmax()`.",
        ),
        solution_text=(
            "```python\nbest_alpha = sweep[sweep.quality >= quality_floor].engagement.idxmax()\n```"
        ),
        checker=_check_alpha,
        context_keys=("alphas", "engagement", "quality", "quality_floor"),
    )
)
