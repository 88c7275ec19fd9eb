"""Exercises for the chapter-1 notebook on churn prediction in dollars.

Taught in: notebooks/ch01-overview/01-churn-in-dollars.ipynb

Five questions, each right after the section it practises:

- ``churn_point_value`` (section 1): what one point less monthly churn saves in acquisition;
- ``value_of_contact`` (section 4): a function, the expected dollars of one contact;
- ``breakeven_probability`` (section 4): the churn probability where a contact pays;
- ``deploy_threshold`` (section 5): a choice, which threshold to deploy and report;
- ``breakeven_acceptance`` (section 5): the acceptance rate where the campaign breaks even.

Each ``solve`` recomputes the expected answer from the context the notebook passes, by its
own route (evaluating the value of a contact at two points and solving the straight line
through them), not with :mod:`mlsd.business`. Each numeric question lists the mistakes a
learner is likely to make (the ``clv_usd`` parameter, which is 0 by default, instead of the
notebook's ``clv``; the contact cost forgotten for customers who would have stayed; every
churner assumed to accept), and the tests check that each is recognised with its own message.
"""

from __future__ import annotations

from mlsd.exercises import ChoiceQuestion, FunctionQuestion, Mistake, Question, register

KEY = "ch01-churn"

CLV_PARAMETER = (
    "You used the parameter `clv_usd`, which is 0 unless you set it (0 means: use the "
    "company's lifetime value). The lifetime value the notebook uses is `clv`."
)


def _safe(wrong):
    """A wrong method that gives NaN where it has no answer (a zero denominator, no root)."""

    def solve(**context):
        try:
            return wrong(**context)
        except (ValueError, ZeroDivisionError):
            return float("nan")

    return solve


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


def _root_in_p(value_at) -> float:
    """Where a straight line in p, given by ``value_at(p)``, crosses zero."""
    at_zero, at_one = value_at(0.0), value_at(1.0)
    if at_one <= at_zero:
        raise ValueError("with these costs no churn probability makes contacting pay off")
    return at_zero / (at_zero - at_one)


def _solve_breakeven_probability(
    *, clv_usd: float, offer_cost_usd: float, contact_cost_usd: float, acceptance_rate: float
) -> float:
    """The churn probability where contacting is worth zero: the root of a straight line in p."""
    costs = {
        "clv_usd": clv_usd,
        "offer_cost_usd": offer_cost_usd,
        "contact_cost_usd": contact_cost_usd,
    }
    return _root_in_p(lambda p: _value_of_contact(p, acceptance_rate, **costs))


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
        raise ValueError(
            "the campaign contacts no churners (or a kept churner is worth less than the "
            "offer), so no acceptance rate pays for it"
        )
    return at_zero / (at_zero - at_one)


def _solve_churn_point_value(*, n_customers: int, acquisition_cost_usd: float, **_) -> float:
    """Acquisition spend saved in a year when monthly churn falls by one percentage point."""
    fewer_churners_per_month = n_customers / 100
    return fewer_churners_per_month * 12 * acquisition_cost_usd


CHURN_POINT_VALUE = register(
    Question(
        qid=f"{KEY}.churn_point_value",
        label="q1",
        prompt=(
            "The retention team says it can cut the **monthly** churn rate by one percentage "
            "point (say from 6% to 5%). The company keeps its size at `n_customers` by "
            "acquiring a new customer for every one it loses, at `acquisition_cost_usd` each. "
            "**How many US dollars of acquisition spend does that save per year?** Assume the "
            "base stays at `n_customers` all year (no compounding), and count only the "
            "acquisition spend, not the fees the kept customers go on paying."
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
            "acquisition_cost_usd=acquisition_cost_usd)` gives the same number."
        ),
        rtol=0.005,
        context_keys=("n_customers", "acquisition_cost_usd", "clv_usd", "monthly_churn_rate"),
        mistakes=(
            Mistake(
                "That is one month's saving; the question asks for a year.",
                lambda *, n_customers, acquisition_cost_usd, **_: (
                    n_customers * 0.01 * acquisition_cost_usd
                ),
            ),
            Mistake(
                "You priced each kept customer at the lifetime value. The question asks only "
                "for the acquisition spend: what replacing a churner costs.",
                lambda *, n_customers, clv_usd, **_: n_customers * 0.01 * 12 * clv_usd,
            ),
            Mistake(
                "That is the whole yearly replacement bill at today's churn rate, not what one "
                "percentage point less churn saves.",
                lambda *, n_customers, acquisition_cost_usd, monthly_churn_rate, **_: (
                    n_customers * monthly_churn_rate * 12 * acquisition_cost_usd
                ),
            ),
        ),
    )
)


