"""The staffing report (QA4, SIM7): what ``livechat staff`` writes.

:func:`write_staffing_outputs` puts these files in a directory:

=========================  ================================================================
``staffing.csv``           one row per group and interval of the horizon
                           (:func:`staffing_table`)
``staffing.json``          the targets, the options, the groups, agent-hour totals per
                           column (each the sum of its column in ``staffing.csv`` times the
                           interval's length) and whether the plan meets the targets
``staffing.png``           the chart: agents per interval and each target's KPI under the
                           plan
``staffing.html``          the report: the facts, the chart and the tables, one
                           self-contained file
``plan_scenario.yaml``     the scenario with the plan's agents, ready for
                           ``livechat simulate``
``roster.csv``             with shift templates: agents per group and shift pattern, on the
                           floor and to schedule (with shrinkage)
``roster_scenario.yaml``   with shift templates: the scenario with the roster's agents
=========================  ================================================================
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from reference_server.domain.codec import to_dict
from simulator.staffing import StaffingResult

from .charts import Chart, staffing_chart
from .html import Section, facts, figure, page, paragraph, table
from .tables import format_estimate, format_start, json_number, kpi_label

__all__ = [
    "AGENT_COLUMNS",
    "StaffingOutputs",
    "roster_table",
    "staffing_display_table",
    "staffing_report",
    "staffing_summary",
    "staffing_table",
    "write_staffing_outputs",
]

AGENT_COLUMNS = ("as_written", "erlang_c", "erlang_a", "chat_pool", "agents", "scheduled")
"""The columns counted in agents, whose agent-hours are totalled."""

_HEADINGS = {
    "as_written": "as written",
    "erlang_c": "Erlang C",
    "erlang_a": "Erlang A",
    "chat_pool": "chat pool",
    "agents": "plan",
    "scheduled": "to schedule",
    "roster": "roster",
}


@dataclass(frozen=True)
class StaffingOutputs:
    """The files :func:`write_staffing_outputs` wrote."""

    directory: Path
    table: Path
    summary: Path
    chart: Path
    report: Path
    plan_scenario: Path
    roster: Path | None = None
    roster_scenario: Path | None = None

    @property
    def paths(self) -> tuple[Path, ...]:
        paths = [self.table, self.summary, self.chart, self.report, self.plan_scenario]
        paths += [path for path in (self.roster, self.roster_scenario) if path is not None]
        return tuple(paths)


def columns(result: StaffingResult) -> list[str]:
    """The agent columns this result fills: ``to schedule`` only with shrinkage, ``roster``
    only with shift templates."""
    shown = ["as_written", "erlang_c", "erlang_a", "chat_pool", "agents"]
    if result.options.shrinkage_used > 0:
        shown.append("scheduled")
    if result.roster is not None:
        shown.append("roster")
    return shown


def staffing_table(result: StaffingResult) -> pd.DataFrame:
    """One row per group and interval of the horizon, in the simulator's units (waits in
    minutes, shares as fractions): ``group``, ``interval``, local ``start``, ``slot``
    (weekday and time), ``open``, ``chats_per_hour``, ``as_written`` (the group's agents at
    work in the scenario as written), ``erlang_c``, ``erlang_a``, ``chat_pool`` (the exact
    chain), ``agents`` (the plan, on the floor), ``scheduled`` (with shrinkage), ``roster``
    (on the floor under the roster, when built), ``meets``, ``minimal``; then per target KPI
    under the plan ``<kpi>``, ``<kpi>_ci_low``, ``<kpi>_ci_high`` and as written
    ``as_written_<kpi>``; and ``offered`` and ``occupancy`` under the plan."""
    records: list[dict[str, Any]] = []
    for row in result.rows:
        record: dict[str, Any] = {
            "group": row.group,
            "interval": row.interval,
            "start": row.start.isoformat(),
            "slot": row.slot.label,
            "open": row.open,
            "chats_per_hour": row.chats_per_hour,
            "as_written": row.as_written,
            "erlang_c": row.erlang_c,
            "erlang_a": row.erlang_a,
            "chat_pool": row.chat_pool,
            "agents": row.agents,
            "scheduled": row.scheduled,
            "roster": row.roster,
            "meets": row.meets,
            "minimal": row.minimal,
        }
        for target in result.targets:
            estimate = row.kpis[target.kpi]
            record[target.kpi] = estimate.mean
            record[f"{target.kpi}_ci_low"] = estimate.ci_low
            record[f"{target.kpi}_ci_high"] = estimate.ci_high
            record[f"as_written_{target.kpi}"] = row.as_written_kpis[target.kpi].mean
        record["offered"] = row.kpis["offered"].mean
        record["occupancy"] = row.kpis["occupancy"].mean
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in ("erlang_c", "erlang_a", "chat_pool"):
        frame[column] = frame[column].astype("Int64")  # None stays missing, not a float
    if result.roster is None:
        frame = frame.drop(columns="roster")
    return frame


def roster_table(result: StaffingResult) -> pd.DataFrame:
    """Per group and shift pattern of the roster: ``group``, ``shift`` (template),
    ``weekday``, ``start``, ``end``, ``breaks``, ``paid_hours`` (per agent), ``on_the_floor``
    and ``to_schedule`` (with shrinkage). Empty without a roster."""
    roster = result.roster
    rows: list[dict[str, Any]] = []
    if roster is None:
        return pd.DataFrame(rows)
    for group, by_pattern in roster.counts.items():
        for pattern, count in sorted(by_pattern.items(), key=lambda item: item[0].label):
            shift = pattern.shift()
            rows.append(
                {
                    "group": group,
                    "shift": pattern.template,
                    "weekday": shift.days[0].value,
                    "start": shift.start,
                    "end": shift.end,
                    "breaks": ", ".join(f"{b.start} ({b.minutes:g} min)" for b in shift.breaks),
                    "paid_hours": pattern.hours,
                    "on_the_floor": count,
                    "to_schedule": roster.scheduled(count),
                }
            )
    return pd.DataFrame(rows)


def staffing_summary(result: StaffingResult) -> dict[str, Any]:
    """The staffing JSON: targets, options, groups, totals and the verdict."""
    options = result.options
    summary: dict[str, Any] = {
        "scenario": result.scenario.name,
        "targets": [target.text for target in result.targets],
        "rule": options.rule.value,
        "days": (result.scenario.duration - result.scenario.warmup_minutes) / 1440.0,
        "interval_minutes": result.scenario.kpis.interval_minutes,
        "replications": options.replications,
        "seed": options.seed,
        "shrinkage": options.shrinkage_used,
        "groups": [
            {
                "id": group.id,
                "planned": group.planned,
                "capacity": group.template.capacity,
                "skills": list(group.template.skills),
                "as_written": [g.id for g in group.written],
                "erlang_handling_time_minutes": result.handling_time.get(group.id),
            }
            for group in result.groups
        ],
        "erlang_patience_minutes": json_number(result.patience),
        "agent_hours": {
            column: result.agent_hours(column)
            for column in (*AGENT_COLUMNS, *(("roster",) if result.roster else ()))
        },
        "demand_kept": json_number(result.demand_kept),
        "meets": result.meets,
        "converged": result.converged,
        "simulations": result.simulations,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
    }
    if result.roster is not None:
        roster = result.roster
        summary["roster"] = {
            "people_on_the_floor": roster.agents,
            "paid_hours": roster.paid_hours(),
            "paid_hours_to_schedule": roster.paid_hours(with_shrinkage=True),
            "meets": all(roster.meets.values()),
            "converged": roster.converged,
        }
    return summary


def staffing_display_table(result: StaffingResult, group: str | None = None) -> pd.DataFrame:
    """The staffing table for people: one row per interval (of ``group``, or the only
    one), values as text in their units (the KPIs under the plan as ``mean [95% CI]``)."""
    threshold = result.scenario.kpis.service_level_seconds
    name = group or result.planned[0].id
    shown_columns = columns(result)
    rows = []
    for row in result.rows:
        if row.group != name:
            continue
        shown: dict[str, Any] = {
            "interval start": format_start(row.start),
            "chats/h": f"{row.chats_per_hour:.1f}",
        }
        for column in shown_columns:
            value = getattr(row, column)
            if column == "as_written" or column == "roster":
                shown[_HEADINGS[column]] = f"{value:.1f}"
            else:
                shown[_HEADINGS[column]] = "–" if value is None else value
        for target in result.targets:
            shown[kpi_label(target.kpi, threshold)] = format_estimate(
                target.kpi, row.kpis[target.kpi]
            )
        shown["result"] = "closed" if not row.open else "meets" if row.meets else "MISSES"
        shown["minimal"] = "yes" if row.open and row.minimal else "–"
        rows.append(shown)
    return pd.DataFrame(rows)


def _facts(result: StaffingResult) -> list[tuple[str, str]]:
    options = result.options
    days = (result.scenario.duration - result.scenario.warmup_minutes) / 1440.0
    patience = (
        "none (nobody gives up)"
        if result.patience == float("inf")
        else f"{result.patience:.2f} min mean"
    )
    groups = []
    for group in result.groups:
        template = group.template
        kind = (
            f"planned, up to {template.capacity} chats at once, skills "
            f"{', '.join(template.skills) or 'none'}"
            if group.planned
            else "kept as written (serves queues with a more dedicated home group)"
        )
        groups.append(f"{group.id}: {kind}")
    totals = ", ".join(
        f"{_HEADINGS[column]} {result.agent_hours(column):,.1f}" for column in columns(result)
    )
    items = [
        ("Scenario", result.scenario.name),
        ("Targets", "; ".join(target.label for target in result.targets)),
        (
            "Meeting a target",
            "the pooled estimate meets the bound"
            if options.rule.value == "mean"
            else "the whole 95% confidence interval meets the bound",
        ),
        (
            "Horizon",
            f"{days:g} days from {result.scenario.start} ({result.scenario.timezone}), "
            f"{result.scenario.kpis.interval_minutes:g}-minute intervals",
        ),
        ("Replications per simulation", f"{options.replications} (seed {options.seed})"),
        ("Groups", "; ".join(groups)),
        ("Erlang patience", patience),
        ("Shrinkage", f"{100.0 * options.shrinkage_used:g}%"),
        ("Agent-hours", totals),
        ("Chats offered, plan / as written", f"{100.0 * result.demand_kept:.1f}%"),
        (
            "Verdict",
            ("meets every target in every open interval" if result.meets else "misses a target")
            + ("" if result.converged else " (the search stopped at its limit)"),
        ),
        ("Simulations", f"{result.simulations} in {result.elapsed_seconds:.1f} s"),
    ]
    roster = result.roster
    if roster is not None:
        items.append(
            (
                "Roster",
                f"{roster.agents} shifts on the floor, {roster.paid_hours():,.1f} paid hours "
                f"({roster.paid_hours(with_shrinkage=True):,.1f} to schedule with shrinkage); "
                + (
                    "meets every target"
                    if all(roster.meets.values())
                    else "misses a target in its last simulation"
                ),
            )
        )
    return items


_NOTES = (
    "Every agent figure is agents on the floor (available for chats). Erlang C and Erlang A "
    "count an agent of capacity K as K servers, each at the speed of a full agent (the "
    "pessimistic reading); the chat-pool figure solves the exact chain of agents holding "
    "several chats with the speed curve (least-busy routing), while it is small enough. All "
    "three assume a steady Poisson stream and exponential times; the plan is checked by "
    "simulating the scenario, with its real distributions, routing and funnel. An interval "
    "is minimal when one agent fewer was seen to miss a target there. Closed intervals "
    "(the chat closed: outside office hours, or nobody on shift as written) are 0 in every "
    "column but 'as written'. Each total is its column's sum times the interval's length."
)


def staffing_report(result: StaffingResult, chart: Chart | None = None) -> str:
    """The HTML staffing report (one self-contained page; ``chart``: the staffing chart,
    drawn here when not given)."""
    sections = [
        Section("Plan", facts(_facts(result)) + paragraph(_NOTES, note=True)),
        Section("Chart", figure(chart or staffing_chart(result))),
    ]
    for group in result.planned:
        heading = "Per interval" if len(result.planned) == 1 else f"Per interval: {group.id}"
        frame = staffing_display_table(result, group.id)
        sections.append(Section(heading, table(frame, table_id=f"staffing-{group.id}")))
    if result.roster is not None:
        shown = roster_table(result).rename(
            columns={
                "paid_hours": "paid hours",
                "on_the_floor": "on the floor",
                "to_schedule": "to schedule",
            }
        )
        sections.append(Section("Roster", table(shown, table_id="roster")))
    return page(
        f"Staffing plan — {result.scenario.name}",
        "; ".join(target.label for target in result.targets),
        sections,
    )


def _yaml(scenario_dict: Any, title: str) -> str:
    return f"# {title} (written by livechat staff).\n" + yaml.safe_dump(
        scenario_dict, sort_keys=False, allow_unicode=True
    )


def write_staffing_outputs(result: StaffingResult, directory: Path) -> StaffingOutputs:
    """Write the staffing table, summary, chart, report and plan scenario (and the roster)
    to ``directory`` (created if need be)."""
    directory.mkdir(parents=True, exist_ok=True)
    roster = result.roster is not None
    outputs = StaffingOutputs(
        directory=directory,
        table=directory / "staffing.csv",
        summary=directory / "staffing.json",
        chart=directory / "staffing.png",
        report=directory / "staffing.html",
        plan_scenario=directory / "plan_scenario.yaml",
        roster=directory / "roster.csv" if roster else None,
        roster_scenario=directory / "roster_scenario.yaml" if roster else None,
    )
    staffing_table(result).to_csv(outputs.table, index=False)
    outputs.summary.write_text(
        json.dumps(staffing_summary(result), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    chart = staffing_chart(result)
    outputs.chart.write_bytes(base64.b64decode(chart.png))
    outputs.report.write_text(staffing_report(result, chart), encoding="utf-8")
    name = result.scenario.name
    outputs.plan_scenario.write_text(
        _yaml(to_dict(result.plan_scenario), f"The staffing plan of {name!r} as a scenario"),
        encoding="utf-8",
    )
    if result.roster is not None and outputs.roster and outputs.roster_scenario:
        roster_table(result).to_csv(outputs.roster, index=False)
        outputs.roster_scenario.write_text(
            _yaml(to_dict(result.roster.scenario), f"The roster of {name!r} as a scenario"),
            encoding="utf-8",
        )
    return outputs
