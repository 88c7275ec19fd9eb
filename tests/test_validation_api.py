"""Every public function refuses text, bools, floats for counts and out-of-range values by name.

Each row of ``CASES`` is (function, valid keyword arguments, the argument, bad values). The
valid call must run; each bad value put in place of the argument must raise a ``ValueError``
whose message names the argument. A bad value that is text must be refused as text and a bool
as a bool, so a string or a bool is never read as a number. A test keeps the table complete:
a new numeric argument of a public function fails it until a row for it is added here.
"""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pandas as pd
import pytest

from mlsd import business, economics, experiments, features, labels, latency, sampling, simulate

NAN, INF = math.nan, math.inf
Y = [1, 0, 1, 0, 0]
SCORES = [0.9, 0.2, 0.7, 0.4, 0.1]
CUSTOMERS = simulate.make_customers(30, seed=0)
TRACE_TRUTH = simulate.make_request_trace(600.0, mean_rate_per_s=1.0, seed=0).attrs["truth"]
BIG_SEED = 2**32 + 10  # notebooks pass `seed + 1`; numpy takes any non-negative integer


def _nothing():
    return None


def _predict(batch):
    return batch.sum(axis=1)


CLV = {"monthly_fee_usd": 10.0, "monthly_churn_rate": 0.05}
REPLACE = {"n_customers": 1_000, "monthly_churn_rate": 0.02}
LABELS = {"y_true": Y, "contacted": [True, False, True, False, False]}
UPLIFT = {"offer_effect": [-0.2, 0.0, 0.1], "contacted": [True, True, False]}
SCORED = {"y_true": Y, "y_score": SCORES}
PAIRED = {"y_true": Y, "contacted_a": [1, 0, 1, 0, 0], "contacted_b": [1, 1, 0, 0, 0]}
TWO_SCORES = {"y_true": Y, "score_a": SCORES, "score_b": [0.8, 0.3, 0.6, 0.5, 0.2]}
LIFT = {"control": 0.10, "var_control": 4e-6, "treatment": 0.11, "var_treatment": 4e-6}
PROPORTIONS = {
    "successes_control": 900,
    "n_control": 1_000,
    "successes_treatment": 930,
    "n_treatment": 1_000,
}
DESIGN = {"baseline": 0.5, "mde": 0.25}
POWER = {"baseline": 0.5, "mde": 0.25, "n_control": 50}
CUPED = {"y": [3.0, 5.0, 4.0, 8.0], "x": [1.0, 2.0, 2.0, 3.0], "theta": 2.5}
RATIOS = {
    "numerators_control": [1, 2, 0, 3],
    "denominators_control": [10, 10, 8, 12],
    "numerators_treatment": [2, 3, 1, 3],
    "denominators_treatment": [10, 9, 11, 10],
}
PEEKING = {"n_experiments": 10, "n_looks": 2, "users_per_look": 10, "seed": 0}
# Chapter 4 sampling.
SURVEY = {"customers": CUSTOMERS, "seed": 0}
RESPONSE = {"customers": CUSTOMERS}
RESERVOIR = {"stream": range(10), "k": 2, "seed": 0}
PRIOR = {"y_score": [0.2, 0.7], "train_rate": 0.5, "true_rate": 0.1}
MEASURE = {"fn": _nothing, "n_repeats": 3, "n_warmup": 0, "max_seconds": 0.5}
INTERLEAVED = {"fns": {"a": _nothing, "b": _nothing}, "n_rounds": 3, "max_seconds": 0.2}
PERCENTILE = {"latency_ms": [1.0, 2.0, 3.0, 4.0], "q": 50, "n_resamples": 100}
CAPACITY = {"service_time_s": 0.01, "n_servers": 2, "latency_target_s": 0.1}
SWEEP = {
    "predict": _predict,
    "X": np.ones((4, 2)),
    "batch_sizes": [1, 2],
    "n_repeats": 2,
    "n_warmup": 0,
    "max_seconds": 0.2,
}
QUEUE = {"arrival_s": [0.0, 0.5, 1.0], "service_time_s": 0.1}
RESCALE = {"arrival_s": [10.0, 11.0, 13.0], "rate_per_s": 2.0}
MM1 = {"rate_per_s": 0.5, "service_time_s": 1.0}
MMC = {**MM1, "n_servers": 1}
TAIL = {**MMC, "latency_s": 2.0}
SERVERS = {"rate_per_s": 50.0, "service_time_s": 0.01, "latency_target_s": 0.06}
FANOUT = {"slow_prob": 0.01, "n_backends": 100}
SIM_FANOUT = {"n_requests": 10, "n_backends": 3, "slow_prob": 0.1, "seed": 0}
MAKE_CUSTOMERS = {"n_customers": 50, "seed": 0}
MAKE_ACTIVITY = {"customers": CUSTOMERS, "n_months": 3, "seed": 0}
MAKE_EXPERIMENT = {"n_users": 50, "seed": 0}
MAKE_TRACE = {"duration_s": 600.0, "mean_rate_per_s": 1.0, "seed": 0}
TRACE_RATE = {"t_s": 0.0, "truth": TRACE_TRUTH}
# mlsd.features (batch-vs-stream notebook): a three-event log and one checkpoint.
EVENTS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "a"],
        "ts": pd.to_datetime(["2024-06-01", "2024-06-02", "2024-06-05"], utc=True),
        "watch_hours": [1.0, 2.0, 4.0],
    }
)
WINDOW_SUM = {"events": EVENTS, "as_of": "2024-06-06T00:00Z", "window_days": 30.0}
STREAM_SUMS = {"events": EVENTS, "checkpoints": ["2024-06-06T00:00Z"], "window_days": 30.0}
CONSISTENCY = {**STREAM_SUMS, "batch_fn": lambda events, as_of: EVENTS["watch_hours"] * 0}
LOOKUPS = {"events": EVENTS, "keys": ["a"], "times": EVENTS["ts"][:1], "window_days": 30.0}
CUTOFF = {"times": EVENTS["ts"], "every_hours": 24.0, "delay_hours": 2.0}
ECONOMICS = {"monthly_fee_usd": 10.0, "monthly_churn_rate": 0.05}
# make_cancellation_notes and mlsd.labels (chapter 4, labels notebook)
MAKE_NOTES = {"customers": simulate.make_customers(300, seed=0), "seed": 0}
WINDOW = {"churn_prob_30d": [0.1, 0.2], "window_days": 30}
VOTES = {"labels": [[0, 1, 1], [1, 1, -1]], "n_classes": 2}
LF_VOTES = {"votes": [[0, -1], [0, 1], [-1, 1]], "n_classes": 2}
NB = {"X_train": [[1, 0], [0, 1]], "y_train": [0, 1], "X": [[1, 1]], "n_classes": 2}
AL_X = np.array([[1, 0], [0, 1]] * 10)
AL = {
    "X": AL_X,
    "y": [0, 1] * 10,
    "X_test": AL_X,
    "y_test": [0, 1] * 10,
    "n_classes": 2,
    "n_initial": 2,
    "batch_size": 2,
    "n_batches": 2,
    "n_repeats": 1,
}

