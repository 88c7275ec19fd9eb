"""The exercise framework: three outcomes, hints, solutions, rendering, and the registry."""

from __future__ import annotations

import subprocess
import sys

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
    """The `...` placeholder is reported as not attempted, not as wrong."""
    assert Q.check(..., x=3).kind == NOT_ATTEMPTED


def test_none_gets_its_own_message():
    """`None` (a function without `return`) is wrong, and the message says why."""
    feedback = Q.check(None, x=3)
    assert feedback.kind == INCORRECT
    assert "return" in feedback.text


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


def test_not_attempted_names_the_questions_own_label():
    """'Not attempted' points at this question's hint (`q3.hint()`), not always `q1`."""
    q = Question("t.label", "Double x.", solve=lambda x: 2 * x, label="q3")
    assert "q3.hint()" in q.check(..., x=1).text


def test_a_listed_mistake_gets_its_own_message_and_not_the_answer():
    """An answer equal to a known wrong method's result is told what went wrong."""
    from mlsd.exercises import Mistake

    q = Question(
        "t.mistake",
        "Share of x above 2.",
        solve=lambda x: sum(v > 2 for v in x) / len(x),
        mistakes=[Mistake("You divided by the wrong count.", lambda x: sum(v > 2 for v in x) / 10)],
    )
    x = [1, 2, 3, 4]
    assert q.check(0.5, x=x).correct
    wrong = q.check(0.2, x=x)
    assert wrong.kind == INCORRECT and wrong.text == "You divided by the wrong count."
    assert "0.5" not in wrong.text
    assert q.check(0.9, x=x).text == "Your answer is too high."


def test_a_mistake_that_coincides_with_the_answer_is_ignored():
    """A wrong method that happens to give the right number cannot turn a right answer wrong."""
    from mlsd.exercises import Mistake

    q = Question("t.coincide", "x", solve=lambda: 1.0, mistakes=[Mistake("m", lambda: 1.0)])
    assert q.check(1.0).correct


def test_units_off_by_1000_are_named():
    """Milliseconds for seconds (a factor of 1,000) gets a units hint."""
    assert "1,000" in Q.check(6_000, x=3).text


def test_choice_question_gives_each_options_reason():
    """A wrong letter gets that option's reason; the right one is accepted in any case."""
    from mlsd.exercises import ChoiceQuestion

    q = ChoiceQuestion(
        "t.choice",
        "Pick",
        solve=lambda: "b",
        options={"a": "regression", "b": "classification"},
        reasons={"a": "A number of days is not what the campaign decides on.", "b": "Yes."},
    )
    assert q.check(" B ").correct
    assert q.check("a").text.startswith("A number of days")
    assert "one letter" in q.check("regression").text
    assert q.check(...).kind == NOT_ATTEMPTED


def test_choice_prompt_lists_every_letter_rather_than_one_example():
    """The prompt names all the letters, so no single letter reads like the hint to choose."""
    from mlsd.exercises import ChoiceQuestion

    q = ChoiceQuestion(
        "t.letters",
        "Pick",
        solve=lambda: "c",
        options={"a": "one", "b": "two", "c": "three"},
        reasons={"a": "No.", "b": "No.", "c": "Yes."},
    )
    assert q._repr_markdown_().endswith('as text in quotes: `"a"`, `"b"` or `"c"`.')


def test_function_question_calls_the_learners_function_on_its_own_cases():
    """A function is called on the checker's cases; None, errors and known mistakes are named."""
    from mlsd.exercises import FunctionQuestion, Mistake

    q = FunctionQuestion(
        "t.fn",
        "Write mean_above(x, t).",
        solve=lambda x, t: sum(v > t for v in x) / len(x),
        cases=lambda: [([1, 2, 3], 1), ([5, 5], 6)],
        mistakes=[Mistake("Use > t, not >= t.", lambda x, t: sum(v >= t for v in x) / len(x))],
    )

    def placeholder(x, t): ...

    def no_return(x, t):
        sum(v > t for v in x) / len(x)

    assert q.check(placeholder).kind == NOT_ATTEMPTED
    assert "forget `return`" in q.check(no_return).text
    assert q.check(lambda x, t: sum(v >= t for v in x) / len(x)).text == "Use > t, not >= t."
    assert "raised ZeroDivisionError" in q.check(lambda x, t: 1 / 0).text
    assert "a different result" in q.check(lambda x, t: 0.0).text
    assert q.check(lambda x, t: sum(v > t for v in x) / len(x)).correct


def test_the_contributing_example_runs_and_is_marked_correct():
    """CONTRIBUTING's exercise example, executed as written, gets "Correct" (and no solution)."""
    import re

    from mlsd import paths

    text = (paths.ROOT / "CONTRIBUTING.md").read_text()
    section = text.split("## Exercises", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 2
    namespace = {
        "n_customers": 20_000,
        "acquisition_cost_usd": 86.61,
        "clv": 229.71,
        "monthly_churn_rate": 0.0579,
    }
    exec("import mlsd\n" + blocks[0], namespace)
    first, rest = blocks[1].strip().split("\n", 1)  # the answer line, then the check call
    exec(first, namespace)
    feedback = eval(rest, namespace)
    assert feedback.correct, feedback
    assert namespace["q1"].label == "q1"


def test_every_question_lives_in_the_module_its_id_names():
    """Each id's prefix names its module (ch01-churn.x in ch01_churn): `get` loads one module."""
    for qid, question in exercises.all_questions().items():
        owners = [
            name
            for name, module in sys.modules.items()
            if name.startswith("mlsd.exercises.")
            and any(value is question for value in vars(module).values())
        ]
        assert owners == [f"mlsd.exercises.{qid.partition('.')[0].replace('-', '_')}"], qid


def test_get_imports_only_the_questions_own_module():
    """A notebook's first `exercises.get` imports that chapter's checkers and no other chapter's."""
    code = (
        "import sys; from mlsd import exercises; exercises.get('ch01-churn.churn_point_value'); "
        "print(sorted(m for m in sys.modules if m.startswith('mlsd.exercises.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['mlsd.exercises.ch01_churn']"
