"""Staffing (SIM7): the fewest agents per interval that meet a target, checked by simulation.

A capacity planner asks: *how many agents do we need, interval by interval, so that 80% of
chats are answered within a minute?* :func:`run_staffing` answers in four steps.

1. **Demand.** The staffing horizon is ``days`` (at most a week) of the scenario's KPI
   intervals after its warm-up. The chat arrival rate per interval comes from the
   hour-of-week profile (plain pool: every arrival is a chat) or, in a funnel, from a
   *pilot*: a simulation of the scenario as written, whose visitors' offered chats are
   counted per interval. The pilot runs for both kinds; it also gives the "as written"
   columns beside the plan.
2. **Erlang.** Per interval, Erlang C (M/M/c) and Erlang A (M/M/c+M, Garnett, Mandelbaum &
   Reiman 2002) give the fewest agents for the targets they have a figure for
   (:mod:`simulator.analytic`; see :func:`erlang_agents`). *Servers:* an agent who takes up
   to ``K`` chats is ``K`` Erlang servers, so ``agents = ceil(c / K)``; each server's mean
   handling time is the scenario's handling time divided by the speed curve at ``K`` chats,
   ``AHT / speed(K)``. With a linear speed curve (``slowdown: 0``: each chat goes as fast
   as if it were alone) this is exact; with a slowdown it is the pessimistic reading (when
   chats queue, every agent is full, and each chat then takes ``AHT / speed(K)``).
   Patience enters Erlang A by its mean (exact for exponential patience).
3. **The plan as a scenario.** A plan gives every interval of the week (a
   :class:`Slot`: weekday and time of day, in the scenario's time zone) a number of agents.
   :func:`plan_agents` turns it into agent groups with shifts: agent ``k`` works the
   intervals whose plan is at least ``k``. The plan's agents are alike: copies of one
   *template* group (``group``; default the scenario's largest) with every skill and team of
   the scenario's agents, so any chat can go to any of them (one pool, as Erlang assumes);
   they take no breaks (the plan counts agents available for chats: add shrinkage on top).
   Everything else — traffic, chatflows, routing strategy, patience — is the scenario's.
4. **Search, by simulation.** Every simulation runs ``replications`` replications from the
   same ``seed`` (common random numbers: in a plain pool the arrivals, handling times and
   patiences are then identical whatever the staffing). From the Erlang A plan:

   - *up*: intervals that miss the target get more agents (1, 1, 2, 4, … in successive
     rounds) until every interval meets it;
   - *down*: intervals not yet known to be minimal get one agent fewer — every second
     interval at once (even intervals, then odd ones), since an interval's KPIs depend on
     its neighbours only through the backlog they leave — and keep it if they still meet
     the target; then *up* again, until no interval can lose an agent.

   An interval is *minimal* when one agent fewer missed the target in some round (or it is
   at ``min_agents``). The plan's KPIs are those of the final simulation of the plan.

**Meeting a target** (:class:`MeetRule`): ``mean`` (default) — the mean over replications
of the interval's KPI meets the bound; ``ci`` — the whole 95% confidence interval does
(its pessimistic end; the mean when there is only one replication). A KPI that is undefined
in an interval (no chat was offered in any replication) meets every target.

**Which intervals get agents.** The intervals in which the chat is open are *open* (see
:func:`_open_intervals`: office hours decide; a chatflow open around the clock is always
open; one that follows the agents, and a plain pool, are open while the scenario as written
has somebody on shift); they get at least ``min_agents`` (default 1). The others are closed
for every method — no demand, no Erlang figure, no agents — and the plan keeps them so
(with ``all_hours`` every interval with chats is open). Chats started while the chat is
closed (messages left offline) are not staffable demand. Warm-up intervals that no horizon
interval shares a slot with keep the Erlang A figure.

Targets (:func:`parse_targets`) are KPIs of :mod:`simulator.kpis` that improve with more
agents, written ``service_level=0.8@60s`` (at least 80% answered within 60 s),
``abandonment<=0.05``, ``mean_wait<=30s``; see :func:`parse_targets` for the rest.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from reference_server.domain.availability import within_office_hours
from reference_server.domain.chatflow import AssignmentSettings, AvailabilityMode, Weekday
from reference_server.domain.routing import AgentStatus

from .agents import shift_changes
from .analytic import erlang_a_metrics, erlang_c_metrics, servers_needed
from .experiment import ExperimentResult, Progress, run_experiment
from .records import RecordType
from .scenario import AgentGroup, Scenario, ScenarioKind, Shift, checked
from .stats import Estimate
from .visitors import arrival_segments

__all__ = [
    "ErlangModel",
    "MeetRule",
    "Slot",
    "StaffingError",
    "StaffingOptions",
    "StaffingResult",
    "StaffingRow",
    "Target",
    "TargetError",
    "erlang_agents",
    "horizon_scenario",
    "parse_targets",
    "plan_agents",
    "run_staffing",
]

_DAY = 1440
_WEEK_DAYS = 7.0
_WEEKDAYS = tuple(Weekday)
_REPAIRS = 3  # rounds of "one more agent where the whole plan misses" at the end
# Demand: every chat a visitor started, including messages left while nobody was on duty
# (offline or away), which staffing that interval would have turned into live chats.
_CHAT_RECORDS = (
    RecordType.ANSWERED.value,
    RecordType.ABANDONED.value,
    RecordType.WAITING.value,
    RecordType.OFFLINE.value,
)


class StaffingError(ValueError):
    """The scenario or the options cannot be staffed as asked (the message says why)."""


class TargetError(StaffingError):
    """A target text could not be read (the message says what is wrong and how to write it)."""


# ---------------------------------------------------------------- targets


class _Unit(StrEnum):
    SHARE = "share"  # a fraction from 0 to 1
    WAIT = "wait"  # minutes


# KPI -> (unit, whether more agents make it larger). Only KPIs that improve with more agents.
_TARGET_KPIS: dict[str, tuple[_Unit, bool]] = {
    "service_level": (_Unit.SHARE, True),
    "abandonment": (_Unit.SHARE, False),
    "p_wait": (_Unit.SHARE, False),
    "saw_wait_message": (_Unit.SHARE, False),
    "launcher_hidden": (_Unit.SHARE, False),
    "mean_wait": (_Unit.WAIT, False),
    "mean_wait_answered": (_Unit.WAIT, False),
}
_PERCENTILE_KPI = re.compile(r"^wait_p(\d+(?:_\d+)?)$")
_TARGET = re.compile(r"^([A-Za-z_0-9]+)\s*(<=|>=|=)\s*([^@]*?)\s*(?:@\s*(.*?))?$")
_TIME = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|seconds?|m|min|minutes?)$")
_PER_MINUTE = {"s": 60.0, "m": 1.0}  # seconds or minutes in a minute
_KNOWN = "service_level, abandonment, mean_wait, mean_wait_answered, p_wait, wait_pNN, " + (
    "saw_wait_message, launcher_hidden"
)


@dataclass(frozen=True, slots=True)
class Target:
    """One staffing target: ``kpi`` at least (``at_least``) or at most ``bound``.

    ``bound`` is a fraction for shares and minutes for waits. ``threshold_minutes``: the
    service level's "answered within" (``None``: the scenario's ``kpis.service_level_seconds``).
    ``percentile``: for ``wait_pNN``, the NN.
    """

    kpi: str
    bound: float
    at_least: bool = False
    threshold_minutes: float | None = None
    percentile: float | None = None

    @property
    def is_wait(self) -> bool:
        return self.kpi not in _TARGET_KPIS or _TARGET_KPIS[self.kpi][0] is _Unit.WAIT

    def meets(self, value: float) -> bool:
        """Whether a KPI value meets the target (an undefined value, NaN, does)."""
        if math.isnan(value):
            return True
        return value >= self.bound if self.at_least else value <= self.bound

    def meets_estimate(self, estimate: Estimate, rule: MeetRule) -> bool:
        """Whether an estimate meets the target by ``rule`` (see the module docstring)."""
        value = estimate.mean
        if rule is MeetRule.CI:
            end = estimate.ci_low if self.at_least else estimate.ci_high
            value = value if math.isnan(end) else end
        return self.meets(value)

    @property
    def text(self) -> str:
        """The target in the form :func:`parse_targets` reads."""
        sign = ">=" if self.at_least else "<="
        bound = f"{_seconds(self.bound)}s" if self.is_wait else f"{self.bound:g}"
        within = "" if self.threshold_minutes is None else f"@{_seconds(self.threshold_minutes)}s"
        return f"{self.kpi}{sign}{bound}{within}"

    @property
    def label(self) -> str:
        """The target in words, for reports: ``service level ≥ 80% within 60 s``."""
        sign = "≥" if self.at_least else "≤"
        bound = f"{_seconds(self.bound)} s" if self.is_wait else f"{100.0 * self.bound:g}%"
        within = (
            ""
            if self.threshold_minutes is None
            else f" within {_seconds(self.threshold_minutes)} s"
        )
        name = (
            self.kpi.replace("_", " ")
            if self.percentile is None
            else f"{self.percentile:g}th percentile of the wait"
        )
        return f"{name} {sign} {bound}{within}"


def _seconds(minutes: float) -> str:
    return f"{minutes * 60.0:g}"


def _minutes(text: str, what: str) -> float:
    match = _TIME.match(text.strip().lower())
    if match is None:
        raise TargetError(f"{what} needs a time with a unit, e.g. 30s or 2m; got {text!r}")
    return float(match.group(1)) / _PER_MINUTE[match.group(2)[0]]


def _share(text: str, what: str) -> float:
    value = text.strip()
    try:
        number = float(value[:-1]) / 100.0 if value.endswith("%") else float(value)
    except ValueError:
        raise TargetError(
            f"{what} needs a fraction from 0 to 1 (0.8 or 80%); got {text!r}"
        ) from None
    if not 0.0 <= number <= 1.0:
        raise TargetError(f"{what} needs a fraction from 0 to 1 (0.8 or 80%); got {text!r}")
    return number


def _parse_one(text: str) -> Target:
    match = _TARGET.match(text.strip())
    if match is None:
        raise TargetError(
            f"cannot read target {text!r}: write KPI<=VALUE, KPI>=VALUE or "
            "service_level=FRACTION@TIME, e.g. service_level=0.8@60s, abandonment<=0.05, "
            "mean_wait<=30s"
        )
    kpi, sign, value, within = match.groups()
    percentile: float | None = None
    found = _PERCENTILE_KPI.match(kpi)
    if found is not None:
        percentile = float(found.group(1).replace("_", "."))
        if not 0.0 < percentile < 100.0:
            raise TargetError(f"{kpi}: the percentile must be between 0 and 100")
        unit, larger_is_better = _Unit.WAIT, False
    elif kpi in _TARGET_KPIS:
        unit, larger_is_better = _TARGET_KPIS[kpi]
    else:
        raise TargetError(f"unknown KPI {kpi!r} in {text!r}: staffing targets are {_KNOWN}")
    wanted = ">=" if larger_is_better else "<="
    if sign not in ("=", wanted):
        raise TargetError(
            f"more agents make {kpi} {'larger' if larger_is_better else 'smaller'}, so a "
            f"staffing target for it reads {kpi}{wanted}VALUE (or {kpi}=VALUE); got {text!r}"
        )
    if within is not None and kpi != "service_level":
        raise TargetError(f"only service_level takes @TIME (answered within); got {text!r}")
    threshold = None if within is None else _minutes(within, "service_level's @TIME")
    bound = _minutes(value, kpi) if unit is _Unit.WAIT else _share(value, kpi)
    # A bound that no finite number of agents can promise would send the search to the cap.
    if unit is _Unit.WAIT and bound <= 0.0:
        raise TargetError(f"{kpi} must be allowed more than 0 s; got {text!r}")
    if unit is _Unit.SHARE and (bound >= 1.0 if larger_is_better else bound <= 0.0):
        limit = "below 1 (100%)" if larger_is_better else "above 0"
        raise TargetError(f"{kpi}'s bound must be {limit}; got {text!r}")
    return Target(kpi, bound, larger_is_better, threshold, percentile)


def parse_targets(texts: Iterable[str]) -> tuple[Target, ...]:
    """Read staffing targets; each text holds one or more, separated by commas.

    Forms: ``service_level=0.8@60s`` (or ``>=``; ``80%``; ``@1m``; without ``@TIME`` the
    scenario's threshold), ``abandonment<=0.05``, ``p_wait<=0.3``, ``mean_wait<=30s``,
    ``mean_wait_answered<=1m``, ``wait_p90<=2m``, ``saw_wait_message<=0.1``,
    ``launcher_hidden<=0.02``. ``=`` means the KPI's better side (at least for the service
    level, at most for the others). Times need a unit (``s`` or ``m``). Raises
    :class:`TargetError` saying what is wrong.
    """
    targets: list[Target] = []
    for text in texts:
        for part in text.split(","):
            if part.strip():
                targets.append(_parse_one(part))
    if not targets:
        raise TargetError("give at least one target, e.g. --target service_level=0.8@60s")
    seen: set[str] = set()
    for target in targets:
        if target.kpi in seen:
            raise TargetError(f"two targets for {target.kpi}: give one")
        seen.add(target.kpi)
    if sum(target.percentile is not None for target in targets) > 1:
        raise TargetError("give at most one wait percentile target (wait_pNN)")
    return tuple(targets)


# ---------------------------------------------------------------- Erlang figures


class ErlangModel(StrEnum):
    C = "erlang_c"  # M/M/c: nobody gives up
    A = "erlang_a"  # M/M/c+M: exponential patience


class MeetRule(StrEnum):
    MEAN = "mean"  # the mean over replications meets the bound
    CI = "ci"  # the whole 95% confidence interval does


_Spec = tuple[float, str, float, bool]  # (threshold, figure, bound, whether at least)


def _erlang_specs(model: ErlangModel, targets: Sequence[Target]) -> list[_Spec]:
    # Per target the model has a figure for: which figure, at which threshold, which bound.
    specs: list[_Spec] = []
    for target in targets:
        kpi = target.kpi
        if kpi == "service_level":
            if target.threshold_minutes is None:
                raise StaffingError("the service level target needs its threshold (@TIME)")
            specs.append((target.threshold_minutes, "service_level", target.bound, True))
        elif kpi in ("mean_wait", "p_wait"):
            specs.append((0.0, kpi, target.bound, False))
        elif kpi == "abandonment" and model is ErlangModel.A:
            specs.append((0.0, "p_abandon", target.bound, False))
        elif target.percentile is not None and model is ErlangModel.C:
            # Nobody gives up in M/M/c: the NN-th percentile of the wait is at most t
            # exactly when P(W <= t) >= NN%.
            specs.append((target.bound, "service_level", target.percentile / 100.0, True))
    return specs


def erlang_agents(
    model: ErlangModel,
    arrival_rate: float,
    handling_time: float,
    patience: float,
    targets: Sequence[Target],
    capacity: int = 1,
) -> int | None:
    """The fewest agents Erlang C or Erlang A says meet every target it has a figure for.

    ``arrival_rate``: chats per minute; ``handling_time``: mean minutes per chat per server;
    ``patience``: mean minutes (``inf``: nobody gives up; Erlang C ignores it). An agent is
    ``capacity`` servers. Erlang C has figures for ``service_level``, ``mean_wait``,
    ``p_wait`` and ``wait_pNN``; Erlang A for ``service_level``, ``abandonment``,
    ``mean_wait`` and ``p_wait`` (over all arrivals, as the simulator counts them).
    ``None``: the model has a figure for none of the targets, or no staffing up to ten
    standard deviations above the load meets them. No arrivals need 0 agents.
    """
    specs = _erlang_specs(model, targets)
    if not specs:
        return None
    load = arrival_rate * handling_time
    if load <= 0.0:
        return 0

    def meets(servers: int) -> bool:
        for threshold, figure, bound, at_least in specs:
            if model is ErlangModel.C:
                value = getattr(
                    erlang_c_metrics(arrival_rate, handling_time, servers, threshold), figure
                )
            else:
                value = getattr(
                    erlang_a_metrics(arrival_rate, handling_time, patience, servers, threshold),
                    figure,
                )
            if (value < bound) if at_least else (value > bound):
                return False
        return True

    # M/M/c is unstable at c <= load; M/M/c+M is stable with any c >= 1.
    low = math.floor(load) + 1 if model is ErlangModel.C else 1
    high = math.ceil(load + 10.0 * math.sqrt(load) + 20.0)
    try:
        servers = servers_needed(meets, low, high)
    except ValueError:
        return None
    return math.ceil(servers / capacity)


# ---------------------------------------------------------------- the plan as agent groups


class Slot(NamedTuple):
    """An interval of the week in the scenario's time zone: weekday (0 = Monday) and the
    minute of the day it starts at."""

    weekday: int
    minute: int

    @property
    def label(self) -> str:
        return f"{_WEEKDAYS[self.weekday].value[:3].title()} {_hhmm(self.minute)}"


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


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
        if run_start == 0 and end == _DAY:
            shifts.append(Shift(start="00:00", end="12:00", days=days))
            shifts.append(Shift(start="12:00", end="24:00", days=days))
        else:
            shifts.append(Shift(start=_hhmm(run_start), end=_hhmm(end), days=days))
        run_start = previous = minute
    return shifts


def plan_agents(
    plan: Mapping[Slot, int], template: AgentGroup, width: int
) -> tuple[AgentGroup, ...]:
    """Agent groups that staff ``plan`` (agents per slot of ``width`` minutes): agent ``k``
    (group ``plan-k``, one agent) works every slot whose plan is at least ``k``; each is a
    copy of ``template`` (capacity, speed, skills, teams, seat) with those shifts."""
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
        groups.append(replace(template, id=f"plan-{k}", count=1, shifts=tuple(shifts)))
    return tuple(groups)


# ---------------------------------------------------------------- options and results


@dataclass(frozen=True)
class StaffingOptions:
    """How to staff: ``days`` of horizon after the warm-up (at most 7, past the scenario's
    end if need be; ``None``: the scenario's length, at most a week), ``replications`` per
    simulation from ``seed``, ``workers`` processes (``None``: one per CPU), the template
    agent ``group`` (``None``: the largest), at least ``min_agents`` (1 or more: an open
    interval needs someone) and at most ``max_agents`` per open interval, the
    :class:`MeetRule`, at most ``max_rounds`` simulations in the search, and with
    ``all_hours`` every interval with chats is open, not only those the scenario staffs."""

    days: float | None = None
    replications: int = 5
    seed: int = 1
    workers: int | None = None
    group: str | None = None
    min_agents: int = 1
    max_agents: int = 500
    rule: MeetRule = MeetRule.MEAN
    max_rounds: int = 30
    all_hours: bool = False


@dataclass(frozen=True)
class StaffingRow:
    """One interval of the horizon.

    ``chats_per_hour``: the demand Erlang was given (0 when closed). ``as_written``:
    agents at work on average in the scenario as written (the pilot). ``erlang_c`` /
    ``erlang_a``: their agent counts (``None``: no figure for these targets).
    ``agents``: the plan, checked by simulation. ``kpis``: the target KPIs (and
    ``offered``, ``occupancy``) under the plan; ``as_written_kpis``: the target KPIs in
    the pilot. ``meets``: the plan meets every target here; ``minimal``: one agent fewer
    was seen to miss it (or it is at ``min_agents``); ``open``: the chat is open here
    (see :func:`_open_intervals`); a closed interval has 0 agents, 0 chats per hour and 0
    in both Erlang columns.
    """

    interval: int
    start: datetime
    slot: Slot
    open: bool
    chats_per_hour: float
    as_written: float
    erlang_c: int | None
    erlang_a: int | None
    agents: int
    meets: bool
    minimal: bool
    kpis: Mapping[str, Estimate] = field(default_factory=dict)
    as_written_kpis: Mapping[str, Estimate] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class StaffingResult:
    """What :func:`run_staffing` found (see :class:`StaffingRow` for the table).

    ``scenario``: the scenario over the staffing horizon, as written; ``plan_scenario``: the
    same with the plan's agents (simulate it to see the plan at work); ``final`` / ``pilot``:
    the simulations of the plan and of the scenario as written. ``converged``: the search
    ended before ``max_rounds``.
    """

    scenario: Scenario
    plan_scenario: Scenario
    targets: tuple[Target, ...]
    options: StaffingOptions
    template: AgentGroup
    handling_time: float
    patience: float
    rows: tuple[StaffingRow, ...]
    final: ExperimentResult
    pilot: ExperimentResult
    simulations: int
    converged: bool
    elapsed_seconds: float

    @property
    def meets(self) -> bool:
        """Whether the plan meets every target in every open interval."""
        return all(row.meets for row in self.rows if row.open)

    @property
    def demand_kept(self) -> float:
        """Chats offered under the plan / chats offered as written, in open intervals (NaN
        without any). Below 1, the plan's fuller queues kept visitors from chatting (a
        hidden launcher, a wait message): add a ``launcher_hidden`` or
        ``saw_wait_message`` target if that matters."""
        rows = [row for row in self.rows if row.open]
        offered = sum(_count(row.kpis["offered"]) for row in rows)
        before = sum(_count(row.as_written_kpis["offered"]) for row in rows)
        return offered / before if before > 0 else math.nan

    def agent_hours(self, column: str = "agents") -> float:
        """Agent-hours over the horizon of ``agents``, ``erlang_c``, ``erlang_a`` or
        ``as_written``: the column's sum times the interval's length (intervals without a
        figure count 0; closed intervals are 0 in every column but ``as_written``)."""
        hours = self.scenario.kpis.interval_minutes / 60.0
        return sum(float(getattr(row, column) or 0.0) * hours for row in self.rows)


def _count(estimate: Estimate) -> float:
    return 0.0 if math.isnan(estimate.mean) else estimate.mean


# ---------------------------------------------------------------- the scenario over the horizon


def horizon_scenario(scenario: Scenario, days: float | None, targets: Sequence[Target]) -> Scenario:
    """``scenario`` run for its warm-up plus ``days`` (see :class:`StaffingOptions`), with
    its KPI settings set to the targets' service-level threshold and wait percentile."""
    available = (scenario.duration - scenario.warmup_minutes) / _DAY
    horizon = min(available, _WEEK_DAYS) if days is None else days
    if not 0.0 < horizon <= _WEEK_DAYS:
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
            duration_minutes=scenario.warmup_minutes + horizon * _DAY,
            kpis=kpis,
        )
    )


