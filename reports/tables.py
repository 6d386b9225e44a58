"""Pandas builders for the simulation reports (QA4): the KPI catalogue (labels, units,
formatting) and the DataFrames that the HTML pages, the CSV files and the command line show.

Values stay in the simulator's units in every DataFrame and CSV file (times in minutes,
shares as fractions from 0 to 1); only :func:`format_value` turns them into text for people
(waits in seconds, shares in percent).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import pandas as pd

from simulator.experiment import ExperimentResult
from simulator.kpis import kpi_names
from simulator.stats import MIN_OBSERVATIONS, Estimate

__all__ = [
    "FEW_NOTE",
    "FUNNEL_KPIS",
    "SummaryRow",
    "Unit",
    "format_estimate",
    "format_interval",
    "format_start",
    "format_value",
    "interval_table",
    "json_number",
    "kpi_label",
    "kpi_unit",
    "record_counts",
    "summary_dict",
    "summary_rows",
    "summary_table",
    "top_values",
]


class Unit(StrEnum):
    COUNT = "count"  # chats, visitors per interval or run
    SHARE = "share"  # a fraction, shown in percent
    WAIT = "wait"  # minutes, shown in seconds
    MINUTES = "minutes"  # minutes, shown in minutes
    NUMBER = "number"  # agents, chats held at once, a rating


_UNITS: dict[str, Unit] = {
    "offered": Unit.COUNT,
    "answered": Unit.COUNT,
    "abandoned": Unit.COUNT,
    "offline": Unit.COUNT,
    "unassigned": Unit.COUNT,
    "visitors": Unit.COUNT,
    "abandonment": Unit.SHARE,
    "p_wait": Unit.SHARE,
    "service_level": Unit.SHARE,
    "occupancy": Unit.SHARE,
    "chat_rate": Unit.SHARE,
    "saw_wait_message": Unit.SHARE,
    "launcher_hidden": Unit.SHARE,
    "email_capture": Unit.SHARE,
    "mean_wait": Unit.WAIT,
    "mean_wait_answered": Unit.WAIT,
    "mean_handle_time": Unit.MINUTES,
    "mean_concurrency": Unit.NUMBER,
    "staffed_agents": Unit.NUMBER,
    "csat_mean": Unit.NUMBER,
}

_LABELS: dict[str, str] = {
    "offered": "Chats offered to agents",
    "answered": "Chats answered",
    "abandoned": "Chats abandoned",
    "abandonment": "Abandonment (of offered)",
    "p_wait": "Share that waited at all",
    "service_level": "Service level",
    "mean_wait": "Mean wait",
    "mean_wait_answered": "Mean wait of answered chats",
    "mean_handle_time": "Mean handling time",
    "occupancy": "Occupancy (chat slots in use)",
    "mean_concurrency": "Chats held at once per agent",
    "staffed_agents": "Agents at work",
    "offline": "Offline messages",
    "unassigned": "Unassigned chats",
    "visitors": "Visitors",
    "chat_rate": "Visitors who chatted",
    "saw_wait_message": "Visitors shown the wait message",
    "launcher_hidden": "Visitors whose launcher was hidden",
    "email_capture": "Emails left when asked",
    "csat_mean": "Mean CSAT (1-5)",
}


def kpi_unit(name: str) -> Unit:
    """The unit of a KPI (``wait_pNN`` is a wait)."""
    return _UNITS.get(name, Unit.WAIT)


def kpi_label(name: str, threshold_seconds: float | None = None) -> str:
    """A KPI's name for people; the service level names its threshold when given."""
    if name == "service_level" and threshold_seconds is not None:
        return f"Service level (answered within {threshold_seconds:g} s)"
    if name in _LABELS:
        return _LABELS[name]
    return f"{name.removeprefix('wait_p').replace('_', '.')}th percentile of the wait"


def format_value(name: str, value: float) -> str:
    """A KPI value as text in its unit: ``83.1%``, ``42 s``, ``7.3 min``, ``1 234``."""
    if math.isnan(value):
        return "–"
    unit = kpi_unit(name)
    if unit is Unit.SHARE:
        return f"{100.0 * value:.1f}%"
    if unit is Unit.WAIT:
        return f"{60.0 * value:.1f} s"
    if unit is Unit.MINUTES:
        return f"{value:.2f} min"
    if unit is Unit.COUNT:  # a mean of counts: a decimal only while it says something
        return f"{value:,.0f}" if abs(value) >= 1000.0 else f"{value:,.1f}"
    return f"{value:.2f}"


def format_interval(name: str, estimate: Estimate) -> str:
    """``low – high`` in the KPI's unit, or ``–`` when there is no interval."""
    if math.isnan(estimate.ci_low) or math.isnan(estimate.ci_high):
        return "–"
    return f"{format_value(name, estimate.ci_low)} – {format_value(name, estimate.ci_high)}"


def format_start(moment: datetime) -> str:
    """An interval's start, short enough to stay on one line: ``Mon 2 Mar 08:00``."""
    return f"{moment:%a} {moment.day} {moment:%b %H:%M}"


def format_estimate(name: str, estimate: Estimate) -> str:
    """``mean [ci_low, ci_high]`` in the KPI's unit (just the mean when the interval is
    unknown)."""
    mean = format_value(name, estimate.mean)
    if math.isnan(estimate.ci_low):
        return mean
    low = format_value(name, estimate.ci_low)
    high = format_value(name, estimate.ci_high)
    return f"{mean} [{low}, {high}]"


