"""Tests for mlsd.economics: one source for the company's numbers, true to the shipped data."""

from __future__ import annotations

import csv

import pytest

from mlsd import business, economics, paths


def test_the_company_numbers_are_measured_on_the_shipped_snapshot():
    """The fee and churn rate are the shipped customers' mean fee and 30-day churn share."""
    with (paths.DATASETS / "customers.csv").open() as f:
        rows = list(csv.DictReader(f))
    fee = sum(float(r["monthly_fee_usd"]) for r in rows) / len(rows)
    churn = sum(int(r["churned_30d"]) for r in rows) / len(rows)
    assert economics.COMPANY.monthly_fee_usd == pytest.approx(fee, abs=0.005)
    assert economics.COMPANY.monthly_churn_rate == pytest.approx(churn, abs=0.00005)


def test_lifetime_value_agrees_with_the_library_formula():
    """COMPANY's lifetime value is business.customer_lifetime_value of its fee and churn."""
    c = economics.COMPANY
    clv = business.customer_lifetime_value(
        c.monthly_fee_usd, monthly_churn_rate=c.monthly_churn_rate
    )
    assert c.lifetime_value_usd == pytest.approx(clv)
    assert c.lost_subscriber_usd == c.lifetime_value_usd
    assert c.expected_lifetime_months == pytest.approx(1 / 0.0579)


def test_the_summary_line_carries_every_number_in_usd():
    """The one line the notebooks print names fee, churn, CLV and acquisition cost in USD."""
    line = economics.COMPANY.summary()
    assert "USD 13.30" in line and "5.79%" in line and "USD 229.71" in line
    assert "USD 86.61" in line and "$" not in line


def test_bad_economics_are_refused_by_name():
    """A churn rate of 0 would make the lifetime value infinite: refused, naming it."""
    with pytest.raises(
        ValueError, match="`monthly_churn_rate` must be a probability in \\(0, 1\\]"
    ):
        economics.Economics(monthly_fee_usd=10.0, monthly_churn_rate=0.0)
