"""Analyse an A/B test: trust checks, tests, intervals, sample size, CUPED and peeking.

The functions follow the order of an analysis:

1. design: :func:`sample_size_two_proportions`, :func:`power_two_proportions`;
2. trust: :func:`srm_test` (sample-ratio mismatch against the designed split);
3. results: :func:`two_proportion_test` (a rate per user, such as 30-day retention),
   :func:`ratio_metric` and :func:`ratio_lift` (a ratio of sums over users, such as
   take-rate = quality plays / recommendations shown, by the delta method),
   :func:`lift_confidence_interval` (absolute and relative lift from two means and their
   variances);
4. variance reduction: :func:`cuped_adjust`;
5. what goes wrong when you peek: :func:`simulate_aa_peeking`.

Conventions: the control arm comes first; "absolute lift" is treatment - control and
"relative lift" is treatment / control - 1. Rates are fractions, not percents.

Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from mlsd.validation import (
    ParameterError,
    check_1d,
    check_bool,
    check_choice,
    check_int,
    check_number,
    check_probability,
)

__all__ = [
    "CupedResult",
    "LiftEstimate",
    "RatioMetric",
    "SRMResult",
    "cuped_adjust",
    "lift_confidence_interval",
    "power_two_proportions",
    "ratio_lift",
    "ratio_metric",
    "sample_size_two_proportions",
    "simulate_aa_peeking",
    "srm_test",
    "two_proportion_test",
]

RELATIVE_METHODS = ("delta", "log")
PEEKING_BOUNDARIES = ("fixed", "bonferroni")


# ---------------------------------------------------------------------------- validation

# Argument checks are mlsd.validation's; these short names keep call sites readable.


def _check_open_unit(name: str, value: float) -> float:
    return check_probability(name, value, "(0, 1)")


def _check_count(name: str, value: float, *, positive: bool = False) -> int:
    return check_int(name, value, "[1, inf)" if positive else "[0, inf)")


def _check_relative_method(relative_method: str) -> None:
    check_choice("relative_method", relative_method, RELATIVE_METHODS)


def _check_paired(name_a: str, a, name_b: str, b, *, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Two 1-D arrays of finite numbers, one value per ``unit``, of the same length (>= 2)."""
    x, y = check_1d(name_a, a), check_1d(name_b, b)
    if x.size != y.size:
        raise ParameterError(
            f"`{name_a}` and `{name_b}` must have the same length, got {x.size} and {y.size}"
        )
    if x.size < 2:
        raise ParameterError(f"`{name_a}` needs at least two {unit}, got {x.size}")
    return x, y


def _z_crit(alpha: float, *, two_sided: bool = True) -> float:
    check_bool("two_sided", two_sided)
    return float(stats.norm.isf(alpha / 2 if two_sided else alpha))


# ---------------------------------------------------------------------------- trust: SRM


@dataclasses.dataclass(frozen=True)
class SRMResult:
    """Result of a sample-ratio-mismatch check.

    Attributes:
        counts: users observed in each variant.
        expected: users expected in each variant under the designed split.
        observed_shares: observed share of users in each variant.
        designed_shares: designed share of users in each variant.
        chi2: Pearson chi-square statistic.
        df: degrees of freedom (variants - 1).
        p_value: probability of a split at least this far from the design by chance.
        alpha: threshold below which the split is declared a mismatch.
        srm: True when ``p_value < alpha``: do not read the experiment's results.
    """

    counts: tuple[int, ...]
    expected: tuple[float, ...]
    observed_shares: tuple[float, ...]
    designed_shares: tuple[float, ...]
    chi2: float
    df: int
    p_value: float
    alpha: float
    srm: bool

    def __str__(self) -> str:
        verdict = "SAMPLE RATIO MISMATCH: do not read the results" if self.srm else "split OK"
        shares = ", ".join(f"{s:.4f}" for s in self.observed_shares)
        designed = ", ".join(f"{s:.4f}" for s in self.designed_shares)
        return (
            f"SRM check: counts {list(self.counts)}, shares [{shares}] vs designed [{designed}]; "
            f"chi2 = {self.chi2:.2f} (df {self.df}), p = {self.p_value:.3g} -> {verdict} "
            f"(threshold p < {self.alpha:g})"
        )


