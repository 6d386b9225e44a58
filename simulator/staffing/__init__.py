"""Staffing (SIM7): the fewest agents per group and interval that meet the targets, checked
by simulation, the analytic figures beside them, and a roster of whole shifts.

A capacity planner asks: *how many agents do we need, interval by interval, so that 80% of
chats are answered within a minute?* :func:`run_staffing` answers in steps, one module
each:

1. **Targets** (:mod:`.targets`): KPIs that improve with more agents, read from text
   (``service_level=0.8@60s``, ``abandonment<=0.05``, ``occupancy<=0.85``…).
2. **Groups** (:mod:`.groups`): per-skill groups — the scenario's agents alike in skills,
   teams, capacity and speed — each answering for the queues it is home to (or one pool
   of copies of one group with every skill).
3. **Demand and the horizon** (:mod:`.plans`): the horizon is ``days`` (default the
   scenario's length, at most a week) after the warm-up; office hours decide which
   intervals need staff; each group's chats per interval come from the hour-of-week
   profile (plain pool) or a *pilot* simulation of the scenario as written (funnel).
4. **Analytic figures** (:mod:`.sizing`): Erlang C, Erlang A and the exact chat-pool chain
   per group and interval, each the fewest agents that meet the targets it has figures for.
5. **Search by simulation** (:mod:`.search`): from Erlang A's figures, up where a cell
   misses, down where it can spare an agent, then repairs, all with common random numbers.
6. **Shifts** (:mod:`.shifts`): given shift templates, the fewest paid hours of whole
   shifts with breaks that cover the plan, checked by simulation, with shrinkage.

**Meeting a target** (:class:`MeetRule`): ``mean`` (default) — the pooled estimate of the
group's KPI in the interval meets the bound; ``ci`` — its whole 95% confidence interval
does. A KPI undefined in an interval (no chat there) meets every target.

Every figure is *agents on the floor*; with shrinkage the agents to schedule are
``ceil(on the floor / (1 - shrinkage))``.
"""

from __future__ import annotations

from .groups import StaffGroup, staff_groups
from .plans import Cell, Slot, group_agents, horizon_scenario, plan_agents
from .run import StaffingOptions, StaffingResult, StaffingRow, run_staffing
from .shifts import BreakRule, Pattern, Roster, RosterSpec, ShiftTemplate, load_roster_spec
from .sizing import ErlangModel, chat_pool_agents, erlang_agents, scheduled
from .targets import MeetRule, StaffingError, Target, TargetError, parse_targets

__all__ = [
    "BreakRule",
    "Cell",
    "ErlangModel",
    "MeetRule",
    "Pattern",
    "Roster",
    "RosterSpec",
    "ShiftTemplate",
    "Slot",
    "StaffGroup",
    "StaffingError",
    "StaffingOptions",
    "StaffingResult",
    "StaffingRow",
    "Target",
    "TargetError",
    "chat_pool_agents",
    "erlang_agents",
    "group_agents",
    "horizon_scenario",
    "load_roster_spec",
    "parse_targets",
    "plan_agents",
    "run_staffing",
    "scheduled",
    "staff_groups",
]
