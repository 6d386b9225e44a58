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
``report.html``            the report: run facts, the KPI table, charts, KPIs per interval
                           in a few short tables (the CSV file has them all), one
                           self-contained file
=========================  ================================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.experiment import ExperimentResult
from simulator.kpis import kpi_names
from simulator.records import RecordType
from simulator.stats import Estimate

from .charts import simulation_charts
from .html import Section, details, facts, figure, link, page, paragraph, paragraph_with, table
from .html import escape as text
from .tables import (
    FEW_NOTE,
    format_estimate,
    format_start,
    format_value,
    kpi_label,
    record_counts,
    summary_dict,
    summary_rows,
    top_values,
)

__all__ = ["SimulationOutputs", "simulation_report", "write_simulation_outputs"]

_HOW_TO_READ = (
    "Each figure pools every replication (each with its own random stream from the seed): a "
    "share is all their chats together — the service level is every chat answered in time "
    "over every chat offered — and a count is the mean per replication. The 95% interval "
    "says how sure that is: were the experiment repeated with other seeds, intervals made "
    "this way would hold the true long-run value 95 times in 100, and they never leave the "
    "KPI's range. Narrow it with more replications. Everything is counted after the warm-up; "
    "a chat counts in the interval it arrived in. A dash means undefined (e.g. a service "
    f"level in an interval without chats); a value marked * is {FEW_NOTE}"
)

# The KPIs per interval, a few at a time: (heading, KPIs) — the percentile is added to waits.
_INTERVAL_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Chats", ("offered", "answered", "abandoned", "service_level", "abandonment")),
    ("Waits", ("p_wait", "mean_wait", "mean_wait_answered")),
    ("Agents", ("staffed_agents", "occupancy", "mean_concurrency")),
    ("Visitors", ("visitors", "chat_rate", "saw_wait_message", "launcher_hidden")),
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
    kpi_seconds = result.elapsed_seconds - result.simulation_seconds
    return [
        ("Scenario", scenario.name),
        ("Kind", "visitor funnel" if scenario.traffic.pages else "plain pool"),
        ("Start", f"{scenario.start} ({scenario.timezone})"),
        ("Length", f"{scenario.duration / 1440.0:g} days ({scenario.duration:,g} minutes)"),
        ("Warm-up (not counted)", f"{scenario.warmup_minutes:,g} minutes"),
        ("KPI interval", f"{scenario.kpis.interval_minutes:g} minutes"),
        ("Service-level threshold", f"{scenario.kpis.service_level_seconds:g} s"),
        ("Replications", f"{result.replications} (seed {result.seed})"),
        ("Agents", f"{len(scenario.agent_ids):,}"),
        ("Chats simulated", f"{chats:,} ({chats / result.replications:,.0f} per replication)"),
        (
            "Wall time",
            f"{result.simulation_seconds:.1f} s simulating, {kpi_seconds:.1f} s for the KPIs",
        ),
    ]


def _summary_html(result: ExperimentResult) -> str:
    rows = [
        {
            "KPI": row.label,
            "value": row.value + (" *" if row.few else ""),
            "95% interval": row.interval,
        }
        for row in summary_rows(result)
    ]
    return table(pd.DataFrame(rows), table_id="kpi-summary")


def _reconciliation(result: ExperimentResult) -> str:
    """A sentence that ties the shares together when chats other than those offered to
    agents exist (offline messages, unassigned chats), which makes an answered share by
    page look lower than the service level."""
    kinds = record_counts(result)["per_replication"]
    count = {kind: float(kinds.get(kind, 0.0)) for kind in kinds.index.astype(str)}
    other = count.get(RecordType.OFFLINE.value, 0.0) + count.get(RecordType.UNASSIGNED.value, 0.0)
    if other <= 0.0:
        return ""
    started = sum(v for k, v in count.items() if k != RecordType.LEFT_WITHOUT_CHAT.value)
    offered = sum(
        count.get(kind.value, 0.0)
        for kind in (RecordType.ANSWERED, RecordType.ABANDONED, RecordType.TIMED_OUT)
    )
    return paragraph(
        f"How the figures fit together: of {started:,.1f} chats visitors started per "
        f"replication, {offered:,.1f} were offered to agents (answered, abandoned or timed "
        f"out) and {count.get(RecordType.OFFLINE.value, 0.0):,.1f} became messages left "
        "offline (outside office hours)"
        + (
            f", {count.get(RecordType.UNASSIGNED.value, 0.0):,.1f} unassigned"
            if count.get(RecordType.UNASSIGNED.value, 0.0)
            else ""
        )
        + ". The service level, abandonment and waits count only the chats offered to "
        "agents; the tables by chatflow and page count every chat started, so their "
        "answered share is lower.",
        note=True,
    )


