"""Estimates with confidence intervals that respect each KPI's range (SIM5).

An experiment runs ``R`` independent replications. Every KPI is a *pooled* figure over
them — a ratio of pooled counts, not a mean of the replications' ratios (which is biased
when an interval holds few chats: a replication with 3 chats weighs as much as one with 30)
— and its 95% interval treats each replication as one cluster of correlated observations,
so it is as wide as the replications' disagreement says, yet never leaves the KPI's range:

=============  ================================  ============================================
kind           estimate                          interval
=============  ================================  ============================================
count          mean count per replication        the wider of a Student t interval on the
               (offered, visitors, …)            log scale and the exact Poisson (Garwood)
                                                 interval of the total: never below 0
share          pooled successes / pooled         Wilson score interval with the *effective*
               trials (service level,            number of trials (Korn & Graubard 1998): the
               abandonment, …)                   trials divided by the design effect the
                                                 replications show, and scaled by (z/t)² for
                                                 their few degrees of freedom: inside [0, 1]
mean / ratio   pooled sum / pooled count         delta method with the cluster (linearised)
               (mean wait, occupancy, CSAT)      variance, on the log scale for values that
                                                 cannot be negative and on the logit scale
                                                 for bounded ones (occupancy, CSAT 1-5)
quantile       the quantile of the pooled        the replications' own quantiles give the
               values (wait percentile)          standard error, applied on the log scale
=============  ================================  ============================================

The variance of a pooled ratio ``R = ΣY/ΣX`` over ``n`` replications is the usual
linearised (cluster) variance ``n/(n-1) · Σ (Y_r - R·X_r)² / (ΣX)²``. With fewer than two
replications there is no interval (NaN). An estimate pooled from fewer than
:data:`MIN_OBSERVATIONS` observations (chats, visitors, …) is flagged ``few``: its interval
is honest but wide, and its value says little. A KPI with nothing to measure (no chat was
offered) is NaN, and so is its interval.

:func:`estimate` is the plain Student t interval of a list of values (kept for checks of
long runs, where the replications' values are themselves good estimates).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "MIN_OBSERVATIONS",
    "Estimate",
    "count_estimates",
    "estimate",
    "paired_count_difference",
    "paired_quantile_difference",
    "paired_ratio_difference",
    "quantile_estimates",
    "ratio_estimates",
    "share_estimates",
]

MIN_OBSERVATIONS = 20
"""Estimates pooled from fewer observations than this are flagged ``few``."""

Array = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A KPI's pooled estimate and its confidence interval.

    ``n``: replications that had something to measure. ``observations``: what the estimate
    is pooled from (chats offered for a service level, visitors for a visitor share, staffed
    minutes for occupancy, the total count for a count; NaN when not tracked). ``few``: a
    share, ratio or quantile pooled from fewer than :data:`MIN_OBSERVATIONS` observations.
    """

    mean: float
    ci_low: float
    ci_high: float
    n: int
    confidence: float = 0.95
    observations: float = math.nan
    few: bool = False

    @property
    def half_width(self) -> float:
        """Half the interval's width (the interval need not be symmetric)."""
        return (self.ci_high - self.ci_low) / 2.0

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval (ends included)."""
        return self.ci_low <= value <= self.ci_high

    def as_dict(self) -> dict[str, float]:
        return {
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "n": float(self.n),
            "observations": self.observations,
            "few": float(self.few),
        }


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")


def _t(df: Array | int, confidence: float) -> Array:
    """Student t quantiles for ``df`` degrees of freedom (NaN below 1)."""
    df_array = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        result: Array = np.where(
            df_array >= 1, stats.t.ppf(0.5 + confidence / 2.0, np.maximum(df_array, 1)), np.nan
        )
    return result


def estimate(values: Iterable[float], confidence: float = 0.95) -> Estimate:
    """The mean of the non-NaN ``values`` with its Student t confidence interval."""
    _check_confidence(confidence)
    data = np.asarray(list(values), dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, confidence)
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1, confidence)
    half = float(_t(n - 1, confidence)) * float(data.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, confidence)


# ---------------------------------------------------------------- vectorised estimators
#
# Each takes arrays of shape (groups, replications) — one row per interval (or one row for
# the whole run) — and returns a list of Estimates, one per row.


def _cluster_variance(y: Array, x: Array, ratio: Array) -> Array:
    # n/(n-1) · Σ_r (Y_r - R·X_r)² / (ΣX)²: the linearised variance of a pooled ratio.
    replications = y.shape[1]
    residual = y - ratio[:, None] * x
    total = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        variance: Array = (
            replications / max(replications - 1, 1) * (residual**2).sum(axis=1) / total**2
        )
    return variance


def _as_2d(values: Any) -> Array:
    array: Array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None, :]
    return array


def _estimates(
    mean: Array,
    low: Array,
    high: Array,
    n: Array,
    observations: Array,
    confidence: float,
    *,
    can_be_few: bool = True,
) -> list[Estimate]:
    return [
        Estimate(
            float(m),
            float(lo),
            float(hi),
            int(k),
            confidence,
            float(obs),
            can_be_few and not math.isnan(m) and bool(obs < MIN_OBSERVATIONS),
        )
        for m, lo, hi, k, obs in zip(mean, low, high, n, observations, strict=True)
    ]


def share_estimates(successes: Any, trials: Any, confidence: float = 0.95) -> list[Estimate]:
    """Pooled shares ``Σ successes / Σ trials`` with Wilson intervals on the effective
    number of trials (see the module docstring); always inside [0, 1]."""
    _check_confidence(confidence)
    y, x = _as_2d(successes), _as_2d(trials)
    replications = y.shape[1]
    total = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, y.sum(axis=1) / total, np.nan)
        variance = _cluster_variance(y, x, p)
        # The number of independent trials that would give the observed variance, at most
        # the trials themselves (Korn & Graubard); (z/t)² spends the few degrees of freedom.
        effective = np.where(variance > 0, p * (1.0 - p) / variance, np.inf)
        effective = np.minimum(effective, total)
        z = float(stats.norm.ppf(0.5 + confidence / 2.0))
        t = _t(replications - 1, confidence)
        effective = effective * (z / t) ** 2
        z2n = z * z / effective
        centre = (p + z2n / 2.0) / (1.0 + z2n)
        half = z * np.sqrt(p * (1.0 - p) / effective + z2n / effective / 4.0) / (1.0 + z2n)
        low = np.clip(centre - half, 0.0, 1.0)
        high = np.clip(centre + half, 0.0, 1.0)
    # Rounding must not push the estimate itself outside its interval.
    low, high = np.minimum(low, p), np.maximum(high, p)
    return _estimates(p, low, high, (x > 0).sum(axis=1), total, confidence)


def ratio_estimates(
    numerators: Any,
    denominators: Any,
    confidence: float = 0.95,
    *,
    lower: float = 0.0,
    upper: float = math.inf,
) -> list[Estimate]:
    """Pooled ratios ``Σ numerators / Σ denominators`` (a mean wait, an occupancy) with a
    delta-method interval on the log scale (``upper`` infinite) or the logit scale of
    ``[lower, upper]``, so the interval stays inside the range."""
    _check_confidence(confidence)
    y, x = _as_2d(numerators), _as_2d(denominators)
    replications = y.shape[1]
    total = x.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.where(total > 0, y.sum(axis=1) / total, np.nan)
        spread = _t(replications - 1, confidence) * np.sqrt(_cluster_variance(y, x, ratio))
        if math.isinf(upper):
            distance = ratio - lower
            factor = np.exp(spread / distance)
            low = np.where(distance > 0, lower + distance / factor, lower)
            high = np.where(distance > 0, lower + distance * factor, lower + spread)
        else:
            width = upper - lower
            u = (ratio - lower) / width
            inside = (u > 0) & (u < 1)
            centre = np.log(u / (1.0 - u))
            step = spread / (width * u * (1.0 - u))
            low = np.where(inside, lower + width / (1.0 + np.exp(-(centre - step))), ratio - spread)
            high = np.where(
                inside, lower + width / (1.0 + np.exp(-(centre + step))), ratio + spread
            )
            low, high = np.clip(low, lower, upper), np.clip(high, lower, upper)
    low, high = np.minimum(low, ratio), np.maximum(high, ratio)
    return _estimates(ratio, low, high, (x > 0).sum(axis=1), total, confidence)


def count_estimates(counts: Any, confidence: float = 0.95) -> list[Estimate]:
    """Mean counts per replication with the wider of a log-scale Student t interval and
    the exact Poisson interval of the total (a count varies at least as a Poisson count
    would; with few replications their spread alone can look too good)."""
    _check_confidence(confidence)
    c = _as_2d(counts)
    replications = c.shape[1]
    total = c.sum(axis=1)
    mean = total / replications
    alpha = 1.0 - confidence
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        poisson_low = np.where(total > 0, stats.chi2.ppf(alpha / 2.0, 2.0 * total) / 2.0, 0.0)
        poisson_high = stats.chi2.ppf(1.0 - alpha / 2.0, 2.0 * total + 2.0) / 2.0
        sd = c.std(axis=1, ddof=1) if replications > 1 else np.full(len(c), np.nan)
        spread = _t(replications - 1, confidence) * sd / math.sqrt(replications)
        factor = np.exp(spread / mean)
        t_low = np.where(mean > 0, mean / factor, 0.0)
        t_high = np.where(mean > 0, mean * factor, 0.0)
        low = np.fmin(t_low, poisson_low / replications)
        high = np.fmax(t_high, poisson_high / replications)
    if replications < 2:
        low = high = np.full(len(c), np.nan)
    # A count is never "few": no chats at all is a finding too.
    return _estimates(
        mean, low, high, np.full(len(c), replications), total, confidence, can_be_few=False
    )


def quantile_estimates(
    pooled: Any, per_replication: Any, observations: Any, confidence: float = 0.95
) -> list[Estimate]:
    """Quantiles of the pooled values (``pooled``, one per row) with the standard error of
    the replications' own quantiles (``per_replication``, NaN where a replication had no
    values), applied on the log scale: never below 0."""
    _check_confidence(confidence)
    q = np.asarray(pooled, dtype=float)
    own = _as_2d(per_replication)
    present = ~np.isnan(own)
    counted = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        centre = np.where(present, own, 0.0).sum(axis=1) / counted
        squares = np.where(present, (own - centre[:, None]) ** 2, 0.0).sum(axis=1)
        sd = np.sqrt(squares / (counted - 1))
        spread = _t(counted - 1, confidence) * sd / np.sqrt(counted)
        factor = np.exp(spread / q)
        low = np.where(q > 0, q / factor, 0.0)
        high = np.where(q > 0, q * factor, spread)
    low = np.where(np.isnan(spread), np.nan, np.minimum(low, q))
    high = np.where(np.isnan(spread), np.nan, np.maximum(high, q))
    return _estimates(q, low, high, counted, np.asarray(observations, dtype=float), confidence)


# ---------------------------------------------------------------- paired differences
#
# Two configurations run with the same seeds meet the same visitors (common random
# numbers), so replication r of one and replication r of the other are a pair: the
# difference is estimated from the pairs' differences, whose spread is far smaller than
# either configuration's own when the streams are shared.


def _paired(
    difference: float, per_pair: Array, confidence: float, span: float, observations: float
) -> Estimate:
    _check_confidence(confidence)
    present = per_pair[~np.isnan(per_pair)]
    n = int(present.size)
    if n < 2 or math.isnan(difference):
        return Estimate(difference, math.nan, math.nan, n, confidence, observations)
    half = float(_t(n - 1, confidence)) * float(present.std(ddof=1)) / math.sqrt(n)
    low = max(difference - half, -span)
    high = min(difference + half, span)
    few = observations < MIN_OBSERVATIONS
    return Estimate(difference, low, high, n, confidence, observations, few)


def paired_ratio_difference(
    numerators_a: Any,
    denominators_a: Any,
    numerators_b: Any,
    denominators_b: Any,
    confidence: float = 0.95,
    *,
    span: float = math.inf,
) -> Estimate:
    """``R_b - R_a`` for pooled ratios (shares, means) of paired replications, with the
    Student t interval of the pairs' linearised differences, within ``[-span, span]``."""
    ya, xa = np.asarray(numerators_a, float), np.asarray(denominators_a, float)
    yb, xb = np.asarray(numerators_b, float), np.asarray(denominators_b, float)
    if xa.sum() <= 0 or xb.sum() <= 0:
        return Estimate(math.nan, math.nan, math.nan, 0, confidence)
    ra, rb = ya.sum() / xa.sum(), yb.sum() / xb.sum()
    # Each replication's contribution to each ratio's error, made comparable by the mean
    # denominators: their difference per pair varies as the difference of the ratios does.
    per_pair = (yb - rb * xb) / xb.mean() - (ya - ra * xa) / xa.mean()
    observations = float(min(xa.sum(), xb.sum()))
    return _paired(float(rb - ra), per_pair, confidence, span, observations)


def paired_count_difference(counts_a: Any, counts_b: Any, confidence: float = 0.95) -> Estimate:
    """The mean difference of paired counts per replication, Student t over the pairs."""
    a, b = np.asarray(counts_a, float), np.asarray(counts_b, float)
    difference = b - a
    estimate = _paired(float(difference.mean()), difference, confidence, math.inf, math.inf)
    return Estimate(estimate.mean, estimate.ci_low, estimate.ci_high, estimate.n, confidence)


def paired_quantile_difference(
    pooled_a: float,
    pooled_b: float,
    own_a: Any,
    own_b: Any,
    observations: float,
    confidence: float = 0.95,
) -> Estimate:
    """``pooled_b - pooled_a`` for a quantile, with the spread of the replications' own
    paired quantile differences."""
    per_pair = np.asarray(own_b, float) - np.asarray(own_a, float)
    return _paired(float(pooled_b - pooled_a), per_pair, confidence, math.inf, observations)
