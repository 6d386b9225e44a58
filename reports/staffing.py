"""The staffing report (QA4, SIM7): what ``livechat staff`` writes.

:func:`write_staffing_outputs` puts five files in a directory:

=======================  ==================================================================
``staffing.csv``         one row per interval of the horizon (:func:`staffing_table`)
``staffing.json``        the targets, the options, agent-hour totals and whether the plan
                         meets the targets
``staffing.png``         the chart: agents per interval and each target's KPI under the plan
``staffing.html``        the report: the facts, the chart and the table, one self-contained
                         file
``plan_scenario.yaml``   the scenario with the plan's agents, ready for ``livechat simulate``
=======================  ==================================================================
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
from .tables import format_estimate, json_number, kpi_label

__all__ = [
    "StaffingOutputs",
    "staffing_display_table",
    "staffing_report",
    "staffing_summary",
    "staffing_table",
    "write_staffing_outputs",
]


@dataclass(frozen=True)
class StaffingOutputs:
    """The files :func:`write_staffing_outputs` wrote."""

    directory: Path
    table: Path
    summary: Path
    chart: Path
    report: Path
    plan_scenario: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.table, self.summary, self.chart, self.report, self.plan_scenario)


def staffing_table(result: StaffingResult) -> pd.DataFrame:
    """One row per interval of the horizon, in the simulator's units (waits in minutes,
    shares as fractions): ``interval``, local ``start``, ``slot`` (weekday and time),
    ``open``, ``chats_per_hour``, ``as_written`` (agents at work in the scenario as
    written), ``erlang_c``, ``erlang_a``, ``agents`` (the plan), ``meets``, ``minimal``;
    then per target KPI under the plan ``<kpi>``, ``<kpi>_ci_low``, ``<kpi>_ci_high`` and as
    written ``as_written_<kpi>``; and ``offered`` and ``occupancy`` under the plan."""
    records: list[dict[str, Any]] = []
    for row in result.rows:
        record: dict[str, Any] = {
            "interval": row.interval,
            "start": row.start.isoformat(),
            "slot": row.slot.label,
            "open": row.open,
            "chats_per_hour": row.chats_per_hour,
            "as_written": row.as_written,
            "erlang_c": row.erlang_c,
            "erlang_a": row.erlang_a,
            "agents": row.agents,
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
    for column in ("erlang_c", "erlang_a"):
        frame[column] = frame[column].astype("Int64")  # None stays missing, not a float
    return frame


def staffing_summary(result: StaffingResult) -> dict[str, Any]:
    """The staffing JSON: targets, options, totals and the verdict."""
    options = result.options
    return {
        "scenario": result.scenario.name,
        "targets": [target.text for target in result.targets],
        "rule": options.rule.value,
        "days": (result.scenario.duration - result.scenario.warmup_minutes) / 1440.0,
        "interval_minutes": result.scenario.kpis.interval_minutes,
        "replications": options.replications,
        "seed": options.seed,
        "template_group": result.template.id,
        "capacity": result.template.capacity,
        "erlang_handling_time_minutes": result.handling_time,
        "erlang_patience_minutes": json_number(result.patience),
        "agent_hours": {
            column: result.agent_hours(column)
            for column in ("agents", "erlang_c", "erlang_a", "as_written")
        },
        "demand_kept": json_number(result.demand_kept),
        "meets": result.meets,
        "converged": result.converged,
        "simulations": result.simulations,
        "elapsed_seconds": round(result.elapsed_seconds, 3),
    }


def staffing_display_table(result: StaffingResult) -> pd.DataFrame:
    """The staffing table for people: one row per interval, values as text in their units
    (the KPIs under the plan as ``mean [95% CI]``)."""
    threshold = result.scenario.kpis.service_level_seconds
    rows = []
    for row in result.rows:
        shown: dict[str, Any] = {
            "interval start": row.start.strftime("%a %Y-%m-%d %H:%M"),
            "chats/h": f"{row.chats_per_hour:.1f}",
            "as written": f"{row.as_written:.1f}",
            "Erlang C": "–" if row.erlang_c is None else row.erlang_c,
            "Erlang A": "–" if row.erlang_a is None else row.erlang_a,
            "plan": row.agents,
        }
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
    template = result.template
    speed = template.speed.speed(template.capacity)
    days = (result.scenario.duration - result.scenario.warmup_minutes) / 1440.0
    patience = (
        "none (nobody gives up)"
        if result.patience == float("inf")
        else f"{result.patience:.2f} min mean"
    )
    return [
        ("Scenario", result.scenario.name),
        ("Targets", "; ".join(target.label for target in result.targets)),
        (
            "Meeting a target",
            "the mean over replications meets the bound"
            if options.rule.value == "mean"
            else "the whole 95% confidence interval meets the bound",
        ),
        (
            "Horizon",
            f"{days:g} days from {result.scenario.start} ({result.scenario.timezone}), "
            f"{result.scenario.kpis.interval_minutes:g}-minute intervals",
        ),
        ("Replications per simulation", f"{options.replications} (seed {options.seed})"),
        (
            "Plan agents",
            f"copies of group {template.id!r}: up to {template.capacity} chats at once, "
            f"skills {', '.join(template.skills) or 'none'}, teams "
            f"{', '.join(template.team_ids) or 'none'}",
        ),
        (
            "Erlang servers",
            f"an agent is {template.capacity} servers; handling time per server "
            f"{result.handling_time:.2f} min (the scenario's mean / speed {speed:.3g} at "
            f"{template.capacity} chats); patience {patience}",
        ),
        (
            "Agent-hours",
            f"plan {result.agent_hours():.1f}, Erlang A {result.agent_hours('erlang_a'):.1f}, "
            f"Erlang C {result.agent_hours('erlang_c'):.1f}, as written "
            f"{result.agent_hours('as_written'):.1f}",
        ),
        ("Chats offered, plan / as written", f"{100.0 * result.demand_kept:.1f}%"),
        (
            "Verdict",
            ("meets every target in every open interval" if result.meets else "misses a target")
            + ("" if result.converged else " (the search stopped at its limit)"),
        ),
        ("Simulations", f"{result.simulations} in {result.elapsed_seconds:.1f} s"),
    ]


def staffing_report(result: StaffingResult, chart: Chart | None = None) -> str:
    """The HTML staffing report (one self-contained page; ``chart``: the staffing chart,
    drawn here when not given)."""
    notes = paragraph(
        "Erlang C and Erlang A are the closed-form answers for a steady Poisson stream, "
        "exponential handling and (Erlang A) exponential patience; the plan is checked by "
        "simulating the scenario, with its real distributions, routing and funnel. An "
        "interval is minimal when one agent fewer was seen to miss a target there. Closed "
        "intervals (nobody on shift in the scenario as written) get no agents."
    )
    return page(
        f"Staffing plan — {result.scenario.name}",
        "; ".join(target.label for target in result.targets),
        [
            Section("Plan", facts(_facts(result)) + notes),
            Section("Chart", figure(chart or staffing_chart(result))),
            Section("Per interval", table(staffing_display_table(result), table_id="staffing")),
        ],
    )


def write_staffing_outputs(result: StaffingResult, directory: Path) -> StaffingOutputs:
    """Write the staffing table, summary, chart, report and plan scenario to ``directory``
    (created if need be)."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs = StaffingOutputs(
        directory=directory,
        table=directory / "staffing.csv",
        summary=directory / "staffing.json",
        chart=directory / "staffing.png",
        report=directory / "staffing.html",
        plan_scenario=directory / "plan_scenario.yaml",
    )
    staffing_table(result).to_csv(outputs.table, index=False)
    outputs.summary.write_text(
        json.dumps(staffing_summary(result), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    chart = staffing_chart(result)
    outputs.chart.write_bytes(base64.b64decode(chart.png))
    outputs.report.write_text(staffing_report(result, chart), encoding="utf-8")
    plan = to_dict(result.plan_scenario)
    outputs.plan_scenario.write_text(
        f"# The staffing plan of {result.scenario.name!r} as a scenario "
        "(written by livechat staff).\n"
        + yaml.safe_dump(plan, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return outputs
