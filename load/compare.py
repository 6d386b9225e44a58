"""Load beside simulation (``livechat load --compare-simulation``): the server's measured
service level, abandonment and mean wait beside the simulator's figures for the same
scenario, over the same (compressed) length of time.

The live run is one realisation; the simulator gives two yardsticks: the 95% confidence
interval of the long-run value (where the mean of many such runs would lie), and the
range that 95% of single runs of this length fall in (the 2.5th to 97.5th percentile of the
replications) — the one a single live run should be inside. Times are in scenario units:
the server's waits (real seconds) are multiplied by the speed-up, and the service level is
asked of the server at the scenario's threshold divided by it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table

from simulator.scenario import Scenario, checked

__all__ = ["COMPARED", "compare_with_simulation", "print_comparison", "simulated_scenario"]

# KPI name → (label, the server report's field, factor from the server's unit to the
# simulator's: waits are real seconds there and scenario minutes here).
COMPARED = {
    "service_level": ("service level", "service_level", None),
    "abandonment": ("abandonment", "abandonment", None),
    "mean_wait": ("mean wait (s)", "mean_wait_seconds", "wait"),
}


def simulated_scenario(
    scenario: Scenario, seconds: float, speedup: float, skip_hours: float = 0.0
) -> Scenario:
    """``scenario`` as long as a live run of ``seconds`` at ``speedup``, from the same
    moment (no warm-up: the live run starts empty too)."""
    minutes = seconds * speedup / 60.0
    begins = scenario.start_utc.astimezone(scenario.zone) + timedelta(hours=skip_hours)
    interval = min(scenario.kpis.interval_minutes, minutes)
    return checked(
        replace(
            scenario,
            start=begins.replace(tzinfo=None).isoformat(timespec="minutes"),
            duration_days=None,
            duration_minutes=minutes,
            warmup_minutes=0.0,
            kpis=replace(scenario.kpis, interval_minutes=interval),
        )
    )


def _server_value(server: dict[str, Any], field: str, unit: str | None, speedup: float) -> float:
    value = server.get(field)
    if value is None:
        return math.nan
    return float(value) * speedup if unit == "wait" else float(value)


def compare_with_simulation(
    scenario: Scenario,
    server: dict[str, Any],
    seconds: float,
    speedup: float,
    replications: int,
    directory: Path,
    seed: int = 1,
    skip_hours: float = 0.0,
) -> pd.DataFrame:
    """Run the simulator and write ``comparison.csv`` beside the run's files."""
    from simulator.experiment import run_experiment

    model = simulated_scenario(scenario, seconds, speedup, skip_hours)
    result = run_experiment(model, replications, seed, workers=min(2, replications))
    rows = []
    for kpi, (label, field, unit) in COMPARED.items():
        estimate = result.summary[kpi]
        scale = 60.0 if unit == "wait" else 1.0  # simulator waits are in minutes
        runs = result.replication_kpis[kpi].dropna().to_numpy(dtype=float) * scale
        low, high = (
            (float(np.quantile(runs, 0.025)), float(np.quantile(runs, 0.975)))
            if len(runs)
            else (math.nan, math.nan)
        )
        measured = _server_value(server, field, unit, speedup)
        rows.append(
            {
                "kpi": label,
                "server": measured,
                "simulated": estimate.mean * scale,
                "95% CI low": estimate.ci_low * scale,
                "95% CI high": estimate.ci_high * scale,
                "single runs low": low,
                "single runs high": high,
                "inside single-run range": bool(low <= measured <= high),
            }
        )
    frame = pd.DataFrame(rows)
    frame.to_csv(directory / "comparison.csv", index=False)
    return frame


def _fmt(value: float, kpi: str) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.1%}" if kpi != COMPARED["mean_wait"][0] else f"{value:.1f}"


def print_comparison(console: Console, frame: pd.DataFrame) -> None:
    table = Table(
        title="Load beside simulation (waits in scenario seconds)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for column in ("KPI", "server", "simulator", "mean's 95% CI", "one run's 95%", ""):
        table.add_column(column, justify="left" if column == "KPI" else "right", no_wrap=True)
    for row in frame.to_dict("records"):
        kpi = str(row["kpi"])

        def cell(name: str, kpi: str = kpi, row: dict[str, Any] = row) -> str:
            return _fmt(float(row[name]), kpi)

        table.add_row(
            kpi,
            cell("server"),
            cell("simulated"),
            f"{cell('95% CI low')} – {cell('95% CI high')}",
            f"{cell('single runs low')} – {cell('single runs high')}",
            "inside" if row["inside single-run range"] else "outside",
        )
    console.print(table)