def srm_test(
    counts: Sequence[int] | Mapping[str, int],
    *,
    designed_shares: Sequence[float] | None = None,
    alpha: float = 0.001,
) -> SRMResult:
    """Check the observed split of users against the designed split (chi-square test).

    A sample-ratio mismatch (SRM) means the assignment or the logging is broken: users
    went missing from one arm in a way that may depend on the treatment, so every other
    metric of the experiment is suspect. The threshold is strict (``alpha=0.001`` by
    default, as Kohavi, Tang and Xu recommend) because the check runs on every experiment.

    Args:
        counts: users in each variant, control first (a sequence, or a mapping
            variant -> count); at least two variants.
        designed_shares: the designed share of users for each variant, same order;
            default equal shares. Must be positive and sum to 1.
        alpha: p-value threshold below which the split is declared a mismatch.

    Returns:
        An :class:`SRMResult`; ``result.srm`` is True when the split is a mismatch.

    Raises:
        ValueError: fewer than two variants, a negative or fractional count, no users at
            all, shares that are not positive or do not sum to 1, or ``alpha`` outside (0, 1).

    Example:
        >>> # Kohavi, Tang & Xu (2020), ch. 21: 821,588 vs 815,482 users, designed 50/50.
        >>> r = srm_test([821_588, 815_482])
        >>> r.srm, f"{r.p_value:.1e}"
        (True, '1.8e-06')

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    alpha = _check_open_unit("alpha", alpha)
    values = list(counts.values()) if isinstance(counts, Mapping) else list(counts)
    if len(values) < 2:
        raise ValueError(f"`counts` needs at least two variants, got {len(values)}")
    observed = np.array(
        [_check_count(f"counts[{i}]", c) for i, c in enumerate(values)], dtype=float
    )
    total = observed.sum()
    if total == 0:
        raise ValueError("`counts` must contain at least one user, got all zeros")
    if designed_shares is None:
        shares = np.full(len(values), 1.0 / len(values))
    else:
        shares = check_1d("designed_shares", designed_shares, "(0, 1]")
        if shares.shape != observed.shape:
            raise ValueError(
                f"`designed_shares` must have one share per variant ({len(values)}), "
                f"got {len(shares)}"
            )
        if not np.isclose(shares.sum(), 1.0, atol=1e-6):
            raise ValueError(
                f"`designed_shares` must be positive and sum to 1, got {list(designed_shares)}"
            )
    expected = total * shares
    chi2 = float(np.sum((observed - expected) ** 2 / expected))
    df = len(values) - 1
    p_value = float(stats.chi2.sf(chi2, df))
    return SRMResult(
        counts=tuple(int(c) for c in observed),
        expected=tuple(float(e) for e in expected),
        observed_shares=tuple(float(s) for s in observed / total),
        designed_shares=tuple(float(s) for s in shares),
        chi2=chi2,
        df=df,
        p_value=p_value,
        alpha=alpha,
        srm=p_value < alpha,
    )


# ---------------------------------------------------------------------------- lift


@dataclasses.dataclass(frozen=True)
class LiftEstimate:
    """A treatment-versus-control comparison with confidence intervals.

    Attributes:
        control: the control arm's estimate (a rate or mean).
        treatment: the treatment arm's estimate.
        abs_lift: treatment - control.
        abs_ci: confidence interval for ``abs_lift`` (low, high).
        rel_lift: treatment / control - 1.
        rel_ci: confidence interval for ``rel_lift`` (low, high).
        se_abs: standard error of ``abs_lift``.
        z: test statistic for "no difference".
        p_value: p-value of that test (two-sided).
        alpha: 1 - confidence level of the intervals.
        relative_method: how ``rel_ci`` was computed ("delta" or "log").
    """

    control: float
    treatment: float
    abs_lift: float
    abs_ci: tuple[float, float]
    rel_lift: float
    rel_ci: tuple[float, float]
    se_abs: float
    z: float
    p_value: float
    alpha: float
    relative_method: str

    def __str__(self) -> str:
        level = f"{1 - self.alpha:.0%}"
        return (
            f"control {self.control:.5g}, treatment {self.treatment:.5g}; "
            f"absolute lift {self.abs_lift:+.5g} ({level} CI {self.abs_ci[0]:+.5g} to "
            f"{self.abs_ci[1]:+.5g}); relative lift {self.rel_lift:+.2%} ({level} CI "
            f"{self.rel_ci[0]:+.2%} to {self.rel_ci[1]:+.2%}); z = {self.z:.2f}, "
            f"p = {self.p_value:.3g}"
        )


def lift_confidence_interval(
    control: float,
    var_control: float,
    treatment: float,
    var_treatment: float,
    *,
    alpha: float = 0.05,
    relative_method: str = "delta",
) -> LiftEstimate:
    """Absolute and relative lift with normal-approximation confidence intervals.

    The inputs are two independent estimates (for example two arms' means) and the
    variances *of those estimates* (squared standard errors, not the variance of the
    per-user values).

    - Absolute lift ``d = t - c``: ``se = sqrt(var_t + var_c)``, interval ``d ± z se``.
    - Relative lift ``r = t / c - 1``, two documented choices:

      ``"delta"`` (default; Deng, Knoblich & Lu 2018): first-order Taylor expansion of
      ``t / c``, ``var(r) ≈ var_t / c² + t² var_c / c⁴``, symmetric interval ``r ± z se``.

      ``"log"``: delta method on ``log(t / c)``, ``var ≈ var_t / t² + var_c / c²``,
      interval ``exp(log(t / c) ± z se) - 1``; asymmetric, never below -100 %; the same
      as statsmodels' ``confint_proportions_2indep(compare="ratio", method="log")`` for
      proportions.

      Both are "Fieller-free" approximations; they agree when ``se / c`` is small (a
      few percent), which is the usual case for online experiments.

    Args:
        control: control estimate (must not be 0 for the relative lift).
        var_control: variance of the control estimate (>= 0).
        treatment: treatment estimate.
        var_treatment: variance of the treatment estimate (>= 0).
        alpha: 1 - confidence level, in (0, 1).
        relative_method: "delta" or "log".

    Returns:
        A :class:`LiftEstimate`; ``z`` and ``p_value`` test ``d = 0`` with the unpooled
        (Wald) standard error.

    Raises:
        ValueError: negative variances, a zero control estimate, both variances zero,
            ``alpha`` outside (0, 1), an unknown ``relative_method``, or "log" with
            estimates that are not positive.

    Example:
        >>> r = lift_confidence_interval(0.10, 0.002**2, 0.11, 0.002**2)
        >>> round(r.abs_lift, 4), round(r.rel_lift, 3)
        (0.01, 0.1)

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    alpha = _check_open_unit("alpha", alpha)
    _check_relative_method(relative_method)
    c = check_number("control", control)
    vc = check_number("var_control", var_control, "[0, inf)")
    t = check_number("treatment", treatment)
    vt = check_number("var_treatment", var_treatment, "[0, inf)")
    if vc + vt == 0:
        raise ValueError("`var_control` and `var_treatment` are both 0: no uncertainty to test")
    if c == 0:
        raise ValueError("`control` must not be 0: the relative lift divides by it")
    zc = _z_crit(alpha)
    diff = t - c
    se = math.sqrt(vc + vt)
    z = diff / se
    p_value = float(2 * stats.norm.sf(abs(z)))
    rel = t / c - 1
    if relative_method == "delta":
        se_rel = math.sqrt(vt / c**2 + t**2 * vc / c**4)
        rel_ci = (rel - zc * se_rel, rel + zc * se_rel)
    else:
        if c <= 0 or t <= 0:
            raise ValueError(
                f'`relative_method="log"` needs positive estimates, got control {c}, treatment {t}'
            )
        se_log = math.sqrt(vt / t**2 + vc / c**2)
        log_ratio = math.log(t / c)
        rel_ci = (math.exp(log_ratio - zc * se_log) - 1, math.exp(log_ratio + zc * se_log) - 1)
    return LiftEstimate(
        control=c,
        treatment=t,
        abs_lift=diff,
        abs_ci=(diff - zc * se, diff + zc * se),
        rel_lift=rel,
        rel_ci=(float(rel_ci[0]), float(rel_ci[1])),
        se_abs=se,
        z=z,
        p_value=p_value,
        alpha=alpha,
        relative_method=relative_method,
    )


def two_proportion_test(
    successes_control: int,
    n_control: int,
    successes_treatment: int,
    n_treatment: int,
    *,
    alpha: float = 0.05,
    relative_method: str = "delta",
) -> LiftEstimate:
    """Two-proportion z-test with intervals for the absolute and relative lift.

    Use it for a metric that is a yes/no per randomised user (30-day retention, converted).
    The test statistic uses the pooled rate under "no difference"
    (``z = d / sqrt(p(1-p)(1/n_c + 1/n_t))``, as statsmodels' ``proportions_ztest``);
    the intervals use the unpooled (Wald) variances ``p(1-p)/n`` of each arm (see
    :func:`lift_confidence_interval`).

    Args:
        successes_control: users with the outcome in control.
        n_control: users in control (> 0).
        successes_treatment: users with the outcome in treatment.
        n_treatment: users in treatment (> 0).
        alpha: 1 - confidence level, in (0, 1).
        relative_method: "delta" or "log", see :func:`lift_confidence_interval`.

    Returns:
        A :class:`LiftEstimate` (z and p-value from the pooled test).

    Raises:
        ValueError: negative or fractional counts, empty arms, more successes than users,
            a control rate of 0, both rates 0 or 1, or ``alpha`` outside (0, 1).

    Example:
        >>> r = two_proportion_test(900, 1000, 930, 1000)
        >>> round(r.abs_lift, 3), round(r.p_value, 3)
        (0.03, 0.016)

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    alpha = _check_open_unit("alpha", alpha)
    sc = _check_count("successes_control", successes_control)
    nc = _check_count("n_control", n_control, positive=True)
    st = _check_count("successes_treatment", successes_treatment)
    nt = _check_count("n_treatment", n_treatment, positive=True)
    if sc > nc:
        raise ValueError(f"`successes_control` ({sc}) must be <= `n_control` ({nc})")
    if st > nt:
        raise ValueError(f"`successes_treatment` ({st}) must be <= `n_treatment` ({nt})")
    pc, pt = sc / nc, st / nt
    pooled = (sc + st) / (nc + nt)
    if pooled in (0.0, 1.0):
        raise ValueError(
            f"the pooled rate is {pooled:g}: every user has the same outcome, nothing to test"
        )
    result = lift_confidence_interval(
        pc,
        pc * (1 - pc) / nc,
        pt,
        pt * (1 - pt) / nt,
        alpha=alpha,
        relative_method=relative_method,
    )
    z = (pt - pc) / math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nt))
    p_value = float(2 * stats.norm.sf(abs(z)))
    return dataclasses.replace(result, z=z, p_value=p_value)  # pooled test, Wald intervals


# ---------------------------------------------------------------------------- ratio metrics


@dataclasses.dataclass(frozen=True)
class RatioMetric:
    """A ratio of sums over randomised units, with its delta-method variance.

    Attributes:
        value: sum(numerators) / sum(denominators).
        variance: delta-method variance of ``value`` (users are the independent units).
        se: sqrt(variance).
        n_units: number of users (units of randomisation).
        numerator_sum: sum of the numerators.
        denominator_sum: sum of the denominators.
    """

    value: float
    variance: float
    se: float
    n_units: int
    numerator_sum: float
    denominator_sum: float


def ratio_metric(numerators, denominators) -> RatioMetric:
    """Estimate a ratio-of-sums metric and its variance by the delta method.

    Take-rate = quality plays / recommendations shown is a ratio of two sums over users.
    Users, not impressions, are randomised, and one user's impressions are correlated
    (a user who likes the recommendations plays many of them), so the per-impression
    binomial variance ``R(1-R)/sum(denominators)`` is too small. With per-user numerators
    ``x_i`` and denominators ``y_i`` and ``R = mean(x) / mean(y)``, the delta method gives::

        var(R) ≈ (var(x) - 2 R cov(x, y) + R² var(y)) / (n · mean(y)²)

    with sample (co)variances (ddof = 1) over the ``n`` users (Deng, Knoblich & Lu 2018,
    "Applying the delta method in metric analytics"). Equivalently, the variance of the
    mean of the linearised per-user values ``(x_i - R y_i) / mean(y)``.

    Args:
        numerators: per-user numerators (e.g. quality plays), one per user.
        denominators: per-user denominators (e.g. recommendations shown), same length;
            not all zero.

    Returns:
        A :class:`RatioMetric`.

    Raises:
        ValueError: different lengths, fewer than two users, missing values, or a zero
            denominator sum.

    Example:
        >>> m = ratio_metric([1, 0, 3, 2], [5, 2, 6, 4])
        >>> round(m.value, 4)
        0.3529

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    x, y = _check_paired("numerators", numerators, "denominators", denominators, unit="users")
    n = x.size
    mean_y = y.mean()
    if mean_y == 0:
        raise ValueError("`denominators` sum to 0: the ratio is undefined")
    ratio = x.sum() / y.sum()
    cov = np.cov(x, y, ddof=1)
    var = (cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]) / (n * mean_y**2)
    var = max(float(var), 0.0)  # rounding can push a perfectly proportional case below 0
    return RatioMetric(
        value=float(ratio),
        variance=var,
        se=math.sqrt(var),
        n_units=n,
        numerator_sum=float(x.sum()),
        denominator_sum=float(y.sum()),
    )


