"""Exercises for the chapter-4 notebook on sampling and class imbalance.

Taught in: notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (plain NumPy, SciPy's logit), not through ``mlsd.sampling``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch04-sampling"


# ----------------------------------------------------------------------------- weighting


def _arrays(churned: Any, response_prob: Any) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(churned, dtype=float), np.asarray(response_prob, dtype=float)


def _solve_weighted_rate(*, churned: Any, response_prob: Any) -> float:
    y, p = _arrays(churned, response_prob)
    return float(np.average(y, weights=1.0 / p))


WEIGHTED_RATE = register(
    Question(
        qid=f"{KEY}.weighted_churn_rate",
        prompt=(
            "Each respondent of the survey answered with a known probability, "
            "`p_survey` (the column `true_response_prob`); `y_survey` is 1 for a respondent "
            "who churned. Estimate the **whole base's** churn rate by importance weighting: "
            "weight each respondent by one over their response probability, and divide the "
            "weighted sum of `y_survey` by the sum of the weights. Store the rate, as a "
            "fraction, in `weighted_churn_rate` (do not use `mlsd.sampling`)."
        ),
        solve=_solve_weighted_rate,
        hints=(
            "A respondent who answered with probability 0.05 stands for 20 customers.",
            "`np.sum(y_survey / p_survey) / np.sum(1 / p_survey)`, or `np.average` with "
            "`weights=1 / p_survey`.",
        ),
        solution_text=(
            "```python\n"
            "weighted_churn_rate = np.sum(y_survey / p_survey) / np.sum(1 / p_survey)\n"
            "```"
        ),
        rtol=0.005,
        context_keys=("churned", "response_prob"),
        label="q1",
        mistakes=(
            Mistake(
                "That is the respondents' own churn rate: every respondent counts once, so the "
                "engaged customers who answer most often dominate. Weight each by 1 / p.",
                lambda *, churned, response_prob: float(np.mean(churned)),
            ),
            Mistake(
                "You weighted each respondent by their response probability; the weight is "
                "its inverse, 1 / p: the customers least likely to answer stand for the most.",
                lambda *, churned, response_prob: float(
                    np.average(_arrays(churned, response_prob)[0], weights=response_prob)
                ),
            ),
            Mistake(
                "You divided the weighted churners by the number of respondents; divide by the "
                "sum of the weights (the number of customers the respondents stand for).",
                lambda *, churned, response_prob: float(
                    np.sum(_arrays(churned, response_prob)[0] / np.asarray(response_prob))
                    / len(churned)
                ),
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- Neyman


def _strata(stratum_customers: Any, stratum_rates: Any) -> tuple[np.ndarray, np.ndarray, int]:
    n_h = np.asarray(stratum_customers, dtype=float)
    p_h = np.asarray(stratum_rates, dtype=float)
    return n_h, p_h, int(np.argmax(p_h))


def _solve_neyman(*, stratum_customers: Any, stratum_rates: Any, sample_size: int) -> float:
    n_h, p_h, top = _strata(stratum_customers, stratum_rates)
    weight = n_h * np.sqrt(p_h * (1.0 - p_h))
    return float(sample_size * weight[top] / weight.sum())


def _proportional(*, stratum_customers: Any, stratum_rates: Any, sample_size: int) -> float:
    n_h, _, top = _strata(stratum_customers, stratum_rates)
    return float(sample_size * n_h[top] / n_h.sum())


def _by_variance(*, stratum_customers: Any, stratum_rates: Any, sample_size: int) -> float:
    n_h, p_h, top = _strata(stratum_customers, stratum_rates)
    weight = n_h * p_h * (1.0 - p_h)
    return float(sample_size * weight[top] / weight.sum())


def _by_rate(*, stratum_customers: Any, stratum_rates: Any, sample_size: int) -> float:
    n_h, p_h, top = _strata(stratum_customers, stratum_rates)
    weight = n_h * p_h
    return float(sample_size * weight[top] / weight.sum())


def _as_in_the_table(*, stratum_customers: Any, stratum_rates: Any, sample_size: int) -> float:
    """The notebook's `neyman` column: rounded, and at least two interviews per stratum."""
    exact = _solve_neyman(
        stratum_customers=stratum_customers, stratum_rates=stratum_rates, sample_size=sample_size
    )
    return float(max(2, round(exact)))


