"""Exercises of notebooks/ch00-start-here/00-setup-check.ipynb.

One question, to practise the check / hint / solution cycle: the share of busy weeks. Its
likely mistakes (a count instead of a share, "at least" instead of "more than", the share of
quiet weeks) are each recognised with their own message; percent instead of a fraction is
caught by the generic factor-of-100 message.
"""

from __future__ import annotations

import numpy as np

from mlsd.exercises import Mistake, Question, register


def _share_above(*, draws, threshold) -> float:
    return float(np.count_nonzero(np.asarray(draws) > threshold) / len(draws))


busy_weeks = register(
    Question(
        qid="ch00-start.busy_weeks",
        label="q1",
        prompt=(
            "In what **share** of the simulated weeks (`draws`) did sign-ups exceed "
            "`busy_threshold`, that is, were strictly more than it? Give a fraction between "
            "0 and 1 (for example 0.25, not 25)."
        ),
        solve=_share_above,
        context_keys=("draws", "threshold"),
        hints=(
            "`draws > busy_threshold` gives an array of True/False, one per week.",
            "The mean of a True/False array is the share of True values.",
        ),
        solution_text="```python\nshare_busy = (draws > busy_threshold).mean()\n```",
        rtol=1e-9,
        atol=1e-9,
        mistakes=(
            Mistake(
                "That is the number of busy weeks; the question asks for their share of all weeks.",
                lambda *, draws, threshold: float(np.count_nonzero(np.asarray(draws) > threshold)),
            ),
            Mistake(
                "You counted weeks at or above the threshold; a busy week has strictly more "
                "sign-ups than `busy_threshold`.",
                lambda *, draws, threshold: float(np.mean(np.asarray(draws) >= threshold)),
            ),
            Mistake(
                "That is the share of quiet weeks, the ones at or below the threshold.",
                lambda *, draws, threshold: float(np.mean(np.asarray(draws) <= threshold)),
            ),
        ),
    )
)
