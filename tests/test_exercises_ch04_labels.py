"""Tests for the chapter-4 labels exercises: known right answers, known wrong ones, placeholder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import mlsd
import mlsd.exercises as ex

MISSED = "ch04-labels.missed_by_14_days"
KAPPA = "ch04-labels.kappa_by_hand"
SPLIT = "ch04-labels.split_note"
CONFLICT = "ch04-labels.conflict_share"
SAVING = "ch04-labels.al_saving_usd"
ALL = (MISSED, KAPPA, SPLIT, CONFLICT, SAVING)

# Hand-worked window: churners cancel on days 3, 14, 15, 40 and 90; three are after day 14.
DAYS = np.array([3, 14, 15, 40, 90, 90, 90])
CENSORED = np.array([0, 0, 0, 0, 0, 1, 1])


def notebook_contexts(seed: int, n_customers: int = 20_000) -> dict[str, dict]:
    """The contexts the notebook passes for ``seed``, rebuilt from the simulator."""
    customers = mlsd.simulate.make_customers(n_customers, seed=seed)
    notes = mlsd.simulate.make_cancellation_notes(customers, seed=seed)
    return {
        MISSED: {"days_to_churn": customers["days_to_churn"], "censored": customers["censored"]},
        KAPPA: {"labels_a": notes["label_careful"], "labels_b": notes["label_hurried"]},
        SAVING: {
            "budget": 140,
            "labels_needed": {42: 60, 7: 72}[seed],  # what the notebook's runs measured
            "n_annotators": 3,
            "cost_per_label_usd": 0.25,
        },
    }


CONTEXTS = {seed: notebook_contexts(seed) for seed in (42, 7)}


def test_questions_are_registered():
    """The five questions of the labels notebook are in the registry."""
    assert set(ALL) <= set(ex.all_questions())


@pytest.mark.parametrize("qid", ALL)
def test_placeholder_is_not_attempted(qid):
    """The learner edition's `...` counts as not attempted, for every question."""
    q = ex.get(qid)
    context = CONTEXTS[42].get(qid, {})
    assert q.check(..., **context).kind == "not attempted"


def test_missed_share_hand_worked():
    """Three of the five churners cancel after day 14: the answer 0.6 is correct."""
    q = ex.get(MISSED)
    assert q.check(0.6, days_to_churn=DAYS, censored=CENSORED).correct
    assert not q.check(0.4, days_to_churn=DAYS, censored=CENSORED).correct


@pytest.mark.parametrize("seed", [42, 7])
def test_missed_share_right_and_wrong_on_the_notebook_data(seed):
    """The notebook's solution is correct; each listed mistake gets its own message."""
    q = ex.get(MISSED)
    context = CONTEXTS[seed][MISSED]
    days = np.asarray(context["days_to_churn"])
    censored = np.asarray(context["censored"])
    churners = days[censored == 0]
    assert q.check(float(np.mean(churners > 14)), **context).correct
    wrong = {
        "censoring limit": float(np.mean(days > 14)),
        "divided by all customers": float(np.sum(churners > 14) / len(days)),
        "the window catches": float(np.mean(churners <= 14)),
    }
    for says, answer in wrong.items():
        feedback = q.check(answer, **context)
        assert feedback.kind == "incorrect" and says in feedback.text, (says, feedback.text)


@pytest.mark.parametrize("seed", [42, 7])
def test_kappa_right_answer_matches_sklearn(seed):
    """scikit-learn's cohen_kappa_score is accepted; raw agreement and 1/4 chance are named."""
    q = ex.get(KAPPA)
    context = CONTEXTS[seed][KAPPA]
    a, b = context["labels_a"], context["labels_b"]
    assert q.check(cohen_kappa_score(a, b), **context).correct
    agreement = float(np.mean(np.asarray(a) == np.asarray(b)))
    feedback = q.check(agreement, **context)
    assert feedback.kind == "incorrect" and "raw agreement" in feedback.text
    feedback = q.check((agreement - 0.25) / 0.75, **context)
    assert feedback.kind == "incorrect" and "1 / 4" in feedback.text


