"""KPIs per interval and for the whole run (SIM6), per replication.

Everything after the warm-up counts; the warm-up is a whole number of intervals, so an
interval is either in or out. Chats count in the interval they *arrived* in (so a chat that
waits across the end of an interval is still that interval's).

=========================  ==================================================================
KPI                        definition (per interval or whole run, per replication)
=========================  ==================================================================
``offered``                chats routed to the agents: answered + abandoned (chats still
                           waiting at the end, offline messages and unassigned chats are not)
``answered``               chats an agent took
``abandoned``              chats whose visitor gave up waiting, or that waited past the
                           chatflow's queue timeout (``timed_out`` records)
``abandonment``            abandoned / offered
``p_wait``                 share of offered chats that had to wait at all
``service_level``          answered within the threshold / offered (as Erlang A counts it:
                           abandoned chats stay in the denominator)
``mean_wait``              mean time in queue over offered chats (abandoned: until they left)
``mean_wait_answered``     mean wait of answered chats (ASA)
``wait_pNN``               the NN-th percentile of the wait of offered chats
``mean_handle_time``       mean handling time of chats that ended
``occupancy``              chat-minutes / (capacity × staffed minutes): how full the agents'
                           chat slots were while they worked
``mean_concurrency``       chat-minutes / staffed minutes: chats an agent held on average
``staffed_agents``         staffed minutes / interval length: agents at work on average
``offline``, ``unassigned``  chats left as offline messages / with assignment off
``visitors``               visitors who arrived (funnel)
``chat_rate``              visitors who started a chat / visitors
``saw_wait_message``       share of visitors who were shown the wait message (AV7)
``launcher_hidden``        share of visitors whose launcher was hidden (AV6, AV7)
``email_capture``          emails left / visitors asked for one (BD2)
``csat_mean``              mean CSAT rating of answered surveys (OP7)
=========================  ==================================================================

A ratio whose denominator is zero is NaN (undefined), not zero.

Two views of the same sums:

- per replication (:func:`kpis_by_interval`, :func:`kpis_by_replication`): every KPI of each
  replication on its own, e.g. for paired comparisons and for checks of long runs;
- pooled over the replications (:func:`kpi_estimates`): the experiment's figures. Counts are
  means per replication; every other KPI is a ratio of the pooled sums (the service level
  is all chats answered in time over all chats offered, in every replication together), and
  the wait percentile is that of the pooled waits. Their confidence intervals treat each
  replication as a cluster and respect the KPI's range (:mod:`simulator.stats`). A mean of
  the replications' ratios would weigh a replication with 3 chats in an interval as much as
  one with 30, which biases it (abandonment by several percent in one-hour intervals).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from .records import RecordType
from .scenario import Scenario
from .stats import (
    Array,
    Estimate,
    count_estimates,
    quantile_estimates,
    ratio_estimates,
    share_estimates,
)

__all__ = [
    "KPI_NAMES",
    "Kpi",
    "KpiKind",
    "KpiSums",
    "kpi_definitions",
    "kpi_estimates",
    "kpi_names",
    "kpi_sums",
    "kpis_by_interval",
    "kpis_by_replication",
]

_SUMS = (
    "offered",
    "answered",
    "abandoned",
    "waited",
    "in_time",
    "wait_sum",
    "answered_wait_sum",
    "handle_sum",
    "handled",
    "offline",
    "unassigned",
    "email_asked",
    "email_left",
    "csat_sum",
    "csat_count",
)
_AGENT_SUMS = ("available_minutes", "staffed_minutes", "chat_minutes", "capacity_minutes")
_VISITOR_SUMS = ("visitors", "chats_started", "saw_wait_message", "launcher_hidden")


class KpiKind(StrEnum):
    """How a KPI is estimated from the replications (see :mod:`simulator.stats`)."""

    COUNT = "count"  # a count per replication: the mean count
    SHARE = "share"  # pooled successes / pooled trials, in [0, 1]
    RATIO = "ratio"  # pooled sum / pooled count, in [lower, upper]
    QUANTILE = "quantile"  # a quantile of the pooled waits


@dataclass(frozen=True, slots=True)
class Kpi:
    """A KPI's definition: ``numerator`` (and ``denominator``) name columns of the sums;
    its values lie in ``[lower, upper]``."""

    name: str
    kind: KpiKind
    numerator: str
    denominator: str = ""
    lower: float = 0.0
    upper: float = math.inf


def _percentile_name(percentile: float) -> str:
    return f"wait_p{percentile:g}".replace(".", "_")


def kpi_definitions(percentile: float) -> tuple[Kpi, ...]:
    """Every KPI, in report order, with the wait percentile's name (``wait_p90`` for 90)."""
    count, share, ratio = KpiKind.COUNT, KpiKind.SHARE, KpiKind.RATIO
    return (
        Kpi("offered", count, "offered"),
        Kpi("answered", count, "answered"),
        Kpi("abandoned", count, "abandoned"),
        Kpi("abandonment", share, "abandoned", "offered"),
        Kpi("p_wait", share, "waited", "offered"),
        Kpi("service_level", share, "in_time", "offered"),
        Kpi("mean_wait", ratio, "wait_sum", "offered"),
        Kpi("mean_wait_answered", ratio, "answered_wait_sum", "answered"),
        Kpi(_percentile_name(percentile), KpiKind.QUANTILE, "wait_percentile", "offered"),
        Kpi("mean_handle_time", ratio, "handle_sum", "handled"),
        Kpi("occupancy", ratio, "chat_minutes", "capacity_minutes", 0.0, 1.0),
        Kpi("mean_concurrency", ratio, "chat_minutes", "staffed_minutes"),
        Kpi("staffed_agents", ratio, "staffed_minutes", "minutes"),
        Kpi("offline", count, "offline"),
        Kpi("unassigned", count, "unassigned"),
        Kpi("visitors", count, "visitors"),
        Kpi("chat_rate", share, "chats_started", "visitors"),
        Kpi("saw_wait_message", share, "saw_wait_message", "visitors"),
        Kpi("launcher_hidden", share, "launcher_hidden", "visitors"),
        Kpi("email_capture", share, "email_left", "email_asked"),
        Kpi("csat_mean", ratio, "csat_sum", "csat_count", 1.0, 5.0),
    )


