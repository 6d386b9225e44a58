"""Charts for the reports (QA4), drawn with matplotlib's object API (no pyplot, so no global
figure state and no GUI backend) and handed out as base64 PNG for self-contained HTML.

Each chart plots a KPI's pooled value per interval with its 95% confidence interval as a
shaded band (inside the KPI's range, see :mod:`simulator.stats`); times on the x axis are
wall-clock times in the scenario's time zone.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from simulator.experiment import ExperimentResult
from simulator.kpis import kpi_names
from simulator.staffing import StaffingResult

from .tables import Unit, kpi_label, kpi_unit

__all__ = ["Chart", "png_base64", "simulation_charts", "staffing_chart", "staffing_figure"]

_DPI = 100


@dataclass(frozen=True)
class Chart:
    """A chart for a report: a title, a caption saying how to read it, the PNG as base64."""

    title: str
    caption: str
    png: str


def png_base64(figure: Figure) -> str:
    """The figure as a base64 PNG (no timestamps or software tag, so the same figure gives
    the same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _scale(name: str) -> float:
    # Waits are kept in minutes and shown in seconds.
    return 60.0 if kpi_unit(name) is Unit.WAIT else 1.0


def _time_axis(axes: Axes) -> None:
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(True, alpha=0.3)


@dataclass(frozen=True)
class _Intervals:
    """KPIs per interval, wide: one column per KPI in each of ``mean``, ``low``, ``high``."""

    times: np.ndarray[Any, np.dtype[np.datetime64]]
    mean: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame


def _wide(result: ExperimentResult) -> _Intervals:
    frame = result.interval_kpis
    starts = frame.drop_duplicates("interval").sort_values("interval")["start"]
    times = pd.to_datetime(starts).dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return _Intervals(
        times=times,
        mean=frame.pivot(index="interval", columns="kpi", values="mean"),
        low=frame.pivot(index="interval", columns="kpi", values="ci_low"),
        high=frame.pivot(index="interval", columns="kpi", values="ci_high"),
    )


def _band(axes: Axes, wide: _Intervals, name: str, label: str, *, band: bool = True) -> None:
    scale = _scale(name)
    times = wide.times
    mean = wide.mean[name].to_numpy(dtype=float) * scale
    (line,) = axes.plot(times, mean, label=label, marker="." if len(times) < 50 else None)
    if band:
        low = wide.low[name].to_numpy(dtype=float) * scale
        high = wide.high[name].to_numpy(dtype=float) * scale
        axes.fill_between(times, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def _chart(title: str, caption: str, figure: Figure) -> Chart:
    figure.suptitle(title)
    return Chart(title, caption, png_base64(figure))


def simulation_charts(result: ExperimentResult) -> list[Chart]:
    """The charts of a simulation report (see each caption)."""
    scenario = result.scenario
    threshold = scenario.kpis.service_level_seconds
    percentile = kpi_names(scenario.kpis.wait_percentile)[8]
    wide = _wide(result)
    charts: list[Chart] = []

    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.subplots()
    width = np.timedelta64(int(scenario.kpis.interval_minutes * 60), "s")
    answered = wide.mean["answered"].to_numpy(dtype=float)
    abandoned = wide.mean["abandoned"].to_numpy(dtype=float)
    starts = wide.times
    axes.bar(starts, answered, width=width * 0.9, align="edge", label="answered", color="tab:blue")
    axes.bar(
        starts,
        abandoned,
        bottom=answered,
        width=width * 0.9,
        align="edge",
        label="abandoned",
        color="tab:orange",
    )
    edges = np.append(starts, starts[-1] + width) if len(starts) else starts
    low = wide.low["offered"].to_numpy(dtype=float)
    high = wide.high["offered"].to_numpy(dtype=float)
    if len(starts):
        axes.fill_between(
            edges,
            np.append(low, low[-1]),
            np.append(high, high[-1]),
            step="post",
            color="0.2",
            alpha=0.15,
            linewidth=0,
            label="offered: 95% interval",
        )
    axes.set_ylim(bottom=0.0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("chats per interval")
    _time_axis(axes)
    axes.legend(loc="upper left")
    charts.append(
        _chart(
            "Chats per interval",
            "Chats offered to the agents in each interval (by the interval they arrived in, "
            "mean per replication): answered (blue) and abandoned (orange) stack up to the "
            "offered chats; the grey band is the 95% interval of the offered chats.",
            figure,
        )
    )

    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.subplots()
    _band(axes, wide, "service_level", f"answered within {threshold:g} s")
    _band(axes, wide, "abandonment", "abandoned")
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    axes.set_ylim(-0.02, 1.02)
    axes.set_ylabel("share of offered chats")
    _time_axis(axes)
    axes.legend(loc="lower left")
    charts.append(
        _chart(
            "Service level and abandonment",
            f"Share of offered chats answered within {threshold:g} s (abandoned chats count "
            "as not answered in time) and share abandoned. An interval without chats has no "
            "value.",
            figure,
        )
    )

    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.subplots()
    _band(axes, wide, "mean_wait", "mean wait")
    _band(axes, wide, percentile, kpi_label(percentile).split(" (")[0], band=False)
    axes.set_ylim(bottom=0.0)
    axes.set_ylabel("seconds")
    _time_axis(axes)
    axes.legend(loc="upper left")
    charts.append(
        _chart(
            "Waits",
            "Mean wait in the queue of offered chats (abandoned ones until they left) and the "
            "wait percentile, in seconds.",
            figure,
        )
    )

    figure = Figure(figsize=(10, 3.6), layout="constrained")
    axes = figure.subplots()
    _band(axes, wide, "staffed_agents", "agents at work")
    axes.set_ylim(bottom=0.0)
    axes.set_ylabel("agents")
    _time_axis(axes)
    right = axes.twinx()
    right.plot(wide.times, wide.mean["occupancy"].to_numpy(), color="tab:red", alpha=0.7)
    right.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    right.set_ylim(0.0, 1.05)
    right.set_ylabel("occupancy", color="tab:red")
    charts.append(
        _chart(
            "Agents and occupancy",
            "Agents at work on average (left) and occupancy — the share of their chat slots "
            "in use while at work (right, red).",
            figure,
        )
    )

    if scenario.traffic.pages:
        figure = Figure(figsize=(10, 3.6), layout="constrained")
        axes = figure.subplots()
        _band(axes, wide, "chat_rate", "visitors who chatted")
        _band(axes, wide, "saw_wait_message", "shown the wait message")
        _band(axes, wide, "launcher_hidden", "launcher hidden")
        axes.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        axes.set_ylabel("share of visitors")
        _time_axis(axes)
        axes.legend(loc="upper left")
        charts.append(
            _chart(
                "What visitors saw",
                "Share of each interval's visitors who started a chat, who were shown the wait "
                "message (every agent full) and whose launcher was hidden.",
                figure,
            )
        )

    charts.append(_wait_histogram(result))
    return charts


def _wait_histogram(result: ExperimentResult) -> Chart:
    records = result.records
    kind = records["record_type"].astype(str)
    first = round(result.scenario.warmup_minutes / result.scenario.kpis.interval_minutes)
    offered = records[kind.isin(["answered", "abandoned"]) & (records["interval"] >= first)]
    waits = offered["wait"].to_numpy(dtype=float) * 60.0
    waited = waits[waits > 0.0]
    threshold = result.scenario.kpis.service_level_seconds
    figure = Figure(figsize=(10, 3.2), layout="constrained")
    axes = figure.subplots()
    if waited.size:
        top = float(np.percentile(waited, 99.0))
        bins = np.linspace(0.0, max(top, threshold, 1.0), 40).tolist()
        axes.hist(np.minimum(waited, bins[-1]), bins=bins, color="tab:blue", alpha=0.8)
    axes.axvline(threshold, color="tab:green", linestyle="--", label=f"{threshold:g} s")
    axes.set_xlabel("wait (s); the last bar holds the longest 1%")
    axes.set_ylabel(f"chats ({result.replications} replications together)")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(loc="upper right")
    if waits.size:
        share = f"{100.0 * (1.0 - waited.size / waits.size):.1f}% of offered chats did not wait."
    else:
        share = "No chat was offered."
    return _chart(
        "How long chats waited",
        "Waits of offered chats that had to wait, all replications together, and the "
        f"service-level threshold (dashed). {share}",
        figure,
    )


def _steps(
    times: Sequence[datetime], values: Sequence[float], width: timedelta
) -> tuple[np.ndarray[Any, np.dtype[np.datetime64]], list[float]]:
    # A value per interval drawn as a flat step across the whole interval.
    edges = np.array([*times, times[-1] + width], dtype="datetime64[us]")
    return edges, [*values, values[-1]]


def staffing_figure(result: StaffingResult) -> Figure:
    """Per planned group, agents per interval (the plan, the analytic figures, as written,
    the roster) over the group's demand; below, each target's KPI under the plan with its
    confidence band (one line per group) and the bound."""
    width = timedelta(minutes=result.scenario.kpis.interval_minutes)
    groups = [group.id for group in result.planned]
    panels = len(groups) + len(result.targets)
    figure = Figure(figsize=(10, 2.6 * len(groups) + 2.2 * len(result.targets) + 0.6),
                    layout="constrained")  # fmt: skip
    axes_list = figure.subplots(
        panels, 1, sharex=True, height_ratios=[1.5] * len(groups) + [1] * len(result.targets)
    )
    axes_list = np.atleast_1d(axes_list)
    for axes, group in zip(axes_list[: len(groups)], groups, strict=True):
        rows = [row for row in result.rows if row.group == group]
        times = [row.start.replace(tzinfo=None) for row in rows]
        demand = axes.twinx()
        x, y = _steps(times, [row.chats_per_hour for row in rows], width)
        demand.fill_between(x, y, step="post", color="0.85", linewidth=0)
        demand.set_ylabel("chats per hour", color="0.45")
        demand.set_ylim(bottom=0.0)
        axes.set_zorder(demand.get_zorder() + 1)
        axes.patch.set_visible(False)
        lines: list[tuple[str, list[float], dict[str, Any]]] = [
            ("as written", [row.as_written for row in rows], dict(color="0.5", linewidth=1)),
            ("Erlang C", _figures(rows, "erlang_c"), dict(color="tab:orange", linestyle=":")),
            ("Erlang A", _figures(rows, "erlang_a"), dict(color="tab:purple", linestyle="--")),
            ("chat pool", _figures(rows, "chat_pool"), dict(color="tab:green", linestyle="-.")),
            ("plan (simulated)", [row.agents for row in rows], dict(color="tab:blue", linewidth=2)),
        ]
        if result.roster is not None:
            lines.append(
                ("roster", [row.roster or 0.0 for row in rows], dict(color="black", linewidth=1))
            )
        for label, values, style in lines:
            x, y = _steps(times, [float(v) for v in values], width)
            axes.step(x, y, where="post", label=label, **style)
        axes.set_ylim(bottom=0.0)
        axes.set_ylabel(f"agents: {group}" if len(groups) > 1 else "agents")
        axes.legend(loc="upper left", fontsize="small", ncol=2)
        _time_axis(axes)
    for panel, target in zip(axes_list[len(groups) :], result.targets, strict=True):
        scale = _scale(target.kpi)
        for group in groups:
            rows = [row for row in result.rows if row.group == group]
            times = [row.start.replace(tzinfo=None) for row in rows]
            mean = [row.kpis[target.kpi].mean * scale for row in rows]
            low = [row.kpis[target.kpi].ci_low * scale for row in rows]
            high = [row.kpis[target.kpi].ci_high * scale for row in rows]
            x, y = _steps(times, mean, width)
            (line,) = panel.step(x, y, where="post", label=f"plan: {group}")
            panel.fill_between(
                x,
                _steps(times, low, width)[1],
                _steps(times, high, width)[1],
                step="post",
                color=line.get_color(),
                alpha=0.2,
                linewidth=0,
            )
        panel.axhline(target.bound * scale, color="tab:red", linestyle="--", label=target.label)
        if kpi_unit(target.kpi) is Unit.SHARE:
            panel.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
        else:
            panel.set_ylim(bottom=0.0)
        unit = " (s)" if kpi_unit(target.kpi) is Unit.WAIT else ""
        panel.set_ylabel(kpi_label(target.kpi).split(" (")[0] + unit)
        panel.legend(loc="lower left" if target.at_least else "upper left", fontsize="small")
        _time_axis(panel)
    figure.suptitle(f"Staffing plan — {result.scenario.name}")
    return figure


def _figures(rows: Sequence[Any], column: str) -> list[float]:
    return [np.nan if getattr(row, column) is None else getattr(row, column) for row in rows]


def staffing_chart(result: StaffingResult) -> Chart:
    """The staffing figure as a report chart."""
    return Chart(
        "Agents per interval",
        "Top: agents on the floor per interval for each group — the plan checked by "
        "simulation (blue), Erlang A (dashed), Erlang C (dotted), the exact chat-pool chain "
        "(dash-dot), the scenario as written (grey) and, with shift templates, the roster "
        "(black) — over the group's chat demand (shaded, right axis). Below: each target's "
        "KPI under the plan, with its 95% confidence band, and the bound (red, dashed).",
        png_base64(staffing_figure(result)),
    )
