"""Plans (SIM7): agents per group and interval of the week, as agent groups a scenario runs,
and what each group's intervals need.

- :class:`Slot` is an interval of the week in the scenario's time zone (weekday and time of
  day); a :data:`Cell` is a group's slot; a *plan* gives every cell a number of agents on
  the floor. :func:`plan_agents` turns a plan into agent groups with shifts: agent ``k`` of
  a group works the slots whose plan is at least ``k``, with no breaks (the plan counts
  agents available for chats; shrinkage comes on top). Groups kept as written keep their
  scenario shifts.
- :func:`horizon_scenario` is the scenario over the staffing horizon.
- :func:`open_intervals`: which intervals need staff (office hours decide), per group.
- :func:`demand_rates`: each group's chats per minute per interval.
- :func:`group_estimates`: a group's KPIs per interval (its home chats, its agents).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import NamedTuple

import pandas as pd

from reference_server.domain.availability import within_office_hours
from reference_server.domain.chatflow import AvailabilityMode, Weekday
from reference_server.domain.routing import AgentStatus

from ..agents import shift_changes
from ..experiment import ExperimentResult
from ..kpis import kpi_estimates, kpi_sums
from ..records import RecordType
from ..scenario import AgentGroup, Scenario, ScenarioKind, Shift, checked
from ..stats import Estimate
from ..traffic import arrival_segments
from .groups import StaffGroup
from .targets import StaffingError, Target

__all__ = [
    "Cell",
    "Slot",
    "demand_rates",
    "group_estimates",
    "horizon_scenario",
    "open_intervals",
    "plan_agents",
    "slots_of",
]

DAY = 1440
WEEK_DAYS = 7.0
_WEEKDAYS = tuple(Weekday)
# Demand: every chat a visitor started while the chat was open, including messages left
# while nobody was there (away), which staffing that interval would have turned into chats.
_DEMAND_RECORDS = (
    RecordType.ANSWERED.value,
    RecordType.ABANDONED.value,
    RecordType.WAITING.value,
    RecordType.OFFLINE.value,
)


class Slot(NamedTuple):
    """An interval of the week in the scenario's time zone: weekday (0 = Monday) and the
    minute of the day it starts at."""

    weekday: int
    minute: int

    @property
    def label(self) -> str:
        return f"{_WEEKDAYS[self.weekday].value[:3].title()} {hhmm(self.minute)}"


Cell = tuple[str, Slot]
"""A group's slot: ``(group id, slot)``."""


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def slots_of(scenario: Scenario, width: int) -> list[Slot]:
    """The slot of each interval of ``scenario`` (``width`` minutes each)."""
    count = math.ceil(scenario.duration / width)
    start, zone = scenario.start_utc, scenario.zone
    slots = []
    for index in range(count):
        local = (start + timedelta(minutes=index * width)).astimezone(zone)
        minute = (local.hour * 60 + local.minute) // width * width
        slots.append(Slot(local.weekday(), minute))
    return slots


def _day_shifts(weekday: int, minutes: Sequence[int], width: int) -> list[Shift]:
    # Consecutive intervals of one day become one shift; a whole day becomes two (a shift
    # must end at another time of day than it starts).
    shifts: list[Shift] = []
    days = (_WEEKDAYS[weekday],)
    run_start = previous = minutes[0]
    for minute in [*minutes[1:], -1]:
        if minute == previous + width:
            previous = minute
            continue
        end = previous + width
        if run_start == 0 and end == DAY:
            shifts.append(Shift(start="00:00", end="12:00", days=days))
            shifts.append(Shift(start="12:00", end="24:00", days=days))
        else:
            shifts.append(Shift(start=hhmm(run_start), end=hhmm(end), days=days))
        run_start = previous = minute
    return shifts


