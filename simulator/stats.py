"""Confidence intervals across replications (SIM5).

Each replication gives one value of a KPI; the replications are independent (each has its
own random stream), so the mean of ``n`` values has a Student t confidence interval
``mean ± t(1 - α/2, n - 1) · s / √n``. Replications where the KPI is undefined (NaN: e.g. a
service level in an interval nobody arrived in) are left out, and ``n`` says how many
counted. With fewer than two values the interval is unknown (NaN).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["Estimate", "estimate", "estimate_frame"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A KPI's mean over replications and its confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    n: int
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2.0

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside the interval (ends included)."""
        return self.ci_low <= value <= self.ci_high

    def as_dict(self) -> dict[str, float]:
        return {
            "mean": self.mean,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "half_width": self.half_width,
            "n": float(self.n),
        }


def _t_factor(n: int, confidence: float) -> float:
    return float(stats.t.ppf(0.5 + confidence / 2.0, n - 1))


def estimate(values: Iterable[float], confidence: float = 0.95) -> Estimate:
    """The mean of the non-NaN ``values`` with its Student t confidence interval."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")
    data = np.asarray(list(values), dtype=float)
    data = data[~np.isnan(data)]
    n = int(data.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, confidence)
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean, math.nan, math.nan, 1, confidence)
    half = _t_factor(n, confidence) * float(data.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, confidence)


def estimate_frame(
    frame: pd.DataFrame, by: str, columns: Iterable[str], confidence: float = 0.95
) -> pd.DataFrame:
    """For each value of ``by`` and each of ``columns``: mean, ``ci_low``, ``ci_high``,
    ``half_width`` and ``n`` over the rows (one row per replication). Long format: one row
    per (``by``, ``kpi``)."""
    names = list(columns)
    grouped = frame.groupby(by, sort=True)[names]
    means = grouped.mean()
    counts = grouped.count()
    sds = grouped.std(ddof=1)
    long = pd.DataFrame(
        {
            "mean": means.stack(future_stack=True),
            "n": counts.stack(future_stack=True),
            "sd": sds.stack(future_stack=True),
        }
    )
    long.index = long.index.set_names([by, "kpi"])
    n = long["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n >= 2, stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1)), np.nan)
        half = factor * long["sd"].to_numpy(dtype=float) / np.sqrt(n)
    long["ci_low"] = long["mean"] - half
    long["ci_high"] = long["mean"] + half
    long["half_width"] = half
    long["n"] = long["n"].astype(np.int64)
    return long.drop(columns="sd").reset_index()
