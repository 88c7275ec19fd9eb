"""Exercises for the chapter-4 notebook on labels: natural, hand and weak.

Taught in: notebooks/ch04-training-data/02-labels.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes by its
own route (plain NumPy loops and counts), not through ``mlsd.labels``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch04-labels"


# ----------------------------------------------------------------------------- window


def _days(days_to_churn: Any, censored: Any) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(days_to_churn, dtype=float), np.asarray(censored, dtype=int)


def _solve_missed_14(*, days_to_churn: Any, censored: Any) -> float:
    days, cens = _days(days_to_churn, censored)
    churned = cens == 0
    return float(np.sum(churned & (days > 14)) / np.sum(churned))


MISSED_14 = register(
    Question(
        qid=f"{KEY}.missed_by_14_days",
        prompt=(
            "The product team wants churn labels after 14 days instead of "
            "`window_days`. Among the customers who cancel within the 90 days "
            "(`churners`), what share would a 14-day window call stayers? Use the "
            "observed `days_to_churn` (a share between 0 and 1, not a percentage). Store it "
            "in `missed_14`."
        ),
        solve=_solve_missed_14,
        hints=(
            "Section 1 computed the same share for `window_days`: `missed.mean()`.",
            "Take `churners` (not all customers) and the share whose `days_to_churn` is "
            "greater than 14.",
        ),
        solution_text='```python\nmissed_14 = (churners["days_to_churn"] > 14).mean()\n```',
        rtol=0.01,
        context_keys=("days_to_churn", "censored"),
        label="q1",
        mistakes=(
            Mistake(
                "That share includes the customers who never cancelled: their `days_to_churn` "
                "is the 90-day censoring limit, not a cancellation. Use `churners`.",
                lambda *, days_to_churn, censored: float(
                    np.mean(_days(days_to_churn, censored)[0] > 14)
                ),
            ),
            Mistake(
                "You divided by all customers; the question asks for a share of the churners.",
                lambda *, days_to_churn, censored: float(
                    np.sum(
                        (_days(days_to_churn, censored)[1] == 0)
                        & (_days(days_to_churn, censored)[0] > 14)
                    )
                    / len(_days(days_to_churn, censored)[0])
                ),
            ),
            Mistake(
                "That is the share the window catches; the question asks for the share it "
                "misses (cancellations after day 14).",
                lambda *, days_to_churn, censored: (
                    1.0 - _solve_missed_14(days_to_churn=days_to_churn, censored=censored)
                ),
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- kappa


def _codes(labels_a: Any, labels_b: Any) -> tuple[np.ndarray, np.ndarray, int]:
    a = np.asarray(labels_a, dtype=object).astype(str)
    b = np.asarray(labels_b, dtype=object).astype(str)
    classes = sorted(set(a) | set(b))
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index[v] for v in a]), np.array([index[v] for v in b]), len(classes)


def _solve_kappa(*, labels_a: Any, labels_b: Any) -> float:
    """Cohen's kappa from the contingency table, counted with a loop."""
    a, b, k = _codes(labels_a, labels_b)
    table = np.zeros((k, k))
    for i, j in zip(a, b, strict=True):
        table[i, j] += 1
    table /= table.sum()
    observed = np.trace(table)
    chance = float(table.sum(axis=1) @ table.sum(axis=0))
    return float((observed - chance) / (1.0 - chance))


def _raw_agreement(*, labels_a: Any, labels_b: Any) -> float:
    a, b, _ = _codes(labels_a, labels_b)
    return float(np.mean(a == b))


def _uniform_chance_kappa(*, labels_a: Any, labels_b: Any) -> float:
    a, b, k = _codes(labels_a, labels_b)
    observed = float(np.mean(a == b))
    return (observed - 1.0 / k) / (1.0 - 1.0 / k)