# (function, valid kwargs, argument, bad values): text, a bool, a float for a count, out of range
CASES = [
    # mlsd.business
    (business.customer_lifetime_value, CLV, "monthly_fee_usd", ("10", True, -1.0, INF)),
    (business.customer_lifetime_value, CLV, "monthly_churn_rate", ("0.05", True, 0.0, 1.5)),
    (business.customer_lifetime_value, CLV, "margin", ("1", True, 0.0, 1.5)),
    (business.customer_lifetime_value, CLV, "monthly_discount_rate", ("0", False, -0.01)),
    (business.customer_lifetime_value, CLV, "horizon_months", ("12", True, 12.0, 0)),
    (business.churn_replacement_cost, REPLACE, "n_customers", ("1000", True, 1000.0, -1)),
    (business.churn_replacement_cost, REPLACE, "monthly_churn_rate", ("0.02", True, 1.5, NAN)),
    (business.churn_replacement_cost, REPLACE, "acquisition_cost_usd", ("86.61", True, -1.0)),
    (business.churn_replacement_cost, REPLACE, "months", ("12", True, 12.0, 0)),
    (business.breakeven_probability, {}, "clv_usd", ("200", True, 0.0, INF)),
    (business.breakeven_probability, {}, "offer_cost_usd", ("10", True, -1.0)),
    (business.breakeven_probability, {}, "contact_cost_usd", ("1", True, -1.0)),
    (business.breakeven_probability, {}, "acceptance_rate", ("0.3", True, 1.3)),
    (business.campaign_profit, LABELS, "clv_usd", ("200", True, 0.0)),
    (business.campaign_profit, LABELS, "offer_cost_usd", ("10", True, -1.0)),
    (business.campaign_profit, LABELS, "contact_cost_usd", ("1", True, NAN)),
    (business.campaign_profit, LABELS, "acceptance_rate", ("0.3", True, -0.1)),
    (business.uplift_campaign_profit, UPLIFT, "clv_usd", ("200", True, -200.0)),
    (business.uplift_campaign_profit, UPLIFT, "offer_cost_usd", ("10", True, -1.0)),
    (business.uplift_campaign_profit, UPLIFT, "contact_cost_usd", ("1", True, -1.0)),
    (business.make_profit_scorer, {}, "clv_usd", ("200", True, 0.0)),
    (business.make_profit_scorer, {}, "offer_cost_usd", ("10", True, -1.0)),
    (business.make_profit_scorer, {}, "contact_cost_usd", ("1", True, -1.0)),
    (business.make_profit_scorer, {}, "acceptance_rate", ("0.3", True, 2.0)),
    (business.profit_curve, SCORED, "clv_usd", ("200", True, 0.0)),
    (business.profit_curve, SCORED, "offer_cost_usd", ("10", True, -1.0)),
    (business.profit_curve, SCORED, "contact_cost_usd", ("1", True, -1.0)),
    (business.profit_curve, SCORED, "acceptance_rate", ("0.3", True, 1.3)),
    (business.optimal_threshold, SCORED, "clv_usd", ("200", True, 0.0)),
    (business.optimal_threshold, SCORED, "offer_cost_usd", ("10", True, -1.0)),
    (business.optimal_threshold, SCORED, "contact_cost_usd", ("1", True, -1.0)),
    (business.optimal_threshold, SCORED, "acceptance_rate", ("0.3", True, 1.3)),
    (business.profit_difference_interval, PAIRED, "clv_usd", ("200", True, 0.0)),
    (business.profit_difference_interval, PAIRED, "offer_cost_usd", ("10", True, -1.0)),
    (business.profit_difference_interval, PAIRED, "contact_cost_usd", ("1", True, NAN)),
    (business.profit_difference_interval, PAIRED, "acceptance_rate", ("0.3", True, 1.5)),
    (business.profit_difference_interval, PAIRED, "confidence_level", ("0.95", True, 1.0)),
    (business.profit_difference_interval, PAIRED, "n_resamples", ("200", True, 200.0, 10)),
    (business.profit_difference_interval, PAIRED, "seed", ("0", True, 0.0, -1)),
    (business.auc_difference_interval, TWO_SCORES, "confidence_level", ("0.95", True, 0.0)),
    (business.emp_score, SCORED, "clv_usd", ("200", True, 0.0)),
    (business.emp_score, SCORED, "offer_cost_usd", ("10", True, -1.0)),
    (business.emp_score, SCORED, "contact_cost_usd", ("1", True, -1.0)),
    (business.emp_score, SCORED, "alpha", ("6", True, 0.0)),
    (business.emp_score, SCORED, "beta", ("14", True, -1.0)),
    (business.emp_share_contacted, SCORED, "clv_usd", ("200", True, 0.0)),
    (business.emp_share_contacted, SCORED, "offer_cost_usd", ("10", True, -1.0)),
    (business.emp_share_contacted, SCORED, "contact_cost_usd", ("1", True, -1.0)),
    (business.emp_share_contacted, SCORED, "alpha", ("6", True, 0.0)),
    (business.emp_share_contacted, SCORED, "beta", ("14", True, INF)),
    # mlsd.economics
    (economics.Economics, ECONOMICS, "monthly_fee_usd", ("10", True, -1.0)),
    (economics.Economics, ECONOMICS, "monthly_churn_rate", ("0.05", True, 0.0)),
    (economics.Economics, ECONOMICS, "acquisition_cost_usd", ("86.61", True, -1.0)),
    (economics.Economics, ECONOMICS, "contact_cost_usd", ("1", True, -1.0)),
    (economics.Economics, ECONOMICS, "offer_cost_usd", ("10", True, NAN)),
    # mlsd.experiments
    (experiments.srm_test, {"counts": [500, 500]}, "alpha", ("0.001", True, 0.0, 1.0)),
    (experiments.lift_confidence_interval, LIFT, "control", ("0.1", True, 0.0, NAN)),
    (experiments.lift_confidence_interval, LIFT, "var_control", ("4e-6", True, -1.0)),
    (experiments.lift_confidence_interval, LIFT, "treatment", ("0.11", True, INF)),
    (experiments.lift_confidence_interval, LIFT, "var_treatment", ("4e-6", True, -1.0)),
    (experiments.lift_confidence_interval, LIFT, "alpha", ("0.05", True, 1.0)),
    (experiments.two_proportion_test, PROPORTIONS, "successes_control", ("900", True, 900.0, -1)),
    (experiments.two_proportion_test, PROPORTIONS, "n_control", ("1000", True, 1000.0, 0)),
    (experiments.two_proportion_test, PROPORTIONS, "successes_treatment", ("930", True, 930.0, -1)),
    (experiments.two_proportion_test, PROPORTIONS, "n_treatment", ("1000", True, 1000.0, 0)),
    (experiments.two_proportion_test, PROPORTIONS, "alpha", ("0.05", True, 0.0)),
    (experiments.ratio_lift, RATIOS, "alpha", ("0.05", True, 1.5)),
    (experiments.sample_size_two_proportions, DESIGN, "baseline", ("0.5", True, 1.0)),
    (experiments.sample_size_two_proportions, DESIGN, "mde", ("0.25", True, 0.0, NAN)),
    (experiments.sample_size_two_proportions, DESIGN, "alpha", ("0.05", True, 0.0)),
    (experiments.sample_size_two_proportions, DESIGN, "power", ("0.8", True, 1.0)),
    (experiments.sample_size_two_proportions, DESIGN, "ratio", ("1", True, 0.0)),
    (experiments.sample_size_two_proportions, DESIGN, "relative", ("yes", 1)),
    (experiments.sample_size_two_proportions, DESIGN, "two_sided", ("no", 0)),
    (experiments.power_two_proportions, POWER, "baseline", ("0.5", True, 0.0)),
    (experiments.power_two_proportions, POWER, "mde", ("0.25", True, 0.0)),
    (experiments.power_two_proportions, POWER, "n_control", ("50", True, 0, -INF)),
    (experiments.power_two_proportions, POWER, "alpha", ("0.05", True, 1.0)),
    (experiments.power_two_proportions, POWER, "ratio", ("1", True, -1.0)),
    (experiments.power_two_proportions, POWER, "relative", ("False", 0)),
    (experiments.power_two_proportions, POWER, "two_sided", ("True", 1)),
    (experiments.cuped_adjust, CUPED, "theta", ("2.5", True, NAN)),
    (experiments.simulate_aa_peeking, PEEKING, "n_experiments", ("10", True, 10.0, 0)),
    (experiments.simulate_aa_peeking, PEEKING, "n_looks", ("2", True, 2.0, -1)),
    (experiments.simulate_aa_peeking, PEEKING, "users_per_look", ("10", True, 10.0, 0)),
    (experiments.simulate_aa_peeking, PEEKING, "rate", ("0.1", True, 1.0)),
    (experiments.simulate_aa_peeking, PEEKING, "alpha", ("0.05", True, 0.0)),
    (experiments.simulate_aa_peeking, PEEKING, "seed", ("0", True, 0.0, -1)),
    # mlsd.latency
    (latency.measure_interleaved, INTERLEAVED, "n_rounds", ("3", True, 3.0, 0)),
    (latency.measure_interleaved, INTERLEAVED, "n_warmup", ("0", False, 0.0, -1)),
    (latency.measure_interleaved, INTERLEAVED, "max_seconds", ("0.2", True, 0.0, NAN)),
    (latency.measure_interleaved, INTERLEAVED, "min_rounds", ("1", True, 1.0, 0)),
    (latency.measure_interleaved, INTERLEAVED, "order_seed", ("0", True, 0.0, -1)),
    (latency.percentile_interval_ms, PERCENTILE, "q", ("50", True, 101.0)),
    (latency.percentile_interval_ms, PERCENTILE, "confidence", ("0.95", True, 1.0)),
    (latency.percentile_interval_ms, PERCENTILE, "n_resamples", ("100", True, 100.0, 0)),
    (latency.percentile_interval_ms, PERCENTILE, "seed", ("0", True, 0.0, -1)),
    (latency.max_rate_within_target, CAPACITY, "service_time_s", ("0.01", True, 0.0, INF)),
    (latency.max_rate_within_target, CAPACITY, "n_servers", ("2", True, 2.0, -1)),
    (latency.max_rate_within_target, CAPACITY, "latency_target_s", ("0.1", True, 0.0, NAN)),
    (latency.max_rate_within_target, CAPACITY, "quantile", ("0.99", True, 1.0, -0.1)),
    (latency.sweep_batch_sizes, SWEEP, "interleaved", ("yes", 1)),
    (latency.measure_latency, MEASURE, "n_repeats", ("3", True, 3.0, 0)),
    (latency.measure_latency, MEASURE, "n_warmup", ("0", False, 0.0, -1)),
    (latency.measure_latency, MEASURE, "max_seconds", ("0.5", True, 0.0, NAN)),
    (latency.sweep_batch_sizes, SWEEP, "n_repeats", ("2", True, 2.0, 0)),
    (latency.sweep_batch_sizes, SWEEP, "n_warmup", ("0", False, 0.0, -1)),
    (latency.sweep_batch_sizes, SWEEP, "max_seconds", ("0.2", True, 0.0)),
    (latency.simulate_queue, QUEUE, "service_time_s", ("0.1", True, 0.0, -1.0)),
    (latency.simulate_queue, QUEUE, "n_servers", ("1", True, 1.0, 0)),
    (latency.simulate_queue, QUEUE, "max_batch_size", ("1", True, 2.0, 0)),
    (latency.simulate_queue, QUEUE, "max_wait_s", ("0", True, -0.1, INF)),
    (latency.rescale_arrivals, RESCALE, "rate_per_s", ("2", True, 0.0)),
    (latency.mm1_mean_time_in_system_s, MM1, "rate_per_s", ("0.5", True, 0.0)),
    (latency.mm1_mean_time_in_system_s, MM1, "service_time_s", ("1", True, -1.0)),
    (latency.md1_mean_time_in_system_s, MM1, "rate_per_s", ("0.5", True, 0.0)),
    (latency.md1_mean_time_in_system_s, MM1, "service_time_s", ("1", True, NAN)),
    (latency.erlang_c, MMC, "rate_per_s", ("0.5", True, 0.0)),
    (latency.erlang_c, MMC, "service_time_s", ("1", True, 0.0)),
    (latency.erlang_c, MMC, "n_servers", ("1", True, 1.0, 0)),
    (latency.mmc_latency_tail_probability, TAIL, "rate_per_s", ("0.5", True, 0.0)),
    (latency.mmc_latency_tail_probability, TAIL, "service_time_s", ("1", True, 0.0)),
    (latency.mmc_latency_tail_probability, TAIL, "n_servers", ("1", True, 1.0, 0)),
    (latency.mmc_latency_tail_probability, TAIL, "latency_s", ("2", True, -1.0)),
    (latency.mmc_latency_quantile_s, MMC, "rate_per_s", ("0.5", True, -1.0)),
    (latency.mmc_latency_quantile_s, MMC, "service_time_s", ("1", True, 0.0)),
    (latency.mmc_latency_quantile_s, MMC, "n_servers", ("1", True, 1.0, 0)),
    (latency.mmc_latency_quantile_s, MMC, "quantile", ("0.99", True, 0.0, 1.0)),
    (latency.servers_needed, SERVERS, "rate_per_s", ("50", True, -1.0, [1.0, -1.0])),
    (latency.servers_needed, SERVERS, "service_time_s", ("0.01", True, 0.0)),
    (latency.servers_needed, SERVERS, "latency_target_s", ("0.06", True, 0.0, 0.01)),
    (latency.servers_needed, SERVERS, "quantile", ("0.99", True, 1.0)),
    (latency.servers_needed, SERVERS, "max_servers", ("100", True, 100.0, 0)),
    (latency.fanout_tail_probability, FANOUT, "slow_prob", ("0.01", True, 1.5, [0.1, -0.1])),
    (latency.fanout_tail_probability, FANOUT, "n_backends", ("100", True, 100.0, 0, [1, 2.5])),
    (latency.simulate_fanout, SIM_FANOUT, "n_requests", ("10", True, 10.0, 0)),
    (latency.simulate_fanout, SIM_FANOUT, "n_backends", ("3", True, 3.0, 0)),
    (latency.simulate_fanout, SIM_FANOUT, "slow_prob", ("0.1", True, 1.5)),
    (latency.simulate_fanout, SIM_FANOUT, "seed", ("0", True, 0.0, -1)),
    (latency.simulate_fanout, SIM_FANOUT, "fast_ms", ("10", True, 0.0)),
    (latency.simulate_fanout, SIM_FANOUT, "slow_ms", ("1000", True, 5.0)),
    (latency.simulate_fanout, SIM_FANOUT, "jitter", ("0.2", True, -0.1)),
    (latency.simulate_fanout, SIM_FANOUT, "hedge_after_ms", ("50", True, 0.0)),
    # mlsd.simulate
    (simulate.make_customers, MAKE_CUSTOMERS, "n_customers", ("50", True, 50.0, 0)),
    (simulate.make_customers, MAKE_CUSTOMERS, "seed", ("0", True, 0.0, -1)),
    (simulate.make_customers, MAKE_CUSTOMERS, "churn_shift", ("0", True, 6.0, NAN)),
    (simulate.make_activity, MAKE_ACTIVITY, "n_months", ("3", True, 3.0, 2)),
    (simulate.make_activity, MAKE_ACTIVITY, "n_months_after", ("1", True, 1.0, 4)),
    (simulate.make_activity, MAKE_ACTIVITY, "seed", ("0", True, 0.0, -1)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "n_users", ("50", True, 50.0, 5)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "seed", ("0", True, 0.0, -1)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "n_days", ("14", True, 14.0, 0)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "designed_split", ("0.5", True, 0.99)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "timeout_ms", ("180", True, 0.0)),
    (simulate.make_experiment, MAKE_EXPERIMENT, "srm", ("yes", 1)),
    (simulate.make_request_trace, MAKE_TRACE, "duration_s", ("600", True, 0.5)),
    (simulate.make_request_trace, MAKE_TRACE, "mean_rate_per_s", ("1", True, 0.0)),
    (simulate.make_request_trace, MAKE_TRACE, "seed", ("0", True, 0.0, -1)),
    (simulate.make_request_trace, MAKE_TRACE, "peak_to_trough", ("7", True, 0.5)),
    (simulate.make_request_trace, MAKE_TRACE, "peak_hour", ("20.5", True, 25.0)),
    (simulate.make_request_trace, MAKE_TRACE, "start_hour", ("0", True, -1.0)),
    (simulate.make_request_trace, MAKE_TRACE, "bursts_per_day", ("8", True, -1.0)),
    (simulate.make_request_trace, MAKE_TRACE, "burst_multiplier", ("4", True, 0.5)),
    (simulate.make_request_trace, MAKE_TRACE, "burst_duration_s", ("120", True, 0.5)),
    (simulate.trace_rate_per_s, TRACE_RATE, "t_s", ("0", True, NAN, [0.0, "1"])),
    # mlsd.features: window_sum, stream_window_sums, SlidingWindowSum, batch_cutoff,
    # consistency_report (the batch-vs-stream notebook)
    (features.window_sum, WINDOW_SUM, "window_days", ("30", True, 0.0, NAN, 4000.0)),
    (features.window_sums_at, LOOKUPS, "window_days", ("30", True, 0.0, 1e9)),
    (features.stream_window_sums, STREAM_SUMS, "window_days", ("30", True, -1.0, INF)),
    (features.SlidingWindowSum, {"window_days": 30.0}, "window_days", ("30", True, 0.0)),
    (features.batch_cutoff, CUTOFF, "every_hours", ("24", True, 0.0, NAN)),
    (features.batch_cutoff, CUTOFF, "delay_hours", ("2", False, -1.0, INF)),
    (features.consistency_report, CONSISTENCY, "window_days", ("30", True, 0.0)),
    (features.consistency_report, CONSISTENCY, "atol", ("0", True, -1.0, NAN)),
    # mlsd.simulate.make_events (ch03 formats and engines)
    (simulate.make_events, {"customers": CUSTOMERS, "seed": 0}, "seed", ("0", True, 0.0, -1)),
    (
        simulate.make_events,
        {"customers": CUSTOMERS, "seed": 0, "history_days": 30},
        "history_days",
        ("30", True, 30.0, 29, 366),
    ),
    (
        simulate.make_events,
        {"customers": CUSTOMERS, "seed": 0, "n_customers": 10},
        "n_customers",
        ("10", True, 10.0, 0),
    ),
    # Chapter 4 sampling (make_survey, survey_response_prob; mlsd.sampling's reservoir_sample,
    # weighted_mean, prior_correction).
    (simulate.make_survey, SURVEY, "seed", ("0", True, 0.0, -1)),
    (simulate.make_survey, SURVEY, "response_rate", ("0.1", True, 0.0, 1.0)),
    (simulate.make_survey, SURVEY, "engagement_effect", ("1", True, -0.1, 6.0)),
    (simulate.survey_response_prob, RESPONSE, "response_rate", ("0.1", True, 1.0, NAN)),
    (simulate.survey_response_prob, RESPONSE, "engagement_effect", ("1", True, INF)),
    (sampling.reservoir_sample, RESERVOIR, "k", ("2", True, 2.0, 0)),
    (sampling.reservoir_sample, RESERVOIR, "seed", ("0", True, 0.0, -1)),
    (sampling.prior_correction, PRIOR, "train_rate", ("0.5", True, 0.0, 1.0)),
    (sampling.prior_correction, PRIOR, "true_rate", ("0.1", True, 1.0, NAN)),
    # make_cancellation_notes and mlsd.labels (chapter 4, labels notebook)
    (simulate.make_cancellation_notes, MAKE_NOTES, "seed", ("0", True, 0.0, -1)),
    (simulate.make_cancellation_notes, MAKE_NOTES, "n_annotators", ("3", True, 3.0, 0, 10)),
    (simulate.make_cancellation_notes, MAKE_NOTES, "clear_share", ("0.8", True, 1.5, NAN)),
    (simulate.make_cancellation_notes, MAKE_NOTES, "distractor_share", ("0.2", True, -0.1)),
    (labels.window_miss_share, WINDOW, "window_days", ("30", True, 30.0, 0, 91)),
    (labels.window_miss_share, WINDOW, "horizon_days", ("90", True, 90.0, 0)),
    (labels.window_miss_share, WINDOW, "churn_prob_30d", ([0.1, 1.5], [0.1, -0.2])),
    (labels.majority_vote, VOTES, "n_classes", ("2", True, 2.0, 1)),
    (labels.majority_vote, VOTES, "seed", ("0", True, 0.0, -1)),
    (labels.dawid_skene, VOTES, "n_classes", ("2", True, 2.0, 1)),
    (labels.dawid_skene, VOTES, "max_iter", ("500", True, 500.0, 0)),
    (labels.dawid_skene, VOTES, "tol", ("1e-8", True, -1.0, NAN)),
    (labels.dawid_skene, VOTES, "smoothing", ("0.01", True, -0.1, INF)),
    (labels.label_model, LF_VOTES, "n_classes", ("2", True, 2.0, 1)),
    (labels.label_model, LF_VOTES, "max_iter", ("500", True, 500.0, 0)),
    (labels.label_model, LF_VOTES, "tol", ("1e-8", True, 2.0)),
    (labels.label_model, LF_VOTES, "smoothing", ("1", True, -1.0)),
    (labels.lf_summary, LF_VOTES, "n_classes", ("2", True, 2.0, 1)),
    (labels.naive_bayes_proba, NB, "n_classes", ("2", True, 2.0, 1)),
    (labels.naive_bayes_proba, NB, "alpha", ("0.5", True, 0.0, INF)),
    (labels.active_learning_curves, AL, "n_classes", ("2", True, 2.0, 1)),
    (labels.active_learning_curves, AL, "n_initial", ("2", True, 2.0, 0)),
    (labels.active_learning_curves, AL, "batch_size", ("2", True, 2.0, 0)),
    (labels.active_learning_curves, AL, "n_batches", ("2", True, 2.0, -1)),
    (labels.active_learning_curves, AL, "n_repeats", ("1", True, 1.0, 0)),
    (labels.active_learning_curves, AL, "seed", ("0", True, 0.0, -1)),
]
CH04_SAMPLING_MODULES = (sampling,)  # chapter 4 sampling: checked for completeness below