def ratio_lift(
    numerators_control,
    denominators_control,
    numerators_treatment,
    denominators_treatment,
    *,
    alpha: float = 0.05,
    relative_method: str = "delta",
) -> LiftEstimate:
    """Compare a ratio metric (e.g. take-rate) between arms, with delta-method intervals.

    Args:
        numerators_control: per-user numerators in control.
        denominators_control: per-user denominators in control.
        numerators_treatment: per-user numerators in treatment.
        denominators_treatment: per-user denominators in treatment.
        alpha: 1 - confidence level, in (0, 1).
        relative_method: "delta" or "log", see :func:`lift_confidence_interval`.

    Returns:
        A :class:`LiftEstimate` built from two :func:`ratio_metric` estimates.

    Raises:
        ValueError: as :func:`ratio_metric` and :func:`lift_confidence_interval`.

    Example:
        >>> r = ratio_lift([1, 2, 0, 3], [10, 10, 8, 12], [2, 3, 1, 3], [10, 9, 11, 10])
        >>> round(r.abs_lift, 3)
        0.075

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    mc = ratio_metric(numerators_control, denominators_control)
    mt = ratio_metric(numerators_treatment, denominators_treatment)
    return lift_confidence_interval(
        mc.value,
        mc.variance,
        mt.value,
        mt.variance,
        alpha=alpha,
        relative_method=relative_method,
    )


# ---------------------------------------------------------------------------- design


def _two_proportion_design(
    baseline: float, mde: float, *, alpha: float, power: float | None, relative: bool, ratio: float
):
    baseline = _check_open_unit("baseline", baseline)
    alpha = _check_open_unit("alpha", alpha)
    if power is not None:
        _check_open_unit("power", power)
    mde_f = check_number("mde", mde)
    if mde_f == 0:
        raise ParameterError("`mde` must be a non-zero number, got 0")
    ratio_f = check_number("ratio", ratio, "(0, inf)")
    check_bool("relative", relative)
    treated = baseline * (1 + mde_f) if relative else baseline + mde_f
    if not 0 < treated < 1:
        kind = "baseline × (1 + mde)" if relative else "baseline + mde"
        raise ValueError(f"`mde` = {mde!r} moves the rate out of (0, 1): {kind} = {treated:g}")
    return baseline, treated, alpha, ratio_f


def _two_proportion_sds(p_c: float, p_t: float, ratio: float) -> tuple[float, float]:
    """Per-control-user standard deviations of the difference under H0 (pooled) and H1."""
    pooled = (p_c + ratio * p_t) / (1 + ratio)
    sd_null = math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
    sd_alt = math.sqrt(p_c * (1 - p_c) + p_t * (1 - p_t) / ratio)
    return sd_null, sd_alt


def sample_size_two_proportions(
    baseline: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = False,
    two_sided: bool = True,
    ratio: float = 1,
) -> float:
    """Users needed in the control arm to detect a change in a rate.

    The classic normal-approximation formula with the pooled variance under "no
    difference" and the unpooled variance under the alternative (Fleiss, without
    continuity correction; the same as R's ``power.prop.test`` and statsmodels'
    ``samplesize_proportions_2indep_onetail``)::

        n_c = (z_{1-α/2} sd_0 + z_{power} sd_1)² / (p_t - p_c)²
        sd_0² = p̄(1-p̄)(1 + 1/k),  p̄ = (p_c + k p_t) / (1 + k)
        sd_1² = p_c(1-p_c) + p_t(1-p_t)/k

    where ``k = ratio`` = treatment users / control users. For a two-sided test the far
    tail is ignored (negligible in practice). The treatment arm needs ``ratio * n_c``.

    Args:
        baseline: control rate ``p_c``, in (0, 1).
        mde: minimum detectable effect: an absolute change in the rate (0.01 = one
            percentage point) or, with ``relative=True``, a relative change (0.05 = +5 %).
            Non-zero; negative for a decrease.
        alpha: significance level, in (0, 1).
        power: probability of detecting an effect of size ``mde``, in (0, 1).
        relative: read ``mde`` as relative to ``baseline``.
        two_sided: two-sided test (default) or one-sided in the direction of ``mde``.
        ratio: treatment users per control user (> 0); 1 for a 50/50 split.

    Returns:
        Users needed in the control arm, not rounded (round up with ``math.ceil``).

    Raises:
        ValueError: ``baseline``, ``alpha`` or ``power`` outside (0, 1), ``mde`` zero or
            moving the rate outside (0, 1), ``ratio`` not positive.

    Example:
        >>> # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7 per group
        >>> round(sample_size_two_proportions(0.5, 0.25, power=0.9), 1)
        76.7

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    p_c, p_t, alpha, k = _two_proportion_design(
        baseline, mde, alpha=alpha, power=power, relative=relative, ratio=ratio
    )
    sd_null, sd_alt = _two_proportion_sds(p_c, p_t, k)
    z_alpha = _z_crit(alpha, two_sided=two_sided)
    z_power = float(stats.norm.ppf(power))
    return (z_alpha * sd_null + z_power * sd_alt) ** 2 / (p_t - p_c) ** 2