NEYMAN = register(
    Question(
        qid=f"{KEY}.neyman_allocation",
        prompt=(
            "The strata of section 2 have `sizes` customers and churn rates `rates`. "
            "With Neyman allocation, how many of the `sample_size` interviews go to the "
            "riskiest stratum (index `riskiest`)? Neyman allocation gives stratum h a share "
            "of the sample proportional to N_h · S_h, its number of customers times the "
            "standard deviation of churn in it, S_h = sqrt(p_h (1 - p_h)). Store the "
            "number, unrounded, in `n_riskiest`."
        ),
        solve=_solve_neyman,
        hints=(
            "Compute N_h · S_h for every stratum (`s_h` is S_h); the riskiest stratum's share "
            "of the sample is its N_h · S_h over the sum of all of them.",
            "With `s_h` (defined in the cell) the answer is "
            "`sample_size * sizes[riskiest] * s_h[riskiest] / np.sum(sizes * s_h)`.",
        ),
        solution_text=(
            "```python\n"
            "n_riskiest = sample_size * sizes[riskiest] * s_h[riskiest] / np.sum(sizes * s_h)\n"
            "```"
        ),
        rtol=0.02,
        context_keys=("stratum_customers", "stratum_rates", "sample_size"),
        label="q2",
        mistakes=(
            Mistake(
                "That is proportional allocation (the stratum's share of customers). Neyman "
                "also weights each stratum by how much churn varies in it.",
                _proportional,
            ),
            Mistake(
                "You weighted by the variance p(1 - p); Neyman allocation uses the standard "
                "deviation, its square root.",
                _by_variance,
            ),
            Mistake(
                "You weighted by the churn rate p; Neyman allocation uses the standard "
                "deviation of churn, sqrt(p (1 - p)).",
                _by_rate,
            ),
            Mistake(
                "That is the table's `neyman` column, which rounds to whole interviews and "
                "gives every stratum at least two. The question asks for the unrounded share, "
                "sample_size · N_h S_h / sum of N_h S_h.",
                _as_in_the_table,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- reservoir

RESERVOIR_RULE = register(
    ChoiceQuestion(
        qid=f"{KEY}.reservoir_rule",
        prompt=(
            "A reservoir holds `k` items. The `i`-th item of the stream arrives (1-based, "
            "`i > k`); the stream's length `n` is unknown. With what probability must "
            "Algorithm R put the new item into the reservoir (in a random slot) so that, at "
            "every moment, each item seen so far is in it with the same probability? Store "
            "the letter in `reservoir_answer`."
        ),
        solve=lambda: "b",
        hints=(
            "After i items, each should be in the reservoir with probability k / i. What "
            "does that say about the newest one?",
        ),
        solution_text='```python\nreservoir_answer = "b"\n```',
        options={
            "a": "1/2, so old and new items are treated alike.",
            "b": "k / i.",
            "c": "1 / i.",
            "d": "k / n.",
        },
        reasons={
            "a": "Section 3's shortcut: late items replace early ones far too often, and the "
            "chi-square test refuses it at once.",
            "b": "Right: the newest item must be in with probability k / i like everyone else; "
            "each older item survives with probability 1 - (k / i)(1 / k) = (i - 1) / i, "
            "which turns its k / (i - 1) into k / i.",
            "c": "With 1 / i the newest item is in the reservoir k times less often than the "
            "k / i every item should have.",
            "d": "The stream's length n is not known while it flows; that is the problem "
            "reservoir sampling solves.",
        },
        label="q3",
    )
)


# ----------------------------------------------------------------------------- leakage

RESAMPLE_BEFORE_SPLIT = register(
    ChoiceQuestion(
        qid=f"{KEY}.resample_before_split",
        prompt=(
            "A teammate applied SMOTE to the whole customer table, then split it into "
            "training and test sets, and reports a test ROC AUC far above section 5's. What "
            "is the most likely explanation? Store the letter in `leak_answer`."
        ),
        solve=lambda: "c",
        hints=("Where do SMOTE's synthetic churners come from, and which set do they end up in?",),
        solution_text='```python\nleak_answer = "c"\n```',
        options={
            "a": "SMOTE gives the model more churners to learn from, so it really ranks better.",
            "b": "The test set now has half churners, and ROC AUC is higher on balanced data.",
            "c": "Synthetic churners in the test set were made from churners in the training "
            "set, so the test set leaks the training data and the score is optimistic.",
            "d": "ROC AUC is not defined on imbalanced data, so the earlier number was wrong.",
        },
        reasons={
            "a": "Section 5 found that SMOTE left ROC AUC where it was on untouched test "
            "customers; a large jump comes from the evaluation, not the model.",
            "b": "ROC AUC compares churners with stayers and does not depend on their shares; "
            "a balanced test set alone does not raise it.",
            "c": "Right: each synthetic test churner lies between real churners, some of them "
            "in the training set, so the model is tested on near-copies of what it learnt. "
            "Split first, resample only the training data, and test on the real balance.",
            "d": "ROC AUC is defined for any class balance; it is precision-based metrics "
            "whose floor moves with it.",
        },
        label="q4",
    )
)


# ----------------------------------------------------------------------------- correction


def _reference_correction(p: Any, train_rate: float, true_rate: float) -> np.ndarray:
    """Shift each log-odds by logit(true_rate) - logit(train_rate) (SciPy)."""
    p = np.asarray(p, dtype=float)
    return special.expit(special.logit(p) + special.logit(true_rate) - special.logit(train_rate))


def _correction_cases() -> list[tuple]:
    return [
        (np.array([0.05, 0.2, 0.5, 0.8, 0.95]), 0.5, 0.06),
        (np.array([0.1, 0.3, 0.6]), 0.2, 0.05),
        (np.array([0.02, 0.5, 0.9]), 0.1, 0.3),
    ]


PRIOR_CORRECTION = register(
    FunctionQuestion(
        qid=f"{KEY}.prior_correction_function",
        prompt=(
            "Write `correct_prior(p, train_rate, true_rate)`: `p` is a NumPy array of "
            "churn probabilities from a model trained on data with a churn share "
            "`train_rate`; return the probabilities for a population whose churn rate is "
            "`true_rate`, by the prior correction of section 5 (multiply each odds "
            "p / (1 - p) by odds(true_rate) / odds(train_rate), then turn the odds back into "
            "a probability). Do not use `mlsd.sampling`. The checker calls your function on "
            "cases of its own, including one that raises the churn share."
        ),
        solve=_reference_correction,
        cases=_correction_cases,
        hints=(
            "odds(x) = x / (1 - x), and a probability is odds / (1 + odds).",
            "`odds = p / (1 - p) * (true_rate / (1 - true_rate)) / "
            "(train_rate / (1 - train_rate))`, then `return odds / (1 + odds)`.",
        ),
        solution_text=(
            "```python\n"
            "def correct_prior(p, train_rate, true_rate):\n"
            "    odds = p / (1 - p) * (true_rate / (1 - true_rate)) / "
            "(train_rate / (1 - train_rate))\n"
            "    return odds / (1 + odds)\n"
            "```"
        ),
        rtol=1e-6,
        atol=1e-9,
        label="q5",
        mistakes=(
            Mistake(
                "Your function scales the probabilities by true_rate / train_rate: that is "
                "a linear shortcut, which can even exceed 1. Scale the odds, not the "
                "probabilities.",
                lambda p, train_rate, true_rate: np.asarray(p) * true_rate / train_rate,
            ),
            Mistake(
                "Your function moves the probabilities the wrong way: it multiplies the odds "
                "by odds(train_rate) / odds(true_rate). The model's odds are too high by that "
                "factor; divide by it.",
                lambda p, train_rate, true_rate: _reference_correction(p, true_rate, train_rate),
            ),
            Mistake(
                "Your function returns the corrected odds; turn them back into probabilities "
                "with odds / (1 + odds).",
                lambda p, train_rate, true_rate: (
                    np.asarray(p)
                    / (1 - np.asarray(p))
                    * (true_rate / (1 - true_rate))
                    / (train_rate / (1 - train_rate))
                ),
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- threshold


def _solve_moved(*, breakeven: float, train_share: float, true_rate: float) -> float:
    return float(_reference_correction([breakeven], true_rate, train_share)[0])


MOVED_THRESHOLD = register(
    Question(
        qid=f"{KEY}.moved_threshold",
        prompt=(
            "A model was trained on data under-sampled to a churn share `train_churn_share`, "
            "while the real churn rate is `natural_rate`, the training customers' own churn "
            "rate printed in section 4. Its scores are **not** corrected. "
            "Which threshold on its scores corresponds to session 1's break-even probability "
            "`breakeven`? Move `breakeven` to the training balance: multiply its odds by "
            "odds(train_churn_share) / odds(natural_rate) and convert back to a probability. "
            "Store it in `moved_threshold`."
        ),
        solve=_solve_moved,
        hints=(
            "This is the prior correction run backwards: from the real balance to the "
            "training balance. The notebook defines `odds_ratio` for you.",
            "With `r = odds_ratio`, the moved threshold is `b * r / (b * r + 1 - b)` for "
            "`b = breakeven`.",
        ),
        solution_text=(
            "```python\n"
            "moved_threshold = breakeven * odds_ratio / (breakeven * odds_ratio + 1 - breakeven)\n"
            "```"
        ),
        rtol=0.005,
        context_keys=("breakeven", "train_share", "true_rate"),
        label="q6",
        mistakes=(
            Mistake(
                "That is the break-even probability itself. The model's scores are inflated "
                "by the rebalancing, so the threshold on them must move too.",
                lambda *, breakeven, train_share, true_rate: breakeven,
            ),
            Mistake(
                "You scaled the probability by train_churn_share / natural_rate: a linear "
                "shortcut. The correction multiplies the odds, not the probability.",
                lambda *, breakeven, train_share, true_rate: breakeven * train_share / true_rate,
            ),
            Mistake(
                "You moved the threshold the wrong way (towards a lower churn share). The "
                "rebalanced model's scores are too high, so its threshold must be higher.",
                lambda *, breakeven, train_share, true_rate: float(
                    _reference_correction([breakeven], train_share, true_rate)[0]
                ),
            ),
            Mistake(
                "That is still odds, not a probability: you moved the odds of `breakeven` "
                "correctly; turn them back into a threshold with odds / (1 + odds).",
                lambda *, breakeven, train_share, true_rate: (
                    breakeven
                    / (1 - breakeven)
                    * (train_share / (1 - train_share))
                    / (true_rate / (1 - true_rate))
                ),
            ),
        ),
    )
)
