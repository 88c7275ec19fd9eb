"""One company's economics everywhere: the same summary line in every notebook that prices."""

from __future__ import annotations

import pytest

from mlsd import economics

PRICING_NOTEBOOKS = [
    "notebooks/ch01-overview/01-churn-in-dollars.ipynb",
    "notebooks/ch01-overview/02-latency-vs-throughput.ipynb",
    "notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb",
]

pytestmark = pytest.mark.notebook


@pytest.mark.parametrize("notebook", PRICING_NOTEBOOKS, ids=lambda p: p.rsplit("/", 1)[-1])
def test_the_default_run_prints_the_companys_economics(notebook_runs, stream_text, notebook):
    """The churn, latency and A/B notebooks price with the same fee, churn and lifetime value."""
    printed = stream_text(notebook_runs.run(notebook).ok())
    line = economics.COMPANY.summary()
    assert line in printed
    assert f"USD {economics.COMPANY.lifetime_value_usd:,.2f}" in line
