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
``abandoned``              chats whose visitor gave up waiting
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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .records import RecordType
from .scenario import Scenario

__all__ = ["KPI_NAMES", "kpi_names", "kpis_by_interval", "kpis_by_replication"]

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


def _percentile_name(percentile: float) -> str:
    return f"wait_p{percentile:g}".replace(".", "_")


def kpi_names(percentile: float) -> tuple[str, ...]:
    """The KPI columns, with the wait percentile's name (``wait_p90`` for 90)."""
    return (
        "offered",
        "answered",
        "abandoned",
        "abandonment",
        "p_wait",
        "service_level",
        "mean_wait",
        "mean_wait_answered",
        _percentile_name(percentile),
        "mean_handle_time",
        "occupancy",
        "mean_concurrency",
        "staffed_agents",
        "offline",
        "unassigned",
        "visitors",
        "chat_rate",
        "saw_wait_message",
        "launcher_hidden",
        "email_capture",
        "csat_mean",
    )


KPI_NAMES = kpi_names(90.0)
"""The KPI columns with the default percentile (90)."""


def _chat_sums(chats: pd.DataFrame, keys: list[str], threshold: float) -> pd.DataFrame:
    kind = chats["record_type"].astype(str)
    answered = kind == RecordType.ANSWERED.value
    abandoned = kind == RecordType.ABANDONED.value
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


def _wait_percentile(chats: pd.DataFrame, keys: list[str], percentile: float) -> pd.Series[float]:
    kind = chats["record_type"].astype(str)
    offered = chats[(kind == RecordType.ANSWERED.value) | (kind == RecordType.ABANDONED.value)]
    return offered.groupby(keys, sort=True)["wait"].quantile(percentile / 100.0)


def _ratio(numerator: pd.Series[float], denominator: pd.Series[float]) -> pd.Series[float]:
    with np.errstate(invalid="ignore", divide="ignore"):
        values = numerator.to_numpy(dtype=float) / denominator.to_numpy(dtype=float)
    values[denominator.to_numpy(dtype=float) == 0.0] = np.nan
    return pd.Series(values, index=numerator.index)


def _derive(sums: pd.DataFrame, percentile: float, minutes: pd.Series[float]) -> pd.DataFrame:
    s = sums
    out = pd.DataFrame(index=s.index)
    out["offered"] = s["offered"]
    out["answered"] = s["answered"]
    out["abandoned"] = s["abandoned"]
    out["abandonment"] = _ratio(s["abandoned"], s["offered"])
    out["p_wait"] = _ratio(s["waited"], s["offered"])
    out["service_level"] = _ratio(s["in_time"], s["offered"])
    out["mean_wait"] = _ratio(s["wait_sum"], s["offered"])
    out["mean_wait_answered"] = _ratio(s["answered_wait_sum"], s["answered"])
    out[_percentile_name(percentile)] = s["wait_percentile"]
    out["mean_handle_time"] = _ratio(s["handle_sum"], s["handled"])
    out["occupancy"] = _ratio(s["chat_minutes"], s["capacity_minutes"])
    out["mean_concurrency"] = _ratio(s["chat_minutes"], s["staffed_minutes"])
    out["staffed_agents"] = _ratio(s["staffed_minutes"], minutes)
    out["offline"] = s["offline"]
    out["unassigned"] = s["unassigned"]
    out["visitors"] = s["visitors"]
    out["chat_rate"] = _ratio(s["chats_started"], s["visitors"])
    out["saw_wait_message"] = _ratio(s["saw_wait_message"], s["visitors"])
    out["launcher_hidden"] = _ratio(s["launcher_hidden"], s["visitors"])
    out["email_capture"] = _ratio(s["email_left"], s["email_asked"])
    out["csat_mean"] = _ratio(s["csat_sum"], s["csat_count"])
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


def _all_sums(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    keys: list[str],
    index: pd.Index,
) -> pd.DataFrame:
    first = round(scenario.warmup_minutes / scenario.kpis.interval_minutes)
    chats = chats[
        (chats["interval"] >= first) & (chats["record_type"].astype(str) != "left_without_chat")
    ]
    agent_time = agent_time[agent_time["interval"] >= first].assign(
        capacity_minutes=lambda f: f["capacity"] * f["staffed_minutes"]
    )
    visitors = visitors[visitors["interval"] >= first]
    threshold = scenario.kpis.service_level_seconds / 60.0
    percentile = scenario.kpis.wait_percentile
    sums = _chat_sums(chats, keys, threshold).reindex(index, fill_value=0)
    sums["wait_percentile"] = _wait_percentile(chats, keys, percentile).reindex(index)
    agents = agent_time.groupby(keys, sort=True)[list(_AGENT_SUMS)].sum()
    sums = sums.join(agents.reindex(index, fill_value=0.0))
    people = visitors.groupby(keys, sort=True)[list(_VISITOR_SUMS)].sum()
    return sums.join(people.reindex(index, fill_value=0))


def kpis_by_interval(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    replications: list[int],
) -> pd.DataFrame:
    """One row per (replication, interval after the warm-up) with every KPI."""
    index, minutes = _grid(scenario, replications)
    sums = _all_sums(scenario, chats, agent_time, visitors, ["replication", "interval"], index)
    return _derive(sums, scenario.kpis.wait_percentile, minutes).reset_index()


def kpis_by_replication(
    scenario: Scenario,
    chats: pd.DataFrame,
    agent_time: pd.DataFrame,
    visitors: pd.DataFrame,
    replications: list[int],
) -> pd.DataFrame:
    """One row per replication with every KPI over the whole run after the warm-up."""
    index = pd.Index(replications, name="replication")
    sums = _all_sums(scenario, chats, agent_time, visitors, ["replication"], index)
    minutes = pd.Series(scenario.duration - scenario.warmup_minutes, index=index, dtype=float)
    return _derive(sums, scenario.kpis.wait_percentile, minutes).reset_index()