def power_two_proportions(
    baseline: float,
    mde: float,
    n_control: float,
    *,
    alpha: float = 0.05,
    relative: bool = False,
    two_sided: bool = True,
    ratio: float = 1,
) -> float:
    """Probability that a two-proportion test detects ``mde`` with ``n_control`` users.

    The inverse of :func:`sample_size_two_proportions` (same formula, far tail ignored)::

        power = Φ((|p_t - p_c| sqrt(n_c) - z_{1-α/2} sd_0) / sd_1)

    Args:
        baseline: control rate, in (0, 1).
        mde: effect to detect, absolute (or relative with ``relative=True``); non-zero.
        n_control: users in the control arm (> 0); treatment has ``ratio * n_control``.
        alpha: significance level, in (0, 1).
        relative: read ``mde`` as relative to ``baseline``.
        two_sided: two-sided (default) or one-sided test.
        ratio: treatment users per control user (> 0).

    Returns:
        The power, in (0, 1).

    Raises:
        ValueError: as :func:`sample_size_two_proportions`, or ``n_control`` <= 0.

    Example:
        >>> # R: power.prop.test(n = 50, p1 = .50, p2 = .75) -> power = 0.74
        >>> round(power_two_proportions(0.5, 0.25, 50), 2)
        0.74

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    p_c, p_t, alpha, k = _two_proportion_design(
        baseline, mde, alpha=alpha, power=None, relative=relative, ratio=ratio
    )
    # a number, not a count: power curves are drawn through the unrounded sample sizes
    n = check_number("n_control", n_control, "(0, inf)")
    sd_null, sd_alt = _two_proportion_sds(p_c, p_t, k)
    z_alpha = _z_crit(alpha, two_sided=two_sided)
    return float(stats.norm.cdf((abs(p_t - p_c) * math.sqrt(n) - z_alpha * sd_null) / sd_alt))


# ---------------------------------------------------------------------------- CUPED


@dataclasses.dataclass(frozen=True)
class CupedResult:
    """Outcome of a CUPED adjustment.

    Attributes:
        adjusted: the adjusted per-user metric ``y - theta (x - mean(x))`` (same mean as y).
        theta: the coefficient used, ``cov(y, x) / var(x)`` unless given.
        correlation: Pearson correlation of ``y`` and ``x``.
        variance_reduction: ``1 - var(adjusted) / var(y)``; equals ``correlation²`` when
            theta is estimated from the same data.
    """

    adjusted: np.ndarray
    theta: float
    correlation: float
    variance_reduction: float


def cuped_adjust(y, x, *, theta: float | None = None) -> CupedResult:
    """Reduce a metric's variance with a pre-experiment covariate (CUPED).

    CUPED (Deng, Xu, Kohavi & Walker 2013) replaces each user's metric ``y`` by
    ``y - theta (x - mean(x))``, where ``x`` was measured *before* the experiment (so the
    treatment cannot have changed it) and ``theta = cov(y, x) / var(x)``. The mean, and so
    the estimated treatment effect, is unchanged in expectation; the variance shrinks by
    the factor ``1 - corr(y, x)²``, which is like running the test with
    ``1 / (1 - corr²)`` times more users. Estimate theta on both arms pooled, then
    compare the arms' adjusted means.

    Args:
        y: per-user metric measured during the experiment (both arms).
        x: per-user pre-experiment covariate, same length.
        theta: use this coefficient instead of estimating it.

    Returns:
        A :class:`CupedResult`.

    Raises:
        ValueError: different lengths, fewer than two users, missing values, or a
            constant covariate.

    Example:
        >>> r = cuped_adjust([3.0, 5.0, 4.0, 8.0], [1.0, 2.0, 2.0, 3.0])
        >>> round(r.theta, 3), round(r.variance_reduction, 3) == round(r.correlation**2, 3)
        (2.5, True)

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    y_arr, x_arr = _check_paired("y", y, "x", x, unit="users")
    cov = np.cov(y_arr, x_arr, ddof=1)
    if cov[1, 1] == 0:
        raise ValueError("`x` is constant: it cannot explain any variance of `y`")
    if theta is None:
        theta_f = float(cov[0, 1] / cov[1, 1])
    else:
        theta_f = check_number("theta", theta)
    adjusted = y_arr - theta_f * (x_arr - x_arr.mean())
    correlation = float(cov[0, 1] / math.sqrt(cov[0, 0] * cov[1, 1])) if cov[0, 0] > 0 else 0.0
    var_y = cov[0, 0]
    reduction = float(1 - adjusted.var(ddof=1) / var_y) if var_y > 0 else 0.0
    return CupedResult(
        adjusted=adjusted,
        theta=theta_f,
        correlation=correlation,
        variance_reduction=reduction,
    )


