"""Exercises of notebooks/ch00-start-here/00-setup-check.ipynb."""

from __future__ import annotations

import numpy as np

from mlsd.exercises import Question, register


def _share_above(*, draws, threshold) -> float:
    return float(np.count_nonzero(np.asarray(draws) > threshold) / len(draws))


busy_weeks = register(
    Question(
        qid="ch00-start.busy_weeks",
        prompt=(
            "In what **share** of the simulated weeks did sign-ups exceed `busy_threshold`? "
            "Give a fraction between 0 and 1 (for example 0.25, not 25)."
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
    )
)