def _reference_value_of_contact(p_churn, clv, offer_cost_usd, contact_cost_usd, acceptance_rate):
    """The reference answer of ``value_of_contact``, in the function's own argument order."""
    return _value_of_contact(
        p_churn,
        acceptance_rate,
        clv_usd=clv,
        offer_cost_usd=offer_cost_usd,
        contact_cost_usd=contact_cost_usd,
    )


def _value_cases(**_) -> list[tuple]:
    """Cases the checker calls the learner's function with: (p, clv, offer, contact, gamma)."""
    return [
        (0.0, 200.0, 10.0, 1.0, 0.3),
        (1.0, 200.0, 10.0, 1.0, 0.3),
        (0.15, 229.7, 10.0, 1.0, 0.3),
        (0.5, 300.0, 20.0, 2.0, 0.5),
        (0.05, 150.0, 5.0, 0.5, 0.1),
        (0.9, 80.0, 30.0, 3.0, 0.8),
    ]


VALUE_OF_CONTACT = register(
    FunctionQuestion(
        qid=f"{KEY}.value_of_contact",
        label="q2",
        prompt=(
            "Write `value_of_contact(p_churn, clv, offer_cost_usd, contact_cost_usd, "
            "acceptance_rate)`: the **expected US dollars** from contacting one customer who "
            "would churn with probability `p_churn`, under the cost model above. Everyone "
            "contacted costs the contact; a customer who would have stayed takes the offer "
            "anyway; a churner accepts with probability `acceptance_rate` and then stays, worth "
            "`clv` minus the offer, and otherwise leaves. Use the arguments, not the notebook's "
            "variables: the checker calls your function with costs of its own."
        ),
        solve=_reference_value_of_contact,
        cases=_value_cases,
        hints=(
            "Write the value if the customer is a churner and the value if they would have "
            "stayed, then weight them by `p_churn` and `1 - p_churn`.",
            "If a churner: `acceptance_rate * (clv - offer_cost_usd) - contact_cost_usd`. If "
            "a stayer: both the offer and the contact are spent for nothing.",
        ),
        solution_text=(
            "```python\n"
            "    if_churner = acceptance_rate * (clv - offer_cost_usd) - contact_cost_usd\n"
            "    if_stayer = -(offer_cost_usd + contact_cost_usd)\n"
            "    return p_churn * if_churner + (1 - p_churn) * if_stayer\n"
            "```\n"
            "The profit of a whole campaign is this value summed over the customers it "
            "contacts (with `p_churn` 1 for a churner and 0 for a stayer): the formula of "
            "section 4."
        ),
        rtol=1e-6,
        atol=1e-9,
        mistakes=(
            Mistake(
                "A customer who would have stayed costs the contact too, not only the offer.",
                lambda p, clv, d, f, g: p * (g * (clv - d) - f) - (1 - p) * d,
            ),
            Mistake(
                "A customer who would have stayed still takes the offer: it costs the offer "
                "as well as the contact.",
                lambda p, clv, d, f, g: p * (g * (clv - d) - f) - (1 - p) * f,
            ),
            Mistake(
                "A churner who accepts is worth the lifetime value minus the offer they take.",
                lambda p, clv, d, f, g: p * (g * clv - f) - (1 - p) * (d + f),
            ),
            Mistake(
                "Not every contacted churner stays: only a share `acceptance_rate` accepts.",
                lambda p, clv, d, f, g: p * (clv - d - f) - (1 - p) * (d + f),
            ),
        ),
    )
)