def group_agents(plan: Mapping[Slot, int], template: AgentGroup, width: int) -> list[AgentGroup]:
    """One group's plan (agents per slot) as agent groups of one agent each: agent ``k``
    (``<template id>-k``) works every slot whose plan is at least ``k``."""
    most = max(plan.values(), default=0)
    groups: list[AgentGroup] = []
    for k in range(1, most + 1):
        by_day: dict[int, list[int]] = {}
        for slot in sorted(plan):
            if plan[slot] >= k:
                by_day.setdefault(slot.weekday, []).append(slot.minute)
        shifts = [
            shift
            for weekday, minutes in sorted(by_day.items())
            for shift in _day_shifts(weekday, minutes, width)
        ]
        groups.append(replace(template, id=f"{template.id}-{k}", count=1, shifts=tuple(shifts)))
    return groups


def plan_agents(
    plan: Mapping[Cell, int], groups: Sequence[StaffGroup], width: int
) -> tuple[AgentGroup, ...]:
    """The agent groups that staff ``plan``: planned groups by :func:`group_agents`, the
    others as written."""
    result: list[AgentGroup] = []
    for group in groups:
        if not group.planned:
            result += group.written
            continue
        mine = {slot: count for (name, slot), count in plan.items() if name == group.id}
        result += group_agents(mine, group.template, width)
    return tuple(result)


def planned_ids(plan: Mapping[Cell, int], group: StaffGroup) -> tuple[str, ...]:
    """The agent ids :func:`plan_agents` gives ``group``."""
    if not group.planned:
        return group.written_ids
    most = max((count for (name, _), count in plan.items() if name == group.id), default=0)
    return tuple(f"{group.template.id}-{k}" for k in range(1, most + 1))


# ---------------------------------------------------------------- the horizon


def horizon_scenario(scenario: Scenario, days: float | None, targets: Sequence[Target]) -> Scenario:
    """``scenario`` run for its warm-up plus ``days`` (``None``: the scenario's length, at
    most a week), with its KPI settings set to the targets' service-level threshold and
    wait percentile."""
    available = (scenario.duration - scenario.warmup_minutes) / DAY
    horizon = min(available, WEEK_DAYS) if days is None else days
    if not 0.0 < horizon <= WEEK_DAYS:
        raise StaffingError(f"days must be more than 0 and at most 7 (a week); got {days}")
    kpis = scenario.kpis
    for target in targets:
        if target.threshold_minutes is not None:
            kpis = replace(kpis, service_level_seconds=target.threshold_minutes * 60.0)
        if target.percentile is not None:
            kpis = replace(kpis, wait_percentile=target.percentile)
    return checked(
        replace(
            scenario,
            duration_days=None,
            duration_minutes=scenario.warmup_minutes + horizon * DAY,
            kpis=kpis,
        )
    )


# ---------------------------------------------------------------- which intervals need staff


