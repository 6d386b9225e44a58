"""The staffing run (SIM7): from a scenario and targets to a plan per group and interval,
the analytic figures beside it, and, given shift templates, a roster.

:func:`run_staffing` takes the steps of :mod:`simulator.staffing` in order: the horizon,
the groups, a pilot simulation of the scenario as written (demand, as-written figures),
the analytic figures and starting plan per cell, the search by simulation, and the roster.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reference_server.domain.chatflow import AssignmentSettings

from ..experiment import ExperimentResult, Progress
from ..parallel import Pool, open_pool
from ..scenario import Scenario, ScenarioKind
from ..stats import Estimate
from .groups import StaffGroup, staff_groups
from .plans import DAY, Cell, Slot, demand_rates, group_estimates, horizon_scenario, open_intervals
from .search import Search, SearchSettings, starting_count
from .shifts import Roster, RosterSpec, build_roster
from .sizing import ErlangModel, chat_pool_agents, erlang_agents, scheduled
from .targets import MeetRule, StaffingError, Target, TargetError, resolved_targets

__all__ = ["StaffingOptions", "StaffingResult", "StaffingRow", "run_staffing"]


@dataclass(frozen=True)
class StaffingOptions:
    """How to staff.

    ``days`` of horizon after the warm-up (at most 7, past the scenario's end if need be;
    ``None``: the scenario's length, at most a week); ``replications`` per simulation from
    ``seed``; ``workers`` processes (``None``: one per CPU) or the Dask ``cluster`` whose
    scheduler is at that address (``tcp://host:8786``); ``group``: plan one pool of copies
    of this agent group with every skill (``None``: per-skill groups, see
    :mod:`~simulator.staffing.groups`); at least ``min_agents`` (1 or more: an open interval
    needs someone) and at most ``max_agents`` per group and open interval; the
    :class:`MeetRule`; at most ``max_rounds`` simulations in the search (and as many for a
    roster); ``all_hours``: every interval with chats is open, not only those the chat is
    open in; ``shrinkage``: the share of paid time not on chats (agents to schedule are
    ``ceil(on the floor / (1 - shrinkage))``); ``max_occupancy``: a target
    ``occupancy<=max_occupancy``; ``roster``: shift templates to build a roster from.
    """

    days: float | None = None
    replications: int = 5
    seed: int = 1
    workers: int | None = None
    cluster: str | None = None
    group: str | None = None
    min_agents: int = 1
    max_agents: int = 500
    rule: MeetRule = MeetRule.MEAN
    max_rounds: int = 30
    all_hours: bool = False
    shrinkage: float | None = None
    max_occupancy: float | None = None
    roster: RosterSpec | None = None

    @property
    def shrinkage_used(self) -> float:
        """The shrinkage in force: this option's, else the roster file's, else 0."""
        if self.shrinkage is not None:
            return self.shrinkage
        return self.roster.shrinkage if self.roster is not None else 0.0

    @property
    def max_occupancy_used(self) -> float | None:
        if self.max_occupancy is not None:
            return self.max_occupancy
        return self.roster.max_occupancy if self.roster is not None else None


@dataclass(frozen=True)
class StaffingRow:
    """One group's interval of the horizon.

    ``chats_per_hour``: the group's demand (its home chats; 0 when closed). ``as_written``:
    the group's agents at work on average in the scenario as written (the pilot).
    ``erlang_c`` / ``erlang_a`` / ``chat_pool``: the analytic figures (``None``: no figure
    for these targets, or the chat-pool chain too large). ``agents``: the plan, checked by
    simulation; ``scheduled``: with shrinkage. ``roster``: agents on the floor on average
    under the roster (``None`` without one). ``kpis``: the target KPIs (and ``offered``,
    ``occupancy``) of the group under the plan; ``as_written_kpis``: in the pilot.
    ``meets``: the plan meets every target here; ``minimal``: one agent fewer was seen to
    miss it (or it is at ``min_agents``); ``open``: the chat is open here (see
    :func:`~simulator.staffing.plans.open_intervals`); a closed interval has 0 agents, 0
    chats per hour and 0 in every analytic column.
    """

    group: str
    interval: int
    start: datetime
    slot: Slot
    open: bool
    chats_per_hour: float
    as_written: float
    erlang_c: int | None
    erlang_a: int | None
    chat_pool: int | None
    agents: int
    scheduled: int
    meets: bool
    minimal: bool
    roster: float | None = None
    kpis: Mapping[str, Estimate] = field(default_factory=dict)
    as_written_kpis: Mapping[str, Estimate] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class StaffingResult:
    """What :func:`run_staffing` found (see :class:`StaffingRow` for the table).

    ``scenario``: the scenario over the staffing horizon, as written; ``plan_scenario``: the
    same with the plan's agents (simulate it to see the plan at work); ``final`` / ``pilot``:
    the simulations of the plan and of the scenario as written; ``groups``: the groups
    planned and kept; ``handling_time[group]``: the mean per Erlang server (the scenario's
    handling time / speed at full capacity); ``roster``: the roster, with shift templates.
    ``converged``: the search ended before ``max_rounds``.
    """

    scenario: Scenario
    plan_scenario: Scenario
    targets: tuple[Target, ...]
    options: StaffingOptions
    groups: tuple[StaffGroup, ...]
    handling_time: Mapping[str, float]
    patience: float
    rows: tuple[StaffingRow, ...]
    final: ExperimentResult
    pilot: ExperimentResult
    simulations: int
    converged: bool
    elapsed_seconds: float
    roster: Roster | None = None

    @property
    def planned(self) -> tuple[StaffGroup, ...]:
        return tuple(group for group in self.groups if group.planned)

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

    def agent_hours(self, column: str = "agents", group: str | None = None) -> float:
        """Agent-hours over the horizon of ``agents``, ``scheduled``, ``erlang_c``,
        ``erlang_a``, ``chat_pool``, ``roster`` or ``as_written`` (of one group, or all):
        the column's sum times the interval's length. Intervals without a figure count 0;
        closed intervals are 0 in every column but ``as_written``."""
        hours = self.scenario.kpis.interval_minutes / 60.0
        return sum(
            float(getattr(row, column) or 0.0) * hours
            for row in self.rows
            if group is None or row.group == group
        )


def _count(estimate: Estimate) -> float:
    return 0.0 if math.isnan(estimate.mean) else estimate.mean


def _check_staffable(scenario: Scenario, options: StaffingOptions) -> int:
    """The interval width in whole minutes; raises :class:`StaffingError` when the scenario
    or the options cannot be staffed."""
    width = scenario.kpis.interval_minutes
    if width != int(width) or DAY % int(width):
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
    if not 0.0 <= options.shrinkage_used < 1.0:
        raise StaffingError(f"shrinkage must be at least 0 and below 1; got {options.shrinkage}")
    occupancy = options.max_occupancy_used
    if occupancy is not None and not 0.0 < occupancy <= 1.0:
        raise StaffingError(f"max_occupancy must be above 0 and at most 1; got {occupancy}")
    return int(width)


def _all_targets(targets: Sequence[Target], options: StaffingOptions) -> tuple[Target, ...]:
    occupancy = options.max_occupancy_used
    if occupancy is None:
        return tuple(targets)
    if any(target.kpi == "occupancy" for target in targets):
        raise TargetError("give the maximum occupancy once: a target or max_occupancy")
    return (*targets, Target("occupancy", occupancy))


def run_staffing(
    scenario: Scenario,
    targets: Sequence[Target],
    options: StaffingOptions | None = None,
    *,
    progress: Progress | None = None,
    on_stage: Callable[[str], None] | None = None,
    pool: Pool | None = None,
) -> StaffingResult:
    """The fewest agents per group and interval that meet every target, checked by
    simulation, with the analytic figures beside them, and a roster when the options have
    shift templates (see :mod:`simulator.staffing`).

    ``progress`` is called as each simulation runs (see
    :class:`~simulator.experiment.ExperimentProgress`) and ``on_stage(text)`` before each
    simulation. Every simulation runs on ``pool`` (when not given, one is opened from the
    options' ``workers`` or ``cluster`` and closed at the end). Raises
    :class:`StaffingError` when the scenario or the options cannot be staffed.
    """
    began = time.perf_counter()
    options = options or StaffingOptions()
    if not targets:
        raise TargetError("give at least one target, e.g. service_level=0.8@60s")
    width = _check_staffable(scenario, options)
    groups = staff_groups(scenario, options.group)
    if not any(group.planned for group in groups):
        raise StaffingError("no chat can reach any agent group: nothing to staff")
    resolved = _all_targets(resolved_targets(targets, scenario), options)
    horizon = horizon_scenario(scenario, options.days, resolved)
    settings = SearchSettings(
        options.replications,
        options.seed,
        options.rule,
        options.min_agents,
        options.max_agents,
        options.max_rounds,
    )
    own = None
    if pool is None:
        count = options.workers
        if count is None and options.cluster is None:
            count = min(options.replications, os.cpu_count() or 1)
        pool = own = open_pool(count, options.cluster)
    try:
        search = Search(horizon, groups, resolved, settings, width, pool, progress, on_stage)
        return _staff(search, options, began)
    finally:
        if own is not None:
            own.close()


def _staff(search: Search, options: StaffingOptions, began: float) -> StaffingResult:
    horizon, targets, width = search.scenario, search.targets, search.width
    pilot = search.simulate(horizon, "pilot: the scenario as written")
    patience_distribution = horizon.chats.patience_minutes
    patience = math.inf if patience_distribution is None else patience_distribution.expected
    aht = horizon.chats.handling_time_minutes.expected
    shrinkage = options.shrinkage_used

    plan: dict[Cell, int] = {}
    cell_rate: dict[Cell, float] = {}
    cell_open: dict[Cell, bool] = {}
    figures: dict[Cell, tuple[int | None, int | None, int | None]] = {}
    rates: dict[str, list[float]] = {}
    handling: dict[str, float] = {}
    for group in search.planned:
        template = group.template
        capacity = template.capacity
        speeds = [template.speed.speed(k) for k in range(1, capacity + 1)]
        handling[group.id] = aht / speeds[-1]
        rates[group.id] = demand_rates(pilot, group, width)
        is_open = open_intervals(horizon, group, width)
        for index, slot in enumerate(search.slots):
            cell = (group.id, slot)
            cell_rate[cell] = max(cell_rate.get(cell, 0.0), rates[group.id][index])
            cell_open[cell] = cell_open.get(cell, False) or is_open[index]
        pool_figures: dict[float, int | None] = {}
        for cell in [c for c in cell_rate if c[0] == group.id]:
            rate = cell_rate[cell]
            cell_open[cell] = cell_open[cell] or (options.all_hours and rate > 0.0)
            if not cell_open[cell]:  # closed for every method: no demand to staff, no agents
                cell_rate[cell] = 0.0
                figures[cell] = (0, 0, 0)
                plan[cell] = 0
                continue
            if rate not in pool_figures:
                pool_figures[rate] = chat_pool_agents(rate, aht, patience, speeds, targets)
            c = erlang_agents(ErlangModel.C, rate, handling[group.id], patience, targets, capacity)
            a = erlang_agents(ErlangModel.A, rate, handling[group.id], patience, targets, capacity)
            figures[cell] = (c, a, pool_figures[rate])
            start = starting_count(a if a is not None else c, rate, handling[group.id], capacity)
            plan[cell] = min(max(start, options.min_agents), options.max_agents)

    searched = [
        (group.id, slot)
        for group in search.planned
        for slot in search.evaluated
        if cell_open[(group.id, slot)]
    ]
    if not searched:
        raise StaffingError(
            "nothing to staff: the chat is closed throughout the horizon (outside office "
            "hours, or nobody on shift as written; all_hours staffs every interval with chats)"
        )
    final, meets, minimal, converged = search.run(plan, searched)
    roster = None
    if options.roster is not None:
        roster = build_roster(search, plan, options.roster, options.max_rounds)

    kpis = list(dict.fromkeys([*search.kpis, "offered", "occupancy"]))
    values = search.estimates_with(final, search.ids(plan), kpis)
    before_kpis = list(dict.fromkeys([*search.kpis, "staffed_agents", "offered"]))
    before = {
        group.id: group_estimates(
            pilot, group, group.written_ids, before_kpis, everything=search.whole
        )
        for group in search.planned
    }
    rows = []
    for index in search.horizon:
        slot = search.slots[index]
        for group in search.planned:
            cell = (group.id, slot)
            c, a, exact = figures[cell]
            rows.append(
                StaffingRow(
                    group=group.id,
                    interval=index,
                    start=(horizon.start_utc + timedelta(minutes=index * width)).astimezone(
                        horizon.zone
                    ),
                    slot=slot,
                    open=cell_open[cell],
                    chats_per_hour=rates[group.id][index] * 60.0 if cell_open[cell] else 0.0,
                    as_written=_count(before[group.id]["staffed_agents"][index]),
                    erlang_c=c,
                    erlang_a=a,
                    chat_pool=exact,
                    agents=plan[cell],
                    scheduled=scheduled(plan[cell], shrinkage),
                    meets=meets.get(cell, True),
                    minimal=not cell_open[cell] or cell in minimal,
                    roster=None if roster is None else roster.floor.get(cell, 0.0),
                    kpis={kpi: values[group.id][kpi][index] for kpi in kpis},
                    as_written_kpis={kpi: before[group.id][kpi][index] for kpi in before_kpis},
                )
            )
    return StaffingResult(
        scenario=horizon,
        plan_scenario=search.with_agents(plan),
        targets=targets,
        options=options,
        groups=search.groups,
        handling_time=handling,
        patience=patience,
        rows=tuple(rows),
        final=final,
        pilot=pilot,
        simulations=search.simulations,
        converged=converged,
        elapsed_seconds=time.perf_counter() - began,
        roster=roster,
    )