def _check_staffable(scenario: Scenario, options: StaffingOptions) -> int:
    """The interval width in whole minutes; raises :class:`StaffingError` when the scenario
    or the options cannot be staffed."""
    width = scenario.kpis.interval_minutes
    if width != int(width) or _DAY % int(width):
        raise StaffingError(
            f"kpis.interval_minutes must divide a day in whole minutes (15, 30, 60…); got {width:g}"
        )
    local = scenario.start_utc.astimezone(scenario.zone)
    if (local.hour * 60 + local.minute) % int(width):
        raise StaffingError(
            f"start must fall on an interval boundary of the day ({int(width)} minutes) to plan "
            f"shifts; got {scenario.start}"
        )
    settings: list[tuple[str, AssignmentSettings]] = [("assignment", scenario.assignment)]
    settings += [
        (f"chatflows[{i}].build.assignment", flow.build.assignment)
        for i, flow in enumerate(scenario.chatflows)
    ]
    used = settings[1:] if scenario.kind is ScenarioKind.FUNNEL else settings[:1]
    for path, assignment in settings:
        if assignment.user_ids:
            raise StaffingError(
                f"{path}.user_ids names agents, but a staffing plan replaces the scenario's "
                "agents: route by teams or skills instead"
            )
    if not scenario.agent_ids:
        raise StaffingError(
            "the scenario has no agents: give it an agent group (the plan's agents copy it, "
            "and its shifts say when the chat is open)"
        )
    if all(not assignment.enabled for _, assignment in used):
        raise StaffingError("assignment is off: chats never queue, so there is nothing to staff")
    if options.replications < 1:
        raise StaffingError(f"replications must be at least 1; got {options.replications}")
    if not 1 <= options.min_agents <= options.max_agents:
        raise StaffingError(
            "need 1 <= min_agents <= max_agents (an open interval needs someone); got "
            f"{options.min_agents} and {options.max_agents}"
        )
    if options.max_rounds < 1:
        raise StaffingError(f"max_rounds must be at least 1; got {options.max_rounds}")
    return int(width)