def _on_shift(scenario: Scenario, groups: Sequence[AgentGroup], width: float) -> list[bool]:
    # Intervals in which any of ``groups`` is on shift for part of it.
    count = math.ceil(scenario.duration / width)
    is_open = [False] * count
    duration = scenario.duration
    for group in groups:
        if group.count == 0:
            continue
        changes = shift_changes(group.shifts, scenario.start_utc, scenario.zone, duration)
        ends = [moment for moment, _ in changes[1:]] + [duration]
        for (begin, status), end in zip(changes, ends, strict=True):
            if status is AgentStatus.OFFLINE:
                continue
            for index in range(int(begin // width), min(math.ceil(end / width), count)):
                is_open[index] = True
    return is_open


def open_intervals(scenario: Scenario, group: StaffGroup, width: float) -> list[bool]:
    """Which intervals ``group`` must staff: those in which the chat of one of its home chat
    types is open for part of it.

    In a funnel each chatflow says when (AV1, AV2): with office hours, while the office is
    open (:func:`availability.within_office_hours`, minute by minute); open around the
    clock (``always``), always; following the agents (``user_availability``), while the
    scenario as written has somebody of the group on shift. A plain pool has no chatflow:
    it is open while somebody is on shift as written."""
    count = math.ceil(scenario.duration / width)
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        return _on_shift(scenario, scenario.agents, width)
    flows = {flow_id for flow_id, _ in group.home}
    is_open = [False] * count
    start = scenario.start_utc
    for flow in scenario.chatflows:
        if flow.id not in flows:
            continue
        settings = flow.build.availability
        if settings.mode is AvailabilityMode.ALWAYS:
            return [True] * count
        if settings.mode is AvailabilityMode.USER_AVAILABILITY:
            on_shift = _on_shift(scenario, group.written, width)
            is_open = [a or b for a, b in zip(is_open, on_shift, strict=True)]
            continue
        for index in range(count):
            if is_open[index]:
                continue
            minutes = range(int(index * width), int(min((index + 1) * width, scenario.duration)))
            is_open[index] = any(
                within_office_hours(settings, start + timedelta(minutes=minute))
                for minute in minutes
            )
    return is_open


# ---------------------------------------------------------------- demand and KPIs per group


def _length(scenario: Scenario, width: float, index: int) -> float:
    return min(width, scenario.duration - index * width)


def _profile_rates(scenario: Scenario, width: float) -> list[float]:
    # Chats per minute per interval from the hour-of-week profile (plain pool).
    count = math.ceil(scenario.duration / width)
    totals = [0.0] * count
    pieces = arrival_segments(
        scenario.traffic, scenario.start_utc, scenario.zone, scenario.duration
    )
    for begin, end, rate in pieces:
        for index in range(int(begin // width), min(math.ceil(end / width), count)):
            overlap = min(end, (index + 1) * width) - max(begin, index * width)
            totals[index] += rate * max(overlap, 0.0)
    return [total / _length(scenario, width, i) for i, total in enumerate(totals)]


def _home_chats(records: pd.DataFrame, group: StaffGroup) -> pd.Series[bool]:
    keys = pd.Series(list(zip(records["chatflow"], records["page"], strict=True)), dtype=object)
    return pd.Series(keys.isin(list(group.home)).to_numpy(), index=records.index)


def demand_rates(pilot: ExperimentResult, group: StaffGroup, width: float) -> list[float]:
    """``group``'s chats per minute per interval: in a plain pool, the hour-of-week profile;
    in a funnel, the chats its home chat types started in the pilot (the scenario as
    written), offline messages included (see :data:`_DEMAND_RECORDS`)."""
    scenario = pilot.scenario
    count = math.ceil(scenario.duration / width)
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        return _profile_rates(scenario, width)
    records = pilot.records
    chats = records[records["record_type"].astype(str).isin(_DEMAND_RECORDS)]
    chats = chats[_home_chats(chats, group)]
    counts = chats.groupby("interval").size()
    return [
        float(counts.get(i, 0)) / pilot.replications / _length(scenario, width, i)
        for i in range(count)
    ]


def _from_frame(frame: pd.DataFrame, kpis: Sequence[str]) -> dict[str, dict[int, Estimate]]:
    table: dict[str, dict[int, Estimate]] = {kpi: {} for kpi in kpis}
    rows = frame[frame["kpi"].isin(list(kpis))]
    for kpi, interval, mean, low, high, n, observations, few in zip(
        rows["kpi"],
        rows["interval"],
        rows["mean"],
        rows["ci_low"],
        rows["ci_high"],
        rows["n"],
        rows["observations"],
        rows["few"],
        strict=True,
    ):
        table[kpi][int(interval)] = Estimate(
            float(mean), float(low), float(high), int(n), 0.95, float(observations), bool(few)
        )
    return table


def group_estimates(
    result: ExperimentResult,
    group: StaffGroup,
    agent_ids: Sequence[str],
    kpis: Sequence[str],
    everything: bool = False,
) -> dict[str, dict[int, Estimate]]:
    """Per KPI and interval, the estimate over ``group``'s home chats and ``agent_ids``
    (visitor shares over every visitor). ``everything``: the group is the whole scenario
    (one group home to every chat): the experiment's own estimates."""
    if everything:
        return _from_frame(result.interval_kpis, kpis)
    scenario = result.scenario
    records = result.records
    mine = records[_home_chats(records, group)] if len(records) else records
    agent_time = result.agent_time
    if len(agent_time):
        agent_time = agent_time[agent_time["agent"].isin(list(agent_ids))]
    numbers = list(range(result.replications))
    sums = kpi_sums(scenario, mine, agent_time, result.visitors, numbers)
    frame, _ = kpi_estimates(scenario, sums)
    return _from_frame(frame, kpis)