#: Public functions checked for completeness (their result types are not).
MODULES = (business, experiments, features, labels, latency, simulate, *CH04_SAMPLING_MODULES)
EXTRA = (economics.Economics, features.SlidingWindowSum)


def _public_functions():
    for module in MODULES:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                yield obj
    yield from EXTRA


def _scalar_kinds(annotation) -> set[str]:
    """The bare ``int``/``float``/``bool`` among the alternatives of a string annotation."""
    return {part.strip() for part in str(annotation).split("|")} & {"int", "float", "bool"}


BAD = [
    pytest.param(func, kwargs, argument, bad, id=f"{func.__name__}-{argument}-{bad!r}")
    for func, kwargs, argument, bads in CASES
    for bad in bads
]
VALID = {(func, id(kwargs)): (func, kwargs) for func, kwargs, _, _ in CASES}


@pytest.mark.parametrize(
    ("func", "kwargs"),
    [pytest.param(f, k, id=f"{f.__name__}-{i}") for i, (f, k) in enumerate(VALID.values())],
)
def test_the_valid_arguments_run(func, kwargs):
    """Each row's valid arguments are accepted, so a refusal below is the bad value's doing."""
    func(**kwargs)


@pytest.mark.parametrize(("func", "kwargs", "argument", "bad"), BAD)
def test_a_bad_value_is_refused_naming_the_argument(func, kwargs, argument, bad):
    """Text, a bool, a float count or an out-of-range value raises ValueError naming it."""
    with pytest.raises(ValueError) as info:
        func(**{**kwargs, argument: bad})
    message = str(info.value)
    assert f"`{argument}" in message, message
    if isinstance(bad, str):
        assert "(text)" in message, message
    elif isinstance(bad, bool):
        assert "(a bool)" in message, message