FEW_NOTE = (
    f"pooled from fewer than {MIN_OBSERVATIONS} observations (chats, visitors): its interval "
    "is wide and the value says little."
)
"""What a value marked ``*`` (an estimate flagged ``few``) means."""

FUNNEL_KPIS = frozenset(
    {"visitors", "chat_rate", "saw_wait_message", "launcher_hidden", "email_capture", "csat_mean"}
)
"""KPIs about visitors, which only a funnel scenario has."""


@dataclass(frozen=True)
class SummaryRow:
    """A whole-run KPI as people read it: label, value and interval in its unit."""

    kpi: str
    label: str
    value: str
    interval: str
    few: bool


def summary_rows(result: ExperimentResult) -> list[SummaryRow]:
    """The whole-run KPIs for the console and the report (a plain pool has no visitor
    KPIs: they are left out)."""
    threshold = result.scenario.kpis.service_level_seconds
    funnel = bool(result.scenario.traffic.pages)
    return [
        SummaryRow(
            name,
            kpi_label(name, threshold),
            format_value(name, estimate.mean),
            format_interval(name, estimate),
            estimate.few,
        )
        for name, estimate in result.summary.items()
        if funnel or name not in FUNNEL_KPIS
    ]


def json_number(value: float) -> float | None:
    """A float for JSON: NaN and infinities (not JSON) become ``None`` (``null``)."""
    return value if math.isfinite(value) else None


def summary_table(result: ExperimentResult) -> pd.DataFrame:
    """One row per KPI: ``label``, ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``n``,
    ``observations``, ``few`` (whole run after the warm-up, pooled over replications)."""
    threshold = result.scenario.kpis.service_level_seconds
    rows = [
        {
            "kpi": name,
            "label": kpi_label(name, threshold),
            "unit": kpi_unit(name).value,
            **estimate.as_dict(),
        }
        for name, estimate in result.summary.items()
    ]
    table = pd.DataFrame(rows).set_index("kpi")
    table["n"] = table["n"].astype(int)
    return table


def summary_dict(result: ExperimentResult) -> dict[str, Any]:
    """The summary JSON: the run's facts and, per KPI, ``mean``, ``ci_low``, ``ci_high``,
    ``n`` (replications with data), ``observations``, ``few`` (and the confidence level);
    undefined values are ``null``."""
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "kind": scenario.kind.value,
        "start": scenario.start,
        "timezone": scenario.timezone,
        "duration_minutes": scenario.duration,
        "warmup_minutes": scenario.warmup_minutes,
        "interval_minutes": scenario.kpis.interval_minutes,
        "service_level_seconds": scenario.kpis.service_level_seconds,
        "replications": result.replications,
        "seed": result.seed,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
        "kpis": {
            name: {
                "mean": json_number(estimate.mean),
                "ci_low": json_number(estimate.ci_low),
                "ci_high": json_number(estimate.ci_high),
                "n": estimate.n,
                "observations": json_number(estimate.observations),
                "few": estimate.few,
                "confidence": estimate.confidence,
            }
            for name, estimate in result.summary.items()
        },
    }


def interval_table(result: ExperimentResult, kpis: list[str] | None = None) -> pd.DataFrame:
    """KPIs per interval, wide: one row per interval (``interval``, local ``start``), and per
    KPI the columns ``<kpi>``, ``<kpi>_ci_low``, ``<kpi>_ci_high``."""
    names = kpis or list(kpi_names(result.scenario.kpis.wait_percentile))
    long = result.interval_kpis[result.interval_kpis["kpi"].isin(names)]
    wide = long.pivot(index=["interval", "start"], columns="kpi")
    columns: dict[str, pd.Series] = {}
    for name in names:
        columns[name] = wide[("mean", name)]
        columns[f"{name}_ci_low"] = wide[("ci_low", name)]
        columns[f"{name}_ci_high"] = wide[("ci_high", name)]
    return pd.DataFrame(columns).reset_index()


def record_counts(result: ExperimentResult) -> pd.DataFrame:
    """Records per record type, per replication on average (``records``) and in all."""
    kinds = result.records["record_type"].value_counts(sort=False)
    table = pd.DataFrame({"total": kinds.astype(int)})
    table["per_replication"] = table["total"] / result.replications
    table.index.name = "record_type"
    return table[table["total"] > 0]


def top_values(result: ExperimentResult, column: str, limit: int = 10) -> pd.DataFrame:
    """Chats (not visitor records) by ``column`` (``page``, ``chatflow``, ``device``…), after
    the warm-up: ``chats_per_replication``, ``answered_share`` (answered / every chat
    started, offline messages included) and ``mean_wait`` (of chats offered to agents), most
    chats first."""
    records = result.records
    scenario = result.scenario
    first = round(scenario.warmup_minutes / scenario.kpis.interval_minutes)
    chats = records[
        (records["record_type"].astype(str) != "left_without_chat") & (records["interval"] >= first)
    ]
    kind = chats["record_type"].astype(str)
    frame = pd.DataFrame(
        {
            column: chats[column].fillna("").astype(str),
            "answered": (kind == "answered").astype(float),
            "wait": chats["wait"],
        }
    )
    grouped = frame.groupby(column, sort=False)
    table = pd.DataFrame(
        {
            "chats_per_replication": grouped.size() / result.replications,
            "answered_share": grouped["answered"].mean(),
            "mean_wait": grouped["wait"].mean(),
        }
    )
    return table.sort_values("chats_per_replication", ascending=False).head(limit)
