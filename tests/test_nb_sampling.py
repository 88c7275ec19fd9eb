"""The chapter-4 notebook on sampling and class imbalance: its default execution and variants.

Executions come from the session's `notebook_runs` (conftest.py): each configuration runs
once, offline, whichever test asks first. The numbers the notebook prints are recomputed here
by other routes (pandas, statsmodels, scikit-learn) from the same simulated customers.
"""

from __future__ import annotations

import re

import pytest
from conftest import learner_run, refused_in_the_check_cell
from statsmodels.stats.weightstats import DescrStatsW

import mlsd

NOTEBOOK = "notebooks/ch04-training-data/01-sampling-and-imbalance.ipynb"

pytestmark = pytest.mark.notebook

# Another seed and a larger base, for the learner edition's run (`learner_run`, shared with
# test_student) and the pasted edition's in `make test-ranges`.
OTHER_SEED = {"seed": 7, "n_customers": 12_000}


@pytest.fixture(scope="module")
def default_nb(notebook_runs):
    """The session's one execution of the notebook with its defaults (shared by every test)."""
    return notebook_runs.run(NOTEBOOK).ok()


def _survey_lines(n_customers: int, seed: int, response_rate: float = 0.1) -> list[str]:
    """The survey lines the notebook should print, recomputed with pandas and statsmodels."""
    customers = mlsd.simulate.make_customers(n_customers, seed=seed)
    survey = mlsd.simulate.make_survey(customers, seed=seed + 1, response_rate=response_rate)
    weighted = DescrStatsW(survey["churned_30d"], weights=1 / survey["true_response_prob"]).mean
    return [
        f"{len(survey):,} of {n_customers:,} customers answered",
        f"churn rate among respondents: {survey['churned_30d'].mean():.2%}",
        f"churn rate of the whole base:  {customers['churned_30d'].mean():.2%}",
        f"importance-weighted churn rate: {weighted:.2%}",
    ]


def test_default_run_prints_the_survey_estimates(default_nb, stream_text):
    """The respondents' and the weighted churn rates are those statsmodels computes."""
    text = stream_text(default_nb)
    for line in _survey_lines(10_000, 42):
        assert line in text


def test_default_run_prices_the_campaign_with_the_company(default_nb, stream_text):
    """The company's economics line and the break-even probability of mlsd.business appear."""
    text = stream_text(default_nb)
    company = mlsd.economics.COMPANY
    assert company.summary() in text
    # Break-even by hand: (offer + contact) / (acceptance × (CLV − offer) + offer).
    clv, offer, contact = company.lifetime_value_usd, company.offer_cost_usd, 1.0
    breakeven = (offer + contact) / (0.3 * (clv - offer) + offer)
    assert f"break-even churn probability: {breakeven:.3f}" in text


def test_default_run_prior_correction_lands_on_the_true_rate(default_nb, stream_text):
    """The printed corrected mean is within a point of the printed true mean, and far from 43%."""
    text = stream_text(default_nb)
    found = re.search(r"mean predicted churn: ([\d.]+)% under-sampled, ([\d.]+)% corrected", text)
    truth = re.search(r"true churn probability of the test customers, on average: ([\d.]+)%", text)
    assert found and truth, text[-2_000:]
    under, corrected, true_mean = float(found[1]), float(found[2]), float(truth[1])
    assert under > 3 * true_mean
    assert abs(corrected - true_mean) < 1.0


def test_default_run_reservoir_is_uniform(default_nb, stream_text):
    """The printed chi-square p-value of the reservoir is above 0.001, the shortcut's tiny."""
    text = stream_text(default_nb)
    p_uniform = float(re.search(r"uniform inclusion: p = ([\d.e-]+)", text)[1])
    p_shortcut = float(re.search(r"one-half: p = ([\d.e-]+)", text)[1])
    assert p_uniform > 1e-3
    assert p_shortcut < 1e-6


def test_another_seed_passes_every_check(notebook_runs, stream_text):
    """With seed 7 and 12,000 customers every Check passes on freshly simulated customers."""
    nb = learner_run(notebook_runs, NOTEBOOK).ok()
    text = stream_text(nb)
    for line in _survey_lines(OTHER_SEED["n_customers"], OTHER_SEED["seed"]):
        assert line in text
    assert "mean predicted churn:" in text


def test_bad_parameter_is_rejected_with_a_clear_message(notebook_runs):
    """An out-of-range response rate stops the notebook in the check cell, naming it."""
    ename, evalue = refused_in_the_check_cell(notebook_runs.run(NOTEBOOK, response_rate=0.5))
    assert ename == "ParameterError"
    assert "`response_rate` must be a probability in [0.1, 0.3], got 0.5" in evalue