def _template(scenario: Scenario, group: str | None) -> AgentGroup:
    skills = tuple(sorted({skill for g in scenario.agents for skill in g.skills}))
    teams = tuple(sorted({team for g in scenario.agents for team in g.team_ids}))
    if group is not None:
        chosen = [g for g in scenario.agents if g.id == group]
        if not chosen:
            names = ", ".join(g.id for g in scenario.agents) or "none"
            raise StaffingError(f"no agent group {group!r} in the scenario (groups: {names})")
        base = chosen[0]
    else:
        base = max(scenario.agents, key=lambda g: g.count)  # the first of the largest
    return replace(base, skills=skills, team_ids=teams, shifts=())


def _on_shift_intervals(scenario: Scenario, width: float, count: int) -> list[bool]:
    # Intervals in which any agent of the scenario is on shift for part of it.
    is_open = [False] * count
    duration = scenario.duration
    for group in scenario.agents:
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


def _open_intervals(scenario: Scenario, width: float, count: int) -> list[bool]:
    """Which intervals need staff: those in which the chat is open for part of it.

    In a funnel each chatflow says when (AV1, AV2): with office hours, while the office is
    open (:func:`availability.within_office_hours`, minute by minute); open around the
    clock (``always``), always; following the agents (``user_availability``), while the
    scenario as written has somebody on shift. A plain pool has no chatflow: it is open
    while somebody is on shift as written."""
    on_shift: list[bool] | None = None
    if scenario.kind is ScenarioKind.PLAIN_POOL:
        return _on_shift_intervals(scenario, width, count)
    is_open = [False] * count
    start = scenario.start_utc
    for flow in scenario.chatflows:
        settings = flow.build.availability
        if settings.mode is AvailabilityMode.ALWAYS:
            return [True] * count
        if settings.mode is AvailabilityMode.USER_AVAILABILITY:
            on_shift = on_shift or _on_shift_intervals(scenario, width, count)
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


