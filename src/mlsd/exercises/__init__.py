"""Exercises with ``check()``, ``hint()`` and ``solution()``, in the manner of Kaggle learntools.

A :class:`Question` knows how to compute its own expected answer from the notebook's
context (its parameters and the numbers it computed), by an independent route, so the
same question works for any parameter values. A learner's answer gets one of three
outcomes:

- ``correct``;
- ``incorrect``, with a message that says what is wrong without giving the answer away;
- ``not attempted``, when the answer is still the placeholder ``...`` (Ellipsis), which is
  what learner editions put in place of a solution.

An answer of ``None`` gets its own message (usually a function without ``return``). A
question can list the :class:`Mistake` s a learner is likely to make (the wrong denominator,
censoring ignored, units off by 1,000): an answer that matches what such a wrong method gives
is told what went wrong, without the right answer. Three kinds of question:

- :class:`Question`: the answer is a number (or whatever its ``checker`` accepts);
- :class:`ChoiceQuestion`: the answer is the letter of an option, and each option has a
  reason that the feedback gives;
- :class:`FunctionQuestion`: the answer is a function, which the checker calls on cases of
  its own.

In a notebook (one cell for the question, one for the answer, one each for hint and
solution)::

    q1 = mlsd.exercises.get("ch01-churn.churn_point_value")
    q1                                   # shows the question
    churn_point_value = ...              # the learner's answer
    q1.check(churn_point_value, n_customers=20_000, acquisition_cost_usd=86.61)
    # q1.hint()
    # q1.solution()

Feedback renders as Markdown in Jupyter and as plain text elsewhere.

Questions live in one small module per notebook (``mlsd/exercises/ch01_churn.py`` ...),
each registering its questions with :func:`register`.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


@dataclass(frozen=True)
class Mistake:
    """A wrong method a learner is likely to use, and what to tell them when they do.

    Args:
        message: what went wrong, without the right answer ("You divided by all customers;
            the question asks for the training set's base rate.").
        solve: ``solve(**context)`` computes the answer the wrong method gives (for a
            :class:`FunctionQuestion`: the wrong function itself, called on the same cases).
    """

    message: str
    solve: Callable[..., Any]


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
        solution_text: the solution in Markdown: one fenced ``python`` block holding exactly
            the code the learner types in place of the placeholder, with the notebook's own
            variable names (a test pastes it into the learner edition).
        rtol: relative tolerance for numeric answers.
        atol: absolute tolerance for numeric answers.
        checker: optional ``checker(answer, expected, **context) -> message | None`` for
            answers that are not a single number; returns a message saying what is wrong
            (without the answer), or ``None`` when the answer is right.
        context_keys: names the check needs from the notebook (documented in the prompt).
        label: the variable the notebook binds the question to (``"q1"``), used in feedback.
        mistakes: the likely wrong methods, each recognised with its own message.

    Example:
        >>> q = Question("demo.double", "Double `x`.", solve=lambda x: 2 * x, label="q1",
        ...              mistakes=[Mistake("You added 2 instead.", lambda x: x + 2)])
        >>> q.check(6, x=3).title
        'Correct'
        >>> q.check(7, x=5).text
        'You added 2 instead.'
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
    label: str = "q"
    mistakes: Sequence[Mistake] = field(default_factory=tuple)

    def _full_prompt(self) -> str:
        return self.prompt

    def _repr_markdown_(self) -> str:
        return f"**❓ Exercise {self.label} (`{self.qid}`)**\n\n{self._full_prompt()}"

    def __str__(self) -> str:
        return f"[Exercise {self.label} ({self.qid})] {self._full_prompt()}"

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
        if answer is PLACEHOLDER:
            return Feedback(
                NOT_ATTEMPTED,
                "Not attempted yet",
                "Replace the `...` with your answer and run the cell again. "
                f"Stuck? Run `{self.label}.hint()` in the cell below.",
            )
        if answer is None:
            return Feedback(
                INCORRECT,
                "Your answer is None",
                "Your answer is `None`, not a value. Did a function end without `return`, or "
                "did you assign the result of something that returns nothing (like `print`)?",
            )
        expected = self.expected(**context)
        message = self._compare(answer, expected, **context)
        if message is None:
            return Feedback(CORRECT, "Correct", "Well done.")
        known = self._known_mistake(answer, expected, **context)
        return Feedback(INCORRECT, "Not quite", known or message)

    def _compare(self, answer: Any, expected: Any, **context: Any) -> str | None:
        if self.checker is not None:
            return self.checker(answer, expected, **context)
        return compare_numbers(answer, expected, rtol=self.rtol, atol=self.atol)

    def mistake_answers(self, **context: Any) -> list[tuple[Mistake, Any]]:
        """What each listed wrong method answers in this context (tests feed these back)."""
        return [(m, m.solve(**context)) for m in self.mistakes]

    def _known_mistake(self, answer: Any, expected: Any, **context: Any) -> str | None:
        for mistake, wrong in self.mistake_answers(**context):
            if self._compare(wrong, expected, **context) is None:
                continue  # this wrong method happens to give the right answer here
            if self._compare(answer, wrong, **context) is None:
                return mistake.message
        return None

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
    elif expected and (
        math.isclose(ratio, 1000, rel_tol=0.02) or math.isclose(ratio, 0.001, rel_tol=0.02)
    ):
        hint = " It is off by a factor of 1,000: check the units (ms or s, USD or thousands)."
    elif expected and math.isclose(ratio, -1, rel_tol=0.02):
        hint = " The sign is wrong."
    return f"Your answer is {direction}.{hint}"


def _normalise_letter(answer: Any) -> str | None:
    if not isinstance(answer, str):
        return None
    letter = answer.strip().strip("()").strip().lower()
    return letter if len(letter) == 1 else None


@dataclass(repr=False)
class ChoiceQuestion(Question):
    """A multiple-choice question: the answer is the letter of one option.

    ``solve(**context)`` returns the right letter (it may depend on the context); ``reasons``
    gives, for each option, why it is right or wrong; the feedback on a wrong option is its
    reason, so the learner learns something from every answer.

    Example:
        >>> q = ChoiceQuestion("demo.pick", "Which is prime?", solve=lambda: "b",
        ...                    options={"a": "4", "b": "5"},
        ...                    reasons={"a": "4 = 2 x 2.", "b": "Only 1 and 5 divide 5."})
        >>> q.check("B").title, q.check("a").text
        ('Correct', '4 = 2 x 2.')
    """

    options: Mapping[str, str] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)

    def _full_prompt(self) -> str:
        lines = "\n".join(f"- **({k})** {v}" for k, v in self.options.items())
        letters = [f'`"{k}"`' for k in self.options]
        choices = ", ".join(letters[:-1]) + f" or {letters[-1]}" if len(letters) > 1 else letters[0]
        return f"{self.prompt}\n\n{lines}\n\nAnswer with one letter, as text in quotes: {choices}."

    def _compare(self, answer: Any, expected: Any, **context: Any) -> str | None:
        letter = _normalise_letter(answer)
        if letter not in self.options:
            letters = ", ".join(f'"{k}"' for k in self.options)
            return f"Answer with one letter as text: one of {letters}; got {answer!r}."
        if letter == expected:
            return None
        return self.reasons.get(letter, "That is not the best option; read the others again.")

    def check(self, answer: Any, **context: Any) -> Feedback:
        """Check the chosen letter; a right answer also gets its reason."""
        feedback = super().check(answer, **context)
        if feedback.correct:
            why = self.reasons.get(str(self.expected(**context)), "")
            return Feedback(CORRECT, "Correct", why or "Well done.")
        return feedback


def _same_value(got: Any, want: Any, *, rtol: float, atol: float) -> bool:
    try:
        return bool(np.allclose(np.asarray(got, float), np.asarray(want, float), rtol, atol))
    except (TypeError, ValueError):
        return bool(got == want)


@dataclass(repr=False)
class FunctionQuestion(Question):
    """The learner writes a function; the checker calls it on cases of its own.

    ``solve`` is the reference function; ``cases(**context)`` returns the argument tuples to
    call both functions with. A :class:`Mistake`'s ``solve`` is a wrong function: a learner
    function that agrees with it on every case gets its message.

    Example:
        >>> q = FunctionQuestion("demo.square", "Write `square(x)`.", solve=lambda x: x * x,
        ...                      cases=lambda: [(2,), (3,)])
        >>> q.check(lambda x: x * x).title
        'Correct'
        >>> def forgot(x):
        ...     x * x
        >>> q.check(forgot).text.startswith("Your function returned None")
        True
    """

    cases: Callable[..., Sequence[tuple]] = field(default=lambda **_: [])

    def expected(self, **context: Any) -> Any:
        """The cases and the reference function's result for each."""
        missing = [k for k in self.context_keys if k not in context]
        if missing:
            raise ValueError(
                f"`{self.qid}.check` needs context {missing}; pass them as keywords, "
                f"e.g. {self.label}.check(answer, {missing[0]}=...)"
            )
        return [(args, self.solve(*args)) for args in self.cases(**context)]

    def check(self, answer: Any, **context: Any) -> Feedback:
        """Check the learner's function; a body that is still ``...`` is not attempted."""
        if callable(answer) and _is_stub(answer):
            return super().check(PLACEHOLDER, **context)
        return super().check(answer, **context)

    def _compare(self, answer: Any, expected: Any, **context: Any) -> str | None:
        if not callable(answer):
            return f"Expected a function (define it with `def`), got a {type(answer).__name__}."
        for args, want in expected:
            try:
                got = answer(*args)
            except Exception as exc:
                shown = ", ".join(_short(a) for a in args)
                return f"Your function raised {type(exc).__name__}: {exc} (called with {shown})."
            if got is None:
                return "Your function returned None: did you forget `return`?"
            if not _same_value(got, want, rtol=self.rtol, atol=self.atol):
                shown = ", ".join(_short(a) for a in args)
                return f"Your function gives a different result for ({shown})."
        return None

    def mistake_answers(self, **context: Any) -> list[tuple[Mistake, Any]]:
        """Each wrong function with its own name (tests pass it back to :meth:`check`)."""
        return [(m, m.solve) for m in self.mistakes]

    def _known_mistake(self, answer: Any, expected: Any, **context: Any) -> str | None:
        if not callable(answer):
            return None
        for mistake in self.mistakes:
            try:
                wrong = [(args, mistake.solve(*args)) for args, _ in expected]
                if self._compare(mistake.solve, expected) is None:
                    continue  # indistinguishable on these cases
                if self._compare(answer, wrong) is None:
                    return mistake.message
            except Exception:  # a wrong method that cannot run on a case is no match
                continue
        return None


def _stub(*args: Any, **kwargs: Any) -> None: ...


def _is_stub(function: Callable[..., Any]) -> bool:
    """True for a function whose body is only ``...`` (what a learner edition leaves)."""
    code = getattr(function, "__code__", None)
    return code is not None and code.co_code == _stub.__code__.co_code


def _short(value: Any) -> str:
    text = repr(value) if not hasattr(value, "shape") else f"<array of shape {value.shape}>"
    return text if len(text) <= 40 else text[:37] + "..."


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


def _module_of(qid: str) -> str:
    """The module that registers ``qid``: ``"ch01-churn.q"`` -> ``"ch01_churn"``."""
    return qid.partition(".")[0].replace("-", "_")


def get(qid: str) -> Question:
    """Return the question with id ``qid``.

    Only the question's own module is imported (a notebook's first ``get`` then costs
    milliseconds, not the import of every chapter's checkers); an id outside that naming
    falls back to loading every module.
    """
    if qid not in _REGISTRY:
        module = _module_of(qid)
        if module.isidentifier() and module in {i.name for i in pkgutil.iter_modules(__path__)}:
            importlib.import_module(f"{__name__}.{module}")
    if qid not in _REGISTRY:
        _load_all()
    if qid not in _REGISTRY:
        raise ValueError(f"unknown exercise {qid!r}; known: {sorted(_REGISTRY)}")
    return _REGISTRY[qid]


def all_questions() -> dict[str, Question]:
    """Every registered question, by id."""
    _load_all()
    return dict(_REGISTRY)