def _interval_tables(result: ExperimentResult) -> str:
    scenario = result.scenario
    threshold = scenario.kpis.service_level_seconds
    percentile = kpi_names(scenario.kpis.wait_percentile)[8]
    frame = result.interval_kpis
    starts = frame.drop_duplicates("interval").set_index("interval")["start"]
    estimates: dict[tuple[int, str], Estimate] = {}
    for interval, kpi, mean, low, high, n, few in zip(
        frame["interval"],
        frame["kpi"],
        frame["mean"],
        frame["ci_low"],
        frame["ci_high"],
        frame["n"],
        frame["few"],
        strict=True,
    ):
        estimates[(int(interval), kpi)] = Estimate(mean, low, high, int(n), few=bool(few))
    parts = []
    for heading, names in _INTERVAL_TABLES:
        if heading == "Visitors" and not scenario.traffic.pages:
            continue
        chosen = [*names, percentile] if heading == "Waits" else list(names)
        rows = []
        for interval, start in starts.items():
            row = {"interval start": format_start(start)}
            for name in chosen:
                estimate = estimates[(int(interval), name)]
                shown = format_estimate(name, estimate)
                row[kpi_label(name, threshold)] = shown + (" *" if estimate.few else "")
            rows.append(row)
        frame_id = f"kpi-intervals-{heading.lower()}"
        parts.append(f"<h3>{text(heading)}</h3>" + table(pd.DataFrame(rows), table_id=frame_id))
    return "".join(parts)


def _records_html(result: ExperimentResult) -> str:
    counts = record_counts(result)
    shown = pd.DataFrame(
        {
            "record type": counts.index.astype(str).str.replace("_", " "),
            "per replication": [f"{v:,.1f}" for v in counts["per_replication"]],
            "in all": [f"{int(v):,}" for v in counts["total"]],
        }
    )
    body = table(shown)
    if result.scenario.traffic.pages:
        for column, heading in (("chatflow", "Chats by chatflow"), ("page", "Chats by page")):
            top = top_values(result, column)
            shown = pd.DataFrame(
                {
                    column: top.index,
                    "chats per replication": [f"{v:,.1f}" for v in top["chats_per_replication"]],
                    "answered (of every chat started)": [
                        format_value("service_level", v) for v in top["answered_share"]
                    ],
                    "mean wait (of chats offered)": [
                        format_value("mean_wait", v) for v in top["mean_wait"]
                    ],
                }
            )
            body += f"<h3>{text(heading)}</h3>" + table(shown)
    return body


def simulation_report(result: ExperimentResult, files: SimulationOutputs | None = None) -> str:
    """The HTML report of an experiment (one self-contained page; ``files``: the CSV files
    written beside it, which the report links to)."""
    scenario = result.scenario
    every = paragraph("Pooled value [95% interval], by interval start.", note=True)
    if files is not None:
        every = paragraph_with(
            [
                text(
                    "Pooled value [95% interval], by interval start; every KPI with its "
                    "interval is in "
                ),
                link(files.kpis_by_interval.name, files.kpis_by_interval.name),
                text(" and every chat in "),
                link(files.records.name, files.records.name),
                text(" (beside this report)."),
            ]
        )
    sections = [
        Section(
            "The run",
            (paragraph(scenario.description) if scenario.description else "")
            + facts(_run_facts(result)),
        ),
        Section(
            "KPIs for the whole run",
            _summary_html(result) + _reconciliation(result) + paragraph(_HOW_TO_READ, note=True),
        ),
        Section("Charts", "".join(figure(chart) for chart in simulation_charts(result))),
        Section(
            "KPIs per interval",
            every
            + details(
                f"Show {result.interval_kpis['interval'].nunique():,} intervals",
                _interval_tables(result),
            ),
        ),
        Section("Records", _records_html(result)),
    ]
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
    outputs.report.write_text(simulation_report(result, outputs), encoding="utf-8")
    return outputs
