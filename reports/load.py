"""The load-test report: Locust's CSV files and the server's chat KPIs turned into tables,
charts and one self-contained HTML page (QA4).

Inputs, all in the run's directory: ``locust_stats.csv`` (totals per request name),
``locust_stats_history.csv`` (every few seconds per name, with ``--csv-full-history``),
``locust_failures.csv`` (errors by kind), ``connections-*.csv`` (open WebSockets of each
Locust process, once a second), ``server_kpis.json`` (the server's chat report for the
window and its slices) and, with ``--compare-simulation``, ``comparison.csv``.

Requests of type ``WS`` are the WebSocket steps (connect, start → started, message → ack,
visitor → agent delivery); they are charted like the HTTP calls.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .charts import Chart, png_base64
from .html import Section, facts, figure, page, paragraph, table

__all__ = [
    "LoadRun",
    "connections",
    "errors_by_kind",
    "history",
    "load_report",
    "read_run",
    "summary_table",
    "write_load_report",
]

AGGREGATED = "Aggregated"
PERCENTILES = {"50%": "p50", "95%": "p95", "99%": "p99"}


@dataclass(frozen=True)
class LoadRun:
    """What one run left in its directory."""

    directory: Path
    stats: pd.DataFrame
    history: pd.DataFrame
    failures: pd.DataFrame
    connections: pd.DataFrame
    server: dict[str, Any]
    comparison: pd.DataFrame | None
    facts: dict[str, str]


def _csv(path: Path) -> pd.DataFrame:
    if not path.exists() or path.stat().st_size == 0:
        return pd.DataFrame()
    return pd.read_csv(path, na_values=["N/A"])


def history(frame: pd.DataFrame) -> pd.DataFrame:
    """The history per request name: seconds since the start, requests/s, p50/p95/p99 (ms),
    users; the aggregated row is kept under its own name."""
    if frame.empty:
        return pd.DataFrame(
            columns=["seconds", "type", "name", "rps", "users", "p50", "p95", "p99"]
        )
    begin = frame["Timestamp"].min()
    out = pd.DataFrame(
        {
            "seconds": frame["Timestamp"] - begin,
            "type": frame["Type"].fillna(""),
            "name": frame["Name"],
            "rps": frame["Requests/s"].astype(float),
            "users": frame["User Count"].astype(float),
        }
    )
    for column, short in PERCENTILES.items():
        out[short] = pd.to_numeric(frame[column], errors="coerce")
    return out.reset_index(drop=True)


def connections(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Open WebSockets per second, all Locust processes together."""
    frames = [p for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame(columns=["seconds", "visitor", "agent"])
    every = pd.concat(
        [
            f.assign(second=np.floor(f["time"]).astype(np.int64)).groupby("second").last()
            for f in frames
        ]
    )
    summed = every.groupby(level=0)[["visitor", "agent"]].sum().sort_index()
    summed.index = summed.index - summed.index.min()
    return summed.rename_axis("seconds").reset_index()


def errors_by_kind(failures: pd.DataFrame) -> pd.DataFrame:
    """Failures grouped by their error (``HTTPError('429 …')`` → one kind), largest first."""
    if failures.empty:
        return pd.DataFrame(columns=["error", "requests", "occurrences"])
    grouped = (
        failures.assign(error=failures["Error"].astype(str).str.slice(0, 120))
        .groupby("error")
        .agg(
            requests=("Name", lambda names: ", ".join(sorted(set(names)))),
            occurrences=("Occurrences", "sum"),
        )
        .sort_values("occurrences", ascending=False)
    )
    return grouped.reset_index()


def summary_table(stats: pd.DataFrame) -> pd.DataFrame:
    """Per request name: count, failures, requests/s and p50/p95/p99 in ms."""
    if stats.empty:
        return pd.DataFrame()
    out = pd.DataFrame(
        {
            "name": stats["Name"],
            "type": stats["Type"].fillna(""),
            "requests": stats["Request Count"].astype(int),
            "failures": stats["Failure Count"].astype(int),
            "req/s": stats["Requests/s"].astype(float).round(2),
        }
    )
    for column, short in PERCENTILES.items():
        out[f"{short} ms"] = pd.to_numeric(stats[column], errors="coerce")
    return out


def read_run(directory: Path) -> LoadRun:
    server_path = directory / "server_kpis.json"
    comparison_path = directory / "comparison.csv"
    facts_path = directory / "run.json"
    return LoadRun(
        directory=directory,
        stats=_csv(directory / "locust_stats.csv"),
        history=history(_csv(directory / "locust_stats_history.csv")),
        failures=_csv(directory / "locust_failures.csv"),
        connections=connections(
            [_csv(path) for path in sorted(directory.glob("connections-*.csv"))]
        ),
        server=json.loads(server_path.read_text()) if server_path.exists() else {},
        comparison=pd.read_csv(comparison_path) if comparison_path.exists() else None,
        facts=json.loads(facts_path.read_text()) if facts_path.exists() else {},
    )


# ----------------------------------------------------------------------------- charts


def _figure(height: float = 3.6) -> Figure:
    return Figure(figsize=(10, height), layout="constrained")


def _named(frame: pd.DataFrame) -> list[str]:
    names = [n for n in frame["name"].unique() if n != AGGREGATED]
    return sorted(names, key=lambda n: (not str(n).startswith("/"), str(n)))


def throughput_chart(frame: pd.DataFrame) -> Chart:
    fig = _figure(5.6)
    axes = fig.add_subplot()
    for name in _named(frame):
        part = frame[frame["name"] == name]
        axes.plot(part["seconds"], part["rps"], label=str(name), linewidth=1.2)
    total = frame[frame["name"] == AGGREGATED]
    if not total.empty:
        axes.plot(total["seconds"], total["rps"], label="all", color="black", linewidth=2)
        users = axes.twinx()
        users.plot(total["seconds"], total["users"], color="grey", linestyle=":", label="users")
        users.set_ylabel("users (dotted)")
        users.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("seconds since the start")
    axes.set_ylabel("requests per second")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    fig.suptitle("Requests per second")
    return Chart(
        "Requests per second",
        "Each HTTP endpoint and WebSocket step (templated names) over the run; the black line "
        "is all of them, the dotted line the users running.",
        png_base64(fig),
    )


def latency_chart(frame: pd.DataFrame) -> Chart:
    names = _named(frame)
    columns = 3
    rows = max(1, -(-len(names) // columns))
    fig = Figure(figsize=(10, 2.3 * rows + 0.6), layout="constrained")
    for i, name in enumerate(names):
        axes = fig.add_subplot(rows, columns, i + 1)
        part = frame[frame["name"] == name]
        for short in PERCENTILES.values():
            axes.plot(part["seconds"], part[short], label=short, linewidth=1.1)
        axes.set_title(str(name), fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(True, alpha=0.3)
        if i == 0:
            axes.legend(fontsize=7)
    fig.suptitle("Response time p50 / p95 / p99 (ms) over the run (seconds)")
    return Chart(
        "Response times",
        "For each endpoint and WebSocket step: the median, 95th and 99th percentile of the "
        "recent requests, in milliseconds, against seconds since the start.",
        png_base64(fig),
    )


def errors_chart(kinds: pd.DataFrame) -> Chart:
    fig = _figure(max(1.6, 0.5 + 0.35 * len(kinds)))
    axes = fig.add_subplot()
    if kinds.empty:
        axes.text(0.5, 0.5, "no errors", ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
    else:
        labels = [str(e)[:70] for e in kinds["error"]][::-1]
        axes.barh(labels, kinds["occurrences"].to_numpy()[::-1], color="#b42318")
        axes.tick_params(labelsize=7)
        axes.set_xlabel("occurrences")
    fig.suptitle("Errors by kind")
    return Chart("Errors by kind", "Failed requests and steps grouped by error.", png_base64(fig))


def connections_chart(frame: pd.DataFrame) -> Chart:
    fig = _figure(3.0)
    axes = fig.add_subplot()
    axes.plot(frame["seconds"], frame["visitor"], label="visitors")
    axes.plot(frame["seconds"], frame["agent"], label="agents")
    axes.set_xlabel("seconds since the start")
    axes.set_ylabel("open WebSockets")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    fig.suptitle("Open connections")
    return Chart(
        "Open connections",
        "WebSockets the load generator held open, once a second (all Locust processes).",
        png_base64(fig),
    )


def server_frame(slices: Sequence[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for part in slices:
        waits = part.get("wait_percentiles_seconds", {})
        rows.append(
            {
                "until (UTC)": str(part["until"])[11:19],
                "chats": part["chats"],
                "answered": part["answered"],
                "abandoned": part["abandoned"],
                "waiting": part["waiting"],
                "service level": part["service_level"],
                "mean wait s": part["mean_wait_seconds"],
                **{f"wait {k} s": v for k, v in waits.items()},
            }
        )
    return pd.DataFrame(rows)


def server_chart(frame: pd.DataFrame) -> Chart:
    fig = _figure(3.6)
    counts, waits = fig.subplots(1, 2)
    x = np.arange(len(frame))
    bottom = np.zeros(len(frame))
    for column, colour in (
        ("answered", "#067647"),
        ("abandoned", "#b42318"),
        ("waiting", "#f79009"),
    ):
        values = frame[column].to_numpy(dtype=float)
        counts.bar(x, values, bottom=bottom, label=column, color=colour)
        bottom += values
    counts.set_xlabel("slice of the run")
    counts.set_ylabel("chats that arrived")
    counts.legend(fontsize=8)
    for column in [c for c in frame.columns if c.startswith("wait p")]:
        waits.plot(x, frame[column].astype(float), marker=".", label=column)
    waits.set_xlabel("slice of the run")
    waits.set_ylabel("wait (real seconds)")
    waits.grid(True, alpha=0.3)
    waits.legend(fontsize=8)
    fig.suptitle("The server's chat KPIs over the window")
    return Chart(
        "Server KPIs",
        "From GET /api/v1/reports/chats for equal slices of the run: chats by what became of "
        "them (waiting: not taken by the slice's end), and the wait percentiles.",
        png_base64(fig),
    )


def comparison_chart(frame: pd.DataFrame) -> Chart:
    """One panel per KPI: the range of single simulated runs (thin), the interval of the
    simulated mean (thick), and the server's measured value (a dot)."""
    fig = _figure(2.6)
    panels = fig.subplots(1, len(frame))
    for axes, row in zip(np.atleast_1d(panels), frame.to_dict("records"), strict=True):
        axes.vlines(0, row["single runs low"], row["single runs high"], color="#98a2b3", lw=2)
        axes.vlines(0, row["95% CI low"], row["95% CI high"], color="#2356a8", lw=7)
        axes.plot([0], [row["simulated"]], marker="_", color="white", markersize=12)
        axes.plot([0.25], [row["server"]], marker="o", color="#b42318", markersize=8)
        axes.set_xlim(-0.6, 0.6)
        axes.set_xticks([0, 0.25], ["simulator", "server"], fontsize=8)
        axes.set_title(str(row["kpi"]), fontsize=9)
        axes.grid(True, axis="y", alpha=0.3)
        if "wait" not in str(row["kpi"]):
            axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    fig.suptitle("Load beside simulation")
    return Chart(
        "Load beside simulation",
        "Blue: the simulator's 95% interval of the mean; grey: where 95% of single simulated "
        "runs of this length fall; red: what the live server measured (waits in scenario "
        "seconds).",
        png_base64(fig),
    )


# ----------------------------------------------------------------------------- page


def load_report(run: LoadRun) -> str:
    sections = [Section("The run", facts(sorted(run.facts.items())))]
    summary = summary_table(run.stats)
    if not summary.empty:
        sections.append(Section("Requests and WebSocket steps", table(summary)))
    if not run.history.empty:
        sections.append(
            Section(
                "Throughput and response times",
                figure(throughput_chart(run.history)) + figure(latency_chart(run.history)),
            )
        )
    kinds = errors_by_kind(run.failures)
    sections.append(
        Section("Errors", figure(errors_chart(kinds)) + (table(kinds) if not kinds.empty else ""))
    )
    if not run.connections.empty:
        sections.append(Section("Connections", figure(connections_chart(run.connections))))
    if run.server:
        whole = run.server.get("window", {})
        frame = server_frame(run.server.get("slices", []))
        body = paragraph(
            "The server's own count of the chats that arrived during the run "
            f"(service level within {whole.get('service_level_seconds', '?')} real seconds)."
        )
        body += table(server_frame([whole])) if whole else ""
        if not frame.empty:
            body += figure(server_chart(frame))
        sections.append(Section("The server's chat KPIs", body))
    if run.comparison is not None:
        sections.append(
            Section(
                "Load beside simulation",
                paragraph(
                    "The server's measured KPIs (times scaled back by the speed-up) beside "
                    "the simulator's 95% intervals for the same scenario and length."
                )
                + figure(comparison_chart(run.comparison))
                + table(run.comparison),
            )
        )
    title = run.facts.get("scenario", "Load test")
    return page(f"Load test: {title}", run.facts.get("target", ""), sections)


def write_load_report(directory: Path) -> Path:
    """Build ``report.html`` (and ``summary.csv``) from what the run left in ``directory``."""
    run = read_run(directory)
    summary_table(run.stats).to_csv(directory / "summary.csv", index=False)
    path = directory / "report.html"
    path.write_text(load_report(run), encoding="utf-8")
    return path
