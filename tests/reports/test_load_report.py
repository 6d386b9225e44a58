"""The load-test report built from what a run leaves in its directory: Locust's CSV files,
the open connections of each Locust process and the server's chat KPIs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from reports.load import connections, errors_by_kind, history, read_run, write_load_report

pytestmark = pytest.mark.feature("QA4")

PERCENTILES = ["50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"]
HISTORY_HEAD = ["Timestamp", "User Count", "Type", "Name", "Requests/s", "Failures/s"]
STATS_HEAD = [
    "Type", "Name", "Request Count", "Failure Count", "Median Response Time",
    "Average Response Time", "Min Response Time", "Max Response Time", "Average Content Size",
    "Requests/s", "Failures/s",
]  # fmt: skip


def history_row(t: int, name: str, kind: str, rps: float, p50: str, p95: str, p99: str) -> list:  # type: ignore[type-arg]
    cells = [p50, p50, p50, p50, p95, p95, p99, p99, p99, p99, p99]
    return [t, 7, kind, name, rps, 0.0, *cells]


def write_run(directory: Path) -> Path:
    rows = [
        history_row(1000, "Aggregated", "", 0.0, "N/A", "N/A", "N/A"),
        history_row(1002, "/widget/v1/[account]/config", "POST", 2.0, "12", "30", "41"),
        history_row(1002, "visitor start → started", "WS", 1.0, "20", "45", "60"),
        history_row(1002, "Aggregated", "", 3.0, "15", "40", "60"),
        history_row(1004, "/widget/v1/[account]/config", "POST", 2.5, "14", "33", "50"),
        history_row(1004, "visitor start → started", "WS", 1.5, "22", "50", "70"),
        history_row(1004, "Aggregated", "", 4.0, "16", "45", "70"),
    ]
    pd.DataFrame(rows, columns=HISTORY_HEAD + PERCENTILES).to_csv(
        directory / "locust_stats_history.csv", index=False
    )
    stats = [
        ["POST", "/widget/v1/[account]/config", 9, 1, 13, 14.0, 3.0, 60.0, 900.0, 2.2, 0.1],
        ["WS", "visitor start → started", 5, 2, 21, 25.0, 9.0, 80.0, 300.0, 1.2, 0.4],
        ["", "Aggregated", 14, 3, 15, 18.0, 3.0, 80.0, 700.0, 3.4, 0.5],
    ]
    pd.DataFrame(
        [[*row, 13, 14, 15, 16, 20, 30, 40, 41, 50, 60, 60] for row in stats],
        columns=STATS_HEAD + PERCENTILES,
    ).to_csv(directory / "locust_stats.csv", index=False)
    pd.DataFrame(
        [
            ["WS", "visitor start → started", "StepFailed('start → started: no answer')", 2],
            ["POST", "/widget/v1/[account]/config", "HTTPError('429 Client Error')", 1],
        ],
        columns=["Method", "Name", "Error", "Occurrences"],
    ).to_csv(directory / "locust_failures.csv", index=False)
    # Two Locust processes, each writing its open sockets once a second.
    (directory / "connections-1.csv").write_text(
        "time,visitor,agent\n1000.2,0,2\n1001.2,3,2\n1002.2,1,2\n", encoding="utf-8"
    )
    (directory / "connections-2.csv").write_text(
        "time,visitor,agent\n1000.7,1,1\n1001.7,2,1\n", encoding="utf-8"
    )
    window = {
        "since": "2026-03-02T10:00:00+00:00",
        "until": "2026-03-02T10:01:00+00:00",
        "service_level_seconds": 1,
        "chats": 6,
        "offered": 5,
        "answered": 4,
        "abandoned": 1,
        "waiting": 1,
        "answered_in_time": 3,
        "service_level": 0.6,
        "abandonment": 0.2,
        "mean_wait_seconds": 0.8,
        "wait_percentiles_seconds": {"p50": 0.5, "p90": 1.9, "p95": 2.0},
    }
    (directory / "server_kpis.json").write_text(
        json.dumps({"window": window, "slices": [window, {**window, "chats": 0}]}),
        encoding="utf-8",
    )
    (directory / "run.json").write_text(
        json.dumps({"scenario": "Plain pool", "target": "http://127.0.0.1:1"}), encoding="utf-8"
    )
    return directory


def test_the_history_keeps_each_name_with_its_percentiles_from_the_start(tmp_path: Path) -> None:
    run = read_run(write_run(tmp_path))
    config = run.history[run.history["name"] == "/widget/v1/[account]/config"]
    assert config["seconds"].tolist() == [2, 4]
    assert config["p95"].tolist() == [30.0, 33.0]
    assert config["rps"].tolist() == [2.0, 2.5]
    # "N/A" (nothing measured yet) is a missing value, not a zero.
    first = run.history.iloc[0]
    assert first["name"] == "Aggregated" and pd.isna(first["p50"])


def test_open_connections_of_all_processes_add_up_per_second(tmp_path: Path) -> None:
    frame = read_run(write_run(tmp_path)).connections
    assert frame["seconds"].tolist() == [0, 1, 2]
    assert frame["visitor"].tolist() == [1, 5, 1]
    assert frame["agent"].tolist() == [3, 3, 2]
    assert connections([]).empty


def test_errors_are_grouped_by_kind_largest_first(tmp_path: Path) -> None:
    kinds = errors_by_kind(read_run(write_run(tmp_path)).failures)
    assert kinds["occurrences"].tolist() == [2, 1]
    assert kinds.iloc[0]["error"].startswith("StepFailed")
    assert kinds.iloc[0]["requests"] == "visitor start → started"


def test_the_report_shows_every_part_with_its_charts(tmp_path: Path) -> None:
    path = write_load_report(write_run(tmp_path))
    text = path.read_text(encoding="utf-8")
    for heading in (
        "Requests and WebSocket steps",
        "Throughput and response times",
        "Errors",
        "Connections",
        "The server&#x27;s chat KPIs",
    ):
        assert heading in text
    # Throughput, response times, errors, connections, server KPIs: five charts.
    assert text.count("data:image/png;base64,") == 5
    assert "visitor start → started" in text
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary.set_index("name").loc["visitor start → started", "failures"] == 2


def test_the_comparison_with_the_simulator_gets_its_chart_and_table(tmp_path: Path) -> None:
    write_run(tmp_path)
    pd.DataFrame(
        [
            ["service level", 0.78, 0.9, 0.87, 0.93, 0.8, 0.97, False],
            ["abandonment", 0.1, 0.05, 0.04, 0.07, 0.01, 0.13, True],
        ],
        columns=[
            "kpi", "server", "simulated", "95% CI low", "95% CI high", "single runs low",
            "single runs high", "inside single-run range",
        ],
    ).to_csv(tmp_path / "comparison.csv", index=False)  # fmt: skip
    text = write_load_report(tmp_path).read_text(encoding="utf-8")
    assert "Load beside simulation" in text
    assert text.count("data:image/png;base64,") == 6
    assert "0.78" in text


def test_a_run_that_left_nothing_still_gets_a_page(tmp_path: Path) -> None:
    text = write_load_report(tmp_path).read_text(encoding="utf-8")
    assert "Load test" in text
    assert text.count("data:image/png;base64,") == 1  # the errors chart, saying "no errors"
    assert history(pd.DataFrame()).empty