BREAKEVEN_PROBABILITY = register(
    Question(
        qid=f"{KEY}.breakeven_probability",
        label="q3",
        prompt=(
            "With the notebook's lifetime value `clv` and its costs (`offer_cost_usd`, "
            "`contact_cost_usd`, `acceptance_rate`), **above which churn probability `p` is "
            "contacting a customer worth it?** That is the `p` where the expected value of one "
            "contact (your `value_of_contact`) is zero. Give a fraction in [0, 1]."
        ),
        solve=_solve_breakeven_probability,
        hints=(
            "The expected value of one contact is a straight line in `p`: "
            "`p * if_churner + (1 - p) * if_stayer`. Set it to zero and solve for `p`.",
            "Use the notebook's `clv` (the parameter `clv_usd` is 0 unless you set it). "
            "`if_churner = acceptance_rate * (clv - offer_cost_usd) - contact_cost_usd`; "
            "`if_stayer = -(offer_cost_usd + contact_cost_usd)`.",
        ),
        solution_text=(
            "```python\n"
            "value_if_churner = acceptance_rate * (clv - offer_cost_usd) - contact_cost_usd\n"
            "value_if_stayer = -(offer_cost_usd + contact_cost_usd)\n"
            "breakeven_probability = value_if_stayer / (value_if_stayer - value_if_churner)\n"
            "```\n"
            "For calibrated probabilities this is the profit-optimal threshold in theory; "
            "`mlsd.business.breakeven_probability` computes it."
        ),
        rtol=0.005,
        context_keys=("clv_usd", "offer_cost_usd", "contact_cost_usd", "acceptance_rate"),
        mistakes=(
            Mistake(
                CLV_PARAMETER,
                _safe(
                    lambda *, offer_cost_usd, contact_cost_usd, acceptance_rate, **_: (
                        _solve_breakeven_probability(
                            clv_usd=0.0,
                            offer_cost_usd=offer_cost_usd,
                            contact_cost_usd=contact_cost_usd,
                            acceptance_rate=acceptance_rate,
                        )
                    )
                ),
            ),
            Mistake(
                "Not every contacted churner stays: only a share `acceptance_rate` accepts.",
                _safe(
                    lambda *, clv_usd, offer_cost_usd, contact_cost_usd, **_: (
                        _solve_breakeven_probability(
                            clv_usd=clv_usd,
                            offer_cost_usd=offer_cost_usd,
                            contact_cost_usd=contact_cost_usd,
                            acceptance_rate=1.0,
                        )
                    )
                ),
            ),
            Mistake(
                "A customer who would have stayed costs the contact too, not only the offer.",
                _safe(
                    lambda *, clv_usd, offer_cost_usd, contact_cost_usd, acceptance_rate, **_: (
                        offer_cost_usd
                        / (
                            offer_cost_usd
                            + acceptance_rate * (clv_usd - offer_cost_usd)
                            - contact_cost_usd
                        )
                    )
                ),
            ),
        ),
    )
)

