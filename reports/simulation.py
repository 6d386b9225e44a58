"""The simulation report (QA4, SIM5, SIM6): what ``livechat simulate`` writes.

:func:`write_simulation_outputs` puts four files in a directory:

=========================  ================================================================
``records.csv``            one row per chat (and per visitor without one, when the scenario
                           keeps visitor records) of every replication; columns as in
                           :mod:`simulator.records`, times in minutes from the start
``kpis_by_interval.csv``   per interval and KPI (long format): ``interval``, local ``start``,
                           ``kpi``, ``mean`` (the pooled estimate), ``ci_low``, ``ci_high``
                           (95%, inside the KPI's range), ``n`` (replications where the KPI
                           is defined), ``observations`` and ``few`` (see
                           :mod:`simulator.stats`)
``summary.json``           the run's facts and, per KPI over the whole run after the warm-up,
                           ``mean``, ``ci_low``, ``ci_high``, ``n`` (undefined: ``null``)
``report.html``            the report: run facts, the KPI table, charts, KPIs per interval,
                           one self-contained file
=========================  ================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.experiment import ExperimentResult
from simulator.kpis import kpi_names
from simulator.stats import Estimate

from .charts import simulation_charts
from .html import Section, details, facts, figure, page, paragraph, table
from .tables import (
    format_estimate,
    format_value,
    kpi_label,
    record_counts,
    summary_dict,
    top_values,
)

__all__ = ["SimulationOutputs", "simulation_report", "write_simulation_outputs"]

_HOW_TO_READ = (
    "Each figure is the mean over independent replications (each with its own random "
    "stream from the seed) with a 95% confidence interval in brackets: if the experiment "
    "were repeated with other seeds, intervals made this way would hold the true long-run "
    "value 95 times in 100. Narrow it with more replications (its width shrinks with the "
    "square root of their number). Everything is counted after the warm-up; a chat counts in "
    "the interval it arrived in. A dash means undefined (e.g. a service level in an interval "
    "without chats)."
)


@dataclass(frozen=True)
class SimulationOutputs:
    """The files :func:`write_simulation_outputs` wrote."""

    directory: Path
    records: Path
    kpis_by_interval: Path
    summary: Path
    report: Path

    @property
    def paths(self) -> tuple[Path, ...]:
        return (self.records, self.kpis_by_interval, self.summary, self.report)


def _run_facts(result: ExperimentResult) -> list[tuple[str, str]]:
    scenario = result.scenario
    records = result.records
    chats = int((records["record_type"].astype(str) != "left_without_chat").sum())
    return [
        ("Scenario", scenario.name),
        ("Kind", "visitor funnel" if scenario.traffic.pages else "plain pool"),
        ("Start", f"{scenario.start} ({scenario.timezone})"),
        ("Length", f"{scenario.duration / 1440.0:g} days ({scenario.duration:g} minutes)"),
        ("Warm-up (not counted)", f"{scenario.warmup_minutes:g} minutes"),
        ("KPI interval", f"{scenario.kpis.interval_minutes:g} minutes"),
        ("Service-level threshold", f"{scenario.kpis.service_level_seconds:g} s"),
        ("Replications", f"{result.replications} (seed {result.seed})"),
        ("Agents", str(len(scenario.agent_ids))),
        ("Chats simulated", f"{chats:,} ({chats / result.replications:,.0f} per replication)"),
        ("Run time", f"{result.elapsed_seconds:.1f} s"),
    ]


def _summary_html(result: ExperimentResult) -> str:
    threshold = result.scenario.kpis.service_level_seconds
    rows = [
        {
            "KPI": kpi_label(name, threshold),
            "mean": format_value(name, estimate.mean),
            "95% CI": (
                "–"
                if pd.isna(estimate.ci_low)
                else f"{format_value(name, estimate.ci_low)} – "
                f"{format_value(name, estimate.ci_high)}"
            ),
            "n": estimate.n,
        }
        for name, estimate in result.summary.items()
    ]
    return table(pd.DataFrame(rows), table_id="kpi-summary")


def _interval_kpis(result: ExperimentResult) -> list[str]:
    scenario = result.scenario
    names = kpi_names(scenario.kpis.wait_percentile)
    chosen = ["offered", "answered", "abandoned", "service_level", "mean_wait", names[8]]
    chosen += ["occupancy", "staffed_agents"]
    if scenario.traffic.pages:
        chosen += ["visitors", "chat_rate", "saw_wait_message", "launcher_hidden"]
    return chosen


def _intervals_html(result: ExperimentResult) -> str:
    names = _interval_kpis(result)
    frame = result.interval_kpis[result.interval_kpis["kpi"].isin(names)]
    cells: dict[int, dict[str, str]] = {}
    for interval, start, kpi, mean, low, high, n in zip(
        frame["interval"],
        frame["start"],
        frame["kpi"],
        frame["mean"],
        frame["ci_low"],
        frame["ci_high"],
        frame["n"],
        strict=True,
    ):
        row = cells.setdefault(int(interval), {"start": start.strftime("%a %Y-%m-%d %H:%M")})
        row[kpi] = format_estimate(kpi, Estimate(mean, low, high, int(n)))
    threshold = result.scenario.kpis.service_level_seconds
    wide = pd.DataFrame([cells[i] for i in sorted(cells)], columns=["start", *names])
    wide.columns = pd.Index(["interval start", *(kpi_label(name, threshold) for name in names)])
    return table(wide, table_id="kpi-intervals")


def simulation_report(result: ExperimentResult) -> str:
    """The HTML report of an experiment (one self-contained page)."""
    scenario = result.scenario
    sections = [
        Section(
            "The run",
            (paragraph(scenario.description) if scenario.description else "")
            + facts(_run_facts(result)),
        ),
        Section("KPIs for the whole run", _summary_html(result) + paragraph(_HOW_TO_READ)),
        Section("Charts", "".join(figure(chart) for chart in simulation_charts(result))),
        Section(
            "KPIs per interval",
            paragraph("Mean over replications [95% confidence interval], by interval start.")
            + details(
                f"Show {result.interval_kpis['interval'].nunique()} intervals",
                _intervals_html(result),
            ),
        ),
    ]
    counts = record_counts(result)
    counts.index = counts.index.astype(str)
    records_body = table(counts.reset_index().round(2))
    if scenario.traffic.pages:
        for column, heading in (("chatflow", "Chats by chatflow"), ("page", "Chats by page")):
            top = top_values(result, column)
            top["answered_share"] = [
                format_value("service_level", v) for v in top["answered_share"]
            ]
            top["mean_wait"] = [format_value("mean_wait", v) for v in top["mean_wait"]]
            records_body += f"<h3>{heading}</h3>" + table(top.round(2).reset_index())
    sections.append(Section("Records", records_body))
    return page(
        f"Simulation report — {scenario.name}",
        f"{result.replications} replications, seed {result.seed}",
        sections,
    )


def write_simulation_outputs(result: ExperimentResult, directory: Path) -> SimulationOutputs:
    """Write records, KPIs per interval, the summary and the report to ``directory``
    (created if need be; files there of the same names are replaced)."""
    directory.mkdir(parents=True, exist_ok=True)
    outputs = SimulationOutputs(
        directory=directory,
        records=directory / "records.csv",
        kpis_by_interval=directory / "kpis_by_interval.csv",
        summary=directory / "summary.json",
        report=directory / "report.html",
    )
    result.records.to_csv(outputs.records, index=False)
    result.interval_kpis.to_csv(outputs.kpis_by_interval, index=False)
    outputs.summary.write_text(
        json.dumps(summary_dict(result), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    outputs.report.write_text(simulation_report(result), encoding="utf-8")
    return outputs