def kpi_names(percentile: float) -> tuple[str, ...]:
    """The KPI columns, with the wait percentile's name (``wait_p90`` for 90)."""
    return tuple(kpi.name for kpi in kpi_definitions(percentile))


KPI_NAMES = kpi_names(90.0)
"""The KPI columns with the default percentile (90)."""


_GAVE_UP = (RecordType.ABANDONED.value, RecordType.TIMED_OUT.value)


def _offered(chats: pd.DataFrame) -> pd.Series[bool]:
    kind = chats["record_type"].astype(str)
    return (kind == RecordType.ANSWERED.value) | kind.isin(_GAVE_UP)


def _chat_sums(chats: pd.DataFrame, keys: list[str], threshold: float) -> pd.DataFrame:
    kind = chats["record_type"].astype(str)
    answered = kind == RecordType.ANSWERED.value
    abandoned = kind.isin(_GAVE_UP)
    offered = answered | abandoned
    wait = chats["wait"].where(offered, 0.0)
    handle = chats["handle_time"]
    csat = chats["csat"]
    parts = pd.DataFrame(
        {
            **{key: chats[key] for key in keys},
            "offered": offered.astype(np.int64),
            "answered": answered.astype(np.int64),
            "abandoned": abandoned.astype(np.int64),
            "waited": (offered & (chats["wait"] > 0.0)).astype(np.int64),
            # The threshold is in minutes; a hair of slack for waits computed by subtraction.
            "in_time": (answered & (chats["wait"] <= threshold + 1e-9)).astype(np.int64),
            "wait_sum": wait,
            "answered_wait_sum": chats["wait"].where(answered, 0.0),
            "handle_sum": handle.where(answered & handle.notna(), 0.0),
            "handled": (answered & handle.notna()).astype(np.int64),
            "offline": (kind == RecordType.OFFLINE.value).astype(np.int64),
            "unassigned": (kind == RecordType.UNASSIGNED.value).astype(np.int64),
            "email_asked": chats["email_asked"].astype(np.int64),
            "email_left": chats["email_left"].astype(np.int64),
            "csat_sum": csat.fillna(0.0),
            "csat_count": csat.notna().astype(np.int64),
        }
    )
    return parts.groupby(keys, sort=True)[list(_SUMS)].sum()


