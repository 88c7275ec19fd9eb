"""The exercise framework: three outcomes, hints, solutions, rendering, and the registry."""

from __future__ import annotations

import numpy as np
import pytest

from mlsd import exercises
from mlsd.exercises import CORRECT, INCORRECT, NOT_ATTEMPTED, Question

Q = Question(
    qid="test.double",
    prompt="What is twice `x`?",
    solve=lambda *, x: 2 * x,
    context_keys=("x",),
    hints=("Multiply.", "By two."),
    solution_text="`2 * x`",
)


def test_placeholder_means_not_attempted():
    """The `...` placeholder (and None) is reported as not attempted, not as wrong."""
    assert Q.check(..., x=3).kind == NOT_ATTEMPTED
    assert Q.check(None, x=3).kind == NOT_ATTEMPTED


def test_right_answer_is_correct_within_tolerance():
    """The expected value, and one within the relative tolerance, are correct."""
    assert Q.check(6, x=3).kind == CORRECT
    assert Q.check(6.001, x=3).correct


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (7, "too high"),
        (5, "too low"),
        (600, "factor of 100"),
        (-6, "sign"),
        ("six", "single number"),
        (np.nan, "NaN"),
        ([6], "single number"),
    ],
)
def test_wrong_answers_say_what_is_wrong_without_the_answer(answer, says):
    """An incorrect answer gets a diagnosis that never contains the expected value."""
    feedback = Q.check(answer, x=3)
    assert feedback.kind == INCORRECT
    assert says in feedback.text
    assert "6" not in feedback.text.replace(str(answer), "")


def test_missing_context_is_a_clear_error():
    """A check called without the context it needs names the missing keyword."""
    with pytest.raises(ValueError, match=r"needs context \['x'\]"):
        Q.check(6)


def test_hints_in_order_and_bad_index_refused():
    """Hints come in order; a hint number out of range is refused with the allowed range."""
    assert Q.hint().text == "Multiply." and Q.hint(2).text == "By two."
    with pytest.raises(ValueError, match=r"`n` must be an integer in \[1, 2\], got 3"):
        Q.hint(3)


def test_markdown_in_jupyter_plain_text_elsewhere():
    """Feedback renders as Markdown for Jupyter and as one plain line for a terminal."""
    feedback = Q.check(6, x=3)
    assert feedback._repr_markdown_().startswith("**✅ Correct**")
    assert str(feedback) == "[Correct] Well done."
    assert "What is twice" in Q._repr_markdown_()
    assert "`2 * x`" in Q.solution()._repr_markdown_()


def test_registry_ids_unique_and_every_question_has_hints_and_solution():
    """Every registered question has an id, at least one hint and a solution."""
    questions = exercises.all_questions()
    assert questions, "no exercises registered"
    for qid, q in questions.items():
        assert qid == q.qid and "." in qid
        assert q.hints and q.solution_text, qid
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.get("nope.nothing")


def test_setup_check_busy_weeks_question():
    """ch00's question accepts the share of busy weeks and rejects percent or a count."""
    q = exercises.get("ch00-start.busy_weeks")
    draws = np.array([250, 280, 300, 260, 271])
    assert q.check(3 / 5, draws=draws, threshold=270).correct
    assert "factor of 100" in q.check(60, draws=draws, threshold=270).text
    assert q.check(3, draws=draws, threshold=270).kind == INCORRECT
    assert q.check(..., draws=draws, threshold=270).kind == NOT_ATTEMPTED