def test_every_numeric_argument_is_listed():
    """Every int, float or bool argument of a public function has a row, with the bad kinds."""
    rows = {(func, argument): bads for func, _, argument, bads in CASES}
    missing, weak = [], []
    for func in _public_functions():
        for name, parameter in inspect.signature(func).parameters.items():
            kinds = _scalar_kinds(parameter.annotation)
            if not kinds:
                continue
            bads = rows.get((func, name))
            if bads is None:
                missing.append(f"{func.__name__}({name})")
                continue
            others = [b for b in bads if not isinstance(b, str | bool)]
            needed = {"text": any(isinstance(b, str) for b in bads)}
            if kinds != {"bool"}:
                needed["a bool"] = any(isinstance(b, bool) for b in bads)
                needed["out-of-range value"] = len(others) >= (2 if "int" in kinds else 1)
            if "int" in kinds:
                needed["float count"] = any(isinstance(b, float) and b.is_integer() for b in bads)
            weak += [f"{func.__name__}({name}): no {kind}" for kind, ok in needed.items() if not ok]
    assert not missing, f"arguments without a row in CASES: {missing}"
    assert not weak, weak


@pytest.mark.parametrize(
    "call",
    [
        lambda seed: simulate.make_customers(10, seed=seed),
        lambda seed: simulate.make_activity(CUSTOMERS, 3, seed=seed),
        lambda seed: simulate.make_experiment(20, seed=seed),
        lambda seed: simulate.make_request_trace(60.0, seed=seed),
        lambda seed: experiments.simulate_aa_peeking(n_experiments=5, n_looks=2, seed=seed),
        lambda seed: latency.simulate_fanout(5, n_backends=2, slow_prob=0.1, seed=seed),
    ],
    ids=["customers", "activity", "experiment", "trace", "peeking", "fanout"],
)
def test_seeds_are_any_non_negative_integer(call):
    """A generator takes a seed beyond 2**32 (notebooks pass seed + 1) and names a negative one."""
    call(BIG_SEED)
    call(np.int64(7))
    with pytest.raises(ValueError, match=r"^`seed` must be an integer in \[0, inf\), got -1$"):
        call(-1)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: experiments.srm_test([500, "500"]), "counts[1]"),
        (lambda: experiments.srm_test([500, True]), "counts[1]"),
        (lambda: experiments.srm_test([500, 500.0]), "counts[1]"),
        (
            lambda: experiments.srm_test([500, 500], designed_shares=["0.5", "0.5"]),
            "designed_shares",
        ),
        (
            lambda: latency.sweep_batch_sizes(_predict, np.ones((4, 2)), batch_sizes=[1, 2.0]),
            "batch_sizes[1]",
        ),
        (
            lambda: latency.sweep_batch_sizes(_predict, np.ones((4, 2)), batch_sizes="12"),
            "batch_sizes",
        ),
        (lambda: latency.latency_summary([1.0, 2.0], percentiles=["50"]), "percentiles"),
        (lambda: latency.latency_summary(["1.0", "2.0"]), "latency_ms"),
        (lambda: latency.simulate_queue(["0", "1"], service_time_s=0.1), "arrival_s"),
        (lambda: experiments.ratio_metric(["1", "2"], [3, 4]), "numerators"),
        (lambda: experiments.cuped_adjust([1.0, 2.0, 3.0], [True, False, True]), "x"),
        (lambda: business.profit_curve(Y, [str(s) for s in SCORES]), "y_score"),
        (lambda: business.uplift_campaign_profit(["-0.2"], [True]), "offer_effect"),
    ],
)
def test_arrays_and_lists_refuse_text_and_floats_for_counts(call, name):
    """Text inside an array is not a number, nor a float inside a list of counts."""
    with pytest.raises(ValueError, match=re.escape(f"`{name}`")):
        call()