def _ratio(numerator: pd.Series[float], denominator: pd.Series[float]) -> pd.Series[float]:
    with np.errstate(invalid="ignore", divide="ignore"):
        values = numerator.to_numpy(dtype=float) / denominator.to_numpy(dtype=float)
    values[denominator.to_numpy(dtype=float) == 0.0] = np.nan
    return pd.Series(values, index=numerator.index)


def _derive(sums: pd.DataFrame, percentile: float) -> pd.DataFrame:
    out = pd.DataFrame(index=sums.index)
    for kpi in kpi_definitions(percentile):
        if kpi.kind is KpiKind.COUNT or kpi.kind is KpiKind.QUANTILE:
            out[kpi.name] = sums[kpi.numerator]
        else:
            out[kpi.name] = _ratio(sums[kpi.numerator], sums[kpi.denominator])
    return out


def _grid(scenario: Scenario, replications: list[int]) -> tuple[pd.MultiIndex, pd.Series[float]]:
    width = scenario.kpis.interval_minutes
    first = round(scenario.warmup_minutes / width)
    last = int(scenario.duration // width)
    if last * width >= scenario.duration:
        last -= 1  # the run ends exactly on an interval boundary
    intervals = np.arange(first, last + 1, dtype=np.int64)
    index = pd.MultiIndex.from_product([replications, intervals], names=["replication", "interval"])
    ends = np.minimum((intervals + 1) * width, scenario.duration)
    lengths = ends - intervals * width
    minutes = pd.Series(np.tile(lengths, len(replications)), index=index, dtype=float)
    return index, minutes


def _counted(
    scenario: Scenario, chats: pd.DataFrame, agent_time: pd.DataFrame, visitors: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # What counts: after the warm-up, chats only (not visitors who left without one).
    first = round(scenario.warmup_minutes / scenario.kpis.interval_minutes)
    chats = chats[
        (chats["interval"] >= first)
        & (chats["record_type"].astype(str) != RecordType.LEFT_WITHOUT_CHAT.value)
    ]
    agent_time = agent_time[agent_time["interval"] >= first].assign(
        capacity_minutes=lambda f: f["capacity"] * f["staffed_minutes"]
    )
    return chats, agent_time, visitors[visitors["interval"] >= first]


def _sums(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    keys: list[str],
    index: pd.Index,
) -> pd.DataFrame:
    threshold = scenario.kpis.service_level_seconds / 60.0
    percentile = scenario.kpis.wait_percentile / 100.0
    sums = _chat_sums(chats, keys, threshold).reindex(index, fill_value=0)
    offered = chats[_offered(chats)]
    per_group = offered.groupby(keys, sort=True)["wait"].quantile(percentile)
    sums["wait_percentile"] = per_group.reindex(index)
    agents = agent_time.groupby(keys, sort=True)[list(_AGENT_SUMS)].sum()
    sums = sums.join(agents.reindex(index, fill_value=0.0))
    people = visitors.groupby(keys, sort=True)[list(_VISITOR_SUMS)].sum()
    return sums.join(people.reindex(index, fill_value=0))


@dataclass(frozen=True, eq=False)
class KpiSums:
    """The sums every KPI is made of, per (replication, interval) and per replication for
    the whole run (after the warm-up), and the pooled wait percentile per interval and for
    the whole run (``pooled_percentile``, ``pooled_percentile_run``)."""

    by_interval: pd.DataFrame
    by_replication: pd.DataFrame
    pooled_percentile: pd.Series[float]
    pooled_percentile_run: float


def kpi_sums(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    replications: list[int],
) -> KpiSums:
    """The sums of every KPI (see :class:`KpiSums`)."""
    chats, agent_time, visitors = _counted(scenario, chats, agent_time, visitors)
    index, minutes = _grid(scenario, replications)
    by_interval = _sums(scenario, chats, agent_time, visitors, ["replication", "interval"], index)
    by_interval["minutes"] = minutes
    runs = pd.Index(replications, name="replication")
    by_replication = _sums(scenario, chats, agent_time, visitors, ["replication"], runs)
    by_replication["minutes"] = scenario.duration - scenario.warmup_minutes
    quantile = scenario.kpis.wait_percentile / 100.0
    waits = chats.loc[_offered(chats), ["interval", "wait"]]
    intervals = index.get_level_values("interval").unique()
    pooled = waits.groupby("interval")["wait"].quantile(quantile).reindex(intervals)
    run = float(waits["wait"].quantile(quantile)) if len(waits) else math.nan
    return KpiSums(by_interval, by_replication, pooled, run)


def kpis_by_interval(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    replications: list[int],
    sums: KpiSums | None = None,
) -> pd.DataFrame:
    """One row per (replication, interval after the warm-up) with every KPI of that
    replication alone."""
    sums = sums or kpi_sums(scenario, chats, agent_time, visitors, replications)
    return _derive(sums.by_interval, scenario.kpis.wait_percentile).reset_index()


def kpis_by_replication(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    replications: list[int],
    sums: KpiSums | None = None,
) -> pd.DataFrame:
    """One row per replication with every KPI over the whole run after the warm-up."""
    sums = sums or kpi_sums(scenario, chats, agent_time, visitors, replications)
    return _derive(sums.by_replication, scenario.kpis.wait_percentile).reset_index()


def _estimate_rows(
    kpi: Kpi,
    sums: pd.DataFrame,
    pooled_percentile: Sequence[float],
    confidence: float,
) -> list[Estimate]:
    # ``sums``: one column per replication, one row per group, for each sum column.
    def grid(column: str) -> Array:
        values: Array = sums[column].to_numpy(dtype=float)
        return values

    if kpi.kind is KpiKind.COUNT:
        return count_estimates(grid(kpi.numerator), confidence)
    if kpi.kind is KpiKind.SHARE:
        return share_estimates(grid(kpi.numerator), grid(kpi.denominator), confidence)
    if kpi.kind is KpiKind.RATIO:
        return ratio_estimates(
            grid(kpi.numerator),
            grid(kpi.denominator),
            confidence,
            lower=kpi.lower,
            upper=kpi.upper,
        )
    observations = grid(kpi.denominator).sum(axis=1)
    return quantile_estimates(pooled_percentile, grid(kpi.numerator), observations, confidence)


def kpi_estimates(
    scenario: Scenario, sums: KpiSums, confidence: float = 0.95
) -> tuple[pd.DataFrame, dict[str, Estimate]]:
    """The pooled estimate of every KPI per interval (long format: ``interval``, ``kpi``,
    ``mean``, ``ci_low``, ``ci_high``, ``n``, ``observations``, ``few``) and for the whole
    run (a dict by KPI name); see the module docstring."""
    definitions = kpi_definitions(scenario.kpis.wait_percentile)
    wide = sums.by_interval.unstack("replication")
    intervals = wide.index.to_numpy()
    run_wide = sums.by_replication.unstack().to_frame().T  # one row: the whole run
    frames = []
    summary: dict[str, Estimate] = {}
    for kpi in definitions:
        rows = _estimate_rows(kpi, wide, sums.pooled_percentile.to_numpy(), confidence)
        frames.append(
            pd.DataFrame(
                {
                    "interval": intervals,
                    "kpi": kpi.name,
                    "mean": [e.mean for e in rows],
                    "ci_low": [e.ci_low for e in rows],
                    "ci_high": [e.ci_high for e in rows],
                    "n": [e.n for e in rows],
                    "observations": [e.observations for e in rows],
                    "few": [e.few for e in rows],
                }
            )
        )
        summary[kpi.name] = _estimate_rows(kpi, run_wide, [sums.pooled_percentile_run], confidence)[
            0
        ]
    # By interval, and within one in the order of the definitions.
    long = pd.concat(frames, ignore_index=True).sort_values("interval", kind="stable")
    return long.reset_index(drop=True), summary