DEPLOY_THRESHOLD = register(
    ChoiceQuestion(
        qid=f"{KEY}.deploy_threshold",
        label="q4",
        prompt=(
            "Next month's campaign uses gradient boosting. **Which threshold do you deploy, "
            "and which profit do you report to the business as what to expect?**"
        ),
        solve=lambda **_: "c",
        options={
            "a": "0.5, what `model.predict` uses, and its profit on the test customers.",
            "b": "The hindsight-optimal threshold of the profit curve on the test customers, "
            "and its profit there.",
            "c": "The threshold `TunedThresholdClassifierCV` chose by cross-validation on the "
            "training customers, and its profit on the test customers.",
            "d": "The threshold with the highest accuracy on the test customers, and its profit.",
        },
        reasons={
            "a": "0.5 ignores the costs. When few customers churn, few ever reach a 50% churn "
            "probability, so the campaign contacts almost nobody and leaves most of the money "
            "on the table (the profit curve of section 5).",
            "b": "That threshold was chosen by looking at the test customers' outcomes, which "
            "next month's campaign cannot see; its profit is flattered by hindsight, an upper "
            "bound rather than an estimate.",
            "c": "It is chosen without the test customers and measured on them: a threshold "
            "you can deploy, with a profit estimate that hindsight did not flatter. It still "
            "has sampling error (see the interval in section 5).",
            "d": "Accuracy weighs a missed churner (worth a lifetime value) the same as a "
            "wasted offer (a few dollars): the most accurate threshold is not the most "
            "profitable one (section 5 shows accuracy falling as profit rises).",
        },
        hints=(
            "Ask two questions of each option: could you have chosen this threshold before "
            "the month started, and is its profit measured on customers it was not chosen on?",
        ),
        solution_text='```python\ndeploy_choice = "c"\n```',
    )
)

BREAKEVEN_ACCEPTANCE = register(
    Question(
        qid=f"{KEY}.breakeven_acceptance",
        label="q5",
        prompt=(
            "Marketing doubts that `acceptance_rate` of the churners will take the offer. The "
            "profit-optimal campaign of gradient boosting contacts `n1_best` churners and "
            "`n0_best` customers who would have stayed (computed in the cell below). **What is "
            "the lowest acceptance rate at which this campaign still breaks even?** Give a "
            "fraction. Use the notebook's lifetime value `clv` and its costs; the campaign "
            "(whom it contacts) stays the same."
        ),
        solve=_solve_breakeven_acceptance,
        hints=(
            "The campaign's profit is a straight line in the acceptance rate: write it down "
            "and find where it crosses zero.",
            "Only churners who accept bring money in: acceptance × (`clv` − offer) per "
            "churner (use `clv`; the parameter `clv_usd` is 0 unless you set it). Everyone "
            "contacted costs the contact; customers who would have stayed also cost the offer.",
        ),
        solution_text=(
            "```python\n"
            "campaign_costs_usd = contact_cost_usd * (n1_best + n0_best) + offer_cost_usd * "
            "n0_best\n"
            "breakeven_acceptance = campaign_costs_usd / ((clv - offer_cost_usd) * n1_best)\n"
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
        mistakes=(
            Mistake(
                CLV_PARAMETER,
                _safe(
                    lambda *, n_churners_contacted, n_stayers_contacted, offer_cost_usd, **kw: (
                        (
                            kw["contact_cost_usd"] * (n_churners_contacted + n_stayers_contacted)
                            + offer_cost_usd * n_stayers_contacted
                        )
                        / ((0.0 - offer_cost_usd) * n_churners_contacted)
                    )
                ),
            ),
            Mistake(
                "Customers who would have stayed take the offer too: it is a cost of the "
                "campaign, not only the contact.",
                _safe(
                    lambda *, n_churners_contacted, n_stayers_contacted, clv_usd, **kw: (
                        kw["contact_cost_usd"]
                        * (n_churners_contacted + n_stayers_contacted)
                        / ((clv_usd - kw["offer_cost_usd"]) * n_churners_contacted)
                    )
                ),
            ),
            Mistake(
                "A churner who accepts is worth the lifetime value minus the offer they take.",
                _safe(
                    lambda *, n_churners_contacted, n_stayers_contacted, clv_usd, **kw: (
                        (
                            kw["contact_cost_usd"] * (n_churners_contacted + n_stayers_contacted)
                            + kw["offer_cost_usd"] * n_stayers_contacted
                        )
                        / (clv_usd * n_churners_contacted)
                    )
                ),
            ),
        ),
    )
)
