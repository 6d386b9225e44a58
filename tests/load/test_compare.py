"""Load beside simulation: the server's figures next to the simulator's for the same
stretch of the scenario, waits brought back to scenario time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from load.compare import compare_with_simulation
from simulator.scenario import load_scenario

pytestmark = pytest.mark.feature("QA2", "SIM6")

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_is_set_beside_the_simulators_intervals(tmp_path: Path) -> None:
    model = load_scenario(ROOT / "scenarios" / "load" / "plain_pool.yaml")
    server = {"service_level": 0.5, "abandonment": 0.9, "mean_wait_seconds": 0.25}
    frame = compare_with_simulation(model, server, 60.0, 60.0, 3, tmp_path)

    assert frame["kpi"].tolist() == ["service level", "abandonment", "mean wait (s)"]
    rows = frame.set_index("kpi")
    assert rows.loc["mean wait (s)", "server"] == 15.0  # 0.25 real seconds at 60×
    for kpi in rows.index:
        row = rows.loc[kpi]
        assert row["95% CI low"] <= row["simulated"] <= row["95% CI high"]
        assert row["single runs low"] <= row["single runs high"]
    # Nine in ten visitors giving up is far outside what the model lets one run do.
    assert not rows.loc["abandonment", "inside single-run range"]
    assert pd.read_csv(tmp_path / "comparison.csv").shape == (3, 8)


def test_a_figure_the_server_could_not_measure_stays_empty(tmp_path: Path) -> None:
    model = load_scenario(ROOT / "scenarios" / "load" / "plain_pool.yaml")
    server = {"service_level": None, "abandonment": None, "mean_wait_seconds": None}
    frame = compare_with_simulation(model, server, 30.0, 60.0, 2, tmp_path)
    assert frame["server"].isna().all()
    assert not frame["inside single-run range"].any()