# ---------------------------------------------------------------------------- peeking


def simulate_aa_peeking(
    *,
    n_experiments: int = 2_000,
    n_looks: int = 14,
    users_per_look: int = 1_000,
    rate: float = 0.1,
    alpha: float = 0.05,
    boundary: str = "fixed",
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate A/A tests that are looked at repeatedly, and count false positives.

    Both arms have the same true ``rate``, so every "significant" result is a false
    positive. Each experiment gains ``users_per_look`` users per arm between looks (a
    day of traffic, say); at every look a pooled two-proportion z-test is run on all
    users so far. An analyst who stops at the first significant look ("peeking") is
    wrong far more often than ``alpha``; one who looks only at a horizon fixed in
    advance is wrong at rate ``alpha``. With ``boundary="bonferroni"`` each look uses
    ``alpha / n_looks``, a crude sequential correction that keeps the overall rate at or
    below ``alpha`` (group-sequential boundaries and always-valid p-values do better).

    Args:
        n_experiments: simulated A/A experiments (> 0).
        n_looks: looks per experiment (> 0).
        users_per_look: new users per arm between looks (> 0).
        rate: the true rate in both arms, in (0, 1).
        alpha: nominal significance level of each test, in (0, 1).
        boundary: "fixed" (the nominal ``alpha`` at every look) or "bonferroni".
        seed: seed for ``np.random.default_rng``.

    Returns:
        A DataFrame with one row per look: ``look`` (1..n_looks), ``users_per_arm``,
        ``fpr_peeking`` (share of experiments significant at any look up to this one),
        ``fpr_fixed_horizon`` (share significant at this look, looking only once),
        ``se_peeking`` (Monte Carlo standard error of ``fpr_peeking``).

    Raises:
        ValueError: counts that are not positive integers, ``rate`` or ``alpha``
            outside (0, 1), an unknown ``boundary``.

    Example:
        >>> df = simulate_aa_peeking(n_experiments=500, n_looks=5, seed=1)
        >>> bool(df.fpr_peeking.iloc[-1] > 0.05)
        True

    Taught in: notebooks/ch02-ml-systems-design/02-ab-test-analysis.ipynb
    """
    n_experiments = _check_count("n_experiments", n_experiments, positive=True)
    n_looks = _check_count("n_looks", n_looks, positive=True)
    users_per_look = _check_count("users_per_look", users_per_look, positive=True)
    rate = _check_open_unit("rate", rate)
    alpha = _check_open_unit("alpha", alpha)
    check_choice("boundary", boundary, PEEKING_BOUNDARIES)
    rng = np.random.default_rng(check_int("seed", seed, "[0, inf)"))
    # successes per experiment, look and arm; cumulative over looks
    new = rng.binomial(users_per_look, rate, size=(n_experiments, n_looks, 2))
    cum = np.cumsum(new, axis=1, dtype=np.int64)
    n_arm = users_per_look * np.arange(1, n_looks + 1, dtype=float)  # per arm, per look
    p_a = cum[:, :, 0] / n_arm
    p_b = cum[:, :, 1] / n_arm
    pooled = (p_a + p_b) / 2
    se = np.sqrt(pooled * (1 - pooled) * 2 / n_arm)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (p_b - p_a) / se, 0.0)
    level = alpha / n_looks if boundary == "bonferroni" else alpha
    significant = np.abs(z) > _z_crit(level)
    ever = np.logical_or.accumulate(significant, axis=1)
    fpr_peeking = ever.mean(axis=0)
    return pd.DataFrame(
        {
            "look": np.arange(1, n_looks + 1),
            "users_per_arm": (n_arm).astype(int),
            "fpr_peeking": fpr_peeking,
            "fpr_fixed_horizon": significant.mean(axis=0),
            "se_peeking": np.sqrt(fpr_peeking * (1 - fpr_peeking) / n_experiments),
        }
    )