def _profile_rates(scenario: Scenario, width: float, count: int) -> list[float]:
    # Chats per minute per interval from the hour-of-week profile (plain pool).
    totals = [0.0] * count
    pieces = arrival_segments(
        scenario.traffic, scenario.start_utc, scenario.zone, scenario.duration
    )
    for begin, end, rate in pieces:
        for index in range(int(begin // width), min(math.ceil(end / width), count)):
            overlap = min(end, (index + 1) * width) - max(begin, index * width)
            totals[index] += rate * max(overlap, 0.0)
    return [total / _length(scenario, width, i) for i, total in enumerate(totals)]


def _length(scenario: Scenario, width: float, index: int) -> float:
    return min(width, scenario.duration - index * width)


def _pilot_rates(pilot: ExperimentResult, width: float, count: int) -> list[float]:
    # Chats per minute per interval that the funnel offered to agents in the pilot.
    records = pilot.records
    chats = records[records["record_type"].astype(str).isin(_CHAT_RECORDS)]
    counts = chats.groupby("interval").size()
    scenario = pilot.scenario
    return [
        float(counts.get(i, 0)) / pilot.replications / _length(scenario, width, i)
        for i in range(count)
    ]


def _estimates(result: ExperimentResult, kpis: Sequence[str]) -> dict[str, dict[int, Estimate]]:
    frame = result.interval_kpis
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


# ---------------------------------------------------------------- the search


class _Search:
    """The state of one staffing search (see the module docstring, step 4)."""

    def __init__(
        self,
        scenario: Scenario,
        template: AgentGroup,
        targets: tuple[Target, ...],
        options: StaffingOptions,
        width: int,
        progress: Progress | None,
        on_stage: Callable[[str], None] | None,
    ) -> None:
        self.scenario = scenario
        self.template = template
        self.targets = targets
        self.options = options
        self.width = width
        self.progress = progress
        self.on_stage = on_stage
        self.simulations = 0
        count = math.ceil(scenario.duration / width)
        start = scenario.start_utc
        zone = scenario.zone
        self.slots: list[Slot] = []
        for index in range(count):
            local = (start + timedelta(minutes=index * width)).astimezone(zone)
            minute = (local.hour * 60 + local.minute) // width * width
            self.slots.append(Slot(local.weekday(), minute))
        self.first = round(scenario.warmup_minutes / width)
        self.horizon = range(self.first, count)
        self.evaluated: dict[Slot, list[int]] = {}
        for index in self.horizon:
            self.evaluated.setdefault(self.slots[index], []).append(index)
        self.kpis = [target.kpi for target in targets]
        self.rounds = 0  # simulations of the search (the pilot not counted)

    def stage(self, text: str) -> None:
        if self.on_stage is not None:
            self.on_stage(text)

    def simulate(self, plan: Mapping[Slot, int], text: str) -> ExperimentResult:
        self.simulations += 1
        self.stage(text)
        return run_experiment(
            self.with_plan(plan),
            self.options.replications,
            self.options.seed,
            workers=self.options.workers,
            progress=self.progress,
        )

    def with_plan(self, plan: Mapping[Slot, int]) -> Scenario:
        return replace(self.scenario, agents=plan_agents(plan, self.template, self.width))

    def meeting(self, result: ExperimentResult) -> dict[Slot, bool]:
        """Per slot of the horizon: whether every target is met in each of its intervals."""
        values = _estimates(result, self.kpis)
        rule = self.options.rule

        def meets(index: int) -> bool:
            return all(
                target.meets_estimate(values[target.kpi][index], rule) for target in self.targets
            )

        return {
            slot: all(meets(index) for index in indices) for slot, indices in self.evaluated.items()
        }

    def check(
        self, plan: Mapping[Slot, int], text: str
    ) -> tuple[ExperimentResult, dict[Slot, bool]]:
        result = self.simulate(plan, f"round {self.rounds + 1}: {text}")
        self.rounds += 1
        return result, self.meeting(result)

    def run(
        self, plan: dict[Slot, int], searched: list[Slot]
    ) -> tuple[ExperimentResult, dict[Slot, bool], set[Slot], bool]:
        """Search from ``plan`` (changed in place); returns the final simulation of the plan,
        whether each slot meets the targets, the slots known to be minimal, and whether the
        search finished within ``max_rounds`` simulations (the plan found is always checked
        by a simulation of its own, even past that)."""
        options = self.options
        floor, cap, budget = options.min_agents, options.max_agents, options.max_rounds
        low = {slot: floor - 1 for slot in searched}  # the most agents seen to miss
        high: dict[Slot, int | None] = dict.fromkeys(searched)  # the fewest seen to meet
        finished = True

        # Up: raise the slots that have never met the targets, by 1, 1, 2, 4, ...
        streak = dict.fromkeys(searched, 0)
        while True:
            _, meets = self.check(plan, "checking the plan")
            pending = [slot for slot in searched if high[slot] is None]
            for slot in pending:
                if meets[slot]:
                    high[slot] = plan[slot]
                else:
                    low[slot] = plan[slot]
            pending = [slot for slot in pending if high[slot] is None and plan[slot] < cap]
            if not pending:
                break
            if self.rounds >= budget:
                finished = False
                break
            for slot in pending:
                streak[slot] += 1
                plan[slot] = min(plan[slot] + 2 ** max(streak[slot] - 2, 0), cap)

        # Down: below the fewest seen to meet, galloping (1, 2, 4 fewer) until a count misses,
        # then halving the gap; every second slot at once, so each trial's neighbours are at
        # their plan.
        order = sorted(searched, key=lambda slot: self.evaluated[slot][0])
        step = dict.fromkeys(searched, 1)
        galloping = dict.fromkeys(searched, True)
        while True:
            todo = {s for s in searched if (h := high[s]) is not None and h - low[s] > 1}
            if not todo:
                break
            if self.rounds >= budget:
                finished = False
                break
            for parity in (0, 1):
                trial_slots = [s for i, s in enumerate(order) if i % 2 == parity and s in todo]
                if not trial_slots or self.rounds >= budget:
                    continue
                trial = dict(plan)
                for slot in trial_slots:
                    upper = plan[slot]  # == high[slot]
                    trial[slot] = (
                        max(low[slot] + 1, upper - step[slot])
                        if galloping[slot]
                        else (low[slot] + upper) // 2
                    )
                _, trial_meets = self.check(trial, "fewer agents in some intervals")
                for slot in trial_slots:
                    if trial_meets[slot]:
                        plan[slot] = high[slot] = trial[slot]
                        step[slot] *= 2
                    else:
                        low[slot] = trial[slot]
                        galloping[slot] = False

        # The plan as a whole: where a slot misses now (its neighbours changed since it was
        # tried, or, in a funnel, the random streams moved), one agent more, a few times.
        repairs = 0
        while True:
            result, meets = self.check(plan, "checking the plan")
            missing = [s for s in searched if not meets[s] and plan[s] < cap]
            for slot in missing:
                low[slot] = max(low[slot], plan[slot])
            if not missing:
                break
            if self.rounds >= budget or repairs >= _REPAIRS:
                finished = False
                break
            repairs += 1
            for slot in missing:
                plan[slot] += 1
        minimal = {s for s in searched if low[s] >= plan[s] - 1 or plan[s] <= floor}
        return result, meets, minimal, finished


def _resolved(targets: Sequence[Target], scenario: Scenario) -> tuple[Target, ...]:
    threshold = scenario.kpis.service_level_seconds / 60.0
    return tuple(
        replace(target, threshold_minutes=threshold)
        if target.kpi == "service_level" and target.threshold_minutes is None
        else target
        for target in targets
    )


def run_staffing(
    scenario: Scenario,
    targets: Sequence[Target],
    options: StaffingOptions | None = None,
    *,
    progress: Progress | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> StaffingResult:
    """The fewest agents per interval that meet every target, checked by simulation, with
    the Erlang C and Erlang A figures beside them (see the module docstring).

    ``progress(done, total)`` is called after each replication of each simulation and
    ``on_stage(text)`` before each simulation. Raises :class:`StaffingError` when the
    scenario or the options cannot be staffed.
    """
    began = time.perf_counter()
    options = options or StaffingOptions()
    if not targets:
        raise TargetError("give at least one target, e.g. service_level=0.8@60s")
    width = _check_staffable(scenario, options)
    template = _template(scenario, options.group)
    targets = _resolved(targets, scenario)
    horizon = horizon_scenario(scenario, options.days, targets)
    search = _Search(horizon, template, targets, options, width, progress, on_stage)
    count = len(search.slots)

    search.simulations += 1
    search.stage("pilot: the scenario as written")
    pilot = run_experiment(
        horizon, options.replications, options.seed, workers=options.workers, progress=progress
    )
    if horizon.kind is ScenarioKind.PLAIN_POOL:
        rates = _profile_rates(horizon, width, count)
    else:
        rates = _pilot_rates(pilot, width, count)
    is_open = _open_intervals(horizon, width, count)

    capacity = template.capacity
    handling = horizon.chats.handling_time_minutes.expected / template.speed.speed(capacity)
    patience_distribution = horizon.chats.patience_minutes
    patience = math.inf if patience_distribution is None else patience_distribution.expected
    slot_rate: dict[Slot, float] = {}
    slot_open: dict[Slot, bool] = {}
    for index, slot in enumerate(search.slots):
        slot_rate[slot] = max(slot_rate.get(slot, 0.0), rates[index])
        slot_open[slot] = slot_open.get(slot, False) or is_open[index]
    erlang: dict[Slot, tuple[int | None, int | None]] = {}
    plan: dict[Slot, int] = {}
    for slot, rate in slot_rate.items():
        slot_open[slot] = slot_open[slot] or (options.all_hours and rate > 0.0)
        if not slot_open[slot]:  # closed for every method: no demand to staff, no agents
            slot_rate[slot] = 0.0
            erlang[slot] = (0, 0)
            plan[slot] = 0
            continue
        figures = (
            erlang_agents(ErlangModel.C, rate, handling, patience, targets, capacity),
            erlang_agents(ErlangModel.A, rate, handling, patience, targets, capacity),
        )
        erlang[slot] = figures
        start = figures[1] if figures[1] is not None else figures[0]
        if start is None:  # no formula for these targets: start from the offered load
            start = math.ceil(rate * handling / capacity)
        plan[slot] = min(max(start, options.min_agents), options.max_agents)

    if not any(slot_open.values()):
        raise StaffingError(
            "nothing to staff: the chat is closed throughout the horizon (outside office "
            "hours, or nobody on shift as written; all_hours staffs every interval with chats)"
        )
    searched = [slot for slot in search.evaluated if slot_open[slot]]
    final, meets, minimal, converged = search.run(plan, searched)

    kpis = [*search.kpis, "offered", "occupancy"]
    values = _estimates(final, list(dict.fromkeys(kpis)))
    before = _estimates(pilot, list(dict.fromkeys([*search.kpis, "staffed_agents", "offered"])))
    rows = []
    for index in search.horizon:
        slot = search.slots[index]
        rows.append(
            StaffingRow(
                interval=index,
                start=(horizon.start_utc + timedelta(minutes=index * width)).astimezone(
                    horizon.zone
                ),
                slot=slot,
                open=slot_open[slot],
                chats_per_hour=rates[index] * 60.0 if slot_open[slot] else 0.0,
                as_written=before["staffed_agents"][index].mean,
                erlang_c=erlang[slot][0],
                erlang_a=erlang[slot][1],
                agents=plan[slot],
                meets=meets[slot],
                minimal=not slot_open[slot] or slot in minimal,
                kpis={kpi: values[kpi][index] for kpi in values},
                as_written_kpis={kpi: before[kpi][index] for kpi in before},
            )
        )
    return StaffingResult(
        scenario=horizon,
        plan_scenario=search.with_plan(plan),
        targets=targets,
        options=options,
        template=template,
        handling_time=handling,
        patience=patience,
        rows=tuple(rows),
        final=final,
        pilot=pilot,
        simulations=search.simulations,
        converged=converged,
        elapsed_seconds=time.perf_counter() - began,
    )