KAPPA = register(
    Question(
        qid=f"{KEY}.kappa_by_hand",
        prompt=(
            "Compute Cohen's kappa between the careful and the hurried annotator by hand: "
            "`observed` is the share of notes on which they agree, `chance` the agreement "
            "expected if each labelled at random with their own label shares (the sum over "
            "reasons of the product of their two shares), and kappa is "
            "`(observed - chance) / (1 - chance)`. Store it in `kappa_careful_hurried`."
        ),
        solve=_solve_kappa,
        hints=(
            "`(a == b).mean()` is the observed agreement; `a.value_counts(normalize=True)` "
            "gives one annotator's label shares.",
            "Multiplying two `value_counts(normalize=True)` Series aligns them by reason; "
            "`.sum()` of the product is the chance agreement.",
        ),
        solution_text=(
            "```python\n"
            "observed = (a == b).mean()\n"
            "chance = (a.value_counts(normalize=True) * b.value_counts(normalize=True)).sum()\n"
            "kappa_careful_hurried = (observed - chance) / (1 - chance)\n"
            "```"
        ),
        rtol=0.005,
        context_keys=("labels_a", "labels_b"),
        label="q2",
        mistakes=(
            Mistake(
                "That is the raw agreement. Kappa subtracts the agreement two annotators "
                "would reach by chance with their own label shares.",
                _raw_agreement,
            ),
            Mistake(
                "You used 1 / 4 as the chance agreement, as if every reason were equally "
                "common; use each annotator's own label shares.",
                _uniform_chance_kappa,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- split note

SPLIT_NOTE = register(
    ChoiceQuestion(
        qid=f"{KEY}.split_note",
        prompt=(
            "A note is labelled `content` by the careful annotator and `price` by both the "
            "hurried and the biased one. Majority vote says price. Using the confusion "
            "matrices Dawid-Skene estimated in section 3 (`ds.confusion`, `quality`), which "
            "reason does Dawid-Skene give the note, and why? Store the letter in "
            "`split_note_answer`."
        ),
        solve=lambda: "b",
        options={
            "a": "Price: two votes against one, and every annotator counts the same.",
            "b": "Content: the careful annotator is rarely wrong, and a `price` from the "
            "hurried or the biased annotator is weak evidence.",
            "c": "Neither: Dawid-Skene cannot decide a note on which the annotators disagree.",
            "d": "Price: the biased annotator is always right on price notes.",
        },
        reasons={
            "a": "That is the majority vote. Dawid-Skene weighs each label by the annotator's "
            "estimated confusion matrix, so annotators do not count the same.",
            "b": "The careful annotator says content wrongly on under 3 % of price notes; the "
            "hurried and the biased one say price on many content notes. Multiplied with the "
            "reason shares (content is the most common reason), content wins.",
            "c": "It always gives a probability for each reason: disagreement is exactly the "
            "evidence it learns from.",
            "d": "Being right on price notes is not the question: the biased annotator also "
            "says price on a third of the content notes, so their price label says little.",
        },
        hints=(
            "Compare how often the careful annotator says content on a price note with how "
            "often the others say price on a content note (the `quality` table).",
        ),
        solution_text='```python\nsplit_note_answer = "b"\n```',
        label="q3",
    )
)


# ----------------------------------------------------------------------------- conflicts


def _conflict_share(votes: Any) -> float:
    """Share of items where two voting functions disagree, with an explicit loop."""
    rows = np.asarray(votes)
    count = 0
    for row in rows:
        seen = {int(v) for v in row if v != -1}
        count += len(seen) > 1
    return count / len(rows)


def _overlap_share(votes: Any) -> float:
    rows = np.asarray(votes)
    return float(np.mean((rows >= 0).sum(axis=1) > 1))


def _abstain_counted(votes: Any) -> float:
    rows = np.asarray(votes)
    return float(np.mean([len(set(row.tolist())) > 1 for row in rows]))


def _conflict_of_voters(votes: Any) -> float:
    rows = np.asarray(votes)
    voted = (rows >= 0).any(axis=1)
    return _conflict_share(rows[voted]) if voted.any() else 0.0


def _conflict_cases() -> list[tuple]:
    rng = np.random.default_rng(2024)
    cases = [
        (np.array([[0, 0, -1], [0, 1, -1], [-1, -1, -1], [2, -1, 2], [-1, 3, -1]]),),
        (np.array([[1, -1], [-1, -1], [1, 1], [0, 1]]),),
    ]
    for size in (30, 200):
        votes = rng.integers(0, 4, (size, 5))
        votes[rng.random((size, 5)) < 0.6] = -1
        cases.append((votes,))
    return cases


CONFLICT = register(
    FunctionQuestion(
        qid=f"{KEY}.conflict_share",
        prompt=(
            "Write `conflict_share(votes)`: `votes` is a NumPy matrix, notes × labelling "
            "functions, each entry a reason code 0-3 or -1 where the function abstains. Return "
            "the share of **all** notes on which at least two functions vote for different "
            "reasons (abstentions are not votes). The checker calls it on vote matrices of "
            "its own."
        ),
        solve=_conflict_share,
        cases=lambda: _conflict_cases(),
        hints=(
            "For one row: the set of its votes that are not -1; a conflict is a set with more "
            "than one reason.",
            "A list comprehension over the rows, then `np.mean` of the booleans.",
        ),
        solution_text=(
            "```python\n"
            "    votes = np.asarray(votes)\n"
            "    disagree = [len(set(row[row >= 0].tolist())) > 1 for row in votes]\n"
            "    return float(np.mean(disagree))\n"
            "```"
        ),
        rtol=1e-9,
        label="q4",
        mistakes=(
            Mistake(
                "That counts notes where two functions vote at all (overlaps); a conflict "
                "needs two different reasons.",
                _overlap_share,
            ),
            Mistake(
                "An abstention (-1) is not a vote: a note where one function votes and the "
                "others abstain has no conflict.",
                _abstain_counted,
            ),
            Mistake(
                "You divided by the notes some function votes on; the question asks for a "
                "share of all notes.",
                _conflict_of_voters,
            ),
        ),
    )
)


# ----------------------------------------------------------------------------- saving


def _solve_saving(
    *, budget: float, labels_needed: float, n_annotators: int, cost_per_label_usd: float
) -> float:
    return (budget - labels_needed) * n_annotators * cost_per_label_usd


SAVING = register(
    Question(
        qid=f"{KEY}.al_saving_usd",
        prompt=(
            "Suppose each note chosen for labelling is labelled by all three annotators, as "
            "in section 2, at `cost_per_label_usd` per label. How many dollars does "
            "uncertainty sampling save, against random sampling, to reach random sampling's "
            "accuracy after `budget` notes? Store it in `al_saving_usd`."
        ),
        solve=_solve_saving,
        hints=(
            "The notes saved are `budget - labels_needed`.",
            "Each saved note would have cost `len(annotators)` labels at `cost_per_label_usd`.",
        ),
        solution_text=(
            "```python\n"
            "al_saving_usd = (budget - labels_needed) * len(annotators) * cost_per_label_usd\n"
            "```"
        ),
        rtol=0.001,
        context_keys=("budget", "labels_needed", "n_annotators", "cost_per_label_usd"),
        label="q5",
        mistakes=(
            Mistake(
                "That is the saving for one annotator; every note is labelled by three.",
                lambda *, budget, labels_needed, n_annotators, cost_per_label_usd: (
                    (budget - labels_needed) * cost_per_label_usd
                ),
            ),
            Mistake(
                "That is what uncertainty sampling spends; the saving is the labels it does "
                "not need, `budget - labels_needed`.",
                lambda *, budget, labels_needed, n_annotators, cost_per_label_usd: (
                    labels_needed * n_annotators * cost_per_label_usd
                ),
            ),
            Mistake(
                "That is what random sampling spends; the saving is the difference between "
                "the two strategies.",
                lambda *, budget, labels_needed, n_annotators, cost_per_label_usd: (
                    budget * n_annotators * cost_per_label_usd
                ),
            ),
        ),
    )
)
