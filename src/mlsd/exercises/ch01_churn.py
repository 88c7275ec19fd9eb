"""Exercises for the chapter-1 notebook on churn prediction in dollars.

Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (evaluating the campaign's value at two points and solving the straight line
through them), not with :mod:`mlsd.business`.
"""

from __future__ import annotations

from mlsd.exercises import Question, register

KEY = "ch01-churn"


def _value_of_contact(
    p_churn: float,
    gamma: float,
    *,
    clv_usd: float,
    offer_cost_usd: float,
    contact_cost_usd: float,
) -> float:
    """Expected dollars from contacting one customer who churns with probability ``p_churn``."""
    if_churner = gamma * (clv_usd - offer_cost_usd) - contact_cost_usd
    if_stayer = -(offer_cost_usd + contact_cost_usd)
    return p_churn * if_churner + (1 - p_churn) * if_stayer


def _solve_breakeven_probability(
    *, clv_usd: float, offer_cost_usd: float, contact_cost_usd: float, acceptance_rate: float
) -> float:
    """The churn probability where contacting is worth zero: the root of a straight line in p."""
    costs = {
        "clv_usd": clv_usd,
        "offer_cost_usd": offer_cost_usd,
        "contact_cost_usd": contact_cost_usd,
    }
    at_zero = _value_of_contact(0.0, acceptance_rate, **costs)
    at_one = _value_of_contact(1.0, acceptance_rate, **costs)
    if at_one <= at_zero:
        raise ValueError("with these costs no churn probability makes contacting pay off")
    return at_zero / (at_zero - at_one)


def _solve_breakeven_acceptance(
    *,
    n_churners_contacted: int,
    n_stayers_contacted: int,
    clv_usd: float,
    offer_cost_usd: float,
    contact_cost_usd: float,
) -> float:
    """The acceptance rate where the campaign's profit is zero: the root of a line in gamma."""
    costs = {
        "clv_usd": clv_usd,
        "offer_cost_usd": offer_cost_usd,
        "contact_cost_usd": contact_cost_usd,
    }

    def profit(gamma: float) -> float:
        return n_churners_contacted * _value_of_contact(
            1.0, gamma, **costs
        ) + n_stayers_contacted * _value_of_contact(0.0, gamma, **costs)

    at_zero, at_one = profit(0.0), profit(1.0)
    if at_one <= at_zero:
        raise ValueError("the campaign contacts no churners, so no acceptance rate pays for it")
    return at_zero / (at_zero - at_one)


def _solve_churn_point_value(*, n_customers: int, acquisition_cost_usd: float) -> float:
    """Acquisition spend saved in a year when monthly churn falls by one percentage point."""
    fewer_churners_per_month = n_customers / 100
    return fewer_churners_per_month * 12 * acquisition_cost_usd


BREAKEVEN_PROBABILITY = register(
    Question(
        qid=f"{KEY}.breakeven_probability",
        prompt=(
            "A customer churns next month with probability `p`. Contacting them costs "
            "`contact_cost_usd`, and they take the offer (`offer_cost_usd`) whether or not they "
            "were going to leave; a churner who accepts (probability `acceptance_rate`) stays "
            "and is worth `clv_usd`. **Above which churn probability `p` is a contact worth "
            "it?** Give a fraction in [0, 1].\n\n"
            "Context: `clv_usd`, `offer_cost_usd`, `contact_cost_usd`, `acceptance_rate`."
        ),
        solve=_solve_breakeven_probability,
        hints=(
            "Write the expected dollars of one contact as p × (value if a churner) + "
            "(1 − p) × (value if not), and set it to zero.",
            "Value if a churner: `acceptance_rate * (clv_usd - offer_cost_usd) - "
            "contact_cost_usd`; if not: `-(offer_cost_usd + contact_cost_usd)`.",
        ),
        solution_text=(
            "```python\n"
            "breakeven_probability = (offer_cost_usd + contact_cost_usd) / (\n"
            "    acceptance_rate * (clv_usd - offer_cost_usd) + offer_cost_usd\n"
            ")\n"
            "```\n"
            "For calibrated probabilities this is the profit-optimal threshold in theory; "
            "`mlsd.business.breakeven_probability` computes it."
        ),
        rtol=0.005,
        context_keys=("clv_usd", "offer_cost_usd", "contact_cost_usd", "acceptance_rate"),
    )
)

BREAKEVEN_ACCEPTANCE = register(
    Question(
        qid=f"{KEY}.breakeven_acceptance",
        prompt=(
            "Marketing doubts that `acceptance_rate` of the churners will take the offer. The "
            "campaign at the profit-optimal threshold contacts `n_churners_contacted` churners "
            "and `n_stayers_contacted` customers who would have stayed. **What is the lowest "
            "acceptance rate at which this campaign still breaks even?** Give a fraction.\n\n"
            "Context: `n_churners_contacted`, `n_stayers_contacted`, `clv_usd`, "
            "`offer_cost_usd`, `contact_cost_usd`."
        ),
        solve=_solve_breakeven_acceptance,
        hints=(
            "The campaign's profit is a straight line in the acceptance rate: write it down "
            "and find where it crosses zero.",
            "Only churners who accept bring money in: acceptance × (clv − offer) per churner. "
            "Everyone contacted costs the contact; customers who would have stayed also cost "
            "the offer.",
        ),
        solution_text=(
            "```python\n"
            "costs_usd = contact_cost_usd * (n_churners + n_stayers) + offer_cost_usd * n_stayers\n"
            "breakeven_acceptance = costs_usd / ((clv_usd - offer_cost_usd) * n_churners)\n"
            "```"
        ),
        rtol=0.005,
        context_keys=(
            "n_churners_contacted",
            "n_stayers_contacted",
            "clv_usd",
            "offer_cost_usd",
            "contact_cost_usd",
        ),
    )
)

CHURN_POINT_VALUE = register(
    Question(
        qid=f"{KEY}.churn_point_value",
        prompt=(
            "The retention team says it can cut the **monthly** churn rate by one percentage "
            "point (say from 6% to 5%). The company keeps its base at `n_customers` by "
            "acquiring a new customer for every one it loses, at `acquisition_cost_usd` each. "
            "**How many dollars of acquisition spend does that save per year?**\n\n"
            "Context: `n_customers`, `acquisition_cost_usd`."
        ),
        solve=_solve_churn_point_value,
        hints=(
            "One percentage point of `n_customers` is how many fewer customers leave each month?",
            "Each of them would have had to be replaced at `acquisition_cost_usd`, twelve "
            "months a year.",
        ),
        solution_text=(
            "```python\n"
            "churn_point_value = n_customers * 0.01 * 12 * acquisition_cost_usd\n"
            "```\n"
            "`mlsd.business.churn_replacement_cost(n_customers, monthly_churn_rate=0.01, "
            "acquisition_cost_usd=...)` gives the same number."
        ),
        rtol=0.005,
        context_keys=("n_customers", "acquisition_cost_usd"),
    )
)
