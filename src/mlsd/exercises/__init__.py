"""Exercises with ``check()``, ``hint()`` and ``solution()``, in the manner of Kaggle learntools.

A :class:`Question` knows how to compute its own expected answer from the notebook's
context (its parameters and the numbers it computed), by an independent route, so the
same question works for any parameter values. A learner's answer gets one of three
outcomes:

- ``correct``;
- ``incorrect``, with a message that says what is wrong without giving the answer away;
- ``not attempted``, when the answer is still the placeholder ``...`` (Ellipsis), which is
  what learner editions put in place of a solution.

In a notebook::

    q1 = mlsd.exercises.get("ch01-churn.breakeven_acceptance")
    q1                                   # shows the question
    breakeven = ...                      # the learner's answer
    q1.check(breakeven, clv_usd=200, offer_cost_usd=10, contact_cost_usd=1)
    # q1.hint()     q1.hint(2)     q1.solution()

Feedback renders as Markdown in Jupyter and as plain text elsewhere.

Questions live in one small module per notebook (``mlsd/exercises/ch01_churn.py`` ...),
each registering its questions with :func:`register`.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

CORRECT = "correct"
INCORRECT = "incorrect"
NOT_ATTEMPTED = "not attempted"

#: The placeholder a learner edition puts where a solution was.
PLACEHOLDER = ...


@dataclass(frozen=True)
class Feedback:
    """What a check, hint or solution says; Markdown in Jupyter, plain text elsewhere."""

    kind: str  # "correct", "incorrect", "not attempted", "hint", "solution", "question"
    title: str
    text: str

    @property
    def correct(self) -> bool:
        return self.kind == CORRECT

    def _repr_markdown_(self) -> str:
        icons = {CORRECT: "✅", INCORRECT: "❌", NOT_ATTEMPTED: "✏️", "hint": "💡", "solution": "📖"}
        icon = icons.get(self.kind, "❓")
        return f"**{icon} {self.title}**\n\n{self.text}"

    def __str__(self) -> str:
        return f"[{self.title}] {self.text}"

    def __repr__(self) -> str:
        return str(self)


Checker = Callable[..., "str | None"]


@dataclass(repr=False)
class Question:
    """One exercise.

    Args:
        qid: unique id, ``"<notebook-key>.<name>"``, e.g.
            ``"ch01-churn.breakeven_acceptance"``.
        prompt: the question, in Markdown.
        solve: ``solve(**context) -> expected`` computes the expected answer from the
            notebook's context, independently of the code the learner writes.
        hints: hints in order, gentlest first.
        solution: the solution in Markdown (code in a fenced block).
        rtol: relative tolerance for numeric answers.
        atol: absolute tolerance for numeric answers.
        checker: optional ``checker(answer, expected, **context) -> message | None`` for
            answers that are not a single number; returns a message saying what is wrong
            (without the answer), or ``None`` when the answer is right.
        context_keys: names the check needs from the notebook (documented in the prompt).
    """

    qid: str
    prompt: str
    solve: Callable[..., Any]
    hints: Sequence[str] = field(default_factory=tuple)
    solution_text: str = ""
    rtol: float = 0.01
    atol: float = 0.0
    checker: Checker | None = None
    context_keys: Sequence[str] = field(default_factory=tuple)

    def _repr_markdown_(self) -> str:
        return f"**❓ Exercise `{self.qid}`**\n\n{self.prompt}"

    def __str__(self) -> str:
        return f"[Exercise {self.qid}] {self.prompt}"

    def __repr__(self) -> str:
        return str(self)

    def expected(self, **context: Any) -> Any:
        """The expected answer for this context (used by tests and by :meth:`check`)."""
        missing = [k for k in self.context_keys if k not in context]
        if missing:
            raise ValueError(
                f"`{self.qid}.check` needs context {missing}; pass them as keywords, "
                f"e.g. q.check(answer, {missing[0]}=...)"
            )
        return self.solve(**context)

    def check(self, answer: Any, **context: Any) -> Feedback:
        """Check ``answer``: correct, incorrect (saying what is wrong), or not attempted."""
        if answer is PLACEHOLDER or answer is None:
            return Feedback(
                NOT_ATTEMPTED,
                "Not attempted yet",
                "Replace the `...` with your answer and run the cell again. "
                "Stuck? Call `.hint()` on the question, for example `q1.hint()`.",
            )
        expected = self.expected(**context)
        if self.checker is not None:
            message = self.checker(answer, expected, **context)
        else:
            message = compare_numbers(answer, expected, rtol=self.rtol, atol=self.atol)
        if message is None:
            return Feedback(CORRECT, "Correct", "Well done.")
        return Feedback(INCORRECT, "Not quite", message)

    def hint(self, n: int = 1) -> Feedback:
        """Return hint number ``n`` (1-based)."""
        if not self.hints:
            return Feedback(
                "hint", "Hint", "There is no hint for this one; see the section above it."
            )
        if not isinstance(n, int) or not 1 <= n <= len(self.hints):
            raise ValueError(f"`n` must be an integer in [1, {len(self.hints)}], got {n!r}")
        more = (
            f" (there are {len(self.hints)}; try `.hint({n + 1})`)" if n < len(self.hints) else ""
        )
        return Feedback("hint", f"Hint {n}{more}", self.hints[n - 1])

    def solution(self) -> Feedback:
        """Return the worked solution."""
        return Feedback("solution", "Solution", self.solution_text)


def compare_numbers(answer: Any, expected: float, *, rtol: float, atol: float) -> str | None:
    """Compare a numeric answer; say too high / too low / not a number, never the value.

    The default check of every numeric :class:`Question`; a custom ``checker`` that first
    transforms an answer (rounds it, picks a field) calls it for the comparison.

    Returns:
        ``None`` when ``answer`` is within the tolerances of ``expected``, otherwise a message
        that says what is wrong without giving the expected value away.
    """
    if isinstance(answer, bool) or (
        not isinstance(answer, int | float) and not hasattr(answer, "__float__")
    ):
        return f"Expected a single number, got a {type(answer).__name__}."
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return f"Expected a single number, got {answer!r}."
    if math.isnan(value):
        return "Your answer is NaN: check for a division by zero or an empty selection."
    if math.isclose(value, float(expected), rel_tol=rtol, abs_tol=atol):
        return None
    direction = "too high" if value > expected else "too low"
    ratio = value / expected if expected else float("inf")
    hint = ""
    if expected and (
        math.isclose(ratio, 100, rel_tol=0.02) or math.isclose(ratio, 0.01, rel_tol=0.02)
    ):
        hint = " It is off by a factor of 100: percent versus fraction?"
    elif expected and math.isclose(ratio, -1, rel_tol=0.02):
        hint = " The sign is wrong."
    return f"Your answer is {direction}.{hint}"


_REGISTRY: dict[str, Question] = {}


def register(question: Question) -> Question:
    """Add ``question`` to the registry (ids must be unique)."""
    if question.qid in _REGISTRY and _REGISTRY[question.qid] is not question:
        raise ValueError(f"duplicate exercise id {question.qid!r}")
    _REGISTRY[question.qid] = question
    return question


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


def get(qid: str) -> Question:
    """Return the question with id ``qid``."""
    _load_all()
    if qid not in _REGISTRY:
        raise ValueError(f"unknown exercise {qid!r}; known: {sorted(_REGISTRY)}")
    return _REGISTRY[qid]


def all_questions() -> dict[str, Question]:
    """Every registered question, by id."""
    _load_all()
    return dict(_REGISTRY)