def test_kappa_hand_worked():
    """A 2 × 2 example worked by hand: agreement 0.7, chance 0.5, kappa 0.4."""
    a = pd.Series(["x"] * 5 + ["y"] * 5)
    b = pd.Series(["x"] * 4 + ["y"] + ["x"] * 2 + ["y"] * 3)
    # agree on 4 + 3 = 7 of 10; shares a: 0.5/0.5, b: 0.6/0.4 -> chance 0.3 + 0.2 = 0.5
    assert ex.get(KAPPA).check(0.4, labels_a=a, labels_b=b).correct


@pytest.mark.parametrize(
    ("answer", "says"), [("a", "majority vote"), ("c", "always gives"), ("d", "third")]
)
def test_split_note_wrong_options_get_their_reason(answer, says):
    """Each wrong option is told why it is wrong."""
    feedback = ex.get(SPLIT).check(answer)
    assert feedback.kind == "incorrect" and says in feedback.text


def test_split_note_right_answer_agrees_with_dawid_skene():
    """The accepted letter is what Dawid-Skene gives such a note on the default data."""
    customers = mlsd.simulate.make_customers(20_000, seed=42)
    notes = mlsd.simulate.make_cancellation_notes(customers, seed=42)
    reasons = notes.attrs["truth"]["reasons"]
    votes = np.column_stack(
        [[reasons.index(v) for v in notes[f"label_{a}"]] for a in ("careful", "hurried", "biased")]
    )
    fit = mlsd.labels.dawid_skene(votes, n_classes=4)
    content, price = reasons.index("content"), reasons.index("price")
    score = np.log(fit.prior) + sum(
        np.log(fit.confusion[j, :, label]) for j, label in enumerate([content, price, price])
    )
    assert score.argmax() == content
    assert ex.get(SPLIT).check("b").correct


def _right_conflict(votes):
    votes = np.asarray(votes)
    return float(np.mean([len(set(row[row >= 0].tolist())) > 1 for row in votes]))


def test_conflict_function_right_and_wrong():
    """The notebook's function passes; overlaps, counted abstentions, wrong denominator named."""
    q = ex.get(CONFLICT)
    assert q.check(_right_conflict).correct

    def overlaps(votes):
        return float(np.mean((np.asarray(votes) >= 0).sum(axis=1) > 1))

    def abstain_is_a_vote(votes):
        return float(np.mean([len(set(row.tolist())) > 1 for row in np.asarray(votes)]))

    def over_voted_notes(votes):
        votes = np.asarray(votes)
        voted = votes[(votes >= 0).any(axis=1)]
        return _right_conflict(voted)

    def forgot_return(votes):
        _right_conflict(votes)

    for function, says in (
        (overlaps, "overlaps"),
        (abstain_is_a_vote, "abstention"),
        (over_voted_notes, "all notes"),
        (forgot_return, "forget `return`"),
    ):
        feedback = q.check(function)
        assert feedback.kind == "incorrect" and says in feedback.text, (says, feedback.text)


def test_conflict_cases_hand_worked():
    """On the first hand case, two of five notes hold a conflict (rows 2 and 5 do not)."""
    votes = np.array([[0, 0, -1], [0, 1, -1], [-1, -1, -1], [2, -1, 2], [-1, 3, -1]])
    assert _right_conflict(votes) == pytest.approx(1 / 5)


@pytest.mark.parametrize("seed", [42, 7])
def test_saving_right_and_wrong(seed):
    """Saved notes × 3 annotators × price is right; one annotator, spend, budget are named."""
    q = ex.get(SAVING)
    c = CONTEXTS[seed][SAVING]
    saved = c["budget"] - c["labels_needed"]
    assert q.check(saved * 3 * c["cost_per_label_usd"], **c).correct
    for answer, says in (
        (saved * c["cost_per_label_usd"], "one annotator"),
        (c["labels_needed"] * 3 * c["cost_per_label_usd"], "spends"),
        (c["budget"] * 3 * c["cost_per_label_usd"], "random sampling spends"),
    ):
        feedback = q.check(answer, **c)
        assert feedback.kind == "incorrect" and says in feedback.text, (says, feedback.text)


@pytest.mark.parametrize("seed", [42, 7])
@pytest.mark.parametrize("qid", [MISSED, KAPPA, SAVING])
def test_no_mistake_lands_inside_the_tolerance(seed, qid):
    """Every listed wrong method gives an answer the checker rejects, on two seeds."""
    q = ex.get(qid)
    context = CONTEXTS[seed][qid]
    for mistake, wrong in q.mistake_answers(**context):
        assert not q.check(wrong, **context).correct, mistake.message
