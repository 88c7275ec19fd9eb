"""The simulated company's economics, in one place, so a subscriber is worth the same everywhere.

The churn, latency and A/B notebooks all price their decisions in dollars. They take the
monthly fee, the monthly churn rate, the lifetime value that follows from them, the cost of
acquiring a subscriber and the costs of a retention contact from :data:`COMPANY`, and print
``COMPANY.summary()`` once so a reader can compare one notebook's dollars with the next.
A notebook that prices something differently (its own data, a parameter the facilitator
changed) says so where it does.

Where the numbers come from:

- ``monthly_fee_usd`` and ``monthly_churn_rate`` are measured on the shipped customer snapshot
  (``datasets/customers.csv``: mean fee 13.30 USD, 5.79% cancel within 30 days); a test
  recomputes them from the file.
- ``acquisition_cost_usd`` is the book's figure for an app user (chapter 1: 86.61 USD, 2019).
- ``contact_cost_usd`` and ``offer_cost_usd`` are the kit's own assumptions for a retention
  e-mail and a one-month discount.

A lost subscriber, whether a customer who churns or a visitor who does not convert because a
page was too slow, takes their whole lifetime value with them: that is what a retained or a
lost subscriber is worth in every notebook.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlsd.validation import check_number, check_probability


@dataclass(frozen=True)
class Economics:
    """A subscription company's unit economics.

    Args:
        monthly_fee_usd: what a subscriber pays per month, on average (USD).
        monthly_churn_rate: share of subscribers who cancel in a month, in (0, 1].
        acquisition_cost_usd: what winning one new subscriber costs (USD).
        contact_cost_usd: cost of contacting one customer in a retention campaign (USD).
        offer_cost_usd: cost of the retention offer when a customer takes it (USD).

    Example:
        >>> Economics(monthly_fee_usd=10.0, monthly_churn_rate=0.05).lifetime_value_usd
        200.0
    """

    monthly_fee_usd: float
    monthly_churn_rate: float
    acquisition_cost_usd: float = 86.61
    contact_cost_usd: float = 1.0
    offer_cost_usd: float = 10.0

    def __post_init__(self) -> None:
        check_number("monthly_fee_usd", self.monthly_fee_usd, "[0, inf)")
        check_probability("monthly_churn_rate", self.monthly_churn_rate, "(0, 1]")
        check_number("acquisition_cost_usd", self.acquisition_cost_usd, "[0, inf)")
        check_number("contact_cost_usd", self.contact_cost_usd, "[0, inf)")
        check_number("offer_cost_usd", self.offer_cost_usd, "[0, inf)")

    @property
    def expected_lifetime_months(self) -> float:
        """How long a subscriber stays on average: ``1 / monthly_churn_rate`` months."""
        return 1.0 / self.monthly_churn_rate

    @property
    def lifetime_value_usd(self) -> float:
        """Customer lifetime value: the fee times the expected lifetime (no margin, no discount).

        The same as ``mlsd.business.customer_lifetime_value(fee, monthly_churn_rate=churn)``.
        """
        return self.monthly_fee_usd / self.monthly_churn_rate

    @property
    def lost_subscriber_usd(self) -> float:
        """What one lost subscriber (a churner, or a conversion that did not happen) costs."""
        return self.lifetime_value_usd

    def summary(self) -> str:
        """One line with the numbers every notebook prices its decisions with."""
        return (
            f"Company economics: fee USD {self.monthly_fee_usd:.2f} a month, "
            f"{self.monthly_churn_rate:.2%} monthly churn, lifetime value "
            f"USD {self.lifetime_value_usd:,.2f}, "
            f"acquisition USD {self.acquisition_cost_usd:,.2f}, "
            f"retention contact USD {self.contact_cost_usd:,.2f} + offer "
            f"USD {self.offer_cost_usd:,.2f}"
        )


#: The simulated streaming company of every notebook (measured on the shipped snapshot).
COMPANY = Economics(monthly_fee_usd=13.30, monthly_churn_rate=0.0579)
